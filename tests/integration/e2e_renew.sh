#!/usr/bin/env bash
# The browser journey of the renewal (J10, issue 14), in Debian's Chromium
# (tests/e2e/renew.mjs), on one server whose clock is in a file
# (libfaketime, FAKETIME_TIMESTAMP_FILE): two holders with certificates
# made through the API (tests/support/idv.sh api_issued: no registration
# in the browser), an operator with an authenticator. The clock moved to
# 10 days before the end (the banner's time):
#  - ana: the banner -> "start the process" -> the privacy notice -> a
#    package bought through the checkout with the sandbox card -> back to
#    the form (her data read-only; a document ending before the new start
#    day and a disguised photo refused at their fields by the server, an
#    oversized one by the page) -> a JPEG -> the terms signed with TOTP ->
#    "request sent for approval"; the banner says it is being checked;
#  - rita's request (sent through the API) is rejected in the RA console
#    with a reason, which her banner shows; "start again" goes to the form
#    with the same order (nothing paid twice) and she sends it again;
#  - the operator, in a second browser context, approves ana's request
#    beside her current identity and the photo;
#  - the server restarted at the end - 3 days (the renewals job runs):
#    ana's new certificate, downloaded by her from the app, passes
#    `openssl verify` against the exported chain, the old one is still
#    valid, her home shows the new end and no banner, a signature is made
#    with the new credential; rita's request, not approved in time, is
#    refunded. E-mails (approved, rejected, issued, refunded) are read
#    from a real SMTP server (aiosmtpd). Screenshots: tests/e2e/screenshots/renew/.
. "${PECETE_SRC:?}/tests/support/lib.sh"
. "$PECETE_SRC/tests/support/api.sh"
. "$PECETE_SRC/tests/support/e2e.sh"
e2e_need pdftoppm

T=$(pc_tmpdir)
e2e_cleanup() {
	bash "$SUP/smtp-sink.sh" stop "$T/mail" >/dev/null 2>&1
	pc_cleanup
}
trap e2e_cleanup EXIT
smtp_port=$(pc_free_port)
bash "$SUP/smtp-sink.sh" start "$T/mail" "$smtp_port" || { echo "FAIL - smtp sink"; exit 1; }

D=$T/d
DB=$D/pecete.db
pc_init "$D" --dev
"$PECETE_BIN" pki export --data "$D" --out "$T/pki" >/dev/null || { echo "FAIL - pki export"; exit 1; }
cat "$T/pki/root.pem" "$T/pki/issuing.pem" >"$T/chain.pem"
port=$(pc_free_port)
export PECETE_SERVER_PUBLIC_URL="http://127.0.0.1:$port"
export PECETE_SERVER_WEB_ROOT="$PECETE_SRC/web"
export PECETE_NOTIFY_RETRY_BASE_S=1
export PECETE_SHOP_PROVIDER=sandbox
AHEAD=0
echo "+0s" >"$T/clock"
serve() {
	PC_PORT=$port pc_serve_clock "$D" "$T/clock"
}
serve
ok "pecete serve on $PC_URL (sandbox payments, clock in a file)"

# ---- the holders and the operator, through the API ------------------------------------
. "$SUP/idv.sh"
idv_fixtures
PW=Verde-Munte-Ploaie-42
as op
api_signup_user op.rn@example.ro +40722000901
"$PECETE_BIN" user role --data "$D" --email op.rn@example.ro --role operator >/dev/null
api_pair_totp
OP_SECRET=$SECRET
as ana
api_signup_user ana.rn@example.ro +40722000902
api_issued op.rn@example.ro || { echo "FAIL - ana issued"; exit 1; }
ANA_SECRET=$SECRET
ANA_OLD=$SIGN
as rita
api_signup_user rita.rn@example.ro +40722000903
api_issued op.rn@example.ro || { echo "FAIL - rita issued"; exit 1; }
RITA_SECRET=$SECRET
RITA_OLD=$SIGN
END=$(sql "SELECT not_after FROM certs WHERE serial = '$ANA_OLD'")
RITA_END=$(sql "SELECT not_after FROM certs WHERE serial = '$RITA_OLD'")
ok "two holders with certificates, an operator (api_issued)"
# From here e-mails go to the SMTP server (the API helpers above read the
# development outbox, whose messages a real driver wipes once sent).
pc_stop
export PECETE_NOTIFY_MAIL_DRIVER=smtp
export PECETE_NOTIFY_SMTP_URL="smtp://127.0.0.1:$smtp_port"
export PECETE_NOTIFY_SMTP_STARTTLS=false
serve
ok "pecete serve again on $PC_URL with e-mails through SMTP (aiosmtpd on $smtp_port)"
LAST_STEP=$(($(date +%s) / 30 + 1))

clock_to() {	# clock_to EPOCH: the server's clock there (never back)
	local a=$(($1 - $(date +%s)))
	[ "$a" -gt "$AHEAD" ] && AHEAD=$a
	echo "+${AHEAD}s" >"$T/clock"
}
code_for() { pc_code "$1"; }
login() {	# login NAME EMAIL SECRET: a new session with password and TOTP
	as "$1"
	rm -f "$JAR"
	CSRF=""
	refresh_csrf
	api POST /api/v1/session "{\"email\":\"$2\",\"password\":\"$PW\"}"
	code_for "$3"
	api POST /api/v1/session/totp "{\"code\":\"$TOTP\"}"
	[ "$CODE" = 200 ] || echo "# login $2: $CODE $BODY"
	refresh_csrf
}

# ---- 10 days before the end: rita asks through the API ----------------------------------
clock_to $((END - 10 * 86400))
# A real JPEG (320x200) of "the document", drawn as a PDF page by poppler.
/usr/bin/python3 -c 'import sys
c = b"0.5 0.8 0.95 rg 0 0 320 200 re f 0 0 0.5 rg 20 20 120 160 re f"
pdf = b"%%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 320 200]/Contents 4 0 R>>endobj\n4 0 obj<</Length %d>>stream\n%s\nendstream endobj\ntrailer<</Root 1 0 R>>\n%%%%EOF\n" % (len(c), c)
open(sys.argv[1], "wb").write(pdf)' "$T/doc.pdf"
pdftoppm -jpeg -r 72 -singlefile "$T/doc.pdf" "$T/doc" 2>/dev/null
[ "$(head -c 3 "$T/doc.jpg" | xxd -p)" = ffd8ff ] || { echo "FAIL - the JPEG fixture"; exit 1; }
login rita rita.rn@example.ro "$RITA_SECRET"
api_buy_paid pecete1 || fail "rita's order paid"
RITA_ORDER=$ORDER
api POST /api/v1/renewal "{\"order_id\":\"$RITA_ORDER\",\"doc_type\":\"ro_id_card\",\"doc_series\":\"CJ\",\"doc_number\":\"777888\",\"doc_issued\":\"2025-06-01\",\"doc_expiry\":\"2035-01-01\",\"doc_issuer\":\"SPCLEP Cluj-Napoca\"}"
RITA_R=$(jget id)
curl -s -o /dev/null -b "$JAR" -H "X-CSRF-Token: $CSRF" -H 'Content-Type: application/octet-stream' \
	--data-binary @"$T/doc.jpg" "$PC_URL/api/v1/renewal/$RITA_R/photo"
code_for "$RITA_SECRET"
api POST "/api/v1/renewal/$RITA_R/submit" "{\"code\":\"$TOTP\"}"
expect 200 - "rita's request sent (API)"

# ---- the browser, before the day ---------------------------------------------------------
rm -rf "$E2E/screenshots/renew"
mkdir -p "$E2E/screenshots/renew"
printf 'this is not a picture\n' >"$T/fake.jpg"
/usr/bin/python3 -c 'import sys; open(sys.argv[1],"wb").write(b"\xff\xd8\xff\xe0"+b"\0"*(3*1048576))' "$T/big.jpg"
printf 'contract text\n' >"$T/c.txt"
run_node() {	# run_node PHASE: tests/e2e/renew.mjs
	local t0 rc
	t0=$(date +%s)
	E2E_PHASE=$1 PC_URL="$PC_URL" E2E_MAIL_DIR="$T/mail" E2E_SHOTS="$E2E/screenshots/renew" \
		E2E_TMP="$T" E2E_CLOCK="$T/clock" E2E_LAST_STEP="$LAST_STEP" E2E_PW="$PW" \
		E2E_ANA_SECRET="$ANA_SECRET" E2E_RITA_SECRET="$RITA_SECRET" E2E_OP_SECRET="$OP_SECRET" \
		E2E_ANA_OLD="$ANA_OLD" E2E_END="$END" E2E_NEW="${NEW:-}" E2E_JPEG="$T/doc.jpg" \
		E2E_FAKE="$T/fake.jpg" E2E_BIG="$T/big.jpg" E2E_TXT="$T/c.txt" \
		timeout 300 node "$E2E/renew.mjs"
	rc=$?
	LAST_STEP=$(cat "$T/last_step" 2>/dev/null || echo "$LAST_STEP")
	if [ $rc = 0 ]; then
		ok "browser journey J10, $1 (tests/e2e/renew.mjs, $(($(date +%s) - t0)) s)"
	else
		fail "browser journey J10, $1 (tests/e2e/renew.mjs, $(($(date +%s) - t0)) s)"
		echo "# server log (tail):"
		tail -30 "$D.serve.log" | sed 's/^/#   /'
		# A request that never ended shows in the server's threads.
		if command -v gdb >/dev/null && kill -0 "$PC_PID" 2>/dev/null; then
			gdb -p "$PC_PID" -batch -ex 'thread apply all bt 12' >"$T/stacks.txt" 2>&1
			echo "# the server's threads: $T/stacks.txt"
			grep -E '^Thread|^#[0-9]+ .* in (store_|renewal_|api_|ra_|issuance_|acct_|signer_|pthread_cond|sqlite3_step|__futex|poll|epoll)' \
				"$T/stacks.txt" | head -60 | sed 's/^/#   /'
		fi
	fi
}
run_node before
check "ana's request approved" [ "$(sql "SELECT state FROM renewals WHERE user_id = (SELECT id FROM users WHERE email = 'ana.rn@example.ro') ORDER BY created_at DESC LIMIT 1")" = approved ]
check "rita sent again after the rejection, with the same order: one paid order" \
	[ "$(sql "SELECT group_concat(x, ' ') FROM (SELECT r.state || ':' || r.order_id AS x FROM renewals r JOIN users u ON u.id = r.user_id WHERE u.email = 'rita.rn@example.ro' AND r.state != 'closed' ORDER BY r.created_at, r.rowid)")" = "rejected:$RITA_ORDER submitted:$RITA_ORDER" ]
check "... and no other order" [ "$(sql "SELECT count(*) FROM shop_orders o JOIN users u ON u.id = o.user_id WHERE u.email = 'rita.rn@example.ro'")" = 2 ]

# ---- 3 days before the end: the server restarted, the renewals job runs ------------------
LAST=$END
[ "$RITA_END" -gt "$LAST" ] && LAST=$RITA_END
pc_stop
clock_to $((LAST - 3 * 86400 + 60))
runs=$(sql "SELECT runs FROM jobs WHERE name = 'renewals'")
sql "UPDATE jobs SET next_run = 0 WHERE name = 'renewals'"
serve
for _ in $(seq 1 1200); do
	[ "$(sql "SELECT runs FROM jobs WHERE name = 'renewals' AND COALESCE(lease_owner, '') = ''")" -gt "${runs:-0}" ] 2>/dev/null && break
	sleep 0.1
done
NEW=$(sql "SELECT r.new_serial FROM renewals r JOIN users u ON u.id = r.user_id WHERE u.email = 'ana.rn@example.ro' AND r.state = 'issued'")
check "3 days before the end: the renewals job issued ana's new certificate" [ -n "$NEW" -a "$NEW" != "$ANA_OLD" ]
check "rita's request, not approved when the window closed: refunded" \
	[ "$(sql "SELECT state FROM shop_orders WHERE id = '$RITA_ORDER'")" = refunded ]
run_node after
check "the signature of the page was made with the new credential (and the terms' at issuance)" \
	[ "$(sql "SELECT count(*) FROM signatures WHERE credential = '$NEW' AND kind = 'sign'")" = 2 ]
NOW=$(($(date +%s) + $(tr -dc 0-9 <"$T/clock")))
check "openssl verify: the certificate ana downloaded from the app, against the exported chain" \
	openssl verify -attime "$NOW" -CAfile "$T/chain.pem" "$T/new.pem"
check "... it is the new one" [ -n "$NEW" -a "$(openssl x509 -in "$T/new.pem" -noout -serial 2>/dev/null | cut -d= -f2 | tr A-F a-f)" = "$(echo "$NEW" | tr A-F a-f)" ]
sql "SELECT hex(der) FROM certs WHERE serial = '$ANA_OLD'" | xxd -r -p >"$T/old.der"
check "the old one still verifies then, not revoked" bash -c "openssl verify -attime $NOW -CAfile '$T/chain.pem' <(openssl x509 -inform DER -in '$T/old.der') >/dev/null &&
	[ \"\$(sqlite3 '$DB' \"SELECT status FROM certs WHERE serial = '$ANA_OLD'\")\" = 0 ]"
cp "$D.serve.log" "$E2E/screenshots/renew/serve.log" 2>/dev/null
check "audit chain intact (pecete audit verify)" \
	bash -c "'$PECETE_BIN' audit verify --data '$D' | grep -q 'audit chain OK'"
pc_done
