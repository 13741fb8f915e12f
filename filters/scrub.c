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

/* field_line - p starts with a field name, then optional blanks, then a
 * colon: the name in RFC 5322 ftext, or (loose) as libetpan and Postfix
 * read one, 8-bit bytes too; never control characters */
static int
field_line(const char *p, size_t n, int loose)
{
	size_t i = 0;
	unsigned char b;

	while (i < n && (b = (unsigned char)p[i]) > 32 && b != 127 &&
	    b != ':' && (loose || b < 128))
		i++;
	if (i == 0)
		return 0;
	while (i < n && (p[i] == ' ' || p[i] == '\t'))
		i++;
	return i < n && p[i] == ':';
}

/* body_start - where libetpan's body of child starts (after its header
 * and the empty line, if any); -1 when it does not say */
static int
body_start(const struct scrub_ctx *c, const struct mailmime *child,
    size_t *bs_r)
{
	size_t be;

	if (child == NULL)
		return -1;
	return data_span(c, child->mm_body, bs_r, &be);
}

/* after_empty_line - in[pos] starts a line and an empty line ends just
 * before it */
static int
after_empty_line(const struct scrub_ctx *c, size_t pos)
{
	if (pos == 0 || c->in[pos - 1] != '\n')
		return 0;
	pos--;
	if (pos > 0 && c->in[pos - 1] == '\r')
		pos--;
	return pos == 0 || c->in[pos - 1] == '\n';
}

/* add_sep - an empty line to insert at pos when the message changes
 * (once per place) */
static void
add_sep(struct scrub_ctx *c, size_t pos)
{
	unsigned n = c->nseps < sizeof(c->seps) / sizeof(c->seps[0]) ?
	    c->nseps : sizeof(c->seps) / sizeof(c->seps[0]);

	for (unsigned i = 0; i < n; i++)
		if (c->seps[i] == pos)
			return;
	if (c->nseps < sizeof(c->seps) / sizeof(c->seps[0]))
		c->seps[c->nseps] = pos;
	c->nseps++;
}

/* header_stop - where libetpan's body of child starts when that lies
 * inside [hs, he): a line that is neither a field nor a continuation ends
 * the header for libetpan (as for Postfix), and from there on it is body
 * text.  Our header block must end there too, or the header and the body
 * would both claim (and edit) the same bytes; for a multipart only when
 * its first part starts inside (else the lines up to the empty line are
 * its preamble, which no part claims, and they are scanned with the
 * header).  A body that starts after
 * he (a field libetpan read across the empty line) is left to the caller
 * (header_gap). */
static size_t
header_stop(struct scrub_ctx *c, const struct mailmime *child,
    size_t hs, size_t he, int record)
{
	size_t bs;
	struct mailmime *first;

	if (body_start(c, child, &bs) < 0 || bs < hs || bs >= he)
		return he;
	/* a multipart's lines before its first part (preamble) may stay in
	 * the header block, as long as no part starts there */
	if (child->mm_type == MAILMIME_MULTIPLE &&
	    ((first = clist_begin(child->mm_data.mm_multipart.mm_mp_list) ?
	    clist_content(clist_begin(child->mm_data.mm_multipart.mm_mp_list)) :
	    NULL) == NULL || first->mm_mime_start < c->in ||
	    (size_t)(first->mm_mime_start - c->in) >= he))
		return he;
	/* a last field left unterminated, which libetpan did not take,
	 * stays where it is (other readers take it as a field); any other
	 * line there gets the empty line (record), so that the header
	 * ends where libetpan ended it even when the body is rewritten: a
	 * field line libetpan did not take ("Cc: simple@" and 8-bit bytes)
	 * could read as a field once its bytes are re-encoded (a fuzz_scrub
	 * finding).  Not for a body part (record 2) that has one already:
	 * libetpan starts a part after the blank lines below its delimiter,
	 * the empty line that ends its empty header.  The empty line above a
	 * message in a message/rfc822 part ends the part's header, not the
	 * message's. */
	if (record && field_line(c->in + bs, he - bs, 0) &&
	    memchr(c->in + bs, '\n', c->len - bs) == NULL) {
		if (c->pinned == 0 || bs < c->pinned)
			c->pinned = bs;	/* see scrub_message */
	} else if (record && !(record == 2 && after_empty_line(c, bs)))
		add_sep(c, bs);
	return bs;
}

/* field_named - the line p starts a field whose name is one of names */
static int
field_named(const char *p, size_t n, const char *const *names, size_t count)
{
	size_t i = 0;

	while (i < n && p[i] != ':' && p[i] != ' ' && p[i] != '\t')
		i++;
	for (size_t k = 0; k < count; k++)
		if (strlen(names[k]) == i && strncasecmp(p, names[k], i) == 0)
			return 1;
	return 0;
}

/* address_field - the line starts a field libetpan reads as addresses
 * (display names are phrases, where its encoded-word parser runs across
 * line breaks) */
static int
address_field(const char *p, size_t n)
{
	static const char *const names[] = { "from", "sender", "reply-to",
	    "to", "cc", "bcc", "resent-from", "resent-sender", "resent-to",
	    "resent-cc", "resent-bcc" };

	return field_named(p, n, names, sizeof(names) / sizeof(names[0]));
}

/* recipient_field - the line starts a Cc, Bcc, Resent-Cc or Resent-Bcc
 * field: nameless lines right after it are read as the rest of it (folded
 * without the blank) and go with it when it is removed (scrub_headers) */
static int
recipient_field(const char *p, size_t n)
{
	static const char *const names[] = { "cc", "bcc", "resent-cc",
	    "resent-bcc" };

	return field_named(p, n, names, sizeof(names) / sizeof(names[0]));
}

/* header_gap - libetpan's body of child starts beyond where every other
 * reader ends the header block in[hs..he): after its empty line, or
 * after a line that is neither a field nor a continuation (an encoded
 * word opened in an address field and not closed on its line: libetpan's
 * phrase parser reads across line breaks to the next "?=").  The lines
 * between would be scanned as header fields (or not at all) where others
 * see body text, and a second scrub that removed the field would see them
 * as body. */
static int
header_gap(const struct scrub_ctx *c, const struct mailmime *child,
    size_t hs, size_t he)
{
	const char *nl;
	size_t bs, pos, end;
	int cc = 0;

	if (body_start(c, child, &bs) < 0)
		return 0;
	if (bs > he)
		return 1;
	for (pos = hs; pos < bs; pos = end) {
		nl = memchr(c->in + pos, '\n', bs - pos);
		end = nl ? (size_t)(nl - c->in) + 1 : bs;
		if (c->in[pos] == '\n' || (c->in[pos] == '\r' &&
		    end - pos == 2 && c->in[pos + 1] == '\n'))
			return 0;	/* the empty line */
		if (c->in[pos] == ' ' || c->in[pos] == '\t')
			continue;
		if (field_line(c->in + pos, end - pos, 1))
			cc = recipient_field(c->in + pos, end - pos);
		else if (!cc)	/* lines right after a Cc go with it */
			return 1;
	}
	return 0;
}

/* follows_delimiter - the part starting at ps comes right after a
 * delimiter line of its multipart m ("--b", blanks, line break; blank
 * lines may follow: libetpan skips them before the first part, and one
 * after every other delimiter).  Where
 * libetpan found no delimiter line (a boundary that never appears, or
 * only as the start of a longer line), it makes a part of the text after
 * the last "--" at the start of a line anyway; other readers see no part
 * there, and a rewrite (an empty line, a new field, a re-encoded body)
 * moves where libetpan starts it the next time. */
static int
follows_delimiter(const struct scrub_ctx *c, const struct mailmime *m,
    size_t ps)
{
	const char *b = m->mm_content_type ?
	    mailmime_content_param_get(m->mm_content_type, (char *)"boundary") :
	    NULL;
	size_t bl, ms, me, ls, i;

	if (b == NULL || data_span(c, m->mm_body, &ms, &me) < 0)
		return 0;
	bl = strlen(b);
	while (ps > ms && c->in[ps - 1] == '\n') {
		for (ls = ps - 1; ls > ms && c->in[ls - 1] != '\n'; ls--)
			;
		if (ps - ls >= bl + 3 && c->in[ls] == '-' &&
		    c->in[ls + 1] == '-' && memcmp(c->in + ls + 2, b, bl) == 0) {
			for (i = ls + 2 + bl; i < ps - 1 &&
			    strchr(" \t\r", c->in[i]) != NULL; i++)
				;
			return i == ps - 1;
		}
		for (i = ls; i < ps - 1 && strchr(" \t\r", c->in[i]) != NULL; i++)
			;
		if (i < ps - 1)
			return 0;
		ps = ls;
	}
	return 0;
}

/* dangling_word - an address field of the header block in[hs..he) holds
 * an encoded word opened ("=?") and not closed ("?=") before the field
 * ends (with the nameless lines right after a Cc):
 * libetpan's phrase parser reads on across line breaks to the next "?=",
 * wherever that is (header_gap catches it when that is already there) */
static int
dangling_word(const struct scrub_ctx *c, size_t hs, size_t he)
{
	const char *p = c->in + hs, *end = c->in + he, *fe, *nl, *q;

	while (p < end) {
		for (fe = p; fe < end; fe = nl + 1) {
			if ((nl = memchr(fe, '\n', (size_t)(end - fe))) == NULL) {
				fe = end;
				break;
			}
			if (nl + 1 >= end || (nl[1] != ' ' && nl[1] != '\t' &&
			    (!recipient_field(p, (size_t)(end - p)) ||
			    nl[1] == '\n' || nl[1] == '\r' ||
			    field_line(nl + 1, (size_t)(end - nl - 1), 1)))) {
				fe = nl + 1;
				break;
			}
		}
		/* "=?" charset "?" encoding "?" text "?=", read left to right */
		for (q = p; address_field(p, (size_t)(fe - p)) &&
		    (q = memmem(q, (size_t)(fe - q), "=?", 2)) != NULL;) {
			const char *t = memchr(q + 2, '?', (size_t)(fe - q - 2));

			if (t != NULL)
				t = memchr(t + 1, '?', (size_t)(fe - t - 1));
			if (t == NULL)
				break;		/* no encoded word */
			if ((q = memmem(t + 1, (size_t)(fe - t - 1), "?=", 2)) == NULL)
				return 1;
			q += 2;
		}
		p = fe;
	}
	return 0;
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
	if (header_gap(c, child, ms, hb_end))
		return scrub_fail(c, ERR_PARSE, c->path[0] ? c->path : "message");
	hb_end = header_stop(c, child, ms, hb_end, 1);
	if (dangling_word(c, ms, hb_end))
		c->dangling = 1;
	if (hb_end - ms > c->p->spec->limits.max_header_size)
		return scrub_fail(c, ERR_HEADER_SIZE, c->path);
	if (scrub_headers(c, ms, hb_end, depth == 0) < 0)
		return -1;
	if (child == NULL)
		return 0;
	return walk(c, child, depth + 1, ms, hb_end);
}

/* walk_part - one child of a multipart; pe is the end of its header */
static int
walk_part(struct scrub_ctx *c, struct mailmime *part, unsigned depth,
    size_t ps, size_t pe)
{
	/* a body part's own fields (X-Owner:, Content-Description: ...) are
	 * scanned like a message's; Content-* stay */
	if (pe > ps && scrub_headers(c, ps, pe, 0) < 0)
		return -1;
	/* a leaf's names wait for its attachment policy (scrub_leaf) */
	if (part->mm_type != MAILMIME_SINGLE && pe > ps &&
	    scrub_names(c, ps, pe) < 0)
		return -1;
	return walk(c, part, depth + 1, ps, pe);
}

/* margin_text - a multipart's preamble or epilogue, from hb_end on (the
 * header block may hold its first lines): no reader shows it as a part,
 * but where the boundary parameter does not match the delimiter lines
 * the whole text of the message is there.  What is found is replaced in
 * place; a finding on a line that starts with '-' or across a line break
 * could change where a reader sees a delimiter, and fails closed. */
static int
margin_text(struct scrub_ctx *c, size_t s, size_t e, size_t hb_end,
    const char *what)
{
	const struct edits *te = &c->text_edits;
	size_t ls;

	if (s < hb_end)
		s = hb_end;
	if (e <= s)
		return 0;
	snprintf(c->wherebuf, sizeof(c->wherebuf), "part %s %s",
	    c->path[0] ? c->path : "1", what);
	c->where = c->wherebuf;
	if (scrub_scan_text(c, c->in + s, e - s, &c->text_edits) < 0)
		return -1;
	for (size_t i = 0; i < te->n; i++) {
		size_t fs = s + te->v[i].start, fe = s + te->v[i].end;

		for (ls = fs; ls > 0 && c->in[ls - 1] != '\n'; ls--)
			;
		if (c->in[ls] == '-' ||
		    memchr(c->in + fs, '\n', fe - fs) != NULL ||
		    memchr(te->reps.p + te->v[i].rep_off, '\n',
		    te->v[i].rep_len) != NULL)
			return scrub_fail(c, ERR_BAD_BOUNDARY, c->where);
	}
	for (size_t i = 0; i < te->n; i++)
		if (scrub_edit(c, s + te->v[i].start, s + te->v[i].end,
		    te->reps.p + te->v[i].rep_off, te->v[i].rep_len) < 0)
			return -1;
	return 0;
}

/* epilogue_span - what follows the line after m's last part (its close
 * delimiter) to the end of m's body; libetpan 1.9.4 does not keep it */
static int
epilogue_span(const struct scrub_ctx *c, const struct mailmime *m,
    size_t *s_r, size_t *e_r)
{
	clistiter *it = clist_end(m->mm_data.mm_multipart.mm_mp_list);
	const struct mailmime *last;
	const char *nl;
	size_t ms, pos;

	if (it == NULL || data_span(c, m->mm_body, &ms, e_r) < 0)
		return -1;
	last = clist_content(it);
	if (last->mm_mime_start < c->in + ms ||
	    last->mm_length > (size_t)(c->in + *e_r - last->mm_mime_start))
		return -1;
	pos = (size_t)(last->mm_mime_start - c->in) + last->mm_length;
	if (pos < *e_r && c->in[pos] == '\r')
		pos++;
	if (pos < *e_r && c->in[pos] == '\n')
		pos++;
	if ((nl = memchr(c->in + pos, '\n', *e_r - pos)) == NULL)
		return -1;
	*s_r = (size_t)(nl - c->in) + 1;
	return 0;
}

/* margins - the preamble and the epilogue of m (margin_text) */
static int
margins(struct scrub_ctx *c, const struct mailmime *m, size_t hb_end)
{
	size_t s, e;

	/* libetpan 1.9.4 wraps the length of a preamble that is not there */
	if (data_span(c, m->mm_data.mm_multipart.mm_preamble, &s, &e) == 0 &&
	    margin_text(c, s, e, hb_end, "preamble") < 0)
		return -1;
	if (epilogue_span(c, m, &s, &e) == 0 &&
	    margin_text(c, s, e, hb_end, "epilogue") < 0)
		return -1;
	return 0;
}

/* walk_multipart - every child, numbered 1, 2, ... under the parent path.
 * A child that follows no delimiter line (follows_delimiter) is scanned,
 * but a change to it fails closed, and it gets no empty lines. */
static int
walk_multipart(struct scrub_ctx *c, struct mailmime *m, unsigned depth,
    size_t hb_end)
{
	size_t plen = strlen(c->path), n = 0;

	if (margins(c, m, hb_end) < 0)
		return -1;
	for (clistiter *it = clist_begin(m->mm_data.mm_multipart.mm_mp_list);
	    it != NULL; it = clist_next(it)) {
		struct mailmime *part = clist_content(it);
		size_t ps = (size_t)(part->mm_mime_start - c->in), pe;
		size_t nsplices = c->splices.n;
		unsigned nseps = c->nseps;
		int loose;

		if (part->mm_mime_start < c->in ||
		    part->mm_length > c->len - ps)
			return scrub_fail(c, ERR_PARSE, c->path);
		pe = ps + header_block_end(c->in + ps, part->mm_length);
		snprintf(c->path + plen, sizeof(c->path) - plen, "%s%zu",
		    plen ? "." : "", ++n);
		if (header_gap(c, part, ps, pe))
			return scrub_fail(c, ERR_PARSE, c->path);
		loose = !follows_delimiter(c, m, ps);
		pe = header_stop(c, part, ps, pe, loose ? 0 : 2);
		if (walk_part(c, part, depth, ps, pe) < 0)
			return -1;
		if (loose && c->splices.n > nsplices)
			return scrub_fail(c, ERR_BAD_BOUNDARY, c->path);
		if (loose)
			c->nseps = nseps;
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
		return walk_multipart(c, m, depth, hb_end);
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
		he = header_stop(c, part, ps,
		    ps + header_block_end(c->in + ps, part->mm_length), 0);
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
	if (c.splices.n > 0 && c.dangling) {
		scrub_fail(&c, ERR_PARSE, "message");
		goto fail;
	}
	for (size_t i = 0; c.pinned > 0 && i < c.splices.n; i++)
		if (c.splices.v[i].end > c.pinned &&
		    memchr(c.splices.reps.p + c.splices.v[i].rep_off, '\n',
		    c.splices.v[i].rep_len) != NULL) {
			scrub_fail(&c, ERR_PARSE, "last header field");
			goto fail;
		}
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
