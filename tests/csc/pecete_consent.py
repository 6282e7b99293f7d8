#!/usr/bin/python3
"""pecete_consent.py AUTHORIZE_URL: the holder's step of the OAuth2 code
flow against a Pecete server, for the conformance suite's oauth2code mode
(CSC_OAUTH_HOOK). What a person does in the browser, over HTTP: open the
authorize URL (the server sends it to its consent page), sign in with the
password and an authenticator code, read the consent (the client, the
documents' labels and hashes: printed to stderr) and approve it with a
fresh code; prints the redirect URL the browser would end on.

Environment: CSC_BASE_URL, CSC_USER, CSC_PASSWORD, CSC_TOTP_SECRET, and the
suite's CSC_CLOCK_CMD / CSC_STATE_FILE (so its codes and the suite's come
from steps never used twice); CSC_CONSENT=deny refuses instead. Codes are
computed with oathtool (Debian) for the server's clock.
"""

import http.cookiejar
import json
import os
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import cscclient as c  # noqa: E402


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kw):
        return None


class Browser:
    def __init__(self, base):
        self.base = base.rstrip("/")
        self.jar = http.cookiejar.CookieJar()
        self.op = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar), NoRedirect())
        self.csrf = ""

    def req(self, method, path, body=None):
        url = path if path.startswith("http") else self.base + path
        data = json.dumps(body).encode() if body is not None else None
        h = {"X-CSRF-Token": self.csrf}
        if data is not None:
            h["Content-Type"] = "application/json"
        r = urllib.request.Request(url, data=data, method=method, headers=h)
        try:
            with self.op.open(r, timeout=60) as resp:
                st, hdrs, raw = resp.status, resp.headers, resp.read()
        except urllib.error.HTTPError as e:
            st, hdrs, raw = e.code, e.headers, e.read()
        try:
            j = json.loads(raw.decode()) if raw else {}
        except ValueError:
            j = {}
        if isinstance(j, dict) and j.get("csrf"):
            self.csrf = j["csrf"]
        return st, hdrs, j


def code(clock, secret):
    step = clock.next_step()
    out = subprocess.run(["oathtool", "--totp", "-b", "-N",
                          "@%d" % (step * 30), secret],
                         check=True, stdout=subprocess.PIPE)
    return out.stdout.decode().strip()


def main(argv):
    if len(argv) != 2:
        print("usage: %s AUTHORIZE_URL" % argv[0], file=sys.stderr)
        return 2
    env = os.environ
    b = Browser(env["CSC_BASE_URL"])
    clock = c.Clock(env.get("CSC_CLOCK_CMD"), env.get("CSC_STATE_FILE"))
    st, hdrs, _ = b.req("GET", argv[1])
    loc = hdrs.get("Location") or ""
    if st not in (302, 303) or not loc.startswith("/oauth/consent"):
        # refused before the consent (a redirect with an error, or a page)
        print(loc)
        return 0 if loc else 1
    cid = urllib.parse.parse_qs(urllib.parse.urlsplit(loc).query)["id"][0]
    b.req("GET", "/api/v1/session")
    st, _, j = b.req("POST", "/api/v1/session",
                     {"email": env["CSC_USER"], "password": env["CSC_PASSWORD"]})
    if st != 200:
        print("sign-in: %d %r" % (st, j), file=sys.stderr)
        return 1
    st, _, j = b.req("POST", "/api/v1/session/totp",
                     {"code": code(clock, env["CSC_TOTP_SECRET"])})
    if st != 200:
        print("sign-in code: %d %r" % (st, j), file=sys.stderr)
        return 1
    b.req("GET", "/api/v1/session")
    st, _, j = b.req("GET", "/api/v1/oauth/consent/" + cid)
    if st != 200:
        print("consent: %d %r" % (st, j), file=sys.stderr)
        return 1
    print("# consent: %s asks %s; documents %s" % (
        (j.get("client") or {}).get("name"), j.get("scope"),
        [d.get("label") for d in j.get("documents") or []]), file=sys.stderr)
    body = {"approve": env.get("CSC_CONSENT") != "deny"}
    if body["approve"] and j.get("scope") == "credential":
        body["code"] = code(clock, env["CSC_TOTP_SECRET"])
    st, _, j = b.req("POST", "/api/v1/oauth/consent/" + cid, body)
    if st != 200 or not j.get("redirect"):
        print("consent answer: %d %r" % (st, j), file=sys.stderr)
        return 1
    print(j["redirect"])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
