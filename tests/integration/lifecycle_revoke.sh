#!/bin/bash
# lifecycle_revoke.sh: suspension, resumption and revocation (issue 14 item
# 6) and the public registry (J16), through the API, judged with openssl:
#  - the holder suspends (no code, an explicit confirmation): openssl ocsp
#    says revoked (certificateHold) for the signing and the authentication
#    certificate at once, openssl crl -text lists both; signing is refused
#    (cert_suspended) with nothing counted; the holder is e-mailed;
#  - a wrong TOTP code changes nothing; with the right one the certificates
#    are good again (OCSP good, off the CRL);
#  - revocation (code + confirmation, keyCompromise): both revoked for
#    good, OCSP and CRL agree, signing refused (cert_revoked);
#  - an operator revokes another holder's signing certificate with a
#    reason: the authentication certificate goes with it; audited;
#  - the registry finds by name (either order, any case, ş/ș) and by
#    e-mail, shows no personal number, serves the DER that was issued
#    (cmp) and its PEM, lists nothing for an unknown name, answers 429
#    past its rate; the CA page's fingerprints are those of the files.
. "$PECETE_SRC/tests/support/lib.sh"
. "$PECETE_SRC/tests/support/api.sh"
pc_need --faketime curl sqlite3 openssl oathtool python3 xxd

T=$(pc_tmpdir)
D=$T/data
pc_init "$D" --dev
DB=$D/pecete.db
"$PECETE_BIN" pki export --data "$D" --out "$T/pki" >/dev/null
cat "$T/pki/root.pem" "$T/pki/issuing.pem" >"$T/chain.pem"
# The server's clock (and its signer's) is an offset in a file (libfaketime,
# read at every call): a fresh TOTP step is the clock moved 30 s on, not a
# wait.
AHEAD=0
echo "+0s" >"$T/clock"
pc_serve_clock "$D" "$T/clock"
. "$PECETE_SRC/tests/support/idv.sh"
idv_fixtures

as op
api_signup_user op.rv@example.ro +40722000999
"$PECETE_BIN" user role --data "$D" --email op.rv@example.ro --role operator >/dev/null
api_pair_totp
as ana
api_signup_user ana.rv@example.ro +40722000111
api_issued op.rv@example.ro || fail "issued user"
ANA_SECRET=$SECRET
ASIGN=$SIGN
LAST_STEP=$(($(date +%s) / 30 + 1))
AUTH=$(sql "SELECT serial FROM certs WHERE kind = 'auth' AND holder = (SELECT holder FROM certs WHERE serial = '$SIGN')")
check "a signing and an authentication certificate" [ -n "$SIGN" -a -n "$AUTH" ]

next_code() { pc_code "$ANA_SECRET"; }
pem_of() {	# pem_of SERIAL FILE: the certificate from the store
	sql "SELECT hex(der) FROM certs WHERE serial = '$1'" | xxd -r -p >"$2.der"
	openssl x509 -inform DER -in "$2.der" -out "$2"
}
pem_of "$SIGN" "$T/sign.pem"
pem_of "$AUTH" "$T/auth.pem"
ocsp() {	# ocsp FILE: the status line and the reason, verified against the root
	openssl ocsp -issuer "$T/pki/issuing.pem" -cert "$1" -url "$PC_URL/ocsp" \
		-CAfile "$T/pki/root.pem" 2>&1 | grep -E "^$1: |Reason:|verify" |
		sed "s#^$1: ##; s/^[[:space:]]*//" | tr '\n' ' ' | sed 's/ $//'
}
crl() {	# crl: the issuing CA's CRL as served, as text
	curl -s -o "$T/issuing.crl" "$PC_URL/pki/issuing.crl"
	openssl crl -inform DER -in "$T/issuing.crl" -CAfile "$T/chain.pem" -text -noout 2>&1
}
on_crl() {	# on_crl SERIAL: the CRL's entry for it (serial and reason), "" if absent
	crl | grep -A4 -i "Serial Number: 0*$(echo "$1" | tr a-f A-F)$" |
		grep -oE "Serial Number|Certificate Hold|Key Compromise|Affiliation Changed" | sort -u | tr '\n' ' '
}
counter() { sql "SELECT transactions_left FROM credentials WHERE serial = '$SIGN'"; }
has() { [ "${2#*"$1"}" != "$2" ]; }	# has NEEDLE TEXT
crl_verifies() { crl | grep -q 'verify OK'; }
reason_is() { [ "$(ocsp "$2" | sed 's/.*Reason: //')" = "$1" ] && has "verify OK revoked" "$(ocsp "$2")"; }

check "at first: OCSP good, verified" [ "$(ocsp "$T/sign.pem")" = "Response verify OK good" ]
check "... the CRL verifies" crl_verifies
check "... not on the CRL" [ -z "$(on_crl "$SIGN")" ]

# A batch made while the certificate is good, with one file to sign.
api POST /api/v1/sign/batches '{}'
B=$(jget id)
printf 'contract text\n' >"$T/c.txt"
CODE=$(curl -s -o "$T/body" -w '%{http_code}' -b "$JAR" -H "X-CSRF-Token: $CSRF" \
	-H 'Content-Type: application/octet-stream' --data-binary @"$T/c.txt" \
	"$PC_URL/api/v1/sign/batches/$B/files?name=c.txt")
check "a batch with a file, before the suspension" [ "$CODE" = 201 ]
LEFT=$(counter)

# ---- suspension ------------------------------------------------------------------------------------
api POST "/api/v1/certificates/$SIGN/suspend" '{"confirm":false}'
expect 400 confirm_required "suspension needs an explicit confirmation"
api POST "/api/v1/certificates/abcdef/suspend" '{"confirm":true}'
expect 404 cert_not_found "another serial: not found"
api POST "/api/v1/certificates/$SIGN/suspend" '{"confirm":true}'
expect 200 - "suspended"
check "Settings say suspended, both" [ "$(jpath '" ".join(sorted(c["kind"]+"="+c["status"] for c in j["certificates"]))')" = "auth=suspended sign=suspended" ]
check "OCSP at once: revoked, certificateHold (signing)" [ "$(ocsp "$T/sign.pem" | sed 's/Revocation Time.*//')" = "Response verify OK revoked Reason: certificateHold" ]
check "OCSP: the authentication certificate too" reason_is certificateHold "$T/auth.pem"
check "openssl crl -text: both listed, Certificate Hold" [ "$(on_crl "$SIGN")$(on_crl "$AUTH")" = "Certificate Hold Serial Number Certificate Hold Serial Number " ]
api POST "/api/v1/certificates/$SIGN/suspend" '{"confirm":true}'
expect 409 cert_state "suspending twice: cert_state"
api POST /api/v1/sign/batches '{}'
expect 409 cert_suspended "a new batch: cert_suspended"
api POST "/api/v1/sign/batches/$B/sign" "{\"code\":\"$(oathtool --totp -b "$ANA_SECRET")\"}"
expect 409 cert_suspended "signing the earlier batch: refused by the signer, cert_suspended"
check "... nothing counted" [ "$(counter)" = "$LEFT" ]
check "the holder is e-mailed (cert_suspended)" [ "$(outvar cert_suspended serial)" = "$SIGN" ]

# ---- resumption ------------------------------------------------------------------------------------
api POST "/api/v1/certificates/$SIGN/resume" '{"code":"000000"}'
expect 400 totp_invalid "a wrong code refused"
check "... still on hold (OCSP)" reason_is certificateHold "$T/sign.pem"
next_code
api POST "/api/v1/certificates/$SIGN/resume" "{\"code\":\"$TOTP\"}"
expect 200 - "resumed with the code"
check "Settings say good, both" [ "$(jpath '" ".join(sorted(c["kind"]+"="+c["status"] for c in j["certificates"]))')" = "auth=good sign=good" ]
check "OCSP good again (signing)" [ "$(ocsp "$T/sign.pem")" = "Response verify OK good" ]
check "OCSP good again (authentication)" [ "$(ocsp "$T/auth.pem")" = "Response verify OK good" ]
check "off the CRL (removeFromCRL)" [ -z "$(on_crl "$SIGN")$(on_crl "$AUTH")" ]
check "the holder is e-mailed (cert_resumed)" [ "$(outvar cert_resumed serial)" = "$SIGN" ]
api POST "/api/v1/certificates/$SIGN/resume" "{\"code\":\"000000\"}"
expect 409 cert_state "resuming a good certificate: cert_state (before any code check)"

# ---- revocation by the holder ----------------------------------------------------------------------
api POST "/api/v1/certificates/$SIGN/revoke" '{"code":"000000","confirm":false}'
expect 400 confirm_required "revocation needs the confirmation"
api POST "/api/v1/certificates/$SIGN/revoke" '{"code":"000000","confirm":true,"reason":"cACompromise"}'
expect 400 reason_invalid "a reason that is not the holder's"
api POST "/api/v1/certificates/$SIGN/revoke" '{"code":"000000","confirm":true}'
expect 400 totp_invalid "a wrong code refused"
check "... still good (OCSP)" [ "$(ocsp "$T/sign.pem")" = "Response verify OK good" ]
next_code
api POST "/api/v1/certificates/$SIGN/revoke" "{\"code\":\"$TOTP\",\"confirm\":true,\"reason\":\"keyCompromise\"}"
expect 200 - "revoked with code and confirmation"
check "Settings say revoked, both" [ "$(jpath '" ".join(sorted(c["kind"]+"="+c["status"] for c in j["certificates"]))')" = "auth=revoked sign=revoked" ]
check "OCSP: revoked, keyCompromise (signing)" reason_is keyCompromise "$T/sign.pem"
check "OCSP: revoked, keyCompromise (authentication, with it)" reason_is keyCompromise "$T/auth.pem"
check "the CRL verifies" crl_verifies
check "openssl crl -text: both, Key Compromise" [ "$(on_crl "$SIGN")$(on_crl "$AUTH")" = "Key Compromise Serial Number Key Compromise Serial Number " ]
check "the holder is e-mailed (cert_revoked, the reason)" [ "$(outvar cert_revoked serial) $(outvar cert_revoked reason)" = "$SIGN keyCompromise" ]
api POST "/api/v1/certificates/$SIGN/suspend" '{"confirm":true}'
expect 409 cert_state "a revoked certificate cannot be suspended"
api POST "/api/v1/certificates/$SIGN/revoke" '{"code":"000000","confirm":true}'
expect 409 cert_state "nor revoked again"
api POST /api/v1/sign/batches '{}'
expect 409 cert_revoked "signing now: cert_revoked"
check "audited: suspend, resume, revoke by the account" [ "$(sql "SELECT group_concat(event, ' ') FROM (SELECT event FROM audit_log WHERE event IN ('cert.suspend','cert.resume','cert.revoke') AND actor = (SELECT id FROM users WHERE email = 'ana.rv@example.ro') ORDER BY at, id)")" = "cert.suspend cert.resume cert.revoke" ]
check "audited by the CA: each certificate's change" [ "$(sql "SELECT count(*) FROM audit_log WHERE actor = 'pki' AND (detail LIKE 'serial=$SIGN %' OR detail LIKE 'serial=$AUTH %')")" = 6 ]

# ---- revocation by an operator -----------------------------------------------------------------------
# Codes for the server's clock from here (api_issued calls oathtool).
oathtool() { FAKETIME="+${AHEAD}s" LD_PRELOAD=$PC_FT_LIB command oathtool "$@"; }
as bob
api_signup_user bob.rv@example.ro +40722000222
IDV_PHONE=+40722000222 api_issued op.rv@example.ro || fail "second issued user"
BSIGN=$SIGN
SIGN=$ASIGN
BAUTH=$(sql "SELECT serial FROM certs WHERE kind = 'auth' AND holder = (SELECT holder FROM certs WHERE serial = '$BSIGN')")
pem_of "$BSIGN" "$T/bsign.pem"
pem_of "$BAUTH" "$T/bauth.pem"
api POST "/api/v1/ra/certificates/$BSIGN/revoke" '{"reason":"affiliationChanged"}'
check "a holder cannot use the operator's route" [ "$CODE" = 403 ]
as op
api POST "/api/v1/ra/certificates/$BSIGN/revoke" '{"reason":"removeFromCRL"}'
expect 400 reason_invalid "removeFromCRL is not a reason to give"
api POST "/api/v1/ra/certificates/$BSIGN/revoke" '{"reason":"certificateHold"}'
expect 400 reason_invalid "an operator does not suspend (the holder could lift it)"
api POST "/api/v1/ra/certificates/ffff01/revoke" '{"reason":"keyCompromise"}'
expect 404 cert_not_found "an unknown serial"
api POST "/api/v1/ra/certificates/$BSIGN/revoke" '{"reason":"affiliationChanged","text":"employer letter 12"}'
expect 200 - "the operator revokes with a reason"
check "OCSP: revoked, affiliationChanged (signing)" reason_is affiliationChanged "$T/bsign.pem"
check "OCSP: the authentication certificate with it" reason_is affiliationChanged "$T/bauth.pem"
check "openssl crl -text: both, Affiliation Changed" [ "$(on_crl "$BSIGN")$(on_crl "$BAUTH")" = "Affiliation Changed Serial Number Affiliation Changed Serial Number " ]
check "audited with the operator and the note" [ "$(sql "SELECT count(*) FROM audit_log WHERE event = 'ra.cert.revoke' AND actor = (SELECT id FROM users WHERE email = 'op.rv@example.ro') AND detail LIKE 'serial=$BSIGN %reason=affiliationChanged note=employer letter 12'")" = 1 ]
check "bob is e-mailed" [ "$(sql "SELECT count(*) FROM outbox WHERE template = 'cert_revoked' AND recipient = 'bob.rv@example.ro'")" = 1 ]

# ---- the public registry -----------------------------------------------------------------------------
rm -f "$T/jar.anon"
JAR=$T/jar.anon
CSRF=""
reg() { api GET "/api/v1/registry?q=$(py 'import sys,urllib.parse; print(urllib.parse.quote(sys.argv[1]))' "$1")"; }
serials() { jpath '" ".join(sorted(c["serial"] for c in j["certificates"]))'; }
reg "Ana Pop"
expect 200 - "search by name, no sign-in"
check "... finds both holders' signing certificates, not the auth ones" [ "$(serials)" = "$(printf '%s\n' "$SIGN" "$BSIGN" | sort | tr '\n' ' ' | sed 's/ $//')" ]
check "... each row: serial, subject, validity, status, nothing more" [ "$(jpath 'sorted(set(k for c in j["certificates"] for k in c))')" = "['not_after', 'not_before', 'serial', 'status', 'subject']" ]
check "... statuses" [ "$(jpath '" ".join(c["status"] for c in j["certificates"] if c["serial"]=="'"$SIGN"'")')" = revoked ]
check "... the subject: names and country, no serialNumber" [ "$(jpath 'j["certificates"][0]["subject"]')" = "CN=Ana Pop,GN=Ana,SN=Pop,C=RO" ]
reg "  POP   ana "
check "reversed order, other case, extra spaces: the same" [ "$CODE $(serials)" = "200 $(printf '%s\n' "$SIGN" "$BSIGN" | sort | tr '\n' ' ' | sed 's/ $//')" ]
reg "ANA.RV@Example.ro"
check "by e-mail (any case): ana's only" [ "$CODE $(serials)" = "200 $SIGN" ]
reg "Ana Popescu"
check "an unknown name: an empty list, no error" [ "$CODE $(jpath 'len(j["certificates"])')" = "200 0" ]
reg "<script>alert(1)</script>"
check "not a name: an empty list" [ "$CODE $(jpath 'len(j["certificates"])')" = "200 0" ]
curl -s -o "$T/r.crt" "$PC_URL/api/v1/registry/certificates/$SIGN.crt"
curl -s -b "$T/jar.ana" -o "$T/mine.der" "$PC_URL/api/v1/certificates/$SIGN?format=der"
check "the registry's DER is the certificate issued (cmp with the account's download)" cmp "$T/r.crt" "$T/mine.der"
check "... and with the store's" cmp "$T/r.crt" "$T/sign.pem.der"
curl -s -o "$T/r.pem" "$PC_URL/api/v1/registry/certificates/$SIGN.pem"
check "the PEM is the same certificate" bash -c "openssl x509 -in '$T/r.pem' -outform DER | cmp - '$T/r.crt'"
api GET "/api/v1/registry/certificates/$AUTH.crt"
expect 404 cert_not_found "an authentication certificate is not in the registry"
api GET "/api/v1/registry/certificates/$SIGN.txt"
expect 404 cert_not_found "only .crt and .pem"
api GET /api/v1/registry/ca
expect 200 - "the CA certificates page"
check "root, issuing, tsa, ocsp" [ "$(jpath '" ".join(c["name"] for c in j["certificates"])')" = "root issuing tsa ocsp" ]
for n in root issuing tsa ocsp; do
	fp=$(openssl x509 -in "$T/pki/$n.pem" -outform DER | sha256sum | cut -d' ' -f1)
	check "$n: the SHA-256 fingerprint of the file" [ "$(jpath '[c["sha256"] for c in j["certificates"] if c["name"]=="'$n'"][0]')" = "$fp" ]
done
check "the CRL links (root, issuing) and OCSP" [ "$(jpath '" ".join(str(c["crl"]).rsplit("/",1)[-1] for c in j["certificates"]) + " " + j["ocsp"].rsplit("/",1)[-1]')" = "root.crl issuing.crl None None ocsp" ]
ALL=$(for q in "Ana%20Pop" "ana.rv%40example.ro"; do curl -s "$PC_URL/api/v1/registry?q=$q"; done; curl -s "$PC_URL/api/v1/registry/ca")
no_pii() { [ -n "$ALL" ] && ! has 2900101410011 "$ALL" && ! has PNO "$ALL" && ! has serialNumber "$ALL"; }
check "no answer holds the CNP or the serialNumber" no_pii
n429=0
for _ in $(seq 1 25); do
	c=$(curl -s -o /dev/null -D "$T/h" -w '%{http_code}' "$PC_URL/api/v1/registry?q=Ana%20Pop")
	[ "$c" = 429 ] && { n429=1; break; }
done
check "the rate class answers 429 past 20 searches a minute" [ "$n429" = 1 ]
check "... with Retry-After" grep -qi '^retry-after: [0-9]' "$T/h"
curl -s -o /dev/null -w '%{http_code}' "$PC_URL/api/v1/registry/ca" >"$T/ca.code"
check "the CA page is not in the search's rate class" [ "$(cat "$T/ca.code")" = 200 ]
pc_done
