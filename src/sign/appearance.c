/*
 * appearance.c: the appearance of a visible signature: a form XObject with
 * an opaque white box, a thin frame and the lines
 *   "Semnat digital de" / "Digitally signed by", the signer's name,
 *   date and time with zone, reason and location when given.
 * The font is embedded (MuPDF's built-in Nimbus Sans as a CID font with
 * Identity-H, so Romanian letters work), no transparency: a PDF/A input
 * stays conforming.
 */
#include <stdio.h>
#include <string.h>

#include <mupdf/fitz.h>
#include <mupdf/pdf.h>

#include "sign/pdf_intake.h"
#include "sign/sign.h"
#include "sign/sign_local.h"

#define AP_MAX_LINES 6
#define AP_PAD 3.0f

struct ap_line {
	const char *label; /* may be NULL */
	const char *text;
};

/* Width of label+text at size 1 in font. */
static float
line_width(fz_context *ctx, fz_font *font, const char *s)
{
	float w = 0;
	int c, gid;

	while (*s != '\0') {
		s += fz_chartorune(&c, s);
		gid = fz_encode_character(ctx, font, c);
		w += fz_advance_glyph(ctx, font, gid, 0);
	}
	return w;
}

/* Append s as Identity-H glyph ids: <0001002a...> */
static void
append_glyphs(fz_context *ctx, fz_buffer *b, fz_font *font, const char *s)
{
	int c, gid;

	fz_append_byte(ctx, b, '<');
	while (*s != '\0') {
		s += fz_chartorune(&c, s);
		gid = fz_encode_character(ctx, font, c);
		fz_append_printf(ctx, b, "%04x", gid & 0xffff);
	}
	fz_append_byte(ctx, b, '>');
}

pdf_obj *
sign_appearance_new(fz_context *ctx, pdf_document *doc, float w, float h,
    const char *name, const char *when, const struct sign_opts *opts)
{
	bool en = opts->lang == SIGN_LANG_EN;
	char lines[AP_MAX_LINES][320];
	fz_font *font = NULL;
	fz_buffer *b = NULL;
	pdf_obj *fref = NULL, *res = NULL;
	/* Set inside fz_try, read after it: volatile for setjmp. */
	pdf_obj *volatile xobj = NULL;
	float lh, fs, y, tw;
	volatile int n = 0; /* used after fz_try (setjmp) */
	int i;

	snprintf(lines[n++], sizeof(lines[0]), "%s",
	    en ? "Digitally signed by" : "Semnat digital de");
	snprintf(lines[n++], sizeof(lines[0]), "%s", name);
	snprintf(lines[n++], sizeof(lines[0]), "%s %s",
	    en ? "Date:" : "Data:", when);
	if (opts->reason != NULL && opts->reason[0] != '\0')
		snprintf(lines[n++], sizeof(lines[0]), "%s %s",
		    en ? "Reason:" : "Motiv:", opts->reason);
	if (opts->location != NULL && opts->location[0] != '\0')
		snprintf(lines[n++], sizeof(lines[0]), "%s %s",
		    en ? "Location:" : "Loca\xc8\x9bie:", opts->location);

	fz_var(font);
	fz_var(b);
	fz_var(fref);
	fz_var(res);
	fz_try(ctx)
	{
		font = fz_new_base14_font(ctx, "Helvetica");
		fref = pdf_add_cid_font(ctx, doc, font);
		b = fz_new_buffer(ctx, 1024);
		fz_append_printf(ctx, b, "q 1 1 1 rg 0 0 %g %g re f Q\n", w, h);
		fz_append_printf(ctx, b,
		    "q 0.1 0.2 0.55 RG 0.8 w 0.4 0.4 %g %g re S Q\n", w - 0.8f,
		    h - 0.8f);
		lh = (h - 2 * AP_PAD) / (float)n;
		y = h - AP_PAD;
		for (i = 0; i < n; i++) {
			fs = lh * 0.8f;
			tw = line_width(ctx, font, lines[i]);
			if (tw > 0 && tw * fs > w - 2 * AP_PAD)
				fs = (w - 2 * AP_PAD) / tw;
			y -= lh;
			fz_append_printf(ctx, b,
			    "BT 0 0 0 rg /F1 %g Tf %g %g "
			    "Td ",
			    fs, AP_PAD, y + (lh - fs) / 2 + fs * 0.2f);
			append_glyphs(ctx, b, font, lines[i]);
			fz_append_string(ctx, b, " Tj ET\n");
		}
		res = pdf_new_dict(ctx, doc, 1);
		pdf_dict_put_dict(ctx, res, PDF_NAME(Font), 1);
		pdf_dict_puts(
		    ctx, pdf_dict_get(ctx, res, PDF_NAME(Font)), "F1", fref);
		xobj = pdf_new_xobject(
		    ctx, doc, fz_make_rect(0, 0, w, h), fz_identity, res, b);
	}
	fz_always(ctx)
	{
		fz_drop_font(ctx, font);
		fz_drop_buffer(ctx, b);
		pdf_drop_obj(ctx, fref);
		pdf_drop_obj(ctx, res);
	}
	fz_catch(ctx)
	{
		fz_rethrow(ctx);
	}
	return xobj;
}
