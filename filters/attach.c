/* attach - the attachment policy: keep, drop or reject by MIME type or
 * file name ending (see attach.h).
 *
 * A rule is one of three shapes, told apart by its text: ".ext" (a file
 * name ending), "type/" plus a star (every subtype), anything else an exact
 * "type/subtype".  Matching is ASCII case-insensitive; parameters after
 * the type (";charset=...") are the caller's to strip.
 */
#include "attach.h"

#include <string.h>

#include "bytes.h"

static const char *const attach_names[] = {
	[ATTACH_KEEP] = "keep",
	[ATTACH_DROP] = "drop",
	[ATTACH_REJECT] = "reject",
};

/* rule_matches - does rule m apply to type / filename (either may be NULL) */
static int
rule_matches(const char *m, const char *type, const char *filename)
{
	size_t mlen = strlen(m), n;

	if (mlen == 0)
		return 0;
	if (m[0] == '.') {
		if (filename == NULL || (n = strlen(filename)) < mlen)
			return 0;
		return bytes_same_ci(filename + n - mlen, m, mlen);
	}
	if (type == NULL)
		return 0;
	n = strlen(type);
	if (mlen >= 2 && m[mlen - 2] == '/' && m[mlen - 1] == '*')
		return n > mlen - 1 && bytes_same_ci(type, m, mlen - 1);
	return n == mlen && bytes_same_ci(type, m, n);
}

/* attach_policy_for - the first rule that matches, else the default */
enum attach_action
attach_policy_for(const struct policy_spec *spec, const char *type,
    const char *filename)
{
	for (size_t i = 0; i < spec->nattach; i++)
		if (spec->attach[i].match &&
		    rule_matches(spec->attach[i].match, type, filename))
			return spec->attach[i].action;
	return spec->attach_default;
}

/* attach_action_name - "keep", "drop" or "reject" ("?" if out of range) */
const char *
attach_action_name(enum attach_action a)
{
	if ((unsigned)a >= sizeof attach_names / sizeof attach_names[0])
		return "?";
	return attach_names[a];
}

/* attach_action_parse - the action named s (case-insensitive), or -1 */
int
attach_action_parse(const char *s)
{
	size_t n;

	if (s == NULL)
		return -1;
	n = strlen(s);
	for (size_t i = 0; i < sizeof attach_names / sizeof attach_names[0]; i++)
		if (strlen(attach_names[i]) == n &&
		    bytes_same_ci(s, attach_names[i], n))
			return (int)i;
	return -1;
}
