#!/usr/bin/env bash
# serve_production.sh: development defaults never reach production.
# A data dir made without --dev names no mail/SMS driver and no payment
# provider: check-config refuses it and serve will not start on it; the
# development ones (outbox, sandbox) are refused outside dev mode; with
# explicit SMTP, SMS gateway and Netopia settings it serves and the
# sandbox's routes do not exist. And the sandbox page, given a malformed
# order id, answers 404 (it used to crash the server).
. "${PECETE_SRC:?}/tests/support/lib.sh"
T=$(pc_tmpdir)

# ---- a production data dir ---------------------------------------------
pc_init "$T/p"
check "init without --dev writes no sandbox key" test ! -e "$T/p/sandbox.key"
check "the file shows the unset mail driver" grep -q '^# mail_driver =' "$T/p/pecete.conf"
check "... and the unset payment provider" grep -q '^# provider =' "$T/p/pecete.conf"
check "dev mode is off" grep -q '^dev_mode = false' "$T/p/pecete.conf"

"$PECETE_BIN" check-config --data "$T/p" >"$T/cc.out" 2>"$T/cc.err"
check "check-config refuses the unfilled file (exit $?)" test $? -eq 1
check "... and says what to set" grep -q 'mail_driver is not set: set it to smtp' "$T/cc.err"

"$PECETE_BIN" serve --data "$T/p" --listen 127.0.0.1:0 >"$T/s.out" 2>"$T/s.err" &
spid=$!
for _ in $(seq 1 100); do kill -0 "$spid" 2>/dev/null || break; sleep 0.1; done
if kill -0 "$spid" 2>/dev/null; then
	kill "$spid"
	fail "serve started on a configuration check-config refuses"
else
	wait "$spid"
	check "serve refuses to start (exit $?)" test $? -eq 1
fi
check "serve says why" grep -q 'mail_driver is not set' "$T/s.err"
check "serve did not listen" bash -c "! grep -q '^listening on' '$T/s.out'"

for kv in NOTIFY_MAIL_DRIVER=outbox NOTIFY_SMS_DRIVER=outbox SHOP_PROVIDER=sandbox; do
	(
		pc_prod_env "$T/p"
		export "PECETE_$kv"
		"$PECETE_BIN" check-config --data "$T/p" >/dev/null 2>"$T/cc.err"
		rc=$?
		test $rc -eq 1 && grep -q 'is for development only' "$T/cc.err"
	) && ok "check-config refuses $kv outside dev mode" ||
		fail "check-config accepts $kv outside dev mode"
done
(
	pc_prod_env "$T/p"
	unset PECETE_SHOP_NETOPIA_PUBLIC_KEY_FILE
	"$PECETE_BIN" check-config --data "$T/p" >/dev/null 2>"$T/cc.err"
	test $? -eq 1 && grep -q 'netopia_public_key_file' "$T/cc.err"
) && ok "check-config refuses an incomplete Netopia setting" ||
	fail "check-config accepts Netopia without its public key"

# The provider's identity: example values are refused, each by name.
for kv in SHOP_SELLER_CUI=RO00000000 "SHOP_CONTACT_EMAIL=contact@pecete.example" \
	PKI_POLICY_OID=1.3.6.1.4.1.55555.1.1 "NOTIFY_MAIL_FROM=Pecete <no-reply@pecete.example>"; do
	(
		pc_prod_env "$T/p"
		export "PECETE_$kv"
		"$PECETE_BIN" check-config --data "$T/p" >/dev/null 2>"$T/cc.err"
		rc=$?
		key=$(echo "${kv%%=*}" | cut -d_ -f2- | tr 'A-Z' 'a-z')
		test $rc -eq 1 && grep -q "$key is still the example value" "$T/cc.err"
	) && ok "check-config refuses the example ${kv%%=*}" ||
		fail "check-config accepts the example ${kv%%=*}: $(cat "$T/cc.err")"
done
(
	pc_prod_env "$T/p"
	export PECETE_SERVER_PUBLIC_URL=http://pki.test.invalid
	"$PECETE_BIN" check-config --data "$T/p" >/dev/null 2>"$T/cc.err"
	test $? -eq 1 && grep -q 'public_url = http://pki.test.invalid is plain http' "$T/cc.err"
) && ok "check-config refuses a plain-http public URL" ||
	fail "check-config accepts a plain-http public URL"

pc_prod_env "$T/p"
"$PECETE_BIN" check-config --data "$T/p" >"$T/cc.out" 2>"$T/cc.err"
check "explicit SMTP, SMS gateway and Netopia: configuration OK" \
	grep -qx 'configuration OK' "$T/cc.out"
pc_serve "$T/p"
for m in GET HEAD POST; do
	for id in x "%ff" 0123456789abcdef0123456789abcdef; do
		if [ "$m" = HEAD ]; then
			code=$(curl -s -o /dev/null -w '%{http_code}' -I "$PC_URL/sandbox/pay/$id")
		else
			code=$(curl -s -o /dev/null -w '%{http_code}' -X "$m" \
				-H 'Content-Type: application/x-www-form-urlencoded' \
				--data card=4111111111111111 "$PC_URL/sandbox/pay/$id")
		fi
		[ "$code" = 404 ] || fail "production: $m /sandbox/pay/$id answered $code"
	done
done
ok "production: /sandbox/pay/* is 404 for GET, HEAD and POST"
code=$(curl -s -o /dev/null -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
	-H 'X-Sandbox-Signature: 00' --data '{}' "$PC_URL/api/v1/payments/sandbox/notify")
check "production: the sandbox notification route is 404 ($code)" test "$code" = 404
code=$(curl -s -o /dev/null -w '%{http_code}' "$PC_URL/dev/outbox")
check "production: /dev/outbox is 404 ($code)" test "$code" = 404
check "production: the server is alive" curl -fsS -o /dev/null "$PC_URL/healthz"
pc_stop

# ---- development mode: the sandbox page with malformed ids ---------------
pc_init "$T/d" --dev
( unset PECETE_NOTIFY_MAIL_DRIVER PECETE_NOTIFY_SMS_DRIVER PECETE_SHOP_PROVIDER
  "$PECETE_BIN" check-config --data "$T/d" >"$T/cc.out" 2>&1 ) 
check "dev data dir: check-config OK and says development" grep -q 'configuration OK (development mode' "$T/cc.out"
unset PECETE_NOTIFY_MAIL_DRIVER PECETE_NOTIFY_SMS_DRIVER PECETE_SHOP_PROVIDER
pc_serve "$T/d"
for m in GET HEAD POST; do
	for id in x "%ff" 0123456789abcdef0123456789abcdef zzzz; do
		if [ "$m" = HEAD ]; then
			code=$(curl -s -o /dev/null -w '%{http_code}' -I "$PC_URL/sandbox/pay/$id")
		else
			code=$(curl -s -o /dev/null -w '%{http_code}' -X "$m" \
				-H 'Content-Type: application/x-www-form-urlencoded' \
				--data card=4111111111111111 "$PC_URL/sandbox/pay/$id")
		fi
		case "$code" in
		404) ;;
		*) fail "dev: $m /sandbox/pay/$id answered $code" ;;
		esac
	done
done
check "dev: the server survived malformed sandbox ids" curl -fsS -o /dev/null "$PC_URL/healthz"
check "dev: the signer survived too" bash -c "curl -s '$PC_URL/readyz' | grep -q '\"signer\":\"ok\"'"
pc_stop
check "no sanitizer report in the log" bash -c "! grep -q 'Sanitizer' '$T/d.serve.log' '$T/p.serve.log'"
pc_done
