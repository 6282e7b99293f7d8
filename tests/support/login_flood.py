#!/usr/bin/python3
"""login_flood.py ROLE URL EMAIL SECONDS VICTIM_EMAIL VICTIM_PASSWORD

ROLE flood: eight sign-in loops, each from its own loopback address
(127.0.0.11-18), guess passwords of EMAIL for SECONDS. ROLE other: another
client (127.0.0.2) reads the packages, signs out and signs in as VICTIM in
a loop for SECONDS. Each prints a JSON summary: the flood's answers by
status and code, or the other client's latencies (p50, p99, max) and
statuses. The caller runs the flood process under nice: the attacker's own
CPU is not the server's, and on a 2-core machine the harness would
otherwise take a core from the server and count it as the server's fault.
"""
import http.client
import json
import re
import sys
import threading
import time
import urllib.parse

role, url, email, seconds, victim, vpw = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4]), sys.argv[5], sys.argv[6]
u = urllib.parse.urlparse(url)
end = time.time() + seconds
lock = threading.Lock()
flood = {}
other = []


class Client:
    def __init__(self, src):
        self.src = src
        self.cookies = {}
        self.csrf = ""

    def req(self, method, path, body=None):
        c = http.client.HTTPConnection(u.hostname, u.port, timeout=30,
                                       source_address=(self.src, 0))
        h = {"Accept": "application/json"}
        if self.cookies:
            h["Cookie"] = "; ".join("%s=%s" % kv for kv in self.cookies.items())
        if method != "GET":
            h["X-CSRF-Token"] = self.csrf
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            h["Content-Type"] = "application/json"
        c.request(method, path, body=data, headers=h)
        r = c.getresponse()
        raw = r.read()
        for k, v in r.getheaders():
            if k.lower() == "set-cookie":
                name, val = v.split(";")[0].split("=", 1)
                if val:
                    self.cookies[name] = val
                else:
                    self.cookies.pop(name, None)
        c.close()
        try:
            j = json.loads(raw)
        except ValueError:
            j = {}
        if isinstance(j, dict) and isinstance(j.get("csrf"), str):
            self.csrf = j["csrf"]
        code = (j.get("error") or {}).get("code", "") if isinstance(j, dict) else ""
        return r.status, code

    def session(self):
        self.req("GET", "/api/v1/session")


def flooder(i):
    c = Client("127.0.0.%d" % i)
    c.session()
    n = 0
    while time.time() < end:
        st, code = c.req("POST", "/api/v1/session", {"email": email, "password": "Flood-Guess-%d-%d" % (i, n)})
        with lock:
            key = "%d %s" % (st, code)
            flood[key] = flood.get(key, 0) + 1
        n += 1


def victim_loop():
    c = Client("127.0.0.2")
    c.session()
    last_in = 0.0
    while time.time() < end:
        # Packages often; out and in every 3 s (sign-in is limited to 10 a
        # minute per address, for this client too).
        steps = ("get",)
        if time.time() - last_in >= 3:
            steps = ("get", "out", "in")
            last_in = time.time()
        time.sleep(0.05)
        for step in steps:
            t0 = time.time()
            if step == "get":
                st, code = c.req("GET", "/api/v1/shop/packages")
            elif step == "out":
                st, code = c.req("DELETE", "/api/v1/session")
            else:
                c.session()
                st, code = c.req("POST", "/api/v1/session", {"email": victim, "password": vpw})
            other.append(((time.time() - t0) * 1000, st, code, step))


if role == "flood":
    threads = [threading.Thread(target=flooder, args=(i,)) for i in range(11, 19)]
else:
    threads = [threading.Thread(target=victim_loop)]
for t in threads:
    t.start()
for t in threads:
    t.join()
ms = sorted(o[0] for o in other)


def pct(p):
    return round(ms[min(len(ms) - 1, int(len(ms) * p))]) if ms else -1


if role == "flood":
    print(json.dumps({
        "flood": flood, "flood_total": sum(flood.values()),
        "flood_500": sum(v for k, v in flood.items() if k.startswith("500")),
    }))
else:
    print(json.dumps({
        "other_n": len(other), "other_p50": pct(0.5), "other_p99": pct(0.99),
        "other_max": round(ms[-1]) if ms else -1,
        "other_status": sorted(set("%d %s %s" % (o[1], o[2], o[3]) for o in other)),
        "other_5xx": sum(1 for o in other if o[1] >= 500),
        "other_in_ms": [round(o[0]) for o in other if o[3] == "in"],
    }))
