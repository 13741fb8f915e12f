/* header - split a raw RFC 5322 header block into its fields, byte-exact
 * (see header.h for the contract).
 *
 * A field name is one or more printable US-ASCII bytes other than ':'
 * (RFC 5322 ftext), optionally followed by blanks before the colon; a first
 * line whose text before the colon is anything else (an mbox "From "
 * line, "X Y: z", a line starting with ':') is malformed and kept verbatim.
 */
#include "header.h"

#include <string.h>

/* line_end - index just past the line starting at i: past its LF, or len */
static size_t
line_end(const char *b, size_t i, size_t len)
{
	const char *nl = memchr(b + i, '\n', len - i);

	return nl ? (size_t)(nl - b) + 1 : len;
}

/* empty_line - length of the empty line at b[i] (1 or 2), or 0 if none */
static size_t
empty_line(const char *b, size_t i, size_t len)
{
	if (i < len && b[i] == '\n')
		return 1;
	if (i + 1 < len && b[i] == '\r' && b[i + 1] == '\n')
		return 2;
	return 0;
}

/* break_len - length of the line break ending b[s, e): 0, 1 or 2 */
static size_t
break_len(const char *b, size_t s, size_t e)
{
	if (e == s || b[e - 1] != '\n')
		return 0;
	return e - 1 > s && b[e - 2] == '\r' ? 2 : 1;
}

/* is_blank - SP or HT: what starts a continuation line */
static int
is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* name_len - length of the field name on the line b[s, e), 0 when the line
 * has no valid "name:" start */
static size_t
name_len(const char *b, size_t s, size_t e)
{
	const char *colon = memchr(b + s, ':', e - s);
	size_t n;

	if (colon == NULL)
		return 0;
	n = (size_t)(colon - b) - s;
	while (n > 0 && is_blank(b[s + n - 1]))
		n--;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)b[s + i] < 33 || (unsigned char)b[s + i] > 126)
			return 0;
	return n;
}

/* fill - describe the field b[s, e) whose first line ends at le */
static void
fill(struct header_field *f, const char *b, size_t s, size_t le, size_t e)
{
	size_t vend = e - break_len(b, s, e);

	f->start = f->name = s;
	f->end = e;
	f->name_len = name_len(b, s, le);
	if (f->name_len == 0) {
		f->value = s;
	} else {
		/* the colon is the first one after the name and its blanks */
		f->value = (size_t)((const char *)memchr(b + s, ':', le - s) - b) + 1;
	}
	f->value_len = vend - f->value;
}

/* header_split - see header.h */
int
header_split(const char *block, size_t len, struct header_field *fields,
    size_t max_fields, size_t max_field_size, size_t *n_r,
    const char **error_r)
{
	const char *err;
	size_t i = 0, n = 0, le, e;

	while (i < len && empty_line(block, i, len) == 0) {
		le = e = line_end(block, i, len);
		while (e < len && is_blank(block[e]))
			e = line_end(block, e, len);
		if (n == max_fields) {
			err = "too many header fields";
			goto fail;
		}
		if (e - i > max_field_size) {
			err = "header field too long";
			goto fail;
		}
		fill(&fields[n++], block, i, le, e);
		i = e;
	}
	*n_r = n;
	return 0;
fail:
	if (error_r)
		*error_r = err;
	return -1;
}

/* header_is - see header.h */
int
header_is(const char *block, const struct header_field *f, const char *name)
{
	size_t n = strlen(name);
	const char *p = block + f->name;

	if (f->name_len != n || n == 0)
		return 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char a = (unsigned char)p[i], c = (unsigned char)name[i];

		if (a >= 'A' && a <= 'Z')
			a = (unsigned char)(a - 'A' + 'a');
		if (c >= 'A' && c <= 'Z')
			c = (unsigned char)(c - 'A' + 'a');
		if (a != c)
			return 0;
	}
	return 1;
}

/* header_find_next - see header.h */
long
header_find_next(const char *block, const struct header_field *fields,
    size_t n, size_t from, const char *name)
{
	for (size_t i = from; i < n; i++)
		if (header_is(block, &fields[i], name))
			return (long)i;
	return -1;
}

/* header_find - see header.h */
long
header_find(const char *block, const struct header_field *fields, size_t n,
    const char *name)
{
	return header_find_next(block, fields, n, 0, name);
}

/* header_eol - see header.h */
const char *
header_eol(const char *block, size_t len)
{
	const char *nl = len ? memchr(block, '\n', len) : NULL;

	if (nl != NULL && nl > block && nl[-1] == '\r')
		return "\r\n";
	return nl != NULL ? "\n" : "\r\n";
}

/* header_block_end - see header.h */
size_t
header_block_end(const char *msg, size_t len)
{
	size_t i = 0, el;

	while (i < len) {
		if ((el = empty_line(msg, i, len)) != 0)
			return i + el;
		i = line_end(msg, i, len);
	}
	return len;
}
