#!/usr/bin/python3
"""csc-mint.py: the SADs of one measurement of bench/csc-signhash.sh.

usage: csc-mint.py BASE_URL ACCOUNTS ROUNDS HASHES CLOCK OUT

ACCOUNTS: lines "email<TAB>password<TAB>TOTP secret<TAB>credential<TAB>
X-Forwarded-For<TAB>signAlgo". Each round moves the server's clock (the
libfaketime file CLOCK, "+Ns") 30 s on, so every account has a TOTP step
never used; then each account authorizes HASHES random SHA-256 digests
with its code (credentials/authorize, explicit) and the signHash request
that spends that SAD is written to OUT as "X-Forwarded-For<TAB>token<TAB>
JSON" for bench_csc-load. A SAD lives 300 s of the server's clock, so at
most 9 rounds are minted before a measurement. The clock's offset is kept
in CLOCK (read at start).
"""

import base64
import hashlib
import hmac
import http.client
import json
import os
import struct
import sys
import time
import urllib.parse


def totp(secret, step):
    key = base64.b32decode(secret.upper() + "=" * (-len(secret) % 8))
    mac = hmac.new(key, struct.pack(">Q", step), hashlib.sha1).digest()
    off = mac[-1] & 0x0F
    n = struct.unpack(">I", mac[off:off + 4])[0] & 0x7FFFFFFF
    return str(n % 10 ** 6).zfill(6)


def main(argv):
    base, accounts, rounds, nh, clock, out = argv[1:7]
    rounds, nh = int(rounds), int(nh)
    u = urllib.parse.urlsplit(base)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=60)

    def post(path, body, headers):
        nonlocal conn
        h = {"Content-Type": "application/json"}
        h.update(headers)
        for attempt in (1, 2):
            try:
                conn.request("POST", path, json.dumps(body), h)
                r = conn.getresponse()
                return r.status, json.loads(r.read() or b"{}")
            except (OSError, http.client.HTTPException):
                # the server closed the idle connection: a new one
                conn.close()
                conn = http.client.HTTPConnection(u.hostname, u.port,
                                                  timeout=60)
                if attempt == 2:
                    raise

    accts = [ln.rstrip("\n").split("\t") for ln in open(accounts) if ln.strip()]
    with open(clock) as f:
        ahead = int("".join(ch for ch in f.read() if ch.isdigit()) or 0)
    tokens = []
    for email, pw, _, _, xff, _ in accts:
        basic = base64.b64encode(("%s:%s" % (email, pw)).encode()).decode()
        st, j = post("/csc/v2/auth/login", {},
                     {"Authorization": "Basic " + basic,
                      "X-Forwarded-For": xff})
        if st != 200:
            print("csc-mint: login %s: %d %r" % (email, st, j), file=sys.stderr)
            return 1
        tokens.append(j["access_token"])
    n = retries = 0
    with open(out, "w") as o:
        for _ in range(rounds):
            ahead += 30
            with open(clock, "w") as f:
                f.write("+%ds\n" % ahead)
            # the server reads the clock file at most once a second
            # (FAKETIME_CACHE_DURATION=1 in csc-signhash.sh)
            time.sleep(1.2)
            step = (int(time.time()) + ahead) // 30
            for (email, pw, secret, cred, xff, algo), tok in zip(accts,
                                                                   tokens):
                hashes = [base64.b64encode(os.urandom(32)).decode()
                          for _ in range(nh)]
                for attempt in range(5):
                    st, j = post("/csc/v2/credentials/authorize", {
                        "credentialID": cred, "numSignatures": nh,
                        "hashes": hashes,
                        "hashAlgorithmOID": "2.16.840.1.101.3.4.2.1",
                        "authData": [{"id": "OTP",
                                      "value": totp(secret, step)}]},
                        {"Authorization": "Bearer " + tok,
                         "X-Forwarded-For": xff})
                    if st != 503:
                        break
                    # the signer busy (a loaded machine): as a client
                    # would, again a moment later; the code was not spent
                    retries += 1
                    time.sleep(1)
                if st != 200:
                    print("csc-mint: authorize %s: %d %r" % (email, st, j),
                          file=sys.stderr)
                    return 1
                o.write("%s\t%s\t%s\n" % (xff, tok, json.dumps({
                    "credentialID": cred, "SAD": j["SAD"], "hashes": hashes,
                    "hashAlgorithmOID": "2.16.840.1.101.3.4.2.1",
                    "signAlgo": algo}, separators=(",", ":"))))
                n += 1
    print("csc-mint: %d SADs (%d authorize retried after 503)" % (n, retries),
          file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
