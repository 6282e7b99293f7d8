#!/bin/bash
# sign_ltv.sh: long-term signatures (ETSI EN 319 142-1 B-LT/B-LTA, EN 319
# 122-1 B-LT) made by pecete sign --data (the default level when a TSA is
# known) and kept up by pecete ltv extend. Judged by tools someone else
# wrote: pdfsig (the approval signature), mutool (the /DSS streams),
# openssl x509/ocsp/crl (what they hold), openssl ts -verify (the document
# timestamp over its byte range), qpdf --check; and by pecete verify
# (levels, revocation read from the file with --no-ocsp).
set -u
. "$(dirname "$0")/sign_lib.sh.inc"
for t in oathtool mutool pdfsig qpdf openssl; do
	command -v $t >/dev/null || { echo "SKIP: no $t"; exit 77; }
done
start_pecete

# dss PDF KIND OUTPREFIX: the DSS's KIND streams (Certs, OCSPs, CRLs) as
# OUTPREFIX.0, .1, ...; prints how many.
dss() {
	local n=0 len
	# "[ 12 0 R 13 0 R ]": the array's length, its references counted.
	len=$(mutool show "$1" "trailer/Root/DSS/$2" 2>/dev/null | grep -o ' R' | wc -l)
	while [ $n -lt "$len" ] && [ $n -lt 64 ]; do
		# (mutool numbers array elements from 1)
		mutool show -b "$1" "trailer/Root/DSS/$2/$((n + 1))" > "$3.$n" 2>/dev/null ||
		    fail "mutool show DSS/$2/$n"
		n=$((n + 1))
	done
	echo $n
}
# docts_check PDF N: the N-th /ByteRange's token verifies over its range.
docts_check() {
	extract_cms "$1" "$T/tst.der" "$2"
	openssl ts -verify -data "$T/tst.der.content" -in "$T/tst.der" \
	    -token_in -CAfile "$T/pki/root.pem" \
	    -untrusted "$T/pki/tsa-chain.pem" > "$T/ts.out" 2>&1
}

issue Popescu
S1=$SERIAL
make_pdf "$T/doc.pdf" 2
head -c 50000 /dev/urandom > "$T/data.bin"
mkdir -p "$T/out"
CODE=$(oathtool --totp -b "$(cat "$T/Popescu.totp")")
"$PECETE_BIN" sign --data "$PC_D" --cert "$S1" --otp "$CODE" \
    "$T/doc.pdf" "$T/data.bin" --out-dir "$T/out" > "$T/sign.out" 2>&1 ||
    { cat "$T/sign.out"; fail "sign (default level)"; }
[ "$(counter "$S1")" = 24 ] ||
    fail "counter: $(counter "$S1") (want 30 - 3 for the PDF - 3 for the .p7s)"
ok "pecete sign --data, no --level: the PDF and the file at B-LTA (3 transactions each: the .p7s's archive timestamp)"

P=$T/out/doc.pdf
pdfsig "$P" > "$T/pdfsig.txt" 2>&1
grep -A12 'Signature #1' "$T/pdfsig.txt" | grep -q 'Signature is Valid.' ||
    { cat "$T/pdfsig.txt"; fail "pdfsig: the approval signature"; }
grep -A12 'Signature #2' "$T/pdfsig.txt" | grep -q 'Total document signed' ||
    { cat "$T/pdfsig.txt"; fail "pdfsig: the document timestamp covers the file"; }
ok "pdfsig: the approval signature is valid; a second one covers the whole file"
qpdf --check "$P" > "$T/qpdf.txt" 2>&1 || { cat "$T/qpdf.txt"; fail "qpdf --check"; }
cmp -n "$(stat -c %s "$T/doc.pdf")" "$T/doc.pdf" "$P" || fail "the original is not a prefix"
ok "qpdf --check clean; incremental updates only"

# The DSS: the signer's certificate and its issuer, and a good OCSP
# response about the signer (or a CRL from its issuer not listing it).
NC=$(dss "$P" Certs "$T/c")
NO=$(dss "$P" OCSPs "$T/o")
NR=$(dss "$P" CRLs "$T/r")
echo "# DSS: $NC certificates, $NO OCSP responses, $NR CRLs"
SSER=$(openssl x509 -in "$T/Popescu.pem" -noout -serial | cut -d= -f2)
have_serial=0 have_issuing=0
for ((i = 0; i < NC; i++)); do
	openssl x509 -inform DER -in "$T/c.$i" -noout -serial -subject > "$T/c.$i.txt" 2>/dev/null ||
	    fail "DSS certificate $i is not DER X.509"
	grep -qi "serial=$SSER" "$T/c.$i.txt" && have_serial=1
	cmp -s <(openssl x509 -inform DER -in "$T/c.$i") <(openssl x509 -in "$T/pki/issuing.pem") && have_issuing=1
done
[ $have_serial = 1 ] && [ $have_issuing = 1 ] ||
    fail "the DSS lacks the signer's certificate or its issuer"
ocsp_good=0
for ((i = 0; i < NO; i++)); do
	openssl ocsp -respin "$T/o.$i" -resp_text -noverify > "$T/o.$i.txt" 2>&1 ||
	    fail "DSS OCSP $i unreadable"
	grep -qi "Serial Number: $SSER" "$T/o.$i.txt" &&
	    grep -q "Cert Status: good" "$T/o.$i.txt" && ocsp_good=1
	openssl ocsp -respin "$T/o.$i" -CAfile "$T/pki/root.pem" \
	    -verify_other "$T/pki/issuing.pem" > /dev/null 2>&1 ||
	    fail "DSS OCSP $i: its signature does not verify (openssl ocsp)"
done
[ $ocsp_good = 1 ] || fail "no OCSP response saying good about the signer"
for ((i = 0; i < NR; i++)); do
	openssl crl -inform DER -in "$T/r.$i" -noout -issuer > /dev/null 2>&1 ||
	    fail "DSS CRL $i unreadable"
done
ok "the DSS holds the signer's chain and a signed OCSP response 'good' for it (openssl x509/ocsp)"

docts_check "$P" 2 || { cat "$T/ts.out"; fail "openssl ts -verify (document timestamp)"; }
grep -q 'Verification: OK' "$T/ts.out" || fail "ts -verify output"
mutool show "$P" "trailer/Root/AcroForm/Fields/2/V" > "$T/v2.txt" 2>&1
grep -q '/Type /DocTimeStamp' "$T/v2.txt" && grep -q '/SubFilter /ETSI.RFC3161' "$T/v2.txt" ||
    { grep -v Contents "$T/v2.txt"; fail "the second field is not a DocTimeStamp"; }
ok "the DocTimeStamp (ETSI.RFC3161) verifies with openssl ts -verify over its byte range"

"$PECETE_BIN" verify --trust "$T/pki/root.pem" --no-ocsp "$P" > "$T/v.txt" 2>&1 ||
    { cat "$T/v.txt"; fail "pecete verify B-LTA (no network)"; }
grep -q 'level: PAdES-B-LTA' "$T/v.txt" && grep -q 'in the file' "$T/v.txt" ||
    { cat "$T/v.txt"; fail "not B-LTA with revocation from the file"; }
ok "pecete verify --no-ocsp: PAdES-B-LTA, TOTAL-PASSED from the embedded data alone"

# CAdES B-LT: certificate-values and revocation-values.
openssl cms -verify -binary -inform DER -in "$T/out/data.bin.p7s" \
    -content "$T/data.bin" -CAfile "$T/pki/root.pem" \
    -certfile "$T/pki/issuing.pem" -purpose any -out /dev/null 2>/dev/null ||
    fail "openssl cms -verify (B-LT .p7s)"
openssl cms -cmsout -print -inform DER -in "$T/out/data.bin.p7s" > "$T/p7.txt"
grep -q id-smime-aa-ets-certValues "$T/p7.txt" &&
    grep -q id-smime-aa-ets-revocationValues "$T/p7.txt" ||
    fail "the .p7s lacks certificate-values or revocation-values"
"$PECETE_BIN" verify --trust "$T/pki/root.pem" --no-ocsp \
    --content "$T/data.bin" "$T/out/data.bin.p7s" > "$T/v7.txt" 2>&1 ||
    { cat "$T/v7.txt"; fail "pecete verify B-LT .p7s (no network)"; }
grep -q 'level: CAdES-B-LTA' "$T/v7.txt" || { cat "$T/v7.txt"; fail "not CAdES-B-LTA"; }
grep -q '0.4.0.1733.2.4' "$T/p7.txt" || fail "the .p7s lacks its archive-time-stamp-v3"
ok "CAdES B-LTA with the platform's key: openssl cms -verify; certificate-values, revocation-values, archive-time-stamp-v3; pecete verify --no-ocsp CAdES-B-LTA"

# A second signer later: both signatures stay valid, the file B-LTA again.
issue Ionescu
S2=$SERIAL
CODE=$(oathtool --totp -b "$(cat "$T/Ionescu.totp")")
"$PECETE_BIN" sign --data "$PC_D" --cert "$S2" --otp "$CODE" "$P" "$T/two.pdf" \
    > "$T/sign2.out" 2>&1 || { cat "$T/sign2.out"; fail "the second signature"; }
pdfsig "$T/two.pdf" > "$T/pdfsig2.txt" 2>&1
[ "$(grep -c 'Signature is Valid.' "$T/pdfsig2.txt")" = 2 ] ||
    { cat "$T/pdfsig2.txt"; fail "pdfsig: both approval signatures valid"; }
"$PECETE_BIN" verify --trust "$T/pki/root.pem" "$T/two.pdf" > "$T/v2.txt" 2>&1 ||
    { cat "$T/v2.txt"; fail "pecete verify after the second signature"; }
[ "$(grep -c 'level: PAdES-B-LTA' "$T/v2.txt")" = 2 ] ||
    { cat "$T/v2.txt"; fail "both signatures B-LTA"; }
qpdf --check "$T/two.pdf" > /dev/null 2>&1 || fail "qpdf --check (two signers)"
ok "a second signer later: pdfsig both valid, pecete verify both B-LTA, qpdf clean"

# pecete ltv extend: a new document timestamp; the first stays valid.
cp "$P" "$T/ext.pdf"
N0=$(grep -c '/ByteRange' "$T/ext.pdf")
"$PECETE_BIN" ltv extend --tsa "$TSA_URL" "$T/ext.pdf" > "$T/ext.out" 2>&1 ||
    { cat "$T/ext.out"; fail "pecete ltv extend"; }
N1=$(grep -c '/ByteRange' "$T/ext.pdf")
[ "$N1" = $((N0 + 1)) ] || fail "ltv extend: $N0 -> $N1 signatures"
cmp -n "$(stat -c %s "$P")" "$P" "$T/ext.pdf" || fail "ltv extend rewrote the file"
docts_check "$T/ext.pdf" 2 || { cat "$T/ts.out"; fail "the first document timestamp after extend"; }
docts_check "$T/ext.pdf" 3 || { cat "$T/ts.out"; fail "the new document timestamp"; }
pdfsig "$T/ext.pdf" 2>&1 | grep -A12 'Signature #1' | grep -q 'Signature is Valid.' ||
    fail "pdfsig after extend"
"$PECETE_BIN" verify --trust "$T/pki/root.pem" "$T/ext.pdf" > "$T/v3.txt" 2>&1 ||
    { cat "$T/v3.txt"; fail "pecete verify after extend"; }
[ "$(grep -c 'Document timestamp' "$T/v3.txt")" = 2 ] || { cat "$T/v3.txt"; fail "two document timestamps"; }
qpdf --check "$T/ext.pdf" > /dev/null 2>&1 || fail "qpdf --check after extend"
ok "pecete ltv extend: a second document timestamp (openssl ts -verify), the first still valid"

# Refusals: an unsigned PDF; a .p7s; no TSA. Nothing is changed.
cp "$T/doc.pdf" "$T/plain.pdf"
"$PECETE_BIN" ltv extend --tsa "$TSA_URL" "$T/plain.pdf" > "$T/e1.out" 2>&1 &&
    fail "an unsigned PDF extended"
grep -q not_signed "$T/e1.out" && cmp -s "$T/doc.pdf" "$T/plain.pdf" ||
    { cat "$T/e1.out"; fail "unsigned: not_signed, the file untouched"; }
"$PECETE_BIN" ltv extend "$T/ext.pdf" > "$T/e2.out" 2>&1; [ $? = 2 ] ||
    fail "no --tsa: usage error"
ok "ltv extend refuses an unsigned PDF (not_signed, untouched) and runs only with --tsa"

# Validation data that cannot be had: a certificate with no OCSP or CRL
# address (the test CA's). B-LTA fails with ltv_failed and leaves no
# output; B-T still signs.
make_ca
"$PECETE_BIN" sign --p12 "$T/user.p12" --pass-file "$T/pass" --tsa "$TSA_URL" \
    "$T/doc.pdf" "$T/local.pdf" > "$T/l.out" 2>&1 && fail "B-LTA without revocation data"
grep -q ltv_failed "$T/l.out" && [ ! -e "$T/local.pdf" ] && [ ! -e "$T/local.pdf.ltv" ] ||
    { cat "$T/l.out"; ls "$T"; fail "ltv_failed and no output"; }
"$PECETE_BIN" sign --p12 "$T/user.p12" --pass-file "$T/pass" --tsa "$TSA_URL" \
    --level B-T "$T/doc.pdf" "$T/local.pdf" > "$T/l2.out" 2>&1 ||
    { cat "$T/l2.out"; fail "B-T with the same key"; }
ok "a certificate without OCSP/CRL addresses: B-LTA refused (ltv_failed, no file left), B-T signs"
"$PECETE_BIN" sign --p12 "$T/user.p12" --pass-file "$T/pass" --tsa "$TSA_URL" \
    --level B-LTA "$T/data.bin" "$T/x.p7s" > "$T/l3.out" 2>&1 && fail "CAdES B-LTA made"
grep -q ltv_failed "$T/l3.out" && [ ! -e "$T/x.p7s" ] ||
    { cat "$T/l3.out"; fail "CAdES B-LTA: ltv_failed (its B-LT cannot be made), no file"; }
"$PECETE_BIN" sign --p12 "$T/user.p12" --pass-file "$T/pass" --tsa "$TSA_URL" \
    "$T/data.bin" "$T/x.p7s" > "$T/l4.out" 2>&1 && fail "CAdES B-LT without revocation data"
grep -q ltv_failed "$T/l4.out" || { cat "$T/l4.out"; fail "a CAdES by default: B-LT tried (ltv_failed)"; }
ok "CAdES: B-LTA asked needs B-LT first (ltv_failed for this key, no file); by default B-LT is tried"
echo "PASS"
