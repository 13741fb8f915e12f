/* codec - content transfer encodings (see codec.h).
 *
 * Both decoders are written here, straight into reserved space of the
 * output.  base64 follows libetpan's mailmime_base64_body_parse byte for
 * byte (every byte outside the alphabet, '=' included, is skipped, so
 * decoding goes on past padding; a final group of two or three characters
 * gives one or two bytes, a lone one gives one), only without its append
 * of three bytes at a time.  quoted-printable: libetpan 1.9.4 turns every
 * LF and bare CR into CRLF (line ends are data here) and decodes an invalid
 * escape such as "=XY" to a NUL byte; this decoder joins soft breaks, keeps
 * line ends as they are and keeps an invalid '=' literally.  Both encoders
 * write straight into reserved space of the output, a block at a time,
 * with no per-byte call.
 */
#include "codec.h"

#include <stdint.h>
#include <string.h>
#include <strings.h>

#define QP_LINE_MAX 76
#define B64_LINE_IN 57		/* 57 bytes in -> 76 characters out */
#define QP_BLOCK 4096

static const char *const codec_names[] = {
	[CTE_7BIT] = "7bit",
	[CTE_8BIT] = "8bit",
	[CTE_BINARY] = "binary",
	[CTE_QP] = "quoted-printable",
	[CTE_BASE64] = "base64",
	[CTE_OTHER] = "x-unknown",
};

/* codec_cte_parse - the encoding a Content-Transfer-Encoding names */
enum cte
codec_cte_parse(const char *value, size_t len)
{
	size_t n = 0;
	int e;

	if (value == NULL)
		return CTE_7BIT;
	while (len && (*value == ' ' || *value == '\t' || *value == '\r' ||
	    *value == '\n' || *value == '"')) {
		value++;
		len--;
	}
	/* the token ends at blanks, a comment, a stray parameter or quote */
	while (n < len && strchr(" \t\r\n(;\"", value[n]) == NULL &&
	    value[n] != '\0')
		n++;
	if (n == 0)
		return CTE_7BIT;
	for (e = CTE_7BIT; e < CTE_OTHER; e++)
		if (strlen(codec_names[e]) == n &&
		    strncasecmp(value, codec_names[e], n) == 0)
			return (enum cte)e;
	return CTE_OTHER;
}

/* codec_cte_name - the header value for an encoding */
const char *
codec_cte_name(enum cte e)
{
	if ((int)e < CTE_7BIT || e > CTE_OTHER)
		return codec_names[CTE_OTHER];
	return codec_names[e];
}

/* codec_hexval - value of a hex digit, -1 if c is not one */
static int
codec_hexval(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* codec_qp_soft_break - length of "=" [blanks] (CRLF|LF|end) at s,
 * else 0 */
static size_t
codec_qp_soft_break(const unsigned char *s, const unsigned char *end)
{
	const unsigned char *p = s + 1;

	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	if (p < end && *p == '\n')
		return (size_t)(p + 1 - s);
	if (p + 1 < end && p[0] == '\r' && p[1] == '\n')
		return (size_t)(p + 2 - s);
	if (p == end)
		return (size_t)(p - s);	/* "=" and blanks ending the body */
	return 0;
}

/* codec_qp_decode - quoted-printable to bytes; the output is never longer
 * than the input, so one reservation does */
static int
codec_qp_decode(const char *in, size_t len, struct buf *out)
{
	const unsigned char *p = (const unsigned char *)in, *end = p + len;
	char *w0, *w;

	if ((w0 = buf_reserve(out, len)) == NULL)
		return -1;
	w = w0;
	while (p < end) {
		const unsigned char *eq = memchr(p, '=', (size_t)(end - p));
		size_t n = eq ? (size_t)(eq - p) : (size_t)(end - p), k;
		int hi, lo;

		memcpy(w, p, n);
		w += n;
		p += n;
		if (p == end)
			break;
		if ((k = codec_qp_soft_break(p, end)) != 0) {
			p += k;
			continue;
		}
		if (end - p >= 3 && (hi = codec_hexval(p[1])) >= 0 &&
		    (lo = codec_hexval(p[2])) >= 0) {
			*w++ = (char)(hi << 4 | lo);
			p += 3;
			continue;
		}
		*w++ = '=';	/* not an escape: keep it as it was */
		p++;
	}
	out->len += (size_t)(w - w0);
	out->p[out->len] = '\0';
	return 0;
}

/* base64 alphabet: value + 1; 0 for every byte outside it */
static const unsigned char b64_val1[256] = {
	['A'] = 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18,
	19, 20, 21, 22, 23, 24, 25, 26,
	['a'] = 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40, 41, 42,
	43, 44, 45, 46, 47, 48, 49, 50, 51, 52,
	['0'] = 53, 54, 55, 56, 57, 58, 59, 60, 61, 62,
	['+'] = 63, ['/'] = 64,
};

/* codec_base64_decode - libetpan's base64 reading (see the top): four
 * characters at a time while a line runs clean, byte by byte around line
 * breaks and junk.  Fails, appending nothing, when out's cap is reached. */
static int
codec_base64_decode(const char *in, size_t len, struct buf *out)
{
	const unsigned char *t = b64_val1;
	const unsigned char *p = (const unsigned char *)in, *end = p + len;
	size_t bound = len / 4 * 3 + 3, room = out->max - out->len;
	unsigned acc = 0, n = 0;
	char *w0, *w, *wend;

	if (len == 0)
		return 0;
	if (bound > room)
		bound = room;	/* the decoded text may still fit */
	if ((w0 = buf_reserve(out, bound)) == NULL)
		return -1;
	w = w0;
	wend = w0 + bound;
	while (p < end) {
		unsigned v;

		if (n == 0)
			while (end - p >= 4 && wend - w >= 3) {
				unsigned a = t[p[0]], b = t[p[1]], c = t[p[2]],
				    d = t[p[3]];

				if (a == 0 || b == 0 || c == 0 || d == 0)
					break;
				v = (a - 1) << 18 | (b - 1) << 12 | (c - 1) << 6 | (d - 1);
				w[0] = (char)(v >> 16);
				w[1] = (char)(v >> 8);
				w[2] = (char)v;
				w += 3;
				p += 4;
			}
		if (p == end)
			break;
		if ((v = t[*p++]) == 0)
			continue;
		acc = acc << 6 | (v - 1);
		if (++n == 4) {
			if (wend - w < 3)
				return -1;
			w[0] = (char)(acc >> 16);
			w[1] = (char)(acc >> 8);
			w[2] = (char)acc;
			w += 3;
			acc = n = 0;
		}
	}
	if (n > 0 && wend - w < (n == 3 ? 2 : 1))
		return -1;
	if (n == 1)
		*w++ = (char)(acc << 2);
	else if (n == 2)
		*w++ = (char)(acc >> 4);
	else if (n == 3) {
		*w++ = (char)(acc >> 10);
		*w++ = (char)(acc >> 2);
	}
	out->len += (size_t)(w - w0);
	out->p[out->len] = '\0';
	return 0;
}

/* codec_decode - undo a transfer encoding, appending to out */
int
codec_decode(enum cte e, const char *in, size_t len, struct buf *out)
{
	switch (e) {
	case CTE_7BIT:
	case CTE_8BIT:
	case CTE_BINARY:
		return buf_append(out, in, len);
	case CTE_QP:
		return codec_qp_decode(in, len, out);
	case CTE_BASE64:
		return codec_base64_decode(in, len, out);
	default:
		return -1;
	}
}

/* the base64 character of a 6-bit value */
#define B64C(x) (char)((x) < 26 ? 'A' + (x) : (x) < 52 ? 'a' + (x) - 26 :	\
    (x) < 62 ? '0' + (x) - 52 : (x) == 62 ? '+' : '/')
/* b64_pairs[v]: the two characters of a 12-bit value, so that three
 * bytes take two lookups instead of four */
#define B64E(v) { B64C((v) >> 6), B64C((v) & 63) },
#define B64E4(v) B64E(v) B64E((v) + 1) B64E((v) + 2) B64E((v) + 3)
#define B64E16(v) B64E4(v) B64E4((v) + 4) B64E4((v) + 8) B64E4((v) + 12)
#define B64E64(v) B64E16(v) B64E16((v) + 16) B64E16((v) + 32) B64E16((v) + 48)
#define B64E256(v) B64E64(v) B64E64((v) + 64) B64E64((v) + 128) B64E64((v) + 192)
#define B64E1024(v) B64E256(v) B64E256((v) + 256) B64E256((v) + 512) B64E256((v) + 768)
static const char b64_pairs[4096][2] = {
	B64E1024(0) B64E1024(1024) B64E1024(2048) B64E1024(3072)
};

/* b64_line - encode n <= 57 bytes (padded with '='); returns the length */
static size_t
b64_line(char *w, const unsigned char *in, size_t n)
{
	static const char abc[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	const unsigned char *p = in, *end = in + (n - n % 3);
	char *w0 = w;

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	/* six bytes a step, read as one 64-bit word while eight are left */
	for (; (size_t)(in + n - p) >= 8; p += 6, w += 8) {
		uint64_t x;

		memcpy(&x, p, 8);
		x = __builtin_bswap64(x);	/* p[0] in the top byte */
		memcpy(w, b64_pairs[x >> 52], 2);
		memcpy(w + 2, b64_pairs[(x >> 40) & 4095], 2);
		memcpy(w + 4, b64_pairs[(x >> 28) & 4095], 2);
		memcpy(w + 6, b64_pairs[(x >> 16) & 4095], 2);
	}
#endif
	for (; p < end; p += 3, w += 4) {
		unsigned v = (unsigned)p[0] << 16 | (unsigned)p[1] << 8 | p[2];

		memcpy(w, b64_pairs[v >> 12], 2);
		memcpy(w + 2, b64_pairs[v & 4095], 2);
	}
	if (n % 3 == 1) {
		w[0] = abc[p[0] >> 2];
		w[1] = abc[(p[0] & 3) << 4];
		w[2] = w[3] = '=';
		w += 4;
	} else if (n % 3 == 2) {
		unsigned v = (unsigned)p[0] << 8 | p[1];

		w[0] = abc[v >> 10];
		w[1] = abc[(v >> 4) & 63];
		w[2] = abc[(v << 2) & 63];
		w[3] = '=';
		w += 4;
	}
	return (size_t)(w - w0);
}

/* codec_base64_encode - 57 bytes per 76-column line, each ending in eol */
int
codec_base64_encode(const char *in, size_t len, const char *eol,
    struct buf *out)
{
	size_t el = strlen(eol), lines = (len + B64_LINE_IN - 1) / B64_LINE_IN;
	size_t i, need;
	char *w;

	if (len == 0)
		return 0;
	if (lines > (SIZE_MAX / 4) / (QP_LINE_MAX + el))
		return -1;
	need = lines * (QP_LINE_MAX + el) + 1;
	if ((w = buf_reserve(out, need)) == NULL)
		return -1;
	for (i = 0; i < len; i += B64_LINE_IN) {
		size_t n = len - i < B64_LINE_IN ? len - i : B64_LINE_IN;

		w += b64_line(w, (const unsigned char *)in + i, n);
		memcpy(w, eol, el);
		w += el;
	}
	out->len = (size_t)(w - out->p);
	out->p[out->len] = '\0';
	return 0;
}

/* the quoted-printable writer: a window of reserved output */
struct qpw {
	struct buf *out;
	char *w, *end;
	const char *eol;
	size_t el;
	size_t col;
};

/* qpw_room - make sure n bytes can be written at w */
static int
qpw_room(struct qpw *q, size_t n)
{
	if ((size_t)(q->end - q->w) >= n)
		return 0;
	q->out->len = (size_t)(q->w - q->out->p);
	if (buf_reserve(q->out, n + QP_BLOCK) == NULL)
		return -1;
	q->w = q->out->p + q->out->len;
	q->end = q->w + n + QP_BLOCK;
	return 0;
}

/* qpw_eol - a hard (soft = 0) or soft line break */
static void
qpw_eol(struct qpw *q, int soft)
{
	if (soft)
		*q->w++ = '=';
	memcpy(q->w, q->eol, q->el);
	q->w += q->el;
	q->col = 0;
}

/* codec_qp_needs_escape - whether byte i of line[0..n) must be =XX */
static int
codec_qp_needs_escape(const unsigned char *line, size_t i, size_t n,
    size_t col)
{
	unsigned char c = line[i];

	if (c == '=' || c > 126 || (c < 32 && c != '\t'))
		return 1;
	if ((c == ' ' || c == '\t') && i + 1 == n)
		return 1;	/* trailing white space would be lost */
	if (col == 0 && c == '.')
		return 1;	/* a line of "." ends SMTP data */
	if (col == 0 && c == '-')
		return 1;	/* a line of "--..." may read as a MIME delimiter:
			 * libetpan takes one that matches no boundary */
	if (col == 0 && c == 'F' && n - i >= 5 &&
	    memcmp(line + i, "From ", 5) == 0)
		return 1;	/* mbox would quote it as ">From " */
	return 0;
}

/* codec_qp_line - encode one line (no line end) into q */
static int
codec_qp_line(struct qpw *q, const unsigned char *line, size_t n)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t i;

	for (i = 0; i < n; i++) {
		int esc = codec_qp_needs_escape(line, i, n, q->col);
		size_t t = esc ? 3 : 1;

		if (qpw_room(q, 8 + 2 * q->el) < 0)
			return -1;
		/* the last token may use column 76; others leave room for '=' */
		if (q->col + t > QP_LINE_MAX - 1 &&
		    !(i + 1 == n && q->col + t <= QP_LINE_MAX)) {
			qpw_eol(q, 1);
			esc = codec_qp_needs_escape(line, i, n, 0);
			t = esc ? 3 : 1;
		}
		if (esc) {
			q->w[0] = '=';
			q->w[1] = hex[line[i] >> 4];
			q->w[2] = hex[line[i] & 15];
		} else
			q->w[0] = (char)line[i];
		q->w += t;
		q->col += t;
	}
	return 0;
}

/* codec_qp_encode - quoted-printable, line by line; on failure out is
 * left as it was */
int
codec_qp_encode(const char *in, size_t len, const char *eol,
    struct buf *out)
{
	const unsigned char *p = (const unsigned char *)in, *end = p + len;
	struct qpw q = { out, NULL, NULL, eol, strlen(eol), 0 };
	size_t start = out->len;

	if (buf_reserve(out, 0) == NULL)
		return -1;
	q.w = q.end = out->p + out->len;
	while (p < end) {
		const unsigned char *nl = memchr(p, '\n', (size_t)(end - p));
		const unsigned char *le = nl ? nl : end;

		/* CRLF and LF both end a line; any other CR is data (=0D) */
		if (nl && le > p && le[-1] == '\r')
			le--;
		if (codec_qp_line(&q, p, (size_t)(le - p)) < 0)
			goto fail;
		if (nl == NULL)
			break;
		if (qpw_room(&q, q.el + 1) < 0)
			goto fail;
		qpw_eol(&q, 0);
		p = nl + 1;
	}
	out->len = (size_t)(q.w - out->p);
	out->p[out->len] = '\0';
	return 0;
fail:
	out->len = start;
	if (out->p)
		out->p[start] = '\0';
	return -1;
}
