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

/* Which characters a name may hold besides letters and marks. */
enum name_kind { NAME_PERSON, NAME_ORG };

static bool
punct_ok(enum name_kind k, ucs4_t c)
{
	if (c == '-' || c == '\'' || c == 0x2019)
		return true;
	if (k == NAME_PERSON)
		return false;
	/* strchr would match the terminator for c == 0 or a wide c. */
	return (c > 0 && c < 0x80 && strchr(".,&\"()/+", (int)c) != NULL) ||
	       uc_is_general_category(c, UC_CATEGORY_Nd);
}

static enum pc_rc
normalize(enum name_kind k, const char *in, char *out, size_t n, long maxc)
{
	uint8_t *nfc = NULL;
	size_t nlen = 0, i = 0, o = 0;
	long chars = 0;
	bool letter = false, space = false;
	ucs4_t c;
	int len;
	enum pc_rc rc = PC_EINVAL;

	if (in == NULL || n < 2 || strlen(in) > (size_t)maxc * 8 ||
	    u8_check((const uint8_t *)in, strlen(in)) != NULL)
		return PC_EINVAL;
	nfc = u8_normalize(
	    UNINORM_NFC, (const uint8_t *)in, strlen(in), NULL, &nlen);
	if (nfc == NULL)
		return PC_ENOMEM;
	while (i < nlen) {
		len = u8_mbtouc(&c, nfc + i, nlen - i);
		if (len <= 0)
			goto out;
		i += (size_t)len;
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
		} else if (!punct_ok(k, c)) {
			goto out; /* digits, symbols, emoji, "://", "<" */
		}
		if (space) {
			if (o + 1 >= n)
				goto out;
			out[o++] = ' ';
			chars++;
			space = false;
		}
		len = u8_uctomb((uint8_t *)out + o, c, (int)(n - o - 1));
		if (len <= 0)
			goto out;
		o += (size_t)len;
		if (++chars > maxc)
			goto out;
	}
	out[o] = '\0';
	rc = letter ? PC_OK : PC_EINVAL;
out:
	free(nfc);
	if (rc != PC_OK)
		out[0] = '\0';
	return rc;
}

enum pc_rc
text_name_normalize(const char *in, char *out, size_t n)
{
	if (n < TEXT_NAME_MAX_BYTES)
		return PC_EINVAL;
	return normalize(NAME_PERSON, in, out, n, TEXT_NAME_MAX_CHARS);
}

enum pc_rc
text_org_normalize(const char *in, char *out, size_t n)
{
	if (n < TEXT_ORG_MAX_BYTES)
		return PC_EINVAL;
	return normalize(NAME_ORG, in, out, n, TEXT_NAME_MAX_CHARS * 2);
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

/* A name as a lookup key (see text.h). */
enum pc_rc
text_name_key(const char *in, char *out, size_t n)
{
	char norm[TEXT_NAME_MAX_BYTES * 2 + 8];
	uint8_t *low;
	size_t llen = 0;
	enum pc_rc rc;

	if (n == 0)
		return PC_EINVAL;
	out[0] = '\0';
	/* A full name: two parts of TEXT_NAME_MAX_CHARS and a space. */
	rc = normalize(
	    NAME_PERSON, in, norm, sizeof(norm), TEXT_NAME_MAX_CHARS * 2 + 1);
	if (rc != PC_OK)
		return rc;
	low = u8_tolower((const uint8_t *)norm, strlen(norm), NULL, UNINORM_NFC,
	    NULL, &llen);
	if (low == NULL)
		return PC_ENOMEM;
	if (llen >= n) {
		free(low);
		return PC_EINVAL;
	}
	memcpy(out, low, llen);
	out[llen] = '\0';
	free(low);
	return PC_OK;
}
