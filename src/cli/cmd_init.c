/*
 * cmd_init.c: pecete init --data DIR [--public-url URL] [--force-dev]
 *
 * Creates a complete data directory: pecete.conf, a SoftHSMv2 token of its
 * own (softhsm2.conf, hsm/tokens/), PIN files (0600), the SQLite database
 * with its schema, and the CA hierarchy with keys in the token. pecete.conf
 * is written last: a directory without it is not initialised, and a failed
 * init removes what it made.
 */
#define _XOPEN_SOURCE 700
#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/err.h>

#include "base/buf.h"
#include "base/clock.h"
#include "base/log.h"
#include "base/rnd.h"
#include "base/secret.h"
#include "cli/cli.h"
#include "ops/ops.h"
#include "vault/vault.h"
#include "store/store_shop.h"

#define INIT_DEV_PROMO "DEMO10"
#define INIT_PIN_BYTES 16

struct init_paths {
	char conf[PATH_MAX];
	char softhsm_conf[PATH_MAX];
	char hsm_dir[PATH_MAX];
	char tokens[PATH_MAX];
	char pin[PATH_MAX];
	char so_pin[PATH_MAX];
	char db[PATH_MAX];
	char files[PATH_MAX];
	char totp_key[PATH_MAX];
	char sandbox_key[PATH_MAX];
	char vault_key[PATH_MAX];
};

static int
rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	if (remove(path) != 0)
		log_warn("init: remove %s", path);
	return 0;
}

/* Remove a directory tree we created (symlinks are not followed). */
static void
rmtree(const char *path)
{
	nftw(path, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static void
init_undo(const struct init_paths *p)
{
	char wal[PATH_MAX + 8];

	rmtree(p->hsm_dir);
	unlink(p->softhsm_conf);
	unlink(p->pin);
	unlink(p->so_pin);
	unlink(p->totp_key);
	unlink(p->sandbox_key);
	unlink(p->vault_key);
	unlink(p->db);
	snprintf(wal, sizeof(wal), "%s-wal", p->db);
	unlink(wal);
	snprintf(wal, sizeof(wal), "%s-shm", p->db);
	unlink(wal);
	rmdir(p->files);
}

/* dir/name into out (PATH_MAX); false when it does not fit. */
static bool
path_join(char *out, const char *dir, const char *name)
{
	int n;

	n = snprintf(out, PATH_MAX, "%s/%s", dir, name);
	return n > 0 && n < PATH_MAX;
}

/*
 * Write a new random secret of nbytes, in hex, to path (0600). OUT: out
 * (2 * nbytes + 1 bytes of secret memory), or NULL when not kept.
 */
static enum pc_rc
write_secret(const char *path, size_t nbytes, char *out)
{
	char *s = out != NULL ? out : secret_alloc(2 * nbytes + 1);
	enum pc_rc rc;

	rc = s != NULL ? rnd_hex(nbytes, s) : PC_ENOMEM;
	if (rc == PC_OK)
		rc = file_write_atomic(path, s, strlen(s), 0600);
	if (out == NULL && s != NULL)
		secret_free(s, 2 * nbytes + 1);
	return rc;
}

/* Replace a string of the configuration (malloc()ed) with a copy of v. */
static void
conf_str_set(char **field, const char *v)
{
	free(*field);
	*field = strdup(v);
}

int
cmd_init(int argc, char **argv)
{
	const char *dir = NULL, *public_url = NULL;
	bool dev = false, made_something = false;
	const struct cli_opt opts[] = {
		{ "data", 'd', CLI_STR, &dir, CLI_REQ },
		{ "public-url", 'u', CLI_STR, &public_url, 0 },
		{ "dev", 'D', CLI_FLAG, &dev, 0 },
		{ NULL },
	};
	const struct cli_spec spec = { "init",
		"--data DIR [--public-url URL] [--dev]\n"
		"  Creates DIR with a database, a SoftHSM token and the CA "
		"hierarchy.\n"
		"  --public-url  base URL put in certificates (AIA, CRL DP)\n"
		"  --dev         development mode (outbox, sandbox payments)",
		opts, 0, 0 };
	struct init_paths p;
	struct conf conf;
	struct store *st = NULL;
	struct hsm *h = NULL;
	struct hsm_opts ho;
	struct pki_keysrc ks;
	struct stat sb;
	struct buf sh;
	char err[512], absdir[PATH_MAX];
	char *pin = NULL, *so_pin = NULL, *url;
	size_t n;
	int ret = 1;
	enum pc_rc rc;

	memset(&conf, 0, sizeof(conf));
	ret = cli_parse(&spec, argc, argv, NULL);
	if (ret != CLI_GO)
		return ret;
	ret = 1;
	if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
		cli_err("init", "cannot create %s: %s", dir, strerror(errno));
		return 1;
	}
	if (realpath(dir, absdir) == NULL) {
		cli_err("init", "cannot resolve %s: %s", dir, strerror(errno));
		return 1;
	}
	memset(&p, 0, sizeof(p));
	if (!path_join(p.conf, absdir, "pecete.conf") ||
	    !path_join(p.softhsm_conf, absdir, "softhsm2.conf") ||
	    !path_join(p.hsm_dir, absdir, "hsm") ||
	    !path_join(p.tokens, absdir, "hsm/tokens") ||
	    !path_join(p.pin, absdir, "hsm.pin") ||
	    !path_join(p.so_pin, absdir, "hsm-so.pin") ||
	    !path_join(p.db, absdir, "pecete.db") ||
	    !path_join(p.files, absdir, "files") ||
	    !path_join(p.totp_key, absdir, "totp.key") ||
	    !path_join(p.sandbox_key, absdir, "sandbox.key") ||
	    !path_join(p.vault_key, absdir, "vault.key")) {
		cli_err("init", "the path %s is too long", absdir);
		return 1;
	}
	if (stat(p.conf, &sb) == 0) {
		cli_err("init",
		    "%s is already initialised (%s exists); "
		    "use another directory",
		    absdir, p.conf);
		return 1;
	}
	if (stat(p.hsm_dir, &sb) == 0 || stat(p.db, &sb) == 0) {
		cli_err("init",
		    "%s holds leftovers of another init (hsm/ or "
		    "pecete.db); remove them or use another "
		    "directory",
		    absdir);
		return 1;
	}

	rc = conf_load(&conf, absdir, NULL, false, err, sizeof(err));
	if (rc != PC_OK) {
		cli_err("init", "configuration: %s", err);
		goto out;
	}
	if (public_url != NULL) {
		if (strncmp(public_url, "http://", 7) != 0 &&
		    strncmp(public_url, "https://", 8) != 0) {
			cli_err("init", "--public-url must start with http:// "
			                "or https://");
			ret = 2;
			goto out;
		}
		conf_str_set(&conf.server.public_url, public_url);
		url = conf.server.public_url;
		if (url == NULL)
			goto out;
		/* Trailing slashes would double in URLs. */
		n = strlen(url);
		while (n > 8 && url[n - 1] == '/')
			url[--n] = '\0';
	}
	if (dev)
		conf.server.dev_mode = true;

	made_something = true;
	if (mkdir(p.files, 0700) != 0 && errno != EEXIST) {
		cli_err(
		    "init", "cannot create %s: %s", p.files, strerror(errno));
		goto out;
	}
	/* A SoftHSM token store of our own, unless another module is set. */
	if (strstr(conf.hsm.module, "softhsm") != NULL) {
		if (mkdir(p.hsm_dir, 0700) != 0 || mkdir(p.tokens, 0700) != 0) {
			cli_err("init", "cannot create %s: %s", p.tokens,
			    strerror(errno));
			goto out;
		}
		buf_init(&sh, 4096);
		buf_printf(&sh,
		    "# SoftHSMv2 configuration of this Pecete data dir.\n"
		    "directories.tokendir = %s\n"
		    "objectstore.backend = file\n"
		    "log.level = ERROR\n"
		    "slots.removable = false\n",
		    p.tokens);
		rc = buf_ok(&sh) ? file_write_atomic(
		                       p.softhsm_conf, sh.data, sh.len, 0600)
		                 : PC_ENOMEM;
		buf_cleanup(&sh);
		if (rc != PC_OK) {
			cli_err("init", "cannot write %s", p.softhsm_conf);
			goto out;
		}
		conf_str_set(&conf.hsm.softhsm_conf, p.softhsm_conf);
		setenv("SOFTHSM2_CONF", p.softhsm_conf, 1);
	}
	pin = secret_alloc(2 * INIT_PIN_BYTES + 1);
	so_pin = secret_alloc(2 * INIT_PIN_BYTES + 1);
	if (pin == NULL || so_pin == NULL)
		goto out;
	if (write_secret(p.pin, INIT_PIN_BYTES, pin) != PC_OK ||
	    write_secret(p.so_pin, INIT_PIN_BYTES, so_pin) != PC_OK) {
		cli_err("init", "cannot write the PIN files");
		goto out;
	}
	/* The key of the TOTP secrets: only the signer process reads it. */
	if (write_secret(p.totp_key, 32, NULL) != PC_OK) {
		cli_err("init", "cannot write %s", p.totp_key);
		goto out;
	}
	conf_str_set(&conf.signer.totp_key_file, p.totp_key);
	/* The HMAC key of the sandbox payment provider's notifications
	 * (development only: production names its provider itself). */
	if (dev && write_secret(p.sandbox_key, 32, NULL) != PC_OK) {
		cli_err("init", "cannot write %s", p.sandbox_key);
		goto out;
	}
	if (dev)
		conf_str_set(&conf.shop.sandbox_key_file, p.sandbox_key);
	/* The key of the files encrypted at rest (identification videos):
	 * in the data dir, never in the database. */
	{
		struct vault *v = NULL;

		rc = vault_open(p.vault_key, true, &v);
		vault_close(v);
		if (rc != PC_OK) {
			cli_err("init", "cannot write %s", p.vault_key);
			goto out;
		}
	}
	conf_str_set(&conf.hsm.pin_file, p.pin);
	rc = hsm_token_create(
	    conf.hsm.module, conf.hsm.token_label, so_pin, pin);
	if (rc != PC_OK) {
		cli_err("init", "cannot create HSM token \"%s\" with %s (%s)",
		    conf.hsm.token_label, conf.hsm.module, pc_rc_str(rc));
		goto out;
	}
	ERR_clear_error();

	rc = store_open(conf.store.url, 1, &st);
	if (rc == PC_OK)
		rc = store_migrate(st);
	if (rc != PC_OK) {
		cli_err("init", "cannot create the database %s (%s)",
		    conf.store.url, pc_rc_str(rc));
		goto out;
	}
	memset(&ho, 0, sizeof(ho));
	ho.module = conf.hsm.module;
	ho.token_label = conf.hsm.token_label;
	ho.pin = pin;
	ho.pool = 1;
	rc = hsm_open(&ho, &h);
	ERR_clear_error();
	if (rc != PC_OK) {
		cli_err("init", "cannot open the new HSM token (%s)",
		    pc_rc_str(rc));
		goto out;
	}
	{
		const struct hsm_key *k;

		rc = hsm_key_ensure(h, HSM_KEY_P256, HSM_AUDIT_SEAL_LABEL, &k);
		if (rc != PC_OK) {
			cli_err("init",
			    "cannot make the audit sealing key (%s)",
			    pc_rc_str(rc));
			goto out;
		}
		store_audit_sealer(st, ops_audit_seal_hsm, h);
	}
	pki_keysrc_hsm(&ks, h);
	rc = pki_hierarchy_create(&conf, st, &ks);
	if (rc != PC_OK) {
		cli_err("init", "cannot create the CA hierarchy (%s)",
		    pc_rc_str(rc));
		goto out;
	}
	rc = pki_eseal_create(&conf, st, &ks);
	if (rc != PC_OK) {
		cli_err("init", "cannot make the platform's e-seal (%s)",
		    pc_rc_str(rc));
		goto out;
	}
	{
		struct db *db;

		if (store_acquire(st, &db) == PC_OK) {
			store_audit_append(
			    db, "cli", "init", "data dir initialised");
			/* Development data: a promo code to try the shop. */
			if (dev) {
				struct store_promo pr;

				memset(&pr, 0, sizeof(pr));
				snprintf(pr.code, sizeof(pr.code), "%s",
				    INIT_DEV_PROMO);
				pr.kind = (char *)(uintptr_t) "percent";
				pr.value = 1000;
				pr.valid_from = clock_now() - 86400;
				pr.valid_to = clock_now() + 365 * 86400;
				pr.packages = (char *)(uintptr_t) "";
				pr.active = true;
				pr.created_at = clock_now();
				if (store_shop_promo_add(db, &pr) != PC_OK)
					cli_err("init", "the development promo "
					                "code was not added");
			}
			store_release(st, db);
		}
	}
	rc = conf_write(&conf, p.conf);
	if (rc != PC_OK) {
		cli_err("init", "cannot write %s", p.conf);
		goto out;
	}
	printf("initialised %s\n"
	       "  configuration  %s\n"
	       "  database       %s\n"
	       "  HSM token      \"%s\" (PIN in %s)\n"
	       "  public URL     %s\n"
	       "next: pecete serve --data %s\n",
	    absdir, p.conf, conf.store.url, conf.hsm.token_label, p.pin,
	    conf.server.public_url, dir);
	if (dev)
		printf("development mode: e-mails and SMS stay in the outbox, "
		       "payments use the sandbox; promo code %s (10 %%)\n",
		    INIT_DEV_PROMO);
	else
		printf("production: set [notify] mail_driver/sms_driver, "
		       "[shop] provider and the provider's identity ([shop] "
		       "seller_*), then pecete check-config --data %s\n",
		    dir);
	ret = 0;
out:
	if (h != NULL)
		hsm_close(h);
	if (st != NULL)
		store_close(st);
	if (pin != NULL)
		secret_free(pin, 2 * INIT_PIN_BYTES + 1);
	if (so_pin != NULL)
		secret_free(so_pin, 2 * INIT_PIN_BYTES + 1);
	if (ret != 0 && made_something) {
		init_undo(&p);
		fprintf(
		    stderr, "pecete init: nothing was kept in %s\n", absdir);
	}
	conf_free(&conf);
	return ret;
}
