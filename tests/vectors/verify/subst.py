#!/usr/bin/python3
# subst.py IN OUT OLD.der NEW.der [N]: replace the certificate OLD by NEW
# inside the CMS of the N-th PDF signature (default 1) or of a .p7s (IN
# not a PDF), fixing the DER lengths around it. The signature value and
# the signed attributes are untouched: a certificate substituted for the
# same key.
import re, sys

def tlv(buf, off):
    """(tag end, length, header length) of the TLV at off."""
    l = buf[off + 1]
    if l < 0x80:
        return l, 2
    n = l & 0x7f
    return int.from_bytes(buf[off + 2:off + 2 + n], 'big'), 2 + n

def enc_len(n):
    if n < 0x80:
        return bytes([n])
    b = n.to_bytes((n.bit_length() + 7) // 8, 'big')
    return bytes([0x80 | len(b)]) + b

def replace(buf, old, new):
    """Rebuild the DER tree of buf with the subtree old replaced."""
    if buf == old:
        return new
    l, hl = tlv(buf, 0)
    if not (buf[0] & 0x20):  # primitive
        return buf
    body, off, out = buf[hl:hl + l], 0, b''
    while off < len(body):
        cl, chl = tlv(body, off)
        out += replace(body[off:off + chl + cl], old, new)
        off += chl + cl
    return bytes([buf[0]]) + enc_len(len(out)) + out

src, dst, oldf, newf = sys.argv[1:5]
n = int(sys.argv[5]) if len(sys.argv) > 5 else 1
data = open(src, 'rb').read()
old, new = open(oldf, 'rb').read(), open(newf, 'rb').read()
if not data.startswith(b'%PDF'):
    l, hl = tlv(data, 0)
    out = replace(data[:hl + l], old, new)
    assert out != data[:hl + l], 'certificate not found'
    open(dst, 'wb').write(out)
    sys.exit(0)
m = list(re.finditer(rb'/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]',
                     data))[n - 1]
a, b = int(m.group(2)), int(m.group(3))
der = bytes.fromhex(data[a + 1:b - 1].decode())
l, hl = tlv(der, 0)
out = replace(der[:hl + l], old, new)
assert out != der[:hl + l], 'certificate not found'
hexs = out.hex().encode()
assert len(hexs) <= b - a - 2, 'no room'
data = data[:a + 1] + hexs + b'0' * (b - a - 2 - len(hexs)) + data[b - 1:]
open(dst, 'wb').write(data)
