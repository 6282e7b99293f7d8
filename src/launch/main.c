/*
 * main.c: the pecete program's entry. A small executable that signs in
 * the plain form of `pecete sign` (lite.h) itself: a .p7s here, a PDF in
 * pecete-pdf.so; everything else is pecete-full.so (the CLI and the whole
 * program). Both are loaded from this executable's directory.
 *
 * Why: a small signature costs less than the program's start-up. The
 * whole program maps 20 shared libraries (MuPDF's dependencies, the
 * server's); this executable maps libcrypto and SQLite, pecete-pdf.so adds
 * only MuPDF's (docs/performance.md, issue 10). Anything but the plain
 * form — another option, a repeated one, a key that does not open — goes
 * to the whole program, which parses, checks and explains as always.
 */
#include <dlfcn.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "launch/lite.h"

#define FULL_NAME "pecete-full.so"
#define PDF_NAME "pecete-pdf.so"
#define MODULE_NAME_MAX 32

typedef int (*entry_fn)(int, char **);

/*
 * The function sym of module name in this executable's directory, or NULL
 * (said on stderr when loud). Never unloaded: its symbols stay for the
 * sanitizers' reports.
 */
static entry_fn
module_entry(const char *name, const char *sym, bool loud)
{
	char exe[PATH_MAX], path[PATH_MAX + MODULE_NAME_MAX];
	entry_fn fn;
	char *slash;
	void *h;
	ssize_t n;

	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0) {
		if (loud)
			perror("pecete: /proc/self/exe");
		return NULL;
	}
	exe[n] = '\0';
	slash = strrchr(exe, '/');
	if (slash == NULL)
		return NULL;
	slash[1] = '\0';
	snprintf(path, sizeof(path), "%s%s", exe, name);
	h = dlopen(path, RTLD_LAZY | RTLD_LOCAL);
	if (h == NULL) {
		if (loud)
			fprintf(stderr,
			    "pecete: cannot load %s (%s); it is built with "
			    "the program (make build) and belongs beside it\n",
			    path, dlerror());
		return NULL;
	}
	*(void **)(&fn) = dlsym(h, sym);
	if (fn == NULL && loud)
		fprintf(stderr, "pecete: %s has no %s\n", path, sym);
	return fn;
}

int
main(int argc, char **argv)
{
	entry_fn fn;
	int rc = LITE_DEFER;

	/* Outputs, PIN files: nothing for group or others (as the CLI). */
	umask(077);
	if (argc >= 2 && strcmp(argv[1], "sign") == 0) {
		rc = lite_sign(argc - 1, argv + 1, NULL);
		if (rc == LITE_PDF) {
			/* Missing: the whole program signs it. */
			fn = module_entry(PDF_NAME, "pecete_sign_pdf", false);
			rc = fn != NULL ? fn(argc - 1, argv + 1) : LITE_DEFER;
		}
		if (rc >= 0) {
			OPENSSL_cleanup();
			return rc;
		}
	}
	fn = module_entry(FULL_NAME, "pecete_main", true);
	return fn != NULL ? fn(argc, argv) : 127;
}
