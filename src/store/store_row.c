/*
 * store_row.c: statements with a bind alphabet, and the table-driven row
 * mapper (see store_row.h).
 *
 * The SQL of a row statement is built at each call from the column table
 * (the same text every time, so the PostgreSQL driver's statement cache
 * still finds it). Members are read and written with memcpy, so a column
 * may map onto any member of its size without aliasing questions.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/log.h"
#include "base/pc.h"
#include "store/store.h"
#include "store/store_int.h"
#include "store/store_row.h"

#define ROW_SQL_MAX 8192

/* ---- statements ------------------------------------------------------ */

static enum pc_rc
bindv(struct db_stmt *st, const char *fmt, va_list ap)
{
	enum pc_rc rc = PC_OK;
	const void *p;
	size_t n;
	int i;

	for (i = 1; *fmt != '\0' && rc == PC_OK; fmt++, i++) {
		switch (*fmt) {
		case 's':
			rc = db_bind_text(st, i, va_arg(ap, const char *));
			break;
		case 'i':
			rc = db_bind_i64(st, i, va_arg(ap, int64_t));
			break;
		case 'b':
			p = va_arg(ap, const void *);
			n = va_arg(ap, size_t);
			rc = p != NULL ? db_bind_blob(st, i, p, n)
			               : db_bind_null(st, i);
			break;
		default:
			RETURN_VAL_IF_FAIL(!"bind letter", PC_EINTERNAL);
		}
	}
	return rc;
}

/* Prepare sql and bind the arguments of fmt. OUT: *out (db_stmt_free). */
static enum pc_rc
q_vprep(struct db *db, struct db_stmt **out, const char *sql, const char *fmt,
    va_list ap)
{
	enum pc_rc rc;

	RETURN_VAL_IF_FAIL(out != NULL && fmt != NULL, PC_EINTERNAL);
	rc = db_prepare(db, sql, out);
	if (rc != PC_OK)
		return rc;
	rc = bindv(*out, fmt, ap);
	if (rc != PC_OK) {
		db_stmt_free(*out);
		*out = NULL;
	}
	return rc;
}

/* Step st until it has no more rows; OUT: *changes (may be NULL). */
static enum pc_rc
finish(struct db_stmt *st, int64_t *changes)
{
	enum pc_rc rc = PC_OK;
	bool row = true;

	while (rc == PC_OK && row)
		rc = db_step(st, &row);
	if (rc == PC_OK && changes != NULL)
		*changes = db_changes(st);
	return rc;
}

static enum pc_rc
q_vrun(struct db *db, int64_t *changes, const char *sql, const char *fmt,
    va_list ap)
{
	struct db_stmt *st = NULL;
	enum pc_rc rc;

	if (changes != NULL)
		*changes = 0;
	rc = q_vprep(db, &st, sql, fmt, ap);
	if (rc == PC_OK)
		rc = finish(st, changes);
	db_stmt_free(st);
	return rc;
}

/* Run sql to its end. OUT: *changes (may be NULL). */
enum pc_rc
store_q_run(
    struct db *db, int64_t *changes, const char *sql, const char *fmt, ...)
{
	va_list ap;
	enum pc_rc rc;

	va_start(ap, fmt);
	rc = q_vrun(db, changes, sql, fmt, ap);
	va_end(ap);
	return rc;
}

/* Run sql; none when it changed no row. */
enum pc_rc
store_q_change(
    struct db *db, enum pc_rc none, const char *sql, const char *fmt, ...)
{
	int64_t n = 0;
	va_list ap;
	enum pc_rc rc;

	va_start(ap, fmt);
	rc = q_vrun(db, &n, sql, fmt, ap);
	va_end(ap);
	if (rc == PC_OK && n == 0)
		rc = none;
	return rc;
}

/* The integer in the first row of sql. OUT: *out. none (and 0): no row. */
static enum pc_rc
q_vi64(struct db *db, enum pc_rc none, int64_t *out, const char *sql,
    const char *fmt, va_list ap)
{
	struct db_stmt *st = NULL;
	enum pc_rc rc;
	bool row = false;

	RETURN_VAL_IF_FAIL(out != NULL, PC_EINTERNAL);
	*out = 0;
	rc = q_vprep(db, &st, sql, fmt, ap);
	if (rc == PC_OK)
		rc = db_step(st, &row);
	if (rc == PC_OK && !row) {
		db_stmt_free(st);
		return none;
	}
	if (rc == PC_OK) {
		*out = db_col_i64(st, 0);
		/* SQLite completes an INSERT/UPDATE ... RETURNING here. */
		rc = finish(st, NULL);
	}
	if (rc != PC_OK)
		*out = 0;
	db_stmt_free(st);
	return rc;
}

enum pc_rc
store_q_i64(struct db *db, int64_t *out, const char *sql, const char *fmt, ...)
{
	va_list ap;
	enum pc_rc rc;

	va_start(ap, fmt);
	rc = q_vi64(db, PC_ENOTFOUND, out, sql, fmt, ap);
	va_end(ap);
	return rc;
}

enum pc_rc
store_q_i64_or(struct db *db, enum pc_rc none, int64_t *out, const char *sql,
    const char *fmt, ...)
{
	va_list ap;
	enum pc_rc rc;

	va_start(ap, fmt);
	rc = q_vi64(db, none, out, sql, fmt, ap);
	va_end(ap);
	return rc;
}

/* Each row's first column as text: fn(arg, text) (copied, "" for NULL). */
enum pc_rc
store_q_each_text(struct db *db, enum pc_rc (*fn)(void *arg, const char *s),
    void *arg, const char *sql, const char *fmt, ...)
{
	struct db_stmt *st = NULL;
	char s[65]; /* an id, a serial */
	bool more = false;
	va_list ap;
	enum pc_rc rc;

	RETURN_VAL_IF_FAIL(db != NULL && fn != NULL, PC_EINTERNAL);
	va_start(ap, fmt);
	rc = q_vprep(db, &st, sql, fmt, ap);
	va_end(ap);
	while (rc == PC_OK && (rc = db_step(st, &more)) == PC_OK && more) {
		snprintf(s, sizeof(s), "%s",
		    db_col_text(st, 0) != NULL ? db_col_text(st, 0) : "");
		rc = fn(arg, s);
	}
	db_stmt_free(st);
	return rc;
}

/* ---- SQL of a column table --------------------------------------------- */

static bool
col_selected(const struct store_col *k)
{
	return (k->flags & COL_WO) == 0;
}

static bool
col_written(const struct store_col *k)
{
	return (k->flags & COL_RO) == 0;
}

/* Append the SELECT list of cols to b. */
static void
sql_select_list(struct buf *b, const struct store_cols *cols)
{
	const struct store_col *k;
	const char *sep = "";
	size_t i;

	for (i = 0; i < cols->n; i++) {
		k = &cols->col[i];
		if (!col_selected(k))
			continue;
		buf_append_str(b, sep);
		sep = ", ";
		if (k->expr != NULL)
			buf_append_str(b, k->expr);
		else if (cols->alias != NULL)
			buf_printf(b, "%s.%s", cols->alias, k->name);
		else
			buf_append_str(b, k->name);
	}
}

static enum pc_rc
sql_done(const struct buf *b)
{
	if (buf_ok(b))
		return PC_OK;
	RETURN_VAL_IF_FAIL(buf_rc(b) == PC_ENOMEM, PC_EINTERNAL);
	return PC_ENOMEM;
}

/* "SELECT <list> FROM <from> <tail>" into b. */
static enum pc_rc
sql_select(struct buf *b, const struct store_cols *cols, const char *tail)
{
	buf_init(b, ROW_SQL_MAX);
	buf_append_str(b, "SELECT ");
	sql_select_list(b, cols);
	buf_printf(b, " FROM %s %s",
	    cols->from != NULL ? cols->from : cols->table, tail);
	return sql_done(b);
}

/* "INSERT INTO <table> (<names>) VALUES ($1, ...) <tail>" into b. */
static enum pc_rc
sql_insert(struct buf *b, const struct store_cols *cols, const char *tail)
{
	const char *sep = "";
	size_t i;
	int n = 0;

	buf_init(b, ROW_SQL_MAX);
	buf_printf(b, "INSERT INTO %s (", cols->table);
	for (i = 0; i < cols->n; i++) {
		if (!col_written(&cols->col[i]))
			continue;
		buf_printf(b, "%s%s", sep, cols->col[i].name);
		sep = ", ";
		n++;
	}
	buf_append_str(b, ") VALUES (");
	for (i = 1; i <= (size_t)n; i++)
		buf_printf(b, "%s$%zu", i > 1 ? ", " : "", i);
	buf_printf(b, ") %s", tail != NULL ? tail : "");
	return sql_done(b);
}

/* ---- one column ---------------------------------------------------------- */

/* Check that the member has the size the type says. */
static bool
col_size_ok(const struct store_col *k)
{
	switch (k->type) {
	case COL_I64:
		return k->aux == sizeof(int64_t);
	case COL_INT:
		return k->aux == sizeof(int);
	case COL_SIZE:
		return k->aux == sizeof(size_t);
	case COL_BOOL:
		return k->aux == sizeof(bool);
	case COL_TEXT:
		return k->aux > 0;
	case COL_STR:
	case COL_REF:
		return k->aux == sizeof(char *);
	case COL_BLOB:
		return true; /* aux is the offset of the length */
	}
	return false;
}

static enum pc_rc
col_read_text(const struct store_cols *cols, const struct store_col *k,
    const char *s, uint8_t *p)
{
	size_t n;

	if (s == NULL)
		s = "";
	n = strlen(s);
	if (n >= k->aux) {
		log_warnx("store: %s.%s: %zu bytes do not fit in %zu",
		    cols->table, k->name, n, k->aux - 1);
		return PC_EDB;
	}
	memcpy(p, s, n + 1);
	return PC_OK;
}

static enum pc_rc
col_read_blob(
    const struct store_col *k, struct db_stmt *st, int col, uint8_t *row)
{
	const uint8_t *b;
	uint8_t *q;
	size_t n = 0;

	if (db_col_is_null(st, col))
		return PC_OK;
	b = db_col_blob(st, col, &n);
	if (b == NULL)
		return PC_EDB; /* the driver could not decode it (logged) */
	q = malloc(n > 0 ? n : 1);
	if (q == NULL)
		return PC_ENOMEM;
	if (n > 0)
		memcpy(q, b, n);
	memcpy(row + k->off, &q, sizeof(q));
	memcpy(row + k->aux, &n, sizeof(n));
	return PC_OK;
}

/* Column col of st into its member of row (zeroed before). */
static enum pc_rc
col_read(const struct store_cols *cols, const struct store_col *k,
    struct db_stmt *st, int col, uint8_t *row)
{
	uint8_t *p = row + k->off;
	const char *s;
	int64_t v;
	int iv;
	size_t sv;
	bool bv;
	char *d;

	RETURN_VAL_IF_FAIL(col_size_ok(k), PC_EINTERNAL);
	switch (k->type) {
	case COL_I64:
		v = db_col_i64(st, col);
		memcpy(p, &v, sizeof(v));
		break;
	case COL_INT:
		iv = (int)db_col_i64(st, col);
		memcpy(p, &iv, sizeof(iv));
		break;
	case COL_SIZE:
		sv = (size_t)db_col_i64(st, col);
		memcpy(p, &sv, sizeof(sv));
		break;
	case COL_BOOL:
		bv = db_col_i64(st, col) != 0;
		memcpy(p, &bv, sizeof(bv));
		break;
	case COL_TEXT:
		return col_read_text(cols, k, db_col_text(st, col), p);
	case COL_STR:
		s = db_col_text(st, col);
		if (s == NULL)
			break;
		d = strdup(s);
		if (d == NULL)
			return PC_ENOMEM;
		memcpy(p, &d, sizeof(d));
		break;
	case COL_REF:
		s = db_col_text(st, col);
		memcpy(p, &s, sizeof(s));
		break;
	case COL_BLOB:
		return col_read_blob(k, st, col, row);
	}
	return PC_OK;
}

/* Bind the member of row of k to parameter idx. */
static enum pc_rc
col_bind(
    const struct store_col *k, struct db_stmt *st, int idx, const uint8_t *row)
{
	const uint8_t *p = row + k->off;
	bool null0 = (k->flags & COL_NULL0) != 0;
	const char *s;
	const void *b;
	int64_t v = 0;
	int iv;
	size_t sv;
	bool bv;

	RETURN_VAL_IF_FAIL(col_size_ok(k), PC_EINTERNAL);
	switch (k->type) {
	case COL_I64:
		memcpy(&v, p, sizeof(v));
		break;
	case COL_INT:
		memcpy(&iv, p, sizeof(iv));
		v = iv;
		break;
	case COL_SIZE:
		memcpy(&sv, p, sizeof(sv));
		v = (int64_t)sv;
		break;
	case COL_BOOL:
		memcpy(&bv, p, sizeof(bv));
		v = bv ? 1 : 0;
		break;
	case COL_TEXT:
		RETURN_VAL_IF_FAIL(
		    memchr(p, '\0', k->aux) != NULL, PC_EINTERNAL);
		s = (const char *)p;
		return null0 && s[0] == '\0' ? db_bind_null(st, idx)
		                             : db_bind_text(st, idx, s);
	case COL_STR:
	case COL_REF:
		memcpy(&s, p, sizeof(s));
		return null0 && s != NULL && s[0] == '\0'
		           ? db_bind_null(st, idx)
		           : db_bind_text(st, idx, s);
	case COL_BLOB:
		memcpy(&b, p, sizeof(b));
		memcpy(&sv, row + k->aux, sizeof(sv));
		return b != NULL ? db_bind_blob(st, idx, b, sv)
		                 : db_bind_null(st, idx);
	}
	return null0 && v == 0 ? db_bind_null(st, idx)
	                       : db_bind_i64(st, idx, v);
}

/* ---- rows ------------------------------------------------------------ */

/* Read the current row of st into row. OUT: *row (store_row_cleanup). */
enum pc_rc
store_row_read(const struct store_cols *cols, struct db_stmt *st, void *row)
{
	enum pc_rc rc = PC_OK;
	size_t i;
	int col = 0;

	RETURN_VAL_IF_FAIL(cols != NULL && st != NULL, PC_EINTERNAL);
	RETURN_VAL_IF_FAIL(row != NULL, PC_EINTERNAL);
	memset(row, 0, cols->size);
	for (i = 0; rc == PC_OK && i < cols->n; i++) {
		if (col_selected(&cols->col[i]))
			rc = col_read(cols, &cols->col[i], st, col++, row);
	}
	if (rc != PC_OK)
		store_row_cleanup(cols, row);
	return rc;
}

/* Free the owned members of row and zero it. */
void
store_row_cleanup(const struct store_cols *cols, void *row)
{
	const struct store_col *k;
	void *p;
	size_t i;

	if (cols == NULL || row == NULL)
		return;
	for (i = 0; i < cols->n; i++) {
		k = &cols->col[i];
		if (!col_selected(k) ||
		    (k->type != COL_STR && k->type != COL_BLOB))
			continue;
		memcpy(&p, (uint8_t *)row + k->off, sizeof(p));
		free(p);
	}
	memset(row, 0, cols->size);
}

/* "<sql> RETURNING <list>" into b. */
static enum pc_rc
sql_returning(struct buf *b, const struct store_cols *cols, const char *sql)
{
	buf_init(b, ROW_SQL_MAX);
	buf_printf(b, "%s RETURNING ", sql);
	sql_select_list(b, cols);
	return sql_done(b);
}

/*
 * The first row of a SELECT of cols with tail, or of sql RETURNING cols,
 * into row.
 */
static enum pc_rc
row_vone(struct db *db, const struct store_cols *cols, void *row,
    bool returning, const char *sql, const char *fmt, va_list ap)
{
	struct db_stmt *st = NULL;
	struct buf b;
	enum pc_rc rc;
	bool have = false;

	RETURN_VAL_IF_FAIL(cols != NULL && row != NULL, PC_EINTERNAL);
	memset(row, 0, cols->size);
	rc = returning ? sql_returning(&b, cols, sql)
	               : sql_select(&b, cols, sql);
	if (rc == PC_OK)
		rc = q_vprep(db, &st, (const char *)b.data, fmt, ap);
	if (rc == PC_OK)
		rc = db_step(st, &have);
	if (rc == PC_OK && !have)
		rc = returning ? PC_ESTATE : PC_ENOTFOUND;
	if (rc == PC_OK)
		rc = store_row_read(cols, st, row);
	/* SQLite completes an UPDATE ... RETURNING on its last step. */
	if (rc == PC_OK && returning) {
		rc = finish(st, NULL);
		if (rc != PC_OK)
			store_row_cleanup(cols, row);
	}
	db_stmt_free(st);
	buf_cleanup(&b);
	return rc;
}

/* SELECT the first row of cols' table with tail. OUT: *row. */
enum pc_rc
store_row_get(struct db *db, const struct store_cols *cols, void *row,
    const char *tail, const char *fmt, ...)
{
	va_list ap;
	enum pc_rc rc;

	va_start(ap, fmt);
	rc = row_vone(db, cols, row, false, tail, fmt, ap);
	va_end(ap);
	return rc;
}

/* Run sql RETURNING the columns of cols. OUT: *row. */
enum pc_rc
store_row_returning(struct db *db, const struct store_cols *cols, void *row,
    const char *sql, const char *fmt, ...)
{
	va_list ap;
	enum pc_rc rc;

	va_start(ap, fmt);
	rc = row_vone(db, cols, row, true, sql, fmt, ap);
	va_end(ap);
	return rc;
}

/* Every row of cols' table with tail, to fn. */
enum pc_rc
store_row_each(struct db *db, const struct store_cols *cols, void *row,
    enum pc_rc (*fn)(void *arg, void *row), void *arg, const char *tail,
    const char *fmt, ...)
{
	struct db_stmt *st = NULL;
	struct buf b;
	va_list ap;
	enum pc_rc rc;
	bool have;

	RETURN_VAL_IF_FAIL(cols != NULL && row != NULL, PC_EINTERNAL);
	RETURN_VAL_IF_FAIL(fn != NULL, PC_EINTERNAL);
	rc = sql_select(&b, cols, tail);
	if (rc == PC_OK) {
		va_start(ap, fmt);
		rc = q_vprep(db, &st, (const char *)b.data, fmt, ap);
		va_end(ap);
	}
	while (rc == PC_OK) {
		rc = db_step(st, &have);
		if (rc != PC_OK || !have)
			break;
		rc = store_row_read(cols, st, row);
		if (rc != PC_OK)
			break;
		rc = fn(arg, row);
		store_row_cleanup(cols, row);
	}
	db_stmt_free(st);
	buf_cleanup(&b);
	return rc;
}

/* INSERT row into cols' table. PC_EEXIST when nothing was inserted. */
enum pc_rc
store_row_insert(struct db *db, const struct store_cols *cols, const void *row,
    const char *tail)
{
	struct db_stmt *st = NULL;
	struct buf b;
	int64_t n = 0;
	enum pc_rc rc;
	size_t i;
	int idx = 1;

	RETURN_VAL_IF_FAIL(db != NULL && cols != NULL, PC_EINTERNAL);
	RETURN_VAL_IF_FAIL(row != NULL, PC_EINTERNAL);
	rc = sql_insert(&b, cols, tail);
	if (rc == PC_OK)
		rc = db_prepare(db, (const char *)b.data, &st);
	for (i = 0; rc == PC_OK && i < cols->n; i++) {
		if (col_written(&cols->col[i]))
			rc = col_bind(&cols->col[i], st, idx++, row);
	}
	if (rc == PC_OK)
		rc = finish(st, &n);
	if (rc == PC_OK && n == 0)
		rc = PC_EEXIST;
	db_stmt_free(st);
	buf_cleanup(&b);
	return rc;
}
