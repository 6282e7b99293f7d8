#!/bin/bash
# Mode (a): pecete sign --data DIR --cert SERIAL --otp CODE. The holder's
# key is used only through the signer process, under a TOTP code (SAD)
# enrolled by pecete cert issue --transactions N --totp-secret-out FILE.
# Checks: a batch (PDF + file) under one code, pdfsig and openssl cms
# verify with our chain, counter down by exactly N (N + N at B-T, our TSA);
# the same code again (totp_replay), a wrong code, an expired code, a
# quota too small for the batch, a revoked and an expired certificate are
# all refused with the counter unchanged and no output files.
set -u
. "$(dirname "$0")/sign_lib.sh.inc"
command -v oathtool >/dev/null || { echo "SKIP: no oathtool"; exit 77; }
start_pecete

sadsign() {	# sadsign SERIAL CODE ARGS...
	local s=$1 c=$2
	shift 2
	"$PECETE_BIN" sign --data "$PC_D" --cert "$s" --otp "$c" "$@" \
	    > "$T/sign.out" 2> "$T/sign.err"
}
# refused CODE SERIAL OTP ARGS...: refused with CODE, no output in $T/none
refused() {
	local code=$1
	shift
	rm -rf "$T/none" && mkdir "$T/none"
	sadsign "$@" --out-dir "$T/none" && fail "accepted (wanted $code)"
	grep -q "$code" "$T/sign.err" || { cat "$T/sign.err"; fail "not $code"; }
	[ -z "$(ls -A "$T/none")" ] || fail "output files after $code"
}

issue Popescu 10
S1=$SERIAL
[ "$(stat -c %a "$T/Popescu.totp")" = 600 ] || fail "secret file mode"
[ "$(counter "$S1")" = 10 ] || fail "initial counter"
ok "cert issue --transactions 10 --totp-secret-out (0600)"

make_pdf "$T/doc.pdf" 2
head -c 300000 /dev/urandom > "$T/file.bin"
mkdir -p "$T/out"
CODE1=$(oathtool --totp -b "$(cat "$T/Popescu.totp")")
sadsign "$S1" "$CODE1" --level B-B "$T/doc.pdf" "$T/file.bin" --out-dir "$T/out" ||
    { cat "$T/sign.err"; fail "sign batch with SAD"; }
pdfsig "$T/out/doc.pdf" > "$T/pdfsig.txt" 2>&1
grep -q 'Signature is Valid.' "$T/pdfsig.txt" ||
    { cat "$T/pdfsig.txt"; fail "pdfsig"; }
cmp -n "$(stat -c %s "$T/doc.pdf")" "$T/doc.pdf" "$T/out/doc.pdf" ||
    fail "prefix"
openssl cms -verify -binary -inform DER -in "$T/out/file.bin.p7s" \
    -content "$T/file.bin" -CAfile "$T/pki/root.pem" \
    -certfile "$T/pki/issuing.pem" -out /dev/null 2>/dev/null ||
    fail "openssl cms -verify"
extract_cms "$T/out/doc.pdf" "$T/doc.der"
openssl cms -verify -binary -inform DER -in "$T/doc.der" \
    -content "$T/doc.der.content" -CAfile "$T/pki/root.pem" \
    -out /dev/null 2>/dev/null || fail "openssl cms -verify (PAdES)"
[ "$(counter "$S1")" = 8 ] || fail "counter after 2 signatures: $(counter "$S1")"
ok "one code signs a batch of 2 (pdfsig, openssl cms), counter 10 -> 8"

refused totp_replay "$S1" "$CODE1" "$T/doc.pdf"
[ "$(counter "$S1")" = 8 ] || fail "counter after replay"
ok "same code again: totp_replay, counter unchanged"

# two inputs with the same file name into one --out-dir: refused before
# the code is used or a transaction spent
mkdir -p "$T/a" "$T/b" && cp "$T/doc.pdf" "$T/a/x.pdf" && cp "$T/doc.pdf" "$T/b/x.pdf"
CODEX=$(oathtool --totp -b "$(cat "$T/Popescu.totp")")
refused duplicate_output "$S1" "$CODEX" "$T/a/x.pdf" "$T/b/x.pdf"
[ "$(counter "$S1")" = 8 ] || fail "counter after duplicate names"
ok "--out-dir with two inputs named x.pdf: duplicate_output, counter unchanged"

BAD=$(printf '%06d' $(( (10#$CODE1 + 500000) % 1000000 )))
refused totp_invalid "$S1" "$BAD" "$T/doc.pdf"
[ "$(counter "$S1")" = 8 ] || fail "counter after a wrong code"
ok "wrong code: totp_invalid, counter unchanged"

OLD=$(oathtool --totp -N '10 minutes ago' -b "$(cat "$T/Popescu.totp")")
refused totp_invalid "$S1" "$OLD" "$T/doc.pdf"
[ "$(counter "$S1")" = 8 ] || fail "counter after an expired code"
ok "expired code: refused, counter unchanged"

# B-T: the next time step's code (the window accepts +1 step); the TSA is
# ours by default (--data).
CODE2=$(oathtool --totp -N 'now + 30 seconds' -b "$(cat "$T/Popescu.totp")")
# (read from --otp-file, which must be 0600 like every secret file)
printf '%s\n' "$CODE2" > "$T/code2"
chmod 644 "$T/code2"
"$PECETE_BIN" sign --data "$PC_D" --cert "$S1" --otp-file "$T/code2" \
    --level B-T "$T/doc.pdf" "$T/bt.pdf" > /dev/null 2>&1 &&
    fail "--otp-file readable by others accepted"
[ ! -e "$T/bt.pdf" ] || fail "output after a refused --otp-file"
chmod 600 "$T/code2"
"$PECETE_BIN" sign --data "$PC_D" --cert "$S1" --otp-file "$T/code2" \
    --level B-T "$T/doc.pdf" "$T/bt.pdf" > "$T/sign.out" 2> "$T/sign.err" ||
    { cat "$T/sign.err"; fail "sign B-T with SAD (--otp-file)"; }
pdfsig "$T/bt.pdf" | grep -q 'Signature is Valid.' || fail "pdfsig B-T"
extract_cms "$T/bt.pdf" "$T/bt.der"
ts_check "$T/bt.der" || fail "openssl ts -verify"
[ "$(counter "$S1")" = 6 ] || fail "counter after B-T: $(counter "$S1")"
"$PECETE_BIN" cert show --data "$PC_D" "$S1" 2>/dev/null |
    grep -q '^timestamps *1$' || fail "timestamp record"
ok "B-T (--otp-file 0600; 0644 refused): signature + timestamp counted (8 -> 6), openssl ts -verify"

issue Ionescu 1
S2=$SERIAL
CODE3=$(oathtool --totp -b "$(cat "$T/Ionescu.totp")")
refused quota_exhausted "$S2" "$CODE3" "$T/doc.pdf" "$T/file.bin"
[ "$(counter "$S2")" = 1 ] || fail "counter after quota refusal"
ok "quota 1, two inputs: quota_exhausted, nothing signed, no output"

"$PECETE_BIN" cert revoke --data "$PC_D" "$S2" --reason keyCompromise \
    > "$T/revoke.out" 2>&1 || fail "revoke"
refused cert_revoked "$S2" "$CODE3" "$T/doc.pdf"
[ "$(counter "$S2")" = 1 ] || fail "counter after cert_revoked"
ok "revoked certificate: cert_revoked"
A2=$(sqlite3 "$PC_D/pecete.db" "SELECT serial FROM certs WHERE kind = 'auth' AND holder = (SELECT holder FROM certs WHERE serial = '$S2')")
[ -n "$A2" ] && grep -q "^revoked $A2 (keyCompromise): its authentication certificate" "$T/revoke.out" &&
    [ "$(sqlite3 "$PC_D/pecete.db" "SELECT status || ' ' || reason FROM certs WHERE serial = '$A2'")" = "1 1" ] ||
    fail "the authentication certificate with it: $(cat "$T/revoke.out")"
ok "cert revoke of the signing certificate revokes its authentication certificate"

# J11: two years later the certificate has expired (libfaketime moves the
# clock of pecete and of its signer process).
FT=$(ls /usr/lib/*/faketime/libfaketime.so.1 2>/dev/null | head -1)
if [ -n "$FT" ]; then
	LATER=$(oathtool --totp -N 'now + 730 days' -b "$(cat "$T/Popescu.totp")")
	rm -rf "$T/none" && mkdir "$T/none"
	LD_PRELOAD=$FT FAKETIME=+730d \
	    ASAN_OPTIONS="${ASAN_OPTIONS:-}:verify_asan_link_order=0" \
	    "$PECETE_BIN" sign --data "$PC_D" --cert "$S1" --otp "$LATER" \
	    "$T/doc.pdf" --out-dir "$T/none" > /dev/null 2> "$T/sign.err" &&
	    fail "expired certificate accepted"
	grep -q cert_expired "$T/sign.err" || { cat "$T/sign.err"; fail "not cert_expired"; }
	[ -z "$(ls -A "$T/none")" ] || fail "output after cert_expired"
	[ "$(counter "$S1")" = 6 ] || fail "counter after cert_expired"
	ok "expired certificate: cert_expired"
fi
echo "sign_hsm_sad: all passed"
