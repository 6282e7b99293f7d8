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
E2E="$PECETE_SRC/tests/e2e"
SUP="$PECETE_SRC/tests/support"

for tool in node npm oathtool python3 sqlite3 /usr/bin/chromium openssl curl xxd; do
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
api_signup_user op.oa@example.ro +40722000911
"$PECETE_BIN" user role --data "$D" --email op.oa@example.ro --role operator >/dev/null
api_pair_totp
as ana
api_signup_user ana.oa@example.ro +40722000912
api_issued op.oa@example.ro || { echo "FAIL - ana issued"; exit 1; }
ANA_SECRET=$SECRET
ANA_SIGN=$SIGN
sql "SELECT hex(der) FROM certs WHERE serial = '$ANA_SIGN'" | xxd -r -p >"$T/sign.der"
openssl x509 -inform DER -in "$T/sign.der" -out "$T/sign.pem" || { echo "FAIL - the certificate"; exit 1; }
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
