/* qmgr - the queue manager: delivers what is in the spool.
 *
 * qmgr_start forks a process that runs the loop: on start it takes every
 * message in queue/ (restart safety: whatever was answered 250 before a
 * crash is delivered now), then whatever arrives (qmgr_kick: SIGUSR1) and
 * whatever becomes due for a retry.  Deliveries run in child processes,
 * at most [delivery] concurrency at once, each taking a batch of due
 * messages (one when little is due, up to 32 when the queue is long) and
 * reusing one connection per next hop, so a crash in a client costs one
 * batch of attempts, never the queue manager.
 *
 * Per attempt and recipient: 2xx - done; 4xx or no connection - retried
 * after min_backoff, doubling per attempt up to max_backoff, until
 * max_lifetime since arrival; 5xx or expiry - failed: an RFC 3464 DSN
 * (dsn.h) goes to the envelope sender unless that is <> (never bounce a
 * bounce), spooled as a new message with route "(bounce)" that is
 * delivered to [delivery] bounce_relay.  A message leaves queue/ only
 * when no recipient is left to try: removed when every recipient got
 * 2xx, moved to dead/ (with the failed recipients as its envelope) when
 * some failed.  Recipients that got 2xx are dropped from the envelope at
 * once, so a retry never sends twice to them; recipients that failed
 * while others still wait get their DSN at once and are dropped too.  At-least-once: a crash
 * between the next hop's 250 and the spool update repeats that delivery.
 *
 * Log lines, one per recipient and attempt, in Postfix's shape:
 *   ID: to=<u-1b2c3d4e>, relay=host:25, delay=0.12, tls=TLSv1.3 ...,
 *       attempts=1, status=sent (250 2.0.0 Ok)
 * status is sent, deferred or bounced; addresses are pseudonyms
 * (log.h).  SIGTERM: no new deliveries, wait for those running, exit.
 */
#ifndef SCRUBGATE_QMGR_H
#define SCRUBGATE_QMGR_H

#include <sys/types.h>
#include <time.h>

struct config;
struct spool;

/* the route name of DSNs in the spool (not a valid [route] name) */
#define QMGR_BOUNCE_ROUTE "(bounce)"

/* qmgr_start - fork the queue manager; its pid, -1 on failure */
pid_t qmgr_start(const struct config *c, struct spool *s);
/* qmgr_kick - new mail: look at the spool now */
void qmgr_kick(pid_t pid);
/* qmgr_loop - the loop itself (what the forked process runs); returns
 * on SIGTERM */
int qmgr_loop(const struct config *c, struct spool *s);
/* qmgr_run_once - one pass in the calling process: deliver every message
 * that is due (force: every message, retry times ignored) and wait for
 * the deliveries; the number of messages attempted, -1 on error */
int qmgr_run_once(const struct config *c, struct spool *s, int force);
/* qmgr_running - the pid of the queue manager working this spool (from
 * SPOOL/qmgr.pid), 0 if none.  One works a spool at a time: qmgr_loop
 * waits for SPOOL/qmgr.lock, qmgr_run_once leaves the spool to (and
 * kicks) the one holding it. */
pid_t qmgr_running(struct spool *s);
/* qmgr_backoff - retry delay after n attempts (1, 2, ...) */
time_t qmgr_backoff(const struct config *c, unsigned attempts);

#endif
