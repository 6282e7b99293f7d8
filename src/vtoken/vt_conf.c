/*
 * vt_conf.c: the agent's files (config, refresh token), HTTP with
 * libcurl, base64.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <curl/curl.h>
#include <openssl/evp.h>

#include "vtoken/vt_agent.h"

static int
mkdir_p(const char *d, mode_t m)
{
	char tmp[VT_URL_MAX];
	char *p;

	if (snprintf(tmp, sizeof(tmp), "%s", d) >= (int)sizeof(tmp))
		return -1;
	for (p = tmp + 1; *p != '\0'; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(tmp, 0700) != 0 && errno != EEXIST)
			return -1;
		*p = '/';
	}
	if (mkdir(tmp, m) != 0 && errno != EEXIST)
		return -1;
	return chmod(tmp, m);
}

static void
trim(char *s)
{
	size_t n = strlen(s);

	while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == '\r' ||
	                    s[n - 1] == ' ' || s[n - 1] == '\t'))
		s[--n] = '\0';
}

int
vt_conf_load(struct vt_conf *c)
{
	const char *x = getenv("XDG_CONFIG_HOME"), *h = getenv("HOME");
	char path[VT_URL_MAX + 16], line[1024];
	FILE *f;
	int k;

	memset(c, 0, sizeof(*c));
	c->http_timeout = 20;
	c->idle_exit = 3600;
	snprintf(c->pinentry, sizeof(c->pinentry), "pinentry");
	if (x != NULL && x[0] == '/')
		k = snprintf(c->dir, sizeof(c->dir), "%s/pecete-vtoken", x);
	else if (h != NULL && h[0] == '/')
		k = snprintf(
		    c->dir, sizeof(c->dir), "%s/.config/pecete-vtoken", h);
	else
		return -1;
	if (k <= 0 || (size_t)k >= sizeof(c->dir))
		return -1;
	snprintf(path, sizeof(path), "%s/config", c->dir);
	f = fopen(path, "re");
	while (f != NULL && fgets(line, sizeof(line), f) != NULL) {
		char *eq = strchr(line, '=');

		trim(line);
		if (line[0] == '#' || eq == NULL)
			continue;
		*eq++ = '\0';
		if (strcmp(line, "server") == 0)
			snprintf(c->server, sizeof(c->server), "%s", eq);
		else if (strcmp(line, "client_id") == 0)
			snprintf(c->client_id, sizeof(c->client_id), "%s", eq);
		else if (strcmp(line, "pinentry") == 0)
			snprintf(c->pinentry, sizeof(c->pinentry), "%s", eq);
		else if (strcmp(line, "http_timeout") == 0)
			c->http_timeout = vt_num(eq, 1, 120, 20);
		else if (strcmp(line, "idle_exit") == 0)
			c->idle_exit = vt_num(eq, 10, 86400 * 7, 3600);
	}
	if (f != NULL)
		fclose(f);
	x = getenv("PINENTRY");
	if (x != NULL && x[0] != '\0')
		snprintf(c->pinentry, sizeof(c->pinentry), "%s", x);
	return 0;
}

/* Write path through a temporary file, 0600, renamed over it. */
static int
write_private(const char *path, const char *text)
{
	char tmp[VT_URL_MAX + 32];
	size_t n = strlen(text);
	int fd, rc = -1;

	snprintf(tmp, sizeof(tmp), "%s.%ld.tmp", path, (long)getpid());
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return -1;
	if (write(fd, text, n) == (ssize_t)n && fsync(fd) == 0)
		rc = 0;
	if (close(fd) != 0)
		rc = -1;
	if (rc == 0 && rename(tmp, path) != 0)
		rc = -1;
	if (rc != 0)
		unlink(tmp);
	return rc;
}

int
vt_conf_save(const struct vt_conf *c)
{
	char path[VT_URL_MAX + 16], text[2048];

	if (mkdir_p(c->dir, 0700) != 0)
		return -1;
	snprintf(path, sizeof(path), "%s/config", c->dir);
	snprintf(text, sizeof(text),
	    "# pecete-vtoken (docs/virtual-token.md)\nserver=%s\n"
	    "client_id=%s\npinentry=%s\nhttp_timeout=%d\nidle_exit=%d\n",
	    c->server, c->client_id, c->pinentry, c->http_timeout,
	    c->idle_exit);
	return write_private(path, text);
}

int
vt_refresh_load(const struct vt_conf *c, char *out, size_t n)
{
	char path[VT_URL_MAX + 16];
	FILE *f;
	int rc = -1;

	snprintf(path, sizeof(path), "%s/refresh", c->dir);
	f = fopen(path, "re");
	if (f == NULL)
		return -1;
	if (fgets(out, (int)n, f) != NULL) {
		trim(out);
		rc = out[0] != '\0' ? 0 : -1;
	}
	fclose(f);
	return rc;
}

int
vt_refresh_save(const struct vt_conf *c, const char *tok)
{
	char path[VT_URL_MAX + 16];

	if (mkdir_p(c->dir, 0700) != 0)
		return -1;
	snprintf(path, sizeof(path), "%s/refresh", c->dir);
	return write_private(path, tok);
}

void
vt_refresh_remove(const struct vt_conf *c)
{
	char path[VT_URL_MAX + 16];

	snprintf(path, sizeof(path), "%s/refresh", c->dir);
	unlink(path);
}

time_t
vt_refresh_mtime(const struct vt_conf *c)
{
	char path[VT_URL_MAX + 16];
	struct stat st;

	snprintf(path, sizeof(path), "%s/refresh", c->dir);
	return stat(path, &st) == 0
	           ? st.st_mtim.tv_sec * 1000000000L + st.st_mtim.tv_nsec
	           : 0;
}

/* ---- HTTP -------------------------------------------------------------- */

struct sink {
	char *p;
	size_t len;
	int over;
};

#define VT_BODY_MAX (4 * 1024 * 1024)

static size_t
sink_write(char *d, size_t sz, size_t nm, void *arg)
{
	struct sink *s = arg;
	size_t n = sz * nm;
	char *p;

	if (s->over || s->len + n > VT_BODY_MAX) {
		s->over = 1;
		return 0;
	}
	p = realloc(s->p, s->len + n + 1);
	if (p == NULL)
		return 0;
	s->p = p;
	memcpy(s->p + s->len, d, n);
	s->len += n;
	s->p[s->len] = '\0';
	return n;
}

void
vt_http_post(const struct vt_conf *c, const char *path, const char *form,
    const json_t *json, const char *bearer, struct vt_http *h)
{
	char url[VT_URL_MAX * 2], auth[VT_TOKEN_MAX + 32];
	struct curl_slist *hd = NULL;
	struct sink s = { NULL, 0, 0 };
	char *jtext = NULL;
	CURLcode cr;
	CURL *e;

	memset(h, 0, sizeof(*h));
	snprintf(url, sizeof(url), "%s%s", c->server, path);
	e = curl_easy_init();
	if (e == NULL) {
		snprintf(h->curl_err, sizeof(h->curl_err), "out of memory");
		return;
	}
	if (json != NULL) {
		jtext = json_dumps(json, JSON_COMPACT);
		hd = curl_slist_append(hd, "Content-Type: application/json");
	}
	if (bearer != NULL) {
		snprintf(
		    auth, sizeof(auth), "Authorization: Bearer %s", bearer);
		hd = curl_slist_append(hd, auth);
	}
	curl_easy_setopt(e, CURLOPT_URL, url);
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_TIMEOUT, (long)c->http_timeout);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT, 5L);
	curl_easy_setopt(e, CURLOPT_POSTFIELDS,
	    jtext != NULL  ? jtext
	    : form != NULL ? form
	                   : "");
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, hd);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, sink_write);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, &s);
	cr = curl_easy_perform(e);
	if (cr != CURLE_OK) {
		snprintf(h->curl_err, sizeof(h->curl_err), "%s",
		    curl_easy_strerror(cr));
	} else {
		curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &h->status);
		if (s.p != NULL)
			h->body = json_loads(s.p, 0, NULL);
	}
	curl_slist_free_all(hd);
	curl_easy_cleanup(e);
	free(jtext);
	free(s.p);
}

void
vt_http_cleanup(struct vt_http *h)
{
	json_decref(h->body);
	memset(h, 0, sizeof(*h));
}

char *
vt_http_escape(const char *s)
{
	char *e = curl_easy_escape(NULL, s, 0), *r;

	if (e == NULL)
		return NULL;
	r = strdup(e);
	curl_free(e);
	return r;
}

int
vt_num(const char *s, int lo, int hi, int dflt)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < lo || v > hi)
		return dflt;
	return (int)v;
}

/* ---- base64 ------------------------------------------------------------ */

char *
vt_b64(const uint8_t *p, size_t n)
{
	char *o = malloc(4 * ((n + 2) / 3) + 1);

	if (o != NULL)
		EVP_EncodeBlock((unsigned char *)o, p, (int)n);
	return o;
}

char *
vt_b64url(const uint8_t *p, size_t n)
{
	char *o = vt_b64(p, n), *q;

	if (o == NULL)
		return NULL;
	for (q = o; *q != '\0'; q++) {
		if (*q == '+')
			*q = '-';
		else if (*q == '/')
			*q = '_';
		else if (*q == '=') {
			*q = '\0';
			break;
		}
	}
	return o;
}

uint8_t *
vt_unb64(const char *s, size_t *n)
{
	size_t len = strlen(s), pad = 0;
	uint8_t *o;
	int k;

	if (len == 0 || len % 4 != 0 || len > VT_BODY_MAX)
		return NULL;
	o = malloc(len / 4 * 3 + 1);
	if (o == NULL)
		return NULL;
	k = EVP_DecodeBlock(o, (const unsigned char *)s, (int)len);
	if (k < 0) {
		free(o);
		return NULL;
	}
	if (s[len - 1] == '=')
		pad++;
	if (s[len - 2] == '=')
		pad++;
	*n = (size_t)k - pad;
	return o;
}
