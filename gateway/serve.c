/* serve - `scrubgate serve` start-up and shut-down (see serve.h). */
#include "serve.h"

#include <errno.h>
#include <grp.h>
#include <limits.h>
#include <netdb.h>
#include <pwd.h>
#include <stdarg.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sysexits.h>
#include <unistd.h>

#include "log.h"
#include "qmgr.h"
#include "smtpd.h"
#include "spool.h"
#include "ticket.h"

/* fail - one line on stderr, the exit code */
static int __attribute__((format(printf, 2, 3)))
fail(int code, const char *fmt, ...)
{
	va_list ap;

	fputs("scrubgate: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return code;
}

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
		return fail(EX_NOUSER, "[server] user %s: no such user", user);
	if (initgroups(pw->pw_name, pw->pw_gid) < 0 ||
	    setgid(pw->pw_gid) < 0 || setuid(pw->pw_uid) < 0 ||
	    setuid(0) == 0)
		return fail(EX_OSERR, "cannot switch to user %s: %s", user,
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
	log_open("smtpd", o->syslog);
	signal(SIGPIPE, SIG_IGN);
	if ((g = smtpd_gen_load(cfg, err, sizeof(err))) == NULL)
		return fail(EX_CONFIG, "%s", err);
	log_configure(&g->cfg);
	raise_nofile();
	if ((lfd = listen_on(g->cfg.server.listen, &why)) < 0) {
		rc = fail(EX_UNAVAILABLE, "listen %s: %s", g->cfg.server.listen,
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
		return fail(EX_CANTCREAT, "%s", err);
	}
	if ((t = ticket_open(&g->cfg, err, sizeof(err))) == NULL) {
		spool_close(&sp);
		close(lfd);
		smtpd_gen_unref(&g);
		return fail(EX_CANTCREAT, "%s", err);
	}
	ticket_close(&t);	/* each pool slot opens its own */
	if ((qpid = start_qmgr(o, g, sp)) < 0) {
		spool_close(&sp);
		close(lfd);
		smtpd_gen_unref(&g);
		return fail(EX_OSERR, "cannot start the queue manager");
	}
	rc = smtpd_run(lfd, g, cfg, qpid);
	spool_close(&sp);
	smtpd_gen_unref(&g);
	return rc;
}
