/* ticket - route, thread, tag and record a scrubbed message (see
 * ticket.h).
 *
 * ticket_open loads the store's pseudonym key ([store] pseudonym_key,
 * created if missing), opens the database, compiles the routing rules
 * (filters/route.c) and, for every route with a redaction profile
 * (kinds_off, kinds_on, cc_allow, attachments), a scrub policy of its
 * own: a copy of the global policy_spec with those fields overlaid.
 *
 * ticket_apply, per message:
 *   route (unless the door routed already) -> auto-reply class ->
 *   In-Reply-To / References / tag lookup -> record -> tag the copy.
 * The store is written before the copy is tagged, so a store failure
 * leaves the message as it was and the door retries it later.
 */
#include "ticket.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sysexits.h>
#include <errno.h>
#include <unistd.h>

#include "autoreply.h"
#include "config.h"
#include "rfc2047.h"
#include "route.h"
#include "store.h"
#include "tag.h"

#define TICKET_MAX_IDS 32
#define TICKET_MAX_PARTIES 64
#define TICKET_ADDR_MAX 320
#define TICKET_VALUE_MAX 65536

enum auto_mode { AUTO_DROP, AUTO_FORWARD, AUTO_ATTACH };

/* a route's own policy (redaction profile), when it has one */
struct route_prof {
	struct policy_spec spec;	/* shallow copy of the global spec */
	struct scrub_policy *policy;
};

struct ticket_ctx {
	const struct config *c;
	struct store *store;
	struct route_spec *rspec;
	struct rule_spec *uspec;
	struct route_table *routes;
	struct route_prof *prof;	/* per route; policy NULL: none */
	size_t nprof;			/* ticket_close must not read c: at
					 * exit (the scrub hook) c is gone */
	enum auto_mode auto_mode;
};

/* auto_mode_of - the [store] auto_replies value; -1 when unknown */
static int
auto_mode_of(const char *v)
{
	if (v == NULL || strcmp(v, "attach") == 0)
		return AUTO_ATTACH;
	if (strcmp(v, "drop") == 0)
		return AUTO_DROP;
	if (strcmp(v, "forward") == 0)
		return AUTO_FORWARD;
	return -1;
}

/* ticket_routes_compile - the routing table of c; NULL with err ("FILE:
 * LINE: [rule NAME] key: problem") filled.  *rs_r and *us_r are the specs
 * it borrows (free them after destroying the table). */
struct route_table *
ticket_routes_compile(const struct config *c, struct route_spec **rs_r,
    struct rule_spec **us_r, char *err, size_t errlen)
{
	struct route_spec *rs = calloc(c->nroutes + 1, sizeof(*rs));
	struct rule_spec *us = calloc(c->nrules + 1, sizeof(*us));
	struct route_table *t = NULL;
	char e[400];
	int bad = -1;

	*rs_r = rs;
	*us_r = us;
	if (rs == NULL || us == NULL) {
		snprintf(err, errlen, "%s: out of memory", c->source);
		return NULL;
	}
	for (size_t i = 0; i < c->nroutes; i++) {
		const struct route_cfg *r = &c->routes[i];

		rs[i] = (struct route_spec){ r->name, r->mailboxes, r->nmailboxes,
		    r->tag_format };
	}
	for (size_t i = 0; i < c->nrules; i++) {
		const struct rule_cfg *u = &c->rules[i];

		us[i] = (struct rule_spec){ u->name, u->route, u->mailbox,
		    u->nmailbox, u->sender_domain, u->nsender_domain, u->subject,
		    u->header, u->tag };
	}
	t = route_table_create(rs, c->nroutes, us, c->nrules, &bad, e, sizeof(e));
	if (t == NULL && bad >= 0)
		snprintf(err, errlen, "%s:%u: %s", c->source, c->rules[bad].line, e);
	else if (t == NULL)
		snprintf(err, errlen, "%s: %s", c->source, e);
	return t;
}

/* kind_of - the kind id of a config name, custom patterns included */
static int
kind_of(const struct policy_spec *sp, const char *name)
{
	int k = kind_lookup(name);

	if (k >= 0)
		return k;
	for (size_t i = 0; i < sp->ncustom; i++)
		if (strcmp(sp->custom[i].name, name) == 0)
			return KIND_CUSTOM + (int)i;
	return -1;
}

/* overlay_kinds - set the action of every kind on list */
static int
overlay_kinds(struct policy_spec *sp, char **list, size_t n, enum action a,
    const char **bad_r)
{
	for (size_t i = 0; i < n; i++) {
		int k = kind_of(sp, list[i]);

		if (k < 0) {
			*bad_r = list[i];
			return -1;
		}
		sp->kinds[k].action = a;
		sp->kinds[k].keep_last = 0;
	}
	return 0;
}

/* profile_compile - route r's own policy, when it has a profile */
static int
profile_compile(struct ticket_ctx *t, size_t i, char *err, size_t errlen)
{
	const struct route_cfg *r = &t->c->routes[i];
	struct route_prof *p = &t->prof[i];
	const char *bad = NULL, *cerr = NULL;
	const char *at = r->attachments;

	if (r->nkinds_off == 0 && r->nkinds_on == 0 && r->ncc_allow == 0 &&
	    (at == NULL || *at == '\0'))
		return 0;
	p->spec = t->c->spec;	/* borrows the config's strings */
	if (overlay_kinds(&p->spec, r->kinds_off, r->nkinds_off, ACTION_OFF,
	    &bad) < 0 || overlay_kinds(&p->spec, r->kinds_on, r->nkinds_on,
	    ACTION_REDACT, &bad) < 0) {
		snprintf(err, errlen, "%s:%u: [route %s]: unknown kind '%.64s'",
		    t->c->source, r->line, r->name, bad);
		return -1;
	}
	if (r->ncc_allow) {
		p->spec.cc_allow = r->cc_allow;
		p->spec.ncc_allow = r->ncc_allow;
	}
	if (at != NULL && *at) {
		if (strcmp(at, "keep") && strcmp(at, "drop") && strcmp(at, "reject")) {
			snprintf(err, errlen, "%s:%u: [route %s] attachments: bad "
			    "value '%.64s' (keep, drop or reject)", t->c->source,
			    r->line, r->name, at);
			return -1;
		}
		p->spec.attach_default = at[0] == 'k' ? ATTACH_KEEP : at[0] == 'd' ?
		    ATTACH_DROP : ATTACH_REJECT;
	}
	if ((p->policy = scrub_policy_create(&p->spec, &cerr)) == NULL) {
		snprintf(err, errlen, "%s:%u: [route %s]: %s", t->c->source,
		    r->line, r->name, cerr ? cerr : "cannot compile the policy");
		return -1;
	}
	return 0;
}

/* exists - path names something (ENOENT: no) */
static int
exists(const char *path)
{
	return access(path, F_OK) == 0 || errno != ENOENT;
}

/* ticket_store_open - the store of c: its key (created if missing and
 * create is set) and database (likewise); NULL with err */
struct store *
ticket_store_open(const struct config *c, int create, char *err,
    size_t errlen)
{
	struct store_opts o;
	unsigned char key[64];
	size_t keylen = 0;
	char *kp = config_path(c, c->store.key_path);
	char *dp = config_path(c, c->store.database);
	struct store *s = NULL;

	if (kp == NULL || dp == NULL) {
		snprintf(err, errlen, "%s: out of memory", c->source);
	} else if (!create && !exists(dp)) {
		snprintf(err, errlen, "%s: no ticket store here (nothing "
		    "recorded yet?)", dp);
	} else if (!create && !exists(kp)) {
		snprintf(err, errlen, "%s: pseudonym key missing: the stored "
		    "pseudonyms cannot be matched without it", kp);
	} else if (config_key_file(kp, key, sizeof(key), &keylen, err,
	    errlen) == 0) {
		memset(&o, 0, sizeof(o));
		o.path = dp;
		o.key = key;
		o.keylen = keylen;
		o.store_addresses = c->store.store_addresses;
		o.busy_timeout_ms = (unsigned)(c->store.busy_timeout * 1000);
		s = store_open(&o, err, errlen);
	}
	explicit_bzero(key, sizeof(key));
	free(kp);
	free(dp);
	return s;
}

/* ticket_open_routes - the routing part of ticket_open, without a store
 * (route --explain); NULL with err */
struct ticket_ctx *
ticket_open_routes(const struct config *c, char *err, size_t errlen)
{
	struct ticket_ctx *t = calloc(1, sizeof(*t));
	int m = auto_mode_of(c->store.auto_replies);

	if (t == NULL || (c->nroutes && (t->prof = calloc(c->nroutes,
	    sizeof(*t->prof))) == NULL)) {
		free(t);
		snprintf(err, errlen, "%s: out of memory", c->source);
		return NULL;
	}
	t->c = c;
	t->nprof = c->nroutes;
	if (m < 0) {
		snprintf(err, errlen, "%s: [store] auto_replies: bad value "
		    "'%.64s' (drop, forward or attach)", c->source,
		    c->store.auto_replies);
		ticket_close(&t);
		return NULL;
	}
	t->auto_mode = (enum auto_mode)m;
	if ((t->routes = ticket_routes_compile(c, &t->rspec, &t->uspec, err,
	    errlen)) == NULL) {
		ticket_close(&t);
		return NULL;
	}
	for (size_t i = 0; i < c->nroutes; i++)
		if (profile_compile(t, i, err, errlen) < 0) {
			ticket_close(&t);
			return NULL;
		}
	return t;
}

/* ticket_open - routes, profiles and the store */
struct ticket_ctx *
ticket_open(const struct config *c, char *err, size_t errlen)
{
	struct ticket_ctx *t = ticket_open_routes(c, err, errlen);

	if (t != NULL && (t->store = ticket_store_open(c, 1, err, errlen)) ==
	    NULL)
		ticket_close(&t);
	return t;
}

/* ticket_close - everything, NULL-safe */
void
ticket_close(struct ticket_ctx **tp)
{
	struct ticket_ctx *t = *tp;

	if (t == NULL)
		return;
	store_close(&t->store);
	route_table_destroy(&t->routes);
	for (size_t i = 0; t->prof && i < t->nprof; i++)
		scrub_policy_destroy(&t->prof[i].policy);
	free(t->prof);
	free(t->rspec);
	free(t->uspec);
	free(t);
	*tp = NULL;
}

/* ticket_store - see ticket.h */
struct store *
ticket_store(struct ticket_ctx *t)
{
	return t ? t->store : NULL;
}

/* route_index - the index of the route named name, or -1 */
static int
route_index(const struct ticket_ctx *t, const char *name)
{
	for (size_t i = 0; name && i < t->c->nroutes; i++)
		if (strcmp(t->c->routes[i].name, name) == 0)
			return (int)i;
	return -1;
}

/* header_addr - the first address of header name into out; 1 found */
static int
header_addr(const char *msg, size_t len, const char *name, char *out,
    size_t n)
{
	struct buf b;
	size_t pos = 0;
	int rc = 0;

	buf_init(&b, TICKET_VALUE_MAX);
	if (autoreply_header(msg, len, name, 0, &b) == 1)
		rc = autoreply_addr_next(b.p, b.len, &pos, out, n);
	buf_free(&b);
	return rc;
}

/* ticket_explain - route a message; why filled (for route --explain) */
int
ticket_explain(struct ticket_ctx *t, const struct envelope *env,
    const char *msg, size_t len, struct route_why *why)
{
	char sender[TICKET_ADDR_MAX];
	struct route_msg m;

	memset(&m, 0, sizeof(m));
	m.sender = env->sender;
	if ((m.sender == NULL || *m.sender == '\0') &&
	    header_addr(msg, len, "from", sender, sizeof(sender)))
		m.sender = sender;
	m.rcpts = (const char *const *)env->rcpts;
	m.nrcpts = env->nrcpts;
	m.msg = msg;
	m.len = len;
	return route_match(t->routes, &m, why);
}

/* ticket_route - see ticket.h */
int
ticket_route(struct ticket_ctx *t, struct envelope *env, const char *msg,
    size_t len)
{
	struct route_why why;

	if (t == NULL)
		return 0;
	if (ticket_explain(t, env, msg, len, &why) < 0)
		return -1;
	free(env->route);
	env->route = NULL;
	if (why.route >= 0 &&
	    (env->route = strdup(t->c->routes[why.route].name)) == NULL)
		return -1;
	return 0;
}

/* ticket_policy - the route's own policy, or NULL */
const struct scrub_policy *
ticket_policy(struct ticket_ctx *t, const struct envelope *env)
{
	int i;

	if (t == NULL || (i = route_index(t, env->route)) < 0)
		return NULL;
	return t->prof[i].policy;
}

/* the facts ticket_apply collects from the scrubbed header */
struct facts {
	char ids[TICKET_MAX_IDS][256];	/* In-Reply-To, then References
					 * newest first */
	const char *idp[TICKET_MAX_IDS];
	size_t nids, nreply;
	char msgid[256];
	struct buf subject;		/* decoded */
	char addrs[TICKET_MAX_PARTIES][TICKET_ADDR_MAX];
	struct store_party parties[TICKET_MAX_PARTIES];
	size_t nparties;
	char counts[1024];
};

/* add_party - one party, deduplicated by role and address */
static void
add_party(struct facts *f, const char *role, const char *addr)
{
	if (addr == NULL || *addr == '\0' || f->nparties == TICKET_MAX_PARTIES)
		return;
	for (size_t i = 0; i < f->nparties; i++)
		if (strcmp(f->parties[i].role, role) == 0 &&
		    strcasecmp(f->parties[i].addr, addr) == 0)
			return;
	snprintf(f->addrs[f->nparties], TICKET_ADDR_MAX, "%s", addr);
	f->parties[f->nparties].role = role;
	f->parties[f->nparties].addr = f->addrs[f->nparties];
	f->nparties++;
}

/* header_parties - every address of header name as role */
static void
header_parties(struct facts *f, const char *msg, size_t len,
    const char *name, const char *role, struct buf *b)
{
	char a[TICKET_ADDR_MAX];
	size_t pos = 0;

	if (autoreply_header(msg, len, name, 0, b) != 1)
		return;
	while (autoreply_addr_next(b->p, b->len, &pos, a, sizeof(a)))
		add_party(f, role, a);
}

/* collect_ids - In-Reply-To ids, then References ids newest first */
static void
collect_ids(struct facts *f, const char *msg, size_t len, struct buf *b)
{
	char refs[TICKET_MAX_IDS][256];
	size_t pos = 0, n = 0;

	if (autoreply_header(msg, len, "in-reply-to", 0, b) == 1)
		while (f->nids < 4 && autoreply_msgid_next(b->p, b->len, &pos,
		    f->ids[f->nids], sizeof(f->ids[0])))
			f->nids++;
	f->nreply = f->nids;
	pos = 0;
	if (autoreply_header(msg, len, "references", 0, b) == 1)
		while (autoreply_msgid_next(b->p, b->len, &pos, refs[n % 
		    TICKET_MAX_IDS], sizeof(refs[0])))
			n++;
	/* the newest (last) references first; at most what fits */
	for (size_t k = 0; k < n && k < TICKET_MAX_IDS &&
	    f->nids < TICKET_MAX_IDS; k++)
		memcpy(f->ids[f->nids++], refs[(n - 1 - k) % TICKET_MAX_IDS],
		    sizeof(refs[0]));
	for (size_t i = 0; i < f->nids; i++)
		f->idp[i] = f->ids[i];
	pos = 0;
	f->msgid[0] = '\0';
	if (autoreply_header(msg, len, "message-id", 0, b) == 1 &&
	    !autoreply_msgid_next(b->p, b->len, &pos, f->msgid,
	    sizeof(f->msgid)))
		snprintf(f->msgid, sizeof(f->msgid), "%.255s", b->p);
}

/* counts_json - {"email":2,...}: the kinds redacted, by config name */
static void
counts_json(const struct config *c, const struct scrub_result *res,
    char *out, size_t n)
{
	size_t o = 0;
	int first = 1, nk = policy_kind_count(&c->spec);

	o += (size_t)snprintf(out, n, "{");
	for (int k = 0; k < nk && k < KIND_MAX && o < n; k++) {
		if (res->counts[k] == 0)
			continue;
		o += (size_t)snprintf(out + o, n - o, "%s\"%s\":%u", first ? "" :
		    ",", policy_kind_name(&c->spec, k), res->counts[k]);
		first = 0;
	}
	if (o < n)
		snprintf(out + o, n - o, "}");
	if (o + 1 >= n)
		snprintf(out, n, "{}");
}

/* collect - the facts of the scrubbed message */
static int
collect(struct ticket_ctx *t, const struct envelope *env,
    const struct scrub_result *res, const struct buf *out, struct facts *f)
{
	struct buf b;
	char a[TICKET_ADDR_MAX];

	const char *msg = out->p ? out->p : "";

	buf_init(&b, TICKET_VALUE_MAX);
	collect_ids(f, msg, out->len, &b);
	if (autoreply_header(msg, out->len, "subject", 0, &b) == 1 &&
	    rfc2047_decode(b.p, b.len, &f->subject) < 0)
		buf_reset(&f->subject);
	if (header_addr(msg, out->len, "from", a, sizeof(a)))
		add_party(f, "requester", a);
	else if (env->sender)
		add_party(f, "requester", env->sender);
	for (size_t i = 0; i < env->nrcpts; i++)
		add_party(f, "to", env->rcpts[i]);
	if (env->nrcpts == 0)
		header_parties(f, msg, out->len, "to", "to", &b);
	header_parties(f, msg, out->len, "cc", "cc", &b);
	counts_json(t->c, res, f->counts, sizeof(f->counts));
	buf_free(&b);
	return 0;
}

/* subject_text - the stored Subject: decoded, at most 255 bytes, cut at
 * a UTF-8 character boundary, control bytes (a terminal escape in a
 * hostile Subject would reach `tickets show`) turned into spaces */
static void
subject_text(const struct buf *s, char *out, size_t n)
{
	size_t k = s->len < n - 1 ? s->len : n - 1;

	while (k > 0 && k < s->len && ((unsigned char)s->p[k] & 0xc0) == 0x80)
		k--;
	for (size_t i = 0; i < k; i++)
		out[i] = (unsigned char)s->p[i] < 0x20 || s->p[i] == 0x7f ? ' ' :
		    s->p[i];
	out[k] = '\0';
}

/* tag_copy - the tag and X-Scrubgate-Ticket into the forwarded bytes */
static int
tag_copy(const char *fmt, unsigned long id, struct buf *out)
{
	struct buf nb;

	buf_init(&nb, out->max);
	if (tag_apply(out->p ? out->p : "", out->len, fmt, id, &nb, NULL) < 0) {
		buf_free(&nb);
		return -1;
	}
	buf_free(out);
	*out = nb;
	return 0;
}

/* ticket_apply - see ticket.h; 1: an auto-reply to drop */
int
ticket_apply(struct ticket_ctx *t, struct envelope *env,
    const struct scrub_result *res, struct buf *out, char *err,
    size_t errlen)
{
	struct facts *f;
	struct store_message m;
	enum autoreply_class cls;
	const char *fmt, *how = NULL;
	char subj[256];
	unsigned long found = 0, tag;
	int ri, rc = -1;

	if (t == NULL || t->store == NULL)
		return 0;
	if ((f = calloc(1, sizeof(*f))) == NULL) {
		snprintf(err, errlen, "%s: out of memory", store_path(t->store));
		return -1;
	}
	buf_init(&f->subject, TICKET_VALUE_MAX);
	if (env->route == NULL && ticket_route(t, env, out->p ? out->p : "",
	    out->len) < 0) {
		snprintf(err, errlen, "%s: out of memory", store_path(t->store));
		goto done;
	}
	ri = route_index(t, env->route);
	fmt = route_tag_format(t->routes, ri);
	collect(t, env, res, out, f);
	cls = autoreply_classify(out->p ? out->p : "", out->len, env->sender,
	    t->c->store.loop_id);
	tag = tag_find(fmt, f->subject.p ? f->subject.p : "", f->subject.len);
	if (store_find_ticket(t->store, f->idp, f->nids, f->nreply, tag, &found,
	    &how) < 0)
		goto fail;
	if (cls != AUTOREPLY_NONE && t->auto_mode != AUTO_ATTACH) {
		rc = t->auto_mode == AUTO_DROP ? 1 : 0;
		goto done;
	}
	if (cls != AUTOREPLY_NONE && found == 0) {
		rc = 0;		/* nothing to attach it to: forwarded as is */
		goto done;
	}
	memset(&m, 0, sizeof(m));
	subject_text(&f->subject, subj, sizeof(subj));
	m.ticket = found;
	m.tag = tag;
	m.open_ticket = cls == AUTOREPLY_NONE;
	m.route = env->route;
	m.mailbox = env->nrcpts ? env->rcpts[0] : NULL;
	m.message_id = f->msgid;
	m.refs = f->idp;
	m.nrefs = f->nids;
	m.size = out->len;
	m.direction = "in";
	m.subject = subj;
	m.auto_class = autoreply_name(cls);
	m.counts_json = f->counts;
	m.stripped_recipients = res ? res->stripped_recipients : 0;
	m.attachments_dropped = res ? res->attachments_dropped : 0;
	m.sender = f->nparties && strcmp(f->parties[0].role, "requester") == 0 ?
	    f->parties[0].addr : NULL;
	m.parties = f->parties;
	m.nparties = cls == AUTOREPLY_NONE ? f->nparties : 0;
	if (store_record(t->store, &m, &env->ticket, &env->store_msg) < 0)
		goto fail;
	if (env->ticket && tag_copy(fmt, env->ticket, out) < 0) {
		snprintf(err, errlen, "%s: out of memory tagging the message",
		    store_path(t->store));
		goto done;
	}
	rc = 0;
	goto done;
fail:
	snprintf(err, errlen, "%s", store_error(t->store));
done:
	buf_free(&f->subject);
	explicit_bzero(f, sizeof(*f));
	free(f);
	return rc;
}

/* ticket_delivered - the delivery outcome of a recorded message */
int
ticket_delivered(struct ticket_ctx *t, long long store_msg,
    const char *state, const char *reply)
{
	if (t == NULL || t->store == NULL || store_msg <= 0)
		return 0;
	return store_delivered(t->store, store_msg, state, reply);
}

/* --- the scrub command's hook ------------------------------------------ */

static struct ticket_ctx *scrub_ctx;
static int scrub_disabled;

/* ticket_scrub_disable - see ticket.h */
void
ticket_scrub_disable(void)
{
	scrub_disabled = 1;
}

/* scrub_close - at exit: close the store (checkpoints the WAL) */
static void
scrub_close(void)
{
	ticket_close(&scrub_ctx);
}

/* scrub_envelope - what an offline message says of its envelope: To as
 * the recipients */
static int
scrub_envelope(const char *msg, size_t len, struct envelope *env)
{
	char a[TICKET_ADDR_MAX];
	struct buf b;
	size_t pos = 0;
	int rc = 0;

	buf_init(&b, TICKET_VALUE_MAX);
	if (autoreply_header(msg, len, "to", 0, &b) == 1)
		while (rc == 0 && env->nrcpts < TICKET_MAX_PARTIES &&
		    autoreply_addr_next(b.p, b.len, &pos, a, sizeof(a)))
			rc |= envelope_add_rcpt(env, a);
	buf_free(&b);
	explicit_bzero(a, sizeof(a));
	return rc;
}

/* ticket_scrub_hook - see ticket.h */
int
ticket_scrub_hook(const struct config *c, const char *in, size_t len,
    struct scrub_result *res, char *err, size_t errlen)
{
	struct envelope env;
	int rc;

	/* the offline command records only when the config file has a
	 * [store] section: without one it stays a pure converter that
	 * writes nothing but its output */
	if (scrub_disabled || c->store.line == 0)
		return 0;
	if (scrub_ctx == NULL) {
		if ((scrub_ctx = ticket_open(c, err, errlen)) == NULL)
			return EX_CANTCREAT;
		atexit(scrub_close);
	}
	if (!res->changed) {
		buf_reset(&res->out);
		if (buf_append(&res->out, in, len) < 0) {
			snprintf(err, errlen, "out of memory");
			return EX_OSERR;
		}
	}
	envelope_init(&env);
	if (scrub_envelope(res->out.p, res->out.len, &env) < 0) {
		envelope_free(&env);
		snprintf(err, errlen, "out of memory");
		return EX_OSERR;
	}
	/* the offline scrub knows no envelope sender: env.sender stays NULL
	 * (not "", which would read as a bounce); an auto-reply to drop is
	 * still written: an offline conversion loses no message */
	rc = ticket_apply(scrub_ctx, &env, res, &res->out, err, errlen);
	envelope_free(&env);
	if (rc < 0)
		return EX_TEMPFAIL;
	res->changed = 1;
	return 0;
}
