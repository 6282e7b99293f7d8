/*
 * store_privacy.c: one person's data, table by table (store_privacy.h).
 *
 * The table below is the list of what we hold about a person: each
 * section a query bound to the user's id ($1) and its columns, each
 * marked with its JSON type (i: integer or null, s: text or null, j: JSON
 * text embedded as such). Columns that are secrets or keys are not
 * listed, so they cannot leak through here.
 */
#include <string.h>

#include "base/log.h"
#include "store/store_int.h"
#include "store/store_privacy.h"
#include "store/store_account.h"
#include "store/store_documents.h"
#include "store/store_row.h"

struct section {
	const char *name;
	const char *cols; /* "t:name t:name ...", in the query's order */
	const char *sql;
	bool one; /* an object rather than a list */
};

static const struct section sections[] = {
	{ "account",
	    "s:id s:email s:given_name s:surname s:phone s:lang s:status "
	    "s:role i:twofa_enabled i:phone_verified_at s:consent_gdpr "
	    "s:consent_app i:created_at i:updated_at",
	    "SELECT id, email, given_name, surname, phone, lang, status, "
	    "role, twofa_enabled, phone_verified_at, consent_gdpr, "
	    "consent_app, created_at, updated_at FROM users WHERE id = $1",
	    true },
	{ "consents", "s:kind s:version i:accepted_at s:ip i:withdrawn_at",
	    "SELECT kind, version, accepted_at, ip, withdrawn_at FROM "
	    "consents WHERE user_id = $1 ORDER BY accepted_at",
	    false },
	{ "sessions", "s:state s:ip i:created_at i:last_seen",
	    "SELECT state, ip, created_at, last_seen FROM sessions WHERE "
	    "user_id = $1 ORDER BY created_at",
	    false },
	{ "authenticator", "i:activated_at i:last_step",
	    "SELECT activated_at, last_step FROM totp_secrets WHERE "
	    "user_id = $1",
	    false },
	{ "orders",
	    "s:number s:state s:package s:promo i:list_cents "
	    "i:discount_cents i:net_cents i:vat_cents i:total_cents "
	    "i:total_bani j:invoice_data i:accepted_at i:marketing "
	    "s:provider i:created_at i:paid_at",
	    "SELECT number, state, package, promo, list_cents, "
	    "discount_cents, net_cents, vat_cents, total_cents, total_bani, "
	    "invoice_data, accepted_at, marketing, provider, created_at, "
	    "paid_at FROM shop_orders WHERE user_id = $1 ORDER BY created_at",
	    false },
	{ "invoices", "s:order_id s:order s:series i:year i:number i:issued_at",
	    "SELECT o.id, o.number, i.series, i.year, i.number, i.issued_at "
	    "FROM "
	    "shop_invoices i JOIN shop_orders o ON o.id = i.order_id WHERE "
	    "o.user_id = $1 ORDER BY i.issued_at",
	    false },
	{ "identification",
	    "s:id s:state s:doc_type s:email s:phone i:phone_changed "
	    "i:sms_verified_at s:ip s:user_agent i:created_at i:submitted_at "
	    "i:decided_at s:reason s:reason_text j:identity i:retain_until "
	    "i:purged_at",
	    "SELECT id, state, doc_type, email, phone, phone_changed, "
	    "sms_verified_at, ip, user_agent, created_at, submitted_at, "
	    "decided_at, reason, reason_text, identity, retain_until, "
	    "purged_at FROM idv_cases WHERE user_id = $1 ORDER BY created_at",
	    false },
	{ "certificates",
	    "s:serial s:kind s:subject i:not_before i:not_after i:status "
	    "i:revoked_at i:reason",
	    "SELECT serial, kind, subject, not_before, not_after, status, "
	    "revoked_at, reason FROM certs WHERE holder IN (SELECT holder "
	    "FROM credentials WHERE user_id = $1) ORDER BY not_before",
	    false },
	{ "signing_batches",
	    "s:id s:state s:level i:signatures i:timestamps i:created_at "
	    "i:signed_at",
	    "SELECT id, state, level, signatures, timestamps, created_at, "
	    "signed_at FROM sign_batches WHERE user_id = $1 ORDER BY "
	    "created_at",
	    false },
	{ "signed_files",
	    "s:batch i:index s:name i:size s:sha256 s:format s:state "
	    "s:out_name s:out_sha256 s:level",
	    "SELECT i.batch_id, i.idx, i.name, i.size, i.in_sha256, "
	    "i.format, i.state, i.out_name, i.out_sha256, i.level "
	    "FROM sign_items i "
	    "JOIN sign_batches b ON b.id = i.batch_id WHERE b.user_id = $1 "
	    "ORDER BY b.created_at, i.idx",
	    false },
	{ "documents",
	    "s:id s:kind s:name s:type i:size s:sha256 i:created_at "
	    "i:delete_after",
	    "SELECT id, kind, name, ctype, size, sha256, created_at, "
	    "delete_after FROM documents WHERE user_id = $1 ORDER BY "
	    "created_at",
	    false },
	{ "renewals",
	    "s:id s:state s:doc_type s:doc_series s:doc_number s:doc_issued "
	    "s:doc_expiry s:doc_issuer s:photo_type i:created_at "
	    "i:submitted_at i:decided_at s:reason s:new_serial",
	    "SELECT id, state, doc_type, doc_series, doc_number, doc_issued, "
	    "doc_expiry, doc_issuer, photo_type, created_at, submitted_at, "
	    "decided_at, reason, new_serial FROM renewals WHERE user_id = $1 "
	    "ORDER BY created_at",
	    false },
	{ "api_tokens",
	    "s:client_id s:scope s:credential i:created_at i:expires_at "
	    "i:revoked_at",
	    "SELECT client_id, scope, credential, created_at, expires_at, "
	    "revoked_at FROM api_tokens WHERE user_id = $1 ORDER BY "
	    "created_at",
	    false },
	{ "appearance_profiles",
	    "s:id s:name j:lines i:image_bytes i:created_at",
	    "SELECT id, name, lines, COALESCE(length(image), 0), created_at "
	    "FROM appearance_profiles WHERE user_id = $1 ORDER BY created_at",
	    false },
	{ "events", "i:at s:event s:detail",
	    "SELECT at, event, detail FROM audit_log WHERE actor = $1 ORDER "
	    "BY id",
	    false },
};

/* One column's value as JSON, by its type letter. */
static json_t *
col_json(struct db_stmt *st, int col, char type)
{
	const char *s;
	json_t *v;

	if (db_col_is_null(st, col))
		return json_null();
	if (type == 'i')
		return json_integer(db_col_i64(st, col));
	s = db_col_text(st, col);
	if (s == NULL)
		return json_null();
	if (type == 'j') {
		v = json_loads(s, JSON_DECODE_ANY, NULL);
		if (v != NULL)
			return v;
	}
	return json_string(s);
}

/* The row at st as an object of sec's columns; NULL without memory. */
static json_t *
row_json(const struct section *sec, struct db_stmt *st)
{
	char name[48];
	const char *p = sec->cols, *sp;
	json_t *o = json_object();
	size_t n;
	int col = 0;

	while (o != NULL && *p != '\0') {
		sp = strchr(p, ' ');
		n = sp != NULL ? (size_t)(sp - p) : strlen(p);
		if (n < 3 || n - 2 >= sizeof(name) || p[1] != ':') {
			json_decref(o);
			return NULL;
		}
		memcpy(name, p + 2, n - 2);
		name[n - 2] = '\0';
		if (json_object_set_new(o, name, col_json(st, col, p[0])) !=
		    0) {
			json_decref(o);
			return NULL;
		}
		col++;
		p += n;
		while (*p == ' ')
			p++;
	}
	return o;
}

static enum pc_rc
section_json(
    struct db *db, const struct section *sec, const char *user_id, json_t **out)
{
	struct db_stmt *st = NULL;
	json_t *list = json_array(), *row;
	bool more = false;
	enum pc_rc rc;

	*out = NULL;
	if (list == NULL)
		return PC_ENOMEM;
	rc = db_prepare(db, sec->sql, &st);
	if (rc == PC_OK)
		rc = db_bind_text(st, 1, user_id);
	while (rc == PC_OK && (rc = db_step(st, &more)) == PC_OK && more) {
		row = row_json(sec, st);
		if (row == NULL || json_array_append_new(list, row) != 0)
			rc = PC_ENOMEM;
	}
	db_stmt_free(st);
	if (rc != PC_OK) {
		json_decref(list);
		return rc;
	}
	if (!sec->one) {
		*out = list;
		return PC_OK;
	}
	if (json_array_size(list) == 0) {
		json_decref(list);
		return PC_ENOTFOUND;
	}
	*out = json_incref(json_array_get(list, 0));
	json_decref(list);
	return PC_OK;
}

enum pc_rc
store_privacy_dump(struct db *db, const char *user_id, json_t **out)
{
	json_t *o = json_object(), *v;
	enum pc_rc rc = o != NULL ? PC_OK : PC_ENOMEM;
	size_t i;

	RETURN_VAL_IF_FAIL(db != NULL && user_id != NULL, PC_EINTERNAL);
	*out = NULL;
	for (i = 0; rc == PC_OK && i < PC_ARRAY_LEN(sections); i++) {
		rc = section_json(db, &sections[i], user_id, &v);
		if (rc == PC_OK &&
		    json_object_set_new(o, sections[i].name, v) != 0)
			rc = PC_ENOMEM;
	}
	if (rc != PC_OK) {
		json_decref(o);
		return rc;
	}
	*out = o;
	return PC_OK;
}

enum pc_rc
store_privacy_erase(struct db *db, const char *user_id, int64_t now)
{
	/* Each statement's arguments: the user ("s"), or with now ("si"). */
	static const struct {
		const char *sql, *fmt;
	} drop[] = {
		{ "DELETE FROM sessions WHERE user_id = $1", "s" },
		{ "DELETE FROM account_links WHERE user_id = $1", "s" },
		{ "DELETE FROM appearance_profiles WHERE user_id = $1", "s" },
		{ "UPDATE consents SET ip = NULL WHERE user_id = $1", "s" },
		{ "UPDATE api_tokens SET revoked_at = $2 WHERE user_id = $1 "
		  "AND "
		  "revoked_at = 0",
		    "si" },
		{ "UPDATE oauth_grants SET revoked_at = $2 WHERE user_id = $1 "
		  "AND "
		  "revoked_at = 0",
		    "si" },
		{ "UPDATE sign_items SET name = '', out_name = NULL WHERE "
		  "batch_id "
		  "IN (SELECT id FROM sign_batches WHERE user_id = $1)",
		    "s" },
	};
	size_t i;
	enum pc_rc rc;

	RETURN_VAL_IF_FAIL(db != NULL && user_id != NULL, PC_EINTERNAL);
	rc = store_q_change(db, PC_ESTATE,
	    "UPDATE users SET email = 'erased-' || id || '@erased.invalid',"
	    " given_name = '', surname = '', phone = '', password_hash = NULL,"
	    " twofa_defer = NULL, status = '" USER_STATUS_ERASED "',"
	    " updated_at = $2 WHERE id = $1 AND status <> '" USER_STATUS_ERASED
	    "'",
	    "si", user_id, now);
	for (i = 0; rc == PC_OK && i < PC_ARRAY_LEN(drop); i++)
		rc = store_q_run(
		    db, NULL, drop[i].sql, drop[i].fmt, user_id, now);
	return rc;
}

enum pc_rc
store_privacy_docs(struct db *db, const char *user_id,
    enum pc_rc (*fn)(void *arg, const char *doc_id), void *arg)
{
	RETURN_VAL_IF_FAIL(user_id != NULL, PC_EINTERNAL);
	return store_q_each_text(db, fn, arg,
	    "SELECT id FROM documents WHERE user_id = $1 AND kind NOT IN "
	    "('" STORE_DOC_TERMS "', '" STORE_DOC_RENEWAL_TERMS
	    "') ORDER BY id",
	    "s", user_id);
}

/* ---- retention --------------------------------------------------------- */

#define TERMS_KINDS "('" STORE_DOC_TERMS "', '" STORE_DOC_RENEWAL_TERMS "')"
/* A user none of whose certificates is within its retention ($2 after
 * not_after, at $1); u is the user id column. */
#define NO_LIVE_CERT(u)                                                        \
	"NOT EXISTS (SELECT 1 FROM credentials k JOIN certs c ON c.holder = "  \
	"k.holder WHERE k.user_id = " u " AND c.not_after + $2 >= $1)"

/*
 * One rule: what it counts (held, no argument), what is due at $1 with
 * the retention $2 (seconds), when the next row falls due, and what
 * applying it runs (each statement with $1 and $2; none: the caller
 * deletes, see store_retention_docs, or nothing is ever deleted).
 */
struct retention_rule {
	const char *held, *due, *next;
	const char *apply[2];
};

static const struct retention_rule rules[STORE_RET_N] = {
	[STORE_RET_INVOICES] = { "SELECT COUNT(*) FROM shop_invoices",
	    "SELECT COUNT(*) FROM shop_invoices WHERE issued_at + $2 < $1",
	    "SELECT COALESCE(MIN(issued_at + $2), 0) FROM shop_invoices "
	    "WHERE issued_at + $2 >= $1",
	    { "UPDATE shop_orders SET invoice_data = '{}' WHERE id IN "
	      "(SELECT order_id FROM shop_invoices WHERE issued_at + $2 < $1)",
	        "DELETE FROM shop_invoices WHERE issued_at + $2 < $1" } },
	[STORE_RET_UNPAID] = { "SELECT COUNT(*) FROM shop_orders WHERE paid_at "
	                       "IS NULL AND "
	                       "invoice_data <> '{}'",
	    "SELECT COUNT(*) FROM shop_orders WHERE paid_at IS NULL AND "
	    "invoice_data <> '{}' AND created_at + $2 < $1",
	    "SELECT COALESCE(MIN(created_at + $2), 0) FROM shop_orders WHERE "
	    "paid_at IS NULL AND invoice_data <> '{}' AND created_at + $2 >= "
	    "$1",
	    { "UPDATE shop_orders SET invoice_data = '{}' WHERE paid_at IS "
	      "NULL AND invoice_data <> '{}' AND created_at + $2 < $1" } },
	[STORE_RET_TERMS] = { "SELECT COUNT(*) FROM documents WHERE kind "
	                      "IN " TERMS_KINDS,
	    "SELECT COUNT(*) FROM documents d WHERE d.kind IN " TERMS_KINDS
	    " AND " NO_LIVE_CERT("d.user_id"),
	    "SELECT COALESCE(MIN(m), 0) FROM (SELECT MAX(c.not_after) + $2 AS "
	    "m FROM documents d JOIN credentials k ON k.user_id = d.user_id "
	    "JOIN certs c ON c.holder = k.holder WHERE d.kind IN " TERMS_KINDS
	    " GROUP BY d.id) t WHERE m >= $1",
	    { NULL } },
	[STORE_RET_RENEWALS] = { "SELECT COUNT(*) FROM renewals WHERE "
	                         "doc_number <> ''",
	    "SELECT COUNT(*) FROM renewals r WHERE r.doc_number <> '' "
	    "AND " NO_LIVE_CERT("r.user_id"),
	    "SELECT COALESCE(MIN(m), 0) FROM (SELECT MAX(c.not_after) + $2 AS "
	    "m FROM renewals r JOIN credentials k ON k.user_id = r.user_id "
	    "JOIN certs c ON c.holder = k.holder WHERE r.doc_number <> '' "
	    "GROUP BY r.id) t WHERE m >= $1",
	    { "UPDATE renewals SET doc_type = '', doc_series = '', doc_number "
	      "= '', doc_issued = '', doc_expiry = '', doc_issuer = '' WHERE "
	      "doc_number <> '' AND " NO_LIVE_CERT("renewals.user_id") } },
	[STORE_RET_SESSIONS] = { "SELECT COUNT(*) FROM sessions",
	    "SELECT COUNT(*) FROM sessions WHERE last_seen + $2 < $1",
	    "SELECT COALESCE(MIN(last_seen + $2), 0) FROM sessions WHERE "
	    "last_seen + $2 >= $1",
	    { "DELETE FROM sessions WHERE last_seen + $2 < $1" } },
	[STORE_RET_OUTBOX] = { "SELECT COUNT(*) FROM outbox WHERE status IN "
	                       "('sent', 'failed')",
	    "SELECT COUNT(*) FROM outbox WHERE status IN ('sent', 'failed') "
	    "AND created_at + $2 < $1",
	    "SELECT COALESCE(MIN(created_at + $2), 0) FROM outbox WHERE "
	    "status IN ('sent', 'failed') AND created_at + $2 >= $1",
	    { "DELETE FROM outbox WHERE status IN ('sent', 'failed') AND "
	      "created_at + $2 < $1" } },
	[STORE_RET_MESSAGES] = { "SELECT COUNT(*) FROM inbox_messages",
	    "SELECT COUNT(*) FROM inbox_messages WHERE state = 'closed' AND "
	    "closed_at + $2 < $1",
	    "SELECT COALESCE(MIN(closed_at + $2), 0) FROM inbox_messages "
	    "WHERE state = 'closed' AND closed_at + $2 >= $1",
	    { NULL } },
	[STORE_RET_AUDIT] = { "SELECT COUNT(*) FROM audit_log",
	    NULL, /* never deleted: the chain */
	    "SELECT COALESCE(MIN(at + $2), 0) FROM audit_log WHERE at + $2 >= "
	    "$1",
	    { NULL } },
};

enum pc_rc
store_retention(struct db *db, int64_t now, bool apply,
    struct store_retention r[STORE_RET_N])
{
	size_t i, j;
	enum pc_rc rc = PC_OK;

	RETURN_VAL_IF_FAIL(db != NULL && r != NULL, PC_EINTERNAL);
	for (i = 0; rc == PC_OK && i < STORE_RET_N; i++) {
		const struct retention_rule *q = &rules[i];
		int64_t ch;

		r[i].held = r[i].due = r[i].next_due = r[i].applied = 0;
		rc = store_q_i64(db, &r[i].held, q->held, "");
		if (rc == PC_OK && q->due != NULL)
			rc = store_q_i64(
			    db, &r[i].due, q->due, "ii", now, r[i].keep_s);
		if (rc == PC_OK)
			rc = store_q_i64(db, &r[i].next_due, q->next, "ii", now,
			    r[i].keep_s);
		for (j = 0; apply && rc == PC_OK &&
		            j < PC_ARRAY_LEN(q->apply) && q->apply[j] != NULL;
		     j++) {
			ch = 0;
			rc = store_q_run(
			    db, &ch, q->apply[j], "ii", now, r[i].keep_s);
			/* The last statement deletes the rows counted. */
			r[i].applied = ch;
		}
	}
	return rc;
}

enum pc_rc
store_retention_docs(struct db *db, int64_t now, int64_t keep_s,
    enum pc_rc (*fn)(void *arg, const char *user_id, const char *doc_id),
    void *arg)
{
	struct db_stmt *st = NULL;
	char id[STORE_ID_LEN + 1], user[STORE_ID_LEN + 1];
	bool more = false;
	enum pc_rc rc;

	RETURN_VAL_IF_FAIL(db != NULL && fn != NULL, PC_EINTERNAL);
	rc = db_prepare(db,
	    "SELECT d.user_id, d.id FROM documents d WHERE d.kind "
	    "IN " TERMS_KINDS
	    " AND " NO_LIVE_CERT("d.user_id") " ORDER BY d.id",
	    &st);
	if (rc == PC_OK)
		rc = db_bind_i64(st, 1, now);
	if (rc == PC_OK)
		rc = db_bind_i64(st, 2, keep_s);
	while (rc == PC_OK && (rc = db_step(st, &more)) == PC_OK && more) {
		snprintf(user, sizeof(user), "%s",
		    db_col_text(st, 0) != NULL ? db_col_text(st, 0) : "");
		snprintf(id, sizeof(id), "%s",
		    db_col_text(st, 1) != NULL ? db_col_text(st, 1) : "");
		rc = fn(arg, user, id);
	}
	db_stmt_free(st);
	return rc;
}
