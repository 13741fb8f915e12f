/* route - routing rules (see route.h) */
#include "route.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "autoreply.h"
#include "buf.h"
#include "policy.h"
#include "recipients.h"
#include "rfc2047.h"
#include "tag.h"

#define ROUTE_MATCH_LIMIT 1000000
#define ROUTE_DEPTH_LIMIT 10000
#define ROUTE_VALUE_MAX 65536
#define ROUTE_HEADER_NAME_MAX 64

struct rule {
	const struct rule_spec *spec;
	int route;			/* index */
	pcre2_code *subject;
	pcre2_code *header;
	char hname[ROUTE_HEADER_NAME_MAX + 1];
};

struct route_table {
	const struct route_spec *routes;
	size_t nroutes;
	struct rule *rules;
	size_t nrules;
	pcre2_match_context *mctx;
	pcre2_match_data *md;
};

/* compile - one pattern; NULL with err filled */
static pcre2_code *
compile(const char *re, const char *rule, const char *key, char *err,
    size_t errlen)
{
	PCRE2_UCHAR msg[160];
	PCRE2_SIZE off;
	pcre2_code *c;
	int ec;

	c = pcre2_compile((PCRE2_SPTR)re, PCRE2_ZERO_TERMINATED, PCRE2_UTF |
	    PCRE2_MATCH_INVALID_UTF, &ec, &off, NULL);
	if (c == NULL) {
		pcre2_get_error_message(ec, msg, sizeof(msg));
		snprintf(err, errlen, "[rule %s] %s: bad pattern at offset %zu: "
		    "%s", rule, key, (size_t)off, (char *)msg);
		return NULL;
	}
	/* no JIT: a rule runs once per message on a short value, and JIT's
	 * SIMD look-ahead past the subject upsets valgrind runs */
	return c;
}

/* find_route - index of the route called name, or -1 */
static int
find_route(const struct route_spec *routes, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(routes[i].name, name) == 0)
			return (int)i;
	return -1;
}

/* rule_compile - check and compile one rule */
static int
rule_compile(struct route_table *t, size_t i, char *err, size_t errlen)
{
	const struct rule_spec *s = t->rules[i].spec;
	struct rule *r = &t->rules[i];
	const char *colon;

	if (s->route == NULL || *s->route == '\0') {
		snprintf(err, errlen, "[rule %s] route: missing (name a "
		    "[route NAME])", s->name);
		return -1;
	}
	if ((r->route = find_route(t->routes, t->nroutes, s->route)) < 0) {
		snprintf(err, errlen, "[rule %s] route: no [route %.64s]",
		    s->name, s->route);
		return -1;
	}
	if (s->subject && *s->subject &&
	    (r->subject = compile(s->subject, s->name, "subject", err,
	    errlen)) == NULL)
		return -1;
	if (s->header && *s->header) {
		colon = strchr(s->header, ':');
		if (colon == NULL || colon == s->header ||
		    (size_t)(colon - s->header) > ROUTE_HEADER_NAME_MAX ||
		    memchr(s->header, ' ', (size_t)(colon - s->header))) {
			snprintf(err, errlen, "[rule %s] header: want \"Name: "
			    "pattern\"", s->name);
			return -1;
		}
		memcpy(r->hname, s->header, (size_t)(colon - s->header));
		colon++;
		while (*colon == ' ' || *colon == '\t')
			colon++;
		if ((r->header = compile(colon, s->name, "header", err,
		    errlen)) == NULL)
			return -1;
	}
	return 0;
}

/* route_table_create - see route.h */
struct route_table *
route_table_create(const struct route_spec *routes, size_t nroutes,
    const struct rule_spec *rules, size_t nrules, int *bad_rule_r, char *err,
    size_t errlen)
{
	struct route_table *t = calloc(1, sizeof(*t));

	*bad_rule_r = -1;
	if (t == NULL || (nrules && (t->rules = calloc(nrules,
	    sizeof(*t->rules))) == NULL))
		goto nomem;
	t->routes = routes;
	t->nroutes = nroutes;
	t->nrules = nrules;
	for (size_t i = 0; i < nroutes; i++)
		if (routes[i].tag_format && *routes[i].tag_format &&
		    !tag_valid_format(routes[i].tag_format)) {
			snprintf(err, errlen, "[route %s] tag_format: want "
			    "printable text with one {id}, at most %d bytes",
			    routes[i].name, TAG_FORMAT_MAX);
			route_table_destroy(&t);
			return NULL;
		}
	for (size_t i = 0; i < nrules; i++) {
		t->rules[i].spec = &rules[i];
		if (rule_compile(t, i, err, errlen) < 0) {
			*bad_rule_r = (int)i;
			route_table_destroy(&t);
			return NULL;
		}
	}
	if ((t->mctx = pcre2_match_context_create(NULL)) == NULL ||
	    (t->md = pcre2_match_data_create(4, NULL)) == NULL)
		goto nomem;
	pcre2_set_match_limit(t->mctx, ROUTE_MATCH_LIMIT);
	pcre2_set_depth_limit(t->mctx, ROUTE_DEPTH_LIMIT);
	return t;
nomem:
	snprintf(err, errlen, "out of memory");
	route_table_destroy(&t);
	return NULL;
}

/* route_table_destroy - free, clear the pointer */
void
route_table_destroy(struct route_table **tp)
{
	struct route_table *t = *tp;

	if (t == NULL)
		return;
	for (size_t i = 0; i < t->nrules && t->rules; i++) {
		pcre2_code_free(t->rules[i].subject);
		pcre2_code_free(t->rules[i].header);
	}
	free(t->rules);
	pcre2_match_data_free(t->md);
	pcre2_match_context_free(t->mctx);
	free(t);
	*tp = NULL;
}

/* on_list - addr matches an entry of list (the cc_allow syntax) */
static int
on_list(char **list, size_t n, const char *addr)
{
	struct policy_spec sp;

	if (addr == NULL || *addr == '\0' || n == 0)
		return 0;
	memset(&sp, 0, sizeof(sp));
	sp.cc_allow = list;
	sp.ncc_allow = n;
	return recipients_allowed(&sp, addr, strlen(addr));
}

/* rcpt_on_list - index + 1 of the first recipient on list, or 0 */
static size_t
rcpt_on_list(char **list, size_t n, const struct route_msg *m)
{
	for (size_t i = 0; i < m->nrcpts; i++)
		if (on_list(list, n, m->rcpts[i]))
			return i + 1;
	return 0;
}

/* re_found - 1 pattern found in text, 0 not (or a limit was hit) */
static int
re_found(const struct route_table *t, pcre2_code *re, const struct buf *text)
{
	int rc = pcre2_match(re, (PCRE2_SPTR)(text->p ? text->p : ""),
	    text->len, 0, 0, t->md, t->mctx);

	return rc >= 0;
}

/* decoded - the decoded value of the nth field name, into out; 1 found */
static int
decoded(const struct route_msg *m, const char *name, size_t nth,
    struct buf *raw, struct buf *out)
{
	buf_reset(out);
	if (autoreply_header(m->msg, m->len, name, nth, raw) != 1)
		return 0;
	return rfc2047_decode(raw->p, raw->len, out) < 0 ? 0 : 1;
}

/* header_found - the rule's header pattern in some field of that name */
static int
header_found(const struct route_table *t, const struct rule *r,
    const struct route_msg *m, struct buf *raw, struct buf *val)
{
	for (size_t i = 0; i < 1000 && decoded(m, r->hname, i, raw, val); i++)
		if (re_found(t, r->header, val))
			return 1;
	return 0;
}

/* rule_holds - every condition of r; why->text says which held */
static int
rule_holds(const struct route_table *t, const struct rule *r,
    const struct route_msg *m, struct buf *subj, struct buf *raw,
    struct buf *val, struct buf *why)
{
	const struct rule_spec *s = r->spec;
	size_t k;

	buf_reset(why);
	if (s->nmailbox) {
		if ((k = rcpt_on_list(s->mailbox, s->nmailbox, m)) == 0)
			return 0;
		buf_printf(why, "; recipient %zu is on mailbox", k);
	}
	if (s->nsender_domain) {
		if (!on_list(s->sender_domain, s->nsender_domain, m->sender))
			return 0;
		buf_printf(why, "; sender is on sender_domain");
	}
	if (r->subject) {
		if (!re_found(t, r->subject, subj))
			return 0;
		buf_printf(why, "; subject matches /%s/", s->subject);
	}
	if (r->header) {
		if (!header_found(t, r, m, raw, val))
			return 0;
		buf_printf(why, "; header %s matches", r->hname);
	}
	if (s->tag) {
		if (tag_find(route_tag_format(t, r->route), subj->p ? subj->p :
		    "", subj->len) == 0)
			return 0;
		buf_printf(why, "; subject carries a ticket tag");
	}
	if (why->len == 0)
		buf_printf(why, "; no conditions (matches every message)");
	return 1;
}

/* fallback - no rule matched: mailboxes, then [route default] */
static void
fallback(const struct route_table *t, const struct route_msg *m,
    struct route_why *why)
{
	size_t k;

	for (size_t i = 0; i < t->nroutes; i++)
		if ((k = rcpt_on_list(t->routes[i].mailboxes,
		    t->routes[i].nmailboxes, m)) != 0) {
			why->route = (int)i;
			snprintf(why->text, sizeof(why->text), "no rule matched; "
			    "recipient %zu is in the mailboxes of route %s", k,
			    t->routes[i].name);
			return;
		}
	why->route = find_route(t->routes, t->nroutes, "default");
	snprintf(why->text, sizeof(why->text), why->route >= 0 ?
	    "no rule matched and no route serves a recipient: route default" :
	    "no rule matched, no route serves a recipient and there is no "
	    "[route default]: the global settings apply");
}

/* route_match - see route.h */
int
route_match(const struct route_table *t, const struct route_msg *m,
    struct route_why *why)
{
	struct buf subj, raw, val, w;
	int rc = 0;

	why->rule = why->route = -1;
	why->text[0] = '\0';
	buf_init(&subj, ROUTE_VALUE_MAX);
	buf_init(&raw, ROUTE_VALUE_MAX);
	buf_init(&val, ROUTE_VALUE_MAX);
	buf_init(&w, 0);
	decoded(m, "subject", 0, &raw, &subj);
	for (size_t i = 0; i < t->nrules; i++)
		if (rule_holds(t, &t->rules[i], m, &subj, &raw, &val, &w)) {
			why->rule = (int)i;
			why->route = t->rules[i].route;
			snprintf(why->text, sizeof(why->text), "rule %s (rule %zu "
			    "of %zu) matched%s: route %s", t->rules[i].spec->name,
			    i + 1, t->nrules, w.p ? w.p : "",
			    t->routes[why->route].name);
			break;
		}
	if (why->rule < 0)
		fallback(t, m, why);
	buf_free(&subj);
	buf_free(&raw);
	buf_free(&val);
	buf_free(&w);
	return rc;
}

/* route_tag_format - route i's format, or the default */
const char *
route_tag_format(const struct route_table *t, int i)
{
	if (i < 0 || (size_t)i >= t->nroutes || t->routes[i].tag_format == NULL ||
	    *t->routes[i].tag_format == '\0')
		return ROUTE_DEFAULT_TAG;
	return t->routes[i].tag_format;
}
