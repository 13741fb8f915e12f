/* redact - turn findings into replacements.
 *
 * Strategies (policy_spec.strategy): mask writes "[LABEL]"; pseudonym
 * writes "[LABEL-xxxxxxxx]", the first 8 hex digits of HMAC-SHA-256 under
 * policy_spec.key of the normalised value (e-mail lower-cased; numbers with
 * separators removed and letters upper-cased), so one person gets one
 * token in every message.  ACTION_MASK_KEEP_LAST N replaces every letter and
 * digit but the last N with '*', separators kept ("**** **** **** 1234");
 * a value too short for that keeps at most half of its letters and digits.
 */
#ifndef SCRUBGATE_REDACT_H
#define SCRUBGATE_REDACT_H

#include <stddef.h>

#include "buf.h"
#include "policy.h"
#include "recognize.h"

/* redact_replacement - append the replacement for value (of kind) to out */
int redact_replacement(const struct policy_spec *spec, int kind,
    const char *value, size_t len, struct buf *out);

/* redact_apply - copy text to out with every finding replaced; counts[kind]
 * is incremented per finding (counts has KIND_MAX entries).  0 or -1
 * (out's cap reached). */
int redact_apply(const struct policy_spec *spec, const char *text, size_t len,
    const struct findings *f, struct buf *out, unsigned *counts);

/* redact_pseudonym - 8 lower-case hex digits + NUL for a normalised value */
void redact_pseudonym(const struct policy_spec *spec, int kind,
    const char *value, size_t len, char out[9]);

/* redact_preview - a masked preview for --explain: first and last
 * character kept, everything between as '*' (UTF-8 aware) */
int redact_preview(const char *value, size_t len, struct buf *out);

#endif
