#!/bin/bash
# shop_netopia.sh: the netopia provider against the real pecete serve, with
# a local fake of the Netopia API v2 (python3 http.server) and a key pair
# made here standing in for Netopia's. Pay → our server POSTs
# /payment/card/start (request shape checked: Authorization, posSignature,
# orderID, amount as a 2-decimal number, notifyUrl); the browser URL is the
# fake's paymentURL; an IPN signed with openssl (JWT RS512, sub =
# base64(SHA-512(body))) marks the order paid with one invoice; a forged
# token (other key), a changed body and alg "none" are refused (400) and
# change nothing; the replay is idempotent.
. "$PECETE_SRC/tests/support/lib.sh"
. "$PECETE_SRC/tests/support/api.sh"
pc_need curl sqlite3 openssl /usr/bin/python3

T=$(pc_tmpdir)
D=$T/data
pc_init "$D" --dev
DB=$D/pecete.db
JAR=$T/jar
POS=TEST-POS-1234
APIKEY=test-api-key-0123456789

# ---- Netopia's key pair, our config ------------------------------------------
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$T/ntp.key" 2>/dev/null
openssl pkey -in "$T/ntp.key" -pubout -out "$T/ntp.pub"
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$T/evil.key" 2>/dev/null
printf '%s\n' "$APIKEY" >"$T/api.key"
chmod 600 "$T/api.key"

# ---- the fake Netopia API ----------------------------------------------------
FPORT=$(pc_free_port)
cat >"$T/fake.py" <<'EOF'
import http.server, json, sys
port, out = int(sys.argv[1]), sys.argv[2]
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        n = int(self.headers.get("Content-Length", "0"))
        raw = self.rfile.read(n).decode()
        name = self.path.strip("/").replace("/", "_")
        with open(out + "/" + name + ".req", "w") as f:
            json.dump({"auth": self.headers.get("Authorization"),
                       "ctype": self.headers.get("Content-Type"),
                       "raw": raw}, f)
        if self.path == "/payment/card/start":
            r = {"payment": {"method": 1, "ntpID": "NTP-1",
                 "status": 1, "amount": json.loads(raw)["order"]["amount"],
                 "currency": "RON",
                 "paymentURL": "http://127.0.0.1:%d/hosted/NTP-1" % port},
                 "error": {"code": "101", "message": "Redirect user to payment page"}}
        elif self.path == "/operation/status":
            r = {"payment": {"ntpID": "NTP-1", "status": 3,
                 "amount": 1, "currency": "RON"}, "order": {}}
        else:
            self.send_response(404); self.end_headers(); return
        b = json.dumps(r).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(b)))
        self.end_headers()
        self.wfile.write(b)
    def log_message(self, *a): pass
http.server.HTTPServer(("127.0.0.1", port), H).serve_forever()
EOF
/usr/bin/python3 "$T/fake.py" "$FPORT" "$T" &
FAKE_PID=$!
for _ in $(seq 1 50); do
	(exec 3<>/dev/tcp/127.0.0.1/$FPORT) 2>/dev/null && break
	sleep 0.1
done
stop_fake() { kill "$FAKE_PID" 2>/dev/null; wait "$FAKE_PID" 2>/dev/null; }
trap 'stop_fake; pc_cleanup' EXIT

export PECETE_SHOP_BNR_URL=http://127.0.0.1:1/nbrfxrates.xml
export PECETE_SHOP_PROVIDER=netopia
export PECETE_SHOP_NETOPIA_API_URL=http://127.0.0.1:$FPORT
export PECETE_SHOP_NETOPIA_API_KEY_FILE=$T/api.key
export PECETE_SHOP_NETOPIA_POS_SIGNATURE=$POS
export PECETE_SHOP_NETOPIA_PUBLIC_KEY_FILE=$T/ntp.pub
pc_serve "$D"

state() { sql "SELECT state FROM shop_orders WHERE id = '$1'"; }

b64url() { openssl base64 -A | tr '+/' '-_' | tr -d '='; }
jwt() {	# jwt BODY KEYFILE [ALG]: a Verification-token for BODY
	local body=$1 key=$2 alg=${3:-RS512} sub now h p s
	sub=$(printf %s "$body" | openssl dgst -sha512 -binary | openssl base64 -A)
	now=$(date +%s)
	h=$(printf '{"alg":"%s","typ":"JWT"}' "$alg" | b64url)
	p=$(printf '{"iss":"NETOPIA Payments","aud":["%s"],"sub":"%s","iat":%s,"exp":%s}' \
		"$POS" "$sub" "$now" $((now + 300)) | b64url)
	if [ "$alg" = none ]; then
		s=""
	else
		s=$(printf %s "$h.$p" | openssl dgst -sha512 -sign "$key" | b64url)
	fi
	printf %s "$h.$p.$s"
}
ipn() {	# ipn BODY TOKEN: status in $CODE, body in $BODY
	CODE=$(curl -s -o "$T/nbody" -w '%{http_code}' -H 'Content-Type: application/json' \
		-H "Verification-token: $2" --data-binary "$1" \
		"$PC_URL/api/v1/payments/netopia/ipn")
	BODY=$(cat "$T/nbody")
}

# ---- a user and an order (as in shop_api.sh) --------------------------------
api_signup_user ana.netopia@example.ro +40712345671
ADDR='"county":"Cluj","town":"Cluj-Napoca","street":"Str. Lunga","number":"5","postal_code":"400001"'
ACC='"accept_terms":true,"accept_conditions":true,"accept_withdrawal":true'
api POST /api/v1/shop/orders "{\"package\":\"pecete2\",$ACC,\"invoice\":{\"type\":\"person\",\"name\":\"Ana Maria Pop\",$ADDR}}"
expect 201 - "order created"
O=$(jget id)
BANI=$(jget quote.total_bani)
AMOUNT=$(printf '%d.%02d' $((BANI / 100)) $((BANI % 100)))

# ---- pay: our server calls the fake start ------------------------------------
api POST /api/v1/shop/orders/$O/pay
expect 200 - "pay answers"
check "the browser goes to Netopia's paymentURL" [ "$(jget redirect_url)" = "http://127.0.0.1:$FPORT/hosted/NTP-1" ]
check "provider netopia" [ "$(jget provider)" = netopia ]
check "order awaiting payment" [ "$(state "$O")" = awaiting_payment ]
REQ=$(cat "$T/payment_card_start.req" 2>/dev/null)
rq() { /usr/bin/python3 -c 'import json,sys
r=json.loads(sys.argv[1]); b=json.loads(r["raw"])
print(eval(sys.argv[2]))' "$REQ" "$1"; }
check "Authorization is the API key" [ "$(rq 'r["auth"]')" = "$APIKEY" ]
check "JSON body" [ "$(rq 'r["ctype"]')" = application/json ]
check "posSignature" [ "$(rq 'b["order"]["posSignature"]')" = "$POS" ]
check "orderID is our order id" [ "$(rq 'b["order"]["orderID"]')" = "$O" ]
check "currency RON" [ "$(rq 'b["order"]["currency"]')" = RON ]
check "amount written as $AMOUNT (2 decimals, a JSON number)" \
	/usr/bin/python3 -c 'import json,sys,re
r=json.loads(sys.argv[1]); raw=r["raw"]
sys.exit(0 if re.search(r"\"amount\":%s[,}]" % re.escape(sys.argv[2]), raw) else 1)' "$REQ" "$AMOUNT"
check "notifyUrl is our IPN route" /usr/bin/python3 -c 'import json,sys
b=json.loads(json.loads(sys.argv[1])["raw"])
sys.exit(0 if b["config"]["notifyUrl"].endswith("/api/v1/payments/netopia/ipn") else 1)' "$REQ"
check "redirectUrl returns to the order" [ "$(rq 'b["config"]["redirectUrl"].endswith("/shop/return?order='"$O"'")')" = True ]
check "billing e-mail and city" [ "$(rq 'b["order"]["billing"]["email"]+"|"+b["order"]["billing"]["city"]')" = "ana.netopia@example.ro|Cluj-Napoca" ]
grep -q "$APIKEY" "$D.serve.log" && fail "API key in the log" || ok "API key not logged"

# ---- the IPN --------------------------------------------------------------------
PAID="{\"order\":{\"orderID\":\"$O\"},\"payment\":{\"method\":1,\"ntpID\":\"NTP-1\",\"status\":3,\"amount\":$AMOUNT,\"currency\":\"RON\"}}"
ipn "$PAID" "$(jwt "$PAID" "$T/evil.key")"
expect 400 signature_invalid "token signed with another key refused"
ipn "$PAID" "$(jwt "$PAID" "$T/ntp.key" none)"
expect 400 signature_invalid "alg none refused"
ipn "$PAID" "$(jwt "${PAID/NTP-1/NTP-2}" "$T/ntp.key")"
expect 400 signature_invalid "body changed after signing refused"
ipn "$PAID" ""
expect 400 signature_invalid "no token refused"
check "still awaiting payment, no invoice" [ "$(state "$O") $(sql "SELECT count(*) FROM shop_invoices WHERE order_id = '$O'")" = "awaiting_payment 0" ]
check "the four forgeries audited" [ "$(sql "SELECT count(*) FROM audit_log WHERE event = 'shop.notify.signature_invalid'")" = 4 ]
BAD="{\"order\":{\"orderID\":\"$O\"},\"payment\":{\"ntpID\":\"NTP-1\",\"status\":3,\"amount\":1.00,\"currency\":\"RON\"}}"
ipn "$BAD" "$(jwt "$BAD" "$T/ntp.key")"
expect 400 amount_mismatch "signed IPN with another amount refused"

PEND="{\"order\":{\"orderID\":\"$O\"},\"payment\":{\"ntpID\":\"NTP-1\",\"status\":15,\"amount\":$AMOUNT,\"currency\":\"RON\"}}"
ipn "$PEND" "$(jwt "$PEND" "$T/ntp.key")"
expect 200 - "pending (3-D Secure) IPN acknowledged"
check "pending changes nothing" [ "$(state "$O")" = awaiting_payment ]

TOK=$(jwt "$PAID" "$T/ntp.key")
ipn "$PAID" "$TOK"
expect 200 - "signed IPN accepted"
check "acknowledgement has errorCode and errorMessage" grep -q '"errorCode":null,"errorMessage":""' <<<"$BODY"
check "acknowledged with errorType 0" [ "$(jget errorType)" = 0 ]
check "order paid" [ "$(state "$O")" = paid ]
check "one invoice" [ "$(sql "SELECT count(*) FROM shop_invoices WHERE order_id = '$O'")" = 1 ]
check "provider ref is the ntpID" [ "$(sql "SELECT provider_ref FROM shop_orders WHERE id = '$O'")" = NTP-1 ]
ipn "$PAID" "$TOK"
expect 200 - "replayed IPN answered"
check "replay: still one invoice, still paid" [ "$(state "$O") $(sql "SELECT count(*) FROM shop_invoices WHERE order_id = '$O'")" = "paid 1" ]

REF="{\"order\":{\"orderID\":\"$O\"},\"payment\":{\"ntpID\":\"NTP-1\",\"status\":8,\"amount\":$AMOUNT,\"currency\":\"RON\"}}"
ipn "$REF" "$(jwt "$REF" "$T/ntp.key")"
expect 200 - "refunded IPN acknowledged"
check "refunded at the provider: order refunded" [ "$(state "$O")" = refunded ]
check "refund audited" [ "$(sql "SELECT count(*) FROM audit_log WHERE event = 'shop.order.refunded'")" = 1 ]
check "invoice kept (immutable)" [ "$(sql "SELECT count(*) FROM shop_invoices WHERE order_id = '$O'")" = 1 ]

stop_fake
pc_stop
pc_done
