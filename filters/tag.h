/* tag - the ticket tag in a Subject ("[#100042]") and the edit that puts
 * it, with an X-Scrubgate-Ticket header, into a forwarded copy.  Pure.
 *
 * A tag format is text with exactly one "{id}" in it (the ticket number,
 * decimal); e.g. "[#{id}]" or "[Support {id}]".  Finding a tag compares
 * the text around {id} ASCII case-insensitively, so a reply whose client
 * changed "[Ticket 5]" into "[ticket 5]" still threads.
 */
#ifndef SCRUBGATE_TAG_H
#define SCRUBGATE_TAG_H

#include <stddef.h>

#include "buf.h"

#define TAG_FORMAT_MAX 48
#define TAG_HEADER "X-Scrubgate-Ticket"

/* tag_valid_format - 1 when fmt is printable ASCII, at most
 * TAG_FORMAT_MAX bytes, with exactly one {id} and at least one other
 * character around it */
int tag_valid_format(const char *fmt);
/* tag_find - the number in the first tag of format fmt in text (UTF-8,
 * e.g. a decoded Subject); 0 when there is none */
unsigned long tag_find(const char *fmt, const char *text, size_t len);
/* tag_has - text holds the tag of ticket id */
int tag_has(const char *fmt, unsigned long id, const char *text, size_t len);
/* tag_make - the tag of id, appended to out */
int tag_make(const char *fmt, unsigned long id, struct buf *out);

/* tag_apply - msg[0, len) into out (reset first) with the tag of id put
 * in front of the Subject value (unless the decoded Subject holds it
 * already: never doubled; a Subject field is added when there is none),
 * every X-Scrubgate-Ticket field removed and "X-Scrubgate-Ticket: id"
 * added at the end of the header.  Everything else is copied byte for
 * byte (splice).  *subject_changed_r (may be NULL) says whether the tag
 * was added.  0, or -1 (out of memory, or a header too large). */
int tag_apply(const char *msg, size_t len, const char *fmt, unsigned long id,
    struct buf *out, int *subject_changed_r);

#endif
