/* worker - scrub messages in a child process (see worker.h; the wire
 * format is in worker_int.h, the child in worker_child.c).
 *
 * The slots go round: one is filled while the child has up to two sent
 * ones to work through (the second waits in the pipe), so the parent
 * delivers the results of batch k while the child works on k+1 and k+2 and
 * a slow write of ours does not leave the child idle.  Every record is
 * checked (magic, error code, lengths inside the slot) before it is used;
 * after a crash the slots still out are sent again, in order, to the fresh
 * worker, so an answer always belongs to the oldest request out.
 */
#include "worker.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "worker_int.h"

#define EXPLAIN_MAX (64u << 20)
#define BATCH_BYTES (1u << 20)		/* message bytes in one batch */

/* why a message has no record */
enum fail { FAIL_NONE, FAIL_TIMEOUT, FAIL_ENDED, FAIL_SIGNAL, FAIL_START,
	FAIL_COPY };

struct job {
	size_t off, len;	/* its bytes in the slot */
	size_t rec;		/* its record, from in_size (fail == FAIL_NONE) */
	enum fail fail;
	int arg;		/* signal number or errno */
	size_t tag_len;
	unsigned char tag[WORKER_TAG_MAX];
};

struct slot {
	int fd;			/* memfd, -1 until first use */
	char *map;
	size_t size;		/* of the file and the mapping */
	size_t in_used;		/* message bytes */
	size_t in_size;		/* layout of the batch out (worker_int.h) */
	size_t rw_pos;		/* where the next record goes, from in_size */
	struct job *jobs;
	size_t n, cap;
	size_t next;		/* first job without a result */
	long long sent_at;	/* when its request was sent */
	unsigned gen;		/* the worker it was sent to (0: none) */
};

struct worker {
	const struct scrub_policy *policy;
	int flags;
	const void *unmap;
	size_t unmap_len;
	worker_done_fn done;
	void *ctx;
	pid_t pid;		/* -1: not running */
	int req_fd, rep_fd;	/* parent's ends */
	unsigned restarts;
	unsigned gen;		/* the worker now running, counted from 1 */
	int out;		/* requests sent to it, not yet answered */
	long long acked_at;	/* when its last answer was read */
	struct slot slot[WORKER_SLOTS];
	int queue[WORKER_SLOTS];	/* slots sent, oldest first */
	int nq;
	int fill;		/* the slot being filled */
	int stopped;		/* done said stop */
	struct scrub_result res;	/* delivery scratch */
};

static size_t
page_round(size_t n)
{
	size_t pg = (size_t)sysconf(_SC_PAGESIZE);

	return (n + pg - 1) / pg * pg;
}

/* out_bound - the longest output a message of len bytes may come back
 * with (scrub caps it well below) */
static size_t
out_bound(size_t len, size_t max_msg)
{
	return max_msg * 2 + len + (1u << 20);
}

/* --- the parent: the child's life --------------------------------------- */

/* worker_start - fork a fresh child */
static int
worker_start(struct worker *w)
{
	int req[2], rep[2];
	pid_t pid;

	/* every slot exists before the fork: the child inherits them */
	for (int i = 0; i < WORKER_SLOTS; i++)
		if (w->slot[i].fd < 0 && (w->slot[i].fd =
		    memfd_create("scrubgate-slot", MFD_CLOEXEC)) < 0)
			return -1;
	if (pipe2(req, O_CLOEXEC) < 0)
		return -1;
	if (pipe2(rep, O_CLOEXEC) < 0) {
		close(req[0]);
		close(req[1]);
		return -1;
	}
	fflush(NULL);
	if ((pid = fork()) < 0) {
		close(req[0]); close(req[1]); close(rep[0]); close(rep[1]);
		return -1;
	}
	if (pid == 0) {
		int tmp[WORKER_SLOTS];

		/* fds 0, 1: the pipes; from SLOT_FD0: the slots (moved out of
		 * the way first: one may sit on another's target) */
		if (dup2(req[0], 0) < 0 || dup2(rep[1], 1) < 0)
			_exit(2);
		for (int i = 0; i < WORKER_SLOTS; i++)
			if ((tmp[i] = fcntl(w->slot[i].fd, F_DUPFD,
			    SLOT_FD0 + WORKER_SLOTS)) < 0)
				_exit(2);
		for (int i = 0; i < WORKER_SLOTS; i++)
			if (dup2(tmp[i], SLOT_FD0 + i) < 0)
				_exit(2);
		close_range(SLOT_FD0 + WORKER_SLOTS, ~0U, 0);
		for (int i = 0; i < WORKER_SLOTS; i++)
			if (w->slot[i].map != NULL)
				munmap(w->slot[i].map, w->slot[i].size);
		if (w->unmap != NULL && w->unmap_len)
			munmap((void *)(uintptr_t)w->unmap, w->unmap_len);
		worker_child_main(w->policy, w->flags);
	}
	close(req[0]);
	close(rep[1]);
	w->pid = pid;
	w->gen++;
	w->out = 0;
	w->acked_at = 0;
	w->req_fd = req[1];
	w->rep_fd = rep[0];
	fcntl(w->req_fd, F_SETFL, O_NONBLOCK);
	fcntl(w->rep_fd, F_SETFL, O_NONBLOCK);
	return 0;
}

/* worker_kill - stop the child for good; *status_r its wait status */
static void
worker_kill(struct worker *w, int *status_r)
{
	int st = 0;

	if (w->pid <= 0)
		return;
	close(w->req_fd);
	close(w->rep_fd);
	kill(w->pid, SIGKILL);
	while (waitpid(w->pid, &st, 0) < 0 && errno == EINTR)
		;
	if (status_r)
		*status_r = st;
	w->pid = -1;
	w->req_fd = w->rep_fd = -1;
	w->out = 0;
	w->restarts++;
}

/* io_deadline - move n bytes through a non-blocking fd before the
 * deadline; 0 done, -1 broken pipe or EOF, -2 timeout */
static int
io_deadline(int fd, int is_write, void *buf, size_t n, long long deadline)
{
	char *c = buf;

	while (n > 0) {
		struct pollfd pfd = { fd, is_write ? POLLOUT : POLLIN, 0 };
		long long left = deadline - worker_now_ms();
		ssize_t r;

		if (left <= 0)
			return -2;
		if (poll(&pfd, 1, left > 1000000 ? 1000000 : (int)left) < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (pfd.revents == 0)
			continue;
		if ((r = worker_io_step(fd, c, n, is_write)) < 0)
			return -1;
		c += r;
		n -= (size_t)r;
	}
	return 0;
}

/* --- the parent: slots ---------------------------------------------------- */

static const struct scrub_limits *
limits(const struct worker *w)
{
	return &scrub_policy_spec(w->policy)->limits;
}

/* slot_resize - the memfd and the parent's mapping at size bytes */
static int
slot_resize(struct slot *s, size_t size)
{
	void *m;

	if (s->fd < 0 && (s->fd = memfd_create("scrubgate-slot", MFD_CLOEXEC)) < 0)
		return -1;
	if (ftruncate(s->fd, (off_t)size) < 0)
		return -1;
	m = s->map == NULL ? mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED,
	    s->fd, 0) : mremap(s->map, s->size, size, MREMAP_MAYMOVE);
	if (m == MAP_FAILED) {
		/* the old mapping is still there: the file goes back to its
		 * size (were that to fail, a larger file does no harm) */
		if (s->map != NULL && ftruncate(s->fd, (off_t)s->size) < 0)
			errno = ENOMEM;
		return -1;
	}
	s->map = m;
	s->size = size;
	return 0;
}

/* slot_add - copy one message and its tag into the slot */
static int
slot_add(struct slot *s, const char *msg, size_t len, const void *tag,
    size_t tag_len)
{
	size_t off = worker_align8(s->in_used);
	struct job *j;

	if (tag_len > WORKER_TAG_MAX || len > SIZE_MAX / 4 - off) {
		errno = EINVAL;
		return -1;
	}
	if (s->n == s->cap) {
		size_t ncap = s->cap ? s->cap * 2 : 32;
		void *nv = realloc(s->jobs, ncap * sizeof(*s->jobs));

		if (nv == NULL)
			return -1;
		s->jobs = nv;
		s->cap = ncap;
	}
	if (off + len > s->size && slot_resize(s, page_round(off + len > 2 *
	    s->size ? off + len : 2 * s->size) + BATCH_BYTES) < 0)
		return -1;
	if (len)
		memcpy(s->map + off, msg, len);
	j = &s->jobs[s->n++];
	j->off = off;
	j->len = len;
	j->fail = FAIL_NONE;
	j->rec = 0;
	j->tag_len = tag_len;
	if (tag_len)
		memcpy(j->tag, tag, tag_len);
	s->in_used = off + len;
	return 0;
}

/* slot_layout - place the result area after the messages, sized for
 * outputs about as long as their inputs (an unchanged message sends none;
 * the child grows the slot when a record does not fit); a slot much
 * larger than needed shrinks */
static int
slot_layout(struct slot *s)
{
	size_t rw = RW_HEAD + s->in_used + s->in_used / 4 + s->n *
	    (sizeof(struct wire_reply) + 8) + 65536;
	size_t want;

	s->in_size = page_round(s->in_used + 1);
	want = s->in_size + page_round(rw);
	s->rw_pos = RW_HEAD;
	s->next = 0;
	s->gen = 0;
	/* some slack, so that batches of about one size keep one mapping */
	if (s->size < want)
		return slot_resize(s, page_round(want + want / 4));
	if (s->size > 4 * want && s->size > 16 * BATCH_BYTES)
		return slot_resize(s, want);
	return 0;
}

static struct wire_head *
slot_head(const struct slot *s)
{
	return (struct wire_head *)(void *)(s->map + s->in_size);
}

/* slot_fail - job j of s has no result, for this reason */
static void
slot_fail(struct slot *s, size_t j, enum fail why, int arg)
{
	s->jobs[j].fail = why;
	s->jobs[j].arg = arg;
}

/* --- the parent: one batch -------------------------------------------------- */

/* send_request - the jobs of s from s->next on to the child */
static int
send_request(struct worker *w, struct slot *s)
{
	struct {
		struct wire_req rq;
		struct wire_job jv[BATCH_MAX];
	} m;
	struct wire_head *head = slot_head(s);
	size_t n = s->n - s->next;

	memset(&m.rq, 0, sizeof(m.rq));
	m.rq.magic = WIRE_REQ;
	m.rq.slot = (uint32_t)(s - w->slot);
	m.rq.n = (uint32_t)n;
	m.rq.size = s->size;
	m.rq.in_size = s->in_size;
	m.rq.rw_start = s->rw_pos;
	for (size_t i = 0; i < n; i++) {
		m.jv[i].off = s->jobs[s->next + i].off;
		m.jv[i].len = s->jobs[s->next + i].len;
	}
	head->done = head->size = 0;
	head->start_ms = s->sent_at = worker_now_ms();
	s->gen = w->gen;
	w->out++;
	return io_deadline(w->req_fd, 1, &m, sizeof(m.rq) + n * sizeof(m.jv[0]),
	    s->sent_at + limits(w)->scrub_timeout_ms);
}

/* slot_send - start the worker if need be and send the jobs of s from
 * s->next on: 0 sent, -1/-2 as io_deadline; 1 when the worker cannot
 * start (every job left has failed then) */
static int
slot_send(struct worker *w, struct slot *s)
{
	if (w->pid <= 0 && worker_start(w) < 0) {
		int e = errno;

		while (s->next < s->n)
			slot_fail(s, s->next++, FAIL_START, e);
		return 1;
	}
	return send_request(w, s);
}

/* wait_ack - wait for the child's answer to s, the oldest request out,
 * each message bounded by the time limit from when it began: the child's
 * stamp, kept between the parent's own observations (s cannot have begun
 * before it was sent, nor before the answer to the request before it);
 * 0 answered, -1 broken, -2 timeout */
static int
wait_ack(struct worker *w, struct slot *s)
{
	const struct wire_head *head = slot_head(s);
	long long seen_at = s->sent_at > w->acked_at ? s->sent_at : w->acked_at;
	long long timeout = limits(w)->scrub_timeout_ms;
	uint64_t seen = UINT64_MAX;
	struct wire_ack ack;

	for (;;) {
		uint64_t d = __atomic_load_n(&head->done, __ATOMIC_ACQUIRE);
		long long now = worker_now_ms(), started, left;
		struct pollfd pfd = { w->rep_fd, POLLIN, 0 };

		if (d != seen) {
			started = __atomic_load_n(&head->start_ms, __ATOMIC_RELAXED);
			seen = d;
			seen_at = started < seen_at ? seen_at : started > now ? now :
			    started;
		}
		if ((left = seen_at + timeout - now) <= 0)
			return -2;
		if (poll(&pfd, 1, left > 1000000 ? 1000000 : (int)left) < 0 &&
		    errno != EINTR)
			return -1;
		if (pfd.revents == 0)
			continue;
		if (io_deadline(w->rep_fd, 0, &ack, sizeof(ack),
		    worker_now_ms() + timeout) != 0 || ack.magic != WIRE_ACK)
			return -1;
		w->out--;
		w->acked_at = worker_now_ms();
		return 0;
	}
}

/* slot_bound - the largest size the child may grow s to: every record
 * as large as it may be */
static size_t
slot_bound(const struct worker *w, const struct slot *s)
{
	size_t max_msg = limits(w)->max_message_size, b = s->in_size + RW_HEAD;

	for (size_t i = 0; i < s->n; i++) {
		size_t r = sizeof(struct wire_reply) + 8 +
		    out_bound(s->jobs[i].len, max_msg) + EXPLAIN_MAX;

		if (r > SIZE_MAX / 4 - b)
			return SIZE_MAX / 4;
		b += r;
	}
	return b;
}

/* follow_growth - map what the child grew s to; -1 when it claims more
 * than it may or than the file holds */
static int
follow_growth(struct worker *w, struct slot *s)
{
	uint64_t size = __atomic_load_n(&slot_head(s)->size, __ATOMIC_ACQUIRE);
	struct stat st;
	void *m;

	if (size <= s->size)
		return 0;
	if (size > slot_bound(w, s) || fstat(s->fd, &st) < 0 ||
	    (uint64_t)st.st_size < size ||
	    (m = mremap(s->map, s->size, (size_t)size, MREMAP_MAYMOVE)) == MAP_FAILED)
		return -1;
	s->map = m;
	s->size = (size_t)size;
	return 0;
}

/* take_records - check the records the child published and attach them
 * to their jobs; -1 when one is garbage (s->next is then that job) */
static int
take_records(struct worker *w, struct slot *s)
{
	uint64_t done = __atomic_load_n(&slot_head(s)->done, __ATOMIC_ACQUIRE);
	size_t max_msg = limits(w)->max_message_size;

	if (done > 0 && follow_growth(w, s) < 0)
		return -1;

	if (done > s->n - s->next)
		done = s->n - s->next;
	for (; done > 0; done--) {
		struct job *j = &s->jobs[s->next];
		size_t avail = s->size - s->in_size - s->rw_pos;
		struct wire_reply wr;

		if (avail < sizeof(wr))
			return -1;
		memcpy(&wr, s->map + s->in_size + s->rw_pos, sizeof(wr));
		if (wr.magic != WIRE_MAGIC || wr.err >= ERR_COUNT ||
		    wr.out_len > out_bound(j->len, max_msg) ||
		    wr.explain_len > EXPLAIN_MAX ||
		    wr.out_len + wr.explain_len > avail - sizeof(wr))
			return -1;
		j->rec = s->rw_pos;
		s->rw_pos = worker_align8(s->rw_pos + sizeof(wr) + wr.out_len +
		    wr.explain_len);
		if (s->rw_pos > s->size - s->in_size)
			s->rw_pos = s->size - s->in_size;
		s->next++;
	}
	return 0;
}

/* resend - the slots out after a fresh worker started: each sent again
 * (what is left of it), in order, behind the one being waited for */
static void
resend(struct worker *w)
{
	for (int i = 0; i < w->nq; i++) {
		struct slot *s = &w->slot[w->queue[i]];

		if (s->gen != w->gen && s->next < s->n)
			slot_send(w, s);
	}
}

/* wait_slot - until every job of s has a record or a failure; rc: how
 * sending its request went (0: it is out).  A child that dies, hangs or
 * answers garbage costs the message it was on; the rest of s, and the
 * slots out behind it, go to a fresh one. */
static void
wait_slot(struct worker *w, struct slot *s, int rc)
{
	while (s->next < s->n) {
		int st = 0;

		if (rc == 0)
			rc = wait_ack(w, s);
		if (take_records(w, s) < 0 || (rc == 0 && s->next < s->n))
			rc = -1;	/* s->next is the garbage */
		if (rc == 0)
			break;
		worker_kill(w, &st);
		if (s->next < s->n) {
			if (rc == -2)
				slot_fail(s, s->next, FAIL_TIMEOUT, 0);
			else if (WIFSIGNALED(st) && WTERMSIG(st) != SIGKILL)
				slot_fail(s, s->next, FAIL_SIGNAL, WTERMSIG(st));
			else
				slot_fail(s, s->next, FAIL_ENDED, 0);
			s->next++;
		}
		rc = s->next < s->n ? slot_send(w, s) : 1;
		resend(w);
	}
}

/* --- the parent: results ------------------------------------------------------ */

/* fill_result - the result of job j into w->res */
static void
fill_result(struct worker *w, const struct slot *s, const struct job *j)
{
	struct scrub_result *res = &w->res;
	struct wire_reply wr;
	const char *data;

	buf_reset(&res->out);
	buf_reset(&res->explain);
	memset(res->counts, 0, sizeof(res->counts));
	res->changed = 0;
	res->stripped_recipients = res->attachments_dropped = 0;
	res->message_id[0] = res->err_detail[0] = '\0';
	res->err = j->fail == FAIL_TIMEOUT ? ERR_TIMEOUT : ERR_WORKER;
	switch (j->fail) {
	case FAIL_TIMEOUT:
		snprintf(res->err_detail, sizeof(res->err_detail),
		    "no answer within the time limit");
		return;
	case FAIL_SIGNAL:
		snprintf(res->err_detail, sizeof(res->err_detail),
		    "worker killed by signal %d", j->arg);
		return;
	case FAIL_ENDED:
		snprintf(res->err_detail, sizeof(res->err_detail),
		    "worker ended without an answer");
		return;
	case FAIL_START:
	case FAIL_COPY:
		snprintf(res->err_detail, sizeof(res->err_detail), "cannot %s: %s",
		    j->fail == FAIL_START ? "start the worker" :
		    "pass the message to the worker", strerror(j->arg));
		return;
	case FAIL_NONE:
		break;
	}
	data = s->map + s->in_size + j->rec;
	memcpy(&wr, data, sizeof(wr));
	res->err = (enum scrub_err)wr.err;
	res->changed = wr.changed != 0;
	res->stripped_recipients = wr.stripped;
	res->attachments_dropped = wr.dropped;
	for (size_t i = 0; i < KIND_MAX; i++)
		res->counts[i] = wr.counts[i];
	memcpy(res->message_id, wr.message_id, sizeof(res->message_id));
	res->message_id[sizeof(res->message_id) - 1] = '\0';
	memcpy(res->err_detail, wr.err_detail, sizeof(res->err_detail));
	res->err_detail[sizeof(res->err_detail) - 1] = '\0';
	if (res->err != ERR_OK)
		res->changed = 0;
	data += sizeof(wr);
	if ((res->changed && buf_append(&res->out, data, wr.out_len) < 0) ||
	    buf_append(&res->explain, data + wr.out_len, wr.explain_len) < 0) {
		buf_reset(&res->out);
		res->changed = 0;
		res->err = ERR_NOMEM;
		snprintf(res->err_detail, sizeof(res->err_detail),
		    "message: %s", scrub_err_info(ERR_NOMEM)->text);
	}
}

/* deliver - every result of s to the callback, in order; the slot is
 * empty afterwards */
static int
deliver(struct worker *w, struct slot *s)
{
	int rc = 0;

	for (size_t i = 0; i < s->n && rc == 0; i++) {
		const struct job *j = &s->jobs[i];

		fill_result(w, s, j);
		if (w->done(w->ctx, j->tag, s->map + j->off, j->len, &w->res) < 0)
			rc = -1;
	}
	s->n = s->next = s->in_used = 0;
	if (rc < 0)
		w->stopped = 1;
	return rc;
}

/* retire - wait for the oldest slot out and deliver it */
static int
retire(struct worker *w)
{
	struct slot *s = &w->slot[w->queue[0]];

	if (s->next < s->n)
		wait_slot(w, s, s->gen == w->gen ? 0 : slot_send(w, s));
	w->nq--;
	memmove(w->queue, w->queue + 1, (size_t)w->nq * sizeof(w->queue[0]));
	return deliver(w, s);
}

/* flush - send the slot being filled, then deliver sent slots until one
 * is free again (all of them when drain) */
static int
flush(struct worker *w, int drain)
{
	struct slot *f = &w->slot[w->fill];

	if (f->n > 0) {
		if (slot_layout(f) < 0) {
			int e = errno;

			while (f->next < f->n)
				slot_fail(f, f->next++, FAIL_COPY, e);
		} else {
			resend(w);	/* a worker that is gone gets them back first */
			slot_send(w, f);	/* a failure shows when it is waited for */
		}
		w->queue[w->nq++] = w->fill;
		w->fill = -1;
	}
	while (w->nq > 0 && (drain || w->nq >= WORKER_SLOTS))
		if (retire(w) < 0)
			return -1;
	for (int i = 0; w->fill < 0 && i < WORKER_SLOTS; i++)
		if (w->slot[i].n == 0)
			w->fill = i;
	return 0;
}

/* --- the parent: the interface -------------------------------------------------- */

/* worker_create - the worker starts on first use */
struct worker *
worker_create(const struct scrub_policy *p, int flags, const void *unmap,
    size_t unmap_len)
{
	struct worker *w = calloc(1, sizeof(*w));

	if (w == NULL)
		return NULL;
	signal(SIGPIPE, SIG_IGN);
	w->policy = p;
	w->flags = flags;
	w->unmap = unmap;
	w->unmap_len = unmap_len;
	w->pid = -1;
	w->req_fd = w->rep_fd = -1;
	for (int i = 0; i < WORKER_SLOTS; i++)
		w->slot[i].fd = -1;
	scrub_result_init(&w->res);
	return w;
}

/* worker_on_done - where the results of worker_submit go */
void
worker_on_done(struct worker *w, worker_done_fn done, void *ctx)
{
	w->done = done;
	w->ctx = ctx;
}

/* worker_submit - queue one message; full batches go out */
int
worker_submit(struct worker *w, const char *msg, size_t len, const void *tag,
    size_t tag_len)
{
	struct slot *f = &w->slot[w->fill];
	struct job j;

	if (w->stopped)
		return -1;
	if (f->n > 0 && (f->n == BATCH_MAX || f->in_used + len > BATCH_BYTES)) {
		if (flush(w, 0) < 0)
			return -1;
		f = &w->slot[w->fill];
	}
	if (slot_add(f, msg, len, tag, tag_len) == 0)
		return 0;
	/* no room for a copy: it fails, after everything before it */
	memset(&j, 0, sizeof(j));
	j.fail = FAIL_COPY;
	j.arg = errno;
	if (worker_finish(w) < 0)
		return -1;
	fill_result(w, f, &j);
	if (w->done(w->ctx, tag, msg, len, &w->res) < 0) {
		w->stopped = 1;
		return -1;
	}
	return 0;
}

/* worker_finish - deliver every result still owed */
int
worker_finish(struct worker *w)
{
	if (w->stopped)
		return -1;
	return flush(w, 1);
}

/* capture - worker_scrub's callback: the result into the caller's res */
static int
capture(void *ctx, const void *tag, const char *msg, size_t len,
    struct scrub_result *r)
{
	struct scrub_result *res = ctx;

	res->err = r->err;
	res->changed = r->changed;
	memcpy(res->counts, r->counts, sizeof(res->counts));
	res->stripped_recipients = r->stripped_recipients;
	res->attachments_dropped = r->attachments_dropped;
	memcpy(res->message_id, r->message_id, sizeof(res->message_id));
	memcpy(res->err_detail, r->err_detail, sizeof(res->err_detail));
	buf_reset(&res->out);
	buf_reset(&res->explain);
	if (r->err == ERR_OK && buf_append(&res->out, r->changed ? r->out.p :
	    msg, r->changed ? r->out.len : len) < 0)
		res->err = ERR_NOMEM;
	if (buf_append(&res->explain, r->explain.p, r->explain.len) < 0)
		res->err = ERR_NOMEM;
	return 0;
}

/* worker_scrub - one message, synchronously */
int
worker_scrub(struct worker *w, const char *msg, size_t len,
    struct scrub_result *res)
{
	worker_done_fn done = w->done;
	void *ctx = w->ctx;
	int rc;

	if (worker_finish(w) < 0) {
		res->err = ERR_WORKER;
		snprintf(res->err_detail, sizeof(res->err_detail),
		    "worker stopped");
		return -1;
	}
	w->done = capture;
	w->ctx = res;
	rc = worker_submit(w, msg, len, NULL, 0) < 0 ? -1 : worker_finish(w);
	w->done = done;
	w->ctx = ctx;
	return rc == 0 && res->err == ERR_OK ? 0 : -1;
}

/* worker_restarts - workers killed so far */
unsigned
worker_restarts(const struct worker *w)
{
	return w->restarts;
}

/* worker_destroy - close the pipe (the child exits on EOF), drop the
 * slots */
void
worker_destroy(struct worker **wp)
{
	struct worker *w = *wp;
	int st;

	if (w == NULL)
		return;
	if (w->pid > 0) {
		close(w->req_fd);
		close(w->rep_fd);
		if (w->out > 0)	/* mid-batch, maybe stuck: no one waits for it */
			kill(w->pid, SIGKILL);
		while (waitpid(w->pid, &st, 0) < 0 && errno == EINTR)
			;
	}
	for (int i = 0; i < WORKER_SLOTS; i++) {
		if (w->slot[i].map != NULL)
			munmap(w->slot[i].map, w->slot[i].size);
		if (w->slot[i].fd >= 0)
			close(w->slot[i].fd);
		free(w->slot[i].jobs);
	}
	scrub_result_free(&w->res);
	free(w);
	*wp = NULL;
}
