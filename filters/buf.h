/* buf - one growable byte buffer with a hard cap.
 *
 * Every append checks for size_t overflow and for the buffer's own maximum
 * (max); past it the append fails with -1 and the buffer is left as it was.
 * The data is always NUL-terminated (the NUL is not counted in len), so a
 * buffer holding text can be handed to C string functions.
 * An append may move the data: never keep a pointer into p across one.
 */
#ifndef SCRUBGATE_BUF_H
#define SCRUBGATE_BUF_H

#include <stddef.h>

struct buf {
	char *p;	/* NULL until the first append */
	size_t len;	/* bytes in use, without the trailing NUL */
	size_t cap;	/* bytes allocated */
	size_t max;	/* appends past this many bytes fail; 0 = SIZE_MAX/2 */
	size_t dirty;	/* bytes of p ever reserved: what buf_free_clean wipes */
};

void buf_init(struct buf *b, size_t max);
int buf_append(struct buf *b, const void *data, size_t n);
int buf_puts(struct buf *b, const char *s);
int buf_putc(struct buf *b, int c);
int buf_printf(struct buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* make room for n more bytes; returns a pointer to write them at, or NULL */
char *buf_reserve(struct buf *b, size_t n);
void buf_reset(struct buf *b);			/* len = 0, keeps the memory */
/* free; buf_free_clean wipes the bytes first (for unscrubbed text): every
 * byte ever reserved, not the whole allocation */
void buf_free(struct buf *b);
void buf_free_clean(struct buf *b);
/* hand the data over to the caller (free() it); the buffer becomes empty */
char *buf_detach(struct buf *b, size_t *len_r);

#endif
