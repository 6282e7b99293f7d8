/*
 * secret.c: locked, zeroed memory for secrets.
 */
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "base/log.h"
#include "base/secret.h"

void
secret_wipe(void *p, size_t n)
{
	if (p != NULL && n > 0)
		OPENSSL_cleanse(p, n);
}

void
secret_wipe_free(void *p)
{
	if (p == NULL)
		return;
	secret_wipe(p, malloc_usable_size(p));
	free(p);
}

bool
secret_eq(const void *a, const void *b, size_t n)
{
	return CRYPTO_memcmp(a, b, n) == 0;
}

void *
secret_alloc(size_t n)
{
	static bool warned;
	void *p;

	if (n == 0)
		n = 1;
	p = calloc(1, n);
	if (p == NULL)
		return NULL;
	if (mlock(p, n) != 0 && !warned) {
		warned = true;
		log_warn("secret memory: mlock");
	}
	return p;
}

void
secret_free(void *p, size_t n)
{
	if (p == NULL)
		return;
	secret_wipe(p, n);
	munlock(p, n ? n : 1);
	free(p);
}

char *
secret_strdup(const char *s)
{
	size_t n;
	char *p;

	n = strlen(s);
	p = secret_alloc(n + 1);
	if (p != NULL)
		memcpy(p, s, n + 1);
	return p;
}

void
secret_strfree(char *s)
{
	if (s != NULL)
		secret_free(s, strlen(s) + 1);
}

enum pc_rc
secret_read_file(const char *path, size_t max, char **out)
{
	struct stat st;
	char *p = NULL;
	ssize_t n;
	size_t len = 0;
	int fd;
	enum pc_rc rc = PC_OK;

	*out = NULL;
	/* The callers say what went wrong, once (secret_file_why). */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return errno == ENOENT ? PC_ENOTFOUND : PC_EIO;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		rc = PC_EINVAL;
		goto out;
	}
	if ((st.st_mode & 077) != 0) {
		rc = PC_EAUTH;
		goto out;
	}
	if ((size_t)st.st_size > max) {
		rc = PC_ELIMIT;
		goto out;
	}
	p = secret_alloc(max + 1);
	if (p == NULL) {
		rc = PC_ENOMEM;
		goto out;
	}
	while (len < max) {
		n = read(fd, p + len, max - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = PC_EIO;
			goto out;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	p[len] = '\0';
	len = strcspn(p, "\r\n");
	p[len] = '\0';
	if (len == 0) {
		log_warnx("secret file %s: empty", path);
		rc = PC_EINVAL;
		goto out;
	}
	*out = secret_strdup(p);
	if (*out == NULL)
		rc = PC_ENOMEM;
out:
	if (p != NULL)
		secret_free(p, max + 1);
	close(fd);
	return rc;
}

const char *
secret_file_why(enum pc_rc rc)
{
	switch (rc) {
	case PC_ENOTFOUND:
		return "no such file";
	case PC_EINVAL:
		return "not a regular file";
	case PC_EAUTH:
		return "readable by its group or others: a secret must be "
		       "private; run chmod 600 on it (and own it)";
	case PC_ELIMIT:
		return "too large for a secret";
	case PC_ENOMEM:
		return "out of memory";
	default:
		return "cannot be read (permissions of the file or its "
		       "directory?)";
	}
}
