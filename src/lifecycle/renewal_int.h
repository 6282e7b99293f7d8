/*
 * renewal_int.h: what the parts of the renewal requests (J10) share
 * inside src/lifecycle/ (renewal.h is the API): renewal.c (the holder's
 * side), renewal_ra.c (the operator's decision), renewal_job.c (the job
 * that issues or refunds, and the photos' retention).
 */
#ifndef PC_RENEWAL_INT_H
#define PC_RENEWAL_INT_H

#include <jansson.h>

#include "lifecycle/renewal.h"

/* Requests handled per state and run of the job. */
#define RUN_MAX 32

/*
 * The identity confirmed at the account's latest accepted identification
 * (JSON), without who confirmed it. PC_ENOTFOUND when none. OUT: *out
 * (json_decref).
 */
enum pc_rc renewal_accepted_identity(
    const struct pc_env *e, const char *user_id, json_t **out);
/* The path of request id's photo (encrypted) into out. */
void renewal_photo_path(
    const struct pc_env *e, const char *id, char *out, size_t n);
/* JPEG, PNG or PDF, from the first bytes; NULL otherwise. */
const char *renewal_photo_type(const uint8_t *p, size_t n);
/* An e-mail (template tmpl) to the request's holder, in db's
 * transaction. */
enum pc_rc renewal_tell(const struct pc_env *e, struct db *db,
    const struct store_renewal *r, const char *tmpl, const char *reason);

#endif /* PC_RENEWAL_INT_H */
