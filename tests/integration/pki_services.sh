#!/bin/bash
# pki_services.sh: the public trust services of pecete serve, judged by
# openssl and curl: OCSP (POST and GET, nonce, good then revoked), RFC 3161
# time-stamps (verify, unique serials), CA certificates and CRLs, and
# hostile requests (garbage, truncated, oversized) that must get protocol
# errors while the server keeps serving.
set -u
: "${PECETE_BIN:?set PECETE_BIN to the pecete program}"
for t in openssl curl base64; do
	command -v $t >/dev/null || { echo "SKIP: no $t"; exit 77; }
done

T=$(mktemp -d)
spid=
cleanup() {
	[ -n "$spid" ] && kill "$spid" 2>/dev/null && wait "$spid" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
fails=0
ok() { echo "ok - $*"; }
bad() { echo "FAIL - $*"; fails=$((fails + 1)); }
check() { local what=$1; shift; if "$@"; then ok "$what"; else bad "$what"; fi; }

D=$T/data
"$PECETE_BIN" init --data "$D" --dev >"$T/init.out" 2>"$T/init.err" ||
	{ cat "$T/init.err"; echo "FAIL - pecete init"; exit 1; }
"$PECETE_BIN" pki export --data "$D" --out "$T/pki" >/dev/null 2>&1 ||
	{ echo "FAIL - pki export"; exit 1; }
"$PECETE_BIN" cert issue --data "$D" --given-name Maria --surname Ionescu \
	--cnp 2960215401234 --email maria@example.ro --out "$T/user.pem" \
	--auth-out "$T/auth.pem" >"$T/issue.out" 2>"$T/err" ||
	{ cat "$T/err"; echo "FAIL - cert issue"; exit 1; }
SERIAL=$(awk '$1 == "serial" { print $2 }' "$T/issue.out")

# --- start the server on a free port -------------------------------------------
for attempt in 1 2 3 4 5; do
	port=$((20000 + RANDOM % 12000))
	"$PECETE_BIN" serve --data "$D" --listen 127.0.0.1:$port \
		>"$T/serve.out" 2>"$T/serve.err" &
	spid=$!
	up=0
	for i in $(seq 1 100); do
		if curl -sf "http://127.0.0.1:$port/healthz" >/dev/null 2>&1; then
			up=1
			break
		fi
		kill -0 "$spid" 2>/dev/null || break
		sleep 0.1
	done
	[ $up -eq 1 ] && break
	kill "$spid" 2>/dev/null
	wait "$spid" 2>/dev/null
	spid=
done
if [ -z "$spid" ]; then
	cat "$T/serve.err"
	echo "FAIL - pecete serve did not start"
	exit 1
fi
check "serve prints its URL" grep -q "listening on http://127.0.0.1:$port" \
	"$T/serve.out"
U=http://127.0.0.1:$port

# --- CA certificates and CRLs --------------------------------------------------
curl -sf "$U/pki/root.crt" -o "$T/root.der"
check "root.crt is DER" openssl x509 -inform DER -in "$T/root.der" -noout
check "root.crt is our root" test \
	"$(openssl x509 -inform DER -in "$T/root.der" -noout -fingerprint -sha256)" = \
	"$(openssl x509 -in "$T/pki/root.pem" -noout -fingerprint -sha256)"
curl -sf "$U/pki/issuing.crt" -o "$T/issuing.der"
check "issuing.crt is DER" openssl x509 -inform DER -in "$T/issuing.der" -noout
curl -sf "$U/pki/root.crl" -o "$T/root.crl"
check "root.crl is DER" openssl crl -inform DER -in "$T/root.crl" -noout

# --- OCSP ---------------------------------------------------------------------
ocsp() {
	openssl ocsp -issuer "$T/pki/issuing.pem" -cert "$1" -url "$U/ocsp" \
		-CAfile "$T/pki/root.pem" 2>&1
}
O=$(ocsp "$T/user.pem")
check "OCSP good" grep -q "user.pem: good" <<<"$O"
check "OCSP response verifies" grep -q "Response verify OK" <<<"$O"
check "OCSP nonce echoed" bash -c '! grep -qi "no nonce" <<<"$1"' _ "$O"
O=$(ocsp "$T/auth.pem")
check "OCSP good (auth)" grep -q "auth.pem: good" <<<"$O"

# GET: /ocsp/<url-encoded base64 of the DER request>
openssl ocsp -issuer "$T/pki/issuing.pem" -cert "$T/user.pem" -no_nonce \
	-reqout "$T/oq.der" >/dev/null 2>&1
B=$(base64 -w0 "$T/oq.der")
E=$(printf %s "$B" | sed 's/+/%2B/g; s/\//%2F/g; s/=/%3D/g')
code=$(curl -s -o "$T/og.der" -w '%{http_code}' "$U/ocsp/$E")
check "OCSP GET 200" test "$code" = 200
G=$(openssl ocsp -respin "$T/og.der" -issuer "$T/pki/issuing.pem" \
	-cert "$T/user.pem" -CAfile "$T/pki/root.pem" -no_nonce 2>&1)
check "OCSP GET good" grep -q "user.pem: good" <<<"$G"

"$PECETE_BIN" cert revoke --data "$D" "$SERIAL" --reason superseded \
	>/dev/null 2>"$T/err"
check "revoke" test $? -eq 0
O=$(ocsp "$T/user.pem")
check "OCSP revoked" grep -q "user.pem: revoked" <<<"$O"
check "OCSP revoked reason" grep -q "Reason: superseded" <<<"$O"
check "OCSP revoked verifies" grep -q "Response verify OK" <<<"$O"
O=$(ocsp "$T/auth.pem")
check "the authentication certificate revoked with it" grep -q "auth.pem: revoked" <<<"$O"
check "... same reason" grep -q "Reason: superseded" <<<"$O"

curl -sf "$U/pki/issuing.crl" -o "$T/issuing.crl"
C=$(openssl crl -inform DER -in "$T/issuing.crl" -text -noout 2>&1)
check "CRL lists the revoked serial" grep -q \
	"Serial Number: 0*$(echo "$SERIAL" | tr a-f A-F)" <<<"$C"

# --- TSA ----------------------------------------------------------------------
head -c 5000 /dev/urandom >"$T/doc.bin"
openssl ts -query -data "$T/doc.bin" -sha256 -cert -out "$T/q.tsq" 2>/dev/null
tsa() {
	curl -s -o "$2" -w '%{http_code}' --data-binary @"$1" \
		-H 'Content-Type: application/timestamp-query' "$U/tsa"
}
check "TSA 200" test "$(tsa "$T/q.tsq" "$T/r1.tsr")" = 200
tsa "$T/q.tsq" "$T/r2.tsr" >/dev/null
check "TSA reply verifies" bash -c 'openssl ts -verify -data "$1" -in "$2" \
	-CAfile "$3" -untrusted "$4" 2>&1 | grep -q "Verification: OK"' _ \
	"$T/doc.bin" "$T/r1.tsr" "$T/pki/root.pem" "$T/pki/tsa.pem"
R1=$(openssl ts -reply -in "$T/r1.tsr" -text 2>/dev/null)
R2=$(openssl ts -reply -in "$T/r2.tsr" -text 2>/dev/null)
S1=$(grep "^Serial number:" <<<"$R1")
S2=$(grep "^Serial number:" <<<"$R2")
check "TSA granted" grep -q "Status: Granted" <<<"$R1"
check "TSA serials differ" test -n "$S1" -a "$S1" != "$S2"
check "TSA nonce" grep -q "^Nonce: 0x" <<<"$R1"
check "TSA accuracy" grep -q "^Accuracy: " <<<"$R1"
check "TSA policy" grep -q "^Policy OID: " <<<"$R1"
openssl ts -query -data "$T/doc.bin" -sha256 -cert -out "$T/q2.tsq" 2>/dev/null
tsa "$T/q2.tsq" "$T/r3.tsr" >/dev/null
check "TSA reply verifies with the query" bash -c 'openssl ts -verify \
	-queryfile "$1" -in "$2" -CAfile "$3" -untrusted "$4" 2>&1 |
	grep -q "Verification: OK"' _ "$T/q2.tsq" "$T/r3.tsr" \
	"$T/pki/root.pem" "$T/pki/tsa.pem"

# --- hostile requests -------------------------------------------------------
head -c 700 /dev/urandom >"$T/garbage"
n=$(stat -c %s "$T/oq.der")
head -c $((n / 2)) "$T/oq.der" >"$T/ocsp.trunc"
n=$(stat -c %s "$T/q.tsq")
head -c $((n - 3)) "$T/q.tsq" >"$T/tsq.trunc"
head -c 200000 /dev/urandom >"$T/big"

for f in garbage ocsp.trunc; do
	code=$(curl -s -o "$T/o.$f" -w '%{http_code}' --data-binary @"$T/$f" \
		-H 'Content-Type: application/ocsp-request' "$U/ocsp")
	check "OCSP $f: HTTP 200" test "$code" = 200
	check "OCSP $f: malformedRequest" bash -c 'openssl ocsp -respin "$1" \
		-resp_text -noverify 2>&1 | grep -q "malformedrequest"' _ \
		"$T/o.$f"
done
code=$(curl -s -o "$T/o.get" -w '%{http_code}' "$U/ocsp/bm90LWRlcg%3D%3D")
check "OCSP GET garbage: malformedRequest" bash -c 'openssl ocsp -respin "$1" \
	-resp_text -noverify 2>&1 | grep -q "malformedrequest"' _ "$T/o.get"
for f in garbage tsq.trunc; do
	code=$(tsa "$T/$f" "$T/t.$f")
	check "TSA $f: HTTP 200" test "$code" = 200
	check "TSA $f: rejection" bash -c 'openssl ts -reply -in "$1" -text \
		2>&1 | grep -q "Status: Rejected"' _ "$T/t.$f"
	check "TSA $f: badDataFormat" bash -c 'openssl ts -reply -in "$1" \
		-text 2>&1 | grep -q "wrong format"' _ "$T/t.$f"
done
# Oversized bodies (200 KB, over the route limits and pki.*_max_request) are
# refused by the HTTP layer before they are read: 413.
code=$(curl -s -o /dev/null -w '%{http_code}' --data-binary @"$T/big" \
	-H 'Content-Type: application/ocsp-request' "$U/ocsp")
check "OCSP oversized: 413" test "$code" = 413
code=$(curl -s -o /dev/null -w '%{http_code}' --data-binary @"$T/big" \
	-H 'Content-Type: application/timestamp-query' "$U/tsa")
check "TSA oversized: 413" test "$code" = 413

check "healthz after hostile requests" curl -sf "$U/healthz" -o /dev/null
O=$(ocsp "$T/auth.pem")
check "OCSP still answers" grep -q "auth.pem: revoked" <<<"$O"
check "server still running" kill -0 "$spid"

echo "pki_services: $fails failed"
[ $fails -eq 0 ]
