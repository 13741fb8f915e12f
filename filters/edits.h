/* edits - replacements found in a piece of text, to be spliced in by
 * whoever owns the text's source form (HTML, a header, a MIME body).
 *
 * An edit says: text[start..end) becomes reps.p[rep_off .. rep_off+rep_len).
 * Edits are sorted by start and never overlap.  Offsets are into the text
 * that was given to the redact callback, not into the source.
 */
#ifndef SCRUBGATE_EDITS_H
#define SCRUBGATE_EDITS_H

#include <stddef.h>

#include "buf.h"

struct edit {
	size_t start, end;
	size_t rep_off, rep_len;
};

struct edits {
	struct edit *v;
	size_t n, cap;
	struct buf reps;	/* replacement bytes, UTF-8 */
};

void edits_init(struct edits *e);
void edits_reset(struct edits *e);
void edits_free(struct edits *e);
int edits_add(struct edits *e, size_t start, size_t end, const char *rep,
    size_t rep_len);

/* text_redact_fn - find what to redact in UTF-8 text and fill out (reset by
 * the callee).  0, or -1 with the callee's context holding the reason. */
typedef int (*text_redact_fn)(void *ctx, const char *text, size_t len,
    struct edits *out);

#endif
