#!/bin/bash
# inbox_api.sh: the contact form, rectification requests and the
# operators' inbox (issue 18, items 4 and 5):
#  - anyone sends a message (a receipt is e-mailed) and attaches up to 3
#    PDF/JPEG/PNG files of at most 5 MB with the upload token; other types,
#    a 4th file, a wrong token are refused; a path in the file's name is
#    dropped; the files are encrypted at rest;
#  - fields are checked on the server: consent, e-mail, topic, control and
#    bidirectional characters; 10 messages an hour per address;
#  - a signed-in person asks for a correction of their data (name and
#    e-mail from the account);
#  - operators (with the authenticator) list, read, download the same
#    bytes, answer (e-mailed, closed, audited without the text); a second
#    answer and later files are refused; others get 403;
#  - retention: a message answered 4 years ago goes with its files.
. "$PECETE_SRC/tests/support/lib.sh"
. "$PECETE_SRC/tests/support/api.sh"
T=$(pc_tmpdir)
D=$T/d
pc_init "$D" --dev
DB=$D/pecete.db
pc_serve "$D"
. "$PECETE_SRC/tests/support/idv.sh"

printf '%%PDF-1.4\n%% a test file\n1 0 obj << >> endobj\n%%%%EOF\n' >"$T/a.pdf"
printf '\x89PNG\r\n\x1a\n0000IHDR-not-a-real-image' >"$T/b.png"
printf '\xff\xd8\xff\xe0 a jpeg start' >"$T/c.jpg"
printf 'MZ\x90\x00 an executable' >"$T/d.exe"
printf '%%PDF-' >"$T/big.pdf"; head -c $((5 * 1024 * 1024 - 4)) /dev/zero >>"$T/big.pdf"
upload() {	# upload ID TOKEN FILE [NAME]: POST a file, CODE and BODY set
	CODE=$(curl -s -o "$T/body" -w '%{http_code}' -b "$JAR" -c "$JAR" \
		-H "X-CSRF-Token: $CSRF" -H "X-Upload-Token: $2" \
		-H 'Content-Type: application/octet-stream' --data-binary @"$3" \
		"$PC_URL/api/v1/contact/$1/files?name=${4:-$(basename "$3")}")
	BODY=$(cat "$T/body")
}

# ---- the contact form, not signed in ------------------------------------------------
as guest
MSG='{"name":"Ion Popescu","email":"ion@example.ro","topic":"complaint","message":"The invoice of order 12 has a wrong address.\nPlease fix it.","privacy_consent":true,"lang":"en"}'
api POST /api/v1/contact "$MSG"
expect 201 - "a message sent with the contact form"
ID=$(jget id); TOK=$(jget upload_token)
check "... an id and an upload token; 3 files of 5 MB" \
	[ ${#ID} -eq 32 -a ${#TOK} -eq 64 -a "$(jget files_max)" = 3 -a "$(jget file_max_bytes)" = 5242880 ]
check "... a receipt e-mailed in the sender's language, with the reference" \
	[ "$(sql "SELECT recipient || ' ' || lang || ' ' || json_extract(vars, '\$.ref') FROM outbox WHERE template = 'inbox_received' ORDER BY id DESC LIMIT 1")" = "ion@example.ro en $ID" ]
upload "$ID" "$TOK" "$T/a.pdf" "../../etc/passwd.pdf"
expect 201 - "a PDF attached"
check "... as file 1" [ "$(jget n)" = 1 ]
upload "$ID" "$TOK" "$T/d.exe"
expect 400 attachment_invalid "an executable refused"
upload "$ID" "$TOK" "$T/big.pdf"
expect 400 attachment_invalid "a file over 5 MB refused"
upload "$ID" 0000000000000000000000000000000000000000000000000000000000000000 "$T/b.png"
expect 409 upload_closed "a wrong upload token refused"
upload "$ID" "$TOK" "$T/b.png"
expect 201 - "a PNG attached"
upload "$ID" "$TOK" "$T/c.jpg"
expect 201 - "a JPEG attached"
upload "$ID" "$TOK" "$T/a.pdf"
expect 409 attachments_full "a 4th file refused"
PCV=$(ls "$D/files/inbox/$ID-1.pcv" 2>/dev/null)
check "the files encrypted at rest (no PDF header in $PCV)" bash -c "[ -f '$PCV' ] && ! grep -qa '%PDF-' '$PCV'"
check "no temporary file left" [ "$(find "$D/files/inbox" -name '*.tmp' | wc -l)" = 0 ]

# Fields checked on the server.
bad() {	# bad JSON FIELD "what"
	api POST /api/v1/contact "$1"
	if [ "$CODE" = 400 ] && [ "$(jget error.code)" = field_invalid ] && [ "$(jget error.field)" = "$2" ]; then
		ok "$3"
	else
		fail "$3 (got $CODE $BODY)"
	fi
}
bad '{"name":"Ion","email":"ion@example.ro","topic":"question","message":"x","privacy_consent":false}' privacy_consent "without the privacy consent: refused"
bad '{"name":"Ion","email":"not-an-address","topic":"question","message":"x","privacy_consent":true}' email "a wrong e-mail: refused"
bad '{"name":"Ion","email":"ion@example.ro","topic":"sales","message":"x","privacy_consent":true}' topic "an unknown topic: refused"
bad '{"name":"Ion","email":"ion@example.ro","topic":"question","message":"pay \u202eto the other\u202c","privacy_consent":true}' message "a bidirectional override in the message: refused"
bad '{"name":"Ion\u0007","email":"ion@example.ro","topic":"question","message":"x","privacy_consent":true}' name "a control character in the name: refused"
# 10 an hour from one address: 6 sent so far.
for i in 1 2 3 4; do api POST /api/v1/contact "$MSG"; done
check "the 10th message of the hour is taken ($CODE)" [ "$CODE" = 201 ]
api POST /api/v1/contact "$MSG"
expect 429 rate_limited "the 11th from the same address: 429"

# ---- a rectification request, signed in ----------------------------------------------
as ana
api_signup_user ana.inbox@example.ro +40722000411
api POST /api/v1/account/rectification '{"field":"name","message":"My surname is Popa, not Pop."}'
expect 201 - "ana asks for a correction of her name"
RID=$(jget id); RTOK=$(jget upload_token)
upload "$RID" "$RTOK" "$T/a.pdf" "act.pdf"
expect 201 - "... with a document attached"
api POST /api/v1/account/rectification '{"field":"salary","message":"x"}'
expect 400 field_invalid "... an unknown field: refused"
JAR=$T/nobody; rm -f "$JAR"; CSRF=""; refresh_csrf
api POST /api/v1/account/rectification '{"field":"name","message":"x"}'
expect 401 not_signed_in "... only when signed in"

# ---- the operators -------------------------------------------------------------------
as ana
api GET /api/v1/admin/inbox
expect 403 forbidden "a user cannot read the inbox"
as op
api_signup_user op.inbox@example.ro +40722000412
"$PECETE_BIN" user role --data "$D" --email op.inbox@example.ro --role operator >/dev/null
api GET /api/v1/admin/inbox
expect 403 operator_totp_required "an operator without the authenticator: refused"
api_pair_totp
api GET /api/v1/admin/inbox?state=open
expect 200 - "the inbox"
echo "$BODY" >"$T/inbox.json"
check "... newest first; the rectification with ana's account name and e-mail" /usr/bin/python3 -c "
import json; m=json.load(open('$T/inbox.json'))['messages']
assert all(a['created_at'] >= b['created_at'] for a, b in zip(m, m[1:])), [x['created_at'] for x in m]
r=[x for x in m if x['id']=='$RID'][0]
assert r['created_at']==m[0]['created_at'] and r['kind']=='rectification' and r['topic']=='name', r
assert r['name']=='Ana Pop' and r['email']=='ana.inbox@example.ro' and r['files']==1, r
c=[x for x in m if x['id']=='$ID'][0]
assert c['kind']=='contact' and c['files']==3 and c['state']=='open' and 'wrong address' in c['message'], c"
api GET "/api/v1/admin/inbox/$ID"
echo "$BODY" >"$T/one.json"
check "... a message's files: names without paths, types, the sha256 of what was sent" /usr/bin/python3 -c "
import json,hashlib; a=json.load(open('$T/one.json'))['attachments']
assert [x['name'] for x in a]==['passwd.pdf','b.png','c.jpg'], a
assert [x['type'] for x in a]==['application/pdf','image/png','image/jpeg'], a
assert a[0]['sha256']==hashlib.sha256(open('$T/a.pdf','rb').read()).hexdigest(), a"
curl -s -o "$T/got.png" -D "$T/got.h" -b "$JAR" "$PC_URL/api/v1/admin/inbox/$ID/files/2"
check "... downloaded: the same bytes, as an attachment" bash -c "cmp -s '$T/got.png' '$T/b.png' && grep -qi 'Content-Disposition: attachment' '$T/got.h'"
api GET "/api/v1/admin/inbox/$ID/files/9"
expect 404 message_not_found "... no file 9"
api POST "/api/v1/admin/inbox/$ID/answer" '{"answer":"We corrected the address; the new invoice is in your account."}'
expect 200 - "the operator answers"
check "... closed, by this operator" bash -c "[ '$(jget state)' = closed ] && [ -n '$(jget closed_by)' ]"
check "... the answer e-mailed to the sender" \
	[ "$(sql "SELECT recipient || ' ' || json_extract(vars, '\$.ref') FROM outbox WHERE template = 'inbox_answer' ORDER BY id DESC LIMIT 1")" = "ion@example.ro $ID" ]
api POST "/api/v1/admin/inbox/$ID/answer" '{"answer":"again"}'
expect 409 message_state "a second answer: refused"
as guest
upload "$ID" "$TOK" "$T/c.jpg"
expect 409 upload_closed "no file after the answer"
check "audited without the texts (6 inbox.send, 4 inbox.file, 1 inbox.answer)" bash -c "
	[ \$(sqlite3 -cmd '.timeout 10000' '$DB' \"SELECT count(*) FROM audit_log WHERE event IN ('inbox.send','inbox.file','inbox.answer')\") = 11 ] &&
	[ \$(sqlite3 -cmd '.timeout 10000' '$DB' \"SELECT count(*) FROM audit_log WHERE detail LIKE '%wrong address%' OR detail LIKE '%corrected%' OR detail LIKE '%ion@example%'\") = 0 ]"
check "the audit chain verifies" bash -c "'$PECETE_BIN' audit verify --data '$D' | grep -q 'audit chain OK'"

# ---- retention: answered 4 years ago ([privacy] messages_years = 3) -------------------
sql "UPDATE inbox_messages SET closed_at = closed_at - 4 * 365 * 86400 WHERE id = '$ID'"
"$PECETE_BIN" privacy retention --data "$D" --apply --json >"$T/ret.json"
check "retention: the old message deleted, its 3 files too; the open one stays" bash -c "
	grep -q '\"name\":\"messages\"' '$T/ret.json' &&
	[ \$(sqlite3 -cmd '.timeout 10000' '$DB' \"SELECT count(*) FROM inbox_messages WHERE id = '$ID'\") = 0 ] &&
	[ \$(sqlite3 -cmd '.timeout 10000' '$DB' \"SELECT count(*) FROM inbox_files WHERE message_id = '$ID'\") = 0 ] &&
	[ ! -e '$D/files/inbox/$ID-1.pcv' ] && [ -e '$D/files/inbox/$RID-1.pcv' ]"
pc_done
