/*
 * b64.c: see b64.h.
 */
#include <stdbool.h>

#include "base/b64.h"

static int
b64_val(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+' || c == '-')
		return 62;
	if (c == '/' || c == '_')
		return 63;
	return -1;
}

enum pc_rc
b64_decode(const char *in, size_t n, uint8_t *out, size_t max, size_t *outlen)
{
	size_t pad = 0, i, o = 0;
	uint32_t acc = 0;
	int bits = 0, v;
	bool url = false, std = false;

	*outlen = 0;
	if (in == NULL)
		return PC_EINVAL;
	while (n > 0 && in[n - 1] == '=') {
		n--;
		pad++;
	}
	if (n == 0 || pad > 2 || (pad > 0 && (n + pad) % 4 != 0) || n % 4 == 1)
		return PC_EINVAL;
	for (i = 0; i < n; i++) {
		v = b64_val(in[i]);
		if (v < 0)
			return PC_EINVAL;
		url |= in[i] == '-' || in[i] == '_';
		std |= in[i] == '+' || in[i] == '/';
		acc = (acc << 6) | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (o >= max)
				return PC_EINVAL;
			out[o++] = (uint8_t)(acc >> bits);
		}
	}
	/* One alphabet per string; the bits left over must be zero. */
	if ((url && std) || (acc & ((1u << bits) - 1)) != 0)
		return PC_EINVAL;
	*outlen = o;
	return PC_OK;
}
