/* test_dsn - RFC 3464 notifications: structure, per-recipient blocks,
 * status codes, no bounce for <>, no header injection, CRLF only,
 * parsed back by libetpan */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libetpan/libetpan.h>

#include "dsn.h"
#include "harness.h"

static void
test_status(void)
{
	char b[16];

	CHECK(strcmp(dsn_status(550, "550 5.1.1 No such user", b), "5.1.1") == 0);
	CHECK(strcmp(dsn_status(452, "452 4.2.2 Mailbox full", b), "4.2.2") == 0);
	CHECK(strcmp(dsn_status(554, "554 Transaction failed", b), "5.0.0") == 0);
	CHECK(strcmp(dsn_status(451, "451 4.4.1 [h]:25: connect", b), "4.4.1") == 0);
	CHECK(strcmp(dsn_status(421, NULL, b), "4.0.0") == 0);
	CHECK(strcmp(dsn_status(250, "250 2.0.0 Ok", b), "2.0.0") == 0);
	CHECK(strcmp(dsn_status(550, "550 9.9.9 odd", b), "5.0.0") == 0);
	CHECK(strcmp(dsn_status(999, "", b), "5.0.0") == 0);
}

/* multipart_ok - libetpan finds a multipart/report with three parts */
static int
multipart_ok(const char *p, size_t len)
{
	size_t idx = 0;
	struct mailmime *m = NULL;
	int ok = 0;

	/* the tree borrows p: freed before p */
	if (mailmime_parse(p, len, &idx, &m) != MAILIMF_NO_ERROR)
		return 0;
	if (m->mm_data.mm_message.mm_msg_mime != NULL) {
		struct mailmime *b = m->mm_data.mm_message.mm_msg_mime;

		ok = b->mm_type == MAILMIME_MULTIPLE &&
		    clist_count(b->mm_data.mm_multipart.mm_mp_list) == 3 &&
		    strcasecmp(b->mm_content_type->ct_subtype, "report") == 0;
	}
	mailmime_free(m);
	return ok;
}

int
main(void)
{
	static const char orig[] = "From: Ann <ann@example.org>\r\n"
	    "Subject: help\r\n\r\nsecret body text\r\n";
	struct dsn_rcpt r[2] = {
		{ "bob@example.net", 550, "550 5.1.1 No such user" },
		{ "eve@example.net", 451, "451 4.4.1 evil\r\nInjected: yes" },
	};
	struct dsn_info in = { "ABCDEF0123456789", "ann@example.org",
	    "gw.test", "mx.example.net:25", 1700000000, 1700003600 };
	struct buf b;

	test_status();
	buf_init(&b, 0);
	CHECK(dsn_build(&in, r, 2, orig, sizeof(orig) - 1, &b) == 0);
	CHECK(strstr(b.p, "To: <ann@example.org>\r\n") != NULL);
	CHECK(strstr(b.p, "From: Mail Delivery System <MAILER-DAEMON@gw.test>") != NULL);
	CHECK(strstr(b.p, "Auto-Submitted: auto-replied\r\n") != NULL);
	CHECK(strstr(b.p, "multipart/report; report-type=delivery-status;") != NULL);
	CHECK(strstr(b.p, "Content-Type: message/delivery-status\r\n\r\n"
	    "Reporting-MTA: dns; gw.test\r\n") != NULL);
	CHECK(strstr(b.p, "Final-Recipient: rfc822; bob@example.net\r\n"
	    "Action: failed\r\nStatus: 5.1.1\r\n"
	    "Remote-MTA: dns; mx.example.net:25\r\n"
	    "Diagnostic-Code: smtp; 550 5.1.1 No such user\r\n") != NULL);
	CHECK(strstr(b.p, "Final-Recipient: rfc822; eve@example.net") != NULL);
	CHECK(strstr(b.p, "Status: 4.4.1") != NULL);
	/* a peer's CR LF cannot add a header line */
	CHECK(strstr(b.p, "\r\nInjected: yes") == NULL);
	CHECK(strstr(b.p, "evil??Injected: yes") != NULL);
	/* the returned header, not the body */
	CHECK(strstr(b.p, "Content-Type: text/rfc822-headers\r\n\r\n"
	    "From: Ann <ann@example.org>\r\nSubject: help\r\n") != NULL);
	CHECK(strstr(b.p, "secret body") == NULL);
	/* every line ends in CRLF */
	{
		int bare = 0;

		for (size_t i = 0; i < b.len; i++)
			if (b.p[i] == '\n' && (i == 0 || b.p[i - 1] != '\r'))
				bare = 1;
		CHECK(!bare);
	}
	CHECK(multipart_ok(b.p, b.len));
	buf_free(&b);

	/* LF-only original: returned with CRLF */
	buf_init(&b, 0);
	CHECK(dsn_build(&in, r, 1, "Subject: lf\n\nbody\n", 18, &b) == 0);
	CHECK(strstr(b.p, "\r\nSubject: lf\r\n") != NULL);
	CHECK(strstr(b.p, "body") == NULL);
	buf_free(&b);

	/* never bounce a bounce; nothing to report */
	buf_init(&b, 0);
	in.sender = "";
	CHECK(dsn_build(&in, r, 2, orig, sizeof(orig) - 1, &b) < 0);
	in.sender = NULL;
	CHECK(dsn_build(&in, r, 2, orig, sizeof(orig) - 1, &b) < 0);
	in.sender = "ann@example.org";
	CHECK(dsn_build(&in, r, 0, orig, sizeof(orig) - 1, &b) < 0);
	buf_free(&b);
	return harness_done();
}
