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
#include "store/store_row.h"

#define T struct store_crl
static const struct store_col crl_col[] = {
	STORE_COL(T, issuer, COL_TEXT, 0),
	STORE_COL(T, number, COL_I64, 0),
	STORE_COL(T, this_update, COL_I64, 0),
	STORE_COL(T, next_update, COL_I64, 0),
	STORE_BLOB(T, der, der_len, 0),
};
static const struct store_cols crl_cols =
    STORE_COLS(T, "crls", NULL, NULL, crl_col);
#undef T

static bool
issuer_ok(const char *s)
{
	size_t n;

	n = s != NULL ? strlen(s) : 0;
	return n > 0 && n <= STORE_SERIAL_MAX;
}

/* The highest CRL number stored for issuer (0 when none). */
static enum pc_rc
crl_max_number(struct db *db, const char *issuer, int64_t *max)
{
	return store_q_i64(db, max,
	    "SELECT COALESCE(MAX(number), 0) FROM crls WHERE issuer = $1", "s",
	    issuer);
}

/*
 * The next CRL number of issuer_serial (1, 2, ...), in the caller's
 * transaction when one is open.
 */
enum pc_rc
store_crl_next_number(struct db *db, const char *issuer_serial, int64_t *number)
{
	char name[sizeof("crl_number:") + STORE_SERIAL_MAX];
	enum pc_rc rc;
	int64_t n = 0, max = 0;
	bool owned = false;

	RETURN_VAL_IF_FAIL(db != NULL && number != NULL, PC_EINTERNAL);
	*number = 0;
	if (!issuer_ok(issuer_serial))
		return PC_EINVAL;
	snprintf(name, sizeof(name), "crl_number:%s", issuer_serial);
	rc = store_tx_begin(db, &owned);
	if (rc != PC_OK)
		return rc;
	rc = store_counter_next(db, name, &n);
	/* Never below a CRL already stored (e.g. imported). */
	if (rc == PC_OK)
		rc = crl_max_number(db, issuer_serial, &max);
	if (rc == PC_OK && n <= max) {
		n = max + 1;
		rc = store_q_run(db, NULL,
		    "UPDATE counters SET value = $2 WHERE name = $1", "si",
		    name, n);
	}
	rc = store_tx_end(db, owned, rc);
	if (rc == PC_OK)
		*number = n;
	return rc;
}

/*
 * Store a CRL (everything copied). PC_EEXIST when the issuer already has
 * this number, PC_ESTATE when it has a higher one.
 */
enum pc_rc
store_crl_put(struct db *db, const struct store_crl *crl)
{
	enum pc_rc rc;
	int64_t max = 0;
	bool owned = false;

	RETURN_VAL_IF_FAIL(db != NULL && crl != NULL, PC_EINTERNAL);
	RETURN_VAL_IF_FAIL(crl->der != NULL || crl->der_len == 0, PC_EINTERNAL);
	if (!issuer_ok(crl->issuer) || crl->number < 1)
		return PC_EINVAL;
	rc = store_tx_begin(db, &owned);
	if (rc != PC_OK)
		return rc;
	rc = crl_max_number(db, crl->issuer, &max);
	if (rc == PC_OK && max > crl->number)
		rc = PC_ESTATE;
	if (rc == PC_OK)
		rc = store_q_change(db, PC_EEXIST,
		    "INSERT INTO crls (issuer, number, this_update, "
		    "next_update, der, created_at) "
		    "VALUES ($1, $2, $3, $4, $5, $6) "
		    "ON CONFLICT (issuer, number) DO NOTHING",
		    "siiibi", crl->issuer, crl->number, crl->this_update,
		    crl->next_update,
		    crl->der != NULL ? (const void *)crl->der : "",
		    crl->der_len, clock_now());
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
	RETURN_VAL_IF_FAIL(db != NULL && crl != NULL, PC_EINTERNAL);
	memset(crl, 0, sizeof(*crl));
	if (!issuer_ok(issuer_serial))
		return PC_EINVAL;
	return store_row_get(db, &crl_cols, crl,
	    "WHERE issuer = $1 ORDER BY number DESC LIMIT 1", "s",
	    issuer_serial);
}

/* Free what store_crl_latest filled and zero crl. */
void
store_crl_cleanup(struct store_crl *crl)
{
	store_row_cleanup(&crl_cols, crl);
}
