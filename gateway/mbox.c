/* mbox - an mboxrd reader and writer that loses no byte (see mbox.h).
 *
 * Splitting rule: a line "From ..." begins a message when it is at offset 0
 * or when the line before it is empty.  That empty line is the separator of
 * the message before; any other bytes belong to the message content.
 */
#include "mbox.h"

#include <string.h>

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
}

/* line_end - offset just past the line starting at i (past its LF) */
static size_t
line_end(const char *p, size_t len, size_t i)
{
	const char *nl = memchr(p + i, '\n', len - i);

	return nl ? (size_t)(nl - p) + 1 : len;
}

/* is_empty_line - the line [a, b) is "\n" or "\r\n" */
static int
is_empty_line(const char *p, size_t a, size_t b)
{
	return (b - a == 1 && p[a] == '\n') ||
	    (b - a == 2 && p[a] == '\r' && p[a + 1] == '\n');
}

/* find_next - offset of the empty line before the next From_ line at or
 * after i, and *next_r that From_ line; len/len when there is none */
static size_t
find_next(const char *p, size_t len, size_t i, size_t *next_r)
{
	size_t a = i, b;

	while (a < len) {
		b = line_end(p, len, a);
		if (is_empty_line(p, a, b) && is_from_at(p, len, b)) {
			*next_r = b;
			return a;
		}
		a = b;
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
	sep = find_next(r->p, r->len, fe, &next);
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
	size_t i = 0, run = 0, e;

	/* runs of lines that need no quoting go out in one call */
	while (i < len) {
		e = line_end(p, len, i);
		if ((p[i] == '>' || p[i] == 'F') && quoted_from(p, len, i, 0)) {
			if (fn(ctx, p + run, i - run) < 0 || fn(ctx, ">", 1) < 0)
				return -1;
			run = i;
		}
		i = e;
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
