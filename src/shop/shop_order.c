/*
 * shop_order.c: the order flows: quote, create, pay, cancel, provider
 * notifications (paid → invoice number, e-mails), refunds.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "base/clock.h"
#include "base/log.h"
#include "base/text.h"
#include "legal/legal.h"
#include "base/rnd.h"
#include "shop/pay.h"
#include "shop/shop.h"
#include "store/store_account.h"

#define FIELD_MAX 200

static enum pc_rc
fail(struct pc_err *err, enum pc_ecode code, const char *field)
{
	return pc_fail(err, PC_EINVAL, code, field);
}

enum pc_rc
shop_quote_make(const struct pc_env *e, const char *package, const char *promo,
    struct shop_quote *q, struct pc_err *err)
{
	const struct conf *conf = e->conf;
	struct store *s = e->store;
	struct store_package p = { 0 };
	struct store_promo pr = { 0 };
	struct db *db = NULL;
	enum pc_ecode code = PCE_NONE;
	enum pc_rc rc;

	memset(q, 0, sizeof(*q));
	if (package == NULL || strlen(package) > STORE_CODE_MAX)
		return fail(err, PCE_PACKAGE_UNKNOWN, "package");
	if (promo != NULL && strlen(promo) > STORE_CODE_MAX)
		return fail(err, PCE_PROMO_INVALID, "promo");
	rc = store_acquire(s, &db);
	if (rc != PC_OK)
		return rc;
	rc = store_shop_package_get(db, package, &p);
	if (rc == PC_ENOTFOUND || (rc == PC_OK && !p.active)) {
		rc = fail(err, PCE_PACKAGE_UNKNOWN, "package");
		goto out;
	}
	if (rc != PC_OK)
		goto out;
	snprintf(q->package, sizeof(q->package), "%s", p.code);
	q->list_cents = p.net_cents;
	if (promo != NULL && promo[0] != '\0') {
		rc = store_shop_promo_get(db, promo, &pr);
		if (rc == PC_ENOTFOUND) {
			rc = fail(err, PCE_PROMO_INVALID, "promo");
			goto out;
		}
		if (rc != PC_OK)
			goto out;
		rc = shop_promo_apply(&pr, p.code, p.net_cents, clock_now(),
		    &q->discount_cents, &code);
		if (rc != PC_OK) {
			if (code != PCE_NONE)
				rc = fail(err, code, "promo");
			goto out;
		}
		snprintf(q->promo, sizeof(q->promo), "%s", pr.code);
	}
	store_release(s, db);
	db = NULL;
	q->net_cents = q->list_cents - q->discount_cents;
	q->vat_bp = conf->shop.vat_bp;
	rc = shop_vat(q->net_cents, q->vat_bp, &q->vat_cents);
	if (rc != PC_OK)
		goto out;
	q->total_cents = q->net_cents + q->vat_cents;
	rc = shop_rate_today(e, &q->rate);
	if (rc != PC_OK)
		goto out;
	rc = shop_ron(q->total_cents, q->rate.rate_e4, &q->total_bani);
out:
	if (db != NULL)
		store_release(s, db);
	store_package_cleanup(&p);
	store_promo_cleanup(&pr);
	return rc;
}

static bool
text_ok(const char *v, bool required)
{
	size_t n, i;

	if (v == NULL || v[0] == '\0')
		return !required;
	n = strlen(v);
	if (n > FIELD_MAX)
		return false;
	for (i = 0; i < n; i++)
		if ((unsigned char)v[i] < 0x20 || v[i] == 0x7f)
			return false;
	return true;
}

static bool
postal_ok(const char *v)
{
	size_t i;

	if (v == NULL || strlen(v) != 6)
		return false;
	for (i = 0; i < 6; i++)
		if (!isdigit((unsigned char)v[i]))
			return false;
	return true;
}

/*
 * Check and normalise the invoice data; the normalised name goes to name
 * (TEXT_ORG_MAX_BYTES) and v->name points at it.
 */
static enum pc_rc
invoice_check(struct shop_invoice_req *v, char *name, struct pc_err *err)
{
	static const char *const req[] = { "name", "county", "town", "street",
		"number" };
	const char *const vals[] = { v->name, v->county, v->town, v->street,
		v->number };
	size_t i;

	if (v->type == NULL ||
	    (strcmp(v->type, "person") != 0 && strcmp(v->type, "company") != 0))
		return fail(err, PCE_INVOICE_INVALID, "invoice");
	v->company = strcmp(v->type, "company") == 0;
	/* A person's name follows the account's name rule; a company's
	 * allows digits and punctuation. Never emoji, links or markup. */
	if (v->name == NULL ||
	    (v->company ? text_org_normalize(v->name, name, TEXT_ORG_MAX_BYTES)
	                : text_name_normalize(
	                      v->name, name, TEXT_ORG_MAX_BYTES)) != PC_OK)
		return pc_fail(err, PC_EINVAL, PCE_NAME_INVALID, "name");
	v->name = name;
	if (v->company && !shop_cui_valid(v->cui))
		return fail(err, PCE_CUI_INVALID, "cui");
	for (i = 0; i < PC_ARRAY_LEN(req); i++)
		if (!text_ok(vals[i], true))
			return fail(err, PCE_INVOICE_INVALID, req[i]);
	if (!text_ok(v->building, false))
		return fail(err, PCE_INVOICE_INVALID, "building");
	if (!text_ok(v->entrance, false))
		return fail(err, PCE_INVOICE_INVALID, "entrance");
	if (!text_ok(v->apartment, false))
		return fail(err, PCE_INVOICE_INVALID, "apartment");
	if (!text_ok(v->reg_no, false))
		return fail(err, PCE_INVOICE_INVALID, "reg_no");
	if (!postal_ok(v->postal_code))
		return fail(err, PCE_POSTAL_CODE_INVALID, "postal_code");
	return PC_OK;
}

static json_t *
invoice_json(const struct shop_invoice_req *v)
{
	json_t *o;
	const char *cui = v->cui;

	o = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s}", "type",
	    v->company ? "company" : "person", "name", v->name, "county",
	    v->county, "town", v->town, "street", v->street, "number",
	    v->number, "building", v->building != NULL ? v->building : "",
	    "entrance", v->entrance != NULL ? v->entrance : "", "apartment",
	    v->apartment != NULL ? v->apartment : "", "postal_code",
	    v->postal_code, "country", "RO");
	if (o != NULL && v->company) {
		json_object_set_new(o, "cui", json_string(cui));
		json_object_set_new(o, "reg_no",
		    json_string(v->reg_no != NULL ? v->reg_no : ""));
	}
	return o;
}

static int
utc_year(int64_t t)
{
	struct tm tm;
	time_t tt = (time_t)t;

	gmtime_r(&tt, &tm);
	return tm.tm_year + 1900;
}

enum pc_rc
shop_order_create(const struct pc_env *e, const char *user_id,
    const struct shop_order_req *q, char id[STORE_ORDER_ID_LEN + 1],
    struct pc_err *err)
{
	struct store *s = e->store;
	struct shop_invoice_req inv_req;
	char inv_name[TEXT_ORG_MAX_BYTES];
	struct shop_quote qt;
	struct store_order o;
	struct store_promo pr = { 0 };
	struct db *db = NULL;
	char name[48];
	json_t *inv = NULL;
	int64_t now = clock_now(), seq;
	enum pc_rc rc;

	if (!q->accept_terms)
		return fail(err, PCE_TERMS_REQUIRED, "accept_terms");
	if (!q->accept_conditions)
		return fail(err, PCE_TERMS_REQUIRED, "accept_conditions");
	if (!q->accept_withdrawal)
		return fail(err, PCE_TERMS_REQUIRED, "accept_withdrawal");
	inv_req = q->inv;
	rc = invoice_check(&inv_req, inv_name, err);
	if (rc != PC_OK)
		return rc;
	rc = shop_quote_make(e, q->package, q->promo, &qt, err);
	if (rc != PC_OK)
		return rc;
	memset(&o, 0, sizeof(o));
	rc = rnd_hex(STORE_ORDER_ID_LEN / 2, o.id);
	if (rc != PC_OK)
		return rc;
	inv = invoice_json(&inv_req);
	o.invoice_data = inv != NULL ? json_dumps(inv, JSON_COMPACT) : NULL;
	json_decref(inv);
	if (o.invoice_data == NULL)
		return PC_ENOMEM;
	snprintf(o.user_id, sizeof(o.user_id), "%s", user_id);
	snprintf(o.state, sizeof(o.state), "%s", shop_state_name(SHOP_CREATED));
	snprintf(o.package, sizeof(o.package), "%s", qt.package);
	snprintf(o.promo, sizeof(o.promo), "%s", qt.promo);
	o.list_cents = qt.list_cents;
	o.discount_cents = qt.discount_cents;
	o.net_cents = qt.net_cents;
	o.vat_bp = qt.vat_bp;
	o.vat_cents = qt.vat_cents;
	o.total_cents = qt.total_cents;
	o.rate_e4 = qt.rate.rate_e4;
	snprintf(o.rate_day, sizeof(o.rate_day), "%s", qt.rate.day);
	o.rate_fallback = qt.rate.fallback;
	o.total_bani = qt.total_bani;
	o.accepted_at = now;
	o.marketing = q->marketing;
	o.created_at = now;
	rc = store_acquire(s, &db);
	if (rc != PC_OK)
		goto out;
	rc = db_begin(db);
	if (rc != PC_OK)
		goto out;
	/* Refuse an exhausted code now (its use is counted when paid). */
	if (o.promo[0] != '\0') {
		rc = store_shop_promo_get(db, o.promo, &pr);
		if (rc == PC_OK && pr.max_uses > 0 && pr.used >= pr.max_uses)
			rc = fail(err, PCE_PROMO_EXHAUSTED, "promo");
		if (rc != PC_OK)
			goto tx;
	}
	snprintf(name, sizeof(name), "order:%d", utc_year(now));
	rc = store_counter_next(db, name, &seq);
	if (rc != PC_OK)
		goto tx;
	snprintf(o.number, sizeof(o.number), "PC-%d-%06lld", utc_year(now),
	    (long long)seq);
	rc = store_shop_order_insert(db, &o);
	if (rc == PC_OK)
		rc = store_audit_append(
		    db, user_id, "shop.order.create", o.number);
	/* The optional marketing consent is a consent like the others
	 * (version, time, IP), visible in the account's settings. */
	if (rc == PC_OK && q->marketing)
		rc = store_consent_insert(db, user_id, "marketing",
		    SHOP_MARKETING_CONSENT_VERSION, now, q->ip);
	/* The terms and the conditions of sale accepted, with the versions
	 * shown (data/legal): what the e-mailed PDFs are. */
	if (rc == PC_OK)
		rc = store_consent_insert(db, user_id, "terms",
		    legal_version(e->conf, LEGAL_TERMS), now, q->ip);
	if (rc == PC_OK)
		rc = store_consent_insert(db, user_id, "shop_conditions",
		    legal_version(e->conf, LEGAL_SHOP), now, q->ip);
tx:
	rc = rc == PC_OK ? db_commit(db) : (db_rollback(db), rc);
	if (rc == PC_OK) {
		memcpy(id, o.id, sizeof(o.id));
		log_info("shop: order %s (%s) created, %s%s", o.number, o.id,
		    o.package, o.rate_fallback ? ", fallback rate" : "");
	}
out:
	if (db != NULL)
		store_release(s, db);
	store_promo_cleanup(&pr);
	free(o.invoice_data);
	return rc;
}

enum pc_rc
shop_order_get(const struct pc_env *e, const char *user_id, const char *id,
    struct store_order *o)
{
	struct store *s = e->store;
	enum pc_rc rc;

	memset(o, 0, sizeof(*o));
	if (id == NULL || strlen(id) > STORE_ORDER_ID_LEN)
		return PC_ENOTFOUND;
	STORE_ONE(rc, s, store_shop_order_get(db, id, o));
	if (rc == PC_OK && user_id != NULL &&
	    strcmp(o->user_id, user_id) != 0) {
		store_order_cleanup(o);
		rc = PC_ENOTFOUND;
	}
	return rc;
}

enum pc_rc
shop_order_pay(const struct pc_env *e, const char *user_id, const char *id,
    char *url, size_t urllen, struct pc_err *err)
{
	const struct conf *conf = e->conf;
	struct store *s = e->store;
	const struct pay_provider *pv;
	struct store_order o;
	struct db *db = NULL;
	enum shop_state st;
	enum pc_rc rc;

	pv = pay_provider_get(conf->shop.provider);
	if (pv == NULL)
		return PC_EINTERNAL;
	rc = shop_order_get(e, user_id, id, &o);
	if (rc == PC_ENOTFOUND) {
		err->code = PCE_ORDER_NOT_FOUND;
		return rc;
	}
	if (rc != PC_OK)
		return rc;
	rc = shop_state_parse(o.state, &st);
	if (rc != PC_OK)
		goto out;
	rc = store_acquire(s, &db);
	if (rc != PC_OK)
		goto out;
	rc = db_begin(db);
	if (rc == PC_OK) {
		char ref[32] = "start-";

		rc = shop_order_transition(db, o.id, st, SHOP_AWAITING_PAYMENT,
		    pv->name, NULL, 0, clock_now());
		/* The attempt starts: a refusal of an earlier one is no longer
		 * the order's last word (the return page waits for this one).
		 */
		if (rc == PC_OK)
			rc = rnd_hex(8, ref + 6);
		if (rc == PC_OK)
			rc = store_shop_payment_add(db, pv->name, ref,
			    PAY_STARTED, o.id, o.total_bani, "RON",
			    clock_now());
		rc = rc == PC_OK ? db_commit(db) : (db_rollback(db), rc);
	}
	if (rc == PC_ESTATE) {
		err->code = PCE_ORDER_STATE;
		goto out;
	}
	if (rc != PC_OK)
		goto out;
	rc = pv->start(conf, &o, url, urllen);
	if (rc != PC_OK) {
		err->code = PCE_PROVIDER_ERROR;
		rc = PC_EIO;
	}
out:
	if (db != NULL)
		store_release(s, db);
	store_order_cleanup(&o);
	return rc;
}

enum pc_rc
shop_order_cancel(const struct pc_env *e, const char *user_id, const char *id,
    struct pc_err *err)
{
	struct store *s = e->store;
	struct store_order o;
	struct db *db = NULL;
	enum shop_state st;
	enum pc_rc rc;

	rc = shop_order_get(e, user_id, id, &o);
	if (rc == PC_ENOTFOUND)
		err->code = PCE_ORDER_NOT_FOUND;
	if (rc != PC_OK)
		return rc;
	rc = shop_state_parse(o.state, &st);
	if (rc == PC_OK)
		rc = store_acquire(s, &db);
	if (rc == PC_OK)
		rc = db_begin(db);
	if (rc == PC_OK) {
		rc = shop_order_transition(
		    db, o.id, st, SHOP_CANCELLED, NULL, NULL, 0, clock_now());
		if (rc == PC_OK)
			rc = store_audit_append(
			    db, user_id, "shop.order.cancel", o.number);
		rc = rc == PC_OK ? db_commit(db) : (db_rollback(db), rc);
	}
	if (rc == PC_ESTATE)
		err->code = PCE_ORDER_STATE;
	if (db != NULL)
		store_release(s, db);
	store_order_cleanup(&o);
	return rc;
}

enum pc_rc
shop_notice_apply(const struct pc_env *e, const char *provider,
    const char *notice_order, const char *status, int64_t amount_bani,
    const char *currency, const char *ref, bool *dup, struct pc_err *err)
{
	const struct conf *conf = e->conf;
	struct store *s = e->store;
	struct store_order o;
	struct db *db = NULL;
	char name[32], detail[160], label[48];
	int64_t now = clock_now(), inv;
	bool have = false;
	enum pc_rc rc;

	*dup = false;
	memset(&o, 0, sizeof(o));
	rc = store_acquire(s, &db);
	if (rc != PC_OK)
		return rc;
	rc = db_begin(db);
	if (rc != PC_OK)
		goto out;
	rc = store_shop_order_get(db, notice_order, &o);
	if (rc == PC_ENOTFOUND) {
		log_warnx("shop: %s notification for unknown order refused",
		    provider);
		err->code = PCE_ORDER_NOT_FOUND;
		goto tx;
	}
	if (rc != PC_OK)
		goto tx;
	have = true;
	/* Only the provider the payment was started with may settle it:
	 * a sandbox notice never pays an order started with Netopia. */
	if (strcmp(o.provider, provider) != 0) {
		log_warnx("shop: %s notification for %s, started with \"%s\": "
		          "refused",
		    provider, o.number, o.provider);
		err->code = PCE_PROVIDER_MISMATCH;
		rc = PC_EINVAL;
		goto tx;
	}
	if (amount_bani != o.total_bani || strcmp(currency, "RON") != 0) {
		log_warnx("shop: %s notification for %s: amount %lld %s, "
		          "expected %lld RON: refused",
		    provider, o.number, (long long)amount_bani, currency,
		    (long long)o.total_bani);
		err->code = PCE_AMOUNT_MISMATCH;
		rc = PC_EINVAL;
		goto tx;
	}
	rc = store_shop_payment_add(
	    db, provider, ref, status, o.id, amount_bani, currency, now);
	if (rc == PC_EEXIST) {
		log_info("shop: %s notification %s/%s for %s again: ignored",
		    provider, ref, status, o.number);
		*dup = true;
		rc = PC_OK;
		goto tx;
	}
	if (rc != PC_OK)
		goto tx;
	if (strcmp(status, PAY_PAID) == 0) {
		rc = shop_order_transition(db, o.id, SHOP_AWAITING_PAYMENT,
		    SHOP_PAID, provider, ref, now, now);
		if (rc == PC_ESTATE) {
			/* Already paid by another notification: nothing to do.
			 */
			if (strcmp(o.state, "paid") == 0 ||
			    strcmp(o.state, "fulfilled") == 0) {
				log_info("shop: %s: %s already paid; "
				         "notification %s ignored",
				    provider, o.number, ref);
				*dup = true;
				rc = PC_OK;
				goto tx;
			}
			log_warnx("shop: %s notification for %s in state %s "
			          "refused",
			    provider, o.number, o.state);
			err->code = PCE_ORDER_STATE;
			goto tx;
		}
		if (rc != PC_OK)
			goto tx;
		snprintf(name, sizeof(name), "invoice:%d", utc_year(now));
		rc = store_counter_next(db, name, &inv);
		if (rc == PC_OK)
			rc = store_shop_invoice_insert(db, o.id,
			    conf->shop.invoice_series, utc_year(now), inv, now);
		if (rc == PC_OK && o.promo[0] != '\0') {
			rc = store_shop_promo_use(db, o.promo);
			if (rc == PC_ELIMIT) {
				/* Paid already: honour the price, log it. */
				log_warnx("shop: promo %s over its limit by %s",
				    o.promo, o.number);
				rc = PC_OK;
			}
		}
		/* The order as the e-mails show it: with its invoice. */
		snprintf(o.inv_series, sizeof(o.inv_series), "%s",
		    conf->shop.invoice_series);
		o.inv_year = utc_year(now);
		o.inv_number = inv;
		o.inv_issued_at = now;
		shop_invoice_label(
		    o.inv_series, o.inv_year, inv, label, sizeof(label));
		snprintf(detail, sizeof(detail), "order=%s invoice=%s",
		    o.number, label);
		if (rc == PC_OK)
			rc = store_audit_append(
			    db, provider, "shop.order.paid", detail);
		if (rc == PC_OK)
			rc = shop_order_mail_paid(conf, db, &o, now);
	} else if (strcmp(status, PAY_DECLINED) == 0) {
		enum shop_state st;

		rc = shop_state_parse(o.state, &st);
		if (rc == PC_OK)
			rc = shop_order_transition(db, o.id, st,
			    SHOP_AWAITING_PAYMENT, provider, ref, 0, now);
		if (rc == PC_ESTATE)
			err->code = PCE_ORDER_STATE;
		log_info(
		    "shop: %s: payment of %s declined", provider, o.number);
	} else if (strcmp(status, PAY_PENDING) == 0) {
		/* Not final (3-D Secure, review): recorded, nothing changes. */
		log_info("shop: %s: payment of %s pending", provider, o.number);
	} else if (strcmp(status, PAY_REFUNDED) == 0) {
		/* Refunded at the provider (e.g. from its console). */
		rc = shop_order_transition(
		    db, o.id, SHOP_PAID, SHOP_REFUNDED, provider, ref, 0, now);
		if (rc == PC_ESTATE && strcmp(o.state, "refunded") == 0) {
			*dup = true;
			rc = PC_OK;
			goto tx;
		}
		if (rc == PC_ESTATE)
			err->code = PCE_ORDER_STATE;
		snprintf(detail, sizeof(detail), "order=%s by=%s", o.number,
		    provider);
		if (rc == PC_OK)
			rc = store_audit_append(
			    db, provider, "shop.order.refunded", detail);
	} else {
		err->code = PCE_FIELD_INVALID;
		rc = PC_EINVAL;
	}
tx:
	rc = rc == PC_OK ? db_commit(db) : (db_rollback(db), rc);
out:
	if (rc == PC_OK && have && !*dup)
		log_info("shop: %s notification %s for %s applied", provider,
		    status, o.number);
	store_release(s, db);
	store_order_cleanup(&o);
	return rc;
}

enum pc_rc
shop_order_refund(const struct pc_env *e, const char *id, const char *reason,
    struct pc_err *err)
{
	const char *actor = e->actor != NULL ? e->actor : "-";
	const struct conf *conf = e->conf;
	struct store *s = e->store;
	const struct pay_provider *pv;
	struct store_order o;
	struct db *db = NULL;
	char detail[200];
	enum pc_rc rc;

	rc = shop_order_get(e, NULL, id, &o);
	if (rc == PC_ENOTFOUND)
		err->code = PCE_ORDER_NOT_FOUND;
	if (rc != PC_OK)
		return rc;
	if (strcmp(o.state, "paid") != 0) {
		err->code = PCE_ORDER_STATE;
		rc = PC_ESTATE;
		goto out;
	}
	pv = pay_provider_get(
	    o.provider[0] != '\0' ? o.provider : conf->shop.provider);
	if (pv == NULL) {
		rc = PC_EINTERNAL;
		goto out;
	}
	rc = pv->refund(conf, &o);
	if (rc != PC_OK) {
		err->code = PCE_PROVIDER_ERROR;
		rc = PC_EIO;
		goto out;
	}
	rc = store_acquire(s, &db);
	if (rc == PC_OK)
		rc = db_begin(db);
	if (rc == PC_OK) {
		rc = shop_order_transition(db, o.id, SHOP_PAID, SHOP_REFUNDED,
		    NULL, NULL, 0, clock_now());
		snprintf(detail, sizeof(detail), "order=%s reason=%.120s",
		    o.number, reason != NULL ? reason : "");
		if (rc == PC_OK)
			rc = store_audit_append(
			    db, actor, "shop.order.refund", detail);
		rc = rc == PC_OK ? db_commit(db) : (db_rollback(db), rc);
	}
	if (rc == PC_ESTATE)
		err->code = PCE_ORDER_STATE;
out:
	if (db != NULL)
		store_release(s, db);
	store_order_cleanup(&o);
	return rc;
}
