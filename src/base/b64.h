/*
 * b64.h: base64 and base64url decoding as the outside sends it: the CSC
 * API's hashes (base64 in JSON bodies, base64url in the OAuth2 flows) and
 * a payment provider's JWT (base64url). One decoder for both alphabets.
 */
#ifndef PC_B64_H
#define PC_B64_H

#include <stddef.h>
#include <stdint.h>

#include "base/pc.h"

/*
 * Decode the n bytes at in, base64 or base64url (one alphabet per string;
 * padding optional but right when present; no white space; the bits left
 * over zero) into out, at most max bytes. OUT: *outlen. PC_EINVAL
 * otherwise (also when it does not fit).
 */
enum pc_rc b64_decode(
    const char *in, size_t n, uint8_t *out, size_t max, size_t *outlen);

#endif /* PC_B64_H */
