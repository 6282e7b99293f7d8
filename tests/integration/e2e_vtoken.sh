#!/usr/bin/env bash
# The virtual token's login in Debian's Chromium (issue 16's acceptance;
# tests/e2e/vtoken.mjs): a holder with a certificate made through the API,
# the token's public client (explicit mode); `pecete-vtoken login` ->
# the browser signs in with 2FA and allows -> pkcs11-tool signs through
# the module; the app revoked in Settings -> CKR_USER_NOT_LOGGED_IN and
# `pecete-vtoken status` says why. Screenshots: tests/e2e/screenshots/vtoken/.
. "${PECETE_SRC:?}/tests/support/lib.sh"
. "$PECETE_SRC/tests/support/api.sh"
E2E="$PECETE_SRC/tests/e2e"
SUP="$PECETE_SRC/tests/support"

for tool in node npm oathtool python3 sqlite3 /usr/bin/chromium openssl curl xxd pkcs11-tool; do
	if ! command -v "$tool" >/dev/null 2>&1; then
		echo "# SKIP: $tool is missing (scripts/deps.sh installs it)"
		exit 77
	fi
done
[ -f "$PC_FT_LIB" ] || { echo "# SKIP: libfaketime missing"; exit 77; }
if [ ! -d "$E2E/node_modules/playwright-core" ]; then
	npm ci --prefix "$E2E" --no-audit --no-fund --prefer-offline >/dev/null 2>&1 ||
		{ echo "FAIL - npm ci in tests/e2e"; exit 1; }
fi
VT=${PECETE_BUILD:?}/pecete-vtoken
MOD=$PECETE_BUILD/libpecete-pkcs11.so

T=$(pc_tmpdir)
D=$T/d
DB=$D/pecete.db
pc_init "$D" --dev
port=$(pc_free_port)
export PECETE_SERVER_PUBLIC_URL="http://127.0.0.1:$port"
export PECETE_SERVER_WEB_ROOT="$PECETE_SRC/web"
export PECETE_SHOP_PROVIDER=sandbox
echo "+0s" >"$T/clock"
PC_PORT=$port pc_serve_clock "$D" "$T/clock"
ok "pecete serve on $PC_URL (clock in a file)"

. "$SUP/idv.sh"
idv_fixtures
PW=Verde-Munte-Ploaie-42
as op
api_signup_user op.vte@example.ro +40722000921
"$PECETE_BIN" user role --data "$D" --email op.vte@example.ro --role operator >/dev/null
api_pair_totp
as ana
api_signup_user ana.vte@example.ro +40722000922
api_issued op.vte@example.ro || { echo "FAIL - ana issued"; exit 1; }
sql "SELECT hex(der) FROM certs WHERE serial = '$SIGN'" | xxd -r -p >"$T/sign.der"
openssl x509 -inform DER -in "$T/sign.der" -out "$T/sign.pem" || { echo "FAIL - the certificate"; exit 1; }
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
