#!/bin/bash
# shop_api.sh: the shop API against the real pecete serve (issue 5).
# BNR fallback (unreachable feed) and a local feed; quote with a promo;
# company order with an invalid then a valid CUI; sandbox payments (success,
# decline then retry, 3-D Secure) through the hosted form with curl, the
# server-to-server notification, invoice numbers without gaps; forged,
# replayed and amount-mismatched notifications; two concurrent
# notifications; the operator list and refund (audited), 403 for a user.
. "$PECETE_SRC/tests/support/lib.sh"
. "$PECETE_SRC/tests/support/api.sh"
pc_need curl sqlite3 openssl oathtool

T=$(pc_tmpdir)
D=$T/data
pc_init "$D" --dev
DB=$D/pecete.db
JAR=$T/jar
KEY=$(cat "$D/sandbox.key")
YEAR=$(date -u +%Y)

state() { sql "SELECT state FROM shop_orders WHERE id = '$1'"; }
wait_state() {	# wait_state ID STATE: the notification is asynchronous
	for _ in $(seq 1 50); do
		[ "$(state "$1")" = "$2" ] && return 0
		sleep 0.1
	done
	return 1
}
sign() { printf %s "$1" | openssl dgst -sha256 -hmac "$2" | sed 's/^.*= //'; }
notify() {	# notify BODY SIG: status in $CODE, body in $BODY
	CODE=$(curl -s -o "$T/nbody" -w '%{http_code}' -H 'Content-Type: application/json' \
		-H "X-Sandbox-Signature: $2" --data-binary "$1" \
		"$PC_URL/api/v1/payments/sandbox/notify")
	BODY=$(cat "$T/nbody")
}
card() {	# card ORDER FORMDATA: POST the sandbox form, status in $CODE
	CODE=$(curl -s -o "$T/page" -D "$T/hdr" -w '%{http_code}' \
		--data "$2" "$PC_URL/sandbox/pay/$1")
}

# ---- BNR: unreachable feed → the configured fallback, flagged -------------
export PECETE_SHOP_BNR_URL=http://127.0.0.1:1/nbrfxrates.xml
pc_serve "$D"
CSRF=""
refresh_csrf
api GET /api/v1/shop/packages
expect 200 - "catalog"
check "three packages" [ "$(jget packages | grep -o "'code'" | wc -l)" = 3 ]
api POST /api/v1/shop/quote '{"package":"pecete1"}'
expect 200 - "quote without promo"
check "fallback rate used and flagged" [ "$(jget rate_e4) $(jget rate_fallback)" = "49700 true" ]
check "pecete1: 39.00 + 8.19 VAT = 47.19 EUR" [ "$(jget net_cents) $(jget vat_cents) $(jget total_cents)" = "3900 819 4719" ]
# 4719 × 4.97 = 23453.43 → 23453 bani
check "RON at the rate, rounded" [ "$(jget total_bani)" = 23453 ]
grep -q "fallback rate" "$D.serve.log" && ok "fallback logged" || fail "fallback not logged"
api POST /api/v1/shop/quote '{"package":"nope"}'
expect 400 package_unknown "unknown package refused"

# ---- promo codes ------------------------------------------------------------
"$PECETE_BIN" shop promo add --data "$D" --code TEST10 --percent 1000 \
	--from 2020-01-01 --to 2099-12-31 --packages pecete2,pecete3 >/dev/null &&
	ok "promo added" || fail "promo add"
"$PECETE_BIN" shop promo add --data "$D" --code OLD --fixed 500 \
	--from 2020-01-01 --to 2020-12-31 >/dev/null
"$PECETE_BIN" shop promo add --data "$D" --code ONCE --fixed 1000 \
	--from 2020-01-01 --to 2099-12-31 --max-uses 1 >/dev/null
api POST /api/v1/shop/quote '{"package":"pecete2","promo":"TEST10"}'
expect 200 - "quote with promo"
# 5900 - 590 = 5310; VAT 1115.1 → 1115; total 6425; × 4.97 = 31932.25 → 31932
check "promo price" [ "$(jget discount_cents) $(jget net_cents) $(jget vat_cents) $(jget total_cents) $(jget total_bani)" = "590 5310 1115 6425 31932" ]
api POST /api/v1/shop/quote '{"package":"pecete2","promo":"test10"}'
expect 200 - "promo codes are found whatever the case"
check "... and quoted under their own spelling" [ "$(jget promo)" = TEST10 ]
api POST /api/v1/shop/quote '{"package":"pecete1","promo":"TEST10"}'
expect 400 promo_package "promo not for this package"
api POST /api/v1/shop/quote '{"package":"pecete1","promo":"OLD"}'
expect 400 promo_expired "expired promo refused"
api POST /api/v1/shop/quote '{"package":"pecete1","promo":"NOPE"}'
expect 400 promo_invalid "unknown promo refused"

# ---- a user through the API ------------------------------------------------
api_signup_user ana.shop@example.ro +40712345601
api GET /api/v1/shop/orders
expect 200 - "signed in: my orders (empty)"

ADDR='"county":"Cluj","town":"Cluj-Napoca","street":"Str. Lunga","number":"5","building":"B2","entrance":"A","apartment":"7","postal_code":"400001"'
ACC='"accept_terms":true,"accept_conditions":true,"accept_withdrawal":true'
api POST /api/v1/shop/orders "{\"package\":\"pecete2\",\"promo\":\"TEST10\",$ACC,\"invoice\":{\"type\":\"company\",\"name\":\"Firma SRL\",\"cui\":\"RO18547291\",$ADDR}}"
expect 400 cui_invalid "company with an invalid CUI refused"
check "cui error names the field" [ "$(jget error.field)" = cui ]
api POST /api/v1/shop/orders "{\"package\":\"pecete2\",\"accept_terms\":true,\"accept_conditions\":true,\"invoice\":{\"type\":\"person\",\"name\":\"Ana Pop\",$ADDR}}"
expect 400 terms_required "missing acceptance refused"
api POST /api/v1/shop/orders "{\"package\":\"pecete2\",$ACC,\"invoice\":{\"type\":\"person\",\"name\":\"Ana Pop\",\"county\":\"Cluj\",\"town\":\"Cluj\",\"street\":\"S\",\"number\":\"1\",\"postal_code\":\"4001\"}}"
expect 400 postal_code_invalid "postal code of 4 digits refused"
api POST /api/v1/shop/orders "{\"package\":\"pecete2\",\"promo\":\"TEST10\",$ACC,\"marketing\":true,\"invoice\":{\"type\":\"company\",\"name\":\"Firma SRL\",\"cui\":\"RO18547290\",$ADDR}}"
expect 201 - "company order with a valid CUI created"
O1=$(jget id)
check "promo stored on the order" [ "$(sql "SELECT promo FROM shop_orders WHERE id = '$(jget id)'")" = TEST10 ]
check "order created, rate stored" [ "$(jget state) $(jget quote.total_bani) $(jget quote.rate_e4)" = "created 31932 49700" ]
check "marketing consent recorded as a consent (version, time, IP)" \
	[ "$(sql "SELECT kind || ' ' || version || ' ' || (accepted_at > 0) || ' ' || (ip IS NOT NULL) FROM consents WHERE kind = 'marketing'")" = "marketing 2026-11-01 1 1" ]

# ---- pay with the success card ---------------------------------------------
api POST /api/v1/shop/orders/$O1/pay
expect 200 - "pay gives the provider's URL"
check "sandbox URL" [ "$(jget redirect_url)" = "/sandbox/pay/$O1" ]
CODE=$(curl -s -o "$T/page" -D "$T/hdr" -w '%{http_code}' "$PC_URL/sandbox/pay/$O1")
check "sandbox page served" [ "$CODE" = 200 ]
grep -qi "content-security-policy: default-src 'none'" "$T/hdr" && ok "sandbox page has a strict CSP" || fail "CSP"
grep -qi '<script' "$T/page" && fail "script in the sandbox page" || ok "no script in the sandbox page"
card $O1 "card=4111+1111+1111+1111"
check "success card: 303 to the return page" [ "$CODE" = 303 ]
grep -qi "^location: /shop/return?order=$O1" "$T/hdr" && ok "redirect to /shop/return" || fail "redirect $(cat "$T/hdr")"
wait_state $O1 paid && ok "the notification arrived: order paid" || fail "order not paid ($(state $O1))"
check "invoice number 1 of the year" [ "$(sql "SELECT series || '-' || year || '-' || number FROM shop_invoices WHERE order_id = '$O1'")" = "PCT-$YEAR-1" ]
U=$(sql "SELECT used FROM shop_promos WHERE code = 'TEST10'")
check "promo use counted when paid" [ "$U" = 1 ]
check "payment confirmation e-mail queued" [ "$(sql "SELECT count(*) FROM outbox WHERE template = 'payment_confirmed' AND recipient = 'ana.shop@example.ro'")" = 1 ]
OC=$(sql "SELECT id FROM outbox WHERE template = 'order_confirmed' ORDER BY id DESC LIMIT 1")
check "order confirmation with 3 PDF attachments" [ "$(sql "SELECT count(*) FROM outbox_attachments WHERE outbox_id = '$OC' AND content_type = 'application/pdf'")" = 3 ]
api GET /api/v1/shop/orders/$O1
check "order status API says paid with invoice" [ "$(jget state) $(jget invoice.number)" = "paid 1" ]

# ---- declined card, then retry --------------------------------------------------
api POST /api/v1/shop/orders "{\"package\":\"pecete1\",$ACC,\"invoice\":{\"type\":\"person\",\"name\":\"Ana Pop\",$ADDR}}"
O2=$(jget id)
api POST /api/v1/shop/orders/$O2/pay
card $O2 "card=4000000000000002"
sleep 1
check "declined card: not paid" [ "$(state $O2)" = awaiting_payment ]
check "declined: no invoice" [ "$(sql "SELECT count(*) FROM shop_invoices WHERE order_id = '$O2'")" = 0 ]
api POST /api/v1/shop/orders/$O2/pay
expect 200 - "retry after a decline"
card $O2 "card=4111111111111111"
wait_state $O2 paid && ok "retry paid" || fail "retry not paid"
check "invoice number 2" [ "$(sql "SELECT number FROM shop_invoices WHERE order_id = '$O2'")" = 2 ]

# ---- 3-D Secure ------------------------------------------------------------------
api POST /api/v1/shop/orders "{\"package\":\"pecete3\",$ACC,\"invoice\":{\"type\":\"person\",\"name\":\"Ana Pop\",$ADDR}}"
O3=$(jget id)
api POST /api/v1/shop/orders/$O3/pay
card $O3 "card=4000+0000+0000+3220"
check "3-D Secure card asks a code" [ "$CODE" = 200 ] && grep -q 'name="code"' "$T/page"
card $O3 "card=4000000000003220&code=000000"
sleep 1
check "wrong 3-D Secure code: not paid" [ "$(state $O3)" = awaiting_payment ]
api POST /api/v1/shop/orders/$O3/pay
card $O3 "card=4000000000003220&code=123456"
wait_state $O3 paid && ok "3-D Secure code 123456: paid" || fail "3DS not paid"

# ---- forged, replayed, mismatched notifications ------------------------------------
api POST /api/v1/shop/orders "{\"package\":\"pecete1\",$ACC,\"invoice\":{\"type\":\"person\",\"name\":\"Ana Pop\",$ADDR}}"
O4=$(jget id); AMT4=$(jget quote.total_bani)
api POST /api/v1/shop/orders/$O4/pay
NB="{\"order\":\"$O4\",\"status\":\"paid\",\"amount_bani\":$AMT4,\"currency\":\"RON\",\"ref\":\"forged-1\"}"
notify "$NB" "$(sign "$NB" wrong-key)"
check "forged notification: 400 signature_invalid" [ "$CODE $(jget error.code)" = "400 signature_invalid" ]
check "forged: nothing changes" [ "$(state $O4)" = awaiting_payment ]
check "forged: audited" [ "$(sql "SELECT count(*) FROM audit_log WHERE event = 'shop.notify.signature_invalid'")" -ge 1 ]
grep -q "bad signature refused" "$D.serve.log" && ok "forged: logged" || fail "forged not logged"
MB="{\"order\":\"$O4\",\"status\":\"paid\",\"amount_bani\":$((AMT4 - 1)),\"currency\":\"RON\",\"ref\":\"mm-1\"}"
notify "$MB" "$(sign "$MB" "$KEY")"
check "amount mismatch refused" [ "$CODE $(jget error.code)" = "400 amount_mismatch" ]
check "mismatch: nothing changes" [ "$(state $O4)" = awaiting_payment ]
UB="{\"order\":\"ffffffffffffffffffffffff\",\"status\":\"paid\",\"amount_bani\":1,\"currency\":\"RON\",\"ref\":\"u-1\"}"
notify "$UB" "$(sign "$UB" "$KEY")"
check "unknown order refused" [ "$CODE $(jget error.code)" = "404 order_not_found" ]
NINV=$(sql "SELECT count(*) FROM shop_invoices")
REF1=$(sql "SELECT ref FROM shop_payments WHERE order_id = '$O1' AND status = 'paid'")
RB="{\"order\":\"$O1\",\"status\":\"paid\",\"amount_bani\":31932,\"currency\":\"RON\",\"ref\":\"$REF1\"}"
notify "$RB" "$(sign "$RB" "$KEY")"
check "replayed notification: 200 duplicate" [ "$CODE $(jget duplicate)" = "200 true" ]
check "replay: no new invoice" [ "$(sql "SELECT count(*) FROM shop_invoices")" = "$NINV" ]

# ---- two concurrent notifications ---------------------------------------------------
CB="{\"order\":\"$O4\",\"status\":\"paid\",\"amount_bani\":$AMT4,\"currency\":\"RON\",\"ref\":\"conc-1\"}"
CS=$(sign "$CB" "$KEY")
CB2="{\"order\":\"$O4\",\"status\":\"paid\",\"amount_bani\":$AMT4,\"currency\":\"RON\",\"ref\":\"conc-2\"}"
CS2=$(sign "$CB2" "$KEY")
PIDS=()
for i in 1 2 3; do
	curl -s -o "$T/c$i" -w '%{http_code}\n' -H "X-Sandbox-Signature: $CS" \
		--data-binary "$CB" "$PC_URL/api/v1/payments/sandbox/notify" >"$T/s$i" &
	PIDS+=($!)
done
curl -s -o "$T/c4" -w '%{http_code}\n' -H "X-Sandbox-Signature: $CS2" \
	--data-binary "$CB2" "$PC_URL/api/v1/payments/sandbox/notify" >"$T/s4" &
PIDS+=($!)
wait "${PIDS[@]}"
check "concurrent notifications all answered 200" [ "$(cat "$T"/s1 "$T"/s2 "$T"/s3 "$T"/s4 | sort -u)" = 200 ]
check "one paid order" [ "$(state $O4)" = paid ]
check "one invoice for it" [ "$(sql "SELECT count(*) FROM shop_invoices WHERE order_id = '$O4'")" = 1 ]
check "invoice numbers without gaps" [ "$(sql "SELECT count(*) || ' ' || max(number) FROM shop_invoices WHERE year = $YEAR")" = "4 4" ]

# ---- operator view and refund ------------------------------------------------------
api GET /api/v1/admin/orders
expect 403 forbidden "admin list refused for a user"
api POST /api/v1/admin/orders/$O1/refund '{"reason":"test"}'
expect 403 forbidden "refund refused for a user"
check "refused refund changes nothing" [ "$(state $O1)" = paid ]
"$PECETE_BIN" user role --data "$D" --email ana.shop@example.ro --role operator >/dev/null &&
	ok "role set" || fail "user role"
api GET /api/v1/admin/orders
expect 403 operator_totp_required "an operator who did not sign in with TOTP is refused"
api_pair_totp
api GET "/api/v1/admin/orders?state=paid&q=ana.shop"
expect 200 - "operator: admin list"
check "filter state=paid: 4 orders" [ "$(printf %s "$BODY" | grep -o '"state":"paid"' | wc -l)" = 4 ]
api GET "/api/v1/admin/orders?from=2000-01-01&to=2000-01-02"
check "date filter" [ "$BODY" = '{"orders":[]}' ]
api POST /api/v1/admin/orders/$O1/refund '{"reason":"customer asked"}'
expect 200 - "operator refund"
check "order refunded" [ "$(state $O1)" = refunded ]
UID1=$(sql "SELECT id FROM users WHERE email = 'ana.shop@example.ro'")
check "refund audited with the operator's id" [ "$(sql "SELECT count(*) FROM audit_log WHERE event = 'shop.order.refund' AND actor = '$UID1'")" = 1 ]
api POST /api/v1/admin/orders/$O1/refund '{}'
expect 409 order_state "second refund refused"
"$PECETE_BIN" audit verify --data "$D" | grep -q "audit chain OK" && ok "audit chain intact" || fail "audit chain"

# ---- BNR: a feed in the public format from a local server -----------------------------
pc_stop
mkdir -p "$T/feed"
cat >"$T/feed/nbrfxrates.xml" <<'XML'
<?xml version="1.0" encoding="utf-8"?>
<DataSet xmlns="http://www.bnr.ro/xsd" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="http://www.bnr.ro/xsd nbrfxrates.xsd">
	<Header><Publisher>National Bank of Romania</Publisher><PublishingDate>2026-11-20</PublishingDate><MessageType>DR</MessageType></Header>
	<Body><Subject>Reference rates</Subject><OrigCurrency>RON</OrigCurrency>
		<Cube date="2026-11-20"><Rate currency="AED">1.1936</Rate><Rate currency="EUR">4.9763</Rate><Rate currency="HUF" multiplier="100">1.3012</Rate><Rate currency="USD">4.3841</Rate></Cube>
	</Body>
</DataSet>
XML
FP=$(pc_free_port)
(cd "$T/feed" && exec /usr/bin/python3 -m http.server "$FP" --bind 127.0.0.1 >/dev/null 2>&1) &
FEED_PID=$!
for _ in $(seq 1 50); do curl -sf "http://127.0.0.1:$FP/nbrfxrates.xml" >/dev/null && break; sleep 0.1; done
export PECETE_SHOP_BNR_URL=http://127.0.0.1:$FP/nbrfxrates.xml
pc_serve "$D"
refresh_csrf
api POST /api/v1/shop/quote '{"package":"pecete1"}'
check "BNR feed rate used with its date" [ "$(jget rate_e4) $(jget rate_date) $(jget rate_fallback)" = "49763 2026-11-20 false" ]
check "rate cached in the database" [ "$(sql "SELECT eur_e4 FROM fx_rates WHERE day = '2026-11-20'")" = 49763 ]
kill "$FEED_PID" 2>/dev/null; wait "$FEED_PID" 2>/dev/null
api POST /api/v1/shop/quote '{"package":"pecete1"}'
check "cached rate used when the feed is gone" [ "$(jget rate_e4)" = 49763 ]
pc_done
