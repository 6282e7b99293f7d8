/*
 * test_signing.c: the signing batch (src/signing) against the real parts:
 * a data dir made by pecete init, a credential issued by pecete cert issue
 * with its TOTP secret, the signer process (SoftHSM) for SIGN_USER.
 *
 * A PAdES and a CAdES item (the latter read from an fd) under one code:
 * outputs in place, the PDF a prefix of its output, the .p7s verifies,
 * two transactions taken. Refusals count nothing and leave the batch
 * begun for another code (wrong code, replay), and a file changed after
 * the authorization is never signed (the hash differs: the batch stops).
 * An item that fails its intake blocks the authorization and leaves no
 * file; a quota too small, an unknown credential and calls out of order
 * are refused.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <liboath/oath.h>
#include <openssl/bio.h>
#include <openssl/cms.h>
#include <openssl/err.h>

#include "base/clock.h"
#include "base/conf.h"
#include "signer/signer.h"
#include "signing/signing.h"
#include "store/store.h"
#include "support/tsupport.h"

static struct {
	char dir[PATH_MAX];
	char data[PATH_MAX + 8];
	char serial[STORE_SERIAL_MAX + 1];
	uint8_t secret[64];
	size_t secret_len;
	int64_t t0; /* the first code's time */
	struct conf conf;
	struct store *store;
	struct signer_client *signer;
	struct pc_env env;
	size_t begun, finished; /* progress calls */
} T;

/* Run argv with stdout into out (may be NULL); its exit status. */
static int
run(char *const argv[], const char *out)
{
	pid_t pid;
	int st, fd;

	pid = fork();
	if (pid == 0) {
		if (out != NULL) {
			fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0600);
			if (fd < 0 || dup2(fd, 1) < 0)
				_exit(126);
		}
		fd = open("/dev/null", O_WRONLY);
		if (fd >= 0)
			dup2(fd, 2);
		execv(argv[0], argv);
		_exit(127);
	}
	if (pid < 0 || waitpid(pid, &st, 0) != pid || !WIFEXITED(st))
		return -1;
	return WEXITSTATUS(st);
}

static void
write_file(const char *path, const void *p, size_t n)
{
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(p, 1, n, f), n);
	assert_int_equal(fclose(f), 0);
}

static uint8_t *
read_all(const char *path, size_t *n)
{
	struct stat st;
	uint8_t *p;
	FILE *f;

	if (stat(path, &st) != 0)
		return NULL;
	f = fopen(path, "rb");
	assert_non_null(f);
	p = malloc((size_t)st.st_size + 1);
	assert_non_null(p);
	*n = fread(p, 1, (size_t)st.st_size, f);
	fclose(f);
	return p;
}

/* The holder's TOTP code at time t. */
static void
code_at(int64_t t, char out[7])
{
	assert_int_equal(oath_totp_generate((const char *)T.secret,
	                     T.secret_len, (time_t)t, 30, 0, 6, out),
	    OATH_OK);
}

static void
on_progress(
    void *arg, const struct signing_batch *b, size_t i, enum signing_step step)
{
	assert_non_null(signing_batch_result(b, i));
	if (step == SIGNING_STEP_BEGIN)
		T.begun++;
	else
		T.finished++;
}

static struct signing_batch *
batch(const char *credential)
{
	struct signing_opts o;
	struct signing_batch *b = NULL;
	struct pc_err err;

	memset(&o, 0, sizeof(o));
	memset(&err, 0, sizeof(err));
	sign_opts_init(&o.sign);
	o.credential = credential != NULL ? credential : T.serial;
	o.progress = on_progress;
	assert_int_equal(signing_batch_new(&T.env, &o, &b, &err), PC_OK);
	assert_int_equal(err.code, PCE_NONE);
	return b;
}

static void
add(struct signing_batch *b, const char *in, int fd, const char *out,
    enum sign_format fmt)
{
	struct signing_item it;

	memset(&it, 0, sizeof(it));
	it.in_path = in;
	it.in_fd = fd;
	it.out_path = out;
	it.format = fmt;
	assert_int_equal(signing_batch_add(b, &it, NULL), PC_OK);
}

static int
setup(void **state)
{
	char bin[PATH_MAX], out[PATH_MAX + 64], secf[PATH_MAX + 64];
	char err[256], line[256], b32[128];
	const char *pb = getenv("PECETE_BIN"), *tmp = getenv("TMPDIR");
	size_t n;
	char *sec = NULL;
	FILE *f;

	if (pb == NULL) {
		fprintf(stderr, "PECETE_BIN is not set (run through ctest)\n");
		return -1;
	}
	snprintf(bin, sizeof(bin), "%s", pb);
	snprintf(T.dir, sizeof(T.dir), "%s/pecete-signing-XXXXXX",
	    tmp != NULL && tmp[0] != '\0' ? tmp : "/tmp");
	if (mkdtemp(T.dir) == NULL)
		return -1;
	snprintf(T.data, sizeof(T.data), "%s/d", T.dir);
	snprintf(out, sizeof(out), "%s/cert.out", T.dir);
	snprintf(secf, sizeof(secf), "%s/holder.totp", T.dir);
	{
		char *init[] = { bin, "init", "--data", T.data, "--dev", NULL };
		char *issue[] = { bin, "cert", "issue", "--data", T.data,
			"--given-name", "Ion", "--surname", "Popescu", "--cnp",
			"1800101221144", "--email", "ion@example.ro", "--out",
			out, "--transactions", "20", "--totp-secret-out", secf,
			NULL };

		if (run(init, NULL) != 0 || run(issue, out) != 0) {
			fprintf(stderr, "pecete init / cert issue failed\n");
			return -1;
		}
	}
	f = fopen(out, "r");
	while (f != NULL && fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "serial %64s", T.serial) == 1)
			break;
	if (f != NULL)
		fclose(f);
	f = fopen(secf, "r");
	if (f == NULL || fgets(b32, sizeof(b32), f) == NULL)
		return -1;
	fclose(f);
	b32[strcspn(b32, "\n")] = '\0';
	if (oath_init() != OATH_OK ||
	    oath_base32_decode(b32, strlen(b32), &sec, &n) != OATH_OK ||
	    n > sizeof(T.secret))
		return -1;
	memcpy(T.secret, sec, n);
	T.secret_len = n;
	free(sec);
	snprintf(out, sizeof(out), "%s/pecete.conf", T.data);
	if (conf_load(&T.conf, T.data, out, true, err, sizeof(err)) != PC_OK ||
	    store_open(T.conf.store.url, 2, &T.store) != PC_OK)
		return -1;
	setenv("PECETE_SIGNER_EXE", bin, 1);
	if (signer_client_start(&T.conf, 1, &T.signer) != PC_OK)
		return -1;
	T.env.conf = &T.conf;
	T.env.store = T.store;
	T.env.signer = T.signer;
	T.env.actor = "test";
	T.t0 = clock_now();
	return 0;
}

static int
teardown(void **state)
{
	signer_client_stop(T.signer);
	store_close(T.store);
	conf_free(&T.conf);
	ts_rmtree(T.dir);
	return 0;
}

/* A directory of its own under T.dir for one test. */
static void
test_dir(const char *name, char *out, size_t n)
{
	snprintf(out, n, "%s/%s", T.dir, name);
	assert_int_equal(mkdir(out, 0700), 0);
}

static void
test_batch_ok(void **state)
{
	char d[PATH_MAX], pdf[PATH_MAX + 16], bin[PATH_MAX + 16];
	char opdf[PATH_MAX + 16], op7s[PATH_MAX + 16], code[7];
	uint8_t data[3000], *in, *o;
	struct signing_batch *b;
	const struct signing_result *r;
	struct pc_err err;
	CMS_ContentInfo *cms;
	BIO *bd, *bc;
	size_t inlen, olen, i;
	int fd;

	test_dir("ok", d, sizeof(d));
	snprintf(pdf, sizeof(pdf), "%s/doc.pdf", d);
	snprintf(bin, sizeof(bin), "%s/data.bin", d);
	snprintf(opdf, sizeof(opdf), "%s/doc-signed.pdf", d);
	snprintf(op7s, sizeof(op7s), "%s/data.bin.p7s", d);
	assert_true(ts_pdf_write(pdf) > 0);
	for (i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 7);
	write_file(bin, data, sizeof(data));
	assert_int_equal(sign_format_guess(pdf), SIGN_FMT_PADES);
	assert_int_equal(sign_format_guess(bin), SIGN_FMT_CADES);
	fd = open(bin, O_RDONLY);
	assert_true(fd >= 0);
	assert_int_equal(unlink(bin), 0); /* an fd of an unlinked upload */

	b = batch(NULL);
	add(b, pdf, -1, opdf, 0);
	add(b, NULL, fd, op7s, 0);
	assert_int_equal(signing_batch_count(b), 2);
	assert_int_equal(signing_batch_result(b, 1)->format, SIGN_FMT_CADES);
	assert_int_equal(signing_batch_transactions_left(b), -1);
	T.begun = T.finished = 0;
	assert_int_equal(signing_batch_begin(&T.env, b), PC_OK);
	assert_int_equal(T.begun, 2);
	for (i = 0; i < 2; i++)
		assert_int_equal(
		    signing_batch_result(b, i)->state, SIGNING_READY);
	assert_int_equal(access(opdf, F_OK), -1); /* nothing before finish */
	code_at(T.t0, code);
	memset(&err, 0, sizeof(err));
	assert_int_equal(signing_batch_authorize(&T.env, b, code, &err), PC_OK);
	assert_int_equal(signing_batch_transactions_left(b), 18);
	assert_int_equal(signing_batch_finish(&T.env, b), PC_OK);
	assert_int_equal(T.finished, 2);
	for (i = 0; i < 2; i++) {
		r = signing_batch_result(b, i);
		assert_int_equal(r->state, SIGNING_DONE);
		assert_int_equal(r->rc, PC_OK);
	}
	/* A second finish is out of order. */
	assert_int_equal(signing_batch_finish(&T.env, b), PC_ESTATE);
	signing_batch_free(b);

	/* The PDF is a prefix of its output, which names the SubFilter. */
	in = read_all(pdf, &inlen);
	o = read_all(opdf, &olen);
	assert_non_null(in);
	assert_non_null(o);
	assert_true(olen > inlen);
	assert_memory_equal(in, o, inlen);
	assert_non_null(memmem(o, olen, "ETSI.CAdES.detached", 19));
	free(in);
	free(o);

	/* The .p7s verifies over the data (signature; not the chain). */
	o = read_all(op7s, &olen);
	assert_non_null(o);
	bd = BIO_new_mem_buf(o, (int)olen);
	cms = d2i_CMS_bio(bd, NULL);
	assert_non_null(cms);
	bc = BIO_new_mem_buf(data, sizeof(data));
	assert_int_equal(CMS_verify(cms, NULL, NULL, bc, NULL,
	                     CMS_BINARY | CMS_NO_SIGNER_CERT_VERIFY),
	    1);
	/* ... and not over other bytes. */
	BIO_free(bc);
	data[0] ^= 1;
	bc = BIO_new_mem_buf(data, sizeof(data));
	assert_int_equal(CMS_verify(cms, NULL, NULL, bc, NULL,
	                     CMS_BINARY | CMS_NO_SIGNER_CERT_VERIFY),
	    0);
	ERR_clear_error();
	BIO_free(bc);
	BIO_free(bd);
	CMS_ContentInfo_free(cms);
	free(o);
	close(fd);
}

static void
test_refusals_and_mismatch(void **state)
{
	char d[PATH_MAX], pdf[PATH_MAX + 16], bin[PATH_MAX + 16];
	char opdf[PATH_MAX + 16], op7s[PATH_MAX + 16], code[7], bad[16];
	struct signing_batch *b;
	const struct signing_result *r;
	struct pc_err err;

	test_dir("refused", d, sizeof(d));
	snprintf(pdf, sizeof(pdf), "%s/doc.pdf", d);
	snprintf(bin, sizeof(bin), "%s/data.bin", d);
	snprintf(opdf, sizeof(opdf), "%s/out.pdf", d);
	snprintf(op7s, sizeof(op7s), "%s/data.bin.p7s", d);
	assert_true(ts_pdf_write(pdf) > 0);
	write_file(bin, "some bytes to sign", 18);

	b = batch(NULL);
	add(b, bin, -1, op7s, SIGN_FMT_CADES);
	add(b, pdf, -1, opdf, SIGN_FMT_PADES);
	assert_int_equal(signing_batch_begin(&T.env, b), PC_OK);
	/* A wrong code: refused, the batch stays begun. */
	code_at(T.t0, code);
	snprintf(bad, sizeof(bad), "%06d",
	    ((int)strtol(code, NULL, 10) + 500000) % 1000000);
	memset(&err, 0, sizeof(err));
	assert_int_equal(
	    signing_batch_authorize(&T.env, b, bad, &err), PC_EAUTH);
	assert_int_equal(err.code, PCE_TOTP_INVALID);
	assert_int_equal(signing_batch_finish(&T.env, b), PC_ESTATE);
	/* The code of the first test again: a replay. */
	memset(&err, 0, sizeof(err));
	assert_int_equal(
	    signing_batch_authorize(&T.env, b, code, &err), PC_EAUTH);
	assert_int_equal(err.code, PCE_TOTP_REPLAY);
	/* The next step's code: accepted, nothing was counted before. */
	code_at(T.t0 + 30, code);
	memset(&err, 0, sizeof(err));
	assert_int_equal(signing_batch_authorize(&T.env, b, code, &err), PC_OK);
	assert_int_equal(signing_batch_transactions_left(b), 16);
	/* The file changes after its hash was authorized: never signed. */
	write_file(bin, "other bytes to sign", 19);
	assert_int_equal(signing_batch_finish(&T.env, b), PC_EINTERNAL);
	r = signing_batch_result(b, 0);
	assert_int_equal(r->state, SIGNING_FAILED);
	assert_int_equal(r->rc, PC_EINTERNAL);
	/* The batch stopped there: the PDF was not written either. */
	assert_int_equal(signing_batch_result(b, 1)->state, SIGNING_SIGNED);
	signing_batch_free(b);
	assert_int_equal(access(op7s, F_OK), -1);
	assert_int_equal(access(opdf, F_OK), -1);
	assert_int_equal(
	    ts_dir_count(d), 2); /* the inputs, no temporary file */
}

static void
test_intake_failure(void **state)
{
	char d[PATH_MAX], pdf[PATH_MAX + 16], bad[PATH_MAX + 16];
	char o1[PATH_MAX + 16], o2[PATH_MAX + 16];
	struct signing_batch *b;
	const struct signing_result *r;
	struct pc_err err;

	test_dir("intake", d, sizeof(d));
	snprintf(pdf, sizeof(pdf), "%s/doc.pdf", d);
	snprintf(bad, sizeof(bad), "%s/bad.pdf", d);
	snprintf(o1, sizeof(o1), "%s/o1.pdf", d);
	snprintf(o2, sizeof(o2), "%s/o2.pdf", d);
	assert_true(ts_pdf_write(pdf) > 0);
	write_file(bad, "%PDF-1.7\nnot really\n", 20);

	b = batch(NULL);
	add(b, pdf, -1, o1, 0);
	add(b, bad, -1, o2, 0);
	T.begun = 0;
	assert_int_not_equal(signing_batch_begin(&T.env, b), PC_OK);
	assert_int_equal(T.begun, 2); /* not stop_at_first: both tried */
	assert_int_equal(signing_batch_result(b, 0)->state, SIGNING_READY);
	r = signing_batch_result(b, 1);
	assert_int_equal(r->state, SIGNING_FAILED);
	assert_non_null(r->err.code);
	assert_string_equal(r->err.code, "pdf_invalid");
	/* Not every item is ready: no authorization, no code used. */
	memset(&err, 0, sizeof(err));
	assert_int_equal(
	    signing_batch_authorize(&T.env, b, "000000", &err), PC_ESTATE);
	assert_int_equal(err.code, PCE_STATE);
	signing_batch_free(b);
	assert_int_equal(
	    ts_dir_count(d), 2); /* the good PDF's update is gone */
}

static void
test_quota(void **state)
{
	char d[PATH_MAX], in[PATH_MAX + 16], out[PATH_MAX + 32];
	struct signing_batch *b;
	struct pc_err err;
	int i;

	test_dir("quota", d, sizeof(d));
	snprintf(in, sizeof(in), "%s/x.txt", d);
	write_file(in, "x", 1);
	b = batch(NULL);
	for (i = 0; i < 17; i++) { /* 16 are left */
		snprintf(out, sizeof(out), "%s/x%d.p7s", d, i);
		add(b, in, -1, out, SIGN_FMT_CADES);
	}
	assert_int_equal(signing_batch_begin(&T.env, b), PC_OK);
	/* The counter is checked before the code: any code will do. */
	memset(&err, 0, sizeof(err));
	assert_int_equal(
	    signing_batch_authorize(&T.env, b, "123456", &err), PC_ELIMIT);
	assert_int_equal(err.code, PCE_QUOTA_EXHAUSTED);
	signing_batch_free(b);
	assert_int_equal(ts_dir_count(d), 1);
}

/* What a file takes at each level, and the level each kind is made at. */
static void
test_levels_and_costs(void **state)
{
	(void)state;
	assert_int_equal(sign_level_parse("B-LTA"), SIGN_LEVEL_BLTA);
	assert_int_equal(sign_level_parse("b-lt"), SIGN_LEVEL_BLT);
	assert_int_equal(sign_level_parse("B-T"), SIGN_LEVEL_BT);
	assert_int_equal(sign_level_parse("B-B"), SIGN_LEVEL_BB);
	assert_int_equal(sign_level_parse("B-LTAA"), 0);
	assert_int_equal(sign_level_parse(NULL), 0);
	/* PDFs and CAdES at any level; a digest's CMS up to B-T */
	assert_int_equal(
	    signing_item_level(SIGN_LEVEL_BLTA, SIGN_FMT_PADES, false),
	    SIGN_LEVEL_BLTA);
	assert_int_equal(
	    signing_item_level(SIGN_LEVEL_BLTA, SIGN_FMT_CADES, false),
	    SIGN_LEVEL_BLTA);
	assert_int_equal(
	    signing_item_level(SIGN_LEVEL_BLTA, SIGN_FMT_CADES, true),
	    SIGN_LEVEL_BT);
	assert_int_equal(
	    signing_item_level(SIGN_LEVEL_BB, SIGN_FMT_CADES, true),
	    SIGN_LEVEL_BB);
	/* the signature, its timestamp, B-LTA's document timestamp */
	assert_int_equal(signing_cost(SIGN_LEVEL_BLTA, SIGN_FMT_PADES), 3);
	assert_int_equal(signing_cost(SIGN_LEVEL_BLTA, SIGN_FMT_CADES), 3);
	assert_int_equal(signing_cost(SIGN_LEVEL_BLT, SIGN_FMT_PADES), 2);
	assert_int_equal(signing_cost(SIGN_LEVEL_BT, SIGN_FMT_CADES), 2);
	assert_int_equal(signing_cost(SIGN_LEVEL_BB, SIGN_FMT_PADES), 1);
	assert_int_equal(signing_cost_str("B-LTA", "pades"), 3);
	assert_int_equal(signing_cost_str("B-LTA", "cades"), 3);
	/* a batch stored before levels were kept: B-T */
	assert_int_equal(signing_cost_str("", "pades"), 2);
}

static void
test_refused_calls(void **state)
{
	struct signing_opts o;
	struct signing_batch *b = NULL;
	struct signing_item it;
	struct pc_err err;
	char out[96];
	int i;

	memset(&o, 0, sizeof(o));
	sign_opts_init(&o.sign);
	o.credential = "abcdef01";
	memset(&err, 0, sizeof(err));
	assert_int_equal(signing_batch_new(&T.env, &o, &b, &err), PC_ENOTFOUND);
	assert_int_equal(err.code, PCE_CREDENTIAL_UNKNOWN);
	assert_null(b);
	o.credential = "not hex";
	memset(&err, 0, sizeof(err));
	assert_int_equal(signing_batch_new(&T.env, &o, &b, &err), PC_EINVAL);
	assert_int_equal(err.code, PCE_FIELD_INVALID);

	b = batch(NULL);
	assert_int_equal(signing_batch_begin(&T.env, b), PC_EINVAL); /* empty */
	memset(&it, 0, sizeof(it));
	it.in_path = "/nonexistent";
	assert_int_equal(signing_batch_add(b, &it, NULL), PC_EINVAL);
	it.out_path = "/nonexistent.p7s";
	it.format = 7;
	assert_int_equal(signing_batch_add(b, &it, NULL), PC_EINVAL);
	it.format = SIGN_FMT_CADES;
	for (i = 0; i < SIGNING_BATCH_MAX; i++) {
		snprintf(out, sizeof(out), "/nonexistent-%d.p7s", i);
		it.out_path = out;
		assert_int_equal(signing_batch_add(b, &it, NULL), PC_OK);
	}
	assert_int_equal(signing_batch_add(b, &it, NULL), PC_ELIMIT);
	memset(&err, 0, sizeof(err));
	assert_int_equal(
	    signing_batch_authorize(&T.env, b, "123456", &err), PC_ESTATE);
	assert_int_equal(signing_batch_finish(&T.env, b), PC_ESTATE);
	/* An unreadable input fails its begin with the engine's code. */
	assert_int_equal(signing_batch_begin(&T.env, b), PC_EIO);
	assert_string_equal(signing_batch_result(b, 0)->err.code, "unreadable");
	assert_int_equal(signing_batch_add(b, &it, NULL), PC_ESTATE);
	assert_int_equal(signing_batch_begin(&T.env, b), PC_ESTATE);
	signing_batch_free(b);
	signing_batch_free(NULL);
	assert_null(signing_batch_result(NULL, 0));
	assert_int_equal(signing_batch_count(NULL), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_batch_ok),
		cmocka_unit_test(test_refusals_and_mismatch),
		cmocka_unit_test(test_intake_failure),
		cmocka_unit_test(test_quota),
		cmocka_unit_test(test_refused_calls),
		cmocka_unit_test(test_levels_and_costs),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
