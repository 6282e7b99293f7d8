/*
 * csc-load: a small HTTP/1.1 load generator for bench/csc-signhash.sh.
 * Each line of FILE is one request: "X-Forwarded-For<TAB>bearer
 * token<TAB>JSON body"; every line is sent once (a SAD is single use),
 * over CONNS keep-alive connections, each taking the next line as soon as
 * its previous answer is read. Prints the requests, the 200s, the
 * seconds from the first send to the last answer, requests per second and
 * the latency's p50 and p99 (milliseconds, every request).
 *
 * With CSC_LOAD_LAT set, every latency is appended to that file (the
 * script's percentiles over several runs).
 *
 * usage: bench_csc-load HOST PORT PATH CONNS FILE
 */
#define _GNU_SOURCE /* strcasestr */

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAXCONNS 256
#define RESP_MAX (1 << 20)

struct line {
	char *xff, *token, *body;
};

static struct line *lines;
static size_t nlines;
static double *lat; /* ms per request */
static int *status;
static atomic_size_t next_line;
static atomic_int ready;
static atomic_bool go;
static const char *host, *path;
static int port;

static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int
dial(void)
{
	struct sockaddr_in a;
	int fd, one = 1;

	fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0)
		return -1;
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_port = htons((uint16_t)port);
	if (inet_pton(AF_INET, host, &a.sin_addr) != 1 ||
	    connect(fd, (struct sockaddr *)&a, sizeof(a)) != 0) {
		close(fd);
		return -1;
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	return fd;
}

static int
send_all(int fd, const char *p, size_t n)
{
	ssize_t k;

	while (n > 0) {
		k = send(fd, p, n, MSG_NOSIGNAL);
		if (k <= 0)
			return -1;
		p += k;
		n -= (size_t)k;
	}
	return 0;
}

/* One answer: its status; *close when the server ends the connection. */
static int
read_answer(int fd, char *buf, int *close_after)
{
	size_t have = 0, need = 0;
	char *end = NULL, *cl;
	ssize_t k;
	int st;

	*close_after = 0;
	for (;;) {
		if (have >= RESP_MAX - 1)
			return -1;
		k = recv(fd, buf + have, RESP_MAX - 1 - have, 0);
		if (k <= 0)
			return -1;
		have += (size_t)k;
		buf[have] = '\0';
		if (end == NULL && (end = strstr(buf, "\r\n\r\n")) != NULL) {
			*end = '\0';
			cl = strcasestr(buf, "\r\nContent-Length:");
			need = (size_t)(end - buf) + 4 +
			       (cl != NULL ? strtoul(cl + 17, NULL, 10) : 0);
			if (strcasestr(buf, "\r\nConnection: close") != NULL)
				*close_after = 1;
			*end = '\r';
		}
		if (end != NULL && have >= need)
			break;
	}
	if (sscanf(buf, "HTTP/1.%*d %d", &st) != 1)
		return -1;
	return st;
}

static void *
worker(void *arg)
{
	char *req = malloc(RESP_MAX), *resp = malloc(RESP_MAX);
	int fd = dial(), cls = 0, n;
	size_t i;
	double t0;

	(void)arg;
	atomic_fetch_add(&ready, 1);
	while (!atomic_load(&go))
		usleep(100);
	while (req != NULL && resp != NULL &&
	       (i = atomic_fetch_add(&next_line, 1)) < nlines) {
		struct line *l = &lines[i];

		n = snprintf(req, RESP_MAX,
		    "POST %s HTTP/1.1\r\nHost: %s:%d\r\n"
		    "Authorization: Bearer %s\r\nX-Forwarded-For: %s\r\n"
		    "Content-Type: application/json\r\n"
		    "Content-Length: %zu\r\n\r\n%s",
		    path, host, port, l->token, l->xff, strlen(l->body),
		    l->body);
		t0 = now_ms();
		if (fd < 0)
			fd = dial();
		if (fd < 0 || n >= RESP_MAX || send_all(fd, req, (size_t)n) ||
		    (status[i] = read_answer(fd, resp, &cls)) < 0) {
			status[i] = -1;
			cls = 1;
		}
		lat[i] = now_ms() - t0;
		if (status[i] != 200 && status[i] != -1)
			fprintf(stderr, "csc-load: %d %.200s\n", status[i],
			    strstr(resp, "\r\n\r\n") != NULL
			        ? strstr(resp, "\r\n\r\n") + 4
			        : "");
		if (cls && fd >= 0) {
			close(fd);
			fd = -1;
		}
	}
	if (fd >= 0)
		close(fd);
	free(req);
	free(resp);
	return NULL;
}

static int
cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static int
load(const char *file)
{
	FILE *f = fopen(file, "r");
	char *ln = NULL, *t1, *t2;
	size_t cap = 0, room = 0;
	ssize_t k;

	if (f == NULL)
		return -1;
	while ((k = getline(&ln, &cap, f)) > 0) {
		if (ln[k - 1] == '\n')
			ln[k - 1] = '\0';
		t1 = strchr(ln, '\t');
		t2 = t1 != NULL ? strchr(t1 + 1, '\t') : NULL;
		if (t2 == NULL)
			continue;
		*t1 = *t2 = '\0';
		if (nlines == room) {
			room = room ? room * 2 : 1024;
			lines = realloc(lines, room * sizeof(*lines));
			if (lines == NULL)
				return -1;
		}
		lines[nlines].xff = strdup(ln);
		lines[nlines].token = strdup(t1 + 1);
		lines[nlines].body = strdup(t2 + 1);
		nlines++;
	}
	free(ln);
	fclose(f);
	return 0;
}

int
main(int argc, char **argv)
{
	pthread_t th[MAXCONNS];
	int conns, i, ok = 0;
	double t0, secs, *sorted;
	size_t j;

	if (argc != 6 || (conns = atoi(argv[4])) < 1 || conns > MAXCONNS) {
		fprintf(
		    stderr, "usage: %s HOST PORT PATH CONNS FILE\n", argv[0]);
		return 2;
	}
	host = argv[1];
	port = atoi(argv[2]);
	path = argv[3];
	if (load(argv[5]) != 0 || nlines == 0) {
		fprintf(stderr, "csc-load: no requests in %s\n", argv[5]);
		return 1;
	}
	lat = calloc(nlines, sizeof(*lat));
	status = calloc(nlines, sizeof(*status));
	sorted = calloc(nlines, sizeof(*sorted));
	if (lat == NULL || status == NULL || sorted == NULL)
		return 1;
	for (i = 0; i < conns; i++)
		pthread_create(&th[i], NULL, worker, NULL);
	while (atomic_load(&ready) < conns)
		usleep(100);
	t0 = now_ms();
	atomic_store(&go, true);
	for (i = 0; i < conns; i++)
		pthread_join(th[i], NULL);
	secs = (now_ms() - t0) / 1e3;
	for (j = 0; j < nlines; j++) {
		ok += status[j] == 200;
		sorted[j] = lat[j];
	}
	if (getenv("CSC_LOAD_LAT") != NULL) {
		FILE *lf = fopen(getenv("CSC_LOAD_LAT"), "a");

		for (j = 0; lf != NULL && j < nlines; j++)
			fprintf(lf, "%.3f\n", lat[j]);
		if (lf != NULL)
			fclose(lf);
	}
	qsort(sorted, nlines, sizeof(*sorted), cmp_d);
	printf("requests %zu ok %d seconds %.3f rps %.1f p50 %.2f p99 %.2f\n",
	    nlines, ok, secs, ok / secs, sorted[nlines / 2],
	    sorted[(size_t)(nlines * 0.99) < nlines ? (size_t)(nlines * 0.99)
	                                            : nlines - 1]);
	return ok == (int)nlines ? 0 : 1;
}
