/* smtpd - the SMTP server daemon of `scrubgate serve`.
 *
 * One process, one epoll loop (smtpd.c) for every session: non-blocking
 * sockets, non-blocking OpenSSL server TLS, timers by a once-a-second
 * sweep, signals through a signalfd.  The protocol is smtp_session.c.
 * A finished message becomes a job for the scrub pool (smtpd_pool.c):
 * one thread per pool slot, each driving its own scrub worker process
 * (worker.h) and its own spool handle, so scrubbing, the ticket store and
 * the fsyncs of spool_put happen off the I/O loop.  The pool wakes the
 * loop through an eventfd when a job is done; the loop then sends the
 * job's reply (250 with the queue id, or 451/554) to its session.
 *
 * A generation (struct smtpd_gen) is one loaded configuration with
 * everything derived from it (policy, TLS context, session parameters).
 * SIGHUP loads a new one; sessions and jobs hold a reference to the one
 * they started with, so a reload never disturbs them.
 */
#ifndef SCRUBGATE_SMTPD_H
#define SCRUBGATE_SMTPD_H

#include <stddef.h>

#include "config.h"
#include "envelope.h"
#include "smtp_session.h"
#include "spool.h"

struct scrub_policy;
typedef struct ssl_ctx_st SSL_CTX;

struct smtpd_gen {
	struct config cfg;
	struct scrub_policy *policy;
	struct smtp_params params;	/* trusted/tls set per session */
	char hostname[256];
	char *spool_dir;		/* resolved [delivery] spool */
	char *quarantine_dir;		/* resolved [server] quarantine, or NULL */
	SSL_CTX *tls;			/* NULL: no STARTTLS */
	unsigned refs;			/* guarded by the generation lock */
};

/* smtpd_gen_load - load and check a configuration (path NULL: built-in
 * defaults); NULL with err (one line) on failure */
struct smtpd_gen *smtpd_gen_load(const char *path, char *err, size_t errlen);
void smtpd_gen_ref(struct smtpd_gen *g);
void smtpd_gen_unref(struct smtpd_gen **g);
/* smtpd_gen_trusted - is the peer address one of [server] trusted_peers */
int smtpd_gen_trusted(const struct smtpd_gen *g, const char *addr);

/* a message on its way through the pool */
struct smtpd_job {
	struct smtpd_job *next;
	struct smtpd_gen *gen;		/* a reference */
	unsigned long conn_id;		/* who waits for the reply */
	struct envelope env;		/* taken over from the session */
	char *msg;			/* the unscrubbed bytes (wiped on free) */
	size_t len;
	size_t charged;			/* of [server] max_buffered (loop only) */
	int trusted;			/* keep X-Scrubgate-* fields */
	char reply[256];		/* the final reply, no CRLF */
	char qid[SPOOL_ID_MAX];		/* set when spooled */
	size_t out_len;			/* bytes spooled */
};

struct smtpd_pool;

/* smtpd_pool_create - nslots threads, each with a worker for gen's
 * policy (forked before the threads start); *notify_fd_r becomes
 * readable when jobs are done.  NULL on failure. */
struct smtpd_pool *smtpd_pool_create(struct smtpd_gen *gen, unsigned nslots,
    int *notify_fd_r);
/* smtpd_pool_submit - queue a job (the pool owns it until it is done) */
void smtpd_pool_submit(struct smtpd_pool *p, struct smtpd_job *j);
/* smtpd_pool_done - a finished job, or NULL; clears the notification */
struct smtpd_job *smtpd_pool_done(struct smtpd_pool *p);
/* smtpd_pool_busy - jobs queued or running */
unsigned smtpd_pool_busy(struct smtpd_pool *p);
/* smtpd_pool_destroy - finish queued jobs, stop the threads and workers */
void smtpd_pool_destroy(struct smtpd_pool **p);
void smtpd_job_free(struct smtpd_job **j);

/* smtpd_process - the message's way through (runs in a pool thread):
 * control fields, loop check, scrub, Cc/Bcc envelope recipients,
 * ticket, Received + trace field, spool_put; fills j->reply */
struct worker;
struct ticket_ctx;
void smtpd_process(struct smtpd_job *j, struct worker *w,
    struct spool *sp, struct ticket_ctx *t);

/* smtpd_run - the event loop until SIGTERM; listen_fd is bound and
 * listening.  gen is the first generation (a reference is taken);
 * config_path for SIGHUP.  qmgr_pid: the queue manager child to stop on
 * exit, or 0.  Returns an exit code. */
int smtpd_run(int listen_fd, struct smtpd_gen *gen, const char *config_path,
    int qmgr_pid);

#endif
