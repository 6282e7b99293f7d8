/*
 * ra_case.c: the person's side of the identification: what the page
 * shows, starting a case, its steps, the SMS code typed during the
 * recording, the upload in pieces, and the submission (files finished
 * and hashed, the evidence manifest time-stamped, the case queued).
 *
 * No slow step runs inside a write transaction: files are written and
 * hashed, and the manifest stamped, between short transactions, each of
 * which re-checks the case's state by a conditional update.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "account/account.h"
#include "base/clock.h"
#include "base/log.h"
#include "base/rnd.h"
#include "notify/notify.h"
#include "pki/pki.h"
#include "ra/ra_int.h"
#include "store/store_renewal.h"
#include "store/store_shop.h"

/* ---- shared helpers (ra_int.h) ----------------------------------------- */

void
ra_case_dir(const struct pc_env *e, const char *id, char *out, size_t n)
{
	snprintf(out, n, "%s/idv/%s", e->conf->store.files_dir, id);
}

void
ra_file_path(const struct pc_env *e, const char *id, const char *kind,
    char *out, size_t n)
{
	snprintf(
	    out, n, "%s/idv/%s/%s.pcv", e->conf->store.files_dir, id, kind);
}

enum pc_rc
ra_own_case(struct db *db, const char *user_id, const char *id,
    struct store_idv_case *c)
{
	enum pc_rc rc;

	rc = store_idv_get(db, id, c);
	if (rc != PC_OK)
		return rc;
	/* Someone else's case does not exist, as far as this user knows. */
	if (strcmp(c->user_id, user_id) != 0) {
		store_idv_case_cleanup(c);
		return PC_ENOTFOUND;
	}
	return PC_OK;
}

enum pc_rc
ra_wip_from_row(const struct store_idv_file *f, struct vault_wip *w)
{
	struct str k = str_from(f->key_hex), s = str_from(f->state_hex);

	memset(w, 0, sizeof(*w));
	if (hex_decode(k, w->key, sizeof(w->key)) != PC_OK ||
	    hex_decode(s, w->state, sizeof(w->state)) != PC_OK)
		return PC_EDB;
	w->enc_len = f->enc_len;
	w->plain_len = f->plain_len;
	w->final = f->final;
	return PC_OK;
}

void
ra_wip_to_row(const struct vault_wip *w, struct store_idv_file *f)
{
	hex_encode(w->key, sizeof(w->key), f->key_hex);
	hex_encode(w->state, sizeof(w->state), f->state_hex);
	f->enc_len = w->enc_len;
	f->plain_len = w->plain_len;
	f->final = w->final;
}

static const struct {
	const char *kind;
	bool video;
} kinds[] = {
	{ RA_FILE_VIDEO, true },
	{ RA_FILE_DOC_FRONT, false },
	{ RA_FILE_DOC_TILT, false },
	{ RA_FILE_DOC_BACK, false },
	{ RA_FILE_FACE, false },
};

static int
kind_index(const char *kind)
{
	size_t i;

	for (i = 0; kind != NULL && i < PC_ARRAY_LEN(kinds); i++)
		if (strcmp(kinds[i].kind, kind) == 0)
			return (int)i;
	return -1;
}

bool
ra_kind_known(const char *kind)
{
	return kind_index(kind) >= 0;
}

bool
ra_ctype_ok(const char *kind, const char *ctype)
{
	static const char *const video[] = { "video/webm", "video/mp4" };
	static const char *const image[] = { "image/jpeg", "image/png",
		"image/webp" };
	int k = kind_index(kind);
	size_t i;

	if (k < 0 || ctype == NULL)
		return false;
	if (kinds[k].video) {
		for (i = 0; i < PC_ARRAY_LEN(video); i++)
			if (strcmp(ctype, video[i]) == 0)
				return true;
		return false;
	}
	for (i = 0; i < PC_ARRAY_LEN(image); i++)
		if (strcmp(ctype, image[i]) == 0)
			return true;
	return false;
}

int64_t
ra_kind_max(const struct pc_env *e, const char *kind)
{
	int k = kind_index(kind);

	if (k < 0)
		return 0;
	return kinds[k].video ? e->conf->ra.max_video_mb << 20
	                      : e->conf->ra.max_image_kb << 10;
}

char *
ra_link(const struct pc_env *e, const char *page)
{
	size_t n = strlen(e->conf->server.public_url) + strlen(page) + 2;
	char *s = malloc(n);

	if (s != NULL)
		snprintf(s, n, "%s/%s", e->conf->server.public_url, page);
	return s;
}

enum pc_rc
ra_mail(struct db *db, const struct store_idv_case *c, const char *tmpl,
    json_t *vars)
{
	struct store_user u;
	char name[512];
	enum pc_rc rc;

	rc = store_user_get(db, c->user_id, &u);
	if (rc != PC_OK)
		return rc;
	snprintf(name, sizeof(name), "%s %s", u.given_name, u.surname);
	rc = json_object_set_new(vars, "name", json_string(name)) == 0
	         ? notify_enqueue(
	               db, NOTIFY_EMAIL, u.email, tmpl, u.lang, vars, NULL)
	         : PC_ENOMEM;
	store_user_cleanup(&u);
	return rc;
}

/* ---- what the page shows ------------------------------------------------ */

struct newest {
	struct db *db;
	struct store_order *o;
	bool found;
};

static enum pc_rc
newest_paid(void *arg, const struct store_order *o)
{
	struct newest *n = arg;
	char *inv = NULL, *email = NULL;
	bool claimed = false;
	enum pc_rc rc;

	if (n->found)
		return PC_OK;
	/* A renewal's order (J10) is not identified for. */
	rc = store_renewal_order_claimed(n->db, o->id, &claimed);
	if (rc != PC_OK || claimed)
		return rc;
	/* Copy the row; its strings belong to the walk. */
	if (o->invoice_data != NULL && (inv = strdup(o->invoice_data)) == NULL)
		return PC_ENOMEM;
	if (o->email != NULL && (email = strdup(o->email)) == NULL) {
		free(inv);
		return PC_ENOMEM;
	}
	*n->o = *o;
	n->o->invoice_data = inv;
	n->o->email = email;
	n->found = true;
	return PC_OK;
}

/*
 * The order waiting for identification: the newest paid one that no
 * renewal request names.
 */
static enum pc_rc
order_waiting(struct db *db, const char *user_id, const char *order_id,
    struct store_order *o)
{
	struct store_order_filter f;
	struct newest n = { db, o, false };
	bool claimed = false;
	enum pc_rc rc;

	memset(o, 0, sizeof(*o));
	if (order_id != NULL && order_id[0] != '\0') {
		rc = store_shop_order_get(db, order_id, o);
		if (rc != PC_OK)
			return rc;
		rc = store_renewal_order_claimed(db, order_id, &claimed);
		if (rc == PC_OK &&
		    (claimed || strcmp(o->user_id, user_id) != 0 ||
		        strcmp(o->state, "paid") != 0))
			rc = PC_ENOTFOUND;
		if (rc != PC_OK)
			store_order_cleanup(o);
		return rc;
	}
	memset(&f, 0, sizeof(f));
	f.user_id = user_id;
	f.state = "paid";
	rc = store_shop_order_each(db, &f, newest_paid, &n);
	if (rc == PC_OK && !n.found)
		rc = PC_ENOTFOUND;
	return rc;
}

void
ra_status_cleanup(struct ra_status *s)
{
	store_order_cleanup(&s->order);
	store_idv_case_cleanup(&s->c);
}

enum pc_rc
ra_status(const struct pc_env *e, const char *user_id, struct ra_status *out)
{
	struct store_user u;
	struct db *db = NULL;
	const char *v;
	enum pc_rc rc;

	memset(out, 0, sizeof(*out));
	memset(&u, 0, sizeof(u));
	rc = store_acquire(e->store, &db);
	if (rc != PC_OK)
		return rc;
	rc = store_user_get(db, user_id, &u);
	if (rc != PC_OK)
		goto out;
	snprintf(out->account_phone, sizeof(out->account_phone), "%s", u.phone);
	snprintf(out->account_email, sizeof(out->account_email), "%s", u.email);
	v = acct_consent_version(e->conf, "privacy");
	snprintf(out->consent_version, sizeof(out->consent_version), "%s",
	    v != NULL ? v : "");
	rc = order_waiting(db, user_id, NULL, &out->order);
	if (rc == PC_ENOTFOUND) {
		rc = PC_OK;
		goto out;
	}
	if (rc != PC_OK)
		goto out;
	rc = store_idv_latest(db, out->order.id, &out->c);
	if (rc == PC_ENOTFOUND) {
		memset(&out->c, 0, sizeof(out->c));
		rc = PC_OK;
	}
	if (rc == PC_OK)
		rc = store_idv_count(
		    db, out->order.id, RA_REJECTED, &out->rejections);
	out->can_start = rc == PC_OK &&
	                 (out->c.id[0] == '\0' || ra_state_retry(out->c.state));
out:
	store_user_cleanup(&u);
	store_release(e->store, db);
	if (rc != PC_OK)
		ra_status_cleanup(out);
	return rc;
}

/* ---- starting a case ----------------------------------------------------- */

static enum pc_rc
start_check(const struct ra_start_req *r, struct pc_err *err)
{
	if (!ra_doc_known(r->doc_type))
		return pc_fail(
		    err, PC_EINVAL, PCE_DOC_TYPE_INVALID, "doc_type");
	if (!r->consent_privacy)
		return pc_fail(err, PC_EINVAL, PCE_IDV_CONSENT_REQUIRED,
		    "consent_privacy");
	if (!r->consent_biometric)
		return pc_fail(err, PC_EINVAL, PCE_IDV_CONSENT_REQUIRED,
		    "consent_biometric");
	if (!r->consent_images)
		return pc_fail(
		    err, PC_EINVAL, PCE_IDV_CONSENT_REQUIRED, "consent_images");
	if (!r->consent_recording)
		return pc_fail(err, PC_EINVAL, PCE_IDV_CONSENT_REQUIRED,
		    "consent_recording");
	if (r->phone != NULL && r->phone[0] != '\0' &&
	    !acct_phone_valid(r->phone))
		return pc_fail(err, PC_EINVAL, PCE_PHONE_INVALID, "phone");
	return PC_OK;
}

enum pc_rc
ra_start(const struct pc_env *e, const char *user_id,
    const struct ra_start_req *r, struct store_idv_case *c, struct pc_err *err)
{
	static const char *const consents[] = { RA_CONSENT_PRIVACY,
		RA_CONSENT_BIOMETRIC, RA_CONSENT_IMAGES, RA_CONSENT_RECORDING };
	struct store_order o;
	struct store_idv_case last;
	struct store_user u;
	struct db *db = NULL;
	const char *version, *phone;
	char *chal = NULL;
	int64_t now = clock_now();
	size_t i;
	enum pc_rc rc;

	memset(c, 0, sizeof(*c));
	memset(&o, 0, sizeof(o));
	memset(&last, 0, sizeof(last));
	memset(&u, 0, sizeof(u));
	rc = start_check(r, err);
	if (rc != PC_OK)
		return rc;
	rc = ra_challenges_new(&chal);
	if (rc != PC_OK)
		return rc;
	rc = store_write_begin(e->store, &db);
	if (rc != PC_OK)
		goto out;
	rc = store_user_get(db, user_id, &u);
	if (rc != PC_OK)
		goto out;
	rc = order_waiting(db, user_id, r->order_id, &o);
	if (rc == PC_ENOTFOUND) {
		rc = pc_fail(err, PC_ESTATE, PCE_IDV_NO_ORDER, "order_id");
		goto out;
	}
	if (rc != PC_OK)
		goto out;
	rc = store_idv_latest(db, o.id, &last);
	if (rc == PC_ENOTFOUND) {
		memset(&last, 0, sizeof(last));
		rc = PC_OK;
	}
	if (rc != PC_OK)
		goto out;
	if (last.id[0] != '\0' && !ra_state_retry(last.state)) {
		rc = pc_fail(err, PC_ESTATE, PCE_IDV_NOT_NOW, NULL);
		goto out;
	}
	/* A recording left half-way is abandoned: it starts over. */
	if (last.id[0] != '\0' && strcmp(last.state, RA_OPEN) == 0) {
		rc = store_idv_set_state(
		    db, last.id, RA_OPEN, RA_ABANDONED, now);
		if (rc == PC_OK)
			rc = store_idv_set_retain(db, last.id,
			    now + e->conf->ra.retention_open_days * 86400);
		if (rc != PC_OK)
			goto out;
	}
	phone = r->phone != NULL && r->phone[0] != '\0' ? r->phone : u.phone;
	rc = rnd_hex(STORE_ID_LEN / 2, c->id);
	if (rc != PC_OK)
		goto out;
	snprintf(c->user_id, sizeof(c->user_id), "%s", user_id);
	snprintf(c->order_id, sizeof(c->order_id), "%s", o.id);
	c->attempt = last.attempt + 1;
	snprintf(c->state, sizeof(c->state), "%s", RA_OPEN);
	snprintf(c->doc_type, sizeof(c->doc_type), "%s", r->doc_type);
	c->email = strdup(u.email);
	c->phone = strdup(phone);
	c->phone_changed = strcmp(phone, u.phone) != 0;
	c->challenges = chal;
	chal = NULL;
	c->steps = strdup("[]");
	snprintf(c->ip, sizeof(c->ip), "%s", e->ip != NULL ? e->ip : "");
	c->user_agent = strdup(r->user_agent != NULL ? r->user_agent : "");
	c->created_at = c->updated_at = now;
	if (c->email == NULL || c->phone == NULL || c->steps == NULL ||
	    c->user_agent == NULL) {
		rc = PC_ENOMEM;
		goto out;
	}
	rc = store_idv_insert(db, c);
	if (rc == PC_EEXIST)
		rc = PC_ESTATE; /* a parallel start took this attempt */
	/* The four agreements, each recorded with the privacy notice's
	 * version (it describes the identification). */
	version = acct_consent_version(e->conf, "privacy");
	for (i = 0; rc == PC_OK && i < PC_ARRAY_LEN(consents); i++)
		rc = store_consent_insert(db, user_id, consents[i],
		    version != NULL ? version : "", now, e->ip);
	if (rc == PC_OK)
		rc = store_audit_printf(db, user_id, "idv.started",
		    "case=%s order=%s attempt=%lld doc=%s", c->id, o.number,
		    (long long)c->attempt, c->doc_type);
out:
	rc = store_write_end(e->store, db, rc);
	if (rc == PC_ESTATE && err != NULL && err->code == PCE_NONE)
		pc_fail(err, rc, PCE_IDV_STATE, NULL);
	free(chal);
	store_order_cleanup(&o);
	store_idv_case_cleanup(&last);
	store_user_cleanup(&u);
	if (rc != PC_OK)
		store_idv_case_cleanup(c);
	return rc;
}
