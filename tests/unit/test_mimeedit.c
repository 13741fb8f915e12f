/* test_mimeedit - the splice list and raw Content-Type parameter edits */
#include <string.h>

#include "harness.h"
#include "mimeedit.h"

static void
test_splice(void)
{
	const char *in = "Subject: hello\r\nCc: a@b\r\n\r\nbody\r\n";
	struct edits e;
	struct buf out;

	edits_init(&e);
	buf_init(&out, 0);
	/* added out of order on purpose: splice_apply sorts */
	CHECK(edits_add(&e, 27, 31, "BODY", 4) == 0);
	CHECK(edits_add(&e, 16, 25, "", 0) == 0);
	CHECK(edits_add(&e, 25, 25, "X: 1\r\n", 6) == 0);
	CHECK(edits_add(&e, 25, 25, "Y: 2\r\n", 6) == 0);
	CHECK(splice_apply(in, strlen(in), &e, &out) == 0);
	CHECK_MSG(strcmp(out.p, "Subject: hello\r\nX: 1\r\nY: 2\r\n\r\nBODY\r\n") == 0, "got %s", out.p);

	/* overlapping edits are refused, not applied half */
	edits_reset(&e);
	buf_reset(&out);
	CHECK(edits_add(&e, 0, 10, "a", 1) == 0);
	CHECK(edits_add(&e, 5, 12, "b", 1) == 0);
	CHECK(splice_apply(in, strlen(in), &e, &out) == -1);

	/* no edits: a byte-for-byte copy, NUL bytes included */
	edits_reset(&e);
	buf_reset(&out);
	CHECK(splice_apply("a\0b", 3, &e, &out) == 0);
	CHECK(out.len == 3 && memcmp(out.p, "a\0b", 3) == 0);
	edits_free(&e);
	buf_free(&out);
}

static const struct {
	const char *in, *name, *value, *want;
} set_rows[] = {
	{ " text/plain; charset=iso-8859-1", "charset", "utf-8", " text/plain; charset=utf-8" },
	{ " text/plain; charset=\"ISO-8859-1\"; format=flowed", "charset", "utf-8",
	  " text/plain; charset=utf-8; format=flowed" },
	{ " text/plain; format=flowed", "charset", "utf-8", " text/plain; format=flowed; charset=utf-8" },
	{ " text/plain", "charset", "utf-8", " text/plain; charset=utf-8" },
	{ " text/plain;\r\n\tCHARSET=us-ascii", "charset", "utf-8", " text/plain;\r\n\tcharset=utf-8" },
	{ " text/plain; name=\"a;charset=x.txt\"", "charset", "utf-8",
	  " text/plain; name=\"a;charset=x.txt\"; charset=utf-8" },
	{ " text/plain; charset*=us-ascii'en'x", "charset", "utf-8", " text/plain; charset=utf-8" },
	{ " text/plain (comment; charset=x) ; charset=koi8-r", "charset", "utf-8",
	  " text/plain (comment; charset=x) ; charset=utf-8" },
	{ " text/plain  ", "charset", "utf-8", " text/plain; charset=utf-8  " },
};

static void
test_set_param(void)
{
	struct buf out;

	buf_init(&out, 0);
	for (size_t i = 0; i < sizeof(set_rows) / sizeof(set_rows[0]); i++) {
		buf_reset(&out);
		CHECK(mimeedit_set_param(set_rows[i].in, strlen(set_rows[i].in),
		    set_rows[i].name, set_rows[i].value, &out) == 0);
		CHECK_MSG(out.p && strcmp(out.p, set_rows[i].want) == 0,
		    "row %zu: got [%s]", i, out.p ? out.p : "(null)");
	}
	buf_free(&out);
}

static void
test_get_param(void)
{
	struct buf out;
	const char *v = " multipart/mixed; boundary=\"a\\\"b\"; charset=x";

	buf_init(&out, 0);
	CHECK(mimeedit_get_param(v, strlen(v), "boundary", &out) == 1);
	CHECK(out.p && strcmp(out.p, "a\"b") == 0);
	CHECK(mimeedit_get_param(v, strlen(v), "charset", &out) == 1);
	CHECK(out.p && strcmp(out.p, "x") == 0);
	CHECK(mimeedit_get_param(v, strlen(v), "name", &out) == 0);
	/* unterminated quote and comment: no crash, no read past the end */
	CHECK(mimeedit_get_param(" a; b=\"xx", 9, "b", &out) == 1);
	CHECK(mimeedit_get_param(" a (; b=1", 9, "b", &out) == 0);
	buf_free(&out);
}

int
main(void)
{
	test_splice();
	test_set_param();
	test_get_param();
	return harness_done();
}
