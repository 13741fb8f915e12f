/* attach - the attachment policy: keep, drop or reject by MIME type or
 * file name ending.
 *
 * Rules are tried in order, first match wins: "image/png" matches that
 * type, "image/" followed by a star the whole top-level type, ".exe" a file name (filename
 * or name parameter, RFC 2231 / encoded words already decoded by the
 * caller) ending in it; all case-insensitive.  No match: attach_default.
 */
#ifndef SCRUBGATE_ATTACH_H
#define SCRUBGATE_ATTACH_H

#include "policy.h"

/* type: "image/png" (lower or mixed case); filename may be NULL */
enum attach_action attach_policy_for(const struct policy_spec *spec,
    const char *type, const char *filename);
const char *attach_action_name(enum attach_action a);
/* "keep" / "drop" / "reject" -> action; -1 if none */
int attach_action_parse(const char *s);

#endif
