/* test_autoreply - every auto-reply class, a human's mail, and the
 * header helpers (unfolding, address and message-id lists). */
#include <string.h>

#include "autoreply.h"
#include "harness.h"

static void
test_classes(void)
{
	static const struct {
		const char *msg, *sender;
		enum autoreply_class want;
	} rows[] = {
		{ "From: a@x.org\nSubject: hi\n\nbody\n", "a@x.org",
		  AUTOREPLY_NONE },
		{ "From: a@x.org\nAuto-Submitted: no\n\nb\n", "a@x.org",
		  AUTOREPLY_NONE },				/* a human */
		{ "From: a@x.org\nAuto-Submitted: No (manual)\n\nb\n", NULL,
		  AUTOREPLY_NONE },
		{ "From: a@x.org\nAuto-Submitted: auto-replied\n\nb\n", NULL,
		  AUTOREPLY_SUBMITTED },
		{ "From: a@x.org\nauto-submitted:\tauto-generated; owner=x\n\nb\n",
		  "a@x.org", AUTOREPLY_SUBMITTED },
		{ "From: a@x.org\nPrecedence: bulk\n\nb\n", NULL,
		  AUTOREPLY_PRECEDENCE },
		{ "From: a@x.org\nPrecedence: JUNK\n\nb\n", NULL,
		  AUTOREPLY_PRECEDENCE },
		{ "From: a@x.org\nPrecedence: list\n\nb\n", NULL,
		  AUTOREPLY_PRECEDENCE },
		{ "From: a@x.org\nPrecedence: first-class\n\nb\n", NULL,
		  AUTOREPLY_NONE },
		{ "From: a@x.org\nX-Auto-Response-Suppress: All\n\nb\n", NULL,
		  AUTOREPLY_SUPPRESS },
		{ "From: a@x.org\n\nb\n", "", AUTOREPLY_NULL_SENDER },
		{ "From: MAILER-DAEMON@mx.x.org\n\nb\n", NULL, AUTOREPLY_BOUNCE },
		{ "From: Mail Delivery System <Mailer-Daemon@x.org>\n\nb\n",
		  "bounce@x.org", AUTOREPLY_BOUNCE },
		{ "From: a@x.org\n\nb\n", "postmaster@x.org", AUTOREPLY_BOUNCE },
		{ "From: a@x.org\nContent-Type: multipart/report; "
		  "report-type=delivery-status; boundary=b\n\nb\n", NULL,
		  AUTOREPLY_BOUNCE },
		{ "From: a@x.org\nX-Loop: scrubgate@help.example\n\nb\n", NULL,
		  AUTOREPLY_LOOP },
		{ "From: a@x.org\nX-Loop: other-system\n\nb\n", NULL,
		  AUTOREPLY_NONE },
		/* only the header counts */
		{ "From: a@x.org\n\nPrecedence: bulk\n", NULL, AUTOREPLY_NONE },
		/* folded */
		{ "From: a@x.org\r\nAuto-Submitted:\r\n auto-replied\r\n\r\nb\r\n",
		  NULL, AUTOREPLY_SUBMITTED },
	};

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		enum autoreply_class c = autoreply_classify(rows[i].msg,
		    strlen(rows[i].msg), rows[i].sender, "scrubgate");

		CHECK_MSG(c == rows[i].want, "row %zu: got %d want %d", i,
		    (int)c, (int)rows[i].want);
	}
	CHECK(autoreply_name(AUTOREPLY_NONE) == NULL);
	CHECK(strcmp(autoreply_name(AUTOREPLY_SUBMITTED), "auto-submitted") == 0);
}

static void
test_header(void)
{
	const char *m = "Subject: one\r\n two\r\nX-A: 1\nx-a:  2 \n\nX-A: body\n";
	struct buf b;

	buf_init(&b, 0);
	CHECK(autoreply_header(m, strlen(m), "subject", 0, &b) == 1);
	CHECK_MSG(strcmp(b.p, "one two") == 0, "%s", b.p);
	CHECK(autoreply_header(m, strlen(m), "X-A", 1, &b) == 1);
	CHECK(strcmp(b.p, "2") == 0);
	CHECK(autoreply_header(m, strlen(m), "X-A", 2, &b) == 0);
	CHECK(autoreply_header("X-E:\n\n", 6, "x-e", 0, &b) == 1 && b.len == 0);
	buf_free(&b);
	buf_init(&b, 4);
	CHECK(autoreply_header(m, strlen(m), "subject", 0, &b) == -1);
	buf_free(&b);
}

static void
test_lists(void)
{
	const char *v = "\"Doe, John\" <j@x.org>, b@y.org (Bob), Group: c@z.org;"
	    " <>, plain";
	const char *ids = "<a@x> junk <b@y>\t<>\n <c@z>";
	char out[64];
	size_t pos = 0;

	CHECK(autoreply_addr_next(v, strlen(v), &pos, out, sizeof(out)) == 1 &&
	    strcmp(out, "j@x.org") == 0);
	CHECK(autoreply_addr_next(v, strlen(v), &pos, out, sizeof(out)) == 1 &&
	    strcmp(out, "b@y.org") == 0);
	CHECK(autoreply_addr_next(v, strlen(v), &pos, out, sizeof(out)) == 1 &&
	    strcmp(out, "c@z.org") == 0);
	CHECK(autoreply_addr_next(v, strlen(v), &pos, out, sizeof(out)) == 0);
	pos = 0;
	CHECK(autoreply_msgid_next(ids, strlen(ids), &pos, out, sizeof(out)) &&
	    strcmp(out, "a@x") == 0);
	CHECK(autoreply_msgid_next(ids, strlen(ids), &pos, out, sizeof(out)) &&
	    strcmp(out, "b@y") == 0);
	CHECK(autoreply_msgid_next(ids, strlen(ids), &pos, out, sizeof(out)) &&
	    strcmp(out, "c@z") == 0);
	CHECK(autoreply_msgid_next(ids, strlen(ids), &pos, out, sizeof(out)) == 0);
	/* bounded copy */
	pos = 0;
	CHECK(autoreply_msgid_next("<abcdefgh>", 10, &pos, out, 4) &&
	    strcmp(out, "abc") == 0);
}

int
main(void)
{
	test_classes();
	test_header();
	test_lists();
	return harness_done();
}
