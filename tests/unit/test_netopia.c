/*
 * test_netopia.c: the Netopia IPN Verification-token check (a JWT, RS512)
 * on tokens this test signs with a key pair it makes: good; bad
 * signature; wrong key; alg none / HS512; expired; not yet valid; wrong
 * aud; wrong iss; body changed (sub); malformed (truncated, bad base64,
 * two parts, huge). Each refusal has its own reason. Also the amount
 * format/parse, the status map, and start/query against a one-shot fake
 * of the API on a local socket (the request bytes are checked).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "shop/pay.h"

#define POS "TEST-POS-SIG"
#define NOW 1780000000LL
#define BODY "{\"order\":{\"orderID\":\"abc\"},\"payment\":{\"status\":3}}"

static EVP_PKEY *key_a, *key_b;
static char *pem_a;
static size_t pem_a_len;

static void
b64url(const uint8_t *p, size_t n, char *out)
{
	static const char a[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	size_t i, o = 0;
	uint32_t v;

	for (i = 0; i + 2 < n; i += 3) {
		v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];
		out[o++] = a[v >> 18];
		out[o++] = a[(v >> 12) & 63];
		out[o++] = a[(v >> 6) & 63];
		out[o++] = a[v & 63];
	}
	if (n - i == 1) {
		v = (uint32_t)p[i] << 16;
		out[o++] = a[v >> 18];
		out[o++] = a[(v >> 12) & 63];
	} else if (n - i == 2) {
		v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8;
		out[o++] = a[v >> 18];
		out[o++] = a[(v >> 12) & 63];
		out[o++] = a[(v >> 6) & 63];
	}
	out[o] = '\0';
}

static void
body_hash(const char *body, char out[89])
{
	unsigned char md[64];

	assert_int_equal(
	    EVP_Digest(body, strlen(body), md, NULL, EVP_sha512(), NULL), 1);
	assert_int_equal(EVP_EncodeBlock((unsigned char *)out, md, 64), 88);
}

/* header.payload.signature, signed RS512 with k (no signature if NULL). */
static char *
make_token(EVP_PKEY *k, const char *hdr, const char *claims)
{
	char *t = malloc(8192);
	uint8_t sig[1024];
	size_t siglen = sizeof(sig), n;
	EVP_MD_CTX *c;

	assert_non_null(t);
	b64url((const uint8_t *)hdr, strlen(hdr), t);
	n = strlen(t);
	t[n++] = '.';
	b64url((const uint8_t *)claims, strlen(claims), t + n);
	n = strlen(t);
	if (k != NULL) {
		c = EVP_MD_CTX_new();
		assert_int_equal(
		    EVP_DigestSignInit(c, NULL, EVP_sha512(), NULL, k), 1);
		assert_int_equal(EVP_DigestSign(c, sig, &siglen,
		                     (const unsigned char *)t, n),
		    1);
		EVP_MD_CTX_free(c);
	} else {
		siglen = 0;
	}
	t[n++] = '.';
	b64url(sig, siglen, t + n);
	return t;
}

static char *
claims_for(const char *body, const char *iss, const char *aud, long long iat,
    long long exp)
{
	char h[89], *c = malloc(1024);

	assert_non_null(c);
	body_hash(body, h);
	snprintf(c, 1024,
	    "{\"iss\":\"%s\",\"aud\":[\"%s\"],\"sub\":\"%s\",\"iat\":%lld,"
	    "\"exp\":%lld}",
	    iss, aud, h, iat, exp);
	return c;
}

static enum netopia_tok
check(const char *tok, const char *body)
{
	return pay_netopia_token_check(
	    pem_a, pem_a_len, POS, tok, body, strlen(body), NOW);
}

static int
setup(void **state)
{
	BIO *b;
	char *p;
	long n;

	(void)state;
	key_a = EVP_RSA_gen(2048);
	key_b = EVP_RSA_gen(2048);
	if (key_a == NULL || key_b == NULL)
		return -1;
	b = BIO_new(BIO_s_mem());
	if (b == NULL || PEM_write_bio_PUBKEY(b, key_a) != 1)
		return -1;
	n = BIO_get_mem_data(b, &p);
	pem_a = malloc((size_t)n + 1);
	memcpy(pem_a, p, (size_t)n);
	pem_a[n] = '\0';
	pem_a_len = (size_t)n;
	BIO_free(b);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	EVP_PKEY_free(key_a);
	EVP_PKEY_free(key_b);
	free(pem_a);
	return 0;
}

#define RS512 "{\"alg\":\"RS512\",\"typ\":\"JWT\"}"

/* REQ: SHOP-NETOPIA-IPN */
static void
test_token_good(void **state)
{
	char *c = claims_for(BODY, NETOPIA_ISSUER, POS, NOW - 10, NOW + 300);
	char *t = make_token(key_a, RS512, c);

	(void)state;
	assert_int_equal(check(t, BODY), NETOPIA_TOK_OK);
	/* aud as a plain string is accepted too */
	free(c);
	free(t);
	{
		char h[89], cl[512];

		body_hash(BODY, h);
		snprintf(cl, sizeof(cl),
		    "{\"iss\":\"%s\",\"aud\":\"%s\",\"sub\":\"%s\","
		    "\"iat\":%lld,\"exp\":%lld}",
		    NETOPIA_ISSUER, POS, h, NOW - 10, NOW + 300);
		t = make_token(key_a, RS512, cl);
		assert_int_equal(check(t, BODY), NETOPIA_TOK_OK);
		free(t);
	}
}

static void
test_token_refused(void **state)
{
	char *good = claims_for(BODY, NETOPIA_ISSUER, POS, NOW - 10, NOW + 300);
	char *t, *c, *big;
	size_t n;

	(void)state;
	/* wrong key */
	t = make_token(key_b, RS512, good);
	assert_int_equal(check(t, BODY), NETOPIA_TOK_SIGNATURE);
	free(t);
	/* bad signature: one character of the signature changed */
	t = make_token(key_a, RS512, good);
	n = strlen(t);
	t[n - 5] = t[n - 5] == 'A' ? 'B' : 'A';
	assert_int_equal(check(t, BODY), NETOPIA_TOK_SIGNATURE);
	/* truncated: the signature cut short, then the whole third part */
	t[n - 42] = '\0';
	assert_int_equal(check(t, BODY), NETOPIA_TOK_SIGNATURE);
	*strrchr(t, '.') = '\0';
	assert_int_equal(check(t, BODY), NETOPIA_TOK_MALFORMED);
	free(t);
	/* alg none (empty signature), HS512 */
	t = make_token(NULL, "{\"alg\":\"none\",\"typ\":\"JWT\"}", good);
	assert_int_equal(check(t, BODY), NETOPIA_TOK_ALG);
	free(t);
	t = make_token(key_a, "{\"alg\":\"HS512\"}", good);
	assert_int_equal(check(t, BODY), NETOPIA_TOK_ALG);
	free(t);
	t = make_token(key_a, "{\"typ\":\"JWT\"}", good);
	assert_int_equal(check(t, BODY), NETOPIA_TOK_ALG);
	free(t);
	/* body changed after signing */
	t = make_token(key_a, RS512, good);
	assert_int_equal(check(t, BODY " "), NETOPIA_TOK_BODY);
	free(t);
	/* expired, not yet valid (beyond the leeway) */
	c = claims_for(
	    BODY, NETOPIA_ISSUER, POS, NOW - 3600, NOW - NETOPIA_LEEWAY_S - 1);
	t = make_token(key_a, RS512, c);
	assert_int_equal(check(t, BODY), NETOPIA_TOK_EXPIRED);
	free(t);
	free(c);
	c = claims_for(
	    BODY, NETOPIA_ISSUER, POS, NOW + NETOPIA_LEEWAY_S + 60, NOW + 3600);
	t = make_token(key_a, RS512, c);
	assert_int_equal(check(t, BODY), NETOPIA_TOK_NOT_YET);
	free(t);
	free(c);
	/* no exp, no iat: refused (a notice without a window replays) */
	{
		char h[89], cc[512];

		body_hash(BODY, h);
		snprintf(cc, sizeof(cc),
		    "{\"iss\":\"%s\",\"aud\":[\"%s\"],\"sub\":\"%s\","
		    "\"iat\":%lld}",
		    NETOPIA_ISSUER, POS, h, (long long)NOW);
		t = make_token(key_a, RS512, cc);
		assert_int_equal(check(t, BODY), NETOPIA_TOK_NO_TIME);
		free(t);
		snprintf(cc, sizeof(cc),
		    "{\"iss\":\"%s\",\"aud\":[\"%s\"],\"sub\":\"%s\","
		    "\"exp\":%lld}",
		    NETOPIA_ISSUER, POS, h, (long long)NOW + 300);
		t = make_token(key_a, RS512, cc);
		assert_int_equal(check(t, BODY), NETOPIA_TOK_NO_TIME);
		free(t);
	}
	/* within the leeway: fine */
	c = claims_for(BODY, NETOPIA_ISSUER, POS, NOW - 3600, NOW - 30);
	t = make_token(key_a, RS512, c);
	assert_int_equal(check(t, BODY), NETOPIA_TOK_OK);
	free(t);
	free(c);
	/* wrong aud, wrong iss */
	c = claims_for(BODY, NETOPIA_ISSUER, "OTHER-POS", NOW, NOW + 300);
	t = make_token(key_a, RS512, c);
	assert_int_equal(check(t, BODY), NETOPIA_TOK_AUDIENCE);
	free(t);
	free(c);
	c = claims_for(BODY, "Someone Else", POS, NOW, NOW + 300);
	t = make_token(key_a, RS512, c);
	assert_int_equal(check(t, BODY), NETOPIA_TOK_ISSUER);
	free(t);
	free(c);
	/* bad base64url: '+' and '=' are not in the URL alphabet */
	t = make_token(key_a, RS512, good);
	t[3] = '+';
	assert_int_equal(check(t, BODY), NETOPIA_TOK_MALFORMED);
	free(t);
	t = make_token(key_a, RS512, good);
	strcat(t, "==");
	assert_int_equal(check(t, BODY), NETOPIA_TOK_MALFORMED);
	free(t);
	/* four parts, empty, garbage */
	t = make_token(key_a, RS512, good);
	strcat(t, ".x");
	assert_int_equal(check(t, BODY), NETOPIA_TOK_MALFORMED);
	free(t);
	assert_int_equal(check("", BODY), NETOPIA_TOK_MALFORMED);
	assert_int_equal(check("..", BODY), NETOPIA_TOK_MALFORMED);
	assert_int_equal(check("a.b.c", BODY), NETOPIA_TOK_MALFORMED);
	/* huge token, huge body */
	big = malloc(NETOPIA_TOKEN_MAX + 100);
	memset(big, 'A', NETOPIA_TOKEN_MAX + 99);
	big[NETOPIA_TOKEN_MAX + 99] = '\0';
	assert_int_equal(check(big, BODY), NETOPIA_TOK_TOO_BIG);
	free(big);
	big = calloc(1, NETOPIA_BODY_MAX + 2);
	memset(big, ' ', NETOPIA_BODY_MAX + 1);
	t = make_token(key_a, RS512, good);
	assert_int_equal(check(t, big), NETOPIA_TOK_TOO_BIG);
	free(t);
	free(big);
	/* an unusable key */
	t = make_token(key_a, RS512, good);
	assert_int_equal(pay_netopia_token_check(
	                     "not a key", 9, POS, t, BODY, strlen(BODY), NOW),
	    NETOPIA_TOK_KEY);
	free(t);
	free(good);
	/* the reasons have distinct names */
	assert_string_equal(
	    pay_netopia_token_name(NETOPIA_TOK_BODY), "body_hash");
	assert_string_not_equal(pay_netopia_token_name(NETOPIA_TOK_EXPIRED),
	    pay_netopia_token_name(NETOPIA_TOK_NOT_YET));
}

static void
test_amounts(void **state)
{
	char s[24];
	int64_t v;

	(void)state;
	assert_int_equal(pay_netopia_amount_format(6425, s, sizeof(s)), PC_OK);
	assert_string_equal(s, "64.25");
	assert_int_equal(pay_netopia_amount_format(5900, s, sizeof(s)), PC_OK);
	assert_string_equal(s, "59.00");
	assert_int_equal(pay_netopia_amount_format(7, s, sizeof(s)), PC_OK);
	assert_string_equal(s, "0.07");
	assert_int_equal(
	    pay_netopia_amount_format(-1, s, sizeof(s)), PC_EINVAL);
	assert_int_equal(pay_netopia_amount_parse(64.25, &v), PC_OK);
	assert_int_equal(v, 6425);
	assert_int_equal(pay_netopia_amount_parse(64.1, &v), PC_OK);
	assert_int_equal(v, 6410);
	assert_int_equal(pay_netopia_amount_parse(0.29, &v), PC_OK);
	assert_int_equal(v, 29);
	assert_int_equal(pay_netopia_amount_parse(319322.57, &v), PC_OK);
	assert_int_equal(v, 31932257);
	assert_int_equal(pay_netopia_amount_parse(64.255, &v), PC_EINVAL);
	assert_int_equal(pay_netopia_amount_parse(64.2501, &v), PC_EINVAL);
	assert_int_equal(pay_netopia_amount_parse(-1.0, &v), PC_EINVAL);
	assert_int_equal(pay_netopia_amount_parse(1e300, &v), PC_EINVAL);
}

static void
test_status_map(void **state)
{
	(void)state;
	assert_string_equal(pay_netopia_status_map(3), PAY_PAID);
	assert_string_equal(pay_netopia_status_map(5), PAY_PAID);
	assert_string_equal(pay_netopia_status_map(12), PAY_DECLINED);
	assert_string_equal(pay_netopia_status_map(15), PAY_PENDING);
	assert_string_equal(pay_netopia_status_map(8), PAY_REFUNDED);
	assert_null(pay_netopia_status_map(99));
	assert_null(pay_netopia_status_map(0));
}

/* A one-request HTTP server: records the request, sends fake_answer. */
struct fake {
	int fd;
	const char *answer;
	char req[16384];
};

static void *
fake_run(void *arg)
{
	struct fake *f = arg;
	char out[4096];
	size_t n = 0;
	ssize_t r;
	const char *e, *cl;
	int c;

	c = accept(f->fd, NULL, NULL);
	if (c < 0)
		return NULL;
	for (;;) {
		r = read(c, f->req + n, sizeof(f->req) - 1 - n);
		if (r <= 0)
			break;
		n += (size_t)r;
		f->req[n] = '\0';
		e = strstr(f->req, "\r\n\r\n");
		cl = strstr(f->req, "Content-Length: ");
		if (e != NULL && cl != NULL &&
		    n >= (size_t)(e + 4 - f->req) + (size_t)atol(cl + 16))
			break;
	}
	snprintf(out, sizeof(out),
	    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
	    "Content-Length: %zu\r\nConnection: close\r\n\r\n%s",
	    strlen(f->answer), f->answer);
	if (write(c, out, strlen(out)) < 0)
		perror("write");
	close(c);
	return NULL;
}

static void
fake_start(struct fake *f, const char *answer, int *port)
{
	struct sockaddr_in a;
	socklen_t al = sizeof(a);

	memset(f, 0, sizeof(*f));
	f->answer = answer;
	f->fd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(f->fd >= 0);
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(f->fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(listen(f->fd, 1), 0);
	assert_int_equal(getsockname(f->fd, (struct sockaddr *)&a, &al), 0);
	*port = ntohs(a.sin_port);
}

static void
test_api_start_query(void **state)
{
	char dir[] = "/tmp/pc-ntp-XXXXXX", keyf[64], api[64], url[512];
	struct conf conf;
	struct store_order o;
	struct pay_notice n;
	struct fake f;
	pthread_t t;
	FILE *fp;
	int port;
	const struct pay_provider *pv = pay_provider_get("netopia");

	(void)state;
	assert_non_null(pv);
	assert_non_null(mkdtemp(dir));
	snprintf(keyf, sizeof(keyf), "%s/api.key", dir);
	fp = fopen(keyf, "w");
	assert_non_null(fp);
	fputs("KEY-123\n", fp);
	fclose(fp);
	chmod(keyf, 0600);
	memset(&conf, 0, sizeof(conf));
	memset(&o, 0, sizeof(o));
	conf.server.public_url = "https://pecete.example";
	conf.shop.netopia_api_key_file = keyf;
	conf.shop.netopia_pos_signature = POS;
	snprintf(o.id, sizeof(o.id), "0123456789abcdef01234567");
	snprintf(o.number, sizeof(o.number), "PC-2026-1");
	snprintf(o.package, sizeof(o.package), "pecete2");
	o.total_bani = 5900;
	o.invoice_data = "{\"name\":\"Ana Pop\",\"town\":\"Cluj\"}";
	o.email = "a@example.ro";

	fake_start(&f,
	    "{\"payment\":{\"ntpID\":\"N1\",\"status\":1,"
	    "\"paymentURL\":\"https://pay.example/x\"}}",
	    &port);
	snprintf(api, sizeof(api), "http://127.0.0.1:%d", port);
	conf.shop.netopia_api_url = api;
	assert_int_equal(pthread_create(&t, NULL, fake_run, &f), 0);
	assert_int_equal(pv->start(&conf, &o, url, sizeof(url)), PC_OK);
	pthread_join(t, NULL);
	close(f.fd);
	assert_string_equal(url, "https://pay.example/x");
	assert_non_null(strstr(f.req, "POST /payment/card/start HTTP/1.1\r\n"));
	assert_non_null(strstr(f.req, "\r\nAuthorization: KEY-123\r\n"));
	assert_non_null(strstr(f.req, "\"amount\":59.00,"));
	assert_non_null(strstr(f.req, "\"posSignature\":\"" POS "\""));
	assert_non_null(strstr(f.req, "\"notifyUrl\":\"https://pecete.example"
	                              "/api/v1/payments/netopia/ipn\""));
	assert_non_null(
	    strstr(f.req, "\"orderID\":\"0123456789abcdef01234567\""));

	/* an answer without a paymentURL is a provider error */
	fake_start(
	    &f, "{\"error\":{\"code\":\"99\",\"message\":\"x\"}}", &port);
	snprintf(api, sizeof(api), "http://127.0.0.1:%d", port);
	assert_int_equal(pthread_create(&t, NULL, fake_run, &f), 0);
	assert_int_equal(pv->start(&conf, &o, url, sizeof(url)), PC_EIO);
	pthread_join(t, NULL);
	close(f.fd);

	/* status */
	snprintf(o.provider_ref, sizeof(o.provider_ref), "N1");
	fake_start(&f,
	    "{\"payment\":{\"ntpID\":\"N1\",\"status\":3,"
	    "\"amount\":59.0,\"currency\":\"RON\"}}",
	    &port);
	snprintf(api, sizeof(api), "http://127.0.0.1:%d", port);
	assert_int_equal(pthread_create(&t, NULL, fake_run, &f), 0);
	assert_int_equal(pv->query(&conf, &o, &n), PC_OK);
	pthread_join(t, NULL);
	close(f.fd);
	assert_non_null(strstr(f.req, "POST /operation/status HTTP/1.1\r\n"));
	assert_non_null(strstr(f.req, "\"posID\":\"" POS "\""));
	assert_non_null(strstr(f.req, "\"ntpID\":\"N1\""));
	assert_string_equal(n.status, PAY_PAID);
	assert_int_equal(n.amount_bani, 5900);
	assert_string_equal(n.ref, "N1");
	assert_string_equal(n.order_id, o.id);

	/* refunds are refused */
	assert_int_equal(pv->refund(&conf, &o), PC_EUNAVAIL);
	unlink(keyf);
	rmdir(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_token_good),
		cmocka_unit_test(test_token_refused),
		cmocka_unit_test(test_amounts),
		cmocka_unit_test(test_status_map),
		cmocka_unit_test(test_api_start_query),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
