/* qmgr - the queue manager; see qmgr.h.
 *
 * The loop blocks SIGCHLD, SIGUSR1 (new mail), SIGUSR2 (flush: everything
 * is due now), SIGTERM and SIGINT and waits for them with sigtimedwait,
 * so no signal is lost between a scan and the wait.  A scan lists the
 * spool and hands the due messages that are not already being delivered,
 * in batches, to delivery processes, up to [delivery] concurrency: an idle
 * one gets the batch on its job pipe, else one is forked.  A delivery
 * process reports each outcome and then "D" on its report pipe, kicks the
 * loop (SIGUSR1) and waits for its next batch, keeping its connection to
 * the next hop, until QMGR_MAX_USE batches, QMGR_MAX_IDLE_MS idle, SIGTERM
 * or the end of its job pipe.  The loop wakes at the earliest next try (at
 * most every 60 s), on new mail, and when a batch ends while due messages
 * were waiting for a slot.
 *
 * The pid of the running loop is written to SPOOL/qmgr.pid so that
 * `scrubgate queue flush` can ask it (SIGUSR2) instead of delivering
 * beside it.
 */
#include "qmgr.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <openssl/ssl.h>

#include "buf.h"
#include "config.h"
#include "deliver.h"
#include "dsn.h"
#include "log.h"
#include "spool.h"
#include "ticket.h"

#define QMGR_MAX_SLEEP 60
#define QMGR_BATCH_MAX 32	/* messages one delivery process takes */
#define QMGR_MAX_USE 100	/* batches before a delivery process ends */
#define QMGR_MAX_IDLE_MS 10000	/* an idle delivery process ends then */
/* the reports of one batch: a line per message, then "D" */
#define QMGR_REPORT_MAX (QMGR_BATCH_MAX * (DELIVER_REPLY_MAX + 64) + 4)

struct slot {
	pid_t pid;		/* 0: free */
	int fd;			/* outcome reports from the child, or -1 */
	int job;		/* batches to the child (persist), or -1 */
	int idle;		/* alive, its batch done, waiting for one */
	char (*ids)[SPOOL_ID_MAX];	/* the messages it delivers */
	size_t nids;
	char *rbuf;		/* report bytes not yet a whole line */
	size_t rlen;
};

struct qmgr {
	const struct config *c;
	struct spool *s;
	struct slot *slots;
	unsigned nslots;
	unsigned busy;		/* slots delivering a batch */
	unsigned live;		/* delivery processes, busy or idle */
	int persist;		/* delivery processes wait for more batches */
	int backlog;		/* due messages waited for a slot */
	struct ticket_ctx *t;	/* the store, NULL: no [store] */
};

/* in a delivery process: where record_ticket reports, or -1 */
static int report_fd = -1;
/* in a delivery process: SIGTERM came, stop after this message */
static volatile sig_atomic_t child_stop;

static void
on_child_term(int sig)
{
	(void)sig;
	child_stop = 1;
}

/* qmgr_backoff - min_backoff * 2^(attempts-1), at most max_backoff */
time_t
qmgr_backoff(const struct config *c, unsigned attempts)
{
	unsigned long long d = c->delivery.min_backoff ?
	    c->delivery.min_backoff : 300;
	unsigned long long max = c->delivery.max_backoff ?
	    c->delivery.max_backoff : 4 * 3600;

	for (unsigned i = 1; i < attempts && d < max; i++)
		d *= 2;
	return (time_t)(d < max ? d : max);
}

/* find_route - the [route NAME] of an envelope, or NULL */
static const struct route_cfg *
find_route(const struct config *c, const char *name)
{
	if (name == NULL)
		return c->nroutes == 1 ? &c->routes[0] : NULL;
	for (size_t i = 0; i < c->nroutes; i++)
		if (strcmp(c->routes[i].name, name) == 0)
			return &c->routes[i];
	return NULL;
}

/* bounce_deliver - a DSN goes to [delivery] bounce_relay */
static int
bounce_deliver(const struct config *c, const struct envelope *env,
    const char *msg, size_t len, struct deliver_result *res)
{
	struct next_hop h;
	char err[200], *ca = NULL;
	int rc;

	if (deliver_parse_hop(c->delivery.bounce_relay, c->delivery.bounce_tls,
	    &h, err, sizeof(err)) < 0) {
		res->rcpt = calloc(env->nrcpts ? env->nrcpts : 1,
		    sizeof(*res->rcpt));
		if (res->rcpt == NULL)
			return -1;
		res->nrcpts = env->nrcpts;
		snprintf(res->relay, sizeof(res->relay), "none");
		deliver_fail_all(res, 451, "451 4.3.5 bounce_relay: %s", err);
		return 1;
	}
	if (c->delivery.ca_file != NULL && *c->delivery.ca_file)
		ca = config_path(c, c->delivery.ca_file);
	rc = deliver_hop(&h, ca, NULL, env, msg, len, res);
	free(ca);
	return rc;
}

/* send_dsn - spool a DSN for the failed recipients, unless <> */
static void
send_dsn(const struct config *c, struct spool *s, const struct spool_entry *e,
    const char *msg, size_t len, const struct dsn_rcpt *r, size_t n,
    const char *relay)
{
	struct dsn_info in = { e->id, e->env.sender, deliver_helo(), relay,
	    e->arrival, time(NULL) };
	struct envelope benv;
	struct buf b;
	char id[SPOOL_ID_MAX];

	if (e->env.sender == NULL || e->env.sender[0] == '\0') {
		log_msg(LOG_LVL_INFO, "%s: sender is <>: no notification "
		    "(never bounce a bounce)", e->id);
		return;
	}
	if (c->delivery.bounce_relay == NULL || !*c->delivery.bounce_relay) {
		log_msg(LOG_LVL_WARN, "%s: no [delivery] bounce_relay: sender "
		    "non-delivery notification not sent", e->id);
		return;
	}
	buf_init(&b, 0);
	envelope_init(&benv);
	if (dsn_build(&in, r, n, msg, len, &b) < 0 ||
	    envelope_set_sender(&benv, "") < 0 ||
	    envelope_add_rcpt(&benv, e->env.sender) < 0 ||
	    (benv.route = strdup(QMGR_BOUNCE_ROUTE)) == NULL ||
	    spool_put(s, &benv, b.p, b.len, id) < 0)
		log_msg(LOG_LVL_ERR, "%s: cannot queue the non-delivery "
		    "notification: %s", e->id, strerror(errno));
	else {
		log_msg(LOG_LVL_INFO, "%s: sender non-delivery notification: "
		    "%s", e->id, id);
		kill(getppid(), SIGUSR1);	/* the qmgr: new mail */
	}
	snprintf(benv.proto, sizeof(benv.proto), "dsn");
	envelope_free(&benv);
	buf_free(&b);
}

/* log_rcpt - one Postfix-shaped line per recipient and attempt */
static void
log_rcpt(const struct spool_entry *e, const char *rcpt,
    const struct deliver_result *res, const struct deliver_rcpt *r,
    const char *status, time_t now)
{
	char a[LOG_ADDR_MAX], st[16];

	log_msg(LOG_LVL_INFO, "%s: to=<%s>, relay=%s, delay=%lld, tls=%s, "
	    "dsn=%s, attempts=%u, status=%s (%s)", e->id, log_addr(rcpt, a),
	    res->relay[0] ? res->relay : "none", (long long)(now - e->arrival),
	    res->tls[0] ? res->tls : "none", dsn_status(r->code, r->reply, st),
	    e->attempts + 1, status, r->reply);
}

/* record_ticket - in a delivery process: report the outcome to the
 * queue manager, which holds the ticket store (an SQLite connection must
 * not cross fork) and calls ticket_delivered */
static void
record_ticket(const struct config *c, long long store_msg, const char *state,
    const char *reply)
{
	char line[DELIVER_REPLY_MAX + 64];
	int n;

	(void)c;
	if (report_fd < 0 || store_msg <= 0)
		return;
	n = snprintf(line, sizeof(line), "%lld\t%s\t%s\n", store_msg, state,
	    reply ? reply : "");
	if (n > 0 && (size_t)n < sizeof(line))	/* < PIPE_BUF: never blocks */
		(void)!write(report_fd, line, (size_t)n);
}

/* report_line - one "STORE_MSG TAB STATE TAB REPLY" line */
static void
report_line(struct qmgr *q, char *line)
{
	char *state, *reply;

	if ((state = strchr(line, '\t')) == NULL)
		return;
	*state++ = '\0';
	if ((reply = strchr(state, '\t')) == NULL)
		return;
	*reply++ = '\0';
	if (q->t != NULL &&
	    ticket_delivered(q->t, strtoll(line, NULL, 10), state, reply) < 0)
		log_msg(LOG_LVL_WARN, "ticket store: cannot record the delivery "
		    "of message row %s", line);
}

/* drain_report - in the queue manager: read what a delivery process
 * reported (non-blocking): outcome lines for the store, and "D" when its
 * batch is done (the slot is idle).  1 when the slot became idle */
static int
drain_report(struct qmgr *q, struct slot *sl)
{
	ssize_t n;
	int idle = 0;
	char *line, *nl;

	if (sl->fd < 0)
		return 0;
	for (;;) {
		if (sl->rlen == QMGR_REPORT_MAX - 1)
			sl->rlen = 0;	/* no line is that long: drop it */
		n = read(sl->fd, sl->rbuf + sl->rlen,
		    QMGR_REPORT_MAX - 1 - sl->rlen);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;	/* EAGAIN, or EOF: reap closes it */
		sl->rlen += (size_t)n;
		sl->rbuf[sl->rlen] = '\0';
		for (line = sl->rbuf; (nl = strchr(line, '\n')) != NULL;
		    line = nl + 1) {
			*nl = '\0';
			if (strcmp(line, "D") == 0) {
				if (!sl->idle && sl->pid != 0) {
					sl->idle = 1;
					sl->nids = 0;
					q->busy--;
					idle = 1;
				}
			} else
				report_line(q, line);
		}
		sl->rlen -= (size_t)(line - sl->rbuf);
		memmove(sl->rbuf, line, sl->rlen);
	}
	return idle;
}

/* drain_reports - drain_report for every slot; 1 when one became idle */
static int
drain_reports(struct qmgr *q)
{
	int idle = 0;

	for (unsigned i = 0; i < q->nslots; i++)
		idle |= drain_report(q, &q->slots[i]);
	return idle;
}

/* close_slot - close the pipes of an ended delivery process */
static void
close_slot(struct slot *sl)
{
	if (sl->fd >= 0)
		close(sl->fd);
	if (sl->job >= 0)
		close(sl->job);
	sl->fd = sl->job = -1;
	sl->rlen = 0;
}

/* finish - spool bookkeeping after an attempt: keep the deferred
 * recipients, DSN for the failed ones, remove or dead-letter */
static void
finish(const struct config *c, struct spool *s, struct spool_entry *e,
    const char *msg, size_t len, const struct deliver_result *res)
{
	time_t now = time(NULL);
	int expired = (unsigned long long)(now - e->arrival) >=
	    c->delivery.max_lifetime;
	struct dsn_rcpt *failed = calloc(e->env.nrcpts + 1, sizeof(*failed));
	char **keep_failed;
	struct envelope left;
	size_t nfailed = 0, nsent = 0;
	const char *first_err = NULL;

	envelope_init(&left);
	keep_failed = calloc(e->env.nrcpts + 1, sizeof(*keep_failed));
	if (failed == NULL || keep_failed == NULL) {
		log_msg(LOG_LVL_ERR, "%s: out of memory after delivery", e->id);
		free(failed);
		free(keep_failed);
		return;
	}
	for (size_t i = 0; i < e->env.nrcpts; i++) {
		const struct deliver_rcpt *r = &res->rcpt[i];
		int cls = deliver_class(r->code);

		if (cls == 2) {
			log_rcpt(e, e->env.rcpts[i], res, r, "sent", now);
			nsent++;
			continue;
		}
		if (cls == 4 && !expired) {
			log_rcpt(e, e->env.rcpts[i], res, r, "deferred", now);
			envelope_add_rcpt(&left, e->env.rcpts[i]);
			if (first_err == NULL)
				first_err = r->reply;
			continue;
		}
		log_rcpt(e, e->env.rcpts[i], res, r, "bounced", now);
		failed[nfailed].addr = e->env.rcpts[i];
		failed[nfailed].code = r->code;
		failed[nfailed].reply = r->reply;	/* expired: the last 4xx */
		keep_failed[nfailed] = e->env.rcpts[i];
		nfailed++;
	}
	if (expired && left.nrcpts == 0 && nfailed > 0)
		log_msg(LOG_LVL_INFO, "%s: message expired after %lld s "
		    "(max_lifetime)", e->id, (long long)(now - e->arrival));
	if (nfailed > 0)
		send_dsn(c, s, e, msg, len, failed, nfailed, res->relay);
	e->attempts++;
	if (left.nrcpts > 0) {		/* some wait for the next try */
		for (size_t i = e->env.nrcpts; i-- > 0;)
			envelope_remove_rcpt(&e->env, i);
		for (size_t i = 0; i < left.nrcpts; i++)
			envelope_add_rcpt(&e->env, left.rcpts[i]);
		e->next_try = now + qmgr_backoff(c, e->attempts);
		snprintf(e->last_error, sizeof(e->last_error), "%s", first_err);
		if (spool_update(s, e) < 0 && errno != ENOENT)
			log_msg(LOG_LVL_ERR, "%s: spool update: %s", e->id,
			    strerror(errno));
		record_ticket(c, e->env.store_msg, "deferred", first_err);
	} else if (nfailed > 0) {	/* some failed: dead letter */
		struct envelope dead;

		envelope_init(&dead);
		envelope_set_sender(&dead, e->env.sender);
		for (size_t i = 0; i < nfailed; i++)
			envelope_add_rcpt(&dead, keep_failed[i]);
		snprintf(e->last_error, sizeof(e->last_error), "%s",
		    failed[0].reply);
		for (size_t i = e->env.nrcpts; i-- > 0;)
			envelope_remove_rcpt(&e->env, i);
		for (size_t i = 0; i < dead.nrcpts; i++)
			envelope_add_rcpt(&e->env, dead.rcpts[i]);
		envelope_free(&dead);
		if ((spool_update(s, e) < 0 && errno != ENOENT) ||
		    (spool_dead(s, e->id) < 0 && errno != ENOENT))
			log_msg(LOG_LVL_ERR, "%s: moving to dead/: %s", e->id,
			    strerror(errno));
		else
			log_msg(LOG_LVL_INFO, "%s: moved to dead/", e->id);
		record_ticket(c, e->env.store_msg, "dead", e->last_error);
	} else {			/* all sent */
		if (spool_delivered(s, e->id) < 0 && errno != ENOENT)
			log_msg(LOG_LVL_ERR, "%s: spool remove: %s", e->id,
			    strerror(errno));
		else
			log_msg(LOG_LVL_INFO, "%s: removed", e->id);
		record_ticket(c, e->env.store_msg, "sent",
		    res->nrcpts ? res->rcpt[0].reply : "");
	}
	(void)nsent;
	envelope_free(&left);
	free(failed);
	free(keep_failed);
}

/* deliver_one - one attempt of one message (in a delivery process) */
static void
deliver_one(const struct config *c, struct spool *s, const char *id)
{
	struct spool_entry e;
	struct deliver_result res;
	char *msg = NULL;
	size_t len = 0;

	if (spool_read(s, id, &e, &msg, &len) < 0) {
		if (errno != ENOENT)	/* deleted meanwhile: fine */
			log_msg(LOG_LVL_ERR, "%s: cannot read from the spool: "
			    "%s", id, strerror(errno));
		return;
	}
	memset(&res, 0, sizeof(res));
	if (e.env.route != NULL && strcmp(e.env.route, QMGR_BOUNCE_ROUTE) == 0)
		bounce_deliver(c, &e.env, msg, len, &res);
	else
		deliver(find_route(c, e.env.route), &e.env, msg, len, &res);
	if (res.rcpt == NULL || res.nrcpts != e.env.nrcpts)
		log_msg(LOG_LVL_ERR, "%s: delivery failed: out of memory", id);
	else
		finish(c, s, &e, msg, len, &res);
	deliver_result_free(&res);
	envelope_free(&e.env);
	free(msg);
}

/* next_batch - in a delivery process: wait for the queue manager's next
 * batch ("ID ID ...\n", one write below PIPE_BUF); its size, 0: none came
 * within QMGR_MAX_IDLE_MS, the queue manager is gone, or SIGTERM */
static size_t
next_batch(int job, char (*ids)[SPOOL_ID_MAX])
{
	char line[QMGR_BATCH_MAX * SPOOL_ID_MAX + 2], *p, *sp;
	struct pollfd pfd = { job, POLLIN, 0 };
	struct timespec ts = { QMGR_MAX_IDLE_MS / 1000, 0 };
	sigset_t term, old;
	ssize_t r;
	size_t n = 0;
	int ready;

	/* SIGTERM only inside ppoll: one that came before is seen here */
	sigemptyset(&term);
	sigaddset(&term, SIGTERM);
	sigprocmask(SIG_BLOCK, &term, &old);
	ready = child_stop ? 0 : ppoll(&pfd, 1, &ts, &old);
	sigprocmask(SIG_SETMASK, &old, NULL);
	if (ready != 1 || child_stop)
		return 0;
	if ((r = read(job, line, sizeof(line) - 1)) <= 0 ||
	    line[r - 1] != '\n')
		return 0;
	line[r - 1] = '\0';
	for (p = line; *p && n < QMGR_BATCH_MAX; p = sp) {
		size_t len;

		if ((sp = strchr(p, ' ')) == NULL)
			sp = p + strlen(p);
		len = (size_t)(sp - p);
		if (len > 0 && len < SPOOL_ID_MAX) {
			memcpy(ids[n], p, len);
			ids[n++][len] = '\0';
		}
		if (*sp == ' ')
			sp++;
	}
	return n;
}

/* delivery_child - a delivery process: deliver the batch, then (persist)
 * report "D" and wait for the next one, keeping the connection to the
 * next hop, up to QMGR_MAX_USE batches or QMGR_MAX_IDLE_MS idle */
static void
delivery_child(struct qmgr *q, int report, int job,
    char (*ids)[SPOOL_ID_MAX], size_t n)
{
	sigset_t none;

	report_fd = report;
	signal(SIGTERM, on_child_term);	/* finish the message */
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGPIPE, SIG_IGN);
	log_set_ident("smtp");
	prctl(PR_SET_NAME, "smtp-deliver");	/* ps, top, perf */
	deliver_keep_connections(1);
	for (unsigned use = 1;; use++) {
		for (size_t k = 0; k < n && !child_stop; k++)
			deliver_one(q->c, q->s, ids[k]);
		if (child_stop || job < 0 || report < 0 || use >= QMGR_MAX_USE)
			break;
		if (write(report, "D\n", 2) != 2)
			break;
		kill(getppid(), SIGUSR1);	/* the qmgr: a slot is free */
		if ((n = next_batch(job, ids)) == 0)
			break;
	}
	deliver_keep_connections(0);	/* QUIT what is still open */
	_exit(0);	/* no atexit work: the parent owns the rest */
}

/* send_batch - hand n ids to an idle delivery process; -1: it is gone */
static int
send_batch(struct slot *sl, char (*ids)[SPOOL_ID_MAX], size_t n)
{
	char line[QMGR_BATCH_MAX * SPOOL_ID_MAX + 2];
	size_t len = 0;

	for (size_t k = 0; k < n; k++) {
		size_t l = strlen(ids[k]);

		memcpy(line + len, ids[k], l);
		len += l;
		line[len++] = k + 1 < n ? ' ' : '\n';
	}
	return write(sl->job, line, len) == (ssize_t)len ? 0 : -1;
}

/* start_delivery - give n messages to an idle delivery process, or fork
 * one into a free slot; it delivers them one after the other (reusing a
 * connection to the same next hop) */
static int
start_delivery(struct qmgr *q, char (*ids)[SPOOL_ID_MAX], size_t n)
{
	unsigned i;
	pid_t pid;
	int p[2] = { -1, -1 }, jp[2] = { -1, -1 };

	for (i = 0; i < q->nslots; i++) {
		struct slot *sl = &q->slots[i];

		if (sl->pid == 0 || !sl->idle)
			continue;
		if (send_batch(sl, ids, n) < 0) {
			close(sl->job);		/* gone: reap frees it */
			sl->job = -1;
			sl->idle = 0;
			q->busy++;		/* as reap will count it */
			continue;
		}
		sl->idle = 0;
		memcpy(sl->ids, ids, n * sizeof(*ids));
		sl->nids = n;
		q->busy++;
		return 0;
	}
	for (i = 0; i < q->nslots && q->slots[i].pid != 0; i++)
		;
	if (i == q->nslots)
		return -1;
	if ((q->t != NULL || q->persist) && pipe2(p, O_CLOEXEC) < 0)
		p[0] = p[1] = -1;	/* deliver anyway; the store misses it */
	if (q->persist && p[0] >= 0 && pipe2(jp, O_CLOEXEC) < 0)
		jp[0] = jp[1] = -1;	/* this one ends after its batch */
	if ((pid = fork()) < 0) {
		log_msg(LOG_LVL_ERR, "fork: %s", strerror(errno));
		for (int k = 0; k < 2; k++) {
			if (p[k] >= 0)
				close(p[k]);
			if (jp[k] >= 0)
				close(jp[k]);
		}
		return -1;
	}
	if (pid == 0) {
		/* the other processes' pipes: a job pipe held open here would
		 * keep its process from seeing the queue manager go */
		for (unsigned k = 0; k < q->nslots; k++) {
			if (q->slots[k].fd >= 0)
				close(q->slots[k].fd);
			if (q->slots[k].job >= 0)
				close(q->slots[k].job);
		}
		if (p[0] >= 0)
			close(p[0]);
		if (jp[1] >= 0)
			close(jp[1]);
		delivery_child(q, p[1], jp[0], ids, n);
	}
	if (p[1] >= 0)
		close(p[1]);
	if (jp[0] >= 0)
		close(jp[0]);
	if (p[0] >= 0)
		fcntl(p[0], F_SETFL, O_NONBLOCK);
	q->slots[i].pid = pid;
	q->slots[i].fd = p[0];
	q->slots[i].job = jp[1];
	q->slots[i].idle = 0;
	q->slots[i].rlen = 0;
	memcpy(q->slots[i].ids, ids, n * sizeof(*ids));
	q->slots[i].nids = n;
	q->busy++;
	q->live++;
	return 0;
}

/* reap - collect ended delivery processes; block: wait for one.  1 when
 * one ended with a batch not reported done */
static int
reap(struct qmgr *q, int block)
{
	int st, ended_busy = 0;
	pid_t pid;

	while (q->live > 0 && (pid = waitpid(-1, &st, block ? 0 : WNOHANG)) > 0) {
		for (unsigned i = 0; i < q->nslots; i++) {
			struct slot *sl = &q->slots[i];

			if (sl->pid != pid)
				continue;
			if (WIFSIGNALED(st))
				log_msg(LOG_LVL_ERR, "%s: delivery "
				    "process killed by signal %d",
				    sl->nids ? sl->ids[0] : "-",
				    WTERMSIG(st));
			drain_report(q, sl);	/* what it wrote before */
			close_slot(sl);
			if (!sl->idle) {
				q->busy--;
				/* it ended by itself inside a batch (idle out
				 * just as the batch came): what it did not
				 * deliver is due again at once.  Not after a
				 * crash: that message waits for the next scan
				 * instead of crashing a process in a loop */
				if (WIFEXITED(st) && sl->nids > 0)
					ended_busy = 1;
			}
			sl->pid = 0;
			sl->idle = 0;
			sl->nids = 0;
			q->live--;
		}
		block = 0;
	}
	return ended_busy;
}

/* in_flight - is id being delivered */
static int
in_flight(const struct qmgr *q, const char *id)
{
	for (unsigned i = 0; i < q->nslots; i++)
		for (size_t k = 0; q->slots[i].pid != 0 && k < q->slots[i].nids;
		    k++)
			if (strcmp(q->slots[i].ids[k], id) == 0)
				return 1;
	return 0;
}

struct due {
	const char *route;	/* borrowed from the listing */
	size_t idx;		/* in the listing: arrival order */
};

/* cmp_due - by route (one connection serves a batch), then arrival */
static int
cmp_due(const void *a, const void *b)
{
	const struct due *x = a, *y = b;
	int c = strcmp(x->route ? x->route : "", y->route ? y->route : "");

	if (c != 0)
		return c;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

/* start_due - hand the due messages to delivery processes in batches:
 * as many processes as there are free slots, at most QMGR_BATCH_MAX
 * messages each (one each when little is due: lowest latency) */
static int
start_due(struct qmgr *q, const struct spool_entry *v, struct due *d,
    size_t nd, int wait)
{
	char ids[QMGR_BATCH_MAX][SPOOL_ID_MAX];
	size_t pos = 0, per;
	int started = 0;

	qsort(d, nd, sizeof(*d), cmp_due);
	while (pos < nd) {
		while (wait && q->busy == q->nslots)
			reap(q, 1);
		if (q->busy == q->nslots) {
			q->backlog = 1;
			break;
		}
		per = (nd - pos + (q->nslots - q->busy) - 1) /
		    (q->nslots - q->busy);
		if (per > QMGR_BATCH_MAX)
			per = QMGR_BATCH_MAX;
		for (size_t k = 0; k < per; k++)
			memcpy(ids[k], v[d[pos + k].idx].id, SPOOL_ID_MAX);
		if (start_delivery(q, ids, per) < 0) {
			q->backlog = 1;
			break;
		}
		pos += per;
		started += (int)per;
	}
	return started;
}

/* scan - start due messages; wait: block for free slots instead of
 * leaving a backlog; *wake_r: earliest next try of those left */
static int
scan(struct qmgr *q, int force, int wait, time_t *wake_r)
{
	struct spool_entry *v;
	struct due *d;
	size_t n, nd = 0;
	time_t now = time(NULL), wake = now + QMGR_MAX_SLEEP;
	int started = 0;

	q->backlog = 0;
	if (spool_list(q->s, &v, &n) < 0) {
		log_msg(LOG_LVL_ERR, "%s: cannot list the spool: %s",
		    spool_dir(q->s), strerror(errno));
		*wake_r = wake;
		return -1;
	}
	if ((d = calloc(n ? n : 1, sizeof(*d))) == NULL) {
		spool_list_free(v, n);
		*wake_r = now + 1;
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		if (in_flight(q, v[i].id))
			continue;
		if (!force && v[i].next_try > now) {
			if (v[i].next_try < wake)
				wake = v[i].next_try;
			continue;
		}
		d[nd].route = v[i].env.route;
		d[nd++].idx = i;
	}
	started = start_due(q, v, d, nd, wait);
	free(d);
	spool_list_free(v, n);
	*wake_r = wake;
	return started;
}

/* qmgr_init - slots for the configured concurrency */
static int
qmgr_init(struct qmgr *q, const struct config *c, struct spool *s)
{
	memset(q, 0, sizeof(*q));
	q->c = c;
	q->s = s;
	q->nslots = c->delivery.concurrency ? c->delivery.concurrency : 1;
	q->slots = calloc(q->nslots, sizeof(*q->slots));
	deliver_setup(c);
	/* initialise OpenSSL (config, providers, digests) once here, not in
	 * every forked delivery process: a dummy pseudonym does it */
	OPENSSL_init_ssl(0, NULL);
	{
		char tmp[LOG_ADDR_MAX];

		log_addr("warm-up@localhost", tmp);
	}
	if (q->slots == NULL)
		return -1;
	for (unsigned i = 0; i < q->nslots; i++) {
		q->slots[i].fd = q->slots[i].job = -1;
		if ((q->slots[i].ids = calloc(QMGR_BATCH_MAX,
		    sizeof(*q->slots[i].ids))) == NULL ||
		    (q->slots[i].rbuf = malloc(QMGR_REPORT_MAX)) == NULL)
			return -1;
	}
	if (c->store.line != 0) {	/* a [store]: record outcomes */
		char err[512];

		if ((q->t = ticket_open(c, err, sizeof(err))) == NULL)
			log_msg(LOG_LVL_WARN, "ticket store not available, "
			    "delivery outcomes not recorded: %s", err);
	}
	return 0;
}

/* qmgr_fini - release what qmgr_init made */
static void
qmgr_fini(struct qmgr *q)
{
	ticket_close(&q->t);
	for (unsigned i = 0; q->slots != NULL && i < q->nslots; i++) {
		close_slot(&q->slots[i]);
		free(q->slots[i].ids);
		free(q->slots[i].rbuf);
	}
	free(q->slots);
	q->slots = NULL;
}

static int qmgr_lock(struct spool *, int);

/* qmgr_run_once - one pass in this process, waiting for the deliveries */
int
qmgr_run_once(const struct config *c, struct spool *s, int force)
{
	struct qmgr q;
	time_t wake;
	int n, lock;
	void (*old)(int);
	void (*oldusr1)(int);
	pid_t running;

	/* another queue manager works this spool: leave it to that one */
	if ((lock = qmgr_lock(s, 0)) < 0) {
		if ((running = qmgr_running(s)) > 0)
			kill(running, force ? SIGUSR2 : SIGUSR1);
		return 0;
	}
	old = signal(SIGPIPE, SIG_IGN);
	/* a delivery process that spools a DSN kicks its parent */
	oldusr1 = signal(SIGUSR1, SIG_IGN);
	if (qmgr_init(&q, c, s) < 0) {
		qmgr_fini(&q);
		close(lock);
		return -1;
	}
	n = scan(&q, force, 1, &wake);
	while (q.live > 0)
		reap(&q, 1);
	qmgr_fini(&q);
	close(lock);
	signal(SIGPIPE, old);
	signal(SIGUSR1, oldusr1);
	return n;
}

/* qmgr_lock - one queue manager per spool (serve's, fetch's, a flush):
 * an flock on SPOOL/qmgr.lock, waited for (wait) or tried; the lock fd,
 * -1 when taken by another process (or on error) */
static int
qmgr_lock(struct spool *s, int wait)
{
	char path[1100];
	int fd;

	snprintf(path, sizeof(path), "%s/qmgr.lock", spool_dir(s));
	if ((fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600)) < 0)
		return -1;
	while (flock(fd, LOCK_EX | (wait ? 0 : LOCK_NB)) < 0) {
		if (errno == EINTR && wait)
			continue;
		close(fd);
		return -1;
	}
	return fd;
}

/* qmgr_running - the pid in SPOOL/qmgr.pid if that process lives */
pid_t
qmgr_running(struct spool *s)
{
	char path[1100];
	long pid = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/qmgr.pid", spool_dir(s));
	if ((f = fopen(path, "r")) == NULL)
		return 0;
	if (fscanf(f, "%ld", &pid) != 1)
		pid = 0;
	fclose(f);
	if (pid <= 1 || kill((pid_t)pid, 0) < 0)
		return 0;
	return (pid_t)pid;
}

/* write_pid - SPOOL/qmgr.pid for `queue flush` */
static void
write_pid(struct spool *s, int remove)
{
	char path[1100], txt[32];
	FILE *f;

	snprintf(path, sizeof(path), "%s/qmgr.pid", spool_dir(s));
	if (remove) {
		unlink(path);
		return;
	}
	snprintf(txt, sizeof(txt), "%ld\n", (long)getpid());
	if ((f = fopen(path, "w")) != NULL) {
		fputs(txt, f);
		fclose(f);
	}
}

static void
on_signal(int sig)
{
	(void)sig;	/* only to have the signal queued, not ignored */
}

/* qmgr_loop - scan, wait for a signal or the next try, repeat */
int
qmgr_loop(const struct config *c, struct spool *s)
{
	struct qmgr q;
	sigset_t set;
	struct timespec ts;
	time_t wake;
	int stop = 0, rescan = 1, force = 0, lock;

	prctl(PR_SET_NAME, "qmgr");	/* ps, top, perf */
	/* a queue manager still draining this spool (after a restart, or
	 * serve's beside fetch's) finishes first: never two at once */
	if ((lock = qmgr_lock(s, 1)) < 0) {
		log_msg(LOG_LVL_ERR, "queue manager: %s/qmgr.lock: %s",
		    spool_dir(s), strerror(errno));
		return -1;
	}
	if (qmgr_init(&q, c, s) < 0) {
		qmgr_fini(&q);
		close(lock);
		return -1;
	}
	q.persist = 1;
	signal(SIGPIPE, SIG_IGN);
	signal(SIGHUP, SIG_IGN);	/* serve restarts us on reload */
	signal(SIGCHLD, on_signal);
	signal(SIGUSR1, on_signal);
	signal(SIGUSR2, on_signal);
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGUSR2);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigprocmask(SIG_BLOCK, &set, NULL);
	write_pid(s, 0);
	log_msg(LOG_LVL_INFO, "queue manager started: spool %s, concurrency "
	    "%u", spool_dir(s), q.nslots);
	wake = time(NULL);
	while (!stop || q.live > 0) {
		time_t now;
		int sig;

		if (reap(&q, 0))
			rescan = 1;	/* what it left is due again */
		if (drain_reports(&q) && q.backlog)
			rescan = 1;
		if (!stop && (rescan || time(NULL) >= wake))
			scan(&q, force, 0, &wake);
		rescan = force = 0;
		now = time(NULL);
		ts.tv_sec = wake > now ? wake - now : 1;
		ts.tv_nsec = 0;
		if (stop)
			ts.tv_sec = 1;
		sig = sigtimedwait(&set, NULL, &ts);
		if ((sig == SIGTERM || sig == SIGINT) && !stop) {
			stop = 1;	/* deliveries end after their message */
			for (unsigned i = 0; i < q.nslots; i++)
				if (q.slots[i].pid > 0)
					kill(q.slots[i].pid, SIGTERM);
		}
		else if (sig == SIGUSR1)
			rescan = 1;
		else if (sig == SIGUSR2)
			rescan = force = 1;
		else if (sig == SIGCHLD) {
			if (reap(&q, 0))
				rescan = 1;
			rescan |= q.backlog;
		}
	}
	write_pid(s, 1);
	log_msg(LOG_LVL_INFO, "queue manager stopped");
	qmgr_fini(&q);
	close(lock);
	return 0;
}

/* qmgr_start - fork the loop.  The child keeps none of the caller's
 * descriptors (a listening socket held by an orphaned queue manager would
 * keep a restarted server from binding): it closes them all, reopens the
 * log and the spool, and asks for SIGTERM when its parent dies, so that
 * a server killed with -9 and restarted never has two queue managers
 * delivering the same spool. */
pid_t
qmgr_start(const struct config *c, struct spool *s)
{
	pid_t parent = getpid(), pid = fork();
	struct spool *own;
	char *dir, err[512];

	if (pid != 0)
		return pid;	/* the caller, or -1 */
	/* a handler of the caller's (fetch's, say) would swallow our stop */
	signal(SIGTERM, SIG_DFL);
	signal(SIGINT, SIG_DFL);
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	if (getppid() != parent)	/* it died before prctl */
		_exit(0);
	if ((dir = strdup(spool_dir(s))) == NULL)
		_exit(1);
	closefrom(3);		/* s's descriptors too: s is not used again */
	log_set_ident("qmgr");
	if ((own = spool_open(dir, err, sizeof(err))) == NULL) {
		log_msg(LOG_LVL_ERR, "queue manager: %s", err);
		_exit(1);
	}
	_exit(qmgr_loop(c, own) == 0 ? 0 : 1);
}

/* qmgr_kick - new mail */
void
qmgr_kick(pid_t pid)
{
	if (pid > 0)
		kill(pid, SIGUSR1);
}
