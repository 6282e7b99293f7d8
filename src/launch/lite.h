/*
 * lite.h: `pecete sign` in its plain form, without the whole program
 * (src/launch/main.c says why). Built into the pecete executable (CAdES)
 * and into pecete-pdf.so (PAdES), each linked with only what it uses.
 */
#ifndef PC_LAUNCH_LITE_H
#define PC_LAUNCH_LITE_H

#include "sign/sign.h"

#define LITE_DEFER (-1) /* not the plain form: the whole program runs it */
#define LITE_PDF (-2)   /* a PDF, and no pades: pecete-pdf.so's */

/* sign_pades_file; a pointer so that the executable does not link it. */
typedef enum pc_rc (*lite_pades_fn)(const struct sign_signer *,
    const struct sign_opts *, const char *, const char *, struct sign_err *);

/*
 * Run argv (argv[0] "sign") if it is the plain form
 *   sign --p12 F [--pass-file F] [--format pades|cades] [--level B-B]
 *       [--hash sha256|sha384|sha512] IN OUT
 * and its format is one this build signs (PAdES only with pades). Returns
 * the exit status, LITE_DEFER or LITE_PDF; nothing is written then.
 */
int lite_sign(int argc, char **argv, lite_pades_fn pades);

/* pecete-pdf.so's entry (pdf.c): lite_sign with sign_pades_file. */
int pecete_sign_pdf(int argc, char **argv);

#endif
