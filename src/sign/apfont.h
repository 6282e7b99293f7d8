/*
 * apfont.h: the text of a visible signature's appearance, in any script.
 *
 * Each character is drawn with the first font that has it: MuPDF's
 * built-in Nimbus Sans (Latin, Greek, Cyrillic), then fonts of Debian
 * packages (scripts/deps.sh): Noto Sans, Noto Sans Arabic and Hebrew
 * (fonts-noto-core), Droid Sans Fallback for Chinese, Japanese and Korean
 * (fonts-droid-fallback), Symbola for symbols and emoji (fonts-symbola).
 * Lines are split into directional runs (MuPDF's bidi), shaped with
 * HarfBuzz (Arabic joining, marks), and the fallback fonts are embedded
 * as subsets with a ToUnicode map built from the shaping clusters, so
 * the text extracts. A character no font has is an error naming it:
 * the appearance never shows a box with text missing.
 * Internal to src/sign (appearance.c).
 */
#ifndef PC_APFONT_H
#define PC_APFONT_H

#include <stddef.h>

#include <mupdf/fitz.h>
#include <mupdf/pdf.h>

#include "base/pc.h"

#define AP_LINES_MAX 10
#define AP_LINE_BYTES 324 /* >= SIGN_APPROF_LINE_BYTES (sign.h): 80 chars */

struct ap_text;

/*
 * Shape n lines of UTF-8 text. PC_EINVAL when a character has no font:
 * missing lists them ("U+1F9D1 'x', ..."). OUT: *out (ap_text_free).
 * Runs outside fz_try (catches MuPDF's errors itself).
 */
enum pc_rc ap_text_shape(fz_context *ctx, const char *const *lines, int n,
    struct ap_text **out, char *missing, size_t mlen);

/* The number of lines. */
int ap_text_lines(const struct ap_text *t);

/* Width of line i at font size 1. */
float ap_text_width(const struct ap_text *t, int i);

/*
 * Embed the fonts the text uses into doc (subsets, ToUnicode) and name
 * them /F1.. in the font dictionary fonts. Inside fz_try; throws.
 */
void ap_text_fonts(
    fz_context *ctx, pdf_document *doc, struct ap_text *t, pdf_obj *fonts);

/* Append line i at (x, y) in size fs to b (a BT ... ET). Throws. */
void ap_text_draw(fz_context *ctx, fz_buffer *b, const struct ap_text *t, int i,
    float fs, float x, float y);

void ap_text_free(struct ap_text *t);

#endif /* PC_APFONT_H */
