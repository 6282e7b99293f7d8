#!/bin/bash
# CAdES detached .p7s with a PKCS#12 signer: B-B for a 1-byte file, a
# 10 MB file and a .docx (openssl cms -verify), signing-time present,
# signing-certificate-v2 present; B-T with our TSA, pecete serve (openssl ts
# -verify); B-LTA (archive-time-stamp-v3) checked by a recomputation in
# python and openssl ts -verify; pecete verify accepts good ones and
# rejects a changed file.
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

# B-LTA (ETSI EN 319 122-1 5.5.3): B-LT and an archive-time-stamp-v3. The
# signer's CA publishes a CRL over HTTP (python's http.server), so the
# validation data can be had; the TSA is ours.
HTTP_PID=
trap '[ -n "$HTTP_PID" ] && kill "$HTTP_PID" 2>/dev/null; sign_cleanup' EXIT
mkdir -p "$T/www"
HP=$(free_port) || fail "no free port"
/usr/bin/python3 -m http.server --bind 127.0.0.1 --directory "$T/www" "$HP" \
    > "$T/http.log" 2>&1 &
HTTP_PID=$!
cat > "$T/lca.cnf" <<EOC
[ca]
default_ca = lca
[lca]
dir = $T/lca
database = \$dir/index.txt
crlnumber = \$dir/crlnumber
default_md = sha256
default_crl_days = 7
[v3_ca]
basicConstraints=critical,CA:TRUE
keyUsage=critical,keyCertSign,cRLSign
subjectKeyIdentifier=hash
[v3_user]
basicConstraints=critical,CA:FALSE
keyUsage=critical,nonRepudiation
subjectKeyIdentifier=hash
authorityKeyIdentifier=keyid
crlDistributionPoints=URI:http://127.0.0.1:$HP/lca.crl
EOC
(
set -e
cd "$T"
mkdir -p lca && : > lca/index.txt && echo 01 > lca/crlnumber
openssl req -x509 -newkey rsa:2048 -nodes -keyout lca.key -out lca.pem \
    -subj "/CN=Test LTV CA/O=Pecete Test" -days 30 \
    -config <(cat /etc/ssl/openssl.cnf lca.cnf) -extensions v3_ca
openssl req -newkey rsa:2048 -nodes -keyout lu.key -out lu.csr \
    -subj "/CN=Ana Pop/C=RO"
openssl x509 -req -in lu.csr -CA lca.pem -CAkey lca.key -CAcreateserial \
    -out lu.pem -days 10 -extfile lca.cnf -extensions v3_user
openssl pkcs12 -export -inkey lu.key -in lu.pem -certfile lca.pem \
    -out lu.p12 -passout pass:s3cret
openssl ca -config lca.cnf -gencrl -keyfile lca.key -cert lca.pem \
    -out lca.crl.pem
openssl crl -in lca.crl.pem -outform DER -out www/lca.crl
) > "$T/lca.log" 2>&1 || { cat "$T/lca.log"; fail "the CRL-publishing CA"; }
for _ in $(seq 1 50); do
	curl -sf "http://127.0.0.1:$HP/lca.crl" -o /dev/null && break
	sleep 0.1
done
cat "$T/lca.pem" "$T/pki/root.pem" > "$T/lta-trust.pem"
LTA=$T/ten-lta.p7s
"$PECETE_BIN" sign --p12 "$T/lu.p12" --pass-file "$T/pass" --format cades \
    --level B-LTA --tsa "$TSA_URL" "$T/ten.bin" "$LTA" > "$T/lta.out" 2>&1 ||
    { cat "$T/lta.out"; fail "sign B-LTA"; }
openssl cms -verify -binary -inform DER -in "$LTA" -content "$T/ten.bin" \
    -CAfile "$T/lca.pem" -purpose any -out /dev/null 2>/dev/null ||
    fail "openssl cms -verify B-LTA"
openssl cms -cmsout -print -inform DER -in "$LTA" > "$T/lta.txt"
grep -q id-smime-aa-ets-certValues "$T/lta.txt" &&
    grep -q id-smime-aa-ets-revocationValues "$T/lta.txt" &&
    grep -q 'object: .*(0.4.0.1733.2.4)' "$T/lta.txt" ||
    fail "B-LTA: certificate-values, revocation-values, archive-time-stamp-v3"
"$PECETE_BIN" verify --trust "$T/lta-trust.pem" --no-ocsp \
    --content "$T/ten.bin" "$LTA" > "$T/v.txt" 2>&1 ||
    { cat "$T/v.txt"; fail "pecete verify B-LTA"; }
grep -q 'level: CAdES-B-LTA' "$T/v.txt" &&
    grep -q 'archive timestamp imprint: ok' "$T/v.txt" &&
    grep -q 'archive timestamp: ok' "$T/v.txt" &&
    grep -q 'Result: TOTAL-PASSED' "$T/v.txt" ||
    { cat "$T/v.txt"; fail "pecete verify: not TOTAL-PASSED CAdES-B-LTA"; }
ok "cades B-LTA: openssl cms -verify; pecete verify TOTAL-PASSED, CAdES-B-LTA"

# The outside check: the imprint recomputed here from EN 319 122-1 5.5.2
# and 5.5.3 (a DER walk in python, the ATSHashIndexV3 rebuilt from the
# file, not read from the token), then openssl ts -verify -digest.
# ats_py P7S CONTENT OUTPREFIX [HASH]: writes OUTPREFIX.tst, prints the
# hex (HASH: sha256, the default, or sha384 / sha512).
ats_py() {
	/usr/bin/python3 - "$@" <<'EOP'
import hashlib, sys

def tlv(b, i):
    """(start, header length, content length) of the TLV at b[i]."""
    n = b[i + 1]
    hl = 2
    if n & 0x80:
        k = n & 0x7f
        n = int.from_bytes(b[i + 2:i + 2 + k], 'big')
        hl += k
    return i, hl, n

def kids(b, t):
    s, hl, n = t
    i, end, out = s + hl, s + hl + n, []
    while i < end:
        c = tlv(b, i)
        out.append(c)
        i = c[0] + c[1] + c[2]
    return out

def raw(b, t):
    return b[t[0]:t[0] + t[1] + t[2]]

def oid(s):
    a = [int(x) for x in s.split('.')]
    body = bytes([a[0] * 40 + a[1]])
    for v in a[2:]:
        enc = [v & 0x7f]
        v >>= 7
        while v:
            enc.insert(0, 0x80 | (v & 0x7f))
            v >>= 7
        body += bytes(enc)
    return bytes([6, len(body)]) + body

def der(tag, body):
    n = len(body)
    if n < 0x80:
        return bytes([tag, n]) + body
    ln = n.to_bytes((n.bit_length() + 7) // 8, 'big')
    return bytes([tag, 0x80 | len(ln)]) + ln + body

def signed_data(b):
    ci = kids(b, tlv(b, 0))
    assert b[ci[0][0]:ci[0][0] + 11] == oid('1.2.840.113549.1.7.2')
    return kids(b, kids(b, ci[1])[0])

ATS, IDX = oid('0.4.0.1733.2.4'), oid('0.4.0.19122.1.5')
p7 = open(sys.argv[1], 'rb').read()
sd = signed_data(p7)
ctype = raw(p7, kids(p7, sd[2])[0])
certs = crls = []
for t in sd[3:-1]:
    if p7[t[0]] == 0xa0:
        certs = kids(p7, t)
    elif p7[t[0]] == 0xa1:
        crls = kids(p7, t)
sis = kids(p7, sd[-1])
assert len(sis) == 1
fields, uattrs = b'', []
for t in kids(p7, sis[0]):
    if p7[t[0]] == 0xa1:
        uattrs = kids(p7, t)
    else:
        fields += raw(p7, t)
hn = sys.argv[4] if len(sys.argv) > 4 else 'sha256'
h = lambda x: hashlib.new(hn, x).digest()
# hashIndAlgorithm: left out when SHA-256 (its DEFAULT)
alg = b'' if hn == 'sha256' else der(0x30, oid({
    'sha384': '2.16.840.1.101.3.4.2.2', 'sha512': '2.16.840.1.101.3.4.2.3'}[hn]))
ch, rh, ah, token = [], [], [], None
for t in certs:
    ch.append(der(4, h(raw(p7, t))))
for t in crls:
    rh.append(der(4, h(raw(p7, t))))
for a in uattrs:
    typ, vals = kids(p7, a)
    if raw(p7, typ) == ATS:
        token = raw(p7, kids(p7, vals)[0])
        continue
    for v in kids(p7, vals):
        ah.append(der(4, h(raw(p7, typ) + raw(p7, v))))
assert token is not None, 'no archive-time-stamp-v3'
index = der(0x30, alg + b''.join(der(0x30, b''.join(x)) for x in (ch, rh, ah)))
# the index the token carries must be the one rebuilt here
tsd = signed_data(token)
tua = [t for t in kids(token, kids(token, tsd[-1])[0]) if token[t[0]] == 0xa1]
carried = None
for a in kids(token, tua[0]):
    typ, vals = kids(token, a)
    if raw(token, typ) == IDX:
        carried = raw(token, kids(token, vals)[0])
assert carried == index, 'the token carries another ats-hash-index-v3'
content = h(open(sys.argv[2], 'rb').read())
open(sys.argv[3] + '.tst', 'wb').write(token)
print(hashlib.new(hn, ctype + content + fields + index).hexdigest())
EOP
}
H=$(ats_py "$LTA" "$T/ten.bin" "$T/ats") || fail "python: the imprint"
openssl ts -verify -digest "$H" -in "$T/ats.tst" -token_in \
    -CAfile "$T/pki/root.pem" -untrusted "$T/pki/tsa-chain.pem" \
    > "$T/tsv.txt" 2>&1 || { cat "$T/tsv.txt"; fail "openssl ts -verify (archive timestamp)"; }
# ... and openssl says no to another imprint (the content's hash alone)
H2=$(openssl dgst -sha256 -r "$T/ten.bin" | cut -d' ' -f1)
openssl ts -verify -digest "$H2" -in "$T/ats.tst" -token_in \
    -CAfile "$T/pki/root.pem" -untrusted "$T/pki/tsa-chain.pem" \
    > /dev/null 2>&1 && fail "openssl ts -verify accepts any digest"
ok "archive timestamp: python's ATSHashIndexV3 is the token's; openssl ts -verify over python's imprint"

# SHA-384: the index names its algorithm; the same checks.
"$PECETE_BIN" sign --p12 "$T/lu.p12" --pass-file "$T/pass" --format cades \
    --level B-LTA --hash sha384 --tsa "$TSA_URL" "$T/doc.docx" \
    "$T/lta384.p7s" > "$T/lta.out" 2>&1 || { cat "$T/lta.out"; fail "sign B-LTA SHA-384"; }
"$PECETE_BIN" verify --trust "$T/lta-trust.pem" --no-ocsp \
    --content "$T/doc.docx" "$T/lta384.p7s" > "$T/v.txt" 2>&1 &&
    grep -q 'level: CAdES-B-LTA' "$T/v.txt" &&
    grep -q 'archive timestamp imprint: ok.*SHA384' "$T/v.txt" ||
    { cat "$T/v.txt"; fail "pecete verify B-LTA SHA-384"; }
H=$(ats_py "$T/lta384.p7s" "$T/doc.docx" "$T/ats384" sha384) ||
    fail "python: the SHA-384 imprint"
openssl ts -verify -digest "$H" -in "$T/ats384.tst" -token_in \
    -CAfile "$T/pki/root.pem" -untrusted "$T/pki/tsa-chain.pem" \
    > "$T/tsv.txt" 2>&1 || { cat "$T/tsv.txt"; fail "openssl ts -verify (SHA-384)"; }
ok "archive timestamp with SHA-384: hashIndAlgorithm given; python and openssl agree"

# The content changed: not passed (the digest and the archive imprint).
cp "$T/ten.bin" "$T/ten2.bin"
printf '\x00' | dd of="$T/ten2.bin" bs=1 seek=4096 conv=notrunc 2>/dev/null
cmp -s "$T/ten.bin" "$T/ten2.bin" && printf '\x01' |
    dd of="$T/ten2.bin" bs=1 seek=4096 conv=notrunc 2>/dev/null
"$PECETE_BIN" verify --trust "$T/lta-trust.pem" --no-ocsp \
    --content "$T/ten2.bin" "$LTA" > "$T/v.txt" 2>&1
[ $? -eq 1 ] || { cat "$T/v.txt"; fail "a changed content passed"; }
grep -q 'Result: TOTAL-FAILED / HASH_FAILURE' "$T/v.txt" &&
    grep -q 'archive timestamp imprint: FAILED' "$T/v.txt" ||
    { cat "$T/v.txt"; fail "changed content: the verdict"; }
# Archived data changed (a byte of a certificate in certificate-values,
# which the signature value does not cover): the archive timestamp fails.
/usr/bin/python3 - "$LTA" "$T/lta-bad.p7s" <<'EOP' || fail "python: corrupt"
import sys
b = bytearray(open(sys.argv[1], 'rb').read())
cv = bytes.fromhex('060b2a864886f70d010910021731')  # certValues, SET
i = b.find(cv)
assert i > 0
# the last byte of the first certificate's signature in the SET
j = i + len(cv)
n = b[j]
hl = 1 + ((n & 0x7f) if n & 0x80 else 0)
k = j + hl                         # SEQUENCE OF Certificate
m = b[k + 1]
hl2 = 2 + ((m & 0x7f) if m & 0x80 else 0)
c = k + hl2                        # the first Certificate
cl = b[c + 1]
ch = 2 + ((cl & 0x7f) if cl & 0x80 else 0)
clen = int.from_bytes(b[c + 2:c + ch], 'big') if cl & 0x80 else cl
b[c + ch + clen - 1] ^= 0x01
open(sys.argv[2], 'wb').write(b)
EOP
"$PECETE_BIN" verify --trust "$T/lta-trust.pem" --no-ocsp \
    --content "$T/ten.bin" "$T/lta-bad.p7s" > "$T/v.txt" 2>&1
[ $? -eq 1 ] || { cat "$T/v.txt"; fail "changed archived data passed"; }
grep -q 'archive timestamp imprint: FAILED.*no longer in the signature' "$T/v.txt" &&
    grep -q 'Result: TOTAL-FAILED / HASH_FAILURE' "$T/v.txt" ||
    { cat "$T/v.txt"; fail "changed archived data: the verdict"; }
ok "B-LTA: a changed content or changed archived data is TOTAL-FAILED / HASH_FAILURE"
echo "sign_cades: all passed"
