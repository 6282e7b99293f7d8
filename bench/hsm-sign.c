/*
 * hsm-sign: signatures per second through hsm_key_sign against a raw
 * PKCS#11 loop (C_SignInit + C_Sign on a session held for the loop), with
 * RSA-2048, RSA-3072 and P-256 keys on a temporary SoftHSMv2 token, 1 and
 * 2 threads.
 *
 * usage: bench_hsm-sign [seconds-per-run [module]]
 */
#define _XOPEN_SOURCE 700 /* nftw */

#include <dlfcn.h>
#include <errno.h>
#include <ftw.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/objects.h>
#include <openssl/rand.h>

#include <p11-kit/pkcs11.h>

#include "base/log.h"
#include "hsm/hsm.h"

#define TOKEN "bench"
#define PIN "bench-pin"
#define MAXTHREADS 2
#define REPS 5

static const char *module = "/usr/lib/softhsm/libsofthsm2.so";
static double run_secs = 2.0;

static const uint8_t di_sha256[19] = { 0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60,
	0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04,
	0x20 };

struct bkey {
	const char *name;
	const char *label;
	enum hsm_key_type type;
	enum hsm_mech mech;
	const struct hsm_key *key;
};

static struct bkey bkeys[] = {
	{ "RSA-2048 PKCS#1", "bench-rsa", HSM_KEY_RSA2048, HSM_MECH_RSA_PKCS1,
	    NULL },
	/* Holders' and the TSA's keys (bench/web-batch.sh's ceiling). */
	{ "RSA-3072 PKCS#1", "bench-rsa3", HSM_KEY_RSA3072, HSM_MECH_RSA_PKCS1,
	    NULL },
	{ "P-256 ECDSA", "bench-p256", HSM_KEY_P256, HSM_MECH_ECDSA, NULL },
};

static struct hsm *g_hsm;
static CK_FUNCTION_LIST_PTR g_f;
static CK_SLOT_ID g_slot;

struct job {
	struct bkey *bk;
	bool raw;
	struct timespec deadline;
	unsigned long count;
	int err;
};

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static bool
past(const struct timespec *d)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec > d->tv_sec ||
	       (ts.tv_sec == d->tv_sec && ts.tv_nsec >= d->tv_nsec);
}

static void
run_ours(struct job *j)
{
	uint8_t hash[32], sig[HSM_SIG_MAX];
	size_t siglen;

	RAND_bytes(hash, sizeof(hash));
	while (!past(&j->deadline)) {
		hash[0]++;
		if (hsm_key_sign(g_hsm, j->bk->key, j->bk->mech, NID_sha256,
		        hash, sizeof(hash), sig, &siglen) != PC_OK) {
			j->err = 1;
			return;
		}
		j->count++;
	}
}

static void
run_raw(struct job *j)
{
	CK_OBJECT_CLASS cls = CKO_PRIVATE_KEY;
	CK_ATTRIBUTE t[2] = {
		{ CKA_CLASS, &cls, sizeof(cls) },
		{ CKA_LABEL, (void *)(uintptr_t)j->bk->label,
		    strlen(j->bk->label) },
	};
	CK_MECHANISM m = { CKM_RSA_PKCS, NULL, 0 };
	CK_SESSION_HANDLE s;
	CK_OBJECT_HANDLE key;
	CK_ULONG n = 0, inlen, siglen;
	uint8_t in[19 + 32], sig[HSM_SIG_MAX];

	if (g_f->C_OpenSession(g_slot, CKF_SERIAL_SESSION, NULL, NULL, &s) !=
	    CKR_OK) {
		j->err = 1;
		return;
	}
	if (g_f->C_FindObjectsInit(s, t, 2) != CKR_OK ||
	    g_f->C_FindObjects(s, &key, 1, &n) != CKR_OK ||
	    g_f->C_FindObjectsFinal(s) != CKR_OK || n != 1) {
		j->err = 1;
		goto out;
	}
	RAND_bytes(in, sizeof(in));
	if (j->bk->mech == HSM_MECH_RSA_PKCS1) {
		memcpy(in, di_sha256, sizeof(di_sha256));
		inlen = sizeof(in);
	} else {
		m.mechanism = CKM_ECDSA;
		inlen = 32;
	}
	while (!past(&j->deadline)) {
		in[inlen - 1]++;
		siglen = sizeof(sig);
		if (g_f->C_SignInit(s, &m, key) != CKR_OK ||
		    g_f->C_Sign(s, in, inlen, sig, &siglen) != CKR_OK) {
			j->err = 1;
			goto out;
		}
		j->count++;
	}
out:
	g_f->C_CloseSession(s);
}

static void *
thread_main(void *arg)
{
	struct job *j = arg;

	if (j->raw)
		run_raw(j);
	else
		run_ours(j);
	return NULL;
}

/* One timed run; returns signatures per second, or -1. */
static double
measure(struct bkey *bk, bool raw, int nthreads)
{
	struct job jobs[MAXTHREADS];
	pthread_t th[MAXTHREADS];
	struct timespec dl;
	unsigned long total = 0;
	double t0, t1;
	int i, err = 0;

	clock_gettime(CLOCK_MONOTONIC, &dl);
	dl.tv_sec += (time_t)run_secs;
	dl.tv_nsec += (long)((run_secs - (double)(time_t)run_secs) * 1e9);
	if (dl.tv_nsec >= 1000000000L) {
		dl.tv_sec++;
		dl.tv_nsec -= 1000000000L;
	}
	t0 = now();
	for (i = 0; i < nthreads; i++) {
		memset(&jobs[i], 0, sizeof(jobs[i]));
		jobs[i].bk = bk;
		jobs[i].raw = raw;
		jobs[i].deadline = dl;
		if (pthread_create(&th[i], NULL, thread_main, &jobs[i]) != 0)
			return -1;
	}
	for (i = 0; i < nthreads; i++) {
		pthread_join(th[i], NULL);
		total += jobs[i].count;
		err |= jobs[i].err;
	}
	t1 = now();
	if (err)
		return -1;
	return (double)total / (t1 - t0);
}

static int
dcmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double
median(const double v[REPS])
{
	double t[REPS];

	memcpy(t, v, sizeof(t));
	qsort(t, REPS, sizeof(t[0]), dcmp);
	return t[REPS / 2];
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

static int
token_setup(char *dir, size_t n)
{
	char path[1200];
	const char *tmp = getenv("TMPDIR");
	FILE *fp;

	snprintf(dir, n, "%s/pecete-bench-XXXXXX",
	    tmp != NULL && *tmp != '\0' ? tmp : "/tmp");
	if (mkdtemp(dir) == NULL)
		return -1;
	snprintf(path, sizeof(path), "%s/tokens", dir);
	if (mkdir(path, 0700) == -1)
		return -1;
	snprintf(path, sizeof(path), "%s/softhsm2.conf", dir);
	fp = fopen(path, "w");
	if (fp == NULL)
		return -1;
	fprintf(fp,
	    "directories.tokendir = %s/tokens\n"
	    "objectstore.backend = file\nlog.level = ERROR\n",
	    dir);
	if (fclose(fp) != 0 || setenv("SOFTHSM2_CONF", path, 1) == -1)
		return -1;
	if (hsm_token_create(module, TOKEN, "bench-so-pin", PIN) != PC_OK)
		return -1;
	return 0;
}

static int
raw_setup(void **dl)
{
	CK_C_GetFunctionList gfl;
	CK_SLOT_ID slots[32];
	CK_ULONG n = 32, i;
	CK_TOKEN_INFO ti;
	CK_RV rv;

	*dl = dlopen(module, RTLD_NOW);
	if (*dl == NULL)
		return -1;
	*(void **)&gfl = dlsym(*dl, "C_GetFunctionList");
	if (gfl == NULL || gfl(&g_f) != CKR_OK)
		return -1;
	rv = g_f->C_Initialize(NULL); /* already done by hsm_open */
	if (rv != CKR_CRYPTOKI_ALREADY_INITIALIZED && rv != CKR_OK)
		return -1;
	if (g_f->C_GetSlotList(CK_TRUE, slots, &n) != CKR_OK)
		return -1;
	for (i = 0; i < n; i++)
		if (g_f->C_GetTokenInfo(slots[i], &ti) == CKR_OK &&
		    strncmp((char *)ti.label, TOKEN " ", strlen(TOKEN) + 1) ==
		        0) {
			g_slot = slots[i];
			return 0;
		}
	return -1;
}

int
main(int argc, char *argv[])
{
	struct hsm_opts o = { NULL, TOKEN, PIN, MAXTHREADS };
	double ours[REPS], raw[REPS], so, sr, best_o, best_r;
	double ratio[REPS];
	char dir[1024] = "";
	EVP_PKEY *pub;
	void *dl = NULL;
	size_t k;
	int nt, r, rc = 1;

	if (argc > 1)
		run_secs = strtod(argv[1], NULL);
	if (argc > 2)
		module = argv[2];
	if (run_secs <= 0)
		run_secs = 2.0;
	o.module = module;
	log_init("bench_hsm-sign");
	log_set_level(LOG_LVL_WARN);
	if (token_setup(dir, sizeof(dir)) != 0) {
		fprintf(stderr, "bench: cannot create the token\n");
		goto out;
	}
	if (hsm_open(&o, &g_hsm) != PC_OK) {
		fprintf(stderr, "bench: hsm_open failed\n");
		goto out;
	}
	for (k = 0; k < PC_ARRAY_LEN(bkeys); k++) {
		if (hsm_key_generate(
		        g_hsm, bkeys[k].type, bkeys[k].label, &pub) != PC_OK ||
		    hsm_key_find(g_hsm, bkeys[k].label, &bkeys[k].key) !=
		        PC_OK) {
			fprintf(stderr, "bench: key generation failed\n");
			goto out;
		}
		EVP_PKEY_free(pub);
	}
	if (raw_setup(&dl) != 0) {
		fprintf(stderr, "bench: raw PKCS#11 setup failed\n");
		goto out;
	}
	printf("hsm-sign: %s, %.1f s per run, %d alternating runs each, "
	       "median (best) sig/s;\n"
	       "ratio = median of the per-pair ratios, best = best/best\n",
	    module, run_secs, REPS);
	printf("%-16s %7s %20s %20s %8s %8s\n", "key", "threads",
	    "hsm_key_sign", "raw PKCS#11", "ratio", "best");
	for (k = 0; k < PC_ARRAY_LEN(bkeys); k++) {
		for (nt = 1; nt <= MAXTHREADS; nt++) {
			so = sr = best_o = best_r = 0;
			for (r = 0; r < REPS; r++) {
				/* Alternate which goes first. */
				if (r % 2 == 0) {
					ours[r] = measure(&bkeys[k], false, nt);
					raw[r] = measure(&bkeys[k], true, nt);
				} else {
					raw[r] = measure(&bkeys[k], true, nt);
					ours[r] = measure(&bkeys[k], false, nt);
				}
				if (ours[r] < 0 || raw[r] < 0) {
					fprintf(stderr, "bench: sign failed\n");
					goto out;
				}
				ratio[r] = ours[r] / raw[r];
				if (ours[r] > best_o)
					best_o = ours[r];
				if (raw[r] > best_r)
					best_r = raw[r];
			}
			so = median(ours);
			sr = median(raw);
			printf(
			    "%-16s %7d %10.0f (%7.0f) %10.0f (%7.0f) %7.1f%% "
			    "%7.1f%%\n",
			    bkeys[k].name, nt, so, best_o, sr, best_r,
			    100.0 * median(ratio), 100.0 * best_o / best_r);
			fflush(stdout);
		}
	}
	rc = 0;
out:
	hsm_close(g_hsm);
	if (dl != NULL)
		dlclose(dl);
	if (dir[0] != '\0')
		nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	return rc;
}
