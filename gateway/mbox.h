/* mbox - an mboxrd reader and writer that loses no byte.
 *
 * A message starts at a "From " line at the start of the file or right
 * after an empty line ("\n" or "\r\n"); line endings are data and are never
 * changed.  Each message keeps the exact bytes of its From_ line and of the
 * empty line that separates it from the next one, so an unchanged message
 * is written back byte for byte.
 *
 * Content is mboxrd-quoted in the file: the reader removes one '>' from
 * lines matching ^>+From , the writer adds one to lines matching ^>*From .
 *
 * The reader works on a caller's buffer (an mmap'd file): struct mbox_msg
 * borrows it, so keep the buffer mapped while the message is used.
 */
#ifndef SCRUBGATE_MBOX_H
#define SCRUBGATE_MBOX_H

#include <stddef.h>

#include "buf.h"

struct mbox_reader {
	const char *p;		/* borrowed: the whole mbox */
	size_t len;
	size_t pos;		/* next From_ line */
	int quoted;		/* the message last returned holds a ^>+From
				 * line (needs mbox_unescape): found while
				 * splitting, no second pass */
};

struct mbox_msg {
	const char *raw;	/* From_ line + content + separator, as in the file */
	size_t raw_len;
	size_t from_len;	/* the From_ line with its line ending */
	size_t content_len;	/* quoted content after the From_ line */
	size_t sep_len;		/* the empty line before the next From_ (0 at EOF) */
};

/* mbox_is_mbox - does the data start like an mbox */
int mbox_is_mbox(const char *p, size_t len);
void mbox_reader_init(struct mbox_reader *r, const char *p, size_t len);
/* mbox_next - 1 and *m filled, 0 at the end */
int mbox_next(struct mbox_reader *r, struct mbox_msg *m);

/* mbox_unescape - append the content with one '>' removed from each
 * ^>+From line; -1 when out exceeds its cap */
int mbox_unescape(const char *p, size_t len, struct buf *out);
/* mbox_needs_unescape - 1 when the content holds a ^>+From line */
int mbox_needs_unescape(const char *p, size_t len);

/* mbox_write_fn - where the writer puts bytes; 0 or -1 */
typedef int (*mbox_write_fn)(void *ctx, const void *p, size_t n);

/* mbox_write_message - write one message: orig's From_ line, the content
 * (unquoted message bytes, quoted here), orig's separator.  A line ending
 * is added when the content lacks a final one and a separator follows.
 * content == NULL writes orig->raw unchanged. */
int mbox_write_message(mbox_write_fn fn, void *ctx, const struct mbox_msg *orig,
    const char *content, size_t len);

#endif
