#!/bin/bash
# bench/web-batch.sh: signing in the browser's way, through the HTTP API:
# upload, one authorization (202; the worker pool signs, the batch is polled
# until done), SignedFiles.zip, for 10 and 100 one-page PDFs
# and 20 PDFs of 10 MB, PAdES B-T (two HSM signatures per document: ours
# and the time-stamp's, both RSA-3072 in SoftHSM). Prints documents per
# second against the HSM's ceiling measured in the same run (raw PKCS#11
# RSA-3072 signatures per second on one thread, by bench_hsm-sign, halved)
# and the server's peak RSS after each batch (it must not grow with the
# batch: files are handled one at a time and the archive is streamed).
# usage: PECETE_BIN=build/release/pecete bash bench/web-batch.sh
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
export PECETE_SRC=$(cd "$HERE/.." && pwd)
: "${PECETE_BIN:?PECETE_BIN is the pecete program (release build)}"
HSMB=$(dirname "$PECETE_BIN")/bench/bench_hsm-sign
. "$PECETE_SRC/tests/support/lib.sh"
. "$PECETE_SRC/tests/support/api.sh"
for t in curl sqlite3 oathtool python3 qpdf unzip jq; do
	command -v $t >/dev/null || { echo "web-batch: $t missing"; exit 1; }
done

# The ceiling, measured now on this machine.
# Its line: key (2 words), threads, ours "median ( best)", raw "median ( best)".
RAW=$("$HSMB" 1 2>/dev/null | awk '/^RSA-3072 PKCS#1/ && $3 == 1 { print $7 }' | head -1)
[ -n "$RAW" ] || { echo "web-batch: no RSA-3072 figure from $HSMB"; exit 1; }
echo "# HSM ceiling: raw RSA-3072 $RAW sig/s on one thread -> $(echo "$RAW / 2" | bc -l | xargs printf '%.1f') documents/s"
echo "# HSM CPU per document: $(echo "2000 / $RAW" | bc -l | xargs printf "%.1f") ms (two signatures)"

T=$(pc_tmpdir)
D=$T/data
"$PECETE_BIN" init --data "$D" --dev >"$T/init.log" 2>&1 || { cat "$T/init.log"; exit 1; }
DB=$D/pecete.db
pc_serve "$D"
. "$PECETE_SRC/tests/support/idv.sh"
idv_fixtures
as op
api_signup_user op.bench@example.ro +40722000999
"$PECETE_BIN" user role --data "$D" --email op.bench@example.ro --role operator >/dev/null
as ana
api_signup_user ana.bench@example.ro +40722000111
api_issued op.bench@example.ro || { echo "web-batch: no certificate"; exit 1; }
sql "UPDATE credentials SET transactions_left = 100000 WHERE serial = '$SIGN'"

. "$HERE/lib.sh"
onepage "$T/small.pdf"
onepage "$T/big.pdf" 10485760

now_ms() { date +%s%3N; }
hwm() { awk '/VmHWM/ { print int($2 / 1024) }' "/proc/$PC_PID/status"; }
# CPU time of the server and its signer process, in milliseconds: what a
# document costs, less sensitive than seconds to other load on the machine.
cpu_ms() {
	local p t=0 hz
	hz=$(getconf CLK_TCK)
	for p in $PC_PID $(pgrep -P "$PC_PID"); do
		t=$((t + $(awk '{ print $14 + $15 }' "/proc/$p/stat")))
	done
	echo $((t * 1000 / hz))
}
fresh_code() {	# a code of a time step not used yet: the step after the
	local s=$(( $(date +%s) % 30 ))	# next boundary (the server takes +1)
	sleep $((31 - s))
	oathtool --totp -b "$SECRET" -N "now + 30 seconds"
}

run() {	# run LABEL FILE N
	local label=$1 f=$2 n=$3 t0 t1 t2 t3 b i
	api POST /api/v1/sign/batches '{}'
	b=$(jget id)
	t0=$(now_ms)
	for i in $(seq 1 "$n"); do
		curl -s -o /dev/null -b "$JAR" -H "X-CSRF-Token: $CSRF" \
			-H 'Content-Type: application/octet-stream' --data-binary @"$f" \
			"$PC_URL/api/v1/sign/batches/$b/files?name=doc$i.pdf"
	done
	t1=$(now_ms)
	local code
	code=$(fresh_code)
	t1b=$(now_ms)
	c0=$(cpu_ms)
	api POST "/api/v1/sign/batches/$b/sign" "{\"code\":\"$code\"}"
	[ "$CODE" = 202 ] || { echo "web-batch: sign $CODE $BODY"; exit 1; }
	# Authorized; the worker pool signs on: poll as the page does, with
	# curl and jq (a Python start per poll would take a core's share from
	# the server on this 2-core machine).
	local st
	while :; do
		st=$(curl -s -b "$JAR" "$PC_URL/api/v1/sign/batches/$b" | jq -r .state)
		[ "$st" = signing ] || break
		sleep 0.05
	done
	t2=$(now_ms)
	c1=$(cpu_ms)
	[ "$st" = done ] || { echo "web-batch: batch $st"; exit 1; }
	curl -s -o "$T/out.zip" -b "$JAR" "$PC_URL/api/v1/sign/batches/$b/zip"
	t3=$(now_ms)
	[ "$(unzip -l "$T/out.zip" | tail -1 | awk '{ print $2 }')" = "$n" ] || { echo "web-batch: zip"; exit 1; }
	local total=$(( (t1 - t0) + (t3 - t1b) ))
	local sign=$((t2 - t1b))
	printf '| %-16s | %4d | %8.1f | %8.1f | %8.1f | %5.0f %% | %6.1f | %6d |\n' "$label" "$n" \
		"$(echo "$total / 1000" | bc -l)" \
		"$(echo "$n * 1000 / $total" | bc -l)" \
		"$(echo "$n * 1000 / $sign" | bc -l)" \
		"$(echo "100 * $n * 1000 / $sign / ($RAW / 2)" | bc -l)" \
		"$(echo "($c1 - $c0) / $n" | bc -l)" "$(hwm)"
}

echo "| batch            | docs | upload..zip s | docs/s (all) | docs/s (sign) | sign / ceiling | CPU ms/doc (sign) | peak RSS MiB |"
echo "|------------------|-----:|------:|------:|------:|------:|------:|------:|"
echo "# server peak RSS after start: $(hwm) MiB"
run "10 x one page" "$T/small.pdf" 10
run "100 x one page" "$T/small.pdf" 100
run "20 x 10 MB" "$T/big.pdf" 20
