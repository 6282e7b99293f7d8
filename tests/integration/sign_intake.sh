#!/bin/bash
# PDF intake checks: each bad input gives its stable error code and no
# output file: pdf_invalid (truncated, JPEG renamed .pdf, empty),
# pdf_encrypted (user and owner password), pdf_xfa, pdf_locked (DocMDP
# P=1), bad_placement (page, rectangle, unknown field), too_large.
set -u
. "$(dirname "$0")/sign_lib.sh.inc"
make_ca

# expect CODE IN [options...]: signing IN fails with CODE, no output.
expect() {
	local code=$1 in=$2
	shift 2
	rm -f "$T/out.pdf"
	"$PECETE_BIN" sign --p12 "$T/user.p12" --pass-file "$T/pass" \
	    --format pades "$@" "$in" "$T/out.pdf" >/dev/null 2>"$T/err.txt" &&
	    fail "$in: signed, expected $code"
	grep -q ": $code: " "$T/err.txt" ||
	    { cat "$T/err.txt"; fail "$in: expected $code"; }
	[ -e "$T/out.pdf" ] && fail "$in: output left behind"
	ok "$code: $(basename "$in") $*"
}

make_pdf "$T/plain.pdf" 2
size=$(stat -c %s "$T/plain.pdf")

head -c $((size / 2)) "$T/plain.pdf" > "$T/truncated.pdf"
expect pdf_invalid "$T/truncated.pdf"
printf '\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9' > "$T/photo.pdf"
expect pdf_invalid "$T/photo.pdf"
: > "$T/empty.pdf"
expect pdf_invalid "$T/empty.pdf"
printf '%%PDF-1.4\ngarbage garbage\n%%%%EOF\n' > "$T/garbage.pdf"
expect pdf_invalid "$T/garbage.pdf"

qpdf --encrypt user owner 256 -- "$T/plain.pdf" "$T/enc-user.pdf" ||
    fail "qpdf encrypt"
expect pdf_encrypted "$T/enc-user.pdf"
qpdf --encrypt "" owner 256 --modify=none -- "$T/plain.pdf" \
    "$T/enc-owner.pdf" || fail "qpdf encrypt owner"
expect pdf_encrypted "$T/enc-owner.pdf"

raw_pdf "$T/xfa.pdf" '/AcroForm << /Fields [] /XFA 5 0 R >>' '' \
    '5 0 obj
<< /Length 22 >>
stream
<xdp:xdp></xdp:xdp>   
endstream
endobj'
expect pdf_xfa "$T/xfa.pdf"

raw_pdf "$T/locked.pdf" '/Perms << /DocMDP 5 0 R >>' '' \
    '5 0 obj
<< /Type /Sig /Filter /Adobe.PPKLite /SubFilter /adbe.pkcs7.detached /ByteRange [0 0 0 0] /Contents <00> /Reference [<< /Type /SigRef /TransformMethod /DocMDP /TransformParams << /Type /TransformParams /P 1 /V /1.2 >> >>] >>
endobj'
expect pdf_locked "$T/locked.pdf"
# P=2 allows signing
raw_pdf "$T/p2.pdf" '/Perms << /DocMDP 5 0 R >>' '' \
    '5 0 obj
<< /Type /Sig /Filter /Adobe.PPKLite /SubFilter /adbe.pkcs7.detached /ByteRange [0 0 0 0] /Contents <00> /Reference [<< /Type /SigRef /TransformMethod /DocMDP /TransformParams << /Type /TransformParams /P 2 /V /1.2 >> >>] >>
endobj'
"$PECETE_BIN" sign --p12 "$T/user.p12" --pass-file "$T/pass" \
    "$T/p2.pdf" "$T/p2-s.pdf" >/dev/null || fail "DocMDP P=2 refused"
ok "DocMDP P=2 signs"

expect bad_placement "$T/plain.pdf" --visible 3:10,10,100,50
expect bad_placement "$T/plain.pdf" --visible 0:10,10,100,50
expect bad_placement "$T/plain.pdf" --visible 1:500,10,200,50
expect bad_placement "$T/plain.pdf" --visible 1:10,10,0,50
expect bad_placement "$T/plain.pdf" --field NoSuchField
expect too_large "$T/plain.pdf" --max-size 100

# --out-dir with two inputs of the same name: refused, nothing written
mkdir -p "$T/a" "$T/b" "$T/od"
cp "$T/plain.pdf" "$T/a/x.pdf" && cp "$T/plain.pdf" "$T/b/x.pdf"
"$PECETE_BIN" sign --p12 "$T/user.p12" --pass-file "$T/pass" \
    "$T/a/x.pdf" "$T/b/x.pdf" --out-dir "$T/od" > /dev/null 2> "$T/err.txt"
[ $? -eq 2 ] || fail "duplicate output names accepted"
grep -q duplicate_output "$T/err.txt" || { cat "$T/err.txt"; fail "message"; }
[ -z "$(ls -A "$T/od")" ] || fail "output after duplicate_output"
ok "duplicate_output: two x.pdf into one --out-dir"

# Field locks: the author's /Lock is kept and written as FieldMDP; a field
# it locks cannot be signed afterwards; --lock locks the rest of the form.
raw_pdf "$T/locks.pdf" '/AcroForm << /Fields [5 0 R 6 0 R] >>' \
    '/Annots [5 0 R 6 0 R]' '5 0 obj
<< /Type /Annot /Subtype /Widget /FT /Sig /T (A) /Rect [50 50 250 110] /F 4 /P 3 0 R /Lock << /Type /SigFieldLock /Action /Include /Fields [(B)] >> >>
endobj
6 0 obj
<< /Type /Annot /Subtype /Widget /FT /Sig /T (B) /Rect [300 50 500 110] /F 4 /P 3 0 R >>
endobj'
"$PECETE_BIN" sign --p12 "$T/user.p12" --pass-file "$T/pass" --field A \
    "$T/locks.pdf" "$T/locks-a.pdf" > /dev/null || fail "sign field A"
qpdf --qdf --object-streams=disable "$T/locks-a.pdf" "$T/locks-a.qdf" ||
    fail "qpdf qdf"
grep -aq '/Lock' "$T/locks-a.qdf" || fail "the author's /Lock was removed"
grep -aq '/TransformMethod /FieldMDP' "$T/locks-a.qdf" ||
    fail "no FieldMDP reference for the author's lock"
grep -aq '/Action /Include' "$T/locks-a.qdf" || fail "FieldMDP action"
expect field_locked "$T/locks-a.pdf" --field B
"$PECETE_BIN" sign --p12 "$T/user.p12" --pass-file "$T/pass" --lock \
    "$T/locks.pdf" "$T/locks-l.pdf" > /dev/null || fail "sign --lock"
qpdf --qdf --object-streams=disable "$T/locks-l.pdf" "$T/locks-l.qdf" ||
    fail "qpdf qdf"
grep -aq '/TransformMethod /FieldMDP' "$T/locks-l.qdf" ||
    fail "--lock without FieldMDP"
grep -aq '/Action /All' "$T/locks-l.qdf" || fail "--lock action"
expect field_locked "$T/locks-l.pdf" --field B
ok "locks: kept, FieldMDP written, locked field refused"

# A certification with P=1 forbids any further signature; P=2 allows a
# visible one, and the certification stays valid (pdfsig, pecete verify).
"$PECETE_BIN" sign --p12 "$T/user.p12" --pass-file "$T/pass" --certify 1 \
    "$T/plain.pdf" "$T/cert1.pdf" > /dev/null || fail "certify 1"
expect pdf_locked "$T/cert1.pdf"
"$PECETE_BIN" sign --p12 "$T/user.p12" --pass-file "$T/pass" --certify 2 \
    "$T/plain.pdf" "$T/cert2.pdf" > /dev/null || fail "certify 2"
expect pdf_signed "$T/cert2.pdf" --certify 2
"$PECETE_BIN" sign --p12 "$T/user.p12" --pass-file "$T/pass" \
    --visible 1:100,100,200,60 "$T/cert2.pdf" "$T/cert2-v.pdf" > /dev/null ||
    fail "visible on P=2"
pdfsig "$T/cert2-v.pdf" > "$T/pdfsig.txt" 2>&1
[ "$(grep -c 'Signature is Valid.' "$T/pdfsig.txt")" -eq 2 ] ||
    { cat "$T/pdfsig.txt"; fail "pdfsig certified + visible"; }
vjson "$T/c.json" "$T/cert2-v.pdf" --trust "$T/root.pem" --no-ocsp
[ "$(jpy "$T/c.json" 'sigs[0]["docMDP"]')" = 2 ] || fail "DocMDP P=2"
checks_ok "$T/c.json" 2 || { cat "$T/c.json"; fail "certified + visible"; }
ok "certification: P=1 refused, P=2 + visible keeps it valid"

# sign_pdf_check refuses before any key is used: also for cades by name
"$PECETE_BIN" sign --p12 "$T/user.p12" --pass-file "$T/pass" \
    "$T/plain.pdf" "$T/out.pdf" >/dev/null || fail "good pdf refused"
ok "good PDF still signs"
echo "sign_intake: all passed"
