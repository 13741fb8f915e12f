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

/* secret_fn - the toy redaction: "SECRET" becomes "[X]" */
static int
secret_fn(void *ctx, const char *text, size_t len, struct buf *out)
{
	const char *p = memmem(text, len, "SECRET", 6);
	int *calls = ctx;

	(*calls)++;
	if (p == NULL)
		return 0;
	buf_append(out, text, (size_t)(p - text));
	buf_puts(out, "[X]");
	buf_append(out, p + 6, len - (size_t)(p - text) - 6);
	return 1;
}

static const struct {
	const char *in, *name, *want;
} filter_rows[] = {
	{ " attachment; filename=\"a SECRET.pdf\"", "filename",
	  " attachment; filename=\"a [X].pdf\"" },
	{ " attachment; filename=SECRET.pdf; size=3", "filename",
	  " attachment; filename=\"[X].pdf\"; size=3" },
	{ " attachment; filename=\"keep.pdf\"", "filename", NULL },
	{ " attachment; filename=\"a \\\"SECRET\\\".pdf\"", "filename",
	  " attachment; filename=\"a \\\"[X]\\\".pdf\"" },
	{ " attachment; filename*=utf-8''SECRET%20x.pdf", "filename",
	  " attachment; filename*=utf-8''%5BX%5D%20x.pdf" },
	{ " attachment; filename*0*=utf-8''SEC; filename*1=RET.pdf", "filename",
	  " attachment; filename*=utf-8''%5BX%5D.pdf" },
	{ " attachment; filename*1=RET.pdf;\r\n filename*0=SEC", "filename",
	  " attachment;\r\n filename*=utf-8''%5BX%5D.pdf" },
	/* a gap ends the sections: *2 is not read */
	{ " attachment; filename*0=SEC; filename*2=RET", "filename", NULL },
	{ " attachment; filename=\"=?utf-8?Q?SECRET_=C3=85.pdf?=\"", "filename",
	  " attachment; filename*=utf-8''%5BX%5D%20%C3%85.pdf" },
	{ " attachment; filename=\"=?utf-8?Q?SECRET.pdf?=\"", "filename",
	  " attachment; filename=\"[X].pdf\"" },
	{ " text/plain; charset=us-ascii; name=\"SECRET.txt\"", "name",
	  " text/plain; charset=us-ascii; name=\"[X].txt\"" },
	{ " attachment; name=SECRET; filename=ok", "filename", NULL },
	{ " attachment; xfilename=SECRET", "filename", NULL },
	{ " attachment (filename=SECRET); filename=\"x\"", "filename", NULL },
	{ " attachment; filename*=x-unknown-cs'en'SECRET", "filename",
	  " attachment; filename*=x-unknown-cs'en'%5BX%5D" },
	{ " attachment; filename*=iso-8859-1''%C5SECRET", "filename",
	  " attachment; filename*=utf-8''%C3%85%5BX%5D" },
	{ " attachment; filename=\"raw \xc3\x85 SECRET\"", "filename",
	  " attachment; filename=\"raw \xc3\x85 [X]\"" },
};

static void
test_filter_param(void)
{
	struct buf out, text;
	int changed, calls;

	buf_init(&out, 0);
	buf_init(&text, 0);
	for (size_t i = 0; i < sizeof(filter_rows) / sizeof(filter_rows[0]); i++) {
		const char *in = filter_rows[i].in, *want = filter_rows[i].want;

		buf_reset(&out);
		calls = 0;
		CHECK(mimeedit_filter_param(in, strlen(in), filter_rows[i].name,
		    "\r\n", secret_fn, &calls, &out, &changed) == 0);
		CHECK_MSG(changed == (want != NULL) && out.p &&
		    strcmp(out.p, want ? want : in) == 0,
		    "row %zu: got [%s]", i, out.p ? out.p : "");
	}

	/* an extended form is there too: the plain one stays encoded words */
	{
		const char *in = " attachment; filename=\"=?utf-8?Q?SECRET_=C3=85.pdf?=\";"
		    " filename*=utf-8''SECRET%20%C3%85.pdf";

		buf_reset(&out);
		calls = 0;
		CHECK(mimeedit_filter_param(in, strlen(in), "filename", "\r\n",
		    secret_fn, &calls, &out, &changed) == 0 && changed && calls >= 2);
		CHECK_MSG(out.p && strstr(out.p, "SECRET") == NULL &&
		    strstr(out.p, " filename=\"[X] =?UTF-8?") != NULL &&
		    strstr(out.p, "; filename*=utf-8''%5BX%5D%20%C3%85.pdf") != NULL,
		    "got [%s]", out.p ? out.p : "");
		CHECK(mimeedit_param_text(out.p, out.len, "filename", &text) == 1 &&
		    strcmp(text.p, "[X] \xc3\x85.pdf") == 0);
	}

	/* a long name goes out in sections of at most 60 octets, on folded
	 * lines, never splitting a %XX, and reads back */
	{
		char in[512], want[256];
		size_t n;

		n = (size_t)snprintf(in, sizeof(in), " attachment; filename*=utf-8''");
		for (int k = 0; k < 30; k++)
			n += (size_t)snprintf(in + n, sizeof(in) - n, "%%C3%%85");
		snprintf(in + n, sizeof(in) - n, "SECRET.pdf");
		buf_reset(&out);
		CHECK(mimeedit_filter_param(in, strlen(in), "filename", "\n",
		    secret_fn, &calls, &out, &changed) == 0 && changed);
		CHECK_MSG(out.p && strstr(out.p, "filename*0*=utf-8''%C3%85") &&
		    strstr(out.p, ";\n filename*1*=%C3%85") &&
		    strstr(out.p, "filename*2*=") && !strstr(out.p, "filename*="),
		    "got [%s]", out.p ? out.p : "");
		/* the sections after the first on lines of their own */
		for (const char *l = strchr(out.p, '\n'); l; l = strchr(l + 1, '\n'))
			CHECK(strcspn(l + 1, "\n") <= 78);
		n = 0;
		for (int k = 0; k < 30; k++)
			n += (size_t)snprintf(want + n, sizeof(want) - n, "\xc3\x85");
		snprintf(want + n, sizeof(want) - n, "[X].pdf");
		CHECK(mimeedit_param_text(out.p, out.len, "filename", &text) == 1 &&
		    strcmp(text.p, want) == 0);
	}
	buf_free(&out);
	buf_free(&text);
}

/* all_fn - every "SECRET" becomes "[X]" (so a second pass finds none) */
static int
all_fn(void *ctx, const char *text, size_t len, struct buf *out)
{
	size_t i = 0;
	int changed = 0;

	(void)ctx;
	while (i < len) {
		if (len - i >= 6 && memcmp(text + i, "SECRET", 6) == 0) {
			buf_puts(out, "[X]");
			i += 6;
			changed = 1;
		} else
			buf_putc(out, text[i++]);
	}
	return changed;
}

/* random values built from pieces that matter to the parser: every one
 * is filtered without error, and filtering the result again changes
 * nothing (the rewrite is sound and stable) */
static void
test_filter_random(void)
{
	static const char *const names[] = {
		"filename", "filename*", "filename*0", "filename*0*", "filename*1",
		"filename*1*", "filename*2", "FileName", "name", "size",
	};
	static const char *const pieces[] = {
		";", " ", "\r\n ", "\"", "\\", "=", "*", "'", "%",
		"%41", "%C3%85", "%2", "SECRET", "SECRET", "SEC", "RET", ".pdf",
		"utf-8''", "iso-8859-1'en'", "=?utf-8?Q?", "=?utf-8?B?", "?=",
		"=C3=85", "_", "(", ")", "\xc3\x85", "\xff", "\t", "a b",
	};
	struct buf in, out, again;
	unsigned seed = 12345;
	int changed, calls = 0, bad = 0, rewrote = 0;

	buf_init(&in, 0);
	buf_init(&out, 0);
	buf_init(&again, 0);
	for (int round = 0; round < 20000; round++) {
		buf_reset(&in);
		buf_reset(&out);
		buf_reset(&again);
		buf_puts(&in, " attachment");
		for (int k = 0, n = 1 + (int)(round % 4); k < n; k++) {
			seed = seed * 1103515245u + 12345u;
			buf_puts(&in, (seed >> 20) % 3 ? "; " : ";\r\n ");
			buf_puts(&in, names[(seed >> 16) % (sizeof(names) / sizeof(names[0]))]);
			buf_putc(&in, '=');
			for (int j = 0, m = 1 + (int)((seed >> 24) % 6); j < m; j++) {
				seed = seed * 1103515245u + 12345u;
				buf_puts(&in, pieces[(seed >> 16) %
				    (sizeof(pieces) / sizeof(pieces[0]))]);
			}
		}
		if (mimeedit_filter_param(in.p, in.len, "filename", "\r\n", all_fn,
		    &calls, &out, &changed) < 0 || (rewrote += changed) < 0 ||
		    mimeedit_filter_param(out.p, out.len, "filename", "\r\n", all_fn,
		    &calls, &again, &changed) < 0 || changed) {
			if (bad++ < 5)
				fprintf(stderr, "random: [%s] -> [%s] -> [%s]\n", in.p,
				    out.p ? out.p : "", again.p ? again.p : "");
		}
	}
	CHECK(bad == 0);
	/* the pieces do make names that change, in every form */
	CHECK_MSG(rewrote > 1000, "%d rewritten", rewrote);
	buf_free(&in);
	buf_free(&out);
	buf_free(&again);
}

static const struct {
	const char *in, *name;
	int found;
	const char *want;
} text_rows[] = {
	{ " attachment; filename=\"a.pdf\"; filename*=utf-8''b%20c.exe", "filename", 1, "b c.exe" },
	{ " attachment; filename*0=\"a\"; filename*1=\"b.exe\"", "filename", 1, "ab.exe" },
	{ " attachment; filename*=utf-8''a%00.exe", "filename", 1, "a_.exe" },
	{ " attachment; filename=\"=?utf-8?Q?=C3=85.pdf?=\"", "filename", 1, "\xc3\x85.pdf" },
	{ " attachment; filename=\"a\r\n b.pdf\"", "filename", 1, "a b.pdf" },
	{ " attachment", "filename", 0, "" },
	{ " text/plain; name=x.txt", "filename", 0, "" },
};

static void
test_param_text(void)
{
	struct buf out;

	buf_init(&out, 0);
	for (size_t i = 0; i < sizeof(text_rows) / sizeof(text_rows[0]); i++) {
		int r = mimeedit_param_text(text_rows[i].in, strlen(text_rows[i].in),
		    text_rows[i].name, &out);

		CHECK_MSG(r == text_rows[i].found && out.len == strlen(text_rows[i].want) &&
		    memcmp(out.p ? out.p : "", text_rows[i].want, out.len) == 0,
		    "row %zu: %d [%.*s]", i, r, (int)out.len, out.p ? out.p : "");
	}
	buf_free(&out);
}

int
main(void)
{
	test_splice();
	test_set_param();
	test_get_param();
	test_filter_param();
	test_filter_random();
	test_param_text();
	return harness_done();
}
