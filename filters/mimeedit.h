/* mimeedit - small edits on raw MIME header values and a splice list.
 *
 * A splice list collects replacements of byte ranges of one input buffer
 * (an insertion is a range with start == end) in any order, and writes the
 * input with them applied: bytes outside every range are copied verbatim.
 * Ranges must not overlap; insertions at the same offset keep the order
 * they were added in.
 */
#ifndef SCRUBGATE_MIMEEDIT_H
#define SCRUBGATE_MIMEEDIT_H

#include <stddef.h>

#include "buf.h"
#include "edits.h"

/* splice_apply - write in[0..len) with every edit of e applied (e is sorted
 * in place).  0, or -1 when two edits overlap or out's cap is reached. */
int splice_apply(const char *in, size_t len, struct edits *e, struct buf *out);

/* mimeedit_set_param - copy a raw Content-Type value (everything after the
 * colon, folding included) to out with parameter name set to value: an
 * existing one (name or name*, case-insensitive) has its value replaced,
 * otherwise "; name=value" is appended.  Quoted strings and comments are
 * skipped when looking for parameters.  0 or -1. */
int mimeedit_set_param(const char *raw, size_t len, const char *name,
    const char *value, struct buf *out);

/* mimeedit_get_param - the value of parameter name in a raw header value,
 * quotes removed, into out (reset first); 1 found, 0 not found, -1 error */
int mimeedit_get_param(const char *raw, size_t len, const char *name,
    struct buf *out);

#endif
