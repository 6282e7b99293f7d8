#!/usr/bin/env bash
# api_contract.sh: the routes table and the error registry of the program
# against docs/api.yaml (each row's auth and body schema, every operation
# a row, the ErrorCode enum) and against the UI's strings (every code has
# err.<code> in ro and en): tools/api_contract.py. Then the checker is
# shown to fail on a doc that disagrees (test of the test).
. "${PECETE_SRC:?}/tests/support/lib.sh"
T=$(pc_tmpdir)
S=$PECETE_SRC
"$PECETE_BIN" api routes >"$T/routes.json" || { fail "pecete api routes"; pc_done; }
"$PECETE_BIN" api errors >"$T/errors.json" || { fail "pecete api errors"; pc_done; }
run() { /usr/bin/python3 "$S/tools/api_contract.py" "$T/routes.json" "$T/errors.json" "$1" \
	"$S/web/i18n/ro.json" "$S/web/i18n/en.json" >"$T/out" 2>&1; }
if run "$S/docs/api.yaml"; then
	ok "docs/api.yaml and the UI strings agree with the table and the registry ($(tail -1 "$T/out"))"
else
	cat "$T/out"
	fail "docs/api.yaml or the UI strings disagree (lines above)"
fi

# The route fuzzer has seeds for every row (tools/fuzz_seeds.py writes them).
/usr/bin/python3 "$S/tools/fuzz_seeds.py" --check "$T/routes.json" "$S/tests/fuzz/corpus/route" >"$T/seeds" 2>&1
check "every route has fuzz seeds ($(tail -1 "$T/seeds"))" grep -q ', 0 without seeds' "$T/seeds"

# Test of the test: a doc that says "any" where the row says "user", a
# member the table does not take, a code the registry lacks.
sed '0,/x-pecete-auth: user/s//x-pecete-auth: any/' "$S/docs/api.yaml" >"$T/a.yaml"
run "$T/a.yaml"; check "a wrong auth level in api.yaml is caught" grep -q "x-pecete-auth is 'any', the row says 'user'" "$T/out"
sed 's/^                email: { type: string }$/&\n                extra: { type: string }/' "$S/docs/api.yaml" >"$T/b.yaml"
run "$T/b.yaml"; check "a member the table does not take is caught" grep -q "members differ" "$T/out"
sed 's/^        - totp_invalid$/&\n        - no_such_code/' "$S/docs/api.yaml" >"$T/c.yaml"
run "$T/c.yaml"; check "an unknown error code is caught" grep -q "unknown \['no_such_code'\]" "$T/out"
pc_done
