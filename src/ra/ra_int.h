/*
 * ra_int.h: what the files of src/ra share.
 */
#ifndef PC_RA_INT_H
#define PC_RA_INT_H

#include <jansson.h>

#include "base/buf.h"
#include "ra/ra.h"
#include "store/store_account.h"
#include "vault/vault.h"

/* One code purpose for the identification's SMS (one open case a user). */
#define RA_OTP_PURPOSE "idv"

/* A file's path: <files_dir>/idv/<case>/<kind>.pcv (into out). */
void ra_file_path(const struct pc_env *e, const char *id, const char *kind,
    char *out, size_t n);
/* The case id, only when it is user_id's: else PC_ENOTFOUND. OUT: *c. */
enum pc_rc ra_own_case(struct db *db, const char *user_id, const char *id,
    struct store_idv_case *c);
/* The file row's writing state as the vault's, and back. */
enum pc_rc ra_wip_from_row(const struct store_idv_file *f, struct vault_wip *w);
void ra_wip_to_row(const struct vault_wip *w, struct store_idv_file *f);
/* Is kind a file of a case; the media types it takes; its size limit. */
bool ra_kind_known(const char *kind);
bool ra_ctype_ok(const char *kind, const char *ctype);
int64_t ra_kind_max(const struct pc_env *e, const char *kind);
/*
 * E-mail the case's person in their language with template tmpl; vars
 * is a JSON object (borrowed; "name" is added).
 */
enum pc_rc ra_mail(struct db *db, const struct store_idv_case *c,
    const char *tmpl, json_t *vars);
/* "<public_url>/<page>" (malloc'd). */
char *ra_link(const struct pc_env *e, const char *page);

/* ra_case_steps.c, for the upload and the submission (ra_case_files.c). */

/* Load an open case of user_id for a step (PC_ESTATE: not open). OUT: *c
 * (store_idv_case_cleanup). */
enum pc_rc ra_case_open(const struct pc_env *e, const char *user_id,
    const char *id, struct store_idv_case *c, struct pc_err *err);
/* Where the recording stands: the plan, and k, the index in it of the
 * step started last (-1: none yet). OUT: *steps (json_decref). */
enum pc_rc ra_case_where(const struct store_idv_case *c, struct ra_plan *plan,
    json_t **steps, int *k);

#endif /* PC_RA_INT_H */
