#!/bin/bash
# websign_api.sh: signing in the browser (J9) through the API:
#  - a batch needs a certificate; files uploaded and checked at once: an
#    encrypted and an XFA PDF refused with the engine's code next to them,
#    the others ready; a page rendered as PNG with the page's size;
#  - a visible box checked against the page, drawn where it was put
#    (pdftoppm: pixels change inside the box, not outside);
#  - before the code: not enough transactions refused, nothing counted; a
#    wrong code refused before any work on the files (no hash prepared,
#    the batch untouched), nothing counted, the failure counted once by
#    the signer; the right code used once, by the signer;
#  - one code signs every ready file: PDFs PAdES B-LTA, the default
#    (pdfsig valid, qpdf --check, pecete verify: B-LTA), the .docx as a
#    CAdES B-LTA .p7s (openssl cms -verify against the chain); three
#    transactions per file (a PDF's document timestamp, a .p7s's archive
#    timestamp), counted once;
#  - SignedFiles.zip holds them; afterwards the signed files are gone from
#    the server, the history keeps names and hashes; another account sees
#    nothing; uploads are encrypted at rest; ".p7s for all" makes a refused
#    PDF signable;
#  - the code answers at once (202); the worker pool signs the files and
#    the batch reports each file's state and done/total while it polls;
#  - a node killed mid-batch (SIGKILL): the files kept stay signed and
#    counted once, the rest are given back and signed again;
#  - an expired certificate (the clock moved past it) refuses a new batch.
. "$PECETE_SRC/tests/support/lib.sh"
. "$PECETE_SRC/tests/support/api.sh"
pc_need --faketime curl sqlite3 openssl oathtool python3 pdfsig qpdf pdftoppm unzip faketime

T=$(pc_tmpdir)
D=$T/data
pc_init "$D" --dev
DB=$D/pecete.db
"$PECETE_BIN" pki export --data "$D" --out "$T/pki" >/dev/null
pc_serve "$D"
. "$PECETE_SRC/tests/support/idv.sh"
idv_fixtures

# ---- fixtures: PDFs written by hand and fixed up by qpdf -----------------------
pdf() {	# pdf OUT NPAGES [CATALOG_EXTRA [PAD_BYTES]]
	py 'import sys
out, n, extra = sys.argv[1], int(sys.argv[2]), sys.argv[3]
objs = ["<< /Type /Catalog /Pages 2 0 R %s >>" % extra,
        "<< /Type /Pages /Kids [%s] /Count %d >>" % (" ".join("%d 0 R" % (3 + 2 * i) for i in range(n)), n)]
for i in range(n):
    c = "0.9 0.9 0.9 rg 0 0 595 842 re f BT /F1 24 Tf 80 600 Td (Page %d) Tj ET" % (i + 1)
    objs.append("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents %d 0 R /Resources << /Font << /F1 << /Type /Font /Subtype /Type1 /BaseFont /Helvetica >> >> >> >>" % (4 + 2 * i))
    objs.append("<< /Length %d >>\nstream\n%s\nendstream" % (len(c), c))
if "XFA" in extra:
    objs.append("<< /Length 19 >>\nstream\n<xdp:xdp></xdp:xdp>\nendstream")
pad = int(sys.argv[4]) if len(sys.argv) > 4 else 0
if pad:
    objs.append("<< /Length %d >>\nstream\n%s\nendstream" % (pad, "x" * pad))
body = "%PDF-1.7\n" + "".join("%d 0 obj\n%s\nendobj\n" % (i + 1, o) for i, o in enumerate(objs))
open(out + ".raw", "w").write(body + "trailer\n<< /Root 1 0 R >>\n%%EOF\n")' "$1" "$2" "${3:-}" "${4:-0}"
	qpdf "$1.raw" "$1" >/dev/null 2>&1
	[ -s "$1" ]
}
pdf "$T/a.pdf" 2 && pdf "$T/b.pdf" 1 && pdf "$T/c.pdf" 1 || fail "fixtures"
pdf "$T/x.pdf" 1 '/AcroForm << /Fields [] /XFA 5 0 R >>' || fail "XFA fixture"
qpdf --encrypt user owner 256 -- "$T/b.pdf" "$T/enc.pdf"; [ -s "$T/enc.pdf" ] || fail "encrypted fixture"
py 'import os,sys; open(sys.argv[1],"wb").write(b"PK\x03\x04"+os.urandom(30000))' "$T/report.docx"

wait_done() {	# wait_done BATCH: poll the batch while the pool signs it
	local i
	for i in $(seq 1 600); do
		api GET "/api/v1/sign/batches/$1"
		[ "$(jget state)" != signing ] && return 0
		echo "$(jpath 'j["progress"]["done"], j["progress"]["total"], sorted(set(f["state"] for f in j["files"])))')" >>"$T/progress.$1"
		sleep 0.1
	done
	return 1
}

up() {	# up BATCH FILE [NAME]
	CODE=$(curl -s -o "$T/body" -w '%{http_code}' -b "$JAR" -H "X-CSRF-Token: $CSRF" \
		-H 'Content-Type: application/octet-stream' --data-binary @"$2" \
		"$PC_URL/api/v1/sign/batches/$1/files?name=${3:-$(basename "$2")}")
	BODY=$(cat "$T/body")
}

as op
api_signup_user op.ws@example.ro +40722000999
"$PECETE_BIN" user role --data "$D" --email op.ws@example.ro --role operator >/dev/null
as ana
api_signup_user ana.ws@example.ro +40722000111
api POST /api/v1/sign/batches '{}'
expect 409 issuance_not_ready "no certificate: no batch"
api_issued op.ws@example.ro || fail "issued user"
LEFT0=$(sql "SELECT transactions_left FROM credentials WHERE serial = '$SIGN'")

# ---- a batch and its files ----------------------------------------------------------------
api POST /api/v1/sign/batches '{}'
expect 201 - "a batch"
B=$(jget id)
check "the certificate that will sign is shown" \
	[ "$(jpath 'j["certificate"]["serial"], "Ana Pop" in j["certificate"]["subject"], j["certificate"]["transactions_left"]')" = "('$SIGN', True, $LEFT0)" ]
for f in a.pdf b.pdf c.pdf report.docx enc.pdf x.pdf; do up "$B" "$T/$f"; done
expect 201 - "six files uploaded"
check "each file's state and the engine's word" \
	[ "$(jpath '[(f["name"], f["format"], f["state"], f["intake"]) for f in j["files"]]')" = "[('a.pdf', 'pades', 'ready', None), ('b.pdf', 'pades', 'ready', None), ('c.pdf', 'pades', 'ready', None), ('report.docx', 'cades', 'ready', None), ('enc.pdf', 'pades', 'refused', 'pdf_encrypted'), ('x.pdf', 'pades', 'refused', 'pdf_xfa')]" ]
check "the cost: three transactions per file at B-LTA (a PDF's document timestamp, a .p7s's archive timestamp)" [ "$(jget certificate.transactions_needed) $(jget level)" = "12 B-LTA" ]
check "the hash of what was uploaded" [ "$(jpath 'j["files"][0]["sha256"]')" = "$(sha256sum "$T/a.pdf" | cut -d' ' -f1)" ]
up "$B" "$T/a.pdf" "../../etc/passwd"
check "a path in the name keeps only its last part" [ "$(jpath 'j["files"][-1]["name"]')" = passwd ]
api DELETE "/api/v1/sign/batches/$B/files/6"
check "a file removed" [ "$CODE $(jpath 'len(j["files"])')" = "200 6" ]
: >"$T/empty"; up "$B" "$T/empty" empty.txt
expect 400 file_empty "an empty file refused"
check "uploads are encrypted at rest (no PDF header on disk)" bash -c "! grep -rlq '%PDF-' '$D/files/docs'"

# ---- a page, a box -------------------------------------------------------------------------------
curl -s -D "$T/hdr" -o "$T/p2.png" -b "$JAR" "$PC_URL/api/v1/sign/batches/$B/files/0/pages/2"
check "page 2 rendered as PNG with the page count and size" \
	bash -c "head -c 8 '$T/p2.png' | grep -q PNG && grep -qi '^X-Pdf-Pages: 2' '$T/hdr' && grep -qi '^X-Pdf-Page-Size: 595.00 842.00' '$T/hdr'"
check "... at 96 dpi (595 x 842 pt: 794 x 1123 px)" [ "$(py 'import struct,sys; d=open(sys.argv[1],"rb").read(); print(struct.unpack(">II", d[16:24]))' "$T/p2.png")" = "(794, 1123)" ]
api GET "/api/v1/sign/batches/$B/files/0/pages/3"
expect 400 field_invalid "a page that does not exist"
api POST "/api/v1/sign/batches/$B/files/0/placement" '{"visible":true,"page":2,"x":500,"y":100,"w":200,"h":60}'
expect 400 bad_placement "a box off the page refused"
api POST "/api/v1/sign/batches/$B/files/0/placement" '{"visible":true,"page":2,"x":100,"y":100,"w":200,"h":60}'
check "the box kept" [ "$CODE $(jpath 'j["files"][0]["placement"]["page"]')" = "200 2" ]

# ---- before the code --------------------------------------------------------------------------
# Fresh TOTP steps without waiting: the server's clock moves ahead.
pc_stop
AHEAD=60
pc_serve_ahead "$D" $AHEAD
code() { FAKETIME="+${AHEAD}s" LD_PRELOAD=$PC_FT_LIB oathtool --totp -b "$SECRET" "$@"; }
sql "UPDATE credentials SET transactions_left = 3 WHERE serial = '$SIGN'"
api POST "/api/v1/sign/batches/$B/sign" "{\"code\":\"$(code)\"}"
expect 409 quota_exhausted "not enough transactions: refused before the code"
sql "UPDATE credentials SET transactions_left = $LEFT0 WHERE serial = '$SIGN'"
GOOD=$(code)
BAD=$(printf '%06d' $(( (10#$GOOD + 1) % 1000000 )))
UPD0=$(sql "SELECT updated_at FROM sign_batches WHERE id = '$B'")
FAILED0=$(sql "SELECT count(*) FROM audit_log WHERE event = 'totp.failed' AND detail = 'purpose=sign'")
api POST "/api/v1/sign/batches/$B/sign" "{\"code\":\"$BAD\"}"
expect 400 totp_invalid "a wrong code refused"
check "... nothing counted, the batch still open" \
	[ "$(sql "SELECT transactions_left FROM credentials WHERE serial = '$SIGN'") $(sql "SELECT state FROM sign_batches WHERE id = '$B'")" = "$LEFT0 open" ]
check "... refused before any work on the files: no hash prepared, the batch never moved" \
	[ "$(sql "SELECT count(*) FROM sign_items WHERE batch_id = '$B' AND tbs_hash IS NOT NULL AND tbs_hash != ''") $(sql "SELECT updated_at FROM sign_batches WHERE id = '$B'")" = "0 $UPD0" ]
check "... the signer counted the failure once" \
	[ "$(sql "SELECT count(*) FROM audit_log WHERE event = 'totp.failed' AND detail = 'purpose=sign'")" = $((FAILED0 + 1)) ]
OK0=$(sql "SELECT count(*) FROM audit_log WHERE event = 'totp.ok' AND detail = 'purpose=sign'")

# ---- one code -----------------------------------------------------------------------------------
api POST "/api/v1/sign/batches/$B/sign" "{\"code\":\"$GOOD\"}"
expect 202 - "authorized with one code: answered at once"
check "... the code checked first, then used once, by the signer" \
	[ "$(sql "SELECT count(*) FROM audit_log WHERE event = 'totp.ok' AND detail = 'purpose=sign'")" = $((OK0 + 1)) ]
check "... the batch signing, its four files pending or further, with the progress" \
	[ "$(jpath 'j["state"], j["progress"]["total"], sum(f["state"] in ("pending", "signing", "signed") for f in j["files"])')" = "('signing', 4, 4)" ]
wait_done "$B"
check "the pool signed it: the batch done, 4 of 4" \
	[ "$(jpath 'j["state"], j["progress"]["done"], j["progress"]["total"], j["progress"]["failed"]')" = "('done', 4, 4, 0)" ]
check "four signed, two refused" \
	[ "$(jpath '[f["state"] for f in j["files"]]')" = "['signed', 'signed', 'signed', 'signed', 'refused', 'refused']" ]
check "twelve transactions taken, once (the batch: 4 signatures, 8 timestamps)" \
	[ "$(sql "SELECT $LEFT0 - transactions_left FROM credentials WHERE serial = '$SIGN'") $(sql "SELECT signatures || ' ' || timestamps FROM sign_batches WHERE id = '$B'")" = "12 4 8" ]
api POST "/api/v1/sign/batches/$B/sign" "{\"code\":\"$(code -N "now + 30 seconds")\"}"
expect 409 sign_batch_state "a signed batch is not signed again"
curl -s -o "$T/one.pdf" -b "$JAR" "$PC_URL/api/v1/sign/batches/$B/files/1/signed"
check "one file downloadable alone" bash -c "pdfsig '$T/one.pdf' | grep -q 'Signature is Valid'"
curl -s -o "$T/SignedFiles.zip" -D "$T/zhdr" -b "$JAR" "$PC_URL/api/v1/sign/batches/$B/zip"
check "SignedFiles.zip as an attachment" grep -qi 'filename="SignedFiles.zip"' "$T/zhdr"
mkdir -p "$T/z" && unzip -q "$T/SignedFiles.zip" -d "$T/z"
check "the archive holds the four outputs" [ "$(cd "$T/z" && ls | sort | tr '\n' ' ')" = "a.pdf b.pdf c.pdf report.docx.p7s " ]
for f in a b c; do
	pdfsig "$T/z/$f.pdf" >"$T/$f.sig" 2>&1
	check "$f.pdf: pdfsig Signature is Valid, PAdES" \
		bash -c "grep -q 'Signature is Valid' '$T/$f.sig' && grep -q 'ETSI.CAdES.detached' '$T/$f.sig' && grep -q 'Total document signed' '$T/$f.sig'"
	check "$f.pdf: qpdf --check" qpdf --check "$T/z/$f.pdf"
done
cat "$T/pki/issuing.pem" "$T/pki/root.pem" >"$T/chain.pem"
check "report.docx.p7s: openssl cms -verify against our chain" \
	openssl cms -verify -binary -inform DER -in "$T/z/report.docx.p7s" -content "$T/report.docx" \
	-CAfile "$T/pki/root.pem" -certfile "$T/pki/issuing.pem" -purpose any -out /dev/null
check "... with a time-stamp (B-T)" bash -c "openssl cms -cmsout -print -inform DER -in '$T/z/report.docx.p7s' | grep -q id-smime-aa-timeStampToken"
check "... and its validation data (B-LT: certificate-values, revocation-values)" bash -c "openssl cms -cmsout -print -inform DER -in '$T/z/report.docx.p7s' | grep -q id-smime-aa-ets-certValues && openssl cms -cmsout -print -inform DER -in '$T/z/report.docx.p7s' | grep -q id-smime-aa-ets-revocationValues"
check "... and its archive timestamp (B-LTA: archive-time-stamp-v3)" bash -c "openssl cms -cmsout -print -inform DER -in '$T/z/report.docx.p7s' | grep -q '0.4.0.1733.2.4'"
check "pecete verify --no-ocsp: a.pdf PAdES-B-LTA, report.docx.p7s CAdES-B-LTA, both TOTAL-PASSED from the embedded data" bash -c "'$PECETE_BIN' verify --no-ocsp --trust '$T/pki/root.pem' '$T/z/a.pdf' | grep -q 'level: PAdES-B-LTA' && '$PECETE_BIN' verify --no-ocsp --trust '$T/pki/root.pem' --content '$T/report.docx' '$T/z/report.docx.p7s' > '$T/v.txt' && grep -q 'level: CAdES-B-LTA' '$T/v.txt' && grep -q 'Result: TOTAL-PASSED' '$T/v.txt'"
# The node asks its own TSA in process: four time-stamps, no POST /tsa.
check "... the time-stamps came from the node's TSA in process (no POST /tsa request)" \
	bash -c "! curl -s '$PC_URL/metrics' | grep -q 'route=\"POST /tsa\"'"
# The box: page 2 changes inside it and nowhere else.
pdftoppm -gray -r 72 -f 2 -l 2 "$T/a.pdf" "$T/before" && pdftoppm -gray -r 72 -f 2 -l 2 "$T/z/a.pdf" "$T/after"
check "the visible box is where it was drawn (page 2, x 100-300, y 100-160)" py 'import sys,glob
def pgm(p):
    d=open(p,"rb").read(); parts=d.split(b"\n",3); w,h=map(int,parts[1].split()); return w,h,parts[3]
w,h,a=pgm(glob.glob(sys.argv[1]+"*.pgm")[0]); _,_,b=pgm(glob.glob(sys.argv[2]+"*.pgm")[0])
inside=outside=0
for y in range(h):
    for x in range(w):
        if a[y*w+x]!=b[y*w+x]:
            if 98<=x<=302 and 842-162<=y<=842-98: inside+=1
            else: outside+=1
print("inside",inside,"outside",outside)
sys.exit(0 if inside>200 and outside==0 else 1)' "$T/before" "$T/after"
curl -s -o /dev/null -w '%{http_code}' -b "$JAR" "$PC_URL/api/v1/sign/batches/$B/zip" >"$T/code"
check "after the download the signed files are gone from the server" \
	[ "$(cat "$T/code") $(sql "SELECT count(*) FROM documents WHERE batch_id = '$B' AND kind = 'signed'")" = "404 0" ]
api GET /api/v1/sign/history
check "the history: the batch, its names and hashes, the certificate" \
	[ "$(jpath 'len(j["batches"]), j["batches"][0]["signatures"], j["batches"][0]["credential"], [f["name"] for f in j["batches"][0]["files"]][:4], j["batches"][0]["files"][3]["signed_sha256"] is not None')" = "(1, 4, '$SIGN', ['a.pdf', 'b.pdf', 'c.pdf', 'report.docx'], True)" ]

# ---- .p7s for all; another account; expiry -----------------------------------------------------
api POST /api/v1/sign/batches '{}'
B2=$(jget id)
up "$B2" "$T/enc.pdf"
api POST "/api/v1/sign/batches/$B2/p7s" '{}'
check ".p7s for all: the encrypted PDF becomes signable" [ "$(jpath 'j["files"][0]["format"], j["files"][0]["state"], j["files"][0]["intake"]')" = "('cades', 'ready', None)" ]
# The code that authorized batch B, again, for this batch: the code was
# the activation of B's hashes and its time step is spent.
L=$(sql "SELECT transactions_left FROM credentials WHERE serial = '$SIGN'")
api POST "/api/v1/sign/batches/$B2/sign" "{\"code\":\"$GOOD\"}"
expect 400 totp_replay "the code of another batch, reused: refused"
check "... nothing counted, this batch still open" \
	[ "$(sql "SELECT transactions_left FROM credentials WHERE serial = '$SIGN'") $(sql "SELECT state FROM sign_batches WHERE id = '$B2'")" = "$L open" ]
as op
api GET "/api/v1/sign/batches/$B"
expect 404 not_found "another account's batch is not found"
api GET "/api/v1/sign/batches/$B/files/0/pages/1"
expect 404 not_found "... nor its pages"
# ---- a node killed while signing ----------------------------------------------------------
# 20 files of 1 MB; the server is killed (SIGKILL, its signer with it) a
# moment into the signing. Whatever the moment: every file is signed once
# and counted once, or not signed and not counted; the audit chain holds.
as ana
api POST /api/v1/sign/batches '{}'
B3=$(jget id)
pdf "$T/big.pdf" 1 "" 1048576
for i in $(seq 1 20); do up "$B3" "$T/big.pdf" "big$i.pdf"; done
check "twenty files ready" [ "$(jpath 'sum(f["state"] == "ready" for f in j["files"])')" = 20 ]
LEFT1=$(sql "SELECT transactions_left FROM credentials WHERE serial = '$SIGN'")
curl -s -o /dev/null -b "$JAR" -H "X-CSRF-Token: $CSRF" -H 'Content-Type: application/json' \
	-d "{\"code\":\"$(code -N "now + 30 seconds")\"}" \
	"$PC_URL/api/v1/sign/batches/$B3/sign" &
CURL=$!
# The moment: the answer came (authorized) and the pool has kept a first
# file (the kill then falls among the others), or 30 s passed.
for _ in $(seq 1 900); do
	[ "$(sql "SELECT count(*) FROM sign_items WHERE batch_id = '$B3' AND state = 'signed'")" -ge 1 ] && break
	sleep 0.1
done
kill -KILL "$PC_PID"; wait "$PC_PID" 2>/dev/null; wait "$CURL" 2>/dev/null
PC_PID=""
STATE=$(sql "SELECT state FROM sign_batches WHERE id = '$B3'")
echo "# killed with the batch in state '$STATE': $(sql "SELECT group_concat(state, ' ') FROM sign_items WHERE batch_id = '$B3'")"
# Later (the batch is stale), the documents job recovers it.
sql "UPDATE jobs SET next_run = 0 WHERE name = 'documents'"
AHEAD=$((AHEAD + 1200))
pc_serve_ahead "$D" $AHEAD
for _ in $(seq 1 100); do
	[ "$(sql "SELECT state FROM sign_batches WHERE id = '$B3'")" != signing ] && break
	sleep 0.1
done
NSIGNED=$(sql "SELECT count(*) FROM sign_items WHERE batch_id = '$B3' AND state = 'signed'")
NREADY=$(sql "SELECT count(*) FROM sign_items WHERE batch_id = '$B3' AND state = 'ready'")
LEFT2=$(sql "SELECT transactions_left FROM credentials WHERE serial = '$SIGN'")
STATE2=$(sql "SELECT state || ' ' || (interrupted_at > 0) FROM sign_batches WHERE id = '$B3'")
echo "# after the restart: $STATE2, $NSIGNED signed, transactions $LEFT1 -> $LEFT2"
check "after the kill: signed once and counted once, or neither ($NSIGNED signed, $((LEFT1 - LEFT2)) counted)" \
	[ $((LEFT1 - LEFT2)) = $((3 * NSIGNED)) ]
check "... the batch is done (all 20) or open again marked interrupted (the rest ready)" \
	bash -c "[ '$STATE2 $NSIGNED' = 'done 0 20' ] || [ '$STATE2 $NSIGNED' = 'done 1 20' ] || [ '$STATE2 $NSIGNED $NREADY' = 'open 1 $NSIGNED $((20 - NSIGNED))' ]"
check "... no scratch file left" bash -c "[ -z \"\$(ls -A '$D/files/scratch' 2>/dev/null)\" ]"
if [ "$STATE2" = "open 1" ]; then
	JAR=$T/jar.ana3; rm -f "$JAR"; CSRF=""; refresh_csrf
	api POST /api/v1/session '{"email":"ana.ws@example.ro","password":"Verde-Munte-Ploaie-42"}'
	api POST /api/v1/session/totp "{\"code\":\"$(code)\"}"
	refresh_csrf
	api POST "/api/v1/sign/batches/$B3/sign" "{\"code\":\"$(code -N "now + 30 seconds")\"}"
	check "... the interrupted batch is authorized again (the $((20 - NSIGNED)) left)" [ "$CODE" = 202 ]
	wait_done "$B3"
	check "... and signs them: all 20 signed, counted once (60)" \
		[ "$(jget state) $(sql "SELECT count(*) FROM sign_items WHERE batch_id = '$B3' AND state = 'signed'") $(sql "SELECT $LEFT1 - transactions_left FROM credentials WHERE serial = '$SIGN'")" = "done 20 60" ]
fi
# Twenty hashes: the signer signs them on two threads; every file valid.
curl -s -o "$T/b3.zip" -b "$JAR" "$PC_URL/api/v1/sign/batches/$B3/zip"
mkdir -p "$T/z3" && unzip -q "$T/b3.zip" -d "$T/z3"
check "the 20-file batch (signed on two signer threads): 20 files, each pdfsig 'Signature is Valid'" \
	bash -c "[ \$(ls '$T/z3' | wc -l) = 20 ] && for f in '$T'/z3/*.pdf; do pdfsig \"\$f\" 2>&1 | grep -q 'Signature is Valid' || exit 1; done"

pc_stop
AHEAD=$((400 * 86400))
pc_serve_ahead "$D" $AHEAD
# 400 days on, the session is long gone: sign in again, with the code.
JAR=$T/jar.ana2; rm -f "$JAR"; CSRF=""; refresh_csrf
api POST /api/v1/session '{"email":"ana.ws@example.ro","password":"Verde-Munte-Ploaie-42"}'
api POST /api/v1/session/totp "{\"code\":\"$(code)\"}"
refresh_csrf
api POST /api/v1/sign/batches '{}'
expect 409 cert_expired "the certificate expired: no new batch, the message says to re-issue"
check "audit chain intact" bash -c "'$PECETE_BIN' audit verify --data '$D' | grep -q 'audit chain OK'"
pc_done
