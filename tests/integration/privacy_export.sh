#!/bin/bash
# privacy_export.sh: GDPR access and portability (issue 18, item 4):
#  - GET /api/v1/account/data lists what we hold about the signed-in
#    person, table by table, without secrets (no password hash, no
#    authenticator secret) and without another person's rows;
#  - GET /api/v1/account/export.zip: my-data.json, the signed terms (pdfsig
#    accepts them; the same bytes as /api/v1/issuance/terms.pdf) and the
#    invoice (the same bytes as the order's invoice.pdf); audited;
#  - a second user's e-mail, phone, CNP and order never appear in the
#    first one's export, and the second's export is their own;
#  - erasure (art. 17): refused while the certificate is valid, unconfirmed
#    or with a wrong password; after revocation, with the password and a
#    code: the account anonymised and closed, sessions and other documents
#    gone, the list of what is kept with dates and reasons (certificate,
#    signed terms, identification evidence, invoice 10 years, audit log);
#    she cannot sign in; bob's data untouched; the audit chain verifies;
#  - retention: once its period ends, what was kept goes (her invoice, her
#    signed terms and their file, an old e-mail, an unpaid order's billing
#    data), counted first by `pecete privacy retention` and the operators'
#    report, then applied and audited; bob's recent data stays;
#  - not signed in: 401.
. "$PECETE_SRC/tests/support/lib.sh"
. "$PECETE_SRC/tests/support/api.sh"
pc_need curl sqlite3 oathtool python3 pdfsig unzip
T=$(pc_tmpdir)
export PECETE_PRIVACY_OUTBOX_DAYS=30	# the production retention of sent e-mails
D=$T/d
pc_init "$D" --dev
DB=$D/pecete.db
echo "+0s" >"$T/clock"
pc_serve_clock "$D" "$T/clock"	# TOTP steps without waiting (pc_code)
. "$PECETE_SRC/tests/support/idv.sh"
idv_fixtures
as op
api_signup_user op.priv@example.ro +40722000301
"$PECETE_BIN" user role --data "$D" --email op.priv@example.ro --role operator >/dev/null
as bob
api_signup_user bob.priv@example.ro +40722000302
api_buy_paid pecete1 || { echo "FAIL - bob's order"; exit 1; }
BOB_ORDER=$ORDER
as ana
api_signup_user ana.priv@example.ro +40722000303
api_issued op.priv@example.ro || { echo "FAIL - ana's certificate"; exit 1; }
ANA_SECRET=$SECRET
ANA_JAR=$JAR
LAST_STEP=$(($(date +%s) / 30 + 1))	# the issuance's step

api POST /api/v1/appearances '{"name":"Avocat","lines":["Avocat definitiv","Baroul Iasi nr. 1234"]}'
expect 201 - "an appearance profile (professional lines)"
api GET /api/v1/account/data
expect 200 - "the data of the signed-in person"
echo "$BODY" > "$T/data.json"
pyd() { /usr/bin/python3 -c "import json,sys; d=json.load(open('$T/data.json'))['data']; $1"; }
check "account: her e-mail and phone" pyd "assert d['account']['email']=='ana.priv@example.ro' and d['account']['phone']=='+40722000303'"
check "the identity the operator confirmed (her CNP)" pyd "assert any(c['identity'] and '2900101410011' in json.dumps(c['identity']) for c in d['identification'])"
check "her certificates (signing and authentication)" pyd "assert len(d['certificates'])==2, d['certificates']"
check "her order and its invoice" pyd "assert len(d['orders'])==1 and len(d['invoices'])==1"
check "her appearance profile, with its lines" pyd "assert [(a['name'], a['lines'][1], a['image_bytes']) for a in d['appearance_profiles']]==[('Avocat','Baroul Iasi nr. 1234',0)], d['appearance_profiles']"
check "her consents, sessions and events" pyd "assert d['consents'] and d['sessions'] and any(e['event'].startswith('login') for e in d['events'])"
check "the authenticator: dates only" pyd "assert d['authenticator'] and set(d['authenticator'][0])=={'activated_at','last_step'}"
check "no secret: no password hash, no TOTP secret" \
	bash -c "! grep -qiE 'argon2|password_hash|\"secret\"|key_hex|token_hash|id_hash|\"hash\":|\"active\":|\"pending\":' '$T/data.json'"
check "nobody else's rows: not bob's e-mail, phone or order" \
	bash -c "! grep -qE 'bob.priv|\\+40722000302|$BOB_ORDER' '$T/data.json'"

api GET /api/v1/account/export.zip
check "the export: 200, a ZIP" [ "$CODE" = 200 ]
curl -s -b "$JAR" -o "$T/ana.zip" -D "$T/h" "$PC_URL/api/v1/account/export.zip"
check "... served as an attachment, not cached" bash -c "grep -qi 'content-disposition: attachment' '$T/h' && grep -qi 'cache-control: no-store' '$T/h'"
mkdir -p "$T/ana"; unzip -q -o "$T/ana.zip" -d "$T/ana"
check "... my-data.json with the same data" /usr/bin/python3 -c "
import json; a=json.load(open('$T/ana/my-data.json')); b=json.load(open('$T/data.json'))['data']
assert a['format']=='pecete-my-data/1' and a['data']['account']==b['account'] and a['data']['certificates']==b['certificates']"
curl -s -b "$JAR" -o "$T/terms.pdf" "$PC_URL/api/v1/issuance/terms.pdf"
check "... the signed terms, as served by the issuance page" cmp "$T/ana/terms-signed.pdf" "$T/terms.pdf"
check "... pdfsig accepts their signature" bash -c "pdfsig -nocert '$T/ana/terms-signed.pdf' 2>&1 | grep -q 'Signature is Valid'"
inv=$(ls "$T/ana/invoices/" 2>/dev/null | head -1)
curl -s -b "$JAR" -o "$T/inv.pdf" "$PC_URL/api/v1/shop/orders/$ORDER/invoice.pdf"
check "... the invoice, the same bytes as the order's ($inv)" cmp "$T/ana/invoices/$inv" "$T/inv.pdf"
check "... nothing of bob's in any file" bash -c "! grep -rqE 'bob.priv|40722000302|$BOB_ORDER' '$T/ana'"
check "the export is audited" [ "$(sql "SELECT count(*) FROM audit_log WHERE event = 'privacy.export' AND actor = (SELECT id FROM users WHERE email = 'ana.priv@example.ro')")" -ge 1 ]

as bob
api GET /api/v1/account/data
check "bob's data: his own, no certificate, not ana's" bash -c "echo '$BODY' | grep -q bob.priv && ! echo '$BODY' | grep -qE 'ana.priv|2900101410011'"
curl -s -b "$JAR" -o "$T/bob.zip" "$PC_URL/api/v1/account/export.zip"
check "bob's export: data and his invoice, no terms (no certificate)" \
	bash -c "unzip -l '$T/bob.zip' | grep -q my-data.json && unzip -l '$T/bob.zip' | grep -q 'invoices/' && ! unzip -l '$T/bob.zip' | grep -q terms-signed"

# ---- erasure (art. 17) ------------------------------------------------------------------
JAR=$ANA_JAR
refresh_csrf
ERASE() {	# ERASE PASSWORD: the erasure with a fresh code
	pc_code "$ANA_SECRET"
	api POST /api/v1/account/erasure "{\"password\":\"$1\",\"code\":\"$TOTP\",\"confirm\":true}"
}
ERASE Verde-Munte-Ploaie-42
expect 409 erasure_cert_valid "erasure while the certificate is valid: revoke it first"
api POST /api/v1/account/erasure '{"password":"Verde-Munte-Ploaie-42","code":"000000","confirm":false}'
expect 400 field_invalid "... not confirmed: refused"
ERASE Wrong-Password-123
expect 403 password_wrong "... a wrong password: refused"
api POST /api/v1/sign/batches '{}'
BATCH=$(jget id)
CODE=$(curl -s -o /dev/null -w '%{http_code}' -b "$JAR" -H "X-CSRF-Token: $CSRF" \
	-H 'Content-Type: application/octet-stream' --data-binary @"$T/terms.pdf" \
	"$PC_URL/api/v1/sign/batches/$BATCH/files?name=to-sign.pdf")
check "a file uploaded to sign (a document of hers)" [ "$CODE" = 201 ]
pc_code "$ANA_SECRET"
api POST "/api/v1/certificates/$SIGN/revoke" "{\"code\":\"$TOTP\",\"confirm\":true}"
expect 200 - "ana revokes her certificate"
ANA_ID=$(sql "SELECT id FROM users WHERE email = 'ana.priv@example.ro'")
NDOCS=$(sql "SELECT count(*) FROM documents WHERE user_id = '$ANA_ID'")
ERASE Verde-Munte-Ploaie-42
expect 200 - "erased"
echo "$BODY" >"$T/kept.json"
NA=$(sql "SELECT not_after FROM certs WHERE serial = '$SIGN'")
check "what is kept: the certificate until its end + the RA retention, with why" /usr/bin/python3 -c "
import json; k=json.load(open('$T/kept.json'))['kept']
c=[x for x in k if x['what']=='certificate' and x['id'].lower()=='$SIGN'.lower()]
assert c and c[0]['until'] > $NA and c[0]['why'], k"
check "... the invoice for 10 years, the signed terms, the identification evidence, the audit log" /usr/bin/python3 -c "
import json,time; k=json.load(open('$T/kept.json'))['kept']; w={x['what'] for x in k}
inv=[x for x in k if x['what']=='invoice']
assert {'invoice','signed terms','identification evidence','audit log entries'} <= w, w
assert inv and inv[0]['until'] > time.time() + 9*365*86400, inv"
check "the account anonymised and closed" \
	[ "$(sql "SELECT email || '|' || given_name || '|' || phone || '|' || status || '|' || COALESCE(password_hash, 'none') FROM users WHERE id = '$ANA_ID'")" = "erased-$ANA_ID@erased.invalid|||erased|none" ]
check "... her sessions gone: this one is signed out" bash -c "[ \$(curl -s -o /dev/null -w '%{http_code}' -b '$JAR' '$PC_URL/api/v1/account') = 401 ]"
check "... no sessions left, consents without IP addresses" \
	[ "$(sql "SELECT count(*) FROM sessions WHERE user_id = '$ANA_ID'") $(sql "SELECT count(*) FROM consents WHERE user_id = '$ANA_ID' AND ip IS NOT NULL")" = "0 0" ]
UPFILE=$(find "$D/files/docs/$ANA_ID" -name '*.pcv' | wc -l)
check "... the signed terms kept, other documents deleted, rows and files ($NDOCS before)" \
	[ "$NDOCS" -ge 2 -a "$(sql "SELECT count(*) FROM documents WHERE user_id = '$ANA_ID' AND kind NOT IN ('issuance_terms', 'renewal_terms')")" = 0 -a "$(sql "SELECT count(*) FROM documents WHERE user_id = '$ANA_ID' AND kind = 'issuance_terms'")" = 1 -a "$UPFILE" = 1 ]
check "... her appearance profiles deleted" \
	[ "$(sql "SELECT count(*) FROM appearance_profiles WHERE user_id = '$ANA_ID'")" = 0 ]
check "... the certificate and invoice rows stay" \
	[ "$(sql "SELECT count(*) FROM certs WHERE serial = '$SIGN'") $(sql "SELECT count(*) FROM shop_invoices i JOIN shop_orders o ON o.id = i.order_id WHERE o.user_id = '$ANA_ID'")" = "1 1" ]
check "... audited" [ "$(sql "SELECT count(*) FROM audit_log WHERE event = 'privacy.erase' AND actor = '$ANA_ID'")" = 1 ]
rm -f "$T/jar.again"; JAR=$T/jar.again; CSRF=""; refresh_csrf
api POST /api/v1/session '{"email":"ana.priv@example.ro","password":"Verde-Munte-Ploaie-42"}'
check "... she cannot sign in any more ($CODE)" [ "$CODE" != 200 ]
as bob
api GET /api/v1/account/data
check "bob's data untouched by ana's erasure" bash -c "echo '$BODY' | grep -q bob.priv"
check "the audit chain verifies after the erasure" bash -c "'$PECETE_BIN' audit verify --data '$D' | grep -q 'audit chain OK'"

# ---- retention (privacy policy §9) ----------------------------------------------------
# What was kept for ana falls due: her certificates ended 11 years ago
# ([ra] retention_accepted_years is 10), her invoice was issued 11 years
# ago; an e-mail was sent 31 days ago ([privacy] outbox_days 30), an
# unpaid order's billing data is 2 years old. Bob's paid order is recent.
Y=$((365 * 86400)); NOW=$(date +%s)
sql "UPDATE certs SET not_after = $((NOW - 11 * Y)) WHERE holder IN (SELECT holder FROM credentials WHERE user_id = '$ANA_ID')"
sql "UPDATE shop_invoices SET issued_at = $((NOW - 11 * Y)) WHERE order_id IN (SELECT id FROM shop_orders WHERE user_id = '$ANA_ID')"
OLD_MAIL=$(sql "SELECT id FROM outbox WHERE status = 'sent' ORDER BY id LIMIT 1")
sql "UPDATE outbox SET created_at = $((NOW - 31 * 86400)) WHERE id = $OLD_MAIL"
as bob
api POST /api/v1/shop/orders '{"package":"pecete1","accept_terms":true,"accept_conditions":true,"accept_withdrawal":true,"invoice":{"type":"person","name":"Bob Unpaid","county":"Cluj","town":"Cluj-Napoca","street":"Str. Lunga","number":"2","postal_code":"400114"}}'
UNPAID=$(jget id)
sql "UPDATE shop_orders SET created_at = $((NOW - 2 * Y)) WHERE id = '$UNPAID'"
TERMS_FILE=$(find "$D/files/docs/$ANA_ID" -name '*.pcv')
rule() {	# rule FILE NAME FIELD: a number of the report
	/usr/bin/python3 -c "import json,sys; r={x['name']: x for x in json.load(open(sys.argv[1]))['rules']}; print(r[sys.argv[2]][sys.argv[3]])" "$@"
}
"$PECETE_BIN" privacy retention --data "$D" --json >"$T/ret1.json" 2>"$T/ret1.err"
check "retention report: ana's invoice and terms due, bob's invoice not" \
	[ "$(rule "$T/ret1.json" invoices due)/$(rule "$T/ret1.json" invoices held) $(rule "$T/ret1.json" signed_terms due)" = "1/2 1" ]
check "... the unpaid order's billing data, the old e-mail, nothing of the audit log" \
	[ "$(rule "$T/ret1.json" unpaid_orders due) $(rule "$T/ret1.json" outbox due) $(rule "$T/ret1.json" audit_log due)" = "1 1 0" ]
check "... when bob's invoice falls due: 10 years after its issue" /usr/bin/python3 -c "
import json; r={x['name']: x for x in json.load(open('$T/ret1.json'))['rules']}
assert r['invoices']['next_due'] > $NOW + 9 * $Y, r['invoices']"
check "... nothing deleted by a report" [ "$(rule "$T/ret1.json" invoices deleted) $(sql "SELECT count(*) FROM shop_invoices")" = "0 2" ]
as op	# operators' routes need a sign-in with the authenticator: pair one
api POST /api/v1/totp/pairing
api POST /api/v1/totp/pairing/verify "{\"code\":\"$(outvar pairing_sms code)\",\"installed\":true}"
pc_code "$(jget secret)"	# a code of the server's moved clock
api POST /api/v1/totp/pairing/confirm "{\"code\":\"$TOTP\"}"
refresh_csrf
api GET /api/v1/admin/retention
echo "$BODY" >"$T/ret-api.json"
check "operators read the same report (GET /api/v1/admin/retention: $CODE)" \
	[ "$CODE" = 200 -a "$(rule "$T/ret-api.json" signed_terms due)" = 1 ]
as bob
api GET /api/v1/admin/retention
expect 403 forbidden "... and only operators"
"$PECETE_BIN" privacy retention --data "$D" --apply --json >"$T/ret2.json" 2>"$T/ret2.err"
check "applied: 1 invoice, 1 unpaid order, 1 signed terms, 1 e-mail" \
	[ "$(rule "$T/ret2.json" invoices deleted) $(rule "$T/ret2.json" unpaid_orders deleted) $(rule "$T/ret2.json" signed_terms deleted) $(rule "$T/ret2.json" outbox deleted)" = "1 1 1 1" ]
check "... ana's invoice row gone, her order's billing data emptied" \
	[ "$(sql "SELECT count(*) FROM shop_invoices i JOIN shop_orders o ON o.id = i.order_id WHERE o.user_id = '$ANA_ID'") $(sql "SELECT invoice_data FROM shop_orders WHERE user_id = '$ANA_ID'")" = "0 {}" ]
check "... her signed terms deleted, row and file" \
	[ "$(sql "SELECT count(*) FROM documents WHERE user_id = '$ANA_ID'")" = 0 -a ! -e "$TERMS_FILE" ]
check "... the unpaid order's billing data emptied, the old e-mail deleted" \
	[ "$(sql "SELECT invoice_data FROM shop_orders WHERE id = '$UNPAID'") $(sql "SELECT count(*) FROM outbox WHERE id = $OLD_MAIL")" = "{} 0" ]
check "... bob's paid order and invoice untouched" \
	[ "$(sql "SELECT count(*) FROM shop_invoices WHERE order_id = '$BOB_ORDER'") $(sql "SELECT json_extract(invoice_data, '\$.name') FROM shop_orders WHERE id = '$BOB_ORDER'")" = "1 Ana Pop" ]
check "... audited (privacy.retention), the chain verifies" \
	bash -c "[ \$(sqlite3 -cmd '.timeout 10000' '$DB' \"SELECT count(*) FROM audit_log WHERE event = 'privacy.retention'\") = 1 ] && '$PECETE_BIN' audit verify --data '$D' | grep -q 'audit chain OK'"
"$PECETE_BIN" privacy retention --data "$D" >"$T/ret3.txt" 2>&1
check "a second run finds nothing due (readable table)" \
	bash -c "grep -q '^invoices  *1  *0 ' '$T/ret3.txt' && grep -q '^signed_terms  *0  *0 ' '$T/ret3.txt'"

JAR=$T/nobody; rm -f "$JAR"
api GET /api/v1/account/export.zip
expect 401 not_signed_in "not signed in: refused"
pc_done
