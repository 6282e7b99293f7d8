/*
 * cli.h: the subcommands of the pecete program.
 *
 * Each command is int cmd_<noun>_<verb>(int argc, char **argv) with argv[0]
 * the command name; it returns the process exit status (0 ok, 1 failure,
 * 2 usage error). Each lives in its own cmd_<noun>.c.
 */
#ifndef PC_CLI_H
#define PC_CLI_H

#include "base/conf.h"
#include "base/pc.h"

int cmd_init(int argc, char **argv);
int cmd_check_config(int argc, char **argv);
int cmd_serve(int argc, char **argv);
int cmd_signer_run(int argc, char **argv);
int cmd_cert_issue(int argc, char **argv);
int cmd_cert_show(int argc, char **argv);
int cmd_cert_revoke(int argc, char **argv);
int cmd_pki_export(int argc, char **argv);
int cmd_pki_crl(int argc, char **argv);
int cmd_audit_verify(int argc, char **argv);
int cmd_sign(int argc, char **argv);
int cmd_verify(int argc, char **argv);
int cmd_notify_test(int argc, char **argv);
int cmd_shop_doc(int argc, char **argv);
int cmd_shop_package(int argc, char **argv);
int cmd_shop_promo(int argc, char **argv);
int cmd_api_routes(int argc, char **argv);
int cmd_api_errors(int argc, char **argv);
int cmd_user_role(int argc, char **argv);
int cmd_ra(int argc, char **argv);

/*
 * Load DIR/pecete.conf (or the -f/--config file) for a command given
 * --data DIR. Prints the problem and returns non-zero on error.
 */
int cli_conf_load(struct conf *c, const char *data_dir, const char *path);

/* Print "pecete <cmd>: <msg>" on stderr. */
void cli_err(const char *cmd, const char *fmt, ...) PC_PRINTF(2, 3);

#include "hsm/hsm.h"
#include "pki/pki.h"
#include "store/store.h"

/* What cli_core_open opens. */
#define CORE_STORE 0x1
#define CORE_HSM 0x2
#define CORE_PKI 0x7   /* store + hsm + pki */
#define CORE_VAULT 0x8 /* the encrypted files' key */

/* The core objects an offline command works with. */
struct cli_core {
	struct conf conf;
	struct store *store;
	struct hsm *hsm;
	struct pki *pki;
	struct pki_keysrc keysrc;
	struct vault *vault;
	char *pin; /* secret memory; NULL once the HSM is open */
};

/*
 * Load DIR's configuration and open what flags ask for (the HSM in-process,
 * reading the PIN file). Prints a message naming cmd on failure and returns
 * non-zero (the exit status). Close with cli_core_close in every case.
 */
int cli_core_open(struct cli_core *core, const char *cmd, const char *data_dir,
    unsigned flags);
void cli_core_close(struct cli_core *core);

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
