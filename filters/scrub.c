/* scrub - parse, redact and splice one message (see scrub.h).
 *
 * The walk: a cheap pre-screen of the raw bytes (size, line length,
 * degenerate boundaries, a bound on structural parts) guards libetpan,
 * which has no nesting limit and known parser bugs; then mailmime_parse
 * builds the tree, which borrows the input buffer (every dt_data and
 * mm_mime_start points into it) until mailmime_free.  A pre-pass over
 * every header block learns the known entities before any text is
 * scanned.  Nothing is
 * re-serialised by libetpan: every change is an edit of a byte range of the
 * input (struct edits, global offsets), and splice_apply copies everything
 * else verbatim.  Header blocks are split by header.c; leaves are decoded
 * (codec.c), converted (charset.c), redacted (recognize.c, redact.c,
 * html.c) and, only when they changed, re-encoded.
 */
#include "scrub.h"

#include <libetpan/libetpan.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "attach.h"
#include "bytes.h"
#include "charset.h"
#include "codec.h"
#include "edits.h"
#include "header.h"
#include "mimeedit.h"
#include "recipients.h"
#include "recognize.h"
#include "redact.h"
#include "rfc2047.h"
#include "scrub_int.h"

/* scrub_policy_create - compile what the spec asks for */
struct scrub_policy *
scrub_policy_create(const struct policy_spec *spec, const char **error_r)
{
	struct scrub_policy *p;

	if ((p = calloc(1, sizeof(*p))) == NULL) {
		*error_r = "out of memory";
		return NULL;
	}
	p->spec = spec;
	if ((p->rec = recognizer_create(spec, error_r)) == NULL) {
		free(p);
		return NULL;
	}
	return p;
}

void
scrub_policy_destroy(struct scrub_policy **pp)
{
	if (*pp == NULL)
		return;
	recognizer_destroy(&(*pp)->rec);
	free(*pp);
	*pp = NULL;
}

const struct policy_spec *
scrub_policy_spec(const struct scrub_policy *p)
{
	return p->spec;
}

void
scrub_result_init(struct scrub_result *r)
{
	memset(r, 0, sizeof(*r));
	buf_init(&r->out, 0);
	buf_init(&r->explain, 0);
}

void
scrub_result_free(struct scrub_result *r)
{
	buf_free(&r->out);
	buf_free(&r->explain);
}

/* fail - record the first error and where it happened */
int
scrub_fail(struct scrub_ctx *c, enum scrub_err e, const char *where)
{
	if (c->res->err == ERR_OK) {
		c->res->err = e;
		snprintf(c->res->err_detail, sizeof(c->res->err_detail), "%s: %s",
		    where, scrub_err_info(e)->text);
	}
	return -1;
}

/* scrub_scan_cut - scrub_scan_text, but a finding that starts before cut
 * ends there at the latest (a file name's extension stays) */
int
scrub_scan_cut(struct scrub_ctx *c, const char *text, size_t len, size_t cut,
    struct edits *out)
{
	const struct policy_spec *spec = c->p->spec;
	enum scrub_err err = ERR_OK;

	edits_reset(out);
	if (recognizer_scan(c->p->rec, text, len, &c->ents, &c->findings, &err) < 0)
		return scrub_fail(c, err ? err : ERR_MATCH_LIMIT, c->where);
	for (size_t i = 0; i < c->findings.n; i++) {
		const struct finding *f = &c->findings.v[i];
		size_t end = f->start < cut && f->end > cut ? cut : f->end;

		if (spec->kinds[f->kind].action == ACTION_OFF)
			continue;
		buf_reset(&c->rep);
		if (redact_replacement(spec, f->kind, text + f->start,
		    end - f->start, &c->rep) < 0 ||
		    edits_add(out, f->start, end, c->rep.p, c->rep.len) < 0)
			return scrub_fail(c, ERR_NOMEM, c->where);
		c->res->counts[f->kind]++;
		if (c->flags & SCRUB_EXPLAIN) {
			buf_printf(&c->res->explain, "  %s: %s at %zu-%zu \"", c->where,
			    policy_kind_name(spec, f->kind), f->start, end);
			redact_preview(text + f->start, end - f->start, &c->res->explain);
			buf_puts(&c->res->explain, "\"\n");
		}
	}
	return 0;
}

/* scan_text - the text_redact_fn every carrier uses: recognize, then
 * turn each finding into a replacement, counting and explaining */
int
scrub_scan_text(void *vctx, const char *text, size_t len, struct edits *out)
{
	return scrub_scan_cut(vctx, text, len, len, out);
}

/* add_edit - one global splice */
int
scrub_edit(struct scrub_ctx *c, size_t start, size_t end, const char *rep,
    size_t rep_len)
{
	if (edits_add(&c->splices, start, end, rep, rep_len) < 0)
		return scrub_fail(c, ERR_NOMEM, c->where);
	return 0;
}

/* ci_find - case-insensitive search for lower-case needle (starting with
 * a letter) in s[0..len) */
static const char *
ci_find(const char *s, size_t len, const char *needle)
{
	size_t n = strlen(needle);

	for (size_t i = 0; i + n <= len; i++)
		if (bytes_lower((unsigned char)s[i]) == (unsigned char)needle[0] &&
		    bytes_same_ci(s + i, needle, n))
			return s + i;
	return NULL;
}

/* scrub_ct_line_is_structural - a Content-Type line naming a multipart or
 * message type: each one may become a level of libetpan's recursion */
int
scrub_ct_line_is_structural(const char *line, size_t len)
{
	return ci_find(line, len, "multipart") != NULL ||
	    ci_find(line, len, "message/") != NULL;
}

/* scrub_line_has_bad_boundary - a boundary parameter libetpan 1.9.4
 * mishandles: quoted and empty or unterminated, longer than 200 octets,
 * or quoted with a backslash or quote inside (boundary="\"" underflows
 * its extractor).  An empty unquoted value is no parameter for libetpan
 * and harmless; it must pass, because a quoted-printable body line
 * "Content-Type: ...; boundary=" ending in a soft line break is one (the
 * line is checked wherever it is: a re-encoded body that failed the
 * second scrub, found by fuzz_scrub). */
int
scrub_line_has_bad_boundary(const char *line, size_t len)
{
	const char *b = ci_find(line, len, "boundary"), *end = line + len, *q;

	if (b == NULL)
		return 0;
	b += 8;
	while (b < end && (*b == ' ' || *b == '\t'))
		b++;
	if (b >= end || *b != '=')
		return 0;
	b++;
	while (b < end && (*b == ' ' || *b == '\t'))
		b++;
	if (b < end && *b == '"') {
		for (q = b + 1; q < end && *q != '"'; q++)
			if (*q == '\\')
				return 1;
		return q >= end || q == b + 1 || q - b > 201;
	}
	for (q = b; q < end && !strchr(" \t\r\n;", *q); q++)
		;
	return q - b > 200;
}

/* prescreen - bounds libetpan relies on us to check: message size, line
 * length, boundary parameters that trigger its known bugs, and a bound on
 * the number of structural Content-Type lines (so recursion stays shallow) */
static int
prescreen(struct scrub_ctx *c, const char *in, size_t len)
{
	const struct scrub_limits *lim = &c->p->spec->limits;
	size_t pos = 0, structural = 0;
	int in_ct = 0;

	if (len > lim->max_message_size)
		return scrub_fail(c, ERR_MESSAGE_SIZE, "message");
	while (pos < len) {
		const char *nl = memchr(in + pos, '\n', len - pos);
		size_t end = nl ? (size_t)(nl - in) + 1 : len;
		const char *line = in + pos;
		size_t llen = end - pos;

		if (llen > lim->max_line_length)
			return scrub_fail(c, ERR_LINE_LENGTH, "message");
		if (llen >= 13 && (line[0] == 'C' || line[0] == 'c') &&
		    strncasecmp(line, "content-type:", 13) == 0) {
			in_ct = 1;
			if (scrub_ct_line_is_structural(line, llen) && ++structural > lim->max_parts)
				return scrub_fail(c, ERR_PARTS, "message");
		} else if (!(llen > 0 && (line[0] == ' ' || line[0] == '\t')))
			in_ct = 0;
		if (in_ct && scrub_line_has_bad_boundary(line, llen))
			return scrub_fail(c, ERR_BAD_BOUNDARY, "message");
		pos = end;
	}
	return 0;
}

static int walk(struct scrub_ctx *c, struct mailmime *m, unsigned depth,
    size_t hb_start, size_t hb_end);

/* data_span - offsets of a libetpan data block inside the input; -1 when
 * it does not point into it (never expected: the tree borrows the input) */
static int
data_span(const struct scrub_ctx *c, const struct mailmime_data *d,
    size_t *start_r, size_t *end_r)
{
	const char *p;

	if (d == NULL || d->dt_type != MAILMIME_DATA_TEXT)
		return -1;
	p = d->dt_data.dt_text.dt_data;
	if (p < c->in || p > c->in + c->len ||
	    d->dt_data.dt_text.dt_length > (size_t)(c->in + c->len - p))
		return -1;
	*start_r = (size_t)(p - c->in);
	*end_r = *start_r + d->dt_data.dt_text.dt_length;
	return 0;
}

/* field_line - p starts with "name:" (RFC 5322 ftext, then optional
 * blanks, then a colon) */
static int
field_line(const char *p, size_t n)
{
	size_t i = 0;

	while (i < n && (unsigned char)p[i] > 32 && (unsigned char)p[i] < 127 &&
	    p[i] != ':')
		i++;
	if (i == 0)
		return 0;
	while (i < n && (p[i] == ' ' || p[i] == '\t'))
		i++;
	return i < n && p[i] == ':';
}

/* header_stop - where libetpan's body of child starts when that lies
 * inside [hs, he): a line that is neither a field nor a continuation ends
 * the header for libetpan (as for Postfix), and from there on it is body
 * text.  Our header block must end there too, or the header and the body
 * would both claim (and edit) the same bytes. */
static size_t
header_stop(struct scrub_ctx *c, const struct mailmime *child,
    size_t hs, size_t he, int record)
{
	size_t bs, be;

	if (child == NULL)
		return he;
	if (child->mm_type == MAILMIME_SINGLE) {
		if (data_span(c, child->mm_body, &bs, &be) < 0)
			return he;
	} else if (child->mm_mime_start >= c->in &&
	    child->mm_mime_start <= c->in + c->len) {
		bs = (size_t)(child->mm_mime_start - c->in);
	} else {
		return he;
	}
	/* bs == hs: not even the first line is a field, the header is empty
	 * (for a single part: a multipart's mm_mime_start is the start of
	 * its message, header included) */
	if (bs < hs || bs >= he ||
	    (bs == hs && child->mm_type != MAILMIME_SINGLE))
		return he;
	/* a field libetpan did not take (the last one, unterminated) stays
	 * where it is; a line that is no field gets the empty line */
	if (record && !field_line(c->in + bs, he - bs)) {
		if (c->nseps < sizeof(c->seps) / sizeof(c->seps[0]))
			c->seps[c->nseps] = bs;
		c->nseps++;
	}
	return bs;
}

/* walk_message - a message (the root or a message/rfc822 part): its
 * header block is redacted, then its body part is walked with that block
 * as the body's Content-* header */
static int
walk_message(struct scrub_ctx *c, struct mailmime *m, unsigned depth)
{
	size_t ms, me, hb_end;
	struct mailmime *child = m->mm_data.mm_message.mm_msg_mime;

	if (data_span(c, m->mm_body, &ms, &me) < 0)
		return scrub_fail(c, ERR_PARSE, "message");
	hb_end = ms + header_block_end(c->in + ms, me - ms);
	hb_end = header_stop(c, child, ms, hb_end, 1);
	if (hb_end - ms > c->p->spec->limits.max_header_size)
		return scrub_fail(c, ERR_HEADER_SIZE, c->path);
	if (scrub_headers(c, ms, hb_end, depth == 0) < 0)
		return -1;
	if (child == NULL)
		return 0;
	return walk(c, child, depth + 1, ms, hb_end);
}

/* walk_multipart - every child, numbered 1, 2, ... under the parent path */
static int
walk_multipart(struct scrub_ctx *c, struct mailmime *m, unsigned depth)
{
	size_t plen = strlen(c->path), n = 0;

	for (clistiter *it = clist_begin(m->mm_data.mm_multipart.mm_mp_list);
	    it != NULL; it = clist_next(it)) {
		struct mailmime *part = clist_content(it);
		size_t ps = (size_t)(part->mm_mime_start - c->in), pe;

		if (part->mm_mime_start < c->in ||
		    part->mm_length > c->len - ps)
			return scrub_fail(c, ERR_PARSE, c->path);
		pe = ps + header_block_end(c->in + ps, part->mm_length);
		snprintf(c->path + plen, sizeof(c->path) - plen, "%s%zu",
		    plen ? "." : "", ++n);
		/* a body part's own fields (X-Owner:, Content-Description:
		 * ...) are scanned like a message's; Content-* stay */
		if (part->mm_type == MAILMIME_SINGLE)
			pe = header_stop(c, part, ps, pe, 1);
		if (pe > ps && scrub_headers(c, ps, pe, 0) < 0)
			return -1;
		/* a leaf's names wait for its attachment policy (scrub_leaf) */
		if (part->mm_type != MAILMIME_SINGLE && pe > ps &&
		    scrub_names(c, ps, pe) < 0)
			return -1;
		if (walk(c, part, depth + 1, ps, pe) < 0)
			return -1;
	}
	c->path[plen] = '\0';
	return 0;
}

/* walk - one node; hb_start..hb_end is the header block holding its
 * Content-* fields (the part's own, or the enclosing message's) */
static int
walk(struct scrub_ctx *c, struct mailmime *m, unsigned depth, size_t hb_start,
    size_t hb_end)
{
	const struct scrub_limits *lim = &c->p->spec->limits;

	if (depth > lim->max_depth)
		return scrub_fail(c, ERR_NESTING, c->path[0] ? c->path : "message");
	if (++c->nparts > lim->max_parts)
		return scrub_fail(c, ERR_PARTS, c->path[0] ? c->path : "message");
	switch (m->mm_type) {
	case MAILMIME_MESSAGE:
		return walk_message(c, m, depth);
	case MAILMIME_MULTIPLE:
		return walk_multipart(c, m, depth);
	case MAILMIME_SINGLE:
		if (c->path[0] == '\0')
			strcpy(c->path, "1");
		return scrub_leaf(c, m, hb_start, hb_end);
	}
	return scrub_fail(c, ERR_PARSE, c->path);
}

/* learn - the pre-pass: the known entities of every header block the walk
 * will scrub, learnt before any text is scanned.  It reads the same blocks
 * as walk within the same limits and reports nothing: where the walk will
 * fail, it stops. */
static void
learn(struct scrub_ctx *c, struct mailmime *m, unsigned depth,
    unsigned *nparts)
{
	const struct scrub_limits *lim = &c->p->spec->limits;
	struct mailmime *child;
	size_t ms, me, he;

	if (depth > lim->max_depth || ++*nparts > lim->max_parts)
		return;
	if (m->mm_type == MAILMIME_MESSAGE) {
		child = m->mm_data.mm_message.mm_msg_mime;
		if (data_span(c, m->mm_body, &ms, &me) < 0)
			return;
		he = header_stop(c, child, ms,
		    ms + header_block_end(c->in + ms, me - ms), 0);
		if (he - ms > lim->max_header_size)
			return;
		scrub_learn_entities(c, ms, he, depth == 0);
		if (child != NULL)
			learn(c, child, depth + 1, nparts);
		return;
	}
	if (m->mm_type != MAILMIME_MULTIPLE)
		return;
	for (clistiter *it = clist_begin(m->mm_data.mm_multipart.mm_mp_list);
	    it != NULL; it = clist_next(it)) {
		struct mailmime *part = clist_content(it);
		size_t ps = (size_t)(part->mm_mime_start - c->in);

		if (part->mm_mime_start < c->in || part->mm_length > c->len - ps)
			return;
		he = ps + header_block_end(c->in + ps, part->mm_length);
		if (part->mm_type == MAILMIME_SINGLE)
			he = header_stop(c, part, ps, he, 0);
		if (he > ps)
			scrub_learn_entities(c, ps, he, 0);
		learn(c, part, depth + 1, nparts);
	}
}

/* message_id - the root's Message-ID, unfolded, printable ASCII only */
static void
message_id(struct scrub_ctx *c, struct mailmime *root)
{
	struct mailimf_fields *f = root->mm_data.mm_message.mm_fields;
	char *out = c->res->message_id;
	size_t n = 0;

	if (f == NULL)
		return;
	for (clistiter *it = clist_begin(f->fld_list); it; it = clist_next(it)) {
		struct mailimf_field *fld = clist_content(it);

		if (fld->fld_type != MAILIMF_FIELD_MESSAGE_ID ||
		    fld->fld_data.fld_message_id->mid_value == NULL)
			continue;
		for (const char *s = fld->fld_data.fld_message_id->mid_value;
		    *s && n < sizeof(c->res->message_id) - 1; s++)
			if (*s > ' ' && *s < 127 && *s != '"' && *s != '\\')
				out[n++] = *s;
		out[n] = '\0';
		return;
	}
}

static void
ctx_free(struct scrub_ctx *c)
{
	findings_free(&c->findings);
	entities_free(&c->ents);
	entities_free(&c->keep);
	edits_free(&c->splices);
	edits_free(&c->text_edits);
	buf_free(&c->rep);
}

/* scrub_message - see scrub.h */
int
scrub_message(const struct scrub_policy *p, const char *in, size_t len,
    int flags, struct scrub_result *res)
{
	struct scrub_ctx c;
	struct mailmime *root = NULL;
	size_t idx = 0;
	int r;

	memset(&c, 0, sizeof(c));
	c.p = p;
	c.in = in;
	c.len = len;
	c.flags = flags;
	c.res = res;
	c.where = "message";
	c.eol = header_eol(in, len);
	findings_init(&c.findings);
	entities_init(&c.ents);
	entities_init(&c.keep);
	edits_init(&c.splices);
	edits_init(&c.text_edits);
	buf_init(&c.rep, 0);
	buf_reset(&res->out);
	res->err = ERR_OK;

	if (prescreen(&c, in, len) < 0)
		goto fail;
	/* the tree borrows in[] until mailmime_free below */
	r = mailmime_parse(in, len, &idx, &root);
	if (r != MAILIMF_NO_ERROR || root == NULL || root->mm_type != MAILMIME_MESSAGE) {
		scrub_fail(&c, r == MAILIMF_ERROR_MEMORY ? ERR_NOMEM : ERR_PARSE, "message");
		goto fail;
	}
	message_id(&c, root);
	learn(&c, root, 0, &c.nparts);
	c.nparts = 0;
	if (walk(&c, root, 0, 0, 0) < 0)
		goto fail;
	if (c.splices.n > 0 && c.nseps > sizeof(c.seps) / sizeof(c.seps[0])) {
		scrub_fail(&c, ERR_PARSE, "message");
		goto fail;
	}
	for (unsigned i = 0; c.splices.n > 0 && i < c.nseps; i++)
		if (scrub_edit(&c, c.seps[i], c.seps[i], c.eol,
		    strlen(c.eol)) < 0)
			goto fail;
	res->out.max = len + len / 2 + 65536;
	/* one allocation: the output is at most the input plus the edits */
	if (c.splices.reps.len <= res->out.max - len)
		buf_reserve(&res->out, len + c.splices.reps.len);
	if (splice_apply(in, len, &c.splices, &res->out) < 0) {
		scrub_fail(&c, ERR_NOMEM, "message");
		goto fail;
	}
	res->changed = c.splices.n > 0 &&
	    (res->out.len != len || memcmp(res->out.p, in, len) != 0);
	mailmime_free(root);
	ctx_free(&c);
	return 0;
fail:
	if (root)
		mailmime_free(root);
	ctx_free(&c);
	buf_reset(&res->out);
	if (res->err == ERR_OK)
		res->err = ERR_PARSE;
	return -1;
}
