/*
 * secret.h: memory for secrets (PINs, OTPs, keys).
 *
 * secret_alloc() returns zeroed, mlock()ed memory (best effort; a failed
 * mlock is logged once). secret_free() zeroes it before freeing. Never put a
 * secret in a struct buf that may be logged, never log it.
 */
#ifndef PC_SECRET_H
#define PC_SECRET_H

#include <stddef.h>

#include "base/pc.h"

void *secret_alloc(size_t n);
void secret_free(void *p, size_t n);
/* A NUL-terminated copy of s in secret memory; free with secret_strfree. */
char *secret_strdup(const char *s);
void secret_strfree(char *s);
/* Zero memory in a way the compiler cannot drop. */
void secret_wipe(void *p, size_t n);
/*
 * Zero a malloc()ed block (its whole usable size) and free it; NULL is a
 * no-op. For buffers of other libraries that may have held a secret
 * (JSON texts, response bodies, mails), as their free function.
 */
void secret_wipe_free(void *p);
/* Constant-time equality of two byte strings of the same length. */
bool secret_eq(const void *a, const void *b, size_t n);

/*
 * Read a secret from a file (first line, trailing newline removed). The file
 * must not be readable by group or others (PC_EAUTH with a message if it
 * is), and at most max bytes. OUT: *out in secret memory (secret_strfree).
 */
enum pc_rc secret_read_file(const char *path, size_t max, char **out);

/*
 * Why secret_read_file failed, in words that say what to do (static):
 * "readable by its group or others: ... run chmod 600 on it", ...
 */
const char *secret_file_why(enum pc_rc rc);

#endif /* PC_SECRET_H */
