/* recipients - the Cc/Bcc policy, for headers and SMTP envelopes alike.
 *
 * An address is allowed when it or its domain is on the policy's cc_allow
 * list (ASCII case-insensitive, other bytes exact; IDN domains are not
 * mapped between UTF-8 and punycode, list both forms if both occur):
 *   "a@example.com"                 just that address
 *   "example.com" or "@example.com" every address at exactly that domain,
 *                                   not at its subdomains
 *   ".example.com"                  every address at any subdomain
 *                                   (x.example.com, a.b.example.com), not
 *                                   at example.com itself: list both
 * An empty list allows nothing.  An address that has no '@', or more than
 * one outside a quoted local part, is never allowed.
 */
#ifndef SCRUBGATE_RECIPIENTS_H
#define SCRUBGATE_RECIPIENTS_H

#include <stddef.h>

#include "buf.h"
#include "policy.h"

/* recipients_allowed - 1 when addr[0, len) may stay, else 0.  addr is an
 * addr-spec ("a@b") or an envelope address ("<a@b>", surrounding blanks
 * ignored); "<>" is never allowed. */
int recipients_allowed(const struct policy_spec *spec, const char *addr,
    size_t len);

/* recipients_filter_header - value is the raw value of a Cc or Bcc header
 * (after the colon, folding and all).  Appends to out the value with the
 * addresses that are not allowed removed, the kept ones byte for byte;
 * *removed_r gets the count, *kept_r the number left.  Group syntax and
 * comments are understood; a group left without mailboxes is dropped, one
 * empty from the start ("undisclosed-recipients:;") kept.  Between two kept
 * addresses stays the separator text (comma, folding) that preceded the
 * second in the input; no leading or trailing comma is written.
 * 0 or -1 (value cannot be parsed as an address list, or out is full: the
 * caller then strips the whole header; out is as it was). */
int recipients_filter_header(const struct policy_spec *spec,
    const char *value, size_t len, struct buf *out, unsigned *removed_r,
    unsigned *kept_r);

/* recipients_each - call fn for every mailbox (addr-spec, display name) in
 * a raw address-list header value, inside groups too; for known-entity
 * collection.  The display name is the phrase as libetpan gives it: quoted
 * strings unquoted, comments and encoded words left as they are (the
 * caller decodes them); NULL and 0 when there is none.  Both strings are
 * valid only during the call.  -1 when the value cannot be parsed (fn may
 * have been called for the mailboxes before the fault). */
typedef void (*recipients_fn)(void *ctx, const char *addr, size_t alen,
    const char *name, size_t nlen);
int recipients_each(const char *value, size_t len, recipients_fn fn,
    void *ctx);

#endif
