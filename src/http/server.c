/*
 * server.c: libmicrohttpd glue. The only file that sees MHD types.
 *
 * Each request gets a context on its first callback: an id, an arena, the
 * matched route. The body is collected up to the route's limit; past it the
 * request is answered 413 at once and the rest is discarded. Every response
 * carries the request id and the security headers.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "base/clock.h"
#include "base/log.h"
#include "base/rnd.h"
#include "base/secret.h"
#include "http/http.h"
#include "http/mhd_lazy.h"

/* The body allowed on a route that takes none (a stray empty JSON, ...). */
#define HTTP_NO_BODY_MAX 1024

struct http_server {
	struct MHD_Daemon *daemon;
	struct http_opts opts;
};

struct http_ctx {
	struct req req;
	struct resp resp;
	size_t max_body;
	bool refused; /* answered before the body was read */
	bool too_large;
	int64_t start_ms;
	char id[17];
};

static void
http_ctx_free(struct http_ctx *c)
{
	http_req_cleanup(&c->req);
	http_resp_cleanup(&c->resp);
	free(c);
}

static void
on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
    enum MHD_RequestTerminationCode toe)
{
	struct http_ctx *c = *con_cls;

	if (c == NULL)
		return;
	if (toe != MHD_REQUEST_TERMINATED_COMPLETED_OK)
		log_info("req=%s %s %s aborted (%d)", c->id, c->req.method,
		    c->req.path ? c->req.path : "-", (int)toe);
	http_ctx_free(c);
	*con_cls = NULL;
}

/*
 * The client's address as the log keeps it: an address is personal
 * data, and the log needs the network, not the person (abuse, a
 * misbehaving proxy): IPv4 to its /24 (a.b.c.0), IPv6 to its /48. The
 * whole address is only in memory (rate limits) and, where the law asks
 * for evidence (consents, sign-ins), in the audit log.
 */
static void
ip_mask(const char *ip, char *out, size_t n)
{
	unsigned char a[16];
	char buf[INET6_ADDRSTRLEN];

	snprintf(out, n, "-");
	if (ip == NULL)
		return;
	if (inet_pton(AF_INET, ip, a) == 1) {
		a[3] = 0;
		if (inet_ntop(AF_INET, a, buf, sizeof(buf)) != NULL)
			snprintf(out, n, "%s", buf);
	} else if (inet_pton(AF_INET6, ip, a) == 1) {
		memset(a + 6, 0, 10);
		if (inet_ntop(AF_INET6, a, buf, sizeof(buf)) != NULL)
			snprintf(out, n, "%s", buf);
	}
}

static enum MHD_Result
send_resp(struct MHD_Connection *conn, struct http_ctx *c)
{
	char ipm[INET6_ADDRSTRLEN];
	struct MHD_Response *mr;
	uint8_t *data;
	size_t len;
	struct resp *w = &c->resp;
	enum MHD_Result ret;
	size_t i;
	bool own_csp = false;

	for (i = 0; i < w->nheaders; i++)
		if (strcasecmp(w->hname[i], "Content-Security-Policy") == 0)
			own_csp = true;
	if (w->fd >= 0) {
		/* A file: MHD reads it as it sends and closes it. */
		len = (size_t)w->fd_len;
		mr = MHD_create_response_from_fd((size_t)w->fd_len, w->fd);
		if (mr == NULL)
			return MHD_NO;
		w->fd = -1;
	} else {
		/* MHD takes the body and wipes it when sent (no copy). */
		len = w->body.len;
		data = buf_steal(&w->body, NULL);
		if (data == NULL)
			return MHD_NO;
		mr = MHD_create_response_from_buffer_with_free_callback(
		    len, data, secret_wipe_free);
		if (mr == NULL) {
			secret_wipe_free(data);
			return MHD_NO;
		}
	}
	MHD_add_response_header(mr, "Content-Type",
	    w->ctype ? w->ctype : "application/octet-stream");
	MHD_add_response_header(mr, "X-Request-Id", c->id);
	MHD_add_response_header(mr, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(mr, "X-Frame-Options", "DENY");
	MHD_add_response_header(mr, "Referrer-Policy", "no-referrer");
	if (!own_csp)
		MHD_add_response_header(mr, "Content-Security-Policy",
		    "default-src 'none'; frame-ancestors 'none'");
	for (i = 0; i < w->nheaders; i++)
		MHD_add_response_header(mr, w->hname[i], w->hval[i]);
	if (c->refused)
		MHD_add_response_header(mr, "Connection", "close");
	ret = MHD_queue_response(conn, (unsigned)w->status, mr);
	MHD_destroy_response(mr);
	/* Link tokens travel in paths (:token): log the pattern instead. The
	 * log escapes control bytes of the path (base/log.c). */
	ip_mask(c->req.remote_ip, ipm, sizeof(ipm));
	log_info("req=%s %s %s %d %zu bytes %lld ms ip=%s", c->id,
	    c->req.method,
	    c->req.route != NULL &&
	            strstr(c->req.route->pattern, ":token") != NULL
	        ? c->req.route->pattern
	        : c->req.path,
	    w->status, len, (long long)(clock_mono_ms() - c->start_ms), ipm);
	return ret;
}

static const char *
conn_ip(struct MHD_Connection *conn, struct arena *a)
{
	const union MHD_ConnectionInfo *ci;
	char host[64];
	socklen_t len;

	ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	if (ci == NULL || ci->client_addr == NULL)
		return NULL;
	len = ci->client_addr->sa_family == AF_INET6
	          ? sizeof(struct sockaddr_in6)
	          : sizeof(struct sockaddr_in);
	if (getnameinfo(ci->client_addr, len, host, sizeof(host), NULL, 0,
	        NI_NUMERICHOST) != 0)
		return NULL;
	return arena_strdup(a, host);
}

struct kv_fill {
	struct http_ctx *c;
	bool full;
	int ncl;        /* Content-Length headers seen */
	bool cl_differ; /* with different values */
	bool te;        /* Transfer-Encoding present */
	const char *cl;
};

static enum MHD_Result
kv_cb(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
	struct kv_fill *f = cls;
	struct req *r = &f->c->req;
	bool ok = true;

	if (key == NULL)
		return MHD_YES;
	switch (kind) {
	case MHD_HEADER_KIND:
		if (strcasecmp(key, "Content-Length") == 0) {
			if (f->ncl > 0 && (value == NULL || f->cl == NULL ||
			                      strcmp(value, f->cl) != 0))
				f->cl_differ = true;
			f->cl = value;
			f->ncl++;
		} else if (strcasecmp(key, "Transfer-Encoding") == 0) {
			f->te = true;
		}
		ok = http_req_kv_add(r, r->headers, &r->nheaders, key, value);
		break;
	case MHD_COOKIE_KIND:
		ok = http_req_kv_add(r, r->cookies, &r->ncookies, key, value);
		break;
	case MHD_GET_ARGUMENT_KIND:
		ok = http_req_kv_add(r, r->query, &r->nquery, key, value);
		break;
	default:
		break;
	}
	if (!ok)
		f->full = true;
	return MHD_YES;
}

static struct http_ctx *
ctx_new(struct http_server *s, struct MHD_Connection *conn, const char *url,
    const char *method)
{
	struct kv_fill f;
	struct http_ctx *c;
	uint8_t idb[8];
	uint64_t v;

	c = calloc(1, sizeof(*c));
	if (c == NULL)
		return NULL;
	c->start_ms = clock_mono_ms();
	if (rnd_bytes(idb, sizeof(idb)) != PC_OK)
		memset(idb, 0, sizeof(idb));
	hex_encode(idb, sizeof(idb), c->id);
	http_req_init(&c->req, s->opts.app);
	http_resp_init(&c->resp);
	c->req.req_id = c->id;
	c->req.method = arena_strdup(&c->req.arena, method);
	c->req.path =
	    arena_strndup(&c->req.arena, url, strnlen(url, HTTP_URL_MAX));
	c->req.remote_ip = conn_ip(conn, &c->req.arena);
	if (c->req.method == NULL || c->req.path == NULL) {
		http_ctx_free(c);
		return NULL;
	}
	memset(&f, 0, sizeof(f));
	f.c = c;
	MHD_get_connection_values(conn,
	    MHD_HEADER_KIND | MHD_COOKIE_KIND | MHD_GET_ARGUMENT_KIND, kv_cb,
	    &f);
	c->req.content_type = http_req_header(&c->req, "Content-Type");
	c->req.remote_ip = http_client_ip(c->req.remote_ip,
	    http_req_header(&c->req, "X-Forwarded-For"),
	    s->opts.trusted_proxies, &c->req.arena);
	log_set_req(c->id);
	/* Request smuggling: two different lengths, or a length and chunked
	 * framing at once, are refused (RFC 9112 section 6.3). */
	if (f.cl_differ || (f.ncl > 0 && f.te)) {
		http_error(&c->resp, PCE_BAD_REQUEST,
		    f.te ? "Send either Content-Length or Transfer-Encoding, "
		           "not both."
		         : "Two different Content-Length headers.");
		c->refused = true;
	} else if (f.full) {
		http_error(&c->resp, PCE_BAD_REQUEST,
		    "Too many headers, cookies or query arguments.");
		c->refused = true;
	} else if (http_resolve(&s->opts, &c->req, &c->resp) != PC_OK) {
		c->refused = true;
	} else {
		c->max_body = c->req.route->body == BODY_NONE
		                  ? HTTP_NO_BODY_MAX
		                  : c->req.route->max_body;
		buf_init(&c->req.body, c->max_body);
		/* Refuse an announced oversized body before reading it. */
		if (f.cl != NULL &&
		    (str_to_u64(str_from(f.cl), UINT64_MAX, &v) != PC_OK ||
		        v > c->max_body)) {
			http_error(&c->resp, PCE_TOO_LARGE, NULL);
			c->refused = true;
		}
	}
	log_set_req(NULL);
	return c;
}

static enum MHD_Result
on_request(void *cls, struct MHD_Connection *conn, const char *url,
    const char *method, const char *version, const char *upload_data,
    size_t *upload_data_size, void **con_cls)
{
	struct http_server *s = cls;
	struct http_ctx *c = *con_cls;

	if (c == NULL) {
		c = ctx_new(s, conn, url, method);
		if (c == NULL)
			return MHD_NO;
		*con_cls = c;
		/* Refused before the body: answer now; MHD closes after. */
		if (c->refused) {
			http_metrics_observe(&s->opts, &c->req, c->resp.status,
			    clock_mono_ms() - c->start_ms);
			return send_resp(conn, c);
		}
		return MHD_YES;
	}
	if (*upload_data_size > 0) {
		if (!c->too_large && !c->refused) {
			buf_append(
			    &c->req.body, upload_data, *upload_data_size);
			if (!buf_ok(&c->req.body))
				c->too_large = true;
		}
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (c->refused)
		return MHD_YES; /* already answered */
	log_set_req(c->id);
	if (c->too_large)
		http_error(&c->resp, PCE_TOO_LARGE, NULL);
	else
		http_run(&s->opts, &c->req, &c->resp);
	log_set_req(NULL);
	if (s->opts.done != NULL)
		s->opts.done(&c->req, &c->resp, clock_mono_ms() - c->start_ms);
	http_metrics_observe(
	    &s->opts, &c->req, c->resp.status, clock_mono_ms() - c->start_ms);
	if (strcmp(method, "HEAD") == 0)
		buf_reset(&c->resp.body);
	return send_resp(conn, c);
}

static void mhd_log(void *cls, const char *fmt, va_list ap) PC_PRINTF(2, 0);

static void
mhd_log(void *cls, const char *fmt, va_list ap)
{
	char line[512];

	vsnprintf(line, sizeof(line), fmt, ap);
	log_warnx("http: %s", line);
}

static enum pc_rc
parse_listen(const char *listen, struct sockaddr_storage *ss, socklen_t *sslen)
{
	struct addrinfo hints, *res = NULL;
	char host[256];
	const char *colon;
	size_t hl;

	colon = strrchr(listen, ':');
	if (colon == NULL)
		return PC_EINVAL;
	hl = (size_t)(colon - listen);
	if (hl >= sizeof(host))
		return PC_EINVAL;
	memcpy(host, listen, hl);
	host[hl] = '\0';
	if (hl >= 2 && host[0] == '[' && host[hl - 1] == ']') {
		memmove(host, host + 1, hl - 2);
		host[hl - 2] = '\0';
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV | AI_PASSIVE;
	if (getaddrinfo(host[0] ? host : NULL, colon + 1, &hints, &res) != 0 ||
	    res == NULL)
		return PC_EINVAL;
	memcpy(ss, res->ai_addr, res->ai_addrlen);
	*sslen = res->ai_addrlen;
	freeaddrinfo(res);
	return PC_OK;
}

enum pc_rc
http_start(const struct http_opts *o, struct http_server **out, unsigned *port)
{
	struct http_server *s;
	struct sockaddr_storage ss;
	socklen_t sslen;
	const union MHD_DaemonInfo *di;
	unsigned flags;

	*out = NULL;
	if (mhd_lazy_load() != PC_OK)
		return PC_EUNAVAIL;
	if (parse_listen(o->listen, &ss, &sslen) != PC_OK) {
		log_error("http: cannot parse listen address %s", o->listen);
		return PC_EINVAL;
	}
	if (http_metrics_init(o->nroutes) != PC_OK)
		return PC_ENOMEM;
	s = calloc(1, sizeof(*s));
	if (s == NULL)
		return PC_ENOMEM;
	s->opts = *o;
	flags =
	    MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ERROR_LOG;
	if (ss.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	s->daemon = MHD_start_daemon(flags, 0, NULL, NULL, on_request, s,
	    MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
	    MHD_OPTION_THREAD_POOL_SIZE, (unsigned)o->threads,
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)o->conn_timeout,
	    /* 32 KiB: above it libmicrohttpd maps each connection's pool
	     * with mmap, and its munmap at close flushes the TLB of every
	     * core (a cost per connection that showed in the signing
	     * benchmark). Headers that do not fit in it are refused by
	     * libmicrohttpd (431); ours are a few hundred bytes. */
	    MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)32 * 1024,
	    MHD_OPTION_CONNECTION_LIMIT, (unsigned)1000,
	    MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)200,
	    MHD_OPTION_NOTIFY_COMPLETED, on_completed, s,
	    MHD_OPTION_EXTERNAL_LOGGER, mhd_log, s, MHD_OPTION_END);
	if (s->daemon == NULL) {
		log_error("http: cannot listen on %s (in use? permission?)",
		    o->listen);
		free(s);
		return PC_EIO;
	}
	di = MHD_get_daemon_info(s->daemon, MHD_DAEMON_INFO_BIND_PORT);
	*port = di ? di->port : 0;
	*out = s;
	return PC_OK;
}

void
http_stop(struct http_server *s)
{
	if (s == NULL)
		return;
	MHD_stop_daemon(s->daemon);
	free(s);
}
