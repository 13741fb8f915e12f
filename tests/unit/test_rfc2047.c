/* test_rfc2047 - encoded words: decoding real-world forms, encoding,
 * folding, and decode(encode(x)) == x. */
#include <stdlib.h>
#include <string.h>

#include "charset.h"
#include "harness.h"
#include "rfc2047.h"

struct dec_case {
	const char *in, *want;
};

static const struct dec_case dec_cases[] = {
	{ "plain text", "plain text" },
	{ "=?UTF-8?Q?caf=C3=A9?=", "caf\xc3\xa9" },
	{ "=?utf-8?q?caf=c3=a9?=", "caf\xc3\xa9" },
	{ "=?ISO-8859-1?Q?Andr=E9?= Pirard", "Andr\xc3\xa9 Pirard" },
	{ "=?iso-8859-1?b?QW5kcuk=?=", "Andr\xc3\xa9" },
	{ "=?UTF-8?B?YWxpY2VAZXhhbXBsZS5jb20=?=", "alice@example.com" },
	{ "=?UTF-8?Q?a_b?=", "a b" },
	{ "(=?ISO-8859-1?Q?a?=)", "(a)" },
	{ "=?ISO-8859-1?Q?a?= b", "a b" },
	{ "=?ISO-8859-1?Q?a?= =?ISO-8859-1?Q?b?=", "ab" },
	{ "=?ISO-8859-1?Q?a?=  =?ISO-8859-1?Q?b?=", "ab" },
	{ "=?ISO-8859-1?Q?a?=\r\n  =?ISO-8859-1?Q?b?=", "ab" },
	{ "=?ISO-8859-1?Q?a?=\n\t=?ISO-8859-1?Q?b?=", "ab" },
	{ "=?ISO-8859-1?Q?a_b?= =?ISO-8859-2?Q?_c?=", "a b c" },
	{ "=?UTF-8?B?w6k=?= x =?UTF-8?B?w6k=?=", "\xc3\xa9 x \xc3\xa9" },
	/* one character split across two B words */
	{ "=?UTF-8?B?ww==?= =?UTF-8?B?qQ==?=", "\xc3\xa9" },
	{ "=?UTF-8?Q?=C3?= =?UTF-8?Q?=A9?=", "\xc3\xa9" },
	{ "=?UTF-8*en?Q?hello?=", "hello" },
	{ "=?utf-8*en-us?B?aGk=?=", "hi" },
	/* unfolding */
	{ "a long\r\n subject", "a long subject" },
	{ "a long\n\tsubject", "a long\tsubject" },
	{ "trailing\r\n", "trailing" },
	/* malformed words are kept literally */
	{ "=?UTF-8?X?abc?=", "=?UTF-8?X?abc?=" },
	{ "=?UTF-8?Q?abc", "=?UTF-8?Q?abc" },
	{ "=??Q?abc?=", "=??Q?abc?=" },
	{ "=?no-such-cs?Q?abc?= x", "=?no-such-cs?Q?abc?= x" },
	{ "=?no-such-cs?Q?a?= =?UTF-8?Q?b?=", "=?no-such-cs?Q?a?= b" },
	{ "=?UTF-8?Q?b?= =?no-such-cs?Q?a?=", "b =?no-such-cs?Q?a?=" },
	{ "=?UTF-8?B?a=b=?=", "=?UTF-8?B?a=b=?=" },
	{ "=?shift_jis?B?gg==?=", "=?shift_jis?B?gg==?=" },
	{ "x =? y ?= z", "x =? y ?= z" },
	{ "=?=?=?=?", "=?=?=?=?" },
	/* raw 8-bit bytes stay as they are */
	{ "caf\xe9 =?UTF-8?Q?ok?=", "caf\xe9 ok" },
	{ "caf\xc3\xa9", "caf\xc3\xa9" },
	/* a UTF-8 or ASCII label on Latin-1 bytes */
	{ "=?us-ascii?Q?caf=E9?=", "caf\xc3\xa9" },
	{ "=?utf-8?Q?caf=E9?=", "caf\xc3\xa9" },
	/* an encoded word inside a word (not RFC, common) */
	{ "Re:=?UTF-8?Q?x?=", "Re:x" },
	{ "=?UTF-8?Q?a=3F?=", "a?" },
	{ "=?UTF-8?Q?=XY?=", "=XY" },
	{ "=?ISO-2022-JP?B?GyRCJCIbKEI=?=", "\xe3\x81\x82" },
	{ "=?windows-1252?Q?=80?=", "\xe2\x82\xac" },
	{ "", "" },
};

/* dec - decode a C string, result malloc'd */
static char *
dec(const char *s, size_t n)
{
	struct buf out;

	buf_init(&out, 0);
	if (rfc2047_decode(s, n, &out) < 0) {
		buf_free(&out);
		return NULL;
	}
	return buf_detach(&out, NULL);
}

/* test_decode - the table above */
static void
test_decode(void)
{
	size_t i;

	for (i = 0; i < sizeof(dec_cases) / sizeof(dec_cases[0]); i++) {
		char *r = dec(dec_cases[i].in, strlen(dec_cases[i].in));

		CHECK_MSG(r && strcmp(r, dec_cases[i].want) == 0,
		    "row %zu: [%s]", i, r ? r : "(null)");
		free(r);
	}
}

/* check_line - a line (without its eol) is at most 78 columns unless it
 * is one atom that cannot be broken; trailing blanks of the last line do
 * not count (a line of white space alone is not allowed) */
static void
check_line(const char *l, size_t n, size_t lead, int last, const char *what)
{
	size_t a = 0, b = n, i;
	int inner_ws = 0;

	if (last)
		while (b > 0 && (l[b - 1] == ' ' || l[b - 1] == '\t'))
			b--;
	while (a < b && (l[a] == ' ' || l[a] == '\t'))
		a++;
	for (i = a; i < b; i++)
		inner_ws |= l[i] == ' ' || l[i] == '\t';
	CHECK_MSG(lead + b <= 78 || !inner_ws, "%s: line of %zu: %.*s", what,
	    lead + b, (int)n, l);
}

/* check_shape - every line and every encoded word in bounds; every eol
 * followed by white space */
static void
check_shape(const char *s, size_t name_len, const char *what)
{
	const char *l = s, *nl, *w;

	while ((nl = strchr(l, '\n')) != NULL) {
		size_t n = (size_t)(nl - l);

		if (n > 0 && l[n - 1] == '\r')
			n--;
		check_line(l, n, l == s ? name_len : 0, 0, what);
		CHECK_MSG(nl[1] == ' ' || nl[1] == '\t',
		    "%s: eol not followed by white space", what);
		l = nl + 1;
	}
	check_line(l, strlen(l), l == s ? name_len : 0, 1, what);
	for (w = s; (w = strstr(w, "=?UTF-8?")) != NULL; w += 2) {
		const char *e = strstr(w + 10, "?=");

		CHECK_MSG(e && e + 2 - w <= 75, "%s: long encoded word", what);
	}
}

/* roundtrip - encode, check the shape, decode, compare */
static void
roundtrip(const char *text, size_t name_len, const char *eol)
{
	struct buf out;
	char *back;

	buf_init(&out, 0);
	CHECK_MSG(rfc2047_encode(text, strlen(text), name_len, eol, &out) == 0,
	    "%s", text);
	check_shape(out.p ? out.p : "", name_len, text);
	back = dec(out.p ? out.p : "", out.len);
	CHECK_MSG(back && strcmp(back, text) == 0, "[%s] -> [%s] -> [%s]",
	    text, out.p ? out.p : "", back ? back : "(null)");
	free(back);
	buf_free(&out);
}

static const char *const rt_cases[] = {
	"",
	"hello",
	"Re: [ticket #1234] printer on floor 3 is broken",
	"caf\xc3\xa9",
	"Gr\xc3\xbc\xc3\x9f" "e aus K\xc3\xb6ln und M\xc3\xbcnchen",
	"  leading and trailing blanks  ",
	"two  spaces\tand a tab",
	"\xc3\xa9 \xc3\xa9  \xc3\xa9",
	"a_b=c?d",
	"=?UTF-8?Q?looks_encoded?=",
	"x =?not?= y",
	"emoji \xf0\x9f\x98\x80\xf0\x9f\x98\x80\xf0\x9f\x98\x80 party",
	"line\r\nbreak inside",
	"ctl\x01 byte",
	"\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e\xe3\x81\xae\xe4\xbb\xb6\xe5\x90\x8d\xe3\x81\xa7\xe3\x81\x99"
	    "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e\xe3\x81\xae\xe4\xbb\xb6\xe5\x90\x8d\xe3\x81\xa7\xe3\x81\x99"
	    "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e\xe3\x81\xae\xe4\xbb\xb6\xe5\x90\x8d\xe3\x81\xa7\xe3\x81\x99",
	"Mixed: \xc3\xa9" "t\xc3\xa9" " ascii words \xc3\xa0 la fin, \xc3\xa7" "a va tr\xc3\xa8s bien merci beaucoup pour tout \xc5\x99\xc3\xad\xc5\xa1" "e",
	"[EMAIL] wrote about [PHONE] and [IBAN]",
};

/* test_roundtrip - the table above, with both line ends and offsets */
static void
test_roundtrip(void)
{
	size_t i;

	for (i = 0; i < sizeof(rt_cases) / sizeof(rt_cases[0]); i++) {
		roundtrip(rt_cases[i], 9, "\r\n");
		roundtrip(rt_cases[i], 0, "\n");
		roundtrip(rt_cases[i], 70, "\r\n");
	}
}

/* test_encode_forms - what the output looks like */
static void
test_encode_forms(void)
{
	struct buf out;
	char longs[400];
	size_t i;

	buf_init(&out, 0);
	CHECK(rfc2047_encode("hello world", 11, 9, "\r\n", &out) == 0);
	CHECK(strcmp(out.p, "hello world") == 0);
	buf_reset(&out);
	CHECK(rfc2047_encode("Fran\xc3\xa7oise ok", 13, 9, "\r\n", &out) == 0);
	CHECK_MSG(strcmp(out.p, "=?UTF-8?Q?Fran=C3=A7oise?= ok") == 0, "%s",
	    out.p);
	buf_reset(&out);
	/* mostly non-ASCII: B is shorter */
	CHECK(rfc2047_encode("\xc3\xa9\xc3\xa9\xc3\xa9", 6, 9, "\n", &out) == 0);
	CHECK(strcmp(out.p, "=?UTF-8?B?w6nDqcOp?=") == 0);
	buf_reset(&out);
	/* ASCII words fold at white space, never inside a word */
	for (i = 0; i < sizeof(longs) - 1; i++)
		longs[i] = i % 10 == 9 ? ' ' : 'w';
	longs[sizeof(longs) - 1] = '\0';
	CHECK(rfc2047_encode(longs, strlen(longs), 9, "\r\n", &out) == 0);
	CHECK(strstr(out.p, "\r\n ") != NULL);
	CHECK(strstr(out.p, "=?") == NULL);
	check_shape(out.p, 9, "long ascii");
	buf_reset(&out);
	/* an ASCII word longer than a line stays whole */
	memset(longs, 'x', 100);
	CHECK(rfc2047_encode(longs, 100, 9, "\r\n", &out) == 0);
	CHECK(out.len == 100);
	buf_reset(&out);
	/* a word that must be encoded but holds bytes that are not UTF-8:
	 * they stay raw between encoded pieces, and decode as they were; a
	 * raw word that need not be encoded stays raw */
	CHECK(rfc2047_encode("x=?\xff\x81y\x01 caf\xe9", 12, 9, "\n", &out) == 0);
	CHECK_MSG(strcmp(out.p, "=?UTF-8?B?eD0/?=\xff\x81=?UTF-8?Q?y=01?= caf\xe9") == 0,
	    "%s", out.p);
	{
		char *d = dec(out.p, out.len);

		CHECK(d && strcmp(d, "x=?\xff\x81y\x01 caf\xe9") == 0);
		free(d);
	}
	buf_reset(&out);
	/* no line break injection through the text */
	CHECK(rfc2047_encode("a\r\nBcc: x@y", 11, 9, "\r\n", &out) == 0);
	CHECK(strchr(out.p, '\n') == NULL || strstr(out.p, "\r\nBcc") == NULL);
	buf_free(&out);
	buf_init(&out, 5);
	CHECK(rfc2047_encode("hello world", 11, 9, "\r\n", &out) == -1);
	CHECK(out.len == 0);
	buf_free(&out);
}

/* test_no_split - no encoded word holds half a character */
static void
test_no_split(void)
{
	char text[600];
	struct buf out;
	const char *p;
	size_t i;

	for (i = 0; i + 3 < sizeof(text); i += 3)
		memcpy(text + i, "\xe2\x82\xac", 3);
	text[i] = '\0';
	buf_init(&out, 0);
	CHECK(rfc2047_encode(text, i, 9, "\r\n", &out) == 0);
	for (p = out.p; (p = strstr(p, "=?UTF-8?")) != NULL; p += 2) {
		const char *e = strstr(p + 10, "?=");
		struct buf one;

		buf_init(&one, 0);
		CHECK(e && e - p + 2 <= 75);
		CHECK(rfc2047_decode(p, (size_t)(e - p) + 2, &one) == 0);
		CHECK(charset_utf8_valid(one.p, one.len));
		CHECK(one.len % 3 == 0);
		buf_free(&one);
	}
	buf_free(&out);
	roundtrip(text, 9, "\r\n");
}

/* test_hostile - long runs stay linear and do not crash */
static void
test_hostile(void)
{
	static const char *const pat[] = { "=?", "=?a?q?", "?=", "=?a*?b?=",
	    "\r\n ", "\xc3" };
	size_t n = 200000, i, k;
	char *s = malloc(n + 8);

	for (k = 0; k < sizeof(pat) / sizeof(pat[0]); k++) {
		size_t pl = strlen(pat[k]);
		struct buf out;

		for (i = 0; i + pl <= n; i += pl)
			memcpy(s + i, pat[k], pl);
		buf_init(&out, 0);
		CHECK_MSG(rfc2047_decode(s, i, &out) == 0, "pattern %zu", k);
		buf_reset(&out);
		CHECK_MSG(rfc2047_encode(s, i, 9, "\r\n", &out) == 0,
		    "pattern %zu", k);
		buf_free(&out);
	}
	free(s);
}

/* test_random - decode(encode(x)) == x for random mixes of the awkward
 * pieces: blanks, encoded-word syntax, non-ASCII, controls */
static void
test_random(void)
{
	static const char *const piece[] = { " ", "\t", "  ", "=?", "?=", "?",
	    "=", "_", "a", "word", "\xc3\xa9", "\xe2\x82\xac",
	    "\xf0\x9f\x98\x80", "\r\n", "\x01", "UTF-8", "Q", "B",
	    "\"quoted\"", "(c)", "<a@b.c>", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" };
	char text[2048];
	size_t k, i, len;

	srand(11);
	for (k = 0; k < 3000; k++) {
		size_t pieces = (size_t)rand() % 60;

		len = 0;
		for (i = 0; i < pieces; i++) {
			const char *p = piece[(size_t)rand() %
			    (sizeof(piece) / sizeof(piece[0]))];

			memcpy(text + len, p, strlen(p));
			len += strlen(p);
		}
		text[len] = '\0';
		roundtrip(text, (size_t)rand() % 40, k % 2 ? "\r\n" : "\n");
	}
}

/* map_sound - the map of value v: spans cover the text in order; a
 * copied span is the raw bytes themselves; raw ranges are in order; raw
 * bytes between them are line breaks or (between encoded words) blanks */
static int
map_sound(const char *v, size_t n, const struct buf *t,
    const struct rfc2047_map *m)
{
	size_t text = 0, raw = 0;

	for (size_t i = 0; i < m->n; i++) {
		const struct rfc2047_span *s = &m->v[i];

		if (s->text != text || s->raw < raw || s->raw + s->raw_len > n)
			return 0;
		for (; raw < s->raw; raw++)
			if (!strchr("\r\n \t", v[raw]))
				return 0;
		if (!s->encoded && (s->text_len != s->raw_len || s->raw_len == 0 ||
		    memcmp(t->p + s->text, v + s->raw, s->raw_len) != 0 ||
		    memchr(v + s->raw, '\n', s->raw_len) != NULL))
			return 0;
		text += s->text_len;
		raw = s->raw + s->raw_len;
	}
	for (; raw < n; raw++)
		if (!strchr("\r\n", v[raw]))
			return 0;
	return text == t->len;
}

/* map_of - decode v with a map; "c3/e5,..." renders each span as
 * c(opied) or e(ncoded) + raw offset / raw length */
static void
map_of(const char *v, char *r, size_t cap)
{
	struct buf t;
	struct rfc2047_map m;
	size_t l = 0;

	buf_init(&t, 0);
	rfc2047_map_init(&m);
	r[0] = '\0';
	CHECK_MSG(rfc2047_decode_map(v, strlen(v), &t, &m) == 0, "%s", v);
	CHECK_MSG(map_sound(v, strlen(v), &t, &m), "map of [%s]", v);
	for (size_t i = 0; i < m.n && l + 24 < cap; i++)
		l += (size_t)snprintf(r + l, cap - l, "%s%c%zu/%zu", i ? "," : "",
		    m.v[i].encoded ? 'e' : 'c', m.v[i].raw, m.v[i].raw_len);
	rfc2047_map_free(&m);
	buf_free(&t);
}

/* test_map - where each piece of the decoded text came from */
static void
test_map(void)
{
	static const struct { const char *in, *want; } rows[] = {
		{ "plain text", "c0/10" },
		{ "a long\r\n subject", "c0/6,c8/8" },
		{ "a\n\tb\n c", "c0/1,c2/2,c5/2" },
		{ " =?UTF-8?Q?caf=C3=A9?= x", "c0/1,e1/21,c22/2" },
		/* adjacent words, folded: one run */
		{ "=?ISO-8859-1?Q?a?=\r\n  =?UTF-8?Q?b?= c", "e0/35,c35/2" },
		{ "x =?UTF-8?Q?a?= y =?UTF-8?Q?b?=", "c0/2,e2/13,c15/3,e18/13" },
		/* an undecodable word is copied text */
		{ "=?no-such-cs?Q?a?= =?UTF-8?Q?b?=", "c0/19,e19/13" },
		{ "=?UTF-8?Q?" "?=x", "e0/12,c12/1" },
		{ "trailing\r\n", "c0/8" },
		{ "", "" },
	};
	char r[256];

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		map_of(rows[i].in, r, sizeof(r));
		CHECK_MSG(strcmp(r, rows[i].want) == 0, "row %zu: %s", i, r);
	}
	/* the decode table: every map sound, the text the same as without */
	for (size_t i = 0; i < sizeof(dec_cases) / sizeof(dec_cases[0]); i++)
		map_of(dec_cases[i].in, r, sizeof(r));
	/* rfc2047_map_at skips empty spans */
	{
		struct buf t;
		struct rfc2047_map m;

		buf_init(&t, 0);
		rfc2047_map_init(&m);
		CHECK(rfc2047_decode_map("ab=?UTF-8?Q?" "?=cd", 16, &t, &m) == 0);
		CHECK(m.n == 3 && rfc2047_map_at(&m, 1) == 0 &&
		    rfc2047_map_at(&m, 2) == 2 && rfc2047_map_at(&m, 4) == 3);
		rfc2047_map_free(&m);
		buf_free(&t);
	}
}

/* test_map_random - sound maps for random mixes, folds included */
static void
test_map_random(void)
{
	static const char *const piece[] = { " ", "\t", "\r\n ", "\n\t", "=?",
	    "?=", "a", "word", "\xc3\xa9", "=?UTF-8?Q?x=C3=A9?=",
	    "=?ISO-8859-1?B?6Q==?=", "=?bogus?Q?a?=", ("=?UTF-8?Q?" "?="), "@" };
	char v[1024], r[4096];
	size_t k, i, len;

	srand(7);
	for (k = 0; k < 3000; k++) {
		size_t pieces = (size_t)rand() % 40;

		len = 0;
		for (i = 0; i < pieces; i++) {
			const char *p = piece[(size_t)rand() %
			    (sizeof(piece) / sizeof(piece[0]))];

			memcpy(v + len, p, strlen(p));
			len += strlen(p);
		}
		v[len] = '\0';
		map_of(v, r, sizeof(r));
	}
}

int
main(void)
{
	test_decode();
	test_roundtrip();
	test_encode_forms();
	test_no_split();
	test_hostile();
	test_random();
	test_map();
	test_map_random();
	return harness_done();
}
