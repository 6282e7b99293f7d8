/*
 * signer.h: the signing process, our Signature Activation Module.
 *
 * `pecete serve` forks the signer before anything else. The signer is the
 * only process that reads the HSM PIN and holds HSM sessions. The web side
 * talks to it over socketpairs with typed, size-checked messages:
 *
 *   header  u32 magic "PCSG", u16 version, u16 type, u32 id, u32 length
 *   body    length bytes, at most conf.signer.max_message
 *
 * Every field of a body is length-prefixed (u16 or u32, big endian) and
 * checked against the bytes present; a malformed message closes the
 * channel. Requests:
 *
 *   PING                       -> PONG
 *   SIGN_SERVICE label mech md hash -> SIG rc sig
 *        signs with a service key: only the online keys of the hierarchy
 *        (issuing CA, OCSP responder, TSA) are allowed; the root key and
 *        holders' keys are refused. Holders' keys will need a SAD (TOTP),
 *        checked here, never on the web side.
 *
 * The client side keeps one channel per concurrent request (a pool); when
 * the signer dies, requests in flight fail with PC_EUNAVAIL at once (EOF),
 * the supervisor restarts it, and the next requests use the new channels.
 */
#ifndef PC_SIGNER_H
#define PC_SIGNER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "base/buf.h"
#include "base/conf.h"
#include "base/pc.h"
#include "hsm/hsm.h"

#define SIGNER_MAGIC 0x50435347u	/* "PCSG" */
#define SIGNER_VERSION 1
#define SIGNER_HDR_LEN 16
#define SIGNER_HASH_MAX 64
#define SIGNER_CHANNELS_MAX 32

enum signer_msg {
	SIGNER_MSG_PING = 1,
	SIGNER_MSG_PONG = 2,
	SIGNER_MSG_SIGN_SERVICE = 3,
	SIGNER_MSG_SIG = 4,
};

struct signer_hdr {
	uint32_t magic;
	uint16_t version;
	uint16_t type;
	uint32_t id;
	uint32_t len;
};

/* ---- wire helpers (signer_proto.c) ------------------------------------ */

void signer_hdr_encode(const struct signer_hdr *h, uint8_t out[SIGNER_HDR_LEN]);
/* PC_EINVAL when the magic/version is wrong or len > max. */
enum pc_rc signer_hdr_decode(const uint8_t in[SIGNER_HDR_LEN], size_t max,
    struct signer_hdr *h);

/* A read cursor over a received body; every get checks the bounds. */
struct signer_rd {
	const uint8_t *p;
	size_t n;
	bool bad;	/* sticky: a get went past the end */
};
void signer_put_u16(struct buf *b, uint16_t v);
void signer_put_u32(struct buf *b, uint32_t v);
void signer_put_bytes16(struct buf *b, const void *p, size_t n);
uint16_t signer_get_u16(struct signer_rd *r);
uint32_t signer_get_u32(struct signer_rd *r);
/* A borrowed pointer into the body; *n gets the length (<= max). */
const uint8_t *signer_get_bytes16(struct signer_rd *r, size_t max, size_t *n);

/* Send one message; PC_EIO on a broken channel. */
enum pc_rc signer_send(int fd, uint16_t type, uint32_t id, const void *body,
    size_t len);
/*
 * Receive one message within timeout_ms (-1: wait). OUT: body in *out
 * (buf_init'ed here, max bytes). PC_EUNAVAIL on EOF or timeout.
 */
enum pc_rc signer_recv(int fd, int timeout_ms, size_t max,
    struct signer_hdr *h, struct buf *out);

/* ---- the signer process (signer_server.c) ----------------------------- */

/*
 * Run the signer on the given channels until they all close: open the HSM
 * (reading the PIN file), load the allowed service key labels from the
 * store, and answer requests, one thread per channel. Returns the exit
 * status for the child process.
 */
int signer_main(const struct conf *conf, const int *fds, size_t nfds);

/* ---- the web side (signer_client.c) ----------------------------------- */

struct signer_client;

/*
 * Fork the signer with nchan channels and supervise it: a thread waits for
 * it and restarts it (after a short back-off) when it dies.
 * OUT: *out, stop with signer_client_stop.
 */
enum pc_rc signer_client_start(const struct conf *conf, unsigned nchan,
    struct signer_client **out);
/* Stop the supervisor, close the channels, wait for the signer to exit. */
void signer_client_stop(struct signer_client *sc);
/* PC_OK when the signer answers a PING within the timeout. */
enum pc_rc signer_client_ping(struct signer_client *sc);
/* The signer's pid (0 while it is being restarted). */
pid_t signer_client_pid(struct signer_client *sc);
/* Restarts so far. */
unsigned signer_client_restarts(struct signer_client *sc);

/* Ask the signer to sign a digest with a service key. */
enum pc_rc signer_client_sign_service(struct signer_client *sc,
    const char *label, enum hsm_mech mech, int md_nid, const uint8_t *hash,
    size_t hlen, uint8_t *sig, size_t *siglen);

/*
 * The pki_keysrc of the web side: keys load as proxies that sign through
 * the signer; generate and destroy are not available (NULL).
 */
struct pki_keysrc;
void signer_client_keysrc(struct signer_client *sc, struct pki_keysrc *ks);

#endif /* PC_SIGNER_H */
