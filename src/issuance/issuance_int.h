/*
 * issuance_int.h: what the parts of issuance share inside
 * src/issuance/ (issuance.h is the API).
 */
#ifndef PC_ISSUANCE_INT_H
#define PC_ISSUANCE_INT_H

#include "issuance/issuance.h"

/*
 * The terms signed with the new credential (sad: the holder's code or
 * the issuance grant) and kept in user_id's documents (issuance_terms.c).
 */
enum pc_rc issuance_terms_sign(const struct pc_env *e, const char *user_id,
    const struct issuance_status *st, const char *credential, const char *sad,
    struct pc_err *err);

#endif /* PC_ISSUANCE_INT_H */
