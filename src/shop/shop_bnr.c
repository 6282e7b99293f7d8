/*
 * shop_bnr.c: the BNR reference rate: parse the public XML feed (libxml2,
 * no network, no DTD, no entities), download it (libcurl, time and size
 * limits), cache it in the database, fall back to the configured rate.
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "base/curl_lazy.h"
#include "base/xml_lazy.h"
#include "base/buf.h"
#include "base/clock.h"
#include "base/log.h"
#include "shop/shop.h"

#define BNR_MAX_BYTES (1024 * 1024)
#define BNR_RETRY_S 600 /* a failed download is retried after this */

/* Why the last download failed (for the one log line of shop_rate_today). */
static _Thread_local char bnr_why[160];
#define BNR_MAX_AGE_DAYS 5 /* an older cached rate is not used */

static bool
named(const xmlNode *n, const char *name)
{
	return n->type == XML_ELEMENT_NODE &&
	       xmlStrcmp(n->name, (const xmlChar *)name) == 0;
}

static const xmlNode *
child(const xmlNode *n, const char *name)
{
	const xmlNode *c;

	for (c = n != NULL ? n->children : NULL; c != NULL; c = c->next)
		if (named(c, name))
			return c;
	return NULL;
}

static bool
day_valid(const char *d)
{
	int i;

	if (strlen(d) != 10 || d[4] != '-' || d[7] != '-')
		return false;
	for (i = 0; i < 10; i++)
		if (i != 4 && i != 7 && (d[i] < '0' || d[i] > '9'))
			return false;
	return true;
}

enum pc_rc
shop_bnr_parse(const char *xml, size_t len, char day[11], int64_t *rate_e4)
{
	const xmlNode *root, *cube, *r;
	xmlDoc *doc = NULL;
	xmlChar *d = NULL, *cur = NULL, *txt = NULL, *mult = NULL;
	enum pc_rc rc = PC_EINVAL;

	if (xml == NULL || len == 0 || len > BNR_MAX_BYTES)
		return PC_EINVAL;
	if (xml_lazy_load() != PC_OK)
		return PC_EUNAVAIL;
	/* No XML_PARSE_NOENT / DTDLOAD: entities are never substituted. */
	doc = xmlReadMemory(xml, (int)len, "bnr.xml", NULL,
	    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	if (doc == NULL) {
		log_warnx("shop: bnr: malformed XML");
		goto out;
	}
	if (doc->intSubset != NULL || doc->extSubset != NULL) {
		log_warnx("shop: bnr: a DOCTYPE is not expected; refused");
		goto out;
	}
	root = xmlDocGetRootElement(doc);
	if (root == NULL || !named(root, "DataSet"))
		goto out;
	cube = child(child(root, "Body"), "Cube");
	if (cube == NULL)
		goto out;
	d = xmlGetProp(cube, (const xmlChar *)"date");
	if (d == NULL || !day_valid((const char *)d))
		goto out;
	for (r = cube->children; r != NULL; r = r->next) {
		if (!named(r, "Rate"))
			continue;
		cur = xmlGetProp(r, (const xmlChar *)"currency");
		if (cur != NULL && xmlStrcmp(cur, (const xmlChar *)"EUR") == 0)
			break;
		xmlFree(cur);
		cur = NULL;
	}
	if (r == NULL)
		goto out;
	mult = xmlGetProp(r, (const xmlChar *)"multiplier");
	if (mult != NULL && xmlStrcmp(mult, (const xmlChar *)"1") != 0)
		goto out;
	txt = xmlNodeGetContent(r);
	if (txt == NULL || shop_rate_parse((const char *)txt, rate_e4) != PC_OK)
		goto out;
	snprintf(day, 11, "%s", (const char *)d);
	rc = PC_OK;
out:
	if (rc != PC_OK)
		log_warnx("shop: bnr: no EUR rate in the feed");
	xmlFree(d);
	xmlFree(cur);
	xmlFree(txt);
	xmlFree(mult);
	xmlFreeDoc(doc);
	return rc;
}

static size_t
on_data(char *p, size_t sz, size_t n, void *arg)
{
	struct buf *b = arg;

	buf_append(b, p, sz * n);
	return buf_ok(b) ? sz * n : 0;
}

enum pc_rc
shop_bnr_fetch(
    const char *url, int64_t timeout_s, char day[11], int64_t *rate_e4)
{
	struct buf b;
	CURL *h;
	CURLcode cc;
	long status = 0;
	enum pc_rc rc = PC_EIO;

	if (curl_lazy_load() != PC_OK)
		return PC_EUNAVAIL;
	buf_init(&b, BNR_MAX_BYTES);
	h = curl_easy_init();
	if (h == NULL)
		goto out;
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, (long)timeout_s);
	curl_easy_setopt(h, CURLOPT_TIMEOUT, (long)timeout_s);
	curl_easy_setopt(h, CURLOPT_MAXFILESIZE, (long)BNR_MAX_BYTES);
	curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, &b);
	cc = curl_easy_perform(h);
	if (cc == CURLE_OK)
		curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
	if (cc != CURLE_OK || status != 200 || !buf_ok(&b)) {
		/* The caller says what it means for the prices, once. */
		snprintf(bnr_why, sizeof(bnr_why), "%s (HTTP %ld)",
		    curl_easy_strerror(cc), status);
		log_debug("shop", "bnr: download failed: %s", bnr_why);
		goto out;
	}
	rc = shop_bnr_parse((const char *)b.data, b.len, day, rate_e4);
out:
	curl_easy_cleanup(h);
	buf_cleanup(&b);
	return rc;
}

static pthread_mutex_t fetch_mu = PTHREAD_MUTEX_INITIALIZER;
static int64_t fetch_failed_at;

enum pc_rc
shop_rate_refresh(const struct pc_env *e, struct shop_rate *out)
{
	const struct conf *conf = e->conf;
	struct store *s = e->store;
	enum pc_rc rc;

	memset(out, 0, sizeof(*out));
	rc = shop_bnr_fetch(conf->shop.bnr_url, conf->shop.bnr_timeout_s,
	    out->day, &out->rate_e4);
	if (rc != PC_OK)
		return rc;
	STORE_ONE(rc, s, store_fx_put(db, out->day, out->rate_e4, clock_now()));
	if (rc == PC_OK)
		log_info("shop: bnr: EUR rate of %s cached", out->day);
	return rc;
}

static void
utc_day(int64_t t, char out[11])
{
	struct tm tm;
	time_t tt = (time_t)t;

	gmtime_r(&tt, &tm);
	strftime(out, 11, "%Y-%m-%d", &tm);
}

enum pc_rc
shop_rate_today(const struct pc_env *e, struct shop_rate *out)
{
	const struct conf *conf = e->conf;
	struct store *s = e->store;
	char today[11], oldest[11], day[11];
	int64_t now = clock_now(), rate = 0, fetched = 0;
	bool have = false, try_fetch;
	enum pc_rc rc;

	memset(out, 0, sizeof(*out));
	utc_day(now, today);
	utc_day(now - BNR_MAX_AGE_DAYS * 86400, oldest);
	STORE_ONE(rc, s, store_fx_latest(db, day, &rate, &fetched));
	if (rc == PC_OK)
		have = true;
	else if (rc != PC_ENOTFOUND)
		return rc;
	/* Fetched today (UTC): the feed is published once a working day. */
	if (have && fetched / 86400 == now / 86400) {
		out->rate_e4 = rate;
		snprintf(out->day, sizeof(out->day), "%s", day);
		return PC_OK;
	}
	pthread_mutex_lock(&fetch_mu);
	try_fetch = fetch_failed_at == 0 ||
	            now - fetch_failed_at >= BNR_RETRY_S ||
	            now < fetch_failed_at;
	pthread_mutex_unlock(&fetch_mu);
	if (try_fetch) {
		rc = shop_rate_refresh(e, out);
		if (rc == PC_OK)
			return PC_OK;
		pthread_mutex_lock(&fetch_mu);
		fetch_failed_at = now;
		pthread_mutex_unlock(&fetch_mu);
		/* One line per attempt (every BNR_RETRY_S at most). */
		log_warnx("shop: the BNR rate of today could not be fetched "
		          "(%s); prices use %s, next try in %d minutes",
		    bnr_why[0] ? bnr_why : "malformed feed",
		    have && strcmp(day, oldest) >= 0
		        ? "the latest BNR rate cached"
		        : "the configured fallback rate, labelled as such",
		    BNR_RETRY_S / 60);
	}
	if (have && strcmp(day, oldest) >= 0) {
		out->rate_e4 = rate;
		snprintf(out->day, sizeof(out->day), "%s", day);
		return PC_OK;
	}
	rc = shop_rate_parse(conf->shop.fallback_rate, &out->rate_e4);
	if (rc != PC_OK) {
		log_warnx("shop: [shop] fallback_rate is not a rate");
		return PC_EINTERNAL;
	}
	snprintf(out->day, sizeof(out->day), "%s", today);
	out->fallback = true;
	return PC_OK;
}
