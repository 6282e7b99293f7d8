/*
 * metrics.c: requests by route and status, and their latency, for
 * /metrics (Prometheus text format). One set per process (the server's);
 * adds are lock-free, a scrape reads them as they are.
 */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/http.h"

/* The statuses counted one by one; the rest by class ("2xx", ...). */
static const int codes[] = { 200, 201, 202, 204, 206, 301, 302, 303, 304, 307,
	400, 401, 403, 404, 405, 406, 409, 410, 411, 413, 415, 416, 422, 423,
	428, 429, 431, 500, 501, 502, 503, 504 };
#define NCODES (sizeof(codes) / sizeof(codes[0]))
#define NSLOTS (NCODES + 5) /* + 1xx..5xx others */

/* Upper bounds of the latency buckets, milliseconds (+Inf after). */
static const int64_t bounds_ms[] = { 5, 10, 25, 50, 100, 250, 500, 1000, 2500,
	5000, 10000 };
#define NBOUNDS (sizeof(bounds_ms) / sizeof(bounds_ms[0]))

struct route_metrics {
	atomic_uint_fast64_t by_code[NSLOTS];
	atomic_uint_fast64_t buckets[NBOUNDS + 1]; /* not cumulative */
	atomic_uint_fast64_t sum_ms;
};

static struct {
	size_t n;                  /* routes; slot n: no route matched */
	struct route_metrics *per; /* n + 1 */
} M;

enum pc_rc
http_metrics_init(size_t nroutes)
{
	if (M.per != NULL)
		return PC_OK;
	M.per = calloc(nroutes + 1, sizeof(*M.per));
	if (M.per == NULL)
		return PC_ENOMEM;
	M.n = nroutes;
	return PC_OK;
}

static size_t
code_slot(int status)
{
	size_t i;

	for (i = 0; i < NCODES; i++)
		if (codes[i] == status)
			return i;
	if (status < 100 || status > 599)
		status = 500;
	return NCODES + (size_t)(status / 100 - 1);
}

void
http_metrics_observe(
    const struct http_opts *o, const struct req *r, int status, int64_t ms)
{
	struct route_metrics *m;
	size_t i, idx = M.n;

	if (M.per == NULL)
		return;
	if (r->route != NULL && r->route >= o->routes &&
	    r->route < o->routes + o->nroutes &&
	    (size_t)(r->route - o->routes) < M.n)
		idx = (size_t)(r->route - o->routes);
	m = &M.per[idx];
	if (ms < 0)
		ms = 0;
	atomic_fetch_add_explicit(
	    &m->by_code[code_slot(status)], 1, memory_order_relaxed);
	for (i = 0; i < NBOUNDS && ms > bounds_ms[i]; i++)
		;
	atomic_fetch_add_explicit(&m->buckets[i], 1, memory_order_relaxed);
	atomic_fetch_add_explicit(
	    &m->sum_ms, (uint_fast64_t)ms, memory_order_relaxed);
}

static void
route_label(const struct http_opts *o, size_t idx, char *out, size_t n)
{
	if (idx >= M.n || idx >= o->nroutes)
		snprintf(out, n, "unmatched");
	else
		snprintf(out, n, "%s %s", o->routes[idx].method,
		    o->routes[idx].pattern);
}

static void
code_label(size_t slot, char *out, size_t n)
{
	if (slot < NCODES)
		snprintf(out, n, "%d", codes[slot]);
	else
		snprintf(out, n, "%zuxx", slot - NCODES + 1);
}

void
http_metrics_render(const struct http_opts *o, struct buf *out)
{
	char route[256], code[8];
	uint_fast64_t v, cum, count;
	size_t idx, i;

	if (M.per == NULL)
		return;
	buf_printf(out,
	    "# HELP pecete_http_requests_total HTTP requests answered, by "
	    "route and status.\n"
	    "# TYPE pecete_http_requests_total counter\n");
	for (idx = 0; idx <= M.n; idx++) {
		route_label(o, idx, route, sizeof(route));
		for (i = 0; i < NSLOTS; i++) {
			v = atomic_load_explicit(
			    &M.per[idx].by_code[i], memory_order_relaxed);
			if (v == 0)
				continue;
			code_label(i, code, sizeof(code));
			buf_printf(out,
			    "pecete_http_requests_total{route=\"%s\","
			    "code=\"%s\"} %llu\n",
			    route, code, (unsigned long long)v);
		}
	}
	buf_printf(out,
	    "# HELP pecete_http_request_duration_seconds Time from the "
	    "request's last byte to its answer, by route.\n"
	    "# TYPE pecete_http_request_duration_seconds histogram\n");
	for (idx = 0; idx <= M.n; idx++) {
		count = 0;
		for (i = 0; i <= NBOUNDS; i++)
			count += atomic_load_explicit(
			    &M.per[idx].buckets[i], memory_order_relaxed);
		if (count == 0)
			continue;
		route_label(o, idx, route, sizeof(route));
		cum = 0;
		for (i = 0; i <= NBOUNDS; i++) {
			cum += atomic_load_explicit(
			    &M.per[idx].buckets[i], memory_order_relaxed);
			if (i < NBOUNDS)
				buf_printf(out,
				    "pecete_http_request_duration_seconds_"
				    "bucket{route=\"%s\",le=\"%g\"} %llu\n",
				    route, (double)bounds_ms[i] / 1000.0,
				    (unsigned long long)cum);
			else
				buf_printf(out,
				    "pecete_http_request_duration_seconds_"
				    "bucket{route=\"%s\",le=\"+Inf\"} %llu\n",
				    route, (unsigned long long)cum);
		}
		/* Read apart from the buckets: a scrape during a request
		 * may see one more there; the count is the +Inf bucket. */
		buf_printf(out,
		    "pecete_http_request_duration_seconds_sum{route=\"%s\"} "
		    "%.3f\n"
		    "pecete_http_request_duration_seconds_count{route=\"%s\"} "
		    "%llu\n",
		    route,
		    (double)atomic_load_explicit(
		        &M.per[idx].sum_ms, memory_order_relaxed) /
		        1000.0,
		    route, (unsigned long long)cum);
	}
}
