#!/bin/bash
# websign_ltv.sh: a file that stays B-T in a B-LTA web batch.
#  - the root CRL gone from the store (the root key is offline: the node
#    cannot make another), the long-term step of a web batch fails for
#    real: the file is delivered at B-T (pecete verify --no-ocsp), the
#    API gives its level B-T and the warning ltv_failed (batch and
#    history), the audit has sign.timestamp_failed, the credential is
#    charged three transactions for it (signing_cost: the document
#    timestamp is counted, not refunded) while the batch and the history
#    count what was made: one signature, one timestamp;
#  - the root CRL made again (pecete pki crl --ca root): a file of
#    another batch is B-LTA with no warning; pecete ltv extend brings the
#    B-T file to B-LTA.
. "$PECETE_SRC/tests/support/lib.sh"
. "$PECETE_SRC/tests/support/api.sh"
pc_need --faketime curl sqlite3 openssl oathtool python3 qpdf pdfsig faketime

T=$(pc_tmpdir)
D=$T/data
# The certificates' addresses where the node will listen (pecete ltv
# extend, outside the node, fetches them).
PC_PORT=$(pc_free_port)
"$PECETE_BIN" init --data "$D" --dev --public-url "http://127.0.0.1:$PC_PORT" \
	>"$T/init.log" 2>&1 || { cat "$T/init.log"; echo "FAIL - init"; exit 1; }
DB=$D/pecete.db
"$PECETE_BIN" pki export --data "$D" --out "$T/pki" >/dev/null
pc_serve "$D"	# on a port of its own (PC_PORT is for the second)
. "$PECETE_SRC/tests/support/idv.sh"
idv_fixtures

py 'import sys
c = "BT /F1 24 Tf 80 600 Td (Hello) Tj ET"
objs = ["<< /Type /Catalog /Pages 2 0 R >>", "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /Font << /F1 << /Type /Font /Subtype /Type1 /BaseFont /Helvetica >> >> >> >>",
        "<< /Length %d >>\nstream\n%s\nendstream" % (len(c), c)]
body = "%PDF-1.7\n" + "".join("%d 0 obj\n%s\nendobj\n" % (i + 1, o) for i, o in enumerate(objs))
open(sys.argv[1] + ".raw", "w").write(body + "trailer\n<< /Root 1 0 R >>\n%%EOF\n")' "$T/a.pdf"
qpdf "$T/a.pdf.raw" "$T/a.pdf" >/dev/null 2>&1; cp "$T/a.pdf" "$T/b.pdf"
[ -s "$T/b.pdf" ] || { echo "FAIL - fixture"; exit 1; }

up() {	# up BATCH FILE
	CODE=$(curl -s -o "$T/body" -w '%{http_code}' -b "$JAR" -H "X-CSRF-Token: $CSRF" \
		-H 'Content-Type: application/octet-stream' --data-binary @"$2" \
		"$PC_URL/api/v1/sign/batches/$1/files?name=$(basename "$2")")
	BODY=$(cat "$T/body")
}
wait_done() {	# wait_done BATCH
	local i
	for i in $(seq 1 600); do
		api GET "/api/v1/sign/batches/$1"
		[ "$(jget state)" != signing ] && return 0
		sleep 0.1
	done
	return 1
}

as op
api_signup_user op.lv@example.ro +40722000998
"$PECETE_BIN" user role --data "$D" --email op.lv@example.ro --role operator >/dev/null
as ana
api_signup_user ana.lv@example.ro +40722000112
api_issued op.lv@example.ro || { echo "FAIL - issued user"; exit 1; }

# The server SECONDS ahead, on the port of the certificates' addresses.
pc_stop
AHEAD=60
pc_serve_ahead "$D" $AHEAD
code() { FAKETIME="+${AHEAD}s" LD_PRELOAD=$PC_FT_LIB oathtool --totp -b "$SECRET" "$@"; }
sign_one() {	# sign_one FILE CODE: a batch of one file signed; B set
	api POST /api/v1/sign/batches '{}'
	B=$(jget id)
	up "$B" "$1"
	api POST "/api/v1/sign/batches/$B/sign" "{\"code\":\"$2\"}"
	[ "$CODE" = 202 ] || { echo "# sign: $CODE $BODY"; return 1; }
	wait_done "$B"
}

# ---- the root CRL unavailable: the file stays B-T -------------------------------------
sql "DELETE FROM crls"	# the issuing CA's is made again online, the root's not
check "without a root CRL the node cannot answer for it" \
	[ "$(curl -s -o /dev/null -w '%{http_code}' "$PC_URL/pki/root.crl")" != 200 ]
LEFT0=$(sql "SELECT transactions_left FROM credentials WHERE serial = '$SIGN'")
sign_one "$T/a.pdf" "$(code)" || fail "the first batch"
BT=$B
check "the file is delivered (signed), the batch done" \
	[ "$(jpath 'j["state"], j["level"], j["files"][0]["state"]')" = "('done', 'B-LTA', 'signed')" ]
check "the API: the file at B-T with the warning ltv_failed" \
	[ "$(jpath 'j["files"][0]["level"], j["files"][0]["warning"]')" = "('B-T', 'ltv_failed')" ]
check "the store: the item's level B-T" [ "$(sql "SELECT level FROM sign_items WHERE batch_id = '$BT'")" = B-T ]
curl -s -o "$T/bt.pdf" -b "$JAR" "$PC_URL/api/v1/sign/batches/$BT/files/0/signed"
check "pecete verify --no-ocsp: PAdES-B-T" bash -c "'$PECETE_BIN' verify --no-ocsp --trust '$T/pki/root.pem' '$T/bt.pdf' | grep -q 'level: PAdES-B-T\$'"
check "the audit: sign.timestamp_failed" [ "$(sql "SELECT count(*) FROM audit_log WHERE event = 'sign.timestamp_failed'")" = 1 ]
check "the server log: the file stays B-T, the root's CRL did not answer" grep -q 'stays B-T: ltv_failed: no OCSP responder or CRL answered' "$D.serve.log"
grep 'stays B-T' "$D.serve.log" | sed 's/^/# /'
check "pdfsig: one signature, valid, no document timestamp" bash -c "pdfsig '$T/bt.pdf' >'$T/bt.sig' 2>&1; grep -q 'Signature is Valid' '$T/bt.sig' && ! grep -q 'Signature #2' '$T/bt.sig'"
check "charged as signing_cost says for B-LTA (3 transactions); the batch records what was made: 1 signature, 1 timestamp" \
	[ "$(sql "SELECT $LEFT0 - transactions_left FROM credentials WHERE serial = '$SIGN'") $(sql "SELECT signatures || ' ' || timestamps FROM sign_batches WHERE id = '$BT'")" = "3 1 1" ]

# ---- the root CRL made again: B-LTA --------------------------------------------------------
"$PECETE_BIN" pki crl --data "$D" --ca root --out "$T/root.crl" >"$T/crl.log" 2>&1 || { cat "$T/crl.log"; fail "pki crl --ca root"; }
sign_one "$T/b.pdf" "$(code -N 'now + 30 seconds')" || fail "the second batch"
check "another batch: its file B-LTA, no warning" \
	[ "$(jpath 'j["state"], j["files"][0]["state"], j["files"][0]["level"], j["files"][0]["warning"]')" = "('done', 'signed', 'B-LTA', None)" ]
curl -s -o "$T/lta.pdf" -b "$JAR" "$PC_URL/api/v1/sign/batches/$B/files/0/signed"
check "... pecete verify --no-ocsp: PAdES-B-LTA" bash -c "'$PECETE_BIN' verify --no-ocsp --trust '$T/pki/root.pem' '$T/lta.pdf' | grep -q 'level: PAdES-B-LTA'"
api GET /api/v1/sign/history
check "the history: each file's level, the warning on the B-T one" \
	[ "$(jpath 'sorted((b["id"] == "'"$BT"'", b["files"][0]["level"], b["files"][0]["warning"]) for b in j["batches"])')" = "[(False, 'B-LTA', None), (True, 'B-T', 'ltv_failed')]" ]
check "the history counts what was made: B-LTA 1 signature 2 timestamps, the B-T fallback 1 and 1" \
	[ "$(jpath 'sorted((b["id"] == "'"$BT"'", b["signatures"], b["timestamps"]) for b in j["batches"])')" = "[(False, 1, 2), (True, 1, 1)]" ]
api GET /api/v1/account/data
check "the data export: each signed file's level" \
	[ "$(jpath 'sorted(f["level"] for f in j["data"]["signed_files"])')" = "['B-LTA', 'B-T']" ]

# ---- pecete ltv extend: the B-T file to B-LTA ------------------------------------------
cp "$T/bt.pdf" "$T/ext.pdf"
check "pecete ltv extend on the B-T file" bash -c "'$PECETE_BIN' ltv extend --tsa '$PC_URL/tsa' '$T/ext.pdf' >'$T/ext.out' 2>&1"
check "... pecete verify --no-ocsp: PAdES-B-LTA" bash -c "'$PECETE_BIN' verify --no-ocsp --trust '$T/pki/root.pem' '$T/ext.pdf' | grep -q 'level: PAdES-B-LTA'"
check "... qpdf --check" qpdf --check "$T/ext.pdf"
check "... pdfsig: the signature still valid, a document timestamp over the whole file" bash -c "pdfsig '$T/ext.pdf' >'$T/ext.sig' 2>&1; grep -A12 'Signature #1' '$T/ext.sig' | grep -q 'Signature is Valid' && grep -A12 'Signature #2' '$T/ext.sig' | grep -q 'Total document signed'"

pc_stop
pc_done
