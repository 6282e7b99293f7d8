/*
 * tsupport.h: helpers shared by the unit tests (pecete_test_support).
 */
#ifndef PC_TSUPPORT_H
#define PC_TSUPPORT_H

#include <stddef.h>

/* The SoftHSMv2 module used by the tests. */
#define TS_SOFTHSM_MODULE "/usr/lib/softhsm/libsofthsm2.so"
/* The SO PIN of tokens made by ts_softhsm_setup. */
#define TS_SO_PIN "so-12345678"

/*
 * Make a temporary directory (mkdtemp under $TMPDIR or /tmp) holding a
 * SoftHSM2 token store "tokens/" and "softhsm2.conf", point SOFTHSM2_CONF at
 * it (setenv), and create a token labelled label with user PIN pin (SO PIN
 * TS_SO_PIN) through hsm_token_create. The directory path goes to dir_out
 * (n bytes). Returns 0, or -1 after printing why on stderr. Remove the
 * directory with ts_rmtree.
 */
int ts_softhsm_setup(
    char *dir_out, size_t n, const char *label, const char *pin);

/*
 * Write a valid one-page PDF (classic xref table, offsets computed) to
 * path. Returns its size, 0 when it cannot be written.
 */
size_t ts_pdf_write(const char *path);

/* Entries of dir other than "." and ".."; -1 when it cannot be read. */
int ts_dir_count(const char *dir);

/* Remove dir and everything below it (best effort, never follows links). */
void ts_rmtree(const char *dir);

#endif /* PC_TSUPPORT_H */
