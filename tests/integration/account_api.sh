#!/bin/bash
# account_api.sh: the account JSON API against the real pecete serve.
# J1 register -> J2 activate -> J4 pair TOTP -> sign out -> sign in with
# 2FA; expired codes and links (the server restarted under libfaketime),
# reused links, resend too soon, TOTP replay and lockout, CSRF, cookie
# flags, J12 password change and recovery, J13 phone change, J14 re-pair,
# and no password or code in the server log.
# Codes and links are read from the outbox table (dev mode, outbox driver).
. "$PECETE_SRC/tests/support/lib.sh"
pc_need curl sqlite3 oathtool faketime
FT_LIB=/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1
[ -f "$FT_LIB" ] || { echo "SKIP: libfaketime missing"; exit 77; }
# ASan must come first unless told not to check (faketime is preloaded).
export ASAN_OPTIONS="${ASAN_OPTIONS:-}:verify_asan_link_order=0"

T=$(pc_tmpdir)
D=$T/data
pc_init "$D" --dev
DB=$D/pecete.db
JAR=$T/jar
OFFSET=0	# minutes the server's clock is ahead
ADV=0	# and seconds more: next_step moves the clock, it does not wait

serve() {	# (re)start the server, its clock OFFSET minutes ahead
	pc_stop
	if [ "$OFFSET" -eq 0 ] && [ "$ADV" -eq 0 ]; then
		pc_serve "$D"
	else
		local port
		port=$(pc_free_port)
		FAKETIME="+$((OFFSET * 60 + ADV))s" LD_PRELOAD=$FT_LIB \
			"$PECETE_BIN" serve --data "$D" --listen "127.0.0.1:$port" \
			>>"$D.serve.out" 2>>"$D.serve.log" &
		PC_PID=$!
		PC_URL="http://127.0.0.1:$port"
		for _ in $(seq 1 900); do
			curl -sf "$PC_URL/healthz" >/dev/null && return 0
			sleep 0.1
		done
		echo "FAIL - server under faketime did not start"; exit 1
	fi
}

. "$PECETE_SRC/tests/support/api.sh"
errcode() { jget error.code; }
nout() { sqlite3 "$DB" "SELECT count(*) FROM outbox WHERE template = '$1'"; }
totp() { FAKETIME="+$((OFFSET * 60 + ADV))s" LD_PRELOAD=$FT_LIB oathtool --totp -b "$SECRET"; }
next_step() {	# a new 30 s step for fresh codes: the server's clock moves
	ADV=$((ADV + 30))	# (libfaketime), nobody sleeps
	serve
}

serve
CSRF=""
EMAIL=ana.test@example.ro
PW='Verde-Munte-Ploaie-42'

# ---- CSRF and cookies -----------------------------------------------------
api POST /api/v1/register '{"given_name":"Ana"}'
expect 403 csrf "POST without CSRF token refused"
refresh_csrf
check "anonymous session has a csrf token" [ ${#CSRF} -eq 64 ]
grep -qi 'pc_csrf' "$JAR" && ok "pc_csrf cookie set" || fail "pc_csrf cookie"

# ---- J1 register ------------------------------------------------------------
REG='{"given_name":"Ana","surname":"Popescu","email":"'$EMAIL'","phone":"+40712345678","privacy_consent":true,"lang":"ro"}'
api POST /api/v1/register '{"given_name":"Ana","surname":"Popescu","email":"x@example.ro","phone":"0712","privacy_consent":true}'
expect 400 phone_invalid "phone without country prefix refused"
api POST /api/v1/register "$REG"
expect 202 - "register"
FIRST=$BODY
api POST /api/v1/register "$REG"
check "second registration: same answer" [ "$CODE $BODY" = "202 $FIRST" ]
check "one account only" [ "$(sqlite3 "$DB" "SELECT count(*) FROM users WHERE email='$EMAIL'")" = 1 ]
LINK=$(outvar invitation link)
TOKEN=${LINK##*#}
check "invitation link e-mailed" [ ${#TOKEN} -eq 64 ]

# ---- J2 activate -------------------------------------------------------------
api GET /api/v1/activation/$TOKEN
expect 200 - "activation data"
check "activation shows the name" [ "$(jget surname)" = Popescu ]
api POST /api/v1/activation/$TOKEN/phone '{"phone":"+40700000000"}'
expect 400 phone_mismatch "other phone refused"
api POST /api/v1/activation/$TOKEN/phone '{"phone":"+40712345678"}'
expect 200 - "SMS code sent"
api POST /api/v1/activation/$TOKEN/phone '{"phone":"+40712345678"}'
expect 429 resend_too_soon "resend before expiry refused"
check "resend tells when" [ -n "$(jget error.retry_after)" ]
SMS=$(outvar activation_sms code)
api POST /api/v1/activation/$TOKEN/code '{"code":"000000"}'
[ "$SMS" = 000000 ] || expect 400 code_invalid "wrong SMS code refused"
# the code expires after 10 min: restart the server 11 min ahead
OFFSET=11; serve
api POST /api/v1/activation/$TOKEN/code "{\"code\":\"$SMS\"}"
expect 410 code_expired "expired SMS code refused"
api POST /api/v1/activation/$TOKEN/phone '{"phone":"+40712345678"}'
expect 429 resend_too_soon "resend after expiry but before 30 min refused"
OFFSET=31; serve
api POST /api/v1/activation/$TOKEN/phone '{"phone":"+40712345678"}'
expect 200 - "resend after 30 min"
SMS=$(outvar activation_sms code)
api POST /api/v1/activation/$TOKEN/code "{\"code\":\"$SMS\"}"
expect 200 - "SMS code accepted"
api POST /api/v1/activation/$TOKEN/password '{"password":"short","password_confirm":"short"}'
expect 400 password_weak "short password refused"
api POST /api/v1/activation/$TOKEN/password '{"password":"popescu-2024-abc","password_confirm":"popescu-2024-abc"}'
expect 400 password_personal "password with the surname refused"
api POST /api/v1/activation/$TOKEN/password '{"password":"masterbating","password_confirm":"masterbating"}'
expect 400 password_common "common password refused"
api POST /api/v1/activation/$TOKEN/password "{\"password\":\"$PW\",\"password_confirm\":\"$PW\"}"
expect 200 - "password set, account active"
api POST /api/v1/activation/$TOKEN/password "{\"password\":\"$PW\",\"password_confirm\":\"$PW\"}"
expect 410 link_used "reused invitation link refused"

# an expired invitation (48 h)
REG2='{"given_name":"Ion","surname":"Ionescu","email":"ion@example.ro","phone":"+40722222222","privacy_consent":true}'
api POST /api/v1/register "$REG2"
TOKEN2=$(outvar invitation link); TOKEN2=${TOKEN2##*#}
OFFSET=$((31 + 49 * 60)); serve
refresh_csrf
api GET /api/v1/activation/$TOKEN2
expect 410 link_expired "expired invitation link refused"
OFFSET=31; serve

# ---- J3 sign in, cookie flags ------------------------------------------------
refresh_csrf
api POST /api/v1/session "{\"email\":\"$EMAIL\",\"password\":\"wrong-password-123\"}"
expect 401 login_failed "wrong password refused"
curl -s -D "$T/hdr" -o "$T/body" -b "$JAR" -c "$JAR" -H "X-CSRF-Token: $CSRF" \
	-H 'Content-Type: application/json' \
	-d "{\"email\":\"$EMAIL\",\"password\":\"$PW\"}" "$PC_URL/api/v1/session" >/dev/null
BODY=$(cat "$T/body")
SC=$(grep -i '^set-cookie: pc_session=' "$T/hdr")
echo "$SC" | grep -q HttpOnly && ok "session cookie HttpOnly" || fail "HttpOnly: $SC"
echo "$SC" | grep -q 'SameSite=Strict' && ok "session cookie SameSite=Strict" || fail "SameSite: $SC"
check "signed in: 2FA offered" [ "$(jget next)" = twofa_offer ]
CSRF=$(jget csrf)
api GET /api/v1/account
expect 401 not_signed_in "account needs the 2FA step or a deferral"

# ---- J4 pairing ------------------------------------------------------------------
api POST /api/v1/totp/pairing
expect 200 - "pairing SMS sent"
PSMS=$(outvar pairing_sms code)
api POST /api/v1/totp/pairing/verify "{\"code\":\"$PSMS\",\"installed\":false}"
expect 400 installed_required "the installed box is required"
api POST /api/v1/totp/pairing/verify "{\"code\":\"$PSMS\",\"installed\":true}"
expect 200 - "pairing: secret shown"
SECRET=$(jget secret)
URI=$(jget otpauth_uri)
case "$URI" in otpauth://totp/Pecete:*issuer=Pecete*digits=6*period=30*) ok "otpauth URI";; *) fail "URI $URI";; esac
curl -s -o "$T/qr.png" -w '%{http_code}' -b "$JAR" "$PC_URL/api/v1/totp/qr.png" >"$T/qrcode"
check "QR PNG served" [ "$(cat "$T/qrcode")" = 200 ]
check "QR is a PNG" [ "$(head -c 8 "$T/qr.png" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ]
if command -v zbarimg >/dev/null; then
	check "QR decodes to the URI" [ "$(zbarimg -q --raw "$T/qr.png" 2>/dev/null)" = "$URI" ]
fi
api GET /api/v1/totp/qr.png
expect 410 qr_gone "QR served only once"
api POST /api/v1/totp/pairing/confirm '{"code":"000000"}'
[ "$(totp)" = 000000 ] || expect 400 totp_invalid "wrong pairing code refused"
api POST /api/v1/totp/pairing/confirm "{\"code\":\"$(totp)\"}"
expect 200 - "pairing confirmed"
check "session full after pairing" [ "$(jget state)" = full ]
check "GDPR notice next" [ "$(jget next)" = gdpr_notice ]

# ---- J5 consents -------------------------------------------------------------------
api GET /api/v1/consents
reqv() { /usr/bin/python3 -c 'import json,sys;print([c["version"] for c in json.loads(sys.argv[1])["required"] if c["kind"]==sys.argv[2]][0])' "$BODY" "$1"; }
GV=$(reqv gdpr_notice); AV=$(reqv app_access)
LV=$(sed -n 's/^version: //p' "$PECETE_SRC/data/legal/privacy.ro.md")
check "the GDPR notice's version is the privacy notice's (data/legal, $LV)" [ "$GV" = "$LV" ]
api POST /api/v1/consents "{\"kind\":\"gdpr_notice\",\"version\":\"$GV\"}"
expect 201 - "GDPR notice recorded"
api POST /api/v1/consents "{\"kind\":\"app_access\",\"version\":\"$GV-old\"}"
expect 400 field_invalid "a consent in another version is refused"
api POST /api/v1/consents "{\"kind\":\"app_access\",\"version\":\"$AV\"}"
expect 201 - "app consent recorded"
api GET /api/v1/consents
check "three consents listed (privacy, gdpr, app)" [ "$(/usr/bin/python3 -c 'import json,sys;print(len(json.loads(sys.argv[1])["consents"]))' "$BODY")" = 3 ]

# ---- sign out, sign in with 2FA, replay, lockout ---------------------------------------
api DELETE /api/v1/session
expect 200 - "signed out"
refresh_csrf
api POST /api/v1/session "{\"email\":\"$EMAIL\",\"password\":\"$PW\"}"
check "password ok: TOTP asked" [ "$(jget state)" = needs_2fa ]
CSRF=$(jget csrf)
next_step
C=$(totp)
api POST /api/v1/session/totp "{\"code\":\"$C\"}"
expect 200 - "sign-in with TOTP"
api DELETE /api/v1/session
refresh_csrf
api POST /api/v1/session "{\"email\":\"$EMAIL\",\"password\":\"$PW\"}"
CSRF=$(jget csrf)
api POST /api/v1/session/totp "{\"code\":\"$C\"}"
expect 400 totp_replay "TOTP replay refused"
for i in 1 2 3 4; do
	api POST /api/v1/session/totp '{"code":"999999"}'
done
[ "$(totp)" = 999999 ] || { api POST /api/v1/session/totp '{"code":"999999"}'
	expect 429 totp_locked "5 wrong codes lock TOTP"; }
next_step
api POST /api/v1/session/totp "{\"code\":\"$(totp)\"}"
expect 429 totp_locked "locked even with the right code"
OFFSET=47; serve
api POST /api/v1/session/totp "{\"code\":\"$(totp)\"}"
expect 200 - "after 15 min the right code works"

# ---- J12 change password --------------------------------------------------------------
PW2='Albastru-Rau-Vant-77'
api POST /api/v1/account/password "{\"current_password\":\"x-wrong-password\",\"password\":\"$PW2\",\"password_confirm\":\"$PW2\"}"
expect 403 password_wrong "wrong current password refused"
api POST /api/v1/account/password "{\"current_password\":\"$PW\",\"password\":\"$PW2\",\"password_confirm\":\"$PW2\"}"
expect 200 - "password changed"

# ---- J13 change phone --------------------------------------------------------------------
api POST /api/v1/account/phone/sms-code '{"phone":"+40733333333"}'
expect 409 step_order "new number before the e-mail code refused"
api POST /api/v1/account/phone/email-code
expect 200 - "phone change: e-mail code sent"
EC=$(outvar phone_change_email_code code)
api POST /api/v1/account/phone/email-code/verify "{\"code\":\"$EC\"}"
expect 200 - "e-mail code accepted"
api POST /api/v1/account/phone/sms-code '{"phone":"+40733333333"}'
expect 200 - "SMS code to the new number"
check "SMS goes to the new number" [ "$(sqlite3 "$DB" "SELECT recipient FROM outbox WHERE template='phone_change_sms' ORDER BY id DESC LIMIT 1")" = "+40733333333" ]
PC=$(outvar phone_change_sms code)
api POST /api/v1/account/phone/sms-code/verify "{\"code\":\"$PC\"}"
expect 200 - "phone changed"
check "confirmation e-mail" [ "$(nout phone_changed)" = 1 ]
api GET /api/v1/account
expect 401 not_signed_in "signed out after the phone change"

# ---- J12 recovery ------------------------------------------------------------------------
refresh_csrf
N0=$(nout recovery_link)
api POST /api/v1/recovery '{"email":"nobody@example.ro"}'
R1="$CODE $BODY"
api POST /api/v1/recovery "{\"email\":\"$EMAIL\"}"
check "recovery: same answer for unknown e-mail" [ "$R1" = "$CODE $BODY" ]
check "one recovery e-mail only" [ "$(nout recovery_link)" = $((N0 + 1)) ]
RT=$(outvar recovery_link link); RT=${RT##*#}
api POST /api/v1/recovery/$RT/sms
expect 200 - "recovery SMS sent"
RC=$(outvar recovery_sms code)
api POST /api/v1/recovery/$RT/code "{\"code\":\"$RC\"}"
expect 200 - "recovery code accepted"
PW3='Galben-Camp-Soare-19'
api POST /api/v1/recovery/$RT/password "{\"password\":\"$PW3\",\"password_confirm\":\"$PW3\"}"
expect 200 - "password recovered"
api POST /api/v1/recovery/$RT/password "{\"password\":\"$PW3\",\"password_confirm\":\"$PW3\"}"
expect 410 link_used "recovery link used once"
api POST /api/v1/recovery "{\"email\":\"$EMAIL\"}"
RT2=$(outvar recovery_link link); RT2=${RT2##*#}
OFFSET=$((47 + 61)); serve
refresh_csrf
api GET /api/v1/recovery/$RT2
expect 410 link_expired "recovery link expires after 1 h"

# ---- J14 re-pair from settings --------------------------------------------------------------
api POST /api/v1/session "{\"email\":\"$EMAIL\",\"password\":\"$PW3\"}"
CSRF=$(jget csrf)
next_step
api POST /api/v1/session/totp "{\"code\":\"$(totp)\"}"
expect 200 - "sign-in after recovery"
OLD=$SECRET
api POST /api/v1/totp/pairing
expect 200 - "re-pair: SMS sent"
check "re-pair SMS template" [ "$(nout totp_reset_sms)" = 1 ]
api POST /api/v1/totp/pairing/verify "{\"code\":\"$(outvar totp_reset_sms code)\",\"installed\":true}"
expect 200 - "re-pair: new secret"
SECRET=$(jget secret)
next_step
api POST /api/v1/totp/pairing/confirm "{\"code\":\"$(totp)\"}"
expect 200 - "re-pair confirmed"
api DELETE /api/v1/session
refresh_csrf
api POST /api/v1/session "{\"email\":\"$EMAIL\",\"password\":\"$PW3\"}"
CSRF=$(jget csrf)
next_step
NEWC=$(totp); SECRET=$OLD; OLDC=$(totp)
if [ "$NEWC" != "$OLDC" ]; then
	api POST /api/v1/session/totp "{\"code\":\"$OLDC\"}"
	expect 400 totp_invalid "old secret dead after re-pairing"
fi
api POST /api/v1/session/totp "{\"code\":\"$NEWC\"}"
expect 200 - "new secret works"

# ---- rate limit on sign-in -------------------------------------------------------------------
# Ten a minute from one address (fixed one-minute windows: at most 20 pass
# when the tries straddle two). Each try names another e-mail, so that no
# e-mail's own lock answers first.
refresh_csrf
n=0
for i in $(seq 1 21); do
	api POST /api/v1/session "{\"email\":\"nobody$i@example.ro\",\"password\":\"whatever-123456\"}"
	n=$i
	[ "$CODE" = 429 ] && break
done
expect 429 rate_limited "sign-ins from one address limited (refused at try $n; earlier sign-ins of the minute count too)"

# ---- secrets never logged ---------------------------------------------------------------------
pc_stop
LOG=$D.serve.log
leak=0
for s in "$PW" "$PW2" "$PW3" "$SMS" "$PSMS" "$EC" "$PC" "$RC" "$TOKEN" "$RT" "$SECRET" "$OLD" "+40712345678" "+40733333333"; do
	[ -n "$s" ] && grep -qwF -- "$s" "$LOG" && { leak=1; echo "leaked: ${s:0:3}..."; }
done
check "no password, code, token, secret or phone number in the log" [ $leak -eq 0 ]
check "audit chain intact" "$PECETE_BIN" audit verify --data "$D"
pc_done
