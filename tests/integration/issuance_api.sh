#!/bin/bash
# issuance_api.sh: the certificates issued at sign-in (J8) through the API:
#  - nothing to issue before the identification is accepted; an
#    authenticator is required;
#  - the phone given at identification: asked once, the answer recorded
#    and applied to the account, issuance refused until answered;
#  - a wrong code issues nothing (no key in the HSM, no certificate);
#  - one code: both certificates from the identity the operator confirmed
#    (openssl verify against the exported chain, the subject's names and
#    PNORO-<CNP>), the credential linked to the account with the package's
#    transactions, the order fulfilled, an e-mail; the terms PDF signed
#    with the new certificate (pdfsig: valid; qpdf --check; the signer's
#    certificate is the new one);
#  - a second issuance refused; the certificates downloadable (PEM with
#    the chain, DER), another account's serial is not found;
#  - the key pairs of an issuance killed before its commit (pending_keys
#    rows older than the sweep's delay, keys made with pkcs11-tool) are
#    deleted at the signer's start, audited; a young one and a recorded
#    certificate's key stay;
#  - 400 days on (libfaketime), the certificate ended: state "expired"
#    with the ended certificate, and no issuance without a new order.
. "$PECETE_SRC/tests/support/lib.sh"
. "$PECETE_SRC/tests/support/api.sh"
pc_need --faketime curl sqlite3 openssl oathtool python3 pdfsig qpdf faketime pkcs11-tool

T=$(pc_tmpdir)
D=$T/data
pc_init "$D" --dev
DB=$D/pecete.db
"$PECETE_BIN" pki export --data "$D" --out "$T/pki" >/dev/null
pc_serve "$D"
. "$PECETE_SRC/tests/support/idv.sh"
idv_fixtures

as op
api_signup_user op.iss@example.ro +40722000999
"$PECETE_BIN" user role --data "$D" --email op.iss@example.ro --role operator >/dev/null

as ana
api_signup_user ana.iss@example.ro +40722000111
api GET /api/v1/issuance
check "nothing bought: nothing to issue" [ "$CODE $(jget state)" = "200 none" ]
api_buy_paid pecete1 || fail "order not paid"
api POST /api/v1/issuance '{"code":"123456"}'
expect 409 issuance_not_ready "before identification: not ready"
IDV_PHONE=+40733000222 record || fail "recording"
api GET /api/v1/issuance
check "submitted, not accepted: still the identification" [ "$(jget state)" = identification ]
"$PECETE_BIN" ra accept --data "$D" --operator op.iss@example.ro "$CASE" --checked \
	--given-name Ana --surname Pop --doc-type ro_id_card --doc-series CJ \
	--doc-number 123456 --doc-expiry 2031-05-20 --cnp 2900101410011 >"$T/accept" 2>&1 &&
	ok "the operator accepts (pecete ra accept)" || { cat "$T/accept"; fail "accept"; }

api GET /api/v1/issuance
check "accepted, no authenticator: TOTP required" [ "$(jget state)" = totp_required ]
check "... what the certificate will say" \
	[ "$(jpath 'j["identity"]["given_name"], j["identity"]["cnp"], "confirmed_by" in j["identity"]')" = "('Ana', '2900101410011', False)" ]
check "... the package: years and transactions" [ "$(jpath 'j["order"]["years"], j["order"]["transactions"] > 0')" = "(1, True)" ]
api_pair_totp
api GET /api/v1/issuance
check "ready, the phone question open" [ "$(jpath 'j["state"], j["phone"]["question"], j["phone"]["number"]')" = "('ready', True, '+40733000222')" ]
api POST /api/v1/issuance "{\"code\":\"$(oathtool --totp -b "$SECRET" -N 'now + 30 seconds')\"}"
expect 409 phone_decision_required "no issuance before the phone answer"
api POST /api/v1/issuance/phone '{"associate":true}'
check "phone associated: question closed" [ "$CODE $(jpath 'j["phone"]["question"]')" = "200 false" ]
check "... the account's phone is the new one, the answer audited" \
	[ "$(sql "SELECT phone FROM users WHERE email = 'ana.iss@example.ro'") $(sql "SELECT count(*) FROM audit_log WHERE event = 'issuance.phone' AND detail = 'decision=associate'")" = "+40733000222 1" ]
api POST /api/v1/issuance/phone '{"associate":false}'
expect 409 issuance_not_ready "asked once"

NOW=$(oathtool --totp -b "$SECRET" -N 'now + 30 seconds')
BAD=$(printf '%06d' $(( (10#$NOW + 1) % 1000000 )))
api POST /api/v1/issuance "{\"code\":\"$BAD\"}"
expect 400 totp_invalid "a wrong code refused"
check "... nothing issued, no key made" \
	[ "$(sql "SELECT count(*) FROM certs WHERE kind IN ('sign','auth')") $(sql "SELECT count(*) FROM credentials")" = "0 0" ]
api POST /api/v1/issuance "{\"code\":\"$NOW\"}"
expect 200 - "issued with one code"
check "... state issued" [ "$(jget state)" = issued ]
SIGN=$(jget certificate.sign_serial); AUTH=$(jget certificate.auth_serial)
check "... both certificates named" bash -c "[ -n '$SIGN' ] && [ -n '$AUTH' ] && [ '$SIGN' != '$AUTH' ]"
UID_ANA=$(sql "SELECT id FROM users WHERE email = 'ana.iss@example.ro'")
check "the credential is the account's, with the package's transactions (one spent on the terms, one on its time-stamp)" \
	[ "$(sql "SELECT user_id, transactions_left + 2 = (SELECT transactions FROM shop_packages WHERE code = 'pecete1') FROM credentials WHERE serial = '$SIGN'")" = "$UID_ANA|1" ]
check "the order is fulfilled" [ "$(sql "SELECT state FROM shop_orders WHERE id = '$ORDER'")" = fulfilled ]
check "the person is told by e-mail" [ "$(sql "SELECT count(*) FROM outbox WHERE template = 'cert_issued' AND recipient = 'ana.iss@example.ro'")" = 1 ]

# ---- the certificates ---------------------------------------------------------------
curl -s -o "$T/sign.pem" -b "$JAR" "$PC_URL/api/v1/certificates/$SIGN?chain=1"
check "PEM with the chain: three certificates" [ "$(grep -c 'BEGIN CERTIFICATE' "$T/sign.pem")" = 3 ]
curl -s -o "$T/sign.der" -b "$JAR" "$PC_URL/api/v1/certificates/$SIGN?format=der"
openssl x509 -inform DER -in "$T/sign.der" -out "$T/sign1.pem" 2>/dev/null
check "openssl verify: the signing certificate chains to our root" \
	openssl verify -CAfile "$T/pki/root.pem" -untrusted "$T/pki/issuing.pem" "$T/sign1.pem"
SUBJ=$(openssl x509 -in "$T/sign1.pem" -noout -subject -nameopt RFC2253)
check "the subject is the operator's identity ($SUBJ)" \
	bash -c "echo '$SUBJ' | grep -q 'serialNumber=PNORO-2900101410011' && echo '$SUBJ' | grep -q 'GN=Ana' && echo '$SUBJ' | grep -q 'SN=Pop'"
check "the signing certificate: nonRepudiation only" \
	bash -c "openssl x509 -in '$T/sign1.pem' -noout -ext keyUsage | grep -qx '    Non Repudiation'"
curl -s -o "$T/auth.pem" -b "$JAR" "$PC_URL/api/v1/certificates/$AUTH"
check "the authentication certificate: clientAuth" \
	bash -c "openssl x509 -in '$T/auth.pem' -noout -ext extendedKeyUsage | grep -q 'TLS Web Client Authentication'"
api GET /api/v1/certificates
check "settings list both" [ "$(jpath 'sorted(c["kind"] for c in j["certificates"])')" = "['auth', 'sign']" ]

# ---- the terms, signed with the new key -----------------------------------------------
curl -s -o "$T/terms.pdf" -b "$JAR" "$PC_URL/api/v1/issuance/terms.pdf"
check "qpdf --check: the signed terms" qpdf --check "$T/terms.pdf"
pdfsig "$T/terms.pdf" >"$T/pdfsig" 2>&1
check "pdfsig: Signature is Valid" grep -q "Signature Validation: Signature is Valid" "$T/pdfsig"
check "pdfsig: signed by Ana Pop (PAdES)" \
	bash -c "grep -q 'Signer Certificate Common Name: Ana Pop' '$T/pdfsig' && grep -q 'Signature Type: ETSI.CAdES.detached' '$T/pdfsig'"
py 'import re,sys
d=open(sys.argv[1],"rb").read()
a,b,c,e=map(int,re.findall(rb"/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)",d)[-1])
x=bytes.fromhex(d[a+b:c].strip(b"<>").decode())
# The DER length from its header (the padding after it is zeros; a
# signature may end with zero bytes too, so no stripping).
n=x[1]&0x7f if x[1]&0x80 else 0
l=int.from_bytes(x[2:2+n],"big") if n else x[1]
open(sys.argv[2],"wb").write(x[:2+n+l])' "$T/terms.pdf" "$T/terms.p7s"
openssl cms -inform DER -in "$T/terms.p7s" -cmsout -print >"$T/terms.cms" 2>/dev/null
check "the signature carries a time-stamp token (B-T)" grep -q "id-smime-aa-timeStampToken" "$T/terms.cms"
check "... and the signer is the new certificate (serial $SIGN)" \
	bash -c "grep -A2 'issuerAndSerialNumber' '$T/terms.cms' | grep -q 'serialNumber: $(py "print(int('$SIGN', 16))")\$'"
check "the terms document is stored encrypted (no PDF header on disk)" \
	bash -c "! grep -rlq '%PDF-' '$D/files/docs'"

# ---- once only; not another's -----------------------------------------------------------
api POST /api/v1/issuance "{\"code\":\"$(oathtool --totp -b "$SECRET")\"}"
expect 409 credential_exists "a second issuance refused"
as op
api GET "/api/v1/certificates/$SIGN"
expect 404 not_found "another account's certificate is not found"

# ---- an issuance killed after its keys were made: the orphan pair goes -----------------
# What a signer killed between the key generation and the certificates'
# commit leaves: two key pairs in the HSM and their pending_keys rows.
# Made here with pkcs11-tool (another program) while the server is down.
pc_stop
export SOFTHSM2_CONF=$D/softhsm2.conf
p11() { pkcs11-tool --module /usr/lib/softhsm/libsofthsm2.so --token-label pecete --login \
	--pin "$(head -n 1 "$D/hsm.pin")" "$@"; }
labels() { p11 --list-objects --type privkey 2>/dev/null | sed -n 's/^ *label: *//p' | sort | tr '\n' ' '; }
ORPH=holder-00112233445566778899aabbccddeeff
YOUNG=holder-ffeeddccbbaa99887766554433221100
for l in $ORPH-sign $ORPH-auth $YOUNG-sign; do
	p11 --keypairgen --key-type rsa:2048 --label "$l" >/dev/null 2>&1 || fail "pkcs11-tool keypairgen $l"
done
KEY=$(sql "SELECT key_label FROM certs WHERE serial = '$SIGN'")
OLD=$(( $(date +%s) - 3600 ))
sql "INSERT INTO pending_keys (label, created_at) VALUES ('$ORPH-sign', $OLD), ('$ORPH-auth', $OLD), ('$YOUNG-sign', $(date +%s)), ('$KEY', $OLD)"
B4=$(labels)
check "before: the orphan pairs and the holder's key in the HSM" \
	bash -c "case '$B4' in *$ORPH-auth*$ORPH-sign*) ;; *) exit 1;; esac; case '$B4' in *$KEY*) ;; *) exit 1;; esac"
pc_serve "$D"
AFTER=$(labels)
check "the signer's start deleted the orphan pair (older than the sweep's delay)" \
	bash -c "case '$AFTER' in *$ORPH-*) exit 1;; esac"
check "... not a pair whose issuance may still be under way (recorded now)" \
	bash -c "case '$AFTER' in *$YOUNG-sign*) ;; *) exit 1;; esac"
check "... nor the key of a recorded certificate (pending row or not)" \
	bash -c "case '$AFTER' in *$KEY*) ;; *) exit 1;; esac"
check "... the rows of the swept labels are gone, the young one stays" \
	[ "$(sql "SELECT group_concat(label, ' ') FROM pending_keys")" = "$YOUNG-sign" ]
check "... each deletion audited" \
	[ "$(sql "SELECT count(*) FROM audit_log WHERE event = 'key.orphan_deleted'")" = 2 ]

# ---- the certificate ended (libfaketime: the server's clock 400 days on) ---------------
as ana
api GET /api/v1/issuance
check "before its end: issued" [ "$(jget state)" = issued ]
END=$(jget not_after)
pc_stop
AHEAD=$((400 * 86400))
pc_serve_ahead "$D" $AHEAD
JAR=$T/jar.ana.later; rm -f "$JAR"; CSRF=""; refresh_csrf
api POST /api/v1/session '{"email":"ana.iss@example.ro","password":"Verde-Munte-Ploaie-42"}'
api POST /api/v1/session/totp "{\"code\":\"$(FAKETIME="+${AHEAD}s" LD_PRELOAD=$PC_FT_LIB oathtool --totp -b "$SECRET")\"}"
refresh_csrf
api GET /api/v1/issuance
check "after its end: expired, with the ended certificate ($SIGN, $END)" \
	[ "$CODE $(jpath 'j["state"], j["certificate"]["sign_serial"], j["not_after"]')" = "200 ('expired', '$SIGN', '$END')" ]
api POST /api/v1/issuance "{\"code\":\"$(FAKETIME="+${AHEAD}s" LD_PRELOAD=$PC_FT_LIB oathtool --totp -b "$SECRET" -N 'now + 30 seconds')\"}"
expect 409 issuance_not_ready "an expired certificate is not issued again without a new order"
check "audit chain intact" bash -c "'$PECETE_BIN' audit verify --data '$D' | grep -q 'audit chain OK'"
check "no CNP in the server log" bash -c "! grep -q 2900101410011 '$D.serve.log'"
pc_done
