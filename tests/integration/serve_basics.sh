#!/usr/bin/env bash
# pecete serve: health, routing errors, body limits, request ids, security
# headers, and the signer process: killed, it is restarted and no request
# hangs meanwhile.
. "${PECETE_SRC:?}/tests/support/lib.sh"
T=$(pc_tmpdir)
pc_init "$T/d"
pc_prod_env "$T/d"
pc_serve "$T/d"

h=$(curl -s "$PC_URL/healthz")
check "healthz: alive" grep -q '"status":"alive"' <<<"$h"
h=$(curl -s "$PC_URL/readyz")
check "readyz: ready (database writable, signer answering, the HSM signing)" \
	grep -q '"status":"ready","database":"ok","signer":"ok","hsm":"ok"' <<<"$h"

code=$(curl -s -o "$T/nf" -w '%{http_code}' "$PC_URL/no/such/thing.txt")
check "unknown file is 404" [ "$code" = 404 ]
check "404 body is a JSON error" grep -q '"error":{"code":"not_found"' "$T/nf"
code=$(curl -s -o /dev/null -w '%{http_code}' -X DELETE "$PC_URL/tsa")
check "wrong method is 405" [ "$code" = 405 ]
code=$(curl -s -o /dev/null -w '%{http_code}' -X POST "$PC_URL/tsa" \
	-H 'Content-Type: text/plain' --data 'x')
check "wrong content type is 415" [ "$code" = 415 ]

head -c 200000 /dev/urandom >"$T/big"
code=$(curl -s -o "$T/413" -w '%{http_code}' -X POST "$PC_URL/tsa" \
	-H 'Content-Type: application/timestamp-query' --data-binary @"$T/big")
check "oversized body is 413" [ "$code" = 413 ]
check "413 says too_large" grep -q '"code":"too_large"' "$T/413"
# Chunked (no Content-Length): counted while streaming.
code=$(head -c 200000 /dev/urandom | curl -s -o /dev/null -w '%{http_code}' \
	-X POST "$PC_URL/tsa" -H 'Transfer-Encoding: chunked' \
	-H 'Content-Type: application/timestamp-query' --data-binary @-)
check "oversized chunked body is 413" [ "$code" = 413 ]

# Terminal controls from request paths never reach the log raw.
curl -s -o /dev/null "$PC_URL/x%1b%5b31mred%07"
check "no raw ESC or BEL in the log" bash -c "! grep -q \$'[\x1b\x07]' '$T/d.serve.log'"
check "... but escaped (JSON)" grep -q 'x\\u001b\[31mred\\u0007' "$T/d.serve.log"
# A path that is not UTF-8: the line stays valid JSON (U+FFFD).
curl -s -o /dev/null "$PC_URL/y%ff%c3%28z"
check "... the non-UTF-8 path as U+FFFD" grep -q 'y\\ufffd\\ufffd(z' "$T/d.serve.log"

# Request smuggling: two different Content-Length headers, or a length
# and chunked framing, are refused with 400 before any handler.
raw() {
	/usr/bin/python3 - "$PC_URL" "$1" <<'PY'
import socket, sys, urllib.parse
u = urllib.parse.urlparse(sys.argv[1])
s = socket.create_connection((u.hostname, u.port), timeout=10)
s.sendall(sys.argv[2].encode().replace(b"\\r\\n", b"\r\n"))
print(s.recv(200).split(b"\r\n")[0].decode())
PY
}
st=$(raw 'POST /tsa HTTP/1.1\r\nHost: x\r\nContent-Type: application/timestamp-query\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nabcdef')
check "two different Content-Length: 400 ($st)" grep -q ' 400 ' <<<"$st"
st=$(raw 'POST /tsa HTTP/1.1\r\nHost: x\r\nContent-Type: application/timestamp-query\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nabcde\r\n0\r\n\r\n')
check "Content-Length with chunked: 400 ($st)" grep -q ' 400 ' <<<"$st"

hdr=$(curl -s -D - -o /dev/null "$PC_URL/pki/root.crt")
check "request id header" grep -qi '^X-Request-Id: [0-9a-f]\{16\}' <<<"$hdr"
check "nosniff header" grep -qi '^X-Content-Type-Options: nosniff' <<<"$hdr"
check "CSP header" grep -qi "^Content-Security-Policy: default-src 'none'" <<<"$hdr"
rid=$(grep -i '^X-Request-Id:' <<<"$hdr" | tr -d '\r' | awk '{print $2}')
check "request id in the log" grep -q "req=$rid GET /pki/root.crt 200" "$T/d.serve.log"

# The signer: only the server's own child.
spid=$(pgrep -P "$PC_PID" -f 'signer-run' | head -1)
check "signer process runs" [ -n "$spid" ]
echo hello >"$T/f"
openssl ts -query -data "$T/f" -sha256 -cert -out "$T/q" 2>/dev/null
kill -KILL "$spid"
# Requests right after the kill: answered at once (503 with Retry-After
# while it restarts, or 200 once back), never waiting for a time-out.
slow=0
for i in 1 2 3 4 5; do
	start=$(date +%s%N)
	code=$(curl -s -m 15 -D "$T/h503" -o /dev/null -w '%{http_code}' -X POST "$PC_URL/tsa" \
		-H 'Content-Type: application/timestamp-query' --data-binary @"$T/q")
	ms=$(( ($(date +%s%N) - start) / 1000000 ))
	[ "$ms" -gt 1000 ] && slow=$((slow + 1))
	case "$code" in
	200) ;;
	503) grep -qi '^Retry-After: [0-9]' "$T/h503" || fail "503 without Retry-After" ;;
	*) fail "request $i during signer restart answered $code" ;;
	esac
done
check "no request waited while the signer was down ($slow over 1 s)" [ "$slow" -eq 0 ]
for i in $(seq 1 100); do
	h=$(curl -s "$PC_URL/readyz")
	grep -q '"signer":"ok"' <<<"$h" && grep -q '"signer_restarts":[1-9]' <<<"$h" && break
	sleep 0.1
done
check "readyz reports the restart" grep -q '"signer_restarts":[1-9]' <<<"$h"
nspid=$(pgrep -P "$PC_PID" -f 'signer-run' | head -1)
check "a new signer runs" [ -n "$nspid" ] && [ "$nspid" != "$spid" ]
code=$(curl -s -m 15 -o "$T/r" -w '%{http_code}' -X POST "$PC_URL/tsa" \
	-H 'Content-Type: application/timestamp-query' --data-binary @"$T/q")
check "TSA works after restart" [ "$code" = 200 ]
check "died and restarted are logged" grep -q 'signer: died (signal 9); restarting' "$T/d.serve.log"

# No secret in the logs: the PIN never appears.
pin=$(cat "$T/d/hsm.pin")
check "PIN not in logs" bash -c "! grep -q '$pin' '$T/d.serve.log' '$T/d.init.log'"

# A hung signer (stopped, not dead): calls time out with 503 and the
# signer is killed and replaced.
pc_stop
PECETE_SIGNER_TIMEOUT_MS=1500 pc_serve "$T/d"
spid=$(pgrep -P "$PC_PID" -f 'signer-run' | head -1)
kill -STOP "$spid"
start=$(date +%s%N)
code=$(curl -s -m 20 -o "$T/hung" -w '%{http_code}' -X POST "$PC_URL/tsa" \
	-H 'Content-Type: application/timestamp-query' --data-binary @"$T/q")
ms=$(( ($(date +%s%N) - start) / 1000000 ))
# RFC 3161: the TSA answers a TimeStampResp that is not granted.
check "hung signer: TSA answers (got $code)" [ "$code" = 200 ]
check "hung signer: answered within 5 s (${ms} ms)" [ "$ms" -lt 5000 ]
openssl ts -reply -in "$T/hung" -text >"$T/hung.txt" 2>&1
check "hung signer: time-stamp not granted" grep -q 'Status: Rejected\|Status: rejection\|systemFailure\|Status: Waiting' "$T/hung.txt"
check "hung signer: no token" bash -c "! grep -q 'Status: Granted' '$T/hung.txt'"
for i in $(seq 1 100); do
	code=$(curl -s -m 5 -o /dev/null -w '%{http_code}' -X POST "$PC_URL/tsa" \
		-H 'Content-Type: application/timestamp-query' --data-binary @"$T/q")
	[ "$code" = 200 ] && break
	sleep 0.1
done
check "hung signer replaced, TSA works again" [ "$code" = 200 ]

# The HSM's token gone from under the signer (its object files moved
# away): the signer still answers, the HSM no longer signs; readyz says
# so (503) and /metrics too. SoftHSM does not take a token back once it
# lost it: with the files in place again the node stays not ready until
# the signer is restarted (here killed: its supervisor starts a new one).
mv "$T/d/hsm/tokens" "$T/d/hsm/tokens.away"
code=$(curl -s -o "$T/rz" -w '%{http_code}' "$PC_URL/readyz")
check "the token gone: readyz 503, signer ok, hsm failing" \
	sh -c "[ $code = 503 ] && grep -q '\"signer\":\"ok\",\"hsm\":\"failing\"' '$T/rz'"
check "... /metrics: pecete_hsm_up 0" \
	sh -c "curl -s '$PC_URL/metrics' | grep -qx 'pecete_hsm_up 0'"
check "... and counts the HSM's failures (pecete_hsm_errors_total of sign_service)" \
	sh -c "curl -s '$PC_URL/metrics' | grep -qE '^pecete_hsm_errors_total\\{type=\"sign_service\"\\} [1-9]'"
mv "$T/d/hsm/tokens.away" "$T/d/hsm/tokens"
kill -KILL "$(pgrep -P "$PC_PID" -f 'signer-run' | head -1)"
for _ in $(seq 1 100); do
	code=$(curl -s -o "$T/rz" -w '%{http_code}' "$PC_URL/readyz")
	[ "$code" = 200 ] && break
	sleep 0.1
done
check "... a new signer: ready again, the HSM signing" \
	sh -c "[ $code = 200 ] && grep -q '\"hsm\":\"ok\"' '$T/rz'"
check "... /metrics: pecete_hsm_up 1" \
	sh -c "curl -s '$PC_URL/metrics' | grep -qx 'pecete_hsm_up 1'"
pc_stop
# Security events in the sealed audit log (ETSI TS 119 431-1 OVR-6.4.5):
# each start and stop of the service, each signer process's start (the
# restarts above among them), the HSM signing again after it failed.
ev() { sqlite3 -cmd ".timeout 10000" "$T/d/pecete.db" "SELECT count(*) FROM audit_log WHERE event = '$1'"; }
check "the audit: service.start and service.stop for each run, a signer.start for each signer process" \
	sh -c "[ $(ev service.start) -ge 2 ] && [ $(ev service.stop) -ge 2 ] && [ $(ev signer.start) -ge 4 ]"
check "... hsm.recovered with how long it failed" \
	[ -n "$(sqlite3 -cmd ".timeout 10000" "$T/d/pecete.db" "SELECT detail FROM audit_log WHERE event = 'hsm.recovered' AND actor = 'system' AND detail LIKE 'failing_s=%'")" ]
check "... and the chain with its seals verifies" \
	sh -c "'$PECETE_BIN' audit verify --data '$T/d' | grep -q '^seals OK'"
# Every line of the log is one JSON object with time, level and message;
# the request lines carry their id.
check "the log is JSON lines (time, proc, pid, level, msg)" /usr/bin/python3 -c '
import json, sys
n = 0
for line in open(sys.argv[1], encoding="utf-8"):
    o = json.loads(line)
    assert {"time", "proc", "pid", "level", "msg"} <= set(o), line
    assert o["level"] in ("debug", "info", "warn", "error", "fatal"), line
    n += 1
assert n > 10
' "$T/d.serve.log"
check "database is private" [ "$(stat -c %a "$T/d/pecete.db")" = 600 ]
pc_done
