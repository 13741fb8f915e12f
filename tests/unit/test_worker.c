/* test_worker - the scrub worker process: results come back whole, a
 * crashing or hanging scrub costs one message (ERR_WORKER / ERR_TIMEOUT),
 * the worker restarts and the next message is fine.  Faults are injected
 * with the stub scrub core (stub_scrub.c, compiled into this test only:
 * it defines the whole scrub.h API, so filters/scrub.o is not linked).
 */
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

int
main(void)
{
	test_worker();
	return harness_done();
}
