#!/usr/bin/env bash
# run-all.sh BUILD_DIR SECONDS [TARGET...]: run libFuzzer targets (the
# fuzz preset, clang) for SECONDS each, starting from the committed corpus.
# New interesting inputs go to a scratch dir (merge them by hand with
# -merge=1 when they are worth keeping); a crash is saved as
# tests/fuzz/crashes/<target>-<hash> and fails the run: turn it into a
# regression case in corpus/<target>/ once fixed. Prints one line per
# target: runs, coverage, seconds.
set -uo pipefail
B=${1:?build dir}
S=${2:-60}
shift 2 || true
SRC=$(cd "$(dirname "$0")/../.." && pwd)
CR=$SRC/tests/fuzz/crashes
mkdir -p "$CR"
export PECETE_BIN=$B/pecete
targets=${*:-$(ls "$B"/tests/fuzz/ | sed -n 's/^fuzz_\([a-z_0-9]*\)$/\1/p')}
fail=0
for t in $targets; do
	bin=$B/tests/fuzz/fuzz_$t
	[ -x "$bin" ] || { echo "fuzz $t: no binary $bin"; fail=1; continue; }
	work=$(mktemp -d)
	cmd=("$bin" "$work" "$SRC/tests/fuzz/corpus/$t" -max_total_time="$S"
		-print_final_stats=1 -artifact_prefix="$CR/$t-" -rss_limit_mb=4096)
	[ "$t" = route ] && cmd=(bash "$SRC/tests/fuzz/route_run.sh" "${cmd[@]}")
	start=$(date +%s)
	"${cmd[@]}" >"$work.log" 2>&1
	rc=$?
	runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$work.log" | grep -o '[0-9]*$' | tail -1)
	cov=$(grep -o 'cov: [0-9]*' "$work.log" | tail -1)
	echo "fuzz $t: rc=$rc runs=${runs:-?} ${cov:-} $(( $(date +%s) - start )) s"
	[ "$rc" -eq 0 ] || { fail=1; tail -n 30 "$work.log"; }
	rm -rf "$work" "$work.log"
done
exit $fail
