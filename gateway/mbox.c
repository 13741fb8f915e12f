/* mbox - an mboxrd reader and writer that loses no byte (see mbox.h).
 *
 * Splitting rule: a line "From ..." begins a message when it is at offset 0
 * or when the line before it is empty.  That empty line is the separator of
 * the message before; any other bytes belong to the message content.
 */
#include "mbox.h"

#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

/* is_from_at - does a "From " line start at p[i] */
static int
is_from_at(const char *p, size_t len, size_t i)
{
	return len - i >= 5 && memcmp(p + i, "From ", 5) == 0;
}

/* mbox_is_mbox - does the data start like an mbox */
int
mbox_is_mbox(const char *p, size_t len)
{
	return is_from_at(p, len, 0);
}

/* mbox_reader_init - read from p[0, len), which must stay mapped */
void
mbox_reader_init(struct mbox_reader *r, const char *p, size_t len)
{
	r->p = p;
	r->len = len;
	r->pos = 0;
	r->quoted = 0;
}

/* line_end - offset just past the line starting at i (past its LF) */
static size_t
line_end(const char *p, size_t len, size_t i)
{
	const char *nl = memchr(p + i, '\n', len - i);

	return nl ? (size_t)(nl - p) + 1 : len;
}

static int quoted_from(const char *p, size_t len, size_t i, int min_gt);

/* next_mark - the first q >= i with a line starting at q + 1 with 'F' or
 * '>' (p[q] is LF), or len: the only lines the splitter and the quoting
 * care about, found sixteen bytes a step instead of line by line */
static size_t
next_mark(const char *p, size_t q, size_t len)
{
#ifdef __SSE2__
	const __m128i nl = _mm_set1_epi8('\n'), f = _mm_set1_epi8('F');
	const __m128i gt = _mm_set1_epi8('>');

	while (len - q >= 17) {
		__m128i a = _mm_loadu_si128((const __m128i *)(const void *)(p + q));
		__m128i b = _mm_loadu_si128((const __m128i *)(const void *)(p + q + 1));
		unsigned m = (unsigned)_mm_movemask_epi8(_mm_and_si128(
		    _mm_cmpeq_epi8(a, nl), _mm_or_si128(_mm_cmpeq_epi8(b, f),
		    _mm_cmpeq_epi8(b, gt))));

		if (m)
			return q + (unsigned)__builtin_ctz(m);
		q += 16;
	}
#endif
	for (; q + 1 < len; q++)
		if (p[q] == '\n' && (p[q + 1] == 'F' || p[q + 1] == '>'))
			return q;
	return len;
}

/* find_next - offset of the empty line before the next From_ line at or
 * after i (lines counted from i), and *next_r that From_ line; len/len
 * when there is none.  *quoted_r is set when a line on the way is >+From
 * (one pass over the content does both).  The LF ending the empty line
 * precedes the From_ line: the candidates are the marks. */
static size_t
find_next(const char *p, size_t len, size_t i, size_t *next_r, int *quoted_r)
{
	size_t q;

	*quoted_r = i < len && p[i] == '>' && quoted_from(p, len, i, 1);
	for (q = next_mark(p, i, len); q < len; q = next_mark(p, q + 1, len)) {
		if (p[q + 1] == '>') {
			if (quoted_from(p, len, q + 1, 1))
				*quoted_r = 1;
			continue;
		}
		if (!is_from_at(p, len, q + 1))
			continue;
		*next_r = q + 1;
		if (q == i || p[q - 1] == '\n')
			return q;		/* the empty line "\n" */
		if (q - 1 >= i && p[q - 1] == '\r' && (q - 1 == i || p[q - 2] == '\n'))
			return q - 1;		/* the empty line "\r\n" */
	}
	*next_r = len;
	return len;
}

/* trailing_sep - length of a final empty line at the end of [start, end):
 * the last message of a file keeps its closing empty line as separator */
static size_t
trailing_sep(const char *p, size_t start, size_t end)
{
	if (end - start >= 2 && p[end - 1] == '\n' && p[end - 2] == '\n')
		return 1;
	if (end - start >= 4 && memcmp(p + end - 4, "\r\n\r\n", 4) == 0)
		return 2;
	return 0;
}

/* mbox_next - 1 and *m filled, 0 at the end */
int
mbox_next(struct mbox_reader *r, struct mbox_msg *m)
{
	size_t start = r->pos, fe, sep, next;

	if (start >= r->len)
		return 0;
	fe = line_end(r->p, r->len, start);
	sep = find_next(r->p, r->len, fe, &next, &r->quoted);
	m->raw = r->p + start;
	m->from_len = fe - start;
	if (sep < r->len) {
		m->content_len = sep - fe;
		m->sep_len = next - sep;
	} else {
		m->sep_len = trailing_sep(r->p, fe, r->len);
		m->content_len = r->len - fe - m->sep_len;
	}
	m->raw_len = next - start;
	r->pos = next;
	return 1;
}

/* quoted_from - the line at p[i] is >+From (want_gt) or >*From */
static int
quoted_from(const char *p, size_t len, size_t i, int min_gt)
{
	size_t j = i;

	while (j < len && p[j] == '>')
		j++;
	return j - i >= (size_t)min_gt && is_from_at(p, len, j);
}

/* mbox_needs_unescape - 1 when the content holds a ^>+From line */
int
mbox_needs_unescape(const char *p, size_t len)
{
	for (size_t i = 0; i < len; i = line_end(p, len, i))
		if (p[i] == '>' && quoted_from(p, len, i, 1))
			return 1;
	return 0;
}

/* mbox_unescape - append the content with one '>' removed from each
 * ^>+From line */
int
mbox_unescape(const char *p, size_t len, struct buf *out)
{
	size_t i = 0, e;

	while (i < len) {
		e = line_end(p, len, i);
		if (p[i] == '>' && quoted_from(p, len, i, 1))
			i++;
		if (buf_append(out, p + i, e - i) < 0)
			return -1;
		i = e;
	}
	return 0;
}

/* write_quoted - the content with one '>' added to each ^>*From line */
static int
write_quoted(mbox_write_fn fn, void *ctx, const char *p, size_t len)
{
	size_t i = 0, run = 0;

	/* runs of lines that need no quoting go out in one call; only lines
	 * starting with '>' or 'F' can need it: the first, and the marks */
	while (i < len) {
		if ((p[i] == '>' || p[i] == 'F') && quoted_from(p, len, i, 0)) {
			if (fn(ctx, p + run, i - run) < 0 || fn(ctx, ">", 1) < 0)
				return -1;
			run = i;
		}
		if ((i = next_mark(p, i, len)) < len)
			i++;
	}
	return fn(ctx, p + run, len - run);
}

/* mbox_write_message - From_ line, quoted content, separator */
int
mbox_write_message(mbox_write_fn fn, void *ctx, const struct mbox_msg *orig,
    const char *content, size_t len)
{
	const char *from = orig->raw;
	const char *sep = orig->raw + orig->raw_len - orig->sep_len;
	int crlf = orig->from_len >= 2 && from[orig->from_len - 2] == '\r';

	if (content == NULL)
		return fn(ctx, orig->raw, orig->raw_len);
	if (fn(ctx, from, orig->from_len) < 0 ||
	    write_quoted(fn, ctx, content, len) < 0)
		return -1;
	if (orig->sep_len && len && content[len - 1] != '\n' &&
	    fn(ctx, crlf ? "\r\n" : "\n", crlf ? 2 : 1) < 0)
		return -1;
	return fn(ctx, sep, orig->sep_len);
}
