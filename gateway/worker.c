/* worker - scrub messages in a child process (see worker.h).
 *
 * Wire format, host byte order (both ends are the same binary):
 *   request: uint64 length, then that many message bytes
 *   reply:   struct wire_reply, then out_len output bytes, then
 *            explain_len explain bytes
 * The child reads a whole request before it answers, so the parent can
 * write, then read, without deadlock.
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
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

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

#define WIRE_MAGIC 0x53475752u		/* "SGWR" */
#define EXPLAIN_MAX (64u << 20)

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

struct worker {
	const struct scrub_policy *policy;
	int flags;
	const void *unmap;
	size_t unmap_len;
	pid_t pid;		/* -1: not running */
	int req_fd, rep_fd;	/* parent's ends */
	unsigned restarts;
};

/* --- the child ---------------------------------------------------------- */

/* read_full - blocking read of exactly n bytes; 0, or -1 on EOF/error */
static int
read_full(int fd, void *p, size_t n)
{
	char *c = p;

	while (n > 0) {
		ssize_t r = read(fd, c, n);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		c += r;
		n -= (size_t)r;
	}
	return 0;
}

/* write_full - blocking write of exactly n bytes */
static int
write_full(int fd, const void *p, size_t n)
{
	const char *c = p;

	while (n > 0) {
		ssize_t w = write(fd, c, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		c += w;
		n -= (size_t)w;
	}
	return 0;
}

/* child_limits - no core files; bounded address space */
static void
child_limits(const struct scrub_policy *p)
{
	struct rlimit rl = { 0, 0 };
	rlim_t mb = scrub_policy_spec(p)->limits.worker_memory_mb;

	setrlimit(RLIMIT_CORE, &rl);
	if (WORKER_ASAN || RUNNING_ON_VALGRIND || getenv("SCRUBGATE_NO_RLIMIT"))
		return;
	rl.rlim_cur = rl.rlim_max = mb * 1024 * 1024;
	setrlimit(RLIMIT_AS, &rl);
}

/* child_reply - send one result */
static int
child_reply(int fd, const struct scrub_result *res)
{
	struct wire_reply w;

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
	w.out_len = res->err == ERR_OK ? res->out.len : 0;
	w.explain_len = res->explain.len;
	if (write_full(fd, &w, sizeof(w)) < 0 ||
	    (w.out_len && write_full(fd, res->out.p, w.out_len) < 0) ||
	    (w.explain_len && write_full(fd, res->explain.p, w.explain_len) < 0))
		return -1;
	return 0;
}

/* child_main - serve requests until the parent closes the pipe */
static void
child_main(const struct scrub_policy *p, int flags)
{
	uint64_t len;

	while (read_full(0, &len, sizeof(len)) == 0) {
		struct scrub_result res;
		char *msg = len < SIZE_MAX ? malloc((size_t)len + 1) : NULL;

		scrub_result_init(&res);
		if (msg == NULL)
			_exit(3);	/* cannot drain the request: restart */
		if (read_full(0, msg, (size_t)len) < 0)
			_exit(0);
		if (scrub_message(p, msg, (size_t)len, flags, &res) < 0 &&
		    res.err == ERR_OK)
			res.err = ERR_PARSE;
		explicit_bzero(msg, (size_t)len);
		free(msg);
		if (child_reply(1, &res) < 0)
			_exit(0);
		scrub_result_free(&res);
	}
	_exit(0);
}

/* --- the parent --------------------------------------------------------- */

/* now_ms - monotonic milliseconds */
static long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* worker_start - fork a fresh child */
static int
worker_start(struct worker *w)
{
	int req[2], rep[2];
	pid_t pid;

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
		if (dup2(req[0], 0) < 0 || dup2(rep[1], 1) < 0)
			_exit(2);
		close_range(3, ~0U, 0);
		if (w->unmap != NULL && w->unmap_len)
			munmap((void *)(uintptr_t)w->unmap, w->unmap_len);
		child_limits(w->policy);
		child_main(w->policy, w->flags);
	}
	close(req[0]);
	close(rep[1]);
	w->pid = pid;
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
	w->restarts++;
}

/* io_deadline - move n bytes through a non-blocking fd before the
 * deadline; 0 done, -1 broken pipe or EOF, -2 timeout */
static int
io_deadline(int fd, int out, void *p, size_t n, long long deadline)
{
	char *c = p;

	while (n > 0) {
		struct pollfd pfd = { fd, out ? POLLOUT : POLLIN, 0 };
		long long left = deadline - now_ms();
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
		r = out ? write(fd, c, n) : read(fd, c, n);
		if (r < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (r <= 0)
			return -1;
		c += r;
		n -= (size_t)r;
	}
	return 0;
}

/* read_into - append n bytes from the worker to b */
static int
read_into(struct worker *w, struct buf *b, uint64_t n, long long deadline)
{
	char *dst;

	if (n == 0)
		return 0;
	if (n > SIZE_MAX / 2 || (dst = buf_reserve(b, (size_t)n)) == NULL)
		return -1;
	if (io_deadline(w->rep_fd, 0, dst, (size_t)n, deadline) != 0)
		return -1;
	b->len += (size_t)n;
	b->p[b->len] = '\0';
	return 0;
}

/* take_reply - copy a checked wire reply into res */
static int
take_reply(const struct wire_reply *wr, size_t in_len, size_t max_msg,
    struct scrub_result *res)
{
	if (wr->magic != WIRE_MAGIC || wr->err >= ERR_COUNT ||
	    wr->out_len > (uint64_t)max_msg * 2 + in_len + (1u << 20) ||
	    wr->explain_len > EXPLAIN_MAX)
		return -1;
	res->err = (enum scrub_err)wr->err;
	res->changed = wr->changed != 0;
	res->stripped_recipients = wr->stripped;
	res->attachments_dropped = wr->dropped;
	for (size_t i = 0; i < KIND_MAX; i++)
		res->counts[i] = wr->counts[i];
	memcpy(res->message_id, wr->message_id, sizeof(res->message_id));
	res->message_id[sizeof(res->message_id) - 1] = '\0';
	memcpy(res->err_detail, wr->err_detail, sizeof(res->err_detail));
	res->err_detail[sizeof(res->err_detail) - 1] = '\0';
	return 0;
}

/* exchange - one request/reply; 0, -1 worker broken, -2 timeout */
static int
exchange(struct worker *w, const char *msg, size_t len,
    struct scrub_result *res)
{
	const struct scrub_limits *lim = &scrub_policy_spec(w->policy)->limits;
	long long deadline = now_ms() + lim->scrub_timeout_ms;
	uint64_t n = len;
	struct wire_reply wr;
	int rc;

	if ((rc = io_deadline(w->req_fd, 1, &n, sizeof(n), deadline)) != 0 ||
	    (rc = io_deadline(w->req_fd, 1, (void *)(uintptr_t)msg, len,
	    deadline)) != 0 ||
	    (rc = io_deadline(w->rep_fd, 0, &wr, sizeof(wr), deadline)) != 0)
		return rc;
	if (take_reply(&wr, len, lim->max_message_size, res) < 0)
		return -1;
	if (read_into(w, &res->out, wr.out_len, deadline) < 0 ||
	    read_into(w, &res->explain, wr.explain_len, deadline) < 0)
		return now_ms() >= deadline ? -2 : -1;
	return 0;
}

/* worker_fail - kill the child and describe why the message failed */
static int
worker_fail(struct worker *w, int rc, struct scrub_result *res)
{
	int st = 0;

	worker_kill(w, &st);
	buf_reset(&res->out);
	buf_reset(&res->explain);
	res->changed = 0;
	res->err = rc == -2 ? ERR_TIMEOUT : ERR_WORKER;
	if (rc == -2)
		snprintf(res->err_detail, sizeof(res->err_detail),
		    "no answer within the time limit");
	else if (WIFSIGNALED(st) && WTERMSIG(st) != SIGKILL)
		snprintf(res->err_detail, sizeof(res->err_detail),
		    "worker killed by signal %d", WTERMSIG(st));
	else
		snprintf(res->err_detail, sizeof(res->err_detail),
		    "worker ended without an answer");
	return -1;
}

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
	return w;
}

/* worker_scrub - one message through the child */
int
worker_scrub(struct worker *w, const char *msg, size_t len,
    struct scrub_result *res)
{
	int rc;

	if (w->pid <= 0 && worker_start(w) < 0) {
		res->err = ERR_WORKER;
		snprintf(res->err_detail, sizeof(res->err_detail),
		    "cannot start the worker: %s", strerror(errno));
		return -1;
	}
	if ((rc = exchange(w, msg, len, res)) != 0)
		return worker_fail(w, rc, res);
	return res->err == ERR_OK ? 0 : -1;
}

/* worker_restarts - workers killed so far */
unsigned
worker_restarts(const struct worker *w)
{
	return w->restarts;
}

/* worker_destroy - close the pipe; the child exits on EOF */
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
		while (waitpid(w->pid, &st, 0) < 0 && errno == EINTR)
			;
	}
	free(w);
	*wp = NULL;
}
