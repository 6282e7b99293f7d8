# tests/support/api.sh: calling the JSON API from shell tests (source it
# after lib.sh). Needs T (temp dir), JAR (cookie jar), DB (the SQLite file)
# and PC_URL.
#   api METHOD PATH [JSON]   body in $BODY, HTTP status in $CODE; a "csrf"
#                            in the answer becomes $CSRF (as the web UI
#                            does: tokens change at every elevation)
#   jget a.b                 a field of $BODY ("" when absent)
#   expect STATUS CODE|- "what"   ok/fail on $CODE and error.code
#   refresh_csrf             GET /api/v1/session, sets CSRF
#   outvar TEMPLATE VAR      a variable of the newest outbox message
#   sql QUERY                run a query on the SQLite database
#   api_signup EMAIL PHONE PASSWORD   register, activate, sign in (no 2FA
#                            step taken: the session is at the 2FA offer)
#   api_consents             accept the consents the server asks for
#                            (GET /api/v1/consents "required")
#   api_signup_user EMAIL PHONE   api_signup, 2FA deferred to the next
#                            sign-in and the consents accepted: a user who
#                            may use the whole API
#   api_pair_totp            pair an authenticator now (sets SECRET)
#   api_buy_paid PACKAGE     order and pay (sandbox) a package; sets ORDER
CSRF=""

api() {
	local m=$1 p=$2 d=${3:-}
	local args=(-s -o "$T/body" -w '%{http_code}' -b "$JAR" -c "$JAR"
		-H "X-CSRF-Token: $CSRF" -X "$m")
	[ -n "$d" ] && args+=(-H 'Content-Type: application/json' -d "$d")
	CODE=$(curl "${args[@]}" "$PC_URL$p")
	BODY=$(cat "$T/body")
	local c
	c=$(grep -o '"csrf":"[0-9a-f]*"' "$T/body" | head -n 1 | cut -d'"' -f4)
	[ -n "$c" ] && CSRF=$c
	return 0
}

jget() {
	/usr/bin/python3 -c 'import json,sys
v=json.loads(sys.argv[1])
for k in sys.argv[2].split("."):
    v=v.get(k) if isinstance(v,dict) else None
print("" if v is None else str(v).lower() if isinstance(v,bool) else v)' "$BODY" "$1"
}

expect() {
	if [ "$CODE" = "$1" ] && { [ "$2" = - ] || [ "$(jget error.code)" = "$2" ]; }; then
		ok "$3"
	else
		fail "$3 (got $CODE $BODY)"
	fi
}

refresh_csrf() {
	api GET /api/v1/session
	CSRF=$(jget csrf)
}

outvar() {
	sqlite3 -cmd ".timeout 10000" "$DB" "SELECT json_extract(vars, '\$.$2') FROM outbox WHERE template = '$1' ORDER BY id DESC LIMIT 1"
}

sql() {
	sqlite3 -cmd ".timeout 10000" "$DB" "$1"
}

api_signup() {
	local email=$1 phone=$2 pw=$3 tok sms
	rm -f "$JAR"
	CSRF=""
	refresh_csrf
	api POST /api/v1/register "{\"given_name\":\"Ana\",\"surname\":\"Pop\",\"email\":\"$email\",\"phone\":\"$phone\",\"privacy_consent\":true,\"lang\":\"ro\"}"
	tok=$(outvar invitation link)
	tok=${tok##*#}
	api POST "/api/v1/activation/$tok/phone" "{\"phone\":\"$phone\"}"
	sms=$(outvar activation_sms code)
	api POST "/api/v1/activation/$tok/code" "{\"code\":\"$sms\"}"
	api POST "/api/v1/activation/$tok/password" "{\"password\":\"$pw\",\"password_confirm\":\"$pw\"}"
	api POST /api/v1/session "{\"email\":\"$email\",\"password\":\"$pw\"}"
	refresh_csrf
}

api_consents() {
	local kv
	api GET /api/v1/consents
	for kv in $(/usr/bin/python3 -c 'import json,sys
for c in json.loads(sys.argv[1]).get("required", []):
    print(c["kind"] + "=" + c["version"])' "$BODY"); do
		api POST /api/v1/consents "{\"kind\":\"${kv%%=*}\",\"version\":\"${kv#*=}\"}"
	done
}

api_signup_user() {
	api_signup "$1" "$2" Verde-Munte-Ploaie-42
	api POST /api/v1/session/twofa-defer '{"mode":"next_login"}'
	api_consents
	refresh_csrf
}

# api_pair_totp: pair an authenticator in the current (full) session, as
# J4 does; sets SECRET (base32) for `oathtool --totp -b "$SECRET"`. The
# session then counts as signed in with TOTP (what operator routes ask).
api_pair_totp() {
	local psms
	api POST /api/v1/totp/pairing
	psms=$(outvar pairing_sms code)
	api POST /api/v1/totp/pairing/verify "{\"code\":\"$psms\",\"installed\":true}"
	SECRET=$(jget secret)
	api POST /api/v1/totp/pairing/confirm "{\"code\":\"$(oathtool --totp -b "$SECRET")\"}"
	[ "$CODE" = 200 ] || echo "# api_pair_totp: $CODE $BODY" >&2
	refresh_csrf
}

# api_buy_paid PACKAGE: order PACKAGE for the signed-in user and pay it
# with the sandbox's success card (development data dir); sets ORDER.
api_buy_paid() {
	local addr='"county":"Cluj","town":"Cluj-Napoca","street":"Str. Memorandumului","number":"1","postal_code":"400114"'
	api POST /api/v1/shop/orders "{\"package\":\"$1\",\"accept_terms\":true,\"accept_conditions\":true,\"accept_withdrawal\":true,\"invoice\":{\"type\":\"person\",\"name\":\"Ana Pop\",$addr}}"
	ORDER=$(jget id)
	api POST "/api/v1/shop/orders/$ORDER/pay"
	curl -s -o /dev/null --data "card=4111111111111111" "$PC_URL/sandbox/pay/$ORDER"
	for _ in $(seq 1 50); do
		[ "$(sql "SELECT state FROM shop_orders WHERE id = '$ORDER'")" = paid ] && return 0
		sleep 0.1
	done
	echo "# api_buy_paid: order $ORDER not paid" >&2
	return 1
}
