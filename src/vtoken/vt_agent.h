/*
 * vt_agent.h: the pecete-vtoken program's parts: its configuration and
 * files, HTTP to the server (libcurl), the OAuth2 login, pinentry and the
 * agent's loop.
 */
#ifndef PC_VT_AGENT_H
#define PC_VT_AGENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <jansson.h>

#define VT_URL_MAX 512
#define VT_TOKEN_MAX 256

struct vt_conf {
	char dir[VT_URL_MAX];         /* $XDG_CONFIG_HOME/pecete-vtoken */
	char server[VT_URL_MAX];      /* https://rssp.example (no slash) */
	char client_id[VT_TOKEN_MAX]; /* the public OAuth2 client */
	char pinentry[VT_URL_MAX];    /* the pinentry program */
	int http_timeout;             /* seconds, each request */
	int idle_exit;                /* seconds without a request */
};

/* Read DIR/config (and $PINENTRY over pinentry=): 0, or -1 when the dir
 * cannot be named. A missing file leaves server and client_id empty. */
int vt_conf_load(struct vt_conf *c);
int vt_conf_save(const struct vt_conf *c);
/* The refresh token file, 0600: read (0 or -1: none), write, remove. */
int vt_refresh_load(const struct vt_conf *c, char *out, size_t n);
int vt_refresh_save(const struct vt_conf *c, const char *tok);
void vt_refresh_remove(const struct vt_conf *c);
/* Its modification time (0 when absent): a new login is seen by it. */
time_t vt_refresh_mtime(const struct vt_conf *c);

/* One HTTP exchange: status (0: no answer, *curl_err set), JSON body or
 * NULL. form: application/x-www-form-urlencoded body; json: a JSON body;
 * bearer: the access token or NULL. */
struct vt_http {
	long status;
	json_t *body;
	char curl_err[256];
};
void vt_http_post(const struct vt_conf *c, const char *path, const char *form,
    const json_t *json, const char *bearer, struct vt_http *h);
void vt_http_cleanup(struct vt_http *h);
/* A form value, percent-encoded (malloc'd; NULL when out of memory). */
char *vt_http_escape(const char *s);

/* pecete-vtoken login: 0 (signed in) or 1. */
int vt_login(struct vt_conf *c, const char *server, const char *client_id,
    int timeout_s);

/* Ask the pinentry program for a code: 0 (out filled), 1 (cancelled), -1
 * (it could not be run or spoke wrongly). */
int vt_pinentry_get(
    const char *program, const char *desc, char *out, size_t n, int timeout_s);

/* The agent: serve the socket until idle or stopped (foreground). */
int vt_agent_run(struct vt_conf *c, bool daemonize);

/* A decimal number in [lo, hi], else dflt. */
int vt_num(const char *s, int lo, int hi, int dflt);
/* base64 (standard) of bytes; base64url without padding. */
char *vt_b64(const uint8_t *p, size_t n);
char *vt_b64url(const uint8_t *p, size_t n);
/* Decode standard base64 (malloc'd; NULL when malformed). */
uint8_t *vt_unb64(const char *s, size_t *n);

#endif
