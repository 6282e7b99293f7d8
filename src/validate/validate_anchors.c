/*
 * validate_anchors.c: [server] trust_anchors, further roots the
 * validation service trusts beside this provider's own.
 */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "base/log.h"
#include "pki/pki.h"
#include "validate/validate.h"

/* Why x cannot be an anchor, or NULL. */
static const char *
anchor_fault(X509 *x)
{
	if (X509_check_ca(x) < 1)
		return "is not a CA certificate";
	if (X509_cmp_current_time(X509_get0_notBefore(x)) > 0)
		return "is not valid yet";
	if (X509_cmp_current_time(X509_get0_notAfter(x)) < 0)
		return "has expired";
	return NULL;
}

enum pc_rc
validate_anchors(const struct conf *conf, bool strict, struct buf *pem,
    unsigned *count, char *err, size_t errlen)
{
	const char *path = conf->server.trust_anchors, *why;
	char name[256];
	struct stat st;
	BIO *in = NULL;
	X509 *x = NULL;
	unsigned n = 0, seen = 0;
	enum pc_rc rc = PC_EINVAL;

	*count = 0;
	if (path == NULL || path[0] == '\0')
		return PC_OK;
	if (stat(path, &st) != 0 || !S_ISREG(st.st_mode)) {
		snprintf(err, errlen,
		    "[server] trust_anchors: %s is not a readable file", path);
		return PC_EINVAL;
	}
	if (st.st_size > VALIDATE_ANCHORS_BYTES) {
		snprintf(err, errlen,
		    "[server] trust_anchors: %s is larger than %d bytes", path,
		    VALIDATE_ANCHORS_BYTES);
		return PC_EINVAL;
	}
	in = BIO_new_file(path, "r");
	if (in == NULL) {
		snprintf(err, errlen, "[server] trust_anchors: cannot open %s",
		    path);
		return PC_EINVAL;
	}
	for (;;) {
		ERR_clear_error();
		x = PEM_read_bio_X509(in, NULL, NULL, NULL);
		if (x == NULL)
			break;
		seen++;
		X509_NAME_oneline(X509_get_subject_name(x), name, sizeof(name));
		why = anchor_fault(x);
		if (why != NULL && !strict && X509_check_ca(x) >= 1) {
			/* Out of its validity since start: left out, said. */
			log_warnx("validate: [server] trust_anchors: %s %s; "
			          "left out",
			    name, why);
			X509_free(x);
			x = NULL;
			continue;
		}
		if (why != NULL) {
			snprintf(err, errlen,
			    "[server] trust_anchors: the certificate %s in %s "
			    "%s; keep only valid root or CA certificates there",
			    name, path, why);
			goto out;
		}
		if (seen > VALIDATE_ANCHORS_MAX) {
			snprintf(err, errlen,
			    "[server] trust_anchors: more than %d certificates "
			    "in %s",
			    VALIDATE_ANCHORS_MAX, path);
			goto out;
		}
		if (pem != NULL && pki_x509_pem(x, pem) != PC_OK) {
			rc = PC_ENOMEM;
			goto out;
		}
		n++;
		X509_free(x);
		x = NULL;
	}
	/* The end of the file, or something that is not a certificate. */
	if (ERR_GET_REASON(ERR_peek_last_error()) != PEM_R_NO_START_LINE ||
	    seen == 0) {
		snprintf(err, errlen, "[server] trust_anchors: %s %s", path,
		    seen == 0 ? "holds no PEM certificate"
		              : "has something after its certificates that is "
		                "not a PEM certificate");
		goto out;
	}
	*count = n;
	rc = PC_OK;
out:
	ERR_clear_error();
	X509_free(x);
	BIO_free(in);
	return rc;
}
