#!/usr/bin/python3
# docts.py PDF TSA_URL: complete the document timestamp that mod.js
# prepared (the last placeholder /ByteRange): the byte range, its SHA-256
# timestamped by the TSA (openssl ts -query, curl, openssl ts -reply), the
# token's hex into /Contents. The file is changed in place.
import hashlib, re, subprocess, sys, tempfile, os

path, url = sys.argv[1], sys.argv[2]
data = bytearray(open(path, 'rb').read())
ph = b'/ByteRange[0 100000000 200000000 300000000]'
i = data.rfind(ph)
if i < 0:
    sys.exit('no placeholder /ByteRange')
a = data.index(b'<', i)
b = data.index(b'>', a) + 1
br = b'/ByteRange[0 %d %d %d' % (a, b, len(data) - b)
br = br + b' ' * (len(ph) - 1 - len(br)) + b']'
assert len(br) == len(ph)
data[i:i + len(ph)] = br
h = hashlib.sha256(bytes(data[:a]) + bytes(data[b:])).hexdigest()
with tempfile.TemporaryDirectory() as d:
    q, r, t = (os.path.join(d, n) for n in ('q.tsq', 'r.tsr', 'tok.der'))
    subprocess.run(['openssl', 'ts', '-query', '-digest', h, '-sha256',
                    '-cert', '-out', q], check=True, capture_output=True)
    subprocess.run(['curl', '-sf', '-H',
                    'Content-Type: application/timestamp-query',
                    '--data-binary', '@' + q, '-o', r, url], check=True)
    subprocess.run(['openssl', 'ts', '-reply', '-in', r, '-token_out',
                    '-out', t], check=True, capture_output=True)
    tok = open(t, 'rb').read()
hexs = tok.hex().encode()
room = b - a - 2
if len(hexs) > room:
    sys.exit('token too large')
data[a + 1:b - 1] = hexs + b'0' * (room - len(hexs))
open(path, 'wb').write(bytes(data))
