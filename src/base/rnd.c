/*
 * rnd.c: kernel randomness.
 */
#include <errno.h>
#include <sys/random.h>

#include "base/buf.h"
#include "base/log.h"
#include "base/rnd.h"

enum pc_rc
rnd_bytes(void *p, size_t n)
{
	uint8_t *q = p;
	ssize_t r;

	while (n > 0) {
		r = getrandom(q, n > 256 ? 256 : n, 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			log_warn("getrandom");
			return PC_EIO;
		}
		q += r;
		n -= (size_t)r;
	}
	return PC_OK;
}

enum pc_rc
rnd_hex(size_t nbytes, char *out)
{
	uint8_t tmp[64];
	enum pc_rc rc;

	if (nbytes > sizeof(tmp))
		return PC_EINVAL;
	rc = rnd_bytes(tmp, nbytes);
	if (rc != PC_OK)
		return rc;
	hex_encode(tmp, nbytes, out);
	return PC_OK;
}
