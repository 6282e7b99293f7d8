/*
 * fuzz_vtproto.c: the virtual token's socket messages (src/vtoken/
 * vt_proto.c), what the agent parses from any local process of the user
 * and the module from the agent: a parsed message has its fields inside
 * the input, and encoding it again gives the same bytes, parsed the same.
 * The framing too: vt_recv over a socketpair holding the input.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "vtoken/vt_proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
roundtrip(const uint8_t *data, size_t size)
{
	struct vt_msg m, m2;
	struct vt_out o;
	size_t i;

	if (vt_parse(data, size, &m) != 0)
		return;
	vt_out_begin(&o, m.op);
	for (i = 0; i < m.nfields; i++) {
		const struct vt_field *f = &m.f[i];

		if (f->val < data || f->val + f->len > data + size)
			abort();
		vt_out_add(&o, f->tag, f->val, f->len);
	}
	if (vt_out_end(&o) != 0 || o.len - 4 != size ||
	    memcmp(o.p + 4, data, size) != 0)
		abort();
	if (vt_parse(o.p + 4, o.len - 4, &m2) != 0 || m2.nfields != m.nfields)
		abort();
	(void)vt_get_u32(&m, VT_T_RV, 0);
	vt_out_free(&o);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *body = NULL;
	size_t len = 0;
	int sv[2];

	roundtrip(data, size);
	/* A frame as the socket gives it (small inputs: the pipe holds
	 * them; the peer closed). */
	if (size <= 4096 && socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0) {
		if (write(sv[0], data, size) == (ssize_t)size) {
			close(sv[0]);
			if (vt_recv(sv[1], &body, &len) == 0) {
				if (len < 1 || len + 4 > size)
					abort();
				roundtrip(body, len);
			}
			free(body);
		} else {
			close(sv[0]);
		}
		close(sv[1]);
	}
	return 0;
}
