/*
 * lite.c: `pecete sign` in its plain form (lite.h), with the engine's own
 * functions and the same messages as the whole program (cmd_sign.c).
 */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <openssl/objects.h>

#include "base/secret.h"
#include "launch/lite.h"
#include "sign/sign.h"

#define LITE_SECRET_MAX 1024 /* as cmd_sign's SECRET_FILE_MAX */

struct lite_args {
	const char *p12, *pass_file, *format, *level, *hash;
	const char *in, *out;
};

/* One "--name value" of the fast path into its slot; false: not ours. */
static bool
lite_opt(struct lite_args *a, const char *name, const char *val)
{
	static const struct {
		const char *name;
		size_t off;
	} opts[] = {
		{ "--p12", offsetof(struct lite_args, p12) },
		{ "--pass-file", offsetof(struct lite_args, pass_file) },
		{ "--format", offsetof(struct lite_args, format) },
		{ "--level", offsetof(struct lite_args, level) },
		{ "--hash", offsetof(struct lite_args, hash) },
	};
	const char **slot;
	size_t i;

	for (i = 0; i < sizeof(opts) / sizeof(opts[0]); i++) {
		if (strcmp(name, opts[i].name) != 0)
			continue;
		slot = (const char **)(void *)((char *)a + opts[i].off);
		if (*slot != NULL)
			return false; /* repeated: the full parser says so */
		*slot = val;
		return true;
	}
	return false;
}

/* argv after "sign" into a; false when the fast path does not apply. */
static bool
lite_parse(int argc, char **argv, struct lite_args *a)
{
	int i, npos = 0;

	memset(a, 0, sizeof(*a));
	for (i = 1; i < argc; i++) {
		if (argv[i][0] == '-' && argv[i][1] != '\0') {
			if (i + 1 >= argc || !lite_opt(a, argv[i], argv[i + 1]))
				return false;
			i++;
			continue;
		}
		if (strcmp(argv[i], "-") == 0)
			return false;
		if (npos == 0)
			a->in = argv[i];
		else if (npos == 1)
			a->out = argv[i];
		npos++;
	}
	if (npos != 2 || a->p12 == NULL)
		return false;
	if (a->format != NULL && strcmp(a->format, "cades") != 0 &&
	    strcmp(a->format, "pades") != 0)
		return false;
	if (a->level != NULL && strcmp(a->level, "B-B") != 0)
		return false;
	return true;
}

int
lite_sign(int argc, char **argv, lite_pades_fn pades)
{
	struct lite_args a;
	struct sign_opts o;
	struct sign_signer *s = NULL;
	struct sign_err err;
	enum sign_format fmt;
	char *pass = NULL;
	enum pc_rc rc;
	int status = LITE_DEFER;

	if (!lite_parse(argc, argv, &a))
		return LITE_DEFER;
	if (a.format != NULL)
		fmt = strcmp(a.format, "cades") == 0 ? SIGN_FMT_CADES
		                                     : SIGN_FMT_PADES;
	else
		fmt = sign_format_guess(a.in);
	if (fmt == SIGN_FMT_PADES && pades == NULL)
		return LITE_PDF;
	sign_opts_init(&o);
	if (a.hash != NULL) {
		o.md_nid = OBJ_sn2nid(a.hash);
		if (o.md_nid != NID_sha256 && o.md_nid != NID_sha384 &&
		    o.md_nid != NID_sha512)
			return LITE_DEFER;
	}
	if (a.pass_file != NULL &&
	    secret_read_file(a.pass_file, LITE_SECRET_MAX, &pass) != PC_OK)
		goto out;
	memset(&err, 0, sizeof(err));
	/* A key that does not open: the whole program explains it. */
	if (sign_signer_p12(a.p12, pass != NULL ? pass : "", &s, &err) != PC_OK)
		goto out;
	memset(&err, 0, sizeof(err));
	if (fmt == SIGN_FMT_CADES)
		rc = sign_cades_file(s, &o, a.in, a.out, &err);
	else
		rc = pades(s, &o, a.in, a.out, &err);
	if (rc != PC_OK) {
		if (err.code != NULL)
			fprintf(stderr, "pecete sign: %s: %s: %s\n", a.in,
			    err.code, err.msg);
		else
			fprintf(stderr,
			    "pecete sign: %s: signing failed (%s)\n", a.in,
			    pc_rc_str(rc));
		status = 1;
	} else {
		printf("%s -> %s\n", a.in, a.out);
		status = fflush(stdout) == 0 ? 0 : 1;
	}
out:
	sign_signer_free(s);
	secret_strfree(pass);
	return status;
}
