#!/bin/bash
# validate_api.sh: the public validation service (POST /api/v1/validate):
# no sign-in and no CSRF token; our B-LTA PDF TOTAL-PASSED (level B-LTA,
# its document timestamp too); bytes changed after signing TOTAL-FAILED /
# HASH_FAILURE; a forged signature value TOTAL-FAILED / SIG_CRYPTO_FAILURE;
# a key of an unknown root INDETERMINATE / NO_CERTIFICATE_CHAIN_FOUND; a
# revoked certificate with no proof of existence INDETERMINATE /
# REVOKED_NO_POE; a detached .p7s followed by its file (?p7s_length)
# TOTAL-PASSED, its file changed HASH_FAILURE, alone signed_file_missing;
# an attached .p7s (openssl) read, its content changed HASH_FAILURE;
# not a PDF, an unsigned PDF, an empty body refused; the
# uploaded file never left on the server nor its path in the answer; the
# 11th request in a minute from one address refused (429, a burst from
# its own address: the windows are fixed minutes).
# For each of the five cases the ETSI TS 119 102-2 XML report
# (?format=xml, from a second address so the JSON requests keep their
# count) validates against schemas/etsi/ with xmllint and carries the
# same indications as URIs (and with ?format=pdf a report for people
# sealed with the platform's e-seal); the unknown root's signer has <, &, quotes
# and Romanian letters in its name: escaped, and read back equal to the
# JSON's. `pecete verify --xml` gives the same report.
set -u
. "$(dirname "$0")/sign_lib.sh.inc"
XSD="$(cd "$(dirname "$0")/../.." && pwd)/schemas/etsi/ts_119102-2_v1.3.1.xsd"
for t in oathtool curl python3 xmllint pdfsig pdftotext qpdf; do
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
# vr XPATH: a string from $T/r.xml (the report's elements by local name).
vr() { xmllint --xpath "$1" "$T/r.xml" 2>/dev/null; }
V='*[local-name()="SignatureValidationReport"]'
S='*[local-name()="SignatureValidationStatus"]'
lc() { printf '%s' "$1" | tr 'A-Z' 'a-z'; }
# want_xml FILE IND SUB WHAT: the XML report of FILE is valid and its
# first signature's status (and the worst) are IND / SUB as URIs.
want_xml() {
	local code main sub n
	code=$(curl -s -o "$T/r.xml" -w '%{http_code}' --interface 127.0.0.2 \
	    -H 'Content-Type: application/octet-stream' --data-binary @"$1" \
	    "$PC_URL/api/v1/validate?format=xml")
	[ "$code" = 200 ] || { cat "$T/r.xml"; fail "$4 (XML): HTTP $code"; }
	xmllint --noout --schema "$XSD" "$T/r.xml" 2> "$T/xsd.err" ||
	    { cat "$T/xsd.err"; fail "$4: the XML report does not validate"; }
	n=$(vr "count(/*[local-name()=\"ValidationReport\"]/$V)")
	[ "$n" = "$(jq_ 'len(j["signatures"])')" ] ||
	    fail "$4: $n SignatureValidationReport, want one per entry"
	main=$(vr "string(//$V[1]/$S/*[local-name()=\"MainIndication\"])")
	sub=$(vr "string(//$V[1]/$S/*[local-name()=\"SubIndication\"])")
	[ "$main" = "urn:etsi:019102:mainindication:$(lc "$2")" ] &&
	    [ "$sub" = "${3:+urn:etsi:019102:subindication:$3}" ] ||
	    { cat "$T/r.xml"; fail "$4: XML says $main $sub"; }
	ok "$4: the XML report validates against TS 119 102-2, $main${sub:+ $sub}"
}
want() {	# want FILE IND SUB WHAT
	post "$1"
	[ "$CODE" = 200 ] || { cat "$T/r.json"; fail "$4: HTTP $CODE"; }
	got="$(jq_ 'j["indication"] + "/" + (j["subIndication"] or "")')"
	[ "$got" = "$2/$3" ] || { cat "$T/r.json"; fail "$4: $got, want $2/$3"; }
	ok "$4: $2${3:+ / $3}"
	want_xml "$@"
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
# The XML of the good PDF (in $T/r.xml from want): both entries passed,
# the signature identified by its value's SHA-256, its signer certificate
# and chain to the anchor among the objects, the timestamp a POE.
[ "$(vr "count(//$V/$S/*[local-name()=\"MainIndication\"][.=\"urn:etsi:019102:mainindication:total-passed\"])")" = 2 ] ||
    fail "XML: both entries total-passed"
[ "$(vr "string(//$V[1]/*[local-name()=\"SignatureIdentifier\"]/*/*[local-name()=\"DigestMethod\"]/@Algorithm)")" = \
    http://www.w3.org/2001/04/xmlenc#sha256 ] || fail "XML: SignatureIdentifier's digest"
ref=$(vr "string(//$V[1]/*[local-name()=\"SignerInformation\"]/*[local-name()=\"SignerCertificate\"]/@VOReference)")
vr "string(//*[local-name()=\"ValidationObject\"][@id=\"$ref\"]/*[local-name()=\"ValidationObjectRepresentation\"]/*[local-name()=\"base64\"])" |
    base64 -d | openssl x509 -inform DER -noout -subject > "$T/subj" 2>&1 ||
    fail "XML: the signer certificate object is not a certificate"
grep -q Popescu "$T/subj" || { cat "$T/subj"; fail "XML: signer certificate object"; }
[ -n "$(vr "string(//$V[1]/$S/*[local-name()=\"AssociatedValidationReportData\"]/*[local-name()=\"CertificateChain\"]/*[local-name()=\"TrustAnchor\"]/@VOReference)")" ] ||
    fail "XML: the chain to the trust anchor"
[ "$(vr "count(//*[local-name()=\"ValidationObject\"][*[local-name()=\"ObjectType\"]=\"urn:etsi:019102:validationObject:timestamp\"])")" -ge 2 ] ||
    fail "XML: the signature timestamp and the document timestamp as objects"
[ "$(vr "count(//*[local-name()=\"ValidationObject\"][*[local-name()=\"ObjectType\"]=\"urn:etsi:019102:validationObject:OCSPResponse\" or *[local-name()=\"ObjectType\"]=\"urn:etsi:019102:validationObject:CRL\"])")" -ge 1 ] ||
    fail "XML: the DSS's revocation data as objects"
# The CLI's report: the same verdict, valid too.
"$PECETE_BIN" pki export --data "$PC_D" --out "$T/pki" > /dev/null ||
    fail "pki export"
"$PECETE_BIN" verify --xml --trust "$T/pki/root.pem" "$T/good.pdf" > "$T/cli.xml" ||
    fail "pecete verify --xml: exit $?"
xmllint --noout --schema "$XSD" "$T/cli.xml" 2>/dev/null || fail "pecete verify --xml: not valid"
[ "$(xmllint --xpath "count(//$V/$S/*[local-name()=\"MainIndication\"][.=\"urn:etsi:019102:mainindication:total-passed\"])" "$T/cli.xml")" = 2 ] ||
    fail "pecete verify --xml: not both passed"
"$PECETE_BIN" verify --xml --json "$T/good.pdf" > /dev/null 2>&1
[ $? = 3 ] || fail "pecete verify --xml --json: not a usage error"
# The report for people, sealed with the platform's e-seal (?format=pdf).
code=$(curl -s -o "$T/report.pdf" -w '%{http_code}' --interface 127.0.0.2 \
    -H 'Content-Type: application/octet-stream' --data-binary @"$T/good.pdf" \
    "$PC_URL/api/v1/validate?format=pdf&lang=en")
[ "$code" = 200 ] || { cat "$T/report.pdf"; fail "the sealed PDF report: HTTP $code"; }
pdfsig "$T/report.pdf" > "$T/report.sig" 2>&1
grep -q 'Signature is Valid' "$T/report.sig" && grep -q 'e-seal' "$T/report.sig" &&
    ! grep -q 'Signature is Invalid' "$T/report.sig" ||
    { cat "$T/report.sig"; fail "the PDF report: not sealed by the e-seal (pdfsig)"; }
qpdf --check "$T/report.pdf" > /dev/null 2>&1 || fail "the PDF report: qpdf --check"
pdftotext "$T/report.pdf" - > "$T/report.txt" 2>/dev/null
grep -q 'TOTAL-PASSED' "$T/report.txt" && grep -q 'Time-stamp 2' "$T/report.txt" &&
    grep -q "$(sha256sum "$T/good.pdf" | cut -c1-32)" "$T/report.txt" ||
    { cat "$T/report.txt"; fail "the PDF report: the verdict, both entries, the file's SHA-256"; }
"$PECETE_BIN" verify "$T/report.pdf" --trust "$T/pki/root.pem" --json > "$T/rep.json" 2>/dev/null
[ "$(python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); print(r["indication"], r["signatures"][0]["level"])' "$T/rep.json")" = "TOTAL-PASSED B-LTA" ] ||
    fail "the PDF report: sealed at B-LTA, TOTAL-PASSED"
ok "?format=pdf: a report for people (the verdict of each entry, the file's SHA-256) sealed with the platform's e-seal at B-LTA (pdfsig, qpdf, pecete verify)"
# The same from the command line: pecete verify --pdf-report (a signer
# started by the command; the running service's TSA and responders).
rm -f "$T/cli-report.pdf"
PECETE_SERVER_LISTEN="${PC_URL#http://}" "$PECETE_BIN" verify "$T/good.pdf" \
    --pdf-report "$T/cli-report.pdf" --data "$PC_D" --lang ro > "$T/cli-report.out" 2> "$T/cli-report.err"
rc=$?
[ $rc = 0 ] || { cat "$T/cli-report.err"; fail "pecete verify --pdf-report: exit $rc, not 0 (TOTAL-PASSED)"; }
grep -q 'TOTAL-PASSED' "$T/cli-report.out" || fail "pecete verify --pdf-report: no text report on stdout"
pdfsig "$T/cli-report.pdf" > "$T/cli-report.sig" 2>&1
grep -q 'Signature is Valid' "$T/cli-report.sig" && grep -q 'e-seal' "$T/cli-report.sig" &&
    ! grep -q 'Signature is Invalid' "$T/cli-report.sig" ||
    { cat "$T/cli-report.sig"; fail "pecete verify --pdf-report: not sealed by the e-seal (pdfsig)"; }
qpdf --check "$T/cli-report.pdf" > /dev/null 2>&1 || fail "pecete verify --pdf-report: qpdf --check"
pdftotext "$T/cli-report.pdf" - > "$T/cli-report.txt" 2>/dev/null
grep -q 'Raport de validare' "$T/cli-report.txt" && grep -q 'Marcă temporală 2' "$T/cli-report.txt" &&
    grep -q "$(sha256sum "$T/good.pdf" | cut -c1-32)" "$T/cli-report.txt" ||
    { cat "$T/cli-report.txt"; fail "pecete verify --pdf-report: the Romanian report, both entries, the SHA-256"; }
"$PECETE_BIN" verify "$T/cli-report.pdf" --trust "$T/pki/root.pem" --json > "$T/clirep.json" 2>/dev/null
[ "$(python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); print(r["indication"], r["signatures"][0]["level"])' "$T/clirep.json")" = "TOTAL-PASSED B-LTA" ] ||
    fail "pecete verify --pdf-report: sealed at B-LTA, TOTAL-PASSED"
"$PECETE_BIN" verify "$T/good.pdf" --pdf-report "$T/x.pdf" > /dev/null 2>&1
[ $? = 3 ] && [ ! -e "$T/x.pdf" ] || fail "pecete verify --pdf-report without --data: not a usage error"
"$PECETE_BIN" verify "$T/good.pdf" --pdf-report "$T/x.pdf" --data "$PC_D" --json > /dev/null 2>&1
[ $? = 3 ] && [ ! -e "$T/x.pdf" ] || fail "pecete verify --pdf-report --json: not a usage error"
printf 'not a pdf' > "$T/notpdf.pdf"
"$PECETE_BIN" verify "$T/notpdf.pdf" --pdf-report "$T/x.pdf" --data "$PC_D" > /dev/null 2> "$T/x.err"
[ $? = 1 ] && [ ! -e "$T/x.pdf" ] && grep -q document_unreadable "$T/x.err" ||
    { cat "$T/x.err"; fail "pecete verify --pdf-report on a file not a PDF: exit 1, no report, document_unreadable"; }
ok "pecete verify --pdf-report: the text report and the same report sealed at B-LTA (pdfsig, qpdf, pdftotext, pecete verify); usage errors and a file not a PDF write nothing"
ok "... the XML: SHA-256 identifier, signer certificate (openssl reads it), chain to the anchor, timestamps and revocation data as objects; pecete verify --xml agrees"

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
# The foreign signer's name has what XML must escape, and Romanian letters.
NASTY='Ion <Popescu> & "Fiii" Ăîșț'
(
cd "$T" || exit 1
openssl req -newkey rsa:2048 -nodes -keyout nasty.key -out nasty.csr -utf8 \
    -subj "/CN=$NASTY/O=A&B <SRL>/C=RO" &&
openssl x509 -req -in nasty.csr -CA root.pem -CAkey root.key -CAcreateserial \
    -out nasty.pem -days 10 -extfile ext.cnf -extensions v3_user &&
openssl pkcs12 -export -inkey nasty.key -in nasty.pem -certfile root.pem \
    -out nasty.p12 -passout pass:s3cret
) > /dev/null 2>&1 || fail "a certificate with an awkward name"
"$PECETE_BIN" sign --p12 "$T/nasty.p12" --pass-file "$T/pass" \
    "$T/doc.pdf" "$T/foreign.pdf" > /dev/null 2>&1 || fail "sign with a foreign key"
want "$T/foreign.pdf" INDETERMINATE NO_CERTIFICATE_CHAIN_FOUND "a certificate of an unknown root"
# The name read back by Python's XML parser equals the verifier's (JSON).
/usr/bin/python3 - "$T/r.xml" "$T/r.json" <<'EOP' || fail "XML: the signer's name"
import json, sys, xml.etree.ElementTree as ET
ns = {'vr': 'http://uri.etsi.org/19102/v1.2.1#'}
x = ET.parse(sys.argv[1]).find('vr:SignatureValidationReport/vr:SignerInformation/vr:Signer', ns).text
j = json.load(open(sys.argv[2]))['signatures'][0]['signer']
assert x == j and '<Popescu' in x and '& "Fiii" Ăîșț' in x, (x, j)
EOP
grep -q '&lt;Popescu' "$T/r.xml" && grep -q 'Ăîșț' "$T/r.xml" ||
    fail "XML: the name's < escaped, its letters in UTF-8"
ok "... a signer named $NASTY: escaped in the XML, read back equal"

issue Ionescu
CODE3=$(oathtool --totp -b "$(cat "$T/Ionescu.totp")")
"$PECETE_BIN" sign --data "$PC_D" --cert "$SERIAL" --otp "$CODE3" --level B-B \
    "$T/doc.pdf" "$T/rev.pdf" > "$T/s3.out" 2>&1 || { cat "$T/s3.out"; fail "sign (to revoke)"; }

# .p7s: detached (the .p7s, then in the same body the file it signs, with
# ?p7s_length) and attached (openssl cms -nodetach), from their own
# address (the limit is 10 a minute).
pv() {	# pv BODY [QUERY]: CODE and $T/r.json
	CODE=$(curl -s -o "$T/r.json" -w '%{http_code}' --interface 127.0.0.5 \
	    -H 'Content-Type: application/octet-stream' --data-binary @"$1" \
	    "$PC_URL/api/v1/validate${2:+?$2}")
}
pv_want() {	# pv_want BODY QUERY IND SUB WHAT
	pv "$1" "$2"
	[ "$CODE $(jq_ 'j["indication"] + "/" + (j["subIndication"] or "") + " " + j["signatures"][0]["type"]')" = \
	    "200 $3/$4 cades" ] || { cat "$T/r.json"; fail "$5: $CODE"; }
	ok "$5: $3${4:+ / $4}"
}
head -c 3000 /dev/urandom > "$T/data.bin"
CODE4=$(oathtool --totp -N 'now + 30 seconds' -b "$(cat "$T/Ionescu.totp")")
"$PECETE_BIN" sign --data "$PC_D" --cert "$SERIAL" --otp "$CODE4" --format cades \
    --level B-B "$T/data.bin" "$T/det.p7s" > "$T/s4.out" 2>&1 || { cat "$T/s4.out"; fail "sign .p7s"; }
cat "$T/det.p7s" "$T/data.bin" > "$T/det.body"
L=$(stat -c %s "$T/det.p7s")
pv_want "$T/det.body" "p7s_length=$L" TOTAL-PASSED "" "a detached .p7s then its file, p7s_length=$L"
cp "$T/data.bin" "$T/data2.bin" && printf 'X' | dd of="$T/data2.bin" bs=1 seek=100 conv=notrunc 2>/dev/null
cat "$T/det.p7s" "$T/data2.bin" > "$T/det2.body"
pv_want "$T/det2.body" "p7s_length=$L" TOTAL-FAILED HASH_FAILURE "the same .p7s with a byte of its file changed"
pv "$T/det.p7s"
[ "$CODE $(jq_ 'j["error"]["code"]')" = "400 signed_file_missing" ] || { cat "$T/r.json"; fail "a detached .p7s alone: $CODE"; }
pv "$T/det.body" "p7s_length=$(stat -c %s "$T/det.body")"
[ "$CODE $(jq_ 'j["error"]["code"]')" = "400 file_empty" ] || { cat "$T/r.json"; fail "p7s_length the whole body: $CODE"; }
pv "$T/det.body" "p7s_length=12x"
[ "$CODE $(jq_ 'j["error"]["code"], j["error"].get("field")')" = "400 ('field_invalid', 'p7s_length')" ] ||
    { cat "$T/r.json"; fail "p7s_length not a number: $CODE"; }
ok "a detached .p7s alone: signed_file_missing; p7s_length of the whole body: file_empty; not a number: field_invalid"
CODE=$(curl -s -o "$T/r.xml" -w '%{http_code}' --interface 127.0.0.2 \
    -H 'Content-Type: application/octet-stream' --data-binary @"$T/det.body" \
    "$PC_URL/api/v1/validate?format=xml&p7s_length=$L")
[ "$CODE" = 200 ] && xmllint --noout --schema "$XSD" "$T/r.xml" 2>/dev/null &&
    [ "$(vr "string(//$V[1]/$S/*[local-name()=\"MainIndication\"])")" = urn:etsi:019102:mainindication:total-passed ] ||
    { cat "$T/r.xml"; fail "the detached .p7s's XML report"; }
ok "... its XML report (format=xml&p7s_length) validates, total-passed"
openssl cms -sign -cades -binary -nodetach -outform DER -in "$T/data.bin" \
    -signer "$T/nasty.pem" -inkey "$T/nasty.key" -certfile "$T/root.pem" \
    -out "$T/att.p7s" || fail "openssl cms -sign -nodetach"
pv_want "$T/att.p7s" "" INDETERMINATE NO_CERTIFICATE_CHAIN_FOUND "an attached .p7s (openssl, an unknown root)"
/usr/bin/python3 - "$T/data.bin" "$T/att.p7s" "$T/att2.p7s" <<'EOP' || fail "attached changed"
import sys
data = open(sys.argv[1], "rb").read()
p7 = bytearray(open(sys.argv[2], "rb").read())
at = p7.find(data)
assert at > 0
p7[at + 10] ^= 0x01
open(sys.argv[3], "wb").write(p7)
EOP
pv_want "$T/att2.p7s" "" TOTAL-FAILED HASH_FAILURE "the attached .p7s with a byte of its content changed"

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
CODE=$(curl -s -o "$T/r.json" -w '%{http_code}' --interface 127.0.0.2 \
    -H 'Content-Type: application/octet-stream' --data-binary @"$T/good.pdf" \
    "$PC_URL/api/v1/validate?format=html")
[ "$CODE $(jq_ 'j["error"]["code"]')" = "400 field_invalid" ] || fail "format=html: $CODE"
ok "format=html refused (field_invalid)"

[ -z "$(ls -A "$PC_D/files/scratch" 2>/dev/null)" ] ||
    { ls -R "$PC_D/files/scratch"; fail "files left in the scratch directory"; }
ok "nothing of the $N uploads left on the server"

# 10 a minute per address (fixed windows on the minute): a burst of 11
# from an address not used yet; again from another one only when the
# minute turned during the burst.
burst() {	# burst ADDR: CODE of the 11th request, $m0 $m1 the minutes
	local i
	m0=$(($(date +%s) / 60))
	for i in 1 2 3 4 5 6 7 8 9 10; do
		curl -s -o /dev/null --interface "$1" --data-binary @"$T/empty" \
		    -H 'Content-Type: application/octet-stream' "$PC_URL/api/v1/validate"
	done
	CODE=$(curl -s -o /dev/null -w '%{http_code}' --interface "$1" \
	    -H 'Content-Type: application/octet-stream' --data-binary @"$T/good.pdf" \
	    "$PC_URL/api/v1/validate")
	m1=$(($(date +%s) / 60))
}
burst 127.0.0.3
[ "$m0" = "$m1" ] || burst 127.0.0.4
[ "$m0" = "$m1" ] || fail "the minute turned during two bursts"
[ "$CODE" = 429 ] || fail "the 11th request in a minute: $CODE"
ok "the 11th request in a minute from one address: 429"

# [server] trust_anchors: further roots beside ours. A certificate that is
# not a CA is refused by check-config and serve, naming it; with the
# foreign root listed, its signer's chain is found and /metrics counts 2.
kill "$PC_SERVE_PID" 2>/dev/null
wait "$PC_SERVE_PID" 2>/dev/null
PC_SERVE_PID=
PECETE_SERVER_TRUST_ANCHORS=$T/nasty.pem "$PECETE_BIN" check-config --data "$PC_D" \
    > "$T/cc.out" 2>&1 && fail "check-config took a user certificate as trust anchor"
grep -q "trust_anchors: the certificate .*nasty.pem is not a CA certificate" "$T/cc.out" ||
    { cat "$T/cc.out"; fail "check-config: the anchor refused without its reason"; }
PECETE_SERVER_TRUST_ANCHORS=$T/nasty.pem "$PECETE_BIN" serve --data "$PC_D" \
    --listen "${PC_URL#http://}" > /dev/null 2> "$T/serve-bad.log" &&
    fail "serve started with a user certificate as trust anchor"
grep -q "is not a CA certificate" "$T/serve-bad.log" ||
    { cat "$T/serve-bad.log"; fail "serve: the anchor refused without its reason"; }
ok "a trust anchor that is not a CA: check-config and serve refuse it, saying why"
PECETE_SERVER_TRUST_ANCHORS=$T/root.pem "$PECETE_BIN" serve --data "$PC_D" \
    --listen "${PC_URL#http://}" > /dev/null 2> "$T/serve2.log" &
PC_SERVE_PID=$!
for _ in $(seq 1 100); do
	curl -sf "$PC_URL/healthz" > /dev/null 2>&1 && break
	sleep 0.1
done
post "$T/foreign.pdf"
[ "$CODE" = 200 ] || { cat "$T/r.json"; fail "foreign root listed: HTTP $CODE"; }
[ "$(jq_ 'j["signatures"][0]["subIndication"] != "NO_CERTIFICATE_CHAIN_FOUND" and j["signatures"][0]["checks"]["chain"]["status"]')" = ok ] ||
    { cat "$T/r.json"; fail "foreign root listed: the chain not found"; }
ok "with the foreign root in [server] trust_anchors: its signer's chain is found ($(jq_ 'j["indication"] + "/" + (j["subIndication"] or "")'))"
curl -s "$PC_URL/metrics" | grep -qx 'pecete_validation_trust_anchors 2' ||
    fail "/metrics: pecete_validation_trust_anchors 2"
ok "/metrics counts the trust anchors (ours and one listed)"
echo PASS
