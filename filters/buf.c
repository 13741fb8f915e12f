/* buf - one growable byte buffer with a hard cap (see buf.h). */
#include "buf.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* buf_init - an empty buffer that refuses to grow past max bytes */
void
buf_init(struct buf *b, size_t max)
{
	b->p = NULL;
	b->len = b->cap = b->dirty = 0;
	b->max = max ? max : SIZE_MAX / 2;
}

/* buf_reserve - room for n more bytes plus the NUL, or NULL past max.
 * The caller may write all of it, so it counts as dirty. */
char *
buf_reserve(struct buf *b, size_t n)
{
	size_t need, ncap;
	char *np;

	if (n > SIZE_MAX / 2 - b->len - 1 || b->len + n > b->max)
		return NULL;
	need = b->len + n + 1;
	if (need > b->cap) {
		ncap = b->cap ? b->cap : 256;
		while (ncap < need)
			ncap *= 2;
		if ((np = realloc(b->p, ncap)) == NULL)
			return NULL;
		b->p = np;
		b->cap = ncap;
	}
	if (need > b->dirty)
		b->dirty = need;
	return b->p + b->len;
}

/* buf_append - add n bytes; 0, or -1 and nothing added */
int
buf_append(struct buf *b, const void *data, size_t n)
{
	char *w;

	if ((w = buf_reserve(b, n)) == NULL)
		return -1;
	if (n)
		memcpy(w, data, n);
	b->len += n;
	b->p[b->len] = '\0';
	return 0;
}

int
buf_puts(struct buf *b, const char *s)
{
	return buf_append(b, s, strlen(s));
}

int
buf_putc(struct buf *b, int c)
{
	char ch = (char)c;

	return buf_append(b, &ch, 1);
}

/* buf_printf - formatted append, same cap rules as buf_append */
int
buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;
	char *w;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || (w = buf_reserve(b, (size_t)n)) == NULL)
		return -1;
	va_start(ap, fmt);
	vsnprintf(w, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
	return 0;
}

void
buf_reset(struct buf *b)
{
	b->len = 0;
	if (b->p)
		b->p[0] = '\0';
}

void
buf_free(struct buf *b)
{
	free(b->p);
	b->p = NULL;
	b->len = b->cap = b->dirty = 0;
}

void
buf_free_clean(struct buf *b)
{
	if (b->p)
		explicit_bzero(b->p, b->dirty);
	buf_free(b);
}

char *
buf_detach(struct buf *b, size_t *len_r)
{
	char *p = b->p;

	if (len_r)
		*len_r = b->len;
	if (p == NULL)
		p = calloc(1, 1);
	b->p = NULL;
	b->len = b->cap = b->dirty = 0;
	return p;
}
