#!/bin/bash
# bench/sign-p7s.sh: whole-process `pecete sign --p12 --format cades`
# (detached .p7s, B-B) vs `openssl cms -sign -binary -outform DER` detached
# (both read the key from the same PKCS#12 file)
# on the same file and key, alternated, median of ROUNDS. Target: at or
# below openssl cms at every size in the same run (the last line says).
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/../tests/integration/sign_lib.sh.inc"
ROUNDS=${ROUNDS:-7}
make_ca

now() { date +%s%N; }
median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }

behind=
echo "| input | pecete ms | openssl cms ms | ratio |"
echo "|-------|----------:|---------------:|------:|"
for spec in 1K:1024 1M:1048576 10M:10485760 50M:52428800; do
	label=${spec%%:*}
	head -c "${spec#*:}" /dev/urandom > "$T/in.bin"
	p=() o=()
	for ((r = 0; r < ROUNDS; r++)); do
		t0=$(now)
		"$PECETE_BIN" sign --p12 "$T/user.p12" --pass-file "$T/pass" \
		    --format cades "$T/in.bin" "$T/out.p7s" >/dev/null ||
		    fail "pecete"
		t1=$(now); p+=($(((t1 - t0) / 1000)))
		t0=$(now)
		openssl cms -sign -binary -outform DER -in "$T/in.bin" \
		    -signer "$T/user.pem" -inkey "$T/user.p12" -keyform P12 \
		    -passin file:"$T/pass" \
		    -certfile "$T/root.pem" -out "$T/out-o.p7s" || fail "openssl"
		t1=$(now); o+=($(((t1 - t0) / 1000)))
	done
	pm=$(printf '%s\n' "${p[@]}" | median)
	om=$(printf '%s\n' "${o[@]}" | median)
	printf '| %-5s | %9.1f | %14.1f | %5.2fx |\n' "$label" \
	    "$(echo "$pm / 1000" | bc -l)" "$(echo "$om / 1000" | bc -l)" \
	    "$(echo "$pm / $om" | bc -l)"
	[ "$pm" -le "$om" ] || behind="$behind $label"
done
if [ -z "$behind" ]; then
	echo "pecete <= openssl cms at every size: yes"
else
	echo "pecete <= openssl cms at every size: NO (behind at$behind)"
fi
