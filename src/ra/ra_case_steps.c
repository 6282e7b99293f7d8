/*
 * ra_case_steps.c: the person's side of the identification, during the
 * recording: the steps as they are started, the phone number and the SMS
 * code typed while recording. See ra.h and ra_case.c.
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

/*
 * Where the recording stands: the plan, and k, the index in it of the
 * step started last (-1: none yet).
 */
enum pc_rc
ra_case_where(const struct store_idv_case *c, struct ra_plan *plan,
    json_t **steps, int *k)
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
enum pc_rc
ra_case_open(const struct pc_env *e, const char *user_id, const char *id,
    struct store_idv_case *c, struct pc_err *err)
{
	enum pc_rc rc;

	memset(c, 0, sizeof(*c));
	STORE_ONE(rc, e->store, ra_own_case(db, user_id, id, c));
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
	rc = ra_case_open(e, user_id, id, &c, err);
	if (rc != PC_OK)
		return rc;
	rc = ra_case_where(&c, &plan, &steps, &k);
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

	if (ra_case_where(c, &plan, &steps, &k) != PC_OK)
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
	bool sent = false;
	enum pc_rc rc;

	memset(out, 0, sizeof(*out));
	memset(&u, 0, sizeof(u));
	if (phone == NULL || !acct_phone_valid(phone))
		return pc_fail(err, PC_EINVAL, PCE_PHONE_INVALID, "phone");
	rc = ra_case_open(e, user_id, id, &c, err);
	if (rc != PC_OK)
		return rc;
	if (!at_sms_step(&c)) {
		rc = pc_fail(err, PC_ESTATE, PCE_IDV_STEP_ORDER, "step");
		goto out;
	}
	STORE_ONE(rc, e->store, store_user_get(db, user_id, &u));
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

	rc = ra_case_open(e, user_id, id, &c, err);
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
