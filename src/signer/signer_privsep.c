/*
 * signer_privsep.c: the web process and the signer under two users.
 *
 * `pecete serve` started as root with [server] user and [signer] user set
 * gives the data directory's files their owners, forks the signer's keeper
 * (signer_keeper.c) and drops to the web user. The web process then cannot
 * read the HSM PIN, the TOTP key or the token files, nor trace or signal
 * the signer; what it shares with the signer is the database (the web
 * group) and the channels.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/log.h"
#include "signer/signer.h"

/* "name" (its passwd entry) or "UID:GID". */
static enum pc_rc
privsep_user(const char *what, const char *spec, uid_t *uid, gid_t *gid,
    char *err, size_t errlen)
{
	struct passwd pw, *res = NULL;
	char buf[4096];
	unsigned long u, g;
	char *end;

	if (spec[0] >= '0' && spec[0] <= '9') {
		errno = 0;
		u = strtoul(spec, &end, 10);
		if (errno == 0 && *end == ':') {
			g = strtoul(end + 1, &end, 10);
			if (errno == 0 && *end == '\0' && u < UINT_MAX &&
			    g < UINT_MAX) {
				*uid = (uid_t)u;
				*gid = (gid_t)g;
				goto check;
			}
		}
		snprintf(err, errlen,
		    "%s: \"%.64s\" is neither a user name nor UID:GID", what,
		    spec);
		return PC_EINVAL;
	}
	if (getpwnam_r(spec, &pw, buf, sizeof(buf), &res) != 0 || res == NULL) {
		snprintf(err, errlen,
		    "%s: no user \"%.64s\" on this machine; create it with "
		    "useradd --system %.64s",
		    what, spec, spec);
		return PC_EINVAL;
	}
	*uid = pw.pw_uid;
	*gid = pw.pw_gid;
check:
	if (*uid == 0 || *gid == 0) {
		snprintf(err, errlen,
		    "%s: \"%.64s\" is root; name an unprivileged user", what,
		    spec);
		return PC_EINVAL;
	}
	return PC_OK;
}

enum pc_rc
signer_privsep_resolve(const struct conf *conf, struct signer_ids *ids,
    bool *on, char *err, size_t errlen)
{
	const char *w = conf->server.user, *s = conf->signer.user;

	*on = false;
	memset(ids, 0, sizeof(*ids));
	if (w == NULL && s == NULL)
		return PC_OK;
	if (w == NULL || s == NULL) {
		snprintf(err, errlen,
		    "[server] user and [signer] user go together: set both "
		    "(two different unprivileged users)");
		return PC_EINVAL;
	}
	if (privsep_user("[server] user", w, &ids->web_uid, &ids->web_gid, err,
	        errlen) != PC_OK ||
	    privsep_user("[signer] user", s, &ids->signer_uid, &ids->signer_gid,
	        err, errlen) != PC_OK)
		return PC_EINVAL;
	if (ids->web_uid == ids->signer_uid ||
	    ids->web_gid == ids->signer_gid) {
		snprintf(err, errlen,
		    "[server] user and [signer] user are the same user or "
		    "group: the signer's files would be the web's");
		return PC_EINVAL;
	}
	*on = true;
	return PC_OK;
}

/* ---- the data directory's owners ------------------------------------- */

struct layout {
	const struct conf *conf;
	const struct signer_ids *ids;
	char tokendir[PATH_MAX]; /* SoftHSM's, "" when unknown */
	char db[PATH_MAX];       /* the SQLite file, "" for PostgreSQL */
	char *err;
	size_t errlen;
};

static bool
same(const char *a, const char *b)
{
	return a != NULL && b != NULL && strcmp(a, b) == 0;
}

static enum pc_rc
own(struct layout *l, const char *path, uid_t u, gid_t g, mode_t set,
    mode_t clear)
{
	struct stat st;

	if (lstat(path, &st) != 0) {
		if (errno == ENOENT)
			return PC_OK;
		goto fail;
	}
	if (S_ISLNK(st.st_mode))
		return PC_OK; /* never followed */
	if (lchown(path, u, g) != 0 ||
	    chmod(path, ((st.st_mode & 07777) | set) & ~clear) != 0)
		goto fail;
	return PC_OK;
fail:
	snprintf(l->err, l->errlen, "cannot set the owner of %s: %s", path,
	    strerror(errno));
	return PC_EIO;
}

/* A directory and everything in it (no symbolic link followed). */
static enum pc_rc
own_tree(struct layout *l, const char *path, uid_t u, gid_t g, mode_t fset,
    mode_t fclear, int depth)
{
	char sub[PATH_MAX];
	struct dirent *de;
	struct stat st;
	DIR *d;
	enum pc_rc rc = PC_OK;

	if (lstat(path, &st) != 0 || !S_ISDIR(st.st_mode))
		return own(l, path, u, g, fset, fclear);
	if (depth > 16)
		return PC_OK;
	d = opendir(path);
	if (d == NULL)
		return own(l, path, u, g, 0, 0);
	while (rc == PC_OK && (de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		if ((size_t)snprintf(sub, sizeof(sub), "%s/%s", path,
		        de->d_name) >= sizeof(sub))
			continue;
		rc = own_tree(l, sub, u, g, fset, fclear, depth + 1);
	}
	closedir(d);
	if (rc == PC_OK)
		rc = own(l, path, u, g, 0, 0);
	return rc;
}

/* directories.tokendir of the SoftHSM configuration. */
static void
softhsm_tokendir(const char *conf, char *out, size_t n)
{
	char line[PATH_MAX + 64];
	FILE *f;

	out[0] = '\0';
	f = conf != NULL ? fopen(conf, "re") : NULL;
	if (f == NULL)
		return;
	while (fgets(line, sizeof(line), f) != NULL) {
		char *p = line, *e;

		while (*p == ' ' || *p == '\t')
			p++;
		if (strncmp(p, "directories.tokendir", 20) != 0)
			continue;
		p = strchr(p, '=');
		if (p == NULL)
			continue;
		for (p++; *p == ' ' || *p == '\t'; p++)
			;
		e = p + strcspn(p, "\r\n");
		while (e > p && (e[-1] == ' ' || e[-1] == '\t'))
			e--;
		*e = '\0';
		snprintf(out, n, "%s", p);
	}
	fclose(f);
}

/* Is path the token directory or one of the directories holding it
 * inside the data directory (data/hsm for data/hsm/tokens)? */
static bool
is_token_path(const struct layout *l, const char *path)
{
	size_t n = strlen(path);

	return l->tokendir[0] != '\0' && strncmp(l->tokendir, path, n) == 0 &&
	       (l->tokendir[n] == '\0' || l->tokendir[n] == '/');
}

static bool
is_signer_file(const struct layout *l, const char *path)
{
	return same(path, l->conf->hsm.pin_file) ||
	       same(path, l->conf->signer.totp_key_file) ||
	       (l->conf->store.signer_url_file != NULL &&
	           same(path, l->conf->store.signer_url_file)) ||
	       same(path, l->conf->hsm.softhsm_conf);
}

static bool
is_db_file(const struct layout *l, const char *path)
{
	size_t n = strlen(l->db);

	return n > 0 && strncmp(path, l->db, n) == 0 &&
	       (path[n] == '\0' || strcmp(path + n, "-wal") == 0 ||
	           strcmp(path + n, "-shm") == 0 ||
	           strcmp(path + n, "-journal") == 0);
}

enum pc_rc
signer_privsep_layout(const struct conf *conf, const struct signer_ids *ids,
    char *err, size_t errlen)
{
	const uid_t su = ids->signer_uid, wu = ids->web_uid;
	const gid_t sg = ids->signer_gid, wg = ids->web_gid;
	struct layout l;
	char path[PATH_MAX];
	struct dirent *de;
	DIR *d;
	enum pc_rc rc = PC_OK;

	memset(&l, 0, sizeof(l));
	l.conf = conf;
	l.ids = ids;
	l.err = err;
	l.errlen = errlen;
	softhsm_tokendir(
	    conf->hsm.softhsm_conf, l.tokendir, sizeof(l.tokendir));
	if (strncmp(conf->store.url, "sqlite:", 7) == 0) {
		const char *f = conf->store.url + 7;

		if (f[0] == '/')
			snprintf(l.db, sizeof(l.db), "%s", f);
		else
			snprintf(
			    l.db, sizeof(l.db), "%s/%s", conf->data_dir, f);
	}
	d = opendir(conf->data_dir);
	if (d == NULL) {
		snprintf(err, errlen, "cannot open the data directory %s: %s",
		    conf->data_dir, strerror(errno));
		return PC_EIO;
	}
	while (rc == PC_OK && (de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		if ((size_t)snprintf(path, sizeof(path), "%s/%s",
		        conf->data_dir, de->d_name) >= sizeof(path))
			continue;
		if (is_signer_file(&l, path))
			rc = own(&l, path, su, sg, 0, 0077);
		else if (is_token_path(&l, path))
			rc = own_tree(&l, path, su, sg, 0, 0077, 0);
		else if (same(path, conf->path))
			rc = own(&l, path, 0, wg, 0040, 0037);
		else if (strcmp(de->d_name, "hsm-so.pin") == 0)
			rc = own(&l, path, 0, 0, 0, 0077); /* init's only */
		else if (is_db_file(&l, path))
			rc = own(&l, path, wu, wg, 0660, 0007);
		else
			rc = own_tree(&l, path, wu, wg, 0, 0007, 0);
	}
	closedir(d);
	/* Files named outside the data directory: the signer's still its
	 * own (the operator keeps their directories right). */
	if (rc == PC_OK && strncmp(conf->hsm.pin_file, conf->data_dir,
	                       strlen(conf->data_dir)) != 0)
		rc = own(&l, conf->hsm.pin_file, su, sg, 0, 0077);
	if (rc == PC_OK && strncmp(conf->signer.totp_key_file, conf->data_dir,
	                       strlen(conf->data_dir)) != 0)
		rc = own(&l, conf->signer.totp_key_file, su, sg, 0, 0077);
	if (rc == PC_OK && conf->store.signer_url_file != NULL &&
	    strncmp(conf->store.signer_url_file, conf->data_dir,
	        strlen(conf->data_dir)) != 0)
		rc = own(&l, conf->store.signer_url_file, su, sg, 0, 0077);
	if (rc == PC_OK)
		rc = own(&l, conf->data_dir, 0, wg, 03770, 0007);
	return rc;
}

enum pc_rc
signer_privsep_drop(const struct signer_ids *ids)
{
	if (setgroups(0, NULL) != 0 ||
	    setresgid(ids->web_gid, ids->web_gid, ids->web_gid) != 0 ||
	    setresuid(ids->web_uid, ids->web_uid, ids->web_uid) != 0)
		return PC_EIO;
	/* No way back. */
	if (setresuid(0, 0, 0) == 0 || setegid(0) == 0)
		return PC_EINTERNAL;
	umask(007);
	return PC_OK;
}
