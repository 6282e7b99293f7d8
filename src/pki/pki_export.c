/*
 * pki_export.c: write the hierarchy's certificates as PEM files.
 */
#include <stdio.h>

#include "base/log.h"
#include "pki/pki_int.h"

/* Write root.pem, issuing.pem, ocsp.pem and tsa.pem (0644) into dir. */
enum pc_rc
pki_export(struct pki *p, const char *dir)
{
	struct buf b;
	char path[4096];
	enum pc_rc rc = PC_OK;
	int i;

	RETURN_VAL_IF_FAIL(p != NULL && dir != NULL, PC_EINTERNAL);
	buf_init(&b, 64 * 1024);
	for (i = 0; i < PKI_NCA && rc == PC_OK; i++) {
		buf_reset(&b);
		if ((size_t)snprintf(path, sizeof(path), "%s/%s.pem", dir,
		        pki_ca_names[i]) >= sizeof(path)) {
			rc = PC_EINVAL;
			break;
		}
		rc = pki_cert_pem(p, pki_ca_names[i], &b);
		if (rc == PC_OK)
			rc = file_write_atomic(path, b.data, b.len, 0644);
		if (rc != PC_OK)
			log_error("pki: export %s: %s", path, pc_rc_str(rc));
	}
	buf_cleanup(&b);
	return rc;
}
