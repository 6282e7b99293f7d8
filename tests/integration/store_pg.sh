#!/usr/bin/env bash
# The store suite on both backends: SQLite, and PostgreSQL 15 on a
# throwaway server (scripts/pg-test-server.sh) that is always stopped.
# Exit 0 pass, 1 fail, 77 when PostgreSQL is not installed.
set -uo pipefail

src=${PECETE_SRC:?PECETE_SRC not set}
build=${PECETE_BUILD:?PECETE_BUILD not set}
bin="$build/tests/test_store"

if [ ! -x "$bin" ]; then
	echo "store_pg: $bin not built" >&2
	exit 1
fi
if [ ! -x /usr/lib/postgresql/15/bin/initdb ]; then
	echo "store_pg: PostgreSQL 15 is not installed (scripts/deps.sh)" >&2
	exit 77
fi

dir=$(mktemp -d /tmp/pecete-pg.XXXXXX) || exit 1
chmod 755 "$dir"
# shellcheck disable=SC2317  # called from the traps
cleanup() {
	bash "$src/scripts/pg-test-server.sh" stop "$dir" || true
	rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

url=$(bash "$src/scripts/pg-test-server.sh" start "$dir") || {
	echo "store_pg: cannot start PostgreSQL" >&2
	exit 1
}
echo "store_pg: server at $url"

out="$dir/test_store.out"
PECETE_TEST_PG_URL="$url" "$bin" >"$out" 2>&1
rc=$?
cat "$out"
if [ $rc -ne 0 ]; then
	echo "store_pg: FAIL (test_store exit $rc)"
	exit 1
fi
# Both suites must have run, and none may have been skipped.
for b in sqlite postgresql; do
	if ! grep -q "^test_store: backend=$b\$" "$out"; then
		echo "store_pg: FAIL (backend $b did not run)"
		exit 1
	fi
done
if [ "$(grep -c '^\[  PASSED  \]' "$out")" -ne 2 ]; then
	echo "store_pg: FAIL (expected two passing suites)"
	exit 1
fi
echo "store_pg: PASS"
exit 0
