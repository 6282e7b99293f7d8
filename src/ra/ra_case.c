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

/* An upload's hold on its file while one piece is written. */
#define RA_PIECE_HOLD_S 60

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

/* ---- steps ----------------------------------------------------------------
 */

/*
 * Where the recording stands: the plan, and k, the index in it of the
 * step started last (-1: none yet).
 */
static enum pc_rc
where(const struct store_idv_case *c, struct ra_plan *plan, json_t **steps,
    int *k)
{
	json_t *s;
	const char *name;
	size_t i, j;

	*k = -1;
	*steps = NULL;
	if (ra_plan(c->doc_type, c->challenges, plan) != PC_OK)
		return PC_EDB;
	*steps = json_loads(c->steps != NULL ? c->steps : "[]", 0, NULL);
	if (!json_is_array(*steps)) {
		json_decref(*steps);
		*steps = NULL;
		return PC_EDB;
	}
	json_array_foreach(*steps, i, s)
	{
		name = json_string_value(json_object_get(s, "step"));
		for (j = 0; name != NULL && j < plan->n; j++)
			if (strcmp(plan->step[j], name) == 0 && (int)j > *k)
				*k = (int)j;
	}
	return PC_OK;
}

/* The challenge of kind ("head", "number") in the case's JSON. */
static const char *
challenge(json_t *chal, const char *kind, const char *key)
{
	json_t *c;
	size_t i;

	json_array_foreach(chal, i, c)
	{
		if (strcmp(json_string_value(json_object_get(c, "kind"))
		               ? json_string_value(json_object_get(c, "kind"))
		               : "",
		        kind) == 0)
			return json_string_value(json_object_get(c, key));
	}
	return NULL;
}

/* Load an open case of user_id for a step (PC_ESTATE: not open). */
static enum pc_rc
open_case(const struct pc_env *e, const char *user_id, const char *id,
    struct store_idv_case *c, struct pc_err *err)
{
	struct db *db = NULL;
	enum pc_rc rc;

	memset(c, 0, sizeof(*c));
	rc = store_acquire(e->store, &db);
	if (rc != PC_OK)
		return rc;
	rc = ra_own_case(db, user_id, id, c);
	store_release(e->store, db);
	if (rc != PC_OK)
		return rc;
	if (strcmp(c->state, RA_OPEN) != 0) {
		store_idv_case_cleanup(c);
		return pc_fail(err, PC_ESTATE, PCE_IDV_STATE, NULL);
	}
	return PC_OK;
}

/* Write the recording-time members of c (still open). */
static enum pc_rc
save_open(
    const struct pc_env *e, const struct store_idv_case *c, struct pc_err *err)
{
	struct db *db = NULL;
	enum pc_rc rc;

	rc = store_write_begin(e->store, &db);
	if (rc == PC_OK)
		rc = store_idv_update_open(db, c, clock_now());
	rc = store_write_end(e->store, db, rc);
	if (rc == PC_ESTATE)
		pc_fail(err, rc, PCE_IDV_STATE, NULL);
	return rc;
}

static void
code_info(const struct acct_code_info *ci, bool sent, struct ra_step_info *out)
{
	int64_t left = ci->expires_at - clock_now();

	out->code_sent = sent;
	snprintf(out->to_masked, sizeof(out->to_masked), "%s", ci->to_masked);
	out->expires_in = left > 0 ? left : 0;
}

enum pc_rc
ra_step(const struct pc_env *e, const char *user_id, const char *id,
    const char *step, struct ra_step_info *out, struct pc_err *err)
{
	struct store_idv_case c;
	struct ra_plan plan;
	struct acct_code_info ci;
	json_t *steps = NULL, *chal = NULL;
	const char *v;
	char *text = NULL;
	bool sent = false;
	int k, want = -1;
	size_t j;
	enum pc_rc rc;

	memset(out, 0, sizeof(*out));
	rc = open_case(e, user_id, id, &c, err);
	if (rc != PC_OK)
		return rc;
	rc = where(&c, &plan, &steps, &k);
	if (rc != PC_OK)
		goto out;
	for (j = 0; step != NULL && j < plan.n; j++)
		if (strcmp(plan.step[j], step) == 0)
			want = (int)j;
	/* The current step again, or the next one. */
	if (want < 0 || want > k + 1 || (k >= 0 && want < k)) {
		rc = pc_fail(err, PC_ESTATE, PCE_IDV_STEP_ORDER, "step");
		goto out;
	}
	/* Past the SMS step only with the code typed. */
	if (want == k + 1 && k >= 0 && strcmp(plan.step[k], "sms_code") == 0 &&
	    c.sms_verified_at == 0) {
		rc = pc_fail(err, PC_ESTATE, PCE_IDV_SMS_NEEDED, "code");
		goto out;
	}
	snprintf(out->step, sizeof(out->step), "%s", plan.step[want]);
	chal = json_loads(c.challenges, 0, NULL);
	if (strcmp(out->step, "head_turn") == 0) {
		v = challenge(chal, "head", "direction");
		snprintf(out->direction, sizeof(out->direction), "%s",
		    v != NULL ? v : "left");
	} else if (strcmp(out->step, "read_number") == 0) {
		v = challenge(chal, "number", "value");
		snprintf(
		    out->number, sizeof(out->number), "%s", v != NULL ? v : "");
	} else if (strcmp(out->step, "sms_code") == 0 &&
	           c.sms_verified_at == 0) {
		/* The code goes out now, while the camera records. */
		rc = acct_otp_sms(e, user_id, RA_OTP_PURPOSE, c.phone,
		    "idv_sms", &ci, &sent, err);
		if (rc != PC_OK)
			goto out;
		code_info(&ci, sent, out);
	}
	if (json_array_append_new(
	        steps, json_pack("{s:s,s:I}", "step", out->step, "at",
	                   (json_int_t)clock_now())) != 0 ||
	    (text = json_dumps(steps, JSON_COMPACT)) == NULL) {
		rc = PC_ENOMEM;
		goto out;
	}
	free(c.steps);
	c.steps = text;
	rc = save_open(e, &c, err);
out:
	json_decref(steps);
	json_decref(chal);
	store_idv_case_cleanup(&c);
	return rc;
}

/* Is the recording at its SMS step (started, code not yet typed)? */
static bool
at_sms_step(const struct store_idv_case *c)
{
	struct ra_plan plan;
	json_t *steps = NULL;
	int k;
	bool at;

	if (where(c, &plan, &steps, &k) != PC_OK)
		return false;
	json_decref(steps);
	at = k >= 0 && strcmp(plan.step[k], "sms_code") == 0;
	return at && c->sms_verified_at == 0;
}

enum pc_rc
ra_phone(const struct pc_env *e, const char *user_id, const char *id,
    const char *phone, struct ra_step_info *out, struct pc_err *err)
{
	struct store_idv_case c;
	struct store_user u;
	struct acct_code_info ci;
	struct db *db = NULL;
	bool sent = false;
	enum pc_rc rc;

	memset(out, 0, sizeof(*out));
	memset(&u, 0, sizeof(u));
	if (phone == NULL || !acct_phone_valid(phone))
		return pc_fail(err, PC_EINVAL, PCE_PHONE_INVALID, "phone");
	rc = open_case(e, user_id, id, &c, err);
	if (rc != PC_OK)
		return rc;
	if (!at_sms_step(&c)) {
		rc = pc_fail(err, PC_ESTATE, PCE_IDV_STEP_ORDER, "step");
		goto out;
	}
	rc = store_acquire(e->store, &db);
	if (rc == PC_OK)
		rc = store_user_get(db, user_id, &u);
	store_release(e->store, db);
	if (rc != PC_OK)
		goto out;
	free(c.phone);
	c.phone = strdup(phone);
	if (c.phone == NULL) {
		rc = PC_ENOMEM;
		goto out;
	}
	/* Remembered for the issuance step: keep or take the new number. */
	c.phone_changed = strcmp(phone, u.phone) != 0;
	rc = save_open(e, &c, err);
	if (rc == PC_OK)
		rc = acct_otp_sms(e, user_id, RA_OTP_PURPOSE, phone, "idv_sms",
		    &ci, &sent, err);
	if (rc == PC_OK) {
		snprintf(out->step, sizeof(out->step), "sms_code");
		code_info(&ci, sent, out);
	}
out:
	store_user_cleanup(&u);
	store_idv_case_cleanup(&c);
	return rc;
}

enum pc_rc
ra_sms_check(const struct pc_env *e, const char *user_id, const char *id,
    const char *code, struct pc_err *err)
{
	struct store_idv_case c;
	enum pc_rc rc, crc;

	rc = open_case(e, user_id, id, &c, err);
	if (rc != PC_OK)
		return rc;
	if (!at_sms_step(&c)) {
		rc = pc_fail(err, PC_ESTATE, PCE_IDV_STEP_ORDER, "step");
		goto out;
	}
	crc = acct_otp_check(e, user_id, RA_OTP_PURPOSE, code, err);
	if (crc == PC_OK)
		c.sms_verified_at = clock_now();
	else
		c.sms_failures++;
	/* A wrong code is evidence too: counted, and the step repeats. */
	rc = save_open(e, &c, err);
	if (rc == PC_OK)
		rc = crc;
out:
	store_idv_case_cleanup(&c);
	return rc;
}

/* ---- upload in pieces
 * --------------------------------------------------------- */

/* Create file kind of case id (the first piece). */
static enum pc_rc
file_create(const struct pc_env *e, const char *id, const char *kind,
    const char *ctype, struct store_idv_file *f)
{
	struct vault_wip w;
	struct db *db = NULL;
	char dir[512], path[600];
	enum pc_rc rc;

	memset(f, 0, sizeof(*f));
	snprintf(dir, sizeof(dir), "%s/idv", e->conf->store.files_dir);
	(void)mkdir(e->conf->store.files_dir, 0700);
	(void)mkdir(dir, 0700);
	ra_case_dir(e, id, dir, sizeof(dir));
	(void)mkdir(dir, 0700);
	ra_file_path(e, id, kind, path, sizeof(path));
	rc = vault_create(e->vault, path, &w);
	if (rc == PC_EEXIST) {
		/* A first piece whose row was never written (the request
		 * died): nothing of it counts. */
		rc = store_acquire(e->store, &db);
		if (rc == PC_OK)
			rc = store_idv_file_get(db, id, kind, f);
		store_release(e->store, db);
		if (rc != PC_ENOTFOUND)
			return rc;
		unlink(path);
		rc = vault_create(e->vault, path, &w);
	}
	if (rc != PC_OK)
		return rc;
	snprintf(f->case_id, sizeof(f->case_id), "%s", id);
	snprintf(f->kind, sizeof(f->kind), "%s", kind);
	snprintf(f->ctype, sizeof(f->ctype), "%s", ctype);
	ra_wip_to_row(&w, f);
	f->created_at = f->updated_at = clock_now();
	rc = store_write_begin(e->store, &db);
	if (rc == PC_OK)
		rc = store_idv_file_insert(db, f);
	rc = store_write_end(e->store, db, rc);
	if (rc == PC_EEXIST) {
		/* A parallel first piece won: take its row. */
		unlink(path);
		rc = store_acquire(e->store, &db);
		if (rc == PC_OK)
			rc = store_idv_file_get(db, id, kind, f);
		store_release(e->store, db);
	}
	return rc;
}

/* Write one piece (reserved by the caller) and record the new state. */
static enum pc_rc
file_piece(const struct pc_env *e, struct store_idv_file *f, const uint8_t *p,
    size_t n, bool final)
{
	struct vault_wip w;
	struct db *db = NULL;
	char path[600];
	int64_t old = f->plain_len;
	enum pc_rc rc;

	rc = ra_wip_from_row(f, &w);
	if (rc != PC_OK)
		return rc;
	ra_file_path(e, f->case_id, f->kind, path, sizeof(path));
	rc = vault_append(e->vault, path, &w, p, n, final);
	if (rc == PC_OK) {
		ra_wip_to_row(&w, f);
		f->updated_at = clock_now();
		rc = store_write_begin(e->store, &db);
		if (rc == PC_OK)
			rc = store_idv_file_commit(db, f, old);
		rc = store_write_end(e->store, db, rc);
	}
	if (rc != PC_OK) {
		f->plain_len = old;
		if (store_acquire(e->store, &db) == PC_OK) {
			store_idv_file_unreserve(db, f->case_id, f->kind);
			store_release(e->store, db);
		}
	}
	return rc;
}

/* Reserve file f at offset; on refusal say why. */
static enum pc_rc
file_reserve(const struct pc_env *e, struct store_idv_file *f, int64_t offset,
    int64_t *received, struct pc_err *err)
{
	struct db *db = NULL;
	int64_t now = clock_now();
	enum pc_rc rc;

	rc = store_acquire(e->store, &db);
	if (rc != PC_OK)
		return rc;
	rc = store_idv_file_reserve(
	    db, f->case_id, f->kind, offset, now + RA_PIECE_HOLD_S, now);
	if (rc == PC_ESTATE) {
		char case_id[sizeof(f->case_id)], kind[sizeof(f->kind)];

		/* The cleanup clears f's keys: read them back by copies. */
		memcpy(case_id, f->case_id, sizeof(case_id));
		memcpy(kind, f->kind, sizeof(kind));
		store_idv_file_cleanup(f);
		rc = store_idv_file_get(db, case_id, kind, f);
		if (rc == PC_OK) {
			*received = f->plain_len;
			rc = f->plain_len != offset || f->final
			         ? pc_fail(err, PC_ESTATE, PCE_UPLOAD_OFFSET,
			               "offset")
			         : pc_fail(err, PC_EUNAVAIL, PCE_BUSY, NULL);
			if (err != NULL && err->code == PCE_BUSY)
				err->retry_after = 2;
		}
	}
	store_release(e->store, db);
	return rc;
}

enum pc_rc
ra_upload(const struct pc_env *e, const char *user_id, const char *id,
    const char *kind, const char *ctype, int64_t offset, const uint8_t *p,
    size_t n, int64_t *received, struct pc_err *err)
{
	struct store_idv_case c;
	struct store_idv_file f;
	struct db *db = NULL;
	enum pc_rc rc;

	*received = 0;
	memset(&f, 0, sizeof(f));
	if (!ra_kind_known(kind))
		return pc_fail(err, PC_EINVAL, PCE_FILE_KIND_INVALID, "kind");
	if (offset < 0)
		return pc_fail(err, PC_EINVAL, PCE_UPLOAD_OFFSET, "offset");
	rc = open_case(e, user_id, id, &c, err);
	if (rc != PC_OK)
		return rc;
	store_idv_case_cleanup(&c);
	if (offset + (int64_t)n > ra_kind_max(e, kind))
		return pc_fail(err, PC_ELIMIT, PCE_FILE_TOO_LARGE, kind);
	rc = store_acquire(e->store, &db);
	if (rc == PC_OK)
		rc = store_idv_file_get(db, id, kind, &f);
	store_release(e->store, db);
	if (rc == PC_ENOTFOUND) {
		if (offset != 0)
			return pc_fail(
			    err, PC_ESTATE, PCE_UPLOAD_OFFSET, "offset");
		if (!ra_ctype_ok(kind, ctype))
			return pc_fail(
			    err, PC_EINVAL, PCE_FILE_TYPE_INVALID, "type");
		rc = file_create(e, id, kind, ctype, &f);
	}
	if (rc != PC_OK)
		goto out;
	*received = f.plain_len;
	if (n == 0 && offset == f.plain_len)
		goto out;
	rc = file_reserve(e, &f, offset, received, err);
	if (rc != PC_OK)
		goto out;
	rc = file_piece(e, &f, p, n, false);
	*received = f.plain_len;
out:
	store_idv_file_cleanup(&f);
	return rc;
}

enum pc_rc
ra_upload_info(const struct pc_env *e, const char *user_id, const char *id,
    const char *kind, int64_t *received, bool *final, struct pc_err *err)
{
	struct store_idv_case c;
	struct store_idv_file f;
	struct db *db = NULL;
	enum pc_rc rc;

	*received = 0;
	*final = false;
	if (!ra_kind_known(kind))
		return pc_fail(err, PC_EINVAL, PCE_FILE_KIND_INVALID, "kind");
	rc = store_acquire(e->store, &db);
	if (rc != PC_OK)
		return rc;
	rc = ra_own_case(db, user_id, id, &c);
	if (rc == PC_OK) {
		store_idv_case_cleanup(&c);
		rc = store_idv_file_get(db, id, kind, &f);
		if (rc == PC_OK) {
			*received = f.plain_len;
			*final = f.final;
			store_idv_file_cleanup(&f);
		} else if (rc == PC_ENOTFOUND) {
			rc = PC_OK;
		}
	}
	store_release(e->store, db);
	return rc;
}

/* ---- submission
 * ---------------------------------------------------------------- */

/* The files a case needs, for its document. */
static bool
file_required(const struct store_idv_case *c, const char *kind)
{
	return strcmp(kind, RA_FILE_VIDEO) == 0 ||
	       strcmp(kind, RA_FILE_DOC_FRONT) == 0 ||
	       strcmp(kind, RA_FILE_FACE) == 0 ||
	       (strcmp(kind, RA_FILE_DOC_BACK) == 0 &&
	           ra_doc_has_back(c->doc_type));
}

/* Finish and hash file kind (idempotent: a retried submit skips done work). */
static enum pc_rc
file_finish(
    const struct pc_env *e, struct store_idv_file *f, struct pc_err *err)
{
	struct db *db = NULL;
	int64_t received = 0, len = 0;
	char path[600];
	enum pc_rc rc;

	if (!f->final) {
		rc = file_reserve(e, f, f->plain_len, &received, err);
		if (rc == PC_OK)
			rc = file_piece(e, f, NULL, 0, true);
		if (rc != PC_OK)
			return rc;
	}
	if (f->sha256[0] != '\0')
		return PC_OK;
	ra_file_path(e, f->case_id, f->kind, path, sizeof(path));
	{
		uint8_t key[VAULT_KEY_WRAPPED];

		if (hex_decode(str_from(f->key_hex), key, sizeof(key)) != PC_OK)
			return PC_EDB;
		rc = vault_sha256(e->vault, path, key, f->sha256, &len);
	}
	if (rc == PC_OK && len != f->plain_len)
		rc = PC_EIO;
	if (rc != PC_OK) {
		log_warnx("ra: file %s of case %s does not read back (%s)",
		    f->kind, f->case_id, pc_rc_str(rc));
		return rc;
	}
	f->updated_at = clock_now();
	rc = store_write_begin(e->store, &db);
	if (rc == PC_OK)
		rc = store_idv_file_commit(db, f, f->plain_len);
	return store_write_end(e->store, db, rc);
}

#define RA_FILES_MAX 8

struct files_ctx {
	struct store_idv_file f[RA_FILES_MAX];
	size_t n;
};

static enum pc_rc
collect(void *arg, const struct store_idv_file *row)
{
	struct files_ctx *x = arg;

	if (x->n >= RA_FILES_MAX)
		return PC_ELIMIT;
	x->f[x->n++] = *row;
	return PC_OK;
}

static int64_t
declared(const struct ra_submit_req *r, const char *kind)
{
	size_t i;

	for (i = 0; i < r->nfiles; i++)
		if (r->files[i].kind != NULL &&
		    strcmp(r->files[i].kind, kind) == 0)
			return r->files[i].size;
	return -1;
}

/*
 * Check every file arrived whole (the sizes the browser declares), that
 * the required ones are there, then finish and hash each.
 */
static enum pc_rc
files_finish(const struct pc_env *e, const struct store_idv_case *c,
    const struct ra_submit_req *r, struct pc_err *err)
{
	static const char *const need[] = { RA_FILE_VIDEO, RA_FILE_DOC_FRONT,
		RA_FILE_DOC_BACK, RA_FILE_FACE };
	struct files_ctx x;
	struct db *db = NULL;
	int64_t want;
	size_t i, j;
	bool have;
	enum pc_rc rc;

	memset(&x, 0, sizeof(x));
	rc = store_acquire(e->store, &db);
	if (rc == PC_OK)
		rc = store_idv_files_each(db, c->id, collect, &x);
	store_release(e->store, db);
	if (rc != PC_OK)
		return rc;
	for (i = 0; i < PC_ARRAY_LEN(need); i++) {
		if (!file_required(c, need[i]))
			continue;
		for (j = 0, have = false; j < x.n && !have; j++)
			have = strcmp(x.f[j].kind, need[i]) == 0;
		if (!have)
			return pc_fail(
			    err, PC_ESTATE, PCE_UPLOAD_INCOMPLETE, need[i]);
	}
	for (i = 0; i < x.n; i++) {
		want = declared(r, x.f[i].kind);
		if ((want >= 0 && want != x.f[i].plain_len) ||
		    x.f[i].plain_len == 0)
			return pc_fail(
			    err, PC_ESTATE, PCE_UPLOAD_INCOMPLETE, x.f[i].kind);
	}
	for (i = 0; i < x.n && rc == PC_OK; i++)
		rc = file_finish(e, &x.f[i], err);
	return rc;
}

/* Every step of the plan started, the SMS code typed. */
static enum pc_rc
steps_done(const struct store_idv_case *c, struct pc_err *err)
{
	struct ra_plan plan;
	json_t *steps = NULL;
	int k;
	enum pc_rc rc;

	rc = where(c, &plan, &steps, &k);
	json_decref(steps);
	if (rc != PC_OK)
		return rc;
	if (c->sms_verified_at == 0)
		return pc_fail(err, PC_ESTATE, PCE_IDV_SMS_NEEDED, "code");
	if (k + 1 != (int)plan.n)
		return pc_fail(err, PC_ESTATE, PCE_IDV_STEPS_MISSING, "step");
	return PC_OK;
}

enum pc_rc
ra_submit(const struct pc_env *e, const char *user_id, const char *id,
    const struct ra_submit_req *r, struct pc_err *err)
{
	struct store_idv_case c;
	struct store_order o;
	struct db *db = NULL;
	struct buf tst;
	uint8_t sha[32];
	json_t *client = NULL, *vars = NULL;
	int64_t now;
	enum pc_rc rc;

	memset(&o, 0, sizeof(o));
	buf_init(&tst, 64 * 1024);
	rc = open_case(e, user_id, id, &c, err);
	if (rc != PC_OK)
		goto done;
	rc = steps_done(&c, err);
	if (rc != PC_OK)
		goto out;
	client = json_loads(r->client != NULL ? r->client : "{}", 0, NULL);
	if (!json_is_object(client)) {
		rc = pc_fail(err, PC_EINVAL, PCE_FIELD_INVALID, "client");
		goto out;
	}
	/* Files: finished, hashed (outside any transaction). */
	rc = files_finish(e, &c, r, err);
	if (rc != PC_OK)
		goto out;
	free(c.client);
	c.client = json_dumps(client, JSON_COMPACT | JSON_SORT_KEYS);
	free(c.user_agent);
	c.user_agent = strdup(r->user_agent != NULL ? r->user_agent : "");
	snprintf(c.ip, sizeof(c.ip), "%s", e->ip != NULL ? e->ip : "");
	now = clock_now();
	c.submitted_at = now;
	c.deadline_at = now + e->conf->ra.review_hours * 3600;
	if (c.client == NULL || c.user_agent == NULL) {
		rc = PC_ENOMEM;
		goto out;
	}
	/* The evidence manifest, stamped by our TSA. */
	free(c.manifest);
	c.manifest = NULL;
	rc = ra_manifest_build(e, &c, &c.manifest, c.manifest_sha256);
	if (rc == PC_OK)
		rc = hex_decode(str_from(c.manifest_sha256), sha, sizeof(sha));
	if (rc == PC_OK)
		rc = pki_tsa_stamp(e->pki, sha, &tst);
	if (rc == PC_EUNAVAIL) {
		rc = pc_fail(err, rc, PCE_SIGNER_UNAVAILABLE, NULL);
		if (err != NULL)
			err->retry_after = 5;
	}
	if (rc != PC_OK)
		goto out;
	c.manifest_tst = tst.data;
	c.manifest_tst_len = tst.len;
	rc = store_write_begin(e->store, &db);
	if (rc == PC_OK)
		rc = store_idv_submit(db, &c, now);
	if (rc == PC_OK)
		rc = store_shop_order_get(db, c.order_id, &o);
	if (rc == PC_OK)
		rc = store_audit_printf(db, user_id, "idv.submitted",
		    "case=%s order=%s manifest=%s", c.id, o.number,
		    c.manifest_sha256);
	vars = json_pack("{s:s,s:I}", "order", o.number, "hours",
	    (json_int_t)e->conf->ra.review_hours);
	if (rc == PC_OK)
		rc = vars != NULL ? ra_mail(db, &c, "idv_received", vars)
		                  : PC_ENOMEM;
	rc = store_write_end(e->store, db, rc);
	if (rc == PC_ESTATE && err != NULL && err->code == PCE_NONE)
		pc_fail(err, rc, PCE_IDV_STATE, NULL);
	if (rc == PC_OK)
		log_info("ra: case %s submitted, manifest %s", c.id,
		    c.manifest_sha256);
out:
	/* tst's bytes are the buf's, not the row's. */
	c.manifest_tst = NULL;
	c.manifest_tst_len = 0;
	store_idv_case_cleanup(&c);
done:
	json_decref(client);
	json_decref(vars);
	store_order_cleanup(&o);
	buf_cleanup(&tst);
	return rc;
}
