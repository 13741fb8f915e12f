/* test_spool_group - concurrent spool_put with group commit of the
 * queue directory's fsync.
 *
 * The test interposes fsync and renameat2 (this executable's definitions
 * win over libc's for the spool code linked into it) and keeps one event
 * log: when each rename into queue/ returned, when each fsync of queue/
 * started and ended, when each spool_put returned.  An fsync of queue/
 * is slowed down (SLOW_US) so that writers pile up behind it, as they do
 * behind a real disk.  Checked:
 *
 *   - every spool_put that returned 0 has an fsync of queue/ that started
 *     after its rename returned and ended before spool_put returned (the
 *     order issue 3 requires before the 250);
 *   - fewer fsyncs of queue/ than puts (they were shared);
 *   - with several processes of several threads each, every message is
 *     in queue/ afterwards, once, byte for byte, with its envelope;
 *   - a failed fsync of queue/ fails spool_put;
 *   - spool_delivered removes without an fsync of queue/, spool_remove
 *     with one.
 */
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"
#include "spool.h"

#define NPROC 3
#define NTHREAD 6
#define NPUT 8
#define NPUTS (NTHREAD * NPUT)
#define SLOW_US 20000
#define MAXEV 4096

static char dir[] = "/tmp/test_spool_group.XXXXXX";
static ino_t queue_ino;
static dev_t queue_dev;

/* the event log of this process */
static pthread_mutex_t log_mu = PTHREAD_MUTEX_INITIALIZER;
static uint64_t seq;
static struct { char id[SPOOL_ID_MAX]; uint64_t at; } renames[MAXEV];
static size_t nrenames;
static struct { uint64_t start, end; } syncs[MAXEV];
static size_t nsyncs;
static int fail_next_sync;	/* inject EIO into the next fsync of queue/ */

static uint64_t
tick(void)
{
	return __atomic_add_fetch(&seq, 1, __ATOMIC_SEQ_CST);
}

/* is_queue - fd is the spool's queue/ directory */
static int
is_queue(int fd)
{
	struct stat st;

	return fstat(fd, &st) == 0 && S_ISDIR(st.st_mode) &&
	    st.st_ino == queue_ino && st.st_dev == queue_dev;
}

int
fsync(int fd)
{
	static int (*real)(int);
	uint64_t start;
	int rc, q = is_queue(fd);

	if (real == NULL)
		*(void **)&real = dlsym(RTLD_NEXT, "fsync");
	if (!q)
		return real(fd);
	start = tick();
	usleep(SLOW_US);
	rc = real(fd);
	pthread_mutex_lock(&log_mu);
	if (fail_next_sync) {
		fail_next_sync = 0;
		rc = -1;
		errno = EIO;
	}
	if (nsyncs < MAXEV) {
		syncs[nsyncs].start = start;
		syncs[nsyncs].end = tick();
		nsyncs++;
	}
	pthread_mutex_unlock(&log_mu);
	return rc;
}

int
renameat2(int ofd, const char *old, int nfd, const char *new,
    unsigned flags)
{
	static int (*real)(int, const char *, int, const char *, unsigned);
	int rc;

	if (real == NULL)
		*(void **)&real = dlsym(RTLD_NEXT, "renameat2");
	rc = real(ofd, old, nfd, new, flags);
	if (rc == 0 && is_queue(nfd)) {
		pthread_mutex_lock(&log_mu);
		if (nrenames < MAXEV) {
			snprintf(renames[nrenames].id, SPOOL_ID_MAX, "%s", new);
			renames[nrenames].at = tick();
			nrenames++;
		}
		pthread_mutex_unlock(&log_mu);
	}
	return rc;
}

/* make_msg - the message of (proc, thread, n) */
static void
make_msg(char *m, size_t n, int p, int t, int k)
{
	size_t len = (size_t)snprintf(m, n, "Subject: p%d t%d n%d\r\n\r\n",
	    p, t, k);

	for (int i = 0; len + 40 < n && i < 100 + k * 13; i++)
		len += (size_t)snprintf(m + len, n - len, "line %d of p%d t%d\r\n",
		    i, p, t);
}

struct put {
	char id[SPOOL_ID_MAX];
	uint64_t ret;		/* when spool_put returned */
	int rc;
	int p, t, k;
};

struct worker_arg {
	int p, t;
	struct put puts[NPUT];
};

/* put_thread - NPUT messages through its own spool handle */
static void *
put_thread(void *arg)
{
	struct worker_arg *w = arg;
	char err[200], m[8192];
	struct spool *s = spool_open(dir, err, sizeof(err));
	struct envelope env;

	envelope_init(&env);
	envelope_set_sender(&env, "ann@example.org");
	envelope_add_rcpt(&env, "help@example.net");
	for (int k = 0; k < NPUT; k++) {
		struct put *pu = &w->puts[k];

		make_msg(m, sizeof(m), w->p, w->t, k);
		pu->p = w->p;
		pu->t = w->t;
		pu->k = k;
		pu->rc = s ? spool_put(s, &env, m, strlen(m), pu->id) : -1;
		pu->ret = tick();
	}
	envelope_free(&env);
	spool_close(&s);
	return NULL;
}

/* covered - an fsync of queue/ started after the rename of id and ended
 * before ret */
static int
covered(const char *id, uint64_t ret)
{
	uint64_t at = 0;

	for (size_t i = 0; i < nrenames; i++)
		if (strcmp(renames[i].id, id) == 0)
			at = renames[i].at;
	if (at == 0)
		return 0;
	for (size_t i = 0; i < nsyncs; i++)
		if (syncs[i].start > at && syncs[i].end < ret)
			return 1;
	return 0;
}

/* run_proc - NTHREAD threads putting at once; checks the order, writes
 * "ID p t k" lines to out; returns the number of order violations */
static int
run_proc(int p, FILE *out, size_t *nsync_r)
{
	static struct worker_arg wa[NTHREAD];
	pthread_t th[NTHREAD];
	int bad = 0;

	for (int t = 0; t < NTHREAD; t++) {
		wa[t].p = p;
		wa[t].t = t;
		pthread_create(&th[t], NULL, put_thread, &wa[t]);
	}
	for (int t = 0; t < NTHREAD; t++)
		pthread_join(th[t], NULL);
	for (int t = 0; t < NTHREAD; t++)
		for (int k = 0; k < NPUT; k++) {
			struct put *pu = &wa[t].puts[k];

			if (pu->rc != 0 || !covered(pu->id, pu->ret)) {
				fprintf(stderr, "p%d t%d n%d: rc %d, %s\n", p, t,
				    k, pu->rc, pu->rc ? "failed" :
				    "no fsync of queue/ between its rename "
				    "and its return");
				bad++;
			}
			fprintf(out, "%s %d %d %d\n", pu->id, p, t, k);
		}
	*nsync_r = nsyncs;
	return bad;
}

/* test_one_process - threads of this process share the fsyncs */
static void
test_one_process(void)
{
	char path[256];
	FILE *out;
	size_t n;
	int bad;

	snprintf(path, sizeof(path), "%s/ids.local", dir);
	out = fopen(path, "w");
	bad = run_proc(9, out, &n);
	fclose(out);
	CHECK_MSG(bad == 0, "%d puts returned before their rename was "
	    "fsynced", bad);
	CHECK_MSG(n > 0 && n < NPUTS, "%zu fsyncs of queue/ for %d puts "
	    "at once: not shared", n, NPUTS);
}

/* verify_ids - every line of path names a queue file holding exactly the
 * message it was given; returns how many */
static int
verify_ids(const char *path, int *bad_r)
{
	char id[SPOOL_ID_MAX + 8], err[200], m[8192];
	FILE *f = fopen(path, "r");
	struct spool *s = spool_open(dir, err, sizeof(err));
	int p, t, k, n = 0;

	while (f != NULL && s != NULL &&
	    fscanf(f, "%31s %d %d %d", id, &p, &t, &k) == 4) {
		struct spool_entry e;
		char *got;
		size_t len;

		make_msg(m, sizeof(m), p, t, k);
		if (spool_read(s, id, &e, &got, &len) < 0) {
			(*bad_r)++;
			continue;
		}
		if (len != strlen(m) || memcmp(got, m, len) != 0 ||
		    e.env.nrcpts != 1 || strcmp(e.env.rcpts[0],
		    "help@example.net") != 0 ||
		    strcmp(e.env.sender, "ann@example.org") != 0)
			(*bad_r)++;
		free(got);
		envelope_free(&e.env);
		n++;
	}
	if (f != NULL)
		fclose(f);
	spool_close(&s);
	return n;
}

/* count_queue - entries of queue/ */
static int
count_queue(void)
{
	char p[256];
	DIR *d;
	struct dirent *de;
	int n = 0;

	snprintf(p, sizeof(p), "%s/queue", dir);
	if ((d = opendir(p)) == NULL)
		return -1;
	while ((de = readdir(d)) != NULL)
		n += de->d_name[0] != '.';
	closedir(d);
	return n;
}

/* test_processes - NPROC processes of NTHREAD threads at once */
static void
test_processes(void)
{
	pid_t pids[NPROC];
	int bad = 0, total = 0, before = count_queue();

	for (int p = 0; p < NPROC; p++) {
		if ((pids[p] = fork()) == 0) {
			char path[256];
			FILE *out;
			size_t n;
			int rc;

			nsyncs = nrenames = 0;
			snprintf(path, sizeof(path), "%s/ids.%d", dir, p);
			out = fopen(path, "w");
			rc = run_proc(p, out, &n);
			fclose(out);
			_exit(rc ? 1 : n >= NPUTS ? 2 : 0);
		}
	}
	for (int p = 0; p < NPROC; p++) {
		int st;

		waitpid(pids[p], &st, 0);
		CHECK_MSG(WIFEXITED(st) && WEXITSTATUS(st) == 0, "process %d: "
		    "%s", p, WIFEXITED(st) && WEXITSTATUS(st) == 2 ?
		    "fsyncs not shared" : "a put was not fsynced before its "
		    "return, or failed");
	}
	for (int p = 0; p < NPROC; p++) {
		char path[256];

		snprintf(path, sizeof(path), "%s/ids.%d", dir, p);
		total += verify_ids(path, &bad);
	}
	CHECK_MSG(total == NPROC * NPUTS, "%d of %d messages listed", total,
	    NPROC * NPUTS);
	CHECK_MSG(bad == 0, "%d messages missing or not byte for byte", bad);
	CHECK_MSG(count_queue() - before == NPROC * NPUTS, "queue/ holds %d "
	    "new files, want %d", count_queue() - before, NPROC * NPUTS);
}

/* test_failure - an fsync of queue/ that fails fails the put */
static void
test_failure(void)
{
	char err[200], id[SPOOL_ID_MAX];
	struct spool *s = spool_open(dir, err, sizeof(err));
	struct envelope env;
	int rc;

	envelope_init(&env);
	envelope_set_sender(&env, "ann@example.org");
	envelope_add_rcpt(&env, "help@example.net");
	fail_next_sync = 1;
	rc = spool_put(s, &env, "x\r\n", 3, id);
	CHECK_MSG(rc == -1 && errno == EIO, "rc %d errno %d", rc, errno);
	CHECK(spool_put(s, &env, "y\r\n", 3, id) == 0);	/* next round */
	envelope_free(&env);
	spool_close(&s);
}

/* test_remove - spool_delivered does not fsync queue/, spool_remove does */
static void
test_remove(void)
{
	char err[200], a[SPOOL_ID_MAX], b[SPOOL_ID_MAX];
	struct spool *s = spool_open(dir, err, sizeof(err));
	struct envelope env;
	size_t n;

	envelope_init(&env);
	envelope_set_sender(&env, "");
	envelope_add_rcpt(&env, "help@example.net");
	CHECK(spool_put(s, &env, "a\r\n", 3, a) == 0);
	CHECK(spool_put(s, &env, "b\r\n", 3, b) == 0);
	n = nsyncs;
	CHECK(spool_delivered(s, a) == 0);
	CHECK_MSG(nsyncs == n, "spool_delivered fsynced queue/");
	CHECK(spool_delivered(s, a) == -1 && errno == ENOENT);
	CHECK(spool_remove(s, b) == 0);
	CHECK_MSG(nsyncs == n + 1, "spool_remove did not fsync queue/");
	CHECK(spool_delivered(s, "../x") == -1 && errno == EINVAL);
	envelope_free(&env);
	spool_close(&s);
}

int
main(void)
{
	char err[200], q[256];
	struct spool *s;
	struct stat st;

	if (mkdtemp(dir) == NULL)
		return 2;
	if ((s = spool_open(dir, err, sizeof(err))) == NULL) {
		fprintf(stderr, "%s\n", err);
		return 2;
	}
	spool_close(&s);
	snprintf(q, sizeof(q), "%s/queue", dir);
	if (stat(q, &st) < 0)
		return 2;
	queue_ino = st.st_ino;
	queue_dev = st.st_dev;

	test_one_process();
	test_processes();
	test_failure();
	test_remove();

	{
		char cmd[300];

		snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
		if (system(cmd) != 0)
			fprintf(stderr, "cannot remove %s\n", dir);
	}
	return harness_done();
}
