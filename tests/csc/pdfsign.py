"""PAdES by a remote signing client (ETSI EN 319 142-1 baseline B-B):
an incremental update adds a signature field (an invisible widget on the
first page) and its signature dictionary (/SubFilter /ETSI.CAdES.detached)
with a /ByteRange and a zero-filled /Contents placeholder; the client
hashes the byte ranges, builds the CMS signed attributes itself, has their
digest signed through CSC signHash, and writes the CMS into /Contents.

Scope: PDFs with a classic cross-reference table whose catalog and first
page are plain objects (not in an object stream), and without an
/AcroForm yet. Standard library only."""

import hashlib
import re
import time

import cms

CONTENTS_BYTES = 16384


def _last_obj(data, num):
    """(start of the dictionary text, end) of object num's latest body."""
    m = None
    for m in re.finditer(rb"(?<![0-9])%d\s+0\s+obj\b" % num, data):
        pass
    if m is None:
        raise ValueError("object %d not found (in an object stream?)" % num)
    end = data.index(b"endobj", m.end())
    return m.end(), end


def _ref(text, key):
    m = re.search(rb"/" + key + rb"\s+(\d+)\s+0\s+R", text)
    return int(m.group(1)) if m else None


def _trailer(data):
    sx = data.rindex(b"startxref")
    prev = int(data[sx + 9:].split()[0])
    if data[prev:prev + 4] != b"xref":
        raise ValueError("a cross-reference stream: not handled here")
    t = data.rindex(b"trailer", 0, sx)
    return prev, data[t:sx]


def prepare(data, name="Signature1"):
    """The PDF with the placeholder: (bytes, byte range, contents offset)."""
    prev, trailer = _trailer(data)
    root = _ref(trailer, b"Root")
    size = int(re.search(rb"/Size\s+(\d+)", trailer).group(1))
    s, e = _last_obj(data, root)
    catalog = data[s:e].strip()
    if b"/AcroForm" in catalog:
        raise ValueError("the PDF has an /AcroForm already: not handled here")
    pages = _ref(catalog, b"Pages")
    s, e = _last_obj(data, pages)
    kids = re.search(rb"/Kids\s*\[\s*(\d+)\s+0\s+R", data[s:e])
    page = int(kids.group(1))
    s, e = _last_obj(data, page)
    page_dict = data[s:e].strip()
    if re.search(rb"/Annots\s+\d+\s+0\s+R", page_dict):
        raise ValueError("the page's /Annots is an indirect array")

    field, sig = size, size + 1
    if b"/Annots" in page_dict:
        page_dict = re.sub(rb"/Annots\s*\[", b"/Annots [%d 0 R " % field,
                           page_dict, count=1)
    else:
        page_dict = page_dict[:-2] + b" /Annots [%d 0 R] >>" % field
    catalog = catalog[:-2] + (b" /AcroForm << /Fields [%d 0 R] /SigFlags 3 >> >>"
                              % field)
    when = time.strftime("D:%Y%m%d%H%M%SZ", time.gmtime())
    objs = [
        (root, catalog),
        (page, page_dict),
        (field, b"<< /Type /Annot /Subtype /Widget /FT /Sig /T (%s) /V %d 0 R"
                b" /Rect [0 0 0 0] /F 132 /P %d 0 R >>"
                % (name.encode(), sig, page)),
        (sig, b"<< /Type /Sig /Filter /Adobe.PPKLite /SubFilter"
              b" /ETSI.CAdES.detached /ByteRange [0 ********** ********** **********]"
              b" /Contents <" + b"0" * (2 * CONTENTS_BYTES) + b"> /M (" +
              when.encode() + b") >>"),
    ]
    out = bytearray(data)
    if not out.endswith(b"\n"):
        out += b"\n"
    offsets = {}
    for num, body in objs:
        offsets[num] = len(out)
        out += b"%d 0 obj\n%s\nendobj\n" % (num, body)
    xref = len(out)
    out += b"xref\n0 1\n0000000000 65535 f \n"
    for num in sorted(offsets):
        out += b"%d 1\n%010d 00000 n \n" % (num, offsets[num])
    extra = b""
    for key in (rb"/Info\s+\d+\s+0\s+R", rb"/ID\s*\[[^\]]*\]"):
        m = re.search(key, trailer)
        if m:
            extra += b" " + m.group(0)
    out += (b"trailer\n<< /Size %d /Root %d 0 R /Prev %d%s >>\nstartxref\n%d\n"
            b"%%%%EOF\n" % (size + 2, root, prev, extra, xref))

    # the byte range: all but the <...> of /Contents
    c0 = out.index(b"/Contents <", offsets[sig]) + len(b"/Contents ")
    c1 = c0 + 2 + 2 * CONTENTS_BYTES
    br = [0, c0, c1, len(out) - c1]
    text = b"[%d %d %d %d]" % tuple(br)
    ph = b"[0 ********** ********** **********]"
    i = out.index(ph, offsets[sig])
    out[i:i + len(ph)] = text.ljust(len(ph))
    return bytes(out), br, c0


def digest(pdf, br):
    h = hashlib.sha256()
    h.update(pdf[br[0]:br[0] + br[1]])
    h.update(pdf[br[2]:br[2] + br[3]])
    return h.digest()


def embed(pdf, c0, signature_der):
    if len(signature_der) > CONTENTS_BYTES:
        raise ValueError("the CMS does not fit /Contents")
    hx = signature_der.hex().encode().ljust(2 * CONTENTS_BYTES, b"0")
    return pdf[:c0 + 1] + hx + pdf[c0 + 1 + len(hx):]


def sign_pdf(data, session):
    """PAdES B-B of data (bytes) through a CSC session (cscclient)."""
    pdf, br, c0 = prepare(data)
    attrs = cms.signed_attrs(digest(pdf, br), cms.Cert(session.certs[0]))
    sig = session.sign_digests([hashlib.sha256(attrs).digest()])[0]
    return embed(pdf, c0, cms.signed_data(attrs, sig, session.certs,
                                          session.is_rsa))
