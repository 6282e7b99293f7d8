#!/bin/bash
# PAdES with a PKCS#12 signer, judged by pdfsig, qpdf --check, cmp -n,
# openssl cms -verify over the byte ranges, asn1parse (signing-time absent,
# signing-certificate-v2 present), openssl ts -verify (B-T), pdftoppm
# (visible box drawn, rest of the page unchanged), pecete verify. B-T uses
# our own TSA (pecete serve).
set -u
. "$(dirname "$0")/sign_lib.sh.inc"
make_ca

sign() {
	"$PECETE_BIN" sign --p12 "$T/user.p12" --pass-file "$T/pass" "$@" \
	    >/dev/null
}

# judge IN OUT NSIGS: every signature valid, prefix, qpdf clean.
judge() {
	local in=$1 out=$2 n=$3 v
	pdfsig "$out" > "$T/pdfsig.txt" 2>&1
	v=$(grep -c 'Signature is Valid.' "$T/pdfsig.txt")
	[ "$v" -eq "$n" ] || { cat "$T/pdfsig.txt"; fail "pdfsig $out: $v/$n valid"; }
	cmp -n "$(stat -c %s "$in")" "$in" "$out" || fail "prefix $out"
	qpdf --check "$out" > "$T/qpdf.txt" 2>&1 ||
	    { cat "$T/qpdf.txt"; fail "qpdf --check $out"; }
	grep -qi 'warning' "$T/qpdf.txt" && { cat "$T/qpdf.txt"; fail "qpdf warns $out"; }
	# The test CA's certificates name no OCSP responder or CRL: every
	# check passes but revocation, so the verdict is INDETERMINATE.
	vjson "$T/v.json" "$out" --trust "${TRUST:-$T/root.pem}" --no-ocsp
	[ $? -eq 2 ] || { cat "$T/v.json"; fail "pecete verify $out: exit"; }
	[ "$(verdict "$T/v.json")" = INDETERMINATE/TRY_LATER ] ||
	    fail "verdict $out: $(verdict "$T/v.json")"
	checks_ok "$T/v.json" "$n" || { cat "$T/v.json"; fail "checks $out"; }
	"$PECETE_BIN" verify "$out" --trust "${TRUST:-$T/root.pem}" \
	    ${VERIFY_OPTS:---no-ocsp} > "$T/v.txt"
}

make_pdf "$T/plain.pdf" 1
sign "$T/plain.pdf" "$T/plain-s.pdf" || fail "sign plain"
judge "$T/plain.pdf" "$T/plain-s.pdf" 1
grep -q 'ETSI.CAdES.detached' "$T/pdfsig.txt" || fail "subfilter"
ok "plain PDF"

extract_cms "$T/plain-s.pdf" "$T/cms.der"
openssl cms -verify -binary -inform DER -in "$T/cms.der" \
    -content "$T/cms.der.content" -CAfile "$T/root.pem" -purpose any \
    -out /dev/null 2>/dev/null || fail "openssl cms -verify byte ranges"
openssl asn1parse -inform DER -in "$T/cms.der" > "$T/asn1.txt"
grep -q 'signingTime' "$T/asn1.txt" && fail "signing-time present"
grep -q 'id-smime-aa-signingCertificateV2' "$T/asn1.txt" ||
    fail "signing-certificate-v2 missing"
[ "$(grep -c 'rsaEncryption\|sha256WithRSA' "$T/asn1.txt")" -ge 1 ] ||
    fail "signature algorithm"
ok "CMS: openssl cms -verify, no signing-time, signing-certificate-v2"

qpdf --object-streams=generate "$T/plain.pdf" "$T/objstm.pdf" ||
    fail "qpdf objstm"
sign "$T/objstm.pdf" "$T/objstm-s.pdf" || fail "sign objstm"
judge "$T/objstm.pdf" "$T/objstm-s.pdf" 1
ok "xref stream / object stream PDF"

sign "$T/plain-s.pdf" "$T/twice.pdf" || fail "sign twice"
judge "$T/plain-s.pdf" "$T/twice.pdf" 2
ok "second signature, both valid"

make_pdf "$T/fifty.pdf" 50
sign "$T/fifty.pdf" "$T/fifty-s.pdf" || fail "sign 50 pages"
judge "$T/fifty.pdf" "$T/fifty-s.pdf" 1
ok "50-page PDF"

make_pdf "$T/big.pdf" 2 $((20 * 1024 * 1024))
sign "$T/big.pdf" "$T/big-s.pdf" || fail "sign 20 MB"
judge "$T/big.pdf" "$T/big-s.pdf" 1
ok "20 MB PDF"

# visible: page 1, box 100,100 (bottom-left) 240x80 points
sign --visible 1:100,100,240,80 --reason "Contract" --location $'Bucure\xc8\x99ti' \
    "$T/plain.pdf" "$T/vis.pdf" || fail "sign visible"
judge "$T/plain.pdf" "$T/vis.pdf" 1
pdftoppm -r 72 -gray -f 1 -l 1 "$T/plain.pdf" "$T/a" || fail "pdftoppm"
pdftoppm -r 72 -gray -f 1 -l 1 "$T/vis.pdf" "$T/b" || fail "pdftoppm"
# 72 dpi: 1 point = 1 pixel; page height 842, so y = 842 - 100 - 80
read -r inside outside < <(pgm_diff "$T"/a*.pgm "$T"/b*.pgm 100 662 340 742)
[ "$inside" -gt 500 ] || fail "visible box blank ($inside)"
[ "$outside" -eq 0 ] || fail "page changed outside the box ($outside)"
grep -q '/Lock' "$T/vis.pdf" && fail "/Lock present"
pdffonts "$T/vis.pdf" 2>/dev/null | grep 'Identity-H' |
    awk '{ if ($(NF-4) != "yes") exit 1; n++ } END { exit n != 1 }' ||
    fail "appearance font not embedded"
# PDF/A-friendly appearance: nothing of transparency (uncompressed view).
qpdf --qdf --object-streams=disable "$T/vis.pdf" "$T/vis-qdf.pdf" ||
    fail "qpdf --qdf"
grep -aqE '/SMask|/Transparency|/ca 0\.|/CA 0\.|/BM /[A-LN-Z]' "$T/vis-qdf.pdf" &&
    fail "appearance uses transparency"
ok "visible signature ($inside pixels drawn, 0 changed outside)"

# A name in Chinese and Arabic and an emoji in the reason: drawn with the
# fallback fonts (subsets), extracted by pdftotext, visible in the render.
openssl req -newkey rsa:2048 -nodes -keyout "$T/u8.key" -out "$T/u8.csr" \
    -utf8 -subj "/CN=王小明 محمد علي/C=RO" > /dev/null 2>&1 &&
    openssl x509 -req -in "$T/u8.csr" -CA "$T/root.pem" -CAkey "$T/root.key" \
    -CAcreateserial -out "$T/u8.pem" -days 10 -extfile "$T/ext.cnf" \
    -extensions v3_user > /dev/null 2>&1 &&
    openssl pkcs12 -export -inkey "$T/u8.key" -in "$T/u8.pem" \
    -certfile "$T/root.pem" -out "$T/u8.p12" -passout pass:s3cret ||
    fail "utf-8 certificate"
"$PECETE_BIN" sign --p12 "$T/u8.p12" --pass-file "$T/pass" \
    --visible 1:100,100,240,80 --reason "合同 عقد 😀" "$T/plain.pdf" \
    "$T/u8.pdf" > /dev/null || fail "sign with a Chinese and Arabic name"
judge "$T/plain.pdf" "$T/u8.pdf" 1
pdftotext "$T/u8.pdf" "$T/u8.txt" || fail "pdftotext"
grep -q '王小明' "$T/u8.txt" || { cat "$T/u8.txt"; fail "Chinese name not extracted"; }
grep -q 'محمد' "$T/u8.txt" || { cat "$T/u8.txt"; fail "Arabic name not extracted"; }
grep -q '合同' "$T/u8.txt" || fail "Chinese reason not extracted"
grep -q '😀' "$T/u8.txt" || fail "emoji not extracted"
pdffonts "$T/u8.pdf" > "$T/fonts.txt" 2>/dev/null
for f in 'Noto Sans Arabic' 'Droid Sans Fallback' Symbola; do
	grep "$f" "$T/fonts.txt" | awk '{ if ($(NF-4) != "yes" || $(NF-3) != "yes") exit 1 }' &&
	    grep -q "+$f" "$T/fonts.txt" || { cat "$T/fonts.txt"; fail "$f not an embedded subset"; }
done
[ "$(stat -c %s "$T/u8.pdf")" -lt 200000 ] || fail "fonts not subset"
# The name line (second of four in the box): ink there, as much as for a
# Latin name; the empty box (no text) has none.
pdftoppm -r 72 -gray -f 1 -l 1 "$T/u8.pdf" "$T/u" || fail "pdftoppm"
read -r inside outside < <(pgm_diff "$T"/a*.pgm "$T"/u*.pgm 104 684 336 700)
[ "$inside" -gt 150 ] || fail "the name line is empty ($inside pixels)"
read -r inside outside < <(pgm_diff "$T"/a*.pgm "$T"/u*.pgm 104 721 336 738)
[ "$inside" -gt 100 ] || fail "the reason line is empty ($inside pixels)"
"$PECETE_BIN" sign --p12 "$T/u8.p12" --pass-file "$T/pass" \
    --visible 1:100,100,240,80 --reason "x 𓀀" "$T/plain.pdf" \
    "$T/u8-bad.pdf" > /dev/null 2> "$T/err.txt" && fail "no font, signed"
grep -q "glyph_missing: .*U+13000" "$T/err.txt" || { cat "$T/err.txt"; fail "glyph_missing"; }
[ -e "$T/u8-bad.pdf" ] && fail "output after glyph_missing"
ok "Chinese, Arabic, emoji: subsets, pdftotext, rendered; glyph_missing names the rest"

# English wording, second page of a 2-page PDF
make_pdf "$T/two.pdf" 2
sign --visible 2:300,50,200,28 --lang en "$T/two.pdf" "$T/vis2.pdf" ||
    fail "sign visible page 2"
judge "$T/two.pdf" "$T/vis2.pdf" 1
ok "visible signature on page 2, 1 cm high"

# fill an existing empty signature field by name
raw_pdf "$T/field.pdf" '/AcroForm << /Fields [5 0 R] >>' '/Annots [5 0 R]' \
    '5 0 obj
<< /Type /Annot /Subtype /Widget /FT /Sig /T (Semnatura1) /Rect [50 50 250 110] /F 4 /P 3 0 R >>
endobj'
sign --field Semnatura1 "$T/field.pdf" "$T/field-s.pdf" || fail "sign field"
judge "$T/field.pdf" "$T/field-s.pdf" 1
grep -q 'Signature Field Name: Semnatura1' "$T/pdfsig.txt" || fail "field name"
sign --field Semnatura1 "$T/field-s.pdf" "$T/field-2.pdf" 2>/dev/null &&
    fail "signed field signed again"
ok "existing empty field filled by name"

start_tsa
TRUST=$T/trust.pem
VERIFY_OPTS=--ocsp-timeout=5
sign --level B-T --tsa "$TSA_URL" "$T/plain.pdf" "$T/bt.pdf" ||
    fail "sign B-T"
judge "$T/plain.pdf" "$T/bt.pdf" 1
grep -q 'level: PAdES-B-T' "$T/v.txt" || fail "B-T level"
grep -q 'timestamp: ok' "$T/v.txt" || fail "B-T timestamp"
extract_cms "$T/bt.pdf" "$T/bt.der"
ts_check "$T/bt.der" || fail "openssl ts -verify"
ok "PAdES B-T (openssl ts -verify)"

# a changed byte after signing is detected
cp "$T/plain-s.pdf" "$T/tampered.pdf"
printf 'X' | dd of="$T/tampered.pdf" bs=1 seek=200 conv=notrunc 2>/dev/null
"$PECETE_BIN" verify "$T/tampered.pdf" --no-ocsp > "$T/v.txt"
[ $? -eq 1 ] || fail "tampered accepted"
grep -q 'digest: FAILED' "$T/v.txt" || fail "tamper report"
grep -q 'Result: TOTAL-FAILED / HASH_FAILURE' "$T/v.txt" || fail "tamper verdict"
ok "tampering detected"
echo "sign_pades: all passed"
