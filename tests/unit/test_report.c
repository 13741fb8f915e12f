/* test_report - the JSON report: structure, totals, string escaping,
 * invalid UTF-8, and that nothing but kinds and counts goes in. */
#include <string.h>

#include "harness.h"
#include "report.h"

static void
test_escape(void)
{
	static const struct {
		const char *in, *out;
	} rows[] = {
		{ "<a@b>", "\"<a@b>\"" },
		{ "q\"b\\s", "\"q\\\"b\\\\s\"" },
		{ "t\tn\n\x01", "\"t\\u0009n\\u000a\\u0001\"" },
		{ "\xc3\xa5x", "\"\xc3\xa5x\"" },		/* valid UTF-8 kept */
		{ "\xff\xc3", "\"\\ufffd\\ufffd\"" },		/* invalid replaced */
		{ "\xed\xa0\x80", "\"\\ufffd\\ufffd\\ufffd\"" },	/* surrogate */
	};

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct buf b;

		buf_init(&b, 0);
		CHECK(report_json_string(&b, rows[i].in, strlen(rows[i].in)) == 0);
		CHECK_MSG(strcmp(b.p, rows[i].out) == 0, "row %zu: %s", i, b.p);
		buf_free(&b);
	}
}

static void
test_report(void)
{
	struct policy_spec spec;
	struct report *r;
	struct scrub_result a, e;
	struct buf b;

	policy_spec_defaults(&spec);
	r = report_create(&spec);
	memset(&a, 0, sizeof(a));
	memset(&e, 0, sizeof(e));
	strcpy(a.message_id, "<1@x>");
	a.counts[KIND_EMAIL] = 2;
	a.counts[KIND_IBAN] = 1;
	a.stripped_recipients = 1;
	e.err = ERR_NESTING;
	strcpy(e.err_detail, "part 1.1.1");
	CHECK(report_add(r, 1, &a, NULL) == 0);
	CHECK(report_add(r, 2, &e, "000002.eml") == 0);
	CHECK(report_add(r, 3, &a, NULL) == 0);
	buf_init(&b, 0);
	CHECK(report_finish(r, &b) == 0);
	CHECK(strstr(b.p, "{\"index\":1,\"message_id\":\"<1@x>\",\"counts\":"
	    "{\"email\":2,\"iban\":1},\"stripped_recipients\":1,"
	    "\"attachments_dropped\":0,\"error\":null}") != NULL);
	CHECK(strstr(b.p, "\"error\":\"nesting\",\"error_detail\":\"part 1.1.1\","
	    "\"quarantined\":\"000002.eml\"") != NULL);
	CHECK(strstr(b.p, "\"totals\":{\"messages\":3,\"scrubbed\":2,\"errors\":1,"
	    "\"counts\":{\"email\":4,\"iban\":2},\"stripped_recipients\":2,"
	    "\"attachments_dropped\":0}}") != NULL);
	buf_free(&b);
	report_destroy(&r);
	CHECK(r == NULL);
	/* an empty run is still valid JSON */
	r = report_create(&spec);
	buf_init(&b, 0);
	CHECK(report_finish(r, &b) == 0);
	CHECK(strncmp(b.p, "{\"messages\":[],", 15) == 0);
	buf_free(&b);
	report_destroy(&r);
}

int
main(void)
{
	test_escape();
	test_report();
	return harness_done();
}
