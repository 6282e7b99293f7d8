/*
 * fuzz_tsq.c: the RFC 3161 TimeStampReq parser and checks of
 * pki_tsa_respond (size bound, exact DER, version, message imprint) over
 * arbitrary bytes, without an HSM or a store.
 */
#include <stdint.h>
#include <stdlib.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/ts.h>

#include "pki/pki.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	TS_REQ *req = NULL;
	unsigned char *der = NULL;
	BIO *null;

	if (pki_tsa_req_parse(data, size, 16384, &req) == PC_OK) {
		if (req == NULL || TS_REQ_get_version(req) != 1)
			abort();
		null = BIO_new(BIO_s_null());
		if (null != NULL)
			(void)TS_REQ_print_bio(null, req);
		BIO_free(null);
		if (i2d_TS_REQ(req, &der) <= 0)
			abort();
		OPENSSL_free(der);
	} else if (req != NULL)
		abort();
	TS_REQ_free(req);
	ERR_clear_error();
	return 0;
}
