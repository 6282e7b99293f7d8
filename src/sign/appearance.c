/*
 * appearance.c: the appearance of a visible signature: a form XObject with
 * an opaque white box, a thin frame and the lines
 *   "Semnat digital de" / "Digitally signed by", the signer's name,
 *   date and time with zone, reason and location when given.
 * The text is shaped and drawn by apfont.c (any script: fallback fonts
 * embedded as subsets, bidi, ToUnicode); a character no font has is
 * refused before anything is written (glyph_missing). No transparency:
 * a PDF/A input stays conforming.
 */
#include <stdio.h>
#include <string.h>

#include <mupdf/fitz.h>
#include <mupdf/pdf.h>

#include "sign/apfont.h"
#include "sign/pdf_intake.h"
#include "sign/sign.h"
#include "sign/sign_local.h"

#define AP_PAD 3.0f

/* The lines of the box; their number. */
static int
ap_lines(char lines[AP_LINES_MAX][AP_LINE_BYTES], const char *name,
    const char *when, const struct sign_opts *opts)
{
	bool en = opts->lang == SIGN_LANG_EN;
	int n = 0;

	snprintf(lines[n++], AP_LINE_BYTES, "%s",
	    en ? "Digitally signed by" : "Semnat digital de");
	snprintf(lines[n++], AP_LINE_BYTES, "%s", name);
	snprintf(
	    lines[n++], AP_LINE_BYTES, "%s %s", en ? "Date:" : "Data:", when);
	if (opts->reason != NULL && opts->reason[0] != '\0')
		snprintf(lines[n++], AP_LINE_BYTES, "%s %s",
		    en ? "Reason:" : "Motiv:", opts->reason);
	if (opts->location != NULL && opts->location[0] != '\0')
		snprintf(lines[n++], AP_LINE_BYTES, "%s %s",
		    en ? "Location:" : "Loca\xc8\x9bie:", opts->location);
	return n;
}

static enum pc_rc
ap_shape(fz_context *ctx, const char *name, const char *when,
    const struct sign_opts *opts, struct ap_text **t, struct sign_err *err)
{
	char lines[AP_LINES_MAX][AP_LINE_BYTES], missing[SIGN_ERR_MSG_MAX / 2];
	const char *lp[AP_LINES_MAX];
	int i, n;
	enum pc_rc rc;

	n = ap_lines(lines, name, when, opts);
	for (i = 0; i < n; i++)
		lp[i] = lines[i];
	rc = ap_text_shape(ctx, lp, n, t, missing, sizeof(missing));
	if (rc == PC_EINVAL)
		rc = sign_err_set(err, PC_EINVAL, "glyph_missing",
		    "the visible signature cannot show %s (no font has "
		    "them); sign invisibly or leave them out",
		    missing);
	return rc;
}

enum pc_rc
sign_appearance_check(fz_context *ctx, const char *name, const char *when,
    const struct sign_opts *opts, struct sign_err *err)
{
	struct ap_text *t = NULL;
	enum pc_rc rc;

	rc = ap_shape(ctx, name, when, opts, &t, err);
	ap_text_free(t);
	return rc;
}

pdf_obj *
sign_appearance_new(fz_context *ctx, pdf_document *doc, float w, float h,
    const char *name, const char *when, const struct sign_opts *opts)
{
	struct ap_text *volatile t = NULL;
	struct ap_text *tt = NULL;
	struct sign_err err;
	fz_buffer *b = NULL;
	pdf_obj *res = NULL, *fonts;
	/* Set inside fz_try, read after it: volatile for setjmp. */
	pdf_obj *volatile xobj = NULL;
	float lh, fs, y, tw;
	int i, n;

	memset(&err, 0, sizeof(err));
	if (ap_shape(ctx, name, when, opts, &tt, &err) != PC_OK)
		fz_throw(ctx, FZ_ERROR_GENERIC, "%s", err.msg);
	t = tt;
	fz_var(b);
	fz_var(res);
	fz_try(ctx)
	{
		n = ap_text_lines(t);
		res = pdf_new_dict(ctx, doc, 1);
		fonts = pdf_dict_put_dict(ctx, res, PDF_NAME(Font), 2);
		ap_text_fonts(ctx, doc, t, fonts);
		b = fz_new_buffer(ctx, 1024);
		fz_append_printf(ctx, b, "q 1 1 1 rg 0 0 %g %g re f Q\n", w, h);
		fz_append_printf(ctx, b,
		    "q 0.1 0.2 0.55 RG 0.8 w 0.4 0.4 %g %g re S Q\n", w - 0.8f,
		    h - 0.8f);
		lh = (h - 2 * AP_PAD) / (float)n;
		y = h - AP_PAD;
		for (i = 0; i < n; i++) {
			fs = lh * 0.8f;
			tw = ap_text_width(t, i);
			if (tw > 0 && tw * fs > w - 2 * AP_PAD)
				fs = (w - 2 * AP_PAD) / tw;
			y -= lh;
			ap_text_draw(ctx, b, t, i, fs, AP_PAD,
			    y + (lh - fs) / 2 + fs * 0.2f);
		}
		xobj = pdf_new_xobject(
		    ctx, doc, fz_make_rect(0, 0, w, h), fz_identity, res, b);
	}
	fz_always(ctx)
	{
		fz_drop_buffer(ctx, b);
		pdf_drop_obj(ctx, res);
		ap_text_free(t);
	}
	fz_catch(ctx)
	{
		fz_rethrow(ctx);
	}
	return xobj;
}
