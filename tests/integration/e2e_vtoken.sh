#!/usr/bin/env bash
# The virtual token's login in Debian's Chromium (issue 16's acceptance;
# tests/e2e/vtoken.mjs): a holder with a certificate made through the API,
# the token's public client (explicit mode); `pecete-vtoken login` ->
# the browser signs in with 2FA and allows -> pkcs11-tool signs through
# the module; the app revoked in Settings -> CKR_USER_NOT_LOGGED_IN and
# `pecete-vtoken status` says why. Screenshots: tests/e2e/screenshots/vtoken/.
. "${PECETE_SRC:?}/tests/support/lib.sh"
. "$PECETE_SRC/tests/support/api.sh"
. "$PECETE_SRC/tests/support/e2e.sh"
e2e_need pkcs11-tool
VT=${PECETE_BUILD:?}/pecete-vtoken
MOD=$PECETE_BUILD/libpecete-pkcs11.so
e2e_serve_clock
e2e_holder op.vte ana.vte +40722000921 +40722000922
ok "a holder with a certificate (api_issued)"
"$PECETE_BIN" oauth client add --data "$D" --name "Pecete virtual token" --public \
	--redirect http://127.0.0.1/cb --auth-mode explicit >"$T/client.out" || fail "client add"
CID=$(sed -n 's/^client_id: //p' "$T/client.out")

mkdir -p "$T/run" "$T/cfg"
chmod 700 "$T/run" "$T/cfg"
export XDG_RUNTIME_DIR=$T/run XDG_CONFIG_HOME=$T/cfg PECETE_VTOKEN_AGENT=$VT
export PINENTRY=$SUP/pinentry-oath.sh VT_PIN_STATE=$T VT_PIN_SECRET=$SECRET
trap '"$VT" stop >/dev/null 2>&1; pc_cleanup' EXIT

rm -rf "$E2E/screenshots/vtoken"
mkdir -p "$E2E/screenshots/vtoken"
t0=$(date +%s)
PC_URL="$PC_URL" E2E_SHOTS="$E2E/screenshots/vtoken" E2E_TMP="$T" E2E_CLOCK="$T/clock" \
	E2E_LAST_STEP=$(($(date +%s) / 30 + 1)) E2E_PW="$PW" E2E_EMAIL=ana.vte@example.ro \
	E2E_SECRET="$SECRET" E2E_CERT="$T/sign.pem" E2E_VT="$VT" E2E_MOD="$MOD" E2E_CID="$CID" \
	timeout 300 node "$E2E/vtoken.mjs"
rc=$?
if [ $rc = 0 ]; then
	ok "browser journey: the virtual token's login and revocation (tests/e2e/vtoken.mjs, $(($(date +%s) - t0)) s)"
else
	fail "browser journey: the virtual token (tests/e2e/vtoken.mjs)"
	tail -20 "$D.serve.log" | sed 's/^/#   /'
fi
check "the token's signature audited (sign.csc), the grant's revocation too (oauth.grant_revoke)" \
	[ "$(sql "SELECT count(*) FROM audit_log WHERE event = 'sign.csc'")" -ge 1 \
	  -a "$(sql "SELECT count(*) FROM audit_log WHERE event = 'oauth.grant_revoke'")" -ge 1 ]
pc_done
