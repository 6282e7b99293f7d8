/*
 * vt_proto.h: the messages between libpecete-pkcs11.so and the
 * pecete-vtoken agent over the agent's local socket. A frame is a 4-byte
 * big-endian length (at most VT_FRAME_MAX) and a body: one byte, the
 * operation, then fields, each a tag byte, a 4-byte big-endian length and
 * that many bytes. No allocation: a parsed message points into the body.
 * Plain C with libc only (the module is built without sanitizers and
 * loaded into other programs).
 */
#ifndef PC_VT_PROTO_H
#define PC_VT_PROTO_H

#include <stddef.h>
#include <stdint.h>

#define VT_FRAME_MAX (1024 * 1024)
#define VT_FIELDS_MAX 64

enum vt_op {
	VT_OP_LIST = 1,   /* -> objects: ID, KIND, CERT per credential/CA */
	VT_OP_SIGN = 2,   /* ID, HASHALG, SIGNALG, HASH [, PIN] -> SIG */
	VT_OP_STATUS = 3, /* -> MSG */
	VT_OP_STOP = 4,   /* the agent exits */
	VT_OP_REPLY = 5,  /* every answer: RV first */
};

enum vt_tag {
	VT_T_RV = 1,      /* 4-byte big-endian CK_RV */
	VT_T_MSG = 2,     /* text for people */
	VT_T_ID = 3,      /* credentialID */
	VT_T_KIND = 4,    /* "sign", "auth", "ca" */
	VT_T_CERT = 5,    /* DER */
	VT_T_HASHALG = 6, /* hash OID, dotted */
	VT_T_SIGNALG = 7, /* signature OID, dotted */
	VT_T_HASH = 8,    /* digest bytes */
	VT_T_PIN = 9,     /* a one-time code the application gave */
	VT_T_SIG = 10,    /* signature bytes (as the server gives them) */
	VT_T_PARAMS = 11, /* signAlgoParams, DER */
};

struct vt_field {
	uint8_t tag;
	uint32_t len;
	const uint8_t *val;
};

struct vt_msg {
	uint8_t op;
	size_t nfields;
	struct vt_field f[VT_FIELDS_MAX];
};

/* Parse body[0..len) (a frame without its length). 0 or -1 (malformed:
 * no op, a field past the end, too many fields, an unknown tag). */
int vt_parse(const uint8_t *body, size_t len, struct vt_msg *m);
/* The first field with tag at or after *from (0 to start); NULL if none.
 * *from is moved past it. */
const struct vt_field *vt_next(
    const struct vt_msg *m, uint8_t tag, size_t *from);
const struct vt_field *vt_get(const struct vt_msg *m, uint8_t tag);
/* A 4-byte field as a number; dflt when absent or of another size. */
uint32_t vt_get_u32(const struct vt_msg *m, uint8_t tag, uint32_t dflt);

/* A growing frame under construction. */
struct vt_out {
	uint8_t *p;
	size_t len, cap;
	int failed;
};
void vt_out_begin(struct vt_out *o, uint8_t op);
void vt_out_add(struct vt_out *o, uint8_t tag, const void *v, size_t n);
void vt_out_str(struct vt_out *o, uint8_t tag, const char *s);
void vt_out_u32(struct vt_out *o, uint8_t tag, uint32_t v);
/* Writes the length in front: 0, or -1 when out of memory or too big. */
int vt_out_end(struct vt_out *o);
void vt_out_free(struct vt_out *o);

/* Send a finished frame, read one (*body malloc'd, *len): 0 or -1. Both
 * honour the socket's time-outs (SO_SNDTIMEO/SO_RCVTIMEO). */
int vt_send(int fd, const struct vt_out *o);
int vt_recv(int fd, uint8_t **body, size_t *len);

#endif
