/*
 * acct_qr.c: the QR code of an otpauth:// URI as a PNG image.
 *
 * libqrencode makes the modules; the PNG is written here (libpng is not
 * linked): 8-bit greyscale, one IDAT compressed with zlib's compress(),
 * chunk CRCs with zlib's crc32(). Black modules, a 4-module quiet zone.
 */
#include <stdlib.h>
#include <string.h>

#include <qrencode.h>
#include <zlib.h>

#include "account/account.h"
#include "account/acct_qr.h"
#include "base/secret.h"

#define QR_SCALE 6
#define QR_MARGIN 4

static void
put_u32(struct buf *b, uint32_t v)
{
	uint8_t p[4] = { (uint8_t)(v >> 24), (uint8_t)(v >> 16),
		(uint8_t)(v >> 8), (uint8_t)v };

	buf_append(b, p, 4);
}

static void
chunk(struct buf *b, const char *type, const uint8_t *data, size_t n)
{
	uLong crc;

	put_u32(b, (uint32_t)n);
	buf_append(b, type, 4);
	if (n > 0)
		buf_append(b, data, n);
	crc = crc32(0L, (const Bytef *)type, 4);
	if (n > 0)
		crc = crc32(crc, data, (uInt)n);
	put_u32(b, (uint32_t)crc);
}

enum pc_rc
acct_qr_png(const char *text, struct buf *out)
{
	static const uint8_t sig[8] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a,
		'\n' };
	QRcode *qr;
	uint8_t ihdr[13], *raw = NULL, *z = NULL;
	size_t side, stride, x, y, rawlen;
	uLongf zlen;
	enum pc_rc rc = PC_OK;

	qr = QRcode_encodeString(text, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
	if (qr == NULL)
		return PC_EINVAL;
	side = ((size_t)qr->width + 2 * QR_MARGIN) * QR_SCALE;
	stride = side + 1;
	rawlen = stride * side;
	raw = malloc(rawlen);
	zlen = compressBound((uLong)rawlen);
	z = malloc(zlen);
	if (raw == NULL || z == NULL) {
		rc = PC_ENOMEM;
		goto out;
	}
	for (y = 0; y < side; y++) {
		uint8_t *row = raw + y * stride;
		long my = (long)(y / QR_SCALE) - QR_MARGIN;

		row[0] = 0; /* filter: none */
		for (x = 0; x < side; x++) {
			long mx = (long)(x / QR_SCALE) - QR_MARGIN;
			bool dark = mx >= 0 && my >= 0 && mx < qr->width &&
			            my < qr->width &&
			            (qr->data[my * qr->width + mx] & 1) != 0;

			row[1 + x] = dark ? 0 : 255;
		}
	}
	if (compress2(z, &zlen, raw, (uLong)rawlen, 9) != Z_OK) {
		rc = PC_EINTERNAL;
		goto out;
	}
	ihdr[0] = (uint8_t)(side >> 24);
	ihdr[1] = (uint8_t)(side >> 16);
	ihdr[2] = (uint8_t)(side >> 8);
	ihdr[3] = (uint8_t)side;
	memcpy(ihdr + 4, ihdr, 4);
	ihdr[8] = 8;  /* bit depth */
	ihdr[9] = 0;  /* greyscale */
	ihdr[10] = 0; /* deflate */
	ihdr[11] = 0; /* adaptive filtering */
	ihdr[12] = 0; /* no interlace */
	buf_append(out, sig, sizeof(sig));
	chunk(out, "IHDR", ihdr, sizeof(ihdr));
	chunk(out, "IDAT", z, zlen);
	chunk(out, "IEND", NULL, 0);
	if (!buf_ok(out))
		rc = buf_rc(out);
out:
	/* The image encodes the secret. */
	if (raw != NULL)
		secret_wipe(raw, rawlen);
	free(raw);
	free(z);
	QRcode_free(qr);
	return rc;
}
