/* worker - scrub messages in a child process, so that a crash, a hang or
 * a runaway allocation costs one message, never the run (fail closed).
 *
 * A long-lived fork()ed child holds the compiled policy (inherited), runs
 * with RLIMIT_AS = limits.worker_memory_mb (not under ASan or valgrind) and
 * RLIMIT_CORE = 0, and talks over two pipes in length-prefixed frames:
 * request = the message bytes; reply = the scrub_result fields, the output
 * bytes and the explain text.  The parent bounds every exchange by
 * limits.scrub_timeout_ms with poll(); a worker that dies, answers garbage
 * or takes too long is killed, the message gets ERR_WORKER or ERR_TIMEOUT,
 * and the next message starts a fresh worker.
 *
 * worker_create ignores SIGPIPE process-wide (a dead worker must show up as
 * EPIPE, not kill the parent).
 */
#ifndef SCRUBGATE_WORKER_H
#define SCRUBGATE_WORKER_H

#include <stddef.h>

#include "scrub.h"

struct worker;

/* worker_create - the worker starts on first use.  unmap/unmap_len: a
 * mapping of the parent's (the input file) the child releases at once, so
 * it does not count against the child's memory limit; may be NULL. */
struct worker *worker_create(const struct scrub_policy *p, int flags,
    const void *unmap, size_t unmap_len);
/* worker_scrub - res (initialised by the caller) filled as scrub_message
 * would; 0 on success, -1 with res->err set */
int worker_scrub(struct worker *w, const char *msg, size_t len,
    struct scrub_result *res);
/* worker_restarts - how many workers were killed so far */
unsigned worker_restarts(const struct worker *w);
void worker_destroy(struct worker **w);

#endif
