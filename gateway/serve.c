/* serve - `scrubgate serve` start-up and shut-down (see serve.h). */
#include "serve.h"

#include <errno.h>
#include <grp.h>
#include <limits.h>
#include <netdb.h>
#include <pthread.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sysexits.h>
#include <unistd.h>

#include "cli.h"
#include "log.h"
#include "qmgr.h"
#include "smtpd.h"
#include "spool.h"
#include "ticket.h"

/* what serve_qmgr_spawn execs; set by serve_run before any thread */
static char spawn_config[PATH_MAX];
static char *spawn_argv[8];

/* split_listen - "host:port" or "[v6]:port" into its parts */
static int
split_listen(const char *spec, char *host, size_t hlen, char *port,
    size_t plen)
{
	const char *colon;

	if (spec[0] == '[') {
		const char *end = strchr(spec, ']');

		if (end == NULL || end[1] != ':' || (size_t)(end - spec) > hlen)
			return -1;
		snprintf(host, hlen, "%.*s", (int)(end - spec - 1), spec + 1);
		colon = end + 1;
	} else {
		if ((colon = strrchr(spec, ':')) == NULL ||
		    (size_t)(colon - spec) >= hlen)
			return -1;
		snprintf(host, hlen, "%.*s", (int)(colon - spec), spec);
	}
	if (colon[1] == '\0' || strlen(colon + 1) >= plen ||
	    strspn(colon + 1, "0123456789") != strlen(colon + 1))
		return -1;
	snprintf(port, plen, "%s", colon + 1);
	return 0;
}

/* listen_on - a bound, listening, non-blocking socket; -1 with errno */
static int
listen_on(const char *spec, const char **why_r)
{
	struct addrinfo hints = { .ai_flags = AI_PASSIVE | AI_NUMERICSERV,
	    .ai_socktype = SOCK_STREAM }, *ai = NULL;
	char host[256], port[16];
	int fd = -1, one = 1, e;

	*why_r = NULL;
	if (split_listen(spec, host, sizeof(host), port, sizeof(port)) < 0) {
		*why_r = "not host:port";
		return -1;
	}
	if ((e = getaddrinfo(*host ? host : NULL, port, &hints, &ai)) != 0) {
		*why_r = gai_strerror(e);
		return -1;
	}
	if ((fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0)) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    bind(fd, ai->ai_addr, ai->ai_addrlen) < 0 ||
	    listen(fd, 4096) < 0) {
		e = errno;
		if (fd >= 0)
			close(fd);
		fd = -1;
		errno = e;
	}
	freeaddrinfo(ai);
	return fd;
}

/* drop_privileges - to [server] user when root; before any client byte */
static int
drop_privileges(const char *user)
{
	struct passwd *pw;

	if (geteuid() != 0)
		return 0;
	if (user == NULL || *user == '\0') {
		log_msg(LOG_LVL_WARN, "running as root: set [server] user");
		return 0;
	}
	if ((pw = getpwnam(user)) == NULL)
		return cli_fail(EX_NOUSER, "[server] user %s: no such user", user);
	if (initgroups(pw->pw_name, pw->pw_gid) < 0 ||
	    setgid(pw->pw_gid) < 0 || setuid(pw->pw_uid) < 0 ||
	    setuid(0) == 0)
		return cli_fail(EX_OSERR, "cannot switch to user %s: %s", user,
		    strerror(errno));
	return 0;
}

/* raise_nofile - one descriptor per session: take what we may */
static void
raise_nofile(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		(void)setrlimit(RLIMIT_NOFILE, &rl);
	}
}

/* start_qmgr - the delivery queue manager as a child; its pid, 0 when
 * not wanted (--no-deliver), -1 on failure */
static int
start_qmgr(const struct serve_opts *o, struct smtpd_gen *g, struct spool *s)
{
	if (o->no_qmgr)
		return 0;
	return qmgr_start(&g->cfg, s);
}

/* spawn_prepare - the argument vector of `serve --qmgr-child` */
static void
spawn_prepare(const char *cfg, int to_syslog)
{
	int n = 0;

	spawn_argv[n++] = "scrubgate";
	spawn_argv[n++] = "serve";
	spawn_argv[n++] = "--qmgr-child";
	if (cfg != NULL) {
		snprintf(spawn_config, sizeof(spawn_config), "%s", cfg);
		spawn_argv[n++] = "-c";
		spawn_argv[n++] = spawn_config;
	}
	if (to_syslog)
		spawn_argv[n++] = "--syslog";
	spawn_argv[n] = NULL;
}

/* serve_qmgr_spawn - see serve.h.  Between fork and exec only
 * async-signal-safe calls: another thread may hold any lock. */
int
serve_qmgr_spawn(void)
{
	pid_t parent = getpid(), pid;
	sigset_t set, old;

	/* kicks wait for its loop, a reload is not its business; SIGTERM
	 * stops it at once while it waits for the old one's lock.  Blocked
	 * before the fork: a kick may come before the child runs at all */
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGUSR2);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &set, &old);
	if ((pid = fork()) != 0) {
		pthread_sigmask(SIG_SETMASK, &old, NULL);
		return pid;
	}
	sigprocmask(SIG_SETMASK, &set, NULL);
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	if (getppid() != parent)	/* the server died before prctl */
		_exit(EX_OK);
	(void)close_range(3, ~0U, 0);	/* the listener above all */
	execv("/proc/self/exe", spawn_argv);
	_exit(EX_OSERR);
}

/* qmgr_child - `serve --qmgr-child`: the queue manager alone, on the
 * configuration as the server checked it (same loader) */
static int
qmgr_child(const char *cfg, int to_syslog)
{
	char err[600];
	struct smtpd_gen *g;
	struct spool *sp;
	int rc;

	log_open("qmgr", to_syslog);
	if ((g = smtpd_gen_load(cfg, err, sizeof(err))) == NULL) {
		log_msg(LOG_LVL_ERR, "queue manager not started: %s", err);
		return EX_CONFIG;
	}
	log_configure(&g->cfg);
	if ((sp = spool_open(g->spool_dir, err, sizeof(err))) == NULL) {
		log_msg(LOG_LVL_ERR, "queue manager not started: %s", err);
		smtpd_gen_unref(&g);
		return EX_CANTCREAT;
	}
	rc = qmgr_loop(&g->cfg, sp) == 0 ? EX_OK : EX_SOFTWARE;
	spool_close(&sp);
	smtpd_gen_unref(&g);
	return rc;
}

/* serve_run - see serve.h */
int
serve_run(const struct serve_opts *o)
{
	char err[600], path[PATH_MAX];
	const char *cfg = o->config, *why;
	struct smtpd_gen *g;
	struct ticket_ctx *t;
	struct spool *sp;
	int lfd, rc, qpid;

	if (cfg != NULL && realpath(cfg, path) != NULL)
		cfg = path;	/* SIGHUP re-reads it whatever the cwd */
	if (o->qmgr_child)
		return qmgr_child(cfg, o->syslog);
	spawn_prepare(cfg, o->syslog);
	log_open("smtpd", o->syslog);
	signal(SIGPIPE, SIG_IGN);
	if ((g = smtpd_gen_load(cfg, err, sizeof(err))) == NULL)
		return cli_fail(EX_CONFIG, "%s", err);
	log_configure(&g->cfg);
	raise_nofile();
	if ((lfd = listen_on(g->cfg.server.listen, &why)) < 0) {
		rc = cli_fail(EX_UNAVAILABLE, "listen %s: %s", g->cfg.server.listen,
		    why ? why : strerror(errno));
		smtpd_gen_unref(&g);
		return rc;
	}
	if ((rc = drop_privileges(g->cfg.server.user)) != 0) {
		close(lfd);
		smtpd_gen_unref(&g);
		return rc;
	}
	if ((sp = spool_open(g->spool_dir, err, sizeof(err))) == NULL) {
		close(lfd);
		smtpd_gen_unref(&g);
		return cli_fail(EX_CANTCREAT, "%s", err);
	}
	if ((t = ticket_open(&g->cfg, err, sizeof(err))) == NULL) {
		spool_close(&sp);
		close(lfd);
		smtpd_gen_unref(&g);
		return cli_fail(EX_CANTCREAT, "%s", err);
	}
	ticket_close(&t);	/* each pool slot opens its own */
	if ((qpid = start_qmgr(o, g, sp)) < 0) {
		spool_close(&sp);
		close(lfd);
		smtpd_gen_unref(&g);
		return cli_fail(EX_OSERR, "cannot start the queue manager");
	}
	rc = smtpd_run(lfd, g, cfg, qpid);
	spool_close(&sp);
	smtpd_gen_unref(&g);
	return rc;
}
