#!/bin/bash
# The verification corpus (tests/vectors/verify/): every file is made here
# (nothing is downloaded) into $PECETE_BUILD/vectors/verify, and
# `pecete verify --json` must give each one the indication and
# sub-indication of tests/vectors/verify/expected.tsv; `pecete verify
# --xml` of each is valid against the ETSI TS 119 102-2 schema
# (schemas/etsi/, xmllint) and says the same per entry.
#
# Parts: a test CA made with openssl whose certificates name an OCSP
# responder that is `openssl ocsp` (good, revoked, revoked later, unknown,
# unreachable, a responder the CA did not authorize), Pecete's TSA and
# OCSP (pecete serve) for timestamps, `mutool sign` and `openssl cms
# -cades` as the other tools, `mutool run` (mod.js) for the changes after
# signing, the DSS (B-LT) and the document timestamp (B-LTA, docts.py with
# openssl ts and curl against our TSA), subst.py for a certificate
# substituted for the same key.
set -u
. "$(dirname "$0")/sign_lib.sh.inc"
VD=$(cd "$(dirname "$0")/../vectors/verify" && pwd)
V=${PECETE_BUILD:-$T}/vectors/verify
rm -rf "$V" && mkdir -p "$V" || fail "mkdir $V"
OCSP_PIDS=
trap 'for p in $OCSP_PIDS; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done; sign_cleanup' EXIT

OPORT=$(free_port) || fail "no port"
BPORT=$(free_port) || fail "no port"
DEAD=$(free_port) || fail "no port"
C=$T/ca
mkdir -p "$C"
cat > "$C/ext.cnf" <<EOC
[v3_ca]
basicConstraints=critical,CA:TRUE
keyUsage=critical,keyCertSign,cRLSign
subjectKeyIdentifier=hash
[v3_user]
basicConstraints=critical,CA:FALSE
keyUsage=critical,nonRepudiation
subjectKeyIdentifier=hash
authorityKeyIdentifier=keyid
authorityInfoAccess=OCSP;URI:http://127.0.0.1:$OPORT
[v3_dead]
basicConstraints=critical,CA:FALSE
keyUsage=critical,nonRepudiation
authorityInfoAccess=OCSP;URI:http://127.0.0.1:$DEAD
[v3_bad]
basicConstraints=critical,CA:FALSE
keyUsage=critical,nonRepudiation
authorityInfoAccess=OCSP;URI:http://127.0.0.1:$BPORT
[v3_ocsp]
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=OCSPSigning
noCheck=ignored
EOC
# cert NAME EXT SERIAL [SUBJECT]: a key and certificate of the test CA.
cert() {
	local n=$1 ext=$2 serial=$3 subj=${4:-"/CN=Test $1/C=RO"}
	openssl req -newkey rsa:2048 -nodes -keyout "$C/$n.key" \
	    -out "$C/$n.csr" -subj "$subj" >/dev/null 2>&1 &&
	    openssl x509 -req -in "$C/$n.csr" -CA "$C/root.pem" \
	    -CAkey "$C/root.key" -set_serial "$serial" -days 30 \
	    -out "$C/$n.pem" -extfile "$C/ext.cnf" -extensions "$ext" \
	    >/dev/null 2>&1 &&
	    openssl pkcs12 -export -inkey "$C/$n.key" -in "$C/$n.pem" \
	    -certfile "$C/root.pem" -out "$C/$n.p12" -passout pass:s3cret &&
	    openssl x509 -in "$C/$n.pem" -outform DER -out "$C/$n.der" ||
	    fail "cert $n"
}
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$C/root.key" \
    -out "$C/root.pem" -subj "/CN=Verify Test Root/O=Pecete Test" -days 60 \
    -config <(cat /etc/ssl/openssl.cnf "$C/ext.cnf") -extensions v3_ca \
    >/dev/null 2>&1 || fail "root"
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$C/other.key" \
    -out "$C/other.pem" -subj "/CN=Some Other Root" -days 60 \
    >/dev/null 2>&1 || fail "other root"
printf 's3cret\n' > "$C/pass" && chmod 600 "$C/pass"
cert good v3_user 0x1001
cert rev v3_user 0x1002
cert later v3_user 0x1003
cert unknown v3_user 0x1004
cert dead v3_dead 0x1005
cert badresp v3_bad 0x1006
cert ocsp v3_ocsp 0x1007 "/CN=Test OCSP Responder"
cert noeku v3_dead 0x1008 "/CN=Not A Responder"
# The impostor: the good key, the good issuer and serial, another name.
openssl req -new -key "$C/good.key" -subj "/CN=Impostor/C=RO" \
    -out "$C/imp.csr" && openssl x509 -req -in "$C/imp.csr" \
    -CA "$C/root.pem" -CAkey "$C/root.key" -set_serial 0x1001 -days 30 \
    -out "$C/imp.pem" -extfile "$C/ext.cnf" -extensions v3_user \
    >/dev/null 2>&1 && openssl x509 -in "$C/imp.pem" -outform DER \
    -out "$C/imp.der" || fail "impostor"
exp=$(date -u -d '+30 days' +%y%m%d%H%M%SZ)
{
	printf 'V\t%s\t\t1001\tunknown\t/CN=Test good/C=RO\n' "$exp"
	printf 'R\t%s\t%s\t1002\tunknown\t/CN=Test rev/C=RO\n' "$exp" \
	    "$(date -u -d '-1 day' +%y%m%d%H%M%SZ)"
	printf 'R\t%s\t%s\t1003\tunknown\t/CN=Test later/C=RO\n' "$exp" \
	    "$(date -u -d '+1 day' +%y%m%d%H%M%SZ)"
	printf 'V\t%s\t\t1006\tunknown\t/CN=Test badresp/C=RO\n' "$exp"
} > "$C/index.txt"
# responder PORT SIGNER: `openssl ocsp` answering for the test CA.
responder() {
	openssl ocsp -index "$C/index.txt" -port "$1" -rsigner "$C/$2.pem" \
	    -rkey "$C/$2.key" -CA "$C/root.pem" -nmin 30 \
	    > "$T/ocsp-$1.log" 2>&1 &
	OCSP_PIDS="$OCSP_PIDS $!"
	# (A bare connection makes OpenSSL 3.0's responder spin: probe
	# with a real request.)
	for _ in $(seq 1 50); do
		timeout 5 openssl ocsp -issuer "$C/root.pem" -serial 0x1001 \
		    -url "http://127.0.0.1:$1" -noverify > /dev/null 2>&1 &&
		    return 0
		sleep 0.1
	done
	cat "$T/ocsp-$1.log" >&2
	fail "openssl ocsp on port $1"
}
responder "$OPORT" ocsp
responder "$BPORT" noeku
ok "test CA and its OCSP responders (openssl ocsp)"

start_pecete
TRUST=$T/trust-all.pem
cat "$C/root.pem" "$T/pki/root.pem" > "$TRUST"
psign() { # psign KEY [options] IN OUT
	local k=$1
	shift
	"$PECETE_BIN" sign --p12 "$C/$k.p12" --pass-file "$C/pass" "$@" \
	    > /dev/null || fail "pecete sign $k $*"
}
make_pdf "$V/plain.pdf" 2
head -c 5000 /dev/urandom > "$V/data.bin"

# Good ones, by Pecete and by other tools.
psign good "$V/plain.pdf" "$V/bb.pdf"
psign good --level B-T --tsa "$TSA_URL" "$V/plain.pdf" "$V/bt.pdf"
psign good --format cades "$V/data.bin" "$V/cades-bb.p7s"
psign good --format cades --level B-T --tsa "$TSA_URL" "$V/data.bin" \
    "$V/cades-bt.p7s"
psign good --visible 1:300,50,200,60 "$V/bb.pdf" "$V/two-sigs.pdf"
MAKE_PDF_FIELD=1 make_pdf "$V/field.pdf" 1
mutool sign -s "$C/good.p12" -P s3cret -o "$V/mutool.pdf" "$V/field.pdf" 5 \
    > /dev/null 2>&1 || fail "mutool sign"
openssl cms -sign -cades -binary -outform DER -in "$V/data.bin" \
    -signer "$C/good.pem" -inkey "$C/good.key" -certfile "$C/root.pem" \
    -out "$V/openssl.p7s" || fail "openssl cms -sign -cades"
# Attached: the content inside the CMS; then one byte of it changed.
openssl cms -sign -cades -binary -nodetach -outform DER -in "$V/data.bin" \
    -signer "$C/good.pem" -inkey "$C/good.key" -certfile "$C/root.pem" \
    -out "$V/openssl-attached.p7s" || fail "openssl cms -sign -nodetach"
/usr/bin/python3 - "$V/data.bin" "$V/openssl-attached.p7s" \
    "$V/attached-changed.p7s" <<'EOP' || fail "attached-changed"
import sys
data = open(sys.argv[1], "rb").read()
p7 = bytearray(open(sys.argv[2], "rb").read())
at = p7.find(data)
assert at > 0 and p7.find(data, at + 1) < 0
p7[at + len(data) // 2] ^= 0x01
open(sys.argv[3], "wb").write(p7)
EOP

# B-LT: the B-T signature plus a DSS with the certificates, OCSP responses
# and CRL of its chain and of the TSA's (fetched after signing).
D=$T/dss
mkdir -p "$D"
openssl ocsp -issuer "$C/root.pem" -cert "$C/good.pem" \
    -url "http://127.0.0.1:$OPORT" -respout "$D/good.ocsp" -noverify \
    > /dev/null 2>&1 || fail "ocsp good"
openssl ocsp -issuer "$T/pki/issuing.pem" -cert "$T/pki/tsa.pem" \
    -url "$PC_URL/ocsp" -respout "$D/tsa.ocsp" -noverify \
    > /dev/null 2>&1 || fail "ocsp tsa"
"$PECETE_BIN" pki crl --data "$PC_D" --ca root --out "$D/root.crl" \
    > /dev/null 2>&1 || fail "root crl"
openssl crl -in "$D/root.crl" -outform DER -out "$D/root.crl.der" \
    2>/dev/null || cp "$D/root.crl" "$D/root.crl.der"
for c in tsa issuing root; do
	openssl x509 -in "$T/pki/$c.pem" -outform DER -out "$D/pc-$c.der" ||
	    fail "der $c"
done
mutool run "$VD/mod.js" "$V/bt.pdf" "$V/blt.pdf" dss \
    "$C/good.der,$D/pc-tsa.der,$D/pc-issuing.der,$D/pc-root.der" \
    "$D/good.ocsp,$D/tsa.ocsp" "$D/root.crl.der" || fail "dss"
mutool run "$VD/mod.js" "$V/blt.pdf" "$V/blta.pdf" docts DocTimeStamp1 ||
    fail "docts field"
/usr/bin/python3 "$VD/docts.py" "$V/blta.pdf" "$TSA_URL" || fail "docts"
# pdfsig (poppler 22) does not check ETSI.RFC3161: openssl ts does.
pdfsig "$V/blta.pdf" > "$T/pdfsig.txt" 2>&1
[ "$(grep -c 'Signature is Valid.' "$T/pdfsig.txt")" -eq 1 ] ||
    { cat "$T/pdfsig.txt"; fail "pdfsig blta"; }
extract_cms "$V/blta.pdf" "$T/docts.der" 2
openssl ts -verify -data "$T/docts.der.content" -in "$T/docts.der" \
    -token_in -CAfile "$T/pki/root.pem" -untrusted "$T/pki/tsa-chain.pem" \
    > /dev/null 2>&1 || fail "openssl ts -verify of the document timestamp"
"$PECETE_BIN" verify --no-ocsp "$V/cades-bb.p7s" > "$T/nocontent.out" 2>&1
[ $? = 1 ] && grep -q 'content_missing' "$T/nocontent.out" ||
    { cat "$T/nocontent.out"; fail "a detached .p7s without --content: content_missing"; }
ok "good vectors: B-B, B-T, B-LT, B-LTA, CAdES, mutool sign, openssl cms (detached and attached)"

# Changes after signing.
for k in content annot page; do
	mutool run "$VD/mod.js" "$V/bb.pdf" "$V/mod-$k.pdf" "$k" ||
	    fail "mod $k"
done
psign good --certify 2 "$V/plain.pdf" "$V/certified-p2.pdf"
psign good --visible 1:100,100,200,60 "$V/certified-p2.pdf" \
    "$V/certified-p2-visible.pdf"
mutool run "$VD/mod.js" "$V/certified-p2.pdf" "$V/certified-p2-annot.pdf" \
    annot || fail "p2 annot"
psign good --certify 3 "$V/plain.pdf" "$V/certified-p3.pdf"
mutool run "$VD/mod.js" "$V/certified-p3.pdf" "$V/certified-p3-annot.pdf" \
    annot || fail "p3 annot"
raw_pdf "$V/form.pdf" '/AcroForm << /Fields [5 0 R] >>' '/Annots [5 0 R]' \
    '5 0 obj
<< /Type /Annot /Subtype /Widget /FT /Tx /T (Name) /Rect [50 700 250 730] /F 4 /P 3 0 R >>
endobj'
psign good "$V/form.pdf" "$V/form-s.pdf"
mutool run "$VD/mod.js" "$V/form-s.pdf" "$V/form-filled.pdf" fill Name Ion ||
    fail "fill"
psign good --lock "$V/form.pdf" "$V/form-locked.pdf"
mutool run "$VD/mod.js" "$V/form-locked.pdf" "$V/locked-filled.pdf" fill \
    Name Ion || fail "fill locked"
cp "$V/bb.pdf" "$V/trailing-space.pdf" && printf '\n  \r\n' >> \
    "$V/trailing-space.pdf"
cp "$V/bb.pdf" "$V/trailing-bytes.pdf" && head -c 3000 /dev/urandom >> \
    "$V/trailing-bytes.pdf"
/usr/bin/python3 - "$V" <<'EOP' || fail "broken vectors"
import re, sys
v = sys.argv[1]
data = open(v + '/bb.pdf', 'rb').read()
m = re.search(rb'/ByteRange\s*\[\s*0\s+(\d+)\s+(\d+)', data)
a, b = int(m.group(1)), int(m.group(2))
i = data.index(b'(Page 1)')
open(v + '/byte-changed.pdf', 'wb').write(data[:i + 1] + b'X' + data[i + 2:])
junk = (b'3082ffff' + b'00' * 200)
open(v + '/cms-broken.pdf', 'wb').write(
    data[:a + 1] + junk + b'0' * (b - a - 2 - len(junk)) + data[b - 1:])
der = bytearray(bytes.fromhex(data[a + 1:b - 1].decode()))
n = int.from_bytes(der[2:4], 'big') + 4  # 30 82 LL LL
der[n - 10] ^= 0xff                         # in the signature value
h = der.hex().encode()
open(v + '/sig-value-broken.pdf', 'wb').write(data[:a + 1] + h + data[b - 1:])
d = open(v + '/blta.pdf', 'rb').read()
i = d.rindex(b'/Filter/Adobe.PPKLite/SubFilter/ETSI.RFC3161')
open(v + '/docts-broken.pdf', 'wb').write(d[:i + 20] + b'f' + d[i + 21:])
EOP
/usr/bin/python3 "$VD/subst.py" "$V/bb.pdf" "$V/cert-substituted.pdf" \
    "$C/good.der" "$C/imp.der" || fail "subst pdf"
/usr/bin/python3 "$VD/subst.py" "$V/cades-bb.p7s" \
    "$V/cert-substituted.p7s" "$C/good.der" "$C/imp.der" || fail "subst p7s"
psign rev "$V/plain.pdf" "$V/revoked.pdf"
psign later "$V/plain.pdf" "$V/revoked-later-bb.pdf"
psign later --level B-T --tsa "$TSA_URL" "$V/plain.pdf" \
    "$V/revoked-later-bt.pdf"
psign unknown "$V/plain.pdf" "$V/ocsp-unknown.pdf"
psign dead "$V/plain.pdf" "$V/ocsp-unreachable.pdf"
psign badresp "$V/plain.pdf" "$V/ocsp-bad-responder.pdf"
ok "vectors made in $V"

# Every vector against its expected verdict.
n=0
while IFS=$'\t' read -r name ind sub opts; do
	case "$name" in '#'* | '') continue ;; esac
	opts=${opts//\{V\}/$V}
	opts=${opts//\{TRUST\}/$TRUST}
	opts=${opts//\{OTHER\}/$C/other.pem}
	# shellcheck disable=SC2086
	vjson "$V/$name.json" $opts
	rc=$?
	got=$(verdict "$V/$name.json")
	want="$ind/${sub#-}"
	[ "$got" = "$want" ] || { cat "$V/$name.json"; fail "$name: $got, want $want"; }
	case $ind in
	TOTAL-PASSED) [ $rc -eq 0 ] ;;
	TOTAL-FAILED) [ $rc -eq 1 ] ;;
	*) [ $rc -eq 2 ] ;;
	esac || fail "$name: exit $rc for $ind"
	# shellcheck disable=SC2086
	"$PECETE_BIN" verify --xml $opts > "$V/$name.xml" 2> "$V/$name.xml.err"
	[ $? -eq $rc ] || { cat "$V/$name.xml.err"; fail "$name: --xml exit"; }
	n=$((n + 1))
done < "$VD/expected.tsv"
[ $n -ge 30 ] || fail "only $n vectors"
ok "$n vectors: indication and sub-indication as expected"
XSD="$(cd "$(dirname "$0")/../.." && pwd)/schemas/etsi/ts_119102-2_v1.3.1.xsd"
if command -v xmllint > /dev/null; then
	xmllint --noout --schema "$XSD" "$V"/*.xml 2> "$V/xsd.err" ||
	    { grep -v validates "$V/xsd.err"; fail "an XML report not valid"; }
else
	fail "xmllint missing (libxml2-utils, scripts/deps.sh)"
fi
# Per entry, the XML's status URIs are the JSON's indications.
/usr/bin/python3 - "$V" <<'EOP' || fail "XML and JSON reports differ"
import glob, json, os, sys, xml.etree.ElementTree as ET
ns = {'vr': 'http://uri.etsi.org/19102/v1.2.1#'}
U = 'urn:etsi:019102:'
n = 0
for x in sorted(glob.glob(sys.argv[1] + '/*.xml')):
    j = json.load(open(x[:-4] + '.json'))
    want = [(U + 'mainindication:' + s['indication'].lower(),
             s['subIndication'] and U + 'subindication:' + s['subIndication'])
            for s in j['signatures']]
    got = []
    for r in ET.parse(x).getroot().findall('vr:SignatureValidationReport', ns):
        st = r.find('vr:SignatureValidationStatus', ns)
        sub = st.find('vr:SubIndication', ns)
        got.append((st.find('vr:MainIndication', ns).text,
                    sub.text if sub is not None else None))
    if not want:  # no signature: one entry, the report's verdict
        want = [(U + 'mainindication:' + j['indication'].lower(),
                 j['subIndication'] and U + 'subindication:' + j['subIndication'])]
    assert got == want, (os.path.basename(x), got, want)
    n += 1
print('ok: %d XML reports: per entry the same indications as the JSON' % n)
EOP
ok "the XML reports of every vector are valid against ETSI TS 119 102-2"

# What the reports say beyond the verdict.
j() { jpy "$V/$1.json" "$2"; }
[ "$(j bt 'sigs[0]["level"]')" = B-T ] || fail "bt level"
[ "$(j blt 'sigs[0]["level"]')" = B-LT ] || fail "blt level"
[ "$(j blta 'sigs[0]["level"]')" = B-LTA ] || fail "blta level"
[ "$(j blta 'sigs[1]["type"]')" = document-timestamp ] || fail "docts type"
[ "$(j blta 'sigs[1]["checks"]["digest"]["status"]')" = ok ] ||
    fail "docts imprint"
[ "$(j blt-offline 'r["revocationFetched"]')" = False ] || fail "offline"
j blt-offline 'sigs[0]["checks"]["revocation"]["message"]' |
    grep -q 'in the file' || fail "blt offline: not from the DSS"
[ "$(j bb 'sigs[0]["level"]')" = B-B ] || fail "bb level"
[ "$(j mutool 'sigs[0]["subFilter"]')" = adbe.pkcs7.detached ] ||
    fail "mutool subfilter"
[ "$(j openssl-cades 'sigs[0]["level"]')" = B-B ] || fail "openssl level"
j mod-content 'sigs[0]["changes"]' | grep -q "'page': 1" ||
    fail "mod-content page"
j mod-content 'sigs[0]["reason"]' | grep -q 'page 1' || fail "content why"
j mod-annot 'sigs[0]["reason"]' | grep -q 'annotation /Square added on page 1' ||
    fail "annot why"
j mod-page 'sigs[0]["reason"]' | grep -q 'page tree changed' ||
    fail "page why"
[ "$(j certified-p2-visible 'sigs[0]["docMDP"]')" = 2 ] || fail "docmdp"
j certified-p2-visible 'sigs[0]["changes"]' | grep -q 'signature field' ||
    fail "p2 visible change"
j form-filled 'sigs[0]["changes"]' | grep -q 'form field filled' ||
    fail "form fill reported"
j locked-filled 'sigs[0]["reason"]' | grep -q 'locked' || fail "lock why"
[ "$(j trailing-space 'r["trailingBytes"]')" -gt 0 ] || fail "trailing"
[ "$(j trailing-bytes 'r["trailingNotWhiteSpace"]')" = True ] ||
    fail "trailing junk"
[ "$(j cert-substituted 'sigs[0]["signer"]')" = "" ] ||
    fail "substituted certificate shown as the signer"
j cert-substituted 'sigs[0]["checks"]["signerCertificate"]["message"]' |
    grep -q certHash || fail "substitution why"
j revoked-later-bt 'sigs[0]["checks"]["revocation"]["message"]' |
    grep -q 'after the proof of existence' || fail "revoked later bt"
j ocsp-bad-responder 'sigs[0]["reason"]' | grep -q 'OCSPSigning' ||
    fail "bad responder why"
# (unreachable; or, should another program have taken the port since,
# an error answer: no usable status either way)
j ocsp-unreachable 'sigs[0]["reason"]' | grep -qE 'unreachable|error' ||
    fail "unreachable why"
j ocsp-unknown 'sigs[0]["reason"]' | grep -q 'unknown' || fail "unknown why"
# pdfsig agrees on the digests of the good and modified files.
for f in certified-p2-visible two-sigs; do
	pdfsig "$V/$f.pdf" > "$T/pdfsig.txt" 2>&1
	[ "$(grep -c 'Signature is Valid.' "$T/pdfsig.txt")" -eq 2 ] ||
	    { cat "$T/pdfsig.txt"; fail "pdfsig $f"; }
done
ok "levels, reasons, pages, signer, pdfsig"
echo "sign_verify: all passed"
