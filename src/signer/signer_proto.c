/*
 * signer_proto.c: framing and field codecs of the signer channel (the
 * messages themselves: signer_msg.c).
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/log.h"
#include "signer/signer.h"
#include "signer/signer_msg.h"

static void
put_be16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void
put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static uint16_t
get_be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t
get_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

void
signer_hdr_encode(const struct signer_hdr *h, uint8_t out[SIGNER_HDR_LEN])
{
	put_be32(out, h->magic);
	put_be16(out + 4, h->version);
	put_be16(out + 6, h->type);
	put_be32(out + 8, h->id);
	put_be32(out + 12, h->len);
}

enum pc_rc
signer_hdr_decode(
    const uint8_t in[SIGNER_HDR_LEN], size_t max, struct signer_hdr *h)
{
	h->magic = get_be32(in);
	h->version = get_be16(in + 4);
	h->type = get_be16(in + 6);
	h->id = get_be32(in + 8);
	h->len = get_be32(in + 12);
	if (h->magic != SIGNER_MAGIC || h->version != SIGNER_VERSION ||
	    h->len > max)
		return PC_EINVAL;
	return PC_OK;
}

void
signer_put_u16(struct buf *b, uint16_t v)
{
	uint8_t t[2];

	put_be16(t, v);
	buf_append(b, t, 2);
}

void
signer_put_u32(struct buf *b, uint32_t v)
{
	uint8_t t[4];

	put_be32(t, v);
	buf_append(b, t, 4);
}

void
signer_put_bytes16(struct buf *b, const void *p, size_t n)
{
	if (n > UINT16_MAX) {
		b->failed = true;
		return;
	}
	signer_put_u16(b, (uint16_t)n);
	buf_append(b, p, n);
}

uint16_t
signer_get_u16(struct signer_rd *r)
{
	uint16_t v;

	if (r->bad || r->n < 2) {
		r->bad = true;
		return 0;
	}
	v = get_be16(r->p);
	r->p += 2;
	r->n -= 2;
	return v;
}

uint32_t
signer_get_u32(struct signer_rd *r)
{
	uint32_t v;

	if (r->bad || r->n < 4) {
		r->bad = true;
		return 0;
	}
	v = get_be32(r->p);
	r->p += 4;
	r->n -= 4;
	return v;
}

const uint8_t *
signer_get_bytes16(struct signer_rd *r, size_t max, size_t *n)
{
	const uint8_t *p;
	uint16_t len;

	len = signer_get_u16(r);
	if (r->bad || len > max || len > r->n) {
		r->bad = true;
		*n = 0;
		return NULL;
	}
	p = r->p;
	r->p += len;
	r->n -= len;
	*n = len;
	return p;
}

static enum pc_rc
write_all(int fd, const uint8_t *p, size_t n)
{
	ssize_t w;

	while (n > 0) {
		w = send(fd, p, n, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return PC_EIO;
		p += w;
		n -= (size_t)w;
	}
	return PC_OK;
}

enum pc_rc
signer_send(int fd, uint16_t type, uint32_t id, const void *body, size_t len)
{
	struct signer_hdr h;
	uint8_t hdr[SIGNER_HDR_LEN];
	enum pc_rc rc;

	if (len > UINT32_MAX)
		return PC_ELIMIT;
	h.magic = SIGNER_MAGIC;
	h.version = SIGNER_VERSION;
	h.type = type;
	h.id = id;
	h.len = (uint32_t)len;
	signer_hdr_encode(&h, hdr);
	rc = write_all(fd, hdr, sizeof(hdr));
	if (rc == PC_OK && len > 0)
		rc = write_all(fd, body, len);
	return rc;
}

/* Read exactly n bytes before the deadline (-1: none). */
static enum pc_rc
read_all(int fd, uint8_t *p, size_t n, int64_t deadline)
{
	struct pollfd pfd;
	ssize_t r;
	int wait, pr;

	while (n > 0) {
		if (deadline >= 0) {
			wait = (int)(deadline - clock_mono_ms());
			if (wait <= 0)
				return PC_EUNAVAIL;
			pfd.fd = fd;
			pfd.events = POLLIN;
			pr = poll(&pfd, 1, wait);
			if (pr < 0 && errno == EINTR)
				continue;
			if (pr <= 0)
				return PC_EUNAVAIL;
		}
		r = read(fd, p, n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return PC_EUNAVAIL;
		p += r;
		n -= (size_t)r;
	}
	return PC_OK;
}

/*
 * Read a header, check it (and with a table row, its sender and size
 * before a byte of the body is read), then the body into out.
 */
static enum pc_rc
recv_frame(int fd, int timeout_ms, size_t max, enum signer_side from,
    struct signer_hdr *h, struct buf *out)
{
	const struct signer_msgdef *def;
	uint8_t hdr[SIGNER_HDR_LEN], *p;
	int64_t deadline = -1;
	enum pc_rc rc;

	buf_init(out, max);
	if (timeout_ms >= 0)
		deadline = clock_mono_ms() + timeout_ms;
	rc = read_all(fd, hdr, sizeof(hdr), deadline);
	if (rc != PC_OK)
		return rc;
	rc = signer_hdr_decode(hdr, max, h);
	if (rc != PC_OK) {
		log_warnx("signer channel: malformed header");
		return rc;
	}
	if (from != 0) {
		def = signer_msg_def(h->type);
		if (def == NULL || def->from != from ||
		    h->len > signer_msg_max_body(def)) {
			log_warnx("signer channel: message type %u (%u bytes) "
			          "is not one this side takes",
			    h->type, h->len);
			return PC_EINVAL;
		}
	}
	buf_append(out, NULL, 0);
	if (h->len > 0) {
		if (!buf_ok(out))
			return PC_ENOMEM;
		/* Grow once to the announced (bounded) length and read into
		 * it: no temporary copy of what may be a secret. */
		p = buf_extend(out, h->len);
		if (p == NULL)
			return buf_rc(out);
		rc = read_all(fd, p, h->len, deadline);
		if (rc != PC_OK)
			return rc;
	}
	return PC_OK;
}

enum pc_rc
signer_recv(
    int fd, int timeout_ms, size_t max, struct signer_hdr *h, struct buf *out)
{
	return recv_frame(fd, timeout_ms, max, 0, h, out);
}

enum pc_rc
signer_recv_msg(int fd, int timeout_ms, size_t max, enum signer_side from,
    struct signer_hdr *h, struct buf *out)
{
	RETURN_VAL_IF_FAIL(
	    from == SIGNER_FROM_WEB || from == SIGNER_FROM_SIGNER,
	    PC_EINTERNAL);
	return recv_frame(fd, timeout_ms, max, from, h, out);
}
