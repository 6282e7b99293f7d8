/*
 * pc.h: the one status type of Pecete and the precondition macros.
 *
 * Every function that can fail returns enum pc_rc. PC_OK is zero so callers
 * write "if (rc != PC_OK) goto out;". The 4xx-like codes describe a problem
 * with the caller's input or state; the others are failures whose detail is
 * in the log, never shown to a client.
 */
#ifndef PC_H
#define PC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum pc_rc {
	PC_OK = 0,
	PC_EINVAL,    /* bad input: malformed, out of range */
	PC_EAUTH,     /* authentication or authorization failed */
	PC_ENOTFOUND, /* no such object */
	PC_ESTATE,    /* not allowed in the current state */
	PC_ELIMIT,    /* too large, too many, quota exhausted */
	PC_EEXIST,    /* already exists */
	PC_ENOMEM,    /* out of memory */
	PC_EDB,       /* database failure */
	PC_EHSM,      /* HSM / PKCS#11 failure */
	PC_ECRYPTO,   /* OpenSSL failure */
	PC_EIO,       /* file or socket failure */
	PC_EUNAVAIL,  /* a needed service (signer, peer) is not available */
	PC_EINTERNAL, /* a bug; also assert()ed in strict mode */
};

/* Stable lower-case name of a status ("invalid", "not_found", ...). */
const char *pc_rc_str(enum pc_rc rc);

/*
 * Precondition failed: log the expression and the function, then return.
 * With PC_STRICT=1 in the environment (tests set it) abort instead.
 */
void pc_precond_failed(
    const char *expr, const char *func, const char *file, int line);

#define RETURN_VAL_IF_FAIL(expr, val)                                          \
	do {                                                                   \
		if (!(expr)) {                                                 \
			pc_precond_failed(                                     \
			    #expr, __func__, __FILE__, __LINE__);              \
			return (val);                                          \
		}                                                              \
	} while (0)

#define RETURN_IF_FAIL(expr)                                                   \
	do {                                                                   \
		if (!(expr)) {                                                 \
			pc_precond_failed(                                     \
			    #expr, __func__, __FILE__, __LINE__);              \
			return;                                                \
		}                                                              \
	} while (0)

#define PC_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

#define PC_NODISCARD __attribute__((warn_unused_result))
#define PC_PRINTF(f, a) __attribute__((format(printf, f, a)))
/* A switch case that falls through on purpose (gcc and clang). */
#define PC_FALLTHROUGH __attribute__((fallthrough))

#endif /* PC_H */
