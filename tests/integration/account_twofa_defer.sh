#!/usr/bin/env bash
# J3: after the password, a person without 2FA is offered to configure it
# or to defer it (a date, the next sign-in, never) until the configured
# mandatory date; after that date, 2FA is required and deferral refused.
. "${PECETE_SRC:?}/tests/support/lib.sh"
. "$PECETE_SRC/tests/support/api.sh"
T=$(pc_tmpdir)
D=$T/d
"$PECETE_BIN" init --data "$D" --dev >"$T/init.log" 2>&1 || { cat "$T/init.log"; exit 1; }
DB=$D/pecete.db
JAR=$T/jar
PW=Verde-Munte-Ploaie-42
EMAIL=defer@example.ro
export PECETE_ACCOUNT_TWOFA_MANDATORY_AFTER=2099-12-31
pc_serve "$D"

api_signup "$EMAIL" +40712340001 "$PW"
check "after the password: 2FA offered" [ "$(jget next)" = twofa_offer ]
api GET /api/v1/account
expect 401 not_signed_in "no account before 2FA or a deferral"
api POST /api/v1/session/twofa-defer '{"mode":"date","date":"2020-01-01"}'
expect 400 defer_invalid "a reminder date in the past is refused"
api POST /api/v1/session/twofa-defer '{"mode":"sometime"}'
expect 400 defer_invalid "an unknown mode is refused"
api POST /api/v1/session/twofa-defer '{"mode":"next_login"}'
expect 200 - "deferred to the next sign-in"
api GET /api/v1/consents
expect 200 - "signed in after deferring"
api GET /api/v1/account
expect 403 consent_pending "... the account waits for the consents (server-side)"

# next_login: offered again at the next sign-in; then "never".
api DELETE /api/v1/session
refresh_csrf
api POST /api/v1/session "{\"email\":\"$EMAIL\",\"password\":\"$PW\"}"
check "next sign-in: offered again" [ "$(jget next)" = twofa_offer ]
refresh_csrf
api POST /api/v1/session/twofa-defer '{"mode":"never"}'
expect 200 - "deferred: never"
api DELETE /api/v1/session
refresh_csrf
api POST /api/v1/session "{\"email\":\"$EMAIL\",\"password\":\"$PW\"}"
check "never: no 2FA offer at sign-in (the GDPR notice comes next)" [ "$(jget next)" = gdpr_notice ]
api GET /api/v1/consents
expect 200 - "never: signed in directly"

# After the mandatory date, 2FA is required, whatever was chosen.
pc_stop
export PECETE_ACCOUNT_TWOFA_MANDATORY_AFTER=2020-01-01
pc_serve "$D"
rm -f "$JAR"
CSRF=""
refresh_csrf
api POST /api/v1/session "{\"email\":\"$EMAIL\",\"password\":\"$PW\"}"
check "after the mandatory date: 2FA required (got $CODE $BODY)" [ "$(jget next)" = twofa_required ]
refresh_csrf
api POST /api/v1/session/twofa-defer '{"mode":"never"}'
expect 409 twofa_required "deferral refused after the mandatory date"
api GET /api/v1/account
expect 401 not_signed_in "no account without 2FA after the mandatory date"
pc_done
