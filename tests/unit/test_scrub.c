/* test_scrub - the orchestrator, in process: splicing, headers, leaves,
 * attachment policy, limits and fail-closed errors */
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "scrub.h"

static struct policy_spec spec;
static struct scrub_policy *pol;

static void
setup(void)
{
	const char *err = NULL;

	scrub_policy_destroy(&pol);
	pol = scrub_policy_create(&spec, &err);
	if (pol == NULL) {
		fprintf(stderr, "policy: %s\n", err);
		exit(1);
	}
}

/* run - scrub msg; returns the output (static, NUL-terminated) or NULL */
static const char *
run(const char *msg, struct scrub_result *r)
{
	scrub_result_free(r);
	scrub_result_init(r);
	if (scrub_message(pol, msg, strlen(msg), SCRUB_EXPLAIN, r) < 0)
		return NULL;
	return r->out.p ? r->out.p : "";
}

static int
has(const char *hay, const char *needle)
{
	return hay && strstr(hay, needle) != NULL;
}

static void
test_unchanged_identical(void)
{
	struct scrub_result r;
	const char *msgs[] = {
		"From: a@example.com\nTo: support@example.org\nSubject: hi\n\nno personal data here\n",
		"From: a@example.com\r\nSubject: x\r\n\r\nbody with bare\rCR and\nLF\r\n",
		"Subject: no body",
		("From: a@example.com\nContent-Type: multipart/mixed; boundary=b\n\npre\n--b\n"
		"Content-Type: text/plain\nX-Odd:   kept   \n\nhello\n--b--\nepilogue\n"),
	};

	scrub_result_init(&r);
	for (size_t i = 0; i < sizeof(msgs) / sizeof(msgs[0]); i++) {
		const char *out = run(msgs[i], &r);

		CHECK_MSG(out != NULL, "msg %zu: err %d %s", i, r.err, r.err_detail);
		CHECK_MSG(out && strcmp(out, msgs[i]) == 0, "msg %zu changed: %s", i, out);
		CHECK(r.changed == 0);
	}
	scrub_result_free(&r);
}

static void
test_body_and_subject(void)
{
	struct scrub_result r;
	const char *msg =
	    "From: Alice Requester <alice@example.com>\r\n"
	    "To: support@example.org\r\n"
	    "Subject: call me at +46 70 123 45 67\r\n"
	    "Message-ID: <abc.123@example.com>\r\n"
	    "\r\n"
	    "My card 4111 1111 1111 1111 and IBAN DE89 3704 0044 0532 0130 00.\r\n"
	    "Write to bob@example.net please.\r\n";
	const char *out;

	scrub_result_init(&r);
	out = run(msg, &r);
	CHECK_MSG(out != NULL, "err %s", r.err_detail);
	CHECK(!has(out, "4111 1111") && !has(out, "DE89") && !has(out, "bob@example.net"));
	CHECK(!has(out, "123 45 67"));
	CHECK(has(out, "From: Alice Requester <alice@example.com>\r\n"));
	CHECK(has(out, "Message-ID: <abc.123@example.com>\r\n"));
	CHECK(has(out, "[EMAIL]") && has(out, "[IBAN]") && has(out, "[CARD]"));
	CHECK(strcmp(r.message_id, "abc.123@example.com") == 0 ||
	    strcmp(r.message_id, "<abc.123@example.com>") == 0);
	CHECK(r.counts[KIND_EMAIL] == 1 && r.counts[KIND_CARD] == 1 &&
	    r.counts[KIND_IBAN] == 1 && r.counts[KIND_PHONE] == 1);
	CHECK(r.changed);
	CHECK(has(r.explain.p, "header Subject"));
	CHECK(!has(r.explain.p, "4111"));
	/* idempotent */
	{
		char *first = strdup(out);
		const char *again = run(first, &r);

		CHECK(again && strcmp(again, first) == 0);
		CHECK(r.changed == 0);
		free(first);
	}
	scrub_result_free(&r);
}

static void
test_cc(void)
{
	struct scrub_result r;
	const char *msg =
	    "From: alice@example.com\n"
	    "Cc: Bob Colleague <bob@corp.example>, carol@partner.example\n"
	    "Subject: hi\n"
	    "\n"
	    "Bob Colleague knows.\n";
	const char *out;

	scrub_result_init(&r);
	out = run(msg, &r);
	CHECK(out && !has(out, "Cc:") && !has(out, "bob@corp") && !has(out, "Bob Colleague"));
	CHECK(has(out, "[NAME] knows."));
	CHECK(r.stripped_recipients == 2);

	/* allow-list keeps one, byte for byte */
	spec.cc_allow = calloc(1, sizeof(char *));
	spec.cc_allow[0] = strdup("partner.example");
	spec.ncc_allow = 1;
	setup();
	out = run(msg, &r);
	CHECK_MSG(out && has(out, "Cc: carol@partner.example\n"), "%s", out);
	CHECK(r.stripped_recipients == 1);
	free(spec.cc_allow[0]);
	free(spec.cc_allow);
	spec.cc_allow = NULL;
	spec.ncc_allow = 0;
	setup();
	scrub_result_free(&r);
}

static void
test_encodings(void)
{
	struct scrub_result r;
	const char *qp =
	    "From: a@example.com\n"
	    "Content-Type: text/plain; charset=us-ascii\n"
	    "Content-Transfer-Encoding: quoted-printable\n"
	    "\n"
	    "mail me at someone.long.name@exam=\nple.com today=20\n";
	const char *b64 =
	    "From: a@example.com\n"
	    "Content-Type: text/plain; charset=utf-8\n"
	    "Content-Transfer-Encoding: base64\n"
	    "\n"
	    "bWFpbCBib2JAZXhhbXBsZS5uZXQK\n";	/* "mail bob@example.net\n" */
	const char *latin1 =
	    "From: a@example.com\n"
	    "Content-Type: text/plain; charset=iso-8859-1\n"
	    "Content-Transfer-Encoding: 8bit\n"
	    "\n"
	    "Gr\xfc\xdf" "e, bob@example.net\n";
	const char *out;

	scrub_result_init(&r);
	out = run(qp, &r);
	CHECK_MSG(out && !has(out, "someone.long") && !has(out, "exam=\nple"), "%s", out);
	CHECK(has(out, "Content-Transfer-Encoding: quoted-printable"));
	out = run(b64, &r);
	CHECK(out && !has(out, "bWFpbCBib2JAZXhhbXBsZS5uZXQK"));
	CHECK(has(out, "Content-Transfer-Encoding: base64"));
	CHECK(r.counts[KIND_EMAIL] == 1);
	out = run(latin1, &r);
	CHECK_MSG(out && has(out, "charset=utf-8") && has(out, "Gr\xc3\xbc\xc3\x9f" "e, [EMAIL]"),
	    "%s", out);
	scrub_result_free(&r);
}

static void
test_attachments(void)
{
	struct scrub_result r;
	const char *msg =
	    "From: a@example.com\n"
	    "Content-Type: multipart/mixed; boundary=\"XYZ\"\n"
	    "\n"
	    "--XYZ\n"
	    "Content-Type: text/plain\n"
	    "\n"
	    "see attached, bob@example.net\n"
	    "--XYZ\n"
	    "Content-Type: image/png; name=\"shot.png\"\n"
	    "Content-Transfer-Encoding: base64\n"
	    "Content-Disposition: attachment; filename=\"shot.png\"\n"
	    "\n"
	    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk\n"
	    "--XYZ--\n";
	const char *out;

	scrub_result_init(&r);
	out = run(msg, &r);
	CHECK(out && has(out, "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk\n--XYZ--\n"));
	CHECK(out && !has(out, "bob@example.net"));

	spec.attach = calloc(1, sizeof(*spec.attach));
	spec.attach[0].match = strdup("image/*");
	spec.attach[0].action = ATTACH_DROP;
	spec.nattach = 1;
	setup();
	out = run(msg, &r);
	CHECK(out && !has(out, "iVBORw0") && has(out, "removed by the attachment policy"));
	CHECK(r.attachments_dropped == 1);
	spec.attach[0].action = ATTACH_REJECT;
	setup();
	CHECK(run(msg, &r) == NULL && r.err == ERR_ATTACHMENT && r.out.len == 0);
	free(spec.attach[0].match);
	free(spec.attach);
	spec.attach = NULL;
	spec.nattach = 0;
	setup();
	scrub_result_free(&r);
}

/* a body part's own header fields are scanned; a non-field line in the
 * top header starts the body (as for libetpan and Postfix) and is scanned
 * as body text, and the result is stable */
static void
test_part_headers_and_junk(void)
{
	struct scrub_result r, r2;
	const char *part =
	    "From: a@example.com\n"
	    "MIME-Version: 1.0\n"
	    "Content-Type: multipart/mixed; boundary=\"b\"\n"
	    "\n"
	    "--b\n"
	    "Content-Type: text/plain\n"
	    "X-Owner: bob@example.com\n"
	    "\n"
	    "hi\n"
	    "--b--\n";
	const char *junk =
	    "From: a@example.com\n"
	    "Subject: x\n"
	    "junk bob@example.com line\n"
	    "Message-ID: <m1@example.com>\n"
	    "\n"
	    "hello\n";
	const char *out;
	char *copy;

	scrub_result_init(&r);
	scrub_result_init(&r2);
	out = run(part, &r);
	CHECK_MSG(out && !has(out, "bob@example.com") &&
	    has(out, "X-Owner: [EMAIL]\n") &&
	    has(out, "Content-Type: text/plain\n"), "%s", out);
	out = run(junk, &r);
	CHECK_MSG(out && !has(out, "bob@example.com"), "%s", out ? out :
	    scrub_err_info(r.err)->name);
	if (out) {
		copy = strdup(out);
		CHECK(scrub_message(pol, copy, strlen(copy), 0, &r2) == 0 &&
		    !r2.changed);
		free(copy);
	}
	scrub_result_free(&r);
	scrub_result_free(&r2);
}

static void
test_forwarded(void)
{
	struct scrub_result r;
	const char *msg =
	    "From: a@example.com\n"
	    "Content-Type: multipart/mixed; boundary=o\n"
	    "\n"
	    "--o\n"
	    "Content-Type: message/rfc822\n"
	    "\n"
	    "From: Third Party <third@example.net>\n"
	    "Subject: my number +46 70 123 45 67\n"
	    "\n"
	    "Third Party here, IBAN DE89 3704 0044 0532 0130 00\n"
	    "--o--\n";
	const char *out;

	scrub_result_init(&r);
	out = run(msg, &r);
	CHECK_MSG(out && !has(out, "third@example.net") && !has(out, "DE89") &&
	    !has(out, "123 45 67") && !has(out, "Third Party"), "%s", out);
	scrub_result_free(&r);
}

static void
test_limits(void)
{
	struct scrub_result r;
	char *deep = malloc(200000), *p = deep;
	const char *bad_boundary =
	    "Content-Type: multipart/mixed; boundary=\"\\\"\"\n\n--\"\nx\n--\"--\n";

	p += sprintf(p, "From: a@example.com\n");
	for (int i = 0; i < 60; i++)
		p += sprintf(p, "Content-Type: multipart/mixed; boundary=b%d\n\n--b%d\n", i, i);
	sprintf(p, "Content-Type: text/plain\n\nx\n");
	scrub_result_init(&r);
	CHECK(run(deep, &r) == NULL && r.err == ERR_NESTING && r.out.len == 0);
	CHECK(run(bad_boundary, &r) == NULL && r.err == ERR_BAD_BOUNDARY);
	spec.limits.max_line_length = 100;
	setup();
	memset(deep, 'a', 5000);
	memcpy(deep, "Subject: x\n\n", 12);
	deep[5000] = '\0';
	CHECK(run(deep, &r) == NULL && r.err == ERR_LINE_LENGTH);
	spec.limits.max_line_length = 4 * 1024 * 1024;
	spec.limits.max_message_size = 1000;
	setup();
	CHECK(run(deep, &r) == NULL && r.err == ERR_MESSAGE_SIZE);
	spec.limits.max_message_size = 64 * 1024 * 1024;
	setup();
	free(deep);
	scrub_result_free(&r);
}

static void
test_html(void)
{
	struct scrub_result r;
	const char *msg =
	    "From: a@example.com\n"
	    "Content-Type: text/html; charset=utf-8\n"
	    "\n"
	    "<p>Mail <a href=\"mailto:bob@example.net\">bob&#64;example.net</a></p>\n";
	const char *out;

	scrub_result_init(&r);
	out = run(msg, &r);
	CHECK_MSG(out && !has(out, "bob@example.net") && !has(out, "bob&#64;") &&
	    has(out, "<p>Mail <a href=\"") && has(out, "</a></p>"), "%s", out);
	scrub_result_free(&r);
}

int
main(void)
{
	policy_spec_defaults(&spec);
	setup();
	test_unchanged_identical();
	test_body_and_subject();
	test_cc();
	test_encodings();
	test_attachments();
	test_forwarded();
	test_part_headers_and_junk();
	test_limits();
	test_html();
	scrub_policy_destroy(&pol);
	policy_spec_free(&spec);
	return harness_done();
}
