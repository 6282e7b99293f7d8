/*
 * ra_review.c: the registration authority's side: the queue, a case with
 * its evidence, the claim that keeps two operators apart, and the three
 * decisions (accept with the checklist and the confirmed identity, reject
 * with a reason, ask for a new recording). Every action is audited with
 * the operator's id; reading a case's evidence is an action too.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "base/log.h"
#include "base/text.h"
#include "pki/pki.h"
#include "ra/ra_int.h"
#include "store/store_shop.h"

const struct ra_checklist_item ra_checklist[] = {
	{ "document_valid", "Actul este original, valabil și de tipul declarat",
	    "The document is an original, valid, of the declared type" },
	{ "security_features",
	    "Elementele de siguranță se văd când actul este înclinat",
	    "Security features show when the document is tilted" },
	{ "face_match", "Fața corespunde fotografiei din act",
	    "The face matches the document's photo" },
	{ "data_match", "Datele declarate corespund actului",
	    "The declared data match the document" },
	{ "live",
	    "Codul SMS și provocările au fost făcute live, la momentul cerut",
	    "The SMS code and the challenges were done live, when asked" },
	{ "alone", "Nicio altă persoană sau voce nu este prezentă",
	    "No other person or voice is present" },
};
const size_t ra_nchecklist = PC_ARRAY_LEN(ra_checklist);

const struct ra_reason ra_reasons[] = {
	{ "document_unreadable",
	    "actul de identitate nu se vede clar în înregistrare",
	    "the identity document cannot be read clearly in the recording" },
	{ "document_invalid",
	    "actul de identitate nu este valabil, nu este original sau nu "
	    "este de tipul ales",
	    "the identity document is not valid, not an original, or not of "
	    "the type chosen" },
	{ "face_mismatch",
	    "fața din înregistrare nu se poate compara cu fotografia din act",
	    "the face in the recording cannot be matched with the document's "
	    "photo" },
	{ "data_mismatch", "datele declarate nu corespund actului",
	    "the declared data do not match the document" },
	{ "challenge_failed",
	    "pașii ceruți (codul, mișcarea capului, numărul citit) nu au fost "
	    "făcuți la momentul cerut",
	    "the steps asked for (the code, the head turn, the number read "
	    "aloud) were not done when asked" },
	{ "not_alone", "în înregistrare apare sau se aude o altă persoană",
	    "another person appears or is heard in the recording" },
	{ "poor_quality", "imaginea sau sunetul sunt prea slabe",
	    "the picture or the sound is too poor" },
	{ "other", "alt motiv, descris mai jos",
	    "another reason, described below" },
};
const size_t ra_nreasons = PC_ARRAY_LEN(ra_reasons);

const struct ra_reason *
ra_reason_find(const char *code)
{
	size_t i;

	for (i = 0; code != NULL && i < ra_nreasons; i++)
		if (strcmp(ra_reasons[i].code, code) == 0)
			return &ra_reasons[i];
	return NULL;
}

/* ---- reading ---------------------------------------------------------- */

enum pc_rc
ra_queue(const struct pc_env *e, const char *state,
    enum pc_rc (*fn)(void *arg, const struct store_idv_case *c), void *arg)
{
	enum pc_rc rc;

	if (state != NULL && !ra_state_known(state))
		return PC_EINVAL;
	STORE_ONE(rc, e->store, store_idv_queue(db, state, fn, arg));
	return rc;
}

enum pc_rc
ra_case_get(const struct pc_env *e, const char *op, const char *id,
    struct store_idv_case *c, struct store_order *order, struct pc_err *err)
{
	struct db *db = NULL;
	enum pc_rc rc;

	memset(c, 0, sizeof(*c));
	memset(order, 0, sizeof(*order));
	rc = store_write_begin(e->store, &db);
	if (rc != PC_OK)
		return rc;
	rc = store_idv_get(db, id, c);
	if (rc == PC_OK)
		rc = store_shop_order_get(db, c->order_id, order);
	/* Seeing a person's evidence is recorded. */
	if (rc == PC_OK)
		rc = store_audit_printf(db, op, "ra.case.view", "case=%s", id);
	rc = store_write_end(e->store, db, rc);
	if (rc != PC_OK) {
		store_idv_case_cleanup(c);
		store_order_cleanup(order);
	}
	if (rc == PC_ENOTFOUND)
		pc_fail(err, rc, PCE_NOT_FOUND, NULL);
	return rc;
}

enum pc_rc
ra_files_each(const struct pc_env *e, const char *id,
    enum pc_rc (*fn)(void *arg, const struct store_idv_file *f), void *arg)
{
	enum pc_rc rc;

	STORE_ONE(rc, e->store, store_idv_files_each(db, id, fn, arg));
	return rc;
}

enum pc_rc
ra_file_read(const struct pc_env *e, const char *op, const char *id,
    const char *kind, struct buf *out, char ctype[32], struct pc_err *err)
{
	struct store_idv_file f;
	struct db *db = NULL;
	char path[600];
	enum pc_rc rc;

	if (!ra_kind_known(kind))
		return pc_fail(err, PC_ENOTFOUND, PCE_NOT_FOUND, "kind");
	rc = store_write_begin(e->store, &db);
	if (rc != PC_OK)
		return rc;
	rc = store_idv_file_get(db, id, kind, &f);
	if (rc == PC_OK && !f.final)
		rc = PC_ENOTFOUND; /* still being uploaded */
	if (rc == PC_OK)
		rc = store_audit_printf(
		    db, op, "ra.evidence.read", "case=%s file=%s", id, kind);
	rc = store_write_end(e->store, db, rc);
	if (rc == PC_ENOTFOUND)
		return pc_fail(err, rc, PCE_NOT_FOUND, "kind");
	if (rc != PC_OK)
		return rc;
	snprintf(ctype, 32, "%s", f.ctype);
	ra_file_path(e, id, kind, path, sizeof(path));
	rc = vault_read_hex(e->vault, path, f.key_hex, out);
	if (rc != PC_OK)
		log_warnx("ra: file %s of case %s cannot be read (%s)", kind,
		    id, pc_rc_str(rc));
	return rc;
}

/* ---- the claim -------------------------------------------------------- */

enum pc_rc
ra_claim(const struct pc_env *e, const char *op, const char *id, int64_t *until,
    struct pc_err *err)
{
	struct store_idv_case c;
	struct db *db = NULL;
	int64_t now = clock_now();
	enum pc_rc rc;

	*until = now + e->conf->ra.claim_minutes * 60;
	rc = store_write_begin(e->store, &db);
	if (rc != PC_OK)
		return rc;
	rc = store_idv_get(db, id, &c);
	if (rc == PC_OK) {
		/* Nobody reviews their own identification. */
		if (strcmp(c.user_id, op) == 0)
			rc = pc_fail(err, PC_EAUTH, PCE_OWN_CASE, NULL);
		store_idv_case_cleanup(&c);
	}
	if (rc == PC_OK)
		rc = store_idv_claim(db, id, op, *until, now);
	if (rc == PC_OK)
		rc = store_audit_printf(db, op, "ra.case.claim", "case=%s", id);
	rc = store_write_end(e->store, db, rc);
	if (rc == PC_EEXIST)
		pc_fail(err, PC_ESTATE, PCE_CASE_CLAIMED, NULL);
	else if (rc == PC_ESTATE)
		pc_fail(err, rc, PCE_IDV_STATE, NULL);
	else if (rc == PC_ENOTFOUND)
		pc_fail(err, rc, PCE_NOT_FOUND, NULL);
	return rc == PC_EEXIST ? PC_ESTATE : rc;
}

enum pc_rc
ra_release(
    const struct pc_env *e, const char *op, const char *id, struct pc_err *err)
{
	struct db *db = NULL;
	enum pc_rc rc;

	rc = store_write_begin(e->store, &db);
	if (rc != PC_OK)
		return rc;
	rc = store_idv_release(db, id, op);
	if (rc == PC_OK)
		rc = store_audit_printf(
		    db, op, "ra.case.release", "case=%s", id);
	return store_write_end(e->store, db, rc);
}

/* ---- decisions -------------------------------------------------------- */

/* Write the decision made in c (its new state and fields set), from the
 * state was; a case no longer held is PCE_CASE_NOT_CLAIMED. */
static enum pc_rc
decide(struct db *db, struct store_idv_case *c, const char *was, const char *op,
    int64_t now, struct pc_err *err)
{
	enum pc_rc rc = store_idv_decide(db, c, was, op, now);

	if (rc == PC_ESTATE)
		rc = pc_fail(err, rc, PCE_CASE_NOT_CLAIMED, NULL);
	return rc;
}

/* A case sent back (rejected, to redo): the operator's note for the
 * person, and kept as long as rejected cases are. */
static enum pc_rc
sent_back(const struct pc_env *e, struct store_idv_case *c, const char *text,
    int64_t now)
{
	free(c->reason_text);
	c->reason_text = strdup(text != NULL ? text : "");
	if (c->reason_text == NULL)
		return PC_ENOMEM;
	c->retain_until = now + e->conf->ra.retention_rejected_days * 86400;
	return PC_OK;
}

/*
 * A write transaction begun (OUT: *db; the caller ends it with
 * store_write_end, on failure too) and the case read in it: waiting in
 * one of the states from and held by op. OUT: *c.
 */
static enum pc_rc
held(const struct pc_env *e, struct db **db, const char *op, const char *id,
    const char *const *from, struct store_idv_case *c, struct pc_err *err)
{
	int64_t now = clock_now();
	bool ok = false;
	enum pc_rc rc;

	rc = store_write_begin(e->store, db);
	if (rc != PC_OK)
		return rc;
	rc = store_idv_get(*db, id, c);
	if (rc == PC_ENOTFOUND)
		return pc_fail(err, rc, PCE_NOT_FOUND, NULL);
	if (rc != PC_OK)
		return rc;
	for (; *from != NULL; from++)
		ok = ok || strcmp(c->state, *from) == 0;
	if (!ok) {
		store_idv_case_cleanup(c);
		return pc_fail(err, PC_ESTATE, PCE_IDV_STATE, NULL);
	}
	if (strcmp(c->claimed_by, op) != 0 || c->claim_until < now) {
		store_idv_case_cleanup(c);
		return pc_fail(err, PC_ESTATE, PCE_CASE_NOT_CLAIMED, NULL);
	}
	return PC_OK;
}

static bool
all_of(const char *s, size_t min, size_t max, int (*is)(int))
{
	size_t n = s != NULL ? strlen(s) : 0, i;

	if (n < min || n > max)
		return false;
	for (i = 0; i < n; i++)
		if (!is((unsigned char)s[i]))
			return false;
	return true;
}

static int
is_upper(int ch)
{
	return ch >= 'A' && ch <= 'Z';
}

static int
is_digit(int ch)
{
	return ch >= '0' && ch <= '9';
}

static int
is_upper_alnum(int ch)
{
	return is_upper(ch) || is_digit(ch);
}

/*
 * Check the identity the operator confirms and write it as JSON (what
 * issuance reads). Romanian identity cards: series of 2 letters, number
 * of 6 digits, the CNP; passports and other cards: the number (5-20
 * letters and digits), the CNP when the person has one.
 */
static enum pc_rc
identity_json(const struct ra_identity *w, const char *op, int64_t now,
    char **out, struct pc_err *err)
{
	char given[TEXT_NAME_MAX_BYTES], surname[TEXT_NAME_MAX_BYTES];
	const char *country;
	bool ro_card;
	int64_t exp = 0;
	json_t *o;

	*out = NULL;
	if (text_name_normalize(w->given_name, given, sizeof(given)) != PC_OK)
		return pc_fail(err, PC_EINVAL, PCE_NAME_INVALID, "given_name");
	if (text_name_normalize(w->surname, surname, sizeof(surname)) != PC_OK)
		return pc_fail(err, PC_EINVAL, PCE_NAME_INVALID, "surname");
	if (!ra_doc_known(w->doc_type))
		return pc_fail(
		    err, PC_EINVAL, PCE_DOC_TYPE_INVALID, "doc_type");
	ro_card = strcmp(w->doc_type, RA_DOC_RO_ID) == 0;
	country = ro_card ? "RO" : w->country;
	if (!all_of(country, 2, 2, is_upper))
		return pc_fail(err, PC_EINVAL, PCE_COUNTRY_INVALID, "country");
	if (ro_card && !all_of(w->doc_series, 2, 2, is_upper))
		return pc_fail(
		    err, PC_EINVAL, PCE_DOC_NUMBER_INVALID, "doc_series");
	if (!(ro_card ? all_of(w->doc_number, 6, 6, is_digit)
	              : all_of(w->doc_number, 5, 20, is_upper_alnum)))
		return pc_fail(
		    err, PC_EINVAL, PCE_DOC_NUMBER_INVALID, "doc_number");
	if (!ro_card && w->doc_series != NULL && w->doc_series[0] != '\0' &&
	    !all_of(w->doc_series, 1, 8, is_upper_alnum))
		return pc_fail(
		    err, PC_EINVAL, PCE_DOC_NUMBER_INVALID, "doc_series");
	/* The CNP goes into the certificate (PNORO-...): checked whole. */
	if ((ro_card || strcmp(country, "RO") == 0 ||
	        (w->cnp != NULL && w->cnp[0] != '\0')) &&
	    !cnp_valid(w->cnp))
		return pc_fail(err, PC_EINVAL, PCE_CNP_INVALID, "cnp");
	if (clock_day_parse(w->doc_expiry, &exp) != PC_OK || exp <= now)
		return pc_fail(err, PC_EINVAL, PCE_DOC_EXPIRED, "doc_expiry");
	o = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:I}", "given_name",
	    given, "surname", surname, "doc_type", w->doc_type, "doc_series",
	    w->doc_series != NULL ? w->doc_series : "", "doc_number",
	    w->doc_number, "doc_expiry", w->doc_expiry, "cnp",
	    w->cnp != NULL ? w->cnp : "", "country", country, "confirmed_by",
	    op, "confirmed_at", (json_int_t)now);
	if (o != NULL)
		*out = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(o);
	return *out != NULL ? PC_OK : PC_ENOMEM;
}

/* Every item of the checklist ticked; the ticks as JSON. */
static enum pc_rc
checklist_json(const char *checks, char **out, struct pc_err *err)
{
	json_t *in, *o;
	size_t i;
	enum pc_rc rc = PC_OK;

	*out = NULL;
	in = json_loads(checks != NULL ? checks : "{}", 0, NULL);
	o = json_object();
	if (!json_is_object(in) || o == NULL) {
		rc = pc_fail(err, PC_EINVAL, PCE_CHECKLIST_INCOMPLETE,
		    ra_checklist[0].key);
		goto out;
	}
	for (i = 0; i < ra_nchecklist; i++) {
		if (!json_is_true(json_object_get(in, ra_checklist[i].key))) {
			rc = pc_fail(err, PC_EINVAL, PCE_CHECKLIST_INCOMPLETE,
			    ra_checklist[i].key);
			goto out;
		}
		json_object_set_new(o, ra_checklist[i].key, json_true());
	}
	*out = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
	if (*out == NULL)
		rc = PC_ENOMEM;
out:
	json_decref(in);
	json_decref(o);
	return rc;
}

/* Years of the order's package (1 when unknown). */
static int64_t
package_years(struct db *db, const char *order_id)
{
	struct store_order o;
	struct store_package p;
	int64_t years = 1;

	if (store_shop_order_get(db, order_id, &o) != PC_OK)
		return years;
	if (store_shop_package_get(db, o.package, &p) == PC_OK) {
		years = p.years;
		store_package_cleanup(&p);
	}
	store_order_cleanup(&o);
	return years;
}

/* The order's number, for e-mails (into out). */
static void
order_number(struct db *db, const char *order_id, char *out, size_t n)
{
	struct store_order o;

	snprintf(out, n, "%s", order_id);
	if (store_shop_order_get(db, order_id, &o) == PC_OK) {
		snprintf(out, n, "%s", o.number);
		store_order_cleanup(&o);
	}
}

enum pc_rc
ra_accept(const struct pc_env *e, const char *op, const char *id,
    const char *checks, const struct ra_identity *who, struct pc_err *err)
{
	static const char *const from[] = { RA_SUBMITTED, NULL };
	struct store_idv_case c;
	struct db *db = NULL;
	char *ident = NULL, *list = NULL, *link = NULL, number[32];
	int64_t now = clock_now();
	json_t *vars = NULL;
	enum pc_rc rc;

	memset(&c, 0, sizeof(c));
	rc = checklist_json(checks, &list, err);
	if (rc == PC_OK)
		rc = identity_json(who, op, now, &ident, err);
	if (rc != PC_OK)
		goto done;
	rc = held(e, &db, op, id, from, &c, err);
	if (rc != PC_OK)
		goto out;
	snprintf(c.state, sizeof(c.state), "%s", RA_ACCEPTED);
	c.reason[0] = '\0';
	free(c.reason_text);
	c.reason_text = NULL;
	free(c.checklist);
	c.checklist = list;
	list = NULL;
	free(c.identity);
	c.identity = ident;
	ident = NULL;
	/* Kept 10 years after the certificate ends (it will end after the
	 * package's years). */
	c.retain_until = now + (package_years(db, c.order_id) +
	                           e->conf->ra.retention_accepted_years) *
	                           366 * 86400;
	rc = decide(db, &c, RA_SUBMITTED, op, now, err);
	if (rc == PC_OK)
		rc = store_audit_printf(db, op, "ra.case.accept",
		    "case=%s manifest=%s", id, c.manifest_sha256);
	order_number(db, c.order_id, number, sizeof(number));
	link = ra_link(e, "home");
	vars = json_pack(
	    "{s:s,s:s}", "order", number, "link", link != NULL ? link : "");
	if (rc == PC_OK)
		rc = vars != NULL ? ra_mail(db, &c, "idv_accepted", vars)
		                  : PC_ENOMEM;
out:
	rc = store_write_end(e->store, db, rc);
	if (rc == PC_OK)
		log_info("ra: case %s accepted by %s", id, op);
done:
	json_decref(vars);
	free(link);
	free(ident);
	free(list);
	store_idv_case_cleanup(&c);
	return rc;
}

/* The language of the case's person. */
static void
person_lang(struct db *db, const char *user_id, char out[3])
{
	struct store_user u;

	snprintf(out, 3, "ro");
	if (store_user_get(db, user_id, &u) == PC_OK) {
		snprintf(out, 3, "%s", strcmp(u.lang, "en") == 0 ? "en" : "ro");
		store_user_cleanup(&u);
	}
}

/* A free text from an operator: bounded, no control characters. */
static enum pc_rc
note_check(const char *text, struct pc_err *err)
{
	const unsigned char *p;

	if (text == NULL)
		return PC_OK;
	if (strlen(text) > 500)
		return pc_fail(err, PC_EINVAL, PCE_FIELD_INVALID, "text");
	for (p = (const unsigned char *)text; *p != '\0'; p++)
		if (*p < 0x20 && *p != '\n')
			return pc_fail(
			    err, PC_EINVAL, PCE_FIELD_INVALID, "text");
	return PC_OK;
}

enum pc_rc
ra_reject(const struct pc_env *e, const char *op, const char *id,
    const char *reason, const char *text, struct pc_err *err)
{
	static const char *const from[] = { RA_SUBMITTED, NULL };
	const struct ra_reason *why = ra_reason_find(reason);
	struct store_idv_case c;
	struct db *db = NULL;
	char *link = NULL, number[32], lang[3];
	int64_t now = clock_now(), rejections = 0;
	bool contact;
	json_t *vars = NULL;
	enum pc_rc rc;

	memset(&c, 0, sizeof(c));
	if (why == NULL)
		return pc_fail(err, PC_EINVAL, PCE_REASON_INVALID, "reason");
	rc = note_check(text, err);
	if (rc == PC_OK && strcmp(why->code, "other") == 0 &&
	    (text == NULL || text[0] == '\0'))
		rc = pc_fail(err, PC_EINVAL, PCE_FIELD_INVALID, "text");
	if (rc != PC_OK)
		return rc;
	rc = held(e, &db, op, id, from, &c, err);
	if (rc != PC_OK)
		goto out;
	rc = store_idv_count(db, c.order_id, RA_REJECTED, &rejections);
	if (rc != PC_OK)
		goto out;
	/* The last allowed rejection: an operator talks to the person. */
	contact = rejections + 1 >= e->conf->ra.max_rejections;
	snprintf(
	    c.state, sizeof(c.state), "%s", contact ? RA_CONTACT : RA_REJECTED);
	snprintf(c.reason, sizeof(c.reason), "%s", why->code);
	rc = sent_back(e, &c, text, now);
	if (rc == PC_OK)
		rc = decide(db, &c, RA_SUBMITTED, op, now, err);
	if (rc == PC_OK)
		rc = store_audit_printf(db, op,
		    contact ? "ra.case.contact" : "ra.case.reject",
		    "case=%s reason=%s rejections=%lld", id, why->code,
		    (long long)rejections + 1);
	order_number(db, c.order_id, number, sizeof(number));
	person_lang(db, c.user_id, lang);
	link = ra_link(e, "identify");
	vars = json_pack("{s:s,s:s,s:s,s:s,s:s}", "order", number, "reason",
	    strcmp(lang, "en") == 0 ? why->en : why->ro, "note", c.reason_text,
	    "link", link != NULL ? link : "", "phone",
	    e->conf->shop.contact_phone != NULL ? e->conf->shop.contact_phone
	                                        : "");
	if (rc == PC_OK)
		rc = vars != NULL
		         ? ra_mail(db, &c,
		               contact ? "idv_contact" : "idv_rejected", vars)
		         : PC_ENOMEM;
out:
	rc = store_write_end(e->store, db, rc);
	if (rc == PC_OK)
		log_info("ra: case %s %s by %s (%s)", id,
		    c.state[0] ? c.state : "rejected", op, reason);
	json_decref(vars);
	free(link);
	store_idv_case_cleanup(&c);
	return rc;
}

enum pc_rc
ra_redo(const struct pc_env *e, const char *op, const char *id,
    const char *text, struct pc_err *err)
{
	static const char *const from[] = { RA_SUBMITTED, RA_CONTACT, NULL };
	struct store_idv_case c;
	struct db *db = NULL;
	char *link = NULL, number[32], was[STORE_IDV_STATE_MAX + 1];
	int64_t now = clock_now();
	json_t *vars = NULL;
	enum pc_rc rc;

	memset(&c, 0, sizeof(c));
	rc = note_check(text, err);
	if (rc != PC_OK)
		return rc;
	rc = held(e, &db, op, id, from, &c, err);
	if (rc != PC_OK)
		goto out;
	snprintf(was, sizeof(was), "%s", c.state);
	snprintf(c.state, sizeof(c.state), "%s", RA_REDO);
	rc = sent_back(e, &c, text, now);
	if (rc == PC_OK)
		rc = decide(db, &c, was, op, now, err);
	if (rc == PC_OK)
		rc = store_audit_printf(db, op, "ra.case.redo", "case=%s", id);
	order_number(db, c.order_id, number, sizeof(number));
	link = ra_link(e, "identify");
	vars = json_pack("{s:s,s:s,s:s}", "order", number, "note",
	    c.reason_text, "link", link != NULL ? link : "");
	if (rc == PC_OK)
		rc = vars != NULL ? ra_mail(db, &c, "idv_redo", vars)
		                  : PC_ENOMEM;
out:
	rc = store_write_end(e->store, db, rc);
	json_decref(vars);
	free(link);
	store_idv_case_cleanup(&c);
	return rc;
}
