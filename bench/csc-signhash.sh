#!/bin/bash
# bench/csc-signhash.sh: authorized hashes per second through the CSC API
# (signatures/signHash over HTTP, 32 keep-alive connections, bench_csc-load)
# for RSA-2048 and P-256 credentials with 1, 10 and 100 hashes per
# request, p50/p99 latency, beside raw SoftHSM signatures per second
# measured in the same run (bench_hsm-sign, the better of 1 and 2 threads).
#
# The obstacle: every signHash spends a SAD, and every SAD needs a fresh
# TOTP code (one per 30 s step per account). The method: ACCOUNTS holders
# (made through the API; their RSA-2048 and P-256 credentials issued by
# `pecete cert issue` and linked to the account in the store), the server
# under libfaketime with its clock in a file. Before each measurement
# csc-mint.py moves the clock 30 s on per round (a new step for every
# account) and each account authorizes once per round: ROUNDS x ACCOUNTS
# SADs, all alive (a SAD lives 300 s of the server's clock: 9 rounds at
# most). Then bench_csc-load sends the signHash requests spending them, and
# only that phase is timed; it is repeated CYCLES times per case and the
# throughput is the sum of hashes signed over the sum of the timed phases.
# authorize is measured on its own (its own line). Requests carry an
# X-Forwarded-For per account, the server trusting 127.0.0.1 as its proxy,
# as behind HAProxy: the per-address limits of the API are the deployed
# ones, so each account counts as one client.
# usage: PECETE_BIN=build/release/pecete bash bench/csc-signhash.sh
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
export PECETE_SRC=$(cd "$HERE/.." && pwd)
: "${PECETE_BIN:?PECETE_BIN is the pecete program (release build)}"
BDIR=$(dirname "$PECETE_BIN")/bench
ACCOUNTS=${ACCOUNTS:-96}
ROUNDS=${ROUNDS:-9}
CYCLES=${CYCLES:-3}
CONNS=${CONNS:-32}
# KEYS / HASHES: a subset of the cases (e.g. KEYS=rsa HASHES=1)
KEYS=${KEYS:-rsa p256}
HASHES=${HASHES:-1 10 100}
. "$PECETE_SRC/tests/support/lib.sh"
. "$PECETE_SRC/tests/support/api.sh"
for t in curl sqlite3 oathtool python3; do
	command -v $t >/dev/null || { echo "csc-signhash: $t missing"; exit 1; }
done
[ -x "$BDIR/bench_csc-load" ] || { echo "csc-signhash: no $BDIR/bench_csc-load"; exit 1; }
[ -f "$PC_FT_LIB" ] || { echo "csc-signhash: libfaketime missing"; exit 1; }

# The reference, measured now: raw PKCS#11 signatures per second, the
# better of 1 and 2 threads (the node has 2 cores; on a loaded machine
# 2 threads can do worse).
"$BDIR/bench_hsm-sign" 2 >"/tmp/csc-signhash-hsm.$$" 2>/dev/null
raw() { awk -v k="$1" '$0 ~ "^" k && $7 > m { m = $7 } END { print m }' "/tmp/csc-signhash-hsm.$$"; }
RAW_RSA=$(raw "RSA-2048 PKCS#1")
RAW_P256=$(raw "P-256 ECDSA")
rm -f "/tmp/csc-signhash-hsm.$$"
[ -n "$RAW_RSA" ] && [ -n "$RAW_P256" ] || { echo "csc-signhash: no raw figures from bench_hsm-sign"; exit 1; }
echo "# raw SoftHSM (best of 1 and 2 threads): RSA-2048 $RAW_RSA sig/s, P-256 $RAW_P256 sig/s"
echo "# load before: $(cut -d' ' -f1-3 /proc/loadavg)"

T=$(pc_tmpdir)
D=$T/data
"$PECETE_BIN" init --data "$D" --dev >"$T/init.log" 2>&1 || { cat "$T/init.log"; exit 1; }
DB=$D/pecete.db
export PECETE_SERVER_TRUSTED_PROXIES=127.0.0.1
# Each account registers from its own address (the register limit is per
# address, as for real people).
curl() { command curl -H "X-Forwarded-For: $XFF" "$@"; }
XFF=10.1.0.1
pc_serve "$D"
. "$PECETE_SRC/tests/support/idv.sh"
echo "# $ACCOUNTS accounts..."
t0=$(date +%s)
: >"$T/accounts"
for i in $(seq 1 "$ACCOUNTS"); do
	XFF=10.1.$((i / 200)).$((i % 200 + 2))
	as "u$i"
	api_signup_user "bench$i@example.ro" "+4072210$(printf %04d "$i")"
	api_pair_totp
	[ -n "${SECRET:-}" ] || { echo "csc-signhash: account $i has no TOTP"; exit 1; }
	echo "bench$i@example.ro	$SECRET	$XFF" >>"$T/accounts"
	SECRET=
done
echo "# accounts made in $(($(date +%s) - t0)) s"
pc_stop
# Their credentials: one RSA-2048 and one P-256 each, linked to the account.
: >"$T/acc-rsa"
: >"$T/acc-p256"
i=0
while IFS='	' read -r email secret xff; do
	i=$((i + 1))
	uid=$(sql "SELECT id FROM users WHERE email = '$email'")
	for k in rsa2048 p256; do
		"$PECETE_BIN" cert issue --data "$D" --given-name Ana --surname Pop \
			--cnp 2900101410011 --email "$email" --key "$k" \
			--transactions 1000000 --out "$T/c.pem" >"$T/issue.out" 2>&1 ||
			{ cat "$T/issue.out"; exit 1; }
		serial=$(sed -n 's/^serial //p' "$T/issue.out")
		sql "UPDATE credentials SET user_id = '$uid' WHERE serial = '$serial'"
		if [ $k = rsa2048 ]; then
			echo "$email	Verde-Munte-Ploaie-42	$secret	$serial	$xff	1.2.840.113549.1.1.11" >>"$T/acc-rsa"
		else
			echo "$email	Verde-Munte-Ploaie-42	$secret	$serial	$xff	1.2.840.10045.4.3.2" >>"$T/acc-p256"
		fi
	done
done <"$T/accounts"

echo "+0s" >"$T/clock"
# Monotonic clocks real: the server times its waits on the signer with
# them, and a jump of the wall clock must not look like a 30 s wait.
# The file is read at most once a second (FAKETIME_CACHE_DURATION=1) and
# csc-mint.py waits 1.2 s after each move: read at every call (as the
# tests do, FAKETIME_NO_CACHE=1), a stat and a read of the file in every
# time() call of both processes cost the server more than half of its
# throughput, an artefact of the bench, not the server's.
pc_serve_ft "$D" "FAKETIME_TIMESTAMP_FILE=$T/clock" FAKETIME_CACHE_DURATION=1 \
	FAKETIME_DONT_FAKE_MONOTONIC=1
PORT=${PC_URL##*:}

# The server's processes (pecete serve, the signer's keeper, the signer)
procs() {
	local p=$PC_PID all=$PC_PID kids
	while [ -n "$p" ]; do
		kids=$(for q in $p; do pgrep -P "$q"; done)
		all="$all $kids"
		p=$kids
	done
	echo $all
}
# Their CPU time (user + system, clock ticks) so far
cpu_ticks() {
	local t=0 p
	for p in $1; do
		t=$((t + $(awk '{ print $14 + $15 }' "/proc/$p/stat" 2>/dev/null || echo 0)))
	done
	echo $t
}
# PERF_DIR=dir: perf record -g of the server's processes in each timed phase
PERF_PID=
perf_start() {
	[ -n "${PERF_DIR:-}" ] || return 0
	mkdir -p "$PERF_DIR"
	perf record -q --call-graph "${PERF_CG:-dwarf,16384}" -o "$PERF_DIR/$1.data" -p "$(echo $2 | tr ' ' ,)" \
		>/dev/null 2>&1 &
	PERF_PID=$!
	sleep 0.5
}
perf_stop() {
	[ -n "$PERF_PID" ] || return 0
	kill -INT "$PERF_PID"
	wait "$PERF_PID"
	PERF_PID=
}
HZ=$(getconf CLK_TCK)
pct() { sort -n "$1" | awk -v p="$2" '{ a[NR] = $1 } END { i = int(NR * p); if (i < 1) i = 1; printf "%.1f", a[i] }'; }
printf '%-9s %6s %9s %10s %8s %8s %9s   %s\n' key hashes requests hashes/s p50-ms p99-ms "% of raw" "server CPU ms/request"
for key in $KEYS; do
	[ $key = rsa ] && raw=$RAW_RSA name=RSA-2048 || { raw=$RAW_P256; name=P-256; }
	for h in $HASHES; do
		rm -f "$T/lat"
		secs=0 reqs=0 ticks=0
		# 100 hashes per request: fewer rounds, so the timed phase
		# ends well inside the oldest SAD's 300 s
		r=$ROUNDS
		[ "$h" = 100 ] && r=2
		# cycle 0 warms up, uncounted: the first signature with a key
		# in a signer process finds it on the token (SoftHSM's file
		# store reads every object file of the token for that) and
		# caches it; the figures are the steady state.
		for c in $(seq 0 "$CYCLES"); do
			/usr/bin/python3 "$HERE/csc-mint.py" "$PC_URL" "$T/acc-$key" \
				"$r" "$h" "$T/clock" "$T/reqs" 2>"$T/mint.err" ||
				{ cat "$T/mint.err"; tail -20 "$D.serve.log" >&2; exit 1; }
			lat=$T/lat
			[ "$c" = 0 ] && lat=$T/lat0
			pids=$(procs)
			cpu0=$(cpu_ticks "$pids")
			perf_start "$key-$h-$c" "$pids"
			out=$(CSC_LOAD_LAT=$lat "$BDIR/bench_csc-load" 127.0.0.1 "$PORT" \
				/csc/v2/signatures/signHash "$CONNS" "$T/reqs" 2>"$T/load.err") ||
				{ echo "csc-signhash: not every request signed: $out"; head -5 "$T/load.err"; tail -20 "$D.serve.log" >&2; exit 1; }
			perf_stop
			[ "$c" = 0 ] && continue
			ticks=$((ticks + $(cpu_ticks "$pids") - cpu0))
			secs=$(echo "$secs + $(echo "$out" | awk '{ print $6 }')" | bc -l)
			reqs=$((reqs + $(echo "$out" | awk '{ print $4 }')))
		done
		hps=$(echo "$reqs * $h / $secs" | bc -l)
		printf '%-9s %6d %9d %10.0f %8s %8s %8.0f%%   %s\n' "$name" "$h" "$reqs" \
			"$hps" "$(pct "$T/lat" 0.5)" "$(pct "$T/lat" 0.99)" \
			"$(echo "100 * $hps / $raw" | bc -l)" \
			"$(echo "1000 * $ticks / $HZ / $reqs" | bc -l | xargs printf '%.2f')"
	done
done
echo "# load after: $(cut -d' ' -f1-3 /proc/loadavg)"
pc_stop
pc_done >/dev/null
