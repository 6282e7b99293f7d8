#!/bin/bash
# csc_conformance.sh: the CSC conformance suite (tests/csc, Python from
# Debian, standard library + python3-cryptography) against a local node,
# and the same spec-following client signing:
#  - the suite with --strict (no SKIP allowed): v1 and v2, explicit mode,
#    happy paths and the negatives (no/unknown/expired/revoked token,
#    another user's credential, wrong OTP, reused SAD, hash not covered,
#    more hashes than authorized, expired SAD, malformed base64, wrong
#    algorithm OID), each checking the CSC error code and HTTP status.
#    TOTP steps and expiries move the server's clock (libfaketime, a
#    file the suite rewrites through CSC_CLOCK_CMD), never a sleep;
#  - a PAdES B-B the client builds itself (ByteRange/Contents placeholder,
#    CMS signed attributes, signHash of their digest): pdfsig says valid,
#    qpdf --check is clean, pecete verify checks it against our root;
#  - a CAdES detached .p7s of the same client: openssl cms -verify;
#  - signatures/signDoc (the server builds them): PAdES (pdfsig, qpdf,
#    pecete verify; B-T; Certification), CAdES detached, attached and over
#    documentDigests (openssl cms -verify); the suite's signDoc checks
#    (validationInfo, transactions, a document not covered, a malformed
#    PDF spending nothing);
#  - the suite again in oauth2code mode (CSC_MODE=oauth2code) for a
#    registered confidential client: the holder's part (sign in, consent
#    with a TOTP code) is tests/csc/pecete_consent.py, the hook a person
#    would be: service scope, PAR + RAR credential scope, PKCE, signHash
#    and signDoc without a SAD, reuse refused.
. "$PECETE_SRC/tests/support/lib.sh"
. "$PECETE_SRC/tests/support/api.sh"
pc_need --faketime curl sqlite3 openssl oathtool pdfsig qpdf
/usr/bin/python3 -c 'import cryptography' 2>/dev/null ||
	{ echo "SKIP: python3-cryptography missing"; exit 77; }

T=$(pc_tmpdir)
D=$T/data
DB=$D/pecete.db
PC_PORT=$(pc_free_port)
export PC_PORT
"$PECETE_BIN" init --data "$D" --dev --public-url "http://127.0.0.1:$PC_PORT" \
	>"$T/init.log" 2>&1 || { cat "$T/init.log"; echo "FAIL - init"; exit 1; }
"$PECETE_BIN" pki export --data "$D" --out "$T/pki" >/dev/null
echo "+0s" >"$T/clock"
PECETE_SERVER_PUBLIC_URL="http://127.0.0.1:$PC_PORT" pc_serve_clock "$D" "$T/clock"
. "$PECETE_SRC/tests/support/idv.sh"
idv_fixtures

PW=Verde-Munte-Ploaie-42
as op
api_signup_user op.conf@example.ro +40722000998
"$PECETE_BIN" user role --data "$D" --email op.conf@example.ro --role operator >/dev/null
api_pair_totp
as bob
api_signup_user bob.conf@example.ro +40722000223
IDV_PHONE=+40722000223 api_issued op.conf@example.ro || fail "second issued user"
as ana
api_signup_user ana.conf@example.ro +40722000112
api_issued op.conf@example.ro || fail "issued user"
check "a holder with a credential" [ -n "$SIGN" -a -n "$SECRET" ]

export CSC_BASE_URL=$PC_URL CSC_USER=ana.conf@example.ro CSC_PASSWORD=$PW \
	CSC_TOTP_SECRET=$SECRET CSC_OTHER_USER=bob.conf@example.ro \
	CSC_OTHER_PASSWORD=$PW
export CSC_STATE_FILE=$T/csc-clock.json
export CSC_CLOCK_CMD="echo \"+\${CSC_AHEAD}s\" >'$T/clock'"
CONF=$PECETE_SRC/tests/csc/conformance.py
not() { ! "$@"; }

# ---- a client-built PAdES and CAdES (before the suite moves the clock) -------
/usr/bin/python3 - "$T/in.pdf" <<'EOF'
import sys
objs = [b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R"
        b" /Resources << /Font << /F1 << /Type /Font /Subtype /Type1"
        b" /BaseFont /Helvetica >> >> >> >>"]
text = b"BT /F1 24 Tf 72 700 Td (Signed through the CSC API) Tj ET"
objs.append(b"<< /Length %d >>\nstream\n%s\nendstream" % (len(text), text))
out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
offs = []
for i, o in enumerate(objs):
    offs.append(len(out))
    out += b"%d 0 obj\n%s\nendobj\n" % (i + 1, o)
x = len(out)
out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
for o in offs:
    out += b"%010d 00000 n \n" % o
out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, x)
open(sys.argv[1], "wb").write(out)
EOF
qpdf --check "$T/in.pdf" >/dev/null 2>&1 || fail "the input PDF is not clean"
/usr/bin/python3 "$CONF" pades "$T/in.pdf" "$T/out.pdf" 2>"$T/pades.err"
check "the Python client signs a PDF through CSC v2" [ -s "$T/out.pdf" ] ||
	cat "$T/pades.err"
pdfsig "$T/out.pdf" >"$T/pdfsig.txt" 2>&1
check "pdfsig: the client's PAdES is valid" grep -q 'Signature is Valid.' "$T/pdfsig.txt" ||
	cat "$T/pdfsig.txt"
check "pdfsig: ETSI.CAdES.detached, the whole file covered" sh -c \
	"grep -q 'ETSI.CAdES.detached' '$T/pdfsig.txt' && grep -q 'Total document signed' '$T/pdfsig.txt'"
check "the original bytes are the signed file's prefix" \
	cmp -n "$(stat -c %s "$T/in.pdf")" "$T/in.pdf" "$T/out.pdf"
qpdf --check "$T/out.pdf" >"$T/qpdf.txt" 2>&1
QRC=$?
check "qpdf --check: clean (exit 0, no warning)" sh -c "[ $QRC = 0 ] && ! grep -qi warning '$T/qpdf.txt'"
"$PECETE_BIN" verify "$T/out.pdf" --trust "$T/pki/root.pem" >"$T/v.txt" 2>&1
VRC=$?
check "pecete verify: TOTAL-PASSED (chain to our root, OCSP good)" \
	sh -c "[ $VRC = 0 ] && grep -q 'Result: TOTAL-PASSED' '$T/v.txt'" || cat "$T/v.txt"
check "pecete verify: signing-certificate-v2 and the byte ranges checked" \
	sh -c "grep -q 'chain: ok' '$T/v.txt' && grep -qi 'revocation: ok' '$T/v.txt'"

printf 'a file signed as CAdES through the CSC API\n' >"$T/doc.txt"
CSC_VERSION=1 /usr/bin/python3 "$CONF" cades "$T/doc.txt" "$T/doc.p7s" 2>"$T/cades.err"
check "the client signs a CAdES detached through CSC v1" [ -s "$T/doc.p7s" ] ||
	cat "$T/cades.err"
check "openssl cms -verify: the client's CAdES, our chain" \
	openssl cms -verify -binary -inform DER -in "$T/doc.p7s" \
	-content "$T/doc.txt" -CAfile "$T/pki/root.pem" -purpose any -out /dev/null 2>/dev/null
echo "tampered" >>"$T/doc.txt"
check "... and not for another content" not openssl cms -verify -binary -inform DER \
	-in "$T/doc.p7s" -content "$T/doc.txt" -CAfile "$T/pki/root.pem" \
	-purpose any -out /dev/null 2>/dev/null

# ---- signatures/signDoc: the server builds the signatures -------------------------
printf 'a file the server signs through signDoc\n' >"$T/sd.txt"
sd() { /usr/bin/python3 "$CONF" signdoc "$@" 2>>"$T/signdoc.err"; }
sd pades "$T/in.pdf" "$T/sd.pdf"
check "signDoc: the server's PAdES (documents, P, Revision)" [ -s "$T/sd.pdf" ] ||
	cat "$T/signdoc.err"
pdfsig "$T/sd.pdf" >"$T/sd-pdfsig.txt" 2>&1
check "pdfsig: the signDoc PAdES is valid and covers the whole file" sh -c \
	"grep -q 'Signature is Valid.' '$T/sd-pdfsig.txt' && grep -q 'Total document signed' '$T/sd-pdfsig.txt'" ||
	cat "$T/sd-pdfsig.txt"
check "signDoc: the PDF sent is the signed file's prefix" \
	cmp -n "$(stat -c %s "$T/in.pdf")" "$T/in.pdf" "$T/sd.pdf"
qpdf --check "$T/sd.pdf" >/dev/null 2>&1
check "qpdf --check: the signDoc PAdES is clean" [ $? = 0 ]
"$PECETE_BIN" verify "$T/sd.pdf" --trust "$T/pki/root.pem" >"$T/sd-v.txt" 2>&1
VRC=$?
check "pecete verify: the signDoc PAdES TOTAL-PASSED" \
	sh -c "[ $VRC = 0 ] && grep -q 'Result: TOTAL-PASSED' '$T/sd-v.txt'" || cat "$T/sd-v.txt"
sd pades-bt "$T/in.pdf" "$T/sd-bt.pdf"
"$PECETE_BIN" verify "$T/sd-bt.pdf" --trust "$T/pki/root.pem" >"$T/sd-bt.txt" 2>&1
VRC=$?
check "signDoc AdES-B-T: TOTAL-PASSED with a signature time-stamp" \
	sh -c "[ $VRC = 0 ] && grep -q 'Result: TOTAL-PASSED' '$T/sd-bt.txt' && grep -qi 'timestamp' '$T/sd-bt.txt'" ||
	cat "$T/sd-bt.txt"
sd pades-blta "$T/in.pdf" "$T/sd-blta.pdf"
"$PECETE_BIN" verify "$T/sd-blta.pdf" --no-ocsp --trust "$T/pki/root.pem" >"$T/sd-blta.txt" 2>&1
VRC=$?
check "signDoc AdES-B-LTA: PAdES-B-LTA, TOTAL-PASSED from the file's own data (--no-ocsp), the DSS and a document timestamp" \
	sh -c "[ $VRC = 0 ] && grep -q 'level: PAdES-B-LTA' '$T/sd-blta.txt' && grep -q 'Document timestamp 2' '$T/sd-blta.txt' && pdfsig '$T/sd-blta.pdf' 2>&1 | grep -q 'Signature is Valid.'" ||
	cat "$T/sd-blta.txt"
sd cades-blt "$T/sd.txt" "$T/sd-blt.p7s"
"$PECETE_BIN" verify "$T/sd-blt.p7s" --content "$T/sd.txt" --no-ocsp --trust "$T/pki/root.pem" >"$T/sd-blt.txt" 2>&1
VRC=$?
check "signDoc AdES-B-LT (CAdES): CAdES-B-LT, TOTAL-PASSED offline" \
	sh -c "[ $VRC = 0 ] && grep -q 'level: CAdES-B-LT' '$T/sd-blt.txt'" || cat "$T/sd-blt.txt"
sd pades-cert "$T/in.pdf" "$T/sd-cert.pdf"
check "signDoc Certification: a DocMDP certification signature" \
	sh -c "pdfsig '$T/sd-cert.pdf' 2>&1 | grep -q 'Signature is Valid.' && grep -aq '/DocMDP' '$T/sd-cert.pdf'"
sd cades "$T/sd.txt" "$T/sd.p7s"
check "openssl cms -verify: the signDoc detached CAdES, our chain" \
	openssl cms -verify -binary -inform DER -in "$T/sd.p7s" -content "$T/sd.txt" \
	-CAfile "$T/pki/root.pem" -purpose any -out /dev/null
sd cades-attached "$T/sd.txt" "$T/sd.p7m"
openssl cms -verify -binary -inform DER -in "$T/sd.p7m" -CAfile "$T/pki/root.pem" \
	-purpose any -out "$T/sd-content.txt" 2>/dev/null
check "openssl cms -verify: the signDoc attached CAdES, the content inside" \
	cmp "$T/sd.txt" "$T/sd-content.txt"
sd digest "$T/sd.txt" "$T/sd-digest.p7s"
check "openssl cms -verify: the documentDigests CAdES over the file's digest" \
	openssl cms -verify -binary -inform DER -in "$T/sd-digest.p7s" -content "$T/sd.txt" \
	-CAfile "$T/pki/root.pem" -purpose any -out /dev/null

# ---- the suite --------------------------------------------------------------------
/usr/bin/python3 "$CONF" --strict >"$T/suite.txt" 2>&1
RC=$?
sed 's/^/  /' "$T/suite.txt"
check "the conformance suite: every check PASS, none skipped (exit 0)" [ "$RC" = 0 ]
check "the suite ran its checks (at least 90 PASS lines)" \
	[ "$(grep -c '^PASS - ' "$T/suite.txt")" -ge 90 ]
check "no FAIL or SKIP line" not grep -q '^\(FAIL\|SKIP\) - ' "$T/suite.txt"

# ---- the suite in oauth2code mode: the holder's part through a hook ------------
"$PECETE_BIN" oauth client add --data "$D" --name "Conformance App" \
	--redirect https://app.example/cb --auth-mode oauth2code >"$T/client.out" ||
	fail "oauth client add"
CSC_MODE=oauth2code CSC_OAUTH_CLIENT_ID=$(sed -n 's/^client_id: //p' "$T/client.out") \
	CSC_OAUTH_CLIENT_SECRET=$(sed -n 's/^client_secret: //p' "$T/client.out") \
	CSC_OAUTH_REDIRECT_URI=https://app.example/cb \
	CSC_OAUTH_HOOK="/usr/bin/python3 $PECETE_SRC/tests/csc/pecete_consent.py" \
	/usr/bin/python3 "$CONF" --strict >"$T/suite-oauth.txt" 2>&1
RC=$?
sed 's/^/  /' "$T/suite-oauth.txt"
check "the suite in oauth2code mode: every check PASS, none skipped (exit 0)" [ "$RC" = 0 ]
check "oauth2code mode ran its checks (at least 30 PASS lines)" \
	[ "$(grep -c '^PASS - ' "$T/suite-oauth.txt")" -ge 30 ]
check "oauth2code mode: no FAIL or SKIP line" not grep -q '^\(FAIL\|SKIP\) - ' "$T/suite-oauth.txt"

pc_stop
pc_done
