/* test_charset - charset names, conversion to UTF-8, UTF-8 validity. */
#include <stdlib.h>
#include <string.h>

#include "charset.h"
#include "harness.h"

struct conv_case {
	const char *charset;
	const char *in;
	const char *want;	/* NULL: conversion must fail */
};

static const struct conv_case conv_cases[] = {
	{ "iso-8859-1", "caf\xe9", "caf\xc3\xa9" },
	{ "ISO-8859-1", "caf\xe9", "caf\xc3\xa9" },
	{ "latin1", "caf\xe9", "caf\xc3\xa9" },
	{ " \"Latin1\" ", "caf\xe9", "caf\xc3\xa9" },
	{ "iso-8859-2", "\xb9", "\xc5\xa1" },		/* s caron */
	{ "iso-8859-15", "\xa4", "\xe2\x82\xac" },	/* euro */
	{ "windows-1252", "\x80 \x93x\x94", "\xe2\x82\xac \xe2\x80\x9cx\xe2\x80\x9d" },
	{ "cp1252", "\x80", "\xe2\x82\xac" },
	{ "windows-1250", "\x9a", "\xc5\xa1" },
	{ "windows-1251", "\xc0", "\xd0\x90" },
	{ "koi8-r", "\xe1", "\xd0\x90" },
	{ "ks_c_5601-1987", "\xb0\xa1", "\xea\xb0\x80" },
	{ "euc-kr", "\xb0\xa1", "\xea\xb0\x80" },
	{ "x-sjis", "\x82\xa0", "\xe3\x81\x82" },
	{ "shift_jis", "\x82\xa0", "\xe3\x81\x82" },
	{ "gb2312", "\xc4\xe3", "\xe4\xbd\xa0" },
	{ "iso-2022-jp", "\x1b$B$\"\x1b(B", "\xe3\x81\x82" },
	{ "unicode-1-1-utf-7", "+AOk-", "\xc3\xa9" },
	{ "koi8_r", "\xe1", "\xd0\x90" },
	{ "x-koi8-u", "\xe1", "\xd0\x90" },
	{ "x-mac-roman", "\x8e", "\xc3\xa9" },
	{ "x-", "a", NULL },
	{ "utf-8", "caf\xc3\xa9", "caf\xc3\xa9" },
	{ "utf8", "x", "x" },
	{ "us-ascii", "abc", "abc" },
	{ "", "abc", "abc" },
	{ "no-such-charset", "abc", NULL },
	{ "utf-8//TRANSLIT", "abc", NULL },
	{ "../../etc/passwd", "abc", NULL },
	{ "shift_jis", "\x82", NULL },		/* truncated sequence */
	{ "iso-2022-jp", "\x1b$B\xff\xff", NULL },
};

/* test_conversions - the table above */
static void
test_conversions(void)
{
	size_t i;

	for (i = 0; i < sizeof(conv_cases) / sizeof(conv_cases[0]); i++) {
		const struct conv_case *c = &conv_cases[i];
		struct buf out;
		int rc;

		buf_init(&out, 0);
		buf_puts(&out, "pre:");
		rc = charset_to_utf8(c->charset, c->in, strlen(c->in), &out);
		if (c->want == NULL) {
			CHECK_MSG(rc == -1, "%s must fail", c->charset);
			CHECK_MSG(out.len == 4 && strcmp(out.p, "pre:") == 0,
			    "%s appended on failure", c->charset);
		} else {
			CHECK_MSG(rc == 0, "%s failed", c->charset);
			CHECK_MSG(strcmp(out.p + 4, c->want) == 0, "%s: %s",
			    c->charset, out.p);
		}
		buf_free(&out);
	}
}

/* test_compatible - names that need no conversion */
static void
test_compatible(void)
{
	CHECK(charset_is_utf8_compatible(NULL));
	CHECK(charset_is_utf8_compatible(""));
	CHECK(charset_is_utf8_compatible("US-ASCII"));
	CHECK(charset_is_utf8_compatible("ascii"));
	CHECK(charset_is_utf8_compatible("UTF-8"));
	CHECK(charset_is_utf8_compatible("utf8"));
	CHECK(charset_is_utf8_compatible("\"utf-8\""));
	CHECK(!charset_is_utf8_compatible("iso-8859-1"));
	CHECK(!charset_is_utf8_compatible("utf-16"));
	CHECK(!charset_is_utf8_compatible("utf-8x"));
}

/* test_cap - a full buffer fails cleanly */
static void
test_cap(void)
{
	struct buf out;
	char in[1000];

	memset(in, 0xe9, sizeof(in));
	buf_init(&out, 100);
	CHECK(charset_to_utf8("latin1", in, sizeof(in), &out) == -1);
	CHECK(out.len == 0);
	buf_free(&out);

	/* a large input grows the output in steps */
	{
		size_t n = 300000, i;
		char *big = malloc(n);

		for (i = 0; i < n; i++)
			big[i] = (char)(0xc0 + i % 32);
		buf_init(&out, 0);
		CHECK(charset_to_utf8("iso-8859-1", big, n, &out) == 0);
		CHECK(out.len == 2 * n);
		CHECK(charset_utf8_valid(out.p, out.len));
		buf_free(&out);
		free(big);
	}
}

struct valid_case {
	const char *s;
	size_t len;
	int valid;
};

static const struct valid_case valid_cases[] = {
	{ "", 0, 1 },
	{ "plain ascii text longer than eight", 34, 1 },
	{ "caf\xc3\xa9", 5, 1 },
	{ "\xe2\x82\xac", 3, 1 },
	{ "\xf0\x9f\x98\x80", 4, 1 },
	{ "\xf4\x8f\xbf\xbf", 4, 1 },		/* U+10FFFF */
	{ "abcdefgh\xc3\xa9", 10, 1 },
	{ "a\0b", 3, 1 },
	{ "\xc3", 1, 0 },			/* truncated */
	{ "\xc0\xaf", 2, 0 },			/* overlong */
	{ "\xe0\x80\xaf", 3, 0 },		/* overlong */
	{ "\xed\xa0\x80", 3, 0 },		/* surrogate */
	{ "\xf4\x90\x80\x80", 4, 0 },		/* past U+10FFFF */
	{ "\xf5\x80\x80\x80", 4, 0 },
	{ "\x80", 1, 0 },
	{ "abcdefghijklmnop\xff", 17, 0 },
	{ "abcdefg\xe2\x82", 9, 0 },
};

/* test_valid - the table above */
static void
test_valid(void)
{
	size_t i;

	for (i = 0; i < sizeof(valid_cases) / sizeof(valid_cases[0]); i++)
		CHECK_MSG(charset_utf8_valid(valid_cases[i].s,
		    valid_cases[i].len) == valid_cases[i].valid, "row %zu", i);
	CHECK(charset_utf8_char_len("\xc3\xa9", 2) == 2);
	CHECK(charset_utf8_char_len("\xc3", 1) == 0);
	CHECK(charset_utf8_char_len("a", 1) == 1);
	CHECK(charset_utf8_char_len("", 0) == 0);
}

int
main(void)
{
	test_conversions();
	test_compatible();
	test_cap();
	test_valid();
	return harness_done();
}
