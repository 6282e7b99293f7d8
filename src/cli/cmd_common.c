/*
 * cmd_common.c: what every command does first: parse its options (one
 * table per command, one usage and help pattern), load the configuration
 * of a data dir and open the store, the HSM and the PKI.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/err.h>

#include "base/log.h"
#include "base/secret.h"
#include "cli/cli.h"
#include "ops/ops.h"
#include "vault/vault.h"

#define CLI_OPTS_MAX 32
#define CLI_OPT_BASE 256 /* getopt value of opt[i]: CLI_OPT_BASE + i */

/* ---- options --------------------------------------------------------- */

void
cli_usage(const struct cli_spec *spec, FILE *f)
{
	fprintf(f, "usage: pecete %s %s\n", spec->cmd, spec->usage);
}

static void verr(const char *cmd, const char *fmt, va_list ap) PC_PRINTF(2, 0);

static void
verr(const char *cmd, const char *fmt, va_list ap)
{
	fprintf(stderr, "pecete %s: ", cmd);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void
cli_err(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	verr(cmd, fmt, ap);
	va_end(ap);
}

int
cli_usage_error(const struct cli_spec *spec, const char *fmt, ...)
{
	va_list ap;

	if (fmt != NULL) {
		va_start(ap, fmt);
		verr(spec->cmd, fmt, ap);
		va_end(ap);
	}
	cli_usage(spec, stderr);
	return 2;
}

/* Store the value of o (optarg for the kinds that take one). */
static int
opt_set(const struct cli_spec *spec, const struct cli_opt *o, char *val)
{
	struct cli_list *l;
	char **secret;

	switch (o->kind) {
	case CLI_STR:
		*(const char **)o->out = val;
		break;
	case CLI_FLAG:
		*(bool *)o->out = true;
		break;
	case CLI_SECRET:
		/* Out of argv (and /proc/PID/cmdline) at once. */
		secret = o->out;
		secret_strfree(*secret);
		*secret = secret_strdup(val);
		secret_wipe(val, strlen(val));
		if (*secret == NULL)
			return 1;
		break;
	case CLI_LIST:
		l = o->out;
		if (l->n >= l->max)
			return cli_usage_error(spec,
			    "--%s is given at most %zu times", o->name, l->max);
		l->v[l->n++] = val;
		break;
	}
	return CLI_GO;
}

/*
 * getopt_long's tables of spec's options, with -h/--help: lo (n + 2
 * entries) and so (3 * n + 2 bytes). Returns n, -1 when too many.
 */
static int
opt_tables(const struct cli_spec *spec, struct option *lo, char *so)
{
	const struct cli_opt *o;
	int n;

	for (n = 0; spec->opt[n].name != NULL; n++) {
		if (n == CLI_OPTS_MAX)
			return -1;
		o = &spec->opt[n];
		lo[n] = (struct option){ o->name,
			o->kind == CLI_FLAG ? no_argument : required_argument,
			NULL, CLI_OPT_BASE + n };
		if (o->letter != 0)
			*so++ = (char)o->letter;
		if (o->letter != 0 && o->kind != CLI_FLAG)
			*so++ = ':';
	}
	lo[n] = (struct option){ "help", no_argument, NULL, 'h' };
	lo[n + 1] = (struct option){ NULL, 0, NULL, 0 };
	so[0] = 'h';
	so[1] = '\0';
	return n;
}

int
cli_parse(const struct cli_spec *spec, int argc, char **argv, int *first)
{
	struct option lo[CLI_OPTS_MAX + 2];
	char so[3 * CLI_OPTS_MAX + 2];
	bool given[CLI_OPTS_MAX] = { false };
	int i, n, c, ret, nargs;

	n = opt_tables(spec, lo, so);
	RETURN_VAL_IF_FAIL(n >= 0, 1);
	optind = 1;
	opterr = 1;
	while ((c = getopt_long(argc, argv, so, lo, NULL)) != -1) {
		if (c == 'h') {
			cli_usage(spec, stdout);
			return 0;
		}
		for (i = 0; c < CLI_OPT_BASE && i < n; i++)
			if (spec->opt[i].letter == c)
				break;
		if (c >= CLI_OPT_BASE)
			i = c - CLI_OPT_BASE;
		if (i >= n)
			return cli_usage_error(spec, NULL); /* getopt said */
		given[i] = true;
		ret = opt_set(spec, &spec->opt[i], optarg);
		if (ret != CLI_GO)
			return ret;
	}
	for (i = 0; i < n; i++) {
		if ((spec->opt[i].flags & CLI_REQ) != 0 && !given[i])
			return cli_usage_error(
			    spec, "--%s is required", spec->opt[i].name);
	}
	nargs = argc - optind;
	if (nargs < spec->args_min)
		return cli_usage_error(spec, "an operand is missing");
	if (spec->args_max >= 0 && nargs > spec->args_max)
		return cli_usage_error(spec, "unexpected argument \"%s\"",
		    argv[optind + spec->args_max]);
	if (first != NULL)
		*first = optind;
	return CLI_GO;
}

int
cli_choice(const char *v, const char *const *names)
{
	int i;

	for (i = 0; v != NULL && names[i] != NULL; i++)
		if (strcmp(v, names[i]) == 0)
			return i;
	return -1;
}

bool
cli_num(const char *v, int64_t min, int64_t max, int64_t *out)
{
	char *end;
	long long n;

	if (v == NULL || *v == '\0')
		return false;
	errno = 0;
	n = strtoll(v, &end, 10);
	if (*end != '\0' || errno != 0 || n < min || n > max)
		return false;
	*out = (int64_t)n;
	return true;
}

/* ---- the data dir and the core objects --------------------------------- */

int
cli_conf_load(struct conf *c, const char *data_dir, const char *path)
{
	char err[512], def[PATH_MAX];
	struct stat st;
	enum pc_rc rc;

	if (data_dir == NULL && path == NULL) {
		fprintf(stderr, "pecete: give --data DIR (the directory made "
		                "by pecete init)\n");
		memset(c, 0, sizeof(*c));
		return 2;
	}
	if (data_dir != NULL && stat(data_dir, &st) != 0) {
		fprintf(stderr,
		    "pecete: data directory %s does not exist; create it "
		    "with: pecete init --data %s\n",
		    data_dir, data_dir);
		memset(c, 0, sizeof(*c));
		return 1;
	}
	if (path == NULL) {
		snprintf(def, sizeof(def), "%s/pecete.conf", data_dir);
		path = def;
	}
	rc = conf_load(c, data_dir, path, true, err, sizeof(err));
	if (rc != PC_OK) {
		fprintf(stderr, "pecete: configuration: %s\n", err);
		return 1;
	}
	if (c->hsm.softhsm_conf != NULL && stat(c->hsm.softhsm_conf, &st) == 0)
		setenv("SOFTHSM2_CONF", c->hsm.softhsm_conf, 1);
	return 0;
}

/* Open core's HSM; an error said and returned only when needed. */
static int
core_hsm(struct cli_core *core, const char *cmd, bool needed)
{
	struct hsm_opts ho;
	enum pc_rc rc;

	rc = secret_read_file(core->conf.hsm.pin_file, 256, &core->pin);
	if (rc != PC_OK) {
		if (needed)
			cli_err(cmd, "the HSM PIN file %s: %s",
			    core->conf.hsm.pin_file, secret_file_why(rc));
		return needed ? 1 : 0;
	}
	memset(&ho, 0, sizeof(ho));
	ho.module = core->conf.hsm.module;
	ho.token_label = core->conf.hsm.token_label;
	ho.pin = core->pin;
	ho.pool = (unsigned)core->conf.hsm.pool;
	rc = hsm_open(&ho, &core->hsm);
	secret_strfree(core->pin);
	core->pin = NULL;
	ERR_clear_error();
	if (rc != PC_OK) {
		core->hsm = NULL;
		if (needed)
			cli_err(cmd,
			    "cannot open HSM token \"%s\" with %s (%s)",
			    core->conf.hsm.token_label, core->conf.hsm.module,
			    pc_rc_str(rc));
		return needed ? 1 : 0;
	}
	pki_keysrc_hsm(&core->keysrc, core->hsm);
	return 0;
}

int
cli_core_open(struct cli_core *core, const char *cmd, const char *data_dir,
    unsigned flags)
{
	const struct hsm_key *seal;
	enum pc_rc rc;
	int ret;

	memset(core, 0, sizeof(*core));
	ret = cli_conf_load(&core->conf, data_dir, NULL);
	if (ret != 0)
		return ret;
	if (flags & CORE_STORE) {
		rc = store_open(core->conf.store.url, 2, &core->store);
		if (rc == PC_OK)
			rc = store_migrate(core->store);
		if (rc != PC_OK) {
			cli_err(cmd, "cannot open the database %s (%s)",
			    core->conf.store.url, pc_rc_str(rc));
			return 1;
		}
	}
	/* The HSM for its keys, or (best effort) to seal the audit rows a
	 * command writes; without it they are written unsealed, and
	 * pecete audit verify says so. */
	if (flags & (CORE_HSM | CORE_STORE)) {
		ret = core_hsm(core, cmd, (flags & CORE_HSM) != 0);
		if (ret != 0)
			return ret;
	}
	if (core->store != NULL && core->hsm != NULL &&
	    hsm_key_find(core->hsm, HSM_AUDIT_SEAL_LABEL, &seal) == PC_OK)
		store_audit_sealer(core->store, ops_audit_seal_hsm, core->hsm);
	if (flags & CORE_VAULT) {
		rc = vault_open(
		    core->conf.store.vault_key_file, false, &core->vault);
		if (rc != PC_OK) {
			cli_err(cmd, "the vault key %s: %s",
			    core->conf.store.vault_key_file,
			    secret_file_why(rc));
			return 1;
		}
	}
	if ((flags & CORE_DB) == CORE_DB) {
		rc = store_acquire(core->store, &core->db);
		if (rc != PC_OK) {
			cli_err(cmd, "cannot open the database %s (%s)",
			    core->conf.store.url, pc_rc_str(rc));
			return 1;
		}
	}
	if ((flags & CORE_CERTS) == CORE_CERTS) {
		rc = pki_open(&core->conf, core->store,
		    core->hsm != NULL ? &core->keysrc : NULL, &core->pki);
		if (rc != PC_OK) {
			cli_err(cmd,
			    "cannot load the CA hierarchy (%s); was "
			    "the data dir made by pecete init?",
			    pc_rc_str(rc));
			return 1;
		}
	}
	return 0;
}

int
cli_core_open_data(struct cli_core *core, const char *cmd, int argc,
    char **argv, unsigned flags)
{
	const char *dir = NULL;
	const struct cli_opt opts[] = {
		{ "data", 'd', CLI_STR, &dir, CLI_REQ },
		{ NULL },
	};
	const struct cli_spec spec = { cmd, "--data DIR", opts, 0, 0 };
	int ret;

	memset(core, 0, sizeof(*core));
	ret = cli_parse(&spec, argc, argv, NULL);
	if (ret != CLI_GO)
		return ret;
	ret = cli_core_open(core, cmd, dir, flags);
	if (ret != 0) {
		cli_core_close(core);
		return ret;
	}
	return CLI_GO;
}

void
cli_core_close(struct cli_core *core)
{
	if (core->db != NULL)
		store_release(core->store, core->db);
	pki_close(core->pki);
	vault_close(core->vault);
	if (core->hsm != NULL)
		hsm_close(core->hsm);
	if (core->store != NULL)
		store_close(core->store);
	secret_strfree(core->pin);
	conf_free(&core->conf);
	memset(core, 0, sizeof(*core));
}

void
cli_core_env(const struct cli_core *core, const char *actor, struct pc_env *e)
{
	memset(e, 0, sizeof(*e));
	e->conf = &core->conf;
	e->store = core->store;
	e->pki = core->pki;
	e->vault = core->vault;
	e->actor = actor;
}
