/*
 * fuzz_route.c: HTTP requests through the real router, gate and handlers
 * of every route in the routes table, without sockets (http_resolve +
 * http_run), against a real data dir (SQLite database, SoftHSM token and
 * CA hierarchy made by `pecete init --dev`, on tmpfs) and a real signer
 * process. The harness adds a signed-in user (full session, consents
 * given, operator role), a partly signed-in one and an order, so the
 * handlers behind the gate are reached too.
 *
 * Input: "METHOD PATH[?QUERY]\n" then "Name: value\n" headers, an empty
 * line, then the body. @TOKEN@/@CSRF@ (full session), @PTOKEN@/@PCSRF@
 * (partial), @ORDER@ and @BEARER@ (a CSC access token of the full
 * session's user) are replaced by the harness's values.
 *
 * Environment: PC_FUZZ_DATA (the data dir; tests/fuzz/route_run.sh makes
 * it) and PECETE_SIGNER_EXE (the pecete program, for the signer process).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>

#include "account/account.h"
#include "api/api_int.h"
#include "base/clock.h"
#include "base/conf.h"
#include "base/log.h"
#include "pki/pki.h"
#include "signer/signer.h"
#include "store/store.h"
#include "store/store_account.h"
#include "store/store_shop.h"
#include "store/store_token.h"
#include "vault/vault.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_MAX (64 * 1024)
#define TOKEN_FULL                                                             \
	"f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff000102030405060708090a0b0c0d0e0f"
#define TOKEN_PARTIAL                                                          \
	"a0a1a2a3a4a5a6a7a8a9aaabacadaeaf101112131415161718191a1b1c1d1e1f"
#define CSRF_FULL                                                              \
	"c0c1c2c3c4c5c6c7c8c9cacbcccdcecf202122232425262728292a2b2c2d2e2f"
#define CSRF_PARTIAL                                                           \
	"d0d1d2d3d4d5d6d7d8d9dadbdcdddedf303132333435363738393a3b3c3d3e3f"
#define ORDER_ID "00112233445566778899aabb"
/* The CSC API's access token of the full session's user. */
#define BEARER_FULL                                                            \
	"b0b1b2b3b4b5b6b7b8b9babbbcbdbebf303132333435363738393a3b3c3d3e3f"

static struct conf conf;
static struct app app;
static struct http_opts opts;
static bool ready;
static unsigned iter;

static void
die(const char *what)
{
	fprintf(stderr, "fuzz_route: %s\n", what);
	abort();
}

static void
add_user(struct db *db, const char *id, const char *email, const char *token,
    const char *csrf, const char *state)
{
	struct store_user u;
	struct store_session s;
	char hash[STORE_HASH_LEN + 1];
	int64_t now = clock_now();

	memset(&u, 0, sizeof(u));
	snprintf(u.id, sizeof(u.id), "%s", id);
	u.email = (char *)(uintptr_t)email;
	u.given_name = (char *)(uintptr_t) "Ana";
	u.surname = (char *)(uintptr_t) "Pop";
	u.phone = (char *)(uintptr_t) "+40712345678";
	u.lang = (char *)(uintptr_t) "ro";
	u.status = (char *)(uintptr_t)USER_STATUS_ACTIVE;
	u.password_hash = (char *)(uintptr_t) "$argon2id$v=19$m=65536,t=2,"
	                                      "p=1$c29tZXNhbHQ$aGFzaA";
	u.created_at = now;
	if (store_user_insert(db, &u) != PC_OK)
		die("user");
	if (store_consent_insert(db, id, CONSENT_GDPR_NOTICE,
	        acct_consent_version(&conf, CONSENT_GDPR_NOTICE), now,
	        "127.0.0.1") != PC_OK ||
	    store_user_set_consent(db, id, CONSENT_GDPR_NOTICE,
	        acct_consent_version(&conf, CONSENT_GDPR_NOTICE)) != PC_OK ||
	    store_consent_insert(db, id, CONSENT_APP_ACCESS,
	        acct_consent_version(&conf, CONSENT_APP_ACCESS), now,
	        "127.0.0.1") != PC_OK ||
	    store_user_set_consent(db, id, CONSENT_APP_ACCESS,
	        acct_consent_version(&conf, CONSENT_APP_ACCESS)) != PC_OK)
		die("consents");
	if (acct_token_hash(token, hash) != PC_OK)
		die("token");
	memset(&s, 0, sizeof(s));
	snprintf(s.id_hash, sizeof(s.id_hash), "%s", hash);
	snprintf(s.user_id, sizeof(s.user_id), "%s", id);
	snprintf(s.state, sizeof(s.state), "%s", state);
	snprintf(s.csrf, sizeof(s.csrf), "%s", csrf);
	/* Far in the future: the session outlives a long fuzzing run. */
	s.created_at = s.last_seen = now + 365 * 86400;
	if (store_session_insert(db, &s) != PC_OK)
		die("session");
}

static void
setup(void)
{
	struct pki_keysrc ks;
	struct db *db = NULL;
	struct store_order o;
	struct store_token tk;
	const char *dir = getenv("PC_FUZZ_DATA");
	char path[4096], err[512];

	if (dir == NULL)
		die("PC_FUZZ_DATA is not set (tests/fuzz/route_run.sh sets "
		    "it)");
	log_init("fuzz_route");
	snprintf(path, sizeof(path), "%s/pecete.conf", dir);
	if (conf_load(&conf, dir, path, true, err, sizeof(err)) != PC_OK)
		die(err);
	/* Nothing leaves the machine: payments notify a closed port. */
	free(conf.server.public_url);
	conf.server.public_url = strdup("http://127.0.0.1:9");
	if (conf.hsm.softhsm_conf != NULL)
		setenv("SOFTHSM2_CONF", conf.hsm.softhsm_conf, 1);
	app.conf = &conf;
	app.started_at = clock_now();
	if (signer_client_start(&conf, 2, &app.signer) != PC_OK)
		die("signer");
	if (store_open(conf.store.url, 4, &app.store) != PC_OK ||
	    store_migrate(app.store) != PC_OK)
		die("store");
	signer_client_keysrc(app.signer, &ks);
	if (pki_open(&conf, app.store, &ks, &app.pki) != PC_OK)
		die("pki");
	if (vault_open(conf.store.vault_key_file, true, &app.vault) != PC_OK)
		die("vault");
	if (store_acquire(app.store, &db) != PC_OK || db_begin(db) != PC_OK)
		die("db");
	add_user(db, "fuzzuser000000000000000000000001", "fuzz@example.ro",
	    TOKEN_FULL, CSRF_FULL, SESS_FULL);
	add_user(db, "fuzzuser000000000000000000000002", "fuzz2@example.ro",
	    TOKEN_PARTIAL, CSRF_PARTIAL, SESS_NEEDS_2FA);
	if (store_user_role_set(db, "fuzz@example.ro", "operator") != PC_OK)
		die("role");
	memset(&tk, 0, sizeof(tk));
	if (acct_token_hash(BEARER_FULL, tk.hash) != PC_OK)
		die("bearer");
	snprintf(
	    tk.user_id, sizeof(tk.user_id), "fuzzuser000000000000000000000001");
	snprintf(tk.scope, sizeof(tk.scope), "service");
	tk.created_at = clock_now();
	tk.expires_at = tk.created_at + 365 * 86400;
	if (store_token_insert(db, &tk) != PC_OK)
		die("token row");
	memset(&o, 0, sizeof(o));
	snprintf(o.id, sizeof(o.id), ORDER_ID);
	snprintf(o.number, sizeof(o.number), "PC-FUZZ-1");
	snprintf(
	    o.user_id, sizeof(o.user_id), "fuzzuser000000000000000000000001");
	snprintf(o.state, sizeof(o.state), "created");
	snprintf(o.package, sizeof(o.package), "pecete1");
	o.list_cents = o.net_cents = 3900;
	o.vat_bp = 2100;
	o.vat_cents = 819;
	o.total_cents = 4719;
	o.rate_e4 = 49763;
	snprintf(o.rate_day, sizeof(o.rate_day), "2026-12-01");
	o.total_bani = 23483;
	o.invoice_data =
	    (char *)(uintptr_t) "{\"type\":\"person\",\"name\":"
	                        "\"Ana Pop\",\"county\":\"Cluj\","
	                        "\"town\":\"Cluj\",\"street\":\"S\","
	                        "\"number\":\"1\",\"postal_code\":"
	                        "\"400001\",\"country\":\"RO\"}";
	o.created_at = o.updated_at = clock_now();
	if (store_shop_order_insert(db, &o) != PC_OK)
		die("order");
	if (db_commit(db) != PC_OK)
		die("commit");
	store_release(app.store, db);
	api_init();
	api_http_opts(&app, &opts);
	ERR_clear_error();
	ready = true;
}

/*
 * Replace the harness's placeholders in s (NUL-terminated): a new string,
 * the caller frees it. Every input byte gives at most the longest
 * replacement (a placeholder is longer than one byte), so n times that
 * bounds the output: a fixed factor of 10 was too small for @CSRF@ (6
 * bytes, 64 out), which the fuzzer found (corpus/route/route-csrf-alone).
 */
static char *
expand(const char *s)
{
	static const char *const from[] = { "@TOKEN@", "@PTOKEN@", "@CSRF@",
		"@PCSRF@", "@ORDER@", "@BEARER@" };
	static const char *const to[] = { TOKEN_FULL, TOKEN_PARTIAL, CSRF_FULL,
		CSRF_PARTIAL, ORDER_ID, BEARER_FULL };
	size_t n = strlen(s), o = 0, i, k, longest = 1;
	char *out;

	for (k = 0; k < PC_ARRAY_LEN(to); k++)
		if (strlen(to[k]) > longest)
			longest = strlen(to[k]);
	out = malloc(n * longest + 1);
	if (out == NULL)
		return NULL;
	for (i = 0; i < n;) {
		for (k = 0; k < PC_ARRAY_LEN(from); k++)
			if (strncmp(s + i, from[k], strlen(from[k])) == 0)
				break;
		if (k < PC_ARRAY_LEN(from)) {
			memcpy(out + o, to[k], strlen(to[k]));
			o += strlen(to[k]);
			i += strlen(from[k]);
		} else {
			out[o++] = s[i++];
		}
	}
	out[o] = '\0';
	return out;
}

static void
add_cookies(struct req *r, char *v)
{
	char *save = NULL, *c, *eq;

	for (c = strtok_r(v, ";", &save); c != NULL;
	     c = strtok_r(NULL, ";", &save)) {
		while (*c == ' ')
			c++;
		eq = strchr(c, '=');
		if (eq == NULL)
			continue;
		*eq = '\0';
		http_req_kv_add(r, r->cookies, &r->ncookies, c, eq + 1);
	}
}

static void
add_query(struct req *r, char *q)
{
	char *save = NULL, *a, *eq;

	for (a = strtok_r(q, "&", &save); a != NULL;
	     a = strtok_r(NULL, "&", &save)) {
		eq = strchr(a, '=');
		if (eq != NULL)
			*eq = '\0';
		http_req_kv_add(r, r->query, &r->nquery, a, eq ? eq + 1 : "");
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct req r;
	struct resp w;
	char *text, *head, *body, *line, *save = NULL, *sp, *q, *colon;
	size_t hlen, blen, max;
	char ip[32];

	if (!ready)
		setup();
	if (size > FUZZ_MAX)
		return 0;
	text = malloc(size + 1);
	if (text == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	/* The head is text up to the first empty line; the body the rest. */
	body = strstr(text, "\n\n");
	hlen = body != NULL ? (size_t)(body - text) : strlen(text);
	blen = body != NULL ? size - hlen - 2 : 0;
	text[hlen] = '\0';
	head = expand(text);
	if (head == NULL) {
		free(text);
		return 0;
	}
	http_req_init(&r, &app);
	http_resp_init(&w);
	/* Addresses change so the rate limits rarely stop the fuzzer. */
	if (++iter % 512 == 0)
		api_rate_reset();
	snprintf(ip, sizeof(ip), "10.%u.%u.%u", (iter >> 16) & 255,
	    (iter >> 8) & 255, iter & 255);
	r.remote_ip = ip;
	r.req_id = "fuzz";
	line = strtok_r(head, "\n", &save);
	sp = line != NULL ? strchr(line, ' ') : NULL;
	if (sp == NULL)
		goto out;
	*sp = '\0';
	r.method = line;
	r.path = sp + 1;
	q = strchr(sp + 1, '?');
	if (q != NULL) {
		*q = '\0';
		add_query(&r, q + 1);
	}
	while ((line = strtok_r(NULL, "\n", &save)) != NULL) {
		colon = strchr(line, ':');
		if (colon == NULL)
			continue;
		*colon = '\0';
		for (colon++; *colon == ' '; colon++)
			;
		if (strcasecmp(line, "Cookie") == 0)
			add_cookies(&r, colon);
		else
			http_req_kv_add(
			    &r, r.headers, &r.nheaders, line, colon);
	}
	r.content_type = http_req_header(&r, "Content-Type");
	if (http_resolve(&opts, &r, &w) != PC_OK)
		goto out;
	/* The body as the server takes it: bounded by the row. */
	max = r.route->body == BODY_NONE ? 1024 : r.route->max_body;
	if (blen > max)
		goto out;
	buf_init(&r.body, max > 0 ? max : 1);
	if (blen > 0)
		buf_append(&r.body, body + 2, blen);
	http_run(&opts, &r, &w);
	if (w.status < 100 || w.status > 599)
		abort();
	if (getenv("PC_FUZZ_VERBOSE") != NULL)
		fprintf(stderr, "fuzz_route: %s %s -> %d %.*s\n", r.method,
		    r.route->pattern, w.status,
		    (int)(w.body.len < 120 ? w.body.len : 120),
		    (const char *)w.body.data);
out:
	http_req_cleanup(&r);
	http_resp_cleanup(&w);
	free(head);
	free(text);
	ERR_clear_error();
	return 0;
}
