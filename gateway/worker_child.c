/* worker_child - the scrub worker's side of gateway/worker.c: serve
 * batches from the shared slots (wire format in worker_int.h).
 *
 * It runs in a fork()ed child with RLIMIT_CORE = 0 and RLIMIT_AS =
 * limits.worker_memory_mb (not under ASan or valgrind); anything it cannot
 * make sense of ends it (_exit), which the parent sees and answers for.
 */
#include <malloc.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>

#include "worker_int.h"

#if defined(__SANITIZE_ADDRESS__)
#define WORKER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define WORKER_ASAN 1
#endif
#endif
#ifndef WORKER_ASAN
#define WORKER_ASAN 0
#endif

#if defined(__has_include)
#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#endif
#endif
#ifndef RUNNING_ON_VALGRIND
#define RUNNING_ON_VALGRIND 0
#endif

/* io_full - move exactly n bytes through a blocking fd; 0, or -1 on EOF
 * or error */
static int
io_full(int fd, void *buf, size_t n, int is_write)
{
	char *c = buf;

	while (n > 0) {
		ssize_t r = worker_io_step(fd, c, n, is_write);

		if (r < 0)
			return -1;
		c += r;
		n -= (size_t)r;
	}
	return 0;
}

struct cslot {
	char *map;
	size_t size, in_size;
};

/* child_limits - no core files; bounded address space; a heap that keeps
 * its pages between messages (no trim, no mmap per large buffer) */
static void
child_limits(const struct scrub_policy *p)
{
	struct rlimit rl = { 0, 0 };
	rlim_t mb = scrub_policy_spec(p)->limits.worker_memory_mb;

	setrlimit(RLIMIT_CORE, &rl);
	mallopt(M_TRIM_THRESHOLD, 64 << 20);
	mallopt(M_MMAP_THRESHOLD, 32 << 20);
	if (WORKER_ASAN || RUNNING_ON_VALGRIND || getenv("SCRUBGATE_NO_RLIMIT"))
		return;
	rl.rlim_cur = rl.rlim_max = mb * 1024 * 1024;
	setrlimit(RLIMIT_AS, &rl);
}

/* child_map - the slot as the request describes it: mapped again only
 * when its size changed, the messages read-only up to in_size; -1 on a
 * bad request */
static int
child_map(struct cslot *cs, int fd, const struct wire_req *rq)
{
	size_t pg = (size_t)sysconf(_SC_PAGESIZE);

	if (rq->in_size % pg || rq->in_size >= rq->size ||
	    rq->rw_start < RW_HEAD || rq->rw_start > rq->size - rq->in_size)
		return -1;
	if (cs->map != NULL && cs->size != rq->size) {
		munmap(cs->map, cs->size);
		cs->map = NULL;
	}
	if (cs->map == NULL) {
		cs->map = mmap(NULL, rq->size, PROT_READ | PROT_WRITE, MAP_SHARED,
		    fd, 0);
		if (cs->map == MAP_FAILED) {
			cs->map = NULL;
			return -1;
		}
		cs->size = rq->size;
		cs->in_size = 0;
	}
	if (cs->in_size == rq->in_size)
		return 0;
	/* the messages are the parent's evidence for the quarantine */
	if ((cs->in_size > rq->in_size && mprotect(cs->map + rq->in_size,
	    cs->in_size - rq->in_size, PROT_READ | PROT_WRITE) < 0) ||
	    mprotect(cs->map, rq->in_size, PROT_READ) < 0)
		return -1;
	cs->in_size = rq->in_size;
	return 0;
}

/* child_grow - make room for n bytes at pos: the slot's file and this
 * mapping grow, the new size goes to the head; -1 when that fails */
static int
child_grow(struct cslot *cs, int fd, size_t pos, size_t n)
{
	size_t pg = (size_t)sysconf(_SC_PAGESIZE), size;
	void *m;

	if (n > SIZE_MAX / 4 - pos)
		return -1;
	size = (pos + n + 65536 + pg - 1) / pg * pg;
	/* mapped afresh, not mremap'd: the read-only part makes it two
	 * mappings, which mremap cannot move; the bytes are in the file */
	if (ftruncate(fd, (off_t)size) < 0 ||
	    (m = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0)) ==
	    MAP_FAILED)
		return -1;
	munmap(cs->map, cs->size);
	cs->map = m;
	cs->size = size;
	if (mprotect(cs->map, cs->in_size, PROT_READ) < 0)
		return -1;
	((struct wire_head *)(void *)(cs->map + cs->in_size))->size = size;
	return 0;
}

/* child_record - write res at *pos, growing the slot when it does not
 * fit; -1 when it cannot */
static int
child_record(struct cslot *cs, int fd, size_t *pos,
    const struct scrub_result *res)
{
	struct wire_reply w;
	size_t out_len = res->err == ERR_OK && res->changed ? res->out.len : 0;
	size_t total = sizeof(w) + out_len + res->explain.len;
	char *at;

	if (total > cs->size - *pos && child_grow(cs, fd, *pos, total) < 0)
		return -1;
	at = cs->map + *pos;
	memset(&w, 0, sizeof(w));
	w.magic = WIRE_MAGIC;
	w.err = (uint32_t)res->err;
	w.changed = (uint32_t)res->changed;
	w.stripped = res->stripped_recipients;
	w.dropped = res->attachments_dropped;
	for (size_t i = 0; i < KIND_MAX; i++)
		w.counts[i] = res->counts[i];
	memcpy(w.message_id, res->message_id, sizeof(w.message_id) - 1);
	memcpy(w.err_detail, res->err_detail, sizeof(w.err_detail) - 1);
	w.out_len = out_len;
	w.explain_len = res->explain.len;
	memcpy(at, &w, sizeof(w));
	if (out_len)
		memcpy(at + sizeof(w), res->out.p, out_len);
	if (res->explain.len)
		memcpy(at + sizeof(w) + out_len, res->explain.p, res->explain.len);
	*pos = worker_align8(*pos + total);
	if (*pos > cs->size)
		*pos = cs->size;
	return 0;
}

/* child_batch - scrub the request's messages, a record each */
static void
child_batch(const struct scrub_policy *p, int flags, struct cslot *cs,
    int fd, const struct wire_req *rq, const struct wire_job *jv)
{
	size_t pos = cs->in_size + rq->rw_start;

	for (uint64_t i = 0; i < rq->n; i++) {
		struct scrub_result res;
		int rc;

		if (jv[i].off > cs->in_size || jv[i].len > cs->in_size - jv[i].off)
			_exit(3);
		/* the head is looked up anew: growing may move the mapping */
		__atomic_store_n(&((struct wire_head *)(void *)(cs->map +
		    cs->in_size))->start_ms, (int64_t)worker_now_ms(),
		    __ATOMIC_RELAXED);
		scrub_result_init(&res);
		if (scrub_message(p, cs->map + jv[i].off, (size_t)jv[i].len, flags,
		    &res) < 0 && res.err == ERR_OK)
			res.err = ERR_PARSE;
		rc = child_record(cs, fd, &pos, &res);
		scrub_result_free(&res);
		if (rc < 0)
			_exit(3);	/* no room for the result: this message fails */
		__atomic_store_n(&((struct wire_head *)(void *)(cs->map +
		    cs->in_size))->done, i + 1, __ATOMIC_RELEASE);
	}
}

/* worker_child_main - see worker_int.h */
void
worker_child_main(const struct scrub_policy *p, int flags)
{
	struct cslot cs[WORKER_SLOTS];
	struct wire_req rq;
	struct wire_job jv[BATCH_MAX];
	struct wire_ack ack = { WIRE_ACK, 0, 0 };

	child_limits(p);
	memset(cs, 0, sizeof(cs));
	while (io_full(0, &rq, sizeof(rq), 0) == 0) {
		if (rq.magic != WIRE_REQ || rq.slot >= WORKER_SLOTS || rq.n == 0 ||
		    rq.n > BATCH_MAX)
			_exit(3);
		if (io_full(0, jv, rq.n * sizeof(jv[0]), 0) < 0)
			_exit(0);
		if (child_map(&cs[rq.slot], SLOT_FD0 + (int)rq.slot, &rq) < 0)
			_exit(3);
		child_batch(p, flags, &cs[rq.slot], SLOT_FD0 + (int)rq.slot, &rq, jv);
		ack.done = rq.n;
		if (io_full(1, &ack, sizeof(ack), 1) < 0)
			_exit(0);
	}
	_exit(0);
}

