#!/usr/bin/env bash
# Browser journey J7 of issue 12 (tests/e2e/idv.mjs): the video
# identification recorded in Debian's Chromium with its fake camera and
# microphone (--use-fake-device-for-media-stream, the picture from a
# generated Y4M file so the recording is large enough to be sent in
# several pieces), the SMS code read from the SMS receiver, the upload cut
# and resumed, the status page; then the RA console in a second browser
# context (an operator made with `pecete user role`, TOTP paired): the
# video played and seeked, the claim, the checklist and the identity (an
# invalid CNP refused at its field), accept; a second case rejected, the
# reason in the e-mail and its link starting a new recording. Real SMTP
# server (aiosmtpd), real `pecete serve`. Screenshots:
# tests/e2e/screenshots/idv/.
. "${PECETE_SRC:?}/tests/support/lib.sh"
E2E="$PECETE_SRC/tests/e2e"
SUP="$PECETE_SRC/tests/support"

for tool in node npm oathtool python3 sqlite3 /usr/bin/chromium; do
	if ! command -v "$tool" >/dev/null 2>&1; then
		echo "# SKIP: $tool is missing (scripts/deps.sh installs it)"
		exit 77
	fi
done
if [ ! -d "$E2E/node_modules/playwright-core" ]; then
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

# The fake camera's picture: a Y4M clip (640x480, 15 fps) whose lowest
# quarter changes every frame, so the encoder keeps to the page's bit
# rate (1.5 Mbit/s, about 4 MB in 20 s) and the recording takes several
# 1 MiB pieces.
/usr/bin/python3 - "$T/camera.y4m" <<'PY'
import os, sys
w, h, n = 640, 480, 30
with open(sys.argv[1], "wb") as f:
    f.write(b"YUV4MPEG2 W%d H%d F15:1 Ip A1:1 C420jpeg\n" % (w, h))
    top = bytes((x * 255 // w) for x in range(w)) * (h * 3 // 4)
    for _ in range(n):
        f.write(b"FRAME\n" + top + os.urandom(w * h // 4) + bytes([128]) * (w * h // 2))
PY
ok "fake camera clip $(stat -c %s "$T/camera.y4m") bytes"

pc_init "$T/d" --dev
port=$(pc_free_port)
export PECETE_SERVER_PUBLIC_URL="http://127.0.0.1:$port"
export PECETE_SERVER_WEB_ROOT="$PECETE_SRC/web"
export PECETE_NOTIFY_MAIL_DRIVER=smtp
export PECETE_NOTIFY_SMTP_URL="smtp://127.0.0.1:$smtp_port"
export PECETE_NOTIFY_SMTP_STARTTLS=false
export PECETE_NOTIFY_SMS_DRIVER=sms-http
export PECETE_NOTIFY_SMS_URL="http://127.0.0.1:$sms_port/sms"
(umask 077 && echo "e2e-sms-token" >"$T/sms.token")
export PECETE_NOTIFY_SMS_TOKEN_FILE="$T/sms.token"
export PECETE_NOTIFY_RETRY_BASE_S=1
export PECETE_SHOP_PROVIDER=sandbox
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
ok "pecete serve on $PC_URL (smtp, sms-http, sandbox payments)"

shots="$E2E/screenshots/idv"
rm -rf "$shots"
mkdir -p "$shots"
t0=$(date +%s)
if PC_URL="$PC_URL" E2E_MAIL_DIR="$T/mail" E2E_SMS_DIR="$T/sms" \
	E2E_SHOTS="$shots" E2E_TMP="$T" E2E_CAMERA="$T/camera.y4m" \
	PECETE_BIN="$PECETE_BIN" timeout 400 node "$E2E/idv.mjs"; then
	ok "browser journey J7 (tests/e2e/idv.mjs, $(($(date +%s) - t0)) s)"
else
	fail "browser journey J7 (tests/e2e/idv.mjs, $(($(date +%s) - t0)) s)"
	echo "# server log (tail):"
	tail -40 "$T/d.serve.log" | sed 's/^/#   /'
fi
cp "$T/d.serve.log" "$shots/serve.log" 2>/dev/null
# Nothing personal in the server's log: no CNP typed by the operator, no
# SMS code, no phone number.
if grep -qE '1900101410011|2900101410019|\+4072[0-9]{7}' "$T/d.serve.log" ||
	grep -qFf <(grep -ho '"text": *"[^"]*"' "$T/sms/sms.log" 2>/dev/null | grep -oE '[0-9]{6}') "$T/d.serve.log" 2>/dev/null; then
	fail "a CNP, a phone number or an SMS code appears in the server log"
else
	ok "no CNP, phone number or SMS code in the server log"
fi
pc_done
