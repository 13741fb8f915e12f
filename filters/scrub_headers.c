/* scrub_headers - redact one header block and apply the Cc/Bcc policy.
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

/* entity_add_name - a display name, unquoted and decoded; "Doe, John" also
 * as "John Doe".  Single words are not names enough to hunt for. */
static void
entity_add_name(struct scrub_ctx *c, const char *name, size_t len)
{
	struct buf raw, dec;
	const char *comma;

	buf_init(&raw, 4096);
	buf_init(&dec, 4096);
	for (size_t i = 0; i < len; i++) {
		if (name[i] == '"')
			continue;
		if (name[i] == '\\' && i + 1 < len)
			i++;
		buf_putc(&raw, name[i]);
	}
	if (raw.p && rfc2047_decode(raw.p, raw.len, &dec) == 0 && dec.p) {
		char *s = dec.p, *e = dec.p + dec.len;

		while (s < e && strchr(" \t\r\n", *s))
			s++;
		while (e > s && strchr(" \t\r\n", e[-1]))
			e--;
		if (memchr(s, ' ', (size_t)(e - s)) != NULL)
			entities_add(&c->ents, s, (size_t)(e - s), KIND_NAME);
		comma = memchr(s, ',', (size_t)(e - s));
		if (comma != NULL && comma > s) {
			struct buf swapped;
			const char *first = comma + 1;

			while (first < e && *first == ' ')
				first++;
			buf_init(&swapped, 4096);
			buf_append(&swapped, first, (size_t)(e - first));
			buf_putc(&swapped, ' ');
			buf_append(&swapped, s, (size_t)(comma - s));
			if (e > first && swapped.p)
				entities_add(&c->ents, swapped.p, swapped.len, KIND_NAME);
			buf_free(&swapped);
		}
	}
	buf_free_clean(&raw);
	buf_free_clean(&dec);
}

static void
entity_cb(void *vctx, const char *addr, size_t alen, const char *name,
    size_t nlen)
{
	struct scrub_ctx *c = vctx;

	if (alen)
		entities_add(&c->ents, addr, alen, KIND_EMAIL);
	if (nlen)
		entity_add_name(c, name, nlen);
}

/* collect_entities - people named in address fields whose names the
 * policy wants hunted in the text (all of them in forwarded messages) */
static void
collect_entities(struct scrub_ctx *c, const char *blk,
    const struct header_field *f, size_t n, int top)
{
	const struct policy_spec *spec = c->p->spec;

	for (size_t i = 0; i < n; i++) {
		const char *nm = blk + f[i].name;
		size_t nl = f[i].name_len;
		int want;

		if (nl == 0)
			continue;
		if (name_is(nm, nl, "cc") || name_is(nm, nl, "bcc") ||
		    name_is(nm, nl, "resent-cc") || name_is(nm, nl, "resent-bcc"))
			want = spec->entities_cc;
		else if (name_is(nm, nl, "to"))
			want = spec->entities_to || !top;
		else if (name_is(nm, nl, "from") || name_is(nm, nl, "reply-to") ||
		    name_is(nm, nl, "sender"))
			want = spec->entities_requester || !top;
		else
			continue;
		if (want)
			recipients_each(blk + f[i].value, f[i].value_len, entity_cb, c);
	}
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
	collect_entities(c, c->in + hs, f, n, top);
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

/* set_charset - the charset parameter of an existing Content-Type */
static int
set_charset(struct scrub_ctx *c, size_t hs, const struct header_field *f,
    const char *charset)
{
	struct buf b;
	int r;

	buf_init(&b, 0);
	if (mimeedit_set_param(c->in + hs + f->value, f->value_len, "charset",
	    charset, &b) < 0 || b.p == NULL) {
		buf_free(&b);
		return scrub_fail(c, ERR_NOMEM, c->where);
	}
	r = scrub_edit(c, hs + f->value, hs + f->value + f->value_len, b.p, b.len);
	buf_free(&b);
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
