/* worker_int - what worker.c (the parent) and worker_child.c (the child)
 * share: the wire format.  Not for other modules.
 *
 * WORKER_SLOTS slots, each a memfd both processes map (the child inherits
 * them as fds SLOT_FD0, SLOT_FD0 + 1, ...):
 *   [0, in_size)      the batch's message bytes, written by the parent;
 *                     read-only in the child
 *   [in_size, size)   the result area: struct wire_head, then from
 *                     rw_start one record per message: struct wire_reply,
 *                     out_len output bytes (only when the message changed),
 *                     explain_len explain bytes, padded to 8
 * A request on the pipe is struct wire_req and one struct wire_job per
 * message; several may wait in the pipe, the child takes them in order and
 * answers each with struct wire_ack.  It scrubs the messages in order;
 * before each it stamps head->start_ms, after each it writes the record and
 * then publishes head->done (release store), so a crash or a hang is
 * pinned on message head->done.  A record that does not fit makes the
 * child grow the slot's file itself and publish its new size in
 * head->size, which the parent checks and maps before it reads on.  Host
 * byte order: both ends are the same binary.
 */
#ifndef SCRUBGATE_WORKER_INT_H
#define SCRUBGATE_WORKER_INT_H

#include <errno.h>
#include <stdint.h>
#include <time.h>
#include <unistd.h>

#include "scrub.h"

#define WIRE_MAGIC 0x53475752u		/* "SGWR": a result record */
#define WIRE_REQ 0x53475251u		/* "SGRQ" */
#define WIRE_ACK 0x5347414bu		/* "SGAK" */
#define BATCH_MAX 128			/* messages in one batch */
#define WORKER_SLOTS 3			/* batches: one filling, two for the child */
#define RW_HEAD 64			/* the head, before the first record */
#define SLOT_FD0 3			/* the child's fds of the two slots */

struct wire_reply {
	uint32_t magic;
	uint32_t err;
	uint32_t changed;
	uint32_t stripped;
	uint32_t dropped;
	uint32_t counts[KIND_MAX];
	char message_id[256];
	char err_detail[160];
	uint64_t out_len;
	uint64_t explain_len;
};

struct wire_head {
	uint64_t done;		/* records complete */
	uint64_t size;		/* the slot's size, when the child grew it */
	int64_t start_ms;	/* CLOCK_MONOTONIC ms the current message began */
};

struct wire_req {
	uint32_t magic;
	uint32_t slot;
	uint32_t n;		/* struct wire_job entries that follow */
	uint32_t pad;
	uint64_t size;		/* of the slot */
	uint64_t in_size;	/* page-aligned end of the message bytes */
	uint64_t rw_start;	/* first record, from in_size */
};

struct wire_job {
	uint64_t off, len;
};

struct wire_ack {
	uint32_t magic;
	uint32_t pad;
	uint64_t done;
};

/* worker_now_ms - monotonic milliseconds, the same clock in both
 * processes */
static inline long long
worker_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* worker_io_step - one read or write of up to n bytes: how many moved, 0
 * when it should be tried again (EINTR, EAGAIN), -1 on EOF or error */
static inline ssize_t
worker_io_step(int fd, void *buf, size_t n, int is_write)
{
	ssize_t r = is_write ? write(fd, buf, n) : read(fd, buf, n);

	if (r < 0 && (errno == EINTR || errno == EAGAIN))
		return 0;
	return r <= 0 ? -1 : r;
}

static inline size_t
worker_align8(size_t n)
{
	return (n + 7) & ~(size_t)7;
}

/* worker_child_main - the child: limits, then serve requests on fds 0
 * and 1 until the parent closes the pipe; never returns */
void worker_child_main(const struct scrub_policy *p, int flags)
    __attribute__((noreturn));

#endif
