#!/bin/bash
# confirm.sh: the confirmation document for ANAF's SPV (issue 17 item 5)
# and the platform's e-seal.
#  - init made the e-seal: a qualified seal certificate (QcType eseal,
#    legal person, organizationIdentifier, nonRepudiation) of our issuing
#    CA, its key in the HSM (openssl x509, openssl verify);
#  - in the browser (confirm.mjs): sign-in, /confirmation: the
#    declaration asked for, downloaded, signed there with a code, sealed
#    at once, downloaded;
#  - the sealed PDF: pdfsig shows the holder's signature and the e-seal's
#    valid, qpdf --check is clean, it begins with the declaration's bytes,
#    pecete verify says TOTAL-PASSED with the e-seal's signature at B-LTA;
#    the e-mail confirm_sealed is in the outbox;
#  - refused with the registry's codes: the declaration unsigned, one
#    byte of it changed under a valid signature, signed with a foreign
#    certificate, sent again once sealed, another account's request,
#    the sealed file before sealing;
#  - the GDPR export carries both sealed confirmations, byte for byte.
. "$PECETE_SRC/tests/support/lib.sh"
. "$PECETE_SRC/tests/support/api.sh"
pc_need --faketime curl sqlite3 openssl oathtool python3 qpdf pdfsig pdftotext unzip node npm /usr/bin/chromium
E2E="$PECETE_SRC/tests/e2e"
if [ ! -d "$E2E/node_modules/playwright-core" ]; then
	npm ci --prefix "$E2E" --no-audit --no-fund --prefer-offline >/dev/null 2>&1 ||
		{ echo "FAIL - npm ci in tests/e2e"; exit 1; }
fi

T=$(pc_tmpdir)
D=$T/data
pc_init "$D" --dev
DB=$D/pecete.db

# ---- the e-seal certificate ------------------------------------------------------------
sqlite3 "$DB" "SELECT hex(der) FROM certs WHERE name = 'eseal'" | xxd -r -p >"$T/eseal.der"
openssl x509 -inform DER -in "$T/eseal.der" -out "$T/eseal.pem" 2>/dev/null
openssl x509 -in "$T/eseal.pem" -noout -text >"$T/eseal.txt" 2>/dev/null
"$PECETE_BIN" pki export --data "$D" --out "$T/pki" >/dev/null
check "init made the e-seal: a legal person's certificate (O, organizationIdentifier, CN) of our issuing CA" \
	sh -c "grep -q 'Subject: C = RO, O = Pecete, organizationIdentifier = NTRRO-PECETE, CN = Pecete e-seal' '$T/eseal.txt' &&
	openssl verify -CAfile '$T/pki/root.pem' -untrusted '$T/pki/issuing.pem' '$T/eseal.pem' | grep -q ': OK'"
check "... for sealing: nonRepudiation, QCP-l-qscd, not a CA" \
	sh -c "grep -q 'Digital Signature, Non Repudiation' '$T/eseal.txt' && grep -q 'Policy: 0.4.0.194112.1.3' '$T/eseal.txt' && grep -q 'CA:FALSE' '$T/eseal.txt'"
check "... QCStatements: compliance, QSCD, QcType eseal (0.4.0.1862.1.6.2), legal person semantics" \
	/usr/bin/python3 -c 'import sys
der = open(sys.argv[1], "rb").read()
oids = ["060604008e460101", "060604008e460104", "060704008e46010602", "060704008bec490102"]
sys.exit(0 if all(bytes.fromhex(o) in der for o in oids) else 1)' "$T/eseal.der"
check "... its key in the HSM, never extractable (the token's object carries the certificate's label)" \
	[ -n "$(sqlite3 "$DB" "SELECT key_label FROM certs WHERE name = 'eseal' AND key_label LIKE 'pki-eseal-%'")" ]
check "pecete pki eseal on a data dir that has one keeps it" \
	sh -c "'$PECETE_BIN' pki eseal --data '$D' | grep -q 'there already'"
# A data dir made before the e-seal (its row gone): pecete pki eseal (as
# make run does) makes one, with a new key; the journey below seals with it.
OLD_LABEL=$(sqlite3 "$DB" "SELECT key_label FROM certs WHERE name = 'eseal'")
sqlite3 -cmd ".timeout 10000" "$DB" "DELETE FROM certs WHERE name = 'eseal'"
check "pecete pki eseal on a data dir without one makes it" \
	sh -c "'$PECETE_BIN' pki eseal --data '$D' | grep -q 'e-seal certificate made'"
sqlite3 "$DB" "SELECT hex(der) FROM certs WHERE name = 'eseal'" | xxd -r -p >"$T/eseal2.der"
openssl x509 -inform DER -in "$T/eseal2.der" -out "$T/eseal2.pem" 2>/dev/null
check "... a new key in the HSM, the certificate verified to our root (openssl verify)" \
	sh -c "[ -n \"\$(sqlite3 '$DB' \"SELECT key_label FROM certs WHERE name = 'eseal' AND key_label LIKE 'pki-eseal-%' AND key_label != '$OLD_LABEL'\")\" ] &&
	openssl verify -CAfile '$T/pki/root.pem' -untrusted '$T/pki/issuing.pem' '$T/eseal2.pem' | grep -q ': OK'"

# ---- a holder ----------------------------------------------------------------------------
echo "+0s" >"$T/clock"
pc_serve_ft "$D" "FAKETIME_TIMESTAMP_FILE=$T/clock" FAKETIME_NO_CACHE=1
. "$PECETE_SRC/tests/support/idv.sh"
idv_fixtures
as op
api_signup_user op.cf@example.ro +40722000931
"$PECETE_BIN" user role --data "$D" --email op.cf@example.ro --role operator >/dev/null
as ana
api_signup_user ana.cf@example.ro +40722000132
api_issued op.cf@example.ro || fail "issued"
LAST_STEP=$(($(date +%s) / 30 + 1))	# the issuance's step

# ---- the journey in the browser ------------------------------------------------------------
PC_URL="$PC_URL" E2E_TMP="$T" E2E_CLOCK="$T/clock" E2E_LAST_STEP="$LAST_STEP" \
	E2E_EMAIL=ana.cf@example.ro E2E_PW=Verde-Munte-Ploaie-42 E2E_SECRET="$SECRET" \
	timeout 300 node "$E2E/confirm.mjs" >"$T/browser.tap" 2>&1
BRC=$?
sed 's/^/  /' "$T/browser.tap"
check "the confirmation journey in Chromium (confirm.mjs)" [ "$BRC" = 0 ]
LAST_STEP=$(cat "$T/last_step" 2>/dev/null || echo "$LAST_STEP")
AHEAD=$(tr -dc '0-9' <"$T/clock")
code_next() {	# the code of a step after every one used so far
	LAST_STEP=$((LAST_STEP + 1))
	AHEAD=$((LAST_STEP * 30 - $(date +%s) + 5))
	[ "$AHEAD" -lt 0 ] && AHEAD=0
	echo "+${AHEAD}s" >"$T/clock"
	oathtool --totp -b -N "@$((LAST_STEP * 30))" "$SECRET"
}

pdfsig "$T/sealed.pdf" >"$T/sealed.sig" 2>&1
check "the sealed PDF: two signatures, both valid (pdfsig)" \
	sh -c "[ \$(grep -c 'Signature Validation: Signature is Valid' '$T/sealed.sig') -ge 2 ] && ! grep -q 'Signature is Invalid' '$T/sealed.sig'"
check "... the e-seal's among them (Pecete e-seal)" grep -q 'Pecete e-seal' "$T/sealed.sig"
check "... qpdf --check clean" qpdf --check "$T/sealed.pdf"
check "... it begins with the declaration's bytes" \
	cmp -n "$(stat -c %s "$T/declaration.pdf")" "$T/declaration.pdf" "$T/sealed.pdf"
# What the declaration says: the certificate's serial, its issuer, the
# holder's identifier with the CNP masked (its last 4 digits only).
pdftotext "$T/declaration.pdf" "$T/decl.txt" 2>/dev/null
CNP=$(sqlite3 "$DB" "SELECT subject FROM certs WHERE serial = '$SIGN'" | grep -o 'PNORO-[0-9]*' | cut -c7-)
ISSUER_CN=$(sqlite3 "$DB" "SELECT subject FROM certs WHERE name = 'issuing'" | grep -o 'CN=[^,]*' | cut -c4-)
check "the declaration: the serial, the issuer, PNORO-*********<last 4>; the CNP not in full (pdftotext)" \
	py 'import sys
t = " ".join(open(sys.argv[1]).read().split())
serial, issuer, cnp = sys.argv[2], sys.argv[3], sys.argv[4]
assert len(cnp) == 13 and issuer, (cnp, issuer)
assert serial.lower() in t.lower(), "serial"
assert issuer in t, "issuer"
assert "PNORO-*********" + cnp[-4:] in t, "masked identifier"
assert cnp not in t and cnp[:7] not in t, "the CNP"' "$T/decl.txt" "$SIGN" "$ISSUER_CN" "$CNP"
"$PECETE_BIN" verify "$T/sealed.pdf" --trust "$T/pki/root.pem" --json >"$T/sealed.json" 2>/dev/null
check "... pecete verify: TOTAL-PASSED, the e-seal's signature at B-LTA" \
	py 'import json, sys
r = json.load(open(sys.argv[1]))
seal = [s for s in r["signatures"] if "e-seal" in (s.get("signer") or "")]
sys.exit(0 if r["indication"] == "TOTAL-PASSED" and seal and seal[0]["level"] == "B-LTA" else 1)' "$T/sealed.json"
check "the e-mail confirm_sealed to the holder" \
	[ "$(sqlite3 "$DB" "SELECT count(*) FROM outbox WHERE template = 'confirm_sealed' AND recipient = 'ana.cf@example.ro'")" = 1 ]
check "the audit: confirm.declaration and confirm.sealed" \
	[ "$(sqlite3 "$DB" "SELECT count(DISTINCT event) FROM audit_log WHERE event IN ('confirm.declaration', 'confirm.sealed')")" = 2 ]

# ---- refusals through the API -----------------------------------------------------------------
refresh_csrf
api POST /api/v1/confirmations '{}'
check "a second declaration (201, issued, naming the certificate)" \
	[ "$CODE $(jget state) $(jget certificate)" = "201 issued $SIGN" ]
ID=$(jget id)
curl -s -b "$JAR" -o "$T/decl2.pdf" "$PC_URL/api/v1/confirmations/$ID/declaration"
sendf() {	# sendf FILE: the signed declaration back
	CODE=$(curl -s -o "$T/body" -w '%{http_code}' -b "$JAR" -H "X-CSRF-Token: $CSRF" \
		-H 'Content-Type: application/octet-stream' --data-binary @"$1" \
		"$PC_URL/api/v1/confirmations/$ID/signed")
	BODY=$(cat "$T/body")
}
api GET "/api/v1/confirmations/$ID/sealed"
expect 409 confirm_not_sealed "the sealed file before sealing"
sendf "$T/decl2.pdf"
expect 400 confirm_not_declaration "the declaration unsigned"
# Signed with a certificate of another CA (a PKCS#12 made here).
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$T/f.key" -out "$T/f.crt" -days 30 \
	-subj "/CN=Foreign Signer" >/dev/null 2>&1
openssl pkcs12 -export -inkey "$T/f.key" -in "$T/f.crt" -out "$T/f.p12" -passout pass:x >/dev/null 2>&1
echo x >"$T/f.pass"; chmod 600 "$T/f.pass"
"$PECETE_BIN" sign --p12 "$T/f.p12" --pass-file "$T/f.pass" "$T/decl2.pdf" "$T/foreign.pdf" >/dev/null 2>&1
sendf "$T/foreign.pdf"
expect 400 confirm_wrong_signer "signed with another certificate"
# Signed by the holder in a web batch, then one byte of the declaration changed.
api POST /api/v1/sign/batches '{}'
B=$(jget id)
curl -s -o /dev/null -b "$JAR" -H "X-CSRF-Token: $CSRF" -H 'Content-Type: application/octet-stream' \
	--data-binary @"$T/decl2.pdf" "$PC_URL/api/v1/sign/batches/$B/files?name=d.pdf"
api POST "/api/v1/sign/batches/$B/sign" "{\"code\":\"$(code_next)\"}"
for _ in $(seq 1 300); do
	api GET "/api/v1/sign/batches/$B"
	[ "$(jget state)" = done ] && break
	sleep 0.1
done
curl -s -b "$JAR" -o "$T/signed2.pdf" "$PC_URL/api/v1/sign/batches/$B/files/0/signed"
py 'import sys
b = bytearray(open(sys.argv[1], "rb").read())
i = b.find(b"/Producer")
b[i + 2] ^= 0x20
open(sys.argv[2], "wb").write(b)' "$T/signed2.pdf" "$T/changed.pdf"
sendf "$T/changed.pdf"
expect 400 confirm_not_declaration "one byte of the declaration changed under the signature"
as bob
api_signup_user bob.cf@example.ro +40722000133
api GET "/api/v1/confirmations/$ID"
expect 404 confirm_not_found "another account's request"
api POST /api/v1/confirmations '{}'
expect 409 confirm_no_certificate "an account without a certificate asks for a declaration"
as ana
sendf "$T/signed2.pdf"
check "the holder's own signature: sealed (200)" [ "$CODE $(jget state)" = "200 sealed" ]
sendf "$T/signed2.pdf"
expect 409 confirm_sealed "sent again once sealed"
check "... sealed once: one sealed document of the request" \
	[ "$(sqlite3 "$DB" "SELECT count(*) FROM documents WHERE kind = 'anaf_sealed' AND batch_id = '$ID'")" = 1 ]
curl -s -b "$JAR" -o "$T/sealed2.pdf" "$PC_URL/api/v1/confirmations/$ID/sealed"
curl -s -b "$JAR" -o "$T/export.zip" "$PC_URL/api/v1/account/export.zip"
mkdir -p "$T/exp" && unzip -q -o "$T/export.zip" -d "$T/exp"
S1=$(sqlite3 "$DB" "SELECT id FROM documents WHERE kind = 'anaf_sealed' AND batch_id != '$ID'")
S2=$(sqlite3 "$DB" "SELECT id FROM documents WHERE kind = 'anaf_sealed' AND batch_id = '$ID'")
check "the GDPR export: both sealed confirmations as confirmations/<id>.pdf, byte for byte" \
	sh -c "[ \$(ls '$T/exp/confirmations' | wc -l) = 2 ] && [ -n '$S1' ] && [ -n '$S2' ] &&
	cmp -s '$T/exp/confirmations/$S1.pdf' '$T/sealed.pdf' && cmp -s '$T/exp/confirmations/$S2.pdf' '$T/sealed2.pdf'"
pc_done
