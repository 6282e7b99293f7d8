/*
 * cmd_common.c: what every offline command does first: load the
 * configuration of a data dir and open the store, the HSM and the PKI.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/err.h>

#include "base/log.h"
#include "base/secret.h"
#include "cli/cli.h"
#include "vault/vault.h"

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

int
cli_core_open(struct cli_core *core, const char *cmd, const char *data_dir,
    unsigned flags)
{
	struct hsm_opts ho;
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
	if (flags & CORE_HSM) {
		rc = secret_read_file(core->conf.hsm.pin_file, 256, &core->pin);
		if (rc != PC_OK) {
			cli_err(cmd, "the HSM PIN file %s: %s",
			    core->conf.hsm.pin_file, secret_file_why(rc));
			return 1;
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
			cli_err(cmd,
			    "cannot open HSM token \"%s\" with %s (%s)",
			    core->conf.hsm.token_label, core->conf.hsm.module,
			    pc_rc_str(rc));
			return 1;
		}
		pki_keysrc_hsm(&core->keysrc, core->hsm);
	}
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
	if ((flags & CORE_PKI) == CORE_PKI) {
		rc = pki_open(
		    &core->conf, core->store, &core->keysrc, &core->pki);
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

void
cli_core_close(struct cli_core *core)
{
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
