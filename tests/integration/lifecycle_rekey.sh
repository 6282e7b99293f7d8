#!/bin/bash
# lifecycle_rekey.sh: renewal before the end (J10) and re-issue after it
# (J11), issue 14 items 2 to 5, through the API, the server's clock moved
# with libfaketime (a clock file), judged with openssl and the database:
#  - ana (1-year package) buys a 2-year one and asks for a renewal: a
#    document expired before the new certificate's start is refused on
#    doc_expiry; a disguised and an oversized photo are refused; a JPEG
#    is taken; the terms signed with the current certificate under a
#    TOTP code (pdfsig, no transaction taken, once) -> submitted;
#  - an operator sees it beside the identity of the current certificate
#    and the photo (the same bytes); rejects it with a reason (e-mailed,
#    shown to the holder), who asks again with the same order (no second
#    payment); the operator approves (e-mailed);
#  - 4 days before the end nothing is issued; 3 days before, the renewals
#    job issues the new certificates: openssl verify passes against the
#    exported chain, the old one is still valid (not revoked, its end
#    unchanged), the issuance shows the new one with the new package's
#    quota, a signature is made with the new credential;
#  - carol's approved request is refunded, not issued, when she suspended
#    her certificate before the day;
#  - bob's request, sent but not approved: 2 days before his end the rekey
#    is not offered any more (renewal_closed) and the order was refunded by
#    the job (the sandbox provider's refund, order refunded, e-mail);
#  - after bob's end: issuance says expired, signing says cert_expired; a
#    new package, a new video identification and an issuance with the same
#    authenticator give a new certificate on the same account, the old one
#    still listed;
#  - a year on, the photo of the rejected request is deleted by the job
#    (its retention, 300 days here), the issued one's is kept.
. "$PECETE_SRC/tests/support/lib.sh"
. "$PECETE_SRC/tests/support/api.sh"
pc_need --faketime curl sqlite3 openssl oathtool python3 xxd pdfsig

T=$(pc_tmpdir)
D=$T/data
pc_init "$D" --dev
DB=$D/pecete.db
"$PECETE_BIN" pki export --data "$D" --out "$T/pki" >/dev/null
cat "$T/pki/root.pem" "$T/pki/issuing.pem" >"$T/chain.pem"
AHEAD=0
echo "+0s" >"$T/clock"
# The photos of requests sent and not issued are kept 300 days here (the
# default is 3 years), so that the last jump (a year on) passes it.
export PECETE_RA_RETENTION_REJECTED_DAYS=300
serve() {	# serve: pecete serve on the clock file (jobs due run at its start)
	pc_serve_clock "$D" "$T/clock"
}
serve
. "$PECETE_SRC/tests/support/idv.sh"
idv_fixtures

as op
api_signup_user op.rk@example.ro +40722000998
"$PECETE_BIN" user role --data "$D" --email op.rk@example.ro --role operator >/dev/null
api_pair_totp
OP_SECRET=$SECRET
as bob
api_signup_user bob.rk@example.ro +40722000222
api_issued op.rk@example.ro || fail "bob issued"
BOB_SECRET=$SECRET
BOB_SIGN=$SIGN
as carol
api_signup_user carol.rk@example.ro +40722000333
api_issued op.rk@example.ro || fail "carol issued"
CAROL_SECRET=$SECRET
CAROL_SIGN=$SIGN
as ana
api_signup_user ana.rk@example.ro +40722000111
api_issued op.rk@example.ro || fail "ana issued"
ANA_SECRET=$SECRET
OLD=$SIGN
LAST_STEP=$(($(date +%s) / 30 + 1))
END=$(sql "SELECT not_after FROM certs WHERE serial = '$OLD'")
BOB_END=$(sql "SELECT not_after FROM certs WHERE serial = '$BOB_SIGN'")

clock_to() {	# clock_to EPOCH: the server's clock there (never back)
	local a=$(($1 - $(date +%s)))
	[ "$a" -gt "$AHEAD" ] && AHEAD=$a
	echo "+${AHEAD}s" >"$T/clock"
}
code_for() { pc_code "$1"; }
at() {	# at EPOCH: the server restarted with its clock there, the renewals job run
	local runs
	pc_stop
	clock_to "$1"
	runs=$(sql "SELECT runs FROM jobs WHERE name = 'renewals'")
	sql "UPDATE jobs SET next_run = 0 WHERE name = 'renewals'"
	serve
	for _ in $(seq 1 1200); do
		[ "$(sql "SELECT runs FROM jobs WHERE name = 'renewals' AND COALESCE(lease_owner, '') = ''")" -gt "${runs:-0}" ] 2>/dev/null && return 0
		sleep 0.1
	done
	echo "# the renewals job did not run"
	return 1
}
login() {	# login NAME EMAIL SECRET: a new session with password and TOTP
	as "$1"
	rm -f "$JAR"
	CSRF=""
	refresh_csrf
	api POST /api/v1/session "{\"email\":\"$2\",\"password\":\"Verde-Munte-Ploaie-42\"}"
	code_for "$3"
	api POST /api/v1/session/totp "{\"code\":\"$TOTP\"}"
	[ "$CODE" = 200 ] || echo "# login $2: $CODE $BODY"
	refresh_csrf
}
photo() {	# photo ID FILE: POST the raw bytes
	CODE=$(curl -s -o "$T/body" -w '%{http_code}' -b "$JAR" -H "X-CSRF-Token: $CSRF" \
		-H 'Content-Type: application/octet-stream' --data-binary @"$2" \
		"$PC_URL/api/v1/renewal/$1/photo")
	BODY=$(cat "$T/body")
}
form() {	# form ORDER EXPIRY: the renewal form's JSON
	echo "{\"order_id\":\"$1\",\"doc_type\":\"ro_id_card\",\"doc_series\":\"CJ\",\"doc_number\":\"654321\",\"doc_issued\":\"2025-06-01\",\"doc_expiry\":\"$2\",\"doc_issuer\":\"SPCLEP Cluj-Napoca\"}"
}
ask() {	# ask SECRET: a paid pecete1, a request with it sent (CODE); sets ORDER, RID
	LAST_STEP=$(($(date +%s) / 30 + 1))	# the issuance's step, real time
	api_buy_paid pecete1 || return 1
	api POST /api/v1/renewal "$(form "$ORDER" 2035-01-01)"
	RID=$(jget id)
	photo "$RID" "$T/doc.jpg"
	code_for "$1"
	api POST "/api/v1/renewal/$RID/submit" "{\"code\":\"$TOTP\"}"
}
pem_of() {	# pem_of SERIAL FILE: the certificate from the store
	sql "SELECT hex(der) FROM certs WHERE serial = '$1'" | xxd -r -p >"$2.der"
	openssl x509 -inform DER -in "$2.der" -out "$2"
}

# ---- the request -------------------------------------------------------------------------------
api GET /api/v1/renewal
expect 200 - "the renewal status"
check "offered, for the current certificate, nothing paid yet" [ "$(jpath 'j["offered"], j["serial"], j["order_id"]')" = "(True, '$OLD', None)" ]
check "no banner a year before the end (before the first reminder's day)" [ "$(jget banner)" = false ]
check "the user's data, read-only, from the identification" [ "$(jpath 'j["identity"]["cnp"], j["identity"]["email"]')" = "('2900101410011', 'ana.rk@example.ro')" ]
api POST /api/v1/renewal "$(form "" 2035-01-01)"
expect 409 order_state "no paid order: order_state"
api_buy_paid pecete2 || fail "pecete2 paid"
R_ORDER=$ORDER
api GET /api/v1/renewal
check "the paid order is offered for the renewal" [ "$(jget order_id)" = "$R_ORDER" ]
START_DAY=$(date -u -d "@$((END - 3 * 86400 - 86400))" +%F)
api POST /api/v1/renewal "$(form "$R_ORDER" "$START_DAY")"
expect 400 renewal_doc_expired "a document ending the day before the new start: refused"
check "... on doc_expiry" [ "$(jget error.field)" = doc_expiry ]
api POST /api/v1/renewal "$(form "$R_ORDER" 2035-13-01)"
expect 400 field_invalid "a date that is not one: field_invalid"
api POST /api/v1/renewal "$(form "$R_ORDER" 2035-01-01)"
expect 201 - "the form is taken (draft)"
R1=$(jget id)
printf 'this is not a picture' >"$T/fake.jpg"
photo "$R1" "$T/fake.jpg"
expect 400 photo_invalid "a disguised photo (text named .jpg): photo_invalid"
py 'import sys; open(sys.argv[1],"wb").write(b"\xff\xd8\xff\xe0"+b"\0"*(3*1048576-3))' "$T/big.jpg"
photo "$R1" "$T/big.jpg"
expect 400 photo_invalid "a JPEG over 3 MiB: photo_invalid"
api POST "/api/v1/renewal/$R1/submit" '{"code":"000000"}'
expect 400 photo_invalid "no photo yet: cannot be sent"
convert -size 64x48 xc:skyblue "$T/doc.jpg" 2>/dev/null || cp "$T/front.jpg" "$T/doc.jpg"
photo "$R1" "$T/doc.jpg"
expect 200 - "a JPEG photo is taken"
photo "no-such-renewal-0000" "$T/doc.jpg"
expect 404 renewal_not_found "a photo for an unknown renewal id: renewal_not_found"
check "... kept encrypted (no JPEG bytes at rest)" [ -f "$D/files/renewals/$R1.pcv" -o -n "$(find "$D" -name "$R1.pcv")" ]
api POST "/api/v1/renewal/$R1/submit" '{"code":"000000"}'
expect 400 totp_invalid "the terms with a wrong code: refused"
check "... still a draft" [ "$(sql "SELECT state FROM renewals WHERE id = '$R1'")" = draft ]
LEFT_BEFORE=$(sql "SELECT transactions_left FROM credentials WHERE serial = '$OLD'")
SIGS_BEFORE=$(sql "SELECT count(*) FROM signatures WHERE credential = '$OLD'")
code_for "$ANA_SECRET"
api POST "/api/v1/renewal/$R1/submit" "{\"code\":\"$TOTP\"}"
expect 200 - "the terms signed with the code"
SUBMITTED=$BODY
check "the terms' signature and timestamp are recorded on the current credential" [ "$(sql "SELECT count(*) FROM signatures WHERE credential = '$OLD'")" = $((SIGS_BEFORE + 2)) ]
check "... and take none of its transactions" [ "$(sql "SELECT transactions_left FROM credentials WHERE serial = '$OLD'")" = "$LEFT_BEFORE" ]
check "... audited by the signer with the request" [ "$(sql "SELECT count(*) FROM audit_log WHERE event = 'sign.renewal_terms' AND detail LIKE '%renewal=$R1%'")" = 1 ]
curl -s -b "$JAR" -o "$T/rterms.pdf" "$PC_URL/api/v1/renewal/terms.pdf"
check "the signed renewal terms: pdfsig says the signature is valid" sh -c "pdfsig '$T/rterms.pdf' | grep -q 'Signature Validation: Signature is Valid'"
(cd "$T" && pdfsig -dump rterms.pdf >/dev/null 2>&1)
RT_SERIAL=$(openssl cms -cmsout -print -inform DER -in "$T/rterms.pdf.sig0" | sed -n '/d.issuerAndSerialNumber/,/serialNumber/p' | sed -n 's/.*serialNumber: *//p' | tail -1)
RT_SERIAL=$(py 'import sys; print("%x" % int(sys.argv[1]))' "${RT_SERIAL:-0}")
check "... made with the current certificate ($RT_SERIAL)" [ "$(echo "$RT_SERIAL" | sed 's/^0*//')" = "$(echo "$OLD" | tr 'A-F' 'a-f' | sed 's/^0*//')" ]
check "... B-T (a timestamp token in the signature)" sh -c "openssl cms -cmsout -print -inform DER -in '$T/rterms.pdf.sig0' | grep -q timeStampToken"
BODY=$SUBMITTED
check "request sent for approval; no new one offered; the banner says so" [ "$(jpath 'j["request"]["state"], j["offered"], j["banner"]')" = "('submitted', False, True)" ]
code_for "$ANA_SECRET"
api POST "/api/v1/renewal/$R1/submit" "{\"code\":\"$TOTP\"}"
expect 409 renewal_state "the terms of a sent request cannot be signed again"
api POST /api/v1/renewal "$(form "$R_ORDER" 2035-01-01)"
expect 409 renewal_state "a second request while one waits: renewal_state"
api GET /api/v1/idv
check "the renewal's order is not offered for a video identification" [ "$(jget order)" = "" ]
api POST /api/v1/idv "{\"doc_type\":\"ro_id_card\",\"order_id\":\"$R_ORDER\",\"consent_privacy\":true,\"consent_biometric\":true,\"consent_images\":true,\"consent_recording\":true}"
expect 409 idv_no_order "... nor identified for when named (no second use of one payment)"

# ---- the operator: reject, then approve ----------------------------------------------------------
as op
api GET "/api/v1/ra/renewals?state=submitted"
check "the operator's list holds it" [ "$(jpath '[r["id"] for r in j["renewals"]]')" = "['$R1']" ]
api GET "/api/v1/ra/renewals/$R1"
expect 200 - "the request"
check "beside the current certificate's identity" [ "$(jpath 'j["identity"]["cnp"], j["identity"]["doc_number"], j["request"]["document"]["number"], j["request"]["old_serial"]')" = "('2900101410011', '123456', '654321', '$OLD')" ]
curl -s -b "$JAR" -o "$T/seen.jpg" "$PC_URL/api/v1/ra/renewals/$R1/photo"
check "the operator sees the photo that was sent" cmp -s "$T/seen.jpg" "$T/doc.jpg"
api POST "/api/v1/ra/renewals/$R1/reject" '{"reason":"The photo is blurred"}'
expect 200 - "rejected with a reason"
check "the holder is e-mailed the reason" [ "$(outvar renewal_rejected reason)" = "The photo is blurred" ]
api POST "/api/v1/ra/renewals/$R1/approve" '{}'
expect 409 renewal_state "a decided request cannot be approved"
as ana
api GET /api/v1/renewal
check "the holder sees the reason, and may start again with the same order" [ "$(jpath 'j["request"]["state"], j["request"]["reason"], j["offered"], j["order_id"]')" = "('rejected', 'The photo is blurred', True, '$R_ORDER')" ]
api POST /api/v1/renewal "$(form "$R_ORDER" 2035-01-01)"
expect 201 - "a new request with the same paid order"
R2=$(jget id)
photo "$R2" "$T/doc.jpg"
code_for "$ANA_SECRET"
api POST "/api/v1/renewal/$R2/submit" "{\"code\":\"$TOTP\"}"
expect 200 - "sent again"
check "one order, paid once" [ "$(sql "SELECT count(*) FROM shop_orders WHERE user_id = (SELECT id FROM users WHERE email = 'ana.rk@example.ro') AND state = 'paid'")" = 1 ]
as op
api POST "/api/v1/ra/renewals/$R2/approve" '{}'
expect 200 - "approved"
check "the holder is e-mailed the approval with the issuance day" [ "$(outvar renewal_approved date)" = "$(date -u -d "@$((END - 3 * 86400))" +%F)" ]

# bob asks too, and nobody decides.
as bob
ask "$BOB_SECRET"
expect 200 - "bob's request sent"
B_ORDER=$ORDER
BR=$RID

# carol's is approved, then she suspends her certificate.
as carol
ask "$CAROL_SECRET"
expect 200 - "carol's request sent"
C_ORDER=$ORDER
CR=$RID
as op
api POST "/api/v1/ra/renewals/$CR/approve" '{}'
expect 200 - "carol's approved"
as carol
api POST "/api/v1/certificates/$CAROL_SIGN/suspend" '{"confirm":true}'
expect 200 - "carol suspends her certificate"

# ---- 4 days, then 3 days before the end -----------------------------------------------------------
at $((END - 4 * 86400))
check "4 days before: not issued yet" [ "$(sql "SELECT state FROM renewals WHERE id = '$R2'")" = approved ]
at $((END - 3 * 86400 + 60))
NEW=$(sql "SELECT new_serial FROM renewals WHERE id = '$R2' AND state = 'issued'")
check "3 days before: the job issued the new certificate" [ -n "$NEW" -a "$NEW" != "$OLD" ]
pem_of "$NEW" "$T/new.pem"
pem_of "$OLD" "$T/old.pem"
NOW=$(($(date +%s) + AHEAD))
check "openssl verify: the new one against the exported chain (at the server's time)" openssl verify -attime "$NOW" -CAfile "$T/chain.pem" "$T/new.pem"
check "the old one still verifies then" openssl verify -attime "$NOW" -CAfile "$T/chain.pem" "$T/old.pem"
check "... not revoked, its end unchanged" [ "$(sql "SELECT status, not_after FROM certs WHERE serial = '$OLD'")" = "0|$END" ]
check "the new one for the same person (CNP)" [ "$(openssl x509 -in "$T/new.pem" -noout -subject | grep -c PNORO-2900101410011)" = 1 ]
check "a new key pair" [ "$(openssl x509 -in "$T/new.pem" -noout -pubkey)" != "$(openssl x509 -in "$T/old.pem" -noout -pubkey)" ]
YEARS=$(( ($(sql "SELECT not_after - not_before FROM certs WHERE serial = '$NEW'") + 86400) / (365 * 86400) ))
check "the new package's validity (2 years)" [ "$YEARS" = 2 ]
check "a suspended certificate's approved renewal: refunded, not issued" [ "$(sql "SELECT r.state || ' ' || o.state || ' ' || COALESCE(r.new_serial, '') FROM renewals r JOIN shop_orders o ON o.id = r.order_id WHERE r.id = '$CR'")" = "refunded refunded " ]
login ana ana.rk@example.ro "$ANA_SECRET"
api GET /api/v1/issuance
# The terms signed at issuance take a signature and its time-stamp (2),
# as at the first issuance (198 of pecete1's 200).
check "issuance shows the new certificate, issued, with the new package's quota (400 - the terms' 2)" [ "$(jpath 'j["state"], j["certificate"]["sign_serial"], j["transactions_left"]')" = "('issued', '$NEW', 398)" ]
check "the order is fulfilled" [ "$(sql "SELECT state FROM shop_orders WHERE id = '$R_ORDER'")" = fulfilled ]
check "the holder is e-mailed (cert_issued)" [ "$(outvar cert_issued serial)" = "$NEW" ]
api GET /api/v1/renewal
check "no renewal offered for the new certificate yet (window far), no banner" [ "$(jpath 'j["serial"], j["request"]["state"], j["banner"]')" = "('$NEW', 'issued', False)" ]
api POST /api/v1/sign/batches '{}'
B=$(jget id)
printf 'contract text\n' >"$T/c.txt"
curl -s -o /dev/null -b "$JAR" -H "X-CSRF-Token: $CSRF" -H 'Content-Type: application/octet-stream' \
	--data-binary @"$T/c.txt" "$PC_URL/api/v1/sign/batches/$B/files?name=c.txt"
code_for "$ANA_SECRET"
api POST "/api/v1/sign/batches/$B/sign" "{\"code\":\"$TOTP\"}"
expect 202 - "signing after the renewal"
for _ in $(seq 1 300); do
	api GET "/api/v1/sign/batches/$B"
	[ "$(jget state)" = signing ] || break
	sleep 0.1
done
check "... signed" [ "$(jpath 'j["state"], j["files"][0]["state"]')" = "('done', 'signed')" ]
check "signing used the new credential (the batch's, the signer's records)" [ "$(jget credential) $(sql "SELECT count(*) FROM signatures WHERE credential = '$NEW' AND kind = 'sign'")" = "$NEW 2" ]

# ---- bob: the window closed -------------------------------------------------------------------------
at $((BOB_END - 2 * 86400))
login bob bob.rk@example.ro "$BOB_SECRET"
api GET /api/v1/renewal
check "2 days before: rekey not offered, no banner" [ "$(jpath 'j["offered"], j["banner"]')" = "(False, False)" ]
api POST /api/v1/renewal "$(form "$B_ORDER" 2035-01-01)"
expect 409 renewal_closed "asking now: renewal_closed"
check "bob's unfinished rekey: refunded" [ "$(sql "SELECT r.state || ' ' || o.state FROM renewals r JOIN shop_orders o ON o.id = r.order_id WHERE r.id = '$BR'")" = "refunded refunded" ]
check "... through the sandbox provider" grep -q "sandbox: refund of order $B_ORDER accepted" "$D.serve.log"
check "... audited" [ "$(sql "SELECT count(*) FROM audit_log WHERE event = 'shop.order.refund' AND actor = 'system' AND detail LIKE 'order=' || (SELECT number FROM shop_orders WHERE id = '$B_ORDER') || ' %'")" = 1 ]
check "... and bob is told to buy a new certificate" [ "$(sql "SELECT count(*) FROM outbox WHERE template = 'renewal_refunded' AND recipient = 'bob.rk@example.ro'")" = 1 ]
check "ana's order was not refunded" [ "$(sql "SELECT state FROM shop_orders WHERE id = '$R_ORDER'")" = fulfilled ]

# ---- bob after the end: re-issue (J11) ----------------------------------------------------------------
at $((BOB_END + 86400))
login bob bob.rk@example.ro "$BOB_SECRET"
api GET /api/v1/issuance
check "after the end: issuance says expired" [ "$(jget state)" = expired ]
api POST /api/v1/sign/batches '{}'
expect 409 cert_expired "signing: cert_expired"
api_buy_paid pecete1 || fail "bob's new order"
api GET /api/v1/issuance
check "a new order: identification next" [ "$(jget state)" = identification ]
record || fail "bob identified again"
"$PECETE_BIN" ra accept --data "$D" --operator op.rk@example.ro "$CASE" --checked \
	--given-name Bob --surname Pop --doc-type ro_id_card --doc-series CJ \
	--doc-number 654321 --doc-expiry 2035-01-01 --cnp 2900101410011 \
	>"$T/accept.log" 2>&1 || { cat "$T/accept.log"; fail "accepted"; }
api GET /api/v1/issuance
check "accepted: ready, with the same authenticator" [ "$(jget state)" = ready ]
code_for "$BOB_SECRET"
api POST /api/v1/issuance "{\"code\":\"$TOTP\"}"
expect 200 - "re-issued with the same authenticator"
RE=$(jget certificate.sign_serial)
check "a new certificate" [ -n "$RE" -a "$RE" != "$BOB_SIGN" ]
pem_of "$RE" "$T/re.pem"
check "openssl verify passes (at the server's time)" openssl verify -attime $(($(date +%s) + AHEAD)) -CAfile "$T/chain.pem" "$T/re.pem"
api GET /api/v1/certificates
check "the same account keeps the history (the old certificates listed)" [ "$(jpath 'sorted(c["serial"] for c in j["certificates"] if c["kind"]=="sign") == sorted(["'$BOB_SIGN'","'$RE'"])')" = true ]

# ---- the photos' retention (the renewals job, a year on) ---------------------------------------
check "ana's rejected request, 300 days on: its photo deleted (file and key), its digest kept" \
	[ -z "$(find "$D" -name "$R1.pcv")" -a "$(sql "SELECT COALESCE(photo_key, 'none') || ' ' || COALESCE(photo_type, 'none') || ' ' || length(photo_sha256) FROM renewals WHERE id = '$R1'")" = "none none 64" ]
check "... audited" [ "$(sql "SELECT count(*) FROM audit_log WHERE event = 'renewal.photo_deleted' AND detail = 'renewal=$R1'")" = 1 ]
check "the issued request's photo is kept (its certificate is valid), bob's refund's too (3 days ago)" \
	[ -n "$(find "$D" -name "$R2.pcv")" -a -n "$(find "$D" -name "$BR.pcv")" ]
login op op.rk@example.ro "$OP_SECRET"
api GET "/api/v1/ra/renewals/$R1/photo"
expect 404 renewal_not_found "the operator: the deleted photo is gone"
api GET "/api/v1/ra/renewals/$R1"
check "... the request stays (closed when the window closed: its order went to the next one), without a photo" [ "$(jpath 'j["request"]["state"], j["request"]["photo_type"], j["request"]["reason"]')" = "('closed', None, 'The photo is blurred')" ]
pc_done
