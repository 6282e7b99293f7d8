#!/bin/bash
# websign_appearance.sh: appearance profiles (OUG 140/2020) through the API:
#  - a profile with lines (professional title, register number, issuing
#    body) and a PNG with transparency, made by one user; the list shows it;
#  - refusals: too many lines, a line too long, with a control character
#    or with a character no font of the appearance has,
#    an image that is not a PNG/JPEG or too large, an 11th profile, another
#    user's profile (placing, uploading, deleting: 404);
#  - a web batch signs a plain PDF and a PDF/A-2b one with a visible box
#    using the profile: pdfsig valid; the image's colour is drawn inside the
#    box (pdftoppm, 72 dpi) and nowhere else; its transparent part is white;
#    the PDF/A-2b keeps its XMP (pdfaid:part 2, conformance B, byte for
#    byte) and the update has no /SMask nor transparency.
. "$PECETE_SRC/tests/support/lib.sh"
. "$PECETE_SRC/tests/support/api.sh"
pc_need --faketime curl sqlite3 openssl oathtool python3 pdfsig qpdf pdftoppm mutool faketime

T=$(pc_tmpdir)
D=$T/data
pc_init "$D" --dev
DB=$D/pecete.db
pc_serve "$D"
. "$PECETE_SRC/tests/support/idv.sh"
idv_fixtures

# ---- fixtures ------------------------------------------------------------------
# A plain PDF and a PDF/A-2b (XMP pdfaid, an sRGB output intent), by hand.
py 'import sys, zlib
def write(out, pdfa):
    objs = []
    extra = ""
    if pdfa:
        xmp = (b"<?xpacket begin=\"\xef\xbb\xbf\" id=\"W5M0MpCehiHzreSzNTczkc9d\"?>"
               b"<x:xmpmeta xmlns:x=\"adobe:ns:meta/\"><rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\">"
               b"<rdf:Description rdf:about=\"\" xmlns:pdfaid=\"http://www.aiim.org/pdfa/ns/id/\">"
               b"<pdfaid:part>2</pdfaid:part><pdfaid:conformance>B</pdfaid:conformance>"
               b"</rdf:Description></rdf:RDF></x:xmpmeta><?xpacket end=\"w\"?>")
        extra = "/Metadata 5 0 R /OutputIntents [6 0 R]"
    c = b"0.9 0.9 0.9 rg 0 0 595 842 re f"
    objs.append(("<< /Type /Catalog /Pages 2 0 R %s >>" % extra).encode())
    objs.append(b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>")
    objs.append(b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << >> >>")
    objs.append(b"<< /Length %d >>\nstream\n" % len(c) + c + b"\nendstream")
    if pdfa:
        objs.append(b"<< /Type /Metadata /Subtype /XML /Length %d >>\nstream\n" % len(xmp) + xmp + b"\nendstream")
        objs.append(b"<< /Type /OutputIntent /S /GTS_PDFA1 /OutputConditionIdentifier (sRGB IEC61966-2.1) /RegistryName (http://www.color.org) >>")
    body = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n" + b"".join(b"%d 0 obj\n" % (i + 1) + o + b"\nendobj\n" for i, o in enumerate(objs))
    open(out + ".raw", "wb").write(body + b"trailer\n<< /Root 1 0 R >>\n%%EOF\n")
write(sys.argv[1], False)
write(sys.argv[2], True)' "$T/plain.pdf" "$T/pdfa.pdf"
for f in plain pdfa; do
	qpdf --object-streams=disable "$T/$f.pdf.raw" "$T/$f.pdf" >/dev/null 2>&1
	[ -s "$T/$f.pdf" ] || { echo "FAIL - fixture $f"; exit 1; }
done
mutool show -b "$T/pdfa.pdf" Root/Metadata >"$T/xmp.before" 2>/dev/null
grep -q '<pdfaid:part>2</pdfaid:part><pdfaid:conformance>B</pdfaid:conformance>' "$T/xmp.before" ||
	{ echo "FAIL - the PDF/A fixture has no pdfaid"; exit 1; }
# A 40 x 40 RGBA PNG: the left half opaque magenta, the right half fully
# transparent (drawn white: alpha flattened).
py 'import sys, zlib, struct
w = h = 40
raw = b"".join(b"\0" + b"".join(b"\xff\x00\xff\xff" if x < 20 else b"\x00\x00\x00\x00" for x in range(w)) for y in range(h))
def chunk(t, d): return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d) & 0xffffffff)
png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 6, 0, 0, 0)) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")
open(sys.argv[1], "wb").write(png)
open(sys.argv[2], "wb").write(png[:60] + b"\0" * 200)
open(sys.argv[3], "wb").write(b"GIF89a" + b"\0" * 100)
open(sys.argv[4], "wb").write(b"\x89PNG\r\n\x1a\n" + b"\0" * (600 * 1024))' \
	"$T/logo.png" "$T/broken.png" "$T/x.gif" "$T/big.png"

img() {	# img PROFILE FILE: upload FILE as the profile's image
	CODE=$(curl -s -o "$T/body" -w '%{http_code}' -b "$JAR" -H "X-CSRF-Token: $CSRF" \
		-H 'Content-Type: application/octet-stream' --data-binary @"$2" \
		"$PC_URL/api/v1/appearances/$1/image")
	BODY=$(cat "$T/body")
}
up() {	# up BATCH FILE
	CODE=$(curl -s -o "$T/body" -w '%{http_code}' -b "$JAR" -H "X-CSRF-Token: $CSRF" \
		-H 'Content-Type: application/octet-stream' --data-binary @"$2" \
		"$PC_URL/api/v1/sign/batches/$1/files?name=$(basename "$2")")
	BODY=$(cat "$T/body")
}

# ---- profiles ---------------------------------------------------------------------
as op
api_signup_user op.ap@example.ro +40722000998
"$PECETE_BIN" user role --data "$D" --email op.ap@example.ro --role operator >/dev/null
as bob
api_signup_user bob.ap@example.ro +40722000222
api POST /api/v1/appearances '{"name":"Bob","lines":["Expert contabil"]}'
expect 201 - "another user's profile"
BOBP=$(jget id)
as ana
api_signup_user ana.ap@example.ro +40722000111
api POST /api/v1/appearances '{"name":"Avocat","lines":["Avocat definitiv","Nr. 12345","Baroul Cluj"]}'
expect 201 - "a profile with three lines"
P=$(jget id)
check "the list shows it, without an image yet, and not Bob's" \
	[ "$(jpath '[(p["id"], p["name"], p["lines"], p["image"]) for p in j["profiles"]], j["max"]')" = "([('$P', 'Avocat', ['Avocat definitiv', 'Nr. 12345', 'Baroul Cluj'], False)], 10)" ]
img "$P" "$T/logo.png"
check "a PNG with transparency accepted" [ "$CODE $(jpath 'j["profiles"][0]["image"], j["profiles"][0]["image_size"]')" = "200 (True, $(stat -c %s "$T/logo.png"))" ]
check "... stored as the bytes sent" [ "$(sql "SELECT hex(image) FROM appearance_profiles WHERE id = '$P'")" = "$(od -An -tx1 -v "$T/logo.png" | tr -d ' \n' | tr a-f A-F)" ]
img "$P" "$T/broken.png"
expect 400 bad_image "a cut PNG refused (decoded on upload)"
img "$P" "$T/x.gif"
expect 400 bad_image "a GIF refused"
img "$P" "$T/big.png"
expect 413 too_large "an image over 512 KB refused"
check "... the good image kept" [ "$(sql "SELECT length(image) FROM appearance_profiles WHERE id = '$P'")" = "$(stat -c %s "$T/logo.png")" ]
img "$BOBP" "$T/logo.png"
expect 404 not_found "no image into another user's profile"
api DELETE "/api/v1/appearances/$BOBP"
expect 404 not_found "another user's profile is not deleted"
api POST /api/v1/appearances '{"name":"X","lines":["1","2","3","4","5"]}'
expect 400 field_invalid "five lines refused"
api POST /api/v1/appearances "{\"name\":\"X\",\"lines\":[\"$(printf 'a%.0s' $(seq 81))\"]}"
expect 400 field_invalid "a line of 81 characters refused"
api POST /api/v1/appearances "{\"name\":\"X\",\"lines\":[\"$(printf 'ă%.0s' $(seq 80))\"]}"
expect 201 - "a line of 80 characters (160 bytes of UTF-8) accepted"
api POST /api/v1/appearances '{"name":"X","lines":["a\tb"]}'
expect 400 field_invalid "a control character refused"
api POST /api/v1/appearances '{"name":"X","lines":["\ud80c\udc00"]}'
expect 400 field_invalid "a character no font of the appearance has (U+13000) refused at once"
api POST /api/v1/appearances '{"name":"","lines":[]}'
expect 400 field_invalid "an empty name refused"
for i in 3 4 5 6 7 8 9 10; do api POST /api/v1/appearances "{\"name\":\"P$i\"}"; done
check "ten profiles" [ "$CODE $(jpath 'len(j["profiles"])')" = "201 10" ]
api POST /api/v1/appearances '{"name":"P11"}'
expect 409 appearance_limit "an eleventh refused"
api GET /api/v1/appearances
# One of the plain ones (P3..P10): profiles made in the same second are in
# no set order, so not the last of the list (it may be P).
LAST=$(jpath '[p["id"] for p in j["profiles"] if p["name"] == "P10"][0]')
api DELETE "/api/v1/appearances/$LAST"
check "one deleted" [ "$CODE $(jpath 'len(j["profiles"]), "'$LAST'" in [p["id"] for p in j["profiles"]]')" = "200 (9, False)" ]

# ---- signing with it ---------------------------------------------------------------
api_issued op.ap@example.ro || fail "issued user"
api POST /api/v1/sign/batches '{}'
expect 201 - "a batch"
B=$(jget id)
up "$B" "$T/plain.pdf"; up "$B" "$T/pdfa.pdf"
check "two files ready" [ "$(jpath '[f["state"] for f in j["files"]]')" = "['ready', 'ready']" ]
api POST "/api/v1/sign/batches/$B/files/0/placement" "{\"visible\":true,\"page\":1,\"x\":100,\"y\":100,\"w\":240,\"h\":80,\"appearance\":\"$BOBP\"}"
expect 404 appearance_gone "another user's profile refused at placement"
api POST "/api/v1/sign/batches/$B/files/0/placement" '{"visible":true,"page":1,"x":100,"y":100,"w":240,"h":80,"appearance":"nosuch"}'
expect 404 appearance_gone "an unknown profile refused"
api POST "/api/v1/sign/batches/$B/files/0/placement" "{\"visible\":true,\"page\":1,\"x\":100,\"y\":100,\"w\":240,\"h\":80,\"appearance\":\"${P}0\"}"
expect 400 field_invalid "a profile id one character too long: refused, not cut to a real one"
for n in 0 1; do
	api POST "/api/v1/sign/batches/$B/files/$n/placement" "{\"visible\":true,\"page\":1,\"x\":100,\"y\":100,\"w\":240,\"h\":80,\"appearance\":\"$P\"}"
	if [ "$CODE" = 200 ] && [ "$(jpath "j[\"files\"][$n][\"placement\"][\"appearance\"]")" = "$P" ]; then
		ok "file $n: the box kept with the profile"
	else
		fail "file $n: the box kept with the profile (got $CODE $BODY)"
	fi
done
# A profile deleted after it was placed: the batch is refused by name
# (appearance_gone), nothing counted, the code not used.
api POST /api/v1/appearances '{"name":"Gone"}'
expect 201 - "a tenth profile"
Q=$(jget id)
api POST /api/v1/sign/batches '{}'
B2=$(jget id)
up "$B2" "$T/plain.pdf"
api POST "/api/v1/sign/batches/$B2/files/0/placement" "{\"visible\":true,\"page\":1,\"x\":100,\"y\":100,\"w\":240,\"h\":80,\"appearance\":\"$Q\"}"
expect 200 - "the box placed with the tenth profile"
api DELETE "/api/v1/appearances/$Q"
expect 200 - "then the profile deleted"
# Fresh TOTP steps without waiting: the server's clock moves ahead.
pc_stop
AHEAD=60
pc_serve_ahead "$D" $AHEAD
TOTP=$(FAKETIME="+${AHEAD}s" LD_PRELOAD=$PC_FT_LIB oathtool --totp -b "$SECRET")
USED0=$(sql "SELECT transactions_left FROM credentials ORDER BY created_at DESC LIMIT 1")
api POST "/api/v1/sign/batches/$B2/sign" "{\"code\":\"$TOTP\"}"
expect 404 appearance_gone "signing with a deleted profile refused by name"
check "... its message says to choose another" [ "$(jget error.message)" = "The appearance profile no longer exists; choose another." ]
check "... nothing counted" [ "$(sql "SELECT transactions_left FROM credentials ORDER BY created_at DESC LIMIT 1")" = "$USED0" ]
api GET "/api/v1/sign/batches/$B2"
check "... the batch open again" [ "$(jget state)" = open ]
api POST "/api/v1/sign/batches/$B/sign" "{\"code\":\"$TOTP\"}"
expect 202 - "signed with one code (the same: the refusal did not use it)"
for i in $(seq 1 600); do
	api GET "/api/v1/sign/batches/$B"
	[ "$(jget state)" != signing ] && break
	sleep 0.1
done
check "both signed" [ "$(jpath 'j["state"], [f["state"] for f in j["files"]]')" = "('done', ['signed', 'signed'])" ]
for n in 0 1; do
	curl -s -o "$T/out$n.pdf" -b "$JAR" "$PC_URL/api/v1/sign/batches/$B/files/$n/signed"
	check "file $n: pdfsig Signature is Valid" bash -c "pdfsig '$T/out$n.pdf' 2>&1 | grep -q 'Signature is Valid'"
done
# 72 dpi: 1 pt = 1 px. Box x 100-340, y 100-180 (pixel rows 662-742); the
# image in its left third: magenta pixels there, none elsewhere; its
# transparent half white.
for n in 0 1; do
	pdftoppm -r 72 -png -f 1 -l 1 "$T/out$n.pdf" "$T/r$n" || fail "pdftoppm $n"
	check "file $n: the image's magenta inside the box (transparent half white), nowhere else" py 'import sys, glob, zlib, struct
d = open(glob.glob(sys.argv[1] + "*.png")[0], "rb").read()
pos, idat, w, h = 8, b"", 0, 0
while pos < len(d):
    n, t = struct.unpack(">I4s", d[pos:pos + 8]); c = d[pos + 8:pos + 8 + n]
    if t == b"IHDR": w, h, bd, ct = struct.unpack(">IIBB", c[:10]); assert bd == 8 and ct in (2, 6)
    if t == b"IDAT": idat += c
    pos += 12 + n
bpp = 3 if ct == 2 else 4
raw = zlib.decompress(idat); stride = w * bpp; rows = []; prev = bytearray(stride); i = 0
for y in range(h):
    f = raw[i]; line = bytearray(raw[i + 1:i + 1 + stride]); i += 1 + stride
    for x in range(stride):
        a = line[x - bpp] if x >= bpp else 0; b = prev[x]; cc = prev[x - bpp] if x >= bpp else 0
        if f == 1: line[x] = (line[x] + a) & 255
        elif f == 2: line[x] = (line[x] + b) & 255
        elif f == 3: line[x] = (line[x] + (a + b) // 2) & 255
        elif f == 4:
            p = a + b - cc; pa, pb, pc = abs(p - a), abs(p - b), abs(p - cc)
            line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else cc)) & 255
    rows.append(line); prev = line
inside = outside = 0
for y in range(h):
    for x in range(w):
        r, g, b = rows[y][x * bpp:x * bpp + 3]
        if r > 200 and g < 60 and b > 200:
            if 100 <= x <= 180 and 662 <= y <= 742: inside += 1
            else: outside += 1
# the transparent half (x 141-175) of the image rows: white, not black
white = sum(1 for y in range(670, 735) for x in range(145, 172) if min(rows[y][x * bpp:x * bpp + 3]) > 230)
print("inside", inside, "outside", outside, "white", white)
sys.exit(0 if inside > 800 and outside == 0 and white > 1000 else 1)' "$T/r$n"
done
check "the profile's lines are in the appearance (pdftotext)" bash -c "pdftotext '$T/out0.pdf' - | tr -s ' \n' ' ' | grep -q 'Avocat definitiv Nr. 12345 Baroul Cluj'"
mutool show -b "$T/out1.pdf" Root/Metadata >"$T/xmp.after" 2>/dev/null
check "PDF/A-2b: the XMP is as it was (pdfaid:part 2, conformance B)" \
	bash -c "grep -q '<pdfaid:part>2</pdfaid:part><pdfaid:conformance>B</pdfaid:conformance>' '$T/xmp.after' && cmp -s '$T/xmp.before' '$T/xmp.after'"
check "PDF/A-2b: the signed file keeps the original as a byte prefix" \
	cmp -n "$(stat -c %s "$T/pdfa.pdf")" "$T/pdfa.pdf" "$T/out1.pdf"
qpdf --qdf --object-streams=disable "$T/out1.pdf" "$T/out1-qdf.pdf" 2>/dev/null
check "PDF/A-2b: the appearance holds an image XObject" grep -aq '/Subtype /Image' "$T/out1-qdf.pdf"
check "PDF/A-2b: no /SMask, no transparency, no /Interpolate" \
	bash -c "! grep -aqE '/SMask|/Transparency|/ca 0\.|/CA 0\.|/BM /[A-LN-Z]|/Interpolate true' '$T/out1-qdf.pdf'"
check "PDF/A-2b: the appearance's fonts embedded" \
	bash -c "pdffonts '$T/out1.pdf' 2>/dev/null | tail -n +3 | awk '{ if (\$(NF-4) != \"yes\") exit 1; n++ } END { exit n < 1 }'"
pc_done
