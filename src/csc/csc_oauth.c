/*
 * csc_oauth.c: the OAuth2 authorization server of the CSC API; see
 * csc_oauth.h. Every handle, code and token is 256 random bits in hex,
 * given out once and stored as its SHA-256.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>
#include <sodium.h>

#include "account/account.h"
#include "base/buf.h"
#include "base/clock.h"
#include "base/log.h"
#include "base/rnd.h"
#include "base/secret.h"
#include "csc/csc_oauth.h"
#include "csc/csc_oauth_int.h"
#include "store/store.h"
#include "store/store_token.h"
#include "store/store_account.h"

#define LABEL_CODE "pecete oauth2 access token from code"
#define LABEL_SAD "pecete oauth2 sad pad"

static void
sha256_hex2(const char *label, const char *s, char out[65])
{
	crypto_hash_sha256_state st;
	uint8_t d[crypto_hash_sha256_BYTES];

	crypto_hash_sha256_init(&st);
	crypto_hash_sha256_update(
	    &st, (const uint8_t *)label, strlen(label) + 1);
	crypto_hash_sha256_update(&st, (const uint8_t *)s, strlen(s));
	crypto_hash_sha256_final(&st, d);
	hex_encode(d, sizeof(d), out);
	secret_wipe(d, sizeof(d));
}

void
oauth_code_token(const char *code, char token[CSC_TOKEN_LEN + 1])
{
	sha256_hex2(LABEL_CODE, code, token);
}

enum pc_rc
oauth_sad_xor(const char *token, const char *in, char *out)
{
	char pad[65];
	uint8_t a[32], b[32];
	size_t i;

	if (in == NULL || strlen(in) != 64 ||
	    hex_decode((struct str){ in, 64 }, a, sizeof(a)) != PC_OK)
		return PC_EINVAL;
	sha256_hex2(LABEL_SAD, token, pad);
	if (hex_decode((struct str){ pad, 64 }, b, sizeof(b)) != PC_OK)
		return PC_EINTERNAL;
	for (i = 0; i < sizeof(a); i++)
		a[i] ^= b[i];
	hex_encode(a, sizeof(a), out);
	secret_wipe(a, sizeof(a));
	secret_wipe(b, sizeof(b));
	secret_wipe(pad, sizeof(pad));
	return PC_OK;
}
