/*
 * cmd_credential.c: the signing credential of a newly issued holder
 * (pecete cert issue --transactions N [--totp-secret-out FILE]) and its
 * counter in pecete cert show.
 *
 * Until accounts link holders to users, the holder's TOTP is enrolled
 * under a placeholder user row whose id is the holder id (totp_secrets
 * refers to users): status "holder", no password, an e-mail address in the
 * reserved .invalid domain, so it can never log in. The secret is made by
 * the signer (TOTP_ENROL_BEGIN: only the signer holds the key of the
 * secrets), confirmed at once with the code of the previous time step (so
 * the current code stays usable for the first signature), and written to
 * FILE (mode 0600) in base32 for the operator's face-to-face issuance.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <liboath/oath.h>

#include "base/clock.h"
#include "base/log.h"
#include "base/secret.h"
#include "cli/cli.h"
#include "signer/signer.h"
#include "store/store_account.h"
#include "store/store_credential.h"

#define TOTP_STEP 30

/* Code of secret (base32) at time t into code (7 bytes). */
static enum pc_rc
totp_code_at(const char *b32, int64_t t, char code[7])
{
	char *raw = NULL;
	size_t rawlen = 0;
	int r;

	if (oath_init() != OATH_OK ||
	    oath_base32_decode(b32, strlen(b32), &raw, &rawlen) != OATH_OK)
		return PC_ECRYPTO;
	r = oath_totp_generate(raw, rawlen, (time_t)t, TOTP_STEP, 0, 6, code);
	secret_wipe(raw, rawlen);
	free(raw);
	return r == OATH_OK ? PC_OK : PC_ECRYPTO;
}

static enum pc_rc
credential_rows(struct cli_core *core, const struct pki_issued *is,
    const struct pki_person *who, long transactions, bool totp)
{
	struct store_credential cr;
	struct store_user u;
	struct db *db = NULL;
	char email[STORE_ID_LEN + 32];
	int64_t now = clock_now();
	enum pc_rc rc;

	memset(&cr, 0, sizeof(cr));
	snprintf(cr.serial, sizeof(cr.serial), "%s", is->sign_serial);
	snprintf(cr.holder, sizeof(cr.holder), "%s", is->holder);
	if (totp)
		snprintf(cr.user_id, sizeof(cr.user_id), "%s", is->holder);
	cr.transactions_left = transactions;
	cr.created_at = now;
	rc = store_write_begin(core->store, &db);
	if (rc == PC_OK && totp) {
		memset(&u, 0, sizeof(u));
		snprintf(u.id, sizeof(u.id), "%s", is->holder);
		snprintf(email, sizeof(email), "holder-%s@pecete.invalid",
		    is->holder);
		u.email = email;
		u.given_name = (char *)(uintptr_t)who->given_name;
		u.surname = (char *)(uintptr_t)who->surname;
		u.phone = "";
		u.lang = "ro";
		u.status = "holder";
		u.created_at = now;
		rc = store_user_insert(db, &u);
	}
	if (rc == PC_OK)
		rc = store_credential_insert(db, &cr);
	return store_write_end(core->store, db, rc);
}

int
cli_credential_enrol(struct cli_core *core, const char *cmd,
    const struct pki_issued *is, const struct pki_person *who,
    long transactions, const char *totp_out)
{
	struct signer_client *sc = NULL;
	struct signer_totp_reply r;
	char code[7];
	enum pc_rc rc;
	int ret = 1;

	memset(&r, 0, sizeof(r));
	rc = credential_rows(core, is, who, transactions, totp_out != NULL);
	if (rc != PC_OK) {
		cli_err(cmd, "cannot store the credential (%s)", pc_rc_str(rc));
		return 1;
	}
	printf("transactions %ld\n", transactions);
	if (totp_out == NULL)
		return 0;
	rc = signer_client_start(&core->conf, 1, &sc);
	if (rc == PC_OK)
		rc = signer_client_totp_begin(sc, is->holder, who->email, &r);
	/* BEGIN's answer is the secret (its result field is not set). */
	if (rc == PC_OK && r.secret[0] == '\0')
		rc = PC_ESTATE;
	if (rc == PC_OK)
		rc = totp_code_at(r.secret, clock_now() - TOTP_STEP, code);
	if (rc == PC_OK) {
		struct signer_totp_reply c;

		rc = signer_client_totp_confirm(sc, is->holder, code, &c);
		secret_wipe(code, sizeof(code));
		if (rc == PC_OK && c.result != TOTP_R_OK)
			rc = PC_EAUTH;
	}
	if (rc != PC_OK) {
		cli_err(cmd,
		    "cannot enrol the holder's TOTP through the "
		    "signer (%s)",
		    pc_rc_str(rc));
		goto out;
	}
	rc = file_write_atomic(totp_out, r.secret, strlen(r.secret), 0600);
	if (rc != PC_OK) {
		cli_err(cmd, "cannot write %s", totp_out);
		goto out;
	}
	printf("totp-secret %s\n", totp_out);
	ret = 0;
out:
	secret_wipe(&r, sizeof(r));
	signer_client_stop(sc);
	return ret;
}

void
cli_credential_show(struct cli_core *core, const char *serial)
{
	struct store_credential cr;
	struct db *db = NULL;
	int64_t n = 0, t = 0;

	if (store_acquire(core->store, &db) != PC_OK)
		return;
	if (store_credential_get(db, serial, &cr) == PC_OK &&
	    store_signature_count(db, serial, STORE_SIG_KIND_SIGN, &n) ==
	        PC_OK &&
	    store_signature_count(db, serial, STORE_SIG_KIND_TIMESTAMP, &t) ==
	        PC_OK) {
		printf("%-11s %lld\n", "transactions",
		    (long long)cr.transactions_left);
		printf("%-11s %lld\n", "signatures", (long long)n);
		printf("%-11s %lld\n", "timestamps", (long long)t);
	}
	store_release(core->store, db);
}
