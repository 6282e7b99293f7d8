#!/bin/bash
# trusted_lists.sh: EU trusted lists (ETSI TS 119 612) in the validation
# service, with lists this test makes and signs itself (tests/tools/
# tl_sign, xmlsec1), served over HTTP from 127.0.0.1 (no network):
# - a LOTL signed by the key of [server] trusted_list_signers points to a
#   national list (RO) and gives its signing certificate; the list names
#   a test CA as CA/QC, granted, for signatures. A PDF signed (B-T, our
#   TSA) with a certificate of that CA (QcCompliance, QcSSCD, QcType
#   esign) is TOTAL-PASSED and a qualified electronic signature (QESig)
#   in the JSON, in the XML report (SignatureQuality, valid against the
#   TS 119 102-2 schema) and on the /validate page (Chromium,
#   tests/e2e/validate_tl.mjs); /readyz and /metrics show the lists;
# - the same CA withdrawn before the signing time (history: granted
#   before): reloaded on SIGHUP, the same PDF is not qualified (AdESig)
#   and its chain still trusted;
# - the CA granted again after a withdrawal: a certificate issued while
#   it was withdrawn is not qualified (the status at issuance counts too);
# - the national list with one byte changed in a signed element, signed
#   by another key, or signed with its services left out (an XPath
#   transform) and one changed: refused (logged, on /readyz), its CA no
#   longer a trust anchor (the chain is not found);
# - a configured list past its NextUpdate: /readyz 503 (expired); and
#   check-config refuses trusted_lists without trusted_list_signers.
set -u
. "$(dirname "$0")/sign_lib.sh.inc"
XSD="$(cd "$(dirname "$0")/../.." && pwd)/schemas/etsi/ts_119102-2_v1.3.1.xsd"
TLXSD="$(cd "$(dirname "$0")/../.." && pwd)/schemas/etsi/ts_119612v020401_xsd.xsd"
TL_SIGN=${PECETE_BUILD:-$(dirname "$PECETE_BIN")}/tests/tl_sign
for t in oathtool curl python3 xmllint openssl pdftotext pdfsig node npm /usr/bin/chromium; do
	command -v $t >/dev/null || { echo "SKIP: no $t"; exit 77; }
done
# The /validate page in Chromium (tests/e2e/validate_tl.mjs).
E2E="$(cd "$(dirname "$0")/../e2e" && pwd)"
if [ ! -d "$E2E/node_modules/playwright-core" ]; then
	npm ci --prefix "$E2E" --no-audit --no-fund --prefer-offline >/dev/null 2>&1 ||
	    fail "npm ci in tests/e2e"
fi
page() {	# page PDF RESULT: the page shows the qualification
	PC_SHOT=${PC_SHOT:+$PC_SHOT-$2.png} node "$E2E/validate_tl.mjs" "$PC_URL" "$1" "$2" > "$T/page.out" 2>&1 ||
	    { cat "$T/page.out"; fail "the /validate page: $2"; }
	N=$((N + 1))
}
[ -x "$TL_SIGN" ] || fail "no $TL_SIGN (built with the tests)"
HTTP_PID=
trap '[ -n "$HTTP_PID" ] && kill "$HTTP_PID" 2>/dev/null; sign_cleanup' EXIT

# The lists and the CA's CRL over HTTP (python's http.server: the header
# and the body in two writes, which the verifier's HTTP client must wait
# for).
mkdir -p "$T/www"
HP=$(free_port) || fail "no free port"
/usr/bin/python3 -m http.server --bind 127.0.0.1 --directory "$T/www" "$HP" \
    > "$T/http.log" 2>&1 &
HTTP_PID=$!
W="http://127.0.0.1:$HP"

# The test QTSP: its CA, a signer certificate with the QC statements
# (QcCompliance, QcSSCD, QcType esign), its CRL; the list signers.
cat > "$T/qc.cnf" <<EOC
[ca]
default_ca = qca
[qca]
dir = $T/qca
database = \$dir/index.txt
crlnumber = \$dir/crlnumber
serial = \$dir/serial
new_certs_dir = \$dir
default_md = sha256
default_crl_days = 7
policy = pol_any
[pol_any]
commonName = supplied
countryName = optional
[v3_ca]
basicConstraints=critical,CA:TRUE
keyUsage=critical,keyCertSign,cRLSign
subjectKeyIdentifier=hash
[v3_qc]
basicConstraints=critical,CA:FALSE
keyUsage=critical,nonRepudiation
subjectKeyIdentifier=hash
authorityKeyIdentifier=keyid
crlDistributionPoints=URI:$W/qca.crl
1.3.6.1.5.5.7.1.3=DER:30293008060604008e46010130080606040\
08e4601043013060604008e4601063009060704008e46010601
EOC
(
set -e
cd "$T"
mkdir -p qca && : > qca/index.txt && echo 01 > qca/crlnumber && echo 1001 > qca/serial
openssl req -x509 -newkey rsa:2048 -nodes -keyout qca.key -out qca.pem \
    -subj "/CN=Test Qualified CA/O=Test QTSP/C=RO" -days 30 \
    -config <(cat /etc/ssl/openssl.cnf qc.cnf) -extensions v3_ca
openssl req -newkey rsa:2048 -nodes -keyout qs.key -out qs.csr \
    -subj "/CN=Maria Ionescu/C=RO"
openssl x509 -req -in qs.csr -CA qca.pem -CAkey qca.key -CAcreateserial \
    -out qs.pem -days 10 -extfile qc.cnf -extensions v3_qc
openssl pkcs12 -export -inkey qs.key -in qs.pem -certfile qca.pem \
    -out qs.p12 -passout pass:s3cret
# The same, issued ten days ago (openssl ca -startdate).
openssl req -newkey rsa:2048 -nodes -keyout old.key -out old.csr \
    -subj "/CN=Elena Ionescu/C=RO"
openssl ca -batch -config qc.cnf -keyfile qca.key -cert qca.pem -in old.csr \
    -out old.pem -startdate "$(date -u -d '-10 days' +%Y%m%d%H%M%SZ)" \
    -enddate "$(date -u -d '+10 days' +%Y%m%d%H%M%SZ)" \
    -extfile qc.cnf -extensions v3_qc -notext
openssl pkcs12 -export -inkey old.key -in old.pem -certfile qca.pem \
    -out old.p12 -passout pass:s3cret
printf 's3cret\n' > pass && chmod 600 pass
openssl ca -config qc.cnf -gencrl -keyfile qca.key -cert qca.pem \
    -out qca.crl.pem
openssl crl -in qca.crl.pem -outform DER -out www/qca.crl
for s in lotlsigner tlsigner other; do
	openssl req -x509 -newkey rsa:2048 -nodes -keyout $s.key -out $s.pem \
	    -subj "/CN=Test $s/O=Test Scheme Operator/C=RO" -days 30
done
) > "$T/ca.log" 2>&1 || { cat "$T/ca.log"; fail "the test QTSP's certificates"; }
openssl x509 -in "$T/qs.pem" -noout -text | grep -q '0.4.0.1862.1.1\|qcStatements' ||
    openssl asn1parse -in "$T/qs.pem" | grep -q 'qcStatements' || fail "QC statements in the signer's certificate"

# mklist OUT KIND NEXTUPDATE_DAYS [STATUS...]: an unsigned TS 119 612 list.
# KIND lotl: points to $W/tl.xml signed by tlsigner.pem; KIND tl: one
# TSP with the test CA as CA/QC and its status history, newest first:
# STATUS is granted:-365 (status since 365 days ago) etc.
mklist() {
	/usr/bin/python3 - "$T" "$@" <<'EOP'
import base64, datetime, sys
t, out, kind, nu = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
hist = sys.argv[5:]
now = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
def iso(d): return (now + datetime.timedelta(days=d)).strftime('%Y-%m-%dT%H:%M:%SZ')
def b64(p):
    pem = open(t + '/' + p).read()
    return ''.join(l for l in pem.splitlines() if '-----' not in l)
ST = 'http://uri.etsi.org/TrstSvc/TrustedList/Svcstatus/'
EXT = 'http://uri.etsi.org/TrstSvc/TrustedList/SvcInfoExt/'
def svcinfo(tag, status, since):
    return f'''<tsl:{tag}>
<tsl:ServiceTypeIdentifier>http://uri.etsi.org/TrstSvc/Svctype/CA/QC</tsl:ServiceTypeIdentifier>
<tsl:ServiceName><tsl:Name xml:lang="en">Test Qualified CA</tsl:Name></tsl:ServiceName>
<tsl:ServiceDigitalIdentity><tsl:DigitalId><tsl:X509Certificate>{b64("qca.pem")}</tsl:X509Certificate></tsl:DigitalId></tsl:ServiceDigitalIdentity>
<tsl:ServiceStatus>{ST}{status}</tsl:ServiceStatus>
<tsl:StatusStartingTime>{iso(since)}</tsl:StatusStartingTime>
<tsl:ServiceInformationExtensions>
<tsl:Extension Critical="true"><ecc:Qualifications xmlns:ecc="http://uri.etsi.org/TrstSvc/SvcInfoExt/eSigDir-1999-93-EC-TrustedList/#">
<ecc:QualificationElement><ecc:Qualifiers><ecc:Qualifier uri="{EXT}QCQSCDStatusAsInCert"/></ecc:Qualifiers>
<ecc:CriteriaList assert="atLeastOne"><ecc:KeyUsage><ecc:KeyUsageBit name="nonRepudiation">true</ecc:KeyUsageBit></ecc:KeyUsage></ecc:CriteriaList>
</ecc:QualificationElement></ecc:Qualifications></tsl:Extension>
<tsl:Extension Critical="false"><tsl:AdditionalServiceInformation><tsl:URI xml:lang="en">{EXT}ForeSignatures</tsl:URI></tsl:AdditionalServiceInformation></tsl:Extension>
</tsl:ServiceInformationExtensions>
</tsl:{tag}>'''
if kind == 'lotl':
    tsltype = 'http://uri.etsi.org/TrstSvc/TrustedList/TSLType/EUlistofthelists'
    territory = 'EU'
    pointers = f'''<tsl:PointersToOtherTSL><tsl:OtherTSLPointer>
<tsl:ServiceDigitalIdentities><tsl:ServiceDigitalIdentity><tsl:DigitalId><tsl:X509Certificate>{b64("tlsigner.pem")}</tsl:X509Certificate></tsl:DigitalId></tsl:ServiceDigitalIdentity></tsl:ServiceDigitalIdentities>
<tsl:TSLLocation>{sys.argv[0] and open(t + "/tl-url").read().strip()}</tsl:TSLLocation>
<tsl:AdditionalInformation>
<tsl:OtherInformation><tsl:TSLType>http://uri.etsi.org/TrstSvc/TrustedList/TSLType/EUgeneric</tsl:TSLType></tsl:OtherInformation>
<tsl:OtherInformation><tsl:SchemeTerritory>RO</tsl:SchemeTerritory></tsl:OtherInformation>
<tsl:OtherInformation><ns3:MimeType xmlns:ns3="http://uri.etsi.org/02231/v2/additionaltypes#">application/vnd.etsi.tsl+xml</ns3:MimeType></tsl:OtherInformation>
</tsl:AdditionalInformation></tsl:OtherTSLPointer></tsl:PointersToOtherTSL>'''
    tsps = ''
else:
    tsltype = 'http://uri.etsi.org/TrstSvc/TrustedList/TSLType/EUgeneric'
    territory = 'RO'
    pointers = ''
    cur = hist[0].split(':')
    h = ''.join(svcinfo('ServiceHistoryInstance', *[x if i == 0 else int(x) for i, x in enumerate(s.split(':'))]) for s in hist[1:])
    h = h.replace('<tsl:ServiceHistoryInstance>', '<tsl:ServiceHistoryInstance>', 1)
    tsps = f'''<tsl:TrustServiceProviderList><tsl:TrustServiceProvider>
<tsl:TSPInformation><tsl:TSPName><tsl:Name xml:lang="en">Test QTSP</tsl:Name></tsl:TSPName>
<tsl:TSPAddress><tsl:PostalAddresses><tsl:PostalAddress xml:lang="en"><tsl:StreetAddress>Str. Test 1</tsl:StreetAddress><tsl:Locality>Bucuresti</tsl:Locality><tsl:CountryName>RO</tsl:CountryName></tsl:PostalAddress></tsl:PostalAddresses>
<tsl:ElectronicAddress><tsl:URI xml:lang="en">mailto:qtsp@example.ro</tsl:URI></tsl:ElectronicAddress></tsl:TSPAddress>
<tsl:TSPInformationURI><tsl:URI xml:lang="en">https://qtsp.example.ro/</tsl:URI></tsl:TSPInformationURI></tsl:TSPInformation>
<tsl:TSPServices><tsl:TSPService>
{svcinfo('ServiceInformation', cur[0], int(cur[1]))}
{'<tsl:ServiceHistory>' + h + '</tsl:ServiceHistory>' if h else ''}
</tsl:TSPService></tsl:TSPServices>
</tsl:TrustServiceProvider></tsl:TrustServiceProviderList>'''
doc = f'''<?xml version="1.0" encoding="UTF-8"?>
<tsl:TrustServiceStatusList xmlns:tsl="http://uri.etsi.org/02231/v2#" xmlns:ds="http://www.w3.org/2000/09/xmldsig#" Id="tsl" TSLTag="http://uri.etsi.org/19612/TSLTag">
<tsl:SchemeInformation>
<tsl:TSLVersionIdentifier>5</tsl:TSLVersionIdentifier>
<tsl:TSLSequenceNumber>7</tsl:TSLSequenceNumber>
<tsl:TSLType>{tsltype}</tsl:TSLType>
<tsl:SchemeOperatorName><tsl:Name xml:lang="en">Test Scheme Operator</tsl:Name></tsl:SchemeOperatorName>
<tsl:SchemeOperatorAddress><tsl:PostalAddresses><tsl:PostalAddress xml:lang="en"><tsl:StreetAddress>Str. Test 2</tsl:StreetAddress><tsl:Locality>Bucuresti</tsl:Locality><tsl:CountryName>RO</tsl:CountryName></tsl:PostalAddress></tsl:PostalAddresses>
<tsl:ElectronicAddress><tsl:URI xml:lang="en">mailto:tl@example.ro</tsl:URI></tsl:ElectronicAddress></tsl:SchemeOperatorAddress>
<tsl:SchemeName><tsl:Name xml:lang="en">{territory}:Test trusted list</tsl:Name></tsl:SchemeName>
<tsl:SchemeInformationURI><tsl:URI xml:lang="en">https://tl.example.ro/</tsl:URI></tsl:SchemeInformationURI>
<tsl:StatusDeterminationApproach>http://uri.etsi.org/TrstSvc/TrustedList/StatusDetn/EUappropriate</tsl:StatusDeterminationApproach>
<tsl:SchemeTypeCommunityRules><tsl:URI xml:lang="en">http://uri.etsi.org/TrstSvc/TrustedList/schemerules/EUcommon</tsl:URI></tsl:SchemeTypeCommunityRules>
<tsl:SchemeTerritory>{territory}</tsl:SchemeTerritory>
<tsl:PolicyOrLegalNotice><tsl:TSLLegalNotice xml:lang="en">Test list.</tsl:TSLLegalNotice></tsl:PolicyOrLegalNotice>
<tsl:HistoricalInformationPeriod>65535</tsl:HistoricalInformationPeriod>
{pointers}
<tsl:ListIssueDateTime>{iso(-2 if nu > 0 else nu - 30)}</tsl:ListIssueDateTime>
<tsl:NextUpdate><tsl:dateTime>{iso(nu)}</tsl:dateTime></tsl:NextUpdate>
</tsl:SchemeInformation>
{tsps}
</tsl:TrustServiceStatusList>
'''
open(out, 'w').write(doc)
EOP
}
# sign_list IN OUT SIGNER: signed with SIGNER.key, its certificate in
# KeyInfo; the signed list is valid TS 119 612 (schema).
sign_list() {
	"$TL_SIGN" "$T/$3.key" "$T/$3.pem" "$1" "$2" > "$T/tlsign.log" 2>&1 ||
	    { cat "$T/tlsign.log"; fail "tl_sign $2"; }
	xmllint --noout --schema "$TLXSD" "$2" 2> "$T/tlxsd.err" ||
	    { cat "$T/tlxsd.err"; fail "$2 is not a valid TS 119 612 list"; }
}
echo "$W/tl.xml" > "$T/tl-url"
mklist "$T/lotl.u.xml" lotl 30 || fail "mklist lotl"
sign_list "$T/lotl.u.xml" "$T/www/lotl.xml" lotlsigner
mklist "$T/granted.u.xml" tl 30 granted:-365 || fail "mklist granted"
sign_list "$T/granted.u.xml" "$T/granted.xml" tlsigner
mklist "$T/withdrawn.u.xml" tl 30 withdrawn:-1 granted:-365 || fail "mklist withdrawn"
sign_list "$T/withdrawn.u.xml" "$T/withdrawn.xml" tlsigner
sign_list "$T/granted.u.xml" "$T/otherkey.xml" other
mklist "$T/regranted.u.xml" tl 30 granted:-1 withdrawn:-365 || fail "mklist regranted"
sign_list "$T/regranted.u.xml" "$T/regranted.xml" tlsigner
# Signed by the right key, but the services left out of what is signed
# (an XPath transform), then one of them changed: still "verifies" for a
# verifier that allows XPath.
"$TL_SIGN" "$T/tlsigner.key" "$T/tlsigner.pem" "$T/withdrawn.u.xml" "$T/hole0.xml" hole \
    > "$T/tlsign.log" 2>&1 || { cat "$T/tlsign.log"; fail "tl_sign hole"; }
sed "s|Svcstatus/withdrawn<|Svcstatus/granted<|" "$T/hole0.xml" > "$T/hole.xml"
cmp -s "$T/hole0.xml" "$T/hole.xml" && fail "hole list: nothing changed"
mklist "$T/expired.u.xml" tl -1 granted:-365 || fail "mklist expired"
sign_list "$T/expired.u.xml" "$T/expired.xml" lotlsigner
# One byte of a signed element changed: the service's name.
sed 's/Test Qualified CA</Test Qualified CB</' "$T/granted.xml" > "$T/broken.xml"
cmp -s "$T/granted.xml" "$T/broken.xml" && fail "broken list: nothing changed"
cp "$T/granted.xml" "$T/www/tl.xml"
ok "a LOTL and national lists made and signed (valid against the TS 119 612 schema)"

export PECETE_SERVER_TRUSTED_LISTS="$W/lotl.xml"
export PECETE_SERVER_TRUSTED_LIST_SIGNERS="$T/lotlsigner.pem"
start_pecete
grep -q "trusted list $W/tl.xml: list RO sequence 7, 1 services, signature verified" "$T/pc-serve.log" ||
    { cat "$T/pc-serve.log"; fail "the national list not loaded from the LOTL"; }
ok "serve: the LOTL loaded, the national list it points to loaded with the certificate it gives"

N=0
post() {	# post FILE: CODE and $T/r.json
	CODE=$(curl -s -o "$T/r.json" -w '%{http_code}' --interface "127.0.0.$((N % 200 + 10))" \
	    -H 'Content-Type: application/octet-stream' --data-binary @"$1" \
	    "$PC_URL/api/v1/validate")
	N=$((N + 1))
}
# jq_ EXPR: Python over the JSON report j; q is the first signature's
# qualification ({} when none).
jq_() { /usr/bin/python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); q=((j.get("signatures") or [{}])[0].get("qualification") or {}); print(eval(sys.argv[2]))' "$T/r.json" "$1"; }
xml_quality() {	# xml_quality FILE: the first signature's SignatureQualityInformation
	local code
	code=$(curl -s -o "$T/r.xml" -w '%{http_code}' --interface "127.0.0.$((N % 200 + 10))" \
	    -H 'Content-Type: application/octet-stream' --data-binary @"$1" \
	    "$PC_URL/api/v1/validate?format=xml")
	N=$((N + 1))
	[ "$code" = 200 ] || { cat "$T/r.xml"; fail "XML report: HTTP $code"; }
	xmllint --noout --schema "$XSD" "$T/r.xml" 2> "$T/xsd.err" ||
	    { cat "$T/xsd.err"; fail "the XML report does not validate"; }
	xmllint --xpath 'string(//*[local-name()="SignatureValidationReport"][1]/*[local-name()="SignatureQuality"]/*[local-name()="SignatureQualityInformation"])' "$T/r.xml"
}

make_pdf "$T/doc.pdf" 1
"$PECETE_BIN" sign --p12 "$T/qs.p12" --pass-file "$T/pass" --level B-T \
    --tsa "$TSA_URL" "$T/doc.pdf" "$T/qes.pdf" > "$T/s.out" 2>&1 ||
    { cat "$T/s.out"; fail "sign with the QC certificate"; }
post "$T/qes.pdf"
[ "$CODE" = 200 ] || { cat "$T/r.json"; fail "validate: HTTP $CODE"; }
[ "$(jq_ 'j["signatures"][0]["indication"]')" = TOTAL-PASSED ] ||
    { cat "$T/r.json"; fail "the QC signature: not TOTAL-PASSED"; }
[ "$(jq_ '(q["result"], q["qualified"], q["qc"], q["qscd"], q["type"], q["territory"], q["status"].rsplit("/",1)[1])')" = \
    "('QESig', True, True, True, 'esig', 'RO', 'granted')" ] ||
    { cat "$T/r.json"; fail "JSON: not a qualified electronic signature"; }
ok "a PDF signed with the listed CA's QC: TOTAL-PASSED, JSON qualification QESig (granted, QC, QSCD, esig, RO)"
[ "$(xml_quality "$T/qes.pdf")" = urn:cef:dss:signatureQualification:QESig ] ||
    { cat "$T/r.xml"; fail "XML: SignatureQuality not QESig"; }
ok "... the XML report validates and its SignatureQuality is urn:cef:dss:signatureQualification:QESig"
page "$T/qes.pdf" QESig
# pecete verify --pdf-report loads the lists itself: the sealed report
# says QESig too.
PECETE_SERVER_LISTEN="${PC_URL#http://}" "$PECETE_BIN" verify "$T/qes.pdf" --pdf-report "$T/qes-report.pdf" \
    --data "$PC_D" --lang en > "$T/qes-report.out" 2> "$T/qes-report.err" ||
    { cat "$T/qes-report.err"; fail "pecete verify --pdf-report: not TOTAL-PASSED"; }
pdftotext "$T/qes-report.pdf" - 2>/dev/null | tr -s ' \n' '  ' > "$T/qes-report.txt"
grep -q 'Qualification QESig' "$T/qes-report.txt" && pdfsig "$T/qes-report.pdf" 2>&1 | grep -q 'Signature is Valid' ||
    { cat "$T/qes-report.txt"; fail "pecete verify --pdf-report: the sealed report without QESig"; }
ok "pecete verify --pdf-report with the lists: the sealed report says QESig (pdftotext), its seal valid (pdfsig)"
ok "... the /validate page (Chromium) shows it: $(sed -n 's/^ok [0-9]* - //p' "$T/page.out")"

curl -s -o "$T/ready.json" -w '%{http_code}\n' "$PC_URL/readyz" > "$T/ready.code"
[ "$(cat "$T/ready.code")" = 200 ] || { cat "$T/ready.json"; fail "/readyz with current lists"; }
/usr/bin/python3 - "$T/ready.json" "$W" <<'EOP' || { cat "$T/ready.json"; fail "/readyz: the lists"; }
import json, sys
v = json.load(open(sys.argv[1]))['validation']
w = sys.argv[2]
assert v['status'] == 'ok' and v['trust_anchors'] >= 2, v
l = {x['source']: x for x in v['trusted_lists']}
assert l[w + '/lotl.xml']['kind'] == 'lotl' and l[w + '/lotl.xml']['configured'], l
t = l[w + '/tl.xml']
assert t['status'] == 'ok' and t['territory'] == 'RO' and t['anchors'] == 1, t
assert 2 * 86400 - 600 < t['age_s'] < 2 * 86400 + 600 and t['next_update'].endswith('Z'), t
EOP
ok "/readyz: ready, the LOTL and the list with age, next update and anchors"
curl -s "$PC_URL/metrics" > "$T/metrics"
grep -qx "pecete_trusted_list_anchors{list=\"$W/tl.xml\"} 1" "$T/metrics" &&
    grep -qx "pecete_trusted_list_ok{list=\"$W/lotl.xml\"} 1" "$T/metrics" &&
    grep -q "^pecete_trusted_list_age_seconds{list=\"$W/tl.xml\"} 17[0-9]\{4\}$" "$T/metrics" &&
    grep -q "^pecete_trusted_list_next_update_timestamp_seconds{list=\"$W/tl.xml\"} [0-9]\{10\}$" "$T/metrics" &&
    grep -qx "pecete_validation_trust_anchors 2" "$T/metrics" ||
    { grep trust "$T/metrics"; fail "/metrics: the lists' gauges"; }
ok "/metrics: per list ok, age, next update, anchors; 2 trust anchors (ours and the list's CA)"

# reload: SIGHUP, then wait for the log line of the list's new state.
reload() {	# reload PATTERN
	local n
	n=$(grep -c "trusted list $W/tl.xml" "$T/pc-serve.log")
	kill -HUP "$PC_SERVE_PID"
	for _ in $(seq 1 100); do
		[ "$(grep -c "trusted list $W/tl.xml" "$T/pc-serve.log")" -gt "$n" ] && break
		sleep 0.1
	done
	tail -n +1 "$T/pc-serve.log" | grep "trusted list $W/tl.xml" | tail -1 | grep -q "$1" ||
	    { tail -5 "$T/pc-serve.log"; fail "reload: want $1"; }
}

cp "$T/withdrawn.xml" "$T/www/tl.xml"
reload "signature verified"
post "$T/qes.pdf"
[ "$(jq_ '(j["signatures"][0]["indication"], q["result"], q["qualified"], q["status"].rsplit("/",1)[1], j["signatures"][0]["checks"]["chain"]["status"])')" = \
    "('TOTAL-PASSED', 'AdESig', False, 'withdrawn', 'ok')" ] ||
    { cat "$T/r.json"; fail "withdrawn before the signing time: still qualified?"; }
jq_ 'q["reason"]' | grep -q "status in the trusted list was withdrawn" ||
    fail "the reason names the withdrawn status"
[ "$(xml_quality "$T/qes.pdf")" = urn:cef:dss:signatureQualification:AdESig ] ||
    { cat "$T/r.xml"; fail "XML: withdrawn, SignatureQuality not AdESig"; }
page "$T/qes.pdf" AdESig
ok "the CA withdrawn (SIGHUP reload) before the signing time: AdESig, not qualified (JSON, XML, the page); its chain still trusted"

# Granted again since yesterday, withdrawn before: a certificate issued
# ten days ago, while it was withdrawn, is not qualified now.
"$PECETE_BIN" sign --p12 "$T/old.p12" --pass-file "$T/pass" --level B-T \
    --tsa "$TSA_URL" "$T/doc.pdf" "$T/old.pdf" > "$T/s.out" 2>&1 ||
    { cat "$T/s.out"; fail "sign with the certificate of ten days ago"; }
cp "$T/regranted.xml" "$T/www/tl.xml"
reload "signature verified"
post "$T/qes.pdf"
[ "$(jq_ 'q["result"]')" = QESig ] || { cat "$T/r.json"; fail "granted again: a certificate of today not QESig"; }
post "$T/old.pdf"
[ "$(jq_ '(j["signatures"][0]["indication"], q["result"], q["qualified"], q["status"].rsplit("/",1)[1])')" = \
    "('TOTAL-PASSED', 'AdESig', False, 'granted')" ] ||
    { cat "$T/r.json"; fail "a certificate issued while its CA was withdrawn: qualified?"; }
jq_ 'q["reason"]' | grep -q "not qualified when it was issued" ||
    { cat "$T/r.json"; fail "the reason names the issuance"; }
ok "the CA granted again since yesterday: a certificate of today QESig, one issued while it was withdrawn AdESig"

for bad in broken otherkey hole; do
	cp "$T/$bad.xml" "$T/www/tl.xml"
	reload "refused: its XML signature does not verify"
	post "$T/qes.pdf"
	[ "$(jq_ 'j["signatures"][0]["checks"]["chain"]["status"]')" != ok ] ||
	    { cat "$T/r.json"; fail "$bad list: its CA still a trust anchor"; }
	[ "$(jq_ 'q["qualified"]')" = False ] ||
	    fail "$bad list: qualified"
	curl -s "$PC_URL/readyz" > "$T/ready.json"
	/usr/bin/python3 - "$T/ready.json" "$W" <<'EOP' || { cat "$T/ready.json"; fail "/readyz: the refused list"; }
import json, sys
v = json.load(open(sys.argv[1]))['validation']
t = [x for x in v['trusted_lists'] if x['source'] == sys.argv[2] + '/tl.xml'][0]
assert t['status'] == 'refused' and 'signature does not verify' in t['error'] and t['anchors'] == 0, t
EOP
done
! grep -q "func=xmlSec" "$T/pc-serve.log" ||
    fail "xmlsec's own error lines in the server's log (PC_DEBUG=validate only)"
ok "a list with a byte changed in a signed element, one signed by another key, one whose signature leaves the services out (XPath): refused (log, /readyz), its CA not trusted"

# A configured list past its NextUpdate: not ready.
kill "$PC_SERVE_PID" 2>/dev/null
wait "$PC_SERVE_PID" 2>/dev/null
PC_SERVE_PID=
PECETE_SERVER_TRUSTED_LIST_SIGNERS= "$PECETE_BIN" check-config --data "$PC_D" > "$T/cc.out" 2>&1 &&
    fail "check-config: trusted_lists without signers"
grep -q "trusted_list_signers" "$T/cc.out" || { cat "$T/cc.out"; fail "check-config: why"; }
PECETE_SERVER_TRUSTED_LISTS="$T/expired.xml" "$PECETE_BIN" serve --data "$PC_D" \
    --listen "${PC_URL#http://}" > /dev/null 2> "$T/serve2.log" &
PC_SERVE_PID=$!
for _ in $(seq 1 100); do
	curl -sf "$PC_URL/healthz" > /dev/null 2>&1 && break
	sleep 0.1
done
CODE=$(curl -s -o "$T/ready.json" -w '%{http_code}' "$PC_URL/readyz")
[ "$CODE" = 503 ] || { cat "$T/ready.json"; fail "/readyz with an expired list: $CODE"; }
/usr/bin/python3 - "$T/ready.json" <<'EOP' || { cat "$T/ready.json"; fail "/readyz: the expired list"; }
import json, sys
j = json.load(open(sys.argv[1]))
v = j['validation']
assert j['status'] == 'not_ready' and v['status'] == 'failing', j
assert v['trusted_lists'][0]['status'] == 'expired' and v['trusted_lists'][0]['anchors'] == 0, v
EOP
grep -q "expired (next update was due" "$T/serve2.log" || fail "the expired list not logged"
ok "a configured list past its NextUpdate: /readyz 503 (expired, logged); check-config wants trusted_list_signers"
echo PASS
