/*
 * test_signer_proto.c: framing and bounds of the signer channel.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "signer/signer.h"

static void
test_roundtrip(void **state)
{
	int sv[2];
	struct signer_hdr h;
	struct buf body, in;
	struct signer_rd rd;
	const uint8_t *p;
	size_t n;

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	buf_init(&body, 1024);
	signer_put_bytes16(&body, "tsa-key", 7);
	signer_put_u16(&body, HSM_MECH_ECDSA);
	signer_put_u32(&body, 672);
	signer_put_bytes16(&body, "0123456789abcdef0123456789abcdef", 32);
	assert_true(buf_ok(&body));
	assert_int_equal(
	    signer_send(sv[0], SIGNER_MSG_SIGN_SERVICE, 7, body.data, body.len),
	    PC_OK);
	assert_int_equal(signer_recv(sv[1], 1000, 4096, &h, &in), PC_OK);
	assert_int_equal(h.type, SIGNER_MSG_SIGN_SERVICE);
	assert_int_equal(h.id, 7);
	rd.p = in.data;
	rd.n = in.len;
	rd.bad = false;
	p = signer_get_bytes16(&rd, 64, &n);
	assert_int_equal(n, 7);
	assert_memory_equal(p, "tsa-key", 7);
	assert_int_equal(signer_get_u16(&rd), HSM_MECH_ECDSA);
	assert_int_equal(signer_get_u32(&rd), 672);
	p = signer_get_bytes16(&rd, 64, &n);
	assert_int_equal(n, 32);
	assert_false(rd.bad);
	assert_int_equal(rd.n, 0);
	/* Reading past the end is caught and sticky. */
	signer_get_u32(&rd);
	assert_true(rd.bad);
	buf_cleanup(&in);
	buf_cleanup(&body);
	close(sv[0]);
	close(sv[1]);
}

static void
test_bounds(void **state)
{
	uint8_t raw[SIGNER_HDR_LEN], body[4] = { 0xff, 0xff, 1, 2 };
	struct signer_hdr h = { SIGNER_MAGIC, SIGNER_VERSION, 1, 1, 10 };
	struct signer_rd rd = { body, sizeof(body), false };
	struct buf in;
	size_t n;
	int sv[2];

	signer_hdr_encode(&h, raw);
	assert_int_equal(signer_hdr_decode(raw, 100, &h), PC_OK);
	assert_int_equal(signer_hdr_decode(raw, 9, &h), PC_EINVAL);
	raw[0] ^= 1;
	assert_int_equal(signer_hdr_decode(raw, 100, &h), PC_EINVAL);
	/* A length field larger than what is left. */
	assert_null(signer_get_bytes16(&rd, 100000, &n));
	assert_true(rd.bad);
	/* Oversized announced body: refused without reading it. */
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	h.magic = SIGNER_MAGIC;
	h.len = 1u << 30;
	signer_hdr_encode(&h, raw);
	assert_int_equal(write(sv[0], raw, sizeof(raw)), (ssize_t)sizeof(raw));
	assert_int_equal(signer_recv(sv[1], 1000, 65536, &h, &in), PC_EINVAL);
	buf_cleanup(&in);
	/* A peer that stops mid-message times out instead of hanging. */
	h.len = 8;
	signer_hdr_encode(&h, raw);
	assert_int_equal(write(sv[0], raw, sizeof(raw)), (ssize_t)sizeof(raw));
	assert_int_equal(write(sv[0], "abc", 3), 3);
	assert_int_equal(signer_recv(sv[1], 200, 65536, &h, &in), PC_EUNAVAIL);
	buf_cleanup(&in);
	close(sv[0]);
	/* EOF. */
	assert_int_equal(signer_recv(sv[1], 200, 65536, &h, &in), PC_EUNAVAIL);
	buf_cleanup(&in);
	close(sv[1]);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_bounds),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
