/*
 * signer_client_totp.c: the web side of the TOTP messages (see signer.h).
 * Codes cross the channel; secrets come back only from ENROL_BEGIN.
 */
#include <string.h>

#include "base/secret.h"
#include "signer/signer.h"
#include "signer/signer_int.h"

static void
copy_str(const uint8_t *p, size_t n, char *out, size_t max)
{
	if (n >= max)
		n = max - 1;
	if (n > 0)
		memcpy(out, p, n);
	out[n] = '\0';
}

static enum pc_rc
totp_call(struct signer_client *sc, uint16_t type, const char *a, const char *b,
    const char *c, struct signer_totp_reply *out)
{
	struct buf body, reply;
	struct signer_rd rd;
	const uint8_t *s, *u;
	size_t sn, un;
	uint32_t src;
	enum pc_rc rc;

	memset(out, 0, sizeof(*out));
	out->result = TOTP_R_NONE;
	buf_init(&body, 2048);
	signer_put_bytes16(&body, a, strlen(a));
	if (b != NULL)
		signer_put_bytes16(&body, b, strlen(b));
	if (c != NULL)
		signer_put_bytes16(&body, c, strlen(c));
	if (!buf_ok(&body)) {
		buf_cleanup(&body);
		return PC_EINVAL;
	}
	rc = signer_call(sc, type, &body, SIGNER_MSG_TOTP_REPLY, &reply);
	buf_cleanup(&body); /* zeroes the code */
	if (rc != PC_OK)
		return rc;
	rd.p = reply.data;
	rd.n = reply.len;
	rd.bad = false;
	src = signer_get_u32(&rd);
	out->result = (enum signer_totp_result)signer_get_u16(&rd);
	out->retry_after = signer_get_u32(&rd);
	s = signer_get_bytes16(&rd, SIGNER_TOTP_B32_MAX, &sn);
	u = signer_get_bytes16(&rd, SIGNER_TOTP_URI_MAX, &un);
	if (rd.bad || src > PC_EINTERNAL || out->result > TOTP_R_GONE) {
		rc = PC_EINTERNAL;
	} else if (src != PC_OK) {
		rc = (enum pc_rc)src;
	} else {
		copy_str(s, sn, out->secret, sizeof(out->secret));
		copy_str(u, un, out->uri, sizeof(out->uri));
		rc = PC_OK;
	}
	buf_cleanup(&reply);
	if (rc != PC_OK) {
		secret_wipe(out, sizeof(*out));
		out->result = TOTP_R_NONE;
	}
	return rc;
}

enum pc_rc
signer_client_totp_begin(struct signer_client *sc, const char *user_id,
    const char *label, struct signer_totp_reply *out)
{
	return totp_call(
	    sc, SIGNER_MSG_TOTP_ENROL_BEGIN, user_id, label, NULL, out);
}

enum pc_rc
signer_client_totp_confirm(struct signer_client *sc, const char *user_id,
    const char *code, struct signer_totp_reply *out)
{
	return totp_call(
	    sc, SIGNER_MSG_TOTP_ENROL_CONFIRM, user_id, code, NULL, out);
}

enum pc_rc
signer_client_totp_verify(struct signer_client *sc, const char *user_id,
    const char *purpose, const char *code, struct signer_totp_reply *out)
{
	return totp_call(
	    sc, SIGNER_MSG_TOTP_VERIFY, user_id, purpose, code, out);
}

enum pc_rc
signer_client_totp_qr_uri(struct signer_client *sc, const char *user_id,
    const char *label, struct signer_totp_reply *out)
{
	return totp_call(sc, SIGNER_MSG_TOTP_QR_URI, user_id, label, NULL, out);
}
