/* test_worker - the scrub worker process: results come back whole, a
 * crashing or hanging scrub costs one message (ERR_WORKER / ERR_TIMEOUT),
 * the worker restarts and the next message is fine, also when the fault
 * sits in the middle of a batch.  Faults are injected
 * with the stub scrub core (stub_scrub.c, compiled into this test only:
 * it defines the whole scrub.h API, so filters/scrub.o is not linked).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "stub_scrub.c"
#include "worker.h"

static void
test_worker(void)
{
	struct policy_spec spec;
	struct scrub_policy *p;
	struct worker *w;
	struct scrub_result r;
	const char *err = NULL;
	const char *ok = "Message-ID: <a@b>\n\nhi alice@example.com\n";
	size_t big_len = 5u << 20;
	char *big;

	policy_spec_defaults(&spec);
	spec.limits.scrub_timeout_ms = 300;
	p = scrub_policy_create(&spec, &err);
	CHECK(p != NULL);
	w = worker_create(p, SCRUB_EXPLAIN, NULL, 0);
	CHECK(w != NULL);

	scrub_result_init(&r);
	CHECK(worker_scrub(w, ok, strlen(ok), &r) == 0);
	CHECK(r.err == ERR_OK && r.changed && r.counts[KIND_EMAIL] == 1);
	CHECK(strcmp(r.out.p, "Message-ID: <a@b>\n\nhi [EMAIL]\n") == 0);
	CHECK(strcmp(r.message_id, "<a@b>") == 0);
	CHECK(r.explain.len > 0 && strstr(r.explain.p, "email"));
	scrub_result_free(&r);

	scrub_result_init(&r);
	CHECK(worker_scrub(w, "X-Stub: crash\n\n", 15, &r) == -1);
	CHECK(r.err == ERR_WORKER && r.out.len == 0);
	CHECK(strstr(r.err_detail, "signal") != NULL);
	scrub_result_free(&r);
	CHECK(worker_restarts(w) == 1);

	scrub_result_init(&r);
	CHECK(worker_scrub(w, "X-Stub: hang\n\n", 14, &r) == -1);
	CHECK(r.err == ERR_TIMEOUT);
	scrub_result_free(&r);
	CHECK(worker_restarts(w) == 2);

	scrub_result_init(&r);
	CHECK(worker_scrub(w, "a: multipart/ multipart/\n\n", 26, &r) == 0);
	scrub_result_free(&r);
	spec.limits.max_depth = 1;	/* the worker forked earlier keeps 20 */
	scrub_result_init(&r);
	CHECK(worker_scrub(w, "a: multipart/ multipart/\n\n", 26, &r) == 0);
	scrub_result_free(&r);

	/* a large message makes the round trip intact (pipes, partial I/O) */
	big = malloc(big_len);
	for (size_t i = 0; big && i < big_len; i++)
		big[i] = (char)('a' + i % 26);
	scrub_result_init(&r);
	spec.limits.scrub_timeout_ms = 30000;
	CHECK(big && worker_scrub(w, big, big_len, &r) == 0);
	CHECK(r.out.len == big_len && memcmp(r.out.p, big, big_len) == 0);
	scrub_result_free(&r);
	free(big);

	worker_destroy(&w);
	CHECK(w == NULL);
	scrub_policy_destroy(&p);
}

/* what the batch tests collect from the callback, in delivery order */
struct got {
	unsigned n;
	int idx[16];
	enum scrub_err err[16];
	int changed[16];
	int msg_ok[16];		/* the bytes handed back are the ones sent */
	char out[16][64];
	size_t explain_lines[16];
	char detail[16][160];
};

static const char *const batch_msg[] = {
	"Message-ID: <1@b>\n\nmail alice@example.com\n",
	"X-Stub: crash\n\n",
	"Message-ID: <3@b>\n\nnothing here\n",
	"X-Stub: hang\n\n",
	"Message-ID: <5@b>\n\nagain alice@example.com\n",
};

static int
collect(void *ctx, const void *tag, const char *msg, size_t len,
    struct scrub_result *res)
{
	struct got *g = ctx;
	unsigned i = g->n++;
	int idx;

	if (i >= 16)
		return -1;
	memcpy(&idx, tag, sizeof(idx));
	g->idx[i] = idx;
	g->err[i] = res->err;
	g->changed[i] = res->changed;
	g->msg_ok[i] = idx >= 0 && idx < 5 && len == strlen(batch_msg[idx]) &&
	    memcmp(msg, batch_msg[idx], len) == 0;
	snprintf(g->out[i], sizeof(g->out[i]), "%.*s", (int)res->out.len,
	    res->out.p ? res->out.p : "");
	snprintf(g->detail[i], sizeof(g->detail[i]), "%s", res->err_detail);
	g->explain_lines[i] = 0;
	for (size_t k = 0; k < res->explain.len; k++)
		g->explain_lines[i] += res->explain.p[k] == '\n';
	return 0;
}

/* test_batch - one batch holding a crash and a hang: each costs only its
 * own message, the others (before and after it) are scrubbed, results
 * come back in order with their tags and their bytes */
static void
test_batch(void)
{
	struct policy_spec spec;
	struct scrub_policy *p;
	struct worker *w;
	struct got g;
	const char *err = NULL;

	policy_spec_defaults(&spec);
	spec.limits.scrub_timeout_ms = 300;
	p = scrub_policy_create(&spec, &err);
	memset(&g, 0, sizeof(g));
	w = worker_create(p, 0, NULL, 0);
	worker_on_done(w, collect, &g);
	CHECK(p != NULL && w != NULL);
	for (int i = 0; i < 5; i++)
		CHECK(worker_submit(w, batch_msg[i], strlen(batch_msg[i]), &i,
		    sizeof(i)) == 0);
	CHECK(g.n == 0);	/* one batch: nothing is back before the end */
	CHECK(worker_finish(w) == 0);
	CHECK(g.n == 5);
	for (unsigned i = 0; i < 5 && i < g.n; i++)
		CHECK_MSG(g.idx[i] == (int)i && g.msg_ok[i], "message %u", i);
	CHECK(g.err[0] == ERR_OK && g.changed[0] &&
	    strcmp(g.out[0], "Message-ID: <1@b>\n\nmail [EMAIL]\n") == 0);
	CHECK(g.err[1] == ERR_WORKER && strstr(g.detail[1], "signal") != NULL);
	CHECK(g.err[2] == ERR_OK && !g.changed[2] && g.out[2][0] == '\0');
	CHECK(g.err[3] == ERR_TIMEOUT);
	CHECK(g.err[4] == ERR_OK && g.changed[4] &&
	    strcmp(g.out[4], "Message-ID: <5@b>\n\nagain [EMAIL]\n") == 0);
	CHECK(worker_restarts(w) == 2);
	CHECK(worker_finish(w) == 0 && g.n == 5);	/* nothing owed twice */
	worker_destroy(&w);
	scrub_policy_destroy(&p);
}

/* queue_msg - message i of test_queue: a crash at 50 and 260, a hang at
 * 140, mail for alice everywhere else */
static void
queue_msg(int i, char *out, size_t n)
{
	if (i == 50 || i == 260)
		snprintf(out, n, "X-Stub: crash\n\n%d\n", i);
	else if (i == 140)
		snprintf(out, n, "X-Stub: hang\n\n%d\n", i);
	else
		snprintf(out, n, "Message-ID: <%d@b>\n\nmail alice@example.com\n", i);
}

struct qgot {
	int n, order_ok, bytes_ok, results_ok;
};

static int
queue_collect(void *ctx, const void *tag, const char *msg, size_t len,
    struct scrub_result *res)
{
	struct qgot *g = ctx;
	char want[128], out[128];
	int i;

	memcpy(&i, tag, sizeof(i));
	queue_msg(i, want, sizeof(want));
	g->order_ok &= i == g->n++;
	g->bytes_ok &= len == strlen(want) && memcmp(msg, want, len) == 0;
	if (i == 50 || i == 260)
		g->results_ok &= res->err == ERR_WORKER;
	else if (i == 140)
		g->results_ok &= res->err == ERR_TIMEOUT;
	else {
		snprintf(out, sizeof(out), "Message-ID: <%d@b>\n\nmail [EMAIL]\n", i);
		g->results_ok &= res->err == ERR_OK && res->changed &&
		    res->out.len == strlen(out) && memcmp(res->out.p, out,
		    res->out.len) == 0;
	}
	return 0;
}

/* test_queue - several batches out at once (the child has the next one
 * waiting while the parent writes): a crash or hang in one batch costs
 * its message only, the batches queued behind it reach the fresh worker
 * and everything comes back in order */
static void
test_queue(void)
{
	struct policy_spec spec;
	struct scrub_policy *p;
	struct worker *w;
	struct qgot g = { 0, 1, 1, 1 };
	const char *err = NULL;
	char m[128];

	policy_spec_defaults(&spec);
	spec.limits.scrub_timeout_ms = 300;
	p = scrub_policy_create(&spec, &err);
	w = worker_create(p, 0, NULL, 0);
	worker_on_done(w, queue_collect, &g);
	for (int i = 0; i < 300; i++) {
		queue_msg(i, m, sizeof(m));
		CHECK_MSG(worker_submit(w, m, strlen(m), &i, sizeof(i)) == 0,
		    "message %d", i);
	}
	CHECK(worker_finish(w) == 0);
	CHECK(g.n == 300 && g.order_ok && g.bytes_ok && g.results_ok);
	CHECK(worker_restarts(w) == 3);
	worker_destroy(&w);
	scrub_policy_destroy(&p);
}

/* test_room - results larger than the room set aside for them (here
 * explain text two and a half times the input: the child grows the slot)
 * still come back whole */
static void
test_room(void)
{
	struct policy_spec spec;
	struct scrub_policy *p;
	struct worker *w;
	struct scrub_result r;
	struct buf in, want;
	const char *err = NULL;
	size_t n = 50000;

	policy_spec_defaults(&spec);
	p = scrub_policy_create(&spec, &err);
	w = worker_create(p, SCRUB_EXPLAIN, NULL, 0);
	buf_init(&in, 0);
	buf_init(&want, 0);
	buf_puts(&in, "Message-ID: <big@b>\n\n");
	buf_puts(&want, "Message-ID: <big@b>\n\n");
	for (size_t i = 0; i < n; i++) {
		buf_puts(&in, "alice@example.com");
		buf_puts(&want, "[EMAIL]");
	}
	scrub_result_init(&r);
	CHECK(worker_scrub(w, in.p, in.len, &r) == 0);
	CHECK(r.out.len == want.len && memcmp(r.out.p, want.p, want.len) == 0);
	CHECK(r.counts[KIND_EMAIL] == n);
	{
		size_t lines = 0;

		for (size_t k = 0; k < r.explain.len; k++)
			lines += r.explain.p[k] == '\n';
		CHECK(lines == n);
	}
	CHECK(worker_restarts(w) == 0);
	scrub_result_free(&r);
	buf_free(&in);
	buf_free(&want);
	worker_destroy(&w);
	scrub_policy_destroy(&p);
}

/* test_stop - a callback that says stop ends the run: the call returns
 * -1 and nothing more is delivered */
static int
stop_at_two(void *ctx, const void *tag, const char *msg, size_t len,
    struct scrub_result *res)
{
	unsigned *calls = ctx;

	return ++*calls == 2 ? -1 : 0;
}

static void
test_stop(void)
{
	struct policy_spec spec;
	struct scrub_policy *p;
	struct worker *w;
	const char *err = NULL;
	unsigned calls = 0;
	int rc = 0;

	policy_spec_defaults(&spec);
	p = scrub_policy_create(&spec, &err);
	w = worker_create(p, 0, NULL, 0);
	worker_on_done(w, stop_at_two, &calls);
	for (int i = 0; i < 300 && rc == 0; i++)
		rc = worker_submit(w, batch_msg[0], strlen(batch_msg[0]), NULL, 0);
	if (rc == 0)
		rc = worker_finish(w);
	CHECK(rc == -1 && calls == 2);
	CHECK(worker_finish(w) == -1 && calls == 2);
	worker_destroy(&w);
	scrub_policy_destroy(&p);
}

int
main(void)
{
	test_worker();
	test_batch();
	test_queue();
	test_room();
	test_stop();
	return harness_done();
}
