/* test_codec - transfer encodings: decoding, encoding, round trips. */
#include <libetpan/libetpan.h>
#include <stdlib.h>
#include <string.h>

#include "codec.h"
#include "harness.h"

/* max_line - the longest line of s, line ends not counted */
static size_t
max_line(const char *s, size_t n)
{
	size_t best = 0, cur = 0, i;

	for (i = 0; i < n; i++) {
		if (s[i] == '\n') {
			if (cur && s[i - 1] == '\r')
				cur--;
			best = cur > best ? cur : best;
			cur = 0;
		} else
			cur++;
	}
	return cur > best ? cur : best;
}

/* test_cte - Content-Transfer-Encoding values */
static void
test_cte(void)
{
	CHECK(codec_cte_parse(NULL, 0) == CTE_7BIT);
	CHECK(codec_cte_parse("", 0) == CTE_7BIT);
	CHECK(codec_cte_parse(" Base64 ", 8) == CTE_BASE64);
	CHECK(codec_cte_parse("QUOTED-PRINTABLE", 16) == CTE_QP);
	CHECK(codec_cte_parse("quoted-printable (comment)", 26) == CTE_QP);
	CHECK(codec_cte_parse("8bit", 4) == CTE_8BIT);
	CHECK(codec_cte_parse("binary", 6) == CTE_BINARY);
	CHECK(codec_cte_parse("7BIT\r\n", 6) == CTE_7BIT);
	CHECK(codec_cte_parse("x-uuencode", 10) == CTE_OTHER);
	CHECK(codec_cte_parse("base64x", 7) == CTE_OTHER);
	CHECK(strcmp(codec_cte_name(CTE_QP), "quoted-printable") == 0);
	CHECK(strcmp(codec_cte_name(CTE_BASE64), "base64") == 0);
	CHECK(strcmp(codec_cte_name(CTE_7BIT), "7bit") == 0);
}

struct dec_case {
	enum cte e;
	const char *in, *want;
};

static const struct dec_case dec_cases[] = {
	{ CTE_QP, "a=3Db", "a=b" },
	{ CTE_QP, "alice@exa=\r\nmple.com", "alice@example.com" },
	{ CTE_QP, "alice@exa=\nmple.com", "alice@example.com" },
	{ CTE_QP, "soft = \t\r\nbreak", "soft break" },
	{ CTE_QP, "line1\nline2\r\nline3\r", "line1\nline2\r\nline3\r" },
	{ CTE_QP, "caf=C3=A9 caf=c3=a9", "caf\xc3\xa9 caf\xc3\xa9" },
	{ CTE_QP, "bad =XY =4 =", "bad =XY =4 " },
	{ CTE_QP, "end=", "end" },
	{ CTE_QP, "", "" },
	{ CTE_BASE64, "aGVsbG8g\r\nd29y bGQ=\r\n", "hello world" },
	{ CTE_BASE64, "YWxpY2VAZXhhbXBsZS5jb20=", "alice@example.com" },
	{ CTE_BASE64, "", "" },
	{ CTE_7BIT, "a\r\nb\n", "a\r\nb\n" },
	{ CTE_8BIT, "caf\xc3\xa9\n", "caf\xc3\xa9\n" },
	{ CTE_BINARY, "x\ry", "x\ry" },
};

/* test_decode - the table above, and the cap */
static void
test_decode(void)
{
	size_t i;
	struct buf out;

	for (i = 0; i < sizeof(dec_cases) / sizeof(dec_cases[0]); i++) {
		buf_init(&out, 0);
		CHECK_MSG(codec_decode(dec_cases[i].e, dec_cases[i].in,
		    strlen(dec_cases[i].in), &out) == 0, "row %zu", i);
		CHECK_MSG(out.len == strlen(dec_cases[i].want) &&
		    memcmp(out.p ? out.p : "", dec_cases[i].want, out.len) == 0,
		    "row %zu: [%s]", i, out.p ? out.p : "");
		buf_free(&out);
	}
	buf_init(&out, 4);
	CHECK(codec_decode(CTE_BASE64, "aGVsbG8g", 8, &out) == -1);
	CHECK(codec_decode(CTE_QP, "hello", 5, &out) == -1);
	CHECK(codec_decode(CTE_OTHER, "x", 1, &out) == -1);
	buf_free(&out);
}

/* qp - encode in with eol; the result in a static-free malloc'd buffer */
static char *
qp(const char *in, const char *eol)
{
	struct buf out;

	buf_init(&out, 0);
	if (codec_qp_encode(in, strlen(in), eol, &out) < 0)
		return NULL;
	return buf_detach(&out, NULL);
}

struct qp_case {
	const char *in, *want;
};

static const struct qp_case qp_cases[] = {
	{ "plain", "plain" },
	{ "a=b", "a=3Db" },
	{ "caf\xc3\xa9", "caf=C3=A9" },
	{ "trail \nx\t\n", "trail=20\nx=09\n" },
	{ "trail ", "trail=20" },
	{ "From me\nFrom you", "=46rom me\n=46rom you" },
	{ "Fromage", "Fromage" },
	{ ".\n.x\nx.", "=2E\n=2Ex\nx." },
	{ "crlf\r\nlf\nbare\rcr", "crlf\nlf\nbare=0Dcr" },
	{ "a\r\n\r\n", "a\n\n" },
	{ "nul\x01", "nul=01" },
	/* no encoded line starts with '-': libetpan ends a part whose close
	 * delimiter is missing at such a line, so a re-encoding that made
	 * one would move the part's end (a fuzz_scrub finding) */
	{ "--sig\n- x\na-b", "=2D-sig\n=2D x\na-b" },
	{ "012345678901234567890123456789012345678901234567890123456789012345678901234-ALIGN",
	  "012345678901234567890123456789012345678901234567890123456789012345678901234=\n=2DALIGN" },
};

/* test_qp_encode - known answers */
static void
test_qp_encode(void)
{
	size_t i;

	for (i = 0; i < sizeof(qp_cases) / sizeof(qp_cases[0]); i++) {
		char *r = qp(qp_cases[i].in, "\n");

		CHECK_MSG(r && strcmp(r, qp_cases[i].want) == 0, "row %zu: %s",
		    i, r ? r : "(null)");
		free(r);
	}
	{
		char *r = qp("a\nb\r\n", "\r\n");

		CHECK(r && strcmp(r, "a\r\nb\r\n") == 0);
		free(r);
	}
}

/* roundtrip - decode(encode(in)) == in for QP and base64; lines <= 76 */
static void
roundtrip(const char *in, size_t n, const char *eol, const char *what)
{
	struct buf enc, dec;

	buf_init(&enc, 0);
	buf_init(&dec, 0);
	CHECK_MSG(codec_qp_encode(in, n, eol, &enc) == 0, "%s", what);
	CHECK_MSG(max_line(enc.p ? enc.p : "", enc.len) <= 76, "%s qp line",
	    what);
	CHECK_MSG(codec_decode(CTE_QP, enc.p ? enc.p : "", enc.len, &dec) == 0,
	    "%s", what);
	CHECK_MSG(dec.len == n && memcmp(dec.p ? dec.p : "", in, n) == 0,
	    "%s: qp round trip [%.200s]", what, enc.p ? enc.p : "");
	buf_reset(&enc);
	buf_reset(&dec);
	CHECK_MSG(codec_base64_encode(in, n, eol, &enc) == 0, "%s", what);
	CHECK_MSG(max_line(enc.p ? enc.p : "", enc.len) <= 76, "%s b64 line",
	    what);
	CHECK_MSG(codec_decode(CTE_BASE64, enc.p ? enc.p : "", enc.len,
	    &dec) == 0, "%s", what);
	CHECK_MSG(dec.len == n && memcmp(dec.p ? dec.p : "", in, n) == 0,
	    "%s: base64 round trip", what);
	buf_free(&enc);
	buf_free(&dec);
}

/* test_roundtrips - text of every awkward shape */
static void
test_roundtrips(void)
{
	static char line[600], mixed[4096];
	size_t i, w;

	roundtrip("", 0, "\n", "empty");
	roundtrip("hello\n", 6, "\n", "short");
	roundtrip("hello\r\nworld\r\n", 14, "\r\n", "crlf");
	roundtrip("spaces   \n\t\nend  ", 18, "\n", "trailing blanks");
	roundtrip("From the start\n.\n", 17, "\n", "from and dot");
	roundtrip("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\n", 15, "\n",
	    "utf-8");
	for (w = 70; w <= 80; w++) {
		for (i = 0; i < w; i++)
			line[i] = (char)('a' + i % 26);
		line[w] = '\n';
		roundtrip(line, w + 1, "\n", "exact widths");
		line[w - 1] = ' ';
		roundtrip(line, w + 1, "\n", "width, trailing space");
		line[w - 1] = '=';
		roundtrip(line, w + 1, "\n", "width, ending in =");
		line[0] = '.';
		roundtrip(line, w, "\n", "width, leading dot");
	}
	for (i = 0; i < 599; i++)
		line[i] = (char)(i % 7 == 0 ? ' ' : 'x');
	roundtrip(line, 599, "\n", "long line");
	for (i = 0; i < sizeof(mixed); i++)
		mixed[i] = (char)((i * 7919u + 13) % 251);
	roundtrip(mixed, sizeof(mixed), "\n", "binary, no CRLF in it");
	roundtrip("a\rb\r", 4, "\n", "bare cr");
	for (i = 0; i < 300; i++)
		line[i] = i % 2 ? '\xc3' : '\xa9';
	roundtrip(line, 300, "\n", "all escapes");
	for (i = 0; i < 300; i++)
		line[i] = i % 77 == 76 ? '\n' : 'F';
	roundtrip(line, 300, "\n", "F lines");
}

/* test_base64_shape - 76 columns, eol after every line */
static void
test_base64_shape(void)
{
	struct buf out;
	char in[114];

	memset(in, 'a', sizeof(in));
	buf_init(&out, 0);
	CHECK(codec_base64_encode(in, sizeof(in), "\r\n", &out) == 0);
	CHECK(out.len == 2 * 78);
	CHECK(out.p[76] == '\r' && out.p[77] == '\n');
	buf_reset(&out);
	CHECK(codec_base64_encode("ab", 2, "\n", &out) == 0);
	CHECK(strcmp(out.p, "YWI=\n") == 0);
	buf_free(&out);
	buf_init(&out, 10);
	CHECK(codec_base64_encode(in, sizeof(in), "\n", &out) == -1);
	CHECK(codec_qp_encode(in, sizeof(in), "\n", &out) == -1);
	CHECK(out.len == 0);
	buf_free(&out);
}

/* ref_base64 - the plain encoder, one character per six bits, 57 bytes
 * a line: what the table-driven one must write, byte for byte */
static size_t
ref_base64(const unsigned char *in, size_t n, const char *eol, char *w)
{
	static const char abc[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	char *w0 = w;

	for (size_t l = 0; l < n; l += 57) {
		size_t e = n - l < 57 ? n : l + 57, i;

		for (i = l; i + 3 <= e; i += 3) {
			*w++ = abc[in[i] >> 2];
			*w++ = abc[(in[i] & 3) << 4 | in[i + 1] >> 4];
			*w++ = abc[(in[i + 1] & 15) << 2 | in[i + 2] >> 6];
			*w++ = abc[in[i + 2] & 63];
		}
		if (e - i == 1) {
			*w++ = abc[in[i] >> 2];
			*w++ = abc[(in[i] & 3) << 4];
			*w++ = '=';
			*w++ = '=';
		} else if (e - i == 2) {
			*w++ = abc[in[i] >> 2];
			*w++ = abc[(in[i] & 3) << 4 | in[i + 1] >> 4];
			*w++ = abc[(in[i + 1] & 15) << 2];
			*w++ = '=';
		}
		for (const char *p = eol; *p; p++)
			*w++ = *p;
	}
	return (size_t)(w - w0);
}

/* test_base64_table - every 12-bit group at every offset of a line and
 * every length of a last line against ref_base64: the encoder looks up
 * two characters at a time and reads six bytes at a step */
static void
test_base64_table(void)
{
	static unsigned char in[3 * 4096 + 64];
	static char want[2 * sizeof(in) + 4096];
	struct buf out;
	size_t n = 0, wl;

	/* 4096 triples holding every 12-bit value in both halves, then
	 * triples shifted by one and two bytes against the lines */
	for (unsigned v = 0; v < 4096; v++) {
		unsigned x = v << 12 | (4095 - v);

		in[n++] = (unsigned char)(x >> 16);
		in[n++] = (unsigned char)(x >> 8);
		in[n++] = (unsigned char)x;
	}
	for (; n < sizeof(in); n++)
		in[n] = (unsigned char)(n * 131u);
	buf_init(&out, 0);
	for (size_t len = 0; len <= 130; len++) {
		for (size_t off = 0; off < 3; off++) {
			/* a heap copy of exactly len bytes: ASan sees a read past it */
			char *h = malloc(len ? len : 1);

			if (h == NULL)
				abort();
			memcpy(h, in + off * 1000, len);
			buf_reset(&out);
			CHECK(codec_base64_encode(h, len, "\r\n", &out) == 0);
			wl = ref_base64(in + off * 1000, len, "\r\n", want);
			CHECK_MSG(out.len == wl && (wl == 0 || memcmp(out.p, want, wl) == 0),
			    "length %zu, offset %zu", len, off);
			free(h);
		}
	}
	for (size_t off = 0; off < 3; off++) {
		buf_reset(&out);
		CHECK(codec_base64_encode((const char *)in + off, sizeof(in) - off, "\n", &out) == 0);
		wl = ref_base64(in + off, sizeof(in) - off, "\n", want);
		CHECK_MSG(out.len == wl && memcmp(out.p, want, wl) == 0, "all groups, offset %zu", off);
	}
	buf_free(&out);
}

/* test_hostile - long runs of one byte stay linear and correct */
static void
test_hostile(void)
{
	size_t n = 1 << 20;
	char *s = malloc(n);
	struct buf out;

	memset(s, '=', n);
	buf_init(&out, 0);
	CHECK(codec_decode(CTE_QP, s, n, &out) == 0);
	CHECK(out.len == n - 1);
	buf_reset(&out);
	CHECK(codec_qp_encode(s, n, "\n", &out) == 0);
	CHECK(max_line(out.p, out.len) <= 76);
	buf_free(&out);
	free(s);
}

/* test_random - QP and base64 round trips of random byte soups whose
 * line ends are all LF (the encoder writes every line end as eol) */
static void
test_random(void)
{
	static const char alpha[] = "ab =\t.F\n\r\x80\xff\x00From ";
	char s[700];
	size_t k, i, n;

	srand(5);
	for (k = 0; k < 3000; k++) {
		n = (size_t)rand() % sizeof(s);
		for (i = 0; i < n; i++) {
			s[i] = alpha[(size_t)rand() % (sizeof(alpha) - 1)];
			if (s[i] == '\n' && i > 0 && s[i - 1] == '\r')
				s[i] = 'x';	/* no CRLF: it would become LF */
		}
		roundtrip(s, n, "\n", "random");
	}
}

/* test_base64_as_libetpan - base64 decodes to what libetpan's
 * mailmime_part_parse gives, on junk, padding in the middle, line breaks
 * and short final groups (libetpan reads an uninitialised byte when fewer
 * than four characters are valid, so those inputs are left out), and a
 * cap of exactly the decoded size fits while one less fails */
static void
test_base64_as_libetpan(void)
{
	static const char alpha[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	    "0123456789+/=\r\n \t-*\x80\xff";
	char s[300];
	size_t k, i, n, valid, idx, rlen;
	unsigned bad = 0;

	srand(7);
	for (k = 0; k < 20000; k++) {
		struct buf out, cap;
		char *r = NULL;
		int mode = rand() % 3;

		n = (size_t)rand() % sizeof(s);
		for (i = valid = 0; i < n; i++) {
			size_t pick = mode == 0 ? sizeof(alpha) - 1 : mode == 1 ? 64 :
			    rand() % 20 ? 64 : sizeof(alpha) - 1;

			s[i] = alpha[(size_t)rand() % pick];
			valid += strchr("=\r\n \t-*\x80\xff", s[i]) == NULL;
		}
		if (valid > 0 && valid < 4)
			continue;
		idx = rlen = 0;
		if (n && mailmime_part_parse(s, n, &idx, MAILMIME_MECHANISM_BASE64,
		    &r, &rlen) != MAILIMF_NO_ERROR)
			continue;
		buf_init(&out, 0);
		bad += codec_decode(CTE_BASE64, s, n, &out) != 0 || out.len != rlen ||
		    (rlen && memcmp(out.p, r, rlen) != 0);
		if (rlen) {
			buf_init(&cap, rlen);
			bad += codec_decode(CTE_BASE64, s, n, &cap) != 0 || cap.len != rlen;
			buf_free(&cap);
			buf_init(&cap, rlen - 1);
			bad += codec_decode(CTE_BASE64, s, n, &cap) != -1 || cap.len != 0;
			buf_free(&cap);
		}
		if (r)
			mmap_string_unref(r);
		buf_free(&out);
	}
	CHECK_MSG(bad == 0, "%u inputs differ", bad);
}

int
main(void)
{
	test_cte();
	test_base64_as_libetpan();
	test_decode();
	test_qp_encode();
	test_roundtrips();
	test_base64_shape();
	test_base64_table();
	test_hostile();
	test_random();
	return harness_done();
}
