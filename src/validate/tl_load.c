/*
 * tl_load.c: [server] trusted_lists loaded, checked and kept (tl.h): the
 * current set of lists (refcounted, replaced whole by tl_reload), their
 * services' certificates as trust anchors, and their state for /readyz
 * and /metrics.
 *
 * As the EU's DSS: each configured entry (a LOTL or a national list) is
 * signed by one of the [server] trusted_list_signers certificates; a LOTL
 * names the national lists (PointersToOtherTSL) with the certificates
 * that may sign each, which are followed (not pointers to other LOTLs, nor
 * PDF forms). A LOTL read from a file may point to files (file:///path):
 * a mirror kept offline.
 */
#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/err.h>
#include <openssl/pem.h>

#include "base/clock.h"
#include "base/curl_lazy.h"
#include "base/log.h"
#include "pki/pki.h"
#include "validate/tl.h"

#define TL_FETCH_TIMEOUT_S 30
#define TL_SIGNERS_BYTES (1024 * 1024)

struct tl_entry {
	char source[512];
	bool configured; /* named in [server] trusted_lists */
	bool ok;         /* read, signature verified, parsed */
	char error[320];
	struct tl_list *list; /* NULL when refused */
	struct buf pem;       /* the services' certificates, PEM */
	unsigned npem;        /* ... how many */
};

struct tl_set {
	int refs;
	int64_t loaded_at;
	int n;
	struct tl_entry e[TL_LISTS_MAX];
};

static pthread_mutex_t tl_mu = PTHREAD_MUTEX_INITIALIZER;
static struct tl_set *tl_cur;

static void
set_free(struct tl_set *s)
{
	int i;

	if (s == NULL)
		return;
	for (i = 0; i < s->n; i++) {
		tl_list_free(s->e[i].list);
		buf_cleanup(&s->e[i].pem);
	}
	free(s);
}

/* The current set with a reference (tl_put), or NULL. */
static struct tl_set *
tl_get(void)
{
	struct tl_set *s;

	pthread_mutex_lock(&tl_mu);
	s = tl_cur;
	if (s != NULL)
		s->refs++;
	pthread_mutex_unlock(&tl_mu);
	return s;
}

static void
tl_put(struct tl_set *s)
{
	bool last;

	if (s == NULL)
		return;
	pthread_mutex_lock(&tl_mu);
	last = --s->refs == 0;
	pthread_mutex_unlock(&tl_mu);
	if (last)
		set_free(s);
}

/* Is e's list usable now: loaded, signed right, not past NextUpdate? */
static bool
usable(const struct tl_entry *e, int64_t now)
{
	return e->ok && e->list != NULL && e->list->next_update > now;
}

bool
tl_configured(const struct conf *conf)
{
	return conf != NULL && conf->server.trusted_lists != NULL &&
	       conf->server.trusted_lists[0] != '\0';
}

/* The next comma-separated item of *p (trimmed) into out; false at end
 * or when it does not fit. */
static bool
next_item(const char **p, char *out, size_t n, bool *toolong)
{
	const char *b = *p, *e;

	*toolong = false;
	while (*b == ',' || isspace((unsigned char)*b))
		b++;
	if (*b == '\0')
		return false;
	e = strchr(b, ',');
	if (e == NULL)
		e = b + strlen(b);
	*p = e;
	while (e > b && isspace((unsigned char)e[-1]))
		e--;
	if ((size_t)(e - b) >= n) {
		*toolong = true;
		return false;
	}
	memcpy(out, b, (size_t)(e - b));
	out[e - b] = '\0';
	return true;
}

static bool
is_url(const char *s)
{
	return strncmp(s, "http://", 7) == 0 || strncmp(s, "https://", 8) == 0;
}

/* A file entry as an absolute path (relative: under the data dir). */
static void
abs_path(const struct conf *conf, const char *s, char *out, size_t n)
{
	if (s[0] == '/' || conf->data_dir == NULL)
		snprintf(out, n, "%s", s);
	else
		snprintf(out, n, "%s/%s", conf->data_dir, s);
}

/* Read the PEM certificates of one signers file into certs. */
static enum pc_rc
read_signers(const char *path, X509 **certs, int *n, char *err, size_t errlen)
{
	struct stat st;
	BIO *in;
	X509 *x;
	int got = 0;

	if (stat(path, &st) != 0 || !S_ISREG(st.st_mode) ||
	    st.st_size > TL_SIGNERS_BYTES) {
		snprintf(err, errlen,
		    "[server] trusted_list_signers: %s is not a readable file "
		    "of at most %d bytes",
		    path, TL_SIGNERS_BYTES);
		return PC_EINVAL;
	}
	in = BIO_new_file(path, "r");
	if (in == NULL) {
		snprintf(err, errlen,
		    "[server] trusted_list_signers: cannot open %s", path);
		return PC_EINVAL;
	}
	for (;;) {
		x = PEM_read_bio_X509(in, NULL, NULL, NULL);
		if (x == NULL)
			break;
		if (*n >= TL_SIGNERS_MAX) {
			X509_free(x);
			snprintf(err, errlen,
			    "[server] trusted_list_signers: more than %d "
			    "certificates",
			    TL_SIGNERS_MAX);
			BIO_free(in);
			return PC_EINVAL;
		}
		certs[(*n)++] = x;
		got++;
	}
	ERR_clear_error();
	BIO_free(in);
	if (got == 0) {
		snprintf(err, errlen,
		    "[server] trusted_list_signers: %s holds no PEM "
		    "certificate",
		    path);
		return PC_EINVAL;
	}
	return PC_OK;
}

/* All signers of conf into certs (X509_free each). */
static enum pc_rc
load_signers(
    const struct conf *conf, X509 **certs, int *n, char *err, size_t errlen)
{
	const char *p = conf->server.trusted_list_signers;
	char item[512], path[1024];
	bool toolong;
	enum pc_rc rc;

	*n = 0;
	if (p == NULL || p[0] == '\0') {
		snprintf(err, errlen,
		    "[server] trusted_lists is set but "
		    "trusted_list_signers is not (the certificates that sign "
		    "the lists you name)");
		return PC_EINVAL;
	}
	while (next_item(&p, item, sizeof(item), &toolong)) {
		abs_path(conf, item, path, sizeof(path));
		rc = read_signers(path, certs, n, err, errlen);
		if (rc != PC_OK)
			return rc;
	}
	if (toolong) {
		snprintf(err, errlen,
		    "[server] trusted_list_signers: a path is too long");
		return PC_EINVAL;
	}
	return PC_OK;
}

enum pc_rc
tl_conf_check(const struct conf *conf, char *err, size_t errlen)
{
	const char *p;
	char item[512], path[1024];
	X509 *certs[TL_SIGNERS_MAX];
	struct stat st;
	bool toolong;
	int i, n = 0, count = 0;
	enum pc_rc rc;

	if (!tl_configured(conf)) {
		if (conf->server.trusted_list_signers != NULL) {
			snprintf(err, errlen,
			    "[server] trusted_list_signers is set without "
			    "trusted_lists");
			return PC_EINVAL;
		}
		return PC_OK;
	}
	rc = load_signers(conf, certs, &n, err, errlen);
	for (i = 0; i < n; i++)
		X509_free(certs[i]);
	if (rc != PC_OK)
		return rc;
	p = conf->server.trusted_lists;
	while (next_item(&p, item, sizeof(item), &toolong)) {
		if (++count > TL_SOURCES_MAX) {
			snprintf(err, errlen,
			    "[server] trusted_lists: more than %d entries",
			    TL_SOURCES_MAX);
			return PC_EINVAL;
		}
		if (is_url(item))
			continue;
		abs_path(conf, item, path, sizeof(path));
		if (stat(path, &st) != 0 || !S_ISREG(st.st_mode)) {
			snprintf(err, errlen,
			    "[server] trusted_lists: %s is neither an "
			    "http(s) URL nor a readable file",
			    item);
			return PC_EINVAL;
		}
	}
	if (toolong) {
		snprintf(err, errlen,
		    "[server] trusted_lists: an entry is longer than %zu "
		    "characters",
		    sizeof(item) - 1);
		return PC_EINVAL;
	}
	return PC_OK;
}

static size_t
on_data(char *p, size_t sz, size_t n, void *arg)
{
	struct buf *b = arg;

	buf_append(b, p, sz * n);
	return buf_ok(b) ? sz * n : 0;
}

/* GET url (http, https; at most TL_MAX_BYTES) into out. */
static enum pc_rc
fetch_url(const char *url, struct buf *out, char *err, size_t errlen)
{
	CURL *h;
	CURLcode cc;
	long status = 0;
	enum pc_rc rc = PC_EIO;

	if (curl_lazy_load() != PC_OK) {
		snprintf(err, errlen, "libcurl is not installed");
		return PC_EUNAVAIL;
	}
	h = curl_easy_init();
	if (h == NULL)
		return PC_ENOMEM;
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "https");
	curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 1L);
	curl_easy_setopt(h, CURLOPT_MAXREDIRS, 3L);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, 10L);
	curl_easy_setopt(h, CURLOPT_TIMEOUT, (long)TL_FETCH_TIMEOUT_S);
	curl_easy_setopt(h, CURLOPT_MAXFILESIZE, (long)TL_MAX_BYTES);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, out);
	cc = curl_easy_perform(h);
	if (cc == CURLE_OK)
		curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
	if (cc == CURLE_OK && status == 200 && buf_ok(out))
		rc = PC_OK;
	else
		snprintf(err, errlen, "cannot download it: %s (HTTP %ld)",
		    !buf_ok(out) ? "larger than the limit"
		                 : curl_easy_strerror(cc),
		    status);
	curl_easy_cleanup(h);
	return rc;
}

/* The bytes of source: a URL, or a file when files are allowed. */
static enum pc_rc
fetch(const struct conf *conf, const char *source, bool files, struct buf *out,
    char *err, size_t errlen)
{
	char path[1024];
	enum pc_rc rc;

	if (is_url(source))
		return fetch_url(source, out, err, errlen);
	if (strncmp(source, "file://", 7) == 0)
		source += 7;
	else if (!files || strchr(source, ':') != NULL) {
		snprintf(err, errlen, "not an http(s) URL");
		return PC_EINVAL;
	}
	if (!files) {
		snprintf(err, errlen,
		    "a file named by a list downloaded from the network");
		return PC_EINVAL;
	}
	abs_path(conf, source, path, sizeof(path));
	rc = file_read(path, TL_MAX_BYTES, out);
	if (rc != PC_OK)
		snprintf(err, errlen, "%s",
		    rc == PC_ENOTFOUND ? "no such file"
		    : rc == PC_ELIMIT  ? "larger than the limit"
		                       : "cannot read it");
	return rc;
}

static void
fmt_time(int64_t t, char *out, size_t n)
{
	struct tm tm;
	time_t tt = (time_t)t;

	if (t <= 0 || gmtime_r(&tt, &tm) == NULL)
		snprintf(out, n, "none");
	else
		strftime(out, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* The PEM of e's services' certificates into e->pem. */
static enum pc_rc
entry_pem(struct tl_entry *e)
{
	const struct tl_service *sv;
	enum pc_rc rc = PC_OK;
	int j, k;

	for (j = 0; j < e->list->nservices && rc == PC_OK; j++) {
		sv = &e->list->services[j];
		for (k = 0; k < sv->ncerts && rc == PC_OK; k++) {
			rc = pki_x509_pem(sv->certs[k], &e->pem);
			e->npem++;
		}
	}
	return rc == PC_OK && !buf_ok(&e->pem) ? PC_ENOMEM : rc;
}

/*
 * Load one list into a new entry of s: fetched, its signature checked
 * with certs, parsed. A LOTL's pointers are followed by the caller.
 */
static struct tl_entry *
load_one(const struct conf *conf, struct tl_set *s, const char *source,
    bool configured, bool files, X509 *const *certs, int ncerts)
{
	struct tl_entry *e;
	struct buf b;
	char nu[32];
	int64_t now = clock_now();
	enum pc_rc rc;

	if (s->n >= TL_LISTS_MAX) {
		log_error("validate: trusted list %s left out: more than %d "
		          "lists",
		    source, TL_LISTS_MAX);
		return NULL;
	}
	e = &s->e[s->n++];
	memset(e, 0, sizeof(*e));
	buf_init(&e->pem, 2 * TL_MAX_BYTES);
	snprintf(e->source, sizeof(e->source), "%s", source);
	e->configured = configured;
	buf_init(&b, TL_MAX_BYTES);
	rc = fetch(conf, source, files, &b, e->error, sizeof(e->error));
	if (rc == PC_OK)
		rc = tl_sig_verify(
		    b.data, b.len, certs, ncerts, e->error, sizeof(e->error));
	if (rc == PC_OK)
		rc = tl_parse(
		    b.data, b.len, &e->list, e->error, sizeof(e->error));
	buf_cleanup(&b);
	if (rc != PC_OK) {
		log_error("validate: trusted list %s refused: %s; its "
		          "certificates are not trusted",
		    source, e->error);
		return e;
	}
	/* The anchors once, not at every validation. */
	rc = entry_pem(e);
	if (rc != PC_OK) {
		snprintf(e->error, sizeof(e->error),
		    "its certificates do not fit in memory");
		log_error(
		    "validate: trusted list %s refused: %s", source, e->error);
		return e;
	}
	e->ok = true;
	fmt_time(e->list->next_update, nu, sizeof(nu));
	if (!usable(e, now)) {
		if (e->list->next_update == 0)
			snprintf(e->error, sizeof(e->error),
			    "closed (no NextUpdate): not used");
		else
			snprintf(e->error, sizeof(e->error),
			    "expired (next update was due %s)", nu);
		log_error("validate: trusted list %s: %s; its certificates "
		          "are not trusted until a fresh one is loaded",
		    source, e->error);
	} else
		log_info("validate: trusted list %s: %s %s sequence %lld, %d "
		         "services, signature verified, next update %s",
		    source, e->list->lotl ? "LOTL" : "list", e->list->territory,
		    (long long)e->list->seq, e->list->nservices, nu);
	return e;
}

/* The national lists a LOTL points to. */
static void
follow(const struct conf *conf, struct tl_set *s, int idx, bool files)
{
	const struct tl_list *l = s->e[idx].list;
	const struct tl_pointer *p;
	struct tl_entry *e;
	int i;

	for (i = 0; i < l->npointers; i++) {
		p = &l->pointers[i];
		if (p->lotl || !p->xml || p->location[0] == '\0')
			continue;
		e = load_one(
		    conf, s, p->location, false, files, p->certs, p->ncerts);
		if (e != NULL && e->ok && e->list->lotl) {
			/* A pointer may not turn one list into another. */
			e->ok = false;
			snprintf(e->error, sizeof(e->error),
			    "a LOTL where a national list was expected");
			log_error("validate: trusted list %s refused: %s",
			    e->source, e->error);
		}
		if (e != NULL && e->ok && p->territory[0] != '\0' &&
		    strcmp(p->territory, e->list->territory) != 0) {
			e->ok = false;
			snprintf(e->error, sizeof(e->error),
			    "its territory %s is not the %s the LOTL names",
			    e->list->territory, p->territory);
			log_error("validate: trusted list %s refused: %s",
			    e->source, e->error);
		}
	}
}

void
tl_reload(const struct conf *conf)
{
	struct tl_set *s, *old;
	X509 *signers[TL_SIGNERS_MAX];
	const char *p;
	char item[512], err[320];
	bool toolong, files;
	int i, nsigners = 0, idx;
	enum pc_rc rc;

	if (!tl_configured(conf))
		return;
	s = calloc(1, sizeof(*s));
	if (s == NULL) {
		log_error("validate: trusted lists: out of memory");
		return;
	}
	s->refs = 1;
	s->loaded_at = clock_now();
	rc = load_signers(conf, signers, &nsigners, err, sizeof(err));
	p = conf->server.trusted_lists;
	while (next_item(&p, item, sizeof(item), &toolong) &&
	       s->n < TL_LISTS_MAX) {
		if (rc != PC_OK) {
			struct tl_entry *e = &s->e[s->n++];

			snprintf(e->source, sizeof(e->source), "%s", item);
			e->configured = true;
			snprintf(e->error, sizeof(e->error), "%s", err);
			log_error(
			    "validate: trusted list %s refused: %s", item, err);
			continue;
		}
		files = !is_url(item);
		idx = s->n;
		if (load_one(conf, s, item, true, true, signers, nsigners) ==
		    NULL)
			break;
		if (s->e[idx].ok && s->e[idx].list->lotl)
			follow(conf, s, idx, files);
	}
	for (i = 0; i < nsigners; i++)
		X509_free(signers[i]);
	pthread_mutex_lock(&tl_mu);
	old = tl_cur;
	tl_cur = s;
	pthread_mutex_unlock(&tl_mu);
	tl_put(old);
}

void
tl_refresh(const struct conf *conf)
{
	struct tl_set *s;
	int64_t now = clock_now(), age;
	bool all = true;
	int i;

	if (!tl_configured(conf))
		return;
	s = tl_get();
	age = s != NULL ? now - s->loaded_at : TL_REFRESH_S;
	for (i = 0; s != NULL && i < s->n; i++)
		if (!usable(&s->e[i], now))
			all = false;
	tl_put(s);
	if (age >= TL_REFRESH_S || (!all && age >= TL_RETRY_S)) {
		log_info("validate: trusted lists loaded %lld s ago%s: loading "
		         "them again",
		    (long long)age, all ? "" : ", one is not in use");
		tl_reload(conf);
	}
}

/* The anchors e adds (0 when not usable). */
static unsigned
entry_anchors(const struct tl_entry *e, int64_t now)
{
	return usable(e, now) ? e->npem : 0;
}

enum pc_rc
tl_anchors_pem(struct buf *pem, unsigned *count)
{
	struct tl_set *s = tl_get();
	int64_t now = clock_now();
	int i;

	*count = 0;
	for (i = 0; s != NULL && i < s->n; i++) {
		if (!usable(&s->e[i], now))
			continue;
		buf_append(pem, s->e[i].pem.data, s->e[i].pem.len);
		*count += s->e[i].npem;
	}
	tl_put(s);
	return buf_ok(pem) ? PC_OK : PC_ELIMIT;
}

static const char *
entry_state(const struct tl_entry *e, int64_t now)
{
	return !e->ok ? "refused" : usable(e, now) ? "ok" : "expired";
}

bool
tl_ready(const struct conf *conf, json_t **lists, unsigned *anchors)
{
	struct tl_set *s;
	const struct tl_entry *e;
	int64_t now = clock_now();
	char is[32], nu[32];
	bool ok = true;
	json_t *o;
	int i;

	*lists = json_array();
	*anchors = 0;
	if (!tl_configured(conf))
		return true;
	s = tl_get();
	if (s == NULL)
		ok = false; /* configured, never loaded */
	for (i = 0; s != NULL && i < s->n; i++) {
		e = &s->e[i];
		*anchors += entry_anchors(e, now);
		if (e->configured && !usable(e, now))
			ok = false;
		if (*lists == NULL)
			continue;
		o = json_pack("{s:s,s:s,s:b,s:s}", "source", e->source, "kind",
		    e->list == NULL ? "unknown"
		    : e->list->lotl ? "lotl"
		                    : "tl",
		    "configured", e->configured, "status", entry_state(e, now));
		if (o == NULL)
			continue;
		if (e->error[0] != '\0')
			json_object_set_new(o, "error", json_string(e->error));
		if (e->list != NULL) {
			fmt_time(e->list->issued, is, sizeof(is));
			fmt_time(e->list->next_update, nu, sizeof(nu));
			json_object_set_new(
			    o, "territory", json_string(e->list->territory));
			json_object_set_new(
			    o, "sequence", json_integer(e->list->seq));
			json_object_set_new(o, "issued", json_string(is));
			json_object_set_new(o, "next_update", json_string(nu));
			json_object_set_new(
			    o, "age_s", json_integer(now - e->list->issued));
			json_object_set_new(
			    o, "services", json_integer(e->list->nservices));
		}
		json_object_set_new(
		    o, "anchors", json_integer(entry_anchors(e, now)));
		json_array_append_new(*lists, o);
	}
	tl_put(s);
	return ok;
}

/* s as a Prometheus label value (\, " and newline escaped). */
static void
label(struct buf *out, const char *s)
{
	for (; *s != '\0'; s++) {
		if (*s == '\\' || *s == '"')
			buf_printf(out, "\\%c", *s);
		else if (*s == '\n')
			buf_append_str(out, "\\n");
		else
			buf_append(out, s, 1);
	}
}

void
tl_metrics(const struct conf *conf, struct buf *out)
{
	static const char *const fam[] = {
		"pecete_trusted_list_ok",
		"pecete_trusted_list_age_seconds",
		"pecete_trusted_list_next_update_timestamp_seconds",
		"pecete_trusted_list_anchors",
	};
	static const char *const help[] = {
		"1 when the list is loaded, its signature verified and "
		"before its next update",
		"Seconds since the list was issued (ListIssueDateTime)",
		"The list's NextUpdate (Unix time)",
		"Trust anchors (service certificates) the list gives now",
	};
	struct tl_set *s;
	const struct tl_entry *e;
	int64_t now = clock_now(), v;
	int f, i;

	if (!tl_configured(conf))
		return;
	s = tl_get();
	for (f = 0; f < 4; f++) {
		buf_printf(out, "# HELP %s %s.\n# TYPE %s gauge\n", fam[f],
		    help[f], fam[f]);
		for (i = 0; s != NULL && i < s->n; i++) {
			e = &s->e[i];
			if (f == 1 || f == 2) {
				if (e->list == NULL)
					continue;
				v = f == 1 ? now - e->list->issued
				           : e->list->next_update;
			} else
				v = f == 0 ? usable(e, now)
				           : (int64_t)entry_anchors(e, now);
			buf_printf(out, "%s{list=\"", fam[f]);
			label(out, e->source);
			buf_printf(out, "\"} %lld\n", (long long)v);
		}
	}
	tl_put(s);
}

void
tl_each_service(int64_t now,
    void (*fn)(const struct tl_list *, const struct tl_service *, void *),
    void *arg, bool *any)
{
	struct tl_set *s = tl_get();
	int i, j;

	*any = false;
	for (i = 0; s != NULL && i < s->n; i++) {
		if (!usable(&s->e[i], now))
			continue;
		*any = true;
		for (j = 0; j < s->e[i].list->nservices; j++)
			fn(s->e[i].list, &s->e[i].list->services[j], arg);
	}
	tl_put(s);
}
