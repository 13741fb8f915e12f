/* recipients - the Cc/Bcc policy, for headers and SMTP envelopes alike.
 *
 * An address is allowed when it or its domain is on the policy's cc_allow
 * list (case-insensitive; "example.com" allows every address at that
 * domain, "a@example.com" just that one).  An empty list allows nothing.
 */
#ifndef SCRUBGATE_RECIPIENTS_H
#define SCRUBGATE_RECIPIENTS_H

#include <stddef.h>

#include "buf.h"
#include "policy.h"

int recipients_allowed(const struct policy_spec *spec, const char *addr,
    size_t len);

/* recipients_filter_header - value is the raw value of a Cc or Bcc header
 * (after the colon, folding and all).  Writes to out the value with the
 * addresses that are not allowed removed, the kept ones byte for byte;
 * *removed_r gets the count, *kept_r the number left.  Group syntax and
 * comments are understood.  0 or -1 (value cannot be parsed as an address
 * list: the caller then strips the whole header). */
int recipients_filter_header(const struct policy_spec *spec,
    const char *value, size_t len, struct buf *out, unsigned *removed_r,
    unsigned *kept_r);

/* recipients_each - call fn for every address (addr-spec, display name) in
 * a raw address-list header value; for known-entity collection */
typedef void (*recipients_fn)(void *ctx, const char *addr, size_t alen,
    const char *name, size_t nlen);
int recipients_each(const char *value, size_t len, recipients_fn fn,
    void *ctx);

#endif
