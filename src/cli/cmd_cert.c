/*
 * cmd_cert.c: pecete cert issue | show | revoke.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/pem.h>

#include "base/clock.h"
#include "base/log.h"
#include "cli/cli.h"

static void
issue_usage(void)
{
	fprintf(stderr,
	    "usage: pecete cert issue --data DIR --given-name G --surname S\n"
	    "           --cnp CNP --email E [--country RO] [--years 1|2|3]\n"
	    "           [--key rsa2048|rsa3072|p256]\n"
	    "           [--id-type pno|pas|idc --id-number N]\n"
	    "           --out CERT.pem [--auth-out AUTH.pem]\n"
	    "           [--transactions N [--totp-secret-out FILE]]\n");
}

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

/* pecete cert issue: a holder's signing and authentication certificates. */
int
cmd_cert_issue(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "data", required_argument, NULL, 'd' },
		{ "given-name", required_argument, NULL, 'g' },
		{ "surname", required_argument, NULL, 's' },
		{ "cnp", required_argument, NULL, 'c' },
		{ "email", required_argument, NULL, 'e' },
		{ "country", required_argument, NULL, 'C' },
		{ "years", required_argument, NULL, 'y' },
		{ "key", required_argument, NULL, 'k' },
		{ "id-type", required_argument, NULL, 't' },
		{ "id-number", required_argument, NULL, 'n' },
		{ "out", required_argument, NULL, 'o' },
		{ "auth-out", required_argument, NULL, 'a' },
		{ "transactions", required_argument, NULL, 'T' },
		{ "totp-secret-out", required_argument, NULL, 'O' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *cmd = "cert issue", *totp_out = NULL;
	long transactions = -1;
	char *end;
	const char *data = NULL, *cnp = NULL, *idnum = NULL, *out = NULL;
	const char *aout = NULL, *years_s = "1", *key_s = "rsa2048";
	const char *type_s = "pno";
	struct pki_person who;
	struct pki_issued is;
	struct cli_core core;
	enum hsm_key_type kt;
	char err[256];
	int ch, years, ret;
	enum pc_rc rc;

	memset(&who, 0, sizeof(who));
	memset(&is, 0, sizeof(is));
	memset(&core, 0, sizeof(core));
	who.country = "RO";
	optind = 1;
	opterr = 1;
	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (ch) {
		case 'd':
			data = optarg;
			break;
		case 'g':
			who.given_name = optarg;
			break;
		case 's':
			who.surname = optarg;
			break;
		case 'c':
			cnp = optarg;
			break;
		case 'e':
			who.email = optarg;
			break;
		case 'C':
			who.country = optarg;
			break;
		case 'y':
			years_s = optarg;
			break;
		case 'k':
			key_s = optarg;
			break;
		case 't':
			type_s = optarg;
			break;
		case 'n':
			idnum = optarg;
			break;
		case 'o':
			out = optarg;
			break;
		case 'a':
			aout = optarg;
			break;
		case 'T':
			transactions = strtol(optarg, &end, 10);
			if (*end != '\0' || transactions < 0 ||
			    transactions > 1000000) {
				cli_err(cmd, "--transactions is 0 to 1000000");
				return 2;
			}
			break;
		case 'O':
			totp_out = optarg;
			break;
		case 'h':
			issue_usage();
			return 0;
		default:
			issue_usage();
			return 2;
		}
	}
	if (optind != argc) {
		cli_err(cmd, "unexpected argument \"%s\"", argv[optind]);
		issue_usage();
		return 2;
	}
	if (totp_out != NULL && transactions < 0) {
		cli_err(cmd, "--totp-secret-out needs --transactions N");
		return 2;
	}
	if (data == NULL || out == NULL) {
		cli_err(cmd, "--data and --out are required");
		issue_usage();
		return 2;
	}
	if (strcmp(years_s, "1") == 0 || strcmp(years_s, "2") == 0 ||
	    strcmp(years_s, "3") == 0)
		years = years_s[0] - '0';
	else {
		cli_err(cmd, "--years must be 1, 2 or 3");
		return 2;
	}
	if (strcmp(key_s, "rsa2048") == 0)
		kt = HSM_KEY_RSA2048;
	else if (strcmp(key_s, "rsa3072") == 0)
		kt = HSM_KEY_RSA3072;
	else if (strcmp(key_s, "p256") == 0)
		kt = HSM_KEY_P256;
	else {
		cli_err(cmd, "--key must be rsa2048, rsa3072 or p256");
		return 2;
	}
	if (strcmp(type_s, "pno") == 0) {
		who.id_type = PKI_ID_PNO;
		if (cnp != NULL && idnum != NULL && strcmp(cnp, idnum) != 0) {
			cli_err(cmd, "give the CNP once (--cnp)");
			return 2;
		}
		who.id_number = cnp != NULL ? cnp : idnum;
		if (who.id_number == NULL) {
			cli_err(cmd, "--cnp is required");
			return 2;
		}
	} else if (strcmp(type_s, "pas") == 0 || strcmp(type_s, "idc") == 0) {
		who.id_type = type_s[0] == 'p' ? PKI_ID_PAS : PKI_ID_IDC;
		who.id_number = idnum;
		if (idnum == NULL) {
			cli_err(cmd, "--id-type %s needs --id-number", type_s);
			return 2;
		}
		if (cnp != NULL && !cnp_valid(cnp)) {
			cli_err(cmd, "the CNP is not valid (13 digits, birth "
			             "date, county and check digit)");
			return 2;
		}
	} else {
		cli_err(cmd, "--id-type must be pno, pas or idc");
		return 2;
	}
	if (pki_person_check(&who, err, sizeof(err)) != PC_OK) {
		cli_err(cmd, "%s", err);
		return 2;
	}
	ret = cli_core_open(&core, cmd, data, CORE_PKI);
	if (ret != 0)
		goto out;
	ret = 1;
	rc = pki_holder_issue(
	    core.pki, &who, years, kt, NULL, &is, err, sizeof(err));
	if (rc != PC_OK) {
		cli_err(cmd, "%s", err[0] != '\0' ? err : pc_rc_str(rc));
		goto out;
	}
	if (write_pem(cmd, out, is.sign_cert) != 0)
		goto out;
	if (aout != NULL && write_pem(cmd, aout, is.auth_cert) != 0)
		goto out;
	printf("serial %s\n", is.sign_serial);
	printf("auth-serial %s\n", is.auth_serial);
	printf("holder %s\n", is.holder);
	fflush(stdout);
	ret = transactions >= 0 ? cli_credential_enrol(&core, cmd, &is, &who,
	                              transactions, totp_out)
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

/* pecete cert show SERIAL: what the store knows about a certificate. */
int
cmd_cert_show(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "data", required_argument, NULL, 'd' },
		{ "pem", no_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *cmd = "cert show", *data = NULL;
	struct cli_core core;
	struct store_cert c;
	struct db *db = NULL;
	char sn[STORE_SERIAL_MAX + 1];
	bool pem = false;
	int ch, ret;
	enum pc_rc rc;

	memset(&core, 0, sizeof(core));
	memset(&c, 0, sizeof(c));
	optind = 1;
	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (ch) {
		case 'd':
			data = optarg;
			break;
		case 'p':
			pem = true;
			break;
		case 'h':
			fprintf(stdout, "usage: pecete cert show --data DIR "
			                "[--pem] SERIAL\n");
			return 0;
		default:
			fprintf(stderr, "usage: pecete cert show --data DIR "
			                "[--pem] SERIAL\n");
			return 2;
		}
	}
	if (data == NULL || optind + 1 != argc) {
		fprintf(stderr,
		    "usage: pecete cert show --data DIR [--pem] SERIAL\n");
		return 2;
	}
	if (pki_serial_norm(argv[optind], sn, sizeof(sn)) != PC_OK) {
		cli_err(
		    cmd, "\"%s\" is not a serial number (hex)", argv[optind]);
		return 2;
	}
	ret = cli_core_open(&core, cmd, data, CORE_STORE);
	if (ret != 0)
		goto out;
	ret = 1;
	rc = store_acquire(core.store, &db);
	if (rc == PC_OK)
		rc = store_cert_get(db, sn, &c);
	if (rc == PC_ENOTFOUND) {
		cli_err(cmd, "no certificate with serial %s", sn);
		goto out;
	}
	if (rc != PC_OK) {
		cli_err(cmd, "cannot read the certificate (%s)", pc_rc_str(rc));
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
	if (db != NULL)
		store_release(core.store, db);
	cli_core_close(&core);
	return ret;
}

/* pecete cert revoke SERIAL --reason R: revoke and publish a new CRL. */
int
cmd_cert_revoke(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "data", required_argument, NULL, 'd' },
		{ "reason", required_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static const char usage[] =
	    "usage: pecete cert revoke --data DIR SERIAL --reason "
	    "keyCompromise|superseded|cessationOfOperation|\n"
	    "           certificateHold|affiliationChanged|unspecified\n";
	const char *cmd = "cert revoke", *data = NULL, *rname = NULL;
	struct cli_core core;
	char sn[STORE_SERIAL_MAX + 1];
	int ch, ret, reason;
	enum pc_rc rc;

	memset(&core, 0, sizeof(core));
	optind = 1;
	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (ch) {
		case 'd':
			data = optarg;
			break;
		case 'r':
			rname = optarg;
			break;
		case 'h':
			fputs(usage, stdout);
			return 0;
		default:
			fputs(usage, stderr);
			return 2;
		}
	}
	if (data == NULL || rname == NULL || optind + 1 != argc) {
		fputs(usage, stderr);
		return 2;
	}
	reason = pki_reason_from_name(rname);
	if (reason < 0) {
		cli_err(cmd, "unknown reason \"%s\"", rname);
		fputs(usage, stderr);
		return 2;
	}
	if (pki_serial_norm(argv[optind], sn, sizeof(sn)) != PC_OK) {
		cli_err(
		    cmd, "\"%s\" is not a serial number (hex)", argv[optind]);
		return 2;
	}
	ret = cli_core_open(&core, cmd, data, CORE_PKI);
	if (ret != 0)
		goto out;
	ret = 1;
	rc = pki_cert_revoke(core.pki, sn, reason);
	switch (rc) {
	case PC_OK:
		printf("revoked %s (%s)\n", sn, pki_reason_name(reason));
		ret = 0;
		break;
	case PC_ENOTFOUND:
		cli_err(cmd, "no certificate with serial %s", sn);
		break;
	case PC_ESTATE:
		cli_err(cmd, "certificate %s is already revoked", sn);
		break;
	case PC_EINVAL:
		cli_err(cmd,
		    "certificate %s cannot be revoked here (the root, "
		    "or not issued by the current CAs)",
		    sn);
		break;
	default:
		cli_err(cmd, "revocation failed (%s)", pc_rc_str(rc));
	}
out:
	cli_core_close(&core);
	return ret;
}
