/* html - redact personal data in HTML without breaking the markup
 * (see html.h).
 *
 * One pass over the source cuts it into segments of extracted text: a
 * literal chunk (text byte i is source byte soff + i), a reference (&...;
 * or %XX in a mailto: link: its text bytes stand for the whole source
 * range) or a synthetic line break (a block tag or the edge of an
 * attribute value: no source to replace).  Segments of one text node or
 * one attribute value share a run number.  A finding maps to source
 * ranges through the segments; the replacement goes into the first run it
 * touches and the finding's part of every later run is removed, so no tag
 * is ever touched.  Everything else is copied as it was.
 *
 * Hostile input stays linear: every scan moves forward, an unterminated
 * tag makes the rest of the document plain text (no rescans from each
 * '<'), and an unterminated comment, script or CDATA section runs to the
 * end as browsers do.
 */
#include "html.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

enum { SEG_LIT, SEG_REF, SEG_SYN };
enum { CTX_TEXT, CTX_ATTR_Q, CTX_ATTR_U };

struct hseg {
	size_t toff, tlen;	/* text range */
	size_t soff, slen;	/* source range; slen 0 for SEG_SYN */
	size_t vs, ve;		/* the attribute value holding it */
	unsigned run;
	unsigned char kind, ctx;
};

struct hx {
	const char *s;
	size_t n;
	struct buf *text;
	struct hseg *seg;
	size_t nseg, cap;
	unsigned run;
	int no_tags;		/* an unterminated tag: the rest is text */
	size_t vs, ve;		/* the attribute value being read */
};

struct html_name {
	const char *name;
	size_t len;
};

#define N(s) { s, sizeof(s) - 1 }
static const struct html_name html_block_tags[] = {
	N("p"), N("br"), N("div"), N("tr"), N("td"), N("th"), N("li"),
	N("ul"), N("ol"), N("table"), N("h1"), N("h2"), N("h3"), N("h4"),
	N("h5"), N("h6"), N("blockquote"), N("hr"), N("pre"), N("dl"),
	N("dt"), N("dd"), N("tbody"), N("thead"), N("tfoot"), N("caption"),
	N("section"), N("article"), N("header"), N("footer"), N("address"),
	N("center"), N("form"), N("fieldset"), N("nav"), N("aside"),
	N("main"), N("figure"), N("figcaption"), N("title"), N("option"),
};

static const struct html_name html_text_attrs[] = {
	N("href"), N("src"), N("title"), N("alt"), N("value"), N("content"),
	N("placeholder"), N("label"), N("aria-label"), N("action"),
	N("cite"), N("summary"), N("abbr"),
};

static const struct html_name html_raw_tags[] = { N("script"), N("style") };

/* the references that may go without ';' */
static const struct html_name html_legacy_refs[] = {
	N("amp"), N("lt"), N("gt"), N("quot"), N("nbsp"), N("copy"), N("reg"),
};
#undef N

#define HTML_NAMES(t) (t), sizeof(t) / sizeof((t)[0])

/* html_name_in - whether s[0..n) is, ignoring case, one of list */
static int
html_name_in(const char *s, size_t n, const struct html_name *list,
    size_t k)
{
	size_t i;

	for (i = 0; i < k; i++)
		if (list[i].len == n && ((s[0] | 0x20) == list[i].name[0]) &&
		    strncasecmp(s, list[i].name, n) == 0)
			return 1;
	return 0;
}

/* html_is_ws - HTML white space */
static int
html_is_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

/* html_is_alpha - an ASCII letter */
static int
html_is_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* hx_seg - append text t[0..tlen) standing for source [soff, soff+slen) */
static int
hx_seg(struct hx *h, int kind, int ctx, size_t soff, size_t slen,
    const char *t, size_t tlen)
{
	struct hseg *last = h->nseg ? &h->seg[h->nseg - 1] : NULL;
	size_t toff = h->text->len;

	if (buf_append(h->text, t, tlen) < 0)
		return -1;
	if (kind == SEG_LIT && last && last->kind == SEG_LIT &&
	    last->run == h->run && last->soff + last->slen == soff &&
	    last->toff + last->tlen == toff) {
		last->slen += slen;
		last->tlen += tlen;
		return 0;
	}
	if (h->nseg == h->cap) {
		size_t ncap = h->cap ? h->cap * 2 : 64;
		struct hseg *nv = realloc(h->seg, ncap * sizeof(*nv));

		if (nv == NULL)
			return -1;
		h->seg = nv;
		h->cap = ncap;
	}
	h->seg[h->nseg++] = (struct hseg){ toff, tlen, soff, slen, h->vs,
	    h->ve, h->run, (unsigned char)kind, (unsigned char)ctx };
	return 0;
}

/* hx_nl - a synthetic line break standing at source offset at */
static int
hx_nl(struct hx *h, size_t at)
{
	return hx_seg(h, SEG_SYN, CTX_TEXT, at, 0, "\n", 1);
}

/* html_utf8 - encode code point cp into o; returns the length */
static size_t
html_utf8(unsigned cp, char o[4])
{
	if (cp == 0 || (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		cp = 0xfffd;
	if (cp < 0x80) {
		o[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		o[0] = (char)(0xc0 | cp >> 6);
		o[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		o[0] = (char)(0xe0 | cp >> 12);
		o[1] = (char)(0x80 | (cp >> 6 & 0x3f));
		o[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	o[0] = (char)(0xf0 | cp >> 18);
	o[1] = (char)(0x80 | (cp >> 12 & 0x3f));
	o[2] = (char)(0x80 | (cp >> 6 & 0x3f));
	o[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

/* html_hexval - value of a hex digit or -1 */
static int
html_hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f')
		return (c | 0x20) - 'a' + 10;
	return -1;
}

/* html_numref - "&#123;" or "&#x7b;" at s[i..n): source length, 0 if
 * none; digits after the value passes U+10FFFF are read but not added */
static size_t
html_numref(const char *s, size_t n, size_t i, unsigned *cp_r)
{
	size_t p = i + 2, d0;
	int hex = p < n && (s[p] | 0x20) == 'x', v;
	unsigned cp = 0;

	if (hex)
		p++;
	d0 = p;
	while (p < n && (v = hex ? html_hexval(s[p]) :
	    (s[p] >= '0' && s[p] <= '9' ? s[p] - '0' : -1)) >= 0) {
		if (cp <= 0x10ffff)
			cp = cp * (hex ? 16 : 10) + (unsigned)v;
		p++;
	}
	if (p == d0)
		return 0;
	*cp_r = cp;
	return (p < n && s[p] == ';' ? p + 1 : p) - i;
}

/* html_ref - a character reference at s[i] == '&': source length and
 * UTF-8 in o (*olen_r bytes), or 0 when it is not one (kept literally) */
static size_t
html_ref(const char *s, size_t n, size_t i, char o[4], size_t *olen_r)
{
	size_t p = i + 1, k;
	unsigned cp;

	if (p < n && s[p] == '#') {
		if ((k = html_numref(s, n, i, &cp)) == 0)
			return 0;
		*olen_r = html_utf8(cp, o);
		return k;
	}
	while (p < n && p - i <= 32 && (html_is_alpha(s[p]) ||
	    (s[p] >= '0' && s[p] <= '9')))
		p++;
	if (p == i + 1 || html_entity_lookup(s + i + 1, p - i - 1, &cp) < 0)
		return 0;
	if (p < n && s[p] == ';')
		p++;
	else if ((p < n && s[p] == '=') || !html_name_in(s + i + 1,
	    p - i - 1, HTML_NAMES(html_legacy_refs)))
		return 0;	/* only the old names may drop the ';' */
	*olen_r = html_utf8(cp, o);
	return p - i;
}

/* hx_chars - character data s[a..b) of the current run: references
 * decoded; pct: also %XX (a mailto: link) */
static int
hx_chars(struct hx *h, size_t a, size_t b, int ctx, int pct)
{
	const char *s = h->s;
	size_t p = a;

	while (p < b) {
		size_t q = p, k = 0, olen = 0;
		char o[4];

		if (pct) {
			while (q < b && s[q] != '&' && s[q] != '%')
				q++;
		} else {
			const char *amp = memchr(s + p, '&', b - p);

			q = amp ? (size_t)(amp - s) : b;
		}
		if (q > p && hx_seg(h, SEG_LIT, ctx, p, q - p, s + p, q - p) < 0)
			return -1;
		if (q == b)
			break;
		if (s[q] == '&')
			k = html_ref(s, b, q, o, &olen);
		else if (q + 2 < b && html_hexval(s[q + 1]) >= 0 &&
		    html_hexval(s[q + 2]) >= 0) {
			o[0] = (char)(html_hexval(s[q + 1]) << 4 |
			    html_hexval(s[q + 2]));
			olen = 1;
			k = 3;
		}
		if (k == 0)
			k = olen = 1, o[0] = s[q];
		if (hx_seg(h, k > 1 ? SEG_REF : SEG_LIT, ctx, q, k, o, olen) < 0)
			return -1;
		p = q + k;
	}
	return 0;
}

/* hx_attr - an attribute's value s[a..b) read as a line of its own when
 * the attribute can hold personal data */
static int
hx_attr(struct hx *h, const char *name, size_t nl, size_t a, size_t b,
    int ctx)
{
	int pct;

	if (b == a || !(html_name_in(name, nl, HTML_NAMES(html_text_attrs)) ||
	    (nl > 5 && strncasecmp(name, "data-", 5) == 0)))
		return 0;
	pct = b - a > 7 && strncasecmp(h->s + a, "mailto:", 7) == 0;
	h->run++;
	h->vs = a;
	h->ve = b;
	if (hx_nl(h, a) < 0 || hx_chars(h, a, b, ctx, pct) < 0 ||
	    hx_nl(h, b) < 0)
		return -1;
	h->vs = h->ve = 0;
	h->run++;
	return 0;
}

/* hx_skip_ws - first offset from p that is not white space */
static size_t
hx_skip_ws(const struct hx *h, size_t p)
{
	while (p < h->n && html_is_ws(h->s[p]))
		p++;
	return p;
}

/* hx_attr_value - the value after "name =" at p; sets [*a, *b) and the
 * context; returns the offset after it, or n when unterminated */
static size_t
hx_attr_value(const struct hx *h, size_t p, size_t *a, size_t *b, int *ctx)
{
	const char *s = h->s;

	if (s[p] == '"' || s[p] == '\'') {
		const char *q = memchr(s + p + 1, s[p], h->n - p - 1);

		if (q == NULL)
			return h->n;
		*a = p + 1;
		*b = (size_t)(q - s);
		*ctx = CTX_ATTR_Q;
		return *b + 1;
	}
	*a = p;
	while (p < h->n && !html_is_ws(s[p]) && s[p] != '>')
		p++;
	*b = p;
	*ctx = CTX_ATTR_U;
	return p;
}

/* hx_attrs - the attributes of a start tag from p: 1 and *end_r after
 * its '>', 0 when the tag does not end, -1 when out of memory */
static int
hx_attrs(struct hx *h, size_t p, size_t *end_r)
{
	const char *s = h->s;

	for (;;) {
		size_t n0, ne, a, b;
		int ctx;

		while (p < h->n && (html_is_ws(s[p]) || s[p] == '/'))
			p++;
		if (p >= h->n)
			return 0;
		if (s[p] == '>') {
			*end_r = p + 1;
			return 1;
		}
		n0 = p++;	/* a leading '=' belongs to the name */
		while (p < h->n && !html_is_ws(s[p]) && s[p] != '/' &&
		    s[p] != '>' && s[p] != '=')
			p++;
		ne = p;
		p = hx_skip_ws(h, p);
		if (p >= h->n || s[p] != '=')
			continue;
		p = hx_skip_ws(h, p + 1);
		if (p >= h->n || (p = hx_attr_value(h, p, &a, &b, &ctx)) >=
		    h->n)
			return 0;
		if (hx_attr(h, s + n0, ne - n0, a, b, ctx) < 0)
			return -1;
	}
}

/* hx_raw_end - where the raw text of <script> or <style> that began at p
 * ends: the '<' of its end tag, or the end of the input */
static size_t
hx_raw_end(const struct hx *h, size_t p, const char *name, size_t nl)
{
	const char *s = h->s;

	while (p < h->n) {
		const char *lt = memchr(s + p, '<', h->n - p);
		size_t i, e;

		if (lt == NULL)
			break;
		i = (size_t)(lt - s);
		e = i + 2 + nl;
		if (e <= h->n && s[i + 1] == '/' &&
		    strncasecmp(s + i + 2, name, nl) == 0 && (e == h->n ||
		    html_is_ws(s[e]) || s[e] == '/' || s[e] == '>'))
			return i;
		p = i + 1;
	}
	return h->n;
}

/* hx_start_tag - "<name ...>" at i: 1 with *end_r, 0 when it does not
 * end (what it read is taken back), -1 out of memory */
static int
hx_start_tag(struct hx *h, size_t i, size_t *end_r)
{
	size_t p = i + 1, nl, text_len = h->text->len, nseg = h->nseg;
	unsigned run = h->run;
	int rc;

	while (p < h->n && !html_is_ws(h->s[p]) && h->s[p] != '/' &&
	    h->s[p] != '>')
		p++;
	nl = p - i - 1;
	if (html_name_in(h->s + i + 1, nl, HTML_NAMES(html_block_tags)) &&
	    hx_nl(h, i) < 0)
		return -1;
	if ((rc = hx_attrs(h, p, end_r)) <= 0) {
		h->text->len = text_len;
		if (h->text->p)
			h->text->p[text_len] = '\0';
		h->nseg = nseg;
		h->run = run;
		return rc;
	}
	if (html_name_in(h->s + i + 1, nl, HTML_NAMES(html_raw_tags)) && h->s[*end_r - 2] != '/')
		*end_r = hx_raw_end(h, *end_r, h->s + i + 1, nl);
	return 1;
}

/* hx_end_tag - "</name ...>" at i: 1 with *end_r, 0 when it does not end */
static int
hx_end_tag(struct hx *h, size_t i, size_t *end_r)
{
	const char *gt = memchr(h->s + i + 2, '>', h->n - i - 2);
	size_t p = i + 2;

	if (gt == NULL)
		return 0;
	while (p < h->n && (html_is_alpha(h->s[p]) ||
	    (h->s[p] >= '0' && h->s[p] <= '9')))
		p++;
	if (html_name_in(h->s + i + 2, p - i - 2,
	    HTML_NAMES(html_block_tags)) &&
	    hx_nl(h, i) < 0)
		return -1;
	*end_r = (size_t)(gt - h->s) + 1;
	return 1;
}

/* hx_until - end of a section at p that closes with tok, or of input */
static size_t
hx_until(const struct hx *h, size_t p, const char *tok)
{
	size_t tl = strlen(tok);
	const char *q = p < h->n ? memmem(h->s + p, h->n - p, tok, tl) : NULL;

	return q ? (size_t)(q - h->s) + tl : h->n;
}

/* hx_markup - whatever starts with '<' at i: 1 with *end_r (markup, not
 * read), 0 when the '<' is text, -1 out of memory */
static int
hx_markup(struct hx *h, size_t i, size_t *end_r)
{
	const char *s = h->s + i;
	size_t left = h->n - i;
	int rc = 0;

	if (left < 2)
		return 0;
	if (s[1] == '!' || s[1] == '?') {
		if (left >= 4 && memcmp(s, "<!--", 4) == 0)
			*end_r = hx_until(h, i + 2, "-->");
		else if (left >= 9 && memcmp(s, "<![CDATA[", 9) == 0)
			*end_r = hx_until(h, i + 9, "]]>");
		else
			*end_r = hx_until(h, i + 2, ">");
		return 1;
	}
	if (s[1] == '/' && left > 2 && html_is_alpha(s[2]))
		rc = hx_end_tag(h, i, end_r);
	else if (html_is_alpha(s[1]))
		rc = hx_start_tag(h, i, end_r);
	else
		return 0;
	if (rc == 0)
		h->no_tags = 1;	/* never rescan the rest from each '<' */
	return rc;
}

/* hx_extract - the whole source into text and segments */
static int
hx_extract(struct hx *h)
{
	size_t ts = 0, p = 0, end = 0;

	while (p < h->n && !h->no_tags) {
		const char *lt = memchr(h->s + p, '<', h->n - p);
		size_t i;
		int rc;

		if (lt == NULL)
			break;
		i = (size_t)(lt - h->s);
		if (hx_chars(h, ts, i, CTX_TEXT, 0) < 0)
			return -1;
		ts = i;
		h->run++;
		if ((rc = hx_markup(h, i, &end)) < 0)
			return -1;
		if (rc == 0) {
			h->run--;	/* the '<' is text of the same run */
			p = i + 1;
			continue;
		}
		h->run++;
		ts = p = end;
	}
	return hx_chars(h, ts, h->n, CTX_TEXT, 0);
}

/* hx_init - an extraction of src into text */
static void
hx_init(struct hx *h, const char *src, size_t len, struct buf *text)
{
	memset(h, 0, sizeof(*h));
	h->s = src;
	h->n = len;
	h->text = text;
}

/* the rewriting state */
struct hw {
	const char *s;
	struct buf *out;
	size_t pos;		/* source copied up to here */
	int changed;
};

/* hw_escaped - replacement r[0..n) escaped for where it goes */
static int
hw_escaped(struct hw *w, const char *r, size_t n, int ctx)
{
	size_t i, from = 0;

	for (i = 0; i < n; i++) {
		const char *e = NULL;
		char num[8];

		switch (r[i]) {
		case '&': e = "&amp;"; break;
		case '<': e = "&lt;"; break;
		case '>': e = "&gt;"; break;
		case '"': e = "&quot;"; break;
		case '\'': e = "&#39;"; break;
		default:
			if (ctx == CTX_ATTR_U && (html_is_ws(r[i]) ||
			    r[i] == '=' || r[i] == '`')) {
				snprintf(num, sizeof(num), "&#%d;", r[i]);
				e = num;
			}
		}
		if (e == NULL)
			continue;
		if (buf_append(w->out, r + from, i - from) < 0 ||
		    buf_puts(w->out, e) < 0)
			return -1;
		from = i + 1;
	}
	return buf_append(w->out, r + from, n - from);
}

/* hw_op - source [a, b) becomes r[0..n) (escaped for seg's context) */
static int
hw_op(struct hw *w, size_t a, size_t b, const struct hseg *seg,
    const char *r, size_t n)
{
	if (a < w->pos)
		a = w->pos;	/* two findings in one reference */
	if (b < a)
		b = a;
	if (buf_append(w->out, w->s + w->pos, a - w->pos) < 0 ||
	    hw_escaped(w, r, n, seg->ctx) < 0)
		return -1;
	/* an unquoted value emptied whole would swallow the next attribute */
	if (n == 0 && seg->ctx == CTX_ATTR_U && a == seg->vs && b == seg->ve &&
	    buf_puts(w->out, "\"\"") < 0)
		return -1;
	w->pos = b;
	w->changed = 1;
	return 0;
}

/* hw_src_start - source offset of text offset t inside seg */
static size_t
hw_src_start(const struct hseg *g, size_t t)
{
	return g->kind == SEG_LIT ? g->soff + (t - g->toff) : g->soff;
}

/* hw_src_end - source offset after text offset t - 1 inside seg */
static size_t
hw_src_end(const struct hseg *g, size_t t)
{
	return g->kind == SEG_LIT ? g->soff + (t - g->toff) : g->soff + g->slen;
}

/* hw_edit - splice one edit: the replacement into the first run it
 * touches, its part of every later run removed; *si is a cursor into the
 * segments that only moves forward (edits come sorted) */
static int
hw_edit(struct hw *w, const struct hx *h, const struct edit *e,
    const char *rep, size_t *si)
{
	size_t j, a = 0, b = 0, s = e->start, t = e->end;
	const struct hseg *cur = NULL;
	int first = 1;

	if (t > h->text->len)
		t = h->text->len;
	if (s >= t)
		return 0;
	while (*si < h->nseg && h->seg[*si].toff + h->seg[*si].tlen <= s)
		(*si)++;
	for (j = *si; j < h->nseg && h->seg[j].toff < t; j++) {
		const struct hseg *g = &h->seg[j];
		size_t ga = hw_src_start(g, s > g->toff ? s : g->toff);
		size_t gb = hw_src_end(g, t < g->toff + g->tlen ? t :
		    g->toff + g->tlen);

		if (g->kind == SEG_SYN)
			continue;
		if (cur && g->run == cur->run) {
			b = gb;
			continue;
		}
		if (cur && hw_op(w, a, b, cur, first ? rep : "", first ?
		    e->rep_len : 0) < 0)
			return -1;
		if (cur)
			first = 0;
		cur = g;
		a = ga;
		b = gb;
	}
	if (cur && hw_op(w, a, b, cur, first ? rep : "", first ?
	    e->rep_len : 0) < 0)
		return -1;
	return 0;
}

/* hw_apply - the source with every edit spliced in */
static int
hw_apply(struct hw *w, const struct hx *h, const struct edits *ed)
{
	size_t i, si = 0;

	for (i = 0; i < ed->n; i++)
		if (hw_edit(w, h, &ed->v[i], ed->reps.p + ed->v[i].rep_off,
		    &si) < 0)
			return -1;
	return buf_append(w->out, h->s + w->pos, h->n - w->pos);
}

/* html_redact - extract, let fn find, splice the findings back */
int
html_redact(const char *src, size_t len, text_redact_fn fn, void *ctx,
    struct buf *out, int *changed_r)
{
	struct buf text;
	struct hx h;
	struct edits ed;
	struct hw w = { src, out, 0, 0 };
	size_t mark = out->len;
	int rc = -1;

	*changed_r = 0;
	buf_init(&text, 0);
	edits_init(&ed);
	hx_init(&h, src, len, &text);
	if (hx_extract(&h) < 0 ||
	    fn(ctx, text.p ? text.p : "", text.len, &ed) < 0)
		goto done;
	if (ed.n == 0)
		rc = buf_append(out, src, len);
	else if ((rc = hw_apply(&w, &h, &ed)) == 0)
		*changed_r = w.changed;
done:
	if (rc < 0) {
		out->len = mark;
		if (out->p)
			out->p[mark] = '\0';
	}
	free(h.seg);
	buf_free_clean(&text);
	edits_free(&ed);
	return rc;
}

/* html_text - extraction only, with a source offset per text byte */
int
html_text(const char *src, size_t len, struct buf *out, size_t **map_r)
{
	struct hx h;
	size_t base = out->len, i, k, *map;

	hx_init(&h, src, len, out);
	if (hx_extract(&h) < 0)
		goto fail;
	if (map_r != NULL) {
		if ((map = malloc((out->len - base + 1) * sizeof(*map))) == NULL)
			goto fail;
		for (i = 0; i < h.nseg; i++)
			for (k = 0; k < h.seg[i].tlen; k++)
				map[h.seg[i].toff - base + k] =
				    hw_src_start(&h.seg[i], h.seg[i].toff + k);
		*map_r = map;
	}
	free(h.seg);
	return 0;
fail:
	free(h.seg);
	out->len = base;
	if (out->p)
		out->p[base] = '\0';
	return -1;
}
