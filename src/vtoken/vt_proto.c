/*
 * vt_proto.c: framing and parsing of the agent's messages (vt_proto.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "vtoken/vt_proto.h"

static uint32_t
be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

static void
put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

int
vt_parse(const uint8_t *body, size_t len, struct vt_msg *m)
{
	size_t off = 1;

	memset(m, 0, sizeof(*m));
	if (body == NULL || len < 1 || len > VT_FRAME_MAX)
		return -1;
	m->op = body[0];
	if (m->op < VT_OP_LIST || m->op > VT_OP_REPLY)
		return -1;
	while (off < len) {
		struct vt_field *f;
		uint32_t n;

		if (len - off < 5 || m->nfields == VT_FIELDS_MAX)
			return -1;
		n = be32(body + off + 1);
		if (n > len - off - 5)
			return -1;
		f = &m->f[m->nfields++];
		f->tag = body[off];
		if (f->tag < VT_T_RV || f->tag > VT_T_PARAMS)
			return -1;
		f->len = n;
		f->val = body + off + 5;
		off += 5 + (size_t)n;
	}
	return 0;
}

const struct vt_field *
vt_next(const struct vt_msg *m, uint8_t tag, size_t *from)
{
	size_t i;

	for (i = *from; i < m->nfields; i++)
		if (m->f[i].tag == tag) {
			*from = i + 1;
			return &m->f[i];
		}
	*from = m->nfields;
	return NULL;
}

const struct vt_field *
vt_get(const struct vt_msg *m, uint8_t tag)
{
	size_t from = 0;

	return vt_next(m, tag, &from);
}

uint32_t
vt_get_u32(const struct vt_msg *m, uint8_t tag, uint32_t dflt)
{
	const struct vt_field *f = vt_get(m, tag);

	return f != NULL && f->len == 4 ? be32(f->val) : dflt;
}

static void
grow(struct vt_out *o, size_t n)
{
	size_t cap;
	uint8_t *p;

	if (o->failed)
		return;
	if (n > VT_FRAME_MAX + 4 || o->len > VT_FRAME_MAX + 4 - n) {
		o->failed = 1;
		return;
	}
	if (o->len + n <= o->cap)
		return;
	cap = o->cap == 0 ? 256 : o->cap;
	while (cap < o->len + n)
		cap *= 2;
	p = realloc(o->p, cap);
	if (p == NULL) {
		o->failed = 1;
		return;
	}
	o->p = p;
	o->cap = cap;
}

void
vt_out_begin(struct vt_out *o, uint8_t op)
{
	memset(o, 0, sizeof(*o));
	grow(o, 5);
	if (o->failed)
		return;
	memset(o->p, 0, 4);
	o->p[4] = op;
	o->len = 5;
}

void
vt_out_add(struct vt_out *o, uint8_t tag, const void *v, size_t n)
{
	if (n > VT_FRAME_MAX) {
		o->failed = 1;
		return;
	}
	grow(o, 5 + n);
	if (o->failed)
		return;
	o->p[o->len] = tag;
	put32(o->p + o->len + 1, (uint32_t)n);
	if (n > 0)
		memcpy(o->p + o->len + 5, v, n);
	o->len += 5 + n;
}

void
vt_out_str(struct vt_out *o, uint8_t tag, const char *s)
{
	vt_out_add(o, tag, s, strlen(s));
}

void
vt_out_u32(struct vt_out *o, uint8_t tag, uint32_t v)
{
	uint8_t b[4];

	put32(b, v);
	vt_out_add(o, tag, b, 4);
}

int
vt_out_end(struct vt_out *o)
{
	if (o->failed || o->p == NULL || o->len - 4 > VT_FRAME_MAX)
		return -1;
	put32(o->p, (uint32_t)(o->len - 4));
	return 0;
}

void
vt_out_free(struct vt_out *o)
{
	free(o->p);
	memset(o, 0, sizeof(*o));
}

static int
io_all(int fd, uint8_t *p, size_t n, int wr)
{
	while (n > 0) {
		/* MSG_NOSIGNAL: a closed peer must not kill the host. */
		ssize_t k =
		    wr ? send(fd, p, n, MSG_NOSIGNAL) : recv(fd, p, n, 0);

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return -1;
		p += k;
		n -= (size_t)k;
	}
	return 0;
}

int
vt_send(int fd, const struct vt_out *o)
{
	if (o->failed || o->p == NULL)
		return -1;
	return io_all(fd, o->p, o->len, 1);
}

int
vt_recv(int fd, uint8_t **body, size_t *len)
{
	uint8_t h[4];
	uint32_t n;

	*body = NULL;
	*len = 0;
	if (io_all(fd, h, 4, 0) != 0)
		return -1;
	n = be32(h);
	if (n < 1 || n > VT_FRAME_MAX)
		return -1;
	*body = malloc(n);
	if (*body == NULL)
		return -1;
	if (io_all(fd, *body, n, 0) != 0) {
		free(*body);
		*body = NULL;
		return -1;
	}
	*len = n;
	return 0;
}
