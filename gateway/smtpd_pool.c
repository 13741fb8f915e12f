/* smtpd_pool - configuration generations, the scrub pool and the
 * message's way from end of data to the spool (see smtpd.h).
 *
 * Pool: a job queue under one mutex, N slot threads.  Each slot owns a
 * scrub worker process (worker.h: a blocking call with its own time
 * budget, hence a thread per slot) and a ticket store handle (SQLite
 * connections are not shared between threads; the slots take turns at
 * ticket_apply under one mutex).  A slot whose worker was made for an
 * older generation makes a new one when it meets a job of a newer
 * generation.  A scrubbed message goes on to the spool queue, where
 * SPOOL_THREADS threads, each with its own spool handle, run spool_put
 * (see "the pool" below).  Finished jobs go to a done list and an
 * eventfd wakes the event loop.
 *
 * The unscrubbed message lives only in memory (job->msg, the staging
 * buffer, the worker's pipes) and is wiped when freed; it reaches a disk
 * only when [server] quarantine is set and it could not be scrubbed.
 */
#include "smtpd.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "header.h"
#include "log.h"
#include "recipients.h"
#include "scrub.h"
#include "store.h"
#include "ticket.h"
#include "worker.h"

#define TRACE_FIELD "X-Scrubgate-Trace"
#define MAX_FIELDS 20000

static pthread_mutex_t gen_lock = PTHREAD_MUTEX_INITIALIZER;
/* one ticket_apply at a time: the slots' SQLite connections would
 * otherwise meet as SQLITE_BUSY and sleep in SQLite's busy handler
 * (1, 2, 5, 10 ... ms), where a mutex hands over at once */
static pthread_mutex_t ticket_lock = PTHREAD_MUTEX_INITIALIZER;

/* ---- generations ---------------------------------------------------- */

/* tls_load - the server context: TLS 1.2+, cert chain and key */
static SSL_CTX *
tls_load(const struct smtpd_gen *g, char *err, size_t errlen)
{
	char *cert = config_path(&g->cfg, g->cfg.server.tls_cert);
	char *key = config_path(&g->cfg, g->cfg.server.tls_key);
	SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
	const char *what = "out of memory";

	if (ctx == NULL || cert == NULL || key == NULL)
		goto fail;
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION |
	    SSL_OP_CIPHER_SERVER_PREFERENCE);
	SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE |
	    SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER | SSL_MODE_RELEASE_BUFFERS);
	what = cert;
	if (SSL_CTX_use_certificate_chain_file(ctx, cert) != 1)
		goto fail;
	what = key;
	if (SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1 ||
	    SSL_CTX_check_private_key(ctx) != 1)
		goto fail;
	free(cert);
	free(key);
	return ctx;
fail:
	snprintf(err, errlen, "%s: cannot load TLS %s: %s", what, what == key ?
	    "key" : "certificate", ERR_reason_error_string(ERR_get_error()) ?
	    ERR_reason_error_string(ERR_peek_last_error()) : "error");
	ERR_clear_error();
	SSL_CTX_free(ctx);
	free(cert);
	free(key);
	return NULL;
}

/* gen_params - session parameters from [server] */
static void
gen_params(struct smtpd_gen *g)
{
	const struct server_cfg *sv = &g->cfg.server;

	if (sv->hostname != NULL && *sv->hostname)
		snprintf(g->hostname, sizeof(g->hostname), "%s", sv->hostname);
	else if (gethostname(g->hostname, sizeof(g->hostname) - 1) < 0 ||
	    g->hostname[0] == '\0')
		snprintf(g->hostname, sizeof(g->hostname), "localhost");
	g->params.hostname = g->hostname;
	g->params.line_max = sv->line_length_limit;
	g->params.max_commands = sv->max_commands;
	g->params.max_errors = sv->max_errors;
	g->params.max_rcpts = sv->max_recipients;
	g->params.max_size = sv->max_message_size;
	g->params.tls_available = g->tls != NULL;
	g->params.routes = g->cfg.routes;
	g->params.nroutes = g->cfg.nroutes;
}

/* gen_free - everything of a generation */
static void
gen_free(struct smtpd_gen *g)
{
	if (g == NULL)
		return;
	scrub_policy_destroy(&g->policy);
	SSL_CTX_free(g->tls);
	free(g->spool_dir);
	free(g->quarantine_dir);
	config_free(&g->cfg);
	free(g);
}

/* smtpd_gen_load - see smtpd.h */
struct smtpd_gen *
smtpd_gen_load(const char *path, char *err, size_t errlen)
{
	struct smtpd_gen *g = calloc(1, sizeof(*g));
	const struct server_cfg *sv;

	if (g == NULL || config_init(&g->cfg) < 0) {
		snprintf(err, errlen, "out of memory");
		free(g);
		return NULL;
	}
	if ((path != NULL && config_load(&g->cfg, path) < 0) ||
	    config_compile(&g->cfg, &g->policy) < 0) {
		snprintf(err, errlen, "%s", g->cfg.error);
		goto fail;
	}
	sv = &g->cfg.server;
	g->spool_dir = config_path(&g->cfg, g->cfg.delivery.spool);
	if (sv->quarantine != NULL && *sv->quarantine)
		g->quarantine_dir = config_path(&g->cfg, sv->quarantine);
	if (g->spool_dir == NULL) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	if ((sv->tls_cert && *sv->tls_cert) != (sv->tls_key && *sv->tls_key)) {
		snprintf(err, errlen, "%s: [server] tls_cert and tls_key go "
		    "together", path ? path : "built-in defaults");
		goto fail;
	}
	if (sv->tls_cert && *sv->tls_cert &&
	    (g->tls = tls_load(g, err, errlen)) == NULL)
		goto fail;
	{
		/* routes, rules and profiles compile, or the config is bad */
		struct ticket_ctx *t = ticket_open_routes(&g->cfg, err, errlen);

		if (t == NULL)
			goto fail;
		ticket_close(&t);
	}
	gen_params(g);
	g->refs = 1;
	return g;
fail:
	gen_free(g);
	return NULL;
}

void
smtpd_gen_ref(struct smtpd_gen *g)
{
	pthread_mutex_lock(&gen_lock);
	g->refs++;
	pthread_mutex_unlock(&gen_lock);
}

/* smtpd_gen_unref - the last reference frees it; clears the pointer */
void
smtpd_gen_unref(struct smtpd_gen **gp)
{
	struct smtpd_gen *g = gp ? *gp : NULL;
	unsigned left;

	if (g == NULL)
		return;
	pthread_mutex_lock(&gen_lock);
	left = --g->refs;
	pthread_mutex_unlock(&gen_lock);
	if (left == 0)
		gen_free(g);
	*gp = NULL;
}

/* smtpd_gen_trusted - exact match against trusted_peers */
int
smtpd_gen_trusted(const struct smtpd_gen *g, const char *addr)
{
	for (size_t i = 0; i < g->cfg.server.ntrusted_peers; i++)
		if (strcasecmp(g->cfg.server.trusted_peers[i], addr) == 0)
			return 1;
	return 0;
}

/* ---- the message's way through ------------------------------------- */

/* set_reply - the job's final reply */
static void __attribute__((format(printf, 2, 3)))
set_reply(struct smtpd_job *j, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(j->reply, sizeof(j->reply), fmt, ap);
	va_end(ap);
}

/* is_control - an X-Scrubgate-* field other than the trace field */
static int
is_control(const char *block, const struct header_field *f)
{
	return f->name_len > 12 && strncasecmp(block + f->name,
	    "X-Scrubgate-", 12) == 0 && !header_is(block, f, TRACE_FIELD);
}

/* prepare - copy the message without our control fields (untrusted
 * client) and count the trace fields; 0, or -1 with the reply set */
static int
prepare(struct smtpd_job *j, struct buf *in, unsigned *hops_r)
{
	size_t hend = header_block_end(j->msg, j->len), nf = 1, n, at = 0;
	struct header_field *f;
	const char *why = NULL;

	for (size_t i = 0; i < hend; i++)
		nf += j->msg[i] == '\n';
	if (nf > MAX_FIELDS)
		nf = MAX_FIELDS;
	if ((f = calloc(nf, sizeof(*f))) == NULL) {
		set_reply(j, "451 4.3.0 Error: out of memory");
		return -1;
	}
	if (header_split(j->msg, hend, f, nf, j->gen->cfg.spec.limits.
	    max_header_size, &n, &why) < 0) {
		free(f);
		set_reply(j, "554 5.6.0 Message rejected: header too large");
		return -1;
	}
	*hops_r = 0;
	for (size_t i = 0; i < n; i++) {
		if (header_is(j->msg, &f[i], TRACE_FIELD))
			(*hops_r)++;
		if (j->trusted || !is_control(j->msg, &f[i]))
			continue;
		if (buf_append(in, j->msg + at, f[i].start - at) < 0)
			goto nomem;
		at = f[i].end;
	}
	free(f);
	if (buf_append(in, j->msg + at, j->len - at) < 0)
		goto nomem2;
	return 0;
nomem:
	free(f);
nomem2:
	set_reply(j, "451 4.3.0 Error: out of memory");
	return -1;
}

struct addr_set {
	char **v;
	size_t n;
	int nomem;
};

/* addr_collect - recipients_each callback: remember an address */
static void
addr_collect(void *ctx, const char *addr, size_t alen, const char *name,
    size_t nlen)
{
	struct addr_set *s = ctx;
	char **v;

	if (s->n >= 10000 || (v = realloc(s->v, (s->n + 1) *
	    sizeof(*v))) == NULL) {
		s->nomem = 1;
		return;
	}
	s->v = v;
	if ((v[s->n] = strndup(addr, alen)) == NULL)
		s->nomem = 1;
	else
		s->n++;
}

/* addr_in - is a in the set (ASCII case-insensitive) */
static int
addr_in(const struct addr_set *s, const char *a)
{
	for (size_t i = 0; i < s->n; i++)
		if (strcasecmp(s->v[i], a) == 0)
			return 1;
	return 0;
}

static void
addr_free(struct addr_set *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i]);
	free(s->v);
}

/* route_spec - the policy spec with the route's cc_allow, if it has one */
static void
route_spec(const struct smtpd_gen *g, const char *route,
    struct policy_spec *spec)
{
	*spec = g->cfg.spec;	/* shallow: borrowed lists */
	for (size_t i = 0; route != NULL && i < g->cfg.nroutes; i++)
		if (g->cfg.routes[i].name != NULL && strcmp(g->cfg.routes[i].
		    name, route) == 0 && g->cfg.routes[i].ncc_allow > 0) {
			spec->cc_allow = g->cfg.routes[i].cc_allow;
			spec->ncc_allow = g->cfg.routes[i].ncc_allow;
		}
}

/* strip_rcpts - envelope recipients the Cc/Bcc policy strips from the
 * header (and that are not also in To) leave the envelope too; returns
 * how many, -1 out of memory */
static int
strip_rcpts(struct smtpd_job *j, const char *msg, size_t len)
{
	static const char *const ccs[] = { "cc", "bcc", "resent-cc",
	    "resent-bcc" };
	size_t hend = header_block_end(msg, len), nf = 1, n;
	struct addr_set cc = { 0 }, to = { 0 }, gone = { 0 };
	struct header_field *f;
	struct policy_spec spec;
	int removed = 0;

	for (size_t i = 0; i < hend; i++)
		nf += msg[i] == '\n';
	if (nf > MAX_FIELDS)
		nf = MAX_FIELDS;
	if ((f = calloc(nf, sizeof(*f))) == NULL)
		return -1;
	if (header_split(msg, hend, f, nf, SIZE_MAX / 2, &n, NULL) < 0)
		n = 0;
	for (size_t i = 0; i < n; i++) {
		for (size_t k = 0; k < 4; k++)
			if (header_is(msg, &f[i], ccs[k]))
				(void)recipients_each(msg + f[i].value,
				    f[i].value_len, addr_collect, &cc);
		if (header_is(msg, &f[i], "to"))
			(void)recipients_each(msg + f[i].value, f[i].value_len,
			    addr_collect, &to);
	}
	free(f);
	route_spec(j->gen, j->env.route, &spec);
	for (size_t i = 0; i < cc.n; i++)
		if (!recipients_allowed(&spec, cc.v[i], strlen(cc.v[i])) &&
		    !addr_in(&to, cc.v[i]))
			addr_collect(&gone, cc.v[i], strlen(cc.v[i]), NULL, 0);
	for (size_t i = j->env.nrcpts; i-- > 0;)
		if (addr_in(&gone, j->env.rcpts[i])) {
			envelope_remove_rcpt(&j->env, i);
			removed++;
		}
	if (cc.nomem || to.nomem || gone.nomem)
		removed = -1;
	addr_free(&cc);
	addr_free(&to);
	addr_free(&gone);
	return removed;
}

/* rfc5322_date - "Mon, 23 Nov 2026 15:46:05 +0000" */
static void
rfc5322_date(char *d, size_t n)
{
	time_t now = time(NULL);
	struct tm tm;

	localtime_r(&now, &tm);
	strftime(d, n, "%a, %d %b %Y %H:%M:%S %z", &tm);
}

/* printable - s with anything but visible ASCII made '?', bounded */
static void
printable(char *dst, size_t n, const char *s)
{
	size_t i = 0;

	for (; s && *s && i + 1 < n; s++)
		dst[i++] = (*s > 0x20 && *s < 0x7f && *s != '(' && *s != ')') ?
		    *s : '?';
	dst[i] = '\0';
}

/* trace_fields - our Received line and trace field, prepended */
static int
trace_fields(const struct smtpd_job *j, struct buf *out)
{
	const struct envelope *e = &j->env;
	char date[64], helo[128], name[128], addr[64];

	rfc5322_date(date, sizeof(date));
	printable(helo, sizeof(helo), e->helo[0] ? e->helo : "unknown");
	printable(name, sizeof(name), e->client_name[0] ? e->client_name :
	    "unknown");
	printable(addr, sizeof(addr), e->client_addr);
	return buf_printf(out, "Received: from %s (%s [%s])\r\n\tby %s "
	    "(scrubgate) with %s;\r\n\t%s\r\n" TRACE_FIELD ": %s; %s\r\n",
	    helo, name, addr, j->gen->hostname, e->proto[0] ? e->proto :
	    "ESMTP", date, j->gen->hostname, date);
}

/* quarantine - keep an unscrubbable message (mode 0600, fsynced) */
static int
quarantine(struct smtpd_job *j, char *name, size_t namelen)
{
	static unsigned counter;
	const char *dir = j->gen->quarantine_dir;
	char path[4096];
	struct timespec ts;
	int fd, rc = -1;

	clock_gettime(CLOCK_REALTIME, &ts);
	snprintf(name, namelen, "%lld.%09ld.%d.%u.eml", (long long)ts.tv_sec,
	    ts.tv_nsec, (int)getpid(), __atomic_fetch_add(&counter, 1,
	    __ATOMIC_RELAXED));
	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		return -1;
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
	    0600)) < 0)
		return -1;
	for (size_t off = 0; off < j->len;) {
		ssize_t w = write(fd, j->msg + off, j->len - off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			goto done;
		off += (size_t)w;
	}
	rc = fsync(fd);
done:
	if (close(fd) < 0 || rc < 0) {
		unlink(path);
		return -1;
	}
	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) >= 0) {
		(void)fsync(fd);
		close(fd);
	}
	return 0;
}

/* scrub_failed - the reply for a message the worker could not scrub */
static void
scrub_failed(struct smtpd_job *j, const struct scrub_result *res)
{
	const struct scrub_err_info *ei = scrub_err_info(res->err);
	char name[128];

	if (ei == NULL || ei->temporary) {
		set_reply(j, "451 4.3.0 Error: message could not be scrubbed "
		    "now (%s), try again later", ei ? ei->name : "error");
		return;
	}
	if (j->gen->quarantine_dir != NULL) {
		if (quarantine(j, name, sizeof(name)) < 0) {
			set_reply(j, "451 4.3.0 Error: quarantine write error");
			return;
		}
		log_msg(LOG_LVL_WARN, "scrub failed (%s), quarantined as %s",
		    ei->name, name);
		set_reply(j, "250 2.0.0 Ok: quarantined as %s", name);
		return;
	}
	log_msg(LOG_LVL_INFO, "reject: scrub failed (%s: %s)", ei->name,
	    res->err_detail);
	set_reply(j, "554 5.6.0 Message rejected: %s", ei->text);
}

/* scrub_step - everything before the spool: control fields, loop
 * check, scrub, Cc/Bcc envelope recipients, ticket, Received + trace
 * field into out.  1: out is ready for the spool; 0: j->reply is the
 * final reply */
static int
scrub_step(struct smtpd_job *j, struct worker *w, struct ticket_ctx *t,
    struct buf *out)
{
	struct scrub_result res;
	struct buf in;
	char err[300];
	unsigned hops;
	int trc = -1, ready = 0;

	buf_init(&in, 0);
	scrub_result_init(&res);
	if (prepare(j, &in, &hops) < 0)
		goto done;
	if (hops > j->gen->cfg.server.max_hops) {
		log_msg(LOG_LVL_INFO, "reject: %u trace fields, mail loop",
		    hops);
		set_reply(j, "554 5.4.6 Error: too many hops (mail loop?)");
		goto done;
	}
	if (worker_scrub(w, in.p ? in.p : "", in.len, &res) < 0) {
		scrub_failed(j, &res);
		goto done;
	}
	if (strip_rcpts(j, in.p ? in.p : "", in.len) < 0) {
		set_reply(j, "451 4.3.0 Error: out of memory");
		goto done;
	}
	if (j->env.nrcpts == 0) {
		log_msg(LOG_LVL_INFO, "discard: every recipient stripped by "
		    "the Cc/Bcc policy");
		set_reply(j, "250 2.0.0 Ok: discarded, no recipient left "
		    "after the Cc/Bcc policy");
		goto done;
	}
	/* no store handle (it could not be opened): the route's profile
	 * and the ticket cannot be applied, so the message waits */
	if (t != NULL) {
		pthread_mutex_lock(&ticket_lock);
		trc = ticket_apply(t, &j->env, &res, &res.out, err,
		    sizeof(err));
		pthread_mutex_unlock(&ticket_lock);
	}
	if (trc < 0) {
		if (t != NULL)
			log_msg(LOG_LVL_WARN, "ticket store: %s", err);
		set_reply(j, "451 4.3.0 Error: ticket store not available");
		goto done;
	}
	if (trc == 1) {		/* an auto-reply, [store] auto_replies = drop */
		log_msg(LOG_LVL_INFO, "discard: auto-reply (auto_replies = drop)");
		set_reply(j, "250 2.0.0 Ok: discarded, auto-reply");
		goto done;
	}
	if (trace_fields(j, out) < 0 || buf_append(out, res.out.p ?
	    res.out.p : "", res.out.len) < 0) {
		set_reply(j, "451 4.3.0 Error: out of memory");
		goto done;
	}
	ready = 1;
done:
	buf_free_clean(&in);
	scrub_result_free(&res);
	return ready;
}

/* spool_step - spool_put (write, fsync, rename, fsync queue/) and the
 * reply: 250 with the queue id only once it returned 0 */
static void
spool_step(struct smtpd_job *j, struct spool *sp, const struct buf *out)
{
	if (sp == NULL || spool_put(sp, &j->env, out->p ? out->p : "",
	    out->len, j->qid) < 0) {
		if (sp != NULL)
			log_msg(LOG_LVL_ERR, "spool: cannot store message: %s",
			    strerror(errno));
		j->qid[0] = '\0';
		set_reply(j, "451 4.3.0 Error: queue file write error");
		return;
	}
	j->out_len = out->len;
	set_reply(j, "250 2.0.0 Ok: queued as %s", j->qid);
}

/* smtpd_process - see smtpd.h */
void
smtpd_process(struct smtpd_job *j, struct worker *w, struct spool *sp,
    struct ticket_ctx *t)
{
	struct buf out;

	buf_init(&out, 0);
	if (scrub_step(j, w, t, &out))
		spool_step(j, sp, &out);
	buf_free(&out);
}

/* ---- the pool -------------------------------------------------------- */

/*
 * Two stages.  A slot (thread + scrub worker + store handle) runs
 * scrub_step, which is CPU work; a message ready for the spool then goes
 * to the spool queue, where one of SPOOL_THREADS threads runs spool_step,
 * which is mostly waiting for the disk.  So the fsyncs of many messages
 * are in flight at once (the block layer merges their cache flushes, and
 * spool.c shares the fsyncs of queue/ between them) while the slots go
 * on scrubbing, and the number of messages waiting on the disk is not
 * bounded by the number of worker processes.
 */
#define SPOOL_THREADS 32

struct slot {
	struct smtpd_pool *pool;
	pthread_t th;
	int started;
	struct smtpd_gen *gen;		/* what the worker was made for */
	struct worker *w;
	struct ticket_ctx *t;
};

struct spooler {
	struct smtpd_pool *pool;
	pthread_t th;
	int started;
	struct smtpd_gen *gen;		/* what sp was opened for */
	struct spool *sp;
};

/* a message between its slot and its spool thread */
struct staged {
	struct staged *next;
	struct smtpd_job *j;
	struct buf out;			/* the scrubbed message to spool */
};

struct smtpd_pool {
	pthread_mutex_t mu;
	pthread_cond_t cv;			/* a job is waiting */
	pthread_cond_t scv;			/* a staged message is waiting */
	struct smtpd_job *q, **qtail;		/* waiting */
	struct staged *sq, **sqtail;		/* waiting for the spool */
	struct smtpd_job *done, **dtail;	/* finished */
	unsigned busy;
	int stop, sstop;
	int efd;
	unsigned nslots;
	struct spooler spoolers[SPOOL_THREADS];
	struct slot slots[];
};

/* smtpd_job_free - wipe the unscrubbed bytes, drop the references */
void
smtpd_job_free(struct smtpd_job **jp)
{
	struct smtpd_job *j = jp ? *jp : NULL;

	if (j == NULL)
		return;
	if (j->msg != NULL) {
		explicit_bzero(j->msg, j->len);
		free(j->msg);
	}
	envelope_free(&j->env);
	smtpd_gen_unref(&j->gen);
	free(j);
	*jp = NULL;
}

/* slot_close - the slot's worker and store handle */
static void
slot_close(struct slot *s)
{
	worker_destroy(&s->w);
	ticket_close(&s->t);
	smtpd_gen_unref(&s->gen);
}

/* slot_store - open the slot's ticket store handle (routes, profiles,
 * SQLite); on failure it stays NULL, is logged, and jobs get 451 */
static void
slot_store(struct slot *s)
{
	if (s->t == NULL) {
		char err[300];

		if ((s->t = ticket_open(&s->gen->cfg, err, sizeof(err))) == NULL)
			log_msg(LOG_LVL_ERR, "ticket store not available: %s",
			    err);
		else if (ticket_store(s->t) != NULL)	/* see slot_main */
			store_defer_checkpoints(ticket_store(s->t));
	}
}

/* slot_open - worker and store for generation g; the worker is started
 * at once when warm (so it forks before any thread exists) */
static int
slot_open(struct slot *s, struct smtpd_gen *g, int warm)
{
	struct scrub_result r;

	slot_close(s);
	smtpd_gen_ref(g);
	s->gen = g;
	if ((s->w = worker_create(g->policy, 0, NULL, 0)) == NULL)
		return -1;
	slot_store(s);
	if (warm) {
		static const char probe[] = "Subject: x\r\n\r\nx\r\n";

		scrub_result_init(&r);
		(void)worker_scrub(s->w, probe, sizeof(probe) - 1, &r);
		scrub_result_free(&r);
	}
	return 0;
}

/* spooler_open - the spool handle of generation g's spool directory */
static int
spooler_open(struct spooler *sp, struct smtpd_gen *g)
{
	char err[300];

	spool_close(&sp->sp);
	smtpd_gen_unref(&sp->gen);
	smtpd_gen_ref(g);
	sp->gen = g;
	if ((sp->sp = spool_open(g->spool_dir, err, sizeof(err))) == NULL) {
		log_msg(LOG_LVL_ERR, "%s", err);
		return -1;
	}
	return 0;
}

/* pool_finish - hand a finished job to the event loop */
static void
pool_finish(struct smtpd_pool *p, struct smtpd_job *j)
{
	uint64_t one = 1;

	j->next = NULL;
	pthread_mutex_lock(&p->mu);
	*p->dtail = j;
	p->dtail = &j->next;
	pthread_mutex_unlock(&p->mu);
	if (write(p->efd, &one, sizeof(one)) < 0) {
		/* an eventfd counter cannot overflow here */
	}
}

/* slot_main - take jobs until told to stop and the queue is empty */
static void *
slot_main(void *arg)
{
	struct slot *s = arg;
	struct smtpd_pool *p = s->pool;

	for (;;) {
		struct smtpd_job *j;
		struct staged *st;
		struct store *db;

		pthread_mutex_lock(&p->mu);
		while (p->q == NULL && !p->stop)
			pthread_cond_wait(&p->cv, &p->mu);
		if ((j = p->q) == NULL) {
			pthread_mutex_unlock(&p->mu);
			break;
		}
		if ((p->q = j->next) == NULL)
			p->qtail = &p->q;
		pthread_mutex_unlock(&p->mu);

		j->next = NULL;
		if (j->gen == s->gen && s->t == NULL)
			slot_store(s);	/* it failed before: try again */
		if (j->gen != s->gen && slot_open(s, j->gen, 0) < 0) {
			set_reply(j, "451 4.3.0 Error: scrub worker not "
			    "available");
			pool_finish(p, j);
			continue;
		}
		if ((st = calloc(1, sizeof(*st))) == NULL) {
			set_reply(j, "451 4.3.0 Error: out of memory");
			pool_finish(p, j);
			continue;
		}
		buf_init(&st->out, 0);
		if (!scrub_step(j, s->w, s->t, &st->out)) {
			buf_free(&st->out);
			free(st);
			pool_finish(p, j);
			continue;
		}
		st->j = j;
		pthread_mutex_lock(&p->mu);
		*p->sqtail = st;
		p->sqtail = &st->next;
		pthread_cond_signal(&p->scv);
		pthread_mutex_unlock(&p->mu);
		/* the WAL checkpoint, here and not inside a commit under
		 * ticket_lock, where every other slot waited for its copying
		 * and fsyncs (a step in the 250 latency's tail) */
		if ((db = s->t ? ticket_store(s->t) : NULL) != NULL &&
		    store_checkpoint_due(db))
			(void)store_checkpoint(db);
	}
	return NULL;
}

/* spooler_main - spool staged messages until told to stop and none is
 * left */
static void *
spooler_main(void *arg)
{
	struct spooler *sp = arg;
	struct smtpd_pool *p = sp->pool;

	for (;;) {
		struct staged *st;
		struct smtpd_job *j;

		pthread_mutex_lock(&p->mu);
		while (p->sq == NULL && !p->sstop)
			pthread_cond_wait(&p->scv, &p->mu);
		if ((st = p->sq) == NULL) {
			pthread_mutex_unlock(&p->mu);
			break;
		}
		if ((p->sq = st->next) == NULL)
			p->sqtail = &p->sq;
		pthread_mutex_unlock(&p->mu);

		j = st->j;
		if (j->gen != sp->gen || sp->sp == NULL)
			(void)spooler_open(sp, j->gen);	/* NULL: 451 */
		spool_step(j, sp->sp, &st->out);
		buf_free(&st->out);
		free(st);
		pool_finish(p, j);
	}
	return NULL;
}

/* smtpd_pool_create - see smtpd.h */
struct smtpd_pool *
smtpd_pool_create(struct smtpd_gen *gen, unsigned nslots, int *notify_fd_r)
{
	struct smtpd_pool *p = calloc(1, sizeof(*p) + nslots *
	    sizeof(struct slot));
	pthread_attr_t small;

	if (p == NULL)
		return NULL;
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->cv, NULL);
	pthread_cond_init(&p->scv, NULL);
	p->qtail = &p->q;
	p->sqtail = &p->sq;
	p->dtail = &p->done;
	p->nslots = nslots;
	p->efd = -1;
	if ((p->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) < 0)
		goto fail;
	for (unsigned i = 0; i < nslots; i++) {
		p->slots[i].pool = p;
		if (slot_open(&p->slots[i], gen, 1) < 0)
			goto fail;
	}
	for (unsigned i = 0; i < SPOOL_THREADS; i++) {
		p->spoolers[i].pool = p;
		if (spooler_open(&p->spoolers[i], gen) < 0)
			goto fail;
	}
	for (unsigned i = 0; i < nslots; i++) {
		if (pthread_create(&p->slots[i].th, NULL, slot_main,
		    &p->slots[i]) != 0)
			goto fail;
		p->slots[i].started = 1;
		(void)pthread_setname_np(p->slots[i].th, "scrub-slot");
	}
	/* a spool thread needs little stack: spool_put keeps its buffers
	 * on the heap */
	pthread_attr_init(&small);
	pthread_attr_setstacksize(&small, 256 * 1024);
	for (unsigned i = 0; i < SPOOL_THREADS; i++) {
		if (pthread_create(&p->spoolers[i].th, &small, spooler_main,
		    &p->spoolers[i]) != 0) {
			pthread_attr_destroy(&small);
			goto fail;
		}
		p->spoolers[i].started = 1;
		(void)pthread_setname_np(p->spoolers[i].th, "spool");
	}
	pthread_attr_destroy(&small);
	*notify_fd_r = p->efd;
	return p;
fail:
	smtpd_pool_destroy(&p);
	return NULL;
}

/* smtpd_pool_submit - queue a job */
void
smtpd_pool_submit(struct smtpd_pool *p, struct smtpd_job *j)
{
	j->next = NULL;
	pthread_mutex_lock(&p->mu);
	*p->qtail = j;
	p->qtail = &j->next;
	p->busy++;
	pthread_cond_signal(&p->cv);
	pthread_mutex_unlock(&p->mu);
}

/* smtpd_pool_done - one finished job, or NULL */
struct smtpd_job *
smtpd_pool_done(struct smtpd_pool *p)
{
	struct smtpd_job *j;
	uint64_t n;

	if (read(p->efd, &n, sizeof(n)) < 0) {
		/* EAGAIN: nothing new signalled; the list decides */
	}
	pthread_mutex_lock(&p->mu);
	if ((j = p->done) != NULL) {
		if ((p->done = j->next) == NULL)
			p->dtail = &p->done;
		p->busy--;
	}
	pthread_mutex_unlock(&p->mu);
	if (j != NULL)
		j->next = NULL;
	return j;
}

/* smtpd_pool_busy - jobs queued, running or not yet collected */
unsigned
smtpd_pool_busy(struct smtpd_pool *p)
{
	unsigned n;

	pthread_mutex_lock(&p->mu);
	n = p->busy;
	pthread_mutex_unlock(&p->mu);
	return n;
}

/* smtpd_pool_destroy - drain, join, free: the slots first (they feed
 * the spool queue), then the spool threads */
void
smtpd_pool_destroy(struct smtpd_pool **pp)
{
	struct smtpd_pool *p = pp ? *pp : NULL;
	struct smtpd_job *j;

	if (p == NULL)
		return;
	pthread_mutex_lock(&p->mu);
	p->stop = 1;
	pthread_cond_broadcast(&p->cv);
	pthread_mutex_unlock(&p->mu);
	for (unsigned i = 0; i < p->nslots; i++) {
		if (p->slots[i].started)
			pthread_join(p->slots[i].th, NULL);
		slot_close(&p->slots[i]);
	}
	pthread_mutex_lock(&p->mu);
	p->sstop = 1;
	pthread_cond_broadcast(&p->scv);
	pthread_mutex_unlock(&p->mu);
	for (unsigned i = 0; i < SPOOL_THREADS; i++) {
		if (p->spoolers[i].started)
			pthread_join(p->spoolers[i].th, NULL);
		spool_close(&p->spoolers[i].sp);
		smtpd_gen_unref(&p->spoolers[i].gen);
	}
	while ((j = p->done) != NULL) {
		p->done = j->next;
		smtpd_job_free(&j);
	}
	if (p->efd >= 0)
		close(p->efd);
	pthread_mutex_destroy(&p->mu);
	pthread_cond_destroy(&p->cv);
	pthread_cond_destroy(&p->scv);
	free(p);
	*pp = NULL;
}
