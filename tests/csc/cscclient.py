"""A CSC API client written from the specification (CSC API 1.0.4.0 and
2.0.0.2), Python 3 standard library only: urllib, json, base64, hashlib,
hmac. Independent of Pecete's C code: it is how a third party would talk
to any CSC server.

- Api: one version's paths and member names (v1: hash, hashAlgo, OTP, PIN;
  v2: hashes, hashAlgorithmOID, authData).
- Explicit authorization with a TOTP code (RFC 6238); the authorization
  mode is a class (Explicit) so an OAuth2 code mode can be added beside it.
- Clock: which TOTP step the server is at; with a hook that moves the
  server's clock (a test), codes never wait for the next 30 s step.
"""

import base64
import hashlib
import hmac
import json
import os
import shlex
import struct
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request

OID_SHA256 = "2.16.840.1.101.3.4.2.1"
OID_SHA384 = "2.16.840.1.101.3.4.2.2"
OID_SHA512 = "2.16.840.1.101.3.4.2.3"
OID_RSA = "1.2.840.113549.1.1.1"
OID_SHA256_RSA = "1.2.840.113549.1.1.11"
OID_RSA_PSS = "1.2.840.113549.1.1.10"
OID_EC = "1.2.840.10045.2.1"
OID_ECDSA_SHA256 = "1.2.840.10045.4.3.2"


def b64(data):
    return base64.b64encode(data).decode("ascii")


def b64url(data):
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


class Response:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers
        self.raw = body
        try:
            self.json = json.loads(body.decode("utf-8")) if body else None
        except ValueError:
            self.json = None

    def get(self, key, default=None):
        if isinstance(self.json, dict):
            return self.json.get(key, default)
        return default

    @property
    def error(self):
        return self.get("error")

    def __repr__(self):
        return "%d %s" % (self.status, self.raw[:300].decode("utf-8", "replace"))


def form(url, fields, headers=None):
    """POST an application/x-www-form-urlencoded body (RFC 6749 §4.1.3)."""
    hdrs = dict(headers or {})
    hdrs["Content-Type"] = "application/x-www-form-urlencoded"
    return http("POST", url, urllib.parse.urlencode(fields), hdrs)


def http(method, url, body=None, headers=None, timeout=60):
    """One request; never raises for an HTTP status (4xx/5xx come back)."""
    data = None
    hdrs = dict(headers or {})
    if isinstance(body, (bytes, str)):
        data = body.encode("utf-8") if isinstance(body, str) else body
    elif body is not None:
        data = json.dumps(body).encode("utf-8")
        hdrs.setdefault("Content-Type", "application/json")
    req = urllib.request.Request(url, data=data, method=method, headers=hdrs)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return Response(r.status, dict(r.headers), r.read())
    except urllib.error.HTTPError as e:
        return Response(e.code, dict(e.headers or {}), e.read())


# ---- TOTP (RFC 6238 over RFC 4226) ----------------------------------------

def totp(secret_b32, step, digits=6, algo="sha1"):
    key = base64.b32decode(secret_b32.upper() + "=" * (-len(secret_b32) % 8))
    mac = hmac.new(key, struct.pack(">Q", step), getattr(hashlib, algo)).digest()
    off = mac[-1] & 0x0F
    n = struct.unpack(">I", mac[off:off + 4])[0] & 0x7FFFFFFF
    return str(n % 10 ** digits).zfill(digits)


class Clock:
    """The server's time as the client sees it. A code is single use per
    30 s step and account, so every code comes from a step newer than the
    last one used. With a hook (CSC_CLOCK_CMD, run with CSC_AHEAD=seconds
    in its environment), the server's clock is moved on instead of
    waiting; without one, the client waits for the next step."""

    def __init__(self, hook=None, state=None):
        self.hook = hook
        self.state = state  # a file keeping ahead and last_step across runs
        self.ahead = 0
        # the current and the next step may have been used already (a
        # code typed "now + 30 s" just before)
        self.last_step = int(time.time()) // 30 + 1
        if state and os.path.exists(state):
            with open(state) as f:
                j = json.load(f)
            self.ahead, self.last_step = j["ahead"], j["last_step"]

    def save(self):
        if self.state:
            with open(self.state, "w") as f:
                json.dump({"ahead": self.ahead, "last_step": self.last_step}, f)

    def now(self):
        return int(time.time()) + self.ahead

    def move(self, seconds):
        """Move the server's clock on (needs the hook)."""
        if not self.hook:
            raise RuntimeError("moving the server's clock needs CSC_CLOCK_CMD")
        self.ahead += seconds
        env = dict(os.environ, CSC_AHEAD=str(self.ahead))
        subprocess.run(self.hook, shell=True, check=True, env=env)
        self.save()

    def reload(self):
        """Take the state another process (a consent hook) saved."""
        if self.state and os.path.exists(self.state):
            with open(self.state) as f:
                j = json.load(f)
            self.ahead = max(self.ahead, j["ahead"])
            self.last_step = max(self.last_step, j["last_step"])

    def next_step(self):
        self.reload()
        step = self.now() // 30
        if step <= self.last_step:
            if self.hook:
                self.move((self.last_step - step + 1) * 30)
            else:
                while self.now() // 30 <= self.last_step:
                    time.sleep(1)
            step = self.now() // 30
        self.last_step = step
        self.save()
        return step


# ---- authorization modes ---------------------------------------------------

class Explicit:
    """authMode "explicit": the holder's TOTP code in credentials/authorize
    (v1 OTP, v2 authData [{id: OTP, value}])."""

    name = "explicit"

    def __init__(self, secret, clock, digits=6, algo="sha1"):
        self.secret = secret
        self.clock = clock
        self.digits = digits
        self.algo = algo

    def code(self):
        return totp(self.secret, self.clock.next_step(), self.digits, self.algo)

    def wrong_code(self):
        good = self.code()
        return str((int(good) + 1) % 10 ** self.digits).zfill(self.digits)


class OAuth2Code:
    """authMode "oauth2code" (CSC 2.0.0.2 §8.4): an authorization code
    with PKCE S256 (RFC 7636), pushed requests (RFC 9126) carrying
    authorization_details (RFC 9396, type credential) for the credential
    scope. The holder's step (signing in, seeing the documents, typing
    the code) is a hook: a command (CSC_OAUTH_HOOK) that receives the
    authorize URL as its last argument and prints the redirect URL the
    browser ended on. The client is registered with the server
    beforehand (CSC_OAUTH_CLIENT_ID, CSC_OAUTH_REDIRECT_URI, and
    CSC_OAUTH_CLIENT_SECRET for a confidential one)."""

    name = "oauth2code"

    def __init__(self, base, client_id, redirect_uri, hook,
                 client_secret=None, oauth2_base=None):
        self.base = (oauth2_base or base.rstrip("/") + "/csc/v2").rstrip("/")
        self.client_id = client_id
        self.redirect_uri = redirect_uri
        self.hook = hook
        self.secret = client_secret
        self.last = {}  # the last redirect's query (code, state, iss...)

    def url(self, name):
        return "%s/oauth2/%s" % (self.base, name)

    @staticmethod
    def pkce():
        verifier = b64url(os.urandom(32))
        challenge = b64url(hashlib.sha256(verifier.encode()).digest())
        return verifier, challenge

    def client_auth(self, fields):
        """client_secret_basic for a confidential client (RFC 6749
        §2.3.1: the id and secret form-urlencoded first), else client_id."""
        if self.secret:
            cred = "%s:%s" % (urllib.parse.quote(self.client_id, safe=""),
                              urllib.parse.quote(self.secret, safe=""))
            return {"Authorization": "Basic " + b64(cred.encode())}
        fields["client_id"] = self.client_id
        return {}

    def consent(self, url):
        """The holder's step: the hook's redirect URL, its query parsed
        into self.last."""
        out = subprocess.run(shlex.split(self.hook) + [url], check=True,
                             stdout=subprocess.PIPE, timeout=300)
        lines = [ln for ln in out.stdout.decode().splitlines() if ln.strip()]
        red = lines[-1].strip() if lines else ""
        q = urllib.parse.parse_qs(urllib.parse.urlsplit(red).query)
        self.last = {k: v[0] for k, v in q.items()}
        return red

    def service(self):
        """A classic authorize for scope service: (code, verifier, state)."""
        verifier, challenge = self.pkce()
        state = b64url(os.urandom(12))
        q = {"response_type": "code", "client_id": self.client_id,
             "redirect_uri": self.redirect_uri, "scope": "service",
             "code_challenge": challenge, "code_challenge_method": "S256",
             "state": state}
        self.consent(self.url("authorize") + "?" + urllib.parse.urlencode(q))
        return self.last.get("code"), verifier, state

    def par(self, cred, hashes, labels=None, hash_oid=OID_SHA256):
        """PAR with authorization_details for the hashes: (Response,
        verifier, state)."""
        verifier, challenge = self.pkce()
        state = b64url(os.urandom(12))
        labels = labels or ["Document %d" % (i + 1)
                            for i in range(len(hashes))]
        rar = [{"type": "credential", "credentialID": cred,
                "documentDigests": [
                    {"hash": h if isinstance(h, str) else b64(h),
                     "label": lab} for h, lab in zip(hashes, labels)],
                "hashAlgorithmOID": hash_oid}]
        f = {"response_type": "code", "redirect_uri": self.redirect_uri,
             "code_challenge": challenge, "code_challenge_method": "S256",
             "state": state, "authorization_details": json.dumps(rar)}
        h = self.client_auth(f)
        return form(self.url("pushed_authorize"), f, h), verifier, state

    def credential(self, cred, hashes, labels=None, hash_oid=OID_SHA256):
        """PAR, the holder's consent: (code, verifier, state); code None
        when refused (self.last says why)."""
        r, verifier, state = self.par(cred, hashes, labels, hash_oid)
        if r.status != 201 or not r.get("request_uri"):
            raise RuntimeError("pushed_authorize: %r" % r)
        q = {"client_id": self.client_id, "request_uri": r.get("request_uri")}
        self.consent(self.url("authorize") + "?" + urllib.parse.urlencode(q))
        return self.last.get("code"), verifier, state

    def token(self, code, verifier, redirect_uri=None):
        f = {"grant_type": "authorization_code", "code": code or "",
             "redirect_uri": redirect_uri or self.redirect_uri,
             "code_verifier": verifier}
        h = self.client_auth(f)
        return form(self.url("token"), f, h)

    def refresh(self, refresh_token):
        f = {"grant_type": "refresh_token", "refresh_token": refresh_token}
        h = self.client_auth(f)
        return form(self.url("token"), f, h)

    def credential_token(self, cred, hashes, labels=None):
        """The whole flow: an access token of scope credential (its SAD)."""
        code, verifier, _ = self.credential(cred, hashes, labels)
        r = self.token(code, verifier)
        if r.status != 200:
            raise RuntimeError("oauth2/token: %r" % r)
        return r.get("access_token")


# ---- the API of one version -------------------------------------------------

class Api:
    """The CSC API of one version (1 or 2) at base (".../csc/v1" style
    prefix without the version: base is the server's root URL)."""

    def __init__(self, base, version, token=None):
        self.base = base.rstrip("/")
        self.v = version
        self.token = token

    def url(self, method):
        return "%s/csc/v%d/%s" % (self.base, self.v, method)

    def call(self, method, body=None, token=Ellipsis, headers=None):
        tok = self.token if token is Ellipsis else token
        hdrs = dict(headers or {})
        if tok:
            hdrs["Authorization"] = "Bearer " + tok
        return http("POST", self.url(method), {} if body is None else body,
                    hdrs)

    # 11.1 info
    def info(self):
        return self.call("info", {"lang": "en-US"}, token=None)

    # 11.2 auth/login (HTTP Basic)
    def login(self, user, password):
        basic = b64(("%s:%s" % (user, password)).encode("utf-8"))
        r = self.call("auth/login", {}, token=None,
                      headers={"Authorization": "Basic " + basic})
        if r.status == 200 and r.get("access_token"):
            self.token = r.get("access_token")
        return r

    def revoke(self, token, hint=None):
        body = {"token": token}
        if hint:
            body["token_type_hint"] = hint
        return self.call("auth/revoke", body)

    def list(self, **kw):
        return self.call("credentials/list", kw)

    def cred_info(self, cred, **kw):
        body = {"credentialID": cred}
        body.update(kw)
        return self.call("credentials/info", body)

    def authorize(self, cred, hashes, otp, num=None, hash_oid=OID_SHA256,
                  encode=b64):
        """hashes: raw digests (bytes) or already encoded strings."""
        enc = [h if isinstance(h, str) else encode(h) for h in hashes]
        body = {"credentialID": cred,
                "numSignatures": len(enc) if num is None else num}
        if self.v == 1:
            body["hash"] = enc
            body["OTP"] = otp
        else:
            body["hashes"] = enc
            body["hashAlgorithmOID"] = hash_oid
            body["authData"] = [{"id": "OTP", "value": otp}]
        return self.call("credentials/authorize", body)

    def extend(self, cred, sad, hashes=None, hash_oid=OID_SHA256):
        body = {"credentialID": cred, "SAD": sad}
        if hashes is not None:
            enc = [h if isinstance(h, str) else b64(h) for h in hashes]
            if self.v == 1:
                body["hash"] = enc
            else:
                body["hashes"] = enc
                body["hashAlgorithmOID"] = hash_oid
        return self.call("credentials/extendTransaction", body)

    def sign_hash(self, cred, sad, hashes, sign_algo, hash_oid=OID_SHA256,
                  params=None, extra=None):
        enc = [h if isinstance(h, str) else b64(h) for h in hashes]
        body = {"credentialID": cred, "signAlgo": sign_algo}
        if sad is not None:  # v2: none with a credential-scope token
            body["SAD"] = sad
        if self.v == 1:
            body["hash"] = enc
            if hash_oid:
                body["hashAlgo"] = hash_oid
        else:
            body["hashes"] = enc
            if hash_oid:
                body["hashAlgorithmOID"] = hash_oid
        if params is not None:
            body["signAlgoParams"] = params
        body.update(extra or {})
        return self.call("signatures/signHash", body)


def sign_doc(api, cred, sad, sign_algo, documents=(), digests=None,
             digest_oid=OID_SHA256, level="Ades-B-B", validation=False):
    """2.0.0.2 §11.11 signatures/signDoc. documents: (bytes, format "P"
    or "C", envelope or None); digests: raw digests for one
    documentDigests entry (detached CAdES). sad None: the token's."""
    body = {"credentialID": cred}
    if sad is not None:
        body["SAD"] = sad
    if documents:
        body["documents"] = []
        for data, fmt, env in documents:
            d = {"document": b64(data), "signature_format": fmt,
                 "conformance_level": level, "signAlgo": sign_algo}
            if env:
                d["signed_envelope_property"] = env
            body["documents"].append(d)
    if digests:
        body["documentDigests"] = [{
            "hashes": [h if isinstance(h, str) else b64(h) for h in digests],
            "hashAlgorithmOID": digest_oid, "signature_format": "C",
            "conformance_level": level, "signAlgo": sign_algo,
            "signed_envelope_property": "Detached"}]
    if validation:
        body["returnValidationInfo"] = True
    return api.call("signatures/signDoc", body)


def timestamp(api, digest, hash_oid=OID_SHA256, nonce=None):
    """2.0.0.2 §11.13 signatures/timestamp."""
    body = {"hash": digest if isinstance(digest, str) else b64(digest),
            "hashAlgo": hash_oid}
    if nonce is not None:
        body["nonce"] = nonce
    return api.call("signatures/timestamp", body)


class Session:
    """What a signing application holds: an access token, the credential,
    its certificates and the key's algorithm, and the authorization mode."""

    def __init__(self, api, auth, cred=None):
        self.api = api
        self.auth = auth
        self.cred = cred
        self.certs = []
        self.key_algos = []

    def open(self, user, password):
        r = self.api.login(user, password)
        if r.status != 200:
            raise RuntimeError("auth/login: %r" % r)
        if self.cred is None:
            r = self.api.list()
            ids = r.get("credentialIDs") or []
            if r.status != 200 or not ids:
                raise RuntimeError("credentials/list: %r" % r)
            self.cred = ids[0]
        r = self.api.cred_info(self.cred, certificates="chain")
        if r.status != 200:
            raise RuntimeError("credentials/info: %r" % r)
        self.certs = [base64.b64decode(c)
                      for c in r.json["cert"]["certificates"]]
        self.key_algos = r.json["key"]["algo"]
        return self

    @property
    def is_rsa(self):
        return OID_SHA256_RSA in self.key_algos or OID_RSA in self.key_algos

    @property
    def sign_algo(self):
        return OID_SHA256_RSA if self.is_rsa else OID_ECDSA_SHA256

    def sign_doc(self, documents=(), digests=None, level="Ades-B-B",
                 validation=False):
        """Authorize the documents' SHA-256 (and the digests), then have
        the server sign them (signDoc): its answer (a Response)."""
        hashes = [hashlib.sha256(d[0]).digest() for d in documents]
        hashes = list(digests or []) + hashes
        r = self.api.authorize(self.cred, hashes, self.auth.code())
        if r.status != 200:
            raise RuntimeError("credentials/authorize: %r" % r)
        return sign_doc(self.api, self.cred, r.get("SAD"), self.sign_algo,
                        documents, digests, level=level,
                        validation=validation)

    def sign_digests(self, digests):
        """Authorize then sign SHA-256 digests: the signatures (bytes)."""
        r = self.api.authorize(self.cred, digests, self.auth.code())
        if r.status != 200:
            raise RuntimeError("credentials/authorize: %r" % r)
        sad = r.get("SAD")
        r = self.api.sign_hash(self.cred, sad, digests, self.sign_algo)
        if r.status != 200:
            raise RuntimeError("signatures/signHash: %r" % r)
        return [base64.b64decode(s) for s in r.get("signatures")]
