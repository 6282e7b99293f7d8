#!/bin/bash
# csc_api.sh: the CSC API v1 and v2 (issue 15, slices 1-3) driven with curl
# against a real server, two issued holders (Ana, Bob):
#  - info (v1, v2; v2 signature_formats and conformance_levels; the logo
#    an absolute URI of a PNG served as image/png); auth/login with HTTP Basic (a wrong password is
#    authentication_error 400); no token, a malformed and an unknown token
#    are invalid_token 401 with WWW-Authenticate; a password change ends
#    the account's access tokens; a "credential" scope token reaches only
#    signHash (insufficient_scope 403) and only its credential;
#  - credentials/list shows Ana's credential only, whatever userID names;
#    credentials/info: multisign, key.algo, SCAL "2", the OTP object with
#    generator totp, cert.certificates signer first (the DER issued) then
#    the chain (openssl verify); Bob's credential is invalid_request;
#    authInfo defaults to false (v1: no PIN/OTP), certificates none leaves
#    cert.certificates out, list refuses an unknown certificates value and
#    v2 echoes onlyValid;
#  - credentials/authorize (explicit, TOTP): a wrong code is
#    invalid_authentication_data (v2, 2.0.0.2 §11.6)
#    and mints nothing; Bob's credential, malformed base64, numSignatures
#    not the number of hashes: invalid_request with their descriptions;
#  - signatures/signHash under the SAD: a wrong algorithm OID, a hash not
#    covered, more hashes than authorized, malformed base64, another
#    token: refused and the SAD still good; then the two hashes signed,
#    each signature verified with openssl pkeyutl against the certificate
#    from credentials/info; the same SAD in two parallel requests: one
#    signs, one is refused; the SAD again: invalid_request (used); two
#    transactions counted, the audit says sign.csc;
#  - v1: authorize with a base64url hash (no padding), signHash with the
#    same hash in base64 and rsaEncryption/ecPublicKey + hashAlgo: verified;
#  - RSA-PSS with its parameters (sha256, MGF1-sha256, salt 32) verified
#    with openssl pkeyutl; without parameters or with another salt refused;
#    the key's largest salt (pyHanko's prefer_pss) verified;
#  - extendTransaction: the new SAD signs, the old one no longer does;
#    naming a new hash is refused (hash_not_authorized), restating one the
#    SAD covers is accepted; validity_period in ms accepted; no
#    extension takes a SAD past 30 minutes from its code;
#  - a SAD past its 5 minutes is "SAD expired"; a token past its hour is
#    invalid_token; a revoked token is invalid_token.
. "$PECETE_SRC/tests/support/lib.sh"
. "$PECETE_SRC/tests/support/api.sh"
pc_need --faketime curl sqlite3 openssl oathtool python3 xxd

T=$(pc_tmpdir)
D=$T/data
pc_init "$D" --dev
DB=$D/pecete.db
"$PECETE_BIN" pki export --data "$D" --out "$T/pki" >/dev/null
AHEAD=0
echo "+0s" >"$T/clock"
pc_serve_clock "$D" "$T/clock"
. "$PECETE_SRC/tests/support/idv.sh"
idv_fixtures

PW=Verde-Munte-Ploaie-42
as op
api_signup_user op.csc@example.ro +40722000999
"$PECETE_BIN" user role --data "$D" --email op.csc@example.ro --role operator >/dev/null
api_pair_totp
as bob
api_signup_user bob.csc@example.ro +40722000222
IDV_PHONE=+40722000222 api_issued op.csc@example.ro || fail "second issued user"
BSIGN=$SIGN
as ana
api_signup_user ana.csc@example.ro +40722000111
api_issued op.csc@example.ro || fail "issued user"
ANA_SECRET=$SECRET
ASIGN=$SIGN
LAST_STEP=$(($(date +%s) / 30 + 1))
check "two holders with credentials" [ -n "$ASIGN" -a -n "$BSIGN" -a "$ASIGN" != "$BSIGN" ]

next_code() { pc_code "$ANA_SECRET"; }
ahead() {	# ahead SECONDS: move the server's clock on
	AHEAD=$((AHEAD + $1))
	echo "+${AHEAD}s" >"$T/clock"
}
csc() {		# csc PATH JSON [TOKEN]: POST /csc/PATH; CODE, BODY, headers in $T/chead
	local args=(-s -o "$T/cbody" -D "$T/chead" -w '%{http_code}' -X POST
		-H 'Content-Type: application/json' -d "$2")
	[ -n "${3:-}" ] && args+=(-H "Authorization: Bearer $3")
	CODE=$(curl "${args[@]}" "$PC_URL/csc/$1")
	BODY=$(cat "$T/cbody")
}
cexpect() {	# cexpect STATUS ERROR [DESCRIPTION-PART] "what"
	local st=$1 er=$2 part=$3 what=$4
	if [ "$CODE" = "$st" ] && [ "$(jget error)" = "$er" ] &&
		{ [ -z "$part" ] || jget error_description | grep -qi -- "$part"; }; then
		ok "$what"
	else
		fail "$what (got $CODE $BODY)"
	fi
}
login() {	# login EMAIL VERSION: a new access token in TOK
	CODE=$(curl -s -o "$T/cbody" -w '%{http_code}' -u "$1:$PW" -X POST \
		-H 'Content-Type: application/json' -d '{}' "$PC_URL/csc/$2/auth/login")
	BODY=$(cat "$T/cbody")
	TOK=$(jget access_token)
}
b64() { openssl base64 -A; }
not() { ! "$@"; }
h256() { printf '%s' "$1" | openssl dgst -sha256 -binary; }

# ---- info, login, tokens --------------------------------------------------
csc v1/info '{}'
check "v1 info: specs 1.0.4.0" [ "$CODE" = 200 -a "$(jget specs)" = 1.0.4.0 ]
csc v2/info '{"lang":"en-US"}'
check "v2 info: specs 2.0.0.2, methods include signHash" \
	[ "$CODE" = 200 -a "$(jget specs)" = 2.0.0.2 -a \
	  "$(jpath '"signatures/signHash" in j["methods"]')" = true ]
check "v2 info: signature_formats C and P, conformance_levels B-B, B-T, B-LT and B-LTA (2.0.0.2 §11.1)" \
	[ "$(jpath 'j["signature_formats"]["formats"]')" = "['C', 'P']" -a \
	  "$(jpath 'j["conformance_levels"]')" = "['Ades-B-B', 'Ades-B-T', 'Ades-B-LT', 'Ades-B-LTA']" ]
LOGO=$(jget logo)
check "the logo is an absolute URI of a PNG" [ "${LOGO#http}" != "$LOGO" -a "${LOGO%.png}" != "$LOGO" ]
curl -s -o "$T/logo" -D "$T/loghead" "$PC_URL/img/logo.png"
check "... served as image/png, at most 256x256" sh -c "grep -qi '^Content-Type: image/png' '$T/loghead' &&
	file '$T/logo' | grep -q 'PNG image data, 128 x 128'"

CODE=$(curl -s -o "$T/cbody" -w '%{http_code}' -u "ana.csc@example.ro:wrong-password-1" \
	-X POST -H 'Content-Type: application/json' -d '{}' "$PC_URL/csc/v2/auth/login")
BODY=$(cat "$T/cbody")
cexpect 400 authentication_error "" "a wrong password: authentication_error 400 (as the CSC API says)"
login ana.csc@example.ro v2
ATOK=$TOK
check "v2 auth/login: an access token for an hour" \
	[ "$CODE" = 200 -a ${#ATOK} = 64 -a "$(jget expires_in)" = 3600 ]
check "the token is stored hashed, never as given" \
	[ "$(sql "SELECT count(*) FROM api_tokens WHERE hash = '$ATOK'")" = 0 -a \
	  "$(sql "SELECT count(*) FROM api_tokens")" = 1 ]

csc v2/credentials/list '{}'
cexpect 401 invalid_token "" "no token: invalid_token 401"
check "with WWW-Authenticate: Bearer" grep -qi '^WWW-Authenticate: Bearer' "$T/chead"
csc v2/credentials/list '{}' "not-a-token"
cexpect 401 invalid_token "" "a malformed token: invalid_token 401"
csc v2/credentials/list '{}' "$(printf 'ab%.0s' $(seq 32))"
cexpect 401 invalid_token "" "an unknown token: invalid_token 401"

# A "credential" scope token (what the OAuth2 server will issue; written
# into the store here): signHash only, and only for its credential.
CTOK=$(printf 'cd%.0s' $(seq 32))
AUID=$(sql "SELECT user_id FROM credentials WHERE serial = '$ASIGN'")
sql "INSERT INTO api_tokens (hash, user_id, client_id, scope, credential, created_at, expires_at, revoked_at) VALUES ('$(printf '%s' "$CTOK" | sha256sum | cut -d' ' -f1)', '$AUID', 'test-client', 'credential', '$ASIGN', strftime('%s','now'), strftime('%s','now') + 3600, 0)"
csc v2/credentials/list '{}' "$CTOK"
cexpect 403 insufficient_scope "" "a credential-scope token on credentials/list: insufficient_scope 403"
csc v2/signatures/signHash "{\"credentialID\":\"$BSIGN\",\"SAD\":\"$(printf 'ab%.0s' $(seq 32))\",\"hashes\":[\"$(h256 x | b64)\"],\"signAlgo\":\"1.2.840.113549.1.1.11\"}" "$CTOK"
cexpect 400 invalid_request "" "a credential-scope token for another credential: invalid_request"
csc v2/signatures/signHash "{\"credentialID\":\"$ASIGN\",\"SAD\":\"$(printf 'ab%.0s' $(seq 32))\",\"hashes\":[\"$(h256 x | b64)\"],\"signAlgo\":\"1.2.840.113549.1.1.11\"}" "$CTOK"
cexpect 400 invalid_request "SAD" "... and for its own, passes the gate to the SAD check"

# A password change signs out everywhere: the API's tokens too.
login bob.csc@example.ro v1
BTOK=$TOK
csc v1/credentials/list '{}' "$BTOK"
check "Bob's token lists Bob's credential" [ "$CODE" = 200 -a "$(jpath 'j["credentialIDs"]')" = "['$BSIGN']" ]
as bob
api POST /api/v1/account/password "{\"current_password\":\"$PW\",\"password\":\"Albastru-Deal-Vant-73\",\"password_confirm\":\"Albastru-Deal-Vant-73\"}"
check "Bob changes his password" [ "$CODE" = 200 ]
csc v1/credentials/list '{}' "$BTOK"
cexpect 401 invalid_token "" "after a password change the old access token is invalid_token"
as ana

# ---- credentials -----------------------------------------------------------
csc v2/credentials/list "{\"userID\":\"$(sql "SELECT user_id FROM credentials WHERE serial = '$BSIGN'")\"}" "$ATOK"
check "list: Ana's credential only (Bob's userID ignored)" \
	[ "$CODE" = 200 -a "$(jpath 'j["credentialIDs"]')" = "['$ASIGN']" ]
csc v1/credentials/list '{}' "$ATOK"
check "v1 list: the same" [ "$CODE" = 200 -a "$(jpath 'j["credentialIDs"]')" = "['$ASIGN']" ]
csc v2/credentials/list '{"credentialInfo":true,"certInfo":true}' "$ATOK"
check "v2 list with credentialInfo: the credential's info beside its id" \
	[ "$CODE" = 200 -a "$(jpath 'j["credentialInfos"][0]["credentialID"]')" = "$ASIGN" \
	  -a "$(jpath 'j["credentialInfos"][0]["SCAL"]')" = 2 ]

csc v2/credentials/info "{\"credentialID\":\"$ASIGN\",\"certificates\":\"chain\",\"certInfo\":true,\"authInfo\":true}" "$ATOK"
check "v2 info: 200, multisign 100, SCAL \"2\", key.algo, explicit TOTP" \
	[ "$CODE" = 200 -a "$(jget multisign)" = 100 -a "$(jpath 'j["SCAL"]')" = 2 \
	  -a "$(jpath 'len(j["key"]["algo"]) > 0')" = true \
	  -a "$(jpath 'j["auth"]["mode"]')" = explicit \
	  -a "$(jpath 'j["auth"]["objects"][0]["generator"]')" = totp \
	  -a "$(jpath 'j["auth"]["objects"][0]["type"]')" = Password \
	  -a "$(jpath 'j["cert"]["status"]')" = valid ]
jpath 'j["cert"]["certificates"][0]' | openssl base64 -d -A >"$T/sign.der"
for i in 1 2; do
	jpath "j[\"cert\"][\"certificates\"][$i]" | openssl base64 -d -A |
		openssl x509 -inform DER -out "$T/chain$i.pem"
done
check "certificates[0] is the signing certificate issued" \
	[ "$(xxd -p "$T/sign.der" | tr -d '\n')" = "$(sql "SELECT lower(hex(der)) FROM certs WHERE serial = '$ASIGN'")" ]
openssl x509 -inform DER -in "$T/sign.der" -out "$T/sign.pem"
openssl x509 -in "$T/sign.pem" -pubkey -noout >"$T/pub.pem"
check "then the chain: openssl verify the signer with it" \
	openssl verify -CAfile "$T/chain2.pem" -untrusted "$T/chain1.pem" "$T/sign.pem"
if [ "$(jpath 'j["key"]["algo"][0]')" = 1.2.840.113549.1.1.11 ]; then
	SALG=1.2.840.113549.1.1.11 RAWALG=1.2.840.113549.1.1.1
else
	SALG=1.2.840.10045.4.3.2 RAWALG=1.2.840.10045.2.1
fi
csc v1/credentials/info "{\"credentialID\":\"$ASIGN\"}" "$ATOK"
check "v1 info: authMode explicit, SCAL, one certificate; no PIN/OTP without authInfo (default false, §11.5)" \
	[ "$CODE" = 200 -a "$(jget authMode)" = explicit -a "$(jpath '"OTP" in j or "PIN" in j')" = false \
	  -a "$(jpath 'j["SCAL"]')" = 2 -a "$(jpath 'len(j["cert"]["certificates"])')" = 1 ]
csc v1/credentials/info "{\"credentialID\":\"$ASIGN\",\"authInfo\":true}" "$ATOK"
check "v1 info with authInfo: OTP present with its ID, PIN absent" \
	[ "$CODE" = 200 -a "$(jpath 'j["OTP"]["presence"]')" = true -a "$(jpath 'j["OTP"]["ID"]')" = totp \
	  -a "$(jpath 'j["PIN"]["presence"]')" = false ]
csc v1/credentials/info "{\"credentialID\":\"$ASIGN\",\"certificates\":\"none\"}" "$ATOK"
check "certificates none: cert.certificates left out, not empty (§11.5)" \
	[ "$CODE" = 200 -a "$(jpath '"certificates" in j["cert"]')" = false -a "$(jpath 'j["cert"]["status"]')" = valid ]
csc v2/credentials/list '{"credentialInfo":true,"certificates":"all"}' "$ATOK"
cexpect 400 invalid_request "certificates" "list with an unknown certificates value: invalid_request"
csc v1/credentials/list '{"maxResults":1,"pageToken":"1"}' "$ATOK"
check "list pageToken 1 with one credential: the page past it is empty" \
	[ "$CODE" = 200 -a "$(jpath 'len(j["credentialIDs"])')" = 0 ]
csc v1/credentials/list '{"maxResults":1,"pageToken":"0"}' "$ATOK"
check "list maxResults 1 from 0: the credential, no nextPageToken (nothing more)" \
	[ "$CODE" = 200 -a "$(jpath 'len(j["credentialIDs"])')" = 1 -a -z "$(jget nextPageToken)" ]
csc v1/credentials/list '{"pageToken":"x1"}' "$ATOK"
cexpect 400 invalid_request "pageToken" "a page token not ours: invalid_request"
csc v2/credentials/list '{"onlyValid":true}' "$ATOK"
check "v2 list onlyValid: echoed true (2.0.0.2 §11.4)" [ "$CODE" = 200 -a "$(jpath 'j["onlyValid"]')" = true ]
# The EU wallet's client sends null for what it leaves out (v2: absent).
csc v2/credentials/info "{\"credentialID\":\"$ASIGN\",\"lang\":null,\"clientData\":null,\"certificates\":null}" "$ATOK"
check "v2 info with null members: taken as absent (200)" [ "$CODE" = 200 ]
csc v2/credentials/info "{\"credentialID\":\"$ASIGN\",\"authInfo\":false}" "$ATOK"
check "v2 info without authInfo: auth.mode still given (clients require it), no objects" \
	[ "$CODE" = 200 -a "$(jpath 'j["auth"]["mode"]')" = explicit -a "$(jpath '"objects" in j["auth"]')" = false ]
csc v2/credentials/info "{\"credentialID\":null}" "$ATOK"
cexpect 400 invalid_request "" "a required member null: missing, invalid_request 400"
csc v2/credentials/info "{\"credentialID\":\"$BSIGN\"}" "$ATOK"
cexpect 400 invalid_request "" "another holder's credential: invalid_request 400"

# ---- authorize (explicit) -----------------------------------------------------
H1=$(h256 "document one" | b64)
H2=$(h256 "document two" | b64)
H3=$(h256 "document three" | b64)
SHA256=2.16.840.1.101.3.4.2.1
auth2() {	# auth2 CREDENTIAL HASHES-JSON NUM CODE [TOKEN]: v2 credentials/authorize
	csc v2/credentials/authorize "{\"credentialID\":\"$1\",\"numSignatures\":$3,\"hashes\":$2,\"hashAlgorithmOID\":\"$SHA256\",\"authData\":[{\"id\":\"OTP\",\"value\":\"$4\"}]}" "${5:-$ATOK}"
}
next_code
WRONG=$(printf '%06d' $(((10#$TOTP + 1) % 1000000)))
auth2 "$ASIGN" "[\"$H1\",\"$H2\"]" 2 "$WRONG"
cexpect 400 invalid_authentication_data "" "a wrong OTP (v2 authData): invalid_authentication_data 400 (2.0.0.2 §11.6)"
check "... and no SAD" [ -z "$(jget SAD)" ]
auth2 "$BSIGN" "[\"$H1\"]" 1 "$TOTP"
cexpect 400 invalid_request "" "authorize Bob's credential with Ana's token: invalid_request"
auth2 "$ASIGN" '["%%%not base64"]' 1 "$TOTP"
cexpect 400 invalid_request "base64" "malformed base64 in authorize: invalid_request"
auth2 "$ASIGN" "[\"$H1\",\"$H2\"]" 3 "$TOTP"
cexpect 400 invalid_request "numSignatures" "numSignatures not the number of hashes: invalid_request"
csc v2/credentials/authorize "{\"credentialID\":\"$ASIGN\",\"numSignatures\":1,\"hashes\":[\"$H1\"],\"hashAlgorithmOID\":\"1.2.840.113549.2.5\",\"authData\":[{\"id\":\"OTP\",\"value\":\"$TOTP\"}]}" "$ATOK"
cexpect 400 invalid_request "hashAlgorithmOID" "MD5 as hashAlgorithmOID: invalid_request"
# Hashless (the authentication key's multi-use SAD): never for the signing
# credential; refused in the signer before the code is checked.
csc v2/credentials/authorize "{\"credentialID\":\"$ASIGN\",\"numSignatures\":5,\"authData\":[{\"id\":\"OTP\",\"value\":\"$TOTP\"}]}" "$ATOK"
check "a hashless authorize for the signing credential: refused, no SAD" \
	[ "$CODE" != 200 -a -z "$(jget SAD)" ]
HS=$(
	/usr/bin/python3 -c 'import json,sys; print(json.dumps([sys.argv[1]] * 101))' "$H1")
auth2 "$ASIGN" "$HS" 101 "$TOTP"
cexpect 400 invalid_request "numSignatures" "101 hashes (more than multisign): invalid_request"
auth2 "$ASIGN" "[\"$H1\",\"$H2\"]" 2 "$TOTP"
SAD=$(jget SAD)
check "authorize: a SAD for 5 minutes at most" [ "$CODE" = 200 -a ${#SAD} = 64 -a "$(jget expiresIn)" -le 300 ]
auth2 "$ASIGN" "[\"$H1\",\"$H2\"]" 2 "$TOTP"
cexpect 400 invalid_authentication_data "already used" "the same code again: invalid_authentication_data (replay)"
# Hashes given, but not as an array (null is absent, as every member):
# refused as such, never taken for "no hashes" (the authentication
# credential's hashless SAD); the same code then gives that SAD, for [csc]
# auth_sad_ttl (300 s by default).
AAUTH=$(sql "SELECT serial FROM certs WHERE kind = 'auth' AND holder = (SELECT holder FROM credentials WHERE serial = '$ASIGN')")
next_code
for bad in '"'"$H1"'"' '{}' 7 '""'; do
	csc v2/credentials/authorize "{\"credentialID\":\"$AAUTH\",\"numSignatures\":5,\"hashes\":$bad,\"authData\":[{\"id\":\"OTP\",\"value\":\"$TOTP\"}]}" "$ATOK"
	cexpect 400 invalid_request "hashes" "authorize with hashes $bad (not an array): invalid_request, no SAD"
done
check "... no authorization recorded for it" \
	[ "$(sql "SELECT count(*) FROM audit_log WHERE event = 'csc.authorize' AND detail LIKE '%$AAUTH%'")" = 0 ]
csc v2/credentials/authorize "{\"credentialID\":\"$AAUTH\",\"numSignatures\":5,\"authData\":[{\"id\":\"OTP\",\"value\":\"$TOTP\"}]}" "$ATOK"
check "... the same code without hashes: the authentication SAD, 300 s (auth_sad_ttl's default)" \
	[ "$CODE" = 200 -a ${#AAUTH} -gt 0 -a "$(jget expiresIn)" = 300 -a "$(jget SAD | wc -c)" = 65 ]
LEFT0=$(sql "SELECT transactions_left FROM credentials WHERE serial = '$ASIGN'")

# ---- signHash ---------------------------------------------------------------
sign2() {	# sign2 SAD HASHES-JSON SIGNALGO [TOKEN]: v2 signatures/signHash
	csc v2/signatures/signHash "{\"credentialID\":\"$ASIGN\",\"SAD\":\"$1\",\"hashes\":$2,\"hashAlgorithmOID\":\"$SHA256\",\"signAlgo\":\"$3\"}" "${4:-$ATOK}"
}
sign2 "$SAD" "[\"$H1\",\"$H2\"]" 1.2.3.4.5
cexpect 400 invalid_request "signAlgo" "a wrong signature algorithm OID: invalid_request"
csc v2/signatures/signHash "{\"credentialID\":\"$ASIGN\",\"SAD\":\"$SAD\",\"hashes\":[\"$H1\"],\"signAlgo\":\"1.2.840.113549.1.1.1\"}" "$ATOK"
cexpect 400 invalid_request "parameter hashAlgorithmOID" "v2: rsaEncryption without a hash algorithm names hashAlgorithmOID"
csc v1/signatures/signHash "{\"credentialID\":\"$ASIGN\",\"SAD\":\"$SAD\",\"hash\":[\"$H1\"],\"signAlgo\":\"1.2.840.113549.1.1.1\"}" "$ATOK"
check "v1: the same names hashAlgo (its own member)" \
	sh -c "[ '$CODE' = 400 ] && printf '%s' '$BODY' | grep -q 'parameter hashAlgo:'"
sign2 "$SAD" "[\"$H3\"]" "$SALG"
cexpect 400 invalid_request "not authorized" "a hash not covered by the SAD: invalid_request"
sign2 "$SAD" "[\"$H1\",\"$H2\",\"$H1\"]" "$SALG"
cexpect 400 invalid_request "more hashes" "more hashes than authorized: invalid_request"
sign2 "$SAD" '["!!notbase64!!"]' "$SALG"
cexpect 400 invalid_request "base64" "malformed base64 in signHash: invalid_request"
login ana.csc@example.ro v2
ATOK2=$TOK
sign2 "$SAD" "[\"$H1\",\"$H2\"]" "$SALG" "$ATOK2"
cexpect 400 invalid_request "SAD" "the SAD with another access token of the same user: invalid_request"
check "nothing counted by the refusals" \
	[ "$(sql "SELECT transactions_left FROM credentials WHERE serial = '$ASIGN'")" = "$LEFT0" ]
# par2 NAME SAD1 HASHES1 SAD2 HASHES2: two signHash requests at once; their
# bodies in $T/NAME1, $T/NAME2, codes in $T/NAME1.code, $T/NAME2.code; ok
# when one got 200 and the other 400.
par2() {
	local k sad hashes pids=()
	for k in 1 2; do
		[ $k = 1 ] && { sad=$2; hashes=$3; } || { sad=$4; hashes=$5; }
		curl -s -o "$T/$1$k" -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
			-H "Authorization: Bearer $ATOK" \
			-d "{\"credentialID\":\"$ASIGN\",\"SAD\":\"$sad\",\"hashes\":$hashes,\"hashAlgorithmOID\":\"$SHA256\",\"signAlgo\":\"$SALG\"}" \
			"$PC_URL/csc/v2/signatures/signHash" >"$T/$1$k.code" &
		pids+=($!)
	done
	wait "${pids[@]}"	# not the server, a child of this shell too
	[ "$(printf '%s\n' "$(cat "$T/${1}1.code")" "$(cat "$T/${1}2.code")" | sort | tr -d '\n')" = 200400 ]
}
# The same SAD twice at once: one request signs, the other is refused.
check "two parallel uses of one SAD: one 200, one 400" \
	par2 par "$SAD" "[\"$H1\",\"$H2\"]" "$SAD" "[\"$H1\",\"$H2\"]"
k=2; [ "$(cat "$T/par1.code")" = 200 ] && k=1
CODE=$(cat "$T/par$k.code")
BODY=$(cat "$T/par$k")
check "signHash under the SAD: two signatures" [ "$CODE" = 200 -a "$(jpath 'len(j["signatures"])')" = 2 ]
verify() {	# verify DOC SIG-B64: openssl pkeyutl checks the signature of sha256(DOC)
	h256 "$1" >"$T/h.bin"
	printf '%s' "$2" | openssl base64 -d -A >"$T/s.bin"
	openssl pkeyutl -verify -pubin -inkey "$T/pub.pem" -in "$T/h.bin" \
		-sigfile "$T/s.bin" -pkeyopt digest:sha256 >/dev/null 2>&1
}
signed() {	# signed VERIFY-FN DOC: a 200 whose first signature VERIFY-FN accepts
	[ "$CODE" = 200 ] && "$1" "$2" "$(jpath 'j["signatures"][0]')"
}
check "signature 1 verifies (openssl pkeyutl, the certificate's key)" verify "document one" "$(jpath 'j["signatures"][0]')"
check "signature 2 verifies" verify "document two" "$(jpath 'j["signatures"][1]')"
check "signature 1 does not verify another document" not verify "document two" "$(jpath 'j["signatures"][0]')"
check "two transactions counted" \
	[ "$(sql "SELECT transactions_left FROM credentials WHERE serial = '$ASIGN'")" = $((LEFT0 - 2)) ]
check "audited: csc.authorize and sign.csc" \
	[ "$(sql "SELECT count(*) FROM audit_log WHERE event IN ('csc.authorize', 'sign.csc')")" -ge 2 ]
sign2 "$SAD" "[\"$H1\",\"$H2\"]" "$SALG"
cexpect 400 invalid_request "SAD" "the SAD reused: invalid_request"
check "nothing more counted" \
	[ "$(sql "SELECT transactions_left FROM credentials WHERE serial = '$ASIGN'")" = $((LEFT0 - 2)) ]

# ---- v1: base64url in authorize, base64 in signHash ----------------------------
H3URL=$(printf '%s' "$H3" | tr '+/' '-_' | tr -d '=')
next_code
csc v1/credentials/authorize "{\"credentialID\":\"$ASIGN\",\"numSignatures\":1,\"hash\":[\"$H3URL\"],\"OTP\":\"$TOTP\"}" "$ATOK"
SAD1=$(jget SAD)
check "v1 authorize (hash as base64url): a SAD" [ "$CODE" = 200 -a ${#SAD1} = 64 ]
csc v1/signatures/signHash "{\"credentialID\":\"$ASIGN\",\"SAD\":\"$SAD1\",\"hash\":[\"$H3\"],\"hashAlgo\":\"$SHA256\",\"signAlgo\":\"$RAWALG\"}" "$ATOK"
check "v1 signHash (the same hash as base64, key algorithm + hashAlgo): verified" \
	signed verify "document three"

# ---- two SADs racing for the last transaction ----------------------------------
# Each SAD is good; only one transaction is left. The signer counts under the
# store's write lock: exactly one request signs, the other is refused and
# nothing goes below zero.
next_code
auth2 "$ASIGN" "[\"$H1\"]" 1 "$TOTP"
SADR1=$(jget SAD)
next_code
auth2 "$ASIGN" "[\"$H2\"]" 1 "$TOTP"
SADR2=$(jget SAD)
check "two SADs for one hash each" [ ${#SADR1} = 64 -a ${#SADR2} = 64 ]
LEFTR=$(sql "SELECT transactions_left FROM credentials WHERE serial = '$ASIGN'")
SIGR0=$(sql "SELECT count(*) FROM signatures WHERE credential = '$ASIGN'")
sql "UPDATE credentials SET transactions_left = 1 WHERE serial = '$ASIGN'"
check "two SADs, one transaction left, at once: one 200, one 400" \
	par2 race "$SADR1" "[\"$H1\"]" "$SADR2" "[\"$H2\"]"
k=1; [ "$(cat "$T/race1.code")" = 200 ] && k=2
check "... the refused one says no transactions are left (invalid_request)" \
	sh -c "grep -q '\"invalid_request\"' '$T/race$k' && grep -q 'transactions' '$T/race$k'"
check "... the count ends at 0, never below" \
	[ "$(sql "SELECT transactions_left FROM credentials WHERE serial = '$ASIGN'")" = 0 ]
check "... one signature recorded" \
	[ "$(sql "SELECT count(*) FROM signatures WHERE credential = '$ASIGN'")" = $((SIGR0 + 1)) ]
sql "UPDATE credentials SET transactions_left = $((LEFTR - 1)) WHERE serial = '$ASIGN'"

# ---- RSA-PSS with its parameters (RSA credentials) ---------------------------
verify_pss() {	# verify_pss DOC SIG-B64: RSASSA-PSS, SHA-256, MGF1-SHA-256, salt 32
	h256 "$1" >"$T/h.bin"
	printf '%s' "$2" | openssl base64 -d -A >"$T/s.bin"
	openssl pkeyutl -verify -pubin -inkey "$T/pub.pem" -in "$T/h.bin" \
		-sigfile "$T/s.bin" -pkeyopt rsa_padding_mode:pss \
		-pkeyopt rsa_pss_saltlen:32 -pkeyopt digest:sha256 \
		-pkeyopt rsa_mgf1_md:sha256 >/dev/null 2>&1
}
if [ "$SALG" = 1.2.840.113549.1.1.11 ]; then
	# RSASSA-PSS-params: sha256, MGF1(sha256), saltLength 32
	PSS=$(printf '%s' 3034a00f300d06096086480165030402010500a11c301a06092a864886f70d010108300d06096086480165030402010500a203020120 | xxd -r -p | b64)
	PSS20=$(printf '%s' 3034a00f300d06096086480165030402010500a11c301a06092a864886f70d010108300d06096086480165030402010500a203020114 | xxd -r -p | b64)
	check "the PSS parameters are DER openssl reads" \
		sh -c "printf '%s' '$PSS' | openssl base64 -d -A | openssl asn1parse -inform DER >/dev/null"
	next_code
	auth2 "$ASIGN" "[\"$H2\"]" 1 "$TOTP"
	SADP=$(jget SAD)
	pss() {	# pss PARAMS-JSON-MEMBER
		csc v2/signatures/signHash "{\"credentialID\":\"$ASIGN\",\"SAD\":\"$SADP\",\"hashes\":[\"$H2\"],\"hashAlgorithmOID\":\"$SHA256\",\"signAlgo\":\"1.2.840.113549.1.1.10\"$1}" "$ATOK"
	}
	pss ""
	cexpect 400 invalid_request "signAlgo" "RSA-PSS without its parameters: invalid_request"
	pss ",\"signAlgoParams\":\"$PSS20\""
	cexpect 400 invalid_request "signAlgo" "RSA-PSS with a salt the key's mechanism does not use: invalid_request"
	# pyHanko's: the largest salt (emLen - hLen - 2; 222 for RSA-2048).
	KLEN=$(openssl pkey -pubin -in "$T/pub.pem" -text -noout | sed -n 's/.*(\([0-9]*\) bit).*/\1/p' | head -1)
	MAXSALT=$(((KLEN + 6) / 8 - 32 - 2))
	PSSMAX=$(printf '3035a00f300d06096086480165030402010500a11c301a06092a864886f70d010108300d06096086480165030402010500a2040202%04x' "$MAXSALT" | xxd -r -p | b64)
	PSS100=$(printf '%s' 3034a00f300d06096086480165030402010500a11c301a06092a864886f70d010108300d06096086480165030402010500a203020164 | xxd -r -p | b64)
	pss ",\"signAlgoParams\":\"$PSS100\""
	cexpect 400 invalid_request "signAlgo" "RSA-PSS with a salt neither the hash's length nor the largest: invalid_request"
	pss ",\"signAlgoParams\":\"$PSS\""
	check "RSA-PSS with its parameters: verified (openssl pkeyutl, PSS)" \
		signed verify_pss "document two"
	check "... and not as PKCS#1 v1.5" not verify "document two" "$(jpath 'j["signatures"][0]')"
	next_code
	auth2 "$ASIGN" "[\"$H2\"]" 1 "$TOTP"
	SADP=$(jget SAD)
	pss ",\"signAlgoParams\":\"$PSSMAX\""
	check "RSA-PSS with the largest salt ($MAXSALT, what pyHanko sends): verified with saltlen max" \
		sh -c "[ '$CODE' = 200 ] && printf '%s' '$(jpath 'j["signatures"][0]')' | openssl base64 -d -A >'$T/s.bin' &&
		openssl pkeyutl -verify -pubin -inkey '$T/pub.pem' -in '$T/h.bin' -sigfile '$T/s.bin' \
		-pkeyopt rsa_padding_mode:pss -pkeyopt rsa_pss_saltlen:$MAXSALT -pkeyopt digest:sha256 \
		-pkeyopt rsa_mgf1_md:sha256 >/dev/null 2>&1"
else
	fail "the credential is not RSA: the PSS cases were not run"
fi

# ---- extendTransaction, expiry --------------------------------------------------
next_code
auth2 "$ASIGN" "[\"$H1\"]" 1 "$TOTP"
OLD=$(jget SAD)
csc v2/credentials/extendTransaction "{\"credentialID\":\"$ASIGN\",\"SAD\":\"$OLD\"}" "$ATOK"
NEW=$(jget SAD)
check "extendTransaction: a new SAD" [ "$CODE" = 200 -a ${#NEW} = 64 -a "$NEW" != "$OLD" ]
sign2 "$OLD" "[\"$H1\"]" "$SALG"
cexpect 400 invalid_request "SAD" "the SAD extended stops working"
csc v2/credentials/extendTransaction "{\"credentialID\":\"$ASIGN\",\"SAD\":\"$NEW\",\"hashes\":[\"$H3\"],\"hashAlgorithmOID\":\"$SHA256\"}" "$ATOK"
cexpect 400 invalid_request "not authorized" "extendTransaction binding a new hash (never authorized by the code): refused"
csc v2/credentials/extendTransaction "{\"credentialID\":\"$ASIGN\",\"SAD\":\"$NEW\",\"hashes\":[\"$H1\"],\"hashAlgorithmOID\":\"$SHA256\"}" "$ATOK"
NEW2=$(jget SAD)
check "extendTransaction naming a hash the SAD covers (2.0.0.2 §11.9 form): a new SAD" \
	[ "$CODE" = 200 -a ${#NEW2} = 64 -a "$NEW2" != "$NEW" ]
NEW=$NEW2
csc v2/signatures/signHash "{\"credentialID\":\"$ASIGN\",\"SAD\":\"$NEW\",\"hashes\":[\"$H1\"],\"hashAlgorithmOID\":\"$SHA256\",\"signAlgo\":\"$SALG\",\"operationMode\":\"S\",\"validity_period\":3600000}" "$ATOK"
check "the new SAD signs (validity_period in milliseconds accepted and ignored, 2.0.0.2 §11.10)" signed verify "document one"

next_code
auth2 "$ASIGN" "[\"$H1\"]" 1 "$TOTP"
SADC=$(jget SAD)
for i in 1 2 3 4 5 6; do
	ahead 290
	csc v2/credentials/extendTransaction "{\"credentialID\":\"$ASIGN\",\"SAD\":\"$SADC\"}" "$ATOK"
	SADC=$(jget SAD)
done
check "extended six times over 29 minutes: the last within the 30 minutes of the code" \
	[ "$CODE" = 200 -a "$(jget expiresIn)" -le 60 ]
ahead 70
sign2 "$SADC" "[\"$H1\"]" "$SALG"
cexpect 400 invalid_request "expired" "extended, but past 30 minutes from the code: SAD expired"

next_code
auth2 "$ASIGN" "[\"$H2\"]" 1 "$TOTP"
SADX=$(jget SAD)
ahead 301
sign2 "$SADX" "[\"$H2\"]" "$SALG"
cexpect 400 invalid_request "expired" "a SAD past 5 minutes: SAD expired"

csc v2/auth/revoke "{\"token\":\"$ATOK2\"}" "$ATOK"
check "auth/revoke: 204" [ "$CODE" = 204 ]
csc v2/credentials/list '{}' "$ATOK2"
cexpect 401 invalid_token "" "a revoked token: invalid_token 401"
ahead 3600
csc v2/credentials/list '{}' "$ATOK"
cexpect 401 invalid_token "" "a token past its hour: invalid_token 401"

pc_stop
pc_done
