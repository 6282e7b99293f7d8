/*
 * vt_main.c: the pecete-vtoken command (docs/virtual-token.md):
 *   pecete-vtoken login --server URL --client-id ID [--timeout S]
 *   pecete-vtoken status | list | logout | stop | agent [--foreground]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>
#include <openssl/sha.h>
#include <openssl/x509.h>
#include <p11-kit/pkcs11.h>

#include "vtoken/vt_agent.h"
#include "vtoken/vt_client.h"
#include "vtoken/vt_proto.h"

static int
usage(void)
{
	fprintf(stderr,
	    "usage: pecete-vtoken login --server URL --client-id ID "
	    "[--timeout SECONDS]\n"
	    "       pecete-vtoken status | list | logout | stop\n"
	    "       pecete-vtoken agent [--foreground]\n");
	return 2;
}

/* One request to the agent (started when needed); the answer in *m. */
static int
call(uint8_t op, uint8_t **body, struct vt_msg *m, CK_RV *rv)
{
	char self[4096];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	struct vt_out o;
	int rc;

	if (n <= 0)
		return -1;
	self[n] = '\0';
	vt_out_begin(&o, op);
	rc = vt_call(self, 30000, &o, body, m);
	vt_out_free(&o);
	if (rc == 0)
		*rv = vt_get_u32(m, VT_T_RV, CKR_GENERAL_ERROR);
	return rc;
}

static void
print_msg(const struct vt_msg *m)
{
	const struct vt_field *f = vt_get(m, VT_T_MSG);

	if (f != NULL)
		printf("%.*s\n", (int)f->len, (const char *)f->val);
}

static int
cmd_list(void)
{
	const struct vt_field *id, *kind, *cert;
	size_t a = 0, b = 0, c = 0;
	struct vt_msg m;
	uint8_t *body;
	CK_RV rv;

	if (call(VT_OP_LIST, &body, &m, &rv) != 0) {
		fprintf(stderr, "pecete-vtoken: the agent cannot be reached\n");
		return 1;
	}
	if (rv != CKR_OK) {
		print_msg(&m);
		free(body);
		return 1;
	}
	while ((id = vt_next(&m, VT_T_ID, &a)) != NULL &&
	       (kind = vt_next(&m, VT_T_KIND, &b)) != NULL &&
	       (cert = vt_next(&m, VT_T_CERT, &c)) != NULL) {
		const unsigned char *p = cert->val;
		X509 *x = d2i_X509(NULL, &p, (long)cert->len);
		char name[512] = "?";

		if (x != NULL)
			X509_NAME_oneline(
			    X509_get_subject_name(x), name, sizeof(name));
		printf("%.*s\t%.*s\t%s\n", (int)kind->len,
		    (const char *)kind->val, (int)id->len,
		    (const char *)id->val, name);
		X509_free(x);
	}
	free(body);
	return 0;
}

int
main(int argc, char **argv)
{
	struct vt_conf c;
	struct vt_msg m;
	uint8_t *body;
	CK_RV rv;
	int rc;

	if (argc < 2)
		return usage();
	if (vt_conf_load(&c) != 0) {
		fprintf(stderr, "pecete-vtoken: set HOME or XDG_CONFIG_HOME\n");
		return 1;
	}
	if (strcmp(argv[1], "login") == 0) {
		const char *server = NULL, *cid = NULL;
		int i, timeout = 300;

		for (i = 2; i + 1 < argc; i += 2) {
			if (strcmp(argv[i], "--server") == 0)
				server = argv[i + 1];
			else if (strcmp(argv[i], "--client-id") == 0)
				cid = argv[i + 1];
			else if (strcmp(argv[i], "--timeout") == 0)
				timeout = vt_num(argv[i + 1], 1, 3600, 0);
			else
				return usage();
		}
		if (i != argc || server == NULL || cid == NULL || timeout < 1 ||
		    (strncmp(server, "https://", 8) != 0 &&
		        strncmp(server, "http://127.0.0.1", 16) != 0 &&
		        strncmp(server, "http://localhost", 16) != 0))
			return usage();
		curl_global_init(CURL_GLOBAL_DEFAULT);
		rc = vt_login(&c, server, cid, timeout);
		curl_global_cleanup();
		return rc;
	}
	/* The agent reads no application's OpenSSL configuration: the module
	 * starts it with the application's environment, whose OPENSSL_CONF
	 * may load an engine (libp11's) and through it this very token. */
	if (strcmp(argv[1], "agent") == 0) {
		(void)unsetenv("OPENSSL_CONF");
		return vt_agent_run(
		    &c, !(argc > 2 && strcmp(argv[2], "--foreground") == 0));
	}
	if (strcmp(argv[1], "logout") == 0) {
		vt_refresh_remove(&c);
		printf("Signed out (the refresh token is removed; revoke the "
		       "app in the web Settings to end it on the server).\n");
		return 0;
	}
	if (strcmp(argv[1], "stop") == 0) {
		struct vt_out o;
		int fd = vt_connect(5000);

		if (fd < 0)
			return 0;
		vt_out_begin(&o, VT_OP_STOP);
		rc = vt_out_end(&o) == 0 && vt_send(fd, &o) == 0 &&
		             vt_recv(fd, &body, &(size_t){ 0 }) == 0
		         ? 0
		         : 1;
		if (rc == 0)
			free(body);
		vt_out_free(&o);
		close(fd);
		return rc;
	}
	if (strcmp(argv[1], "status") == 0) {
		if (call(VT_OP_STATUS, &body, &m, &rv) != 0) {
			fprintf(stderr,
			    "pecete-vtoken: the agent cannot be reached\n");
			return 1;
		}
		print_msg(&m);
		free(body);
		return rv == CKR_OK ? 0 : 1;
	}
	if (strcmp(argv[1], "list") == 0)
		return cmd_list();
	return usage();
}
