/*
 * pdf.c: pecete-pdf.so, the plain form of `pecete sign` for PDFs (lite.h).
 */
#include "launch/lite.h"

int
pecete_sign_pdf(int argc, char **argv)
{
	return lite_sign(argc, argv, sign_pades_file);
}
