#!/bin/bash
# vtoken.sh: the virtual token (issue 16) against a real server, one issued
# holder (Ana), the way a desktop user has it (docs/virtual-token.md):
#  - a public OAuth2 client for the token (explicit mode); `pecete-vtoken
#    login` prints the authorization URL, the consent is approved over HTTP
#    (as a browser would; tests/e2e/vtoken.mjs does it in Chromium), the
#    loopback redirect ends the login: a refresh token 0600 in a 0700 dir;
#  - the agent started on demand (socket dir 0700, socket 0600); list, status;
#  - pkcs11-tool through libpecete-pkcs11.so: the slot, both certificates and
#    keys (the signing key always-authenticate), the CA chain;
#  - pkcs11-tool --sign SHA256-RSA-PKCS, RSA-PKCS over a DigestInfo: one
#    prompt each (the scripted pinentry, tests/support/pinentry-oath.sh,
#    counted), openssl dgst -verify, one transaction each; the
#    authentication key with SHA256-RSA-PKCS-PSS: no transaction, sign.auth;
#  - a wrong code: CKR_PIN_INCORRECT, no signature, nothing spent; a
#    cancelled prompt: CKR_FUNCTION_CANCELED;
#  - openssl cms -sign through libp11's engine (cms -verify accepts it);
#    pecete sign --pkcs11-module: a PAdES pdfsig finds valid;
#  - valgrind over a dlopen driver (tests/vtoken/p11drive.c): load, every
#    attribute, sign, fork after C_Initialize, unload: clean;
#  - p11tool (p11-kit, a module file) and NSS (modutil -add, certutil -L -h
#    all) list the certificates;
#  - TLS client authentication: openssl s_server -Verify 1 accepts curl with
#    the key pkcs11:... (libp11); nginx checking OCSP (ssl_ocsp, through a
#    relay, tests/support/http-hold.py) accepts it; two handshakes ask one
#    code, a new one after [csc] auth_sad_ttl (30 s here), the signing key
#    one per signature; revoked while nginx asks OCSP: nginx refuses it
#    (400); then OCSP says revoked, a CRL-checking server refuses it, the
#    signer refuses the key;
#  - ECDSA with a P-256 holder on the same account (CKM_ECDSA, ECDSA-SHA256);
#  - the app revoked in Settings: CKR_USER_NOT_LOGGED_IN, status says why;
#    logout; the agent's log has no sanitizer report.
# As root, the token's side runs as nobody (p11-kit skips user module files
# for root).
. "$PECETE_SRC/tests/support/lib.sh"
. "$PECETE_SRC/tests/support/api.sh"
pc_need --faketime curl sqlite3 openssl oathtool python3 xxd pkcs11-tool p11tool
VT=${PECETE_BUILD:?}/pecete-vtoken
MOD=$PECETE_BUILD/libpecete-pkcs11.so
[ -x "$VT" ] && [ -f "$MOD" ] || { echo "FAIL - pecete-vtoken or the module not built"; exit 1; }

T=$(pc_tmpdir)
D=$T/data
pc_init "$D" --dev
DB=$D/pecete.db
echo "+0s" >"$T/clock"
# The server on the clock file (pc_serve_clock), the authentication key's
# SAD for 30 s ([csc] auth_sad_ttl, its least; 300 by default).
pc_serve_ft "$D" "FAKETIME_TIMESTAMP_FILE=$T/clock" FAKETIME_NO_CACHE=1 \
	PECETE_CSC_AUTH_SAD_TTL=30
. "$PECETE_SRC/tests/support/idv.sh"
idv_fixtures

as op
api_signup_user op.vt@example.ro +40722000998
"$PECETE_BIN" user role --data "$D" --email op.vt@example.ro --role operator >/dev/null
api_pair_totp
as ana
api_signup_user ana.vt@example.ro +40722000112
api_issued op.vt@example.ro || fail "issued user"
ASIGN=$SIGN
echo $(($(date +%s) / 30 + 1)) >"$T/last_step"
check "a holder with a credential" [ -n "$ASIGN" ]

# The token's environment: its own config and runtime dirs, the scripted
# pinentry, the agent the module starts.
# As root, p11-kit skips the user's module files: the token's side runs as
# nobody then (setpriv), with its dirs and the pinentry's state its own.
mkdir -p "$T/run" "$T/cfg"
chmod 700 "$T/run" "$T/cfg"
touch "$T/prompts"
mkdir -p "$T/out"
if [ "$(id -u)" = 0 ]; then
	command -v setpriv >/dev/null || { echo "SKIP: setpriv missing"; exit 77; }
	chown 65534:65534 "$T/run" "$T/cfg" "$T/prompts" "$T/clock" "$T/last_step" "$T/out"
	U() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }
else
	U() { "$@"; }
fi
export XDG_RUNTIME_DIR=$T/run XDG_CONFIG_HOME=$T/cfg
export PINENTRY=$PECETE_SRC/tests/support/pinentry-oath.sh
# The TLS server checking OCSP and the OCSP and CRL checks run on the
# server's clock (ft: libfaketime, the clock file): its answers are of its
# time.
ft() {
	env LD_PRELOAD="$PC_FT_LIB" FAKETIME_TIMESTAMP_FILE="$T/clock" FAKETIME_NO_CACHE=1 \
		FAKETIME_DONT_FAKE_MONOTONIC=1 "$@"
}
export VT_PIN_STATE=$T VT_PIN_SECRET=$SECRET PECETE_VTOKEN_AGENT=$VT
not() { ! "$@"; }
prompts() { wc -l <"$T/prompts"; }
vt_stop() { U "$VT" stop >/dev/null 2>&1; }
trap 'vt_stop; pc_cleanup' EXIT
enc() { /usr/bin/python3 -c 'import sys, urllib.parse as u; print(u.quote(sys.argv[1], safe=""))' "$1"; }
qarg() {
	/usr/bin/python3 -c 'import sys, urllib.parse as u
q = u.parse_qs(u.urlsplit(sys.argv[1]).query)
print(q.get(sys.argv[2], [""])[0])' "$1" "$2"
}
tx_left() { sql "SELECT transactions_left FROM credentials WHERE serial = '$ASIGN'"; }
sig_rows() { sql "SELECT count(*) FROM signatures WHERE credential = '$ASIGN'"; }

# ---- the client and the login ------------------------------------------------
"$PECETE_BIN" oauth client add --data "$D" --name "Pecete virtual token" --public \
	--redirect http://127.0.0.1/cb --auth-mode explicit >"$T/client.out" || fail "client add"
VCID=$(sed -n 's/^client_id: //p' "$T/client.out")
check "a public client for the token (explicit mode)" [ ${#VCID} = 32 ]

U "$VT" login --server "$PC_URL" --client-id "$VCID" --timeout 60 >"$T/login.out" 2>"$T/login.err" &
LPID=$!
URL=""
for _ in $(seq 1 100); do
	URL=$(grep -o 'http://[^ ]*/csc/v2/oauth2/authorize?[^ ]*' "$T/login.out" 2>/dev/null)
	[ -n "$URL" ] && break
	sleep 0.1
done
check "login prints the authorization URL (PKCE S256, scope service, a loopback redirect)" \
	[ -n "$URL" -a "$(qarg "$URL" code_challenge_method)" = S256 -a "$(qarg "$URL" scope)" = service \
	  -a "$(qarg "$URL" client_id)" = "$VCID" ]
RED=$(qarg "$URL" redirect_uri)
check "... its redirect is 127.0.0.1 on a port of the moment" \
	[ "${RED#http://127.0.0.1:}" != "$RED" -a "${RED##*/}" = cb ]
CODE=$(curl -s -o /dev/null -D "$T/ahead" -w '%{http_code}' "$URL")
LOC=$(grep -i '^Location:' "$T/ahead" | sed 's/^[^:]*: *//' | tr -d '\r')
check "authorize sends the browser to the consent page" [ "$CODE" = 302 -a "${LOC%%\?*}" = /oauth/consent ]
api POST "/api/v1/oauth/consent/$(qarg "http://x$LOC" id)" '{"approve":true}'
BACK=$(jget redirect)
check "consent approved: back to the loopback with a code and the state" \
	[ "$CODE" = 200 -a "${BACK%%\?*}" = "$RED" -a -n "$(qarg "$BACK" code)" -a "$(qarg "$BACK" state)" = "$(qarg "$URL" state)" ]
curl -s -o "$T/cb.html" "$BACK"
wait "$LPID"
LRC=$?
check "login ends: signed in" [ "$LRC" = 0 -a -n "$(grep "Signed in" "$T/login.out")" ]
check "the refresh token file is 0600 in a 0700 dir" \
	[ "$(stat -c %a "$T/cfg/pecete-vtoken/refresh")" = 600 -a "$(stat -c %a "$T/cfg/pecete-vtoken")" = 700 \
	  -a "$(wc -c <"$T/cfg/pecete-vtoken/refresh")" = 64 ]

# ---- agent ---------------------------------------------------------------------
U "$VT" list >"$T/list.out" 2>&1
check "pecete-vtoken list (the agent started on demand): the signing credential" \
	grep -q "^sign	$ASIGN	.*CN=" "$T/list.out"
check "the agent's socket dir is 0700, the socket 0600" \
	[ "$(stat -c %a "$T/run/pecete-vtoken")" = 700 -a "$(stat -c %a "$T/run/pecete-vtoken/sock")" = 600 ]
U "$VT" status >"$T/status.out" 2>&1
check "status: signed in, certificates cached" grep -q "signed in to $PC_URL" "$T/status.out"

# ---- pkcs11-tool -------------------------------------------------------------------
U pkcs11-tool --module "$MOD" --list-slots >"$T/slots.out" 2>&1
check "pkcs11-tool --list-slots: our token" grep -q "token label *: Pecete" "$T/slots.out"
U pkcs11-tool --module "$MOD" --list-objects >"$T/objs.out" 2>&1
check "--list-objects: the signing certificate, its private and public key" \
	[ "$(grep -c 'label: *Pecete signing' "$T/objs.out")" = 3 ]
check "... the private key: sign only, always authenticate" \
	grep -q "Access:.*always authenticate" <(grep -A8 "Private Key Object" "$T/objs.out")
check "... the CA certificates of the chain too" [ "$(grep -c 'Certificate Object' "$T/objs.out")" -ge 2 ]

sql "SELECT hex(der) FROM certs WHERE serial = '$ASIGN'" | xxd -r -p >"$T/sign.der"
openssl x509 -inform DER -in "$T/sign.der" -pubkey -noout >"$T/pub.pem"
printf 'contract through the token\n' >"$T/doc.txt"
P0=$(prompts)
TX0=$(tx_left)
S0=$(sig_rows)
U pkcs11-tool --module "$MOD" --sign -m SHA256-RSA-PKCS --label "Pecete signing" \
	-i "$T/doc.txt" -o "$T/out/doc.sig" >"$T/sign.out" 2>&1
check "pkcs11-tool --sign -m SHA256-RSA-PKCS: a signature" [ -s "$T/out/doc.sig" ]
check "... openssl dgst -verify accepts it with the certificate's key" \
	openssl dgst -sha256 -verify "$T/pub.pem" -signature "$T/out/doc.sig" "$T/doc.txt"
check "... one pinentry prompt for it" [ "$(prompts)" = $((P0 + 1)) ]
check "... the prompt names the qualified key and the application" \
	grep -q "qualified signing.*pkcs11-tool" <(tail -n 1 "$T/prompts")
check "... one transaction spent, one signature recorded" \
	[ "$(tx_left)" = $((TX0 - 1)) -a "$(sig_rows)" = $((S0 + 1)) ]

# CKM_RSA_PKCS: the application gives a DigestInfo (SHA-384 here)
openssl dgst -sha384 -binary "$T/doc.txt" >"$T/h384"
{ printf '\x30\x41\x30\x0d\x06\x09\x60\x86\x48\x01\x65\x03\x04\x02\x02\x05\x00\x04\x30'; cat "$T/h384"; } >"$T/di.bin"
U pkcs11-tool --module "$MOD" --sign -m RSA-PKCS --label "Pecete signing" \
	-i "$T/di.bin" -o "$T/out/di.sig" >"$T/sign2.out" 2>&1
check "CKM_RSA_PKCS over a SHA-384 DigestInfo: openssl verifies it" \
	openssl dgst -sha384 -verify "$T/pub.pem" -signature "$T/out/di.sig" "$T/doc.txt"
check "... a second prompt" [ "$(prompts)" = $((P0 + 2)) ]

# A code given by the application as the PIN (C_Login): no prompt.
next_code() {	# the pinentry's rule (tests/support/pinentry-oath.sh), here
	local ahead last step
	ahead=$(tr -dc 0-9 <"$T/clock")
	last=$(cat "$T/last_step")
	step=$((($(date +%s) + ${ahead:-0}) / 30))
	if [ "$step" -le "$last" ]; then
		ahead=$((${ahead:-0} + (last - step + 1) * 30))
		echo "+${ahead}s" >"$T/clock"
		step=$((last + 1))
	fi
	echo "$step" >"$T/last_step"
	oathtool --totp -b -N "@$((step * 30))" "$SECRET"
}
PL=$(prompts)
U pkcs11-tool --module "$MOD" --login --pin "$(next_code)" --sign -m SHA256-RSA-PKCS \
	--label "Pecete signing" -i "$T/doc.txt" -o "$T/out/pin.sig" >"$T/pin.out" 2>&1
check "the code as the PIN (pkcs11-tool --login --pin): no prompt" [ "$(prompts)" = "$PL" ]
check "... the signature verifies" openssl dgst -sha256 -verify "$T/pub.pem" -signature "$T/out/pin.sig" "$T/doc.txt"

# The authentication key (TLS client auth): its own certificate and keys,
# a code per signature all the same, no qualified transaction spent.
check "--list-objects: the authentication certificate and keys too" \
	[ "$(grep -c 'label: *Pecete authentication' "$T/objs.out")" = 3 ]
check "... the authentication key is not always-authenticate" \
	not grep -q "Access:.*always authenticate" <(grep -A8 "Private Key Object" "$T/objs.out" | grep -A7 "Pecete authentication")
AUTH=$(sql "SELECT serial FROM certs WHERE kind = 'auth' AND holder = (SELECT holder FROM credentials WHERE serial = '$ASIGN')")
check "pecete-vtoken list: the authentication credential" grep -q "^auth	$AUTH	" "$T/list.out"
sql "SELECT hex(der) FROM certs WHERE serial = '$AUTH'" | xxd -r -p >"$T/auth.der"
openssl x509 -inform DER -in "$T/auth.der" -pubkey -noout >"$T/apub.pem"
TXA=$(tx_left)
SA=$(sig_rows)
AID=$(grep -A3 "^Private Key Object" "$T/objs.out" | grep -A2 "label: *Pecete authentication" | sed -n 's/^ *ID: *//p')
U pkcs11-tool --module "$MOD" --sign -m SHA256-RSA-PKCS-PSS --id "$AID" \
	-i "$T/doc.txt" -o "$T/out/auth.sig" >"$T/asign.out" 2>&1
check "the authentication key, SHA256-RSA-PKCS-PSS: openssl verifies it with the auth certificate" \
	openssl dgst -sha256 -sigopt rsa_padding_mode:pss -sigopt rsa_pss_saltlen:-1 \
		-verify "$T/apub.pem" -signature "$T/out/auth.sig" "$T/doc.txt"
check "... a prompt naming the authentication key" grep -q "authentication certificate" <(tail -n 1 "$T/prompts")
check "... no qualified transaction spent, no signing record; audited sign.auth" \
	[ "$(tx_left)" = "$TXA" -a "$(sig_rows)" = "$SA" \
	  -a "$(sql "SELECT count(*) FROM audit_log WHERE event = 'sign.auth' AND detail LIKE '%$AUTH%'")" = 1 ]

# Another account's token knows neither of Ana's keys (the op, signed in
# through the same client).
as op
VER=$(openssl rand -hex 32)
CHAL=$(printf '%s' "$VER" | openssl dgst -sha256 -binary | openssl base64 -A | tr '+/' '-_' | tr -d '=')
CODE=$(curl -s -o /dev/null -D "$T/ohead" -w '%{http_code}' \
	"$PC_URL/csc/v2/oauth2/authorize?response_type=code&client_id=$VCID&redirect_uri=$(enc http://127.0.0.1:9/cb)&code_challenge=$CHAL&code_challenge_method=S256&scope=service&state=o")
OLOC=$(grep -i '^Location:' "$T/ohead" | sed 's/^[^:]*: *//' | tr -d '\r')
api POST "/api/v1/oauth/consent/$(qarg "http://x$OLOC" id)" '{"approve":true}'
OCODE=$(qarg "$(jget redirect)" code)
OTOK=$(curl -s -X POST --data-urlencode grant_type=authorization_code --data-urlencode "client_id=$VCID" \
	--data-urlencode "code=$OCODE" --data-urlencode "redirect_uri=http://127.0.0.1:9/cb" \
	--data-urlencode "code_verifier=$VER" "$PC_URL/csc/v2/oauth2/token" | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin).get("access_token",""))')
ocsc() { curl -s -o "$T/obody" -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
	-H "Authorization: Bearer $OTOK" -d "$2" "$PC_URL/csc/v2/$1"; }
check "another account's token: Ana's authentication credential is unknown to it (info 400)" \
	[ ${#OTOK} = 64 -a "$(ocsc credentials/info "{\"credentialID\":\"$AUTH\"}")" = 400 ]
check "... not listed with authentication true" \
	[ "$(ocsc credentials/list '{"authentication":true}')" = 200 -a -z "$(grep -e "$AUTH" -e "$ASIGN" "$T/obody")" ]
check "... authorize refused (400), whatever code" \
	[ "$(ocsc credentials/authorize "{\"credentialID\":\"$AUTH\",\"numSignatures\":1,\"hashes\":[\"$(openssl dgst -sha256 -binary "$T/doc.txt" | openssl base64 -A)\"],\"hashAlgorithmOID\":\"2.16.840.1.101.3.4.2.1\",\"authData\":[{\"id\":\"OTP\",\"value\":\"123456\"}]}")" = 400 ]
as ana

# ---- a wrong code, a cancelled prompt -----------------------------------------------
oathtool --totp -b -N "@86400" "$SECRET" >"$T/wrong"
TX1=$(tx_left)
S1=$(sig_rows)
PW=$(prompts)
rm -f "$T/out/bad.sig"
U pkcs11-tool --module "$MOD" --sign -m SHA256-RSA-PKCS --label "Pecete signing" \
	-i "$T/doc.txt" -o "$T/out/bad.sig" >"$T/bad.out" 2>&1
check "a wrong code: CKR_PIN_INCORRECT" grep -q CKR_PIN_INCORRECT "$T/bad.out"
# pkcs11-tool tries a failed one-part C_Sign again as C_SignUpdate +
# C_SignFinal: two signing operations, a prompt each (no more).
check "... one prompt per signing operation the application tried (pkcs11-tool: 2)" \
	[ "$(prompts)" -ge $((PW + 1)) -a "$(prompts)" -le $((PW + 2)) ]
check "... no signature written" [ ! -s "$T/out/bad.sig" ]
check "... no transaction spent, no signature recorded" [ "$(tx_left)" = "$TX1" -a "$(sig_rows)" = "$S1" ]
rm -f "$T/wrong"
touch "$T/cancel"
U pkcs11-tool --module "$MOD" --sign -m SHA256-RSA-PKCS --label "Pecete signing" \
	-i "$T/doc.txt" -o "$T/out/bad.sig" >"$T/cancel.out" 2>&1
check "a cancelled prompt: CKR_FUNCTION_CANCELED, nothing spent" \
	[ "$(tx_left)" = "$TX1" -a -n "$(grep CKR_FUNCTION_CANCELED "$T/cancel.out")" ]
rm -f "$T/cancel"

# ---- OpenSSL's libp11 engine: openssl cms -sign ---------------------------------
ENGINE=/usr/lib/x86_64-linux-gnu/engines-3/pkcs11.so
[ -f "$ENGINE" ] || { echo "FAIL - libengine-pkcs11-openssl missing"; exit 1; }
cat >"$T/openssl.cnf" <<EOC
openssl_conf = openssl_init
[openssl_init]
engines = engine_section
[engine_section]
pkcs11 = pkcs11_section
[pkcs11_section]
engine_id = pkcs11
dynamic_path = $ENGINE
MODULE_PATH = $MOD
init = 0
EOC
sql "SELECT hex(der) FROM certs WHERE kind = 'root' ORDER BY created_at DESC LIMIT 1" | xxd -r -p |
	openssl x509 -inform DER -out "$T/root.pem"
sql "SELECT hex(der) FROM certs WHERE serial = (SELECT issuer FROM certs WHERE serial = '$ASIGN')" | xxd -r -p |
	openssl x509 -inform DER -out "$T/issuing.pem"
openssl x509 -inform DER -in "$T/sign.der" -out "$T/sign.pem"
P2=$(prompts)
TX2=$(tx_left)
U env OPENSSL_CONF="$T/openssl.cnf" openssl cms -sign -binary -md sha256 -in "$T/doc.txt" \
	-signer "$T/sign.pem" -certfile "$T/issuing.pem" -engine pkcs11 -keyform engine \
	-inkey "pkcs11:manufacturer=Pecete;object=Pecete%20signing;type=private" \
	-outform DER -out "$T/out/doc.p7s" >"$T/cms.out" 2>&1
check "openssl cms -sign through the libp11 engine and our module: a .p7s" [ -s "$T/out/doc.p7s" ]
check "... openssl cms -verify accepts it (our root)" \
	openssl cms -verify -binary -inform DER -in "$T/out/doc.p7s" -content "$T/doc.txt" \
		-CAfile "$T/root.pem" -purpose any -out /dev/null
check "... and refuses another content" \
	not openssl cms -verify -binary -inform DER -in "$T/out/doc.p7s" -content "$T/h384" \
		-CAfile "$T/root.pem" -purpose any -out /dev/null
check "... one prompt, one transaction" [ "$(prompts)" = $((P2 + 1)) -a "$(tx_left)" = $((TX2 - 1)) ]

# ---- pecete sign --pkcs11-module: a PAdES through the token ----------------------
eval "$(sed -n '/^make_pdf() {/,/^}/p' "$PECETE_SRC/tests/integration/sign_lib.sh.inc")"
make_pdf "$T/doc.pdf" 1
cat "$T/sign.pem" "$T/issuing.pem" >"$T/chain.pem"
printf 'agent\n' >"$T/out/pin"
chmod 600 "$T/out/pin"
[ "$(id -u)" = 0 ] && chown 65534:65534 "$T/out/pin"
P3=$(prompts)
TX3=$(tx_left)
U "$PECETE_BIN" sign --pkcs11-module "$MOD" --pkcs11-key "Pecete signing" --pin-file "$T/out/pin" \
	--signer-cert "$T/chain.pem" "$T/doc.pdf" "$T/out/doc-s.pdf" >"$T/psign.out" 2>&1
pdfsig "$T/out/doc-s.pdf" >"$T/pdfsig.out" 2>&1
check "pecete sign --pkcs11-module libpecete-pkcs11.so: pdfsig finds the signature valid" \
	grep -q "Signature is Valid" "$T/pdfsig.out"
check "... one prompt, one transaction" [ "$(prompts)" = $((P3 + 1)) -a "$(tx_left)" = $((TX3 - 1)) ]

# ---- valgrind: load, list, sign, fork, unload -------------------------------------
command -v valgrind >/dev/null || { echo "FAIL - valgrind missing"; exit 1; }
P5=$(prompts)
U valgrind -q --error-exitcode=99 --leak-check=full --show-leak-kinds=definite,indirect \
	--errors-for-leak-kinds=definite,indirect --child-silent-after-fork=no \
	"$PECETE_BUILD/vt_p11drive" "$MOD" "$T/doc.txt" "$T/out/vg.sig" >"$T/vg.out" 2>&1
VRC=$?
check "valgrind over the module (load, list every attribute, sign, fork, unload): no error, no leak" \
	[ "$VRC" = 0 -a -z "$(grep '^FAIL' "$T/vg.out")" ]
[ "$VRC" = 0 ] || cat "$T/vg.out"
check "... the fork: the child not initialized until its C_Initialize" grep -q "^ok - fork:" "$T/vg.out"
check "... one prompt for its signature" [ "$(prompts)" = $((P5 + 1)) ]
check "... the signature verifies" openssl dgst -sha256 -verify "$T/pub.pem" -signature "$T/out/vg.sig" "$T/doc.txt"

# ---- p11tool through p11-kit ------------------------------------------------------------
# p11-kit reads ~/.config/pkcs11/modules as $XDG_CONFIG_HOME/pkcs11/modules.
mkdir -p "$T/cfg/pkcs11/modules"
printf 'module: %s\n' "$MOD" >"$T/cfg/pkcs11/modules/pecete.module"
U p11tool --list-all-certs "pkcs11:manufacturer=Pecete" >"$T/p11tool.out" 2>&1
check "p11tool --list-all-certs (p11-kit, a module file): our certificates" \
	grep -q "manufacturer=Pecete.*object=Pecete%20signing;type=cert" "$T/p11tool.out"

# ---- NSS: modutil -add, certutil -L -h all -------------------------------------------
command -v modutil >/dev/null || { echo "FAIL - libnss3-tools missing"; exit 1; }
U mkdir -p "$T/out/nss"
U certutil -N -d "sql:$T/out/nss" --empty-password >"$T/nss.out" 2>&1
U modutil -force -dbdir "sql:$T/out/nss" -add "Pecete virtual token" -libfile "$MOD" >>"$T/nss.out" 2>&1
U modutil -dbdir "sql:$T/out/nss" -list >"$T/modlist.out" 2>&1
check "modutil -add: the module in a fresh NSS database, its token Pecete" \
	grep -q "token: Pecete" "$T/modlist.out"
U certutil -L -h all -d "sql:$T/out/nss" >"$T/certutil.out" 2>&1
check "certutil -L -h all lists the signing and the authentication certificates" \
	[ -n "$(grep "Pecete:Pecete signing" "$T/certutil.out")" -a -n "$(grep "Pecete:Pecete authentication" "$T/certutil.out")" ]

# ---- TLS client authentication: openssl s_server, curl with the token's key -----
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 \
	-subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 \
	-keyout "$T/srv.key" -out "$T/srv.pem" >/dev/null 2>&1
openssl x509 -inform DER -in "$T/auth.der" -out "$T/auth.pem"
cat "$T/root.pem" "$T/issuing.pem" >"$T/cachain.pem"
SPORT=$(pc_free_port)
openssl s_server -accept "127.0.0.1:$SPORT" -naccept 1 -cert "$T/srv.pem" -key "$T/srv.key" \
	-Verify 1 -CAfile "$T/cachain.pem" -www >"$T/s_server.out" 2>&1 &
SPID=$!
for _ in $(seq 1 50); do grep -q ACCEPT "$T/s_server.out" && break; sleep 0.1; done
# A fresh agent: no authentication SAD kept (the one of the pkcs11-tool
# signature above lived 30 s).
vt_stop
P4=$(prompts)
TX4=$(tx_left)
U env OPENSSL_CONF="$T/openssl.cnf" curl -s --max-time 60 --cacert "$T/srv.pem" \
	--engine pkcs11 --key-type ENG \
	--key "pkcs11:manufacturer=Pecete;object=Pecete%20authentication;type=private" \
	--cert "$T/auth.pem" -o "$T/out/tls.html" -w '%{http_code}' "https://127.0.0.1:$SPORT/" >"$T/curl.code" 2>"$T/curl.err"
wait "$SPID" 2>/dev/null
check "curl with the key pkcs11:... (libp11 engine, our module): openssl s_server -Verify 1 accepts it" \
	[ "$(cat "$T/curl.code")" = 200 ]
check "... s_server verified our authentication certificate (its subject logged)" \
	grep -q "depth=0 .*CN = Ana Pop" "$T/s_server.out"
check "... one prompt, no qualified transaction" [ "$(prompts)" = $((P4 + 1)) -a "$(tx_left)" = "$TX4" ]
# The authentication key's policy: a hashless authorize (numSignatures
# 100, [csc] auth_sad_ttl: 30 s here) per code.
hashless() { sql "SELECT count(*) FROM audit_log WHERE event = 'csc.authorize' AND detail LIKE '%$AUTH hashes=0 uses=100 expires_in=30'"; }
check "... two hashless authorizes for the authentication key (30 s each), two sign.auth" \
	[ "$(hashless)" = 2 -a "$(sql "SELECT count(*) FROM audit_log WHERE event = 'sign.auth' AND detail LIKE '%$AUTH%'")" = 2 ]

# ---- nginx checking OCSP; one code for many handshakes --------------------------
# nginx (this user's, on loopback, its files in $T/nginx) verifies client
# certificates against our CA and asks our OCSP responder about each
# (ssl_ocsp leaf), through a relay that logs every request and can hold
# one (tests/support/http-hold.py).
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
[ -x "$NGINX" ] || { echo "FAIL - nginx missing (scripts/deps.sh installs it)"; exit 1; }
NX=$T/nginx
mkdir -p "$NX/relay"
touch "$NX/relay/log"
RPORT=$(pc_free_port)
/usr/bin/python3 "$PECETE_SRC/tests/support/http-hold.py" "$RPORT" "$PC_URL" "$NX/relay" \
	2>"$NX/relay.err" &
RPID=$!
NPORT=$(pc_free_port)
cat >"$NX/nginx.conf" <<EOC
worker_processes 1;
pid $NX/nginx.pid;
# Its workers keep the server's clock (ft); nginx clears their environment.
env LD_PRELOAD;
env FAKETIME_TIMESTAMP_FILE;
env FAKETIME_NO_CACHE;
env FAKETIME_DONT_FAKE_MONOTONIC;
error_log $NX/error.log info;
events { worker_connections 64; }
http {
	access_log $NX/access.log;
	client_body_temp_path $NX/body;
	proxy_temp_path $NX/proxy;
	fastcgi_temp_path $NX/fastcgi;
	uwsgi_temp_path $NX/uwsgi;
	scgi_temp_path $NX/scgi;
	server {
		listen 127.0.0.1:$NPORT ssl;
		ssl_certificate $T/srv.pem;
		ssl_certificate_key $T/srv.key;
		ssl_client_certificate $T/cachain.pem;
		ssl_verify_client on;
		ssl_verify_depth 2;
		ssl_ocsp leaf;
		ssl_ocsp_responder http://127.0.0.1:$RPORT/ocsp;
		location / {
			default_type text/plain;
			return 200 "client \$ssl_client_s_dn\n";
		}
	}
}
EOC
ft "$NGINX" -p "$NX" -c "$NX/nginx.conf" -e "$NX/error.log" -g 'daemon off;' >"$NX/start.out" 2>&1 &
NPID=$!
trap 'kill "$NPID" "$RPID" 2>/dev/null; vt_stop; pc_cleanup' EXIT
for _ in $(seq 1 100); do
	[ -e "$NX/relay/port-ready" ] && (exec 3<>"/dev/tcp/127.0.0.1/$NPORT") 2>/dev/null && break
	sleep 0.1
done
ncurl() {	# ncurl NAME: curl with the token's key to nginx: $T/out/NAME, NAME.code
	U env OPENSSL_CONF="$T/openssl.cnf" curl -s --max-time 90 --cacert "$T/srv.pem" \
		--engine pkcs11 --key-type ENG \
		--key "pkcs11:manufacturer=Pecete;object=Pecete%20authentication;type=private" \
		--cert "$T/auth.pem" -o "$T/out/$1" -w '%{http_code}' "https://127.0.0.1:$NPORT/" \
		>"$T/out/$1.code" 2>"$T/out/$1.err"
}
ocsp_asked() { grep -c "^GET /ocsp/.* 200$" "$NX/relay/log"; }

# Two TLS client authentications, one code; its SAD lives [csc]
# auth_sad_ttl (30 s here): after it a code is asked again (the agent
# stops using a SAD 5 s before its end).
vt_stop
PN=$(prompts)
T0=$(date +%s)
ncurl n1
ncurl n2
T1=$(date +%s)
check "nginx (ssl_verify_client on, ssl_ocsp) accepts curl with the token's key twice: 200, our subject" \
	[ "$(cat "$T/out/n1.code")" = 200 -a "$(cat "$T/out/n2.code")" = 200 -a -n "$(grep "CN=Ana Pop" "$T/out/n2")" ]
check "... nginx asked our OCSP responder at each handshake (answered 200)" [ "$(ocsp_asked)" = 2 ]
check "... two TLS client authentications (two curl runs through the module): ONE pinentry prompt" \
	[ "$(prompts)" = $((PN + 1)) -a -n "$(tail -n 1 "$T/prompts" | grep "authentication certificate")" -a "$(hashless)" = 3 ]
[ $((T1 - T0)) -lt 25 ] || echo "# the two handshakes took $((T1 - T0)) s: the SAD may have ended between"
W=$((T0 + 27 - $(date +%s)))
[ "$W" -gt 0 ] && sleep "$W"
ncurl n3
check "past auth_sad_ttl (27 s on): the next handshake asks a code again, one hashless authorize more" \
	[ "$(cat "$T/out/n3.code")" = 200 -a "$(prompts)" = $((PN + 2)) -a "$(hashless)" = 4 ]
PS=$(prompts)
for i in 1 2; do
	U pkcs11-tool --module "$MOD" --sign -m SHA256-RSA-PKCS --label "Pecete signing" \
		-i "$T/doc.txt" -o "$T/out/again$i.sig" >"$T/again$i.out" 2>&1
done
check "... the signing key meanwhile: a code per signature (two signatures, two prompts)" \
	[ "$(prompts)" = $((PS + 2)) -a -s "$T/out/again1.sig" -a -s "$T/out/again2.sig" ]

# Revoked while nginx checks it: the key signs the handshake (the
# certificate still valid), nginx's OCSP request is held, the certificate
# revoked, the request let go: nginx refuses the connection.
vt_stop
touch "$NX/relay/hold"
ncurl n4 &
CPID=$!
for _ in $(seq 1 900); do [ -e "$NX/relay/held" ] && break; sleep 0.1; done
check "a handshake signed with the token's key, nginx's OCSP request held" [ -e "$NX/relay/held" ]
/usr/bin/python3 -c 'import base64, sys, urllib.parse as u
p = open(sys.argv[1]).read().strip().split("/ocsp/", 1)[1]
sys.stdout.buffer.write(base64.b64decode(u.unquote(p)))' "$NX/relay/held" >"$T/ocspreq.der"
openssl ocsp -reqin "$T/ocspreq.der" -req_text >"$T/ocspreq.txt" 2>&1
check "... the request names the authentication certificate's serial" \
	grep -q "Serial Number: $(openssl x509 -in "$T/auth.pem" -noout -serial | cut -d= -f2)" "$T/ocspreq.txt"
"$PECETE_BIN" cert revoke --data "$D" "$AUTH" --reason keyCompromise >/dev/null 2>"$T/rev.err"
check "the authentication certificate revoked (pecete cert revoke)" [ $? = 0 ]
touch "$NX/relay/go"
wait "$CPID"
rm -f "$NX/relay/hold" "$NX/relay/go"
check "nginx checking OCSP refuses it: 400 \"The SSL certificate error\"" \
	[ "$(cat "$T/out/n4.code")" = 400 -a -n "$(grep "The SSL certificate error" "$T/out/n4")" ]
check "... its log names the OCSP answer (revoked)" grep -q "client SSL certificate verify error.*revoked" "$NX/error.log"
check "... the relay passed nginx's fourth OCSP request to our responder" [ "$(ocsp_asked)" = 4 ]
kill "$NPID" "$RPID" 2>/dev/null
wait "$NPID" "$RPID" 2>/dev/null

# Revoked: the OCSP answer for the certificate curl presents is "revoked",
# a server checking the CRL refuses it, and the signer no longer signs with
# its key (so the handshake cannot even be made).
ft openssl ocsp -issuer "$T/issuing.pem" -cert "$T/auth.pem" -url "$PC_URL/ocsp" \
	-CAfile "$T/cachain.pem" >"$T/ocsp.out" 2>&1
check "OCSP for the presented certificate: revoked, the answer verified" \
	grep -q "auth.pem: revoked" "$T/ocsp.out"
curl -sf "$PC_URL/pki/issuing.crl" -o "$T/issuing.crl"
openssl crl -inform DER -in "$T/issuing.crl" -out "$T/issuing.crl.pem"
cat "$T/cachain.pem" "$T/issuing.crl.pem" >"$T/cacrl.pem"
check "a server checking revocation refuses it (openssl verify -crl_check, the CA's CRL)" \
	not ft openssl verify -crl_check -CAfile "$T/cacrl.pem" "$T/auth.pem"
SPORT=$(pc_free_port)
ft openssl s_server -accept "127.0.0.1:$SPORT" -naccept 1 -cert "$T/srv.pem" -key "$T/srv.key" \
	-Verify 1 -CAfile "$T/cacrl.pem" -crl_check -www >"$T/s_server2.out" 2>&1 &
SPID=$!
for _ in $(seq 1 50); do grep -q ACCEPT "$T/s_server2.out" && break; sleep 0.1; done
U env OPENSSL_CONF="$T/openssl.cnf" curl -s --max-time 60 --cacert "$T/srv.pem" \
	--engine pkcs11 --key-type ENG \
	--key "pkcs11:manufacturer=Pecete;object=Pecete%20authentication;type=private" \
	--cert "$T/auth.pem" -o /dev/null -w '%{http_code}' "https://127.0.0.1:$SPORT/" >"$T/curl2.code" 2>&1
kill "$SPID" 2>/dev/null
wait "$SPID" 2>/dev/null
check "curl with the revoked key: no connection" [ "$(cat "$T/curl2.code")" != 200 ]
check "... the signer refused the revoked key (certificate revoked)" \
	grep -q "revoked" <(tail -n 3 "$T/run/pecete-vtoken/agent.log")

# ---- ECDSA: a P-256 holder on the same account -----------------------------------
# Issued by the CLI and linked to Ana's account in the database (as a second
# certificate of hers); the agent restarted: its cache taken anew.
"$PECETE_BIN" cert issue --data "$D" --given-name Ana --surname Pop --cnp 2900101410011 \
	--email ana.vt@example.ro --key p256 --transactions 5 --out "$T/ec.pem" >"$T/ec.out" 2>"$T/ec.err"
ECS=$(awk '$1 == "serial" { print $2 }' "$T/ec.out")
sql "UPDATE credentials SET user_id = (SELECT user_id FROM credentials WHERE serial = '$ASIGN') WHERE serial = '$ECS'"
check "a P-256 credential linked to the account" [ -n "$ECS" -a "$(sql "SELECT count(*) FROM credentials WHERE serial = '$ECS' AND user_id <> ''")" = 1 ]
vt_stop
U pkcs11-tool --module "$MOD" --list-objects >"$T/objs2.out" 2>&1
ECID=$(grep -A3 "^Private Key Object; EC" "$T/objs2.out" | sed -n 's/^ *ID: *//p' | head -n 1)
check "the token shows an EC private key" [ -n "$ECID" ]
P6=$(prompts)
U pkcs11-tool --module "$MOD" --sign -m ECDSA-SHA256 --id "$ECID" --signature-format openssl \
	-i "$T/doc.txt" -o "$T/out/ec.sig" >"$T/ecsign.out" 2>&1
openssl x509 -in "$T/ec.pem" -pubkey -noout >"$T/ecpub.pem"
check "ECDSA-SHA256 through the token: openssl dgst -verify accepts it (P-256 certificate)" \
	openssl dgst -sha256 -verify "$T/ecpub.pem" -signature "$T/out/ec.sig" "$T/doc.txt"
check "... one prompt" [ "$(prompts)" = $((P6 + 1)) ]
openssl dgst -sha256 -binary "$T/doc.txt" >"$T/h256"
U pkcs11-tool --module "$MOD" --sign -m ECDSA --id "$ECID" --signature-format openssl \
	-i "$T/h256" -o "$T/out/ec2.sig" >"$T/ecsign2.out" 2>&1
check "CKM_ECDSA over a SHA-256 hash: verified too" \
	openssl dgst -sha256 -verify "$T/ecpub.pem" -signature "$T/out/ec2.sig" "$T/doc.txt"

# ---- the app revoked in Settings -------------------------------------------------
api GET /api/v1/oauth/apps
GID=$(jpath '[a["id"] for a in j["apps"] if a["client"] == "Pecete virtual token"][0]')
api POST "/api/v1/oauth/apps/$GID/revoke" '{}'
check "the token's grant revoked (Settings, authorized apps)" [ "$CODE" = 200 ]
TX5=$(tx_left)
P7=$(prompts)
SID=$(grep -A3 "^Private Key Object" "$T/objs.out" | grep -A2 "label: *Pecete signing" | sed -n 's/^ *ID: *//p')
U pkcs11-tool --module "$MOD" --sign -m SHA256-RSA-PKCS --id "$SID" \
	-i "$T/doc.txt" -o "$T/out/rev.sig" >"$T/rev.out" 2>&1
check "the module's next sign: CKR_USER_NOT_LOGGED_IN, nothing spent, no code asked" \
	[ -n "$(grep CKR_USER_NOT_LOGGED_IN "$T/rev.out")" -a "$(tx_left)" = "$TX5" -a "$(prompts)" = "$P7" ]
U "$VT" status >"$T/status3.out" 2>&1
check "status says why (revoked in Settings, log in again)" \
	grep -q "revoked in Settings.*pecete-vtoken login" "$T/status3.out"

# ---- logout ---------------------------------------------------------------------------
U "$VT" logout >/dev/null
U pkcs11-tool --module "$MOD" --sign -m SHA256-RSA-PKCS --label "Pecete signing" \
	-i "$T/doc.txt" -o "$T/out/bad.sig" >"$T/out.out" 2>&1
check "after logout the module is not usable: no token, or CKR_USER_NOT_LOGGED_IN" \
	grep -q -e CKR_USER_NOT_LOGGED_IN -e "No slot with a token" -e CKR_TOKEN_NOT_PRESENT "$T/out.out"
U "$VT" status >"$T/status2.out" 2>&1
check "status says why" grep -q "not signed in: run pecete-vtoken login" "$T/status2.out"

vt_stop
check "the agent stopped: its socket is gone" [ ! -e "$T/run/pecete-vtoken/sock" ]
check "the agent's log has no sanitizer report" \
	not grep -q -e "ERROR: AddressSanitizer" -e "runtime error:" -e "LeakSanitizer" "$T/run/pecete-vtoken/agent.log"

pc_stop
pc_done
