/*
 * pdf_doc.c: lay out a struct pdf_doc_spec on A4 pages and write it with
 * MuPDF's PDF document writer (fz_new_pdf_writer_with_output, one device
 * per page, text through fz_show_string + fz_fill_text, rules and shading
 * through paths). The result is then opened once more to set the document
 * properties (Info, /Lang) and saved compressed.
 *
 * Layout runs twice: a dry pass that only counts pages (so that every page
 * can say "n/N"), then the pass that draws. Both use the same code.
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <mupdf/fitz.h>
#include <mupdf/pdf.h>

#include "base/log.h"
#include "sign/pdf_doc.h"
#include "sign/pdf_intake.h"

#define PAGE_W 595.276f
#define PAGE_H 841.89f
#define MARGIN_X 56.7f /* 2 cm */
#define MARGIN_TOP 56.7f
#define MARGIN_BOTTOM 64.0f /* room for the page number */
#define CONTENT_W (PAGE_W - 2 * MARGIN_X)
#define BOTTOM (PAGE_H - MARGIN_BOTTOM)

#define SZ_TITLE 16.0f
#define SZ_HEAD 12.5f
#define SZ_TEXT 10.0f
#define SZ_TABLE 9.0f
#define SZ_SMALL 7.5f
#define LEAD 1.32f /* line height / font size */
#define CELL_PAD 4.0f

struct lay {
	fz_context *ctx;
	fz_document_writer *wri;
	fz_device *dev; /* NULL in the dry pass */
	fz_font *reg, *bold;
	fz_text_language tlang;
	bool dry;
	bool too_many; /* PDF_DOC_PAGES_MAX reached */
	int page;      /* current page, 1-based; 0 before the first */
	int npages;    /* total, known in the drawing pass */
	float y;       /* top of the free space, fitz space (y down) */
};

static const float black[3] = { 0, 0, 0 };
static const float grey[3] = { 0.35f, 0.35f, 0.35f };
static const float rule[3] = { 0.6f, 0.6f, 0.6f };
static const float shade[3] = { 0.92f, 0.93f, 0.95f };
static const float navy[3] = { 0.1f, 0.2f, 0.45f };

/* ---- spec checks (no MuPDF) ----------------------------------------- */

/* UTF-8, no control characters (nl: '\n' allowed), at most the limit. */
static enum pc_rc
text_check(const char *s, bool nl)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n, i, len;

	if (s == NULL)
		return PC_EINVAL;
	len = strlen(s);
	if (len > PDF_DOC_TEXT_MAX)
		return PC_ELIMIT;
	for (i = 0; i < len; i += n) {
		if (p[i] < 0x80) {
			if ((p[i] < 0x20 && !(nl && p[i] == '\n')) ||
			    p[i] == 0x7f)
				return PC_EINVAL;
			n = 1;
			continue;
		}
		if (p[i] >= 0xc2 && p[i] <= 0xdf)
			n = 2;
		else if (p[i] >= 0xe0 && p[i] <= 0xef)
			n = 3;
		else if (p[i] >= 0xf0 && p[i] <= 0xf4)
			n = 4;
		else
			return PC_EINVAL;
		if (i + n > len)
			return PC_EINVAL;
		for (size_t k = 1; k < n; k++)
			if ((p[i + k] & 0xc0) != 0x80)
				return PC_EINVAL;
		/* C1 controls U+0080..U+009F */
		if (n == 2 && p[i] == 0xc2 && p[i + 1] < 0xa0)
			return PC_EINVAL;
	}
	return PC_OK;
}

static enum pc_rc
block_check(const struct pdf_doc_block *b)
{
	enum pc_rc rc = PC_OK;
	size_t i;

	switch (b->kind) {
	case PDF_DOC_HEADING:
	case PDF_DOC_SMALL:
	case PDF_DOC_PARAGRAPH:
		rc = text_check(b->text, b->kind != PDF_DOC_HEADING);
		break;
	case PDF_DOC_KV:
		if (b->nrows > PDF_DOC_ROWS_MAX)
			return PC_ELIMIT;
		if (b->nrows > 0 && b->kv == NULL)
			return PC_EINVAL;
		for (i = 0; i < b->nrows && rc == PC_OK; i++) {
			rc = text_check(b->kv[i].key, false);
			if (rc == PC_OK)
				rc = text_check(b->kv[i].value, true);
		}
		break;
	case PDF_DOC_TABLE:
		if (b->ncols == 0)
			return PC_EINVAL;
		if (b->ncols > PDF_DOC_COLS_MAX || b->nrows > PDF_DOC_ROWS_MAX)
			return PC_ELIMIT;
		if (b->nrows > 0 && b->cells == NULL)
			return PC_EINVAL;
		for (i = 0; b->head != NULL && i < b->ncols && rc == PC_OK; i++)
			rc = text_check(b->head[i], false);
		for (i = 0; i < b->nrows * b->ncols && rc == PC_OK; i++)
			rc = text_check(b->cells[i], true);
		if (b->widths != NULL)
			for (i = 0; i < b->ncols; i++)
				if (b->widths[i] == 0 || b->widths[i] > 1000)
					return PC_EINVAL;
		break;
	default:
		rc = PC_EINVAL;
	}
	return rc;
}

static enum pc_rc
spec_check(const struct pdf_doc_spec *spec)
{
	enum pc_rc rc;
	size_t i;

	if (spec->nblocks > PDF_DOC_BLOCKS_MAX)
		return PC_ELIMIT;
	if (spec->nblocks > 0 && spec->blocks == NULL)
		return PC_EINVAL;
	if (spec->lang != NULL && strcmp(spec->lang, "ro") != 0 &&
	    strcmp(spec->lang, "en") != 0)
		return PC_EINVAL;
	rc = text_check(spec->title, false);
	for (i = 0; i < spec->nblocks && rc == PC_OK; i++)
		rc = block_check(&spec->blocks[i]);
	return rc;
}

/* ---- measuring and wrapping ------------------------------------------- */

static float
rune_w(fz_context *ctx, fz_font *font, int c)
{
	return fz_advance_glyph(
	    ctx, font, fz_encode_character(ctx, font, c), 0);
}

static float
text_w(fz_context *ctx, fz_font *font, float size, const char *s, size_t n)
{
	const char *e = s + n;
	float w = 0;
	int c;

	while (s < e) {
		s += fz_chartorune(&c, s);
		w += rune_w(ctx, font, c);
	}
	return w * size;
}

/*
 * The next line of *sp that fits in maxw: *lp, *ln; *sp moves past it.
 * Breaks at spaces, inside a word only when the word alone is too wide;
 * '\n' ends a line. False when the text is used up.
 */
static bool
next_line(fz_context *ctx, fz_font *font, float size, float maxw,
    const char **sp, const char **lp, size_t *ln)
{
	const char *s = *sp, *start = s, *brk = NULL;
	float w = 0, cw;
	int c, n;

	if (*s == '\0')
		return false;
	while (*s != '\0' && *s != '\n') {
		n = fz_chartorune(&c, s);
		if (c == ' ')
			brk = s;
		cw = rune_w(ctx, font, c) * size;
		if (w + cw > maxw && s > start && c != ' ') {
			if (brk != NULL && brk > start) {
				*lp = start;
				*ln = (size_t)(brk - start);
				s = brk;
			} else {
				*lp = start;
				*ln = (size_t)(s - start);
			}
			while (*s == ' ')
				s++;
			*sp = s;
			return true;
		}
		w += cw;
		s += n;
	}
	*lp = start;
	*ln = (size_t)(s - start);
	if (*s == '\n')
		s++;
	*sp = s;
	return true;
}

static int
count_lines(
    fz_context *ctx, fz_font *font, float size, float maxw, const char *s)
{
	const char *l;
	size_t n;
	int k = 0;

	while (next_line(ctx, font, size, maxw, &s, &l, &n))
		k++;
	return k;
}

/* ---- drawing ---------------------------------------------------------- */

/* One line at baseline y, from x (right-aligned: ending at x). */
static void
draw_str(struct lay *L, fz_font *font, float size, const float *color, float x,
    float y, const char *s, size_t n, bool right)
{
	fz_context *ctx = L->ctx;
	char tmp[2048];
	fz_text *text;
	volatile float vx = x; /* read inside fz_try */

	if (L->dry || n == 0)
		return;
	if (n >= sizeof(tmp))
		n = sizeof(tmp) - 1;
	memcpy(tmp, s, n);
	tmp[n] = '\0';
	if (right)
		vx = x - text_w(ctx, font, size, tmp, n);
	text = fz_new_text(ctx);
	fz_try(ctx)
	{
		fz_show_string(ctx, text, font,
		    fz_make_matrix(size, 0, 0, -size, vx, y), tmp, 0, 0,
		    FZ_BIDI_LTR, L->tlang);
		fz_fill_text(ctx, L->dev, text, fz_identity, fz_device_rgb(ctx),
		    color, 1.0f, fz_default_color_params);
	}
	fz_always(ctx)
	{
		fz_drop_text(ctx, text);
	}
	fz_catch(ctx)
	{
		fz_rethrow(ctx);
	}
}

static void
draw_rect(struct lay *L, float x0, float y0, float x1, float y1,
    const float *color, bool fill, float lw)
{
	fz_context *ctx = L->ctx;
	fz_stroke_state *st = NULL;
	fz_path *p;

	if (L->dry)
		return;
	p = fz_new_path(ctx);
	fz_var(st);
	fz_try(ctx)
	{
		if (fill) {
			fz_rectto(ctx, p, x0, y0, x1, y1);
			fz_fill_path(ctx, L->dev, p, 0, fz_identity,
			    fz_device_rgb(ctx), color, 1.0f,
			    fz_default_color_params);
		} else {
			fz_moveto(ctx, p, x0, y0);
			fz_lineto(ctx, p, x1, y1);
			st = fz_new_stroke_state(ctx);
			st->linewidth = lw;
			fz_stroke_path(ctx, L->dev, p, st, fz_identity,
			    fz_device_rgb(ctx), color, 1.0f,
			    fz_default_color_params);
		}
	}
	fz_always(ctx)
	{
		fz_drop_stroke_state(ctx, st);
		fz_drop_path(ctx, p);
	}
	fz_catch(ctx)
	{
		fz_rethrow(ctx);
	}
}

/* Wrapped text in [x, x + w] from top y; returns the height used. */
static float
draw_wrapped(struct lay *L, fz_font *font, float size, const float *color,
    float x, float y, float w, const char *s, bool right)
{
	float lh = size * LEAD, h = 0;
	const char *l;
	size_t n;

	while (next_line(L->ctx, font, size, w, &s, &l, &n)) {
		draw_str(L, font, size, color, right ? x + w : x, y + h + size,
		    l, n, right);
		h += lh;
	}
	return h;
}

static void
page_end(struct lay *L)
{
	char num[32];
	int len;

	if (L->page == 0)
		return;
	if (!L->dry) {
		/* Locals: GCC 12 -O2 sees a false overlap through L. */
		int page = L->page, npages = L->npages;

		len = snprintf(num, sizeof(num), "%d/%d", page, npages);
		draw_rect(L, MARGIN_X, PAGE_H - 44, PAGE_W - MARGIN_X,
		    PAGE_H - 44, rule, false, 0.5f);
		draw_str(L, L->reg, 8.0f, grey, PAGE_W - MARGIN_X, PAGE_H - 30,
		    num, (size_t)len, true);
		fz_end_page(L->ctx, L->wri);
		L->dev = NULL;
	}
}

static void
page_new(struct lay *L)
{
	page_end(L);
	if (L->page >= PDF_DOC_PAGES_MAX) {
		L->too_many = true;
		fz_throw(L->ctx, FZ_ERROR_GENERIC, "too many pages");
	}
	L->page++;
	if (!L->dry)
		L->dev = fz_begin_page(
		    L->ctx, L->wri, fz_make_rect(0, 0, PAGE_W, PAGE_H));
	L->y = MARGIN_TOP;
}

/* Make room for h points (a new page when they do not fit). */
static void
need(struct lay *L, float h)
{
	if (L->page == 0 || (L->y + h > BOTTOM && L->y > MARGIN_TOP))
		page_new(L);
}

/* Wrapped text block, broken across pages line by line. */
static void
flow_text(
    struct lay *L, fz_font *font, float size, const float *color, const char *s)
{
	float lh = size * LEAD;
	const char *l;
	size_t n;

	while (next_line(L->ctx, font, size, CONTENT_W, &s, &l, &n)) {
		need(L, lh);
		draw_str(
		    L, font, size, color, MARGIN_X, L->y + size, l, n, false);
		L->y += lh;
	}
}

static void
block_kv(struct lay *L, const struct pdf_doc_block *b)
{
	float kw = CONTENT_W * 0.36f, vw = CONTENT_W - kw - CELL_PAD;
	float lh = SZ_TEXT * LEAD, h;
	int nk, nv;
	size_t i;

	for (i = 0; i < b->nrows; i++) {
		nk = count_lines(
		    L->ctx, L->reg, SZ_TEXT, kw - CELL_PAD, b->kv[i].key);
		nv = count_lines(L->ctx, L->bold, SZ_TEXT, vw, b->kv[i].value);
		h = (float)(nk > nv ? nk : nv);
		h = (h < 1 ? 1 : h) * lh + 2;
		need(L, h);
		draw_wrapped(L, L->reg, SZ_TEXT, grey, MARGIN_X, L->y,
		    kw - CELL_PAD, b->kv[i].key, false);
		draw_wrapped(L, L->bold, SZ_TEXT, black,
		    MARGIN_X + kw + CELL_PAD, L->y, vw, b->kv[i].value, false);
		L->y += h;
	}
}

struct cols {
	float x[PDF_DOC_COLS_MAX];
	float w[PDF_DOC_COLS_MAX];
};

static void
table_cols(const struct pdf_doc_block *b, struct cols *c)
{
	unsigned sum = 0;
	float x = MARGIN_X;
	size_t i;

	for (i = 0; i < b->ncols; i++)
		sum += b->widths != NULL ? b->widths[i] : 1;
	for (i = 0; i < b->ncols; i++) {
		c->x[i] = x;
		c->w[i] = CONTENT_W *
		          (float)(b->widths != NULL ? b->widths[i] : 1) /
		          (float)sum;
		x += c->w[i];
	}
}

static float
row_height(struct lay *L, const struct pdf_doc_block *b, const struct cols *c,
    const char *const *row, fz_font *font)
{
	int n, most = 1;
	size_t i;

	for (i = 0; i < b->ncols; i++) {
		n = count_lines(
		    L->ctx, font, SZ_TABLE, c->w[i] - 2 * CELL_PAD, row[i]);
		if (n > most)
			most = n;
	}
	return (float)most * SZ_TABLE * LEAD + 2 * CELL_PAD;
}

static void
row_draw(struct lay *L, const struct pdf_doc_block *b, const struct cols *c,
    const char *const *row, fz_font *font, float h, bool head)
{
	size_t i;

	if (head)
		draw_rect(L, MARGIN_X, L->y, MARGIN_X + CONTENT_W, L->y + h,
		    shade, true, 0);
	for (i = 0; i < b->ncols; i++)
		draw_wrapped(L, font, SZ_TABLE, black, c->x[i] + CELL_PAD,
		    L->y + CELL_PAD, c->w[i] - 2 * CELL_PAD, row[i],
		    (b->right >> i) & 1);
	draw_rect(L, MARGIN_X, L->y + h, MARGIN_X + CONTENT_W, L->y + h, rule,
	    false, head ? 0.8f : 0.4f);
	L->y += h;
}

static void
block_table(struct lay *L, const struct pdf_doc_block *b)
{
	struct cols c;
	float hh = 0, h;
	fz_font *f;
	size_t r;

	table_cols(b, &c);
	if (b->head != NULL)
		hh = row_height(L, b, &c, b->head, L->bold);
	if (b->head != NULL) {
		/* the header and the first row stay together */
		h = b->nrows > 0 ? row_height(L, b, &c, b->cells, L->reg) : 0;
		need(L, hh + h);
		row_draw(L, b, &c, b->head, L->bold, hh, true);
	}
	for (r = 0; r < b->nrows; r++) {
		f = (b->flags & PDF_DOC_TABLE_LAST_BOLD) && r + 1 == b->nrows
		        ? L->bold
		        : L->reg;
		h = row_height(L, b, &c, b->cells + r * b->ncols, f);
		if (L->page == 0 || (L->y + h > BOTTOM && L->y > MARGIN_TOP)) {
			page_new(L);
			if (b->head != NULL)
				row_draw(L, b, &c, b->head, L->bold, hh, true);
		}
		row_draw(L, b, &c, b->cells + r * b->ncols, f, h, false);
	}
}

static void
layout(struct lay *L, const struct pdf_doc_spec *spec)
{
	const struct pdf_doc_block *b;
	size_t i;

	L->page = 0;
	page_new(L);
	flow_text(L, L->bold, SZ_TITLE, navy, spec->title);
	L->y += 4;
	draw_rect(
	    L, MARGIN_X, L->y, MARGIN_X + CONTENT_W, L->y, navy, false, 1.0f);
	L->y += 12;
	for (i = 0; i < spec->nblocks; i++) {
		b = &spec->blocks[i];
		switch (b->kind) {
		case PDF_DOC_HEADING:
			/* keep a heading with two lines of what follows */
			need(L, 10 + SZ_HEAD * LEAD + 2 * SZ_TEXT * LEAD);
			if (L->y > MARGIN_TOP)
				L->y += 8;
			flow_text(L, L->bold, SZ_HEAD, navy, b->text);
			L->y += 3;
			break;
		case PDF_DOC_PARAGRAPH:
			flow_text(L, L->reg, SZ_TEXT, black, b->text);
			L->y += 6;
			break;
		case PDF_DOC_SMALL:
			flow_text(L, L->reg, SZ_SMALL, grey, b->text);
			L->y += 4;
			break;
		case PDF_DOC_KV:
			block_kv(L, b);
			L->y += 8;
			break;
		case PDF_DOC_TABLE:
			block_table(L, b);
			L->y += 10;
			break;
		}
	}
	page_end(L);
}

/* ---- writing ---------------------------------------------------------- */

/* Set Info and /Lang on the written file and save it again into dst. */
static void
finish(fz_context *ctx, fz_buffer *src, const struct pdf_doc_spec *spec,
    fz_buffer *dst)
{
	pdf_write_options opts = pdf_default_write_options;
	pdf_document *doc = NULL;
	fz_stream *stm = NULL;
	fz_output *out = NULL;
	pdf_obj *info, *root;

	fz_var(doc);
	fz_var(stm);
	fz_var(out);
	fz_try(ctx)
	{
		stm = fz_open_buffer(ctx, src);
		doc = pdf_open_document_with_stream(ctx, stm);
		info = pdf_dict_get(ctx, pdf_trailer(ctx, doc), PDF_NAME(Info));
		if (info == NULL) {
			info = pdf_add_new_dict(ctx, doc, 4);
			pdf_dict_put_drop(
			    ctx, pdf_trailer(ctx, doc), PDF_NAME(Info), info);
		}
		pdf_dict_put_text_string(
		    ctx, info, PDF_NAME(Title), spec->title);
		pdf_dict_put_text_string(ctx, info, PDF_NAME(Author), "Pecete");
		pdf_dict_put_text_string(
		    ctx, info, PDF_NAME(Creator), "Pecete");
		pdf_dict_put_text_string(
		    ctx, info, PDF_NAME(Producer), "Pecete " PECETE_VERSION);
		root = pdf_dict_get(ctx, pdf_trailer(ctx, doc), PDF_NAME(Root));
		pdf_dict_put_text_string(ctx, root, PDF_NAME(Lang),
		    spec->lang != NULL ? spec->lang : "ro");
		opts.do_compress = 1;
		opts.do_compress_fonts = 1;
		opts.do_garbage = 1;
		out = fz_new_output_with_buffer(ctx, dst);
		pdf_write_document(ctx, doc, out, &opts);
		fz_close_output(ctx, out);
	}
	fz_always(ctx)
	{
		fz_drop_output(ctx, out);
		pdf_drop_document(ctx, doc);
		fz_drop_stream(ctx, stm);
	}
	fz_catch(ctx)
	{
		fz_rethrow(ctx);
	}
}

enum pc_rc
pdf_doc_render(const struct pdf_doc_spec *spec, struct buf *out)
{
	/* Set inside fz_try, read after it: volatile for setjmp. */
	volatile enum pc_rc rc = PC_OK;
	fz_context *ctx = NULL;
	fz_buffer *raw = NULL, *fin = NULL;
	fz_document_writer *wri = NULL;
	struct lay L;
	unsigned char *data;
	size_t len;

	RETURN_VAL_IF_FAIL(spec != NULL && out != NULL, PC_EINTERNAL);
	rc = spec_check(spec);
	if (rc != PC_OK)
		return rc;
	ctx = sign_fz_context();
	if (ctx == NULL)
		return PC_ENOMEM;
	memset(&L, 0, sizeof(L));
	L.ctx = ctx;
	fz_var(raw);
	fz_var(fin);
	fz_var(wri);
	fz_try(ctx)
	{
		L.reg = fz_new_base14_font(ctx, "Helvetica");
		L.bold = fz_new_base14_font(ctx, "Helvetica-Bold");
		L.tlang = fz_text_language_from_string(
		    spec->lang != NULL ? spec->lang : "ro");
		/* pass 1: count the pages */
		L.dry = true;
		layout(&L, spec);
		L.npages = L.page;
		/* pass 2: draw */
		raw = fz_new_buffer(ctx, 64 * 1024);
		wri = fz_new_pdf_writer_with_output(
		    ctx, fz_new_output_with_buffer(ctx, raw), "compress");
		L.wri = wri;
		L.dry = false;
		layout(&L, spec);
		fz_close_document_writer(ctx, wri);
		fin = fz_new_buffer(
		    ctx, fz_buffer_storage(ctx, raw, NULL) + 1024);
		finish(ctx, raw, spec, fin);
		len = fz_buffer_storage(ctx, fin, &data);
		buf_append(out, data, len);
		if (!buf_ok(out))
			rc = buf_rc(out);
	}
	fz_always(ctx)
	{
		fz_drop_document_writer(ctx, wri);
		fz_drop_buffer(ctx, raw);
		fz_drop_buffer(ctx, fin);
		fz_drop_font(ctx, L.reg);
		fz_drop_font(ctx, L.bold);
	}
	fz_catch(ctx)
	{
		if (L.too_many) {
			rc = PC_ELIMIT;
		} else {
			log_warnx("pdf_doc: %s", fz_caught_message(ctx));
			rc = PC_EINTERNAL;
		}
	}
	fz_drop_context(ctx);
	return rc;
}
