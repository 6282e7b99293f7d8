/*
 * apfont.c: fonts, bidi and shaping for the text of a visible signature.
 * See apfont.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hb-ot.h>
#include <hb.h>

#include <mupdf/fitz.h>
#include <mupdf/pdf.h>
#include <mupdf/ucdn.h>

#include "base/log.h"
#include "sign/apfont.h"
#include "sign/hbsub_lazy.h"

#define AP_FONTS 6
#define AP_GLYPHS 640
#define AP_FRAGS 64
#define AP_FONT_FILE_MAX (32 * 1024 * 1024)

/* The fonts in the order they are tried (0: MuPDF's Nimbus Sans). */
static const char *const ap_paths[AP_FONTS] = {
	NULL,
	"/usr/share/fonts/truetype/noto/NotoSans-Regular.ttf",
	"/usr/share/fonts/truetype/noto/NotoSansArabic-Regular.ttf",
	"/usr/share/fonts/truetype/noto/NotoSansHebrew-Regular.ttf",
	"/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
	"/usr/share/fonts/truetype/ancient-scripts/Symbola_hint.ttf",
};

struct ap_font {
	bool tried, ok;
	fz_font *fz;         /* the built-in font (index 0) */
	unsigned char *data; /* owned unless the built-in font */
	size_t len;
	hb_blob_t *blob;
	hb_face_t *face;
	hb_font_t *font;
	unsigned upem;
	hb_set_t *used;         /* glyph ids used (of the whole font) */
	hb_subset_plan_t *plan; /* the subset's glyph mapping */
};

struct ap_glyph {
	unsigned char font;
	unsigned gid;
	int adv, w, dx; /* 1/1000 em: advance, font's width, x offset */
	int cp0, ncp;   /* characters of its cluster (first glyph only) */
};

struct ap_line {
	uint32_t cps[AP_LINE_BYTES];
	int ncps;
	struct ap_glyph g[AP_GLYPHS];
	int ng;
	long width; /* 1/1000 em */
};

struct ap_text {
	fz_context *ctx; /* for the built-in font */
	struct ap_font f[AP_FONTS];
	struct ap_line l[AP_LINES_MAX];
	int nl;
};

struct ap_frag {
	int start, len, level;
};

struct ap_frags {
	struct ap_frag f[AP_FRAGS];
	int n;
	const uint32_t *base;
};

static bool
font_load(fz_context *ctx, struct ap_text *t, int i)
{
	struct ap_font *f = &t->f[i];
	FILE *fp;
	long n;

	if (f->tried)
		return f->ok;
	f->tried = true;
	if (ap_paths[i] == NULL) {
		/* A bare CFF: drawn glyph by glyph (Latin needs no shaping). */
		fz_try(ctx) f->fz = fz_new_base14_font(ctx, "Helvetica");
		fz_catch(ctx) f->fz = NULL;
		f->used = hb_set_create();
		f->upem = 1000;
		f->ok = f->fz != NULL;
		return f->ok;
	} else {
		fp = fopen(ap_paths[i], "rb");
		if (fp == NULL)
			return false;
		if (fseek(fp, 0, SEEK_END) == 0 && (n = ftell(fp)) > 0 &&
		    n < AP_FONT_FILE_MAX && fseek(fp, 0, SEEK_SET) == 0 &&
		    (f->data = malloc((size_t)n)) != NULL &&
		    fread(f->data, 1, (size_t)n, fp) == (size_t)n)
			f->len = (size_t)n;
		fclose(fp);
	}
	if (f->len == 0)
		return false;
	f->blob = hb_blob_create((const char *)f->data, (unsigned)f->len,
	    HB_MEMORY_MODE_READONLY, NULL, NULL);
	f->face = hb_face_create(f->blob, 0);
	f->font = hb_font_create(f->face);
	f->upem = hb_face_get_upem(f->face);
	f->used = hb_set_create();
	f->ok = f->upem > 0 && hb_face_get_glyph_count(f->face) > 1;
	return f->ok;
}

static bool
has_glyph(fz_context *ctx, struct ap_text *t, int i, uint32_t cp)
{
	hb_codepoint_t g = 0;

	if (t->f[i].fz != NULL)
		return fz_encode_character(ctx, t->f[i].fz, (int)cp) > 0;
	return hb_font_get_nominal_glyph(t->f[i].font, cp, &g) && g != 0;
}

/* Characters that go with the font of their neighbours. */
static bool
neutral(uint32_t cp)
{
	int gc = ucdn_get_general_category(cp);

	return (cp < 0x80 && !((cp | 0x20) >= 'a' && (cp | 0x20) <= 'z')) ||
	       gc == UCDN_GENERAL_CATEGORY_MN || gc == UCDN_GENERAL_CATEGORY_ZS;
}

static int
pick(fz_context *ctx, struct ap_text *t, uint32_t cp, int prev)
{
	int i;

	if (prev >= 0 && neutral(cp) && has_glyph(ctx, t, prev, cp))
		return prev;
	for (i = 0; i < AP_FONTS; i++)
		if (font_load(ctx, t, i) && has_glyph(ctx, t, i, cp))
			return i;
	return -1;
}

static void
frag_cb(const uint32_t *frag, size_t len, int level, int script, void *arg)
{
	struct ap_frags *fs = arg;

	if (fs->n >= AP_FRAGS)
		return;
	fs->f[fs->n].start = (int)(frag - fs->base);
	fs->f[fs->n].len = (int)len;
	fs->f[fs->n].level = level;
	fs->n++;
}

/* Unicode rule L2: reverse runs at each level from the highest. */
static void
frags_visual(struct ap_frags *fs)
{
	int lev, maxl = 0, minodd = 127, i, j, k;
	struct ap_frag tmp;

	for (i = 0; i < fs->n; i++) {
		if (fs->f[i].level > maxl)
			maxl = fs->f[i].level;
		if ((fs->f[i].level & 1) && fs->f[i].level < minodd)
			minodd = fs->f[i].level;
	}
	for (lev = maxl; lev >= minodd && lev > 0; lev--) {
		for (i = 0; i < fs->n; i = j) {
			if (fs->f[i].level < lev) {
				j = i + 1;
				continue;
			}
			for (j = i; j < fs->n && fs->f[j].level >= lev; j++)
				;
			for (k = 0; k < (j - i) / 2; k++) {
				tmp = fs->f[i + k];
				fs->f[i + k] = fs->f[j - 1 - k];
				fs->f[j - 1 - k] = tmp;
			}
		}
	}
}

/* The built-in font: one glyph per character, in visual order. */
static void
plain_run(fz_context *ctx, struct ap_text *t, struct ap_line *l, int a, int b,
    bool rtl)
{
	struct ap_font *f = &t->f[0];
	int k, c;

	for (k = 0; k < b - a && l->ng < AP_GLYPHS; k++) {
		struct ap_glyph *g = &l->g[l->ng++];

		c = rtl ? b - 1 - k : a + k;
		g->font = 0;
		g->gid =
		    (unsigned)fz_encode_character(ctx, f->fz, (int)l->cps[c]);
		g->adv = g->w =
		    (int)(fz_advance_glyph(ctx, f->fz, (int)g->gid, 0) *
		          1000.0f);
		g->dx = 0;
		g->cp0 = c;
		g->ncp = 1;
		hb_set_add(f->used, g->gid);
		l->width += g->adv;
	}
}

/* Shape cps[a, b) of line l in font fi, direction rtl; append glyphs. */
static void
shape_run(fz_context *ctx, struct ap_text *t, struct ap_line *l, int fi, int a,
    int b, bool rtl)
{
	struct ap_font *f = &t->f[fi];
	hb_buffer_t *buf;
	hb_glyph_info_t *gi;
	hb_glyph_position_t *gp;
	unsigned n, i, j;
	int end;

	if (f->fz != NULL) {
		plain_run(ctx, t, l, a, b, rtl);
		return;
	}
	buf = hb_buffer_create();
	hb_buffer_add_codepoints(buf, l->cps, l->ncps, (unsigned)a, b - a);
	hb_buffer_set_direction(buf, rtl ? HB_DIRECTION_RTL : HB_DIRECTION_LTR);
	hb_buffer_guess_segment_properties(buf);
	hb_shape(f->font, buf, NULL, 0);
	gi = hb_buffer_get_glyph_infos(buf, &n);
	gp = hb_buffer_get_glyph_positions(buf, &n);
	for (i = 0; i < n && l->ng < AP_GLYPHS; i++) {
		struct ap_glyph *g = &l->g[l->ng++];

		g->font = (unsigned char)fi;
		g->gid = gi[i].codepoint;
		g->adv = (int)((long)gp[i].x_advance * 1000 / (long)f->upem);
		g->dx = (int)((long)gp[i].x_offset * 1000 / (long)f->upem);
		g->w =
		    (int)((long)hb_font_get_glyph_h_advance(f->font, g->gid) *
		          1000 / (long)f->upem);
		g->cp0 = (int)gi[i].cluster;
		end = b;
		for (j = 0; j < n; j++)
			if ((int)gi[j].cluster > g->cp0 &&
			    (int)gi[j].cluster < end)
				end = (int)gi[j].cluster;
		g->ncp = end - g->cp0;
		for (j = 0; j < i; j++)
			if (gi[j].cluster == gi[i].cluster)
				g->ncp = 0; /* the cluster's text is on one */
		hb_set_add(f->used, g->gid);
		l->width += g->adv;
	}
	hb_buffer_destroy(buf);
}

static void
missing_add(char *missing, size_t mlen, uint32_t cp)
{
	char one[32], u[8];
	int k;

	k = fz_runetochar(u, (int)cp);
	u[k] = '\0';
	snprintf(one, sizeof(one), "U+%04X '%s'", (unsigned)cp, u);
	if (strstr(missing, one) != NULL)
		return;
	if (missing[0] != '\0')
		strncat(missing, ", ", mlen - strlen(missing) - 1);
	strncat(missing, one, mlen - strlen(missing) - 1);
}

/* Shape one line; false when a character has no font. */
static bool
shape_line(fz_context *ctx, struct ap_text *t, struct ap_line *l, const char *s,
    char *missing, size_t mlen)
{
	unsigned char font[AP_LINE_BYTES];
	struct ap_frags fs;
	fz_bidi_direction dir = FZ_BIDI_LTR;
	int c, i, a, b, prev = -1, fi;
	bool ok = true;

	while (*s != '\0' && l->ncps < AP_LINE_BYTES) {
		s += fz_chartorune(&c, s);
		l->cps[l->ncps++] = c < 0x20 ? 0x20 : (uint32_t)c;
	}
	for (i = 0; i < l->ncps; i++) {
		fi = pick(ctx, t, l->cps[i], prev);
		if (fi < 0) {
			missing_add(missing, mlen, l->cps[i]);
			ok = false;
			fi = 0;
		}
		font[i] = (unsigned char)fi;
		prev = fi;
	}
	if (!ok || l->ncps == 0)
		return ok;
	memset(&fs, 0, sizeof(fs));
	fs.base = l->cps;
	fz_bidi_fragment_text(
	    ctx, l->cps, (size_t)l->ncps, &dir, frag_cb, &fs, 0);
	frags_visual(&fs);
	for (i = 0; i < fs.n; i++) {
		struct ap_frag *fr = &fs.f[i];
		bool rtl = fr->level & 1;
		int end = fr->start + fr->len;

		if (!rtl) {
			for (a = fr->start; a < end; a = b) {
				for (b = a; b < end && font[b] == font[a]; b++)
					;
				shape_run(ctx, t, l, font[a], a, b, false);
			}
		} else {
			for (b = end; b > fr->start; b = a) {
				for (a = b; a > fr->start &&
				            font[a - 1] == font[b - 1];
				     a--)
					;
				shape_run(ctx, t, l, font[b - 1], a, b, true);
			}
		}
	}
	return true;
}

enum pc_rc
ap_text_shape(fz_context *ctx, const char *const *lines, int n,
    struct ap_text **out, char *missing, size_t mlen)
{
	struct ap_text *t;
	volatile bool ok = true;
	volatile int i;

	*out = NULL;
	missing[0] = '\0';
	t = calloc(1, sizeof(*t));
	if (t == NULL)
		return PC_ENOMEM;
	t->ctx = ctx;
	fz_try(ctx)
	{
		for (i = 0; i < n && i < AP_LINES_MAX; i++)
			if (!shape_line(
			        ctx, t, &t->l[i], lines[i], missing, mlen))
				ok = false;
		t->nl = i;
	}
	fz_catch(ctx)
	{
		snprintf(missing, mlen, "%s", fz_caught_message(ctx));
		ok = false;
	}
	if (!ok) {
		ap_text_free(t);
		return PC_EINVAL;
	}
	*out = t;
	return PC_OK;
}

int
ap_text_lines(const struct ap_text *t)
{
	return t->nl;
}

float
ap_text_width(const struct ap_text *t, int i)
{
	return (float)t->l[i].width / 1000.0f;
}

/* The embedded glyph id of g (its subset's). */
static unsigned
emb_gid(const struct ap_text *t, const struct ap_glyph *g)
{
	const struct ap_font *f = &t->f[g->font];
	hb_codepoint_t n;

	if (f->plan == NULL)
		return g->gid;
	n = hb_map_get(
	    hb_subset_plan_old_to_new_glyph_mapping(f->plan), g->gid);
	return n == HB_MAP_VALUE_INVALID ? 0 : n;
}

/* A ToUnicode CMap for font fi: each glyph to its cluster's text. */
static fz_buffer *
to_unicode(fz_context *ctx, const struct ap_text *t, int fi)
{
	fz_buffer *b;
	hb_set_t *seen;
	int i, j, k, n = 0;

	b = fz_new_buffer(ctx, 1024);
	seen = hb_set_create();
	fz_append_string(ctx, b,
	    "/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n"
	    "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) "
	    "/Supplement 0 >> def\n/CMapName /Adobe-Identity-UCS def\n"
	    "/CMapType 2 def\n1 begincodespacerange\n<0000> <FFFF>\n"
	    "endcodespacerange\n");
	for (i = 0; i < t->nl; i++) {
		const struct ap_line *l = &t->l[i];

		for (j = 0; j < l->ng; j++) {
			const struct ap_glyph *g = &l->g[j];
			unsigned eg = emb_gid(t, g);

			if (g->font != fi || g->ncp == 0 ||
			    hb_set_has(seen, eg))
				continue;
			hb_set_add(seen, eg);
			if (n % 100 == 0)
				fz_append_printf(ctx, b, "%sbeginbfchar\n",
				    n > 0 ? "endbfchar\n" : "");
			fz_append_printf(ctx, b, "<%04x> <", eg);
			for (k = g->cp0; k < g->cp0 + g->ncp && k < g->cp0 + 8;
			     k++) {
				uint32_t c = l->cps[k];

				if (c >= 0x10000)
					fz_append_printf(ctx, b, "%04x%04x",
					    0xd800 + ((c - 0x10000) >> 10),
					    0xdc00 + ((c - 0x10000) & 0x3ff));
				else
					fz_append_printf(ctx, b, "%04x", c);
			}
			fz_append_string(ctx, b, ">\n");
			n++;
		}
	}
	if (n > 0)
		fz_append_string(ctx, b, "endbfchar\n");
	fz_append_string(ctx, b,
	    "endcmap\nCMapName currentdict /CMap defineresource pop\n"
	    "end\nend\n");
	hb_set_destroy(seen);
	return b;
}

/* The subset of font fi with the glyphs used; its data. */
static fz_buffer *
subset(fz_context *ctx, struct ap_font *f)
{
	hb_subset_input_t *in;
	hb_face_t *sub = NULL;
	hb_blob_t *blob = NULL;
	const char *p;
	unsigned len = 0;
	fz_buffer *b = NULL;

	if (hbsub_lazy_load() != PC_OK)
		fz_throw(ctx, FZ_ERROR_GENERIC, "no libharfbuzz-subset");
	in = hb_subset_input_create_or_fail();
	if (in != NULL) {
		hb_set_union(hb_subset_input_glyph_set(in), f->used);
		hb_subset_input_set_flags(in, HB_SUBSET_FLAGS_NO_HINTING);
		f->plan = hb_subset_plan_create_or_fail(f->face, in);
		hb_subset_input_destroy(in);
	}
	if (f->plan != NULL)
		sub = hb_subset_plan_execute_or_fail(f->plan);
	if (sub != NULL)
		blob = hb_face_reference_blob(sub);
	p = blob != NULL ? hb_blob_get_data(blob, &len) : NULL;
	if (p != NULL && len > 0)
		b = fz_new_buffer_from_copied_data(
		    ctx, (const unsigned char *)p, len);
	hb_blob_destroy(blob);
	hb_face_destroy(sub);
	if (b == NULL)
		fz_throw(ctx, FZ_ERROR_GENERIC, "cannot subset a font");
	return b;
}

/* Name a subset font "ABCDEF+Name" (ISO 32000-1 9.6.4). */
static void
subset_tag(fz_context *ctx, pdf_obj *ref, const struct ap_font *f)
{
	pdf_obj *desc, *fd;
	hb_codepoint_t g = HB_SET_VALUE_INVALID;
	uint32_t h = 2166136261u;
	char name[160];
	int k;

	while (hb_set_next(f->used, &g))
		h = (h ^ g) * 16777619u;
	for (k = 0; k < 6; k++) {
		name[k] = (char)('A' + h % 26);
		h /= 26;
	}
	name[6] = '+';
	snprintf(name + 7, sizeof(name) - 7, "%s",
	    pdf_to_name(ctx, pdf_dict_get(ctx, ref, PDF_NAME(BaseFont))));
	desc = pdf_array_get(
	    ctx, pdf_dict_get(ctx, ref, PDF_NAME(DescendantFonts)), 0);
	fd = pdf_dict_get(ctx, desc, PDF_NAME(FontDescriptor));
	pdf_dict_put_name(ctx, ref, PDF_NAME(BaseFont), name);
	pdf_dict_put_name(ctx, desc, PDF_NAME(BaseFont), name);
	pdf_dict_put_name(ctx, fd, PDF_NAME(FontName), name);
}

void
ap_text_fonts(
    fz_context *ctx, pdf_document *doc, struct ap_text *t, pdf_obj *fonts)
{
	fz_buffer *volatile data = NULL;
	fz_buffer *tu = NULL;
	fz_font *volatile font = NULL;
	pdf_obj *volatile ref = NULL;
	char name[16];
	int i;

	fz_var(tu);
	for (i = 0; i < AP_FONTS; i++) {
		struct ap_font *f = &t->f[i];

		if (!f->ok || hb_set_is_empty(f->used))
			continue;
		fz_try(ctx)
		{
			if (f->fz != NULL) {
				font = fz_keep_font(ctx, f->fz);
			} else {
				data = subset(ctx, f);
				font = fz_new_font_from_buffer(
				    ctx, NULL, data, 0, 0);
			}
			ref = pdf_add_cid_font(ctx, doc, font);
			if (i != 0)
				subset_tag(ctx, ref, f);
			tu = to_unicode(ctx, t, i);
			pdf_dict_put_drop(ctx, ref, PDF_NAME(ToUnicode),
			    pdf_add_stream(ctx, doc, tu, NULL, 0));
			snprintf(name, sizeof(name), "F%d", i + 1);
			pdf_dict_puts(ctx, fonts, name, ref);
		}
		fz_always(ctx)
		{
			fz_drop_buffer(ctx, tu);
			tu = NULL;
			pdf_drop_obj(ctx, ref);
			ref = NULL;
			fz_drop_font(ctx, font);
			font = NULL;
			fz_drop_buffer(ctx, data);
			data = NULL;
		}
		fz_catch(ctx)
		{
			fz_rethrow(ctx);
		}
	}
}

void
ap_text_draw(fz_context *ctx, fz_buffer *b, const struct ap_text *t, int i,
    float fs, float x, float y)
{
	const struct ap_line *l = &t->l[i];
	int j, cur = -1, pre, post;

	fz_append_printf(ctx, b, "BT 0 0 0 rg %g %g Td", x, y);
	for (j = 0; j < l->ng; j++) {
		const struct ap_glyph *g = &l->g[j];

		if (g->font != cur) {
			if (cur >= 0)
				fz_append_string(ctx, b, "] TJ");
			cur = g->font;
			fz_append_printf(ctx, b, " /F%d %g Tf [", cur + 1, fs);
		}
		pre = -g->dx;
		post = g->w - g->adv + g->dx;
		if (pre != 0)
			fz_append_printf(ctx, b, " %d", pre);
		fz_append_printf(ctx, b, "<%04x>", emb_gid(t, g) & 0xffff);
		if (post != 0)
			fz_append_printf(ctx, b, " %d", post);
	}
	if (cur >= 0)
		fz_append_string(ctx, b, "] TJ");
	fz_append_string(ctx, b, " ET\n");
}

void
ap_text_free(struct ap_text *t)
{
	int i;

	if (t == NULL)
		return;
	for (i = 0; i < AP_FONTS; i++) {
		if (t->f[i].fz != NULL)
			fz_drop_font(t->ctx, t->f[i].fz);
		struct ap_font *f = &t->f[i];

		if (f->plan != NULL)
			hb_subset_plan_destroy(f->plan);
		hb_set_destroy(f->used);
		hb_font_destroy(f->font);
		hb_face_destroy(f->face);
		hb_blob_destroy(f->blob);
		free(f->data);
	}
	free(t);
}
