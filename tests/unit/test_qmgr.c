/* test_qmgr - the queue manager process: restart safety (what is in the
 * spool when it starts is delivered), new mail on a kick, a failing hop
 * keeps the message with a retry time, SIGTERM ends it cleanly; the
 * backoff schedule; qmgr_run_once with more messages than slots. */
#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "harness.h"
#include "log.h"
#include "qmgr.h"
#include "spool.h"

static char dir[] = "/tmp/test_qmgr.XXXXXX";

/* count - regular files in dir/sub */
static int
count(const char *sub)
{
	char p[300];
	DIR *d;
	struct dirent *de;
	int n = 0;

	snprintf(p, sizeof(p), "%s/%s", dir, sub);
	if ((d = opendir(p)) == NULL)
		return 0;
	while ((de = readdir(d)) != NULL)
		if (de->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

/* wait_count - poll (up to 20 s) until dir/sub holds n files */
static int
wait_count(const char *sub, int n)
{
	for (int i = 0; i < 2000; i++) {
		if (count(sub) == n)
			return 1;
		usleep(10000);
	}
	return 0;
}

/* put - one message for route */
static void
put(struct spool *s, const char *route)
{
	struct envelope e;
	char id[SPOOL_ID_MAX];

	envelope_init(&e);
	envelope_set_sender(&e, "a@example.org");
	envelope_add_rcpt(&e, "b@example.net");
	e.route = strdup(route);
	if (spool_put(s, &e, "Subject: q\r\n\r\nx\r\n", 17, id) < 0)
		fprintf(stderr, "spool_put failed\n");
	envelope_free(&e);
}

int
main(void)
{
	struct config c;
	struct spool *s;
	char conf[1024], err[256], pidf[300];
	pid_t pid;
	int st = 0;

	if (mkdtemp(dir) == NULL || config_init(&c) < 0)
		return 2;
	snprintf(conf, sizeof(conf),
	    "[delivery]\nspool = %s/spool\nconcurrency = 2\n"
	    "min_backoff = 1m\nmax_backoff = 10m\n"
	    "[route md]\nnext_hop = maildir:%s/Maildir\n"
	    "[route broken]\nnext_hop = maildir:/proc/nonexistent/Maildir\n",
	    dir, dir);
	CHECK(config_parse(&c, "t.conf", conf, strlen(conf)) == 0);
	CHECK(qmgr_backoff(&c, 1) == 60 && qmgr_backoff(&c, 2) == 120 &&
	    qmgr_backoff(&c, 4) == 480 && qmgr_backoff(&c, 5) == 600 &&
	    qmgr_backoff(&c, 60) == 600);
	snprintf(conf, sizeof(conf), "%s/spool", dir);
	s = spool_open(conf, err, sizeof(err));
	CHECK(s != NULL);
	if (s == NULL)
		return harness_done();
	log_open("test", 0);

	/* restart safety: mail already spooled goes out on start */
	for (int i = 0; i < 5; i++)
		put(s, "md");
	pid = qmgr_start(&c, s);
	CHECK(pid > 0);
	CHECK(wait_count("Maildir/new", 5));
	CHECK(wait_count("spool/queue", 0));
	snprintf(pidf, sizeof(pidf), "%s/spool/qmgr.pid", dir);
	CHECK(access(pidf, F_OK) == 0);

	/* new mail on a kick */
	put(s, "md");
	qmgr_kick(pid);
	CHECK(wait_count("Maildir/new", 6));

	/* a failing hop: stays, with an attempt and a later next try */
	put(s, "broken");
	qmgr_kick(pid);
	{
		struct spool_entry *v = NULL;
		size_t n = 0;
		int ok = 0;

		for (int i = 0; i < 2000 && !ok; i++) {
			spool_list(s, &v, &n);
			ok = n == 1 && v[0].attempts == 1;
			if (ok) {
				CHECK(v[0].next_try >= v[0].arrival + 59);
				CHECK(strstr(v[0].last_error, "451 4.3.0") != NULL);
			}
			spool_list_free(v, n);
			if (!ok)
				usleep(10000);
		}
		CHECK(ok);
	}
	kill(pid, SIGTERM);
	CHECK(waitpid(pid, &st, 0) == pid && WIFEXITED(st) &&
	    WEXITSTATUS(st) == 0);
	CHECK(access(pidf, F_OK) < 0);
	CHECK(count("spool/queue") == 1);

	/* run_once: more messages than slots, all delivered; the broken one
	 * is tried again only when forced */
	for (int i = 0; i < 7; i++)
		put(s, "md");
	CHECK(qmgr_run_once(&c, s, 0) == 7);
	CHECK(count("Maildir/new") == 13);
	CHECK(count("spool/queue") == 1);
	CHECK(qmgr_run_once(&c, s, 0) == 0);
	CHECK(qmgr_run_once(&c, s, 1) == 1);
	CHECK(count("spool/queue") == 1);

	/* one queue manager per spool: while another holds the lock,
	 * run_once leaves the spool alone */
	{
		char lp[300];
		int lk;

		snprintf(lp, sizeof(lp), "%s/spool/qmgr.lock", dir);
		lk = open(lp, O_RDWR | O_CREAT, 0600);
		CHECK(lk >= 0 && flock(lk, LOCK_EX) == 0);
		put(s, "md");
		CHECK(qmgr_run_once(&c, s, 0) == 0);
		CHECK(count("spool/queue") == 2);
		close(lk);
		CHECK(qmgr_run_once(&c, s, 0) == 1);
		CHECK(count("Maildir/new") == 14);
		CHECK(count("spool/queue") == 1);
	}

	/* the server dies (kill -9): its queue manager goes too */
	{
		int gone = 0;
		pid_t mid = fork(), q = 0;

		if (mid == 0) {
			qmgr_start(&c, s);
			pause();
			_exit(0);
		}
		for (int i = 0; i < 2000 && access(pidf, F_OK) < 0; i++)
			usleep(10000);
		{
			FILE *f = fopen(pidf, "r");
			long v = 0;

			if (f != NULL && fscanf(f, "%ld", &v) == 1)
				q = (pid_t)v;
			if (f != NULL)
				fclose(f);
		}
		CHECK(q > 0);
		kill(mid, SIGKILL);
		waitpid(mid, NULL, 0);
		for (int i = 0; i < 2000 && !gone; i++) {
			gone = q > 0 && kill(q, 0) < 0;
			usleep(10000);
		}
		CHECK_MSG(gone, "queue manager %ld outlived its server", (long)q);
	}

	spool_close(&s);
	config_free(&c);
	snprintf(conf, sizeof(conf), "rm -rf %s", dir);
	if (system(conf) != 0)
		return 2;
	return harness_done();
}
