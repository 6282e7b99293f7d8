#!/bin/bash
# cluster_pg.sh: two `pecete serve` nodes sharing one PostgreSQL database,
# one data dir (HSM token, key files, files dir) behind HAProxy
# (deploy/haproxy.cfg's settings on loopback), issue 18 item 1:
#  - both nodes ready; HAProxy spreads requests over both (each node's
#    /metrics counts requests it served); behind it (a trusted proxy) a
#    node logs the client's address from X-Forwarded-For;
#  - a user signs up, pairs an authenticator, buys, is identified and gets
#    a certificate through the proxy (sessions, CSRF, codes and uploads
#    work whichever node a request lands on);
#  - in the browser (cluster.mjs): sign-in and three PDFs dropped on /sign
#    over both nodes; node A killed; the code authorizes the batch on B,
#    SignedFiles.zip: each PDF valid, counted once; A started again;
#  - a batch of 100 PDFs is uploaded through the proxy (the files land on
#    both nodes); its signing is authorized on node A, which is killed
#    (SIGKILL, its signer with it) once a first file is kept. The user
#    goes on through the proxy (now node B only): the batch, recovered by
#    B's documents job once stale, is authorized again and done: 100
#    files, each valid (pdfsig), counted once (200 transactions);
#  - PostgreSQL stopped: B answers 503 (readyz and API) without dying;
#    started again: the same session works again;
#  - the audit chain written by both nodes verifies;
#  - two database roles: the web sides connect as pecete_web, which the
#    signers (the schema's owner) grant all but writing the SAD state:
#    TOTP steps, the credentials' transactions, the signature records.
. "$PECETE_SRC/tests/support/lib.sh"
. "$PECETE_SRC/tests/support/api.sh"
pc_need --faketime curl psql haproxy openssl oathtool python3 pdfsig qpdf unzip node npm /usr/bin/chromium
[ -x /usr/lib/postgresql/15/bin/initdb ] || { echo "SKIP: PostgreSQL 15 missing"; exit 77; }
E2E="$PECETE_SRC/tests/e2e"
if [ ! -d "$E2E/node_modules/playwright-core" ]; then
	npm ci --prefix "$E2E" --no-audit --no-fund --prefer-offline >/dev/null 2>&1 ||
		{ echo "FAIL - npm ci in tests/e2e"; exit 1; }
fi

T=$(pc_tmpdir)
D=$T/data
PGD=$T/pg
NODE_A="" NODE_B="" HAP=""
cluster_cleanup() {
	for p in $NODE_A $NODE_B $HAP; do
		kill -TERM "$p" 2>/dev/null
	done
	for p in $NODE_A $NODE_B $HAP; do
		wait "$p" 2>/dev/null
	done
	bash "$PECETE_SRC/scripts/pg-test-server.sh" stop "$PGD" >/dev/null 2>&1
	pc_cleanup
}
trap cluster_cleanup EXIT

PG_URL=$(bash "$PECETE_SRC/scripts/pg-test-server.sh" start "$PGD") || {
	echo "FAIL - PostgreSQL did not start"; exit 1; }
export PECETE_STORE_URL=$PG_URL
sql() {
	psql "$PG_URL" -Atq -c "$1"
}
outvar() {	# the outbox on PostgreSQL (api.sh's reads SQLite)
	sql "SELECT vars::json->>'$2' FROM outbox WHERE template = '$1' ORDER BY id DESC LIMIT 1"
}

PA=$(pc_free_port)
PB=$(pc_free_port)
while [ "$PB" = "$PA" ]; do PB=$(pc_free_port); done
HP=$(pc_free_port)
while [ "$HP" = "$PA" ] || [ "$HP" = "$PB" ]; do HP=$(pc_free_port); done
export PECETE_SERVER_PUBLIC_URL="http://127.0.0.1:$HP"
# HAProxy connects from 127.0.0.1: the nodes take the client's address
# from its X-Forwarded-For.
export PECETE_SERVER_TRUSTED_PROXIES=127.0.0.1
# This test is about the nodes, not the level: B-T keeps its 100-file batch
# short (B-LTA, the default, is counted in websign_api.sh and sign.mjs).
export PECETE_SERVER_SIGN_LEVEL=B-T
pc_init "$D" --dev
check "init wrote the database to PostgreSQL" [ "$(sql "SELECT count(*) FROM users")" = 0 ]
# Two database roles (docs/operations.md): the signers connect as the
# schema's owner (its URL in a file only they read) and grant the web
# sides' role, pecete_web, all but writing the SAD state.
sql "CREATE ROLE pecete_web LOGIN"
printf '%s\n' "$PG_URL" >"$D/signer-db.url"
chmod 600 "$D/signer-db.url"
WEB_URL=${PG_URL/user=pecete/user=pecete_web}
export PECETE_STORE_URL=$WEB_URL PECETE_STORE_SIGNER_URL_FILE=$D/signer-db.url PECETE_STORE_WEB_ROLE=pecete_web
web_sql() {	# web_sql SQL: as the web sides' role; prints psql's error too
	psql "$WEB_URL" -Atq -c "$1" 2>&1
}

# Both nodes on one clock file (libfaketime), so that a stale batch can be
# made so without waiting.
AHEAD=0
echo "+0s" >"$T/clock"
node() {	# node NAME PORT: start a node on the clock file; sets NODE_PID
	local url=${PC_URL:-}
	PC_PORT=$2 PC_LOG=$T/$1 pc_serve_ft "$D" "FAKETIME_TIMESTAMP_FILE=$T/clock" FAKETIME_NO_CACHE=1
	NODE_PID=$PC_PID
	PC_PID=""	# stopped by cluster_cleanup
	PC_URL=$url
}
node a "$PA"; NODE_A=$NODE_PID
node b "$PB"; NODE_B=$NODE_PID
ok "two nodes ready on one database"
check "the web sides connect as pecete_web, the signers as the owner" \
	[ "$(sql "SELECT count(DISTINCT usename) FROM pg_stat_activity WHERE datname = 'pecete' AND usename IN ('pecete', 'pecete_web')")" = 2 ]
check "pecete_web reads the credentials, cannot give itself transactions" \
	sh -c "[ \"\$(psql '$WEB_URL' -Atq -c 'SELECT count(*) FROM credentials')\" = 0 ] &&
	psql '$WEB_URL' -Atq -c 'UPDATE credentials SET transactions_left = 1000' 2>&1 | grep -q 'permission denied'"
check "... nor reset a TOTP step, forge or take back a signature record, or migrate" \
	sh -c "psql '$WEB_URL' -Atq -c 'UPDATE totp_secrets SET last_step = 0' 2>&1 | grep -q 'permission denied' &&
	psql '$WEB_URL' -Atq -c \"INSERT INTO signatures (credential, kind, hash, at) VALUES ('x', 'sign', 'h', 1)\" 2>&1 | grep -q 'permission denied' &&
	psql '$WEB_URL' -Atq -c 'DELETE FROM signatures' 2>&1 | grep -q 'permission denied' &&
	psql '$WEB_URL' -Atq -c 'DELETE FROM schema_migrations' 2>&1 | grep -q 'permission denied'"
check "... and writes the rest (a job's next run)" \
	[ "$(web_sql "UPDATE jobs SET next_run = next_run WHERE name = 'documents' RETURNING name")" = documents ]

# HAProxy: the settings of deploy/haproxy.cfg, on loopback, no TLS.
sed -e "s|@LISTEN@|127.0.0.1:$HP|" -e "s|@NODE_A@|127.0.0.1:$PA|" \
	-e "s|@NODE_B@|127.0.0.1:$PB|" \
	"$PECETE_SRC/tests/support/haproxy-test.cfg" >"$T/haproxy.cfg"
haproxy -c -q -f "$T/haproxy.cfg" || { echo "FAIL - haproxy -c"; exit 1; }
haproxy -db -f "$T/haproxy.cfg" >"$T/haproxy.log" 2>&1 &
HAP=$!
PC_URL="http://127.0.0.1:$HP"
for _ in $(seq 1 100); do
	curl -sf "$PC_URL/readyz" >/dev/null 2>&1 && break
	sleep 0.1
done
check "HAProxy answers for the nodes" curl -sf "$PC_URL/readyz"
# A client at 203.0.113.7 as a proxy in front of HAProxy would say: the
# node rate-limits that address, not the proxy's, and logs its network
# (the /24: an address is personal data).
for _ in 1 2; do curl -s -o /dev/null -H 'X-Forwarded-For: 203.0.113.7' "$PC_URL/healthz"; done
check "the client's address from X-Forwarded-For behind a trusted proxy, logged as its /24" \
	sh -c "grep -q 'GET /healthz 200 .* ip=203.0.113.0\"' '$T/a.log' '$T/b.log' &&
	! grep -q '203\.0\.113\.7' '$T/a.log' '$T/b.log'"

served() {	# served PORT: requests the node counted (its /metrics)
	curl -s "http://127.0.0.1:$1/metrics" |
		awk '/^pecete_http_requests_total/ { n += $NF } END { print n + 0 }'
}

# ---- a user through the proxy ---------------------------------------------------------------
. "$PECETE_SRC/tests/support/idv.sh"
idv_fixtures
as op
api_signup_user op.cl@example.ro +40722000901
"$PECETE_BIN" user role --data "$D" --email op.cl@example.ro --role operator >/dev/null
as ana
api_signup_user ana.cl@example.ro +40722000111 || fail "signed up"
api_issued op.cl@example.ro || fail "issued through the proxy"
check "a certificate issued through the proxy" [ -n "${SIGN:-}" ]
check "both nodes served the journey ($(served "$PA") and $(served "$PB") requests)" \
	[ "$(served "$PA")" -gt 10 -a "$(served "$PB")" -gt 10 ]
LAST_STEP=$(($(date +%s) / 30 + 1))	# the issuance's step
code_now() { pc_code "$SECRET"; }	# sets TOTP (no $(...))

# ---- a batch; the signing node killed --------------------------------------------------------
py 'import sys
c = "BT /F1 24 Tf 80 600 Td (Cluster) Tj ET"
objs = ["<< /Type /Catalog /Pages 2 0 R >>", "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /Font << /F1 << /Type /Font /Subtype /Type1 /BaseFont /Helvetica >> >> >> >>",
        "<< /Length %d >>\nstream\n%s\nendstream" % (len(c), c),
        "<< /Length 65536 >>\nstream\n%s\nendstream" % ("x" * 65536)]
body = "%PDF-1.7\n" + "".join("%d 0 obj\n%s\nendobj\n" % (i + 1, o) for i, o in enumerate(objs))
open(sys.argv[1], "w").write(body + "trailer\n<< /Root 1 0 R >>\n%%EOF\n")' "$T/one.raw"
qpdf "$T/one.raw" "$T/one.pdf" >/dev/null 2>&1

# ---- the browser: sign-in and a batch over both nodes, node A killed before the code ----------
for i in 1 2 3; do cp "$T/one.pdf" "$T/c$i.pdf"; done
LEFT0=$(sql "SELECT transactions_left FROM credentials WHERE serial = '$SIGN'")
PC_URL="$PC_URL" E2E_TMP="$T" E2E_CLOCK="$T/clock" E2E_LAST_STEP="$LAST_STEP" \
	E2E_EMAIL=ana.cl@example.ro E2E_PW=Verde-Munte-Ploaie-42 E2E_SECRET="$SECRET" \
	E2E_PORT_A="$PA" E2E_PORT_B="$PB" E2E_PID_A="$NODE_A" \
	timeout 300 node "$E2E/cluster.mjs" >"$T/browser.tap" 2>&1
BRC=$?
sed 's/^/  /' "$T/browser.tap"
check "the browser journey over both nodes, node A killed before the code (cluster.mjs)" [ "$BRC" = 0 ]
[ -f "$T/a_killed" ] && { wait "$NODE_A" 2>/dev/null; NODE_A=""; }
LAST_STEP=$(cat "$T/last_step" 2>/dev/null || echo "$LAST_STEP")
AHEAD=$(tr -dc '0-9' <"$T/clock")
mkdir -p "$T/zb" && unzip -q "$T/browser.zip" -d "$T/zb" 2>/dev/null
check "its SignedFiles.zip: 3 PDFs, each pdfsig 'Signature is Valid'; 6 transactions taken" \
	bash -c "[ \$(ls '$T/zb' | wc -l) = 3 ] && for f in '$T'/zb/*.pdf; do pdfsig \"\$f\" 2>&1 | grep -q 'Signature is Valid' || exit 1; done && [ \$(psql '$PG_URL' -Atq -c \"SELECT transactions_left FROM credentials WHERE serial = '$SIGN'\") = $((LEFT0 - 6)) ]"
# Node A back; HAProxy takes it again.
node a "$PA"; NODE_A=$NODE_PID
for _ in $(seq 1 50); do
	[ "$(served "$PA")" -gt 2 ] && break
	sleep 0.2
done
api POST /api/v1/sign/batches '{}'
expect 201 - "a batch"
B=$(jget id)
A0=$(served "$PA"); B0=$(served "$PB")
for i in $(seq 1 100); do
	CODE=$(curl -s -o "$T/body" -w '%{http_code}' -b "$JAR" -H "X-CSRF-Token: $CSRF" \
		-H 'Content-Type: application/octet-stream' --data-binary @"$T/one.pdf" \
		"$PC_URL/api/v1/sign/batches/$B/files?name=doc$i.pdf")
	[ "$CODE" = 201 ] || echo "# upload $i: $CODE $(cat "$T/body")"
done
BODY=$(cat "$T/body")
check "100 files ready, uploaded over both nodes ($(($(served "$PA") - A0)) and $(($(served "$PB") - B0)) requests)" \
	[ "$(jpath 'sum(f["state"] == "ready" for f in j["files"])')" = 100 -a $(($(served "$PA") - A0)) -ge 5 -a $(($(served "$PB") - B0)) -ge 5 ]
# 100 signatures at B-T take 200 transactions: a bigger package's worth.
sql "UPDATE credentials SET transactions_left = 600 WHERE serial = '$SIGN'"
LEFT1=$(sql "SELECT transactions_left FROM credentials WHERE serial = '$SIGN'")
# Authorized on node A directly (the proxy would pick either). The node
# prepares the 100 documents before the signer checks the code, which on
# a loaded machine took 36 s: a code of the next step stays in the
# window (one step either side) for 30 to 60 s.
code_now	# a fresh step current on the server's clock (LAST_STEP)...
LAST_STEP=$((LAST_STEP + 1))	# ...and the code of the one after it
TOTP=$(oathtool --totp -b -N "@$((LAST_STEP * 30))" "$SECRET")
AHEAD=$(tr -dc '0-9' <"$T/clock")
curl -s -o "$T/auth.body" -b "$JAR" -H "X-CSRF-Token: $CSRF" -H 'Content-Type: application/json' \
	-d "{\"code\":\"$TOTP\"}" "http://127.0.0.1:$PA/api/v1/sign/batches/$B/sign" &
CURL=$!
for _ in $(seq 1 900); do
	[ "$(sql "SELECT count(*) FROM sign_items WHERE batch_id = '$B' AND state = 'signed'")" -ge 1 ] && break
	# Refused (the answer came, an error): say so now, not after 900 polls.
	if ! kill -0 "$CURL" 2>/dev/null && grep -q '"error"' "$T/auth.body" 2>/dev/null; then
		echo "# the authorization was refused: $(cat "$T/auth.body")"
		break
	fi
	sleep 0.1
done
kill -KILL "$NODE_A"; wait "$NODE_A" 2>/dev/null; wait "$CURL" 2>/dev/null
NODE_A=""
echo "# node A killed with the batch $(sql "SELECT state FROM sign_batches WHERE id = '$B'"): $(sql "SELECT string_agg(state, ' ') FROM sign_items WHERE batch_id = '$B'")"
for _ in $(seq 1 50); do
	curl -sf "$PC_URL/readyz" >/dev/null && break
	sleep 0.1
done
api GET "/api/v1/sign/batches/$B"
expect 200 - "the user goes on through the proxy: the batch is there"
# Stale after WEB_STUCK_S (600 s): the clock of B moves on; its documents
# job (due now) recovers the batch.
AHEAD=$((AHEAD + 1200))
echo "+${AHEAD}s" >"$T/clock"
sql "UPDATE jobs SET next_run = 0 WHERE name = 'documents'"
for _ in $(seq 1 900); do
	[ "$(sql "SELECT state FROM sign_batches WHERE id = '$B'")" != signing ] && break
	sleep 0.1
done
STATE=$(sql "SELECT state FROM sign_batches WHERE id = '$B'")
NSIGNED=$(sql "SELECT count(*) FROM sign_items WHERE batch_id = '$B' AND state = 'signed'")
LEFT2=$(sql "SELECT transactions_left FROM credentials WHERE serial = '$SIGN'")
check "recovered on node B: signed once and counted once ($NSIGNED signed, $((LEFT1 - LEFT2)) counted, batch $STATE)" \
	[ $((LEFT1 - LEFT2)) = $((2 * NSIGNED)) -a "$STATE" != signing ]
# A session of the holder 1200 s on: sign in again through the proxy.
JAR=$T/jar.ana2; rm -f "$JAR"; CSRF=""; refresh_csrf
api POST /api/v1/session '{"email":"ana.cl@example.ro","password":"Verde-Munte-Ploaie-42"}'
code_now
api POST /api/v1/session/totp "{\"code\":\"$TOTP\"}"
expect 200 - "signed in again through the proxy (node B)"
refresh_csrf
if [ "$STATE" = open ]; then
	code_now
	api POST "/api/v1/sign/batches/$B/sign" "{\"code\":\"$TOTP\"}"
	expect 202 - "the interrupted batch authorized again on node B ($((100 - NSIGNED)) left)"
	for _ in $(seq 1 600); do
		api GET "/api/v1/sign/batches/$B"
		[ "$(jget state)" != signing ] && break
		sleep 0.1
	done
fi
check "the batch is done: 100 signed, counted once (200 transactions)" \
	[ "$(sql "SELECT state FROM sign_batches WHERE id = '$B'") $(sql "SELECT count(*) FROM sign_items WHERE batch_id = '$B' AND state = 'signed'") $(sql "SELECT $LEFT1 - transactions_left FROM credentials WHERE serial = '$SIGN'")" = "done 100 200" ]
curl -s -o "$T/b.zip" -b "$JAR" "$PC_URL/api/v1/sign/batches/$B/zip"
mkdir -p "$T/z" && unzip -q "$T/b.zip" -d "$T/z"
check "SignedFiles.zip: 100 files, each pdfsig 'Signature is Valid'" \
	bash -c "[ \$(ls '$T/z' | wc -l) = 100 ] && for f in '$T'/z/*.pdf; do pdfsig \"\$f\" 2>&1 | grep -q 'Signature is Valid' || exit 1; done"

# ---- the database goes away and comes back ----------------------------------------------------
bash "$PECETE_SRC/scripts/pg-test-server.sh" stop "$PGD" >/dev/null 2>&1
R=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PB/readyz")
check "PostgreSQL stopped: node B is not ready (503)" [ "$R" = 503 ]
CODE=$(curl -s -o "$T/body" -w '%{http_code}' -b "$JAR" "http://127.0.0.1:$PB/api/v1/account")
BODY=$(cat "$T/body")
check "... an API request fails cleanly: 503 unavailable, try again ($CODE $BODY)" [ "$CODE $(jget error.code)" = "503 unavailable" ]
check "... and the node lives" kill -0 "$NODE_B"
bash "$PECETE_SRC/scripts/pg-test-server.sh" start "$PGD" >/dev/null || fail "PostgreSQL restarted"
for _ in $(seq 1 150); do
	curl -sf "http://127.0.0.1:$PB/readyz" >/dev/null && break
	sleep 0.2
done
check "PostgreSQL back: node B ready again" curl -sf "http://127.0.0.1:$PB/readyz"
for _ in $(seq 1 100); do
	curl -sf "$PC_URL/readyz" >/dev/null && break
	sleep 0.2
done
api GET /api/v1/account
expect 200 - "... the same session works again through the proxy"
# Every pooled connection died with the server: requests at once take
# several of them, and each must be made again, not fail on its socket.
CODES=$(for _ in $(seq 1 12); do
	curl -s -o /dev/null -w '%{http_code}\n' -b "$JAR" \
	    "http://127.0.0.1:$PB/api/v1/account" &
done; wait)
check "... 12 requests at once on node B: all 200 ($(echo $CODES))" \
	[ "$(echo "$CODES" | sort -u | tr -d '\n')" = 200 ]
check "audit chain written by both nodes intact" \
	bash -c "'$PECETE_BIN' audit verify --data '$D' | grep -q 'audit chain OK'"
pc_done
