#!/usr/bin/env bash
# Browser journeys of issue 4 (tests/e2e/accounts.mjs): playwright-core
# driving Debian's Chromium against a real `pecete serve`, whose e-mail
# goes through our smtp driver to a real SMTP server (python3-aiosmtpd,
# tests/support/smtp-sink.sh) and whose SMS go through the sms-http driver
# to tests/support/sms-receiver.py. Screenshots: tests/e2e/screenshots/.
. "${PECETE_SRC:?}/tests/support/lib.sh"
E2E="$PECETE_SRC/tests/e2e"
SUP="$PECETE_SRC/tests/support"

for tool in node npm zbarimg oathtool /usr/bin/chromium; do
	if ! command -v "$tool" >/dev/null 2>&1; then
		echo "# SKIP: $tool is missing (scripts/deps.sh installs it)"
		exit 77
	fi
done
if [ ! -d "$E2E/node_modules/playwright-core" ]; then
	# From the lockfile only; works offline with a filled npm cache.
	npm ci --prefix "$E2E" --no-audit --no-fund --prefer-offline >/dev/null 2>&1 ||
		{ echo "FAIL - npm ci in tests/e2e"; exit 1; }
fi

T=$(pc_tmpdir)
e2e_cleanup() {
	bash "$SUP/smtp-sink.sh" stop "$T/mail" >/dev/null 2>&1
	bash "$SUP/sms-receiver.sh" stop "$T/sms" >/dev/null 2>&1
	pc_cleanup
}
trap e2e_cleanup EXIT

smtp_port=$(pc_free_port)
sms_port=$(pc_free_port)
bash "$SUP/smtp-sink.sh" start "$T/mail" "$smtp_port" || { echo "FAIL - smtp sink"; exit 1; }
bash "$SUP/sms-receiver.sh" start "$T/sms" "$sms_port" || { echo "FAIL - sms receiver"; exit 1; }
ok "SMTP server (aiosmtpd) on $smtp_port, SMS receiver on $sms_port"

pc_init "$T/d" --dev
port=$(pc_free_port)
export PECETE_SERVER_PUBLIC_URL="http://127.0.0.1:$port"
export PECETE_SERVER_WEB_ROOT="$PECETE_SRC/web"
export PECETE_NOTIFY_MAIL_DRIVER=smtp
export PECETE_NOTIFY_SMTP_URL="smtp://127.0.0.1:$smtp_port"
# Plain SMTP on loopback (the sink offers no STARTTLS here).
export PECETE_NOTIFY_SMTP_STARTTLS=false
export PECETE_NOTIFY_SMS_DRIVER=sms-http
export PECETE_NOTIFY_SMS_URL="http://127.0.0.1:$sms_port/sms"
(umask 077 && echo "e2e-sms-token" >"$T/sms.token")
export PECETE_NOTIFY_SMS_TOKEN_FILE="$T/sms.token"
export PECETE_NOTIFY_RETRY_BASE_S=1
"$PECETE_BIN" serve --data "$T/d" --listen "127.0.0.1:$port" \
	>"$T/d.serve.out" 2>"$T/d.serve.log" &
PC_PID=$!
PC_URL="http://127.0.0.1:$port"
for _ in $(seq 1 100); do
	grep -q "^listening on " "$T/d.serve.out" 2>/dev/null && break
	kill -0 "$PC_PID" 2>/dev/null || break
	sleep 0.1
done
if ! grep -q "^listening on " "$T/d.serve.out" 2>/dev/null; then
	cat "$T/d.serve.log"
	echo "FAIL - pecete serve did not start"
	exit 1
fi
ok "pecete serve on $PC_URL (smtp + sms-http drivers)"

shots="$E2E/screenshots"
# Only this suite's own pictures (the shop suite writes to shop/).
mkdir -p "$shots"
find "$shots" -maxdepth 1 -name '*.png' -delete
if PC_URL="$PC_URL" E2E_MAIL_DIR="$T/mail" E2E_SMS_DIR="$T/sms" \
	E2E_SHOTS="$shots" timeout 600 node "$E2E/accounts.mjs"; then
	ok "browser journeys (tests/e2e/accounts.mjs)"
else
	fail "browser journeys (tests/e2e/accounts.mjs)"
	echo "# server log (tail):"
	tail -40 "$T/d.serve.log" | sed 's/^/#   /'
fi
cp "$T/d.serve.log" "$shots/serve.log" 2>/dev/null
if grep -qE "$(printf '%s|' 'Ceai verde cu lamaie' 'Munte, mare si delta' 'Toamna tarzie pe Olt' 'Blue kettle over')x^" "$T/d.serve.log"; then
	fail "a password appears in the server log"
else
	ok "no password in the server log"
fi
pc_done
