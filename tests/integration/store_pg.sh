#!/usr/bin/env bash
# The store suites on both backends: SQLite, and PostgreSQL 15 on a
# throwaway server (scripts/pg-test-server.sh) that is always stopped.
# test_store (pool, transactions, certificates, CRLs, audit),
# test_store_row (the row mapper), test_store_tables (the account, shop,
# outbox and credential tables), test_store_race (counters and TOTP
# steps under parallel transactions, the signer's check included) and
# test_store_jobs (the job table's leases and the scheduler on two "nodes"),
# test_signer_record (the signer's group commit of signature records) and
# test_signer_recover (the signer giving back a dead node's batch).
# Exit 0 pass, 1 fail, 77 when PostgreSQL is not installed.
set -uo pipefail

src=${PECETE_SRC:?PECETE_SRC not set}
build=${PECETE_BUILD:?PECETE_BUILD not set}
suites="test_store test_store_row test_store_tables test_store_race test_store_jobs test_signer_record test_signer_recover"

for t in $suites; do
	if [ ! -x "$build/tests/$t" ]; then
		echo "store_pg: $build/tests/$t not built" >&2
		exit 1
	fi
done
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

failed=0
for t in $suites; do
	out="$dir/$t.out"
	PECETE_TEST_PG_URL="$url" "$build/tests/$t" >"$out" 2>&1
	rc=$?
	cat "$out"
	if [ $rc -ne 0 ]; then
		echo "store_pg: FAIL ($t exit $rc)"
		failed=1
		continue
	fi
	# Both suites must have run, and none may have been skipped.
	for b in sqlite postgresql; do
		if ! grep -q "^$t: backend=$b\$" "$out"; then
			echo "store_pg: FAIL ($t: backend $b did not run)"
			failed=1
		fi
	done
	if [ "$(grep -c '^\[  PASSED  \]' "$out")" -ne 2 ]; then
		echo "store_pg: FAIL ($t: expected two passing suites)"
		failed=1
	fi
done
if [ $failed -ne 0 ]; then
	exit 1
fi
echo "store_pg: PASS"
exit 0
