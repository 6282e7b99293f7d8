/*
 * acct_rules.c: the pure rules of accounts: passwords, tokens, codes, the
 * resend timer, the 2FA deferral rule, phone and e-mail shapes.
 */
#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>
#include <sodium.h>
#include <zxcvbn.h>

#include "account/account.h"
#include "base/buf.h"
#include "base/log.h"
#include "base/rnd.h"
#include "base/secret.h"
#include "base/text.h"

/*
 * Passwords are judged by zxcvbn (dictionaries, keyboard patterns,
 * sequences, repeats, dates, leet speak) with the person's names and
 * e-mail as extra words, after the shape rules below. Score as zxcvbn
 * defines it from the guesses: 0 < 10^3 <= 1 < 10^6 <= 2 < 10^8 <= 3 <
 * 10^10 <= 4. The minimum is ACCT_PASSWORD_MIN_SCORE.
 */
#define LOG2_1E3 9.966
#define LOG2_1E6 19.932
#define LOG2_1E8 26.575
#define LOG2_1E10 33.219

static int
score_of(double bits)
{
	return bits < LOG2_1E3    ? 0
	       : bits < LOG2_1E6  ? 1
	       : bits < LOG2_1E8  ? 2
	       : bits < LOG2_1E10 ? 3
	                          : 4;
}

/* Does folded pw contain folded word w (>= 3 characters)? */
static bool
contains_folded(const char *pwf, const char *w)
{
	char wf[256];

	text_fold(w, wf, sizeof(wf));
	return strlen(wf) >= 3 && strstr(pwf, wf) != NULL;
}

/* Each word of name (split on space, hyphen, apostrophe) into words. */
static size_t
name_words(const char *name, char words[][64], size_t max)
{
	const char *p = name, *w;
	size_t n = 0, len;

	if (name == NULL)
		return 0;
	while (*p != '\0' && n < max) {
		while (*p == ' ' || *p == '-' || *p == '\'')
			p++;
		w = p;
		while (*p != '\0' && *p != ' ' && *p != '-' && *p != '\'')
			p++;
		len = (size_t)(p - w);
		if (len >= 3 && len < 64) {
			memcpy(words[n], w, len);
			words[n][len] = '\0';
			n++;
		}
	}
	return n;
}

enum pc_ecode
acct_password_strength(const char *pw, const char *email,
    const char *given_name, const char *surname, int *score)
{
	char words[12][64], pwf[ACCT_PASSWORD_MAX * 2 + 1], local[64];
	const char *dict[16];
	ZxcMatch_t *info = NULL, *m;
	const char *at;
	size_t nw = 0, i, nd = 0;
	long chars;
	int dict_len = 0, pattern_len = 0;
	double bits;
	bool blank = true;
	enum pc_ecode code = PCE_NONE;

	*score = 0;
	if (pw == NULL || strlen(pw) > ACCT_PASSWORD_MAX)
		return PCE_PASSWORD_WEAK;
	chars = text_chars(pw);
	if (chars < ACCT_PASSWORD_MIN)
		return PCE_PASSWORD_WEAK;
	for (i = 0; pw[i] != '\0'; i++)
		if (!isspace((unsigned char)pw[i]))
			blank = false;
	if (blank)
		return PCE_PASSWORD_WEAK;
	/* The person's own data, diacritics and case folded. */
	text_fold(pw, pwf, sizeof(pwf));
	if (email != NULL) {
		at = strchr(email, '@');
		i = at != NULL ? (size_t)(at - email) : strlen(email);
		if (i >= sizeof(local))
			i = sizeof(local) - 1;
		memcpy(local, email, i);
		local[i] = '\0';
		if (contains_folded(pwf, local))
			code = PCE_PASSWORD_PERSONAL;
		if (strlen(local) >= 3)
			dict[nd++] = local;
	}
	nw += name_words(given_name, words + nw, 6);
	nw += name_words(surname, words + nw, 6);
	for (i = 0; i < nw; i++) {
		if (contains_folded(pwf, words[i]))
			code = PCE_PASSWORD_PERSONAL;
		text_fold(words[i], words[i], sizeof(words[i]));
		dict[nd++] = words[i];
	}
	dict[nd] = NULL;
	bits = ZxcvbnMatch(pwf, dict, &info);
	*score = score_of(bits);
	for (m = info; m != NULL; m = m->Next) {
		int t = (int)m->Type;

		/* A repeated part (MULTIPLE_MATCH) is a pattern, not a word. */
		if (t == DICTIONARY_MATCH || t == DICT_LEET_MATCH)
			dict_len += m->Length;
		else if ((t & MULTIPLE_MATCH) != 0 || t == REPEATS_MATCH ||
		         t == SEQUENCE_MATCH || t == SPATIAL_MATCH)
			pattern_len += m->Length;
	}
	ZxcvbnFreeInfo(info);
	secret_wipe(pwf, sizeof(pwf));
	if (code != PCE_NONE)
		return code;
	if (*score < ACCT_PASSWORD_MIN_SCORE)
		return dict_len * 2 >= (int)chars && dict_len > pattern_len
		           ? PCE_PASSWORD_COMMON
		           : PCE_PASSWORD_WEAK;
	return PCE_NONE;
}

enum pc_ecode
acct_password_rule(const char *pw, const char *email, const char *given_name,
    const char *surname)
{
	int score;

	return acct_password_strength(pw, email, given_name, surname, &score);
}

enum pc_rc
acct_password_hash(const char *pw, char *out, size_t outlen)
{
	RETURN_VAL_IF_FAIL(outlen >= crypto_pwhash_STRBYTES, PC_EINTERNAL);
	if (sodium_init() < 0)
		return PC_ECRYPTO;
	if (crypto_pwhash_str(out, pw, strlen(pw),
	        crypto_pwhash_OPSLIMIT_INTERACTIVE,
	        crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
		return PC_ENOMEM;
	return PC_OK;
}

bool
acct_password_verify(const char *hash, const char *pw)
{
	if (hash == NULL || pw == NULL || sodium_init() < 0)
		return false;
	return crypto_pwhash_str_verify(hash, pw, strlen(pw)) == 0;
}

enum pc_rc
acct_token_hash(const char *token, char *hash)
{
	uint8_t d[crypto_hash_sha256_BYTES];
	size_t i;

	if (token == NULL || strlen(token) != ACCT_TOKEN_LEN)
		return PC_EINVAL;
	for (i = 0; i < ACCT_TOKEN_LEN; i++)
		if (!isxdigit((unsigned char)token[i]))
			return PC_EINVAL;
	crypto_hash_sha256(d, (const uint8_t *)token, ACCT_TOKEN_LEN);
	hex_encode(d, sizeof(d), hash);
	return PC_OK;
}

enum pc_rc
acct_token_new(char *token, char *hash)
{
	enum pc_rc rc;

	rc = rnd_hex(ACCT_TOKEN_LEN / 2, token);
	if (rc != PC_OK)
		return rc;
	return acct_token_hash(token, hash);
}

void
acct_code_hash(
    const char *salt, const char *code, char hash[STORE_HASH_LEN + 1])
{
	crypto_hash_sha256_state st;
	uint8_t d[crypto_hash_sha256_BYTES];

	crypto_hash_sha256_init(&st);
	crypto_hash_sha256_update(&st, (const uint8_t *)salt, strlen(salt));
	crypto_hash_sha256_update(&st, (const uint8_t *)":", 1);
	crypto_hash_sha256_update(&st, (const uint8_t *)code, strlen(code));
	crypto_hash_sha256_final(&st, d);
	hex_encode(d, sizeof(d), hash);
}

enum pc_rc
acct_code_new(char code[ACCT_CODE_LEN + 1], char salt[STORE_ID_LEN + 1],
    char hash[STORE_HASH_LEN + 1])
{
	uint32_t v;
	enum pc_rc rc;

	if (sodium_init() < 0)
		return PC_ECRYPTO;
	/* Uniform in [0, 10^6): libsodium rejects the biased tail. */
	v = randombytes_uniform(1000000);
	snprintf(code, ACCT_CODE_LEN + 1, "%06u", (unsigned)v);
	rc = rnd_hex(STORE_ID_LEN / 2, salt);
	if (rc != PC_OK)
		return rc;
	acct_code_hash(salt, code, hash);
	return PC_OK;
}

enum pc_ecode
acct_code_check(const struct store_code *c, const char *code, int64_t now)
{
	char h[STORE_HASH_LEN + 1];
	size_t i;

	if (c->used_at != 0)
		return PCE_CODE_USED;
	if (now >= c->expires_at)
		return PCE_CODE_EXPIRED;
	if (c->attempts >= ACCT_CODE_MAX_ATTEMPTS)
		return PCE_CODE_ATTEMPTS;
	if (code == NULL || strlen(code) != ACCT_CODE_LEN)
		return PCE_CODE_INVALID;
	for (i = 0; i < ACCT_CODE_LEN; i++)
		if (code[i] < '0' || code[i] > '9')
			return PCE_CODE_INVALID;
	acct_code_hash(c->salt, code, h);
	if (strlen(c->hash) != STORE_HASH_LEN ||
	    CRYPTO_memcmp(h, c->hash, STORE_HASH_LEN) != 0)
		return PCE_CODE_INVALID;
	return PCE_NONE;
}

bool
acct_code_resend_ok(const struct store_code *latest, int64_t now,
    int64_t resend_min_s, int64_t *retry_after)
{
	int64_t at;

	*retry_after = 0;
	if (latest == NULL || latest->used_at != 0)
		return true;
	at = latest->expires_at;
	if (latest->sent_at + resend_min_s > at)
		at = latest->sent_at + resend_min_s;
	/* A code locked by wrong tries may be replaced after the timer. */
	if (now >= at)
		return true;
	*retry_after = at - now;
	return false;
}

const char *
acct_twofa_rule(
    const struct store_user *u, int64_t now, int64_t mandatory_after)
{
	/* Mandatory from the day after twofa_mandatory_after. */
	if (now >= mandatory_after + 86400)
		return "required";
	if (u->twofa_defer == NULL)
		return "offer";
	if (strcmp(u->twofa_defer, "never") == 0)
		return NULL;
	if (strcmp(u->twofa_defer, "date") == 0)
		return now >= u->twofa_defer_until ? "offer" : NULL;
	return "offer"; /* next_login */
}

bool
acct_phone_valid(const char *phone)
{
	size_t n, i;

	if (phone == NULL || phone[0] != '+')
		return false;
	n = strlen(phone + 1);
	if (n < 8 || n > 15 || phone[1] == '0')
		return false;
	for (i = 1; i <= n; i++)
		if (!isdigit((unsigned char)phone[i]))
			return false;
	return true;
}

void
acct_phone_mask(const char *phone, char *out, size_t n)
{
	size_t len = phone != NULL ? strlen(phone) : 0, i;
	char tmp[32];

	if (len < 7 || len >= sizeof(tmp)) {
		snprintf(out, n, "***");
		return;
	}
	for (i = 0; i < len; i++)
		tmp[i] = (i < 3 || i >= len - 3) ? phone[i] : '*';
	tmp[len] = '\0';
	snprintf(out, n, "%s", tmp);
}

void
acct_email_mask(const char *email, char *out, size_t n)
{
	const char *at = email != NULL ? strchr(email, '@') : NULL;

	if (at == NULL || at == email) {
		snprintf(out, n, "***");
		return;
	}
	snprintf(out, n, "%c***%s", email[0], at);
}

bool
acct_email_valid(const char *email)
{
	const char *at, *p;
	size_t n;

	if (email == NULL)
		return false;
	n = strlen(email);
	if (n < 3 || n > ACCT_EMAIL_MAX)
		return false;
	for (p = email; *p != '\0'; p++)
		if ((unsigned char)*p <= ' ' || *p == '<' || *p == '>' ||
		    *p == '"' || *p == ',' || *p == ';' || *p == '\\' ||
		    (unsigned char)*p == 0x7f)
			return false;
	at = strchr(email, '@');
	if (at == NULL || at == email || strchr(at + 1, '@') != NULL)
		return false;
	p = strchr(at + 1, '.');
	return p != NULL && p > at + 1 && p[1] != '\0';
}
