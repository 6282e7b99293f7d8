/*
 * store_crl.c: the CRLs each CA published, and their numbers.
 *
 * CRL numbers come from the counter "crl_number:<issuer serial>", so two
 * writers never get the same number and a number is never reused; a
 * number taken in a transaction that rolls back is given again.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "base/log.h"
#include "base/pc.h"
#include "store/store.h"
#include "store/store_int.h"

static bool
issuer_ok(const char *s)
{
	size_t n;

	n = s != NULL ? strlen(s) : 0;
	return n > 0 && n <= STORE_SERIAL_MAX;
}

/*
 * The next CRL number of issuer_serial (1, 2, ...), in the caller's
 * transaction when one is open.
 */
enum pc_rc
store_crl_next_number(struct db *db, const char *issuer_serial, int64_t *number)
{
	char name[sizeof("crl_number:") + STORE_SERIAL_MAX];
	struct db_stmt *st = NULL;
	enum pc_rc rc;
	int64_t n = 0, max = 0;
	bool owned = false, row;

	RETURN_VAL_IF_FAIL(db != NULL && number != NULL, PC_EINTERNAL);
	*number = 0;
	if (!issuer_ok(issuer_serial)) {
		rc = PC_EINVAL;
		goto out;
	}
	snprintf(name, sizeof(name), "crl_number:%s", issuer_serial);
	rc = store_tx_begin(db, &owned);
	if (rc != PC_OK)
		goto out;
	rc = store_counter_next(db, name, &n);
	if (rc != PC_OK)
		goto out;
	/* Never below a CRL already stored (e.g. imported). */
	rc = db_prepare(db,
	    "SELECT COALESCE(MAX(number), 0) FROM crls "
	    "WHERE issuer = $1",
	    &st);
	if (rc != PC_OK)
		goto out;
	rc = db_bind_text(st, 1, issuer_serial);
	if (rc == PC_OK)
		rc = db_step(st, &row);
	if (rc != PC_OK)
		goto out;
	max = row ? db_col_i64(st, 0) : 0;
	db_stmt_free(st);
	st = NULL;
	if (n <= max) {
		n = max + 1;
		rc = db_prepare(db,
		    "UPDATE counters SET value = $2 "
		    "WHERE name = $1",
		    &st);
		if (rc != PC_OK)
			goto out;
		rc = db_bind_text(st, 1, name);
		if (rc == PC_OK)
			rc = db_bind_i64(st, 2, n);
		if (rc == PC_OK)
			rc = db_step(st, &row);
		if (rc != PC_OK)
			goto out;
	}
	*number = n;
out:
	db_stmt_free(st);
	rc = store_tx_end(db, owned, rc);
	if (rc != PC_OK)
		*number = 0;
	return rc;
}

/*
 * Store a CRL (everything copied). PC_EEXIST when the issuer already has
 * this number, PC_ESTATE when it has a higher one.
 */
enum pc_rc
store_crl_put(struct db *db, const struct store_crl *crl)
{
	struct db_stmt *st = NULL;
	enum pc_rc rc;
	bool owned = false, row;

	RETURN_VAL_IF_FAIL(db != NULL && crl != NULL, PC_EINTERNAL);
	RETURN_VAL_IF_FAIL(crl->der != NULL || crl->der_len == 0, PC_EINTERNAL);
	if (!issuer_ok(crl->issuer) || crl->number < 1) {
		rc = PC_EINVAL;
		goto out;
	}
	rc = store_tx_begin(db, &owned);
	if (rc != PC_OK)
		goto out;
	rc = db_prepare(db,
	    "SELECT COALESCE(MAX(number), 0) FROM crls "
	    "WHERE issuer = $1",
	    &st);
	if (rc != PC_OK)
		goto out;
	rc = db_bind_text(st, 1, crl->issuer);
	if (rc == PC_OK)
		rc = db_step(st, &row);
	if (rc != PC_OK)
		goto out;
	if (row && db_col_i64(st, 0) > crl->number) {
		rc = PC_ESTATE;
		goto out;
	}
	db_stmt_free(st);
	st = NULL;
	rc = db_prepare(db,
	    "INSERT INTO crls (issuer, number, this_update, "
	    "next_update, der, created_at) VALUES ($1, $2, $3, $4, $5, $6) "
	    "ON CONFLICT (issuer, number) DO NOTHING",
	    &st);
	if (rc != PC_OK)
		goto out;
	rc = db_bind_text(st, 1, crl->issuer);
	if (rc == PC_OK)
		rc = db_bind_i64(st, 2, crl->number);
	if (rc == PC_OK)
		rc = db_bind_i64(st, 3, crl->this_update);
	if (rc == PC_OK)
		rc = db_bind_i64(st, 4, crl->next_update);
	if (rc == PC_OK)
		rc = db_bind_blob(st, 5, crl->der, crl->der_len);
	if (rc == PC_OK)
		rc = db_bind_i64(st, 6, clock_now());
	if (rc == PC_OK)
		rc = db_step(st, &row);
	if (rc != PC_OK)
		goto out;
	if (db_changes(st) == 0)
		rc = PC_EEXIST;
out:
	db_stmt_free(st);
	return store_tx_end(db, owned, rc);
}

/*
 * The CRL of issuer_serial with the highest number. OUT: *crl, free with
 * store_crl_cleanup. PC_ENOTFOUND when none.
 */
enum pc_rc
store_crl_latest(
    struct db *db, const char *issuer_serial, struct store_crl *crl)
{
	struct db_stmt *st = NULL;
	const uint8_t *der;
	const char *iss;
	enum pc_rc rc;
	size_t n = 0;
	bool row;

	RETURN_VAL_IF_FAIL(db != NULL && crl != NULL, PC_EINTERNAL);
	memset(crl, 0, sizeof(*crl));
	if (!issuer_ok(issuer_serial)) {
		rc = PC_EINVAL;
		goto out;
	}
	rc = db_prepare(db,
	    "SELECT issuer, number, this_update, next_update, "
	    "der FROM crls WHERE issuer = $1 ORDER BY number DESC LIMIT 1",
	    &st);
	if (rc != PC_OK)
		goto out;
	rc = db_bind_text(st, 1, issuer_serial);
	if (rc == PC_OK)
		rc = db_step(st, &row);
	if (rc != PC_OK)
		goto out;
	if (!row) {
		rc = PC_ENOTFOUND;
		goto out;
	}
	iss = db_col_text(st, 0);
	n = iss != NULL ? strlen(iss) : 0;
	if (n > STORE_SERIAL_MAX) {
		rc = PC_EDB;
		goto out;
	}
	memcpy(crl->issuer, iss != NULL ? iss : "", n + 1);
	crl->number = db_col_i64(st, 1);
	crl->this_update = db_col_i64(st, 2);
	crl->next_update = db_col_i64(st, 3);
	der = db_col_blob(st, 4, &n);
	crl->der = malloc(n > 0 ? n : 1);
	if (crl->der == NULL) {
		rc = PC_ENOMEM;
		goto out;
	}
	if (n > 0)
		memcpy(crl->der, der, n);
	crl->der_len = n;
out:
	db_stmt_free(st);
	if (rc != PC_OK)
		store_crl_cleanup(crl);
	return rc;
}

/* Free what store_crl_latest filled and zero crl. */
void
store_crl_cleanup(struct store_crl *crl)
{
	if (crl == NULL)
		return;
	free(crl->der);
	memset(crl, 0, sizeof(*crl));
}
