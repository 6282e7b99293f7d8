#!/usr/bin/python3
"""CSC API conformance suite (CSC API 1.0.4.0 and 2.0.0.2), runnable
against any CSC server. Python 3 standard library only (the signature
checks also use python3-cryptography when it is installed).

  CSC_BASE_URL=https://rssp.example CSC_USER=... CSC_PASSWORD=... \\
  CSC_TOTP_SECRET=BASE32 /usr/bin/python3 tests/csc/conformance.py

Optional:
  CSC_OTHER_USER, CSC_OTHER_PASSWORD  a second account (its credential is
                                      "another user's credential")
  CSC_CREDENTIAL_ID                   the credential (else the first listed)
  CSC_CLOCK_CMD   a shell command that sets the server's clock CSC_AHEAD
                  seconds ahead (a test server under libfaketime). Without
                  it, each TOTP code waits for the next 30 s step, and the
                  expired-token and expired-SAD checks are SKIPPED (said so).
  CSC_STATE_FILE  a file keeping the clock's offset and the last TOTP step
                  used between runs (several runs against one account)
  CSC_MODE        explicit (default) or oauth2code: the code flow with
                  PKCE and PAR for a registered client (v2 only):
                  CSC_OAUTH_CLIENT_ID, CSC_OAUTH_REDIRECT_URI,
                  CSC_OAUTH_CLIENT_SECRET (a confidential client), and
                  CSC_OAUTH_HOOK: a command given the authorize URL that
                  does the holder's part (sign in, consent) and prints the
                  redirect URL it ended on (tests/csc/pecete_consent.py
                  for Pecete).
  CSC_VERSIONS    "1 2" (default), or "1" or "2".
  --strict        a SKIP counts as a failure (make test uses it).

Every check prints PASS, FAIL or SKIP with what it checked; the exit
status is 1 when any check failed. Other commands (a signing client):
  conformance.py pades IN.pdf OUT.pdf   PAdES B-B signed through signHash
  conformance.py cades IN OUT.p7s       CAdES B-B detached
  conformance.py signdoc KIND IN OUT    the server signs (signatures/signDoc,
      v2): KIND pades, pades-cert (Certification), pades-bt (AdES-B-T),
      cades (detached), cades-attached, digest (IN's SHA-256 as
      documentDigests: a detached CAdES)
"""

import base64
import hashlib
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import cms  # noqa: E402
import cscclient as c  # noqa: E402
import pdfsign  # noqa: E402

try:
    from cryptography import x509
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes as chashes
    from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
    from cryptography.hazmat.primitives.asymmetric.utils import Prehashed
    HAVE_CRYPTO = True
except ImportError:  # pragma: no cover
    HAVE_CRYPTO = False


class Report:
    def __init__(self, strict):
        self.strict = strict
        self.n = {"PASS": 0, "FAIL": 0, "SKIP": 0}

    def out(self, kind, what, detail=""):
        self.n[kind] += 1
        print("%s - %s%s" % (kind, what, (" (%s)" % detail) if detail else ""),
              flush=True)

    def check(self, cond, what, detail=""):
        self.out("PASS" if cond else "FAIL", what, "" if cond else detail)
        return cond

    def skip(self, what, why):
        self.out("SKIP", what, why)

    def error(self, r, status, codes, what, part=None):
        """A CSC error answer: the status and one of the error codes the
        spec gives (codes: a str or a set), the description holding part
        when given."""
        codes = {codes} if isinstance(codes, str) else codes
        desc = str(r.get("error_description") or "")
        ok = (r.status == status and r.error in codes and
              (part is None or part.lower() in desc.lower()))
        return self.check(ok, what, "want %d %s%s, got %r" % (
            status, "|".join(sorted(codes)),
            (" ~'%s'" % part) if part else "", r))

    def done(self):
        print("# %d passed, %d failed, %d skipped" % (
            self.n["PASS"], self.n["FAIL"], self.n["SKIP"]))
        return 1 if self.n["FAIL"] or (self.strict and self.n["SKIP"]) else 0


# ---- signature checks ----------------------------------------------------------

def verify_sig(cert_der, digest, sig, pss_salt=None):
    """sig over the SHA-256 digest with the certificate's key."""
    if not HAVE_CRYPTO:
        return None
    key = x509.load_der_x509_certificate(cert_der).public_key()
    pre = Prehashed(chashes.SHA256())
    try:
        if isinstance(key, rsa.RSAPublicKey):
            pad = (padding.PKCS1v15() if pss_salt is None else
                   padding.PSS(padding.MGF1(chashes.SHA256()), pss_salt))
            key.verify(sig, digest, pad, pre)
        else:
            key.verify(sig, digest, ec.ECDSA(pre))
        return True
    except InvalidSignature:
        return False


def chain_ok(ders):
    """Each certificate signed by the next one's key."""
    if not HAVE_CRYPTO:
        return None
    certs = [x509.load_der_x509_certificate(d) for d in ders]
    for child, parent in zip(certs, certs[1:]):
        if child.issuer != parent.subject:
            return False
        key = parent.public_key()
        try:
            if isinstance(key, rsa.RSAPublicKey):
                key.verify(child.signature, child.tbs_certificate_bytes,
                           padding.PKCS1v15(), child.signature_hash_algorithm)
            else:
                key.verify(child.signature, child.tbs_certificate_bytes,
                           ec.ECDSA(child.signature_hash_algorithm))
        except InvalidSignature:
            return False
    return True


def sha(s):
    return hashlib.sha256(s.encode()).digest()


def minimal_pdf(text):
    """A one-page PDF with a classic cross-reference table."""
    objs = [b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842]"
            b" /Contents 4 0 R /Resources << /Font << /F1 << /Type /Font"
            b" /Subtype /Type1 /BaseFont /Helvetica >> >> >> >>"]
    body = b"BT /F1 18 Tf 72 700 Td (" + text + b") Tj ET"
    objs.append(b"<< /Length %d >>\nstream\n%s\nendstream" % (len(body),
                                                                body))
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offs = []
    for i, o in enumerate(objs):
        offs.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (i + 1, o)
    x = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    for o in offs:
        out += b"%010d 00000 n \n" % o
    out += (b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n"
            % (len(objs) + 1, x))
    return bytes(out)


# DER of the signedData OID (1.2.840.113549.1.7.2): a CMS SignedData.
SIGNED_DATA = bytes.fromhex("06092a864886f70d010702")


# ---- the suite --------------------------------------------------------------------

class Suite:
    def __init__(self, env, strict):
        self.base = env["CSC_BASE_URL"]
        self.user = env["CSC_USER"]
        self.password = env["CSC_PASSWORD"]
        self.other = (env.get("CSC_OTHER_USER"), env.get("CSC_OTHER_PASSWORD"))
        self.cred = env.get("CSC_CREDENTIAL_ID")
        self.clock = c.Clock(env.get("CSC_CLOCK_CMD"), env.get("CSC_STATE_FILE"))
        mode = env.get("CSC_MODE", "explicit")
        if mode == "oauth2code":
            self.auth = c.OAuth2Code(
                self.base, env["CSC_OAUTH_CLIENT_ID"],
                env["CSC_OAUTH_REDIRECT_URI"], env["CSC_OAUTH_HOOK"],
                env.get("CSC_OAUTH_CLIENT_SECRET"))
            self.versions = [2]  # OAuth2 is CSC v2's
        else:
            self.auth = c.Explicit(env["CSC_TOTP_SECRET"], self.clock)
            self.versions = [int(v)
                             for v in env.get("CSC_VERSIONS", "1 2").split()]
        self.rep = Report(strict)
        self.certs = []
        self.algo = None
        self.pss_done = False

    # -- helpers
    def sign_algo(self, info):
        algos = info["key"]["algo"]
        for a in (c.OID_SHA256_RSA, c.OID_ECDSA_SHA256):
            if a in algos:
                return a
        return algos[0]

    def authorize(self, api, hashes, num=None):
        return api.authorize(self.cred, hashes, self.auth.code(), num=num)

    # -- 11.1 info
    def info(self, api):
        R = self.rep
        r = api.info()
        spec = "1.0.4.0" if api.v == 1 else "2.0.0.2"
        R.check(r.status == 200 and str(r.get("specs", "")).startswith(
            spec[:1]), "v%d info: 200, specs %s" % (api.v, r.get("specs")), r)
        req = ["specs", "name", "logo", "region", "lang", "description",
               "authType", "methods"]
        if api.v == 2:
            req += ["signature_formats", "conformance_levels"]
        missing = [k for k in req if r.get(k) is None]
        R.check(not missing, "v%d info: the required members (§11.1)" % api.v,
                "missing %s" % missing)
        methods = r.get("methods") or []
        R.check(all(m in methods for m in ("credentials/list",
                                           "credentials/info",
                                           "credentials/authorize",
                                           "signatures/signHash")),
                "v%d info: methods name the signing methods" % api.v, methods)
        logo = r.get("logo") or ""
        if logo.startswith("http"):
            lr = c.http("GET", logo)
            ctype = (lr.headers.get("Content-Type") or
                     lr.headers.get("content-type") or "")
            R.check(lr.status == 200 and ctype.split(";")[0] in
                    ("image/png", "image/jpeg"),
                    "v%d info: the logo is a PNG or JPEG (§11.1)" % api.v,
                    "%d %s" % (lr.status, ctype))
        else:
            R.check(False, "v%d info: the logo is an absolute URI" % api.v,
                    logo)
        if api.v == 2:
            f = (r.get("signature_formats") or {}).get("formats")
            R.check(isinstance(f, list) and f and
                    isinstance(r.get("conformance_levels"), list),
                    "v2 info: signature_formats.formats and conformance_levels"
                    " are lists", r)

    # -- 11.2 auth/login
    def login(self, api):
        R = self.rep
        bad = c.Api(self.base, api.v)
        r = bad.login(self.user, self.password + "-wrong")
        R.error(r, 400, "authentication_error",
                "v%d auth/login with a wrong password: 400 "
                "authentication_error (§11.2)" % api.v)
        r = api.login(self.user, self.password)
        R.check(r.status == 200 and r.get("access_token"),
                "v%d auth/login: 200 with an access_token" % api.v, r)
        return r.status == 200

    # -- 11.4/11.5 credentials
    def credentials(self, api):
        R = self.rep
        r = api.list()
        ids = r.get("credentialIDs") or []
        R.check(r.status == 200 and isinstance(ids, list) and ids,
                "v%d credentials/list: 200, credentialIDs" % api.v, r)
        if self.cred is None and ids:
            self.cred = ids[0]
        R.check(self.cred in ids, "v%d list names the credential" % api.v,
                ids)
        r = api.cred_info(self.cred, certificates="chain", certInfo=True,
                          authInfo=True)
        j = r.json or {}
        ok = (r.status == 200 and isinstance(j.get("key", {}).get("algo"),
                                             list)
              and isinstance(j.get("key", {}).get("len"), int)
              and j.get("cert", {}).get("certificates")
              and isinstance(j.get("multisign"), int))
        R.check(ok, "v%d credentials/info: key.algo, key.len, "
                "cert.certificates, multisign (§11.5)" % api.v, r)
        if not ok:
            return False
        self.certs = [base64.b64decode(x) for x in j["cert"]["certificates"]]
        self.algo = self.sign_algo(j)
        self.info_json = j
        R.check(j.get("SCAL") == "2",
                "v%d credentials/info: SCAL \"2\" (hashes bound to the SAD)"
                % api.v, j.get("SCAL"))
        for k in ("subjectDN", "issuerDN", "serialNumber", "validFrom",
                  "validTo"):
            if not j["cert"].get(k):
                R.check(False, "v%d credentials/info certInfo: %s" % (api.v, k))
                break
        else:
            R.check(len(j["cert"]["validTo"]) == 15 and
                    j["cert"]["validTo"].endswith("Z"),
                    "v%d credentials/info certInfo: the DNs, serial and "
                    "GeneralizedTime validity" % api.v, j["cert"])
        if api.v == 1:
            R.check(j.get("authMode") == "explicit" and
                    (j.get("OTP") or {}).get("presence") == "true",
                    "v1 credentials/info authInfo: authMode explicit, OTP",
                    j)
        else:
            objs = (j.get("auth") or {}).get("objects") or []
            if self.auth.name == "explicit":
                R.check((j.get("auth") or {}).get("mode") == "explicit" and
                        any(o.get("type") == "Password" and
                            o.get("generator") == "totp" for o in objs),
                        "v2 credentials/info authInfo: auth.mode explicit, a "
                        "Password object with generator totp (§8.3.1.2)",
                        j.get("auth"))
            else:
                R.check((j.get("auth") or {}).get("mode") == "oauth2code",
                        "v2 credentials/info: auth.mode oauth2code for this "
                        "client (§11.5)", j.get("auth"))
        v = chain_ok(self.certs)
        if v is None:
            R.skip("v%d the chain verifies" % api.v, "no python3-cryptography")
        else:
            R.check(v and len(self.certs) >= 2, "v%d certificates=chain: the "
                    "signer first, each signed by the next" % api.v)
        r = api.cred_info(self.cred)
        j = r.json or {}
        R.check(r.status == 200 and len(j.get("cert", {}).get(
            "certificates", [])) == 1,
            "v%d credentials/info default: one certificate (single)" % api.v, r)
        no_auth = ("OTP" not in j and "PIN" not in j) if api.v == 1 else \
            "objects" not in (j.get("auth") or {})
        R.check(no_auth, "v%d credentials/info: authInfo defaults to false "
                "(§11.5)" % api.v, j)
        r = api.cred_info(self.cred, certificates="none")
        R.check(r.status == 200 and "certificates" not in (r.get("cert") or {}),
                "v%d certificates none: cert.certificates not returned" % api.v,
                r)
        return True

    # -- 11.6, 11.9/11.7, 11.10 (explicit mode)
    def sign(self, api):
        R = self.rep
        h1, h2, h3 = sha("document one"), sha("document two"), sha("three")
        r = self.authorize(api, [h1, h2])
        sad = r.get("SAD")
        R.check(r.status == 200 and sad, "v%d credentials/authorize: a SAD"
                % api.v, r)
        if not sad:
            return
        exp = r.get("expiresIn")
        R.check(exp is None or (isinstance(exp, int) and exp > 0),
                "v%d authorize: expiresIn a positive number" % api.v, exp)
        r = api.sign_hash(self.cred, sad, [h1, h2], self.algo)
        sigs = r.get("signatures") or []
        R.check(r.status == 200 and len(sigs) == 2,
                "v%d signatures/signHash: two signatures in order" % api.v, r)
        if len(sigs) == 2:
            for i, (h, s) in enumerate(((h1, sigs[0]), (h2, sigs[1]))):
                v = verify_sig(self.certs[0], h, base64.b64decode(s))
                if v is None:
                    R.skip("v%d signature %d verifies" % (api.v, i + 1),
                           "no python3-cryptography")
                else:
                    R.check(v, "v%d signature %d verifies with the "
                            "certificate's key" % (api.v, i + 1))
        r = api.sign_hash(self.cred, sad, [h1, h2], self.algo)
        R.error(r, 400, "invalid_request", "v%d the SAD reused: 400 "
                "invalid_request (single use)" % api.v)

        # extendTransaction
        r = self.authorize(api, [h3])
        old = r.get("SAD")
        r = api.extend(self.cred, old)
        new = r.get("SAD")
        R.check(r.status == 200 and new and new != old,
                "v%d credentials/extendTransaction: a new SAD" % api.v, r)
        r = api.sign_hash(self.cred, old, [h3], self.algo)
        R.error(r, 400, "invalid_request", "v%d the extended SAD no longer "
                "signs" % api.v)
        r = api.sign_hash(self.cred, new, [h3], self.algo)
        R.check(r.status == 200 and len(r.get("signatures") or []) == 1,
                "v%d the new SAD signs" % api.v, r)

        # base64url in authorize, the same digest as base64 in signHash
        r = api.authorize(self.cred, [c.b64url(h1)], self.auth.code(), num=1)
        sad = r.get("SAD")
        r = api.sign_hash(self.cred, sad, [h1], self.algo)
        R.check(r.status == 200, "v%d a hash authorized as base64url, signed "
                "as base64: the same digest" % api.v, r)

    def negatives(self, api):
        R = self.rep
        v = api.v
        h1, h2, h3 = sha("neg one"), sha("neg two"), sha("neg three")
        # no token (RFC 6750 §3.1; CSC §10: invalid_token, or a malformed
        # header invalid_request)
        r = api.call("credentials/list", {}, token=None)
        R.check((r.status, r.error) in ((401, "invalid_token"),
                                        (400, "invalid_request")),
                "v%d no access token: 401 invalid_token (RFC 6750) or 400 "
                "invalid_request" % v, r)
        r = api.call("credentials/list", {}, token="0" * 64)
        R.check(r.status in (400, 401) and r.error == "invalid_token",
                "v%d an unknown access token: invalid_token" % v, r)
        # wrong OTP
        r = api.authorize(self.cred, [h1], self.auth.wrong_code())
        if v == 1:
            R.error(r, 400, "invalid_otp", "v1 a wrong OTP: 400 invalid_otp "
                    "(1.0.4.0 §11.6)")
        else:
            R.error(r, 400, "invalid_authentication_data", "v2 a wrong OTP: "
                    "400 invalid_authentication_data (2.0.0.2 §11.6)")
        R.check(not r.get("SAD"), "v%d ... and no SAD" % v, r)
        # malformed base64 in authorize
        r = api.authorize(self.cred, ["%%%not base64"], self.auth.code(),
                          num=1)
        R.error(r, 400, "invalid_request", "v%d malformed base64 in "
                "authorize: 400 invalid_request" % v)
        # another user's credential
        if self.other_cred:
            r = api.cred_info(self.other_cred)
            R.error(r, 400, "invalid_request", "v%d credentials/info of "
                    "another user's credential: 400 invalid_request "
                    "(Invalid parameter credentialID)" % v)
            r = api.authorize(self.other_cred, [h1], self.auth.code())
            R.error(r, 400, "invalid_request", "v%d authorize another user's "
                    "credential: 400 invalid_request" % v)
        else:
            R.skip("v%d another user's credential" % v,
                   "CSC_OTHER_USER not given")
        # the refusals below leave the SAD usable
        r = self.authorize(api, [h1, h2])
        sad = r.get("SAD")
        if not R.check(r.status == 200 and sad, "v%d authorize for the "
                       "signHash refusals" % v, r):
            return
        r = api.sign_hash(self.cred, sad, [h1, h2], "1.2.3.4.5")
        R.error(r, 400, "invalid_request", "v%d signHash with a wrong "
                "signAlgo OID: 400 invalid_request (Invalid parameter "
                "signAlgo)" % v)
        r = api.sign_hash(self.cred, sad, [h1], self.algo,
                          hash_oid="1.2.840.113549.2.5")
        R.error(r, 400, "invalid_request", "v%d signHash with MD5 as the hash "
                "algorithm: 400 invalid_request" % v)
        r = api.sign_hash(self.cred, sad, [h3], self.algo)
        R.error(r, 400, "invalid_request", "v%d a hash not covered by the "
                "SAD: 400 invalid_request (Hash is not authorized by the SAD)"
                % v)
        r = api.sign_hash(self.cred, sad, [h1, h2, h1], self.algo)
        R.error(r, 400, "invalid_request", "v%d more hashes than authorized: "
                "400 invalid_request" % v)
        r = api.sign_hash(self.cred, sad, ["!!notbase64!!"], self.algo)
        R.error(r, 400, "invalid_request", "v%d malformed base64 in signHash: "
                "400 invalid_request (Invalid Base64 hash string parameter)"
                % v)
        r = api.sign_hash(self.cred, sad, [b"\x01" * 20], self.algo)
        R.error(r, 400, "invalid_request", "v%d a digest of the wrong length: "
                "400 invalid_request (Invalid digest value length)" % v)
        r = api.sign_hash(self.cred, sad, [h1, h2], self.algo)
        R.check(r.status == 200, "v%d after the refusals the SAD still signs"
                % v, r)
        # another access token of the same user cannot use the SAD
        r = self.authorize(api, [h1])
        sad = r.get("SAD")
        api2 = c.Api(self.base, v)
        api2.login(self.user, self.password)
        r = api2.sign_hash(self.cred, sad, [h1], self.algo)
        R.error(r, 400, "invalid_request", "v%d the SAD under another access "
                "token: 400 invalid_request" % v)
        api2.revoke(api2.token)
        # expired SAD
        if self.clock.hook:
            r = self.authorize(api, [h2])
            sad, exp = r.get("SAD"), r.get("expiresIn") or 3600
            self.clock.move(int(exp) + 1)
            r = api.sign_hash(self.cred, sad, [h2], self.algo)
            R.error(r, 400, "invalid_request", "v%d an expired SAD: 400 "
                    "invalid_request (SAD expired)" % v, "expired")
        else:
            R.skip("v%d an expired SAD" % v, "needs CSC_CLOCK_CMD")

    # -- 11.13 signatures/timestamp (v2)
    def timestamp(self, api):
        R = self.rep
        if api.v != 2:
            return
        d = sha("a document to time-stamp")
        r = c.timestamp(api, d, nonce="1a2b3c4d5e6f")
        tok = r.get("timestamp")
        if not R.check(r.status == 200 and tok, "v2 signatures/timestamp: "
                       "200 with a timestamp", r):
            return
        try:
            hashed, nonce = cms.tst_info(base64.b64decode(tok))
        except (IndexError, ValueError) as e:
            hashed, nonce = None, str(e)
        R.check(hashed == d, "v2 timestamp: the token's messageImprint is "
                "the hash sent (RFC 3161)", hashed)
        R.check(nonce == 0x1a2b3c4d5e6f, "v2 timestamp: the nonce sent is in "
                "the token (§11.13)", nonce)
        r = c.timestamp(api, "%%%not base64")
        R.error(r, 400, "invalid_request", "v2 timestamp with malformed "
                "base64: 400 invalid_request")
        r = c.timestamp(api, d, hash_oid="1.2.840.113549.2.5")
        R.error(r, 400, "invalid_request", "v2 timestamp with MD5: 400 "
                "invalid_request (Invalid parameter hashAlgo)")
        r = c.timestamp(api, b"\x01" * 20)
        R.error(r, 400, "invalid_request", "v2 timestamp with a digest of the "
                "wrong length: 400 invalid_request")
        r = c.timestamp(api, d, nonce="not hex")
        R.error(r, 400, "invalid_request", "v2 timestamp with a non-numeric "
                "nonce: 400 invalid_request (Invalid parameter nonce)")
        r = api.call("signatures/timestamp", {"hash": c.b64(d),
                                              "hashAlgo": c.OID_SHA256},
                     token=None)
        R.check(r.status in (400, 401) and r.error in ("invalid_token",
                                                      "invalid_request"),
                "v2 timestamp without a token: refused", r)

    # -- 2.0.0.2 11.11 signatures/signDoc
    def left(self, api):
        return api.cred_info(self.cred).get("transactionsLeft")

    def signdoc(self, api, methods):
        R = self.rep
        if "signatures/signDoc" not in methods:
            R.skip("v2 signatures/signDoc", "not in info's methods")
            return
        pdf = minimal_pdf(b"signDoc conformance")
        txt = b"a text file the server signs (signDoc)\n"
        hp, ht = hashlib.sha256(pdf).digest(), hashlib.sha256(txt).digest()
        left0 = self.left(api)
        r = self.authorize(api, [hp, ht])
        sad = r.get("SAD")
        docs = [(pdf, "P", "Revision"), (txt, "C", "Detached")]
        r = c.sign_doc(api, self.cred, sad, self.algo, docs, validation=True)
        dws = r.get("DocumentWithSignature") or []
        so = r.get("SignatureObject") or []
        R.check(r.status == 200 and len(dws) == 1 and len(so) == 1,
                "v2 signDoc: the PAdES in DocumentWithSignature, the "
                "detached CAdES in SignatureObject (§11.11)", r)
        if dws:
            out = base64.b64decode(dws[0])
            R.check(out.startswith(pdf) and b"/ByteRange" in out and
                    b"ETSI.CAdES.detached" in out,
                    "v2 signDoc: the PAdES is an incremental update of the "
                    "PDF sent (ETSI.CAdES.detached, a /ByteRange)")
        if so:
            p7s = base64.b64decode(so[0])
            R.check(SIGNED_DATA in p7s[:32] and self.certs and
                    self.certs[0] in p7s,
                    "v2 signDoc: the CAdES is a CMS SignedData carrying the "
                    "signer's certificate")
        vi = r.get("validationInfo") or {}
        certs = [base64.b64decode(x) for x in vi.get("certificates") or []]
        R.check(bool(certs) and certs[0] == (self.certs or [b""])[0] and
                len(vi.get("ocsp") or []) == 1 and
                len(vi.get("crl") or []) == 1,
                "v2 signDoc returnValidationInfo: validationInfo with the "
                "signer's certificate first, an OCSP response and a CRL", vi)
        left1 = self.left(api)
        R.check(isinstance(left0, int) and left0 - left1 == 2,
                "v2 signDoc: one transaction per signature (2)",
                "%r -> %r" % (left0, left1))
        r = c.sign_doc(api, self.cred, sad, self.algo, docs)
        R.error(r, 400, "invalid_request", "v2 signDoc: the SAD reused: 400 "
                "invalid_request (single use)")

        # a document the SAD does not cover: refused, nothing counted
        r = self.authorize(api, [ht])
        sad = r.get("SAD")
        r = c.sign_doc(api, self.cred, sad, self.algo,
                       [(txt + b"changed", "C", None)])
        R.error(r, 400, "invalid_request", "v2 signDoc: a document not "
                "covered by the SAD: 400 invalid_request", "hash")
        R.check(self.left(api) == left1, "v2 signDoc: ... and no transaction "
                "counted", self.left(api))
        r = c.sign_doc(api, self.cred, sad, self.algo, [(txt, "C", None)])
        R.check(r.status == 200 and len(r.get("SignatureObject") or []) == 1,
                "v2 signDoc: the SAD still signs the document it covers", r)

        # a malformed PDF: a clear error, the SAD not spent
        bad = b"%PDF-1.7\nthis is not a PDF\n%%EOF\n"
        r = self.authorize(api, [hashlib.sha256(bad).digest()])
        sad = r.get("SAD")
        left2 = self.left(api)
        r = c.sign_doc(api, self.cred, sad, self.algo, [(bad, "P", None)])
        R.error(r, 400, "invalid_request", "v2 signDoc: a malformed PDF with "
                "signature_format P: 400 invalid_request", "document")
        R.check(self.left(api) == left2, "v2 signDoc: ... nothing counted",
                self.left(api))
        r = c.sign_doc(api, self.cred, sad, self.algo,
                       [(bad, "C", "Attached")])
        dws = r.get("DocumentWithSignature") or []
        R.check(r.status == 200 and len(dws) == 1 and
                bad in base64.b64decode(dws[0]),
                "v2 signDoc: the same SAD then signs it as an attached "
                "CAdES (the content inside)", r)

        # documentDigests: a detached CAdES over each digest
        h = sha("a digest signed through signDoc")
        r = self.authorize(api, [h])
        sad = r.get("SAD")
        r = c.sign_doc(api, self.cred, sad, self.algo, digests=[h])
        R.check(r.status == 200 and len(r.get("SignatureObject") or []) == 1,
                "v2 signDoc documentDigests: a CAdES in SignatureObject", r)
        r = self.authorize(api, [h])
        sad = r.get("SAD")
        r = c.sign_doc(api, self.cred, sad, self.algo,
                       digests=[sha("another digest")])
        R.error(r, 400, "invalid_request", "v2 signDoc documentDigests: a "
                "digest not covered by the SAD: 400 invalid_request")
        r = c.sign_doc(api, self.cred, sad, self.algo, [(txt, "X", None)])
        R.error(r, 400, "invalid_request", "v2 signDoc: an unknown "
                "signature_format: 400 invalid_request")
        r = c.sign_doc(api, self.cred, sad, self.algo, digests=[h],
                       level="Ades-B-LTA")
        R.error(r, 400, "invalid_request", "v2 signDoc: documentDigests at "
                "Ades-B-LTA (a CMS over a digest is made up to B-T): 400 "
                "invalid_request")
        r = c.sign_doc(api, self.cred, sad, self.algo, [(txt, "C", None)],
                       level="Ades-B-LTA")
        R.error(r, 400, "invalid_request", "v2 signDoc: a CAdES at "
                "Ades-B-LTA (made up to B-LT): 400 invalid_request")
        r = c.sign_doc(api, self.cred, sad, self.algo, digests=[h],
                       level="Ades-X")
        R.error(r, 400, "invalid_request", "v2 signDoc: a conformance_level "
                "info does not list: 400 invalid_request")
        md5_rsa = "1.2.840.113549.1.1.4"
        r = c.sign_doc(api, self.cred, sad, md5_rsa, digests=[h])
        R.error(r, 400, "invalid_request", "v2 signDoc: a signAlgo the key "
                "cannot do: 400 invalid_request")

    def revoke_and_expiry(self, api):
        R = self.rep
        v = api.v
        api.login(self.user, self.password)  # another version's run may
        other = c.Api(self.base, v)          # have moved the clock past it
        other.login(self.user, self.password)
        r = api.revoke(other.token)
        R.check(r.status == 204, "v%d auth/revoke: 204" % v, r)
        r = other.list()
        R.check(r.status in (400, 401) and r.error == "invalid_token",
                "v%d a revoked token: invalid_token" % v, r)
        r = api.revoke(api.token, "refresh_token")
        R.check(r.status in (204, 400), "v%d auth/revoke with "
                "token_type_hint refresh_token: answered (§11.3)" % v, r)
        if self.clock.hook:
            api.login(self.user, self.password)
            r = api.list()
            ok = r.status == 200
            self.clock.move(24 * 3600)
            r = api.list()
            R.check(ok and r.status in (400, 401) and r.error in (
                "invalid_token", "expired_token"),
                "v%d an expired access token: invalid_token" % v, r)
        else:
            R.skip("v%d an expired access token" % v, "needs CSC_CLOCK_CMD")

    # -- oauth2code mode (2.0.0.2 §8.4; RFC 6749, 7636, 9126, 9396)
    def oauth2_service(self, api):
        """The service scope through the code flow: api.token set."""
        R = self.rep
        a = self.auth
        r = api.info()
        R.check("oauth2code" in (r.get("authType") or []) and
                str(r.get("oauth2") or "").startswith("http"),
                "v2 info: authType oauth2code and the oauth2 base URI "
                "(§11.1)", r)
        if r.get("oauth2"):
            a.base = r.get("oauth2").rstrip("/")
        code, verifier, state = a.service()
        R.check(bool(code) and a.last.get("state") == state,
                "oauth2 authorize (scope service): the holder's consent "
                "gives a code and the state back (RFC 6749 §4.1.2)", a.last)
        r = a.token(code, c.b64url(os.urandom(32)))
        R.error(r, 400, "invalid_grant", "oauth2 token with a wrong PKCE "
                "verifier: 400 invalid_grant (RFC 7636 §4.6)")
        r = a.token(code, verifier)
        tok = r.get("access_token")
        R.check(r.status == 200 and tok and
                str(r.get("token_type", "")).lower() == "bearer",
                "oauth2 token (authorization_code + PKCE S256): a Bearer "
                "access token", r)
        r2 = a.token(code, verifier)
        R.error(r2, 400, "invalid_grant", "oauth2 the code reused: 400 "
                "invalid_grant (single use)")
        if not tok:
            return False
        # The reuse revoked that grant (RFC 6749 §4.1.2): another one.
        code, verifier, _ = a.service()
        r = a.token(code, verifier)
        tok, rt = r.get("access_token"), r.get("refresh_token")
        api.token = tok
        if rt:
            r = a.refresh(rt)
            R.check(r.status == 200 and r.get("access_token") and
                    r.get("refresh_token") not in (None, rt),
                    "oauth2 refresh_token: a new access token and a new "
                    "refresh token (rotation)", r)
            if r.status == 200:
                api.token = r.get("access_token")
        return bool(api.token)

    def oauth2_sign(self, api):
        R = self.rep
        a = self.auth
        h1, h2 = sha("oauth2 contract one"), sha("oauth2 contract two")
        code, verifier, state = a.credential(self.cred, [h1, h2],
                                             ["Contract 1.pdf", "Anexa 2.pdf"])
        R.check(bool(code) and a.last.get("state") == state,
                "oauth2 PAR with authorization_details (two documents) -> "
                "consent -> a code and the state", a.last)
        r = a.token(code, c.b64url(os.urandom(32)))
        R.error(r, 400, "invalid_grant", "oauth2 credential code with a "
                "wrong PKCE verifier: invalid_grant")
        r = a.token(code, verifier)
        ctok = r.get("access_token")
        R.check(r.status == 200 and ctok,
                "oauth2 token: a credential-scope access token", r)
        if not ctok:
            return
        capi = c.Api(self.base, 2, ctok)
        r = capi.sign_hash(self.cred, None, [sha("not consented")], self.algo)
        R.error(r, 400, "invalid_request", "oauth2 signHash of a hash not "
                "consented to: 400 invalid_request")
        r = capi.sign_hash(self.cred, None, [h1, h2], self.algo)
        sigs = r.get("signatures") or []
        R.check(r.status == 200 and len(sigs) == 2,
                "oauth2 signHash with the credential token and no SAD: two "
                "signatures", r)
        for i, (h, sg) in enumerate(zip((h1, h2), sigs)):
            v = verify_sig(self.certs[0], h, base64.b64decode(sg))
            if v is None:
                R.skip("oauth2 signature %d verifies" % (i + 1),
                       "no python3-cryptography")
            else:
                R.check(v, "oauth2 signature %d verifies with the "
                        "certificate's key" % (i + 1))
        r = capi.sign_hash(self.cred, None, [h1], self.algo)
        R.error(r, 400, "invalid_request", "oauth2 the consent's SAD is "
                "spent: the same hash again refused")
        r = a.token(code, verifier)
        R.error(r, 400, "invalid_grant", "oauth2 the credential code "
                "reused: invalid_grant")
        r = capi.cred_info(self.cred)
        R.check(r.status == 401 and r.error == "invalid_token",
                "oauth2 ... and the token it gave is revoked (RFC 6749 "
                "§4.1.2): 401 invalid_token", r)

        # signDoc under the consent of a document's hash
        pdf = minimal_pdf(b"signed after an OAuth2 consent")
        ctok = a.credential_token(self.cred, [hashlib.sha256(pdf).digest()],
                                  ["Consented.pdf"])
        capi = c.Api(self.base, 2, ctok)
        r = c.sign_doc(capi, self.cred, None, self.algo, [(pdf, "P", None)])
        dws = r.get("DocumentWithSignature") or []
        R.check(r.status == 200 and len(dws) == 1 and
                base64.b64decode(dws[0]).startswith(pdf),
                "oauth2 signDoc with the credential token and no SAD: the "
                "consented PDF signed", r)

    def run_oauth2code(self):
        R = self.rep
        api = c.Api(self.base, 2)
        self.info(api)
        if self.oauth2_service(api) and self.credentials(api):
            self.oauth2_sign(api)
            self.timestamp(api)
        return R.done()

    def run(self):
        R = self.rep
        if self.auth.name == "oauth2code":
            print("# CSC conformance: %s, mode oauth2code, version 2" %
                  self.base)
            return self.run_oauth2code()
        print("# CSC conformance: %s, mode %s, versions %s" % (
            self.base, self.auth.name, self.versions))
        self.other_cred = None
        if self.other[0]:
            o = c.Api(self.base, 2)
            if o.login(*self.other).status == 200:
                ids = o.list().get("credentialIDs") or []
                self.other_cred = ids[0] if ids else None
        apis = [c.Api(self.base, v) for v in self.versions]
        for api in apis:
            self.info(api)
            if not self.login(api) or not self.credentials(api):
                continue
            self.sign(api)
            self.negatives(api)
            self.timestamp(api)
            if api.v == 2:
                self.signdoc(api, api.info().get("methods") or [])
        for api in apis:
            if api.token:
                self.revoke_and_expiry(api)
        return R.done()


def session_from_env(env):
    clock = c.Clock(env.get("CSC_CLOCK_CMD"), env.get("CSC_STATE_FILE"))
    s = c.Session(c.Api(env["CSC_BASE_URL"], int(env.get("CSC_VERSION", "2"))),
                  c.Explicit(env["CSC_TOTP_SECRET"], clock),
                  env.get("CSC_CREDENTIAL_ID"))
    return s.open(env["CSC_USER"], env["CSC_PASSWORD"])


SIGNDOC_KINDS = {
    "pades": ("P", "Revision", "Ades-B-B"),
    "pades-cert": ("P", "Certification", "Ades-B-B"),
    "pades-bt": ("P", "Revision", "Ades-B-T"),
    "pades-blta": ("P", "Revision", "Ades-B-LTA"),
    "cades-blt": ("C", "Detached", "Ades-B-LT"),
    "cades": ("C", "Detached", "Ades-B-B"),
    "cades-attached": ("C", "Attached", "Ades-B-B"),
    "digest": (None, None, "Ades-B-B"),
}


def signdoc_main(env, argv):
    if len(argv) != 5 or argv[2] not in SIGNDOC_KINDS:
        print("usage: %s signdoc %s IN OUT" % (
            argv[0], "|".join(SIGNDOC_KINDS)), file=sys.stderr)
        return 2
    fmt, envp, level = SIGNDOC_KINDS[argv[2]]
    env = dict(env)
    env["CSC_VERSION"] = "2"
    s = session_from_env(env)
    with open(argv[3], "rb") as f:
        data = f.read()
    if fmt is None:
        r = s.sign_doc(digests=[hashlib.sha256(data).digest()], level=level)
    else:
        r = s.sign_doc([(data, fmt, envp)], level=level)
    out = (r.get("DocumentWithSignature") or []) + (
        r.get("SignatureObject") or [])
    if r.status != 200 or len(out) != 1:
        print("signatures/signDoc: %r" % r, file=sys.stderr)
        return 1
    with open(argv[4], "wb") as f:
        f.write(base64.b64decode(out[0]))
    return 0


def main(argv):
    env = os.environ
    if len(argv) >= 2 and argv[1] in ("pades", "cades"):
        if len(argv) != 4:
            print("usage: %s %s IN OUT" % (argv[0], argv[1]), file=sys.stderr)
            return 2
        s = session_from_env(env)
        with open(argv[2], "rb") as f:
            data = f.read()
        out = (pdfsign.sign_pdf(data, s) if argv[1] == "pades"
               else cms.cades_detached(data, s))
        with open(argv[3], "wb") as f:
            f.write(out)
        return 0
    if len(argv) >= 2 and argv[1] == "signdoc":
        return signdoc_main(env, argv)
    for k in ("CSC_BASE_URL", "CSC_USER", "CSC_PASSWORD", "CSC_TOTP_SECRET"):
        if not env.get(k):
            print("%s is not set (see the top of %s)" % (k, argv[0]),
                  file=sys.stderr)
            return 2
    return Suite(env, "--strict" in argv).run()


if __name__ == "__main__":
    sys.exit(main(sys.argv))
