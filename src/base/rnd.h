/*
 * rnd.h: randomness from the kernel (getrandom), not the C library generator.
 */
#ifndef PC_RND_H
#define PC_RND_H

#include <stddef.h>
#include <stdint.h>

#include "base/pc.h"

/* Fill p with n random bytes; PC_EIO if the kernel refuses. */
enum pc_rc rnd_bytes(void *p, size_t n) PC_NODISCARD;
/* A random id of nbytes bytes as lower-case hex into out (2n+1 bytes). */
enum pc_rc rnd_hex(size_t nbytes, char *out) PC_NODISCARD;

#endif /* PC_RND_H */
