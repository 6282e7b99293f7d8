/*
 * fuzz_tl.c: the ETSI TS 119 612 trusted-list parser (tl_parse) over
 * arbitrary bytes: the list, its pointers, services, history and
 * qualifications, without the signature (tl_sig_verify runs xmlsec on
 * the same libxml2 tree). Every list read must hold together.
 */
#include <stdint.h>
#include <stdlib.h>

#include <openssl/err.h>

#include "validate/tl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tl_list *l = NULL;
	char err[256];
	int i, j;

	if (tl_parse(data, size, &l, err, sizeof(err)) == PC_OK) {
		if (l == NULL || l->nservices < 0 ||
		    l->nservices > TL_SERVICES_MAX ||
		    l->npointers > TL_POINTERS_MAX)
			abort();
		for (i = 0; i < l->nservices; i++) {
			const struct tl_service *s = &l->services[i];

			if (s->ninst < 1 || s->ninst > TL_HIST_MAX ||
			    s->ncerts > TL_IDS_MAX)
				abort();
			for (j = 0; j < s->ninst; j++)
				if (s->inst[j].nquals > TL_QUALS_MAX ||
				    s->inst[j].from < 0)
					abort();
		}
		tl_list_free(l);
	} else if (l != NULL)
		abort();
	(void)tl_time((const char *)err);
	ERR_clear_error();
	return 0;
}
