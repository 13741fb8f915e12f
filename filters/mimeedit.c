/* mimeedit - raw MIME header value edits and the splice list (see mimeedit.h). */
#include "mimeedit.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "bytes.h"
#include "charset.h"
#include "rfc2047.h"

/* edit_cmp - order by start; insertions at one offset by the order added
 * (rep_off grows with every edits_add, so it is the insertion order) */
static int
edit_cmp(const void *a, const void *b)
{
	const struct edit *x = a, *y = b;

	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	if ((x->start == x->end) != (y->start == y->end))
		return x->start == x->end ? -1 : 1;
	return x->rep_off < y->rep_off ? -1 : x->rep_off > y->rep_off;
}

/* splice_apply - the input with all edits applied */
int
splice_apply(const char *in, size_t len, struct edits *e, struct buf *out)
{
	size_t cur = 0;

	if (e->n > 1)
		qsort(e->v, e->n, sizeof(*e->v), edit_cmp);
	for (size_t i = 0; i < e->n; i++) {
		const struct edit *ed = &e->v[i];

		if (ed->start < cur || ed->end < ed->start || ed->end > len)
			return -1;
		if (buf_append(out, in + cur, ed->start - cur) < 0 ||
		    buf_append(out, e->reps.p + ed->rep_off, ed->rep_len) < 0)
			return -1;
		cur = ed->end;
	}
	return buf_append(out, in + cur, len - cur);
}

/* skip_quoted - index just past the quoted string or (nested) comment
 * that starts at s[i]; len when it is not closed */
static size_t
skip_quoted(const char *s, size_t len, size_t i)
{
	int depth = 0;

	if (s[i] == '"') {
		for (i++; i < len; i++) {
			if (s[i] == '\\')
				i++;
			else if (s[i] == '"')
				return i + 1;
		}
		return len;
	}
	for (; i < len; i++) {
		if (s[i] == '\\')
			i++;
		else if (s[i] == '(')
			depth++;
		else if (s[i] == ')' && --depth == 0)
			return i + 1;
	}
	return len;
}

/* one parameter of a raw value: sep is its ';', [ps, pe) its name,
 * [vs, ve) its value (quotes included), [vs, vx) the value and what
 * follows it up to the next ';' (blanks at the end excluded): bytes after
 * a quoted string belong to no parameter, readers differ, and a file name
 * scan takes them as value */
struct param {
	size_t sep, ps, pe, vs, ve, vx;
};

/* next_param - the parameter after offset *i, or 0 at the end */
static int
next_param(const char *s, size_t len, size_t *i, struct param *p)
{
	for (;;) {
		while (*i < len && s[*i] != ';') {
			if (s[*i] == '"' || s[*i] == '(')
				*i = skip_quoted(s, len, *i);
			else
				(*i)++;
		}
		if (*i >= len)
			return 0;
		p->sep = (*i)++;
		while (*i < len && strchr(" \t\r\n", s[*i]))
			(*i)++;
		p->ps = *i;
		while (*i < len && s[*i] != '=' && s[*i] != ';' &&
		    !strchr(" \t\r\n", s[*i]))
			(*i)++;
		p->pe = *i;
		while (*i < len && strchr(" \t\r\n", s[*i]))
			(*i)++;
		if (*i >= len || s[*i] != '=')
			continue;
		(*i)++;
		while (*i < len && strchr(" \t\r\n", s[*i]))
			(*i)++;
		p->vs = *i;
		if (*i < len && s[*i] == '"')
			*i = skip_quoted(s, len, *i);
		else
			while (*i < len && s[*i] != ';' && !strchr(" \t\r\n", s[*i]))
				(*i)++;
		p->ve = *i;
		while (*i < len && s[*i] != ';') {
			if (s[*i] == '"' || s[*i] == '(')
				*i = skip_quoted(s, len, *i);
			else
				(*i)++;
		}
		for (p->vx = *i; p->vx > p->ve &&
		    strchr(" \t\r\n", s[p->vx - 1]) && s[p->vx - 1]; p->vx--)
			;
		return 1;
	}
}

/* find_param - locate parameter name: *vs_r..*ve_r is its value span
 * (quotes included), *ps_r the parameter's start; 1 found, 0 not */
static int
find_param(const char *s, size_t len, const char *name, size_t *ps_r,
    size_t *vs_r, size_t *ve_r)
{
	size_t nlen = strlen(name), i = 0, pl;
	struct param p;

	while (next_param(s, len, &i, &p)) {
		pl = p.pe - p.ps;
		if ((pl == nlen || (pl == nlen + 1 && s[p.pe - 1] == '*')) &&
		    strncasecmp(s + p.ps, name, nlen) == 0) {
			*ps_r = p.ps;
			*vs_r = p.vs;
			*ve_r = p.ve;
			return 1;
		}
	}
	return 0;
}

/* mimeedit_set_param - see mimeedit.h */
int
mimeedit_set_param(const char *raw, size_t len, const char *name,
    const char *value, struct buf *out)
{
	size_t ps, vs, ve, end = len;

	if (find_param(raw, len, name, &ps, &vs, &ve)) {
		/* "charset*=utf-8''x" becomes a plain "charset=value" */
		return buf_append(out, raw, ps) < 0 ||
		    buf_printf(out, "%s=%s", name, value) < 0 ||
		    buf_append(out, raw + ve, len - ve) < 0 ? -1 : 0;
	}
	/* append after the last non-blank byte, keep what trails it */
	while (end > 0 && strchr(" \t\r\n", raw[end - 1]))
		end--;
	return buf_append(out, raw, end) < 0 ||
	    buf_printf(out, "; %s=%s", name, value) < 0 ||
	    buf_append(out, raw + end, len - end) < 0 ? -1 : 0;
}

/* mimeedit_get_param - see mimeedit.h */
int
mimeedit_get_param(const char *raw, size_t len, const char *name,
    struct buf *out)
{
	size_t ps, vs, ve;

	buf_reset(out);
	if (!find_param(raw, len, name, &ps, &vs, &ve))
		return 0;
	if (ve > vs && raw[vs] == '"') {
		for (size_t i = vs + 1; i < ve; i++) {
			if (raw[i] == '"')
				break;
			if (raw[i] == '\\' && i + 1 < ve)
				i++;
			if (buf_putc(out, raw[i]) < 0)
				return -1;
		}
		return 1;
	}
	return buf_append(out, raw + vs, ve - vs) < 0 ? -1 : 1;
}

/*
 * mimeedit_filter_param - a file name parameter, decoded, filtered and
 * written back.  A name may come as a plain parameter (token or quoted
 * string, encoded words inside as many mailers write them), as an RFC 2231
 * extended one (name*=charset'lang'%XX...) or in RFC 2231 sections
 * (name*0*=..., name*1=...); each of these forms is one text.
 */

#define MIMEEDIT_SECTIONS 64	/* RFC 2231 sections of one name we read */
#define MIMEEDIT_CHUNK 60	/* octets of a %-encoded section we write */

/* the parameters that make up one extended name, in section order */
struct form {
	struct param p[MIMEEDIT_SECTIONS];
	int enc[MIMEEDIT_SECTIONS];	/* name*N*=: %-encoded */
	int head;			/* p[0] is section 0 (or name*=): it
					 * carries charset'lang' when enc */
	size_t n;
};

/* param_kind - how parameter n[0..nl) spells name: -1 another parameter,
 * -2 plain, -3 name*= (extended, *enc_r = 1), k >= 0 section k (*enc_r
 * 1 when it ends in '*') */
static int
param_kind(const char *n, size_t nl, const char *name, int *enc_r)
{
	size_t bl = strlen(name), i;
	int k = 0;

	*enc_r = 0;
	if (nl < bl || !bytes_same_ci(n, name, bl))
		return -1;
	if (nl == bl)
		return -2;
	if (n[bl] != '*')
		return -1;
	if (nl == bl + 1) {
		*enc_r = 1;
		return -3;
	}
	i = bl + 1;
	if (!bytes_is_digit((unsigned char)n[i]) ||
	    (n[i] == '0' && i + 1 < nl && bytes_is_digit((unsigned char)n[i + 1])))
		return -1;
	for (; i < nl && bytes_is_digit((unsigned char)n[i]); i++)
		if ((k = k * 10 + (n[i] - '0')) >= MIMEEDIT_SECTIONS)
			return -1;
	if (i + 1 == nl && n[i] == '*') {
		*enc_r = 1;
		return k;
	}
	return i == nl ? k : -1;
}

/* unquote - a raw value without its quotes and quoting backslashes, and
 * with the line breaks of folds taken out */
static int
unquote(const char *v, size_t n, struct buf *out)
{
	int quoted = 0;

	for (size_t i = 0; i < n; i++) {
		if (v[i] == '\r' || v[i] == '\n')
			continue;
		if (v[i] == '"') {
			quoted = !quoted;
			continue;
		}
		if (quoted && v[i] == '\\' && i + 1 < n)
			i++;
		if (buf_putc(out, v[i]) < 0)
			return -1;
	}
	return 0;
}

/* hexval - the value of a hex digit */
static int
hexval(int c)
{
	return bytes_is_digit(c) ? c - '0' : (c | 0x20) - 'a' + 10;
}

/* pct_decode - RFC 2231 %XX undone; a stray '%' stays */
static int
pct_decode(const char *s, size_t n, struct buf *out)
{
	for (size_t i = 0; i < n; i++) {
		int c = (unsigned char)s[i];

		if (c == '%' && i + 2 < n && bytes_is_hex((unsigned char)s[i + 1]) &&
		    bytes_is_hex((unsigned char)s[i + 2])) {
			c = hexval((unsigned char)s[i + 1]) * 16 +
			    hexval((unsigned char)s[i + 2]);
			i += 2;
		}
		if (buf_putc(out, c) < 0)
			return -1;
	}
	return 0;
}

/* attr_char - an RFC 2231 attribute-char, written as it is */
static int
attr_char(unsigned char c)
{
	return c > 32 && c < 127 && strchr("*'%()<>@,;:\\\"/[]?=", c) == NULL;
}

/* token_ok - s may be written as a charset or language label */
static int
token_ok(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!bytes_is_alnum((unsigned char)s[i]) &&
		    strchr("-_.:+", s[i]) == NULL)
			return 0;
	return n < 40;
}

/* decode_form - the text of an extended name: raw bytes to *bytes, the
 * charset and language of its head to cs / lang (empty when none) */
static int
decode_form(const char *raw, const struct form *f, struct buf *bytes,
    struct buf *cs, struct buf *lang)
{
	struct buf v;
	int r = 0;

	buf_init(&v, 0);
	for (size_t i = 0; i < f->n && r == 0; i++) {
		const char *s;
		size_t n;

		buf_reset(&v);
		if (unquote(raw + f->p[i].vs, f->p[i].vx - f->p[i].vs, &v) < 0) {
			r = -1;
			break;
		}
		s = v.p ? v.p : "";
		n = v.len;
		if (i == 0 && f->head && f->enc[0]) {
			const char *q1 = memchr(s, '\'', n), *q2;

			q2 = q1 ? memchr(q1 + 1, '\'', n - (size_t)(q1 + 1 - s)) : NULL;
			/* labels that are no labels are text, and scanned */
			if (q2 != NULL && token_ok(s, (size_t)(q1 - s)) &&
			    token_ok(q1 + 1, (size_t)(q2 - q1 - 1))) {
				r = buf_append(cs, s, (size_t)(q1 - s)) < 0 ||
				    buf_append(lang, q1 + 1, (size_t)(q2 - q1 - 1)) < 0 ? -1 : 0;
				n -= (size_t)(q2 + 1 - s);
				s = q2 + 1;
			}
		}
		if (r == 0)
			r = f->enc[i] ? pct_decode(s, n, bytes) : buf_append(bytes, s, n);
	}
	buf_free_clean(&v);
	return r;
}

/* put_ext - text as name*=cs'lang'%XX..., in sections of MIMEEDIT_CHUNK
 * octets on lines of their own when it is longer */
static int
put_ext(const char *name, size_t nl, const char *cs, const char *lang,
    const char *text, size_t n, const char *eol, struct buf *out)
{
	struct buf enc;
	size_t pos = 0, k = 0;
	int r = 0;

	buf_init(&enc, 0);
	for (size_t i = 0; i < n && r == 0; i++) {
		unsigned char c = (unsigned char)text[i];

		r = attr_char(c) ? buf_putc(&enc, c) :
		    buf_printf(&enc, "%%%02X", c);
	}
	if (r == 0 && enc.len <= MIMEEDIT_CHUNK)
		r = buf_printf(out, "%.*s*=%s'%s'%s", (int)nl, name, cs, lang,
		    enc.p ? enc.p : "");
	while (r == 0 && enc.len > MIMEEDIT_CHUNK && pos < enc.len) {
		size_t end = pos + MIMEEDIT_CHUNK < enc.len ? pos + MIMEEDIT_CHUNK : enc.len;

		/* never split a %XX */
		if (end < enc.len && enc.p[end - 1] == '%')
			end--;
		else if (end < enc.len && end >= 2 && enc.p[end - 2] == '%')
			end -= 2;
		if (k > 0)
			r = buf_printf(out, ";%s ", eol);
		if (r == 0 && k == 0)
			r = buf_printf(out, "%.*s*0*=%s'%s'", (int)nl, name, cs, lang);
		else if (r == 0)
			r = buf_printf(out, "%.*s*%zu*=", (int)nl, name, k);
		if (r == 0)
			r = buf_append(out, enc.p + pos, end - pos);
		pos = end;
		k++;
	}
	buf_free(&enc);
	return r;
}

/* base_len - the length of a parameter name without its "*N*" */
static size_t
base_len(const char *n, size_t nl)
{
	const char *star = memchr(n, '*', nl);

	return star ? (size_t)(star - n) : nl;
}

/* the text of an extended name after fn, and how to label it */
struct ftext {
	struct buf text;	/* the new text, or the old one when unchanged */
	struct buf label, lang;
	int changed;
};

static void
ftext_init(struct ftext *t)
{
	buf_init(&t->text, 0);
	buf_init(&t->label, 0);
	buf_init(&t->lang, 0);
	t->changed = 0;
}

static void
ftext_free(struct ftext *t)
{
	buf_free_clean(&t->text);
	buf_free(&t->label);
	buf_free(&t->lang);
}

/* filter_form - an extended name decoded (converted to UTF-8 when its
 * charset is known) and passed through fn into t (reset first) */
static int
filter_form(const char *raw, const struct form *f, mimeedit_param_fn fn,
    void *ctx, struct ftext *t)
{
	struct buf bytes, cs, conv;
	const char *text;
	size_t tlen;
	int r, converted = 0;

	buf_init(&bytes, 0);
	buf_init(&cs, 0);
	buf_init(&conv, 0);
	buf_reset(&t->text);
	buf_reset(&t->label);
	buf_reset(&t->lang);
	t->changed = 0;
	r = decode_form(raw, f, &bytes, &cs, &t->lang);
	if (r == 0 && cs.len && !charset_is_utf8_compatible(cs.p) &&
	    charset_to_utf8(cs.p, bytes.p ? bytes.p : "", bytes.len, &conv) == 0)
		converted = 1;
	/* the labels are the sender's text too (scanned first: the text is
	 * the last thing fn sees, as mimeedit_param_text wants): what fn
	 * finds there takes them, and the value is written anew with utf-8
	 * and no language */
	if (r == 0 && (cs.len || t->lang.len)) {
		struct buf lab, scratch;

		buf_init(&lab, 0);
		buf_init(&scratch, 0);
		r = buf_printf(&lab, "%s'%s", cs.p ? cs.p : "",
		    t->lang.p ? t->lang.p : "") < 0 ? -1 :
		    fn(ctx, lab.p, lab.len, &scratch);
		if (r == 1) {
			buf_reset(&cs);
			buf_reset(&t->lang);
			t->changed = 1;
			r = 0;
		}
		buf_free_clean(&lab);
		buf_free_clean(&scratch);
	}
	text = converted ? conv.p : bytes.p;
	tlen = converted ? conv.len : bytes.len;
	if (r == 0)
		r = fn(ctx, text ? text : "", tlen, &t->text);
	t->changed |= r == 1;
	if (r == 0) {
		buf_reset(&t->text);	/* fn may have written some */
		r = buf_append(&t->text, text ? text : "", tlen);
	}
	/* unconverted bytes keep their label (replacements are ASCII) */
	if (r >= 0)
		r = buf_puts(&t->label, converted || cs.len == 0 ||
		    !token_ok(cs.p, cs.len) || charset_is_utf8_compatible(cs.p) ?
		    "utf-8" : cs.p);
	if (r >= 0 && !token_ok(t->lang.p ? t->lang.p : "", t->lang.len))
		buf_reset(&t->lang);
	buf_free_clean(&bytes);
	buf_free(&cs);
	buf_free_clean(&conv);
	return r < 0 ? -1 : 0;
}

/* write_form - parameter at replaced by name*= with t's text, every
 * parameter in drop[0..n) but at removed with the separator before it */
static int
write_form(const char *raw, const struct param *at, const struct ftext *t,
    const struct param *drop, size_t n, const char *eol, struct edits *e)
{
	struct buf rep;
	int r;

	buf_init(&rep, 0);
	r = put_ext(raw + at->ps, base_len(raw + at->ps, at->pe - at->ps),
	    t->label.p ? t->label.p : "utf-8", t->lang.p ? t->lang.p : "",
	    t->text.p ? t->text.p : "", t->text.len, eol, &rep);
	if (r == 0)
		r = edits_add(e, at->ps, at->vx, rep.p ? rep.p : "", rep.len);
	for (size_t i = 0; i < n && r == 0; i++)
		if (drop[i].ps != at->ps)
			r = edits_add(e, drop[i].sep, drop[i].vx, "", 0);
	buf_free_clean(&rep);
	return r < 0 ? -1 : 0;
}

/* needs_words - text must go out as encoded words: it has control bytes,
 * or is not ASCII and came in encoded words */
static int
needs_words(const char *t, size_t n, int had_words)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)t[i];

		if ((c < 32 && c != '\t') || c == 127 || (c >= 128 && had_words))
			return 1;
	}
	return 0;
}

/* put_quoted - text as a quoted string; encoded words (RFC 2047) when
 * needs_words says so, folded like any header text */
static int
put_quoted(const char *t, size_t n, int had_words, size_t col,
    const char *eol, struct buf *out)
{
	struct buf w;
	int r = 0;

	buf_init(&w, 0);
	if (needs_words(t, n, had_words)) {
		if (rfc2047_encode(t, n, col, eol, &w) < 0) {
			buf_free(&w);
			return -1;
		}
		t = w.p ? w.p : "";
		n = w.len;
	}
	r = buf_putc(out, '"');
	for (size_t i = 0; i < n && r == 0; i++) {
		if (t[i] == '"' || t[i] == '\\')
			r = buf_putc(out, '\\');
		if (r == 0)
			r = buf_putc(out, t[i]);
	}
	if (r == 0)
		r = buf_putc(out, '"');
	buf_free_clean(&w);
	return r;
}

/* filter_plain - a plain name= through fn; when it changes, its value
 * becomes a quoted string, or name*=utf-8''... (RFC 2231) when the text
 * came in encoded words and is no longer ASCII and no extended form of the
 * name is there to clash with (then encoded words again) */
static int
filter_plain(const char *raw, const struct param *p, int has_ext,
    const char *eol, mimeedit_param_fn fn, void *ctx, struct edits *e)
{
	struct buf uq, text, nt, rep;
	const char *nl;
	size_t col;
	int r, had_words;

	buf_init(&uq, 0);
	buf_init(&text, 0);
	buf_init(&nt, 0);
	buf_init(&rep, 0);
	r = unquote(raw + p->vs, p->vx - p->vs, &uq);
	if (r == 0)
		r = rfc2047_decode(uq.p ? uq.p : "", uq.len, &text);
	had_words = uq.len != text.len ||
	    (uq.len && memcmp(uq.p, text.p, uq.len) != 0);
	if (r == 0)
		r = fn(ctx, text.p ? text.p : "", text.len, &nt);
	if (r <= 0)
		goto out;
	if (!has_ext && needs_words(nt.p ? nt.p : "", nt.len, had_words)) {
		r = put_ext(raw + p->ps, p->pe - p->ps, "utf-8", "",
		    nt.p ? nt.p : "", nt.len, eol, &rep);
		if (r == 0)
			r = edits_add(e, p->ps, p->vx, rep.p ? rep.p : "", rep.len);
		r = r < 0 ? -1 : 1;
		goto out;
	}
	/* the column the value starts at, for folding encoded words */
	for (nl = raw + p->vs; nl > raw && nl[-1] != '\n'; nl--)
		;
	col = (size_t)(raw + p->vs - nl) + (nl == raw ? 21 : 0) + 1;
	r = put_quoted(nt.p ? nt.p : "", nt.len, had_words, col, eol, &rep);
	if (r == 0)
		r = edits_add(e, p->vs, p->vx, rep.p ? rep.p : "", rep.len);
	r = r < 0 ? -1 : 1;
out:
	buf_free_clean(&uq);
	buf_free_clean(&text);
	buf_free_clean(&nt);
	buf_free_clean(&rep);
	return r;
}

/* one extended parameter of the name: k is its section, -1 for name*= */
struct xparam {
	struct param p;
	int k, enc, used;
};

/* main_form - the sections 0, 1, ... up to the first gap (first
 * occurrences), else the first name*=, else the first extended parameter
 * alone; those used are marked */
static void
main_form(struct xparam *x, size_t nx, struct form *f)
{
	memset(f, 0, sizeof(*f));
	for (int k = 0; k < MIMEEDIT_SECTIONS; k++) {
		size_t i = 0;

		while (i < nx && x[i].k != k)
			i++;
		if (i == nx)
			break;
		f->p[f->n] = x[i].p;
		f->enc[f->n++] = x[i].enc;
		x[i].used = f->head = 1;
	}
	for (size_t i = 0; f->n == 0 && i < nx; i++)
		if (x[i].k == -1) {
			f->p[f->n] = x[i].p;
			f->enc[f->n++] = f->head = x[i].used = 1;
		}
	if (f->n == 0 && nx > 0) {
		f->p[f->n] = x[0].p;
		f->enc[f->n++] = x[0].enc;
		x[0].used = 1;
	}
}

/* filter_ext - the extended parameters of the name.  Well formed (one
 * name*= or one run of sections): when the text changes, it becomes one
 * name*= where it started.  Otherwise (duplicates, gaps, both kinds) every
 * other parameter is read alone too, and when anything changes they all
 * go and the main text alone stays, as one name*=: what a second scrub
 * then reads is what this one wrote. */
static int
filter_ext(const char *raw, struct xparam *x, size_t nx, const char *eol,
    mimeedit_param_fn fn, void *ctx, struct edits *e)
{
	struct form *f = calloc(1, sizeof(*f));
	struct param *all = calloc(nx ? nx : 1, sizeof(*all));
	struct ftext t, other;
	int r = 0, changed, well_formed = 1;

	ftext_init(&t);
	ftext_init(&other);
	if (f == NULL || all == NULL) {
		r = -1;
		goto out;
	}
	main_form(x, nx, f);
	if ((r = filter_form(raw, f, fn, ctx, &t)) < 0)
		goto out;
	changed = t.changed;
	for (size_t i = 0; i < nx && r == 0; i++) {
		struct form one;

		all[i] = x[i].p;
		if (x[i].used)
			continue;
		well_formed = 0;
		one.p[0] = x[i].p;
		one.enc[0] = x[i].enc;
		one.head = x[i].k <= 0;
		one.n = 1;
		r = filter_form(raw, &one, fn, ctx, &other);
		changed |= other.changed;
	}
	if (r == 0 && changed)
		r = well_formed ?
		    write_form(raw, &f->p[0], &t, f->p, f->n, eol, e) :
		    write_form(raw, &x[0].p, &t, all, nx, eol, e);
out:
	ftext_free(&t);
	ftext_free(&other);
	free(f);
	free(all);
	return r;
}

/* mimeedit_filter_param - see mimeedit.h */
int
mimeedit_filter_param(const char *raw, size_t len, const char *name,
    const char *eol, mimeedit_param_fn fn, void *ctx, struct buf *out,
    int *changed_r)
{
	struct xparam *x = NULL;
	struct param p;
	struct edits e;
	size_t i = 0, nx = 0, cap = 0;
	int r = 0, enc, k;

	*changed_r = 0;
	edits_init(&e);
	while (r == 0 && next_param(raw, len, &i, &p)) {
		if ((k = param_kind(raw + p.ps, p.pe - p.ps, name, &enc)) == -1 ||
		    k == -2)
			continue;
		if (nx == cap) {
			struct xparam *nv;

			cap = cap ? cap * 2 : 8;
			if ((nv = realloc(x, cap * sizeof(*x))) == NULL) {
				r = -1;
				break;
			}
			x = nv;
		}
		x[nx++] = (struct xparam){ p, k == -3 ? -1 : k, enc, 0 };
	}
	for (i = 0; r >= 0 && next_param(raw, len, &i, &p); )
		if (param_kind(raw + p.ps, p.pe - p.ps, name, &enc) == -2)
			r = filter_plain(raw, &p, nx > 0, eol, fn, ctx, &e);
	if (r >= 0 && nx > 0)
		r = filter_ext(raw, x, nx, eol, fn, ctx, &e);
	if (r >= 0 && e.n > 0) {
		*changed_r = 1;
		r = splice_apply(raw, len, &e, out);
	} else if (r >= 0)
		r = buf_append(out, raw, len);
	edits_free(&e);
	free(x);
	return r < 0 ? -1 : 0;
}

/* keep_text - mimeedit_param_fn that copies the text to ctx and keeps it */
static int
keep_text(void *ctx, const char *text, size_t len, struct buf *out)
{
	struct buf *b = ctx;

	buf_reset(b);
	return buf_append(b, text, len) < 0 ? -1 : 0;
}

/* mimeedit_param_text - see mimeedit.h */
int
mimeedit_param_text(const char *raw, size_t len, const char *name,
    struct buf *out)
{
	struct buf sink;
	int changed, r;

	/* the forms are read plain first, then extended: the last one
	 * read wins, as RFC 2231 wants */
	buf_init(&sink, 0);
	buf_reset(out);
	r = mimeedit_filter_param(raw, len, name, "\r\n", keep_text, out, &sink,
	    &changed);
	buf_free(&sink);
	if (r < 0)
		return -1;
	for (size_t i = 0; i < out->len; i++)
		if (out->p[i] == '\0')
			out->p[i] = '_';
	return out->len > 0;
}
