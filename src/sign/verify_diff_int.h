/*
 * verify_diff_int.h: what the parts of verify_diff.c share inside
 * src/sign/ (verify_int.h has vdiff_run, the entry point): the state of
 * one comparison and its helpers.
 */
#ifndef PC_VERIFY_DIFF_INT_H
#define PC_VERIFY_DIFF_INT_H

#include <stdbool.h>

#include <mupdf/fitz.h>
#include <mupdf/pdf.h>

#include "base/pc.h"
#include "sign/verify_int.h"

#define DIFF_DEPTH 24
#define DIFF_PAGES_MAP 10000 /* pages walked to attribute an object */

enum {
	D_SAME = 0,
	D_NEW,
	D_MOD,
	D_DEL,
};

struct diff {
	fz_context *ctx;
	pdf_document *od, *nd; /* old revision, the whole file */
	int n;                 /* objects compared */
	unsigned char *st;     /* D_* per object */
	unsigned char *ok;     /* explained (allowed or reported) */
	int *page;             /* page of an object (lazy), 0: none */
	bool paged;
	struct sign_vsig *s;
	int docmdp;
	pdf_obj **locks;
	int nlocks;
};

/* verify_diff.c */

/* Report a change of object obj (on page, 0: none), allowed or not. */
void vdiff_note(struct diff *d, int obj, int page, bool allowed,
    const char *fmt, ...) PC_PRINTF(5, 6);
/* The object number of o when indirect and compared, else 0. */
int vdiff_num_of(struct diff *d, pdf_obj *o);
/*
 * Mark o and every new object under it as explained; with any, also the
 * changed objects under it that belong to no page.
 */
void vdiff_allow_tree(struct diff *d, pdf_obj *o, int depth, bool any);
/* Is the field named name locked by the signatures up to s? */
bool vdiff_field_locked(struct diff *d, const char *name);
/* The page (1-based) object num belongs to, 0: none. */
int vdiff_page_of(struct diff *d, int num);

/* verify_diff_pages.c */

/* Is o in the array arr? */
bool vdiff_in_array(fz_context *ctx, pdf_obj *arr, pdf_obj *o);
/* Pages: added, removed, changed entries (only /Annots may grow). */
void vdiff_pages(struct diff *d);
/* One field (and its kids): added, signed, filled or changed. */
void vdiff_field(struct diff *d, pdf_obj *nf, int depth, bool parent_value);

/* verify_diff_catalog.c */

/* The catalog's entries and the dictionaries under it. */
void vdiff_catalog(struct diff *d);
/* Everything not explained: a change not allowed. */
void vdiff_rest(struct diff *d);

#endif /* PC_VERIFY_DIFF_INT_H */
