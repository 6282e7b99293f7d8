/*
 * tsupport.c: helpers shared by the unit tests.
 */
#define _XOPEN_SOURCE 700 /* nftw */

#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hsm/hsm.h"
#include "support/tsupport.h"

int
ts_softhsm_setup(char *dir_out, size_t n, const char *label, const char *pin)
{
	char conf[4096], tokens[4096];
	const char *tmp;
	enum pc_rc rc;
	FILE *fp;
	int len;

	tmp = getenv("TMPDIR");
	if (tmp == NULL || *tmp == '\0')
		tmp = "/tmp";
	len = snprintf(dir_out, n, "%s/pecete-hsm-XXXXXX", tmp);
	if (len < 0 || (size_t)len >= n) {
		fprintf(stderr, "ts_softhsm_setup: path too long\n");
		return -1;
	}
	if (mkdtemp(dir_out) == NULL) {
		fprintf(stderr, "ts_softhsm_setup: mkdtemp %s: %s\n", dir_out,
		    strerror(errno));
		return -1;
	}
	len = snprintf(tokens, sizeof(tokens), "%s/tokens", dir_out);
	if (len < 0 || (size_t)len >= sizeof(tokens) ||
	    mkdir(tokens, 0700) == -1) {
		fprintf(stderr, "ts_softhsm_setup: mkdir tokens failed\n");
		return -1;
	}
	len = snprintf(conf, sizeof(conf), "%s/softhsm2.conf", dir_out);
	if (len < 0 || (size_t)len >= sizeof(conf))
		return -1;
	fp = fopen(conf, "w");
	if (fp == NULL) {
		fprintf(stderr, "ts_softhsm_setup: %s: %s\n", conf,
		    strerror(errno));
		return -1;
	}
	fprintf(fp,
	    "directories.tokendir = %s\nobjectstore.backend = file\n"
	    "log.level = ERROR\n",
	    tokens);
	if (fclose(fp) != 0)
		return -1;
	if (setenv("SOFTHSM2_CONF", conf, 1) == -1)
		return -1;
	rc = hsm_token_create(TS_SOFTHSM_MODULE, label, TS_SO_PIN, pin);
	if (rc != PC_OK) {
		fprintf(stderr, "ts_softhsm_setup: hsm_token_create: %s\n",
		    pc_rc_str(rc));
		return -1;
	}
	return 0;
}

static int
rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	if (flag == FTW_DP)
		rmdir(path);
	else
		unlink(path);
	return 0;
}

void
ts_rmtree(const char *dir)
{
	if (dir == NULL || *dir == '\0')
		return;
	nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

size_t
ts_pdf_write(const char *path)
{
	static const char *objs[] = {
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>",
	};
	char buf[2048];
	size_t n, off[3];
	int i;
	FILE *f;

	n = (size_t)snprintf(buf, sizeof(buf), "%%PDF-1.7\n");
	for (i = 0; i < 3; i++) {
		off[i] = n;
		n += (size_t)snprintf(buf + n, sizeof(buf) - n,
		    "%d 0 obj\n%s\nendobj\n", i + 1, objs[i]);
	}
	n += (size_t)snprintf(buf + n, sizeof(buf) - n,
	    "xref\n0 4\n0000000000 65535 f \n0000%06zu 00000 n \n"
	    "0000%06zu 00000 n \n0000%06zu 00000 n \n"
	    "trailer\n<< /Size 4 /Root 1 0 R >>\nstartxref\n%zu\n%%%%EOF\n",
	    off[0], off[1], off[2], n);
	f = fopen(path, "wb");
	if (f == NULL)
		return 0;
	if (fwrite(buf, 1, n, f) != n)
		n = 0;
	if (fclose(f) != 0)
		n = 0;
	return n;
}

int
ts_dir_count(const char *dir)
{
	struct dirent *de;
	DIR *d;
	int n = 0;

	d = opendir(dir);
	if (d == NULL)
		return -1;
	while ((de = readdir(d)) != NULL)
		if (strcmp(de->d_name, ".") != 0 &&
		    strcmp(de->d_name, "..") != 0)
			n++;
	closedir(d);
	return n;
}
