/*
 * cmd_cert.c: pecete cert issue | show | revoke.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/pem.h>

#include "base/clock.h"
#include "base/log.h"
#include "cli/cli.h"

static int
write_pem(const char *cmd, const char *path, X509 *cert)
{
	FILE *f;
	int ok;

	f = fopen(path, "w");
	if (f == NULL) {
		cli_err(cmd, "cannot write %s: %s", path, strerror(errno));
		return 1;
	}
	ok = PEM_write_X509(f, cert);
	if (fclose(f) != 0)
		ok = 0;
	if (ok != 1) {
		cli_err(cmd, "cannot write %s", path);
		return 1;
	}
	return 0;
}

/* The identity document of who: --id-type, --cnp and --id-number. */
static int
issue_id(const struct cli_spec *spec, const char *type, const char *cnp,
    const char *idnum, struct pki_person *who)
{
	static const char *const types[] = { "pno", "pas", "idc", NULL };
	static const enum pki_id_type ids[] = { PKI_ID_PNO, PKI_ID_PAS,
		PKI_ID_IDC };
	int t = cli_choice(type, types);

	if (t < 0) {
		cli_err(spec->cmd, "--id-type must be pno, pas or idc");
		return 2;
	}
	who->id_type = ids[t];
	if (who->id_type == PKI_ID_PNO) {
		if (cnp != NULL && idnum != NULL && strcmp(cnp, idnum) != 0) {
			cli_err(spec->cmd, "give the CNP once (--cnp)");
			return 2;
		}
		who->id_number = cnp != NULL ? cnp : idnum;
		if (who->id_number == NULL) {
			cli_err(spec->cmd, "--cnp is required");
			return 2;
		}
		return CLI_GO;
	}
	who->id_number = idnum;
	if (idnum == NULL) {
		cli_err(spec->cmd, "--id-type %s needs --id-number", type);
		return 2;
	}
	if (cnp != NULL && !cnp_valid(cnp)) {
		cli_err(spec->cmd, "the CNP is not valid (13 digits, birth "
		                   "date, county and check digit)");
		return 2;
	}
	return CLI_GO;
}

/* pecete cert issue: a holder's signing and authentication certificates. */
int
cmd_cert_issue(int argc, char **argv)
{
	static const char *const years_ok[] = { "1", "2", "3", NULL };
	static const char *const keys[] = { "rsa2048", "rsa3072", "p256",
		NULL };
	static const enum hsm_key_type key_types[] = { HSM_KEY_RSA2048,
		HSM_KEY_RSA3072, HSM_KEY_P256 };
	const char *data = NULL, *cnp = NULL, *idnum = NULL, *out = NULL;
	const char *aout = NULL, *years_s = "1", *key_s = "rsa2048";
	const char *type_s = "pno", *tx_s = NULL, *totp_out = NULL;
	struct pki_person who;
	const struct cli_opt opts[] = {
		{ "data", 0, CLI_STR, &data, CLI_REQ },
		{ "given-name", 0, CLI_STR, &who.given_name, 0 },
		{ "surname", 0, CLI_STR, &who.surname, 0 },
		{ "cnp", 0, CLI_STR, &cnp, 0 },
		{ "email", 0, CLI_STR, &who.email, 0 },
		{ "country", 0, CLI_STR, &who.country, 0 },
		{ "years", 0, CLI_STR, &years_s, 0 },
		{ "key", 0, CLI_STR, &key_s, 0 },
		{ "id-type", 0, CLI_STR, &type_s, 0 },
		{ "id-number", 0, CLI_STR, &idnum, 0 },
		{ "out", 0, CLI_STR, &out, CLI_REQ },
		{ "auth-out", 0, CLI_STR, &aout, 0 },
		{ "transactions", 0, CLI_STR, &tx_s, 0 },
		{ "totp-secret-out", 0, CLI_STR, &totp_out, 0 },
		{ NULL },
	};
	const struct cli_spec spec = { "cert issue",
		"--data DIR --given-name G --surname S\n"
		"           --cnp CNP --email E [--country RO] [--years "
		"1|2|3]\n"
		"           [--key rsa2048|rsa3072|p256]\n"
		"           [--id-type pno|pas|idc --id-number N]\n"
		"           --out CERT.pem [--auth-out AUTH.pem]\n"
		"           [--transactions N [--totp-secret-out FILE]]",
		opts, 0, 0 };
	int64_t transactions = -1;
	struct pki_issued is;
	struct cli_core core;
	char err[256];
	int years, key, ret;
	enum pc_rc rc;

	memset(&who, 0, sizeof(who));
	memset(&is, 0, sizeof(is));
	who.country = "RO";
	ret = cli_parse(&spec, argc, argv, NULL);
	if (ret != CLI_GO)
		return ret;
	if (tx_s != NULL && !cli_num(tx_s, 0, 1000000, &transactions)) {
		cli_err(spec.cmd, "--transactions is 0 to 1000000");
		return 2;
	}
	if (totp_out != NULL && transactions < 0) {
		cli_err(spec.cmd, "--totp-secret-out needs --transactions N");
		return 2;
	}
	years = cli_choice(years_s, years_ok) + 1;
	if (years < 1) {
		cli_err(spec.cmd, "--years must be 1, 2 or 3");
		return 2;
	}
	key = cli_choice(key_s, keys);
	if (key < 0) {
		cli_err(spec.cmd, "--key must be rsa2048, rsa3072 or p256");
		return 2;
	}
	ret = issue_id(&spec, type_s, cnp, idnum, &who);
	if (ret != CLI_GO)
		return ret;
	if (pki_person_check(&who, err, sizeof(err)) != PC_OK) {
		cli_err(spec.cmd, "%s", err);
		return 2;
	}
	ret = cli_core_open(&core, spec.cmd, data, CORE_PKI);
	if (ret != 0)
		goto out;
	ret = 1;
	rc = pki_holder_issue(
	    core.pki, &who, years, key_types[key], NULL, &is, err, sizeof(err));
	if (rc != PC_OK) {
		cli_err(spec.cmd, "%s", err[0] != '\0' ? err : pc_rc_str(rc));
		goto out;
	}
	if (write_pem(spec.cmd, out, is.sign_cert) != 0)
		goto out;
	if (aout != NULL && write_pem(spec.cmd, aout, is.auth_cert) != 0)
		goto out;
	printf("serial %s\n", is.sign_serial);
	printf("auth-serial %s\n", is.auth_serial);
	printf("holder %s\n", is.holder);
	fflush(stdout);
	ret = transactions >= 0 ? cli_credential_enrol(&core, spec.cmd, &is,
	                              &who, (long)transactions, totp_out)
	                        : 0;
out:
	pki_issued_cleanup(&is);
	cli_core_close(&core);
	return ret;
}

static void
print_time(const char *what, int64_t t)
{
	char s[32];

	clock_fmt_iso(t, s, sizeof(s));
	printf("%-11s %s\n", what, s);
}

/* The serial number operand in sn. CLI_GO, else the exit status. */
static int
serial_arg(const struct cli_spec *spec, const char *arg, char *sn, size_t n)
{
	if (pki_serial_norm(arg, sn, n) == PC_OK)
		return CLI_GO;
	cli_err(spec->cmd, "\"%s\" is not a serial number (hex)", arg);
	return 2;
}

/* pecete cert show SERIAL: what the store knows about a certificate. */
int
cmd_cert_show(int argc, char **argv)
{
	const char *data = NULL;
	bool pem = false;
	const struct cli_opt opts[] = {
		{ "data", 0, CLI_STR, &data, CLI_REQ },
		{ "pem", 0, CLI_FLAG, &pem, 0 },
		{ NULL },
	};
	const struct cli_spec spec = { "cert show", "--data DIR [--pem] SERIAL",
		opts, 1, 1 };
	struct cli_core core;
	struct store_cert c;
	char sn[STORE_SERIAL_MAX + 1];
	int first, ret;
	enum pc_rc rc;

	memset(&c, 0, sizeof(c));
	ret = cli_parse(&spec, argc, argv, &first);
	if (ret == CLI_GO)
		ret = serial_arg(&spec, argv[first], sn, sizeof(sn));
	if (ret != CLI_GO)
		return ret;
	ret = cli_core_open(&core, spec.cmd, data, CORE_DB);
	if (ret != 0)
		goto out;
	ret = 1;
	rc = store_cert_get(core.db, sn, &c);
	if (rc == PC_ENOTFOUND) {
		cli_err(spec.cmd, "no certificate with serial %s", sn);
		goto out;
	}
	if (rc != PC_OK) {
		cli_err(spec.cmd, "cannot read the certificate (%s)",
		    pc_rc_str(rc));
		goto out;
	}
	printf("%-11s %s\n", "serial", c.serial);
	printf("%-11s %s\n", "kind", c.kind != NULL ? c.kind : "");
	if (c.name != NULL)
		printf("%-11s %s\n", "name", c.name);
	printf("%-11s %s\n", "status",
	    c.status == CERT_REVOKED ? "revoked" : "good");
	printf("%-11s %s\n", "subject", c.subject != NULL ? c.subject : "");
	printf("%-11s %s\n", "issuer", c.issuer[0] ? c.issuer : "(self)");
	print_time("not-before", c.not_before);
	print_time("not-after", c.not_after);
	if (c.not_after < clock_now())
		printf("%-11s %s\n", "expired", "yes");
	if (c.status == CERT_REVOKED) {
		print_time("revoked-at", c.revoked_at);
		printf("%-11s %s\n", "reason", pki_reason_name(c.reason));
	}
	if (c.holder != NULL)
		printf("%-11s %s\n", "holder", c.holder);
	if (c.key_label != NULL)
		printf("%-11s %s\n", "key", c.key_label);
	cli_credential_show(&core, c.serial);
	if (pem) {
		const unsigned char *d = c.der;
		X509 *x = d2i_X509(NULL, &d, (long)c.der_len);

		if (x != NULL)
			PEM_write_X509(stdout, x);
		X509_free(x);
	}
	ret = 0;
out:
	store_cert_cleanup(&c);
	cli_core_close(&core);
	return ret;
}

struct sibling {
	char serial[STORE_SERIAL_MAX + 1];
};

/* The holder's authentication certificate, unless revoked for good. */
static enum pc_rc
auth_sibling(void *arg, const struct store_cert *c)
{
	struct sibling *s = arg;

	if (strcmp(c->kind, CERT_KIND_AUTH) == 0 &&
	    (c->status != CERT_REVOKED || c->reason == 6))
		snprintf(s->serial, sizeof(s->serial), "%s", c->serial);
	return PC_OK;
}

/*
 * After a signing certificate was revoked for good: its holder's
 * authentication certificate goes with it (as from Settings and the RA
 * console). Prints what it revoked.
 */
static enum pc_rc
revoke_sibling(struct cli_core *core, const char *sn, int reason)
{
	struct store_cert c;
	struct sibling s = { "" };
	struct db *db = NULL;
	enum pc_rc rc;

	memset(&c, 0, sizeof(c));
	if (reason == 6)
		return PC_OK;
	rc = store_acquire(core->store, &db);
	if (rc != PC_OK)
		return rc;
	rc = store_cert_get(db, sn, &c);
	if (rc == PC_OK && strcmp(c.kind, CERT_KIND_SIGN) == 0 &&
	    c.holder != NULL)
		rc = store_cert_each_of_holder(db, c.holder, auth_sibling, &s);
	store_release(core->store, db);
	store_cert_cleanup(&c);
	if (rc == PC_OK && s.serial[0] != '\0') {
		rc = pki_cert_revoke(core->pki, s.serial, reason);
		if (rc == PC_OK)
			printf(
			    "revoked %s (%s): its authentication certificate\n",
			    s.serial, pki_reason_name(reason));
	}
	return rc;
}

/* pecete cert revoke SERIAL --reason R: revoke and publish a new CRL. */
int
cmd_cert_revoke(int argc, char **argv)
{
	const char *data = NULL, *rname = NULL;
	const struct cli_opt opts[] = {
		{ "data", 0, CLI_STR, &data, CLI_REQ },
		{ "reason", 0, CLI_STR, &rname, CLI_REQ },
		{ NULL },
	};
	const struct cli_spec spec = { "cert revoke",
		"--data DIR SERIAL --reason "
		"keyCompromise|superseded|cessationOfOperation|\n"
		"           certificateHold|affiliationChanged|unspecified",
		opts, 1, 1 };
	struct cli_core core;
	char sn[STORE_SERIAL_MAX + 1];
	int first, ret, reason;
	enum pc_rc rc;

	ret = cli_parse(&spec, argc, argv, &first);
	if (ret != CLI_GO)
		return ret;
	reason = pki_reason_from_name(rname);
	if (reason < 0)
		return cli_usage_error(&spec, "unknown reason \"%s\"", rname);
	ret = serial_arg(&spec, argv[first], sn, sizeof(sn));
	if (ret != CLI_GO)
		return ret;
	ret = cli_core_open(&core, spec.cmd, data, CORE_PKI);
	if (ret != 0)
		goto out;
	ret = 1;
	rc = pki_cert_revoke(core.pki, sn, reason);
	switch (rc) {
	case PC_OK:
		printf("revoked %s (%s)\n", sn, pki_reason_name(reason));
		rc = revoke_sibling(&core, sn, reason);
		if (rc != PC_OK)
			cli_err(spec.cmd,
			    "the authentication certificate was not revoked "
			    "(%s); revoke it by its serial",
			    pc_rc_str(rc));
		ret = rc == PC_OK ? 0 : 1;
		break;
	case PC_ENOTFOUND:
		cli_err(spec.cmd, "no certificate with serial %s", sn);
		break;
	case PC_ESTATE:
		cli_err(spec.cmd, "certificate %s is already revoked", sn);
		break;
	case PC_EINVAL:
		cli_err(spec.cmd,
		    "certificate %s cannot be revoked here (the root, "
		    "or not issued by the current CAs)",
		    sn);
		break;
	default:
		cli_err(spec.cmd, "revocation failed (%s)", pc_rc_str(rc));
	}
out:
	cli_core_close(&core);
	return ret;
}
