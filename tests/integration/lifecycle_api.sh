#!/bin/bash
# lifecycle_api.sh: what happens to a certificate after issuance (issue 14,
# as far as it is built):
#  - expiry reminders: an e-mail 45 days and one 15 days before the end,
#    each once (the reminders job, the clock moved with libfaketime),
#    delivered by our smtp driver to a real SMTP server (Debian's aiosmtpd,
#    tests/support/smtp-sink.sh) and read back from its maildir.
. "$PECETE_SRC/tests/support/lib.sh"
. "$PECETE_SRC/tests/support/api.sh"
pc_need --faketime curl sqlite3 oathtool python3 faketime
/usr/bin/python3 -c 'import aiosmtpd' 2>/dev/null ||
	{ echo "SKIP: /usr/bin/python3 has no aiosmtpd"; exit 77; }
SUP=$PECETE_SRC/tests/support

T=$(pc_tmpdir)
lc_cleanup() {
	bash "$SUP/smtp-sink.sh" stop "$T/mail" >/dev/null 2>&1
	pc_cleanup
}
trap lc_cleanup EXIT
D=$T/data
pc_init "$D" --dev
DB=$D/pecete.db
pc_serve "$D"
. "$PECETE_SRC/tests/support/idv.sh"
idv_fixtures
as op
api_signup_user op.lc@example.ro +40722000999
"$PECETE_BIN" user role --data "$D" --email op.lc@example.ro --role operator >/dev/null
as ana
api_signup_user ana.lc@example.ro +40722000111
api_issued op.lc@example.ro || fail "issued user"
END=$(sql "SELECT not_after FROM certs WHERE serial = '$SIGN'")
reminders() { sql "SELECT count(*) FROM outbox WHERE template = 'cert_expiring' AND recipient = 'ana.lc@example.ro'"; }
check "no reminder at issuance" [ "$(reminders)" = 0 ]

# From here every e-mail goes through SMTP to a real server.
smtp_port=$(pc_free_port)
bash "$SUP/smtp-sink.sh" start "$T/mail" "$smtp_port" || { echo "FAIL - smtp sink"; exit 1; }
export PECETE_NOTIFY_MAIL_DRIVER=smtp
export PECETE_NOTIFY_SMTP_URL="smtp://127.0.0.1:$smtp_port"
export PECETE_NOTIFY_SMTP_STARTTLS=false
# received: the reminders the SMTP server got for ana, "DAYS SERIAL" each
# (from the subject and the text), in order of arrival.
received() {
	/usr/bin/python3 - "$T/mail/maildir/new" <<'PY'
import email, email.header, email.policy, os, re, sys
d = sys.argv[1]
rows = []
for f in os.listdir(d):
    m = email.message_from_binary_file(open(os.path.join(d, f), 'rb'), policy=email.policy.default)
    if 'ana.lc@example.ro' not in str(m['To']):
        continue
    subj = str(m['Subject'])
    days = re.search(r'(\d+) de zile|in (\d+) days', subj)
    if not days:
        continue
    part = m.get_body(preferencelist=('plain',))
    text = part.get_content() if part else ''
    serial = re.search(r'seria ([0-9a-f]+)|serial ([0-9a-f]+)', text)
    rows.append((os.path.getmtime(os.path.join(d, f)), (days.group(1) or days.group(2)) + ' ' +
                 ((serial.group(1) or serial.group(2)) if serial else '?')))
print(' '.join(r for _, r in sorted(rows)) if rows else '')
PY
}
delivered() {	# delivered N: wait until the SMTP server holds N reminders
	for _ in $(seq 1 100); do
		[ "$(received | wc -w)" -ge $(($1 * 2)) ] && return 0
		sleep 0.1
	done
	return 1
}

at() {	# at DAYS_BEFORE_END: the server's clock there, the reminders job due
	pc_stop
	sql "UPDATE jobs SET next_run = 0 WHERE name = 'reminders'"
	RUNS=$(sql "SELECT runs FROM jobs WHERE name = 'reminders'")
	pc_serve_ahead "$D" $((END - $(date +%s) - $1 * 86400))
	for _ in $(seq 1 600); do	# up to a minute on a loaded machine
		# started since (runs counts starts) and ended (last_end)
		[ "$(sql "SELECT runs > ${RUNS:-0} AND last_end >= last_start FROM jobs WHERE name = 'reminders'")" = 1 ] && return 0
		sleep 0.1
	done
	echo "# the reminders job did not run"
}
at 50
check "50 days before: none yet" [ "$(reminders)" = 0 ]
check "nothing received by SMTP before" [ -z "$(received)" ]
at 44
check "44 days before: the 45-day reminder" [ "$(reminders)" = 1 ]
delivered 1
check "... delivered by SMTP: the 45 days and the serial" [ "$(received)" = "45 $SIGN" ]
check "... the outbox says sent by smtp" [ "$(sql "SELECT status || ' ' || driver FROM outbox WHERE template = 'cert_expiring'")" = "sent smtp" ]
at 40
check "40 days before: not again" [ "$(reminders)" = 1 ]
at 14
check "14 days before: the 15-day reminder" [ "$(reminders)" = 2 ]
delivered 2
check "... delivered by SMTP" [ "$(received)" = "45 $SIGN 15 $SIGN" ]
at 2
check "2 days before: nothing more" [ "$(reminders)" = 2 ]
sleep 1
check "... and the SMTP server got each once" [ "$(received)" = "45 $SIGN 15 $SIGN" ]
check "the reminders are recorded once each" \
	[ "$(sql "SELECT group_concat(days) FROM (SELECT days FROM cert_reminders WHERE serial = '$SIGN' ORDER BY days)")" = "15,45" ]
pc_done
