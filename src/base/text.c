/*
 * text.c: names and folding (see text.h), with libunistring.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <unicase.h>
#include <unictype.h>
#include <uninorm.h>
#include <unistr.h>

#include "base/text.h"

long
text_chars(const char *s)
{
	const uint8_t *p = (const uint8_t *)s;
	size_t len = strlen(s);

	if (u8_check(p, len) != NULL)
		return -1;
	return (long)u8_mbsnlen(p, len);
}

static ucs4_t
cedilla_to_comma(ucs4_t c)
{
	switch (c) {
	case 0x015E: /* Ş */
		return 0x0218;
	case 0x015F: /* ş */
		return 0x0219;
	case 0x0162: /* Ţ */
		return 0x021A;
	case 0x0163: /* ţ */
		return 0x021B;
	default:
		return c;
	}
}

enum pc_rc
text_name_normalize(const char *in, char *out, size_t n)
{
	uint8_t *nfc = NULL;
	size_t nlen = 0, i = 0, o = 0;
	long chars = 0;
	bool letter = false, space = false;
	ucs4_t c;
	int k;
	enum pc_rc rc = PC_EINVAL;

	if (in == NULL || n < TEXT_NAME_MAX_BYTES ||
	    strlen(in) > TEXT_NAME_MAX_BYTES * 4 ||
	    u8_check((const uint8_t *)in, strlen(in)) != NULL)
		return PC_EINVAL;
	nfc = u8_normalize(
	    UNINORM_NFC, (const uint8_t *)in, strlen(in), NULL, &nlen);
	if (nfc == NULL)
		return PC_ENOMEM;
	while (i < nlen) {
		k = u8_mbtouc(&c, nfc + i, nlen - i);
		if (k <= 0)
			goto out;
		i += (size_t)k;
		c = cedilla_to_comma(c);
		if (c == ' ' || c == 0x00A0 || c == '\t') {
			space = o > 0;
			continue;
		}
		if (uc_is_general_category(c, UC_CATEGORY_L)) {
			letter = true;
		} else if (uc_is_general_category(c, UC_CATEGORY_M)) {
			if (!letter)
				goto out;
		} else if (c != '-' && c != '\'' && c != 0x2019) {
			goto out; /* digits, symbols, emoji, "://", "<" */
		}
		if (space) {
			out[o++] = ' ';
			chars++;
			space = false;
		}
		k = u8_uctomb((uint8_t *)out + o, c, (int)(n - o - 1));
		if (k <= 0)
			goto out;
		o += (size_t)k;
		chars++;
		if (chars > TEXT_NAME_MAX_CHARS)
			goto out;
	}
	out[o] = '\0';
	rc = letter ? PC_OK : PC_EINVAL;
out:
	free(nfc);
	if (rc != PC_OK && n > 0)
		out[0] = '\0';
	return rc;
}

void
text_fold(const char *s, char *out, size_t n)
{
	uint8_t *nfd = NULL, *low = NULL;
	size_t dlen = 0, llen = 0, i = 0, o = 0;
	ucs4_t c;
	int k;

	if (n == 0)
		return;
	out[0] = '\0';
	if (s == NULL)
		return;
	if (u8_check((const uint8_t *)s, strlen(s)) != NULL) {
		snprintf(out, n, "%s", s);
		return;
	}
	nfd = u8_normalize(
	    UNINORM_NFD, (const uint8_t *)s, strlen(s), NULL, &dlen);
	if (nfd != NULL)
		low = u8_tolower(nfd, dlen, NULL, UNINORM_NFD, NULL, &llen);
	if (low == NULL) {
		snprintf(out, n, "%s", s);
		goto done;
	}
	while (i < llen) {
		k = u8_mbtouc(&c, low + i, llen - i);
		if (k <= 0)
			break;
		if (!uc_is_general_category(c, UC_CATEGORY_M)) {
			if (o + (size_t)k >= n)
				break;
			memcpy(out + o, low + i, (size_t)k);
			o += (size_t)k;
		}
		i += (size_t)k;
	}
	out[o] = '\0';
done:
	free(nfd);
	free(low);
}
