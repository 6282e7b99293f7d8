/*
 * appearance.c: the appearance of a visible signature: a form XObject with
 * an opaque white box, a thin frame and the lines
 *   "Semnat digital de" / "Digitally signed by", the signer's name,
 *   date and time with zone, reason and location when given.
 * The text is shaped and drawn by apfont.c (any script: fallback fonts
 * embedded as subsets, bidi, ToUnicode); a character no font has is
 * refused before anything is written (glyph_missing). An appearance
 * profile (OUG 140/2020) adds its lines under these and its image in the
 * left part of the box. No transparency: an image's alpha is flattened
 * onto white (no SMask), so a PDF/A input stays conforming.
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
_Static_assert(AP_LINE_BYTES >= SIGN_APPROF_LINE_BYTES,
    "a profile line fits a drawn line whole");

static int
ap_lines(char lines[AP_LINES_MAX][AP_LINE_BYTES], const char *name,
    const char *when, const struct sign_opts *opts)
{
	bool en = opts->lang == SIGN_LANG_EN;
	int i, n = 0;

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
	for (i = 0; opts->approf != NULL && i < opts->approf->nlines &&
	            i < SIGN_APPROF_LINES && n < AP_LINES_MAX;
	     i++)
		snprintf(
		    lines[n++], AP_LINE_BYTES, "%s", opts->approf->lines[i]);
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

/* PNG or JPEG by the first bytes. */
static bool
ap_image_magic(const uint8_t *p, size_t n)
{
	static const uint8_t png[8] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a,
		'\n' };

	if (n >= 8 && memcmp(p, png, 8) == 0)
		return true;
	return n >= 3 && p[0] == 0xff && p[1] == 0xd8 && p[2] == 0xff;
}

/*
 * The image p[0..n) decoded, as RGB without alpha: a transparent pixel
 * becomes white (alpha flattened, no SMask). Throws on anything else
 * than a PNG or JPEG within the limits. OUT: the pixmap (fz_drop_pixmap).
 */
static fz_pixmap *
ap_image_rgb(fz_context *ctx, const uint8_t *p, size_t n)
{
	fz_buffer *volatile ib = NULL;
	fz_image *volatile img = NULL;
	fz_pixmap *volatile pix = NULL, *volatile rgb = NULL;
	fz_pixmap *volatile out = NULL;
	unsigned char *s, *d;
	int x, y, k, a, v;

	if (n == 0 || n > SIGN_APPROF_IMAGE_MAX || !ap_image_magic(p, n))
		fz_throw(ctx, FZ_ERROR_GENERIC, "not a PNG or JPEG image");
	fz_try(ctx)
	{
		ib = fz_new_buffer_from_copied_data(ctx, p, n);
		img = fz_new_image_from_buffer(ctx, ib);
		if (img->w <= 0 || img->h <= 0 ||
		    (int64_t)img->w * img->h > SIGN_APPROF_PIXELS_MAX)
			fz_throw(ctx, FZ_ERROR_GENERIC, "image too large");
		pix =
		    fz_get_pixmap_from_image(ctx, img, NULL, NULL, NULL, NULL);
		rgb = fz_convert_pixmap(ctx, pix, fz_device_rgb(ctx), NULL,
		    NULL, fz_default_color_params, 1);
		out = fz_new_pixmap(
		    ctx, fz_device_rgb(ctx), rgb->w, rgb->h, NULL, 0);
		for (y = 0; y < rgb->h; y++) {
			s = rgb->samples + (size_t)y * rgb->stride;
			d = out->samples + (size_t)y * out->stride;
			for (x = 0; x < rgb->w; x++) {
				/* premultiplied: c + (255 - a) over white */
				a = rgb->alpha ? s[3] : 255;
				for (k = 0; k < 3; k++) {
					v = s[k] + 255 - a;
					d[k] =
					    (unsigned char)(v > 255 ? 255 : v);
				}
				s += rgb->n;
				d += 3;
			}
		}
	}
	fz_always(ctx)
	{
		fz_drop_pixmap(ctx, rgb);
		fz_drop_pixmap(ctx, pix);
		fz_drop_image(ctx, img);
		fz_drop_buffer(ctx, ib);
	}
	fz_catch(ctx)
	{
		fz_drop_pixmap(ctx, out);
		fz_rethrow(ctx);
	}
	return out;
}

enum pc_rc
sign_image_check(const uint8_t *p, size_t n, struct sign_err *err)
{
	fz_context *ctx;
	fz_pixmap *volatile pix = NULL;
	volatile enum pc_rc rc = PC_OK;

	if (n == 0 || n > SIGN_APPROF_IMAGE_MAX || !ap_image_magic(p, n))
		return sign_err_set(err, PC_EINVAL, "bad_image",
		    "the image must be a PNG or JPEG of at most %d KB",
		    SIGN_APPROF_IMAGE_MAX / 1024);
	ctx = fz_new_context(NULL, NULL, FZ_STORE_DEFAULT);
	if (ctx == NULL)
		return PC_ENOMEM;
	fz_try(ctx)
	{
		fz_register_document_handlers(ctx);
		pix = ap_image_rgb(ctx, p, n);
	}
	fz_catch(ctx)
	{
		rc = sign_err_set(err, PC_EINVAL, "bad_image",
		    "the image cannot be read as a PNG or JPEG of at most %d "
		    "pixels",
		    SIGN_APPROF_PIXELS_MAX);
	}
	fz_drop_pixmap(ctx, pix);
	fz_drop_context(ctx);
	return rc;
}

enum pc_rc
sign_text_check(const char *const *lines, int n, struct sign_err *err)
{
	char missing[SIGN_ERR_MSG_MAX / 2];
	struct ap_text *t = NULL;
	fz_context *ctx;
	enum pc_rc rc;

	if (n <= 0)
		return PC_OK;
	if (n > AP_LINES_MAX)
		return sign_err_set(
		    err, PC_EINVAL, "glyph_missing", "too many lines");
	ctx = fz_new_context(NULL, NULL, FZ_STORE_DEFAULT);
	if (ctx == NULL)
		return PC_ENOMEM;
	rc = ap_text_shape(ctx, lines, n, &t, missing, sizeof(missing));
	if (rc == PC_EINVAL)
		rc = sign_err_set(err, PC_EINVAL, "glyph_missing",
		    "no font can show %s", missing);
	ap_text_free(t);
	fz_drop_context(ctx);
	return rc;
}

/* Put the profile's image into res as /Im1. OUT: its width / height. */
static float
ap_image_put(fz_context *ctx, pdf_document *doc, pdf_obj *res,
    const struct sign_approf *ap)
{
	fz_pixmap *volatile pix = NULL;
	fz_image *volatile img = NULL;
	pdf_obj *volatile ref = NULL;
	pdf_obj *xo;
	volatile float ratio = 1;

	fz_try(ctx)
	{
		pix = ap_image_rgb(ctx, ap->image, ap->image_len);
		img = fz_new_image_from_pixmap(ctx, pix, NULL);
		ref = pdf_add_image(ctx, doc, img);
		xo = pdf_dict_put_dict(ctx, res, PDF_NAME(XObject), 1);
		pdf_dict_puts(ctx, xo, "Im1", ref);
		ratio = (float)pix->w / (float)pix->h;
	}
	fz_always(ctx)
	{
		pdf_drop_obj(ctx, ref);
		fz_drop_image(ctx, img);
		fz_drop_pixmap(ctx, pix);
	}
	fz_catch(ctx)
	{
		fz_rethrow(ctx);
	}
	return ratio;
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
	float lh, fs, y, tw, tx, iw, ih, ratio;
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
		tx = AP_PAD;
		if (opts->approf != NULL && opts->approf->image != NULL) {
			/* The image in the left third at most, its ratio kept.
			 */
			ratio = ap_image_put(ctx, doc, res, opts->approf);
			ih = h - 2 * AP_PAD;
			iw = ih * ratio;
			if (iw > w / 3) {
				iw = w / 3;
				ih = iw / ratio;
			}
			fz_append_printf(ctx, b,
			    "q %g 0 0 %g %g %g cm /Im1 Do Q\n", iw, ih, AP_PAD,
			    (h - ih) / 2);
			tx = 2 * AP_PAD + iw;
		}
		lh = (h - 2 * AP_PAD) / (float)n;
		y = h - AP_PAD;
		for (i = 0; i < n; i++) {
			fs = lh * 0.8f;
			tw = ap_text_width(t, i);
			if (tw > 0 && tw * fs > w - tx - AP_PAD)
				fs = (w - tx - AP_PAD) / tw;
			y -= lh;
			ap_text_draw(ctx, b, t, i, fs, tx,
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
