#!/bin/bash
# bench/sign-pdf.sh: whole-process `pecete sign --p12` (PAdES B-B) vs
# `mutool sign` vs the process bound (`openssl dgst -sha256 -sign` over the
# same file, with the same PKCS#12 key container all three must decrypt),
# on 100 KB, 1 MB, 10 MB, 50 MB and a 10 MB object-stream PDF.
# Runs alternate (pecete, mutool, openssl) per round; the median of ROUNDS
# is reported as a ratio to the bound, with pecete's peak RSS.
# Targets: at or below `mutool sign` at every size in the same run (the
# last line says whether it held), <= 1.5x the bound, peak RSS <= 20 MiB.
# Use a release build: PECETE_BIN=build-release/pecete bench/sign-pdf.sh
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/../tests/integration/sign_lib.sh.inc"
ROUNDS=${ROUNDS:-7}
make_ca

now() { date +%s%N; }

median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }

run_case() {
	local label=$1 pdf=$2 field=$3 r t0 t1 p=() m=() o=() rss
	for ((r = 0; r < ROUNDS; r++)); do
		t0=$(now)
		"$PECETE_BIN" sign --p12 "$T/user.p12" --pass-file "$T/pass" \
		    "$pdf" "$T/out-p.pdf" >/dev/null || fail "pecete sign"
		t1=$(now); p+=($(((t1 - t0) / 1000)))
		t0=$(now)
		mutool sign -s "$T/user.p12" -P s3cret -o "$T/out-m.pdf" \
		    "$pdf" "$field" >/dev/null 2>&1 || fail "mutool sign"
		t1=$(now); m+=($(((t1 - t0) / 1000)))
		t0=$(now)
		openssl dgst -sha256 -sign "$T/user.p12" -keyform P12 \
		    -passin file:"$T/pass" -out "$T/out.sig" \
		    "$pdf" || fail "openssl dgst"
		t1=$(now); o+=($(((t1 - t0) / 1000)))
	done
	rss=$(/usr/bin/time -f %M "$PECETE_BIN" sign --p12 "$T/user.p12" \
	    --pass-file "$T/pass" "$pdf" "$T/out-p.pdf" 2>&1 >/dev/null |
	    tail -1)
	local pm mm om
	pm=$(printf '%s\n' "${p[@]}" | median)
	mm=$(printf '%s\n' "${m[@]}" | median)
	om=$(printf '%s\n' "${o[@]}" | median)
	printf '| %-14s | %8.1f | %8.1f | %8.1f | %5.2fx | %5.2fx | %5.2fx | %6.1f |\n' \
	    "$label" "$(echo "$pm / 1000" | bc -l)" \
	    "$(echo "$mm / 1000" | bc -l)" "$(echo "$om / 1000" | bc -l)" \
	    "$(echo "$pm / $mm" | bc -l)" \
	    "$(echo "$pm / $om" | bc -l)" "$(echo "$mm / $om" | bc -l)" \
	    "$(echo "$rss / 1024" | bc -l)"
	[ "$pm" -le "$mm" ] || behind="$behind $label"
}

behind=
echo "| input          | pecete ms | mutool ms | bound ms | pecete/mutool | pecete/bound | mutool/bound | pecete peak RSS MiB |"
echo "|----------------|----------:|----------:|---------:|------:|------:|------:|-------:|"
for spec in 100K:102400 1M:1048576 10M:10485760 50M:52428800; do
	label=${spec%%:*}
	bytes=${spec#*:}
	MAKE_PDF_FIELD=1 make_pdf "$T/in-$label.pdf" 2 "$bytes"
	# field object: 3 + 2*pages + blob = 8
	run_case "$label" "$T/in-$label.pdf" 8
done
MAKE_PDF_FIELD=1 make_pdf "$T/in-os.pdf" 2 10485760
qpdf --object-streams=generate "$T/in-os.pdf" "$T/in-objstm.pdf" ||
    fail "qpdf objstm"
run_case "10M objstm" "$T/in-objstm.pdf" 8
if [ -z "$behind" ]; then
	echo "pecete <= mutool sign at every size: yes"
else
	echo "pecete <= mutool sign at every size: NO (behind at$behind)"
fi
