/* worker - scrub messages in a child process, so that a crash, a hang or
 * a runaway allocation costs one message, never the run (fail closed).
 *
 * A long-lived fork()ed child holds the compiled policy (inherited), runs
 * with RLIMIT_AS = limits.worker_memory_mb (not under ASan or valgrind) and
 * RLIMIT_CORE = 0.  Messages travel in batches through shared memory: the
 * parent copies a batch into a memfd the child maps (its input part
 * read-only), the child writes one result record per message after it and
 * counts the messages done in a shared header; the pipes carry only small
 * control frames.  Two batches alternate, so the parent writes the results
 * of one while the child scrubs the next.
 *
 * Each message is bounded by limits.scrub_timeout_ms, measured from the
 * moment the child starts on it.  A worker that dies, answers garbage or
 * takes too long is killed: the message it was on gets ERR_WORKER or
 * ERR_TIMEOUT, the ones before it keep their results, the ones after it go
 * to a fresh worker.
 *
 * worker_create ignores SIGPIPE process-wide (a dead worker must show up as
 * EPIPE, not kill the parent).
 */
#ifndef SCRUBGATE_WORKER_H
#define SCRUBGATE_WORKER_H

#include <stddef.h>

#include "scrub.h"

struct worker;

#define WORKER_TAG_MAX 128	/* bytes of caller's tag kept per message */

/* worker_done_fn - one message's result, in the order of submission.
 * msg/len: the bytes that were scrubbed (the worker's copy, valid during
 * the call); tag: the caller's tag as given to worker_submit.  res->err is
 * ERR_OK or why the message failed; res->out holds the scrubbed message
 * only when res->changed (the input is the output otherwise).  res belongs
 * to the worker, which resets it before the next result: the callee may
 * change it (fill out, say) but not keep it.  Return 0, or -1 to stop: the
 * worker call that delivered it then returns -1 and results not yet
 * delivered are dropped. */
typedef int (*worker_done_fn)(void *ctx, const void *tag, const char *msg,
    size_t len, struct scrub_result *res);

/* worker_create - the worker starts on first use.  unmap/unmap_len: a
 * mapping of the parent's (the input file) the child releases at once, so
 * it does not count against the child's memory limit; may be NULL. */
struct worker *worker_create(const struct scrub_policy *p, int flags,
    const void *unmap, size_t unmap_len);
/* worker_on_done - where the results of worker_submit go (needed before
 * the first worker_submit; worker_scrub does without) */
void worker_on_done(struct worker *w, worker_done_fn done, void *ctx);
/* worker_submit - queue one message (copied; msg may be reused at once)
 * with tag (copied, at most WORKER_TAG_MAX bytes).  Results of earlier
 * messages may be delivered during the call.  0, or -1 when done said
 * stop. */
int worker_submit(struct worker *w, const char *msg, size_t len,
    const void *tag, size_t tag_len);
/* worker_finish - deliver every result still owed; 0 or -1 as above */
int worker_finish(struct worker *w);
/* worker_scrub - one message, synchronously: res (initialised by the
 * caller) filled as scrub_message would (out holds the message even when
 * unchanged); 0 on success, -1 with res->err set.  Finishes what was
 * submitted before. */
int worker_scrub(struct worker *w, const char *msg, size_t len,
    struct scrub_result *res);
/* worker_restarts - how many workers were killed so far */
unsigned worker_restarts(const struct worker *w);
/* worker_destroy - stop the child; results still owed are dropped */
void worker_destroy(struct worker **w);

#endif
