#!/bin/bash
# ra_api.sh: identification (J7) and the RA console through the real API
# (the browser's recording is tests/e2e/idv.mjs; here every rule the
# server enforces, with curl):
#  - start: the four agreements each required and recorded, the document
#    type checked; steps in order, the SMS code sent at its step and
#    checked (a wrong code refused, the step repeats); challenges revealed
#    only when their step starts;
#  - upload in pieces: a cut connection loses nothing but the cut piece,
#    the upload resumes from what the server holds, a wrong offset is told
#    where to go on; declared sizes must match; files are encrypted at
#    rest (no WebM magic on disk) and decrypt to the bytes sent;
#  - submit: the evidence manifest's time-stamp verifies with openssl ts
#    and its hashes match the decrypted files; a stopped signer makes the
#    submission fail whole (503) and a retry succeed;
#  - the console: 403 on every /api/v1/ra/ route for a user and for an
#    operator without TOTP; claim keeps a second operator out; the
#    checklist and the identity (CNP checksum) are enforced with field
#    errors; accept and reject e-mail the person (the reason, a link that
#    works); three rejections lead to contact, then a new recording;
#  - every decision in the audit log; retention deletes the evidence.
. "$PECETE_SRC/tests/support/lib.sh"
. "$PECETE_SRC/tests/support/api.sh"
pc_need curl sqlite3 openssl oathtool python3

T=$(pc_tmpdir)
D=$T/data
pc_init "$D" --dev
DB=$D/pecete.db
"$PECETE_BIN" pki export --data "$D" --out "$T/pki" >/dev/null
# A stopped signer must make the time-stamp fail soon, not in 10 s.
export PECETE_SIGNER_TIMEOUT_MS=1500
pc_serve "$D"

. "$PECETE_SRC/tests/support/idv.sh"
idv_fixtures

# ---- the person: paid order, nothing started -----------------------------------
as ana
api_signup_user ana.idv@example.ro +40722000111
api_buy_paid pecete1 || fail "order not paid"
O1=$ORDER
api GET /api/v1/idv
expect 200 - "status"
check "a paid order waits; nothing started; can start" \
	[ "$(jpath 'j["order"]["id"], j["case"], j["can_start"]')" = "('$O1', None, True)" ]
check "the form's defaults: the account's phone" [ "$(jget phone)" = +40722000111 ]

# ---- start: agreements and document type ---------------------------------------
api POST /api/v1/idv '{"doc_type":"ro_id_card","consent_privacy":true,"consent_biometric":false,"consent_images":true,"consent_recording":true}'
check "each agreement required, by name" [ "$CODE $(jget error.code) $(jget error.field)" = "400 idv_consent_required consent_biometric" ]
api POST /api/v1/idv '{"doc_type":"library_card","consent_privacy":true,"consent_biometric":true,"consent_images":true,"consent_recording":true}'
expect 400 doc_type_invalid "unknown document type refused"
api POST /api/v1/idv '{"doc_type":"ro_id_card","phone":"+40733000222","consent_privacy":true,"consent_biometric":true,"consent_images":true,"consent_recording":true}'
expect 201 - "case started"
C1=$(jget id)
STEPS=$(jpath '" ".join(j["steps"])')
check "the plan: document front, tilt, back, SMS, smile, neutral first" \
	[ "$(echo $STEPS | cut -d' ' -f1-6)" = "doc_front doc_tilt doc_back sms_code smile neutral" ]
NCH=$(jget challenges)
check "one or two random challenges ($NCH), not revealed at start" \
	bash -c "[ $NCH -ge 1 ] && [ $NCH -le 2 ] && ! grep -q -e direction -e '\"value\"' '$T/body'"
check "a changed phone is remembered for issuance" [ "$(jget phone_changed)" = true ]
check "the four agreements recorded as consents with a version" \
	[ "$(sql "SELECT count(DISTINCT kind) FROM consents WHERE kind LIKE 'idv_%' AND version <> ''")" = 4 ]

# ---- steps in order, the SMS code at its step ------------------------------------
api POST "/api/v1/idv/$C1/step" '{"step":"smile"}'
expect 409 idv_step_order "a step out of order refused"
for s in doc_front doc_tilt doc_back; do api POST "/api/v1/idv/$C1/step" "{\"step\":\"$s\"}"; done
expect 200 - "document steps"
N0=$(sql "SELECT count(*) FROM outbox WHERE template = 'idv_sms'")
check "no SMS before its step" [ "$N0" = 0 ]
api POST "/api/v1/idv/$C1/step" '{"step":"sms_code"}'
expect 200 - "SMS step"
check "the code is sent at that moment, to the number given" \
	[ "$(jget code.sent) $(sql "SELECT recipient FROM outbox WHERE template = 'idv_sms'")" = "true +40733000222" ]
api POST "/api/v1/idv/$C1/step" '{"step":"smile"}'
expect 409 idv_sms_needed "no step past the SMS without the code"
GOOD=$(outvar idv_sms code)
BAD=$(printf '%06d' $(( (10#$GOOD + 1) % 1000000 )))
api POST "/api/v1/idv/$C1/code" "{\"code\":\"$BAD\"}"
expect 400 code_invalid "a wrong code refused"
api POST "/api/v1/idv/$C1/step" '{"step":"sms_code"}'
check "the step repeats with the same code (no second SMS)" \
	[ "$CODE $(jget code.sent) $(sql "SELECT count(*) FROM outbox WHERE template = 'idv_sms'")" = "200 false 1" ]
api POST "/api/v1/idv/$C1/code" "{\"code\":\"$GOOD\"}"
expect 200 - "the right code accepted"
check "the wrong try is kept as evidence" [ "$(sql "SELECT sms_failures FROM idv_cases WHERE id = '$C1'")" = 1 ]
for s in $(echo $STEPS | cut -d' ' -f5-); do
	api POST "/api/v1/idv/$C1/step" "{\"step\":\"$s\"}"
	case $s in
	head_turn) check "head turn revealed at its step ($(jget direction))" bash -c "[ '$(jget direction)' = left ] || [ '$(jget direction)' = right ]" ;;
	read_number) check "number revealed at its step ($(jget number))" bash -c "[[ '$(jget number)' =~ ^[0-9]{4}$ ]]" ;;
	*) expect 200 - "step $s" ;;
	esac
done
check "every step's server time recorded" \
	[ "$(sql "SELECT json_array_length(steps) FROM idv_cases WHERE id = '$C1'")" -ge "$(echo $STEPS | wc -w)" ]

# ---- upload: pieces, a cut connection, resume ---------------------------------------
curl -s -o "$T/body" -w '%{http_code}' -b "$JAR" -H "X-CSRF-Token: $CSRF" \
	-H 'Content-Type: application/octet-stream' --data-binary @"$T/front.jpg" \
	"$PC_URL/api/v1/idv/$C1/files/doc_front?offset=0&type=text/plain" >"$T/code"
BODY=$(cat "$T/body")
check "a text file refused for a photo" [ "$(cat "$T/code") $(jpath 'j["error"]["code"]')" = "400 file_type_invalid" ]
head -c 1048576 "$T/video.webm" >"$T/p0"
curl -s -o /dev/null -b "$JAR" -H "X-CSRF-Token: $CSRF" -H 'Content-Type: application/octet-stream' \
	--data-binary @"$T/p0" "$PC_URL/api/v1/idv/$C1/files/video?offset=0&type=video/webm"
# The second piece: the connection is cut after about 300 KB.
tail -c +1048577 "$T/video.webm" | head -c 1048576 >"$T/p1"
curl -s -o /dev/null --limit-rate 150K --max-time 2 -b "$JAR" -H "X-CSRF-Token: $CSRF" \
	-H 'Content-Type: application/octet-stream' --data-binary @"$T/p1" \
	"$PC_URL/api/v1/idv/$C1/files/video?offset=1048576"
sleep 0.5
api GET "/api/v1/idv/$C1/files/video"
check "after the cut the server holds the first piece only" [ "$(jget received) $(jget final)" = "1048576 false" ]
curl -s -o "$T/body" -w '%{http_code}' -b "$JAR" -H "X-CSRF-Token: $CSRF" \
	-H 'Content-Type: application/octet-stream' --data-binary @"$T/p1" \
	"$PC_URL/api/v1/idv/$C1/files/video?offset=2000" >"$T/code"
BODY=$(cat "$T/body")
check "a wrong offset is told where to go on" [ "$(cat "$T/code") $(jget error.code) $(jget received)" = "409 upload_offset 1048576" ]
off=1048576
while [ $off -lt "$VSIZE" ]; do
	tail -c +$((off + 1)) "$T/video.webm" | head -c 1048576 >"$T/piece"
	BODY=$(curl -s -b "$JAR" -H "X-CSRF-Token: $CSRF" -H 'Content-Type: application/octet-stream' \
		--data-binary @"$T/piece" "$PC_URL/api/v1/idv/$C1/files/video?offset=$off")
	off=$(jget received)
	[ -n "$off" ] || { fail "resume: $BODY"; break; }
done
check "the upload resumed to the end" [ "$off" = "$VSIZE" ]
upload "$C1" doc_front "$T/front.jpg" image/jpeg && upload "$C1" doc_back "$T/back.jpg" image/jpeg &&
	upload "$C1" face "$T/face.jpg" image/jpeg && ok "photos uploaded" || fail "photos: $CODE $BODY"
api POST "/api/v1/idv/$C1/submit" "{\"files\":{\"video\":$((VSIZE + 1)),\"doc_front\":$FSIZE,\"doc_back\":$FSIZE,\"face\":$FSIZE}}"
check "a size the server did not receive is named" [ "$CODE $(jget error.code) $(jget error.field)" = "409 upload_incomplete video" ]

# ---- submit: a stopped signer fails it whole, a retry succeeds -------------------------
SPID=$(pgrep -P "$PC_PID" -f signer-run | head -1)
kill -STOP "$SPID"
SUBMIT="{\"client\":{\"camera_label\":\"Fake camera 0\",\"user_agent\":\"curl\",\"duration_ms\":61000},\"files\":{\"video\":$VSIZE,\"doc_front\":$FSIZE,\"doc_back\":$FSIZE,\"face\":$FSIZE}}"
api POST "/api/v1/idv/$C1/submit" "$SUBMIT"
kill -CONT "$SPID"
check "no time-stamp: 503, try again" [ "$CODE $(jget error.code)" = "503 signer_unavailable" ]
check "... and the case is still open, nothing queued" \
	[ "$(sql "SELECT state || ' ' || (manifest IS NULL) FROM idv_cases WHERE id = '$C1'") $(sql "SELECT count(*) FROM outbox WHERE template = 'idv_received'")" = "open 1 0" ]
for _ in $(seq 1 50); do curl -s "$PC_URL/readyz" | grep -q '"signer":"ok"' && break; sleep 0.2; done
api POST "/api/v1/idv/$C1/submit" "$SUBMIT"
expect 200 - "submitted"
check "the status page's data: submitted, a deadline" [ "$(jpath 'j["case"]["state"], j["case"]["deadline_at"] is not None')" = "('submitted', True)" ]
check "the person is told by e-mail (received)" [ "$(sql "SELECT count(*) FROM outbox WHERE template = 'idv_received' AND recipient = 'ana.idv@example.ro'")" = 1 ]
api POST "/api/v1/idv/$C1/submit" "$SUBMIT"
expect 409 idv_state "a second submit refused"
api POST /api/v1/idv '{"doc_type":"ro_id_card","consent_privacy":true,"consent_biometric":true,"consent_images":true,"consent_recording":true}'
expect 409 idv_not_now "no new recording while one is reviewed"

# ---- at rest: encrypted; the evidence verifies -------------------------------------------
VF=$D/files/idv/$C1/video.pcv
check "the stored video exists" test -s "$VF"
check "... and is not readable as WebM (no EBML magic anywhere)" \
	py 'import sys; d=open(sys.argv[1],"rb").read(); sys.exit(b"\x1a\x45\xdf\xa3" in d or d[:4]!=b"PCV1")' "$VF"

# ---- the console: who may use it -----------------------------------------------------------
as op
api_signup_user op.idv@example.ro +40722000999
"$PECETE_BIN" user role --data "$D" --email op.idv@example.ro --role operator >/dev/null
as op2
api_signup_user op2.idv@example.ro +40722000888
"$PECETE_BIN" user role --data "$D" --email op2.idv@example.ro --role operator >/dev/null
"$PECETE_BIN" api routes >"$T/routes.json"
RA_ROUTES=$(py 'import json,sys
for r in json.load(open(sys.argv[1])):
    if r["pattern"].startswith("/api/v1/ra/"):
        print(r["method"], r["pattern"].replace(":id", sys.argv[2]).replace(":kind", "video"))' "$T/routes.json" "$C1")
check "the console has routes ($(echo "$RA_ROUTES" | wc -l))" [ "$(echo "$RA_ROUTES" | wc -l)" -ge 10 ]
denied() {	# denied WHO CODE: every console route refused with CODE
	local m p bad=0
	while read -r m p; do
		if [ "$m" = GET ]; then api GET "$p"; else api "$m" "$p" '{}'; fi
		[ "$CODE $(jget error.code)" = "403 $2" ] || { echo "# $1: $m $p -> $CODE $BODY"; bad=1; }
	done <<<"$RA_ROUTES"
	return $bad
}
as ana
denied user forbidden && ok "a user gets 403 on every console route" || fail "console open to a user"
as op
denied operator operator_totp_required && ok "an operator without TOTP gets 403 on every console route" ||
	fail "console open without TOTP"
api_pair_totp
api GET /api/v1/ra/cases
expect 200 - "operator with TOTP: the queue"
check "the case waits, not overdue" [ "$(jpath '[(c["id"], c["overdue"]) for c in j["cases"]]')" = "[('$C1', False)]" ]
api GET "/api/v1/ra/cases/$C1"
check "case view: challenges, steps, SMS, client, files" \
	[ "$(jpath 'len(j["challenges"])>0, len(j["steps"])>0, j["sms"]["failures"], j["client"]["camera_label"], sorted(f["kind"] for f in j["files"])')" = "(True, True, 1, 'Fake camera 0', ['doc_back', 'doc_front', 'face', 'video'])" ]
curl -s -o "$T/got.webm" -b "$JAR" "$PC_URL/api/v1/ra/cases/$C1/files/video"
check "the operator's player gets the video decrypted, byte for byte" cmp -s "$T/got.webm" "$T/video.webm"
curl -s -D "$T/rh" -o "$T/part" -H 'Range: bytes=1048570-1048600' -b "$JAR" "$PC_URL/api/v1/ra/cases/$C1/files/video"
check "a byte range for the player's seeks: 206, Content-Range, those bytes" bash -c "
	grep -q '^HTTP/1.1 206' '$T/rh' && grep -qi '^Content-Range: bytes 1048570-1048600/$VSIZE' '$T/rh' &&
	cmp -s '$T/part' <(tail -c +1048571 '$T/video.webm' | head -c 31)"
curl -s -D "$T/rh" -o /dev/null -H 'Range: bytes=-100' -b "$JAR" "$PC_URL/api/v1/ra/cases/$C1/files/video"
check "... the last bytes (suffix range)" grep -qi "^Content-Range: bytes $((VSIZE - 100))-$((VSIZE - 1))/$VSIZE" "$T/rh"
curl -s -D "$T/rh" -o /dev/null -H "Range: bytes=$VSIZE-" -b "$JAR" "$PC_URL/api/v1/ra/cases/$C1/files/video"
check "... a range past the end: 416 with the size" bash -c "grep -q '^HTTP/1.1 416' '$T/rh' && grep -qi '^Content-Range: bytes \*/$VSIZE' '$T/rh'"

# ---- evidence export: manifest hashes and time-stamp ---------------------------------------
"$PECETE_BIN" ra export --data "$D" --operator op.idv@example.ro "$C1" --out "$T/ev" >/dev/null &&
	ok "evidence exported" || fail "ra export"
check "the exported video is what was uploaded" cmp -s "$T/ev/video.webm" "$T/video.webm"
check "the manifest's hashes are the files' (decrypted)" py 'import json,hashlib,sys,os
m=json.load(open(sys.argv[1]+"/manifest.json"))
ext={"video/webm":"webm","image/jpeg":"jpg"}
for f in m["files"]:
    d=open(os.path.join(sys.argv[1], f["kind"]+"."+ext[f["type"]]),"rb").read()
    assert hashlib.sha256(d).hexdigest()==f["sha256"] and len(d)==f["size"], f["kind"]
assert len(m["files"])==4' "$T/ev"
openssl ts -verify -data "$T/ev/manifest.json" -in "$T/ev/manifest.tsr" \
	-CAfile "$T/pki/root.pem" -untrusted "$T/pki/tsa.pem" >"$T/tsv" 2>&1
check "openssl ts -verify: the manifest's time-stamp verifies" grep -q '^Verification: OK' "$T/tsv"
cp "$T/ev/manifest.json" "$T/m2.json"; printf ' ' >>"$T/m2.json"
openssl ts -verify -data "$T/m2.json" -in "$T/ev/manifest.tsr" \
	-CAfile "$T/pki/root.pem" -untrusted "$T/pki/tsa.pem" >"$T/tsv2" 2>&1
check "... and fails for a changed manifest" bash -c "! grep -q '^Verification: OK' '$T/tsv2'"
api GET "/api/v1/ra/cases/$C1/evidence"
check "the API gives the same manifest" [ "$(jget manifest_sha256)" = "$(sha256sum "$T/ev/manifest.json" | cut -d' ' -f1)" ]

# ---- claim, checklist, identity ------------------------------------------------------------
ACCEPT_ID='"identity":{"given_name":"Ana","surname":"Pop","doc_type":"ro_id_card","doc_series":"CJ","doc_number":"123456","doc_expiry":"2031-05-20","cnp":"1900101410011"}'
ALL='"document_valid":true,"security_features":true,"face_match":true,"data_match":true,"live":true'
api POST "/api/v1/ra/cases/$C1/accept" "{\"checklist\":{$ALL,\"alone\":true},$ACCEPT_ID}"
expect 409 case_not_claimed "no decision without taking the case"
api POST "/api/v1/ra/cases/$C1/claim" '{}'
expect 200 - "claimed"
"$PECETE_BIN" ra reject --data "$D" --operator op2.idv@example.ro "$C1" --reason other --text x >"$T/cli" 2>&1
check "a second operator cannot take it meanwhile" grep -q 'Another operator' "$T/cli"
api POST "/api/v1/ra/cases/$C1/accept" "{\"checklist\":{$ALL},$ACCEPT_ID}"
check "every check must be ticked (the missing one named)" [ "$CODE $(jget error.code) $(jget error.field)" = "400 checklist_incomplete alone" ]
api POST "/api/v1/ra/cases/$C1/accept" "{\"checklist\":{$ALL,\"alone\":true},${ACCEPT_ID/1900101410011/1900101410012}}"
check "an invalid CNP refused with a field error" [ "$CODE $(jget error.code) $(jget error.field)" = "400 cnp_invalid cnp" ]
api POST "/api/v1/ra/cases/$C1/accept" "{\"checklist\":{$ALL,\"alone\":true},${ACCEPT_ID/2031-05-20/2020-01-01}}"
check "an expired document refused" [ "$CODE $(jget error.code)" = "400 doc_expired" ]
api POST "/api/v1/ra/cases/$C1/accept" "{\"checklist\":{$ALL,\"alone\":true},$ACCEPT_ID}"
expect 200 - "accepted"
check "the identity issuance will use, read back" \
	[ "$(jpath 'j["state"], j["identity"]["cnp"], j["identity"]["doc_series"]+j["identity"]["doc_number"], j["identity"]["country"]')" = "('accepted', '1900101410011', 'CJ123456', 'RO')" ]
check "accepted: the person is told by e-mail" \
	[ "$(sql "SELECT count(*) FROM outbox WHERE template = 'idv_accepted' AND recipient = 'ana.idv@example.ro'")" = 1 ]
as ana
api GET /api/v1/idv
check "the person's page: accepted" [ "$(jpath 'j["case"]["state"]')" = accepted ]

# ---- rejections: the reason by e-mail, a link that works, contact after three ---------------
api_buy_paid pecete1 || fail "second order"
for n in 1 2 3; do
	as ana
	record || { fail "recording $n"; break; }
	as op
	api POST "/api/v1/ra/cases/$CASE/claim" '{}'
	api POST "/api/v1/ra/cases/$CASE/reject" '{"reason":"bogus"}'
	[ $n = 1 ] && expect 400 reason_invalid "a reason off the list refused"
	api POST "/api/v1/ra/cases/$CASE/reject" "{\"reason\":\"face_mismatch\",\"text\":\"Lumina era prea slabă ($n).\"}"
	expect 200 - "rejection $n"
	if [ $n = 1 ]; then
		check "rejected: state" [ "$(jget state)" = rejected ]
		TXT=$(sql "SELECT json_extract(vars, '\$.reason') || ' | ' || json_extract(vars, '\$.note') FROM outbox WHERE template = 'idv_rejected' ORDER BY id DESC LIMIT 1")
		check "the e-mail gives the reason in the person's language and the note" \
			bash -c "[[ '$TXT' == *'fotografia'* && '$TXT' == *'Lumina era prea slabă (1)'* ]]"
		LINK=$(outvar idv_rejected link)
		check "the e-mail's link leads to the recording page" \
			[ "$(curl -s -o /dev/null -w '%{http_code}' "${LINK/*\/identify/$PC_URL/identify}")" = 200 ]
	fi
done
check "third rejection: an operator contacts the person" [ "$(jget state)" = contact ]
check "... told by e-mail, without a new link" \
	[ "$(sql "SELECT count(*) FROM outbox WHERE template = 'idv_contact' AND recipient = 'ana.idv@example.ro'")" = 1 ]
as ana
api POST /api/v1/idv '{"doc_type":"ro_id_card","consent_privacy":true,"consent_biometric":true,"consent_images":true,"consent_recording":true}'
expect 409 idv_not_now "no new recording before the operator's call"
as op
api POST "/api/v1/ra/cases/$CASE/claim" '{}'
api POST "/api/v1/ra/cases/$CASE/redo" '{"text":"Am vorbit la telefon; vă rugăm să reluați."}'
expect 200 - "after the call: a new recording asked"
as ana
api POST /api/v1/idv '{"doc_type":"passport","consent_privacy":true,"consent_biometric":true,"consent_images":true,"consent_recording":true}'
check "the person can record again (attempt 4, a passport has no back)" \
	[ "$CODE $(jget attempt) $(jpath '"doc_back" in j["steps"]')" = "201 4 false" ]

# ---- the audit log, the server log ---------------------------------------------------------
for ev in idv.started idv.submitted ra.case.view ra.evidence.read ra.case.claim ra.case.accept ra.case.reject ra.case.contact ra.case.redo; do
	[ "$(sql "SELECT count(*) FROM audit_log WHERE event = '$ev'")" -ge 1 ] || fail "audit: no $ev"
done
ok "every decision and every look at the evidence is audited"
OPID=$(sql "SELECT id FROM users WHERE email = 'op.idv@example.ro'")
check "the acceptance names the operator" [ "$(sql "SELECT count(*) FROM audit_log WHERE event = 'ra.case.accept' AND actor = '$OPID'")" = 1 ]
check "the submission's audit row holds the manifest's hash" \
	[ "$(sql "SELECT count(*) FROM audit_log WHERE event = 'idv.submitted' AND detail LIKE '%manifest=$(sha256sum "$T/ev/manifest.json" | cut -d' ' -f1)%'")" = 1 ]
"$PECETE_BIN" audit verify --data "$D" | grep -q "audit chain OK" && ok "audit chain intact" || fail "audit chain"
check "no CNP, phone or SMS code in the server log" \
	bash -c "! grep -q -e 1900101410011 -e 722000111 -e 733000222 -e '$GOOD' '$D.serve.log'"

# ---- the biometric agreement withdrawn from the settings (GDPR art. 7(3)) ------------------
as ana
api GET /api/v1/consents
expect 200 - "consents listed"
check "the biometric agreement listed as optional and in force; the others required" \
	[ "$(jpath 'sorted(set((c["kind"], c["required"], bool(c.get("withdrawn_at"))) for c in j["consents"] if c["kind"].startswith("idv_")))')" = "[('idv_biometric', False, False), ('idv_images', True, False), ('idv_privacy', True, False), ('idv_recording', True, False)]" ]
api POST /api/v1/consents/withdraw '{"kind":"idv_images"}'
expect 409 consent_not_withdrawable "the images' agreement (the evidence kept) not withdrawn here"
api POST /api/v1/consents/withdraw '{"kind":"idv_biometric"}'
expect 200 - "the biometric agreement withdrawn"
check "... answered with the list: withdrawn, the images' still in force" \
	[ "$(jpath 'sorted(set((c["kind"], bool(c.get("withdrawn_at"))) for c in j["consents"] if c["kind"] in ("idv_biometric", "idv_images")))')" = "[('idv_biometric', True), ('idv_images', False)]" ]
check "... every biometric row of hers withdrawn in the database, none of another kind" \
	[ "$(sql "SELECT kind, count(*) FROM consents WHERE user_id = (SELECT id FROM users WHERE email = 'ana.idv@example.ro') AND COALESCE(withdrawn_at, 0) > 0 GROUP BY kind")" = "idv_biometric|$(sql "SELECT count(*) FROM consents WHERE kind = 'idv_biometric' AND user_id = (SELECT id FROM users WHERE email = 'ana.idv@example.ro')")" ]
check "... and audited" [ "$(sql "SELECT count(*) FROM audit_log WHERE event = 'consent.withdrawn' AND detail LIKE 'kind=idv_biometric %'")" = 1 ]
api POST /api/v1/consents/withdraw '{"kind":"idv_biometric"}'
expect 400 consent_unknown "none left in force to withdraw"

# ---- retention: expired evidence deleted ---------------------------------------------------
pc_stop
R1=$(sql "SELECT id FROM idv_cases WHERE state = 'rejected' ORDER BY attempt LIMIT 1")
sql "UPDATE idv_cases SET retain_until = 1 WHERE id = '$R1'"
# The cluster job does it: made due now, it runs at the next start.
RUNS0=$(sql "SELECT runs FROM jobs WHERE name = 'idv_retention'")
check "the retention job ran at the first start" [ "${RUNS0:-0}" -ge 1 ]
sql "UPDATE jobs SET next_run = 0 WHERE name = 'idv_retention'"
pc_serve "$D"
for _ in $(seq 1 100); do
	# started since (runs counts starts) and ended (last_end)
	[ "$(sql "SELECT runs > $RUNS0 AND last_end >= last_start FROM jobs WHERE name = 'idv_retention'")" = 1 ] && break
	sleep 0.1
done
check "the retention job ran again and says what it did" \
	[ "$(sql "SELECT last_result FROM jobs WHERE name = 'idv_retention'")" = "1 case(s) purged" ]
pc_stop
"$PECETE_BIN" ra purge --data "$D" >"$T/purge" && ok "pecete ra purge: nothing more to do" || fail "purge"
check "the expired case's files are gone" test ! -e "$D/files/idv/$R1"
check "... its personal data erased, the row kept" \
	[ "$(sql "SELECT (purged_at > 0) || ' ' || email || '|' || (identity IS NULL) || (manifest IS NULL) FROM idv_cases WHERE id = '$R1'")" = "1 |11" ]
check "... the accepted case's evidence kept" test -s "$VF"
check "... and the deletion audited" [ "$(sql "SELECT count(*) FROM audit_log WHERE event = 'idv.purged' AND detail = 'case=$R1'")" = 1 ]
pc_done
