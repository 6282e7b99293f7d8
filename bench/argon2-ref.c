/*
 * bench/argon2-ref.c: the reference for sign-ins in bench/load.sh: how
 * many password checks per second this machine makes with the parameters
 * the server uses (libsodium's crypto_pwhash_str_verify of an Argon2id
 * hash made with OPSLIMIT/MEMLIMIT_INTERACTIVE, as acct_rules.c does), on
 * N threads for S seconds. A sign-in cannot go faster than this.
 * usage: bench_argon2-ref [THREADS [SECONDS]]
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

static char hash[crypto_pwhash_STRBYTES];
static double stop_at;

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void *
run(void *arg)
{
	long *n = arg;
	const char *pw = "Verde-Munte-Ploaie-42";

	while (now() < stop_at) {
		if (crypto_pwhash_str_verify(hash, pw, strlen(pw)) != 0) {
			fprintf(stderr, "argon2-ref: verify failed\n");
			exit(1);
		}
		(*n)++;
	}
	return NULL;
}

int
main(int argc, char **argv)
{
	int threads = argc > 1 ? atoi(argv[1]) : 2;
	double secs = argc > 2 ? atof(argv[2]) : 5.0, t0;
	pthread_t th[64];
	long n[64];
	long total = 0;
	int i;

	if (threads < 1 || threads > 64 || secs <= 0 || sodium_init() < 0)
		return 2;
	if (crypto_pwhash_str(hash, "Verde-Munte-Ploaie-42", 21,
	        crypto_pwhash_OPSLIMIT_INTERACTIVE,
	        crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
		return 1;
	t0 = now();
	stop_at = t0 + secs;
	for (i = 0; i < threads; i++) {
		n[i] = 0;
		pthread_create(&th[i], NULL, run, &n[i]);
	}
	for (i = 0; i < threads; i++) {
		pthread_join(th[i], NULL);
		total += n[i];
	}
	printf("argon2id verify (interactive) threads %d: %.1f/s\n", threads,
	    (double)total / (now() - t0));
	return 0;
}
