#!/usr/bin/env bash
# Run every benchmark of bench/ against a release build dir.
set -u
build=${1:?usage: bench/run-all.sh BUILD_DIR}
here=$(cd "$(dirname "$0")" && pwd)
for b in "$build"/bench/bench_*; do
	[ -x "$b" ] || continue
	echo "== $(basename "$b")"
	"$b"
done
for s in "$here"/*.sh; do
	case "$(basename "$s")" in run-all.sh | lib.sh) continue ;; esac
	echo "== $(basename "$s")"
	PECETE_BIN="$build/pecete" bash "$s"
done
