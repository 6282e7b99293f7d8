/*
 * cmd_sign.c: pecete sign.
 *
 *   pecete sign [--p12 F --pass-file F | --pkcs11-module SO --pkcs11-key L
 *       --pin-file F --signer-cert PEM [--pkcs11-token T] |
 *       --data DIR --cert SERIAL (--otp CODE | --otp-file F)]
 *       [--format pades|cades] [--level B-B|B-T] [--tsa URL]
 *       [--visible PAGE:X,Y,W,H | --field NAME] [--reason R] [--location L]
 *       [--lang ro|en] [--hash sha256|sha384|sha512] [--lock]
 *       [--certify 1|2|3]
 *       IN... OUT|--out-dir D
 * (pecete verify is in cmd_verify.c.)
 */
#include <getopt.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <openssl/objects.h>
#include <openssl/x509.h>

#include "base/clock.h"
#include "base/log.h"
#include "base/secret.h"
#include "cli/cli.h"
#include "sign/sign.h"
#include "signer/signer.h"

#define SECRET_FILE_MAX 1024

enum {
	OPT_P12 = 256,
	OPT_PASS_FILE,
	OPT_P11_MODULE,
	OPT_P11_KEY,
	OPT_P11_TOKEN,
	OPT_PIN_FILE,
	OPT_SIGNER_CERT,
	OPT_DATA,
	OPT_CERT,
	OPT_OTP,
	OPT_FORMAT,
	OPT_LEVEL,
	OPT_TSA,
	OPT_VISIBLE,
	OPT_FIELD,
	OPT_REASON,
	OPT_LOCATION,
	OPT_LANG,
	OPT_HASH,
	OPT_LOCK,
	OPT_OUT_DIR,
	OPT_MAX_SIZE,
	OPT_OTP_FILE,
	OPT_CERTIFY,
};

static const struct option sign_longopts[] = {
	{ "p12", required_argument, NULL, OPT_P12 },
	{ "pass-file", required_argument, NULL, OPT_PASS_FILE },
	{ "pkcs11-module", required_argument, NULL, OPT_P11_MODULE },
	{ "pkcs11-key", required_argument, NULL, OPT_P11_KEY },
	{ "pkcs11-token", required_argument, NULL, OPT_P11_TOKEN },
	{ "pin-file", required_argument, NULL, OPT_PIN_FILE },
	{ "signer-cert", required_argument, NULL, OPT_SIGNER_CERT },
	{ "data", required_argument, NULL, OPT_DATA },
	{ "cert", required_argument, NULL, OPT_CERT },
	{ "otp", required_argument, NULL, OPT_OTP },
	{ "otp-file", required_argument, NULL, OPT_OTP_FILE },
	{ "format", required_argument, NULL, OPT_FORMAT },
	{ "level", required_argument, NULL, OPT_LEVEL },
	{ "tsa", required_argument, NULL, OPT_TSA },
	{ "visible", required_argument, NULL, OPT_VISIBLE },
	{ "field", required_argument, NULL, OPT_FIELD },
	{ "reason", required_argument, NULL, OPT_REASON },
	{ "location", required_argument, NULL, OPT_LOCATION },
	{ "lang", required_argument, NULL, OPT_LANG },
	{ "hash", required_argument, NULL, OPT_HASH },
	{ "lock", no_argument, NULL, OPT_LOCK },
	{ "certify", required_argument, NULL, OPT_CERTIFY },
	{ "out-dir", required_argument, NULL, OPT_OUT_DIR },
	{ "max-size", required_argument, NULL, OPT_MAX_SIZE },
	{ NULL, 0, NULL, 0 },
};

struct sign_args {
	const char *p12, *pass_file;
	const char *p11_module, *p11_key, *p11_token, *pin_file, *signer_cert;
	const char *data, *cert, *otp_file;
	char *otp; /* secret memory; the argv copy is wiped */
	const char *format;
	const char *out_dir;
};

static bool
is_pdf(const char *path)
{
	FILE *f;
	char magic[5] = { 0 };
	size_t n = strlen(path);
	bool ok;

	if (n > 4 && strcasecmp(path + n - 4, ".pdf") == 0)
		return true;
	f = fopen(path, "rb");
	if (f == NULL)
		return false;
	ok = fread(magic, 1, 5, f) == 5 && memcmp(magic, "%PDF-", 5) == 0;
	fclose(f);
	return ok;
}

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
		cx = a->format != NULL ? strcmp(a->format, "cades") == 0
		                       : !is_pdf(inputs[i]);
		x = out_name(a->out_dir, inputs[i], cx);
		for (j = i + 1; x != NULL && j < ninputs && !clash; j++) {
			cy = a->format != NULL ? strcmp(a->format, "cades") == 0
			                       : !is_pdf(inputs[j]);
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
 * the whole batch. Step 1 prepares every input and collects the hash it
 * needs signed (the hash of the CMS signed attributes): a PDF is written
 * once, with a zero /Contents, into a temporary file (sign_pades_begin),
 * and its CMS is built with a signer that only records the hash and stops;
 * a .p7s has nothing to write yet. Then ONE SIGN_USER signs them all (the
 * signer checks the code, the certificate and the counter, and counts).
 * Step 3 builds each CMS again with those signatures (and requests the
 * timestamps at B-T) and patches it in (sign_pades_finish: sync, rename)
 * or writes the .p7s (CAdES hashes its input again). Step 3 checks that
 * each hash is the one authorized, so it can never sign anything else;
 * when the authorization is refused the temporary files are removed, so
 * no output appears.
 */
struct sad_batch {
	uint8_t hashes[SIGNER_USER_HASHES_MAX][SIGNER_HASH_MAX];
	size_t hlen;
	unsigned n, pos;
	enum hsm_mech mech;
	int md_nid;
	bool replay, mismatch;
	struct signer_user_reply rep;
};

static enum pc_rc
sad_batch_sign(void *arg, enum hsm_mech mech, int md_nid, const uint8_t *hash,
    size_t hlen, uint8_t *sig, size_t *siglen)
{
	struct sad_batch *b = arg;

	if (!b->replay) {
		if (b->n >= SIGNER_USER_HASHES_MAX || hlen > SIGNER_HASH_MAX)
			return PC_ELIMIT;
		memcpy(b->hashes[b->n], hash, hlen);
		b->hlen = hlen;
		b->mech = mech;
		b->md_nid = md_nid;
		b->n++;
		return PC_ESTATE; /* collected: stop this input here */
	}
	if (b->pos >= b->rep.n || hlen != b->hlen ||
	    memcmp(b->hashes[b->pos], hash, hlen) != 0) {
		b->mismatch = true;
		return PC_EINTERNAL;
	}
	memcpy(sig, b->rep.sigs[b->pos], b->rep.siglens[b->pos]);
	*siglen = b->rep.siglens[b->pos];
	b->pos++;
	return PC_OK;
}

static X509 *
cert_load(struct db *db, const char *serial, struct store_cert *c)
{
	const unsigned char *p;

	memset(c, 0, sizeof(*c));
	if (store_cert_get(db, serial, c) != PC_OK)
		return NULL;
	p = c->der;
	return d2i_X509(NULL, &p, (long)c->der_len);
}

/* The certificate of serial and its issuer from the store. */
static enum pc_rc
sad_signer(struct cli_core *core, const char *cmd, const char *serial,
    struct sad_batch *b, struct sign_signer **out)
{
	struct store_cert c, ic;
	struct db *db = NULL;
	STACK_OF(X509) *chain = NULL;
	X509 *cert = NULL, *issuer = NULL;
	enum pc_rc rc;

	memset(&c, 0, sizeof(c));
	memset(&ic, 0, sizeof(ic));
	rc = store_acquire(core->store, &db);
	if (rc != PC_OK)
		return rc;
	cert = cert_load(db, serial, &c);
	if (cert == NULL || c.kind == NULL ||
	    strcmp(c.kind, CERT_KIND_SIGN) != 0) {
		cli_err(cmd,
		    "credential_unknown: no signing certificate with "
		    "serial %s",
		    serial);
		rc = PC_ENOTFOUND;
		goto out;
	}
	issuer = cert_load(db, c.issuer, &ic);
	chain = sk_X509_new_null();
	if (chain == NULL || (issuer != NULL && !sk_X509_push(chain, issuer))) {
		rc = PC_ENOMEM;
		goto out;
	}
	issuer = NULL;
	rc = sign_signer_new(cert, chain, sad_batch_sign, b, out);
out:
	X509_free(cert);
	X509_free(issuer);
	sk_X509_pop_free(chain, X509_free);
	store_cert_cleanup(&c);
	store_cert_cleanup(&ic);
	store_release(core->store, db);
	return rc;
}

/* An audit record of a timestamp counted but not obtained. */
static void
sad_tsa_failed(struct cli_core *core, const char *serial, const char *in)
{
	struct db *db = NULL;
	char detail[128];

	snprintf(detail, sizeof(detail), "credential=%s tsa_failed", serial);
	if (store_acquire(core->store, &db) != PC_OK)
		return;
	if (store_audit_append(db, "cli", "sign.timestamp_failed", detail) !=
	    PC_OK)
		log_warnx("sign: cannot record the failed timestamp of %s", in);
	store_release(core->store, db);
}

static int
sign_sad(const char *cmd, const struct sign_args *a, struct sign_opts *o,
    char **inputs, int ninputs, const char *out1)
{
	struct cli_core core;
	struct signer_client *sc = NULL;
	struct sign_signer *s = NULL;
	struct signer_user_req req;
	struct sign_err err;
	struct sad_batch *b;
	char serial[STORE_SERIAL_MAX + 1], tsa[1024], **dst = NULL;
	struct sign_pades_job **jobs = NULL;
	bool *cades = NULL;
	int i, status = 1;
	unsigned before;
	enum pc_rc rc;

	b = calloc(1, sizeof(*b));
	dst = calloc((size_t)ninputs, sizeof(*dst));
	cades = calloc((size_t)ninputs, sizeof(*cades));
	jobs = calloc((size_t)ninputs, sizeof(*jobs));
	if (b == NULL || dst == NULL || cades == NULL || jobs == NULL) {
		free(b);
		free(dst);
		free(cades);
		free(jobs);
		return 1;
	}
	memset(&core, 0, sizeof(core));
	if (a->cert == NULL || a->otp == NULL) {
		cli_err(cmd, "--data needs --cert SERIAL and --otp CODE (or "
		             "--otp-file F)");
		status = 2;
		goto out;
	}
	if (ninputs > SIGNER_USER_HASHES_MAX) {
		cli_err(cmd, "too_many: at most %d files per authorization",
		    SIGNER_USER_HASHES_MAX);
		status = 2;
		goto out;
	}
	if (pki_serial_norm(a->cert, serial, sizeof(serial)) != PC_OK) {
		cli_err(cmd, "\"%s\" is not a serial number (hex)", a->cert);
		status = 2;
		goto out;
	}
	if (cli_core_open(&core, cmd, a->data, CORE_STORE) != 0)
		goto out;
	if (o->level == SIGN_LEVEL_BT && o->tsa_url == NULL) {
		snprintf(
		    tsa, sizeof(tsa), "%s/tsa", core.conf.server.public_url);
		o->tsa_url = tsa;
	}
	if (o->now == 0)
		o->now = clock_now(); /* the same in both passes */
	rc = sad_signer(&core, cmd, serial, b, &s);
	if (rc != PC_OK)
		goto out;

	/* Step 1: intake checks, the PDFs' updates and each hash to sign. */
	for (i = 0; i < ninputs; i++) {
		cades[i] = a->format != NULL ? strcmp(a->format, "cades") == 0
		                             : !is_pdf(inputs[i]);
		dst[i] = out1 != NULL
		             ? strdup(out1)
		             : out_name(a->out_dir, inputs[i], cades[i]);
		if (dst[i] == NULL)
			goto out;
		memset(&err, 0, sizeof(err));
		before = b->n;
		if (cades[i]) {
			rc = sign_cades_file(s, o, inputs[i], dst[i], &err);
		} else {
			rc = sign_pades_begin(
			    s, o, inputs[i], dst[i], &jobs[i], &err);
			if (rc == PC_OK)
				rc = sign_pades_finish(jobs[i], s, &err);
		}
		if (b->n != before + 1) {
			cli_err(cmd, "%s: %s: %s (nothing was signed)",
			    inputs[i],
			    err.code != NULL ? err.code : pc_rc_str(rc),
			    err.msg);
			goto out;
		}
	}

	/* One authorization for the batch. */
	rc = signer_client_start(&core.conf, 1, &sc);
	if (rc != PC_OK) {
		cli_err(cmd, "cannot start the signer (%s)", pc_rc_str(rc));
		goto out;
	}
	memset(&req, 0, sizeof(req));
	req.credential = serial;
	req.sad = a->otp;
	req.mech = b->mech;
	req.md_nid = b->md_nid;
	req.timestamps = o->level == SIGN_LEVEL_BT ? b->n : 0;
	req.n = b->n;
	req.hashes = (const uint8_t(*)[SIGNER_HASH_MAX])b->hashes;
	req.hlen = b->hlen;
	rc = signer_client_sign_user(sc, &req, &b->rep);
	signer_client_stop(sc);
	sc = NULL;
	if (rc != PC_OK || b->rep.result != USER_R_OK) {
		cli_err(cmd, "%s: %s (nothing was signed)",
		    signer_user_result_code(
		        rc != PC_OK ? USER_R_SIGN_FAILED : b->rep.result),
		    rc != PC_OK ? pc_rc_str(rc)
		    : b->rep.result == USER_R_TOTP_LOCKED
		        ? "too many wrong codes; try again later"
		    : b->rep.result == USER_R_QUOTA
		        ? "not enough transactions left for this batch"
		    : b->rep.result == USER_R_CERT_EXPIRED
		        ? "the certificate has expired; request a new one"
		    : b->rep.result == USER_R_CERT_REVOKED
		        ? "the certificate is revoked"
		        : "the code was refused; wait for a new code and "
		          "retry");
		goto out;
	}

	/* Step 3: the outputs, with the authorized signatures. */
	b->replay = true;
	status = 0;
	for (i = 0; i < ninputs; i++) {
		memset(&err, 0, sizeof(err));
		rc = cades[i] ? sign_cades_file(s, o, inputs[i], dst[i], &err)
		              : sign_pades_finish(jobs[i], s, &err);
		if (rc != PC_OK) {
			cli_err(cmd, "%s: %s: %s", inputs[i],
			    err.code != NULL ? err.code : pc_rc_str(rc),
			    err.msg);
			if (err.code != NULL &&
			    strcmp(err.code, "tsa_failed") == 0)
				sad_tsa_failed(&core, serial, inputs[i]);
			status = 1;
			if (b->mismatch)
				break;
		} else {
			printf("%s -> %s\n", inputs[i], dst[i]);
		}
	}
	printf("transactions left %lld\n", (long long)b->rep.transactions_left);
out:
	signer_user_reply_cleanup(&b->rep);
	sign_signer_free(s);
	for (i = 0; i < ninputs; i++) {
		sign_pades_job_free(jobs[i]); /* unfinished: no output */
		free(dst[i]);
	}
	free(jobs);
	free(dst);
	free(cades);
	secret_wipe(b, sizeof(*b));
	free(b);
	cli_core_close(&core);
	return status;
}

/* cmd_sign; ap->otp mirrors a.otp, the secret copy the caller frees. */
static int
sign_run(int argc, char **argv, struct sign_args *ap)
{
	struct sign_args a;
	struct sign_opts o;
	struct sign_signer *s = NULL;
	struct sign_err err;
	char **inputs;
	const char *out1 = NULL;
	int c, ninputs, i, status = 1;
	bool cades;
	enum pc_rc rc;

	memset(&a, 0, sizeof(a));
	sign_opts_init(&o);
	optind = 1;
	while ((c = getopt_long(argc, argv, "", sign_longopts, NULL)) != -1) {
		switch (c) {
		case OPT_P12:
			a.p12 = optarg;
			break;
		case OPT_PASS_FILE:
			a.pass_file = optarg;
			break;
		case OPT_P11_MODULE:
			a.p11_module = optarg;
			break;
		case OPT_P11_KEY:
			a.p11_key = optarg;
			break;
		case OPT_P11_TOKEN:
			a.p11_token = optarg;
			break;
		case OPT_PIN_FILE:
			a.pin_file = optarg;
			break;
		case OPT_SIGNER_CERT:
			a.signer_cert = optarg;
			break;
		case OPT_DATA:
			a.data = optarg;
			break;
		case OPT_CERT:
			a.cert = optarg;
			break;
		case OPT_OTP:
			/* Out of argv (and /proc/PID/cmdline) at once. */
			secret_strfree(a.otp);
			a.otp = secret_strdup(optarg);
			ap->otp = a.otp;
			secret_wipe(optarg, strlen(optarg));
			if (a.otp == NULL)
				return 1;
			break;
		case OPT_OTP_FILE:
			a.otp_file = optarg;
			break;
		case OPT_FORMAT:
			a.format = optarg;
			break;
		case OPT_OUT_DIR:
			a.out_dir = optarg;
			break;
		case OPT_TSA:
			o.tsa_url = optarg;
			break;
		case OPT_FIELD:
			o.field = optarg;
			break;
		case OPT_REASON:
			o.reason = optarg;
			break;
		case OPT_LOCATION:
			o.location = optarg;
			break;
		case OPT_LOCK:
			o.lock = true;
			break;
		case OPT_CERTIFY:
			if (strlen(optarg) != 1 || optarg[0] < '1' ||
			    optarg[0] > '3') {
				cli_err(argv[0],
				    "--certify is 1, 2 or 3 (DocMDP "
				    "P: no change, forms and "
				    "signatures, also annotations)");
				return 2;
			}
			o.certify = optarg[0] - '0';
			break;
		case OPT_MAX_SIZE:
			o.max_size = strtoll(optarg, NULL, 10);
			break;
		case OPT_LEVEL:
			if (strcmp(optarg, "B-B") == 0) {
				o.level = SIGN_LEVEL_BB;
			} else if (strcmp(optarg, "B-T") == 0) {
				o.level = SIGN_LEVEL_BT;
			} else {
				cli_err(argv[0], "--level is B-B or B-T");
				return 2;
			}
			break;
		case OPT_LANG:
			if (strcmp(optarg, "ro") == 0) {
				o.lang = SIGN_LANG_RO;
			} else if (strcmp(optarg, "en") == 0) {
				o.lang = SIGN_LANG_EN;
			} else {
				cli_err(argv[0], "--lang is ro or en");
				return 2;
			}
			break;
		case OPT_HASH:
			o.md_nid = OBJ_sn2nid(optarg);
			if (o.md_nid != NID_sha256 && o.md_nid != NID_sha384 &&
			    o.md_nid != NID_sha512) {
				cli_err(argv[0], "--hash is SHA256, SHA384 or "
				                 "SHA512");
				return 2;
			}
			break;
		case OPT_VISIBLE:
			if (parse_visible(optarg, &o) != 0) {
				cli_err(argv[0], "--visible is PAGE:X,Y,W,H");
				return 2;
			}
			break;
		default:
			return 2;
		}
	}
	inputs = argv + optind;
	ninputs = argc - optind;
	if (a.out_dir == NULL) {
		if (ninputs != 2) {
			cli_err(argv[0], "give IN OUT, or IN... --out-dir D");
			return 2;
		}
		out1 = inputs[1];
		ninputs = 1;
	} else if (ninputs < 1) {
		cli_err(argv[0], "no input files");
		return 2;
	}
	if (a.format != NULL && strcmp(a.format, "pades") != 0 &&
	    strcmp(a.format, "cades") != 0) {
		cli_err(argv[0], "--format is pades or cades");
		return 2;
	}
	if (a.out_dir != NULL && out_names_clash(argv[0], &a, inputs, ninputs))
		return 2;
	if (a.otp_file != NULL) {
		secret_strfree(a.otp);
		ap->otp = a.otp = NULL;
		rc = secret_read_file(a.otp_file, SECRET_FILE_MAX, &a.otp);
		ap->otp = a.otp;
		if (rc != PC_OK) {
			cli_err(argv[0], "the code file %s: %s", a.otp_file,
			    secret_file_why(rc));
			return 2;
		}
	}
	if (a.data != NULL)
		return sign_sad(argv[0], &a, &o, inputs, ninputs, out1);
	if (o.level == SIGN_LEVEL_BT && o.tsa_url == NULL) {
		cli_err(argv[0], "--level B-T needs --tsa URL (or --data)");
		return 2;
	}
	memset(&err, 0, sizeof(err));
	rc = signer_load(argv[0], &a, &s, &err);
	if (rc != PC_OK) {
		if (err.code != NULL)
			cli_err(argv[0], "%s: %s", err.code, err.msg);
		return rc == PC_EINVAL ? 2 : 1;
	}
	status = 0;
	for (i = 0; i < ninputs; i++) {
		char *dst;

		memset(&err, 0, sizeof(err));
		cades = a.format != NULL ? strcmp(a.format, "cades") == 0
		                         : !is_pdf(inputs[i]);
		dst = out1 != NULL ? strdup(out1)
		                   : out_name(a.out_dir, inputs[i], cades);
		if (dst == NULL) {
			status = 1;
			break;
		}
		if (cades)
			rc = sign_cades_file(s, &o, inputs[i], dst, &err);
		else
			rc = sign_pades_file(s, &o, inputs[i], dst, &err);
		if (rc != PC_OK) {
			if (err.code != NULL)
				cli_err(argv[0], "%s: %s: %s", inputs[i],
				    err.code, err.msg);
			else
				cli_err(argv[0], "%s: signing failed (%s)",
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
