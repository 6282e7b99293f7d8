"""A small DER reader/writer and the CMS SignedData (RFC 5652) a remote
signature needs: detached, SHA-256, signed attributes contentType,
messageDigest and signing-certificate-v2 (RFC 5035; ETSI EN 319 122-1
requires it for CAdES/PAdES baseline B), the signer's certificate chain.
The signature value comes from elsewhere (a CSC signHash of the digest of
the DER signed attributes). Standard library only."""

import hashlib

OID_DATA = "1.2.840.113549.1.7.1"
OID_SIGNED_DATA = "1.2.840.113549.1.7.2"
OID_CONTENT_TYPE = "1.2.840.113549.1.9.3"
OID_MESSAGE_DIGEST = "1.2.840.113549.1.9.4"
OID_SIGNING_CERT_V2 = "1.2.840.113549.1.9.16.2.47"
OID_SHA256 = "2.16.840.1.101.3.4.2.1"
OID_RSA = "1.2.840.113549.1.1.1"
OID_ECDSA_SHA256 = "1.2.840.10045.4.3.2"


# ---- writing ----------------------------------------------------------------

def tlv(tag, content):
    n = len(content)
    if n < 0x80:
        ln = bytes([n])
    else:
        b = n.to_bytes((n.bit_length() + 7) // 8, "big")
        ln = bytes([0x80 | len(b)]) + b
    return bytes([tag]) + ln + content


def seq(*items):
    return tlv(0x30, b"".join(items))


def set_of(*items):
    # DER: a SET OF's elements sorted by their encodings (X.690 11.6)
    return tlv(0x31, b"".join(sorted(items)))


def integer(v):
    if v == 0:
        return tlv(0x02, b"\x00")
    b = v.to_bytes((v.bit_length() + 8) // 8, "big")
    return tlv(0x02, b)


def octets(b):
    return tlv(0x04, b)


def null():
    return b"\x05\x00"


def oid(dotted):
    parts = [int(p) for p in dotted.split(".")]
    out = bytearray([40 * parts[0] + parts[1]])
    for p in parts[2:]:
        enc = [p & 0x7F]
        p >>= 7
        while p:
            enc.append(0x80 | (p & 0x7F))
            p >>= 7
        out += bytes(reversed(enc))
    return tlv(0x06, bytes(out))


def ctx(n, content, constructed=True):
    return tlv((0xA0 if constructed else 0x80) | n, content)


def algid(dotted, params=None):
    return seq(oid(dotted), params) if params is not None else seq(oid(dotted))


# ---- reading ----------------------------------------------------------------

def read(buf, pos=0):
    """One TLV at pos: (tag, header length, content length, end)."""
    tag = buf[pos]
    ln = buf[pos + 1]
    hl = 2
    if ln & 0x80:
        k = ln & 0x7F
        ln = int.from_bytes(buf[pos + 2:pos + 2 + k], "big")
        hl += k
    return tag, hl, ln, pos + hl + ln


def children(buf, pos=0):
    """The (start, end) of each element inside the constructed TLV at pos."""
    _, hl, ln, end = read(buf, pos)
    p = pos + hl
    out = []
    while p < end:
        e = read(buf, p)[3]
        out.append((p, e))
        p = e
    return out


class Cert:
    """What a CMS needs of an X.509 certificate (DER)."""

    def __init__(self, der):
        self.der = der
        tbs = children(der)[0]
        kids = children(der, tbs[0])
        i = 1 if der[kids[0][0]] == 0xA0 else 0  # [0] version
        s, e = kids[i]
        self.serial_der = der[s:e]
        self.serial = int.from_bytes(der[s + read(der, s)[1]:e], "big",
                                     signed=True)
        s, e = kids[i + 2]
        self.issuer_der = der[s:e]
        s, e = kids[i + 4]
        self.subject_der = der[s:e]
        s, e = kids[i + 5]
        self.spki_der = der[s:e]


# ---- CMS --------------------------------------------------------------------

def signed_attrs(content_digest, signer):
    """The signed attributes as the DER SET (what is hashed and signed)."""
    ess = seq(seq(seq(
        octets(hashlib.sha256(signer.der).digest()),
        # IssuerSerial: issuer GeneralNames (directoryName [4]), serial
        seq(seq(ctx(4, signer.issuer_der)), signer.serial_der))))
    return set_of(
        seq(oid(OID_CONTENT_TYPE), set_of(oid(OID_DATA))),
        seq(oid(OID_MESSAGE_DIGEST), set_of(octets(content_digest))),
        seq(oid(OID_SIGNING_CERT_V2), set_of(ess)))


def signed_data(attrs, signature, certs, rsa=True):
    """ContentInfo(SignedData), detached. attrs: signed_attrs()'s SET;
    certs: DER, the signer first."""
    signer = Cert(certs[0])
    sig_alg = algid(OID_RSA, null()) if rsa else algid(OID_ECDSA_SHA256)
    signer_info = seq(
        integer(1),
        seq(signer.issuer_der, signer.serial_der),
        algid(OID_SHA256, null()),
        b"\xa0" + attrs[1:],  # [0] IMPLICIT SET
        sig_alg,
        octets(signature))
    sd = seq(
        integer(1),
        set_of(algid(OID_SHA256, null())),
        seq(oid(OID_DATA)),
        ctx(0, b"".join(certs)),
        set_of(signer_info))
    return seq(oid(OID_SIGNED_DATA), ctx(0, sd))


def cades_detached(content, session):
    """A CAdES-B-B detached signature of content through a CSC session."""
    attrs = signed_attrs(hashlib.sha256(content).digest(),
                         Cert(session.certs[0]))
    sig = session.sign_digests([hashlib.sha256(attrs).digest()])[0]
    return signed_data(attrs, sig, session.certs, session.is_rsa)


def tst_info(token):
    """(hashedMessage, nonce or None) of an RFC 3161 token (ContentInfo)."""
    sd = children(token, children(token)[1][0])[0]          # [0] -> SignedData
    encap = children(token, sd[0])[2]                       # encapContentInfo
    econt = children(token, children(token, encap[0])[1][0])[0]  # [0] -> OCTET
    _, hl, _, end = read(token, econt[0])
    tst = token[econt[0] + hl:end]
    kids = children(tst)
    mi = children(tst, kids[2][0])
    s, e = mi[1]
    hashed = tst[s + read(tst, s)[1]:e]
    nonce = None
    for s, e in kids[5:]:
        if tst[s] == 0x02:
            nonce = int.from_bytes(tst[s + read(tst, s)[1]:e], "big")
            break
    return hashed, nonce
