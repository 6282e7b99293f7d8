/*
 * signer_dispatch.c: the signer's side of a request. The message table
 * (signer_msg.c) decodes the body and encodes the reply; a handler per
 * request type answers. Only requests (rows sent by the web side) are
 * taken: anything else closes the channel. A request whose fields are out
 * of their bounds gets its reply type with PC_EINVAL, as before the table.
 */
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "base/secret.h"
#include "signer/signer_int.h"

typedef void (*signer_handler_fn)(struct signer_srv *srv, uint16_t type,
    enum pc_rc drc, const void *req, struct buf *reply);

void
signer_reply(struct buf *reply, uint16_t type, const void *msg)
{
	enum pc_rc rc;

	rc = signer_msg_encode(type, msg, reply);
	if (rc != PC_OK && buf_ok(reply)) {
		log_error("signer: reply type %u out of its bounds (%s)", type,
		    pc_rc_str(rc));
		reply->failed = true;
	}
}

static void
do_ping(struct signer_srv *srv, uint16_t type, enum pc_rc drc, const void *req,
    struct buf *reply)
{
	signer_reply(reply, SIGNER_MSG_PONG, NULL);
}

static bool
label_allowed(const struct signer_srv *srv, const char *label)
{
	size_t i;

	for (i = 0; i < srv->nallowed; i++)
		if (strcmp(srv->allowed[i], label) == 0)
			return true;
	return false;
}

/* SIGN_SERVICE: only the online keys of the hierarchy sign here. */
static void
do_sign_service(struct signer_srv *srv, uint16_t type, enum pc_rc drc,
    const void *req, struct buf *reply)
{
	const struct signer_m_sign_service *q = req;
	struct signer_m_sig r;
	const struct hsm_key *key;
	char label[HSM_LABEL_MAX];
	uint8_t sig[HSM_SIG_MAX];
	size_t siglen = 0;
	enum pc_rc rc = drc;

	if (rc != PC_OK)
		goto out;
	signer_text(&q->label, label, sizeof(label));
	if (!label_allowed(srv, label)) {
		log_warnx("signer: refused to sign with key %s (not an online "
		          "service key)",
		    label);
		rc = PC_EAUTH;
		goto out;
	}
	rc = hsm_key_find(srv->hsm, label, &key);
	/* An online service key the token no longer gives: the HSM failed
	 * (counted so in /metrics), not a bad request. */
	if (rc == PC_ENOTFOUND)
		rc = PC_EHSM;
	if (rc != PC_OK)
		goto out;
	rc = hsm_key_sign(srv->hsm, key, (enum hsm_mech)q->mech, (int)q->md,
	    q->hash.p, q->hash.n, sig, &siglen);
	log_debug("signer", "sign key=%s mech=%u rc=%s", label, q->mech,
	    pc_rc_str(rc));
out:
	memset(&r, 0, sizeof(r));
	r.rc = (uint32_t)rc;
	r.sig.p = sig;
	r.sig.n = rc == PC_OK ? siglen : 0;
	signer_reply(reply, SIGNER_MSG_SIG, &r);
}

static void
do_totp(struct signer_srv *srv, uint16_t type, enum pc_rc drc, const void *req,
    struct buf *reply)
{
	signer_totp_serve(srv->totp, type, drc, req, reply);
}

static void
do_sign_user(struct signer_srv *srv, uint16_t type, enum pc_rc drc,
    const void *req, struct buf *reply)
{
	signer_user_serve(srv->user, drc, req, reply);
}

static void
do_issue_user(struct signer_srv *srv, uint16_t type, enum pc_rc drc,
    const void *req, struct buf *reply)
{
	signer_issue_serve(srv->user, drc, req, reply);
}

static void
do_csc(struct signer_srv *srv, uint16_t type, enum pc_rc drc, const void *req,
    struct buf *reply)
{
	if (type == SIGNER_MSG_CSC_AUTHORIZE)
		signer_csc_authorize_serve(srv->user, drc, req, reply);
	else if (type == SIGNER_MSG_CSC_SIGN)
		signer_csc_sign_serve(srv->user, drc, req, reply);
	else if (type == SIGNER_MSG_CSC_SIGN_DOC)
		signer_csc_sign_doc_serve(srv->user, drc, req, reply);
	else
		signer_csc_extend_serve(srv->user, drc, req, reply);
}

static void
do_sign_recover(struct signer_srv *srv, uint16_t type, enum pc_rc drc,
    const void *req, struct buf *reply)
{
	signer_recover_serve(srv->user, drc, req, reply);
}

static void
do_keys_retire(struct signer_srv *srv, uint16_t type, enum pc_rc drc,
    const void *req, struct buf *reply)
{
	signer_retire_serve(srv->user, drc, reply);
}

static const struct {
	uint16_t type;
	signer_handler_fn fn;
} handlers[] = {
	{ SIGNER_MSG_PING, do_ping },
	{ SIGNER_MSG_SIGN_SERVICE, do_sign_service },
	{ SIGNER_MSG_TOTP_ENROL_BEGIN, do_totp },
	{ SIGNER_MSG_TOTP_ENROL_CONFIRM, do_totp },
	{ SIGNER_MSG_TOTP_VERIFY, do_totp },
	{ SIGNER_MSG_TOTP_PEEK, do_totp },
	{ SIGNER_MSG_TOTP_QR_URI, do_totp },
	{ SIGNER_MSG_SIGN_USER, do_sign_user },
	{ SIGNER_MSG_ISSUE_USER, do_issue_user },
	{ SIGNER_MSG_CSC_AUTHORIZE, do_csc },
	{ SIGNER_MSG_CSC_SIGN, do_csc },
	{ SIGNER_MSG_CSC_EXTEND, do_csc },
	{ SIGNER_MSG_CSC_SIGN_DOC, do_csc },
	{ SIGNER_MSG_SIGN_RECOVER, do_sign_recover },
	{ SIGNER_MSG_KEYS_RETIRE, do_keys_retire },
};

/* Room for any request of the table. */
union signer_req {
	struct signer_m_sign_service sign_service;
	struct signer_m_totp totp;
	struct signer_m_sign_user sign_user;
	struct signer_m_issue_user issue_user;
	struct signer_m_csc_authorize csc_authorize;
	struct signer_m_csc_sign csc_sign;
	struct signer_m_csc_sign_doc csc_sign_doc;
	struct signer_m_sign_recover sign_recover;
};

enum pc_rc
signer_dispatch(struct signer_srv *srv, uint16_t type, const uint8_t *body,
    size_t len, uint16_t *rtype, struct buf *reply)
{
	const struct signer_msgdef *def = signer_msg_def(type);
	signer_handler_fn fn = NULL;
	union signer_req *req;
	enum pc_rc drc;
	size_t i;

	RETURN_VAL_IF_FAIL(
	    srv != NULL && rtype != NULL && reply != NULL, PC_EINTERNAL);
	for (i = 0; i < PC_ARRAY_LEN(handlers) && fn == NULL; i++)
		if (handlers[i].type == type)
			fn = handlers[i].fn;
	if (def == NULL || def->from != SIGNER_FROM_WEB || fn == NULL) {
		log_warnx("signer: message type %u is not a request; closing "
		          "the channel",
		    type);
		return PC_EINVAL;
	}
	RETURN_VAL_IF_FAIL(def->size <= sizeof(*req), PC_EINTERNAL);
	req = calloc(1, sizeof(*req));
	if (req == NULL)
		return PC_ENOMEM;
	drc = signer_msg_decode(type, body, len, def->nfields > 0 ? req : NULL);
	if (drc != PC_OK)
		log_warnx("signer: malformed %s (%zu bytes); refused",
		    def->name, len);
	fn(srv, type, drc, req, reply);
	secret_wipe(req, sizeof(*req)); /* pointers only, but to secrets */
	free(req);
	*rtype = def->reply;
	return buf_ok(reply) ? PC_OK : PC_EINVAL;
}
