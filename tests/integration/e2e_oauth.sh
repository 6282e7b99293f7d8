#!/usr/bin/env bash
# The OAuth2-code flow of the CSC API in Debian's Chromium (issue 15's
# acceptance; tests/e2e/oauth.mjs), on one server whose clock is in a file
# (libfaketime): a holder with a certificate made through the API
# (tests/support/idv.sh api_issued), an operator, a public client and a
# confidential one registered with `pecete oauth client add`:
#  - PAR with authorization_details (two documents, labels) -> authorize in
#    the browser -> sign in (password, TOTP) -> back on the consent page,
#    which shows the client, the labels and the hashes -> a wrong TOTP
#    code refused at its field -> the right one -> the client's redirect
#    (caught in the browser) with the code and the state -> a wrong PKCE
#    verifier refused -> the token -> signHash with no SAD -> both
#    signatures verified with node's crypto against the certificate ->
#    the code again refused, its token then refused;
#  - the service scope approved on the consent page (no code asked);
#    Settings' authorized apps list it, revoke it (confirm dialog), the
#    row goes and its token is refused; a refusal on the consent page
#    sends access_denied. Screenshots: tests/e2e/screenshots/oauth/.
. "${PECETE_SRC:?}/tests/support/lib.sh"
. "$PECETE_SRC/tests/support/api.sh"
. "$PECETE_SRC/tests/support/e2e.sh"
e2e_need
e2e_serve_clock
e2e_holder op.oa ana.oa +40722000911 +40722000912
ANA_SECRET=$SECRET
ANA_SIGN=$SIGN
ok "a holder with a certificate, an operator (api_issued)"
LAST_STEP=$(($(date +%s) / 30 + 1))

CB=$(pc_free_port)
"$PECETE_BIN" oauth client add --data "$D" --name "Portofel EUDI" --public \
	--redirect "http://127.0.0.1:$CB/cb" >"$T/pub.out" || fail "public client"
PUB=$(sed -n 's/^client_id: //p' "$T/pub.out")
"$PECETE_BIN" oauth client add --data "$D" --name "Arhiva Docs" \
	--redirect "https://docs.example/cb" >"$T/conf.out" || fail "confidential client"
CONF=$(sed -n 's/^client_id: //p' "$T/conf.out")
CONF_SECRET=$(sed -n 's/^client_secret: //p' "$T/conf.out")
check "two clients registered (pecete oauth client add)" [ ${#PUB} = 32 -a ${#CONF} = 32 -a ${#CONF_SECRET} = 64 ]

rm -rf "$E2E/screenshots/oauth"
mkdir -p "$E2E/screenshots/oauth"
t0=$(date +%s)
PC_URL="$PC_URL" E2E_SHOTS="$E2E/screenshots/oauth" E2E_TMP="$T" E2E_CLOCK="$T/clock" \
	E2E_LAST_STEP="$LAST_STEP" E2E_PW="$PW" E2E_EMAIL=ana.oa@example.ro E2E_SECRET="$ANA_SECRET" \
	E2E_CRED="$ANA_SIGN" E2E_CERT="$T/sign.pem" E2E_PUB="$PUB" E2E_CB="http://127.0.0.1:$CB/cb" \
	E2E_CONF="$CONF" E2E_CONF_SECRET="$CONF_SECRET" \
	timeout 300 node "$E2E/oauth.mjs"
rc=$?
if [ $rc = 0 ]; then
	ok "browser journey: OAuth2 code flow (tests/e2e/oauth.mjs, $(($(date +%s) - t0)) s)"
else
	fail "browser journey: OAuth2 code flow (tests/e2e/oauth.mjs, $(($(date +%s) - t0)) s)"
	echo "# server log (tail):"
	tail -30 "$D.serve.log" | sed 's/^/#   /'
fi
check "the signatures are counted: two transactions, audited sign.csc" \
	[ "$(sql "SELECT count(*) FROM audit_log WHERE event = 'sign.csc'")" -ge 1 ]
check "the consent and the grant revocation are audited" \
	[ "$(sql "SELECT count(*) FROM audit_log WHERE event IN ('oauth.consent', 'oauth.grant_revoke', 'oauth.deny')")" -ge 3 ]
check "audit chain intact (pecete audit verify)" \
	bash -c "'$PECETE_BIN' audit verify --data '$D' | grep -q 'audit chain OK'"
pc_done
