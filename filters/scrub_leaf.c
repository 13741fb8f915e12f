/* scrub_leaf - one single MIME part: attachment policy (on the file name
 * as it came), the file names redacted, then for text the decode /
 * convert / redact / re-encode round.
 *
 * A part that is not changed is not touched at all.  A changed text part
 * gets a new body (same transfer encoding where it still fits, else
 * quoted-printable; lines stay under 998 octets) and its charset label set
 * to utf-8 when the text was converted.  Text whose charset iconv cannot
 * convert is scanned as it is (ASCII-compatible bytes) and keeps its label;
 * text with NUL bytes in such a charset cannot be read and fails closed.
 */
#include <libetpan/libetpan.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "attach.h"
#include "charset.h"
#include "codec.h"
#include "html.h"
#include "mimeedit.h"
#include "scrub_int.h"

/* type_string - "text/plain", lower case, from libetpan's content type */
static void
type_string(const struct mailmime_content *ct, char *out, size_t n)
{
	const char *t = "application", *sub;

	if (ct == NULL || ct->ct_type == NULL) {
		snprintf(out, n, "text/plain");
		return;
	}
	if (ct->ct_type->tp_type == MAILMIME_TYPE_DISCRETE_TYPE) {
		const struct mailmime_discrete_type *d = ct->ct_type->tp_data.tp_discrete_type;

		switch (d->dt_type) {
		case MAILMIME_DISCRETE_TYPE_TEXT: t = "text"; break;
		case MAILMIME_DISCRETE_TYPE_IMAGE: t = "image"; break;
		case MAILMIME_DISCRETE_TYPE_AUDIO: t = "audio"; break;
		case MAILMIME_DISCRETE_TYPE_VIDEO: t = "video"; break;
		case MAILMIME_DISCRETE_TYPE_APPLICATION: t = "application"; break;
		default: t = d->dt_extension ? d->dt_extension : "x-unknown"; break;
		}
	} else {
		const struct mailmime_composite_type *co = ct->ct_type->tp_data.tp_composite_type;

		t = co->ct_type == MAILMIME_COMPOSITE_TYPE_MESSAGE ? "message" :
		    co->ct_type == MAILMIME_COMPOSITE_TYPE_MULTIPART ? "multipart" :
		    co->ct_token ? co->ct_token : "x-unknown";
	}
	sub = ct->ct_subtype ? ct->ct_subtype : "";
	snprintf(out, n, "%s/%s", t, sub);
	for (char *p = out; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
}

static int
ends_with(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);

	return a >= b && strcasecmp(s + a - b, suffix) == 0;
}

/* text_type - 1: read it as text; 2: text only if the bytes say so (a
 * generic type with a text-like file name); 0: opaque */
static int
text_type(const char *type, const char *fname)
{
	static const char *const app_text[] = {
		"application/json", "application/xml", "application/csv",
		"application/x-csv", "application/yaml", "application/x-yaml",
		"application/x-sh", "application/sql", "application/javascript",
		"application/x-log", "message/delivery-status",
		"message/disposition-notification", "message/feedback-report",
		"message/global-delivery-status", NULL
	};
	static const char *const text_ext[] = {
		".txt", ".log", ".csv", ".tsv", ".json", ".xml", ".yaml", ".yml",
		".ini", ".cfg", ".conf", ".md", ".eml", ".out", ".err", NULL
	};

	if (strncmp(type, "text/", 5) == 0)
		return 1;
	for (size_t i = 0; app_text[i]; i++)
		if (strcmp(type, app_text[i]) == 0)
			return 1;
	if (fname && (strcmp(type, "application/octet-stream") == 0 ||
	    strncmp(type, "application/x-", 14) == 0))
		for (size_t i = 0; text_ext[i]; i++)
			if (ends_with(fname, text_ext[i]))
				return 2;
	return 0;
}

static enum cte
cte_of(const struct mailmime_single_fields *sf)
{
	if (sf->fld_encoding == NULL)
		return CTE_7BIT;
	switch (sf->fld_encoding->enc_type) {
	case MAILMIME_MECHANISM_7BIT: return CTE_7BIT;
	case MAILMIME_MECHANISM_8BIT: return CTE_8BIT;
	case MAILMIME_MECHANISM_BINARY: return CTE_BINARY;
	case MAILMIME_MECHANISM_QUOTED_PRINTABLE: return CTE_QP;
	case MAILMIME_MECHANISM_BASE64: return CTE_BASE64;
	default: return CTE_OTHER;
	}
}

/* is_ascii - no byte >= 0x80; eight bytes a step */
static int
is_ascii(const char *s, size_t len)
{
	const uint64_t high = UINT64_C(0x8080808080808080);
	uint64_t w;
	size_t i = 0;

	for (; len - i >= 8; i += 8) {
		memcpy(&w, s + i, 8);
		if (w & high)
			return 0;
	}
	for (; i < len; i++)
		if ((unsigned char)s[i] >= 0x80)
			return 0;
	return 1;
}

static size_t
longest_line(const char *s, size_t len)
{
	size_t max = 0, pos = 0;

	while (pos < len) {
		const char *nl = memchr(s + pos, '\n', len - pos);
		size_t end = nl ? (size_t)(nl - s) + 1 : len;

		if (end - pos > max)
			max = end - pos;
		pos = end;
	}
	return max;
}

/* drop_part - replace an attachment by a short note saying why */
static int
drop_part(struct scrub_ctx *c, size_t hs, size_t he, size_t bs, size_t be,
    const char *type, int message_block)
{
	struct buf note;
	int r;

	buf_init(&note, 0);
	buf_printf(&note, "[scrubgate: an attachment of type %s (%zu octets encoded) "
	    "was removed by the attachment policy]", type, be - bs);
	if (be > bs && c->in[be - 1] == '\n')
		buf_puts(&note, c->eol);
	r = scrub_set_content(c, hs, he, NULL, "7bit", "text/plain; charset=us-ascii",
	    1, message_block);
	if (r == 0)
		r = scrub_edit(c, bs, be, note.p, note.len);
	buf_free(&note);
	c->res->attachments_dropped++;
	if (r == 0 && (c->flags & SCRUB_EXPLAIN))
		buf_printf(&c->res->explain, "  part %s (%s): dropped by attachment policy\n",
		    c->path, type);
	return r;
}

/* redact_text - the new text of a part, or 0 edits when nothing was found */
static int
redact_text(struct scrub_ctx *c, int html, const char *text, size_t len,
    struct buf *out, int *changed_r)
{
	if (html)
		return html_redact(text, len, scrub_scan_text, c, out, changed_r) < 0 ?
		    scrub_fail(c, c->res->err ? c->res->err : ERR_NOMEM, c->where) : 0;
	if (scrub_scan_text(c, text, len, &c->text_edits) < 0)
		return -1;
	*changed_r = c->text_edits.n > 0;
	if (*changed_r && splice_apply(text, len, &c->text_edits, out) < 0)
		return scrub_fail(c, ERR_NOMEM, c->where);
	return 0;
}

/* body_eol - the line break the part's own body uses (its first one);
 * the message's when the body has none: a part with CRLF lines inside an
 * LF message keeps them when it is re-encoded */
static const char *
body_eol(const struct scrub_ctx *c, size_t bs, size_t be)
{
	const char *nl = be > bs ? memchr(c->in + bs, '\n', be - bs) : NULL;

	if (nl == NULL)
		return c->eol;
	return nl > c->in + bs && nl[-1] == '\r' ? "\r\n" : "\n";
}

/* encode_body - append the new body to out (which holds from bytes
 * before it) in the chosen encoding with line breaks eol, ending in a
 * line break exactly when the old one did */
static int
encode_body(enum cte cte, const char *eol, const struct buf *text,
    int ends_nl, struct buf *out, size_t from)
{
	size_t el = strlen(eol);
	int r;

	if (cte == CTE_BASE64)
		r = codec_base64_encode(text->p, text->len, eol, out);
	else if (cte == CTE_QP)
		r = codec_qp_encode(text->p, text->len, eol, out);
	else
		r = buf_append(out, text->p, text->len);
	if (r < 0)
		return -1;
	if (!ends_nl) {
		while (out->len > from && out->p[out->len - 1] == '\n') {
			out->len -= out->len - from > 1 && out->p[out->len - 2] == '\r' ? 2 : 1;
			out->p[out->len] = '\0';
		}
	} else if (out->len == from || out->p[out->len - 1] != '\n')
		return buf_append(out, eol, el);
	return 0;
}

/* splice_body - the new body spliced over in[bs..be): encoded straight
 * into the splice list's replacement bytes, so that a large body is not
 * built apart and copied over */
static int
splice_body(struct scrub_ctx *c, enum cte cte, const struct buf *text,
    size_t bs, size_t be)
{
	struct edits *sp = &c->splices;
	size_t from = sp->reps.len;

	if (encode_body(cte, body_eol(c, bs, be), text,
	    be > bs && c->in[be - 1] == '\n', &sp->reps, from) < 0 ||
	    edits_add(sp, bs, be, "", 0) < 0)
		return scrub_fail(c, ERR_NOMEM, c->where);
	/* the replacement is what encode_body appended: rep_off still
	 * grows with the order of edits_add, as splice_apply wants */
	sp->v[sp->n - 1].rep_off = from;
	sp->v[sp->n - 1].rep_len = sp->reps.len - from;
	return 0;
}

/* rewrite_text - write back a changed text part */
static int
rewrite_text(struct scrub_ctx *c, size_t hs, size_t he, size_t bs, size_t be,
    enum cte cte, const char *charset, int converted, const struct buf *text,
    int message_block)
{
	const char *new_charset = NULL, *new_cte = NULL;
	int ascii = is_ascii(text->p, text->len);
	int r = 0;

	if (converted || (!ascii && charset_is_utf8_compatible(charset) &&
	    charset_utf8_valid(text->p, text->len) &&
	    (charset == NULL || strcasecmp(charset, "utf-8") != 0)))
		new_charset = "utf-8";
	if (cte != CTE_BASE64 && cte != CTE_QP &&
	    (longest_line(text->p, text->len) > 998 ||
	    (!ascii && cte == CTE_7BIT))) {
		cte = CTE_QP;
		new_cte = "quoted-printable";
	}
	/* the header's edit first: edits are added in order of start */
	if (new_charset || new_cte)
		r = scrub_set_content(c, hs, he, new_charset,
		    new_cte ? new_cte : codec_cte_name(cte), NULL, 0,
		    message_block);
	if (r == 0)
		r = splice_body(c, cte, text, bs, be);
	return r;
}

/* delimiter_end - what follows "--boundary" on a delimiter line: "--"
 * or nothing, then blanks (RFC 2046 transport padding) and the line end */
static int
delimiter_end(const char *s, size_t n)
{
	size_t i = n >= 2 && s[0] == '-' && s[1] == '-' ? 2 : 0;

	while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r'))
		i++;
	return i == n || s[i] == '\n';
}

/* delimiter_line - in[pos..end) is "--b" or "--b--" (then blanks) for
 * the boundary of a multipart around m */
static int
delimiter_line(const struct scrub_ctx *c, const struct mailmime *m,
    size_t pos, size_t end)
{
	for (const struct mailmime *p = m->mm_parent; p; p = p->mm_parent) {
		const char *b;
		size_t bl;

		if (p->mm_type != MAILMIME_MULTIPLE || p->mm_content_type == NULL ||
		    (b = mailmime_content_param_get(p->mm_content_type,
		    (char *)"boundary")) == NULL)
			continue;
		bl = strlen(b);
		if (end - pos >= bl + 2 && c->in[pos] == '-' &&
		    c->in[pos + 1] == '-' && memcmp(c->in + pos + 2, b, bl) == 0 &&
		    delimiter_end(c->in + pos + 2 + bl, end - pos - 2 - bl))
			return 1;
	}
	return 0;
}

/* holds_delimiter - the body in[bs..be) has a line that is the delimiter
 * of a multipart around the part: 0 no; 1 yes, but from there on only
 * delimiters and blank lines; 2 with text after it.  libetpan did not
 * split there (it does not after an empty part, "--b" right after "--b",
 * nor where a nested multipart reuses its parent's boundary), other
 * readers do: text they see as parts of their own was not scrubbed as
 * such (a base64 body read as plain text), and a rewrite would change
 * what they see. */
static int
holds_delimiter(const struct scrub_ctx *c, const struct mailmime *m,
    size_t bs, size_t be)
{
	size_t pos, end;
	int seen = 0;

	if (m->mm_parent == NULL)
		return 0;
	for (pos = bs; pos < be; pos = end) {
		const char *nl = memchr(c->in + pos, '\n', be - pos);
		size_t i;

		end = nl ? (size_t)(nl - c->in) + 1 : be;
		if (c->in[pos] == '-' && delimiter_line(c, m, pos, end))
			seen = 1;
		else if (seen) {
			for (i = pos; i < end && strchr(" \t\r\n", c->in[i]); i++)
				;
			if (i < end)
				return 2;
		}
	}
	return seen;
}

/* leaf_policy - the attachment policy, on the file name as it came (RFC
 * 2231 and encoded words decoded), then the names redacted; *kind_r is
 * text_type's answer.  Where libetpan read another name (it does not
 * decode RFC 2231; bytes after a quoted name are ours, not its), the
 * stricter answer for the two wins.  0 go on, 1 done (dropped), -1
 * failed. */
static int
leaf_policy(struct scrub_ctx *c, const struct mailmime_single_fields *sf,
    size_t hs, size_t he, size_t bs, size_t be, const char *type,
    int message_block, int *kind_r)
{
	const char *fname, *etpan;
	struct buf name;
	int attachment, r = 0;

	etpan = sf->fld_disposition_filename ? sf->fld_disposition_filename :
	    sf->fld_content_name;
	buf_init(&name, c->p->spec->limits.max_header_size * 4 + 64);
	if ((r = scrub_part_name(c, hs, he, &name)) < 0) {
		buf_free_clean(&name);
		return -1;
	}
	fname = r == 1 ? name.p : etpan;
	r = 0;
	*kind_r = text_type(type, fname);
	attachment = fname != NULL || (sf->fld_disposition &&
	    sf->fld_disposition->dsp_type && sf->fld_disposition->dsp_type->dsp_type ==
	    MAILMIME_DISPOSITION_TYPE_ATTACHMENT);
	if (*kind_r != 1 || attachment) {
		enum attach_action a = attach_policy_for(c->p->spec, type, fname);

		if (etpan != NULL && fname != etpan &&
		    attach_policy_for(c->p->spec, type, etpan) > a)
			a = attach_policy_for(c->p->spec, type, etpan);
		if (a == ATTACH_REJECT)
			r = scrub_fail(c, ERR_ATTACHMENT, c->where);
		else if (a == ATTACH_DROP)
			r = drop_part(c, hs, he, bs, be, type, message_block) < 0 ? -1 : 1;
	}
	buf_free_clean(&name);
	/* the policy has read the names as they came: now they are redacted */
	if (r == 0 && scrub_names(c, hs, he) < 0)
		r = -1;
	return r;
}

/* scrub_leaf - see scrub_int.h */
int
scrub_leaf(struct scrub_ctx *c, struct mailmime *m, size_t hs, size_t he)
{
	struct mailmime_single_fields sf;
	const struct policy_spec *spec = c->p->spec;
	const struct mailmime_data *d = m->mm_data.mm_single;
	char type[160];
	const char *charset, *text;
	size_t bs, be, tlen;
	int kind, converted = 0, changed = 0, fragile, r = -1;
	int message_block = m->mm_parent_type == MAILMIME_MESSAGE;
	enum cte cte;
	struct buf dec, conv, red;

	c->name_edits = c->splices.n;
	memset(&sf, 0, sizeof(sf));
	mailmime_single_fields_init(&sf, m->mm_mime_fields, m->mm_content_type);
	type_string(m->mm_content_type, type, sizeof(type));
	snprintf(c->wherebuf, sizeof(c->wherebuf), "part %s (%s)", c->path, type);
	c->where = c->wherebuf;
	if (d == NULL || d->dt_type != MAILMIME_DATA_TEXT)
		return 0;
	bs = (size_t)(d->dt_data.dt_text.dt_data - c->in);
	be = bs + d->dt_data.dt_text.dt_length;
	if (d->dt_data.dt_text.dt_data < c->in || be > c->len)
		return scrub_fail(c, ERR_PARSE, c->where);

	/* fail closed where libetpan and other readers split differently:
	 * when they would see text of their own, or a change here */
	if ((fragile = holds_delimiter(c, m, bs, be)) == 2)
		return scrub_fail(c, ERR_BAD_BOUNDARY, c->where);
	if ((r = leaf_policy(c, &sf, hs, he, bs, be, type, message_block,
	    &kind)) != 0)
		return r < 0 || fragile ?
		    scrub_fail(c, ERR_BAD_BOUNDARY, c->where) : 0;
	cte = cte_of(&sf);
	if (kind == 0 || cte == CTE_OTHER)
		return 0;

	buf_init(&dec, spec->limits.max_decoded_size);
	buf_init(&conv, spec->limits.max_decoded_size * 2 + 16);
	buf_init(&red, spec->limits.max_decoded_size * 2 + 65536);
	if (cte == CTE_7BIT || cte == CTE_8BIT || cte == CTE_BINARY) {
		/* nothing to undo: read the body where it is */
		if (be - bs > spec->limits.max_decoded_size) {
			scrub_fail(c, ERR_DECODED_SIZE, c->where);
			goto out;
		}
		text = c->in + bs;
		tlen = be - bs;
	} else if (codec_decode(cte, c->in + bs, be - bs, &dec) < 0) {
		scrub_fail(c, dec.len >= spec->limits.max_decoded_size ||
		    be - bs > spec->limits.max_decoded_size ? ERR_DECODED_SIZE : ERR_ENCODING,
		    c->where);
		goto out;
	} else {
		text = dec.p ? dec.p : "";
		tlen = dec.len;
	}
	if (kind == 2 && memchr(text, '\0', tlen) != NULL) {
		r = 0;		/* binary after all: an opaque attachment */
		goto out;
	}
	charset = sf.fld_content_charset;
	if (!charset_is_utf8_compatible(charset)) {
		if (charset_to_utf8(charset, text, tlen, &conv) == 0) {
			text = conv.p ? conv.p : "";
			tlen = conv.len;
			converted = 1;
		} else if (memchr(text, '\0', tlen) != NULL) {
			scrub_fail(c, ERR_CHARSET, c->where);
			goto out;
		}
	}
	if (redact_text(c, strcmp(type, "text/html") == 0, text, tlen, &red, &changed) < 0)
		goto out;
	if (changed && fragile)
		r = scrub_fail(c, ERR_BAD_BOUNDARY, c->where);
	else
		r = changed ? rewrite_text(c, hs, he, bs, be, cte, charset,
		    converted, &red, message_block) : 0;
out:
	buf_free_clean(&dec);
	buf_free_clean(&conv);
	buf_free_clean(&red);
	return r;
}
