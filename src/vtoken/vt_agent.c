/*
 * vt_agent.c: the agent. One per user session, on the socket
 * $XDG_RUNTIME_DIR/pecete-vtoken/sock (dir 0700, peers of another uid
 * refused by SO_PEERCRED). It holds the access token (refreshed with the
 * refresh token of `login`, rotated at each use), caches the credentials
 * and their chains, and asks the one-time code through pinentry when a
 * signature needs a SAD the application did not give. One request per
 * connection, one at a time.
 */
#define _GNU_SOURCE /* struct ucred */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <p11-kit/pkcs11.h>

#include "vtoken/vt_agent.h"
#include "vtoken/vt_client.h"
#include "vtoken/vt_proto.h"

#define CACHE_TTL 300
#define PIN_TIMEOUT 120
#define OBJS_MAX 16

struct obj {
	char id[128];
	char kind[8];
	uint8_t *der;
	size_t len;
};

struct agent {
	struct vt_conf c;
	char access[VT_TOKEN_MAX];
	time_t access_exp;
	time_t refresh_seen; /* the refresh file's mtime we read */
	struct obj objs[OBJS_MAX];
	size_t nobjs;
	time_t cache_at;
	char why[256]; /* why the last operation failed, for status */
	bool stop;
	/* The authentication key's SAD: one code for up to AUTH_SAD_USES
	 * signatures until it expires (the server's expiresIn). */
	char auth_sad[128], auth_cred[128];
	time_t auth_until;
	unsigned auth_left;
};

#define AUTH_SAD_USES 100

static void
auth_sad_drop(struct agent *a)
{
	explicit_bzero(a->auth_sad, sizeof(a->auth_sad));
	a->auth_cred[0] = '\0';
	a->auth_until = 0;
	a->auth_left = 0;
}

static void
cache_drop(struct agent *a)
{
	size_t i;

	for (i = 0; i < a->nobjs; i++)
		free(a->objs[i].der);
	memset(a->objs, 0, sizeof(a->objs));
	a->nobjs = 0;
	a->cache_at = 0;
}

static void
why(struct agent *a, const char *text)
{
	snprintf(a->why, sizeof(a->why), "%.*s", (int)sizeof(a->why) - 1, text);
	fprintf(stderr, "pecete-vtoken: %s\n", text);
}

/* An access token: the one held, or a new one from the refresh token. */
static CK_RV
ensure_token(struct agent *a)
{
	char rt[VT_TOKEN_MAX], *e_rt = NULL, *e_cid = NULL, form[1024];
	time_t m = vt_refresh_mtime(&a->c), now = time(NULL);
	const char *at, *nrt;
	struct vt_http h;
	CK_RV rv;

	if (m != a->refresh_seen) { /* a new login (or logout) */
		struct vt_conf c;

		if (vt_conf_load(&c) == 0)
			a->c = c;
		a->access[0] = '\0';
		a->refresh_seen = m;
		a->why[0] = '\0';
		cache_drop(a);
	}
	if (a->access[0] != '\0' && now + 10 < a->access_exp)
		return CKR_OK;
	a->access[0] = '\0';
	if (a->c.server[0] == '\0' ||
	    vt_refresh_load(&a->c, rt, sizeof(rt)) != 0) {
		why(a, "not signed in: run pecete-vtoken login");
		return CKR_USER_NOT_LOGGED_IN;
	}
	e_rt = vt_http_escape(rt);
	e_cid = vt_http_escape(a->c.client_id);
	if (e_rt == NULL || e_cid == NULL) {
		free(e_rt);
		free(e_cid);
		return CKR_HOST_MEMORY;
	}
	snprintf(form, sizeof(form),
	    "grant_type=refresh_token&refresh_token=%s&client_id=%s", e_rt,
	    e_cid);
	free(e_rt);
	free(e_cid);
	vt_http_post(&a->c, "/csc/v2/oauth2/token", form, NULL, NULL, &h);
	at = h.body != NULL
	         ? json_string_value(json_object_get(h.body, "access_token"))
	         : NULL;
	nrt = h.body != NULL
	          ? json_string_value(json_object_get(h.body, "refresh_token"))
	          : NULL;
	if (h.status == 0) {
		char t[300];

		snprintf(
		    t, sizeof(t), "the server is unreachable (%s)", h.curl_err);
		why(a, t);
		rv = CKR_DEVICE_ERROR;
	} else if (h.status == 200 && at != NULL &&
	           strlen(at) < sizeof(a->access)) {
		json_int_t exp =
		    json_integer_value(json_object_get(h.body, "expires_in"));

		snprintf(a->access, sizeof(a->access), "%s", at);
		a->access_exp = now + (exp > 0 ? (time_t)exp : 60);
		/* Rotated: the old one is spent. */
		if (nrt != NULL && strlen(nrt) < VT_TOKEN_MAX) {
			if (vt_refresh_save(&a->c, nrt) != 0)
				why(a, "cannot write the refresh token");
			a->refresh_seen = vt_refresh_mtime(&a->c);
		}
		a->why[0] = '\0';
		rv = CKR_OK;
	} else if (h.status == 400 || h.status == 401) {
		why(a, "the server refused the login (the app's access was "
		       "revoked in Settings, or the login expired): run "
		       "pecete-vtoken login");
		cache_drop(a);
		rv = CKR_USER_NOT_LOGGED_IN;
	} else {
		why(a, "the server's token endpoint failed");
		rv = CKR_DEVICE_ERROR;
	}
	vt_http_cleanup(&h);
	return rv;
}

/* The CK_RV for a failed CSC answer. */
static CK_RV
csc_rv(struct agent *a, const struct vt_http *h)
{
	const char *e = h->body != NULL ? json_string_value(
	                                      json_object_get(h->body, "error"))
	                                : NULL;
	const char *d = h->body != NULL ? json_string_value(json_object_get(
	                                      h->body, "error_description"))
	                                : NULL;
	char t[600];

	snprintf(t, sizeof(t), "the server answered %ld %s%s%s", h->status,
	    e != NULL ? e : h->curl_err, d != NULL ? ": " : "",
	    d != NULL ? d : "");
	why(a, t);
	if (h->status == 0)
		return CKR_DEVICE_ERROR;
	if (h->status == 401)
		return CKR_USER_NOT_LOGGED_IN;
	if (e != NULL && (strcmp(e, "invalid_authentication_data") == 0 ||
	                     strcmp(e, "invalid_otp") == 0))
		return CKR_PIN_INCORRECT;
	if (h->status == 429 || h->status == 403 ||
	    (d != NULL && (strstr(d, "transaction") != NULL ||
	                      strstr(d, "quota") != NULL)))
		return CKR_FUNCTION_REJECTED;
	if (h->status >= 500)
		return CKR_DEVICE_ERROR;
	return CKR_FUNCTION_FAILED;
}

/* POST a CSC call with the access token; a 401 refreshes it once. */
static CK_RV
csc_call(
    struct agent *a, const char *path, const json_t *req, struct vt_http *h)
{
	CK_RV rv;
	int i;

	memset(h, 0, sizeof(*h));
	for (i = 0; i < 2; i++) {
		rv = ensure_token(a);
		if (rv != CKR_OK)
			return rv;
		vt_http_post(&a->c, path, NULL, req, a->access, h);
		if (h->status != 401)
			break;
		a->access[0] = '\0';
		if (i == 0)
			vt_http_cleanup(h);
	}
	return h->status == 200 && h->body != NULL ? CKR_OK : csc_rv(a, h);
}

static int
obj_add(struct agent *a, const char *id, const char *kind, const char *b64)
{
	struct obj *o;
	size_t i, n;
	uint8_t *der;

	if (b64 == NULL || a->nobjs == OBJS_MAX)
		return -1;
	der = vt_unb64(b64, &n);
	if (der == NULL)
		return -1;
	for (i = 0; i < a->nobjs; i++)
		if (a->objs[i].len == n &&
		    memcmp(a->objs[i].der, der, n) == 0) {
			free(der);
			return 0; /* a CA certificate met again */
		}
	o = &a->objs[a->nobjs++];
	snprintf(o->id, sizeof(o->id), "%s", id);
	snprintf(o->kind, sizeof(o->kind), "%s", kind);
	o->der = der;
	o->len = n;
	return 0;
}

/* The credential list with certificates: from the cache, or the server. */
static CK_RV
cache_fill(struct agent *a, bool force)
{
	json_t *req, *infos;
	struct vt_http h;
	size_t i, j;
	CK_RV rv;

	rv = ensure_token(a); /* sees a new login */
	if (rv != CKR_OK)
		return rv;
	if (!force && a->nobjs > 0 && time(NULL) < a->cache_at + CACHE_TTL)
		return CKR_OK;
	/* "authentication": the TLS key's credential too (ours). */
	req = json_pack("{s:b,s:s,s:b}", "credentialInfo", 1, "certificates",
	    "chain", "authentication", 1);
	if (req == NULL)
		return CKR_HOST_MEMORY;
	rv = csc_call(a, "/csc/v2/credentials/list", req, &h);
	json_decref(req);
	if (rv != CKR_OK) {
		vt_http_cleanup(&h);
		return rv;
	}
	cache_drop(a);
	infos = json_object_get(h.body, "credentialInfos");
	/* The credentials first (their certificates), then the CAs. */
	for (j = 0; j < 2; j++)
		for (i = 0; i < json_array_size(infos); i++) {
			json_t *ci = json_array_get(infos, i);
			json_t *certs = json_object_get(
			    json_object_get(ci, "cert"), "certificates");
			const char *id = json_string_value(
			    json_object_get(ci, "credentialID"));
			const char *q = json_string_value(
			    json_object_get(ci, "signatureQualifier"));
			size_t k;

			if (id == NULL || json_array_size(certs) == 0)
				continue;
			if (j == 0) {
				(void)obj_add(a, id,
				    q != NULL && strcmp(q, "eu_eidas_qes") == 0
				        ? "sign"
				        : "auth",
				    json_string_value(
				        json_array_get(certs, 0)));
				continue;
			}
			for (k = 1; k < json_array_size(certs); k++)
				(void)obj_add(a, "", "ca",
				    json_string_value(
				        json_array_get(certs, k)));
		}
	a->cache_at = time(NULL);
	vt_http_cleanup(&h);
	return CKR_OK;
}

static const struct obj *
obj_find(const struct agent *a, const struct vt_field *id)
{
	size_t i;

	for (i = 0; id != NULL && i < a->nobjs; i++)
		if (strcmp(a->objs[i].kind, "ca") != 0 &&
		    strlen(a->objs[i].id) == id->len &&
		    memcmp(a->objs[i].id, id->val, id->len) == 0)
			return &a->objs[i];
	return NULL;
}

/* A field as a C string (at most n - 1 bytes, no NULs inside). */
static int
field_str(const struct vt_field *f, char *out, size_t n)
{
	if (f == NULL || f->len >= n || memchr(f->val, 0, f->len) != NULL)
		return -1;
	memcpy(out, f->val, f->len);
	out[f->len] = '\0';
	return 0;
}

static void
peer_comm(pid_t pid, char *out, size_t n)
{
	char path[64];
	FILE *f;

	snprintf(out, n, "process %ld", (long)pid);
	snprintf(path, sizeof(path), "/proc/%ld/comm", (long)pid);
	f = fopen(path, "re");
	if (f != NULL) {
		if (fgets(out, (int)n, f) != NULL)
			out[strcspn(out, "\n")] = '\0';
		fclose(f);
	}
}

static CK_RV
do_sign(struct agent *a, const struct vt_msg *m, pid_t peer, struct vt_out *o)
{
	const struct vt_field *hash = vt_get(m, VT_T_HASH),
	                      *params = vt_get(m, VT_T_PARAMS);
	char hashalg[64], signalg[64], code[64], desc[512], who[64];
	char *hb64 = NULL, *pb64 = NULL;
	const struct obj *ob;
	const char *sad, *sig;
	json_t *req = NULL;
	struct vt_http h;
	uint8_t *raw = NULL;
	size_t rawn;
	CK_RV rv;
	int pr;
	bool auth, reuse;

	memset(&h, 0, sizeof(h));
	if (field_str(vt_get(m, VT_T_HASHALG), hashalg, sizeof(hashalg)) ||
	    field_str(vt_get(m, VT_T_SIGNALG), signalg, sizeof(signalg)) ||
	    hash == NULL || hash->len < 20 || hash->len > 64)
		return CKR_ARGUMENTS_BAD;
	/* The grant checked (and the certificates taken anew) before a code
	 * is asked: a revoked app or certificate fails without a prompt for
	 * nothing. One request more per signature. */
	rv = cache_fill(a, true);
	if (rv != CKR_OK)
		return rv;
	ob = obj_find(a, vt_get(m, VT_T_ID));
	if (ob == NULL)
		return CKR_KEY_HANDLE_INVALID;
	fprintf(stderr, "pecete-vtoken: sign with %s (%s) %s %s\n", ob->id,
	    ob->kind, hashalg, signalg);
	/* The authentication key: its SAD reused while it lasts (a margin
	 * of 5 s for the round trips); the signing key: a code each time. */
	auth = strcmp(ob->kind, "sign") != 0;
	reuse = auth && a->auth_left > 0 && a->auth_until > time(NULL) + 5 &&
	        strcmp(a->auth_cred, ob->id) == 0;
	if (!reuse && auth)
		auth_sad_drop(a);
	if (!reuse && field_str(vt_get(m, VT_T_PIN), code, sizeof(code)) != 0) {
		peer_comm(peer, who, sizeof(who));
		snprintf(desc, sizeof(desc),
		    "Enter the code of your authenticator app to sign with "
		    "your %s certificate.\nAsked by: %s",
		    strcmp(ob->kind, "sign") == 0 ? "qualified signing"
		                                  : "authentication",
		    who);
		pr = vt_pinentry_get(
		    a->c.pinentry, desc, code, sizeof(code), PIN_TIMEOUT);
		if (pr != 0) {
			why(a, pr > 0 ? "the code was not given (cancelled)"
			              : "pinentry could not be run");
			return pr > 0 ? CKR_FUNCTION_CANCELED
			              : CKR_DEVICE_ERROR;
		}
	}
	hb64 = vt_b64(hash->val, hash->len);
	if (params != NULL && params->len > 0 && params->len < 1024)
		pb64 = vt_b64(params->val, params->len);
	if (hb64 == NULL) {
		rv = CKR_HOST_MEMORY;
		goto out;
	}
	if (reuse) {
		sad = a->auth_sad;
		goto sign;
	}
	/* The authentication key: no hashes, a SAD for AUTH_SAD_USES. */
	req = auth ? json_pack("{s:s,s:i,s:[{s:s,s:s}]}", "credentialID",
	                 ob->id, "numSignatures", AUTH_SAD_USES, "authData",
	                 "id", "OTP", "value", code)
	           : json_pack("{s:s,s:i,s:[s],s:s,s:[{s:s,s:s}]}",
	                 "credentialID", ob->id, "numSignatures", 1, "hashes",
	                 hb64, "hashAlgorithmOID", hashalg, "authData", "id",
	                 "OTP", "value", code);
	explicit_bzero(code, sizeof(code));
	if (req == NULL) {
		rv = CKR_HOST_MEMORY;
		goto out;
	}
	rv = csc_call(a, "/csc/v2/credentials/authorize", req, &h);
	json_decref(req);
	req = NULL;
	if (rv != CKR_OK)
		goto out;
	sad = json_string_value(json_object_get(h.body, "SAD"));
	if (sad == NULL || (auth && strlen(sad) >= sizeof(a->auth_sad))) {
		rv = CKR_DEVICE_ERROR;
		goto out;
	}
	if (auth) {
		json_int_t exp =
		    json_integer_value(json_object_get(h.body, "expiresIn"));

		snprintf(a->auth_sad, sizeof(a->auth_sad), "%s", sad);
		snprintf(a->auth_cred, sizeof(a->auth_cred), "%s", ob->id);
		a->auth_until = time(NULL) + (exp > 0 ? (time_t)exp : 0);
		a->auth_left = AUTH_SAD_USES;
	}
sign:
	req = json_pack("{s:s,s:s,s:[s],s:s,s:s}", "credentialID", ob->id,
	    "SAD", sad, "hashes", hb64, "hashAlgorithmOID", hashalg, "signAlgo",
	    signalg);
	if (req != NULL && pb64 != NULL)
		json_object_set_new(req, "signAlgoParams", json_string(pb64));
	vt_http_cleanup(&h);
	if (req == NULL) {
		rv = CKR_HOST_MEMORY;
		goto out;
	}
	rv = csc_call(a, "/csc/v2/signatures/signHash", req, &h);
	if (rv != CKR_OK)
		goto out;
	sig = json_string_value(
	    json_array_get(json_object_get(h.body, "signatures"), 0));
	raw = sig != NULL ? vt_unb64(sig, &rawn) : NULL;
	if (raw == NULL) {
		rv = CKR_DEVICE_ERROR;
		goto out;
	}
	vt_out_add(o, VT_T_SIG, raw, rawn);
	a->why[0] = '\0';
	if (auth && a->auth_left > 0)
		a->auth_left--;
out:
	if (auth && rv != CKR_OK)
		auth_sad_drop(a);
	json_decref(req);
	vt_http_cleanup(&h);
	free(hb64);
	free(pb64);
	free(raw);
	return rv;
}

static void
do_status(struct agent *a, struct vt_out *o)
{
	char t[1024];
	CK_RV rv = cache_fill(a, true); /* what the server says now */
	time_t now = time(NULL);

	if (rv == CKR_OK)
		snprintf(t, sizeof(t),
		    "signed in to %s; %zu certificates cached; access token "
		    "valid %lds more%s%s",
		    a->c.server, a->nobjs,
		    (long)(a->access_exp > now ? a->access_exp - now : 0),
		    a->why[0] != '\0' ? "; last error: " : "", a->why);
	else
		snprintf(t, sizeof(t), "not usable: %s",
		    a->why[0] != '\0' ? a->why : "unknown");
	vt_out_u32(o, VT_T_RV, (uint32_t)rv);
	vt_out_str(o, VT_T_MSG, t);
}

static void
handle(struct agent *a, const uint8_t *body, size_t len, pid_t peer,
    struct vt_out *o)
{
	struct vt_msg m;
	CK_RV rv;
	size_t i;

	vt_out_begin(o, VT_OP_REPLY);
	if (vt_parse(body, len, &m) != 0) {
		vt_out_u32(o, VT_T_RV, CKR_ARGUMENTS_BAD);
		return;
	}
	switch (m.op) {
	case VT_OP_LIST:
		rv = cache_fill(a, false);
		vt_out_u32(o, VT_T_RV, (uint32_t)rv);
		for (i = 0; rv == CKR_OK && i < a->nobjs; i++) {
			vt_out_str(o, VT_T_ID, a->objs[i].id);
			vt_out_str(o, VT_T_KIND, a->objs[i].kind);
			vt_out_add(
			    o, VT_T_CERT, a->objs[i].der, a->objs[i].len);
		}
		if (rv != CKR_OK)
			vt_out_str(o, VT_T_MSG, a->why);
		break;
	case VT_OP_SIGN: {
		struct vt_out s;

		vt_out_begin(&s, VT_OP_REPLY);
		rv = do_sign(a, &m, peer, &s);
		vt_out_u32(o, VT_T_RV, (uint32_t)rv);
		if (rv == CKR_OK) {
			const struct vt_field *f;
			struct vt_msg sm;

			if (!s.failed &&
			    vt_parse(s.p + 4, s.len - 4, &sm) == 0 &&
			    (f = vt_get(&sm, VT_T_SIG)) != NULL)
				vt_out_add(o, VT_T_SIG, f->val, f->len);
		} else {
			vt_out_str(o, VT_T_MSG, a->why);
		}
		vt_out_free(&s);
		break;
	}
	case VT_OP_STATUS:
		do_status(a, o);
		break;
	case VT_OP_STOP:
		vt_out_u32(o, VT_T_RV, CKR_OK);
		a->stop = true;
		break;
	default:
		vt_out_u32(o, VT_T_RV, CKR_FUNCTION_NOT_SUPPORTED);
	}
}

static int
listen_sock(const char *path)
{
	struct sockaddr_un s;
	int fd;

	memset(&s, 0, sizeof(s));
	s.sun_family = AF_UNIX;
	snprintf(s.sun_path, sizeof(s.sun_path), "%s", path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	unlink(path);
	if (bind(fd, (struct sockaddr *)&s, sizeof(s)) != 0 ||
	    chmod(path, 0600) != 0 || listen(fd, 16) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

int
vt_agent_run(struct vt_conf *c, bool daemonize)
{
	char dir[VT_PATH_MAX], path[VT_PATH_MAX], logp[VT_PATH_MAX + 16];
	struct agent *a;
	struct stat st;
	int lfd, fd;

	if (vt_run_dir(dir, sizeof(dir)) != 0 ||
	    vt_sock_path(path, sizeof(path)) != 0)
		return 1;
	fd = vt_connect(1000);
	if (fd >= 0) { /* one agent per user */
		close(fd);
		return 0;
	}
	if ((mkdir(dir, 0700) != 0 && errno != EEXIST) ||
	    lstat(dir, &st) != 0 || !S_ISDIR(st.st_mode) ||
	    st.st_uid != getuid() || (st.st_mode & 077) != 0) {
		fprintf(stderr,
		    "pecete-vtoken: %s must be a directory of "
		    "yours, mode 0700\n",
		    dir);
		return 1;
	}
	lfd = listen_sock(path);
	if (lfd < 0) {
		fprintf(stderr, "pecete-vtoken: cannot listen on %s\n", path);
		return 1;
	}
	if (daemonize) {
		pid_t pid = fork();

		if (pid < 0)
			return 1;
		if (pid > 0)
			return 0; /* listening already: clients connect */
		setsid();
		snprintf(logp, sizeof(logp), "%s/agent.log", dir);
		fd =
		    open(logp, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
		if (fd >= 0) {
			dup2(fd, 2);
			close(fd);
		}
		if (chdir("/") != 0)
			return 1;
	}
	signal(SIGPIPE, SIG_IGN);
	curl_global_init(CURL_GLOBAL_DEFAULT);
	a = calloc(1, sizeof(*a));
	if (a == NULL)
		return 1;
	a->c = *c;
	a->refresh_seen = vt_refresh_mtime(c);
	while (!a->stop) {
		struct pollfd p = { lfd, POLLIN, 0 };
		struct timeval tv = { 10, 0 };
		struct ucred cr;
		socklen_t cl = sizeof(cr);
		struct vt_out o;
		uint8_t *body;
		size_t len;
		int k = poll(&p, 1, a->c.idle_exit * 1000);

		if (k == 0)
			break; /* idle */
		if (k < 0)
			continue;
		fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
		if (fd < 0)
			continue;
		if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &cl) != 0 ||
		    cr.uid != getuid()) {
			close(fd);
			continue;
		}
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
		if (vt_recv(fd, &body, &len) == 0) {
			handle(a, body, len, cr.pid, &o);
			if (vt_out_end(&o) == 0)
				(void)vt_send(fd, &o);
			vt_out_free(&o);
			free(body);
		}
		close(fd);
	}
	close(lfd);
	unlink(path);
	cache_drop(a);
	free(a);
	curl_global_cleanup();
	return 0;
}
