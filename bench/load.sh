#!/bin/bash
# bench/load.sh: the server under mixed load (issue 18): 64 users, each on
# its own connection and address, for 60 s: pages (the app's files and the
# API calls of a signed-in page), password sign-ins and signing batches
# (8 of the users hold certificates). bench/load.mjs drives them and prints
# per-class requests per second and p50/p95/p99 latency; the references
# measured in the same run are the machine's Argon2id password checks per
# second (bench_argon2-ref, the sign-in's ceiling) and raw RSA-3072
# signatures per second (bench_hsm-sign, the signing ceiling).
# usage: PECETE_BIN=build/release/pecete [THREADS=N] bash bench/load.sh [USERS [SECONDS]]
#   THREADS: the server's [server] threads (default 4, the configuration's)
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
export PECETE_SRC=$(cd "$HERE/.." && pwd)
: "${PECETE_BIN:?PECETE_BIN is the pecete program (release build)}"
NUSERS=${1:-64}
SECS=${2:-60}
NSIGN=8
BDIR=$(dirname "$PECETE_BIN")/bench
. "$PECETE_SRC/tests/support/lib.sh"
. "$PECETE_SRC/tests/support/api.sh"
for t in curl sqlite3 oathtool python3 qpdf node; do
	command -v $t >/dev/null || { echo "load: $t missing"; exit 1; }
done

echo "# references, measured now: $("$BDIR/bench_argon2-ref" 2 5)"
RAW=$("$BDIR/bench_hsm-sign" 1 2>/dev/null | awk '/^RSA-3072 PKCS#1/ && $3 == 1 { print $7 }' | head -1)
echo "# raw RSA-3072 signatures/s on one thread: $RAW (a PAdES B-T document takes two)"

T=$(pc_tmpdir)
D=$T/data
"$PECETE_BIN" init --data "$D" --dev >"$T/init.log" 2>&1 || { cat "$T/init.log"; exit 1; }
DB=$D/pecete.db
# This host is the users' proxy (each user its own address); the rate
# limits are policy, not capacity: raised so the load measures the server.
/usr/bin/python3 - "$D/pecete.conf" "${THREADS:-4}" <<'PY' || exit 1
import re, sys
p = sys.argv[1]
s = open(p).read()
for k, v in (("trusted_proxies", "127.0.0.1"), ("api_per_min_ip", "1000000"),
             ("threads", sys.argv[2]),
             ("api_per_min_user", "1000000"), ("login_per_min_ip", "100000")):
    s, n = re.subn(r"(?m)^#? ?%s =.*$" % k, "%s = %s" % (k, v), s, count=1)
    assert n == 1, k
open(p, "w").write(s)
PY
pc_serve "$D"
. "$PECETE_SRC/tests/support/idv.sh"
. "$HERE/lib.sh"
idv_fixtures
onepage "$T/doc.pdf"
# Each user's requests from its own address (api.sh's curl).
XFF=10.99.0.1
curl() { command curl -H "X-Forwarded-For: $XFF" "$@"; }

echo "# making $NUSERS users ($NSIGN with certificates)..." >&2
as op
XFF=10.98.0.1
api_signup_user op.load@example.ro +40722000998
"$PECETE_BIN" user role --data "$D" --email op.load@example.ro --role operator >/dev/null
users=""
for i in $(seq 1 "$NUSERS"); do
	XFF="10.99.$((i / 250)).$((i % 250 + 1))"
	as "u$i"
	email="u$i.load@example.ro"
	api_signup_user "$email" "+4072$(printf '%07d' "$i")"
	secret=""
	last=0
	if [ "$i" -le "$NSIGN" ]; then
		api_issued op.load@example.ro || { echo "load: no certificate for $email"; exit 1; }
		sql "UPDATE credentials SET transactions_left = 100000 WHERE serial = '$SIGN'"
		secret=$SECRET
		last=$(( $(date +%s) / 30 + 1 ))	# api_issued used the next step
	fi
	cookie=$(awk '!/^# / && NF >= 7 { print $6 "=" $7 }' "$JAR" | paste -sd ';' | sed 's/;/; /g')
	users="$users${users:+,}{\"email\":\"$email\",\"password\":\"Verde-Munte-Ploaie-42\",\"cookie\":\"$cookie\",\"secret\":\"$secret\",\"lastStep\":$last}"
done
echo "{\"url\":\"$PC_URL\",\"pdf\":\"$T/doc.pdf\",\"users\":[$users]}" >"$T/users.json"

echo "# $NUSERS users, ${SECS} s, server threads $(awk -F' = ' '$1 == "threads" { print $2 }' "$D/pecete.conf" | head -1)"
cpu0=$(for p in $PC_PID $(pgrep -P "$PC_PID"); do awk '{ print $14 + $15 }' "/proc/$p/stat"; done | paste -sd+ | bc)
node "$HERE/load.mjs" "$T/users.json" "$SECS"
rc=$?
cpu1=$(for p in $PC_PID $(pgrep -P "$PC_PID"); do awk '{ print $14 + $15 }' "/proc/$p/stat"; done | paste -sd+ | bc)
echo "# server CPU (web + signer): $(echo "($cpu1 - $cpu0) / $(getconf CLK_TCK) / $SECS" | bc -l | xargs printf '%.2f') cores on average"
grep -o 'rate limit [a-z]*' "$D.serve.log" | sort | uniq -c | sed 's/^/# server log: /'
echo "# server peak RSS: $(awk '/VmHWM/ { print int($2 / 1024) }' "/proc/$PC_PID/status") MiB"
pc_stop
exit $rc
