#!/usr/bin/python3
"""fuzz_seeds.py: seeds of the route fuzzer (tests/fuzz/fuzz_route.c) for
every row of the routes table.

usage: fuzz_seeds.py ROUTES.json CORPUS_DIR          write the seeds
       fuzz_seeds.py --check ROUTES.json CORPUS_DIR  every row has seeds

Per row: a plausible request with the session its auth level needs, a
malformed body, members of the wrong type, no session, and malformed path
parameters. Files are named route-<n>-<variant>; fuzzing adds others.
"""
import hashlib
import json
import os
import re
import sys

SAMPLES = {
    "email": "fuzz@example.ro", "password": "Verde-Munte-Ploaie-42",
    "current_password": "Verde-Munte-Ploaie-42",
    "password_confirm": "Verde-Munte-Ploaie-42", "code": "123456",
    "phone": "+40712345678", "lang": "ro", "mode": "date",
    "date": "2026-12-30", "kind": "gdpr_notice", "version": "2025-01",
    "package": "pecete1", "promo": "PROMO10", "type": "person",
    "cui": "RO18547290", "postal_code": "400001",
    "numSignatures": 1, "credentialID": "791a4d5a9f4aee98",
    "SAD": "cd" * 32, "signAlgo": "1.2.840.113549.1.1.11",
    "hashAlgorithmOID": "2.16.840.1.101.3.4.2.1",
    "hashAlgo": "2.16.840.1.101.3.4.2.1", "OTP": "123456", "id": "OTP",
    "value": "123456", "token": "ab" * 32, "certificates": "chain",
}


def sample(fields, wrong=False):
    out = {}
    for name, f in fields.items():
        if wrong:
            out[name] = 12345 if f["type"] != "integer" else "x"
        elif f["type"] == "string":
            out[name] = SAMPLES.get(name, "Ana")
        elif f["type"] == "boolean":
            out[name] = True
        elif f["type"] == "integer":
            out[name] = SAMPLES.get(name, 1)
        elif f["type"] == "object":
            out[name] = sample(f.get("fields", {}))
        elif f["type"] == "array":
            items = f.get("items")
            out[name] = [sample(items)] if isinstance(items, dict) else \
                [SAMPLES.get(name, "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=")]
    return out


def path_of(pattern, bad=False):
    def param(m):
        name = m.group(1)
        if bad:
            return "%ff%00x" if name != "file" else "..%2f..%2fetc"
        return {"token": "ab" * 32, "id": "@ORDER@", "file": "root.crt",
                "n": "0"}.get(name, "x")
    p = re.sub(r":([a-z_]+)", param, pattern)
    if p.endswith("/*"):
        p = p[:-1] + ("%2e%2e/x" if bad else "index.html")
    return p


def headers(r, session=True):
    h = []
    auth = r["auth"]
    if session and auth in ("user", "operator", "signed_in"):
        h += ["Cookie: pc_session=@TOKEN@", "X-CSRF-Token: @CSRF@"]
    elif session and auth == "partial":
        h += ["Cookie: pc_session=@PTOKEN@", "X-CSRF-Token: @PCSRF@"]
    elif auth == "any":
        h += ["Cookie: pc_csrf=@CSRF@", "X-CSRF-Token: @CSRF@"]
    elif session and auth == "bearer":
        h += ["Authorization: Bearer @BEARER@"]
    if r["body"] == "json":
        h.append("Content-Type: application/json")
    elif r.get("ctype"):
        h.append("Content-Type: " + r["ctype"])
    return h


def request(method, path, hdrs, body=b""):
    head = "%s %s\n%s\n\n" % (method, path, "\n".join(hdrs))
    return head.replace("\n\n\n", "\n\n").encode() + body


def seeds(r):
    m, pat = r["method"], r["pattern"]
    out = {}
    if r["body"] == "json":
        good = json.dumps(sample(r.get("schema") or {})).encode()
        out["ok"] = request(m, path_of(pat), headers(r), good)
        out["badjson"] = request(m, path_of(pat), headers(r), b'{"a":')
        out["types"] = request(m, path_of(pat), headers(r),
                               json.dumps(sample(r.get("schema") or {}, True)).encode())
        out["nosession"] = request(m, path_of(pat), headers(r, False), good)
    elif r["body"] in ("raw", "form"):
        body = b"card=4111111111111111&code=123456" if r["body"] == "form" \
            else b"0\x82\x01\x00garbage"
        out["ok"] = request(m, path_of(pat), headers(r), body)
        out["empty"] = request(m, path_of(pat), headers(r), b"")
    else:
        out["ok"] = request(m, path_of(pat), headers(r))
        out["nosession"] = request(m, path_of(pat), headers(r, False))
    if ":" in pat or pat.endswith("*"):
        out["badparam"] = request(m, path_of(pat, True), headers(r))
    return out


def key(r):
    return hashlib.sha1(("%s %s" % (r["method"], r["pattern"])).encode()).hexdigest()[:10]


def main():
    check = sys.argv[1] == "--check"
    routes = json.load(open(sys.argv[2 if check else 1]))
    corpus = sys.argv[3 if check else 2]
    if check:
        missing = []
        have = {}
        for f in os.listdir(corpus):
            first = open(os.path.join(corpus, f), "rb").readline().decode(
                "latin-1").strip()
            have.setdefault(first.split("?")[0], True)
        for r in routes:
            want = "%s %s" % (r["method"], path_of(r["pattern"]))
            if want not in have:
                missing.append(want)
        for m in missing:
            print("no seed for", m)
        print("# %d routes, %d without seeds" % (len(routes), len(missing)))
        return 1 if missing else 0
    os.makedirs(corpus, exist_ok=True)
    for r in routes:
        for variant, data in seeds(r).items():
            with open(os.path.join(corpus, "route-%s-%s" % (key(r), variant)), "wb") as f:
                f.write(data)
    # The request that crashed the server from outside, in its three forms.
    for m in ("GET", "HEAD", "POST"):
        with open(os.path.join(corpus, "sandbox-pay-x-" + m.lower()), "wb") as f:
            f.write(request(m, "/sandbox/pay/x", ["Content-Type: application/x-www-form-urlencoded"],
                            b"card=4111111111111111" if m == "POST" else b""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
