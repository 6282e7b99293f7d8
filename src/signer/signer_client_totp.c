/*
 * signer_client_totp.c: the web side of the TOTP messages (see signer.h).
 * Codes cross the channel; secrets come back only from ENROL_BEGIN.
 */
#include <string.h>

#include "base/secret.h"
#include "signer/signer.h"
#include "signer/signer_int.h"

static struct signer_bytes
bytes_of(const char *s)
{
	struct signer_bytes b = { (const uint8_t *)s,
		s != NULL ? strlen(s) : 0 };

	return b;
}

static void
copy_str(const uint8_t *p, size_t n, char *out, size_t max)
{
	if (n >= max)
		n = max - 1;
	if (n > 0)
		memcpy(out, p, n);
	out[n] = '\0';
}

/* One TOTP request: user and the type's own fields (label or purpose,
 * code). */
static enum pc_rc
totp_call(struct signer_client *sc, uint16_t type, const char *user,
    const char *label, const char *purpose, const char *code,
    struct signer_totp_reply *out)
{
	struct signer_m_totp q;
	struct signer_m_totp_reply r;
	struct buf reply;
	enum pc_rc rc;

	memset(out, 0, sizeof(*out));
	out->result = TOTP_R_NONE;
	memset(&q, 0, sizeof(q));
	q.user = bytes_of(user);
	q.label = bytes_of(label);
	q.purpose = bytes_of(purpose);
	q.code = bytes_of(code);
	rc = signer_call_msg(sc, type, &q, &r, &reply);
	secret_wipe(&q, sizeof(q));
	if (rc == PC_OK) {
		rc = (enum pc_rc)r.rc;
		out->result = (enum signer_totp_result)r.result;
		out->retry_after = r.retry_after;
	}
	if (rc == PC_OK) {
		copy_str(
		    r.secret.p, r.secret.n, out->secret, sizeof(out->secret));
		copy_str(r.uri.p, r.uri.n, out->uri, sizeof(out->uri));
	}
	buf_cleanup(&reply); /* wipes the secret and the URI */
	secret_wipe(&r, sizeof(r));
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
	    sc, SIGNER_MSG_TOTP_ENROL_BEGIN, user_id, label, NULL, NULL, out);
}

enum pc_rc
signer_client_totp_confirm(struct signer_client *sc, const char *user_id,
    const char *code, struct signer_totp_reply *out)
{
	return totp_call(
	    sc, SIGNER_MSG_TOTP_ENROL_CONFIRM, user_id, NULL, NULL, code, out);
}

enum pc_rc
signer_client_totp_verify(struct signer_client *sc, const char *user_id,
    const char *purpose, const char *code, struct signer_totp_reply *out)
{
	return totp_call(
	    sc, SIGNER_MSG_TOTP_VERIFY, user_id, NULL, purpose, code, out);
}

enum pc_rc
signer_client_totp_peek(struct signer_client *sc, const char *user_id,
    const char *purpose, const char *code, struct signer_totp_reply *out)
{
	return totp_call(
	    sc, SIGNER_MSG_TOTP_PEEK, user_id, NULL, purpose, code, out);
}

enum pc_rc
signer_client_totp_qr_uri(struct signer_client *sc, const char *user_id,
    const char *label, struct signer_totp_reply *out)
{
	return totp_call(
	    sc, SIGNER_MSG_TOTP_QR_URI, user_id, label, NULL, NULL, out);
}
