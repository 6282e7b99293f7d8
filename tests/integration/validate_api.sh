#!/bin/bash
# validate_api.sh: the public validation service (POST /api/v1/validate):
# no sign-in and no CSRF token; our B-LTA PDF TOTAL-PASSED (level B-LTA,
# its document timestamp too); bytes changed after signing TOTAL-FAILED /
# HASH_FAILURE; a forged signature value TOTAL-FAILED / SIG_CRYPTO_FAILURE;
# a key of an unknown root INDETERMINATE / NO_CERTIFICATE_CHAIN_FOUND; a
# revoked certificate with no proof of existence INDETERMINATE /
# REVOKED_NO_POE; not a PDF, an unsigned PDF, an empty body refused; the
# uploaded file never left on the server nor its path in the answer; the
# 11th request in a minute from one address refused (429).
set -u
. "$(dirname "$0")/sign_lib.sh.inc"
for t in oathtool curl python3; do
	command -v $t >/dev/null || { echo "SKIP: no $t"; exit 77; }
done
start_pecete

N=0
post() {	# post FILE: CODE and $T/r.json
	N=$((N + 1))
	CODE=$(curl -s -o "$T/r.json" -w '%{http_code}' \
	    -H 'Content-Type: application/octet-stream' --data-binary @"$1" \
	    "$PC_URL/api/v1/validate")
}
jq_() { /usr/bin/python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$T/r.json" "$1"; }
want() {	# want FILE IND SUB WHAT
	post "$1"
	[ "$CODE" = 200 ] || { cat "$T/r.json"; fail "$4: HTTP $CODE"; }
	got="$(jq_ 'j["indication"] + "/" + (j["subIndication"] or "")')"
	[ "$got" = "$2/$3" ] || { cat "$T/r.json"; fail "$4: $got, want $2/$3"; }
	ok "$4: $2${3:+ / $3}"
}

issue Popescu
make_pdf "$T/doc.pdf" 1
CODE1=$(oathtool --totp -b "$(cat "$T/Popescu.totp")")
"$PECETE_BIN" sign --data "$PC_D" --cert "$SERIAL" --otp "$CODE1" \
    "$T/doc.pdf" "$T/good.pdf" > "$T/s.out" 2>&1 || { cat "$T/s.out"; fail "sign"; }

want "$T/good.pdf" TOTAL-PASSED "" "our B-LTA PDF, anonymous, no CSRF token"
[ "$(jq_ '[s["type"] + ":" + s["indication"] for s in j["signatures"]]')" = \
    "['signature:TOTAL-PASSED', 'document-timestamp:TOTAL-PASSED']" ] ||
    { cat "$T/r.json"; fail "the signature and the document timestamp each passed"; }
[ "$(jq_ 'j["signatures"][0]["level"], j["signatures"][0]["checks"]["revocation"]["status"]')" = "('B-LTA', 'ok')" ] ||
    fail "level B-LTA, revocation ok"
[ "$(jq_ '"file" in j')" = False ] && ! grep -q scratch "$T/r.json" ||
    fail "the server's temporary path in the answer"
ok "... each entry passed; level B-LTA; no server path in the report"

/usr/bin/python3 - "$T" <<'EOP' || fail "changed vector"
import sys
t = sys.argv[1]
d = open(t + '/good.pdf', 'rb').read()
i = d.index(b'(Page 1)')
open(t + '/changed.pdf', 'wb').write(d[:i + 1] + b'X' + d[i + 2:])
EOP
want "$T/changed.pdf" TOTAL-FAILED HASH_FAILURE "a byte of the signed content changed"

# A B-B signature (its value ends the CMS) with one bit of the value
# flipped: the structure stays, the cryptography fails.
CODE2=$(oathtool --totp -N 'now + 30 seconds' -b "$(cat "$T/Popescu.totp")")
"$PECETE_BIN" sign --data "$PC_D" --cert "$SERIAL" --otp "$CODE2" --level B-B \
    "$T/doc.pdf" "$T/bb.pdf" > "$T/s2.out" 2>&1 || { cat "$T/s2.out"; fail "sign B-B"; }
/usr/bin/python3 - "$T" <<'EOP' || fail "forged vector"
import re, sys
t = sys.argv[1]
d = open(t + '/bb.pdf', 'rb').read()
m = re.search(rb'/ByteRange\s*\[\s*0\s+(\d+)\s+(\d+)', d)
a, b = int(m.group(1)), int(m.group(2))
der = bytearray(bytes.fromhex(d[a + 1:b - 1].decode()))
n = int.from_bytes(der[2:4], 'big') + 4  # 30 82 LL LL
der[n - 10] ^= 0xff                      # inside the signature value
open(t + '/forged.pdf', 'wb').write(d[:a + 1] + der.hex().encode() + d[b - 1:])
EOP
want "$T/forged.pdf" TOTAL-FAILED SIG_CRYPTO_FAILURE "a forged CMS (one bit of the signature value)"

make_ca
"$PECETE_BIN" sign --p12 "$T/user.p12" --pass-file "$T/pass" \
    "$T/doc.pdf" "$T/foreign.pdf" > /dev/null 2>&1 || fail "sign with a foreign key"
want "$T/foreign.pdf" INDETERMINATE NO_CERTIFICATE_CHAIN_FOUND "a certificate of an unknown root"

issue Ionescu
CODE3=$(oathtool --totp -b "$(cat "$T/Ionescu.totp")")
"$PECETE_BIN" sign --data "$PC_D" --cert "$SERIAL" --otp "$CODE3" --level B-B \
    "$T/doc.pdf" "$T/rev.pdf" > "$T/s3.out" 2>&1 || { cat "$T/s3.out"; fail "sign (to revoke)"; }
"$PECETE_BIN" cert revoke --data "$PC_D" "$SERIAL" --reason keyCompromise > /dev/null 2>&1 ||
    fail "revoke"
want "$T/rev.pdf" INDETERMINATE REVOKED_NO_POE "a revoked certificate, no proof of existence (B-B)"

printf 'not a pdf' > "$T/x.txt"
post "$T/x.txt"
[ "$CODE $(jq_ 'j["error"]["code"]')" = "400 document_unreadable" ] || fail "not a PDF: $CODE"
post "$T/doc.pdf"
[ "$CODE $(jq_ 'j["error"]["code"]')" = "400 document_unreadable" ] || fail "unsigned: $CODE"
: > "$T/empty"
post "$T/empty"
[ "$CODE $(jq_ 'j["error"]["code"]')" = "400 file_empty" ] || fail "empty: $CODE"
ok "refused: not a PDF and an unsigned PDF (document_unreadable), an empty body (file_empty)"

[ -z "$(ls -A "$PC_D/files/scratch" 2>/dev/null)" ] ||
    { ls -R "$PC_D/files/scratch"; fail "files left in the scratch directory"; }
ok "nothing of the $N uploads left on the server"

# 10 a minute per address: this minute's requests so far count.
while [ $N -lt 10 ]; do post "$T/empty"; done
post "$T/good.pdf"
[ "$CODE" = 429 ] || fail "the 11th request in a minute: $CODE"
ok "the 11th request in a minute from one address: 429"
echo PASS
