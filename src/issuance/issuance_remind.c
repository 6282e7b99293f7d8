/*
 * issuance_remind.c: the expiry reminders of certificates (the job sends
 * each reminder once per threshold); see issuance.h.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "base/clock.h"
#include "base/log.h"
#include "base/rnd.h"
#include "base/secret.h"
#include "issuance/issuance.h"
#include "issuance/issuance_int.h"
#include "legal/legal.h"
#include "notify/notify.h"
#include "pki/pki.h"
#include "ra/ra.h"
#include "shop/shop.h"
#include "signer/signer.h"
#include "signing/documents.h"
#include "signing/signing.h"
#include "store/store_account.h"
#include "store/store_documents.h"
#include "vault/vault.h"

struct due {
	struct store_expiring x[64];
	size_t n;
};

static enum pc_rc
due_one(void *arg, const struct store_expiring *x)
{
	struct due *d = arg;

	if (d->n < PC_ARRAY_LEN(d->x))
		d->x[d->n++] = *x;
	return PC_OK;
}

static enum pc_rc
remind_one(const struct pc_env *e, const struct store_expiring *x, int64_t days,
    bool *sent)
{
	struct store_user u;
	struct db *db = NULL;
	char who[300], link[600], date[32], ndays[16];
	json_t *vars = NULL;
	enum pc_rc rc;

	*sent = false;
	memset(&u, 0, sizeof(u));
	rc = store_write_begin(e->store, &db);
	if (rc != PC_OK)
		return rc;
	rc = store_reminder_add(db, x->serial, days, clock_now());
	if (rc == PC_EEXIST) {
		store_write_end(e->store, db, PC_OK);
		return PC_OK;
	}
	if (rc == PC_OK)
		rc = store_user_get(db, x->user_id, &u);
	if (rc == PC_OK) {
		snprintf(who, sizeof(who), "%s %s", u.given_name, u.surname);
		snprintf(
		    link, sizeof(link), "%s/home", e->conf->server.public_url);
		clock_fmt_iso(x->not_after, date, sizeof(date));
		date[10] = '\0'; /* the day */
		snprintf(ndays, sizeof(ndays), "%lld", (long long)days);
		vars = json_pack("{s:s,s:s,s:s,s:s,s:s}", "name", who, "serial",
		    x->serial, "link", link, "date", date, "days", ndays);
		rc = vars != NULL ? notify_enqueue(db, NOTIFY_EMAIL, u.email,
		                        "cert_expiring", u.lang, vars, NULL)
		                  : PC_ENOMEM;
	}
	rc = store_write_end(e->store, db, rc);
	*sent = rc == PC_OK;
	json_decref(vars);
	store_user_cleanup(&u);
	return rc;
}

enum pc_rc
issuance_remind(const struct pc_env *e, int64_t *sent)
{
	int64_t first = e->conf->lifecycle.remind_first_days;
	int64_t second = e->conf->lifecycle.remind_second_days;
	int64_t now = clock_now(), near, far;
	struct due *d;
	size_t i;
	bool one;
	enum pc_rc rc;

	*sent = 0;
	near = first < second ? first : second;
	far = first < second ? second : first;
	d = calloc(1, sizeof(*d));
	if (d == NULL)
		return PC_ENOMEM;
	STORE_ONE(rc, e->store,
	    store_credential_expiring(db, now, now + far * 86400,
	        (int64_t)PC_ARRAY_LEN(d->x), due_one, d));
	for (i = 0; rc == PC_OK && i < d->n; i++) {
		/* The nearest lead reached is the one to send. */
		int64_t days =
		    d->x[i].not_after - now <= near * 86400 ? near : far;

		rc = remind_one(e, &d->x[i], days, &one);
		if (rc == PC_OK && one)
			(*sent)++;
	}
	free(d);
	return rc;
}
