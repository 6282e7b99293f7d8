#!/usr/bin/env bash
# /metrics: Prometheus text format judged by a parser written here from
# the format's rules (Debian 12 has no promtool): every sample of a
# declared family, one TYPE per family, no series twice, histograms
# cumulative with +Inf equal to _count; requests counted by route and
# status exactly; the signer, the database and the jobs reported; served
# to this host directly or with the token, never through a proxy header.
. "${PECETE_SRC:?}/tests/support/lib.sh"
T=$(pc_tmpdir)
pc_init "$T/d"
pc_prod_env "$T/d"
tok=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')
(umask 077 && echo "$tok" > "$T/metrics.token")
export PECETE_SERVER_METRICS_TOKEN_FILE="$T/metrics.token"
pc_serve "$T/d"

for _ in 1 2 3; do curl -s -o /dev/null "$PC_URL/healthz"; done
curl -s -o /dev/null "$PC_URL/readyz"
curl -s -o /dev/null "$PC_URL/no/such/page.txt"
curl -s -o /dev/null -X DELETE "$PC_URL/tsa"

cat > "$T/promparse.py" <<'PY'
# A Prometheus text format (0.0.4) reader: exits 1 with the first fault.
import re, sys
NAME = r'[a-zA-Z_:][a-zA-Z0-9_:]*'
LABEL = r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\[\\"n])*)"'
SAMPLE = re.compile(r'^(' + NAME + r')(\{(.*)\})? ([^ ]+)( -?[0-9]+)?$')
types, helps, seen, series = {}, set(), set(), {}
def fault(n, why):
    print('line %d: %s' % (n, why)); sys.exit(1)
def family(name):
    for suf in ('_bucket', '_sum', '_count'):
        if name.endswith(suf) and types.get(name[:-len(suf)]) in ('histogram', 'summary'):
            return name[:-len(suf)]
    return name
text = open(sys.argv[1], encoding='utf-8').read()
if not text.endswith('\n'):
    fault(0, 'no final newline')
for n, line in enumerate(text.split('\n')[:-1], 1):
    if line.startswith('#'):
        m = re.match(r'^# (HELP|TYPE) (' + NAME + r') (.*)$', line)
        if not m:
            continue  # a plain comment
        kind, name, rest = m.groups()
        if kind == 'TYPE':
            if rest not in ('counter', 'gauge', 'histogram', 'summary', 'untyped'):
                fault(n, 'bad type ' + rest)
            if name in types:
                fault(n, 'second TYPE for ' + name)
            if name in seen:
                fault(n, 'TYPE after samples of ' + name)
            types[name] = rest
        else:
            if name in helps:
                fault(n, 'second HELP for ' + name)
            helps.add(name)
        continue
    if not line.strip():
        fault(n, 'empty line')
    m = SAMPLE.match(line)
    if not m:
        fault(n, 'not a sample: ' + line)
    name, _, labels, value = m.group(1), m.group(2), m.group(3), m.group(4)
    fam = family(name)
    if fam not in types:
        fault(n, 'sample of an undeclared family ' + name)
    seen.add(fam)
    lab = {}
    if labels:
        pos = 0
        for lm in re.finditer(LABEL + r'(,|$)', labels):
            if lm.start() != pos:
                fault(n, 'bad labels ' + labels)
            if lm.group(1) in lab:
                fault(n, 'label twice ' + lm.group(1))
            lab[lm.group(1)] = lm.group(2)
            pos = lm.end()
        if pos != len(labels):
            fault(n, 'bad labels ' + labels)
    try:
        v = float(value)
    except ValueError:
        fault(n, 'bad value ' + value)
    key = (name, tuple(sorted(lab.items())))
    if key in series:
        fault(n, 'series twice: ' + line)
    series[key] = v
    if types[fam] == 'counter' and v < 0:
        fault(n, 'negative counter')
# Histograms: cumulative buckets, +Inf == _count.
for (name, lab), v in series.items():
    if name.endswith('_count') and types.get(name[:-6]) == 'histogram':
        base = name[:-6]
        other = [x for x in lab]
        buckets = sorted(((float(dict(l)['le']), bv) for (nm, l), bv in series.items()
                          if nm == base + '_bucket' and [x for x in l if x[0] != 'le'] == other),
                         key=lambda x: x[0])
        if not buckets or buckets[-1][0] != float('inf'):
            fault(0, 'no +Inf bucket for %s %s' % (base, lab))
        if any(b[1] < a[1] for a, b in zip(buckets, buckets[1:])):
            fault(0, 'buckets not cumulative for %s %s' % (base, lab))
        if buckets[-1][1] != v:
            fault(0, '+Inf bucket %s != count %s for %s' % (buckets[-1][1], v, lab))
for (name, lab), v in sorted(series.items()):
    print('%s%s %s' % (name, '{' + ','.join('%s="%s"' % x for x in lab) + '}' if lab else '', repr(v)))
PY

code=$(curl -s -D "$T/h1" -o "$T/m1" -w '%{http_code}' "$PC_URL/metrics")
check "/metrics from this host: 200" [ "$code" = 200 ]
check "text format 0.0.4" grep -qi '^content-type: text/plain; version=0.0.4' "$T/h1"
check "the first scrape parses (types, labels, no series twice, histograms)" \
	bash -c "/usr/bin/python3 '$T/promparse.py' '$T/m1' > '$T/p1'"
val() { grep -F "$1 " "$2" | head -1 | awk '{print $NF}'; }
check "GET /healthz counted 3 times with 200" \
	[ "$(val 'pecete_http_requests_total{code="200",route="GET /healthz"}' "$T/p1")" = 3.0 ]
check "its histogram: count 3" \
	[ "$(val 'pecete_http_request_duration_seconds_count{route="GET /healthz"}' "$T/p1")" = 3.0 ]
check "a 404 under the static route" \
	[ "$(val 'pecete_http_requests_total{code="404",route="GET /*"}' "$T/p1")" = 1.0 ]
check "a 405 counted where no route took it" \
	[ "$(val 'pecete_http_requests_total{code="405",route="unmatched"}' "$T/p1")" = 1.0 ]
check "the scrape itself is not in its own answer" \
	bash -c "! grep -q 'route=\"GET /metrics\"' '$T/p1'"
check "signer up, its pings counted" bash -c \
	"grep -qx 'pecete_signer_up 1.0' '$T/p1' && grep -q '^pecete_signer_calls_total{type=\"ping\"} [1-9]' '$T/p1'"
check "database up, its gauges: outbox, jobs" bash -c \
	"grep -qx 'pecete_db_up 1.0' '$T/p1' && grep -q '^pecete_outbox_queued ' '$T/p1' && grep -q '^pecete_job_runs_total{job=\"crl\"}' '$T/p1'"
check "uptime" grep -q '^pecete_uptime_seconds ' "$T/p1"

# A signature between the scrapes: a time-stamp, signed in the signer with
# the TSA key (a service signature).
echo metrics >"$T/ts.in"
openssl ts -query -data "$T/ts.in" -sha256 -cert -out "$T/ts.q" 2>/dev/null
code=$(curl -s -o "$T/ts.r" -w '%{http_code}' -X POST "$PC_URL/tsa" \
	-H 'Content-Type: application/timestamp-query' --data-binary @"$T/ts.q")
check "a time-stamp granted ($code)" bash -c "[ $code = 200 ] && openssl ts -reply -in '$T/ts.r' -text 2>/dev/null | grep -q 'Status: Granted'"
S1=$(val 'pecete_signer_calls_total{type="sign_service"}' "$T/p1")

curl -s -o "$T/m2" "$PC_URL/metrics"
/usr/bin/python3 "$T/promparse.py" "$T/m2" > "$T/p2" || fail "second scrape parses"
check "the second scrape counts the first" \
	[ "$(val 'pecete_http_requests_total{code="200",route="GET /metrics"}' "$T/p2")" = 1.0 ]
# Each scrape also has the HSM sign once (pecete_hsm_up), counted in it.
check "... and the signature: signer calls of type sign_service two more, the time-stamp and the scrape's HSM check (${S1:-none} before)" \
	/usr/bin/python3 -c "import sys; a = float(sys.argv[1] or 0); b = float(sys.argv[2]); assert b == a + 2, (a, b)" \
	"${S1:-}" "$(val 'pecete_signer_calls_total{type="sign_service"}' "$T/p2")"
check "... and its time in the signer counted" \
	grep -q '^pecete_signer_seconds_total{type="sign_service"} ' "$T/p2"

code=$(curl -s -o "$T/f" -w '%{http_code}' -H 'X-Forwarded-For: 203.0.113.9' "$PC_URL/metrics")
check "through a proxy (X-Forwarded-For) without the token: 403" [ "$code" = 403 ]
check "... saying how to get them" grep -q 'metrics_token_file' "$T/f"
code=$(curl -s -o /dev/null -w '%{http_code}' -H 'Forwarded: for=203.0.113.9' \
	-H 'Authorization: Bearer wrong-token-of-enough-length' "$PC_URL/metrics")
check "a wrong token: 403" [ "$code" = 403 ]
code=$(curl -s -o "$T/m3" -w '%{http_code}' -H 'X-Forwarded-For: 203.0.113.9' \
	-H "Authorization: Bearer $tok" "$PC_URL/metrics")
check "with the token through a proxy: 200" [ "$code" = 200 ]
check "... the same format" bash -c "/usr/bin/python3 '$T/promparse.py' '$T/m3' >/dev/null"
check "no token in the log" bash -c "! grep -qF '$tok' '$T/d.serve.log'"
pc_done
