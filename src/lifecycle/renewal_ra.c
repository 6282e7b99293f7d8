/*
 * renewal_ra.c: the operator's side of renewal requests (J10): the list,
 * a request with its photo, the decision (with an e-mail to the holder).
 * See renewal.h.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/evp.h>

#include "account/account.h"
#include "base/clock.h"
#include "base/log.h"
#include "base/rnd.h"
#include "issuance/issuance.h"
#include "legal/legal.h"
#include "lifecycle/renewal.h"
#include "lifecycle/renewal_int.h"
#include "notify/notify.h"
#include "ra/ra.h"
#include "shop/shop.h"
#include "signing/documents.h"
#include "store/store_account.h"
#include "store/store_credential.h"
#include "store/store_idv.h"
#include "store/store_shop.h"
#include "vault/vault.h"

enum pc_rc
renewal_ra_each(const struct pc_env *e, const char *state,
    enum pc_rc (*fn)(void *arg, const struct store_renewal *r), void *arg)
{
	enum pc_rc rc;

	STORE_ONE(rc, e->store, store_renewal_each(db, state, 0, 500, fn, arg));
	return rc;
}

enum pc_rc
renewal_ra_get(const struct pc_env *e, const char *id, struct store_renewal *r,
    char **identity, struct pc_err *err)
{
	json_t *j = NULL;
	enum pc_rc rc;

	*identity = NULL;
	STORE_ONE(rc, e->store, store_renewal_get(db, id, r));
	if (rc == PC_ENOTFOUND)
		return pc_fail(err, rc, PCE_RENEWAL_NOT_FOUND, NULL);
	if (rc != PC_OK)
		return rc;
	if (renewal_accepted_identity(e, r->user_id, &j) == PC_OK)
		*identity = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(j);
	return PC_OK;
}

enum pc_rc
renewal_ra_photo(const struct pc_env *e, const char *id, struct buf *out,
    char ctype[32], struct pc_err *err)
{
	struct store_renewal r;
	char path[600];
	enum pc_rc rc;

	memset(&r, 0, sizeof(r));
	STORE_ONE(rc, e->store, store_renewal_get(db, id, &r));
	if (rc == PC_OK && r.photo_type[0] == '\0')
		rc = PC_ENOTFOUND;
	if (rc == PC_ENOTFOUND)
		rc = pc_fail(err, rc, PCE_RENEWAL_NOT_FOUND, NULL);
	renewal_photo_path(e, id, path, sizeof(path));
	if (rc == PC_OK)
		rc = vault_read_hex(e->vault, path, r.photo_key, out);
	if (rc == PC_OK)
		snprintf(ctype, 32, "%s", r.photo_type);
	store_renewal_cleanup(&r);
	return rc;
}

/* An e-mail to the request's holder, in db's transaction. */
enum pc_rc
renewal_tell(const struct pc_env *e, struct db *db,
    const struct store_renewal *r, const char *tmpl, const char *reason)
{
	struct store_user u;
	char who[300], link[600], date[32];
	json_t *vars;
	enum pc_rc rc;

	memset(&u, 0, sizeof(u));
	rc = store_user_get(db, r->user_id, &u);
	if (rc != PC_OK)
		return rc;
	snprintf(who, sizeof(who), "%s %s", u.given_name, u.surname);
	snprintf(link, sizeof(link), "%s/home", e->conf->server.public_url);
	clock_fmt_iso(r->old_not_after - RENEWAL_LEAD_S, date, sizeof(date));
	date[10] = '\0';
	vars = json_pack("{s:s,s:s,s:s,s:s}", "name", who, "date", date,
	    "reason", reason != NULL ? reason : "", "link", link);
	rc = vars != NULL ? notify_enqueue(db, NOTIFY_EMAIL, u.email, tmpl,
	                        u.lang, vars, NULL)
	                  : PC_ENOMEM;
	json_decref(vars);
	store_user_cleanup(&u);
	return rc;
}

enum pc_rc
renewal_ra_decide(const struct pc_env *e, const char *op, const char *id,
    bool approve, const char *reason, struct pc_err *err)
{
	struct store_renewal r;
	struct db *db = NULL;
	enum pc_rc rc;

	memset(&r, 0, sizeof(r));
	if (!approve && (reason == NULL || strlen(reason) < 3))
		return pc_fail(err, PC_EINVAL, PCE_FIELD_INVALID, "reason");
	rc = store_write_begin(e->store, &db);
	if (rc != PC_OK)
		return rc;
	rc = store_renewal_get(db, id, &r);
	if (rc == PC_ENOTFOUND)
		rc = pc_fail(err, rc, PCE_RENEWAL_NOT_FOUND, NULL);
	if (rc == PC_OK)
		rc = store_renewal_move(db, id, RENEWAL_SUBMITTED,
		    approve ? RENEWAL_APPROVED : RENEWAL_REJECTED, NULL,
		    approve ? NULL : reason, op, NULL, clock_now());
	if (rc == PC_ESTATE)
		rc = pc_fail(err, PC_ESTATE, PCE_RENEWAL_STATE, NULL);
	if (rc == PC_OK)
		rc = store_audit_printf(db, op,
		    approve ? "renewal.approve" : "renewal.reject",
		    "renewal=%s user=%s", id, r.user_id);
	if (rc == PC_OK)
		rc = renewal_tell(e, db, &r,
		    approve ? "renewal_approved" : "renewal_rejected", reason);
	rc = store_write_end(e->store, db, rc);
	store_renewal_cleanup(&r);
	return rc;
}
