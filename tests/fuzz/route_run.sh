#!/usr/bin/env bash
# route_run.sh FUZZER [ARGS...]: run the route fuzzer (replay or libFuzzer)
# against a fresh development data dir on tmpfs, with the real signer.
# Needs PECETE_BIN (the pecete program).
set -euo pipefail
: "${PECETE_BIN:?PECETE_BIN is the pecete program}"
base=/dev/shm
[ -d "$base" ] && [ -w "$base" ] || base=${TMPDIR:-/tmp}
D=$(mktemp -d "$base/pecete-fuzz.XXXXXX")
trap 'rm -rf "$D"' EXIT
"$PECETE_BIN" init --data "$D/d" --dev >"$D/init.log" 2>&1 ||
	{ cat "$D/init.log" >&2; exit 1; }
export PC_FUZZ_DATA=$D/d PECETE_SIGNER_EXE=$PECETE_BIN
# The handlers log every refusal; keep the replay's output short.
"$@" 2>"$D/log" && rc=0 || rc=$?
grep -E 'ERROR: |runtime error|Sanitizer|^INFO: |^#|Done|stat::' "$D/log" | tail -n 40 >&2 || true
exit "$rc"
