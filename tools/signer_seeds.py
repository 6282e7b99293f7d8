#!/usr/bin/python3
"""signer_seeds.py: seeds of the signer channel fuzzer
(tests/fuzz/fuzz_signer.c), one file per case.

usage: signer_seeds.py CORPUS_DIR

Each seed is what the web side could write into a channel: frames of a
16-byte header (magic "PCSG", version 1, type, id, length) and a body in
the message table's layout (src/signer/signer_msg.c). Per request type a
valid message and malformed ones (a field past its bound, a truncated or
overlong body, a NUL in text), then frames the signer must refuse at the
header (a reply type, an unknown type, a body longer than the type's
largest), and several frames in one input. Files are named
signer-<case>; fuzzing adds others.
"""
import os
import struct
import sys

PING, PONG, SIGN_SERVICE, SIG = 1, 2, 3, 4
ENROL_BEGIN, ENROL_CONFIRM, VERIFY, QR_URI, TOTP_REPLY = 5, 6, 7, 8, 9
PEEK = 10
SIGN_USER, SIGN_USER_REPLY = 20, 21
ISSUE_USER, ISSUE_USER_REPLY = 22, 23
CSC_AUTHORIZE, CSC_SAD_REPLY, CSC_SIGN, CSC_EXTEND = 24, 25, 26, 27
CSC_SIGN_DOC = 28
SIGN_RECOVER, SIGN_RECOVER_REPLY = 30, 31
KEYS_RETIRE, KEYS_RETIRE_REPLY = 32, 33
TOKEN = b"ab" * 32
USER = b"fuzzuser"


def u16(v):
    return struct.pack(">H", v)


def u32(v):
    return struct.pack(">I", v)


def b16(data):
    return u16(len(data)) + data


def frame(mtype, body, mid=1, magic=0x50435347, version=1, length=None):
    n = len(body) if length is None else length
    return struct.pack(">IHHII", magic, version, mtype, mid, n) + body


def sign_user(cred=b"791a4d5a9f4aee9819cbc84d251d3fab", sad=b"123456",
              mech=1, md=672, ts=0, hashes=None, renewal=b"", terms=b""):
    hashes = hashes if hashes is not None else [bytes(range(32))]
    body = b16(cred) + b16(sad) + u16(mech) + u32(md) + u16(ts)
    body += b16(renewal) + b16(terms)
    body += u16(len(hashes)) + b"".join(b16(h) for h in hashes)
    return body


def issue_user(user=USER, sad=b"123456", given=b"Ana", surname=b"Pop",
               email=b"ana@example.ro", country=b"RO", idt=1,
               idn=b"2900101410011", years=1, key=2, tx=100, renewal=b""):
    return (b16(user) + b16(sad) + b16(given) + b16(surname) + b16(email) +
            b16(country) + u16(idt) + b16(idn) + u16(years) + u16(key) +
            u32(tx) + b16(renewal))


def csc_authorize(user=USER, token=TOKEN, cred=b"791a4d5a9f4aee98",
                  code=b"123456", md=672, hashes=None):
    hashes = hashes if hashes is not None else [bytes(range(32))]
    return (b16(user) + b16(token) + b16(cred) + b16(code) + u32(md) +
            u16(len(hashes)) + b"".join(b16(h) for h in hashes))


def csc_sign(token=TOKEN, cred=b"791a4d5a9f4aee98", sad=b"cd" * 32, mech=1,
             md=672, hashes=None):
    hashes = hashes if hashes is not None else [bytes(range(32))]
    return (b16(token) + b16(cred) + b16(sad) + u16(mech) + u32(md) +
            u16(len(hashes)) + b"".join(b16(h) for h in hashes))


def csc_sign_doc(token=TOKEN, cred=b"791a4d5a9f4aee98", sad=b"cd" * 32,
                 mech=1, md=672, ts=0, dmd=672, docs=None, hashes=None):
    docs = docs if docs is not None else [bytes(32)]
    hashes = hashes if hashes is not None else [bytes(range(32))]
    return (b16(token) + b16(cred) + b16(sad) + u16(mech) + u32(md) +
            u16(ts) + u32(dmd) + u16(len(docs)) +
            b"".join(b16(h) for h in docs) + u16(len(hashes)) +
            b"".join(b16(h) for h in hashes))


def cases():
    h32 = bytes(range(32))
    yield "ping", frame(PING, b"")
    yield "ping-body", frame(PING, b"x")
    yield "sign-service", frame(
        SIGN_SERVICE, b16(b"tsa-key") + u16(2) + u32(672) + b16(h32))
    yield "sign-service-badmech", frame(
        SIGN_SERVICE, b16(b"tsa-key") + u16(9) + u32(672) + b16(h32))
    yield "sign-service-longhash", frame(
        SIGN_SERVICE, b16(b"tsa-key") + u16(1) + u32(672) + b16(bytes(65)))
    yield "sign-service-nul", frame(
        SIGN_SERVICE, b16(b"tsa\0key") + u16(1) + u32(672) + b16(h32))
    yield "sign-service-trailing", frame(
        SIGN_SERVICE, b16(b"ocsp") + u16(1) + u32(672) + b16(h32) + b"\0")
    yield "totp-begin", frame(ENROL_BEGIN, b16(USER) + b16(b"ion@example.ro"))
    yield "totp-confirm", frame(ENROL_CONFIRM, b16(USER) + b16(b"123456"))
    yield "totp-verify", frame(
        VERIFY, b16(USER) + b16(b"login") + b16(b"654321"))
    yield "totp-verify-nopurpose", frame(
        VERIFY, b16(USER) + b16(b"") + b16(b"654321"))
    yield "totp-verify-longcode", frame(
        VERIFY, b16(USER) + b16(b"sign") + b16(b"1" * 17))
    yield "totp-qr", frame(QR_URI, b16(USER) + b16(b"ion@example.ro"))
    yield "totp-peek", frame(
        PEEK, b16(USER) + b16(b"sign") + b16(b"654321"))
    yield "totp-peek-longcode", frame(
        PEEK, b16(USER) + b16(b"sign") + b16(b"1" * 17))
    yield "totp-nouser", frame(VERIFY, b16(b"") + b16(b"login") +
                               b16(b"000000"))
    yield "totp-unknown-user", frame(VERIFY, b16(b"nobody") +
                                     b16(b"login") + b16(b"000000"))
    yield "totp-begin-confirm-verify", (
        frame(ENROL_BEGIN, b16(USER) + b16(b"x"), 1) +
        frame(ENROL_CONFIRM, b16(USER) + b16(b"000000"), 2) +
        frame(VERIFY, b16(USER) + b16(b"sign") + b16(b"000001"), 3) +
        frame(QR_URI, b16(USER) + b16(b"x"), 4))
    yield "totp-peek-verify", (
        frame(PEEK, b16(USER) + b16(b"sign") + b16(b"000002"), 1) +
        frame(VERIFY, b16(USER) + b16(b"sign") + b16(b"000002"), 2))
    yield "sign-user", frame(SIGN_USER, sign_user())
    yield "sign-user-bt", frame(SIGN_USER, sign_user(ts=2, hashes=[h32] * 2))
    yield "sign-user-ts-over", frame(SIGN_USER, sign_user(ts=2))
    yield "sign-user-mixed-len", frame(
        SIGN_USER, sign_user(hashes=[h32, bytes(48)]))
    yield "sign-user-none", frame(SIGN_USER, sign_user(hashes=[]))
    yield "sign-user-max", frame(SIGN_USER, sign_user(hashes=[bytes(64)] * 100))
    yield "sign-user-101", frame(SIGN_USER, sign_user(hashes=[h32] * 101))
    yield "sign-user-longsad", frame(SIGN_USER, sign_user(sad=b"9" * 65))
    yield "sign-user-grant", frame(SIGN_USER, sign_user(sad=b"a" * 64))
    yield "sign-user-renewal", frame(SIGN_USER, sign_user(
        ts=1, renewal=b"0" * 32, terms=b"2026-01"))
    yield "sign-user-renewal-two", frame(SIGN_USER, sign_user(
        hashes=[h32] * 2, renewal=b"0" * 32, terms=b"2026-01"))
    yield "sign-user-renewal-noterms", frame(SIGN_USER, sign_user(
        renewal=b"0" * 32))
    yield "sign-user-terms-alone", frame(SIGN_USER, sign_user(
        terms=b"2026-01"))
    yield "issue-user", frame(ISSUE_USER, issue_user())
    yield "issue-user-years", frame(ISSUE_USER, issue_user(years=4))
    yield "issue-user-renewal", frame(
        ISSUE_USER, issue_user(sad=b"", renewal=b"0" * 32))
    yield "issue-user-renewal-long", frame(
        ISSUE_USER, issue_user(sad=b"", renewal=b"0" * 33))
    yield "issue-user-country", frame(ISSUE_USER, issue_user(country=b"ROU"))
    yield "issue-user-idtype", frame(ISSUE_USER, issue_user(idt=9))
    yield "issue-user-longname", frame(ISSUE_USER, issue_user(given=b"A" * 300))
    yield "issue-user-truncated", frame(ISSUE_USER, issue_user()[:-3])
    yield "reply-issue-to-signer", frame(
        ISSUE_USER_REPLY, u32(0) + u16(1) + u32(0) + b16(b"") + b16(b"") +
        b16(b""))
    yield "csc-authorize", frame(CSC_AUTHORIZE, csc_authorize())
    yield "csc-authorize-shorttoken", frame(
        CSC_AUTHORIZE, csc_authorize(token=b"ab" * 31))
    yield "csc-authorize-nomd", frame(CSC_AUTHORIZE, csc_authorize(md=0))
    yield "csc-authorize-mixed", frame(
        CSC_AUTHORIZE, csc_authorize(hashes=[bytes(32), bytes(48)]))
    yield "csc-authorize-short-hash", frame(
        CSC_AUTHORIZE, csc_authorize(hashes=[bytes(16)]))
    yield "csc-authorize-md-mismatch", frame(
        CSC_AUTHORIZE, csc_authorize(md=673))
    yield "csc-authorize-101", frame(
        CSC_AUTHORIZE, csc_authorize(hashes=[bytes(32)] * 101))
    yield "csc-sign", frame(CSC_SIGN, csc_sign())
    yield "csc-sign-nosad", frame(CSC_SIGN, csc_sign(sad=b""))
    yield "csc-sign-badmech", frame(CSC_SIGN, csc_sign(mech=9))
    yield "csc-sign-doc", frame(CSC_SIGN_DOC, csc_sign_doc())
    yield "csc-sign-doc-bt", frame(CSC_SIGN_DOC, csc_sign_doc(ts=1))
    yield "csc-sign-doc-count-mismatch", frame(
        CSC_SIGN_DOC, csc_sign_doc(docs=[bytes(32)] * 2))
    yield "csc-sign-doc-ts-partial", frame(
        CSC_SIGN_DOC, csc_sign_doc(docs=[bytes(32)] * 2,
                                   hashes=[bytes(32)] * 2, ts=1))
    yield "csc-sign-doc-pss", frame(CSC_SIGN_DOC, csc_sign_doc(mech=4))
    yield "csc-extend", frame(
        CSC_EXTEND, b16(TOKEN) + b16(b"791a4d5a9f4aee98") + b16(b"cd" * 32))
    yield "csc-authorize-sign-extend", (
        frame(CSC_AUTHORIZE, csc_authorize(), 1) +
        frame(CSC_SIGN, csc_sign(), 2) +
        frame(CSC_EXTEND, b16(TOKEN) + b16(b"79") + b16(b"cd" * 32), 3))
    yield "sign-recover", frame(
        SIGN_RECOVER, b16(USER) + b16(b"b" * 32))
    yield "sign-recover-noid", frame(SIGN_RECOVER, b16(USER) + b16(b""))
    yield "sign-recover-longid", frame(
        SIGN_RECOVER, b16(USER) + b16(b"b" * 200))
    yield "keys-retire", frame(KEYS_RETIRE, b"")
    yield "keys-retire-body", frame(KEYS_RETIRE, b"x")
    yield "reply-keys-retire-to-signer", frame(
        KEYS_RETIRE_REPLY, u32(0) + u32(1))
    yield "reply-recover-to-signer", frame(
        SIGN_RECOVER_REPLY, u32(0) + u16(0) + u16(1) + u32(1) + u32(1) +
        u32(3))
    yield "body-recover-reply", (u32(0) + u16(0) + u16(2) + u32(0) +
                                 u32(0) + u32(0))
    yield "reply-sad-to-signer", frame(
        CSC_SAD_REPLY, u32(0) + u16(0) + u32(0) + b16(b"cd" * 32) + u32(300))
    yield "body-sad-reply", (u32(0) + u16(0) + u32(0) + b16(b"cd" * 32) +
                             u32(300))
    yield "sign-user-truncated", frame(SIGN_USER, sign_user()[:-5])
    yield "reply-to-signer", frame(SIG, u32(0) + b16(b"sig"))
    yield "reply-user-to-signer", frame(
        SIGN_USER_REPLY, u32(0) + u16(0) + u32(0) + u32(5) + u16(0))
    yield "unknown-type", frame(99, b"abc")
    yield "bad-magic", frame(PING, b"", magic=0x50435348)
    yield "bad-version", frame(PING, b"", version=2)
    yield "oversize", frame(SIGN_SERVICE, b"", length=1 << 20)
    yield "short-body", frame(SIGN_SERVICE, b16(b"tsa"), length=200)
    yield "many", b"".join(frame(PING, b"", i) for i in range(20))
    # Bodies alone (the decoders of every type see them too).
    yield "body-sig", u32(0) + b16(bytes(72))
    yield "body-totp-reply", (u32(0) + u16(0) + u32(0) + b16(b"A" * 32) +
                              b16(b"otpauth://totp/Pecete:x?secret=A"))
    yield "body-user-reply", (u32(0) + u16(0) + u32(0) + u32(7) + u16(2) +
                              b16(bytes(256)) + b16(bytes(256)))
    yield "body-user-reply-refused-sigs", (u32(0) + u16(1) + u32(0) +
                                           u32(7) + u16(1) + b16(b"s"))
    yield "empty", b""


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    for name, data in cases():
        with open(os.path.join(out, "signer-" + name), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main()
