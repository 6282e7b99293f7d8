/*
 * signing_rules.c: what the signing journeys share besides the batch:
 * the level each kind of file is made at and the transactions it takes,
 * the signer's refusals as the registry's errors, the node's own TSA.
 */
#include <stdio.h>
#include <string.h>

#include "base/conf.h"
#include "signing/signing.h"

enum sign_level
signing_item_level(enum sign_level l, enum sign_format format, bool digest)
{
	(void)format; /* a CAdES too: B-LTA is its archive-time-stamp-v3 */
	if (digest && l > SIGN_LEVEL_BT)
		return SIGN_LEVEL_BT;
	return l;
}

unsigned
signing_cost(enum sign_level level, enum sign_format format)
{
	enum sign_level l = signing_item_level(level, format, false);

	return 1u + (l >= SIGN_LEVEL_BT ? 1u : 0u) +
	       (l == SIGN_LEVEL_BLTA ? 1u : 0u);
}

unsigned
signing_cost_str(const char *level, const char *format)
{
	enum sign_level l = sign_level_parse(level);

	return signing_cost(l != 0 ? l : SIGN_LEVEL_BT,
	    format != NULL && strcmp(format, "pades") == 0 ? SIGN_FMT_PADES
	                                                   : SIGN_FMT_CADES);
}

unsigned
signing_ts_made(
    const char *batch_level, const char *item_level, const char *format)
{
	return signing_cost_str(item_level != NULL && item_level[0] != '\0'
	                            ? item_level
	                            : batch_level,
	           format) -
	       1;
}

enum pc_rc
signing_code_peek(const struct pc_env *e, const char *user_id, const char *code,
    struct pc_err *err)
{
	struct signer_totp_reply tr;
	enum signer_user_result res;
	enum pc_rc rc;

	RETURN_VAL_IF_FAIL(
	    e != NULL && user_id != NULL && code != NULL, PC_EINTERNAL);
	if (e->signer == NULL)
		return pc_fail(err, PC_EUNAVAIL, PCE_SIGNER_UNAVAILABLE, NULL);
	rc = signer_client_totp_peek(e->signer, user_id, "sign", code, &tr);
	if (rc != PC_OK)
		return pc_fail(err, rc,
		    rc == PC_EUNAVAIL ? PCE_SIGNER_UNAVAILABLE
		                      : PCE_SIGN_FAILED,
		    NULL);
	switch (tr.result) {
	case TOTP_R_OK:
		return PC_OK;
	case TOTP_R_REPLAY:
		res = USER_R_TOTP_REPLAY;
		break;
	case TOTP_R_LOCKED:
		res = USER_R_TOTP_LOCKED;
		break;
	case TOTP_R_NONE:
		res = USER_R_TOTP_NONE;
		break;
	default:
		res = USER_R_TOTP_BAD;
	}
	return signing_refusal(res, tr.retry_after, err);
}

enum pc_rc
signing_refusal(
    enum signer_user_result result, uint32_t retry_after, struct pc_err *err)
{
	switch (result) {
	case USER_R_TOTP_BAD:
		return pc_fail(err, PC_EAUTH, PCE_TOTP_INVALID, "sad");
	case USER_R_TOTP_REPLAY:
		return pc_fail(err, PC_EAUTH, PCE_TOTP_REPLAY, "sad");
	case USER_R_TOTP_LOCKED:
		if (err != NULL)
			err->retry_after = retry_after;
		return pc_fail(err, PC_ELIMIT, PCE_TOTP_LOCKED, "sad");
	case USER_R_TOTP_NONE:
		return pc_fail(err, PC_ESTATE, PCE_TOTP_NOT_ENABLED, NULL);
	case USER_R_CERT_EXPIRED:
		return pc_fail(err, PC_ESTATE, PCE_CERT_EXPIRED, NULL);
	case USER_R_CERT_REVOKED:
		return pc_fail(err, PC_ESTATE, PCE_CERT_REVOKED, NULL);
	case USER_R_CERT_SUSPENDED:
		return pc_fail(err, PC_ESTATE, PCE_CERT_SUSPENDED, NULL);
	case USER_R_QUOTA:
		return pc_fail(err, PC_ELIMIT, PCE_QUOTA_EXHAUSTED, NULL);
	case USER_R_UNKNOWN:
		return pc_fail(
		    err, PC_ENOTFOUND, PCE_CREDENTIAL_UNKNOWN, "credential");
	case USER_R_EXISTS:
		return pc_fail(err, PC_ESTATE, PCE_CREDENTIAL_EXISTS, NULL);
	case USER_R_INVALID:
		return pc_fail(err, PC_ESTATE, PCE_IDENTITY_INVALID, NULL);
	case USER_R_SAD_INVALID:
		return pc_fail(err, PC_EAUTH, PCE_SAD_INVALID, "SAD");
	case USER_R_SAD_EXPIRED:
		return pc_fail(err, PC_EAUTH, PCE_SAD_EXPIRED, "SAD");
	case USER_R_HASH_NOT_AUTHORIZED:
		return pc_fail(
		    err, PC_EAUTH, PCE_HASH_NOT_AUTHORIZED, "hashes");
	case USER_R_HASHES_EXCEED:
		return pc_fail(err, PC_EAUTH, PCE_HASHES_EXCEED, "hashes");
	case USER_R_ALGO:
		return pc_fail(err, PC_EINVAL, PCE_ALGO_INVALID, "signAlgo");
	case USER_R_SIGN_FAILED:
	default:
		return pc_fail(err, PC_EHSM, PCE_SIGN_FAILED, NULL);
	}
}

void
signing_local_tsa(const struct pc_env *e, char *out, size_t n)
{
	const char *l = e->conf->server.listen;
	const char *colon = l != NULL ? strrchr(l, ':') : NULL;

	if (colon == NULL) {
		snprintf(out, n, "%s/tsa", e->conf->server.public_url);
		return;
	}
	if (colon == l || strncmp(l, "0.0.0.0:", 8) == 0 ||
	    strncmp(l, "[::]:", 5) == 0)
		snprintf(out, n, "http://127.0.0.1%s/tsa", colon);
	else
		snprintf(out, n, "http://%s/tsa", l);
}
