/* report - the JSON run report (--report FILE).
 *
 * {"messages":[{"index":1,"message_id":"...","counts":{"email":2},
 *   "stripped_recipients":1,"attachments_dropped":0,"error":null}, ...],
 *  "totals":{...}}
 * Only what scrub_result carries goes in: kinds and counts, never a
 * redacted value.  Strings are JSON-escaped; bytes that are not UTF-8
 * become U+FFFD.
 */
#ifndef SCRUBGATE_REPORT_H
#define SCRUBGATE_REPORT_H

#include <stddef.h>

#include "buf.h"
#include "policy.h"
#include "scrub.h"

struct report;

struct report *report_create(const struct policy_spec *spec);
/* report_add - one message; quarantined: file name or NULL */
int report_add(struct report *r, unsigned long index,
    const struct scrub_result *res, const char *quarantined);
/* report_finish - the whole document into out */
int report_finish(struct report *r, struct buf *out);
void report_destroy(struct report **r);

/* report_json_string - s[0..n) as a quoted JSON string */
int report_json_string(struct buf *out, const char *s, size_t n);

#endif
