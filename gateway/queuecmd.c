/* queuecmd - `scrubgate queue`; see queuecmd.h. */
#include "queuecmd.h"

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "log.h"
#include "qmgr.h"
#include "spool.h"

/* span - "3d4h", "12m", "40s" for a number of seconds */
static const char *
span(long long s, char *buf, size_t size)
{
	if (s < 0)
		s = 0;
	if (s >= 86400)
		snprintf(buf, size, "%lldd%lldh", s / 86400, s % 86400 / 3600);
	else if (s >= 3600)
		snprintf(buf, size, "%lldh%lldm", s / 3600, s % 3600 / 60);
	else if (s >= 60)
		snprintf(buf, size, "%lldm", s / 60);
	else
		snprintf(buf, size, "%llds", s);
	return buf;
}

/* list - one line per queued message */
static int
list(struct spool *s)
{
	struct spool_entry *v;
	size_t n;
	time_t now = time(NULL);
	char age[32], next[32];

	if (spool_list(s, &v, &n) < 0) {
		fprintf(stderr, "scrubgate: queue: %s: %s\n", spool_dir(s),
		    strerror(errno));
		return EX_IOERR;
	}
	if (n == 0) {
		printf("queue is empty\n");
		spool_list_free(v, n);
		return EX_OK;
	}
	printf("%-24s %-7s %-8s %-8s %-5s %s\n", "ID", "AGE", "ATTEMPTS",
	    "NEXT", "RCPTS", "LAST ERROR");
	for (size_t i = 0; i < n; i++) {
		if (v[i].next_try <= now)
			snprintf(next, sizeof(next), "now");
		else
			span(v[i].next_try - now, next, sizeof(next));
		printf("%-24s %-7s %-8u %-8s %-5zu %s\n", v[i].id,
		    span(now - v[i].arrival, age, sizeof(age)), v[i].attempts,
		    next, v[i].env.nrcpts, v[i].last_error[0] ?
		    v[i].last_error : "-");
	}
	printf("-- %zu message%s\n", n, n == 1 ? "" : "s");
	spool_list_free(v, n);
	return EX_OK;
}

/* flush - ask the running qmgr, or deliver here */
static int
flush(const struct config *c, struct spool *s)
{
	pid_t pid = qmgr_running(s);
	int n;

	if (pid > 0) {
		kill(pid, SIGUSR2);
		printf("queue flush: asked the queue manager (pid %ld)\n",
		    (long)pid);
		return EX_OK;
	}
	log_open("queue", 0);
	log_configure(c);
	if ((n = qmgr_run_once(c, s, 1)) < 0) {
		fprintf(stderr, "scrubgate: queue flush: %s: %s\n",
		    spool_dir(s), strerror(errno));
		return EX_IOERR;
	}
	printf("queue flush: %d message%s attempted\n", n, n == 1 ? "" : "s");
	return EX_OK;
}

/* delete - remove the named messages */
static int
delete(struct spool *s, int argc, char **argv)
{
	int rc = EX_OK;

	if (argc == 0) {
		fprintf(stderr, "scrubgate: queue delete: ID missing\n");
		return EX_USAGE;
	}
	for (int i = 0; i < argc; i++) {
		if (spool_remove(s, argv[i]) < 0) {
			fprintf(stderr, "scrubgate: queue delete: %s: %s\n",
			    argv[i], errno == ENOENT || errno == EINVAL ?
			    "no such message in the queue" : strerror(errno));
			rc = errno == ENOENT || errno == EINVAL ? EX_NOINPUT :
			    EX_IOERR;
			continue;
		}
		printf("%s: deleted\n", argv[i]);
	}
	return rc;
}

/* queuecmd_main - parse, open the spool, act */
int
queuecmd_main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ NULL, 0, NULL, 0 }
	};
	const char *path = NULL, *verb = "list";
	struct config c;
	struct spool *s = NULL;
	char err[512], *dir = NULL;
	int ch, rc;

	while ((ch = getopt_long(argc, argv, "c:", longopts, NULL)) != -1) {
		if (ch != 'c') {
			fprintf(stderr, "usage: scrubgate queue [-c CONF] "
			    "[list | flush | delete ID...]\n");
			return EX_USAGE;
		}
		path = optarg;
	}
	if (optind < argc)
		verb = argv[optind++];
	if (strcmp(verb, "list") != 0 && strcmp(verb, "flush") != 0 &&
	    strcmp(verb, "delete") != 0) {
		fprintf(stderr, "scrubgate: queue: unknown command '%s' "
		    "(list, flush, delete ID...)\n", verb);
		return EX_USAGE;
	}
	if (strcmp(verb, "delete") != 0 && optind != argc) {
		fprintf(stderr, "scrubgate: queue %s: unexpected argument\n",
		    verb);
		return EX_USAGE;
	}
	if (config_init(&c) < 0 || (path != NULL && config_load(&c, path) < 0)) {
		fprintf(stderr, "scrubgate: %s\n", c.error[0] ? c.error :
		    "out of memory");
		config_free(&c);
		return EX_CONFIG;
	}
	if ((dir = config_path(&c, c.delivery.spool)) == NULL ||
	    (s = spool_open(dir, err, sizeof(err))) == NULL) {
		fprintf(stderr, "scrubgate: queue: %s\n", dir ? err :
		    "out of memory");
		free(dir);
		config_free(&c);
		return EX_IOERR;
	}
	if (strcmp(verb, "list") == 0)
		rc = list(s);
	else if (strcmp(verb, "flush") == 0)
		rc = flush(&c, s);
	else
		rc = delete(s, argc - optind, argv + optind);
	spool_close(&s);
	free(dir);
	config_free(&c);
	return rc;
}
