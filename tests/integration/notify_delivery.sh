#!/usr/bin/env bash
# notify_delivery.sh: e-mail and SMS delivery through the real drivers.
#
# A real SMTP server (Debian's aiosmtpd, tests/support/smtp-sink.sh) and a
# stand-in SMS gateway (tests/support/sms-receiver.sh) run on loopback;
# `pecete notify test` queues a message and delivers it in-process with
# the drivers chosen by PECETE_NOTIFY_* overrides. Checks: the mail's
# headers, RFC 2047 UTF-8 subject with Romanian diacritics and both MIME
# parts; the SMS JSON and its bearer token; a gateway answering 500 ->
# retries with back-off, then failed after max_attempts; nothing secret
# in the logs; the delivery worker of `pecete serve`; /dev/outbox and
# /dev/outbox.json with dev_mode on, 404 with dev_mode off.
# shellcheck source=../support/lib.sh
. "$PECETE_SRC/tests/support/lib.sh"

if ! /usr/bin/python3 -c 'import aiosmtpd' 2>/dev/null; then
	echo "skip: /usr/bin/python3 has no aiosmtpd (apt install python3-aiosmtpd)"
	exit 77
fi

T=$(pc_tmpdir)
PC_TMP=$T  # pc_tmpdir ran in a subshell: let pc_cleanup remove it
S=$PECETE_SRC/tests/support
D=$T/data
stop_helpers() {
	"$S/smtp-sink.sh" stop "$T/smtp" 2>/dev/null
	"$S/sms-receiver.sh" stop "$T/sms" 2>/dev/null
	"$S/smtp-sink.sh" stop "$T/smtptls" 2>/dev/null
	pc_cleanup
}
trap stop_helpers EXIT

pc_init "$D"
smtp_port=$(pc_free_port)
sms_port=$(pc_free_port)
while [ "$sms_port" = "$smtp_port" ]; do sms_port=$(pc_free_port); done
"$S/smtp-sink.sh" start "$T/smtp" "$smtp_port" || { echo "FAIL - smtp sink"; exit 1; }
"$S/sms-receiver.sh" start "$T/sms" "$sms_port" || { echo "FAIL - sms receiver"; exit 1; }
printf 'gw-token-42\n' >"$T/sms.token"
chmod 600 "$T/sms.token"

real_drivers() {
	export PECETE_NOTIFY_MAIL_DRIVER=smtp
	export PECETE_NOTIFY_SMTP_URL="smtp://127.0.0.1:$smtp_port"
	export PECETE_NOTIFY_SMTP_STARTTLS=false
	export PECETE_NOTIFY_MAIL_FROM="Pecete Test <no-reply@pecete.test>"
	export PECETE_NOTIFY_SMS_DRIVER=sms-http
	export PECETE_NOTIFY_SMS_URL="http://127.0.0.1:$sms_port/v1/sms"
	export PECETE_NOTIFY_SMS_TOKEN_FILE="$T/sms.token"
	export PECETE_NOTIFY_MAX_ATTEMPTS=3
	export PECETE_NOTIFY_RETRY_BASE_S=1
}
real_drivers
LOGS=$T/logs
mkdir -p "$LOGS"

# ---- e-mail through SMTP --------------------------------------------------
check "notify test --email (ro) exits 0" \
	"$PECETE_BIN" notify test --data "$D" --email ion.popescu@example.ro \
	>"$LOGS/mail-ro.out" 2>"$LOGS/mail-ro.err"
grep -q "sent by smtp" "$LOGS/mail-ro.out" && ok "reported sent by smtp" || fail "not reported sent: $(cat "$LOGS/mail-ro.out")"
check "one message in the maildir" test "$("$S/smtp-sink.sh" count "$T/smtp")" -eq 1

# Parse the message with Python's e-mail package (a real MIME parser).
mail_check() {
	/usr/bin/python3 - "$1" "$2" "$3" <<'EOF'
import email, email.policy, re, sys
path, want_subject, want_word = sys.argv[1], sys.argv[2], sys.argv[3]
raw = open(path, "rb").read()
m = email.message_from_bytes(raw, policy=email.policy.default)
errs = []
hdr = raw.split(b"\n\n", 1)[0].decode("ascii")   # headers are 7-bit
if re.search(r"^Subject: .*[^\x00-\x7f]", hdr, re.M):
    errs.append("raw subject not ASCII")
if want_subject != str(m["Subject"]):
    errs.append("subject %r != %r" % (str(m["Subject"]), want_subject))
if any(ord(c) > 127 for c in want_subject) and "=?UTF-8?B?" not in hdr:
    errs.append("subject not RFC 2047 encoded")
for h in ("Date", "From", "To", "Message-ID", "MIME-Version"):
    if m[h] is None:
        errs.append("no %s header" % h)
if m["From"] is not None and "no-reply@pecete.test" not in str(m["From"]):
    errs.append("From is %s" % m["From"])
if not re.fullmatch(r"<[0-9a-f]{24}\.\d+@pecete\.test>", str(m["Message-ID"]).strip()):
    errs.append("Message-ID %s" % m["Message-ID"])
if not re.fullmatch(r"\w{3}, \d\d \w{3} \d{4} \d\d:\d\d:\d\d \+0000", str(m["Date"])):
    errs.append("Date %s" % m["Date"])
types = [p.get_content_type() for p in m.walk()]
if "multipart/alternative" not in types:
    errs.append("no multipart/alternative: %s" % types)
plain = [p for p in m.walk() if p.get_content_type() == "text/plain"]
html = [p for p in m.walk() if p.get_content_type() == "text/html"]
if len(plain) != 1 or len(html) != 1:
    errs.append("parts: %s" % types)
else:
    for p in plain + html:
        if (p.get_content_charset() or "").lower() != "utf-8":
            errs.append("charset %s" % p.get_content_charset())
    t, h = plain[0].get_content(), html[0].get_content()
    if want_word not in t or want_word not in h:
        errs.append("%r missing from a part" % want_word)
    if "<!DOCTYPE html>" not in h or "<" in t.split("\n")[0]:
        errs.append("the parts are not text and HTML")
print("\n".join(errs) if errs else "OK")
sys.exit(1 if errs else 0)
EOF
}
f=$(find "$T/smtp/maildir/new" -type f | head -1)
check "RO mail: headers, UTF-8 subject, text + HTML parts" \
	mail_check "$f" "Pecete: mesaj de încercare — trimiterea funcționează" "încercare"
rm -f "$T"/smtp/maildir/new/*
check "notify test --email --lang en" \
	"$PECETE_BIN" notify test --data "$D" --email ana@example.ro --lang en \
	>"$LOGS/mail-en.out" 2>"$LOGS/mail-en.err"
f=$(find "$T/smtp/maildir/new" -type f | head -1)
check "EN mail: headers, subject, both parts" \
	mail_check "$f" "Pecete: test message — delivery works" "delivery works"

# ---- STARTTLS: required by default, the relay's certificate verified -----
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	-keyout "$T/tls.key" -out "$T/tls.crt" -days 2 -subj /CN=127.0.0.1 \
	-addext subjectAltName=IP:127.0.0.1 2>/dev/null
tls_port=$(pc_free_port)
"$S/smtp-sink.sh" start "$T/smtptls" "$tls_port" --tls "$T/tls.crt" "$T/tls.key" \
	|| { echo "FAIL - smtp sink with STARTTLS"; exit 1; }
check "STARTTLS with smtp_ca_file: sent" env -u PECETE_NOTIFY_SMTP_STARTTLS \
	PECETE_NOTIFY_SMTP_URL="smtp://127.0.0.1:$tls_port" \
	PECETE_NOTIFY_SMTP_CA_FILE="$T/tls.crt" \
	"$PECETE_BIN" notify test --data "$D" --email tls@example.ro \
	>"$LOGS/tls.out" 2>"$LOGS/tls.err"
check "STARTTLS message arrived" test "$("$S/smtp-sink.sh" count "$T/smtptls")" -eq 1
if env -u PECETE_NOTIFY_SMTP_STARTTLS PECETE_NOTIFY_SMTP_URL="smtp://127.0.0.1:$tls_port" \
	"$PECETE_BIN" notify test --data "$D" --email tls@example.ro --once \
	>"$LOGS/tls-bad.out" 2>"$LOGS/tls-bad.err"; then
	fail "an unverifiable relay certificate must not be accepted"
else
	ok "unknown relay certificate refused (message stays queued)"
fi
check "nothing more arrived" test "$("$S/smtp-sink.sh" count "$T/smtptls")" -eq 1
"$S/smtp-sink.sh" stop "$T/smtptls"

# ---- SMS through the gateway ---------------------------------------------
check "notify test --sms exits 0" \
	"$PECETE_BIN" notify test --data "$D" --sms +40712345678 \
	>"$LOGS/sms.out" 2>"$LOGS/sms.err"
sms_check() {
	/usr/bin/python3 - "$T/sms/sms.log" "$1" <<'EOF'
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8")]
want = int(sys.argv[2])
errs = []
if len(lines) != want:
    errs.append("%d requests, want %d" % (len(lines), want))
for l in lines:
    b = l["body"]
    if l["auth"] != "Bearer gw-token-42":
        errs.append("auth %r" % l["auth"])
    if l["path"] != "/v1/sms":
        errs.append("path %r" % l["path"])
    if not isinstance(b, dict) or sorted(b) != ["id", "sender", "text", "to"]:
        errs.append("body %r" % b)
        continue
    if b["to"] != "+40712345678" or b["sender"] != "Pecete" or not b["id"].isdigit():
        errs.append("fields %r" % b)
    if "Pecete" not in b["text"]:
        errs.append("text %r" % b["text"])
print("\n".join(errs) if errs else "OK")
sys.exit(1 if errs else 0)
EOF
}
check "SMS JSON with bearer token reached the gateway" sms_check 1

# ---- gateway failing: retry with back-off, then failed --------------------
echo 500 >"$T/sms/status"
start=$(date +%s)
if "$PECETE_BIN" notify test --data "$D" --sms +40712345678 \
	>"$LOGS/sms-fail.out" 2>"$LOGS/sms-fail.err"; then
	fail "a failing gateway should make notify test exit 1"
else
	ok "notify test exits 1 when the gateway keeps failing"
fi
elapsed=$(($(date +%s) - start))
rm -f "$T/sms/status"
grep -q "failed after 3 attempt" "$LOGS/sms-fail.out" && ok "failed after max_attempts (3)" || fail "$(cat "$LOGS/sms-fail.out")"
check "3 more requests reached the gateway" sms_check 4
check "two retries logged" test "$(grep -c 'result=retry' "$LOGS/sms-fail.err")" -eq 2
check "one final failure logged" test "$(grep -c 'result=failed' "$LOGS/sms-fail.err")" -eq 1
# Back-off 1 s then 2 s: at least 3 s in all.
check "back-off between attempts (${elapsed}s >= 3s)" test "$elapsed" -ge 3

# ---- no secrets or content in the logs ------------------------------------
check "logs name outbox id, channel, template, attempt" \
	grep -q 'outbox=[0-9]* channel=sms template=test_sms attempt=1 driver=sms-http result=sent' "$LOGS/sms.err"
check "no token in the logs" bash -c "! grep -rq 'gw-token-42' '$LOGS'/*.err"
check "no message text in the logs" bash -c "! grep -rqE 'incercare|încercare|delivery works' '$LOGS'/*.err"

# ---- dev outbox in pecete serve (worker + /dev/outbox) --------------------
unset PECETE_NOTIFY_MAIL_DRIVER PECETE_NOTIFY_SMS_DRIVER
export PECETE_SERVER_DEV_MODE=true
pc_serve "$D"
check "queue-only (e-mail) while serving" \
	"$PECETE_BIN" notify test --data "$D" --email dev.user@example.ro --queue-only
check "queue-only (SMS) while serving" \
	"$PECETE_BIN" notify test --data "$D" --sms +40799999999 --queue-only --lang en
seen=0
for _ in $(seq 1 50); do
	if curl -fsS "$PC_URL/dev/outbox.json" 2>/dev/null | grep -q '+40799999999'; then
		seen=1
		break
	fi
	sleep 0.2
done
check "the serve worker delivered to the outbox (/dev/outbox.json)" test "$seen" -eq 1
check "/dev/outbox.json lists newest first with channel, to, subject, text" \
	/usr/bin/python3 -c '
import json, sys, urllib.request
d = json.load(urllib.request.urlopen(sys.argv[1] + "/dev/outbox.json"))
m = d["messages"]
ids = [x["id"] for x in m]
assert ids == sorted(ids, reverse=True), ids
assert m[0]["channel"] == "sms" and m[0]["to"] == "+40799999999", m[0]
e = [x for x in m if x["to"] == "dev.user@example.ro"][0]
assert e["channel"] == "email" and "încercare" in e["subject"], e
assert "încercare" in e["text"] and "<!DOCTYPE html>" in e["html"], e
' "$PC_URL"
page=$(curl -fsS -D "$T/h.txt" "$PC_URL/dev/outbox")
check "/dev/outbox is HTML" grep -qi '^content-type: text/html' "$T/h.txt"
check "/dev/outbox shows the messages" bash -c "grep -q 'dev.user@example.ro' <<<\"\$1\" && grep -q '+40799999999' <<<\"\$1\" && grep -q 'încercare' <<<\"\$1\"" _ "$page"
pc_stop

# ---- dev_mode off: 404; the worker sends through SMTP ---------------------
export PECETE_SERVER_DEV_MODE=false
real_drivers
pc_prod_env "$T"
rm -f "$T"/smtp/maildir/new/*
pc_serve "$D"
code=$(curl -s -o /dev/null -w '%{http_code}' "$PC_URL/dev/outbox")
check "/dev/outbox is 404 without dev_mode ($code)" test "$code" = 404
code=$(curl -s -o /dev/null -w '%{http_code}' "$PC_URL/dev/outbox.json")
check "/dev/outbox.json is 404 without dev_mode ($code)" test "$code" = 404
"$PECETE_BIN" notify test --data "$D" --email worker@example.ro --queue-only >/dev/null
n=0
for _ in $(seq 1 50); do
	n=$("$S/smtp-sink.sh" count "$T/smtp")
	[ "$n" -ge 1 ] && break
	sleep 0.2
done
check "the serve worker sent the queued mail through SMTP" test "$n" -eq 1
pc_stop
check "serve log names the delivery without content" \
	grep -q 'channel=email template=test_email attempt=1 driver=smtp result=sent' "$D.serve.log"

pc_done
