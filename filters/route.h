/* route - routing rules: which [route] a message takes.  Pure: reads the
 * envelope and the raw header, no I/O.
 *
 * Rules are tried in file order and the first whose conditions all hold
 * wins (a rule without conditions matches everything).  Conditions:
 *   mailbox        a recipient is on the list (addresses or domains, the
 *                  cc_allow syntax of recipients.h)
 *   sender_domain  the sender is on the list (same syntax)
 *   subject        a PCRE2 pattern found in the decoded Subject
 *   header         "Name: PCRE2", found in the decoded value of a field
 *                  of that name
 *   tag            the Subject carries a ticket tag of the rule's route
 * Without a matching rule: the first route whose mailboxes hold a
 * recipient; else the route named "default"; else none.
 *
 * Patterns run with PCRE2 match and depth limits (interpreted, no JIT),
 * in UTF mode that tolerates invalid UTF-8 (raw 8-bit subjects).
 */
#ifndef SCRUBGATE_ROUTE_H
#define SCRUBGATE_ROUTE_H

#include <stddef.h>

/* one [route NAME], as far as routing needs it; borrowed */
struct route_spec {
	const char *name;
	char **mailboxes;
	size_t nmailboxes;
	const char *tag_format;		/* NULL: "[#{id}]" */
};

/* one [rule NAME]; borrowed */
struct rule_spec {
	const char *name;
	const char *route;		/* required: a route's name */
	char **mailbox;
	size_t nmailbox;
	char **sender_domain;
	size_t nsender_domain;
	const char *subject;		/* NULL or "": no condition */
	const char *header;		/* "Name: regex", NULL or "": none */
	int tag;
};

struct route_table;

/* route_table_create - compile; NULL with err "[rule NAME] key: problem"
 * (or "out of memory") filled.  The specs' strings must outlive it. */
struct route_table *route_table_create(const struct route_spec *routes,
    size_t nroutes, const struct rule_spec *rules, size_t nrules,
    int *bad_rule_r, char *err, size_t errlen);
void route_table_destroy(struct route_table **t);

/* what is routed: the envelope (or what the headers say) and the bytes */
struct route_msg {
	const char *sender;		/* NULL or "": none */
	const char *const *rcpts;
	size_t nrcpts;
	const char *msg;		/* the raw message; its header is read */
	size_t len;
};

/* why a route was chosen; no personal data in text (only config values
 * and positions) */
struct route_why {
	int rule;			/* matching rule, -1: none */
	int route;			/* chosen route, -1: none */
	char text[512];
};

/* route_match - 0, or -1 (out of memory; why->route is -1) */
int route_match(const struct route_table *t, const struct route_msg *m,
    struct route_why *why);

/* route_tag_format - the tag format of route i (-1: the default) */
const char *route_tag_format(const struct route_table *t, int i);

#define ROUTE_DEFAULT_TAG "[#{id}]"

#endif
