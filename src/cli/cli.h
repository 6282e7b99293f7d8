/*
 * cli.h: the subcommands of the pecete program.
 *
 * Each command is int cmd_<noun>_<verb>(int argc, char **argv) with argv[0]
 * the command name; it returns the process exit status (0 ok, 1 failure,
 * 2 usage error). Each lives in its own cmd_<noun>.c.
 */
#ifndef PC_CLI_H
#define PC_CLI_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "base/conf.h"
#include "base/env.h"
#include "base/pc.h"

/* The whole program's main (pecete-full.so; src/launch/main.c loads it). */
int pecete_main(int argc, char **argv);

int cmd_init(int argc, char **argv);
int cmd_check_config(int argc, char **argv);
int cmd_serve(int argc, char **argv);
int cmd_signer_run(int argc, char **argv);
int cmd_cert_issue(int argc, char **argv);
int cmd_cert_show(int argc, char **argv);
int cmd_cert_revoke(int argc, char **argv);
int cmd_pki_export(int argc, char **argv);
int cmd_pki_crl(int argc, char **argv);
int cmd_pki_eseal(int argc, char **argv);
int cmd_privacy_retention(int argc, char **argv);
int cmd_audit_verify(int argc, char **argv);
int cmd_audit_anchor(int argc, char **argv);
int cmd_audit_export(int argc, char **argv);
int cmd_sign(int argc, char **argv);
int cmd_verify(int argc, char **argv);
int cmd_ltv_extend(int argc, char **argv);
int cmd_notify_test(int argc, char **argv);
int cmd_shop_doc(int argc, char **argv);
int cmd_shop_package(int argc, char **argv);
int cmd_shop_promo(int argc, char **argv);
int cmd_api_routes(int argc, char **argv);
int cmd_api_errors(int argc, char **argv);
int cmd_oauth_client(int argc, char **argv);
int cmd_user_role(int argc, char **argv);
int cmd_ra(int argc, char **argv);

/*
 * Load DIR/pecete.conf (or the -f/--config file) for a command given
 * --data DIR. Prints the problem and returns non-zero on error.
 */
int cli_conf_load(struct conf *c, const char *data_dir, const char *path);

/* Print "pecete <cmd>: <msg>" on stderr. */
void cli_err(const char *cmd, const char *fmt, ...) PC_PRINTF(2, 3);

/* ---- options: one parser, one usage and help pattern (cmd_common.c) ---- */

enum cli_opt_kind {
	CLI_STR,    /* --name VALUE: out is a const char **, set to VALUE */
	CLI_FLAG,   /* --name: out is a bool *, set to true */
	CLI_SECRET, /* --name VALUE: out is a char **, a copy in secret
	               memory (secret_strfree); VALUE is wiped from argv */
	CLI_LIST,   /* --name VALUE, again and again: out is a cli_list */
};

#define CLI_REQ 0x1 /* the option must be given */

struct cli_opt {
	const char *name; /* the long name, without "--" */
	int letter;       /* its short form (-d), or 0 */
	enum cli_opt_kind kind;
	void *out;
	unsigned flags; /* CLI_REQ */
};

/* The values of a CLI_LIST option: at most max, more is a usage error. */
struct cli_list {
	const char **v;
	size_t n, max;
};

/* A command's options and operands, ended by a { NULL } option. */
struct cli_spec {
	const char *cmd;   /* "cert show": the messages' prefix */
	const char *usage; /* after "usage: pecete <cmd> " */
	const struct cli_opt *opt;
	int args_min, args_max; /* operands (-1: no maximum) */
};

/* cli_parse's "go on" (every other return is an exit status). */
#define CLI_GO (-1)

/*
 * Parse argv (argv[0] the command) as spec says. -h/--help prints the
 * usage on stdout and returns 0; an unknown option, a missing value or
 * required option, or the wrong number of operands prints what is wrong
 * and the usage on stderr and returns 2; else CLI_GO. OUT: *first, the
 * index of the first operand (may be NULL).
 */
int cli_parse(const struct cli_spec *spec, int argc, char **argv, int *first);
/* Print spec's usage line(s) on f. */
void cli_usage(const struct cli_spec *spec, FILE *f);
/*
 * A usage error: print "pecete <cmd>: <msg>" (none when fmt is NULL) and
 * the usage on stderr. Returns 2, the exit status.
 */
int cli_usage_error(const struct cli_spec *spec, const char *fmt, ...)
    PC_PRINTF(2, 3);
/* The index of v in names (NULL-ended), -1 when absent or v is NULL. */
int cli_choice(const char *v, const char *const *names);
/* v as a decimal integer in min..max. false when it is not one. */
bool cli_num(const char *v, int64_t min, int64_t max, int64_t *out);

#include "hsm/hsm.h"
#include "pki/pki.h"
#include "store/store.h"

/*
 * What pecete check-config checks and pecete serve refuses to start
 * without: the deployment rules, the trust anchors, the trusted lists'
 * settings. OUT: err, what is wrong.
 */
struct conf;
enum pc_rc cli_conf_check(const struct conf *conf, char *err, size_t n);

/* What cli_core_open opens. */
#define CORE_STORE 0x1
#define CORE_HSM 0x2
#define CORE_CERTS 0x5 /* store + the CA hierarchy, without its keys */
#define CORE_PKI 0x7   /* store + hsm + pki */
#define CORE_VAULT 0x8 /* the encrypted files' key */
#define CORE_DB 0x11   /* store + one connection of it in core->db */

/* The core objects an offline command works with. */
struct cli_core {
	struct conf conf;
	struct store *store;
	struct hsm *hsm;
	struct pki *pki;
	struct pki_keysrc keysrc;
	struct vault *vault;
	struct db *db; /* CORE_DB */
	char *pin;     /* secret memory; NULL once the HSM is open */
};

/*
 * Load DIR's configuration and open what flags ask for (the HSM in-process,
 * reading the PIN file). Prints a message naming cmd on failure and returns
 * non-zero (the exit status). Close with cli_core_close in every case.
 */
int cli_core_open(struct cli_core *core, const char *cmd, const char *data_dir,
    unsigned flags);
/*
 * For a command whose only option is --data DIR: parse argv and open what
 * flags ask for. CLI_GO: core is open (cli_core_close it); any other
 * value is the exit status, with core closed.
 */
int cli_core_open_data(struct cli_core *core, const char *cmd, int argc,
    char **argv, unsigned flags);
void cli_core_close(struct cli_core *core);
/* The domain context of core's objects (borrowed), acting as actor. */
void cli_core_env(
    const struct cli_core *core, const char *actor, struct pc_env *e);

/*
 * After pecete cert issue: store the signing credential of is with
 * transactions, and with totp_out enrol the holder's TOTP through the
 * signer and write the base32 secret to totp_out (0600). Exit status.
 */
struct pki_person;
struct pki_issued;
int cli_credential_enrol(struct cli_core *core, const char *cmd,
    const struct pki_issued *is, const struct pki_person *who,
    long transactions, const char *totp_out);
/* Print the counter lines of serial's credential, if it has one. */
void cli_credential_show(struct cli_core *core, const char *serial);
#endif /* PC_CLI_H */
