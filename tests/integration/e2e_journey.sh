#!/usr/bin/env bash
# The browser journey of issues 12 and 13, end to end from a fresh account,
# on one server: tests/e2e/idv.mjs registers a user in Debian's Chromium
# (the activation e-mail, the SMS code, the authenticator paired from the
# QR read by zbarimg), buys Pecete 1 with the sandbox card, records the
# video identification with the fake camera and microphone (the picture
# from a generated Y4M file, large enough to be sent in several pieces;
# the upload cut and resumed), gives another phone number for the video
# step; an operator (second browser context) reviews the case in the RA
# console and accepts it; a second user's case is rejected (the reason by
# e-mail, the link records again). tests/e2e/sign.mjs goes on with the
# accepted user (E2E_HANDOVER): sign-in, J8 issuance (the phone question,
# what the certificate will say, the terms, a wrong then the right TOTP
# code, the wait), Settings with the certificates and the signed terms,
# then J9: three PDFs (one of two pages), a .docx, an encrypted and an
# XFA PDF (refused next to them), a box drawn on page 2 by mouse, a wrong
# code (refused, nothing counted), the right code, SignedFiles.zip
# downloaded and judged by pdfsig, qpdf --check, openssl cms -verify and
# pdftoppm; the history; a batch larger than the quota and an expired
# certificate. Real SMTP server (aiosmtpd), SMS receiver, `pecete serve`
# under libfaketime with its clock in a file sign.mjs moves forward
# (FAKETIME_TIMESTAMP_FILE, no cache): fresh TOTP steps and the
# certificate's expiry without waiting. Screenshots: tests/e2e/screenshots/
# idv/ and sign/.
. "${PECETE_SRC:?}/tests/support/lib.sh"
E2E="$PECETE_SRC/tests/e2e"
SUP="$PECETE_SRC/tests/support"

for tool in node npm oathtool zbarimg python3 sqlite3 /usr/bin/chromium pdfsig qpdf pdftoppm unzip openssl; do
	if ! command -v "$tool" >/dev/null 2>&1; then
		echo "# SKIP: $tool is missing (scripts/deps.sh installs it)"
		exit 77
	fi
done
[ -f "$PC_FT_LIB" ] || { echo "# SKIP: libfaketime missing"; exit 77; }
if [ ! -d "$E2E/node_modules/playwright-core" ]; then
	npm ci --prefix "$E2E" --no-audit --no-fund --prefer-offline >/dev/null 2>&1 ||
		{ echo "FAIL - npm ci in tests/e2e"; exit 1; }
fi

T=$(pc_tmpdir)
e2e_cleanup() {
	bash "$SUP/smtp-sink.sh" stop "$T/mail" >/dev/null 2>&1
	bash "$SUP/sms-receiver.sh" stop "$T/sms" >/dev/null 2>&1
	pc_cleanup
}
trap e2e_cleanup EXIT

smtp_port=$(pc_free_port)
sms_port=$(pc_free_port)
bash "$SUP/smtp-sink.sh" start "$T/mail" "$smtp_port" || { echo "FAIL - smtp sink"; exit 1; }
bash "$SUP/sms-receiver.sh" start "$T/sms" "$sms_port" || { echo "FAIL - sms receiver"; exit 1; }
ok "SMTP server (aiosmtpd) on $smtp_port, SMS receiver on $sms_port"

# ---- the documents to sign (as websign_api.sh makes them) ----------------------
F=$T/fix
mkdir -p "$F"
pdf() {	# pdf OUT NPAGES [CATALOG_EXTRA]
	/usr/bin/python3 -c 'import sys
out, n, extra = sys.argv[1], int(sys.argv[2]), sys.argv[3]
objs = ["<< /Type /Catalog /Pages 2 0 R %s >>" % extra,
        "<< /Type /Pages /Kids [%s] /Count %d >>" % (" ".join("%d 0 R" % (3 + 2 * i) for i in range(n)), n)]
for i in range(n):
    c = "0.9 0.9 0.9 rg 0 0 595 842 re f 0 g BT /F1 24 Tf 80 600 Td (Page %d) Tj ET" % (i + 1)
    objs.append("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents %d 0 R /Resources << /Font << /F1 << /Type /Font /Subtype /Type1 /BaseFont /Helvetica >> >> >> >>" % (4 + 2 * i))
    objs.append("<< /Length %d >>\nstream\n%s\nendstream" % (len(c), c))
if "XFA" in extra:
    objs.append("<< /Length 19 >>\nstream\n<xdp:xdp></xdp:xdp>\nendstream")
body = "%PDF-1.7\n" + "".join("%d 0 obj\n%s\nendobj\n" % (i + 1, o) for i, o in enumerate(objs))
open(out + ".raw", "w").write(body + "trailer\n<< /Root 1 0 R /Size %d >>\n%%%%EOF\n" % (len(objs) + 1))' "$1" "$2" "${3:-}"
	qpdf "$1.raw" "$1" >/dev/null 2>&1
	rm -f "$1.raw"
	qpdf --check "$1" >/dev/null 2>&1
}
pdf "$F/contract.pdf" 2 && pdf "$F/anexa.pdf" 1 && pdf "$F/proces-verbal.pdf" 1 &&
	pdf "$F/extra.pdf" 1 && pdf "$F/formular.pdf" 1 '/AcroForm << /Fields [] /XFA 5 0 R >>' ||
	{ echo "FAIL - PDF fixtures"; exit 1; }
qpdf --encrypt user owner 256 -- "$F/anexa.pdf" "$F/protejat.pdf" && [ -s "$F/protejat.pdf" ] ||
	{ echo "FAIL - encrypted fixture"; exit 1; }
# A .docx large enough (1.5 MB) for the upload's progress to be seen.
/usr/bin/python3 -c 'import os,sys; open(sys.argv[1],"wb").write(b"PK\x03\x04"+os.urandom(1536000))' "$F/raport.docx"
ok "fixtures: 3 PDFs (one of 2 pages), a .docx, an encrypted PDF (qpdf --encrypt), an XFA form"

# The fake camera's picture: a Y4M clip (640x480, 15 fps) whose lowest
# quarter changes every frame, so the encoder keeps to the page's bit
# rate (1.5 Mbit/s, about 4 MB in 20 s) and the recording takes several
# 1 MiB pieces.
/usr/bin/python3 - "$T/camera.y4m" <<'PY'
import os, sys
w, h, n = 640, 480, 30
with open(sys.argv[1], "wb") as f:
    f.write(b"YUV4MPEG2 W%d H%d F15:1 Ip A1:1 C420jpeg\n" % (w, h))
    top = bytes((x * 255 // w) for x in range(w)) * (h * 3 // 4)
    for _ in range(n):
        f.write(b"FRAME\n" + top + os.urandom(w * h // 4) + bytes([128]) * (w * h // 2))
PY
ok "fake camera clip $(stat -c %s "$T/camera.y4m") bytes"

pc_init "$T/d" --dev
"$PECETE_BIN" pki export --data "$T/d" --out "$T/pki" >/dev/null || { echo "FAIL - pki export"; exit 1; }
port=$(pc_free_port)
export PECETE_SERVER_PUBLIC_URL="http://127.0.0.1:$port"
export PECETE_SERVER_WEB_ROOT="$PECETE_SRC/web"
export PECETE_NOTIFY_MAIL_DRIVER=smtp
export PECETE_NOTIFY_SMTP_URL="smtp://127.0.0.1:$smtp_port"
export PECETE_NOTIFY_SMTP_STARTTLS=false
export PECETE_NOTIFY_SMS_DRIVER=sms-http
export PECETE_NOTIFY_SMS_URL="http://127.0.0.1:$sms_port/sms"
(umask 077 && echo "e2e-sms-token" >"$T/sms.token")
export PECETE_NOTIFY_SMS_TOKEN_FILE="$T/sms.token"
export PECETE_NOTIFY_RETRY_BASE_S=1
export PECETE_SHOP_PROVIDER=sandbox
# The server's clock (and its signer's): an offset in a file the test
# rewrites; read at every call (no cache).
echo "+0s" >"$T/clock"
PC_PORT=$port pc_serve_clock "$T/d" "$T/clock"
ok "pecete serve on $PC_URL (smtp, sms-http, sandbox payments, clock in a file)"

for d in idv sign; do
	rm -rf "$E2E/screenshots/$d"
	mkdir -p "$E2E/screenshots/$d"
done
t0=$(date +%s)
if PC_URL="$PC_URL" E2E_MAIL_DIR="$T/mail" E2E_SMS_DIR="$T/sms" \
	E2E_SHOTS="$E2E/screenshots/idv" E2E_TMP="$T" E2E_CAMERA="$T/camera.y4m" \
	E2E_HANDOVER="$T/user.json" PECETE_BIN="$PECETE_BIN" timeout 420 node "$E2E/idv.mjs"; then
	ok "browser journeys J1-J7 from a fresh account (tests/e2e/idv.mjs, $(($(date +%s) - t0)) s)"
else
	fail "browser journeys J1-J7 from a fresh account (tests/e2e/idv.mjs, $(($(date +%s) - t0)) s)"
	echo "# server log (tail):"
	tail -40 "$T/d.serve.log" | sed 's/^/#   /'
fi
t0=$(date +%s)
if PC_URL="$PC_URL" E2E_MAIL_DIR="$T/mail" E2E_SMS_DIR="$T/sms" \
	E2E_SHOTS="$E2E/screenshots/sign" E2E_TMP="$T" E2E_FIX="$F" E2E_PKI="$T/pki" E2E_CLOCK="$T/clock" \
	E2E_HANDOVER="$T/user.json" PECETE_BIN="$PECETE_BIN" timeout 400 node "$E2E/sign.mjs"; then
	ok "browser journeys J8 and J9 with that user (tests/e2e/sign.mjs, $(($(date +%s) - t0)) s)"
else
	fail "browser journeys J8 and J9 with that user (tests/e2e/sign.mjs, $(($(date +%s) - t0)) s)"
	echo "# server log (tail):"
	tail -40 "$T/d.serve.log" | sed 's/^/#   /'
fi
cp "$T/d.serve.log" "$E2E/screenshots/sign/serve.log" 2>/dev/null
check "audit chain intact (pecete audit verify)" \
	bash -c "'$PECETE_BIN' audit verify --data '$T/d' | grep -q 'audit chain OK'"
# Nothing personal in the server's log: no CNP typed by the operator, no
# SMS code, no phone number.
if grep -qE '1900101410011|2900101410019|\+407[0-9]{8}' "$T/d.serve.log" ||
	grep -qFf <(grep -ho '"text": *"[^"]*"' "$T/sms/sms.log" 2>/dev/null | grep -oE '[0-9]{6}') "$T/d.serve.log" 2>/dev/null; then
	fail "a CNP, a phone number or an SMS code appears in the server log"
else
	ok "no CNP, phone number or SMS code in the server log"
fi
pc_done
