#!/usr/bin/env bash
# pecete pki crl: the offline renewal of the root CRL. The new CRL has a
# higher number, verifies against the root, and is what the server serves.
. "${PECETE_SRC:?}/tests/support/lib.sh"
T=$(pc_tmpdir)
pc_init "$T/d" --dev
"$PECETE_BIN" pki export --data "$T/d" --out "$T/pem" >/dev/null
check "root CRL renewed" "$PECETE_BIN" pki crl --data "$T/d" --out "$T/r.crl"
num=$(openssl crl -inform DER -in "$T/r.crl" -noout -crlnumber | sed 's/.*=//; s/^0x//')
[ -n "$num" ] || num=0
check "CRL number went up (0x$num)" [ $((16#$num)) -ge 2 ]
check "root CRL verifies" openssl crl -inform DER -in "$T/r.crl" -noout -CAfile "$T/pem/root.pem"
check "bad --ca refused" bash -c "! '$PECETE_BIN' pki crl --data '$T/d' --ca tsa 2>/dev/null"
pc_serve "$T/d"
curl -s -o "$T/served.crl" "$PC_URL/pki/root.crl"
check "server serves the renewed root CRL" cmp -s "$T/r.crl" "$T/served.crl"
check "renewal audited, chain intact" "$PECETE_BIN" audit verify --data "$T/d"
pc_done
