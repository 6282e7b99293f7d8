/*
 * fuzz_pdf_prepare.c: the PDF intake checks (open with MuPDF, encryption,
 * XFA, DocMDP, placement) over arbitrary bytes.
 */
#include <stddef.h>
#include <stdint.h>

#include "sign/sign.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sign_opts o;
	struct sign_err err = { 0 };

	sign_opts_init(&o);
	(void)sign_pdf_check_mem(data, size, NULL, &err);
	o.visible = true;
	o.page = 1;
	o.x = 10;
	o.y = 10;
	o.w = 100;
	o.h = 40;
	(void)sign_pdf_check_mem(data, size, &o, &err);
	o.field = "Signature1";
	(void)sign_pdf_check_mem(data, size, &o, &err);
	return 0;
}
