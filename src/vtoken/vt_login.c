/*
 * vt_login.c: `pecete-vtoken login` (OAuth2 authorization code with PKCE
 * S256, a loopback redirect on a port of the moment, RFC 8252) and the
 * pinentry client (Assuan: SETDESC, SETPROMPT, GETPIN, BYE).
 */
#define _GNU_SOURCE /* pipe2 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/rand.h>

#include "vtoken/vt_agent.h"

/* The value of name in a query string, percent-decoded into out. */
static int
query_arg(const char *q, const char *name, char *out, size_t n)
{
	size_t nl = strlen(name), k = 0;
	const char *p = q;

	while (p != NULL && *p != '\0') {
		if (strncmp(p, name, nl) == 0 && p[nl] == '=') {
			p += nl + 1;
			while (
			    *p != '\0' && *p != '&' && *p != ' ' && k + 1 < n) {
				unsigned int v;

				if (*p == '%' && p[1] != '\0' && p[2] != '\0' &&
				    sscanf(p + 1, "%2x", &v) == 1) {
					out[k++] = (char)v;
					p += 3;
				} else {
					out[k++] = *p == '+' ? ' ' : *p;
					p++;
				}
			}
			out[k] = '\0';
			return 0;
		}
		p = strchr(p, '&');
		if (p != NULL)
			p++;
	}
	return -1;
}

static void
reply_page(int fd, const char *text)
{
	char b[1024];
	int n = snprintf(b, sizeof(b),
	    "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n"
	    "Cache-Control: no-store\r\nConnection: close\r\n\r\n"
	    "<!doctype html><title>Pecete</title><p>%s</p>\n",
	    text);

	if (n > 0)
		(void)send(fd, b, (size_t)n, MSG_NOSIGNAL);
}

/* Wait for the browser's redirect on lfd; code and state from it. */
static int
await_redirect(int lfd, int timeout_s, char *code, size_t cn, char *state,
    size_t sn, char *err, size_t en)
{
	time_t end = time(NULL) + timeout_s;

	while (time(NULL) < end) {
		struct pollfd p = { lfd, POLLIN, 0 };
		char req[8192];
		size_t len = 0;
		int fd;

		if (poll(&p, 1, 1000) <= 0)
			continue;
		fd = accept(lfd, NULL, NULL);
		if (fd < 0)
			continue;
		{
			struct timeval tv = { 5, 0 };

			setsockopt(
			    fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		}
		while (len + 1 < sizeof(req)) {
			ssize_t k =
			    recv(fd, req + len, sizeof(req) - 1 - len, 0);

			if (k <= 0)
				break;
			len += (size_t)k;
			req[len] = '\0';
			if (strstr(req, "\r\n\r\n") != NULL)
				break;
		}
		req[len] = '\0';
		if (strncmp(req, "GET /cb?", 8) != 0) {
			reply_page(fd, "Pecete virtual token: waiting.");
			close(fd);
			continue;
		}
		err[0] = '\0';
		code[0] = '\0';
		(void)query_arg(req + 8, "error", err, en);
		(void)query_arg(req + 8, "code", code, cn);
		if (query_arg(req + 8, "state", state, sn) != 0)
			state[0] = '\0';
		reply_page(fd, err[0] != '\0'
		                   ? "Pecete virtual token: not signed in."
		                   : "Pecete virtual token: signed in. You may "
		                     "close this page.");
		close(fd);
		return 0;
	}
	snprintf(err, en, "timed out");
	return -1;
}

int
vt_login(
    struct vt_conf *c, const char *server, const char *client_id, int timeout_s)
{
	uint8_t ver_raw[32], st_raw[16], dig[32];
	char *ver = NULL, *chal = NULL, *stt = NULL, *e_cid = NULL,
	     *e_red = NULL, *e_code = NULL, *e_ver = NULL, *form = NULL;
	char redirect[64], code[512], state[128], err[128];
	struct sockaddr_in a;
	socklen_t al = sizeof(a);
	struct vt_http h;
	const char *rt;
	size_t fl;
	int lfd = -1, rc = 1;

	memset(&h, 0, sizeof(h));
	snprintf(c->server, sizeof(c->server), "%s", server);
	while (c->server[0] != '\0' && c->server[strlen(c->server) - 1] == '/')
		c->server[strlen(c->server) - 1] = '\0';
	snprintf(c->client_id, sizeof(c->client_id), "%s", client_id);
	if (RAND_bytes(ver_raw, sizeof(ver_raw)) != 1 ||
	    RAND_bytes(st_raw, sizeof(st_raw)) != 1)
		goto out;
	ver = vt_b64url(ver_raw, sizeof(ver_raw));
	stt = vt_b64url(st_raw, sizeof(st_raw));
	if (ver == NULL || stt == NULL ||
	    EVP_Digest(ver, strlen(ver), dig, NULL, EVP_sha256(), NULL) != 1)
		goto out;
	chal = vt_b64url(dig, sizeof(dig));
	lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (chal == NULL || lfd < 0 ||
	    bind(lfd, (struct sockaddr *)&a, sizeof(a)) != 0 ||
	    listen(lfd, 8) != 0 ||
	    getsockname(lfd, (struct sockaddr *)&a, &al) != 0) {
		fprintf(stderr, "pecete-vtoken: no loopback port\n");
		goto out;
	}
	snprintf(redirect, sizeof(redirect), "http://127.0.0.1:%u/cb",
	    (unsigned)ntohs(a.sin_port));
	e_cid = vt_http_escape(c->client_id);
	e_red = vt_http_escape(redirect);
	if (e_cid == NULL || e_red == NULL)
		goto out;
	printf("Open this address in your browser to sign in and allow the "
	       "virtual token:\n%s/csc/v2/oauth2/"
	       "authorize?response_type=code&client_id=%s&redirect_uri=%s&"
	       "code_challenge=%s&code_challenge_method=S256&scope=service&"
	       "state=%s\n",
	    c->server, e_cid, e_red, chal, stt);
	fflush(stdout);
	if (await_redirect(lfd, timeout_s, code, sizeof(code), state,
	        sizeof(state), err, sizeof(err)) != 0 ||
	    err[0] != '\0') {
		fprintf(stderr, "pecete-vtoken: not signed in (%s)\n", err);
		goto out;
	}
	if (strcmp(state, stt) != 0 || code[0] == '\0') {
		fprintf(stderr, "pecete-vtoken: the answer is not for this "
		                "login (state)\n");
		goto out;
	}
	e_code = vt_http_escape(code);
	e_ver = vt_http_escape(ver);
	if (e_code == NULL || e_ver == NULL)
		goto out;
	fl = strlen(e_cid) + strlen(e_red) + strlen(e_code) + strlen(e_ver) +
	     128;
	form = malloc(fl);
	if (form == NULL)
		goto out;
	snprintf(form, fl,
	    "grant_type=authorization_code&client_id=%s&code=%s&"
	    "redirect_uri=%s&code_verifier=%s",
	    e_cid, e_code, e_red, e_ver);
	vt_http_post(c, "/csc/v2/oauth2/token", form, NULL, NULL, &h);
	rt = h.body != NULL
	         ? json_string_value(json_object_get(h.body, "refresh_token"))
	         : NULL;
	if (h.status != 200 || rt == NULL || strlen(rt) >= VT_TOKEN_MAX) {
		fprintf(stderr,
		    "pecete-vtoken: the server refused the code "
		    "(HTTP %ld %s)\n",
		    h.status, h.curl_err);
		goto out;
	}
	if (vt_conf_save(c) != 0 || vt_refresh_save(c, rt) != 0) {
		fprintf(stderr, "pecete-vtoken: cannot write %s\n", c->dir);
		goto out;
	}
	printf("Signed in to %s.\n", c->server);
	rc = 0;
out:
	vt_http_cleanup(&h);
	if (lfd >= 0)
		close(lfd);
	free(ver);
	free(chal);
	free(stt);
	free(e_cid);
	free(e_red);
	free(e_code);
	free(e_ver);
	free(form);
	return rc;
}

/* ---- pinentry ---------------------------------------------------------- */

/* One line from fd within the deadline (no newline). */
static int
read_line(int fd, char *out, size_t n, time_t end)
{
	size_t k = 0;

	for (;;) {
		struct pollfd p = { fd, POLLIN, 0 };
		char ch;
		ssize_t r;
		int left = (int)(end - time(NULL));

		if (left <= 0 || poll(&p, 1, left * 1000) <= 0)
			return -1;
		r = read(fd, &ch, 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		if (ch == '\n') {
			out[k] = '\0';
			return 0;
		}
		if (k + 1 < n)
			out[k++] = ch;
	}
}

/* Percent-escape what Assuan needs escaped in a command's argument. */
static void
assuan_escape(const char *s, char *out, size_t n)
{
	size_t k = 0;

	for (; *s != '\0' && k + 4 < n; s++) {
		if (*s == '%' || *s == '\n' || *s == '\r' ||
		    (unsigned char)*s < 0x20) {
			snprintf(out + k, n - k, "%%%02X", (unsigned char)*s);
			k += 3;
		} else {
			out[k++] = *s;
		}
	}
	out[k] = '\0';
}

/* Send cmd, then read until OK (0) or ERR (1); D lines into data. */
static int
assuan_cmd(int wfd, int rfd, const char *cmd, char *data, size_t dn, time_t end)
{
	char line[1024];
	size_t n = strlen(cmd);

	if (write(wfd, cmd, n) != (ssize_t)n || write(wfd, "\n", 1) != 1)
		return -1;
	for (;;) {
		if (read_line(rfd, line, sizeof(line), end) != 0)
			return -1;
		if (strncmp(line, "OK", 2) == 0)
			return 0;
		if (strncmp(line, "ERR", 3) == 0)
			return 1;
		if (strncmp(line, "D ", 2) == 0 && data != NULL) {
			/* unescape %XX */
			const char *p = line + 2;
			size_t k = 0;
			unsigned int v;

			while (*p != '\0' && k + 1 < dn) {
				if (*p == '%' &&
				    sscanf(p + 1, "%2x", &v) == 1) {
					data[k++] = (char)v;
					p += 3;
				} else {
					data[k++] = *p++;
				}
			}
			data[k] = '\0';
		}
		/* S and # lines: status and comments, ignored. */
	}
}

int
vt_pinentry_get(
    const char *program, const char *desc, char *out, size_t n, int timeout_s)
{
	int in[2] = { -1, -1 }, outp[2] = { -1, -1 }, st, rc = -1;
	char cmd[1200], esc[1024], line[512];
	time_t end = time(NULL) + timeout_s;
	pid_t pid;

	out[0] = '\0';
	if (pipe2(in, O_CLOEXEC) != 0 || pipe2(outp, O_CLOEXEC) != 0)
		goto out;
	pid = fork();
	if (pid < 0)
		goto out;
	if (pid == 0) {
		dup2(in[0], 0);
		dup2(outp[1], 1);
		execlp(program, program, (char *)NULL);
		_exit(127);
	}
	close(in[0]);
	close(outp[1]);
	in[0] = outp[1] = -1;
	if (read_line(outp[0], line, sizeof(line), end) != 0 ||
	    strncmp(line, "OK", 2) != 0)
		goto reap;
	assuan_escape(desc, esc, sizeof(esc));
	snprintf(cmd, sizeof(cmd), "SETDESC %s", esc);
	if (assuan_cmd(in[1], outp[0], "SETTITLE Pecete virtual token", NULL, 0,
	        end) < 0 ||
	    assuan_cmd(in[1], outp[0], cmd, NULL, 0, end) < 0 ||
	    assuan_cmd(in[1], outp[0], "SETPROMPT Code:", NULL, 0, end) < 0)
		goto reap;
	rc = assuan_cmd(in[1], outp[0], "GETPIN", out, n, end);
	(void)assuan_cmd(in[1], outp[0], "BYE", NULL, 0, time(NULL) + 2);
reap:
	close(in[1]);
	in[1] = -1;
	if (rc != 0)
		kill(pid, SIGTERM);
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
out:
	if (in[0] >= 0)
		close(in[0]);
	if (in[1] >= 0)
		close(in[1]);
	if (outp[0] >= 0)
		close(outp[0]);
	if (outp[1] >= 0)
		close(outp[1]);
	if (rc == 0 && out[0] == '\0')
		rc = 1;
	return rc;
}
