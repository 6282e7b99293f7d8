/*
 * pdf_render.c: a page of a PDF as a PNG, for drawing a visible
 * signature's box in the browser (J9).
 */
#include <string.h>

#include <mupdf/fitz.h>

#include "sign/pdf_intake.h"
#include "sign/sign.h"

/* Pixels of one rendering at most (a 150 dpi A3 page is 17 M). */
#define RENDER_PIXELS_MAX (24 * 1000 * 1000)

enum pc_rc
sign_pdf_render_png(const uint8_t *p, size_t n, int page, int dpi,
    struct buf *out, struct sign_page *info)
{
	fz_context *ctx;
	fz_stream *stm = NULL;
	fz_document *doc = NULL;
	fz_page *pg = NULL;
	fz_pixmap *pix = NULL;
	fz_buffer *png = NULL;
	enum pc_rc rc = PC_OK;

	memset(info, 0, sizeof(*info));
	if (dpi < 36 || dpi > 150 || page < 1)
		return PC_EINVAL;
	ctx = sign_fz_context();
	if (ctx == NULL)
		return PC_ENOMEM;
	fz_var(stm);
	fz_var(doc);
	fz_var(pg);
	fz_var(pix);
	fz_var(png);
	fz_var(rc);
	fz_try(ctx)
	{
		fz_rect r;
		float zoom = (float)dpi / 72.0f;

		fz_register_document_handlers(ctx);
		stm = fz_open_memory(ctx, p, n);
		doc = fz_open_document_with_stream(ctx, "application/pdf", stm);
		if (fz_needs_password(ctx, doc))
			fz_throw(ctx, FZ_ERROR_GENERIC, "encrypted");
		info->npages = fz_count_pages(ctx, doc);
		if (page > info->npages) {
			rc = PC_EINVAL;
			break;
		}
		pg = fz_load_page(ctx, doc, page - 1);
		r = fz_bound_page(ctx, pg);
		info->width = r.x1 - r.x0;
		info->height = r.y1 - r.y0;
		if ((double)info->width * zoom * info->height * zoom >
		    RENDER_PIXELS_MAX) {
			rc = PC_ELIMIT;
			break;
		}
		pix = fz_new_pixmap_from_page(
		    ctx, pg, fz_scale(zoom, zoom), fz_device_rgb(ctx), 0);
		png = fz_new_buffer_from_pixmap_as_png(
		    ctx, pix, fz_default_color_params);
		{
			unsigned char *data;
			size_t len = fz_buffer_storage(ctx, png, &data);

			buf_append(out, data, len);
		}
	}
	fz_catch(ctx)
	{
		rc = PC_EINVAL;
	}
	fz_drop_buffer(ctx, png);
	fz_drop_pixmap(ctx, pix);
	fz_drop_page(ctx, pg);
	fz_drop_document(ctx, doc);
	fz_drop_stream(ctx, stm);
	fz_drop_context(ctx);
	if (rc == PC_OK && !buf_ok(out))
		rc = buf_rc(out);
	return rc;
}
