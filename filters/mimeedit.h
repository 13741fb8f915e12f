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

/* mimeedit_param_fn - the new text for the decoded text[0..len) of a
 * parameter: 1 with it in out, 0 to keep the value as it is, -1 failed */
typedef int (*mimeedit_param_fn)(void *ctx, const char *text, size_t len,
    struct buf *out);

/* mimeedit_filter_param - pass every form of parameter name in the raw
 * value raw[0..len) through fn and write the value to out (appended), with
 * changed forms re-encoded.  The forms, each one text for fn:
 *   name=token, name="quoted"   quotes and escapes undone, encoded words
 *                               (RFC 2047, as mailers put them there)
 *                               decoded, bytes after a closing quote up to
 *                               the next ';' taken as value too; written
 *                               back as a quoted string, or as name*= (see
 *                               below) when the text came in encoded words
 *                               and is not ASCII (encoded words again when
 *                               an extended form is there too)
 *   name*=cs'lang'%XX           RFC 2231, converted to UTF-8 when cs is
 *   name*0*=cs'lang'.. name*1=  known; the labels are a text for fn of
 *                               their own (before the value).  Written
 *                               back as name*=utf-8'lang' (the old label
 *                               if not converted; utf-8'' if fn changed
 *                               the labels), in sections of 60 octets on
 *                               folded lines when longer, the other
 *                               sections removed
 * Sections are read from 0 up to the first gap (at most 64).  Anything
 * else (a second name*=, a repeated section, sections past a gap) is a
 * text for fn too, and when any form changes, all extended parameters
 * become the one name*= of the main text.  Everything else stays byte for
 * byte.  *changed_r says whether a form changed.  0 or -1 (fn failed, out
 * of memory). */
int mimeedit_filter_param(const char *raw, size_t len, const char *name,
    const char *eol, mimeedit_param_fn fn, void *ctx, struct buf *out,
    int *changed_r);

/* mimeedit_param_text - the decoded text of parameter name into out
 * (reset first): of its forms (see mimeedit_filter_param) the extended
 * one when there is one, else the plain one (the last if several); NUL bytes become '_'
 * so that a C string ends where the name ends.  1 found (not empty), 0
 * not, -1 error. */
int mimeedit_param_text(const char *raw, size_t len, const char *name,
    struct buf *out);

#endif
