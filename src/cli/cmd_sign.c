/*
 * cmd_sign.c: pecete sign.
 *
 *   pecete sign [--p12 F --pass-file F | --pkcs11-module SO --pkcs11-key L
 *       --pin-file F --signer-cert PEM [--pkcs11-token T] |
 *       --data DIR --cert SERIAL (--otp CODE | --otp-file F)]
 *       [--format pades|cades] [--level B-B|B-T|B-LT|B-LTA] [--tsa URL]
 *       [--visible PAGE:X,Y,W,H | --field NAME] [--reason R] [--location L]
 *       [--lang ro|en] [--hash sha256|sha384|sha512] [--lock]
 *       [--certify 1|2|3]
 *       IN... OUT|--out-dir D
 * (pecete verify is in cmd_verify.c.)
 */
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/objects.h>

#include "base/secret.h"
#include "cli/cli.h"
#include "sign/sign.h"
#include "signer/signer.h"
#include "signing/signing.h"

#define SECRET_FILE_MAX 1024

struct sign_args {
	const char *p12, *pass_file;
	const char *p11_module, *p11_key, *p11_token, *pin_file, *signer_cert;
	const char *data, *cert, *otp_file;
	char *otp; /* secret memory; the argv copy is wiped */
	const char *format;
	const char *out_dir;
	/* checked into struct sign_opts by sign_opts_parse */
	const char *level, *lang, *hash, *certify, *visible, *max_size;
};

static int
parse_visible(const char *s, struct sign_opts *o)
{
	int page;
	float x, y, w, h;
	char extra;

	if (sscanf(s, "%d:%f,%f,%f,%f%c", &page, &x, &y, &w, &h, &extra) != 5)
		return -1;
	o->visible = true;
	o->page = page;
	o->x = x;
	o->y = y;
	o->w = w;
	o->h = h;
	return 0;
}

static enum pc_rc
signer_load(const char *cmd, const struct sign_args *a,
    struct sign_signer **out, struct sign_err *err)
{
	char *secret = NULL;
	enum pc_rc rc;

	if (a->p12 != NULL) {
		if (a->pass_file != NULL) {
			rc = secret_read_file(
			    a->pass_file, SECRET_FILE_MAX, &secret);
			if (rc != PC_OK) {
				cli_err(cmd, "the password file %s: %s",
				    a->pass_file, secret_file_why(rc));
				return rc;
			}
		}
		rc = sign_signer_p12(
		    a->p12, secret != NULL ? secret : "", out, err);
	} else if (a->p11_module != NULL) {
		if (a->p11_key == NULL || a->pin_file == NULL ||
		    a->signer_cert == NULL) {
			cli_err(cmd, "--pkcs11-module needs --pkcs11-key, "
			             "--pin-file and --signer-cert");
			return PC_EINVAL;
		}
		rc = secret_read_file(a->pin_file, SECRET_FILE_MAX, &secret);
		if (rc != PC_OK) {
			cli_err(cmd, "the PIN file %s: %s", a->pin_file,
			    secret_file_why(rc));
			return rc;
		}
		rc = sign_signer_pkcs11(a->p11_module, a->p11_token, a->p11_key,
		    secret, a->signer_cert, out, err);
	} else {
		cli_err(cmd, "give a key: --p12, --pkcs11-module or --data");
		return PC_EINVAL;
	}
	secret_strfree(secret);
	return rc;
}

static char *
out_name(const char *dir, const char *in, bool cades)
{
	char *copy, *base, *res;
	size_t n;

	copy = strdup(in);
	if (copy == NULL)
		return NULL;
	base = basename(copy);
	n = strlen(dir) + strlen(base) + 8;
	res = malloc(n);
	if (res != NULL)
		snprintf(res, n, "%s/%s%s", dir, base, cades ? ".p7s" : "");
	free(copy);
	return res;
}

/* The format of input in: --format, else by name or content. */
static enum sign_format
item_format(const struct sign_args *a, const char *in)
{
	if (a->format != NULL)
		return strcmp(a->format, "cades") == 0 ? SIGN_FMT_CADES
		                                       : SIGN_FMT_PADES;
	return sign_format_guess(in);
}

/*
 * Two inputs that would write the same output (same file name into one
 * --out-dir): refused before anything is signed.
 */
static bool
out_names_clash(
    const char *cmd, const struct sign_args *a, char **inputs, int ninputs)
{
	char *x, *y;
	bool cx, cy, clash = false;
	int i, j;

	for (i = 0; i < ninputs && !clash; i++) {
		cx = item_format(a, inputs[i]) == SIGN_FMT_CADES;
		x = out_name(a->out_dir, inputs[i], cx);
		for (j = i + 1; x != NULL && j < ninputs && !clash; j++) {
			cy = item_format(a, inputs[j]) == SIGN_FMT_CADES;
			y = out_name(a->out_dir, inputs[j], cy);
			if (y != NULL && strcmp(x, y) == 0) {
				cli_err(cmd,
				    "duplicate_output: %s and %s would both "
				    "be written to %s; rename one (nothing "
				    "was signed)",
				    inputs[i], inputs[j], x);
				clash = true;
			}
			free(y);
		}
		free(x);
	}
	return clash;
}

/*
 * Mode (a): our HSM through the signer process, one SAD (TOTP code) for
 * the whole batch: the journey is src/signing (signing.h); this prints
 * what it says. Lines as each item ends: "IN -> OUT" on stdout, the
 * engine's code and message on stderr; then the transactions left.
 */
struct sad_print {
	const char *cmd;
};

static void
sad_progress(
    void *arg, const struct signing_batch *b, size_t i, enum signing_step step)
{
	const struct sad_print *p = arg;
	const struct signing_result *r = signing_batch_result(b, i);

	if (r->state == SIGNING_DONE && r->warn.code != NULL)
		cli_err(p->cmd, "%s -> %s: signed, at B-T only (%s: %s)%s",
		    r->in, r->out, r->warn.code, r->warn.msg,
		    r->format == SIGN_FMT_PADES
		        ? "; pecete ltv extend can add the rest later"
		        : "");
	else if (r->state == SIGNING_DONE)
		printf("%s -> %s\n", r->in, r->out);
	else if (r->state == SIGNING_FAILED)
		cli_err(p->cmd, "%s: %s: %s%s", r->in,
		    r->err.code != NULL ? r->err.code : pc_rc_str(r->rc),
		    r->err.msg,
		    step == SIGNING_STEP_BEGIN ? " (nothing was signed)" : "");
}

/* What to do about a refused authorization. */
static const char *
sad_refusal_msg(enum pc_ecode code)
{
	switch (code) {
	case PCE_TOTP_LOCKED:
		return "too many wrong codes; try again later";
	case PCE_QUOTA_EXHAUSTED:
		return "not enough transactions left for this batch";
	case PCE_CERT_EXPIRED:
		return "the certificate has expired; request a new one";
	case PCE_CERT_REVOKED:
		return "the certificate is revoked";
	case PCE_CERT_SUSPENDED:
		return "the certificate is suspended; resume it in Settings";
	default:
		return "the code was refused; wait for a new code and retry";
	}
}

static int
sign_sad(const char *cmd, const struct sign_args *a, struct sign_opts *o,
    char **inputs, int ninputs, const char *out1)
{
	struct cli_core core;
	struct pc_env env;
	struct signing_opts so;
	struct signing_item it;
	struct signing_batch *b = NULL;
	struct sad_print pr = { cmd };
	struct pc_err perr;
	char serial[STORE_SERIAL_MAX + 1], *dst = NULL;
	int i, status = 1;
	enum pc_rc rc;

	memset(&core, 0, sizeof(core));
	memset(&perr, 0, sizeof(perr));
	if (a->cert == NULL || a->otp == NULL) {
		cli_err(cmd, "--data needs --cert SERIAL and --otp CODE (or "
		             "--otp-file F)");
		return 2;
	}
	if (ninputs > SIGNING_BATCH_MAX) {
		cli_err(cmd, "too_many: at most %d files per authorization",
		    SIGNING_BATCH_MAX);
		return 2;
	}
	if (pki_serial_norm(a->cert, serial, sizeof(serial)) != PC_OK) {
		cli_err(cmd, "\"%s\" is not a serial number (hex)", a->cert);
		return 2;
	}
	memset(&so, 0, sizeof(so));
	so.credential = serial;
	so.sign = *o;
	so.stop_at_first = true;
	so.progress = sad_progress;
	so.progress_arg = &pr;
	if (cli_core_open(&core, cmd, a->data, CORE_STORE) != 0)
		goto out;
	memset(&env, 0, sizeof(env));
	env.conf = &core.conf;
	env.store = core.store;
	env.actor = "cli";
	rc = signing_batch_new(&env, &so, &b, &perr);
	if (perr.code == PCE_CREDENTIAL_UNKNOWN) {
		cli_err(cmd,
		    "credential_unknown: no signing certificate with "
		    "serial %s",
		    serial);
		goto out;
	}
	if (rc != PC_OK)
		goto out;
	for (i = 0; i < ninputs; i++) {
		memset(&it, 0, sizeof(it));
		it.in_path = inputs[i];
		it.in_fd = -1;
		it.format = item_format(a, inputs[i]);
		dst = out1 != NULL ? strdup(out1)
		                   : out_name(a->out_dir, inputs[i],
		                         it.format == SIGN_FMT_CADES);
		it.out_path = dst;
		rc = dst != NULL ? signing_batch_add(b, &it, NULL) : PC_ENOMEM;
		free(dst);
		if (rc != PC_OK)
			goto out;
	}

	/* Intake checks, the PDFs' updates and each hash to sign. */
	if (signing_batch_begin(&env, b) != PC_OK)
		goto out; /* the item said why */

	/* One authorization for the batch. */
	rc = signer_client_start(&core.conf, 1, &env.signer);
	if (rc != PC_OK) {
		cli_err(cmd, "cannot start the signer (%s)", pc_rc_str(rc));
		goto out;
	}
	rc = signing_batch_authorize(&env, b, a->otp, &perr);
	signer_client_stop(env.signer);
	env.signer = NULL;
	if (rc != PC_OK) {
		if (perr.code == PCE_SIGN_FAILED ||
		    perr.code == PCE_SIGNER_UNAVAILABLE ||
		    perr.code == PCE_NONE)
			cli_err(cmd, "sign_failed: %s (nothing was signed)",
			    pc_rc_str(rc));
		else
			cli_err(cmd, "%s: %s (nothing was signed)",
			    pc_ecode_name(perr.code),
			    sad_refusal_msg(perr.code));
		goto out;
	}

	/* The outputs, with the authorized signatures. */
	status = signing_batch_finish(&env, b) == PC_OK ? 0 : 1;
	printf("transactions left %lld\n",
	    (long long)signing_batch_transactions_left(b));
out:
	signing_batch_free(b);
	cli_core_close(&core);
	return status;
}

/* The options that are not strings: --level, --lang, --hash, ... into o. */
static int
sign_opts_parse(const char *cmd, const struct sign_args *a, struct sign_opts *o)
{
	static const char *const levels[] = { "B-B", "B-T", "B-LT", "B-LTA",
		NULL };
	static const char *const langs[] = { "ro", "en", NULL };
	static const char *const certify[] = { "1", "2", "3", NULL };
	int i;

	if (a->level != NULL) {
		i = cli_choice(a->level, levels);
		if (i < 0) {
			cli_err(cmd, "--level is B-B, B-T, B-LT or B-LTA");
			return 2;
		}
		o->level = SIGN_LEVEL_BB + i;
	}
	if (a->lang != NULL) {
		i = cli_choice(a->lang, langs);
		if (i < 0) {
			cli_err(cmd, "--lang is ro or en");
			return 2;
		}
		o->lang = i == 0 ? SIGN_LANG_RO : SIGN_LANG_EN;
	}
	if (a->hash != NULL) {
		o->md_nid = OBJ_sn2nid(a->hash); /* SHA384 */
		if (o->md_nid == NID_undef)
			o->md_nid = OBJ_ln2nid(a->hash); /* sha384 */
		if (o->md_nid != NID_sha256 && o->md_nid != NID_sha384 &&
		    o->md_nid != NID_sha512) {
			cli_err(cmd, "--hash is SHA256, SHA384 or SHA512");
			return 2;
		}
	}
	if (a->certify != NULL) {
		o->certify = cli_choice(a->certify, certify) + 1;
		if (o->certify < 1) {
			cli_err(cmd, "--certify is 1, 2 or 3 (DocMDP P: no "
			             "change, forms and signatures, also "
			             "annotations)");
			return 2;
		}
	}
	if (a->visible != NULL && parse_visible(a->visible, o) != 0) {
		cli_err(cmd, "--visible is PAGE:X,Y,W,H");
		return 2;
	}
	if (a->max_size != NULL)
		o->max_size = strtoll(a->max_size, NULL, 10);
	return CLI_GO;
}

/* cmd_sign: a->otp, a copy in secret memory, is the caller's to free. */
static int
sign_run(int argc, char **argv, struct sign_args *ap)
{
	struct sign_args a;
	struct sign_opts o;
	const struct cli_opt opts[] = {
		{ "p12", 0, CLI_STR, &a.p12, 0 },
		{ "pass-file", 0, CLI_STR, &a.pass_file, 0 },
		{ "pkcs11-module", 0, CLI_STR, &a.p11_module, 0 },
		{ "pkcs11-key", 0, CLI_STR, &a.p11_key, 0 },
		{ "pkcs11-token", 0, CLI_STR, &a.p11_token, 0 },
		{ "pin-file", 0, CLI_STR, &a.pin_file, 0 },
		{ "signer-cert", 0, CLI_STR, &a.signer_cert, 0 },
		{ "data", 0, CLI_STR, &a.data, 0 },
		{ "cert", 0, CLI_STR, &a.cert, 0 },
		{ "otp", 0, CLI_SECRET, &ap->otp, 0 },
		{ "otp-file", 0, CLI_STR, &a.otp_file, 0 },
		{ "format", 0, CLI_STR, &a.format, 0 },
		{ "level", 0, CLI_STR, &a.level, 0 },
		{ "tsa", 0, CLI_STR, &o.tsa_url, 0 },
		{ "visible", 0, CLI_STR, &a.visible, 0 },
		{ "field", 0, CLI_STR, &o.field, 0 },
		{ "reason", 0, CLI_STR, &o.reason, 0 },
		{ "location", 0, CLI_STR, &o.location, 0 },
		{ "lang", 0, CLI_STR, &a.lang, 0 },
		{ "hash", 0, CLI_STR, &a.hash, 0 },
		{ "lock", 0, CLI_FLAG, &o.lock, 0 },
		{ "certify", 0, CLI_STR, &a.certify, 0 },
		{ "out-dir", 0, CLI_STR, &a.out_dir, 0 },
		{ "max-size", 0, CLI_STR, &a.max_size, 0 },
		{ NULL },
	};
	const struct cli_spec spec = { "sign",
		"[--p12 F --pass-file F | --pkcs11-module SO --pkcs11-key L\n"
		"    --pin-file F --signer-cert PEM [--pkcs11-token T] |\n"
		"    --data DIR --cert SERIAL (--otp CODE | --otp-file F)]\n"
		"    [--format pades|cades] [--level B-B|B-T|B-LT|B-LTA] "
		"[--tsa URL]\n"
		"    [--visible PAGE:X,Y,W,H | --field NAME] [--reason R]\n"
		"    [--location L] [--lang ro|en] [--hash "
		"sha256|sha384|sha512]\n"
		"    [--lock] [--certify 1|2|3] IN... OUT|--out-dir D",
		opts, 1, -1 };
	struct sign_signer *s = NULL;
	struct sign_err err;
	char **inputs;
	const char *out1 = NULL;
	int first, ninputs, i, status = 1;
	bool cades;
	enum pc_rc rc;

	memset(&a, 0, sizeof(a));
	sign_opts_init(&o);
	status = cli_parse(&spec, argc, argv, &first);
	if (status == CLI_GO)
		status = sign_opts_parse(spec.cmd, &a, &o);
	if (status != CLI_GO)
		return status;
	a.otp = ap->otp;
	/* The default: long-term (B-LTA; B-LT for CAdES, whose archive
	 * timestamp must be asked for) when a timestamp server is known. */
	if (a.level == NULL && (o.tsa_url != NULL || a.data != NULL))
		o.level = SIGN_LEVEL_BLTA;
	inputs = argv + first;
	ninputs = argc - first;
	if (a.out_dir == NULL) {
		if (ninputs != 2) {
			cli_err(spec.cmd, "give IN OUT, or IN... --out-dir D");
			return 2;
		}
		out1 = inputs[1];
		ninputs = 1;
	} else if (ninputs < 1) {
		cli_err(spec.cmd, "no input files");
		return 2;
	}
	if (a.format != NULL && strcmp(a.format, "pades") != 0 &&
	    strcmp(a.format, "cades") != 0) {
		cli_err(spec.cmd, "--format is pades or cades");
		return 2;
	}
	if (a.out_dir != NULL && out_names_clash(spec.cmd, &a, inputs, ninputs))
		return 2;
	if (a.otp_file != NULL) {
		secret_strfree(ap->otp);
		ap->otp = NULL;
		rc = secret_read_file(a.otp_file, SECRET_FILE_MAX, &ap->otp);
		a.otp = ap->otp;
		if (rc != PC_OK) {
			cli_err(spec.cmd, "the code file %s: %s", a.otp_file,
			    secret_file_why(rc));
			return 2;
		}
	}
	if (a.data != NULL)
		return sign_sad(spec.cmd, &a, &o, inputs, ninputs, out1);
	if (o.level >= SIGN_LEVEL_BT && o.tsa_url == NULL) {
		cli_err(spec.cmd, "--level %s needs --tsa URL (or --data)",
		    a.level);
		return 2;
	}
	memset(&err, 0, sizeof(err));
	rc = signer_load(spec.cmd, &a, &s, &err);
	if (rc != PC_OK) {
		if (err.code != NULL)
			cli_err(spec.cmd, "%s: %s", err.code, err.msg);
		return rc == PC_EINVAL ? 2 : 1;
	}
	status = 0;
	for (i = 0; i < ninputs; i++) {
		char *dst;

		memset(&err, 0, sizeof(err));
		cades = item_format(&a, inputs[i]) == SIGN_FMT_CADES;
		dst = out1 != NULL ? strdup(out1)
		                   : out_name(a.out_dir, inputs[i], cades);
		if (dst == NULL) {
			status = 1;
			break;
		}
		if (cades) {
			/* The default for a CAdES: B-LT; B-LTA (an
			 * archive-time-stamp-v3 over it) when asked for. */
			struct sign_opts oc = o;

			if (a.level == NULL && oc.level > SIGN_LEVEL_BLT)
				oc.level = SIGN_LEVEL_BLT;
			rc = sign_cades_file(s, &oc, inputs[i], dst, &err);
		} else {
			rc = sign_pades_file(s, &o, inputs[i], dst, &err);
		}
		if (rc != PC_OK) {
			if (err.code != NULL)
				cli_err(spec.cmd, "%s: %s: %s", inputs[i],
				    err.code, err.msg);
			else
				cli_err(spec.cmd, "%s: signing failed (%s)",
				    inputs[i], pc_rc_str(rc));
			status = 1;
		} else {
			printf("%s -> %s\n", inputs[i], dst);
		}
		free(dst);
	}
	sign_signer_free(s);
	return status;
}

int
cmd_sign(int argc, char **argv)
{
	struct sign_args a;
	int status;

	memset(&a, 0, sizeof(a));
	status = sign_run(argc, argv, &a);
	secret_strfree(a.otp);
	return status;
}
