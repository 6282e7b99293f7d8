/*
 * acct_qr.h: a QR code as a PNG image (acct_qr.c).
 */
#ifndef PC_ACCT_QR_H
#define PC_ACCT_QR_H

#include "base/buf.h"
#include "base/pc.h"

/* Append the PNG of the QR code of text to out (buf_init'ed by caller). */
enum pc_rc acct_qr_png(const char *text, struct buf *out);

#endif /* PC_ACCT_QR_H */
