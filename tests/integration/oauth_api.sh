#!/bin/bash
# oauth_api.sh: the OAuth2 authorization server of the CSC API (issue 15,
# item 1) driven with curl against a real server, one issued holder (Ana):
#  - `pecete oauth client add|list|remove`: a confidential client (secret
#    shown once, stored hashed), a public one with a loopback redirect;
#  - metadata (RFC 8414) and v2 info (authType oauth2code, oauth2);
#  - an unregistered redirect URI: a 400 page, no redirect to it; plain
#    PKCE refused (authorize redirects invalid_request, PAR answers it);
#  - PAR (RFC 9126) with authorization_details (RAR, type credential, two
#    document digests with labels) -> authorize -> the consent (signed
#    out: not_signed_in; signed in: the client, the labels, the hashes)
#    -> a wrong TOTP code refused, the right one -> code -> token: a wrong
#    PKCE verifier is invalid_grant, the right one gives a credential
#    token -> signHash without SAD: both signatures verified with openssl
#    pkeyutl, a hash not covered refused, the SAD spent; the code again:
#    invalid_grant and its token revoked;
#  - the service scope (classic authorize, a loopback redirect on another
#    port, client_secret_basic): access + refresh; credentials/list;
#    refresh rotation (client_secret_post); the old refresh token again:
#    invalid_grant and the whole family revoked;
#  - revocation (RFC 7009) then the token is invalid_token; a refused
#    consent redirects access_denied with the state; a code past 60 s;
#  - the authorized apps of the settings: listed, one revoked, its token
#    then invalid_token; the client removed by the CLI.
. "$PECETE_SRC/tests/support/lib.sh"
. "$PECETE_SRC/tests/support/api.sh"
pc_need --faketime curl sqlite3 openssl oathtool python3 xxd

T=$(pc_tmpdir)
D=$T/data
pc_init "$D" --dev
DB=$D/pecete.db
AHEAD=0
echo "+0s" >"$T/clock"
pc_serve_clock "$D" "$T/clock"
. "$PECETE_SRC/tests/support/idv.sh"
idv_fixtures

PW=Verde-Munte-Ploaie-42
as op
api_signup_user op.oauth@example.ro +40722000999
"$PECETE_BIN" user role --data "$D" --email op.oauth@example.ro --role operator >/dev/null
api_pair_totp
as ana
api_signup_user ana.oauth@example.ro +40722000111
api_issued op.oauth@example.ro || fail "issued user"
ANA_SECRET=$SECRET
ASIGN=$SIGN
LAST_STEP=$(($(date +%s) / 30 + 1))
check "a holder with a credential" [ -n "$ASIGN" ]

next_code() {	# next_code: TOTP of a step newer than any used
	local step
	step=$((($(date +%s) + AHEAD) / 30))
	if [ "$step" -le "$LAST_STEP" ]; then
		AHEAD=$((AHEAD + (LAST_STEP - step + 1) * 30))
		echo "+${AHEAD}s" >"$T/clock"
		step=$((LAST_STEP + 1))
	fi
	LAST_STEP=$step
	TOTP=$(oathtool --totp -b -N "@$((step * 30))" "$ANA_SECRET")
}
ahead() {	# ahead SECONDS: move the server's clock on
	AHEAD=$((AHEAD + $1))
	echo "+${AHEAD}s" >"$T/clock"
}
form() {	# form PATH [curl args...]: POST a form to PATH; CODE, BODY, headers in $T/fhead
	local p=$1
	shift
	CODE=$(curl -s -o "$T/fbody" -D "$T/fhead" -w '%{http_code}' -X POST "$@" "$PC_URL$p")
	BODY=$(cat "$T/fbody")
}
oexpect() {	# oexpect STATUS ERROR "what": an RFC 6749 error answer
	if [ "$CODE" = "$1" ] && [ "$(jget error)" = "$2" ]; then
		ok "$3"
	else
		fail "$3 (got $CODE $BODY)"
	fi
}
getloc() {	# getloc URL: GET without following; CODE and LOC (Location)
	CODE=$(curl -s -o "$T/gbody" -D "$T/ghead" -w '%{http_code}' "$1")
	LOC=$(grep -i '^Location:' "$T/ghead" | sed 's/^[^:]*: *//' | tr -d '\r')
}
qarg() {	# qarg URL NAME: a query argument of URL, decoded
	/usr/bin/python3 -c 'import sys, urllib.parse as u
q = u.parse_qs(u.urlsplit(sys.argv[1]).query)
print(q.get(sys.argv[2], [""])[0])' "$1" "$2"
}
csc() {		# csc PATH JSON TOKEN: POST /csc/PATH
	CODE=$(curl -s -o "$T/cbody" -w '%{http_code}' -X POST \
		-H 'Content-Type: application/json' -d "$2" \
		-H "Authorization: Bearer $3" "$PC_URL/csc/$1")
	BODY=$(cat "$T/cbody")
}
b64() { openssl base64 -A; }
b64url() { openssl base64 -A | tr '+/' '-_' | tr -d '='; }
h256() { printf '%s' "$1" | openssl dgst -sha256 -binary; }
enc() { /usr/bin/python3 -c 'import sys, urllib.parse as u; print(u.quote(sys.argv[1], safe=""))' "$1"; }
not() { ! "$@"; }

# ---- clients --------------------------------------------------------------
"$PECETE_BIN" oauth client add --data "$D" --name "Semnez Docs" \
	--redirect https://app.example/cb >"$T/conf.out" || fail "client add"
CID=$(sed -n 's/^client_id: //p' "$T/conf.out")
CSEC=$(sed -n 's/^client_secret: //p' "$T/conf.out")
check "a confidential client: an id and a secret shown once" [ ${#CID} = 32 -a ${#CSEC} = 64 ]
check "its secret is stored hashed" \
	[ "$(sql "SELECT secret_hash FROM oauth_clients WHERE id = '$CID'")" = "$(printf '%s' "$CSEC" | sha256sum | cut -d' ' -f1)" ]
"$PECETE_BIN" oauth client add --data "$D" --name "Wallet App" --public \
	--redirect http://127.0.0.1/cb >"$T/pub.out" || fail "public client add"
PID=$(sed -n 's/^client_id: //p' "$T/pub.out")
check "a public client: an id, no secret" [ ${#PID} = 32 -a -z "$(grep client_secret "$T/pub.out")" ]
check "oauth client list shows both" \
	[ "$("$PECETE_BIN" oauth client list --data "$D" | grep -c -e "$CID" -e "$PID")" = 2 ]
check "a plain-http redirect that is not loopback is refused at registration" \
	not "$PECETE_BIN" oauth client add --data "$D" --name X --redirect http://evil.example/cb 2>/dev/null

# ---- metadata ---------------------------------------------------------------
CODE=$(curl -s -o "$T/body" -w '%{http_code}' "$PC_URL/.well-known/oauth-authorization-server")
BODY=$(cat "$T/body")
ISS=$(jget issuer)
check "RFC 8414 metadata: issuer (the public URL), endpoints, S256 only, PAR, RAR credential, RFC 9207 iss" \
	[ "$CODE" = 200 -a "$ISS" = "$(sed -n 's/^public_url *= *//p' "$D/pecete.conf" | head -n 1)" \
	  -a "$(jget token_endpoint)" = "$ISS/csc/v2/oauth2/token" \
	  -a "$(jget authorization_endpoint)" = "$ISS/csc/v2/oauth2/authorize" \
	  -a "$(jget pushed_authorization_request_endpoint)" = "$ISS/csc/v2/oauth2/pushed_authorize" \
	  -a "$(jget revocation_endpoint)" = "$ISS/csc/v2/oauth2/revoke" \
	  -a "$(jpath 'j["code_challenge_methods_supported"]')" = "['S256']" \
	  -a "$(jpath '"credential" in j["authorization_details_types_supported"]')" = true \
	  -a "$(jget authorization_response_iss_parameter_supported)" = true ]
CODE=$(curl -s -o "$T/body" -w '%{http_code}' -X POST -H 'Content-Type: application/json' -d '{}' "$PC_URL/csc/v2/info")
BODY=$(cat "$T/body")
check "v2 info: authType has oauth2code, oauth2 is the base of oauth2/*" \
	[ "$CODE" = 200 -a "$(jpath '"oauth2code" in j["authType"]')" = true \
	  -a "$(jget oauth2)" = "$ISS/csc/v2" -a "$(jget oauth2Issuer)" = "$ISS" \
	  -a "$(jpath '"oauth2/token" in j["methods"]')" = true ]

# ---- PKCE ---------------------------------------------------------------------
VER=$(openssl rand -hex 32)
CHAL=$(printf '%s' "$VER" | openssl dgst -sha256 -binary | b64url)
H1=$(h256 "contract one" | b64)
H2=$(h256 "contract two" | b64)
RAR="[{\"type\":\"credential\",\"credentialID\":\"$ASIGN\",\"documentDigests\":[{\"hash\":\"$H1\",\"label\":\"Contract 1.pdf\"},{\"hash\":\"$(h256 "contract two" | b64url)\",\"label\":\"Anexa 2.pdf\"}],\"hashAlgorithmOID\":\"2.16.840.1.101.3.4.2.1\"}]"

getloc "$PC_URL/csc/v2/oauth2/authorize?response_type=code&client_id=$PID&redirect_uri=$(enc https://evil.example/cb)&code_challenge=$CHAL&code_challenge_method=S256&scope=service&state=s1"
check "an unregistered redirect URI: 400, and no redirect at all" [ "$CODE" = 400 -a -z "$LOC" ]
getloc "$PC_URL/csc/v2/oauth2/authorize?response_type=code&client_id=nobody&redirect_uri=$(enc http://127.0.0.1/cb)&code_challenge=$CHAL&code_challenge_method=S256&scope=service"
check "an unknown client: 401, no redirect" [ "$CODE" = 401 -a -z "$LOC" ]
getloc "$PC_URL/csc/v2/oauth2/authorize?response_type=code&client_id=$PID&redirect_uri=$(enc http://127.0.0.1/cb)&code_challenge=$VER&code_challenge_method=plain&scope=service&state=s2"
check "plain PKCE: redirected back with invalid_request and the state" \
	[ "$CODE" = 302 -a "$(qarg "$LOC" error)" = invalid_request -a "$(qarg "$LOC" state)" = s2 ]
getloc "$PC_URL/csc/v2/oauth2/authorize?response_type=code&client_id=$PID&redirect_uri=$(enc http://127.0.0.1/cb)&code_challenge=$CHAL&code_challenge_method=S256&scope=service&state=$(printf 'x%.0s' $(seq 600))"
check "a state over 500 characters: invalid_request, not echoed" \
	[ "$CODE" = 302 -a "$(qarg "$LOC" error)" = invalid_request -a -z "$(qarg "$LOC" state)" ]
getloc "$PC_URL/csc/v2/oauth2/authorize?response_type=code&client_id=$PID&redirect_uri=$(enc http://127.0.0.1/cb)&scope=service&state=s3"
check "no PKCE at all: invalid_request" [ "$CODE" = 302 -a "$(qarg "$LOC" error)" = invalid_request ]
form /csc/v2/oauth2/pushed_authorize --data-urlencode "client_id=$PID" --data-urlencode response_type=code \
	--data-urlencode "redirect_uri=http://127.0.0.1/cb" --data-urlencode "code_challenge=$VER" \
	--data-urlencode code_challenge_method=plain --data-urlencode "authorization_details=$RAR"
oexpect 400 invalid_request "PAR with plain PKCE: 400 invalid_request"
form /csc/v2/oauth2/pushed_authorize -u "$CID:$(openssl rand -hex 32)" --data-urlencode response_type=code \
	--data-urlencode "redirect_uri=https://app.example/cb" --data-urlencode "code_challenge=$CHAL" \
	--data-urlencode code_challenge_method=S256 --data-urlencode scope=service
oexpect 401 invalid_client "PAR with a wrong client secret: 401 invalid_client"

# ---- PAR + RAR -> consent -> code -> token -> signHash ------------------------------
form /csc/v2/oauth2/pushed_authorize --data-urlencode "client_id=$PID" --data-urlencode response_type=code \
	--data-urlencode "redirect_uri=http://127.0.0.1/cb" --data-urlencode "code_challenge=$CHAL" \
	--data-urlencode code_challenge_method=S256 --data-urlencode "authorization_details=$RAR" \
	--data-urlencode state=st-par
RURI=$(jget request_uri)
check "PAR: 201, a request_uri for 60 s" \
	[ "$CODE" = 201 -a "${RURI#urn:ietf:params:oauth:request_uri:}" != "$RURI" -a "$(jget expires_in)" = 60 ]
getloc "$PC_URL/csc/v2/oauth2/authorize?client_id=$PID&request_uri=$(enc "$RURI")"
check "authorize with the request_uri: to the consent page" [ "$CODE" = 302 -a "${LOC%%\?*}" = /oauth/consent ]

CONSENT=$(qarg "http://x$LOC" id)
getloc "$PC_URL/csc/v2/oauth2/authorize?client_id=$PID&request_uri=$(enc "$RURI")"
check "the request_uri again: refused (single use)" [ "$CODE" != 302 ]

CODE=$(curl -s -o "$T/body" -w '%{http_code}' "$PC_URL/api/v1/oauth/consent/$CONSENT")
BODY=$(cat "$T/body")
check "the consent signed out: not_signed_in (the page signs in first)" \
	[ "$CODE" = 401 -a "$(jget error.code)" = not_signed_in ]
api GET "/api/v1/oauth/consent/$CONSENT"
check "the consent: the client, the scope, the documents' labels and hashes" \
	[ "$CODE" = 200 -a "$(jget client.name)" = "Wallet App" -a "$(jget scope)" = credential \
	  -a "$(jget credential)" = "$ASIGN" \
	  -a "$(jpath 'j["documents"][0]["label"]')" = "Contract 1.pdf" \
	  -a "$(jpath 'j["documents"][1]["label"]')" = "Anexa 2.pdf" \
	  -a "$(jpath 'j["documents"][0]["hash"]')" = "$H1" \
	  -a "$(jpath 'j["documents"][1]["hash"]')" = "$H2" ]
api POST "/api/v1/oauth/consent/$CONSENT" '{"approve":true,"code":"000000"}'
check "a wrong TOTP code: refused, no code given" \
	[ "$CODE" = 400 -a "$(jget error.code)" = totp_invalid -a "$(sql "SELECT count(*) FROM oauth_requests WHERE status = 'approved'")" = 0 ]
next_code
api POST "/api/v1/oauth/consent/$CONSENT" "{\"approve\":true,\"code\":\"$TOTP\"}"
RED=$(jget redirect)
ACODE=$(qarg "$RED" code)
check "the right code: back to the client with a code and the state" \
	[ "$CODE" = 200 -a "${RED%%\?*}" = http://127.0.0.1/cb -a ${#ACODE} = 64 -a "$(qarg "$RED" state)" = st-par ]
check "RFC 9207: the authorization response names the issuer (iss)" \
	[ "$(qarg "$RED" iss)" = "$ISS" -a -n "$ISS" ]
check "the code is stored hashed" [ "$(sql "SELECT count(*) FROM oauth_requests WHERE code_hash = '$ACODE'")" = 0 ]
api POST "/api/v1/oauth/consent/$CONSENT" "{\"approve\":true,\"code\":\"$TOTP\"}"
check "the consent answered: a second answer is oauth_request_unknown" \
	[ "$CODE" = 404 -a "$(jget error.code)" = oauth_request_unknown ]

form /csc/v2/oauth2/token --data-urlencode grant_type=authorization_code --data-urlencode "client_id=$PID" \
	--data-urlencode "code=$ACODE" --data-urlencode "redirect_uri=http://127.0.0.1/cb" \
	--data-urlencode "code_verifier=$(openssl rand -hex 32)"
oexpect 400 invalid_grant "a wrong PKCE verifier: invalid_grant"
form /csc/v2/oauth2/token --data-urlencode grant_type=authorization_code --data-urlencode "client_id=$PID" \
	--data-urlencode "code=$ACODE" --data-urlencode "redirect_uri=http://127.0.0.1/other" \
	--data-urlencode "code_verifier=$VER"
oexpect 400 invalid_grant "another redirect_uri: invalid_grant"
form /csc/v2/oauth2/token --data-urlencode grant_type=authorization_code --data-urlencode "client_id=$PID" \
	--data-urlencode "code=$ACODE" --data-urlencode "redirect_uri=http://127.0.0.1/cb" \
	--data-urlencode "code_verifier=$VER"
CTOK=$(jget access_token)
check "the code with its verifier: a credential token (Bearer, <= 300 s, no refresh token)" \
	[ "$CODE" = 200 -a ${#CTOK} = 64 -a "$(jget token_type)" = Bearer -a "$(jget scope)" = credential \
	  -a "$(jget expires_in)" -le 300 -a -z "$(jget refresh_token)" ]
check "no-store on the token answer" grep -qi '^Cache-Control: no-store' "$T/fhead"
# Whoever saw the code (a redirect in a browser's history) cannot make the
# token from it: it is random, not derived.
DTOK=$(py 'import hashlib,sys; print(hashlib.sha256(b"pecete oauth2 access token from code\0" + sys.argv[1].encode()).hexdigest())' "$ACODE")
csc v2/credentials/info "{\"credentialID\":\"$ASIGN\"}" "$DTOK"
check "a token derived from the code is not a token (401)" [ "$CODE" = 401 -a "$CTOK" != "$DTOK" ]

sql "SELECT hex(der) FROM certs WHERE serial = '$ASIGN'" | xxd -r -p >"$T/sign.der"
openssl x509 -inform DER -in "$T/sign.der" -pubkey -noout >"$T/pub.pem"
if openssl pkey -pubin -in "$T/pub.pem" -noout -text 2>/dev/null | grep -q '^Modulus'; then
	SALG=1.2.840.113549.1.1.11
else
	SALG=1.2.840.10045.4.3.2
fi
verify() {	# verify DOC SIG-B64: openssl pkeyutl checks the signature of sha256(DOC)
	h256 "$1" >"$T/h.bin"
	printf '%s' "$2" | openssl base64 -d -A >"$T/s.bin"
	openssl pkeyutl -verify -pubin -inkey "$T/pub.pem" -in "$T/h.bin" \
		-sigfile "$T/s.bin" -pkeyopt digest:sha256 >/dev/null 2>&1
}
csc v2/credentials/list '{}' "$CTOK"
check "the credential token does not list credentials (403)" [ "$CODE" = 403 ]
csc v2/signatures/signHash "{\"credentialID\":\"$ASIGN\",\"hashes\":[\"$(h256 "not consented" | b64)\"],\"hashAlgorithmOID\":\"2.16.840.1.101.3.4.2.1\",\"signAlgo\":\"$SALG\"}" "$CTOK"
check "signHash of a hash not consented to: refused" [ "$CODE" = 400 ]
csc v2/signatures/signHash "{\"credentialID\":\"$ASIGN\",\"hashes\":[\"$H1\",\"$H2\"],\"hashAlgorithmOID\":\"2.16.840.1.101.3.4.2.1\",\"signAlgo\":\"$SALG\"}" "$CTOK"
check "signHash with the token and no SAD: two signatures" [ "$CODE" = 200 -a "$(jpath 'len(j["signatures"])')" = 2 ]
check "signature 1 verifies (openssl pkeyutl)" verify "contract one" "$(jpath 'j["signatures"][0]')"
check "signature 2 verifies (openssl pkeyutl)" verify "contract two" "$(jpath 'j["signatures"][1]')"
csc v2/signatures/signHash "{\"credentialID\":\"$ASIGN\",\"hashes\":[\"$H1\"],\"signAlgo\":\"$SALG\",\"hashAlgorithmOID\":\"2.16.840.1.101.3.4.2.1\"}" "$CTOK"
check "the consent's SAD is spent: the same hash again is refused" [ "$CODE" = 400 ]
check "audited: oauth.consent, oauth.token, sign.csc" \
	[ "$(sql "SELECT count(DISTINCT event) FROM audit_log WHERE event IN ('oauth.consent', 'oauth.token', 'sign.csc')")" = 3 ]

form /csc/v2/oauth2/token --data-urlencode grant_type=authorization_code --data-urlencode "client_id=$PID" \
	--data-urlencode "code=$ACODE" --data-urlencode "redirect_uri=http://127.0.0.1/cb" \
	--data-urlencode "code_verifier=$VER"
oexpect 400 invalid_grant "the code used again: invalid_grant"
check "... and the token it gave is revoked" \
	[ "$(sql "SELECT revoked_at > 0 FROM api_tokens WHERE hash = '$(printf '%s' "$CTOK" | sha256sum | cut -d' ' -f1)'")" = 1 ]
csc v2/signatures/signHash "{\"credentialID\":\"$ASIGN\",\"hashes\":[\"$H1\"],\"signAlgo\":\"$SALG\"}" "$CTOK"
check "... refused at the gate: invalid_token 401" [ "$CODE" = 401 -a "$(jget error)" = invalid_token ]

# ---- CSC v2's own parameters (credentialID, numSignatures, hashes) ------------------
H3U=$(h256 "contract three" | b64url)
getloc "$PC_URL/csc/v2/oauth2/authorize?response_type=code&client_id=$PID&redirect_uri=$(enc http://127.0.0.1/cb)&code_challenge=$CHAL&code_challenge_method=S256&scope=credential&credentialID=$ASIGN&numSignatures=1&hashes=$H3U&hashAlgorithmOID=2.16.840.1.101.3.4.2.1&state=s-csc"
check "classic authorize with CSC v2's credentialID, numSignatures, hashes: to the consent" [ "$CODE" = 302 -a "${LOC%%\?*}" = /oauth/consent ]
api GET "/api/v1/oauth/consent/$(qarg "http://x$LOC" id)"
check "... the hash shown canonical (base64), without a label" \
	[ "$CODE" = 200 -a "$(jpath 'len(j["documents"])')" = 1 -a "$(jpath 'j["documents"][0]["hash"]')" = "$(h256 "contract three" | b64)" \
	  -a -z "$(jpath 'j["documents"][0]["label"]')" ]
getloc "$PC_URL/csc/v2/oauth2/authorize?response_type=code&client_id=$PID&redirect_uri=$(enc http://127.0.0.1/cb)&code_challenge=$CHAL&code_challenge_method=S256&scope=credential&credentialID=$ASIGN&numSignatures=2&hashes=$H3U&state=s-csc2"
check "numSignatures not the number of hashes: invalid_request to the client" \
	[ "$CODE" = 302 -a "$(qarg "$LOC" error)" = invalid_request -a "$(qarg "$LOC" state)" = s-csc2 ]
for n in "1x" "+1" " 1" "01x" "1 "; do
	getloc "$PC_URL/csc/v2/oauth2/authorize?response_type=code&client_id=$PID&redirect_uri=$(enc http://127.0.0.1/cb)&code_challenge=$CHAL&code_challenge_method=S256&scope=credential&credentialID=$ASIGN&numSignatures=$(enc "$n")&hashes=$H3U&state=s-num"
	check "numSignatures '$n' (not exactly a number): invalid_request, with iss (RFC 9207)" \
		[ "$CODE" = 302 -a "$(qarg "$LOC" error)" = invalid_request -a "$(qarg "$LOC" iss)" = "$ISS" ]
done
# Labels the consent page shows: nothing that changes how the rest reads.
for lab in "$(printf 'invoice\xe2\x80\xaefdp.exe')" "$(printf 'a\xc2\x85b')" "$(printf 'x\xe2\x81\xa6y')" \
	"$(printf 'zero\xe2\x80\x8bwidth')" "$(printf 'bad\xc3utf8')" "$(printf 'over\xc0\xaflong')"; do
	form /csc/v2/oauth2/pushed_authorize --data-urlencode "client_id=$PID" --data-urlencode response_type=code \
		--data-urlencode "redirect_uri=http://127.0.0.1/cb" --data-urlencode "code_challenge=$CHAL" \
		--data-urlencode code_challenge_method=S256 \
		--data-urlencode "authorization_details=[{\"type\":\"credential\",\"credentialID\":\"$ASIGN\",\"documentDigests\":[{\"hash\":\"$H1\",\"label\":\"$lab\"}],\"hashAlgorithmOID\":\"2.16.840.1.101.3.4.2.1\"}]"
	oexpect 400 invalid_request "a label with a bidi, control, invisible or malformed character ($(printf '%s' "$lab" | xxd -p | head -c 40)): refused"
done
form /csc/v2/oauth2/pushed_authorize --data-urlencode "client_id=$PID" --data-urlencode response_type=code \
	--data-urlencode "redirect_uri=http://127.0.0.1/cb" --data-urlencode "code_challenge=$CHAL" \
	--data-urlencode code_challenge_method=S256 \
	--data-urlencode "authorization_details=[{\"type\":\"credential\",\"credentialID\":\"$ASIGN\",\"documentDigests\":[{\"hash\":\"$H1\",\"label\":\"Contract în română.pdf\"}],\"hashAlgorithmOID\":\"2.16.840.1.101.3.4.2.1\"}]"
check "a label in Romanian (UTF-8 letters): accepted" [ "$CODE" = 201 ]
getloc "$PC_URL/csc/v2/oauth2/authorize?response_type=code&client_id=$PID&redirect_uri=$(enc http://127.0.0.1/cb)&code_challenge=$CHAL&code_challenge_method=S256&scope=credential&credentialID=$ASIGN&hashes=not*base64&state=s-csc3"
check "a malformed hash: invalid_request to the client" [ "$CODE" = 302 -a "$(qarg "$LOC" error)" = invalid_request ]
getloc "$PC_URL/csc/v2/oauth2/authorize?response_type=code&client_id=$PID&redirect_uri=$(enc http://127.0.0.1/cb)&code_challenge=$CHAL&code_challenge_method=S256&scope=admin&state=s-csc4"
check "an unknown scope: invalid_scope to the client" [ "$CODE" = 302 -a "$(qarg "$LOC" error)" = invalid_scope ]

# ---- service scope: classic authorize, loopback port, refresh rotation -------------
consent_service() {	# consent_service CLIENT REDIRECT STATE: approve a service request; ACODE
	getloc "$PC_URL/csc/v2/oauth2/authorize?response_type=code&client_id=$1&redirect_uri=$(enc "$2")&code_challenge=$CHAL&code_challenge_method=S256&scope=service&state=$3"
	[ "$CODE" = 302 ] || { echo "# authorize: $CODE $LOC"; return 1; }
	api POST "/api/v1/oauth/consent/$(qarg "http://x$LOC" id)" '{"approve":true}'
	ACODE=$(qarg "$(jget redirect)" code)
	[ "$CODE" = 200 -a -n "$ACODE" ]
}
check "a loopback redirect on another port (RFC 8252): accepted, approved" \
	consent_service "$PID" http://127.0.0.1:53123/cb s-port
check "the code goes back to that port" [ "$(jget redirect | cut -d'?' -f1)" = http://127.0.0.1:53123/cb ]
check "another path on the loopback is not registered: refused" \
	not consent_service "$PID" http://127.0.0.1:53123/other s-x
check "a confidential client, classic authorize: approved" consent_service "$CID" https://app.example/cb s-c
# RFC 6749 §2.3.1: the id and the secret are form-urlencoded, then joined:
# every byte escaped is the same client.
PCT_CID=$(printf '%s' "$CID" | xxd -p -c 256 | sed 's/../%&/g')
form /csc/v2/oauth2/token -u "$PCT_CID:$CSEC%" --data-urlencode grant_type=authorization_code \
	--data-urlencode "code=$ACODE" --data-urlencode "redirect_uri=https://app.example/cb" \
	--data-urlencode "code_verifier=$VER"
oexpect 401 invalid_client "Basic with a malformed escape in the secret: invalid_client (the code kept)"
form /csc/v2/oauth2/token -u "$PCT_CID:$CSEC" --data-urlencode grant_type=authorization_code \
	--data-urlencode "code=$ACODE" --data-urlencode "redirect_uri=https://app.example/cb" \
	--data-urlencode "code_verifier=$VER"
STOK=$(jget access_token)
RT1=$(jget refresh_token)
check "client_secret_basic (the id form-urlencoded): a service token and a refresh token" \
	[ "$CODE" = 200 -a ${#STOK} = 64 -a ${#RT1} = 64 -a "$(jget scope)" = service -a "$(jget expires_in)" = 600 ]
check "the refresh token is stored hashed" \
	[ "$(sql "SELECT count(*) FROM oauth_refresh WHERE hash = '$(printf '%s' "$RT1" | sha256sum | cut -d' ' -f1)'")" = 1 \
	  -a "$(sql "SELECT count(*) FROM oauth_refresh WHERE hash = '$RT1'")" = 0 ]
csc v2/credentials/list '{}' "$STOK"
check "the service token lists Ana's credential" [ "$CODE" = 200 -a "$(jpath 'j["credentialIDs"]')" = "['$ASIGN']" ]
csc v2/credentials/info "{\"credentialID\":\"$ASIGN\",\"authInfo\":true}" "$STOK"
check "credentials/info through an oauth2code client: auth.mode oauth2code, no OTP object" \
	[ "$CODE" = 200 -a "$(jpath 'j["auth"]["mode"]')" = oauth2code -a "$(jpath '"objects" in j["auth"]')" = false ]
csc v1/credentials/info "{\"credentialID\":\"$ASIGN\",\"authInfo\":true}" "$STOK"
check "... v1: authMode oauth2code" [ "$CODE" = 200 -a "$(jget authMode)" = oauth2code ]
csc v2/credentials/authorize "{\"credentialID\":\"$ASIGN\",\"numSignatures\":1,\"hashes\":[\"$H1\"],\"hashAlgorithmOID\":\"2.16.840.1.101.3.4.2.1\",\"authData\":[{\"id\":\"OTP\",\"value\":\"000000\"}]}" "$STOK"
check "an oauth2code client cannot authorize with a code it collected itself: 400 invalid_request" \
	[ "$CODE" = 400 -a "$(jget error)" = invalid_request ]
form /csc/v2/oauth2/token --data-urlencode grant_type=refresh_token --data-urlencode "refresh_token=$RT1" \
	--data-urlencode "client_id=$PID"
oexpect 400 invalid_grant "another client's refresh token: invalid_grant"
form /csc/v2/oauth2/token --data-urlencode grant_type=refresh_token --data-urlencode "refresh_token=$RT1" \
	--data-urlencode "client_id=$CID" --data-urlencode "client_secret=$CSEC"
STOK2=$(jget access_token)
RT2=$(jget refresh_token)
check "client_secret_post refresh: a new access token and a new refresh token" \
	[ "$CODE" = 200 -a ${#STOK2} = 64 -a "$STOK2" != "$STOK" -a ${#RT2} = 64 -a "$RT2" != "$RT1" ]
form /csc/v2/oauth2/token --data-urlencode grant_type=refresh_token --data-urlencode "refresh_token=$RT1" \
	--data-urlencode "client_id=$CID" --data-urlencode "client_secret=$CSEC"
oexpect 400 invalid_grant "the rotated-away refresh token again: invalid_grant"
csc v2/credentials/list '{}' "$STOK2"
check "reuse detected: the family's access token is revoked" [ "$CODE" = 401 ]
form /csc/v2/oauth2/token --data-urlencode grant_type=refresh_token --data-urlencode "refresh_token=$RT2" \
	--data-urlencode "client_id=$CID" --data-urlencode "client_secret=$CSEC"
oexpect 400 invalid_grant "... and its newest refresh token too"
form /csc/v2/oauth2/token --data-urlencode grant_type=password --data-urlencode "client_id=$PID"
oexpect 400 unsupported_grant_type "grant_type password: unsupported_grant_type"

# ---- revocation (RFC 7009) -------------------------------------------------------
consent_service "$CID" https://app.example/cb s-r || fail "consent for revocation"
form /csc/v2/oauth2/token -u "$CID:$CSEC" --data-urlencode grant_type=authorization_code \
	--data-urlencode "code=$ACODE" --data-urlencode "redirect_uri=https://app.example/cb" \
	--data-urlencode "code_verifier=$VER"
STOK3=$(jget access_token)
csc v2/credentials/list '{}' "$STOK3"
check "a new service token works" [ "$CODE" = 200 ]
form /csc/v2/oauth2/revoke -u "$CID:$CSEC" --data-urlencode "token=$STOK3" --data-urlencode token_type_hint=access_token
check "revoke: 200" [ "$CODE" = 200 ]
csc v2/credentials/list '{}' "$STOK3"
check "the revoked token: invalid_token 401" [ "$CODE" = 401 -a "$(jget error)" = invalid_token ]
form /csc/v2/oauth2/revoke -u "$CID:$CSEC" --data-urlencode "token=not-a-token"
check "revoking an unknown token: 200 all the same (RFC 7009)" [ "$CODE" = 200 ]
form /csc/v2/oauth2/revoke --data-urlencode "client_id=$CID" --data-urlencode "token=$STOK3"
oexpect 401 invalid_client "revoke by a confidential client without its secret: invalid_client"

# ---- a new password ends the apps too -------------------------------------------------
consent_service "$CID" https://app.example/cb s-pw || fail "consent before the password change"
form /csc/v2/oauth2/token -u "$CID:$CSEC" --data-urlencode grant_type=authorization_code \
	--data-urlencode "code=$ACODE" --data-urlencode "redirect_uri=https://app.example/cb" \
	--data-urlencode "code_verifier=$VER"
RT4=$(jget refresh_token)
api POST /api/v1/account/password '{"current_password":"Verde-Munte-Ploaie-42","password":"Alt-Munte-Verde-Ploios-77","password_confirm":"Alt-Munte-Verde-Ploios-77"}'
check "the password changed" [ "$CODE" = 200 ]
form /csc/v2/oauth2/token --data-urlencode grant_type=refresh_token --data-urlencode "refresh_token=$RT4" \
	--data-urlencode "client_id=$CID" --data-urlencode "client_secret=$CSEC"
oexpect 400 invalid_grant "after a new password the app's refresh token is dead (signed out everywhere)"
check "... its grant revoked" [ "$(sql "SELECT count(*) FROM oauth_grants WHERE user_id = (SELECT id FROM users WHERE email = 'ana.oauth@example.ro') AND revoked_at = 0")" = 0 ]

# ---- refusal, expiry ------------------------------------------------------------------
getloc "$PC_URL/csc/v2/oauth2/authorize?response_type=code&client_id=$PID&redirect_uri=$(enc http://127.0.0.1/cb)&code_challenge=$CHAL&code_challenge_method=S256&scope=service&state=s-deny"
api POST "/api/v1/oauth/consent/$(qarg "http://x$LOC" id)" '{"approve":false}'
RED=$(jget redirect)
check "a refused consent: back with access_denied, the state and iss, no code" \
	[ "$CODE" = 200 -a "$(qarg "$RED" error)" = access_denied -a "$(qarg "$RED" state)" = s-deny -a -z "$(qarg "$RED" code)" \
	  -a "$(qarg "$RED" iss)" = "$ISS" ]
consent_service "$PID" http://127.0.0.1/cb s-late || fail "consent for expiry"
ahead 61
form /csc/v2/oauth2/token --data-urlencode grant_type=authorization_code --data-urlencode "client_id=$PID" \
	--data-urlencode "code=$ACODE" --data-urlencode "redirect_uri=http://127.0.0.1/cb" \
	--data-urlencode "code_verifier=$VER"
oexpect 400 invalid_grant "a code past 60 s: invalid_grant"

# ---- authorized apps (settings) ------------------------------------------------------
consent_service "$PID" http://127.0.0.1/cb s-app || fail "consent for the apps list"
form /csc/v2/oauth2/token --data-urlencode grant_type=authorization_code --data-urlencode "client_id=$PID" \
	--data-urlencode "code=$ACODE" --data-urlencode "redirect_uri=http://127.0.0.1/cb" \
	--data-urlencode "code_verifier=$VER"
ATOK=$(jget access_token)
api GET /api/v1/oauth/apps
GID=$(jpath '[a["id"] for a in j["apps"] if a["client"] == "Wallet App" and a["scope"] == "service"][0]')
check "authorized apps: the client by name, scope, granted and last used" \
	[ "$CODE" = 200 -a -n "$GID" -a "$(jpath 'all(a["granted_at"][:2] == "20" and a["last_used"][:2] == "20" for a in j["apps"])')" = true ]
# The grant's last use is written when a minute old (the bearer check reads
# it with the token and writes only then).
sql "UPDATE oauth_grants SET last_used = 1000 WHERE id = '$GID'"
csc v2/credentials/list '{}' "$ATOK"
check "a grant's last use a minute old: written at its next request" \
	[ "$CODE" = 200 -a "$(sql "SELECT last_used > 1000 FROM oauth_grants WHERE id = '$GID'")" = 1 ]
CODE=$(curl -s -o "$T/body" -w '%{http_code}' -b "$JAR" -X POST -H 'Content-Type: application/json' -d '{}' "$PC_URL/api/v1/oauth/apps/$GID/revoke")
check "revoke without the CSRF token: 403" [ "$CODE" = 403 ]
api POST "/api/v1/oauth/apps/$GID/revoke" '{}'
check "revoke an authorized app: 200" [ "$CODE" = 200 ]
csc v2/credentials/list '{}' "$ATOK"
check "its token is then invalid_token" [ "$CODE" = 401 ]
api GET /api/v1/oauth/apps
check "... and it is gone from the list" [ "$(jpath "any(a['id'] == '$GID' for a in j['apps'])")" = false ]
api POST "/api/v1/oauth/apps/$GID/revoke" '{}'
check "revoked twice: 404" [ "$CODE" = 404 ]

# ---- credential grants do not push service grants out of the list -------------------
consent_service "$CID" https://app.example/cb s-list || fail "consent for the list"
form /csc/v2/oauth2/token -u "$CID:$CSEC" --data-urlencode grant_type=authorization_code \
	--data-urlencode "code=$ACODE" --data-urlencode "redirect_uri=https://app.example/cb" \
	--data-urlencode "code_verifier=$VER"
AUID=$(sql "SELECT id FROM users WHERE email = 'ana.oauth@example.ro'")
NOW=$(($(date +%s) + AHEAD))
sql "WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k WHERE i < 250)
INSERT INTO oauth_grants (id, user_id, client_id, scope, credential, created_at, last_used, revoked_at)
SELECT printf('cg%030d', i), '$AUID', '$PID', 'credential', '$ASIGN', $NOW + 5, $NOW + 5, 0 FROM k"
api GET /api/v1/oauth/apps
check "250 fresh credential grants: the service grant still listed first (the list holds 200)" \
	[ "$CODE" = 200 -a "$(jpath 'j["apps"][0]["scope"]')" = service -a "$(jpath 'len(j["apps"])')" = 200 ]
ahead 310
api GET /api/v1/oauth/apps
check "... once their SAD's time is over they leave the list; the service grant stays" \
	[ "$CODE" = 200 -a "$(jpath 'sum(1 for a in j["apps"] if a["scope"] == "credential")')" = 0 \
	  -a "$(jpath 'sum(1 for a in j["apps"] if a["scope"] == "service")')" -ge 1 ]

# ---- a refresh token outliving the account ---------------------------------------------
consent_service "$CID" https://app.example/cb s-closed || fail "consent before closing"
form /csc/v2/oauth2/token -u "$CID:$CSEC" --data-urlencode grant_type=authorization_code \
	--data-urlencode "code=$ACODE" --data-urlencode "redirect_uri=https://app.example/cb" \
	--data-urlencode "code_verifier=$VER"
RT5=$(jget refresh_token)
sql "UPDATE users SET status = 'erased' WHERE email = 'ana.oauth@example.ro'"
form /csc/v2/oauth2/token --data-urlencode grant_type=refresh_token --data-urlencode "refresh_token=$RT5" \
	--data-urlencode "client_id=$CID" --data-urlencode "client_secret=$CSEC"
oexpect 400 invalid_grant "a refresh token of an account no longer active: invalid_grant"
sql "UPDATE users SET status = 'active' WHERE email = 'ana.oauth@example.ro'"
form /csc/v2/oauth2/token --data-urlencode grant_type=refresh_token --data-urlencode "refresh_token=$RT5" \
	--data-urlencode "client_id=$CID" --data-urlencode "client_secret=$CSEC"
check "... the same token once the account is active again: refreshed (nothing else refused it)" [ "$CODE" = 200 ]

"$PECETE_BIN" oauth client remove --data "$D" "$PID" >/dev/null
check "oauth client remove: gone from the list" not grep -q "$PID" <("$PECETE_BIN" oauth client list --data "$D")
getloc "$PC_URL/csc/v2/oauth2/authorize?response_type=code&client_id=$PID&redirect_uri=$(enc http://127.0.0.1/cb)&code_challenge=$CHAL&code_challenge_method=S256&scope=service"
check "a removed client: 401, no redirect" [ "$CODE" = 401 -a -z "$LOC" ]

# ---- a service grant's absolute life ([server] oauth_grant_max_days, 90) ----------------
consent_service "$CID" https://app.example/cb s-life || fail "consent for the lifetime"
form /csc/v2/oauth2/token -u "$CID:$CSEC" --data-urlencode grant_type=authorization_code \
	--data-urlencode "code=$ACODE" --data-urlencode "redirect_uri=https://app.example/cb" \
	--data-urlencode "code_verifier=$VER"
RTL=$(jget refresh_token)
for d in 29 58 87; do
	ahead $((29 * 86400))
	form /csc/v2/oauth2/token -u "$CID:$CSEC" --data-urlencode grant_type=refresh_token \
		--data-urlencode "refresh_token=$RTL"
	RTL=$(jget refresh_token)
	check "refreshed on day $d (each refresh token lives 30 days)" [ "$CODE" = 200 -a ${#RTL} = 64 ]
done
ahead $((4 * 86400))
form /csc/v2/oauth2/token -u "$CID:$CSEC" --data-urlencode grant_type=refresh_token \
	--data-urlencode "refresh_token=$RTL"
oexpect 400 invalid_grant "day 91: past the grant's 90 days however often refreshed: invalid_grant"

pc_stop
pc_done
