/* test_tag - finding tags, the Subject edit (never doubled, encoded
 * words, no Subject, CRLF), the X-Scrubgate-Ticket header replaced, and
 * byte fidelity elsewhere. */
#include <string.h>

#include "harness.h"
#include "tag.h"

static void
test_find(void)
{
	CHECK(tag_valid_format("[#{id}]"));
	CHECK(tag_valid_format("[Ticket {id}]"));
	CHECK(!tag_valid_format("{id}"));
	CHECK(!tag_valid_format("[#]"));
	CHECK(!tag_valid_format("[{id}{id}]"));
	CHECK(!tag_valid_format("[\x01{id}]"));
	CHECK(tag_find("[#{id}]", "Re: [#100042] hi", 16) == 100042);
	CHECK(tag_find("[#{id}]", "Re: [#] [#x] hi", 15) == 0);
	CHECK(tag_find("[#{id}]", "[#1234567890123]", 16) == 0);	/* too long */
	CHECK(tag_find("[Ticket {id}]", "AW: [ticket 7] x", 16) == 7);
	CHECK(tag_has("[#{id}]", 5, "[#4] [#5]", 9));
	CHECK(!tag_has("[#{id}]", 5, "[#55]", 5));
	CHECK(tag_find("#{id}", "a#12b", 5) == 12);
}

/* applied - tag_apply into a static string */
static const char *
applied(const char *msg, unsigned long id, int *changed)
{
	static struct buf b;

	buf_free(&b);
	buf_init(&b, 0);
	if (tag_apply(msg, strlen(msg), "[#{id}]", id, &b, changed) < 0)
		return NULL;
	return b.p;
}

static void
test_apply(void)
{
	static char again[256];
	const char *r;
	int ch = -1;

	r = applied("From: a@x\nSubject: Printer\n\nbody [#1]\n", 100042, &ch);
	CHECK_MSG(r && strcmp(r, "From: a@x\nSubject: [#100042] Printer\n"
	    "X-Scrubgate-Ticket: 100042\n\nbody [#1]\n") == 0, "%s", r);
	CHECK(ch == 1);
	/* never doubled, applied twice */
	r = applied(strcpy(again, r), 100042, &ch);
	CHECK_MSG(r && strcmp(r, "From: a@x\nSubject: [#100042] Printer\n"
	    "X-Scrubgate-Ticket: 100042\n\nbody [#1]\n") == 0, "%s", r);
	CHECK(ch == 0);
	/* a reply already tagged: no second tag */
	r = applied("Subject: Re: [#7] x\r\n\r\nb", 7, &ch);
	CHECK_MSG(r && strcmp(r, "Subject: Re: [#7] x\r\nX-Scrubgate-Ticket: "
	    "7\r\n\r\nb") == 0, "%s", r);
	CHECK(ch == 0);
	/* the tag inside an encoded word counts, and the encoded word is
	 * kept byte for byte */
	r = applied("Subject: =?UTF-8?Q?=5B#9=5D_Gr=C3=BC=C3=9Fe?=\n\nb\n", 9, &ch);
	CHECK_MSG(r && strcmp(r, "Subject: =?UTF-8?Q?=5B#9=5D_Gr=C3=BC=C3=9Fe?=\n"
	    "X-Scrubgate-Ticket: 9\n\nb\n") == 0, "%s", r);
	CHECK(ch == 0);
	r = applied("Subject: =?UTF-8?B?R3LDvMOfZQ==?=\n\nb\n", 9, &ch);
	CHECK_MSG(r && strcmp(r, "Subject: [#9] =?UTF-8?B?R3LDvMOfZQ==?=\n"
	    "X-Scrubgate-Ticket: 9\n\nb\n") == 0, "%s", r);
	/* no Subject: one is added; a spoofed ticket header is replaced */
	r = applied("From: a@x\nX-Scrubgate-Ticket: 1\n\nb\n", 3, &ch);
	CHECK_MSG(r && strcmp(r, "From: a@x\nSubject: [#3]\n"
	    "X-Scrubgate-Ticket: 3\n\nb\n") == 0, "%s", r);
	CHECK(ch == 1);
	/* folded subject; empty subject */
	r = applied("Subject:\n long\n\nb\n", 4, &ch);
	CHECK_MSG(r && strcmp(r, "Subject:\n [#4] long\nX-Scrubgate-Ticket: "
	    "4\n\nb\n") == 0, "%s", r);
	r = applied("Subject:\n\nb\n", 4, &ch);
	CHECK_MSG(r && strcmp(r, "Subject: [#4]\nX-Scrubgate-Ticket: 4\n\nb\n")
	    == 0, "%s", r);
	/* a message that is all header, no final newline */
	r = applied("Subject: x", 4, &ch);
	CHECK_MSG(r && strcmp(r, "Subject: [#4] x\r\nX-Scrubgate-Ticket: 4\r\n")
	    == 0, "%s", r);
	/* empty message */
	r = applied("", 4, &ch);
	CHECK_MSG(r && strstr(r, "X-Scrubgate-Ticket: 4") != NULL, "%s", r);
	applied("", 0, NULL);
}

int
main(void)
{
	test_find();
	test_apply();
	return harness_done();
}
