/* scrub_headers - redact one header block and apply the Cc/Bcc policy;
 * learn the known entities of a block (before any is scrubbed); redact the
 * file names in a part's Content-Type and Content-Disposition.
 *
 * Structural and threading fields (Message-ID, References, Content-*
 * but Content-Description, Date, DKIM signatures, ...) are never touched.
 * In the outermost message the address fields of the requester and the
 * recipients (From, To, Reply-To, Sender, Return-Path) are kept so the
 * helpdesk can answer; in a forwarded message they belong to third parties
 * and are redacted like any free text.  Cc and Bcc are filtered by the
 * recipient policy at every level.
 *
 * A free-text field (and a line with no field name, which a reader sees as
 * text too) is unfolded and its encoded words decoded (RFC 2047) for the
 * scan, with a map back to the raw bytes (rfc2047_decode_map).  Only what
 * was found is replaced (header_rewrite): the name, the separator, every
 * fold and line break and every other byte of the field stay as they were;
 * what was found in encoded words is encoded anew with the words it shares
 * and nothing else.  Only when that would not give a sound field (a line
 * over 998 octets, say) is the value refolded, from the line of the first
 * change on.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "bytes.h"
#include "codec.h"
#include "header.h"
#include "mimeedit.h"
#include "recipients.h"
#include "rfc2047.h"
#include "scrub_int.h"

/* never scanned, at any level */
static const char *const skip_always[] = {
	"message-id", "in-reply-to", "references", "resent-message-id",
	"mime-version", "date", "resent-date", "dkim-signature",
	"domainkey-signature", "arc-seal", "arc-message-signature",
	"arc-authentication-results", "x-scrubgate-ticket", "list-id",
	"list-unsubscribe", "list-unsubscribe-post", "list-post", "list-help",
	"list-subscribe", "list-archive", "list-owner", "thread-index",
	NULL
};

/* kept in the outermost message: the helpdesk answers these people */
static const char *const keep_top[] = {
	"from", "to", "reply-to", "sender", "return-path", "resent-from",
	"resent-to", "resent-sender", NULL
};

static int
in_list(const char *name, size_t len, const char *const *list)
{
	for (size_t i = 0; list[i]; i++)
		if (strlen(list[i]) == len && strncasecmp(list[i], name, len) == 0)
			return 1;
	return 0;
}

static int
name_is(const char *name, size_t len, const char *what)
{
	return strlen(what) == len && strncasecmp(name, what, len) == 0;
}

/* skip_field - 1 when this field is not scanned for personal data */
static int
skip_field(const struct scrub_ctx *c, const char *name, size_t len, int top)
{
	const struct policy_spec *spec = c->p->spec;

	/* Content-* is structure, but for the one free-text field among them */
	if (len >= 8 && strncasecmp(name, "content-", 8) == 0)
		return !name_is(name, len, "content-description");
	if (len >= 11 && strncasecmp(name, "x-scrubgate", 11) == 0)
		return 1;
	if (in_list(name, len, skip_always) || (top && in_list(name, len, keep_top)))
		return 1;
	for (size_t i = 0; i < spec->nskip_headers; i++)
		if (name_is(name, len, spec->skip_headers[i]))
			return 1;
	return 0;
}

/*
 * Known entities.  Every header block of the message is read by
 * scrub_learn_entities before any text is scanned (scrub.c's pre-pass), so
 * a forwarding note above a forwarded message already knows the people in
 * that message's Cc.  Who is hunted:
 *
 *   outermost message   Cc, Bcc: [entities] cc; To: to; From, Reply-To,
 *                       Sender: requester
 *   any other block     Cc, Bcc: cc; From, To, Reply-To, Sender: always
 *                       (third parties: the requester's correspondents)
 *
 * except the people of the outermost From, Reply-To, Sender and To whose
 * switch is off (the requester and the helpdesk): they stay that wherever
 * they appear, a forwarded message's To included.  Names and addresses are
 * told apart one by one, never by pairing a name with its address: a
 * second scrub sees [EMAIL] where the first saw a forwarded message's
 * address and must decide the same for the name.  Only fields that scrub
 * keeps unchanged protect, so the second scrub protects the same people;
 * a Cc is stripped by the first, and what it taught is redacted by then.
 */

enum role { ROLE_NONE, ROLE_CC, ROLE_TO, ROLE_REQUESTER };

/* is_ws - white space as the recognizer matches it in entities */
static int
is_ws(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n';
}

struct learn {
	struct scrub_ctx *c;
	int protect;		/* 1: collect into c->keep; 0: into c->ents */
};

/* field_role - what the people of an address field are to the helpdesk */
static enum role
field_role(const char *nm, size_t nl)
{
	if (name_is(nm, nl, "cc") || name_is(nm, nl, "bcc") ||
	    name_is(nm, nl, "resent-cc") || name_is(nm, nl, "resent-bcc"))
		return ROLE_CC;
	if (name_is(nm, nl, "to"))
		return ROLE_TO;
	if (name_is(nm, nl, "from") || name_is(nm, nl, "reply-to") ||
	    name_is(nm, nl, "sender"))
		return ROLE_REQUESTER;
	return ROLE_NONE;
}

/* same_words - a and b equal but for ASCII case and the length of runs of
 * white space (as the recognizer matches entities) */
static int
same_words(const char *a, size_t alen, const char *b, size_t blen)
{
	size_t i = 0, j = 0;

	while (i < alen && j < blen) {
		if (is_ws(a[i]) != is_ws(b[j]))
			return 0;
		if (is_ws(a[i])) {
			while (i < alen && is_ws(a[i]))
				i++;
			while (j < blen && is_ws(b[j]))
				j++;
			continue;
		}
		if (bytes_lower((unsigned char)a[i]) != bytes_lower((unsigned char)b[j]))
			return 0;
		i++;
		j++;
	}
	return i == alen && j == blen;
}

/* kept - text is one of the protected people's names or addresses */
static int
kept(const struct scrub_ctx *c, const char *text, size_t len, int kind)
{
	for (size_t i = 0; i < c->keep.n; i++)
		if (c->keep.v[i].kind == kind &&
		    same_words(c->keep.v[i].text, c->keep.v[i].len, text, len))
			return 1;
	return 0;
}

/* name_forms - a display name unquoted, decoded and trimmed into f[0],
 * and "Doe, John" also as "John Doe" into f[1] (left empty otherwise) */
static void
name_forms(const char *name, size_t len, struct buf f[2])
{
	struct buf raw;
	const char *comma, *s, *e, *first;

	buf_init(&raw, 4096);
	for (size_t i = 0; i < len; i++) {
		if (name[i] == '"')
			continue;
		if (name[i] == '\\' && i + 1 < len)
			i++;
		buf_putc(&raw, name[i]);
	}
	if (raw.p == NULL || rfc2047_decode(raw.p, raw.len, &f[0]) < 0 ||
	    f[0].p == NULL) {
		buf_reset(&f[0]);	/* no name, not half of one */
		buf_free_clean(&raw);
		return;
	}
	buf_free_clean(&raw);
	s = f[0].p;
	e = f[0].p + f[0].len;
	while (s < e && strchr(" \t\r\n", *s))
		s++;
	while (e > s && strchr(" \t\r\n", e[-1]))
		e--;
	comma = memchr(s, ',', (size_t)(e - s));
	if (comma != NULL && comma > s) {
		first = comma + 1;
		while (first < e && *first == ' ')
			first++;
		if (e > first) {
			buf_append(&f[1], first, (size_t)(e - first));
			buf_putc(&f[1], ' ');
			buf_append(&f[1], s, (size_t)(comma - s));
		}
	}
	memmove(f[0].p, s, (size_t)(e - s));
	f[0].len = (size_t)(e - s);
	f[0].p[f[0].len] = '\0';
}

/* learn_name - a display name: protected, or hunted unless one of its
 * forms is protected.  Single words are not names enough to hunt for. */
static void
learn_name(struct learn *l, const char *name, size_t len)
{
	struct scrub_ctx *c = l->c;
	struct buf f[2];

	buf_init(&f[0], 4096);
	buf_init(&f[1], 4096);
	name_forms(name, len, f);
	if (l->protect) {
		for (int i = 0; i < 2; i++)
			if (f[i].len)
				entities_add(&c->keep, f[i].p, f[i].len, KIND_NAME);
	} else if (!kept(c, f[0].p, f[0].len, KIND_NAME) &&
	    !(f[1].len && kept(c, f[1].p, f[1].len, KIND_NAME))) {
		if (f[0].len && memchr(f[0].p, ' ', f[0].len) != NULL)
			entities_add(&c->ents, f[0].p, f[0].len, KIND_NAME);
		if (f[1].len)
			entities_add(&c->ents, f[1].p, f[1].len, KIND_NAME);
	}
	buf_free_clean(&f[0]);
	buf_free_clean(&f[1]);
}

/* entity_cb - recipients_fn: one mailbox of an address field */
static void
entity_cb(void *vctx, const char *addr, size_t alen, const char *name,
    size_t nlen)
{
	struct learn *l = vctx;

	if (alen && l->protect)
		entities_add(&l->c->keep, addr, alen, KIND_EMAIL);
	else if (alen && !kept(l->c, addr, alen, KIND_EMAIL))
		entities_add(&l->c->ents, addr, alen, KIND_EMAIL);
	if (nlen)
		learn_name(l, name, nlen);
}

/* protects - the outermost message's people whose switch is off */
static int
protects(const struct policy_spec *spec, enum role r, int top)
{
	return top && ((r == ROLE_TO && !spec->entities_to) ||
	    (r == ROLE_REQUESTER && !spec->entities_requester));
}

/* hunts - people in role r are known entities (see above) */
static int
hunts(const struct policy_spec *spec, enum role r, int top)
{
	switch (r) {
	case ROLE_CC:
		return spec->entities_cc;
	case ROLE_TO:
		return spec->entities_to || !top;
	case ROLE_REQUESTER:
		return spec->entities_requester || !top;
	default:
		return 0;
	}
}

/* scrub_learn_entities - see scrub_int.h */
void
scrub_learn_entities(struct scrub_ctx *c, size_t hs, size_t he, int top)
{
	const struct policy_spec *spec = c->p->spec;
	const char *blk = c->in + hs;
	size_t maxf = (he - hs) / 2 + 2, n;
	struct header_field *f;
	struct learn l = { c, 0 };

	/* a block that does not split fails the walk, which reads it next */
	if ((f = malloc(maxf * sizeof(*f))) == NULL)
		return;
	if (header_split(blk, he - hs, f, maxf, spec->limits.max_header_size,
	    &n, NULL) < 0) {
		free(f);
		return;
	}
	/* the protected people first: the block's own Cc is judged by them */
	for (int pass = 1; pass >= 0; pass--) {
		l.protect = pass;
		for (size_t i = 0; i < n; i++) {
			enum role r = field_role(blk + f[i].name, f[i].name_len);

			if (r != ROLE_NONE && (pass ? protects(spec, r, top) :
			    hunts(spec, r, top)))
				recipients_each(blk + f[i].value, f[i].value_len,
				    entity_cb, &l);
		}
	}
	free(f);
}

/* count_addresses - for an unparseable Cc: how many '@' it holds, 1 at least */
static unsigned
count_addresses(const char *v, size_t len)
{
	unsigned n = 0;

	for (size_t i = 0; i < len; i++)
		n += v[i] == '@';
	return n ? n : 1;
}

/* strip_recipients - Cc/Bcc f[0]: drop the addresses the policy does not
 * allow, the whole field when none is left.  Lines with no field name right
 * after it (f[1..njunk]) are most likely the rest of it, folded without the
 * leading blank: they go with it.  The number of them removed, or -1. */
static int
strip_recipients(struct scrub_ctx *c, size_t hs, const struct header_field *f,
    size_t njunk)
{
	const char *v = c->in + hs + f->value;
	struct buf out;
	unsigned removed = 0, kept = 0;
	int r = 0;

	buf_init(&out, 0);
	if (recipients_filter_header(c->p->spec, v, f->value_len, &out, &removed,
	    &kept) < 0) {
		removed = count_addresses(v, f->value_len);
		kept = 0;
	}
	if (kept == 0 && removed > 0) {
		for (size_t i = 1; i <= njunk; i++)
			for (size_t k = 0; k < f[i].value_len; k++)
				removed += c->in[hs + f[i].value + k] == '@';
		r = scrub_edit(c, hs + f->start, hs + f[njunk].end, "", 0) < 0 ?
		    -1 : (int)njunk;
	} else if (removed > 0)
		r = scrub_edit(c, hs + f->value, hs + f->value + f->value_len,
		    out.p, out.len);
	if (removed > 0) {
		c->res->stripped_recipients += removed;
		if (c->flags & SCRUB_EXPLAIN)
			buf_printf(&c->res->explain, "  header %.*s: %u address%s stripped\n",
			    (int)f->name_len, c->in + hs + f->name, removed,
			    removed == 1 ? "" : "es");
	}
	buf_free_clean(&out);
	return r;
}

/* scan_field - redact one free-text field, or a malformed line (a reader
 * sees it as text too): decoded (RFC 2047) and unfolded for the scan, and
 * only the bytes of what was found replaced (header_rewrite) */
static int
scan_field(struct scrub_ctx *c, size_t hs, const struct header_field *f)
{
	const char *blk = c->in + hs;
	struct header_value v;
	struct rfc2047_map map;
	struct edits out;
	struct buf text;
	int r = -1;

	if (f->name_len == 0)
		c->where = "header (malformed line)";
	else {
		snprintf(c->wherebuf, sizeof(c->wherebuf), "header %.*s",
		    (int)(f->name_len > 64 ? 64 : f->name_len), blk + f->name);
		c->where = c->wherebuf;
	}
	buf_init(&text, c->p->spec->limits.max_header_size * 4 + 64);
	rfc2047_map_init(&map);
	edits_init(&out);
	if (rfc2047_decode_map(blk + f->value, f->value_len, &text, &map) < 0) {
		scrub_fail(c, ERR_HEADER_SIZE, c->where);
		goto out;
	}
	if (text.p == NULL || scrub_scan_text(c, text.p, text.len,
	    &c->text_edits) < 0) {
		r = text.p == NULL ? 0 : -1;
		goto out;
	}
	r = 0;
	if (c->text_edits.n == 0)
		goto out;
	v = (struct header_value){ blk + f->start, f->end - f->start,
	    f->value - f->start, f->value_len, text.p, text.len, &map, c->eol };
	switch (header_rewrite(&v, &c->text_edits, &out)) {
	case 0:
		for (size_t i = 0; i < out.n && r == 0; i++)
			r = scrub_edit(c, hs + f->start + out.v[i].start,
			    hs + f->start + out.v[i].end,
			    out.reps.p + out.v[i].rep_off, out.v[i].rep_len);
		break;
	case 1:
		r = scrub_fail(c, ERR_LINE_LENGTH, c->where);
		break;
	default:
		r = scrub_fail(c, ERR_NOMEM, c->where);
		break;
	}
out:
	buf_free_clean(&text);
	rfc2047_map_free(&map);
	edits_free(&out);
	return r;
}

/* split_block - the fields of in[hs..he); caller frees *f_r */
static int
split_block(struct scrub_ctx *c, size_t hs, size_t he,
    struct header_field **f_r, size_t *n_r)
{
	size_t maxf = (he - hs) / 2 + 2;
	const char *err;

	if ((*f_r = malloc(maxf * sizeof(**f_r))) == NULL)
		return scrub_fail(c, ERR_NOMEM, "header");
	if (header_split(c->in + hs, he - hs, *f_r, maxf,
	    c->p->spec->limits.max_header_size, n_r, &err) < 0) {
		free(*f_r);
		*f_r = NULL;
		return scrub_fail(c, ERR_HEADER_SIZE, "header");
	}
	return 0;
}

/* scrub_headers - see scrub_int.h */
int
scrub_headers(struct scrub_ctx *c, size_t hs, size_t he, int top)
{
	struct header_field *f;
	size_t n;
	int r = 0;

	if (split_block(c, hs, he, &f, &n) < 0)
		return -1;
	for (size_t i = 0; i < n && r == 0; i++) {
		const char *nm = c->in + hs + f[i].name;
		size_t nl = f[i].name_len;

		if (nl == 0)
			r = scan_field(c, hs, &f[i]);
		else if (name_is(nm, nl, "cc") || name_is(nm, nl, "bcc") ||
		    name_is(nm, nl, "resent-cc") || name_is(nm, nl, "resent-bcc")) {
			size_t junk = 0;

			while (i + junk + 1 < n && f[i + junk + 1].name_len == 0)
				junk++;
			if ((r = strip_recipients(c, hs, &f[i], junk)) > 0)
				i += (size_t)r;	/* removed with it */
			r = r < 0 ? -1 : 0;
		} else if (!skip_field(c, nm, nl, top))
			r = scan_field(c, hs, &f[i]);
	}
	free(f);
	return r;
}

/* content_field - replace a whole field with "Name: value" + its line end */
static int
content_field(struct scrub_ctx *c, size_t hs, const struct header_field *f,
    const char *name, const char *value)
{
	struct buf b;
	int r;

	buf_init(&b, 0);
	buf_printf(&b, "%s: %s", name, value);
	buf_append(&b, c->in + hs + f->value + f->value_len,
	    f->end - (f->value + f->value_len));
	r = b.p ? scrub_edit(c, hs + f->start, hs + f->end, b.p, b.len) : -1;
	buf_free(&b);
	return r;
}

/* value_edit - the splice scrub_names made of the value in[vs..ve), or
 * NULL: a charset set on a Content-Type whose name was redacted goes into
 * that splice, since two may not overlap */
static struct edit *
value_edit(struct scrub_ctx *c, size_t vs, size_t ve)
{
	for (size_t i = c->name_edits; i < c->splices.n; i++)
		if (c->splices.v[i].start == vs && c->splices.v[i].end == ve)
			return &c->splices.v[i];
	return NULL;
}

/* set_charset - the charset parameter of an existing Content-Type */
static int
set_charset(struct scrub_ctx *c, size_t hs, const struct header_field *f,
    const char *charset)
{
	size_t vs = hs + f->value, ve = vs + f->value_len, off;
	struct edit *prev = value_edit(c, vs, ve);
	struct buf b;
	int r;

	buf_init(&b, 0);
	if (mimeedit_set_param(prev ? c->splices.reps.p + prev->rep_off :
	    c->in + vs, prev ? prev->rep_len : f->value_len, "charset",
	    charset, &b) < 0 || b.p == NULL) {
		buf_free(&b);
		return scrub_fail(c, ERR_NOMEM, c->where);
	}
	if (prev == NULL)
		r = scrub_edit(c, vs, ve, b.p, b.len);
	else {
		/* the splice gets the new text; its old bytes stay unused */
		off = c->splices.reps.len;
		r = buf_append(&c->splices.reps, b.p, b.len) < 0 ?
		    scrub_fail(c, ERR_NOMEM, c->where) : 0;
		prev->rep_off = off;
		prev->rep_len = b.len;
	}
	buf_free(&b);
	return r;
}

/* ext_start - where a file name's extension starts: its last '.', when
 * one to eight letters and digits, a letter among them, follow; else len */
static size_t
ext_start(const char *s, size_t len)
{
	size_t i = len;
	int letter = 0;

	while (i > 0 && len - i < 9 && bytes_is_alnum((unsigned char)s[i - 1]))
		letter |= bytes_is_alpha((unsigned char)s[--i]);
	if (i > 1 && i < len && len - i <= 8 && s[i - 1] == '.' && letter)
		return i - 1;
	return len;
}

/* name_fn - mimeedit_param_fn: a file name redacted, its extension kept.
 * It is scanned with every '_' read as a blank ("Jane_Roe_cv.pdf",
 * "cv_+46701234567.docx"), which keeps every offset. */
static int
name_fn(void *vctx, const char *text, size_t len, struct buf *out)
{
	struct scrub_ctx *c = vctx;
	struct buf spaced;
	int r;

	buf_init(&spaced, 0);
	if (buf_append(&spaced, text, len) < 0)
		return scrub_fail(c, ERR_NOMEM, c->where);
	for (size_t i = 0; i < len; i++)
		if (spaced.p[i] == '_')
			spaced.p[i] = ' ';
	r = scrub_scan_cut(c, spaced.p ? spaced.p : "", len,
	    ext_start(text, len), &c->text_edits);
	buf_free_clean(&spaced);
	if (r < 0)
		return -1;
	if (c->text_edits.n == 0)
		return 0;
	if (splice_apply(text, len, &c->text_edits, out) < 0)
		return scrub_fail(c, ERR_NOMEM, c->where);
	return 1;
}

/* name_field - the file name parameters (filename=, name=: mailers put
 * either in either field) of one Content-Type or Content-Disposition
 * field redacted */
static int
name_field(struct scrub_ctx *c, size_t hs, const struct header_field *f)
{
	static const char *const params[] = { "filename", "name" };
	struct buf b[2];
	const char *v = c->in + hs + f->value;
	size_t vl = f->value_len, col = f->value - f->start, line = 0;
	int changed = 0, any = 0, r = 0;

	for (int i = 0; i < 2; i++)
		buf_init(&b[i], c->p->spec->limits.max_header_size * 4 + 64);
	for (int i = 0; i < 2 && r == 0; i++) {
		if (mimeedit_filter_param(v, vl, params[i], c->eol, name_fn, c,
		    &b[i], &changed) < 0)
			r = c->res->err ? -1 : scrub_fail(c, ERR_NOMEM, c->where);
		else {
			any |= changed;
			v = b[i].p ? b[i].p : "";
			vl = b[i].len;
		}
	}
	/* the new value must keep every line within 998 octets */
	for (size_t i = 0; r == 0 && any && i < vl; i++, col++) {
		if (v[i] == '\n')
			col = (size_t)-1;
		else if (col + 1 > line)
			line = col + 1;
	}
	if (r == 0 && any && line > 998)
		r = scrub_fail(c, ERR_LINE_LENGTH, c->where);
	if (r == 0 && any)
		r = scrub_edit(c, hs + f->value, hs + f->value + f->value_len,
		    v, vl);
	buf_free_clean(&b[0]);
	buf_free_clean(&b[1]);
	return r;
}

/* scrub_part_name - see scrub_int.h */
int
scrub_part_name(struct scrub_ctx *c, size_t hs, size_t he, struct buf *out)
{
	struct header_field *f;
	size_t n;
	int r = 0;

	if (split_block(c, hs, he, &f, &n) < 0)
		return -1;
	for (int pass = 0; pass < 2 && r == 0; pass++)
		for (size_t i = 0; i < n && r == 0; i++)
			if (name_is(c->in + hs + f[i].name, f[i].name_len,
			    pass ? "content-type" : "content-disposition"))
				r = mimeedit_param_text(c->in + hs + f[i].value,
				    f[i].value_len, pass ? "name" : "filename", out);
	free(f);
	return r < 0 ? scrub_fail(c, ERR_NOMEM, c->where) : r;
}

/* scrub_names - see scrub_int.h */
int
scrub_names(struct scrub_ctx *c, size_t hs, size_t he)
{
	struct header_field *f;
	size_t n;
	const char *where = c->where;
	char saved[sizeof(c->wherebuf)];
	int r = 0;

	c->name_edits = c->splices.n;
	if (split_block(c, hs, he, &f, &n) < 0)
		return -1;
	memcpy(saved, c->wherebuf, sizeof(saved));
	snprintf(c->wherebuf, sizeof(c->wherebuf), "part %s file name",
	    c->path[0] ? c->path : "1");
	c->where = c->wherebuf;
	for (size_t i = 0; i < n && r == 0; i++) {
		const char *nm = c->in + hs + f[i].name;
		size_t nl = f[i].name_len;

		if (name_is(nm, nl, "content-type") ||
		    name_is(nm, nl, "content-disposition"))
			r = name_field(c, hs, &f[i]);
	}
	memcpy(c->wherebuf, saved, sizeof(saved));
	c->where = where;
	free(f);
	return r;
}

/* scrub_set_content - see scrub_int.h */
int
scrub_set_content(struct scrub_ctx *c, size_t hs, size_t he,
    const char *charset, const char *cte, const char *new_type,
    int drop_disposition, int message_block)
{
	struct header_field *f;
	size_t n, at;
	int have_ct = 0, have_cte = 0, have_mv = 0, r = 0;
	struct buf ins;

	if (split_block(c, hs, he, &f, &n) < 0)
		return -1;
	for (size_t i = 0; i < n && r == 0; i++) {
		const char *nm = c->in + hs + f[i].name;
		size_t nl = f[i].name_len;

		/*
		 * A duplicated field (malformed, but it occurs) is rewritten
		 * too: the parser may have read any one of them, and a stale
		 * label left behind would make the next reader decode the
		 * new bytes with the old charset or encoding.
		 */
		if (name_is(nm, nl, "content-type")) {
			if (new_type && have_ct)
				r = scrub_edit(c, hs + f[i].start, hs + f[i].end, "", 0);
			else if (new_type)
				r = content_field(c, hs, &f[i], "Content-Type", new_type);
			else if (charset)
				r = set_charset(c, hs, &f[i], charset);
			have_ct = 1;
		} else if (name_is(nm, nl, "content-transfer-encoding")) {
			have_cte = 1;
			if (cte && codec_cte_parse(c->in + hs + f[i].value,
			    f[i].value_len) != codec_cte_parse(cte, strlen(cte)))
				r = content_field(c, hs, &f[i], "Content-Transfer-Encoding", cte);
		} else if (name_is(nm, nl, "content-disposition") && drop_disposition)
			r = scrub_edit(c, hs + f[i].start, hs + f[i].end, "", 0);
		else if (name_is(nm, nl, "mime-version"))
			have_mv = 1;
	}
	/* what is missing goes at the end of the block, before its empty line */
	at = n ? hs + f[n - 1].end : hs;
	buf_init(&ins, 0);
	if (n && (at == hs || c->in[at - 1] != '\n'))
		buf_puts(&ins, c->eol);
	size_t mark = ins.len;
	if (!have_ct && (new_type || charset))
		buf_printf(&ins, "Content-Type: %s%s", new_type ? new_type :
		    "text/plain; charset=", new_type ? "" : charset), buf_puts(&ins, c->eol);
	if (!have_cte && cte && strcmp(cte, "7bit") != 0)
		buf_printf(&ins, "Content-Transfer-Encoding: %s%s", cte, c->eol);
	if (ins.len > mark && message_block && !have_mv)
		buf_printf(&ins, "MIME-Version: 1.0%s", c->eol);
	if (r == 0 && ins.len > mark)
		r = scrub_edit(c, at, at, ins.p, ins.len);
	buf_free(&ins);
	free(f);
	return r;
}
