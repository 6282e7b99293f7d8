#!/bin/bash
# lifecycle_api.sh: what happens to a certificate after issuance (issue 14,
# as far as it is built):
#  - expiry reminders: an e-mail 45 days and one 15 days before the end,
#    each once, through the real SMTP path's outbox (the reminders job, the
#    clock moved with libfaketime); configurable leads.
. "$PECETE_SRC/tests/support/lib.sh"
. "$PECETE_SRC/tests/support/api.sh"
for t in curl sqlite3 oathtool python3 faketime; do
	command -v $t >/dev/null || { echo "SKIP: $t missing"; exit 77; }
done
[ -f "$PC_FT_LIB" ] || { echo "SKIP: libfaketime missing"; exit 77; }

T=$(pc_tmpdir)
D=$T/data
"$PECETE_BIN" init --data "$D" --dev >"$T/init.log" 2>&1 || {
	cat "$T/init.log"; echo "FAIL - init"; exit 1; }
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

at() {	# at DAYS_BEFORE_END: the server's clock there, the reminders job due
	pc_stop
	sql "UPDATE jobs SET next_run = 0 WHERE name = 'reminders'"
	RUNS=$(sql "SELECT runs FROM jobs WHERE name = 'reminders'")
	pc_serve_ahead "$D" $((END - $(date +%s) - $1 * 86400))
	for _ in $(seq 1 100); do
		[ "$(sql "SELECT runs FROM jobs WHERE name = 'reminders'")" -gt "${RUNS:-0}" ] && return 0
		sleep 0.1
	done
	echo "# the reminders job did not run"
}
at 50
check "50 days before: none yet" [ "$(reminders)" = 0 ]
at 44
check "44 days before: the 45-day reminder" [ "$(reminders)" = 1 ]
check "... it says the date and the days" \
	[ "$(sql "SELECT json_extract(vars, '$.days') || ' ' || json_extract(vars, '$.serial') FROM outbox WHERE template = 'cert_expiring'")" = "45 $SIGN" ]
at 40
check "40 days before: not again" [ "$(reminders)" = 1 ]
at 14
check "14 days before: the 15-day reminder" [ "$(reminders)" = 2 ]
at 2
check "2 days before: nothing more" [ "$(reminders)" = 2 ]
check "the reminders are recorded once each" \
	[ "$(sql "SELECT group_concat(days) FROM (SELECT days FROM cert_reminders WHERE serial = '$SIGN' ORDER BY days)")" = "15,45" ]
pc_done
