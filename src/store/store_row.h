/*
 * store_row.h: statements and the row mapper shared by the files of
 * src/store (nobody else includes it).
 *
 * Statements: store_q_*() prepare SQL, bind its parameters from a format
 * string and run it. The bind alphabet, one letter per parameter $1, $2...:
 *
 *	's'	const char *		text; NULL binds SQL NULL
 *	'i'	int64_t			integer (cast bools and sizes)
 *	'b'	const void *, size_t	bytes; NULL binds SQL NULL
 *
 * Rows: a table is described once, as an array of struct store_col (name,
 * type, offsetof in the row struct) in a struct store_cols. The SELECT
 * list, the INSERT column and value lists, reading a row (both drivers,
 * through db_col_*), binding it and freeing it are all driven by it, so a
 * column's position and its name cannot drift apart.
 *
 * The NULL rule: SQL NULL reads as the empty value of the type (0, false,
 * "" for fixed text) and as a NULL pointer for pointer types (COL_STR,
 * COL_REF, COL_BLOB). When writing, a NULL pointer binds SQL NULL; a
 * column flagged COL_NULL0 also writes its empty value ("" or 0) as NULL.
 * Fixed text longer than its array is refused (PC_EDB), never cut: a cut
 * id could name another row.
 */
#ifndef PC_STORE_ROW_H
#define PC_STORE_ROW_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/pc.h"
#include "store/store.h"

enum store_col_type {
	COL_I64,  /* int64_t */
	COL_INT,  /* int (or an enum of int size) */
	COL_SIZE, /* size_t */
	COL_BOOL, /* bool, stored as 0/1 */
	COL_TEXT, /* char[N]: fixed, bounded text */
	COL_STR,  /* char *: malloc()ed text */
	COL_REF,  /* const char *: borrowed from the statement (each only) */
	COL_BLOB, /* uint8_t *: malloc()ed bytes; the length in a size_t */
};

#define COL_RO 0x1    /* read, never written (defaults, joins) */
#define COL_WO 0x2    /* written, never read (a second column of a member) */
#define COL_NULL0 0x4 /* the empty value ("" or 0) is written as NULL */

struct store_col {
	const char *name; /* the column (INSERT) */
	const char *expr; /* what SELECT reads; NULL: the name */
	enum store_col_type type;
	unsigned flags; /* COL_RO, COL_WO, COL_NULL0 */
	size_t off;     /* offsetof of the member */
	size_t aux;     /* sizeof the member; COL_BLOB: offsetof the length */
};

struct store_cols {
	const char *table; /* INSERT INTO table */
	const char *from;  /* SELECT ... FROM from; NULL: the table */
	const char *alias; /* prefix of columns without expr in SELECT */
	const struct store_col *col;
	size_t n;
	size_t size; /* sizeof the row struct */
};

/* A column named like its member; one with another name or expression. */
#define STORE_COL(T, m, type, flags) STORE_COLX(T, m, type, flags, #m, NULL)
#define STORE_COLX(T, m, type, flags, name, expr)                              \
	{                                                                      \
		name, expr, type, flags, offsetof(T, m), sizeof(((T *)0)->m)   \
	}
/* Bytes in member m, their length in member len (size_t). */
#define STORE_BLOB(T, m, len, flags) STORE_BLOBX(T, m, len, flags, #m)
#define STORE_BLOBX(T, m, len, flags, name)                                    \
	{                                                                      \
		name, NULL, COL_BLOB, flags, offsetof(T, m), offsetof(T, len)  \
	}
#define STORE_COLS(T, table, from, alias, cols)                                \
	{                                                                      \
		table, from, alias, cols, PC_ARRAY_LEN(cols), sizeof(T)        \
	}

/*
 * STORE_ROW_EACH_FN(name, T) defines struct name_each { fn, arg } and
 * name_each_call(), which store_row_each calls to hand each row to a typed
 * callback enum pc_rc fn(void *arg, const T *row).
 */
#define STORE_ROW_EACH_FN(name, T)                                             \
	struct name##_each {                                                   \
		enum pc_rc (*fn)(void *arg, const T *row);                     \
		void *arg;                                                     \
	};                                                                     \
	static enum pc_rc name##_each_call(void *arg, void *row)               \
	{                                                                      \
		struct name##_each *e = arg;                                   \
		return e->fn(e->arg, row);                                     \
	}

/* ---- statements ------------------------------------------------------ */

/*
 * Run sql to its end (rows are skipped). OUT: *changes (may be NULL), the
 * rows it inserted, updated or deleted.
 */
enum pc_rc store_q_run(
    struct db *db, int64_t *changes, const char *sql, const char *fmt, ...);
/*
 * Run sql; when it changed no row return none (PC_ENOTFOUND, PC_ESTATE,
 * PC_EEXIST, ...), else PC_OK. For conditional updates and ON CONFLICT DO
 * NOTHING inserts.
 */
enum pc_rc store_q_change(
    struct db *db, enum pc_rc none, const char *sql, const char *fmt, ...);
/*
 * Run sql, which yields one integer in its first row (a SELECT, or a
 * statement with RETURNING), to its end. OUT: *out. PC_ENOTFOUND (and *out
 * = 0) when it yields no row.
 */
enum pc_rc store_q_i64(
    struct db *db, int64_t *out, const char *sql, const char *fmt, ...);
/*
 * Like store_q_i64, but no row returns none (and *out = 0): PC_OK where
 * absent means 0, PC_EDB for a statement that always yields its row (an
 * INSERT ... RETURNING, an upsert).
 */
enum pc_rc store_q_i64_or(struct db *db, enum pc_rc none, int64_t *out,
    const char *sql, const char *fmt, ...);

/*
 * Run sql and call fn with each row's first column (an id: text of at most
 * 64 bytes, copied; "" for NULL); fn's error stops the walk.
 */
enum pc_rc store_q_each_text(struct db *db,
    enum pc_rc (*fn)(void *arg, const char *s), void *arg, const char *sql,
    const char *fmt, ...);

/* ---- rows ------------------------------------------------------------ */

/*
 * Read the current row of st, whose columns are those of cols in order
 * (from column 0), into row. On failure row is cleaned up. OUT: *row
 * (store_row_cleanup).
 */
enum pc_rc store_row_read(
    const struct store_cols *cols, struct db_stmt *st, void *row);
/*
 * SELECT the columns of cols FROM its table, then tail ("WHERE id = $1
 * ..."), with the parameters of fmt; read the first row. PC_ENOTFOUND when
 * there is none. row is zeroed first. OUT: *row (store_row_cleanup).
 */
enum pc_rc store_row_get(struct db *db, const struct store_cols *cols,
    void *row, const char *tail, const char *fmt, ...);
/*
 * Run sql followed by " RETURNING " and the columns of cols (an UPDATE or
 * INSERT) and read the row it returns. PC_ESTATE when it changed no row.
 * OUT: *row (store_row_cleanup).
 */
enum pc_rc store_row_returning(struct db *db, const struct store_cols *cols,
    void *row, const char *sql, const char *fmt, ...);
/*
 * Like store_row_get for every row: each is read into row (scratch space
 * of cols->size bytes), given to fn and cleaned up. A status other than
 * PC_OK from fn stops the walk and is returned.
 */
enum pc_rc store_row_each(struct db *db, const struct store_cols *cols,
    void *row, enum pc_rc (*fn)(void *arg, void *row), void *arg,
    const char *tail, const char *fmt, ...);
/*
 * INSERT INTO the table the written columns of cols with the values of row
 * (copied), then tail (e.g. "ON CONFLICT (id) DO NOTHING"). PC_EEXIST when
 * no row was inserted.
 */
enum pc_rc store_row_insert(struct db *db, const struct store_cols *cols,
    const void *row, const char *tail);
/*
 * Free the COL_STR and COL_BLOB members of row and zero it; NULL is a
 * no-op, a zeroed row is fine.
 */
void store_row_cleanup(const struct store_cols *cols, void *row);

#endif /* PC_STORE_ROW_H */
