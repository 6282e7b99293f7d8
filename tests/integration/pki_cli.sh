#!/bin/bash
# pki_cli.sh: pecete cert issue/show/revoke and pki export, judged by the
# openssl command line: chain, qualified profile, authentication profile,
# refusal of bad input, CRL after revocation.
set -u
: "${PECETE_BIN:?set PECETE_BIN to the pecete program}"
command -v openssl >/dev/null || { echo "SKIP: no openssl"; exit 77; }

T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fails=0
ok() { echo "ok - $*"; }
bad() { echo "FAIL - $*"; fails=$((fails + 1)); }
check() { local what=$1; shift; if "$@"; then ok "$what"; else bad "$what"; fi; }

CNP=1800101221144
D=$T/data
"$PECETE_BIN" init --data "$D" --dev >"$T/init.out" 2>"$T/init.err" ||
	{ cat "$T/init.err"; echo "FAIL - pecete init"; exit 1; }
"$PECETE_BIN" pki export --data "$D" --out "$T/pki" >/dev/null 2>"$T/err" ||
	{ cat "$T/err"; echo "FAIL - pki export"; exit 1; }
for f in root issuing ocsp tsa; do
	check "export $f.pem" openssl x509 -in "$T/pki/$f.pem" -noout
done

# --- issue -------------------------------------------------------------
"$PECETE_BIN" cert issue --data "$D" --given-name Ion --surname Popescu \
	--cnp $CNP --email ion@example.ro --years 2 --key p256 \
	--out "$T/user.pem" --auth-out "$T/auth.pem" >"$T/issue.out" 2>"$T/err"
rc=$?
check "cert issue exits 0" test $rc -eq 0
[ $rc -eq 0 ] || cat "$T/err"
SERIAL=$(awk '$1 == "serial" { print $2 }' "$T/issue.out")
ASERIAL=$(awk '$1 == "auth-serial" { print $2 }' "$T/issue.out")
check "prints serial" test -n "$SERIAL"
check "prints auth-serial" test -n "$ASERIAL"
CS=$(openssl x509 -in "$T/user.pem" -noout -serial | cut -d= -f2)
check "serial matches the certificate" \
	test "$(echo "$CS" | tr A-F a-f | sed 's/^0*//')" = "$SERIAL"

V=$(openssl verify -CAfile "$T/pki/root.pem" -untrusted "$T/pki/issuing.pem" \
	"$T/user.pem" "$T/auth.pem" 2>&1)
check "openssl verify sign" grep -q "user.pem: OK" <<<"$V"
check "openssl verify auth" grep -q "auth.pem: OK" <<<"$V"
check "auth verifies for sslclient" openssl verify -purpose sslclient \
	-CAfile "$T/pki/root.pem" -untrusted "$T/pki/issuing.pem" "$T/auth.pem" \
	>/dev/null

TXT=$(openssl x509 -in "$T/user.pem" -noout -text)
KU=$(grep -A1 "X509v3 Key Usage" <<<"$TXT")
check "keyUsage critical" grep -q "X509v3 Key Usage: critical" <<<"$KU"
check "keyUsage is Non Repudiation only" \
	test "$(sed -n 2p <<<"$KU" | tr -d ' ')" = "NonRepudiation"
check "policy QCP-n-qscd" grep -q "Policy: 0.4.0.194112.1.2" <<<"$TXT"
check "subject serialNumber" grep -q "serialNumber = PNORO-$CNP" <<<"$TXT"
check "subject givenName" grep -q "GN = Ion" <<<"$TXT"
check "subject surname" grep -q "SN = Popescu" <<<"$TXT"
check "subject CN" grep -q "CN = Ion Popescu" <<<"$TXT"
check "subject C" grep -q "Subject: C = RO" <<<"$TXT"
check "AIA OCSP" grep -q "OCSP - URI:.*/ocsp" <<<"$TXT"
check "AIA caIssuers" grep -q "CA Issuers - URI:.*/pki/issuing.crt" <<<"$TXT"
check "CRL DP" grep -q "URI:.*/pki/issuing.crl" <<<"$TXT"
check "SAN email" grep -q "email:ion@example.ro" <<<"$TXT"
check "qcStatements present" grep -q "qcStatements" <<<"$TXT"
# open the qcStatements extension value and list its OIDs
off=$(openssl asn1parse -in "$T/user.pem" |
	awk '/:qcStatements/ { getline; split($1, a, ":"); print a[1] + 0 }')
QC=$(openssl asn1parse -in "$T/user.pem" -strparse "$off" 2>&1)
for oid in 0.4.0.1862.1.1 0.4.0.1862.1.4 0.4.0.1862.1.6 0.4.0.1862.1.6.1 \
	0.4.0.1862.1.5 1.3.6.1.5.5.7.11.2 0.4.0.194121.1.1; do
	check "QC statement $oid" grep -q "OBJECT *:$oid\$" <<<"$QC"
done
check "QcPDS URL and language" grep -q "PRINTABLESTRING *:en" <<<"$QC"

ATXT=$(openssl x509 -in "$T/auth.pem" -noout -text)
check "auth keyUsage Digital Signature" grep -A1 "Key Usage: critical" \
	<<<"$ATXT" -q
check "auth keyUsage value" grep -q "^ *Digital Signature$" <<<"$ATXT"
check "auth EKU clientAuth" grep -q "TLS Web Client Authentication" <<<"$ATXT"
check "auth not qualified" bash -c '! grep -q qcStatements <<<"$1"' _ "$ATXT"
check "auth has another key" bash -c '[ "$(openssl x509 -in "$1" -noout -pubkey)" != "$(openssl x509 -in "$2" -noout -pubkey)" ]' _ "$T/user.pem" "$T/auth.pem"

# --- passport variant --------------------------------------------------
"$PECETE_BIN" cert issue --data "$D" --given-name Ana --surname Ionescu \
	--id-type pas --id-number 055123456 --email ana@example.ro \
	--out "$T/pas.pem" >/dev/null 2>"$T/err"
check "passport issue" test $? -eq 0
check "PASRO serialNumber" bash -c \
	'openssl x509 -in "$1" -noout -subject | grep -q "serialNumber = PASRO-055123456"' \
	_ "$T/pas.pem"

# --- bad input -------------------------------------------------------------
"$PECETE_BIN" cert issue --data "$D" --given-name Ion --surname Popescu \
	--cnp 1800101221145 --email ion@example.ro --out "$T/x.pem" \
	>/dev/null 2>"$T/err"
rc=$?
check "bad CNP refused" test $rc -ne 0
check "bad CNP message" grep -q "CNP is not valid" "$T/err"
check "nothing written for bad CNP" test ! -e "$T/x.pem"
"$PECETE_BIN" cert issue --data "$D" --given-name Ion --surname Popescu \
	--cnp $CNP --email not-an-email --out "$T/x.pem" >/dev/null 2>"$T/err"
check "bad e-mail refused" test $? -ne 0
check "bad e-mail message" grep -q "e-mail" "$T/err"
"$PECETE_BIN" cert issue --data "$D" --given-name Ion --surname Popescu \
	--cnp $CNP --email ion@example.ro --years 5 --out "$T/x.pem" \
	>/dev/null 2>"$T/err"
check "--years 5 is a usage error" test $? -eq 2
"$PECETE_BIN" cert issue --data "$D" --surname Popescu --cnp $CNP \
	--email ion@example.ro --out "$T/x.pem" >/dev/null 2>"$T/err"
check "missing given name refused" test $? -ne 0

# --- show / revoke / CRL -----------------------------------------------------
"$PECETE_BIN" cert show --data "$D" "$SERIAL" >"$T/show" 2>"$T/err"
check "cert show" grep -q "^status *good" "$T/show"
check "cert show kind" grep -q "^kind *sign" "$T/show"
"$PECETE_BIN" cert revoke --data "$D" "$SERIAL" --reason keyCompromise \
	>/dev/null 2>"$T/err"
check "cert revoke" test $? -eq 0
"$PECETE_BIN" cert revoke --data "$D" "$SERIAL" --reason keyCompromise \
	>/dev/null 2>"$T/err"
check "second revoke refused" test $? -ne 0
check "second revoke message" grep -q "already revoked" "$T/err"
"$PECETE_BIN" cert revoke --data "$D" "$SERIAL" --reason bogus \
	>/dev/null 2>&1
check "bad reason is a usage error" test $? -eq 2
"$PECETE_BIN" cert show --data "$D" "$SERIAL" >"$T/show" 2>"$T/err"
check "cert show revoked" grep -q "^status *revoked" "$T/show"
check "cert show reason" grep -q "^reason *keyCompromise" "$T/show"
"$PECETE_BIN" cert show --data "$D" abcdef >/dev/null 2>&1
check "show unknown serial fails" test $? -ne 0

# revoke stored a new CRL; fetch it as a relying party would.
port=$((20000 + RANDOM % 12000))
"$PECETE_BIN" serve --data "$D" --listen 127.0.0.1:$port >"$T/serve.out" \
	2>"$T/serve.err" &
spid=$!
for i in $(seq 1 100); do
	curl -sf "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break
	sleep 0.1
done
curl -sf "http://127.0.0.1:$port/pki/issuing.crl" -o "$T/issuing.crl"
check "CRL fetched" test -s "$T/issuing.crl"
CRL=$(openssl crl -inform DER -in "$T/issuing.crl" -text -noout 2>&1)
UP=$(echo "$SERIAL" | tr a-f A-F)
check "CRL lists the serial" grep -q "Serial Number: 0*$UP" <<<"$CRL"
check "CRL reason" grep -q "Key Compromise" <<<"$CRL"
cat "$T/pki/root.pem" "$T/pki/issuing.pem" >"$T/chain.pem"
check "CRL verifies" openssl crl -inform DER -in "$T/issuing.crl" -noout \
	-CAfile "$T/chain.pem"
kill "$spid" 2>/dev/null
wait "$spid" 2>/dev/null

echo "pki_cli: $fails failed"
[ $fails -eq 0 ]
