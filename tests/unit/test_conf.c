/*
 * test_conf.c: the strict INI parser, table-driven, good and bad inputs.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "base/conf.h"

struct conf_case {
	const char *text;
	enum pc_rc rc;
	const char *err_has; /* part of the message, for errors */
};

static const struct conf_case cases[] = {
	{ "", PC_OK, NULL },
	{ "# comment\n; other\n\n", PC_OK, NULL },
	{ "[server]\nlisten = 0.0.0.0:9000\nthreads = 8\n", PC_OK, NULL },
	{ "[server]\ndev_mode = yes # trailing comment\n", PC_OK, NULL },
	{ "[nope]\n", PC_EINVAL, "unknown section" },
	{ "listen = 1.2.3.4:5\n", PC_EINVAL, "outside any" },
	{ "[server]\nlisten 1.2.3.4:5\n", PC_EINVAL, "expected key" },
	{ "[server]\ncolour = red\n", PC_EINVAL, "unknown key" },
	{ "[server]\nthreads = 4\nthreads = 5\n", PC_EINVAL, "set twice" },
	{ "[server]\nthreads = 0\n", PC_EINVAL, "out of range" },
	{ "[csc]\nauth_sad_ttl = 29\n", PC_EINVAL,
	    "auth_sad_ttl: 29 is out of range [30, 3600]" },
	{ "[csc]\nauth_sad_ttl = 3601\n", PC_EINVAL, "out of range" },
	{ "[csc]\nauth_sad_ttl = 900\n", PC_OK, NULL },
	{ "[server]\nthreads = many\n", PC_EINVAL, "not a number" },
	{ "[server]\nthreads = 99999999999999999999\n", PC_EINVAL,
	    "not a number" },
	{ "[server]\ndev_mode = maybe\n", PC_EINVAL, "true or false" },
	{ "[server]\npublic_url = ftp://x\n", PC_EINVAL, "URL" },
	{ "[server]\nlisten = nohost\n", PC_EINVAL, "host:port" },
	{ "[server]\nlisten = h:99999\n", PC_EINVAL, "host:port" },
	{ "[pki]\npolicy_oid = 1.2.\n", PC_EINVAL, "OID" },
	{ "[pki]\npolicy_oid = 1.3.6.1.4.1.1\n", PC_OK, NULL },
	{ "[hsm]\nmodule =\n", PC_EINVAL, "empty value" },
	{ "[server\n", PC_EINVAL, "section line" },
	{ "[server]\nlisten = a\tb:1\n", PC_EINVAL, "control" },
};

static void
test_conf_cases(void **state)
{
	struct conf c;
	char err[512];
	size_t i;
	enum pc_rc rc;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(conf_defaults(&c, "/tmp"), PC_OK);
		err[0] = '\0';
		rc = conf_parse(
		    &c, cases[i].text, strlen(cases[i].text), err, sizeof(err));
		if (rc != cases[i].rc)
			fail_msg("case %zu (%s): rc %d, err %s", i,
			    cases[i].text, rc, err);
		if (cases[i].err_has != NULL &&
		    strstr(err, cases[i].err_has) == NULL)
			fail_msg("case %zu: message \"%s\" lacks \"%s\"", i,
			    err, cases[i].err_has);
		conf_free(&c);
	}
}

static void
test_conf_values_and_env(void **state)
{
	static const char text[] = "[server]\nlisten = 127.0.0.1:9999\n"
	                           "[store]\nurl = sqlite:x.db\n";
	struct conf c;
	char err[256], dir[] = "/tmp/pc-conf-XXXXXX", path[64];
	FILE *f;

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/pecete.conf", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	setenv("PECETE_SERVER_THREADS", "7", 1);
	assert_int_equal(
	    conf_load(&c, dir, path, true, err, sizeof(err)), PC_OK);
	assert_string_equal(c.server.listen, "127.0.0.1:9999");
	assert_int_equal(c.server.threads, 7);
	assert_int_equal(c.csc.auth_sad_ttl, 300); /* the default */
	/* Relative paths land in the data dir. */
	assert_true(strncmp(c.store.url, "sqlite:/", 8) == 0);
	assert_non_null(strstr(c.store.url, "/x.db"));
	assert_true(c.hsm.pin_file[0] == '/');
	/* Round trip through conf_write. */
	assert_int_equal(conf_write(&c, path), PC_OK);
	conf_free(&c);
	unsetenv("PECETE_SERVER_THREADS");
	assert_int_equal(
	    conf_load(&c, dir, path, true, err, sizeof(err)), PC_OK);
	assert_int_equal(c.server.threads, 7);
	assert_string_equal(c.server.listen, "127.0.0.1:9999");
	conf_free(&c);
	setenv("PECETE_SERVER_THREADS", "0", 1);
	assert_int_equal(
	    conf_load(&c, dir, path, true, err, sizeof(err)), PC_EINVAL);
	assert_non_null(strstr(err, "PECETE_SERVER_THREADS"));
	conf_free(&c);
	unsetenv("PECETE_SERVER_THREADS");
	/* The proxies in front: addresses only. */
	setenv("PECETE_SERVER_TRUSTED_PROXIES", "10.0.0.5, ::1", 1);
	assert_int_equal(
	    conf_load(&c, dir, path, true, err, sizeof(err)), PC_OK);
	assert_string_equal(c.server.trusted_proxies, "10.0.0.5, ::1");
	conf_free(&c);
	setenv("PECETE_SERVER_TRUSTED_PROXIES", "10.0.0.5,haproxy", 1);
	assert_int_equal(
	    conf_load(&c, dir, path, true, err, sizeof(err)), PC_EINVAL);
	assert_non_null(strstr(err, "\"haproxy\" is not an IPv4 or IPv6"));
	conf_free(&c);
	unsetenv("PECETE_SERVER_TRUSTED_PROXIES");
	/* Two database roles: a role name that can go into a GRANT, with
	 * the signer's URL file, on PostgreSQL only. */
	setenv("PECETE_STORE_WEB_ROLE", "pecete_web", 1);
	assert_int_equal(
	    conf_load(&c, dir, path, true, err, sizeof(err)), PC_EINVAL);
	assert_non_null(strstr(err, "web_role and signer_url_file go"));
	conf_free(&c);
	setenv("PECETE_STORE_SIGNER_URL_FILE", "/etc/pecete/signer.url", 1);
	assert_int_equal(
	    conf_load(&c, dir, path, true, err, sizeof(err)), PC_EINVAL);
	conf_free(&c);
	setenv("PECETE_STORE_URL", "postgresql:///pecete?user=web", 1);
	assert_int_equal(
	    conf_load(&c, dir, path, true, err, sizeof(err)), PC_OK);
	assert_string_equal(c.store.web_role, "pecete_web");
	conf_free(&c);
	setenv("PECETE_STORE_WEB_ROLE", "web; DROP TABLE users", 1);
	assert_int_equal(
	    conf_load(&c, dir, path, true, err, sizeof(err)), PC_EINVAL);
	conf_free(&c);
	unsetenv("PECETE_STORE_WEB_ROLE");
	unsetenv("PECETE_STORE_SIGNER_URL_FILE");
	unsetenv("PECETE_STORE_URL");
	unlink(path);
	assert_int_equal(
	    conf_load(&c, dir, path, true, err, sizeof(err)), PC_ENOTFOUND);
	conf_free(&c);
	rmdir(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_conf_cases),
		cmocka_unit_test(test_conf_values_and_env),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
