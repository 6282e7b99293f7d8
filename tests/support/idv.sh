# idv.sh: identification (J7) through the API, for tests that need a case
# (ra_api.sh, issuance_api.sh). Needs lib.sh and api.sh, $T, and a signed-in
# person ($JAR, $CSRF).
py() { /usr/bin/python3 -c "$@"; }
jpath() {	# jpath EXPR: a Python expression over j (the body)
	py 'import json,sys
j=json.loads(sys.argv[1])
v=eval(sys.argv[2])
print("" if v is None else str(v).lower() if isinstance(v,bool) else v)' "$BODY" "$1"
}
as() {		# as NAME: switch to NAME's cookie jar and CSRF token
	JAR=$T/jar.$1
	refresh_csrf
}
upload() {	# upload CASE KIND FILE TYPE: all pieces of 1 MiB, from 0
	local id=$1 kind=$2 f=$3 type=$4 size off=0 n
	size=$(stat -c %s "$f")
	while [ "$off" -lt "$size" ]; do
		n=$((size - off)); [ $n -gt 1048576 ] && n=1048576
		tail -c +$((off + 1)) "$f" | head -c $n >"$T/piece"
		CODE=$(curl -s -o "$T/body" -w '%{http_code}' -b "$JAR" -c "$JAR" \
			-H "X-CSRF-Token: $CSRF" -H 'Content-Type: application/octet-stream' \
			--data-binary @"$T/piece" \
			"$PC_URL/api/v1/idv/$id/files/$kind?offset=$off&type=$type")
		BODY=$(cat "$T/body")
		[ "$CODE" = 200 ] || return 1
		off=$(jget received)
	done
}
steps_through() {	# steps_through CASE: every step, the SMS code typed
	local id=$1 s
	for s in $STEPS; do
		api POST "/api/v1/idv/$id/step" "{\"step\":\"$s\"}"
		[ "$CODE" = 200 ] || { echo "# step $s: $CODE $BODY"; return 1; }
		if [ "$s" = sms_code ]; then
			api POST "/api/v1/idv/$id/code" "{\"code\":\"$(outvar idv_sms code)\"}"
			[ "$CODE" = 200 ] || { echo "# code: $CODE $BODY"; return 1; }
		fi
	done
}
record() {	# record: start, steps, files, submit a case; sets CASE ($IDV_PHONE: another phone)
	local ph=${IDV_PHONE:+\"phone\":\"$IDV_PHONE\",}
	api POST /api/v1/idv "{\"doc_type\":\"ro_id_card\",$ph\"consent_privacy\":true,\"consent_biometric\":true,\"consent_images\":true,\"consent_recording\":true}"
	[ "$CODE" = 201 ] || { echo "# start: $CODE $BODY"; return 1; }
	CASE=$(jget id)
	STEPS=$(jpath '" ".join(j["steps"])')
	steps_through "$CASE" || return 1
	upload "$CASE" video "$T/video.webm" video/webm &&
		upload "$CASE" doc_front "$T/front.jpg" image/jpeg &&
		upload "$CASE" doc_back "$T/back.jpg" image/jpeg &&
		upload "$CASE" face "$T/face.jpg" image/jpeg || return 1
	api POST "/api/v1/idv/$CASE/submit" "{\"client\":{\"camera_label\":\"fake camera\",\"duration_ms\":61000},\"files\":{\"video\":$VSIZE,\"doc_front\":$FSIZE,\"doc_back\":$FSIZE,\"face\":$FSIZE}}"
	[ "$CODE" = 200 ] || { echo "# submit: $CODE $BODY"; return 1; }
}

idv_fixtures() {	# a "video" of 2.5 MiB starting with the WebM (EBML) magic, photos; VSIZE, FSIZE
	py 'import os,sys
open(sys.argv[1],"wb").write(b"\x1a\x45\xdf\xa3"+os.urandom(2621440-4))
for n in sys.argv[2:]:
    open(n,"wb").write(b"\xff\xd8\xff\xe0"+os.urandom(40000))' \
		"$T/video.webm" "$T/front.jpg" "$T/back.jpg" "$T/face.jpg"
	VSIZE=$(stat -c %s "$T/video.webm")
	FSIZE=$(stat -c %s "$T/front.jpg")
}

# api_issued OPERATOR_EMAIL: the signed-in person gets certificates: a
# package paid, identified (accepted by the operator through pecete ra),
# an authenticator paired (SECRET), issued with one code. Sets CASE, ORDER,
# SIGN (the signing certificate's serial).
api_issued() {
	api_buy_paid pecete1 || return 1
	record || return 1
	"$PECETE_BIN" ra accept --data "$D" --operator "$1" "$CASE" --checked \
		--given-name Ana --surname Pop --doc-type ro_id_card --doc-series CJ \
		--doc-number 123456 --doc-expiry 2031-05-20 --cnp 2900101410011 \
		>/dev/null || return 1
	api_pair_totp
	api POST /api/v1/issuance "{\"code\":\"$(oathtool --totp -b "$SECRET" -N 'now + 30 seconds')\"}"
	[ "$CODE" = 200 ] || { echo "# issuance: $CODE $BODY"; return 1; }
	SIGN=$(jget certificate.sign_serial)
}
