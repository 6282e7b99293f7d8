#!/usr/bin/env bash
# Browser journey J6 of issue 5 (tests/e2e/shop.mjs): buy a certificate
# with playwright-core driving Debian's Chromium against a real `pecete
# serve`: packages, promo code (made with `pecete shop promo add`), company
# invoice with a CUI refused then accepted, the sandbox provider's card
# page (success, declined, 3-D Secure, browser closed before the
# redirect), the order e-mails through a real SMTP server (aiosmtpd) with
# the order-note PDF read by pdftotext, My orders. The BNR feed is a
# fixture served on loopback. Screenshots: tests/e2e/screenshots/shop/.
. "${PECETE_SRC:?}/tests/support/lib.sh"
E2E="$PECETE_SRC/tests/e2e"
SUP="$PECETE_SRC/tests/support"

for tool in node npm oathtool pdftotext python3 /usr/bin/chromium; do
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
BNR_PID=""
e2e_cleanup() {
	bash "$SUP/smtp-sink.sh" stop "$T/mail" >/dev/null 2>&1
	bash "$SUP/sms-receiver.sh" stop "$T/sms" >/dev/null 2>&1
	[ -n "$BNR_PID" ] && kill "$BNR_PID" 2>/dev/null
	pc_cleanup
}
trap e2e_cleanup EXIT

smtp_port=$(pc_free_port)
sms_port=$(pc_free_port)
bash "$SUP/smtp-sink.sh" start "$T/mail" "$smtp_port" || { echo "FAIL - smtp sink"; exit 1; }
bash "$SUP/sms-receiver.sh" start "$T/sms" "$sms_port" || { echo "FAIL - sms receiver"; exit 1; }
ok "SMTP server (aiosmtpd) on $smtp_port, SMS receiver on $sms_port"

# The BNR feed in its public format, served on loopback.
mkdir -p "$T/bnr"
RATE_DATE=$(date -u -d yesterday +%F)
cat >"$T/bnr/nbrfxrates.xml" <<XML
<?xml version="1.0" encoding="utf-8"?>
<DataSet xmlns="http://www.bnr.ro/xsd" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="http://www.bnr.ro/xsd nbrfxrates.xsd">
	<Header>
		<Publisher>National Bank of Romania</Publisher>
		<PublishingDate>$RATE_DATE</PublishingDate>
		<MessageType>DR</MessageType>
	</Header>
	<Body>
		<Subject>Reference rates</Subject>
		<OrigCurrency>RON</OrigCurrency>
		<Cube date="$RATE_DATE">
			<Rate currency="AED">1.2043</Rate>
			<Rate currency="EUR">4.9763</Rate>
			<Rate currency="HUF" multiplier="100">1.2745</Rate>
			<Rate currency="USD">4.4231</Rate>
		</Cube>
	</Body>
</DataSet>
XML
bnr_port=$(pc_free_port)
python3 -m http.server "$bnr_port" --bind 127.0.0.1 --directory "$T/bnr" >"$T/bnr.log" 2>&1 &
BNR_PID=$!

pc_init "$T/d" --dev
# A promo code for the suite (10 % off every package); the CLI is the
# admin's way to make one.
PROMO="E2E$(date +%s | tail -c 5)"
if "$PECETE_BIN" shop promo add --data "$T/d" --code "$PROMO" --percent 1000 \
	--from "$(date -u -d yesterday +%F)" --to "$(date -u -d "+30 days" +%F)" \
	--max-uses 10 >"$T/promo.out" 2>&1; then
	ok "promo code $PROMO made with pecete shop promo add"
else
	sed 's/^/#   /' "$T/promo.out"
	fail "pecete shop promo add --code $PROMO --percent 1000 (src/cli/cmd_shop.c)"
fi

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
export PECETE_SHOP_BNR_URL="http://127.0.0.1:$bnr_port/nbrfxrates.xml"
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
ok "pecete serve on $PC_URL (smtp, sms-http, sandbox payments, BNR fixture)"

shots="$E2E/screenshots/shop"
rm -rf "$shots"
mkdir -p "$shots"
if PC_URL="$PC_URL" E2E_MAIL_DIR="$T/mail" E2E_SMS_DIR="$T/sms" \
	E2E_SHOTS="$shots" E2E_PROMO="$PROMO" E2E_RATE="4.9763" \
	E2E_TMP="$T" PECETE_BIN="$PECETE_BIN" \
	timeout 400 node "$E2E/shop.mjs"; then
	ok "browser journey J6 (tests/e2e/shop.mjs)"
else
	fail "browser journey J6 (tests/e2e/shop.mjs)"
	echo "# server log (tail):"
	tail -40 "$T/d.serve.log" | sed 's/^/#   /'
fi
cp "$T/d.serve.log" "$shots/serve.log" 2>/dev/null
if grep -qE '4111 ?1111 ?1111 ?1111|4000 ?0000 ?0000 ?(0002|3220)' "$T/d.serve.log"; then
	fail "a card number appears in the server log"
else
	ok "no card number in the server log"
fi
pc_done
