#!/usr/bin/env bash
# notify_attachments.sh: e-mail attachments end to end.
#
# A real SMTP server (Debian's aiosmtpd, tests/support/smtp-sink.sh) on
# loopback; `pecete notify test --attach` queues the test e-mail with a
# PDF made by `pecete shop doc` and a binary file, and delivers it through
# the smtp driver. Python's e-mail parser checks the MIME tree
# (multipart/mixed, first part multipart/alternative), the attachments
# decode byte-identical, pdftotext finds the order number; a file over the
# size limit is refused with a clear error; the attachment rows are gone
# after sending; with dev_mode the outbox lists the attachment and the
# download returns the same bytes, 404 without dev_mode.
# shellcheck source=../support/lib.sh
. "$PECETE_SRC/tests/support/lib.sh"

if ! /usr/bin/python3 -c 'import aiosmtpd' 2>/dev/null; then
	echo "skip: /usr/bin/python3 has no aiosmtpd (apt install python3-aiosmtpd)"
	exit 77
fi
for tool in pdftotext sqlite3 curl; do
	if ! command -v "$tool" >/dev/null; then
		echo "skip: $tool is not installed"
		exit 77
	fi
done

T=$(pc_tmpdir)
PC_TMP=$T  # pc_tmpdir ran in a subshell: let pc_cleanup remove it
S=$PECETE_SRC/tests/support
D=$T/data
stop_helpers() {
	"$S/smtp-sink.sh" stop "$T/smtp" 2>/dev/null
	pc_stop
	pc_cleanup
}
trap stop_helpers EXIT

pc_init "$D"
smtp_port=$(pc_free_port)
"$S/smtp-sink.sh" start "$T/smtp" "$smtp_port" || { echo "FAIL - smtp sink"; exit 1; }
export PECETE_NOTIFY_MAIL_DRIVER=smtp
export PECETE_NOTIFY_SMTP_URL="smtp://127.0.0.1:$smtp_port"
export PECETE_NOTIFY_SMTP_STARTTLS=false
export PECETE_NOTIFY_MAIL_FROM="Pecete Test <no-reply@pecete.test>"
export PECETE_NOTIFY_MAX_ATTEMPTS=2
export PECETE_NOTIFY_RETRY_BASE_S=1

# ---- the files ------------------------------------------------------------
PDF=$T/order-note.pdf
BIN=$T/blob.bin
check "pecete shop doc makes a sample order note" \
	"$PECETE_BIN" shop doc --kind order-note --sample --out "$PDF"
order=$(pdftotext "$PDF" - 2>/dev/null | grep -oE 'PC-[0-9]{4}-[0-9]+' | head -1)
check "the sample PDF has an order number ($order)" test -n "$order"
head -c 70000 /dev/urandom >"$BIN"

# ---- send through SMTP ----------------------------------------------------
check "notify test --attach x2 exits 0" \
	"$PECETE_BIN" notify test --data "$D" --email x@example.org \
	--attach "$PDF" --attach "$BIN" >"$T/send.out" 2>"$T/send.err"
grep -q "sent by smtp" "$T/send.out" && ok "reported sent by smtp" || fail "not sent: $(cat "$T/send.out" "$T/send.err")"
check "one message in the maildir" test "$("$S/smtp-sink.sh" count "$T/smtp")" -eq 1
mail=$(ls "$T"/smtp/maildir/new/* 2>/dev/null | head -1)

check "MIME tree: mixed > alternative, then the PDF and the binary (byte-identical)" \
	/usr/bin/python3 - "$mail" "$PDF" "$BIN" "$T/got" <<'EOF'
import email, email.policy, os, re, sys
path, pdf, binf, out = sys.argv[1:5]
raw = open(path, "rb").read()
m = email.message_from_bytes(raw, policy=email.policy.default)
assert m.get_content_type() == "multipart/mixed", m.get_content_type()
parts = m.get_payload()
assert parts[0].get_content_type() == "multipart/alternative", parts[0].get_content_type()
kinds = [p.get_content_type() for p in parts[0].get_payload()]
assert kinds == ["text/plain", "text/html"], kinds
atts = parts[1:]
assert [a.get_content_type() for a in atts] == ["application/pdf", "application/octet-stream"]
assert [a.get_filename() for a in atts] == ["order-note.pdf", "blob.bin"], [a.get_filename() for a in atts]
for a in atts:
    assert a.get_content_disposition() == "attachment"
    assert a["Content-Transfer-Encoding"] == "base64"
    body = a.get_payload(decode=False)
    for line in body.splitlines():
        assert len(line) <= 76, len(line)
# boundaries differ between the levels
b1, b2 = m.get_boundary(), parts[0].get_boundary()
assert b1 and b2 and b1 != b2
os.makedirs(out, exist_ok=True)
open(out + "/order-note.pdf", "wb").write(atts[0].get_payload(decode=True))
open(out + "/blob.bin", "wb").write(atts[1].get_payload(decode=True))
EOF
check "the PDF attachment is byte-identical" cmp -s "$PDF" "$T/got/order-note.pdf"
check "the binary attachment is byte-identical" cmp -s "$BIN" "$T/got/blob.bin"
check "pdftotext of the received PDF shows the order number" \
	bash -c 'pdftotext "$1" - | grep -q "$2"' _ "$T/got/order-note.pdf" "$order"
rows=$(sqlite3 "$D/pecete.db" "SELECT COUNT(*) FROM outbox_attachments")
check "no attachment rows left after sending ($rows)" test "$rows" = 0
check "the outbox row is sent" \
	test "$(sqlite3 "$D/pecete.db" "SELECT status FROM outbox ORDER BY id DESC LIMIT 1")" = sent

# ---- limits ---------------------------------------------------------------
head -c $((5 * 1024 * 1024 + 1)) /dev/zero >"$T/big.bin"
head -c $((4 * 1024 * 1024)) /dev/zero >"$T/four.bin"
before=$(sqlite3 "$D/pecete.db" "SELECT COUNT(*) FROM outbox")
"$PECETE_BIN" notify test --data "$D" --email x@example.org --attach "$T/big.bin" \
	>"$T/big.out" 2>"$T/big.err"
rc=$?
check "a file over 5 MB is refused (exit $rc)" test "$rc" -ne 0
check "... with a clear error" grep -q "too large or too many (at most 8, 5242880 bytes each" "$T/big.err"
"$PECETE_BIN" notify test --data "$D" --email x@example.org --attach "$T/four.bin" \
	--attach "$T/four.bin" --attach "$T/four.bin" >"$T/total.out" 2>"$T/total.err"
rc=$?
check "12 MB in all is refused (exit $rc)" test "$rc" -ne 0
check "... with a clear error" grep -q "attachments are too large or too many" "$T/total.err"
check "nothing was queued by the refused messages" \
	test "$(sqlite3 "$D/pecete.db" "SELECT COUNT(*) FROM outbox")" = "$before"
"$PECETE_BIN" notify test --data "$D" --sms +40712345678 --attach "$PDF" >/dev/null 2>&1
check "--attach with --sms is a usage error" test $? -eq 2

# ---- dev outbox -----------------------------------------------------------
unset PECETE_NOTIFY_MAIL_DRIVER
export PECETE_SERVER_DEV_MODE=true
check "notify test --attach with the outbox driver" \
	"$PECETE_BIN" notify test --data "$D" --email dev@example.org --attach "$PDF"
id=$(sqlite3 "$D/pecete.db" "SELECT id FROM outbox WHERE driver = 'outbox' ORDER BY id DESC LIMIT 1")
check "the outbox driver keeps the attachment row" \
	test "$(sqlite3 "$D/pecete.db" "SELECT COUNT(*) FROM outbox_attachments WHERE outbox_id = $id")" = 1
pc_serve "$D"
check "/dev/outbox.json lists the attachment" /usr/bin/python3 -c '
import json, os, sys, urllib.request
d = json.load(urllib.request.urlopen(sys.argv[1] + "/dev/outbox.json"))
e = [x for x in d["messages"] if x["id"] == int(sys.argv[2])][0]
a = e["attachments"]
assert a == [{"n": 0, "filename": "order-note.pdf", "content_type": "application/pdf",
              "size": os.path.getsize(sys.argv[3])}], a
' "$PC_URL" "$id" "$PDF"
page=$(curl -fsS "$PC_URL/dev/outbox")
check "/dev/outbox links the download" \
	grep -q "href=\"/dev/outbox/$id/attachments/0\">order-note.pdf" <<<"$page"
curl -fsS -D "$T/dl.h" -o "$T/dl.pdf" "$PC_URL/dev/outbox/$id/attachments/0"
check "the download returns the same bytes" cmp -s "$PDF" "$T/dl.pdf"
check "... as application/pdf" grep -qi '^content-type: application/pdf' "$T/dl.h"
check "... as an attachment named order-note.pdf" \
	grep -qi '^content-disposition: attachment; filename="order-note.pdf"' "$T/dl.h"
code=$(curl -s -o /dev/null -w '%{http_code}' "$PC_URL/dev/outbox/$id/attachments/1")
check "a missing attachment is 404 ($code)" test "$code" = 404
pc_stop
export PECETE_SERVER_DEV_MODE=false
pc_prod_env "$T"
pc_serve "$D"
code=$(curl -s -o /dev/null -w '%{http_code}' "$PC_URL/dev/outbox/$id/attachments/0")
check "the download is 404 without dev_mode ($code)" test "$code" = 404
pc_stop

pc_done
