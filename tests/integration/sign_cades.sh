#!/bin/bash
# CAdES detached .p7s with a PKCS#12 signer: B-B for a 1-byte file, a
# 10 MB file and a .docx (openssl cms -verify), signing-time present,
# signing-certificate-v2 present; B-T with our TSA, pecete serve (openssl ts
# -verify); pecete verify accepts good ones and rejects a changed file.
set -u
. "$(dirname "$0")/sign_lib.sh.inc"
make_ca

printf 'x' > "$T/one.bin"
head -c $((10 * 1024 * 1024)) /dev/urandom > "$T/ten.bin"
/usr/bin/python3 -c '
import zipfile, sys
z = zipfile.ZipFile(sys.argv[1], "w")
z.writestr("[Content_Types].xml", "<Types/>")
z.writestr("word/document.xml", "<w:document>Salut</w:document>")
z.close()' "$T/doc.docx"

for f in one.bin ten.bin doc.docx; do
	"$PECETE_BIN" sign --p12 "$T/user.p12" --pass-file "$T/pass" \
	    --format cades "$T/$f" "$T/$f.p7s" >/dev/null ||
	    fail "sign $f"
	openssl cms -verify -binary -inform DER -in "$T/$f.p7s" \
	    -content "$T/$f" -CAfile "$T/root.pem" -purpose any \
	    -out /dev/null 2>/dev/null || fail "openssl cms -verify $f"
	ok "cades B-B $f verifies with openssl"
done
# a .docx is not a PDF: cades is the default format
"$PECETE_BIN" sign --p12 "$T/user.p12" --pass-file "$T/pass" \
    "$T/doc.docx" --out-dir "$T" >/dev/null || fail "default format"
[ -s "$T/doc.docx.p7s" ] || fail "out-dir name"

# A password file others can read is refused, saying why and what to do,
# in one line (decision: secrets must be private; docs/security.md).
cp "$T/pass" "$T/pass.open" && chmod 640 "$T/pass.open"
"$PECETE_BIN" sign --p12 "$T/user.p12" --pass-file "$T/pass.open" \
    --format cades "$T/one.bin" "$T/open.p7s" >/dev/null 2>"$T/open.err"
[ $? -ne 0 ] || fail "a group-readable password file was used"
grep -q 'readable by its group or others.*chmod 600' "$T/open.err" ||
	fail "the refusal does not say why: $(cat "$T/open.err")"
[ "$(wc -l <"$T/open.err")" -eq 1 ] || fail "more than one line: $(cat "$T/open.err")"
[ ! -e "$T/open.p7s" ] || fail "an output despite the refusal"
ok "a group-readable password file: one plain refusal, no output"

openssl asn1parse -inform DER -in "$T/one.bin.p7s" > "$T/asn1.txt"
grep -q 'signingTime' "$T/asn1.txt" || fail "signing-time missing"
grep -q 'id-smime-aa-signingCertificateV2' "$T/asn1.txt" ||
    fail "signing-certificate-v2 missing"
grep -q 'messageDigest' "$T/asn1.txt" || fail "message-digest missing"
ok "cades attributes"

# The test CA names no OCSP responder or CRL: all checks pass but the
# revocation, which cannot be made: INDETERMINATE (exit 2), not passed.
"$PECETE_BIN" verify "$T/ten.bin.p7s" --content "$T/ten.bin" \
    --trust "$T/root.pem" > "$T/v.txt"
[ $? -eq 2 ] || { cat "$T/v.txt"; fail "pecete verify good"; }
grep -q 'digest: ok' "$T/v.txt" || fail "verify output"
grep -q 'chain: ok' "$T/v.txt" || fail "verify chain"
grep -q 'level: CAdES-B-B' "$T/v.txt" || fail "verify level"
grep -q 'Result: INDETERMINATE / TRY_LATER' "$T/v.txt" || fail "verdict"
printf 'y' > "$T/one.bin"
"$PECETE_BIN" verify "$T/one.bin.p7s" --content "$T/one.bin" \
    --trust "$T/root.pem" > "$T/v.txt"
[ $? -eq 1 ] || fail "changed file accepted"
grep -q 'digest: FAILED' "$T/v.txt" || fail "changed file report"
grep -q 'Result: TOTAL-FAILED / HASH_FAILURE' "$T/v.txt" ||
    fail "changed file verdict"
ok "pecete verify"

# wrong password: refused, no output
"$PECETE_BIN" sign --p12 "$T/user.p12" --pass-file "$T/root.pem" \
    --format cades "$T/ten.bin" "$T/bad.p7s" 2>/dev/null && fail "bad pass"
[ -e "$T/bad.p7s" ] && fail "output after failure"

# The program's three files (src/launch/main.c): the executable signs the
# plain form of a .p7s itself and maps no library of MuPDF or the server;
# pecete-pdf.so adds MuPDF's; every other form runs in pecete-full.so and
# gives the same signature and the same messages.
B=$(dirname "$PECETE_BIN")
needed() { readelf -d "$1" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'; }
needed "$PECETE_BIN" > "$T/needed.txt"
grep -q '^libcrypto' "$T/needed.txt" || fail "executable: no libcrypto?"
grep -E '^lib(harfbuzz|freetype|mujs|jansson|sodium|zip|microhttpd|pq)' \
    "$T/needed.txt" && fail "the executable maps what a .p7s does not use"
needed "$B/pecete-pdf.so" | grep -q '^libharfbuzz' || fail "pecete-pdf.so"
needed "$B/pecete-pdf.so" | grep -E '^lib(jansson|sodium|zip|oath)' &&
    fail "pecete-pdf.so maps the server's libraries"
printf 'wrong\n' > "$T/pass.wrong" && chmod 600 "$T/pass.wrong"
"$PECETE_BIN" sign --p12 "$T/user.p12" --pass-file "$T/pass.wrong" \
    --format cades "$T/ten.bin" "$T/bad.p7s" 2> "$T/err.txt" && fail "pass"
grep -q 'p12_password' "$T/err.txt" || fail "wrong password message"
mkdir -p "$T/od"
"$PECETE_BIN" sign --p12 "$T/user.p12" --pass-file "$T/pass" \
    --format cades --out-dir "$T/od" "$T/ten.bin" >/dev/null ||
    fail "sign --out-dir (the whole program)"
for f in "$T/od/ten.bin.p7s" "$T/ten.bin.p7s"; do
	openssl cms -verify -binary -inform DER -in "$f" -content "$T/ten.bin" \
	    -CAfile "$T/root.pem" -purpose any -out /dev/null 2>/dev/null ||
	    fail "openssl cms -verify $f"
done
cmp -s <(openssl cms -cmsout -print -inform DER -in "$T/od/ten.bin.p7s" |
    grep -c 'object:') <(openssl cms -cmsout -print -inform DER \
    -in "$T/ten.bin.p7s" | grep -c 'object:') || fail "fast and whole differ"
# pecete-pdf.so missing: the whole program signs the PDF; pecete-full.so
# missing: said, exit 127.
mkdir -p "$T/bin"
cp "$PECETE_BIN" "$B/pecete-full.so" "$T/bin/"
make_pdf "$T/one.pdf" 1
"$T/bin/pecete" sign --p12 "$T/user.p12" --pass-file "$T/pass" \
    "$T/one.pdf" "$T/one-s.pdf" >/dev/null || fail "PDF without pecete-pdf"
pdfsig "$T/one-s.pdf" | grep -q 'Signature is Valid' || fail "pdfsig"
rm "$T/bin/pecete-full.so"
"$T/bin/pecete" --version 2> "$T/err.txt"
[ $? -eq 127 ] || fail "no pecete-full.so: exit 127"
grep -q 'cannot load .*pecete-full.so' "$T/err.txt" || fail "said"
ok "launcher: the fast path maps only libcrypto, same results"

start_tsa
"$PECETE_BIN" sign --p12 "$T/user.p12" --pass-file "$T/pass" \
    --format cades --level B-T --tsa "$TSA_URL" "$T/ten.bin" \
    "$T/ten-bt.p7s" >/dev/null || fail "sign B-T"
openssl cms -verify -binary -inform DER -in "$T/ten-bt.p7s" \
    -content "$T/ten.bin" -CAfile "$T/root.pem" -purpose any \
    -out /dev/null 2>/dev/null || fail "openssl cms -verify B-T"
ts_check "$T/ten-bt.p7s" || fail "openssl ts -verify"
"$PECETE_BIN" verify "$T/ten-bt.p7s" --content "$T/ten.bin" \
    --trust "$T/trust.pem" > "$T/v.txt"
[ $? -eq 2 ] || { cat "$T/v.txt"; fail "pecete verify B-T"; }
grep -q 'level: CAdES-B-T' "$T/v.txt" || fail "B-T level"
grep -q 'timestamp: ok' "$T/v.txt" || fail "B-T timestamp"
ok "cades B-T"
echo "sign_cades: all passed"
