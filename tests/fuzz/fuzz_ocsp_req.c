/*
 * fuzz_ocsp_req.c: the OCSP request parser and checks of pki_ocsp_respond
 * (size bound, exact DER, CertID hash algorithms and lengths) over
 * arbitrary bytes, without an HSM or a store.
 */
#include <stdint.h>
#include <stdlib.h>

#include <openssl/err.h>
#include <openssl/ocsp.h>

#include "pki/pki.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	OCSP_REQUEST *req = NULL;
	unsigned char *der = NULL;
	int i, n;

	if (pki_ocsp_req_parse(data, size, 16384, &req) == PC_OK) {
		if (req == NULL)
			abort();
		n = OCSP_request_onereq_count(req);
		for (i = 0; i < n; i++) {
			ASN1_OCTET_STRING *nh, *kh;
			ASN1_OBJECT *md;
			ASN1_INTEGER *sn;

			if (OCSP_id_get0_info(&nh, &md, &kh, &sn,
			        OCSP_onereq_get0_id(
			            OCSP_request_onereq_get0(req, i))) != 1)
				abort();
		}
		(void)OCSP_request_is_signed(req);
		if (i2d_OCSP_REQUEST(req, &der) <= 0)
			abort();
		OPENSSL_free(der);
	} else if (req != NULL)
		abort();
	OCSP_REQUEST_free(req);
	ERR_clear_error();
	return 0;
}
