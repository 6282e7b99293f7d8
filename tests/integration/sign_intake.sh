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

# sign_pdf_check refuses before any key is used: also for cades by name
"$PECETE_BIN" sign --p12 "$T/user.p12" --pass-file "$T/pass" \
    "$T/plain.pdf" "$T/out.pdf" >/dev/null || fail "good pdf refused"
ok "good PDF still signs"
echo "sign_intake: all passed"
