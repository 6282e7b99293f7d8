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

#include "account/account.h"
#include "base/buf.h"
#include "base/log.h"
#include "base/rnd.h"
#include "base/secret.h"

#define COMMON_MAX_BYTES (4 * 1024 * 1024)

static char **common_pw;
static size_t common_n;
static char *common_text;

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void
acct_passwords_free(void)
{
	free(common_pw);
	free(common_text);
	common_pw = NULL;
	common_text = NULL;
	common_n = 0;
}

enum pc_rc
acct_passwords_load(const char *path)
{
	static const char *const defaults[] = {
		PECETE_SOURCE_DIR "/data/common-passwords.txt",
		"/usr/share/pecete/common-passwords.txt",
	};
	struct buf b;
	const char *used = NULL;
	char *p, *nl, *end;
	size_t i, n = 0, cap = 0;
	enum pc_rc rc = PC_ENOTFOUND;

	acct_passwords_free();
	buf_init(&b, COMMON_MAX_BYTES);
	if (path != NULL) {
		rc = file_read(path, COMMON_MAX_BYTES, &b);
		used = path;
	} else {
		for (i = 0; i < PC_ARRAY_LEN(defaults) && rc != PC_OK; i++) {
			buf_reset(&b);
			rc = file_read(defaults[i], COMMON_MAX_BYTES, &b);
			used = defaults[i];
		}
	}
	if (rc != PC_OK) {
		log_warnx("account: no list of common passwords (%s); only "
		          "the length and personal-data rules apply",
		    used != NULL ? used : "-");
		buf_cleanup(&b);
		return rc;
	}
	common_text = (char *)buf_steal(&b, &n);
	end = common_text + n;
	for (p = common_text; p < end; p = nl + 1) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (nl == NULL)
			nl = end; /* the buffer is NUL-terminated */
		*nl = '\0';
		if (nl > p && nl[-1] == '\r')
			nl[-1] = '\0';
		if (*p == '\0')
			continue;
		if (common_n == cap) {
			char **q;

			cap = cap ? cap * 2 : 16384;
			q = realloc(common_pw, cap * sizeof(*q));
			if (q == NULL) {
				acct_passwords_free();
				return PC_ENOMEM;
			}
			common_pw = q;
		}
		common_pw[common_n++] = p;
	}
	qsort(common_pw, common_n, sizeof(*common_pw), cmp_str);
	log_info("account: %zu common passwords from %s", common_n, used);
	return PC_OK;
}

/* Case-insensitive substring. */
static bool
contains_ci(const char *hay, const char *needle, size_t nlen)
{
	size_t hl = strlen(hay), i;

	if (nlen == 0 || nlen > hl)
		return false;
	for (i = 0; i + nlen <= hl; i++)
		if (strncasecmp(hay + i, needle, nlen) == 0)
			return true;
	return false;
}

/* Does pw contain any word (>= 3 letters) of name? */
static bool
contains_name(const char *pw, const char *name)
{
	const char *p = name, *w;
	size_t n;

	if (name == NULL)
		return false;
	while (*p != '\0') {
		while (*p != '\0' && (*p == ' ' || *p == '-' || *p == '\''))
			p++;
		w = p;
		while (*p != '\0' && *p != ' ' && *p != '-' && *p != '\'')
			p++;
		n = (size_t)(p - w);
		if (n >= 3 && contains_ci(pw, w, n))
			return true;
	}
	return false;
}

const char *
acct_password_rule(const char *pw, const char *email, const char *given_name,
    const char *surname)
{
	char low[ACCT_PASSWORD_MAX + 1], *key = low;
	const char *at;
	size_t n, i;

	if (pw == NULL)
		return "password_weak";
	n = strlen(pw);
	/* Characters, not bytes: count UTF-8 lead bytes. */
	{
		size_t chars = 0;

		for (i = 0; i < n; i++)
			if (((unsigned char)pw[i] & 0xc0) != 0x80)
				chars++;
		if (chars < ACCT_PASSWORD_MIN)
			return "password_weak";
	}
	if (n > ACCT_PASSWORD_MAX)
		return "password_weak";
	for (i = 0; i < n; i++)
		low[i] = (char)tolower((unsigned char)pw[i]);
	low[n] = '\0';
	if (common_n > 0 && bsearch(&key, common_pw, common_n,
	                        sizeof(*common_pw), cmp_str) != NULL) {
		secret_wipe(low, sizeof(low));
		return "password_common";
	}
	secret_wipe(low, sizeof(low));
	if (email != NULL) {
		at = strchr(email, '@');
		n = at != NULL ? (size_t)(at - email) : strlen(email);
		if (n >= 3 && contains_ci(pw, email, n))
			return "password_personal";
	}
	if (contains_name(pw, given_name) || contains_name(pw, surname))
		return "password_personal";
	return NULL;
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

const char *
acct_code_check(const struct store_code *c, const char *code, int64_t now)
{
	char h[STORE_HASH_LEN + 1];
	size_t i;

	if (c->used_at != 0)
		return "code_used";
	if (now >= c->expires_at)
		return "code_expired";
	if (c->attempts >= ACCT_CODE_MAX_ATTEMPTS)
		return "code_attempts";
	if (code == NULL || strlen(code) != ACCT_CODE_LEN)
		return "code_invalid";
	for (i = 0; i < ACCT_CODE_LEN; i++)
		if (code[i] < '0' || code[i] > '9')
			return "code_invalid";
	acct_code_hash(c->salt, code, h);
	if (strlen(c->hash) != STORE_HASH_LEN ||
	    CRYPTO_memcmp(h, c->hash, STORE_HASH_LEN) != 0)
		return "code_invalid";
	return NULL;
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

enum pc_rc
acct_date_parse(const char *s, int64_t *t)
{
	static const int mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30,
		31 };
	int y, m, d, i;
	int64_t days;
	bool leap;

	if (s == NULL || strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return PC_EINVAL;
	for (i = 0; i < 10; i++)
		if (i != 4 && i != 7 && !isdigit((unsigned char)s[i]))
			return PC_EINVAL;
	y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 +
	    (s[3] - '0');
	m = (s[5] - '0') * 10 + (s[6] - '0');
	d = (s[8] - '0') * 10 + (s[9] - '0');
	leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	if (y < 1970 || m < 1 || m > 12 || d < 1 ||
	    d > mdays[m - 1] + (m == 2 && leap ? 1 : 0))
		return PC_EINVAL;
	/* Days from the civil date (Howard Hinnant's algorithm). */
	{
		int yy = m <= 2 ? y - 1 : y;
		int era = yy / 400;
		int yoe = yy - era * 400;
		int doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
		int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

		days = (int64_t)era * 146097 + doe - 719468;
	}
	*t = days * 86400;
	return PC_OK;
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
