#!/bin/bash
# pecete sign with "any PKCS#11 module" (--pkcs11-module): a holder key made
# by pecete cert issue in the data dir's SoftHSM token, the certificate from
# our CA. PAdES and CAdES judged by pdfsig and openssl (chain to our root);
# B-T with our TSA; pecete verify asks our live OCSP responder: good, then
# REVOKED after pecete cert revoke. A wrong PIN, an unknown key label and a
# certificate of another key are refused with a clear error and no output.
# This mode bypasses the SAD (TOTP) by design: the operator owns the module.
set -u
. "$(dirname "$0")/sign_lib.sh.inc"
MODULE=/usr/lib/softhsm/libsofthsm2.so
[ -e "$MODULE" ] || { echo "SKIP: no SoftHSM"; exit 77; }
make_ca
start_pecete
export SOFTHSM2_CONF=$PC_D/softhsm2.conf

"$PECETE_BIN" cert issue --data "$PC_D" --given-name Maria --surname Ionescu \
    --cnp 2960215401234 --email maria@example.ro --out "$T/holder.pem" \
    > "$T/issue.out" 2> "$T/issue.err" || { cat "$T/issue.err"; fail "cert issue"; }
SERIAL=$(awk '$1 == "serial" { print $2 }' "$T/issue.out")
"$PECETE_BIN" cert show --data "$PC_D" "$SERIAL" > "$T/show.out" 2>/dev/null ||
    fail "cert show"
LABEL=$(awk '$1 == "key" { print $2 }' "$T/show.out")
[ -n "$LABEL" ] || fail "no key label in cert show"
openssl x509 -in "$T/holder.pem" -noout -ext authorityInfoAccess |
    grep -q "$PC_URL/ocsp" || fail "AIA is not our live responder"
cat "$T/holder.pem" "$T/pki/issuing.pem" > "$T/signer.pem"
ok "holder certificate $SERIAL, key $LABEL"

p11sign() {
	"$PECETE_BIN" sign --pkcs11-module "$MODULE" --pkcs11-key "$LABEL" \
	    --pin-file "$PC_D/hsm.pin" --signer-cert "$T/signer.pem" "$@"
}

make_pdf "$T/doc.pdf" 2
p11sign "$T/doc.pdf" "$T/doc-s.pdf" > /dev/null || fail "pkcs11 sign PDF"
pdfsig "$T/doc-s.pdf" > "$T/pdfsig.txt" 2>&1
grep -q 'Signature is Valid.' "$T/pdfsig.txt" ||
    { cat "$T/pdfsig.txt"; fail "pdfsig"; }
cmp -n "$(stat -c %s "$T/doc.pdf")" "$T/doc.pdf" "$T/doc-s.pdf" ||
    fail "prefix"
extract_cms "$T/doc-s.pdf" "$T/doc.der"
openssl cms -verify -binary -inform DER -in "$T/doc.der" \
    -content "$T/doc.der.content" -CAfile "$T/pki/root.pem" \
    -certfile "$T/pki/issuing.pem" -out /dev/null 2>/dev/null ||
    fail "openssl cms -verify (PAdES, our chain)"
ok "PAdES with the PKCS#11 key: pdfsig, prefix, openssl cms -verify"

head -c 100000 /dev/urandom > "$T/file.bin"
p11sign --format cades "$T/file.bin" "$T/file.p7s" > /dev/null ||
    fail "pkcs11 sign file"
openssl cms -verify -binary -inform DER -in "$T/file.p7s" \
    -content "$T/file.bin" -CAfile "$T/pki/root.pem" \
    -certfile "$T/pki/issuing.pem" -out /dev/null 2>/dev/null ||
    fail "openssl cms -verify (CAdES, our chain)"
ok "CAdES with the PKCS#11 key: openssl cms -verify"

p11sign --level B-T --tsa "$TSA_URL" "$T/doc.pdf" "$T/doc-bt.pdf" \
    > /dev/null || fail "pkcs11 sign B-T"
extract_cms "$T/doc-bt.pdf" "$T/bt.der"
ts_check "$T/bt.der" || fail "openssl ts -verify (our TSA)"
ok "PAdES B-T with our TSA (openssl ts -verify)"

# revocation through our live OCSP responder: our CA, our TSA, our OCSP,
# every check made: TOTAL-PASSED (exit 0)
p11sign "$T/doc.pdf" "$T/doc-bb.pdf" > /dev/null || fail "pkcs11 sign B-B"
for f in doc-bt doc-bb; do
	"$PECETE_BIN" verify "$T/$f.pdf" --trust "$T/pki/root.pem" \
	    > "$T/v.txt" 2>&1 || { cat "$T/v.txt"; fail "pecete verify $f"; }
	grep -q 'revocation: ok (good (OCSP: good))' "$T/v.txt" ||
	    { cat "$T/v.txt"; fail "OCSP good"; }
	grep -q 'chain: ok' "$T/v.txt" || fail "chain to our root"
	grep -q 'Result: TOTAL-PASSED' "$T/v.txt" || fail "verdict $f"
done
grep -q 'timestamp: ok' "$T/v.txt" && fail "B-B with a timestamp"
"$PECETE_BIN" verify "$T/doc-bt.pdf" --trust "$T/pki/root.pem" \
    > "$T/v.txt" 2>&1
grep -q 'timestamp: ok' "$T/v.txt" || fail "timestamp ok"
ok "pecete verify: OCSP good, TOTAL-PASSED"
# Times are whole seconds: the revocation must fall in a later second
# than the B-T file's timestamp for that to prove existence before it
# (on a fast machine all of the above takes less than a second).
s0=$(date +%s)
while [ "$(date +%s)" = "$s0" ]; do sleep 0.05; done
"$PECETE_BIN" cert revoke --data "$PC_D" "$SERIAL" --reason keyCompromise \
    > /dev/null 2>&1 || fail "cert revoke"
sleep 1
p11sign "$T/doc.pdf" "$T/doc-late.pdf" > /dev/null || fail "sign after revoke"
# B-T: the timestamp proves the signature existed before the revocation.
"$PECETE_BIN" verify "$T/doc-bt.pdf" --trust "$T/pki/root.pem" \
    > "$T/v.txt" 2>&1 || { cat "$T/v.txt"; fail "B-T after revocation"; }
grep -q 'revoked at .*, after the proof of existence' "$T/v.txt" ||
    { cat "$T/v.txt"; fail "B-T revocation note"; }
# B-B signed before: nothing proves when it was made.
"$PECETE_BIN" verify "$T/doc-bb.pdf" --trust "$T/pki/root.pem" \
    > "$T/v.txt" 2>&1
[ $? -eq 2 ] || { cat "$T/v.txt"; fail "B-B revoked: exit"; }
grep -q 'Result: INDETERMINATE / REVOKED_NO_POE' "$T/v.txt" ||
    { cat "$T/v.txt"; fail "B-B revoked: REVOKED_NO_POE"; }
grep -q 'revocation: FAILED (REVOKED at' "$T/v.txt" || fail "REVOKED line"
# Signed after the revocation, by its own claimed time.
"$PECETE_BIN" verify "$T/doc-late.pdf" --trust "$T/pki/root.pem" \
    > "$T/v.txt" 2>&1
[ $? -eq 1 ] || { cat "$T/v.txt"; fail "signed after revocation: exit"; }
grep -q 'Result: TOTAL-FAILED / REVOKED' "$T/v.txt" ||
    { cat "$T/v.txt"; fail "signed after revocation: REVOKED"; }
ok "after cert revoke: B-T passes (POE), B-B REVOKED_NO_POE, later TOTAL-FAILED/REVOKED"

# errors: wrong PIN, unknown label, certificate of another key
printf '000000\n' > "$T/bad.pin" && chmod 600 "$T/bad.pin"
"$PECETE_BIN" sign --pkcs11-module "$MODULE" --pkcs11-key "$LABEL" \
    --pin-file "$T/bad.pin" --signer-cert "$T/signer.pem" \
    "$T/doc.pdf" "$T/bad1.pdf" > /dev/null 2> "$T/err" && fail "wrong PIN"
grep -q 'pkcs11_failed' "$T/err" || { cat "$T/err"; fail "wrong PIN message"; }
grep -qi 'PIN' "$T/err" || { cat "$T/err"; fail "wrong PIN message"; }
[ -e "$T/bad1.pdf" ] && fail "output after a wrong PIN"
"$PECETE_BIN" sign --pkcs11-module "$MODULE" --pkcs11-key nosuchkey \
    --pin-file "$PC_D/hsm.pin" --signer-cert "$T/signer.pem" \
    "$T/doc.pdf" "$T/bad2.pdf" > /dev/null 2> "$T/err" && fail "unknown label"
grep -q 'no private key labelled "nosuchkey"' "$T/err" ||
    { cat "$T/err"; fail "unknown label message"; }
[ -e "$T/bad2.pdf" ] && fail "output after an unknown label"
"$PECETE_BIN" sign --pkcs11-module "$MODULE" --pkcs11-key "$LABEL" \
    --pin-file "$PC_D/hsm.pin" --signer-cert "$T/user.pem" \
    "$T/doc.pdf" "$T/bad3.pdf" > /dev/null 2> "$T/err" && fail "other cert"
grep -q 'bad_certificate' "$T/err" || { cat "$T/err"; fail "other cert message"; }
[ -e "$T/bad3.pdf" ] && fail "output after a foreign certificate"
ok "wrong PIN, unknown label, foreign certificate: clear errors, no output"
echo "sign_pkcs11: all passed"
