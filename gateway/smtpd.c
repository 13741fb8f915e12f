/* smtpd - the event loop of `scrubgate serve` (see smtpd.h).
 *
 * Level-triggered epoll over: the listening socket, every client socket,
 * the pool's eventfd and a signalfd (SIGTERM, SIGINT, SIGHUP).  Each
 * connection asks for EPOLLIN while its session wants input and for
 * EPOLLOUT while replies (or a TLS handshake) wait to be written, so a
 * slow reader or a slow writer costs one descriptor and some memory,
 * never the loop's time.  Once a second a sweep closes sessions past
 * [server] idle_timeout or session_timeout.
 *
 * TLS: after "220 Ready to start TLS" is written in the clear, the
 * connection gets an SSL object and the handshake runs non-blocking;
 * from then on every byte goes through SSL_read/SSL_write.  A TLS read
 * or write may need the other direction (WANT_READ/WANT_WRITE): both are
 * simply retried on either event.
 *
 * SIGTERM: the listener is closed; idle sessions get 421 at once, those
 * in a transaction may finish it for [server] shutdown_timeout, then get
 * 421 too; the loop ends when no session and no job is left.
 * SIGHUP: a new generation is loaded; on error it is logged and the old
 * one stays.  When it loads, the queue manager is restarted on it too
 * (serve_qmgr_spawn): the old one gets SIGTERM, lets the deliveries in
 * flight end and exits; the new one waits for its spool lock and then
 * takes the whole queue, so mail queued before the reload goes to the
 * new next hops as well.  The old ones are reaped by the sweep; a queue
 * manager that ends by itself is started again after QMGR_RESPAWN s.
 *
 * Memory: the message data of every session and of every job not yet
 * answered is charged to one struct smtp_budget ([server] max_buffered,
 * see smtp_session.h); a job's charge is given back when the loop frees
 * it.  Only this thread touches the budget.
 */
#include "smtpd.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "log.h"

#include "qmgr.h"
#include "serve.h"

#define READ_CHUNK 16384

enum tls_state { TLS_NONE, TLS_FLUSH, TLS_HANDSHAKE, TLS_ON };

struct conn {
	struct conn *prev, *next;
	unsigned long id;
	int fd;
	unsigned mask;			/* events registered with epoll */
	struct smtpd_gen *gen;
	struct smtp_session *s;
	SSL *ssl;
	enum tls_state tls;
	char addr[64];
	time_t start, last;
	int job;			/* a message is in the pool */
	int closing;			/* flush, then close */
	int eof;			/* the client closed its side */
	int hs_write;			/* the handshake waits to write */
	int dead;			/* close now */
};

struct loop {
	int ep, lfd, sfd, pfd;
	struct smtpd_gen *gen;		/* current generation */
	const char *config_path;
	struct smtpd_pool *pool;
	struct conn *conns;
	unsigned nconns;
	unsigned long next_id;
	int stopping;
	time_t stop_deadline;
	time_t accept_pause;
	int qmgr_pid;			/* the current queue manager, or 0 */
	int qmgr_wanted;		/* one is run (not --no-deliver) */
	int qmgr_old[8];		/* told to stop, not yet reaped */
	unsigned nqmgr_old;
	time_t qmgr_respawn;		/* start one at this time, 0: no */
	int kick;			/* new mail the qmgr was not told of */
	struct timespec last_kick;
	struct smtp_budget budget;	/* [server] max_buffered */
	unsigned long refused_logged;	/* budget.refused at the last log */
};

#define KICK_INTERVAL_MS 200	/* a kick makes the qmgr rescan the spool */
#define QMGR_RESPAWN 5		/* s before a vanished qmgr is replaced */

/* tag values for the non-connection descriptors in epoll data */
static char tag_listen, tag_signal, tag_pool;

/* set_mask - the epoll interest of a connection */
static void
set_mask(struct loop *l, struct conn *c, unsigned mask)
{
	struct epoll_event ev = { .events = mask, .data.ptr = c };

	if (mask == c->mask)
		return;
	if (epoll_ctl(l->ep, EPOLL_CTL_MOD, c->fd, &ev) == 0)
		c->mask = mask;
}

/* conn_free - close and forget a connection */
static void
conn_free(struct loop *l, struct conn *c)
{
	log_msg(LOG_LVL_INFO, "disconnect from unknown[%s] messages=%u",
	    c->addr, c->s ? smtp_session_messages(c->s) : 0);
	epoll_ctl(l->ep, EPOLL_CTL_DEL, c->fd, NULL);
	if (c->ssl != NULL) {
		(void)SSL_shutdown(c->ssl);
		SSL_free(c->ssl);
	}
	close(c->fd);
	smtp_session_destroy(&c->s);
	smtpd_gen_unref(&c->gen);
	if (c->prev)
		c->prev->next = c->next;
	else
		l->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	l->nconns--;
	free(c);
}

/* conn_write - send queued replies; 0 ok/again, -1 broken */
static int
conn_write(struct conn *c)
{
	size_t n;
	const char *p;

	while ((p = smtp_session_output(c->s, &n)), n > 0) {
		ssize_t w;

		if (c->ssl != NULL) {
			int r;

			ERR_clear_error();
			if ((r = SSL_write(c->ssl, p, (int)(n > 65536 ? 65536 :
			    n))) <= 0) {
				int e = SSL_get_error(c->ssl, r);

				return e == SSL_ERROR_WANT_READ ||
				    e == SSL_ERROR_WANT_WRITE ? 0 : -1;
			}
			w = r;
		} else if ((w = send(c->fd, p, n, MSG_NOSIGNAL)) < 0) {
			return errno == EAGAIN || errno == EINTR ? 0 : -1;
		}
		smtp_session_consumed(c->s, (size_t)w);
	}
	return 0;
}

/* handshake - drive the TLS handshake; 0 going on or done, -1 failed */
static int
handshake(struct conn *c)
{
	int r, e;

	ERR_clear_error();
	if ((r = SSL_accept(c->ssl)) == 1) {
		c->tls = TLS_ON;
		smtp_session_tls_started(c->s);
		c->last = time(NULL);
		log_msg(LOG_LVL_INFO, "TLS established from unknown[%s]: %s "
		    "with cipher %s", c->addr, SSL_get_version(c->ssl),
		    SSL_get_cipher_name(c->ssl));
		return 0;
	}
	e = SSL_get_error(c->ssl, r);
	c->hs_write = e == SSL_ERROR_WANT_WRITE;
	if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE)
		return 0;
	log_msg(LOG_LVL_INFO, "TLS handshake failed from unknown[%s]: %s",
	    c->addr, ERR_reason_error_string(ERR_peek_last_error()) ?
	    ERR_reason_error_string(ERR_peek_last_error()) : "connection lost");
	return -1;
}

/* start_tls - the 220 went out: begin the handshake */
static int
start_tls(struct conn *c)
{
	if ((c->ssl = SSL_new(c->gen->tls)) == NULL ||
	    SSL_set_fd(c->ssl, c->fd) != 1)
		return -1;
	c->tls = TLS_HANDSHAKE;
	return handshake(c);
}

/* submit - the session has a message: hand it to the pool */
static void
submit(struct loop *l, struct conn *c)
{
	struct smtpd_job *j = calloc(1, sizeof(*j));
	struct envelope *e = smtp_session_envelope(c->s);

	if (j == NULL) {
		smtp_session_reply(c->s, "451 4.3.0 Error: out of memory");
		return;
	}
	memcpy(&j->env, e, sizeof(*e));	/* taken over */
	envelope_init(e);
	j->msg = buf_detach(smtp_session_data(c->s), &j->len);
	j->charged = smtp_session_take_charge(c->s);
	j->gen = c->gen;
	smtpd_gen_ref(j->gen);
	j->conn_id = c->id;
	j->trusted = smtpd_gen_trusted(c->gen, c->addr);
	c->job = 1;
	smtpd_pool_submit(l->pool, j);
}

/* conn_process - run the session over its input and act on events */
static void
conn_process(struct loop *l, struct conn *c)
{
	for (;;) {
		switch (smtp_session_process(c->s)) {
		case SMTP_EV_NONE:
			return;
		case SMTP_EV_MESSAGE:
			submit(l, c);
			return;
		case SMTP_EV_STARTTLS:
			c->tls = TLS_FLUSH;
			return;
		case SMTP_EV_CLOSE:
			c->closing = 1;
			return;
		}
	}
}

/* readable - would we read now */
static int
readable(const struct conn *c)
{
	return !c->job && !c->closing && !c->eof && !c->dead &&
	    (c->tls == TLS_NONE || c->tls == TLS_ON) &&
	    smtp_session_want_input(c->s);
}

/* read_some - one read; >0 bytes, 0 would block, -1 error, -2 EOF */
static ssize_t
read_some(struct conn *c, char *buf, size_t n)
{
	ssize_t r;

	if (c->ssl != NULL) {
		int k, e;

		ERR_clear_error();
		if ((k = SSL_read(c->ssl, buf, (int)n)) > 0)
			return k;
		e = SSL_get_error(c->ssl, k);
		if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE)
			return 0;
		return e == SSL_ERROR_ZERO_RETURN ? -2 : -1;
	}
	if ((r = recv(c->fd, buf, n, 0)) > 0)
		return r;
	if (r == 0)
		return -2;
	return errno == EAGAIN || errno == EINTR ? 0 : -1;
}

/* conn_input - read, feed and run the session, a bounded number of
 * rounds (level-triggered epoll brings us back for the rest) */
static void
conn_input(struct loop *l, struct conn *c)
{
	char buf[READ_CHUNK];

	for (int round = 0; round < 8 && readable(c); round++) {
		ssize_t n = read_some(c, buf, sizeof(buf));

		if (n == 0)
			break;
		if (n == -2) {
			c->eof = 1;
			break;
		}
		if (n < 0 || smtp_session_feed(c->s, buf, (size_t)n) < 0) {
			c->dead = 1;
			return;
		}
		c->last = time(NULL);
		conn_process(l, c);
	}
	if (c->eof && !c->job)
		c->closing = 1;
}

/* conn_update - after any activity: write, maybe start TLS, set the
 * epoll interest or close */
static void
conn_update(struct loop *l, struct conn *c)
{
	size_t out;
	unsigned mask = 0;

	if (!c->dead && c->tls != TLS_HANDSHAKE && conn_write(c) < 0)
		c->dead = 1;
	(void)smtp_session_output(c->s, &out);
	if (!c->dead && c->tls == TLS_FLUSH && out == 0 && start_tls(c) < 0)
		c->dead = 1;
	if (!c->dead && c->closing && out == 0)
		c->dead = 1;
	if (c->dead) {
		conn_free(l, c);
		return;
	}
	if (c->tls == TLS_HANDSHAKE)
		mask = c->hs_write ? EPOLLOUT : EPOLLIN;
	else {
		if (out > 0)
			mask |= EPOLLOUT;
		if (readable(c))
			mask |= EPOLLIN;
	}
	set_mask(l, c, mask);
}

/* conn_event - epoll says the socket is ready */
static void
conn_event(struct loop *l, struct conn *c, unsigned events)
{
	if (c->tls == TLS_HANDSHAKE && handshake(c) < 0)
		c->dead = 1;
	/* always: a TLS record may already hold client data */
	conn_input(l, c);
	/* reset or fully closed: nobody to answer, even with a job out
	 * (its result is then only logged) */
	if (events & (EPOLLERR | EPOLLHUP))
		c->dead = 1;
	conn_update(l, c);
}

/* count_ip - sessions open from one address */
static unsigned
count_ip(const struct loop *l, const char *addr)
{
	unsigned n = 0;

	for (const struct conn *c = l->conns; c; c = c->next)
		n += strcmp(c->addr, addr) == 0;
	return n;
}

/* peer_addr - the textual IP of a socket address */
static void
peer_addr(const struct sockaddr_storage *ss, char *buf, size_t n)
{
	const void *a = ss->ss_family == AF_INET6 ?
	    (const void *)&((const struct sockaddr_in6 *)ss)->sin6_addr :
	    (const void *)&((const struct sockaddr_in *)ss)->sin_addr;

	if (inet_ntop(ss->ss_family, a, buf, (socklen_t)n) == NULL)
		snprintf(buf, n, "unknown");
	if (strncmp(buf, "::ffff:", 7) == 0 && strchr(buf, '.') != NULL)
		memmove(buf, buf + 7, strlen(buf + 7) + 1);
}

/* refuse - one line to a client we will not serve, then close */
static void
refuse(int fd, const char *line)
{
	(void)send(fd, line, strlen(line), MSG_NOSIGNAL | MSG_DONTWAIT);
	close(fd);
}

/* accept_one - a new client; 0, or -1 when no more are waiting */
static int
accept_one(struct loop *l)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	struct epoll_event ev;
	struct conn *c;
	char addr[64];
	int fd;

	if ((fd = accept4(l->lfd, (struct sockaddr *)&ss, &sl,
	    SOCK_NONBLOCK | SOCK_CLOEXEC)) < 0) {
		if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS ||
		    errno == ENOMEM) {
			log_msg(LOG_LVL_WARN, "accept: %s; pausing",
			    strerror(errno));
			epoll_ctl(l->ep, EPOLL_CTL_DEL, l->lfd, NULL);
			l->accept_pause = time(NULL) + 1;
		}
		return -1;
	}
	peer_addr(&ss, addr, sizeof(addr));
	if (l->nconns >= l->gen->cfg.server.max_connections ||
	    count_ip(l, addr) >= l->gen->cfg.server.max_connections_per_ip) {
		log_msg(LOG_LVL_WARN, "refused: too many connections "
		    "(unknown[%s])", addr);
		refuse(fd, "421 4.7.0 Error: too many connections, try again "
		    "later\r\n");
		return 0;
	}
	if ((c = calloc(1, sizeof(*c))) == NULL) {
		refuse(fd, "421 4.3.0 Error: out of memory\r\n");
		return 0;
	}
	c->fd = fd;
	c->id = ++l->next_id;
	c->gen = l->gen;
	smtpd_gen_ref(c->gen);
	snprintf(c->addr, sizeof(c->addr), "%s", addr);
	c->start = c->last = time(NULL);
	{
		struct smtp_params p = c->gen->params;

		p.trusted = smtpd_gen_trusted(c->gen, addr);
		p.budget = &l->budget;
		c->s = smtp_session_create(&p, addr, NULL);
	}
	ev.events = EPOLLOUT;
	ev.data.ptr = c;
	if (c->s == NULL || epoll_ctl(l->ep, EPOLL_CTL_ADD, fd, &ev) < 0) {
		smtp_session_destroy(&c->s);
		smtpd_gen_unref(&c->gen);
		free(c);
		refuse(fd, "421 4.3.0 Error: out of resources\r\n");
		return 0;
	}
	c->mask = EPOLLOUT;
	if ((c->next = l->conns) != NULL)
		c->next->prev = c;
	l->conns = c;
	l->nconns++;
	log_msg(LOG_LVL_INFO, "connect from unknown[%s]", addr);
	smtp_session_greet(c->s);
	conn_update(l, c);
	return 0;
}

/* find_conn - by id (a job outlives a connection that dropped) */
static struct conn *
find_conn(struct loop *l, unsigned long id)
{
	for (struct conn *c = l->conns; c; c = c->next)
		if (c->id == id)
			return c;
	return NULL;
}

/* jobs_done - replies for finished jobs */
static void
jobs_done(struct loop *l)
{
	struct smtpd_job *j;
	int kicked = 0;

	while ((j = smtpd_pool_done(l->pool)) != NULL) {
		struct conn *c = find_conn(l, j->conn_id);
		char from[LOG_ADDR_MAX];

		if (j->qid[0]) {
			log_msg(LOG_LVL_INFO, "%s: client=unknown[%s]", j->qid,
			    j->env.client_addr);
			log_msg(LOG_LVL_INFO, "%s: from=<%s>, size=%zu, "
			    "nrcpt=%zu (queue active)", j->qid,
			    log_addr(j->env.sender ? j->env.sender : "", from),
			    j->out_len, j->env.nrcpts);
			kicked = 1;
		}
		if (c != NULL) {
			c->job = 0;
			c->last = time(NULL);
			smtp_session_reply(c->s, j->reply);
			if (l->stopping && smtp_session_idle(c->s))
				smtp_session_shutdown(c->s, "421 4.3.2 Service "
				    "shutting down, closing transmission "
				    "channel");
			conn_process(l, c);
			conn_input(l, c);	/* TLS may hold read data */
			if (c->eof && !c->job)
				c->closing = 1;
			conn_update(l, c);
		} else if (j->qid[0])
			log_msg(LOG_LVL_WARN, "%s: client gone before the "
			    "reply; it may send the message again", j->qid);
		smtp_budget_give(&l->budget, j->charged);
		smtpd_job_free(&j);
	}
	if (kicked)
		l->kick = 1;
}

/* ms_since - milliseconds from *t to now */
static long long
ms_since(const struct timespec *t)
{
	struct timespec n;

	clock_gettime(CLOCK_MONOTONIC, &n);
	return (n.tv_sec - t->tv_sec) * 1000LL + (n.tv_nsec - t->tv_nsec) /
	    1000000;
}

/* kick_qmgr - tell the queue manager about new mail, at most every
 * KICK_INTERVAL_MS (each kick is a rescan of the whole spool); returns
 * the epoll timeout to use */
static int
kick_qmgr(struct loop *l)
{
	long long since;

	if (!l->kick)
		return 1000;
	if ((since = ms_since(&l->last_kick)) < KICK_INTERVAL_MS)
		return (int)(KICK_INTERVAL_MS - since);
	if (l->qmgr_pid > 0)
		qmgr_kick(l->qmgr_pid);
	l->kick = 0;
	clock_gettime(CLOCK_MONOTONIC, &l->last_kick);
	return 1000;
}

/* restart_qmgr - the queue manager on the configuration just loaded:
 * a new one first (if that fails the old one goes on), then the old one
 * is told to stop after the deliveries it has in flight */
static void
restart_qmgr(struct loop *l)
{
	int pid;

	if (!l->qmgr_wanted)
		return;
	if (l->nqmgr_old == sizeof(l->qmgr_old) / sizeof(l->qmgr_old[0])) {
		log_msg(LOG_LVL_ERR, "reload: queue manager not restarted: "
		    "%u old ones are still finishing", l->nqmgr_old);
		return;
	}
	if ((pid = serve_qmgr_spawn()) < 0) {
		log_msg(LOG_LVL_ERR, "reload: cannot start a queue manager "
		    "(%s); the running one keeps the old configuration",
		    strerror(errno));
		return;
	}
	if (l->qmgr_pid > 0) {
		kill(l->qmgr_pid, SIGTERM);
		l->qmgr_old[l->nqmgr_old++] = l->qmgr_pid;
		log_msg(LOG_LVL_INFO, "reload: queue manager %d finishes its "
		    "deliveries, %d takes over", l->qmgr_pid, pid);
	}
	l->qmgr_pid = pid;	/* it scans the whole spool when it starts */
	l->qmgr_respawn = 0;
}

/* reap_qmgrs - collect old queue managers that have ended; notice the
 * current one ending, and start a new one QMGR_RESPAWN s later */
static void
reap_qmgrs(struct loop *l, time_t now)
{
	int st;

	for (unsigned i = 0; i < l->nqmgr_old;)
		if (waitpid(l->qmgr_old[i], &st, WNOHANG) != 0)
			l->qmgr_old[i] = l->qmgr_old[--l->nqmgr_old];
		else
			i++;
	if (l->qmgr_pid > 0 && waitpid(l->qmgr_pid, &st, WNOHANG) ==
	    l->qmgr_pid) {
		log_msg(LOG_LVL_ERR, "queue manager %d ended (%s %d); a new "
		    "one starts in %d s", l->qmgr_pid, WIFSIGNALED(st) ?
		    "signal" : "exit", WIFSIGNALED(st) ? WTERMSIG(st) :
		    WEXITSTATUS(st), QMGR_RESPAWN);
		l->qmgr_pid = 0;
		l->qmgr_respawn = now + QMGR_RESPAWN;
	}
	if (l->qmgr_respawn && now >= l->qmgr_respawn && !l->stopping) {
		l->qmgr_respawn = 0;
		if ((l->qmgr_pid = serve_qmgr_spawn()) < 0) {
			l->qmgr_pid = 0;
			l->qmgr_respawn = now + QMGR_RESPAWN;
		}
	}
}

/* reload - SIGHUP: a new generation, or keep the old one */
static void
reload(struct loop *l)
{
	char err[600];
	struct smtpd_gen *g = smtpd_gen_load(l->config_path, err, sizeof(err));

	if (g == NULL) {
		log_msg(LOG_LVL_ERR, "reload refused, keeping the running "
		    "configuration: %s", err);
		return;
	}
	if (strcmp(g->cfg.server.listen, l->gen->cfg.server.listen) != 0)
		log_msg(LOG_LVL_WARN, "reload: [server] listen changed; it "
		    "takes effect at the next start");
	log_configure(&g->cfg);
	smtpd_gen_unref(&l->gen);
	l->gen = g;
	l->budget.limit = g->cfg.server.max_buffered;
	log_msg(LOG_LVL_INFO, "reload: configuration %s loaded",
	    l->config_path ? l->config_path : "(built-in defaults)");
	restart_qmgr(l);
}

/* begin_stop - SIGTERM: no new sessions, idle ones told 421 */
static void
begin_stop(struct loop *l)
{
	if (l->stopping)
		return;
	l->stopping = 1;
	l->stop_deadline = time(NULL) + (time_t)l->gen->cfg.server.
	    shutdown_timeout;
	if (l->lfd >= 0) {
		epoll_ctl(l->ep, EPOLL_CTL_DEL, l->lfd, NULL);
		close(l->lfd);
		l->lfd = -1;
	}
	log_msg(LOG_LVL_INFO, "stopping: %u sessions, %u messages in "
	    "progress", l->nconns, smtpd_pool_busy(l->pool));
	for (struct conn *c = l->conns, *n; c; c = n) {
		n = c->next;
		if (smtp_session_idle(c->s) && !c->job) {
			smtp_session_shutdown(c->s, "421 4.3.2 Service shutting "
			    "down, closing transmission channel");
			c->closing = 1;
			conn_update(l, c);
		}
	}
}

/* on_signal - read the signalfd */
static void
on_signal(struct loop *l)
{
	struct signalfd_siginfo si;

	while (read(l->sfd, &si, sizeof(si)) == sizeof(si)) {
		if (si.ssi_signo == SIGHUP)
			reload(l);
		else
			begin_stop(l);
	}
}

/* log_budget - once a second at most: MAIL or data refused because
 * [server] max_buffered was reached */
static void
log_budget(struct loop *l)
{
	const struct smtp_budget *b = &l->budget;

	if (b->refused == l->refused_logged)
		return;
	log_msg(LOG_LVL_WARN, "max_buffered reached: %lu MAIL or DATA "
	    "refused with 452 4.3.1 (%zu of %zu bytes held)", b->refused -
	    l->refused_logged, b->used, b->limit);
	l->refused_logged = b->refused;
}

/* sweep - once a second: timeouts, the end of a stop, paused accept */
static void
sweep(struct loop *l, time_t now)
{
	log_budget(l);
	reap_qmgrs(l, now);
	for (struct conn *c = l->conns, *n; c; c = n) {
		const struct server_cfg *sv = &c->gen->cfg.server;
		const char *why = NULL;

		n = c->next;
		if (c->job || c->closing)
			continue;
		if (now - c->last >= (time_t)sv->idle_timeout)
			why = "421 4.4.2 Error: timeout exceeded";
		else if (now - c->start >= (time_t)sv->session_timeout)
			why = "421 4.4.2 Error: session time limit exceeded";
		else if (l->stopping && (now >= l->stop_deadline ||
		    smtp_session_idle(c->s)))
			why = "421 4.3.2 Service shutting down, closing "
			    "transmission channel";
		if (why == NULL)
			continue;
		if (!l->stopping)
			log_msg(LOG_LVL_INFO, "timeout after %s from "
			    "unknown[%s]", smtp_session_idle(c->s) ? "command" :
			    "DATA", c->addr);
		smtp_session_shutdown(c->s, why);
		c->closing = 1;
		conn_update(l, c);
	}
	if (l->accept_pause && now >= l->accept_pause && l->lfd >= 0) {
		struct epoll_event ev = { .events = EPOLLIN,
		    .data.ptr = &tag_listen };

		l->accept_pause = 0;
		epoll_ctl(l->ep, EPOLL_CTL_ADD, l->lfd, &ev);
	}
}

/* add_fd - register a non-connection descriptor */
static int
add_fd(struct loop *l, int fd, void *tag)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = tag };

	return epoll_ctl(l->ep, EPOLL_CTL_ADD, fd, &ev);
}

/* loop_setup - epoll, signalfd, the pool */
static int
loop_setup(struct loop *l)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	/* blocked before the pool threads exist, so they inherit it */
	if (pthread_sigmask(SIG_BLOCK, &set, NULL) != 0 ||
	    (l->sfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC)) < 0 ||
	    (l->ep = epoll_create1(EPOLL_CLOEXEC)) < 0) {
		log_msg(LOG_LVL_ERR, "event loop: %s", strerror(errno));
		return -1;
	}
	if ((l->pool = smtpd_pool_create(l->gen, l->gen->cfg.server.
	    scrub_workers, &l->pfd)) == NULL) {
		log_msg(LOG_LVL_ERR, "cannot start the scrub pool (spool %s)",
		    l->gen->spool_dir);
		return -1;
	}
	if (add_fd(l, l->lfd, &tag_listen) < 0 ||
	    add_fd(l, l->sfd, &tag_signal) < 0 ||
	    add_fd(l, l->pfd, &tag_pool) < 0) {
		log_msg(LOG_LVL_ERR, "epoll: %s", strerror(errno));
		return -1;
	}
	return 0;
}

/* stop_qmgrs - SIGTERM to every queue manager, wait for them */
static void
stop_qmgrs(struct loop *l)
{
	int st;

	if (l->qmgr_pid > 0)
		kill(l->qmgr_pid, SIGTERM);
	for (unsigned i = 0; i < l->nqmgr_old; i++)
		kill(l->qmgr_old[i], SIGTERM);
	while (l->qmgr_pid > 0 && waitpid(l->qmgr_pid, &st, 0) < 0 &&
	    errno == EINTR)
		;
	for (unsigned i = 0; i < l->nqmgr_old; i++)
		while (waitpid(l->qmgr_old[i], &st, 0) < 0 && errno == EINTR)
			;
	l->qmgr_pid = 0;
	l->nqmgr_old = 0;
}

/* smtpd_run - see smtpd.h */
int
smtpd_run(int listen_fd, struct smtpd_gen *gen, const char *config_path,
    int qmgr_pid)
{
	struct loop l;
	struct epoll_event evs[256];
	time_t last_sweep = 0;
	int rc = EX_OK;

	memset(&l, 0, sizeof(l));
	l.ep = l.sfd = l.pfd = -1;
	l.lfd = listen_fd;
	l.gen = gen;
	smtpd_gen_ref(gen);
	l.config_path = config_path;
	l.qmgr_pid = qmgr_pid;
	l.qmgr_wanted = qmgr_pid > 0;
	l.budget.limit = gen->cfg.server.max_buffered;
	if (loop_setup(&l) < 0) {
		rc = EX_OSERR;
		goto done;
	}
	log_msg(LOG_LVL_INFO, "ready: listening on %s, %u scrub workers",
	    gen->cfg.server.listen, gen->cfg.server.scrub_workers);
	while (!l.stopping || l.nconns > 0 || smtpd_pool_busy(l.pool) > 0) {
		int n = epoll_wait(l.ep, evs, 256, kick_qmgr(&l));
		time_t now = time(NULL);

		if (n < 0 && errno != EINTR) {
			log_msg(LOG_LVL_ERR, "epoll_wait: %s", strerror(errno));
			rc = EX_OSERR;
			break;
		}
		for (int i = 0; i < n; i++) {
			void *p = evs[i].data.ptr;

			if (p == &tag_listen) {
				for (int k = 0; k < 64 && l.lfd >= 0 &&
				    accept_one(&l) == 0; k++)
					;
			} else if (p == &tag_signal)
				on_signal(&l);
			else if (p == &tag_pool)
				jobs_done(&l);
			else
				conn_event(&l, p, evs[i].events);
		}
		if (now != last_sweep) {
			last_sweep = now;
			sweep(&l, now);
		}
	}
	log_msg(LOG_LVL_INFO, "stopped");
done:
	while (l.conns)
		conn_free(&l, l.conns);
	smtpd_pool_destroy(&l.pool);
	stop_qmgrs(&l);
	if (l.lfd >= 0)
		close(l.lfd);
	if (l.sfd >= 0)
		close(l.sfd);
	if (l.ep >= 0)
		close(l.ep);
	smtpd_gen_unref(&l.gen);
	return rc;
}
