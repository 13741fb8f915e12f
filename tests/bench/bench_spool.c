/* bench_spool - spool_put alone: rate and latency with T threads.
 *
 *   bench_spool DIR N T      N puts per thread, T threads (at most 64)
 *
 * Each thread opens its own handle on DIR (a fresh spool, removed at
 * the end) and stores N messages of 10 KiB, one after the other, as the
 * gateway's spool threads do: write, fsync, rename, fsync queue/ (shared
 * between the threads by the group commit in spool.c).  Prints the rate
 * and the p50 / p99 / max of one spool_put.  Build (docs/performance.md):
 *
 *   cc -O2 -std=c11 -D_GNU_SOURCE -Ifilters -Igateway -o bench_spool \
 *	tests/bench/bench_spool.c build/V/libgateway.a build/V/libfilters.a \
 *	-letpan $(pkg-config --libs libpcre2-8 libssl libcrypto inih \
 *	sqlite3) -lm -pthread
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "spool.h"

#define MAXT 64

static const char *dir;
static int nput;
static char msg[10240];
static double *lat[MAXT];
static int failed;

/* now - monotonic milliseconds */
static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* run - one thread's puts */
static void *
run(void *arg)
{
	long t = (long)arg;
	char err[256], id[SPOOL_ID_MAX];
	struct spool *s = spool_open(dir, err, sizeof(err));
	struct envelope env;

	if (s == NULL) {
		fprintf(stderr, "bench_spool: %s\n", err);
		__atomic_add_fetch(&failed, 1, __ATOMIC_RELAXED);
		return NULL;
	}
	envelope_init(&env);
	envelope_set_sender(&env, "ann@example.org");
	envelope_add_rcpt(&env, "help@example.net");
	for (int i = 0; i < nput; i++) {
		double t0 = now();

		if (spool_put(s, &env, msg, sizeof(msg), id) < 0)
			__atomic_add_fetch(&failed, 1, __ATOMIC_RELAXED);
		lat[t][i] = now() - t0;
	}
	envelope_free(&env);
	spool_close(&s);
	return NULL;
}

/* cmp - doubles ascending */
static int
cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int
main(int argc, char **argv)
{
	pthread_t th[MAXT];
	double t0, t1, *all;
	char cmd[4200];
	int nt;
	size_t k = 0;

	if (argc != 4 || (nput = atoi(argv[2])) <= 0 ||
	    (nt = atoi(argv[3])) <= 0 || nt > MAXT) {
		fprintf(stderr, "usage: bench_spool DIR N THREADS\n");
		return 2;
	}
	dir = argv[1];
	memset(msg, 'x', sizeof(msg));
	for (size_t i = 78; i < sizeof(msg); i += 80)
		memcpy(msg + i, "\r\n", 2);
	if ((all = calloc((size_t)nput * (size_t)nt, sizeof(*all))) == NULL)
		return 2;
	for (int t = 0; t < nt; t++)
		if ((lat[t] = calloc((size_t)nput, sizeof(double))) == NULL)
			return 2;
	t0 = now();
	for (long t = 0; t < nt; t++)
		pthread_create(&th[t], NULL, run, (void *)t);
	for (int t = 0; t < nt; t++)
		pthread_join(th[t], NULL);
	t1 = now();
	for (int t = 0; t < nt; t++)
		for (int i = 0; i < nput; i++)
			all[k++] = lat[t][i];
	qsort(all, k, sizeof(*all), cmp);
	printf("spool_put: %zu puts, %d threads: %.0f/s, p50 %.1f p99 %.1f "
	    "max %.1f ms\n", k, nt, (double)k * 1000 / (t1 - t0), all[k / 2],
	    all[k * 99 / 100], all[k - 1]);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "bench_spool: cannot remove %s\n", dir);
	return failed ? 1 : 0;
}
