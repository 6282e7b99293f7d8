/*
 * fuzz_conf.c: the configuration parser over arbitrary bytes.
 */
#include <stdint.h>
#include <stdlib.h>

#include "base/conf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct conf c;
	char err[256];

	if (conf_defaults(&c, "/tmp") != PC_OK)
		abort();
	(void)conf_parse(&c, (const char *)data, size, err, sizeof(err));
	conf_free(&c);
	return 0;
}
