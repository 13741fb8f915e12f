/* test_header - the raw header splitter: field spans of many block shapes,
 * the limits, the lookup helpers, line endings and the end of the header. */
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "header.h"
#include "mimeedit.h"

#define MAXF 16

/* show - append s[0, n) to out with CR, LF, TAB and NUL made visible */
static void
show(char *out, size_t cap, const char *s, size_t n)
{
	size_t l = strlen(out);

	for (size_t i = 0; i < n && l + 3 < cap; i++) {
		const char *esc = s[i] == '\r' ? "\\r" : s[i] == '\n' ? "\\n" :
		    s[i] == '\t' ? "\\t" : s[i] == '\0' ? "\\0" : NULL;

		if (esc) {
			memcpy(out + l, esc, 2);
			l += 2;
		} else
			out[l++] = s[i];
	}
	out[l] = '\0';
}

/* render - "name=value|" per field, "!=value|" for a malformed one */
static void
render(char *out, size_t cap, const char *b, const struct header_field *f,
    size_t n)
{
	out[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		if (f[i].name_len)
			show(out, cap, b + f[i].name, f[i].name_len);
		else
			show(out, cap, "!", 1);
		show(out, cap, "=", 1);
		show(out, cap, b + f[i].value, f[i].value_len);
		show(out, cap, "|", 1);
	}
}

/* tiles - the fields cover the header from 0 to hend without a gap, and
 * each value ends where the field's final line break begins */
static int
tiles(const char *b, const struct header_field *f, size_t n, size_t hend)
{
	size_t at = 0, brk;

	for (size_t i = 0; i < n; i++) {
		if (f[i].start != at || f[i].end <= f[i].start)
			return 0;
		brk = f[i].end - (f[i].value + f[i].value_len);
		if (brk > 2 || (brk && b[f[i].end - 1] != '\n'))
			return 0;
		if (f[i].name_len && (f[i].name != f[i].start ||
		    b[f[i].value - 1] != ':'))
			return 0;
		at = f[i].end;
	}
	return at == hend;
}

#define S(lit) lit, sizeof(lit) - 1

static const struct {
	const char *in;
	size_t len;
	const char *want;	/* render() of the fields */
	size_t hdr_len;		/* bytes of fields: header_block_end minus the empty line */
	size_t block_end;	/* header_block_end */
	const char *eol;
} rows[] = {
	{ S("Subject: hi\r\nFrom: a@b\r\n\r\nbody\r\n"),
	  "Subject= hi|From= a@b|", 24, 26, "\r\n" },
	{ S("Subject: hi\nFrom: a@b\n\nbody\n"),
	  "Subject= hi|From= a@b|", 22, 23, "\n" },
	/* folded, with CRLF and LF, tabs, several continuation lines */
	{ S("To: a@b,\r\n c@d,\r\n\te@f\r\nX: y\r\n\r\n"),
	  "To= a@b,\\r\\n c@d,\\r\\n\\te@f|X= y|", 29, 31, "\r\n" },
	{ S("To: a\n  b\n\nb"), "To= a\\n  b|", 10, 11, "\n" },
	/* a whitespace-only line continues the field */
	{ S("A: 1\r\n  \r\nB: 2\r\n\r\n"), "A= 1\\r\\n  |B= 2|", 16, 18, "\r\n" },
	/* no empty line: the header runs to the end, with or without a break */
	{ S("A: 1\r\nB: 2\r\n"), "A= 1|B= 2|", 12, 12, "\r\n" },
	{ S("A: 1\r\nB: 2"), "A= 1|B= 2|", 10, 10, "\r\n" },
	{ S("A: 1\r\nB: 2\r"), "A= 1|B= 2\\r|", 11, 11, "\r\n" },
	/* empty header and empty block */
	{ S("\r\nbody"), "", 0, 2, "\r\n" },
	{ S("\nbody"), "", 0, 1, "\n" },
	{ S(""), "", 0, 0, "\r\n" },
	/* empty values, blanks before the colon, colons in the value */
	{ S("A:\r\nB :x\r\nC\t: y:z\r\n\r\n"), "A=|B=x|C= y:z|", 19, 21, "\r\n" },
	/* lines without a colon, or with no valid name: verbatim */
	{ S("From me@x Mon Jan 1\nA: 1\n\n"), "!=From me@x Mon Jan 1|A= 1|", 25, 26, "\n" },
	{ S("A: 1\r\ngarbage\r\n more\r\nB: 2\r\n\r\n"),
	  "A= 1|!=garbage\\r\\n more|B= 2|", 28, 30, "\r\n" },
	{ S("X Y: z\n: v\n\n"), "!=X Y: z|!=: v|", 11, 12, "\n" },
	{ S("Sub\xc3\xa9: z\n\n"), "!=Sub\xc3\xa9: z|", 9, 10, "\n" },
	/* the block starts with whitespace */
	{ S(" leading\r\nA: 1\r\n\r\n"), "!= leading|A= 1|", 16, 18, "\r\n" },
	{ S("\t: x\nA: 1\n\n"), "!=\\t: x|A= 1|", 10, 11, "\n" },
	/* bare CR is an ordinary byte, never a line break */
	{ S("A: 1\r2\r\nB: 3\r\n\r\n"), "A= 1\\r2|B= 3|", 14, 16, "\r\n" },
	{ S("A: 1\r\r\nB: 2\n\n"), "A= 1\\r|B= 2|", 12, 13, "\r\n" },
	{ S("\r\rA: 1\n\n"), "!=\\r\\rA: 1|", 7, 8, "\n" },
	/* NUL bytes are ordinary bytes */
	{ S("A: x\0y\r\nB\0: 2\r\n\r\n"), "A= x\\0y|!=B\\0: 2|", 15, 17, "\r\n" },
	/* mixed endings: the first line decides header_eol */
	{ S("A: 1\nB: 2\r\n\r\n"), "A= 1|B= 2|", 11, 13, "\n" },
	{ S("Received: from x\r\n\tby y; Mon\r\nreceived: from z\r\n\r\n"),
	  "Received= from x\\r\\n\\tby y; Mon|received= from z|", 48, 50, "\r\n" },
};

/* test_rows - spans, tiling, header_block_end and header_eol per row */
static void
test_rows(void)
{
	struct header_field f[MAXF];
	char got[512];
	const char *err = NULL;
	size_t n = 0, end;

	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		const char *b = rows[i].in;

		CHECK_MSG(header_split(b, rows[i].len, f, MAXF, 1000, &n, &err) == 0,
		    "row %zu", i);
		render(got, sizeof got, b, f, n);
		CHECK_MSG(strcmp(got, rows[i].want) == 0, "row %zu: got [%s] want [%s]",
		    i, got, rows[i].want);
		CHECK_MSG(tiles(b, f, n, rows[i].hdr_len), "row %zu: spans", i);
		end = header_block_end(b, rows[i].len);
		CHECK_MSG(end == rows[i].block_end, "row %zu: block end %zu", i, end);
		CHECK_MSG(strcmp(header_eol(b, rows[i].len), rows[i].eol) == 0,
		    "row %zu: eol", i);
	}
}

/* test_limits - one field too many or one byte too long fails */
static void
test_limits(void)
{
	static const char b[] = "A: 1\r\nB: 22\r\n\r\n";
	struct header_field f[2];
	const char *err = NULL;
	size_t n = 9;

	CHECK(header_split(b, sizeof b - 1, f, 2, 7, &n, &err) == 0 && n == 2);
	CHECK(header_split(b, sizeof b - 1, f, 1, 7, &n, &err) == -1);
	CHECK(err != NULL && strstr(err, "many") != NULL);
	err = NULL;
	CHECK(header_split(b, sizeof b - 1, f, 2, 6, &n, &err) == -1);
	CHECK(err != NULL && strstr(err, "long") != NULL);
	CHECK(header_split(b, sizeof b - 1, f, 2, 6, &n, NULL) == -1);
	CHECK(header_split("\r\n", 2, f, 0, 0, &n, NULL) == 0 && n == 0);
	CHECK(header_split("A: 1\r\n", 6, f, 0, 100, &n, NULL) == -1);
	/* folded lines count toward the field's size */
	CHECK(header_split("A: 1\r\n 2\r\n", 10, f, 2, 9, &n, NULL) == -1);
	CHECK(header_split("A: 1\r\n 2\r\n", 10, f, 2, 10, &n, NULL) == 0 && n == 1);
}

/* test_find - case-insensitive lookup, repeated fields, no prefix matches */
static void
test_find(void)
{
	static const char b[] = "Received: 1\r\nSUBJECT: s\r\nnoname\r\n"
	    "received: 2\r\nSubject-X: t\r\n\r\n";
	struct header_field f[MAXF];
	size_t n = 0;
	long i, count = 0;

	CHECK(header_split(b, sizeof b - 1, f, MAXF, 100, &n, NULL) == 0 && n == 5);
	CHECK(header_find(b, f, n, "subject") == 1);
	CHECK(header_find(b, f, n, "Subject-x") == 4);
	CHECK(header_find(b, f, n, "subj") == -1);
	CHECK(header_find(b, f, n, "noname") == -1);	/* malformed: no name */
	CHECK(header_find(b, f, n, "") == -1);
	CHECK(header_is(b, &f[0], "RECEIVED") && !header_is(b, &f[1], "received"));
	for (i = header_find(b, f, n, "received"); i >= 0;
	    i = header_find_next(b, f, n, (size_t)i + 1, "received"))
		count++;
	CHECK(count == 2);
	CHECK(header_find_next(b, f, n, 4, "received") == -1);
	CHECK(header_find_next(b, f, n, 99, "received") == -1);
}

/* rewrite - field (one, with its line break) with every occurrence of
 * each from[i] in its decoded value replaced by to[i]; the new field, or
 * NULL.  *rc_r is header_rewrite's answer. */
static char *
rewrite(const char *field, const char *const *from, const char *const *to,
    size_t n, int *rc_r)
{
	struct header_field f;
	struct header_value v;
	struct rfc2047_map map;
	struct edits te, out;
	struct buf text, res;
	size_t nf;
	char *r = NULL;

	buf_init(&text, 0);
	buf_init(&res, 0);
	rfc2047_map_init(&map);
	edits_init(&te);
	edits_init(&out);
	*rc_r = -2;
	if (header_split(field, strlen(field), &f, 1, 100000, &nf, NULL) < 0 ||
	    nf != 1 || rfc2047_decode_map(field + f.value, f.value_len, &text,
	    &map) < 0 || text.p == NULL)
		goto out;
	/* the edits in order of start: every occurrence of every from[] */
	for (size_t t = 0; t < text.len; t++)
		for (size_t i = 0; i < n; i++)
			if (strncmp(text.p + t, from[i], strlen(from[i])) == 0) {
				edits_add(&te, t, t + strlen(from[i]), to[i], strlen(to[i]));
				t += strlen(from[i]) - 1;
				break;
			}
	v = (struct header_value){ field, strlen(field), f.value, f.value_len,
	    text.p, text.len, &map, "\r\n" };
	if ((*rc_r = header_rewrite(&v, &te, &out)) == 0 &&
	    splice_apply(field, strlen(field), &out, &res) == 0)
		r = buf_detach(&res, NULL);
out:
	buf_free(&text);
	buf_free(&res);
	rfc2047_map_free(&map);
	edits_free(&te);
	edits_free(&out);
	return r;
}

static void
test_rewrite(void)
{
	static const struct {
		const char *field, *from, *to, *want;
	} rw[] = {
		/* copied text: only the bytes found change, folds stay */
		{ "Received: from x\r\n\t[198.51.100.23]) by y\r\n",
		  "198.51.100.23", "[IPV4]",
		  "Received: from x\r\n\t[[IPV4]]) by y\r\n" },
		{ "X-A:\tone two\n  three\n", "two", "2",
		  "X-A:\tone 2\n  three\n" },
		/* a value across a fold: its bytes, the fold's too */
		{ "Subject: call +46 70\r\n 123 45 67 now\r\n", "+46 70 123 45 67",
		  "[PHONE]", "Subject: call [PHONE] now\r\n" },
		/* a malformed line (no name): the whole line is the value */
		{ "junk bob@example.com here\n", "bob@example.com", "[EMAIL]",
		  "junk [EMAIL] here\n" },
		/* no line break at the end of the block */
		{ "X-B: a@b.se", "a@b.se", "[EMAIL]", "X-B: [EMAIL]" },
		/* encoded words: the changed one is encoded anew, the other and
		 * the literal text stay */
		{ "Subject: =?UTF-8?Q?caf=C3=A9?= and =?UTF-8?Q?bob=40x.se?= ok\n",
		  "bob@x.se", "[EMAIL]",
		  "Subject: =?UTF-8?Q?caf=C3=A9?= and [EMAIL] ok\n" },
		{ "Subject: =?UTF-8?Q?bob=40x.se_caf=C3=A9?= ok\n",
		  "bob@x.se", "[EMAIL]",
		  "Subject: [EMAIL] =?UTF-8?B?Y2Fmw6k=?= ok\n" },
		/* nothing to do */
		{ "Subject: nothing\n", "absent", "x", "Subject: nothing\n" },
	};

	for (size_t i = 0; i < sizeof(rw) / sizeof(rw[0]); i++) {
		const char *from[1] = { rw[i].from }, *to[1] = { rw[i].to };
		int rc;
		char *r = rewrite(rw[i].field, from, to, 1, &rc);

		CHECK_MSG(rc == 0 && r && strcmp(r, rw[i].want) == 0,
		    "row %zu: rc %d: [%s]", i, rc, r ? r : "(null)");
		free(r);
	}
}

static void
test_rewrite_refold(void)
{
	char field[2200], *p = field, *r;
	const char *from[1] = { "a@b.se" }, *to[1] = { "[EMAIL]" };
	const char *lfrom[1] = { "x" }, *lto[1] = { "[a-long-replacement]" };
	int rc;

	/* a line of 994 octets that would grow past 998: refolded from that
	 * line on, the line before it kept */
	p += sprintf(p, "X-List: first line stays\r\n");
	for (int i = 0; i < 141; i++)
		p += sprintf(p, " a@b.se");
	sprintf(p, "\r\n");
	r = rewrite(field, from, to, 1, &rc);
	CHECK(rc == 0 && r && strncmp(r, "X-List: first line stays\r\n [EMAIL]", 34) == 0);
	CHECK(r && strstr(r, "a@b.se") == NULL && strlen(r) > 141 * 8);
	for (const char *l = r; l && (l = strstr(l, "\r\n")) != NULL; l += 2)
		CHECK(l[2] == '\0' || ((l[2] == ' ' || l[2] == '\t') &&
		    strcspn(l + 2, "\r") <= 78));
	free(r);
	/* a field name of 1000 octets: its line may stay that long */
	p = field;
	memset(p, 'N', 1000);
	p += 1000;
	sprintf(p, ": x\r\n");
	r = rewrite(field, lfrom, lto, 1, &rc);
	CHECK(rc == 0 && r && strstr(r, "[a-long-replacement]") != NULL);
	free(r);
	/* a name of 990 and a value with no blank to fold at: no sound
	 * field can be written, the caller must fail */
	sprintf(field + 990, ":x\r\n");
	r = rewrite(field, lfrom, lto, 1, &rc);
	CHECK_MSG(rc == 1 && r == NULL, "rc %d", rc);
	free(r);
}

int
main(void)
{
	test_rows();
	test_limits();
	test_find();
	test_rewrite();
	test_rewrite_refold();
	return harness_done();
}
