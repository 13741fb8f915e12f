/* header - split a raw RFC 5322 header block into its fields, byte-exact,
 * and write changes to a field's decoded value back into its raw bytes
 * (see header.h for the contracts).
 *
 * A field name is one or more printable US-ASCII bytes other than ':'
 * (RFC 5322 ftext), optionally followed by blanks before the colon; a first
 * line whose text before the colon is anything else (an mbox "From "
 * line, "X Y: z", a line starting with ':') is malformed and kept verbatim.
 *
 * header_rewrite works on the decoded text and its map (rfc2047.h): a
 * change in copied text is a splice of the raw bytes it came from; a change
 * touching an encoded word grows to whole words (an encoded run counts as
 * one word) and those are encoded anew, with the blanks before them so the
 * encoder may fold there.  Every result is checked (field_ok, and decoding
 * it again) before it is taken.
 */
#include "header.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mimeedit.h"

/* line_end - index just past the line starting at i: past its LF, or len */
static size_t
line_end(const char *b, size_t i, size_t len)
{
	const char *nl = memchr(b + i, '\n', len - i);

	return nl ? (size_t)(nl - b) + 1 : len;
}

/* empty_line - length of the empty line at b[i] (1 or 2), or 0 if none */
static size_t
empty_line(const char *b, size_t i, size_t len)
{
	if (i < len && b[i] == '\n')
		return 1;
	if (i + 1 < len && b[i] == '\r' && b[i + 1] == '\n')
		return 2;
	return 0;
}

/* break_len - length of the line break ending b[s, e): 0, 1 or 2 */
static size_t
break_len(const char *b, size_t s, size_t e)
{
	if (e == s || b[e - 1] != '\n')
		return 0;
	return e - 1 > s && b[e - 2] == '\r' ? 2 : 1;
}

/* is_blank - SP or HT: what starts a continuation line */
static int
is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* name_len - length of the field name on the line b[s, e), 0 when the line
 * has no valid "name:" start */
static size_t
name_len(const char *b, size_t s, size_t e)
{
	const char *colon = memchr(b + s, ':', e - s);
	size_t n;

	if (colon == NULL)
		return 0;
	n = (size_t)(colon - b) - s;
	while (n > 0 && is_blank(b[s + n - 1]))
		n--;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)b[s + i] < 33 || (unsigned char)b[s + i] > 126)
			return 0;
	return n;
}

/* fill - describe the field b[s, e) whose first line ends at le */
static void
fill(struct header_field *f, const char *b, size_t s, size_t le, size_t e)
{
	size_t vend = e - break_len(b, s, e);

	f->start = f->name = s;
	f->end = e;
	f->name_len = name_len(b, s, le);
	if (f->name_len == 0) {
		f->value = s;
	} else {
		/* the colon is the first one after the name and its blanks */
		f->value = (size_t)((const char *)memchr(b + s, ':', le - s) - b) + 1;
	}
	f->value_len = vend - f->value;
}

/* header_split - see header.h */
int
header_split(const char *block, size_t len, struct header_field *fields,
    size_t max_fields, size_t max_field_size, size_t *n_r,
    const char **error_r)
{
	const char *err;
	size_t i = 0, n = 0, le, e;

	while (i < len && empty_line(block, i, len) == 0) {
		le = e = line_end(block, i, len);
		while (e < len && is_blank(block[e]))
			e = line_end(block, e, len);
		if (n == max_fields) {
			err = "too many header fields";
			goto fail;
		}
		if (e - i > max_field_size) {
			err = "header field too long";
			goto fail;
		}
		fill(&fields[n++], block, i, le, e);
		i = e;
	}
	*n_r = n;
	return 0;
fail:
	if (error_r)
		*error_r = err;
	return -1;
}

/* header_is - see header.h */
int
header_is(const char *block, const struct header_field *f, const char *name)
{
	size_t n = strlen(name);
	const char *p = block + f->name;

	if (f->name_len != n || n == 0)
		return 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char a = (unsigned char)p[i], c = (unsigned char)name[i];

		if (a >= 'A' && a <= 'Z')
			a = (unsigned char)(a - 'A' + 'a');
		if (c >= 'A' && c <= 'Z')
			c = (unsigned char)(c - 'A' + 'a');
		if (a != c)
			return 0;
	}
	return 1;
}

/* header_find_next - see header.h */
long
header_find_next(const char *block, const struct header_field *fields,
    size_t n, size_t from, const char *name)
{
	for (size_t i = from; i < n; i++)
		if (header_is(block, &fields[i], name))
			return (long)i;
	return -1;
}

/* header_find - see header.h */
long
header_find(const char *block, const struct header_field *fields, size_t n,
    const char *name)
{
	return header_find_next(block, fields, n, 0, name);
}

/* header_eol - see header.h */
const char *
header_eol(const char *block, size_t len)
{
	const char *nl = len ? memchr(block, '\n', len) : NULL;

	if (nl != NULL && nl > block && nl[-1] == '\r')
		return "\r\n";
	return nl != NULL ? "\n" : "\r\n";
}

/* header_block_end - see header.h */
size_t
header_block_end(const char *msg, size_t len)
{
	size_t i = 0, el;

	while (i < len) {
		if ((el = empty_line(msg, i, len)) != 0)
			return i + el;
		i = line_end(msg, i, len);
	}
	return len;
}

/* One value being rewritten.  Offsets called raw are into the field; the
 * map's raw offsets are into its value, which starts at val. */
struct hscan {
	const char *raw;		/* the field, name to final line break */
	size_t len;
	size_t val, val_len;		/* the value */
	const char *eol;		/* for new folds */
	const char *text;		/* the value unfolded and decoded */
	size_t tlen;
	const struct rfc2047_map *map;	/* where each piece of text came from */
	struct edits *te;		/* the changes to text */
	struct edits *out;		/* edits of raw */
	size_t *words;			/* word i: text[words[2i], words[2i+1]) */
	size_t nwords;
	size_t at, at_col;		/* raw offset at is at column at_col of
					 * the new field (edits so far applied) */
	size_t enc_end;			/* where the last region ended, if its
					 * new text ends in an encoded word */
};

#define LINE_MAX_OCTETS 998	/* RFC 5322 2.1.1, without the line break */

/* span_of - the span holding text offset t (t < text length) */
static const struct rfc2047_span *
span_of(const struct hscan *h, size_t t)
{
	return &h->map->v[rfc2047_map_at(h->map, t)];
}

/* raw_start - where the text from offset t on starts in raw; inside an
 * encoded run that is the run's start */
static size_t
raw_start(const struct hscan *h, size_t t)
{
	const struct rfc2047_span *s = span_of(h, t);

	return h->val + s->raw + (s->encoded ? 0 : t - s->text);
}

/* raw_end - where the text up to offset t (t > 0) ends in raw */
static size_t
raw_end(const struct hscan *h, size_t t)
{
	const struct rfc2047_span *s = span_of(h, t - 1);

	return h->val + s->raw + (s->encoded ? s->raw_len : t - s->text);
}

/* is_ws - text[t] is literal white space (a word boundary) */
static int
is_ws(const struct hscan *h, size_t t)
{
	return is_blank(h->text[t]) && !span_of(h, t)->encoded;
}

/* touches_encoded - whether text[s, e) has a character decoded from an
 * encoded word */
static int
touches_encoded(const struct hscan *h, size_t s, size_t e)
{
	for (size_t k = rfc2047_map_at(h->map, s); k < h->map->n &&
	    h->map->v[k].text < e; k++)
		if (h->map->v[k].encoded && h->map->v[k].text_len > 0)
			return 1;
	return 0;
}

/* encoded_empty_in - whether an encoded word that decodes to nothing
 * stands at a text offset in [a, b] */
static int
encoded_empty_in(const struct hscan *h, size_t a, size_t b)
{
	const struct rfc2047_map *m = h->map;
	size_t lo = 0, hi = m->n;

	/* the first span not wholly before a */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct rfc2047_span *s = &m->v[mid];

		if (s->text + s->text_len < a ||
		    (s->text + s->text_len == a && s->text_len > 0))
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < m->n && m->v[lo].text <= b; lo++)
		if (m->v[lo].encoded && m->v[lo].text_len == 0)
			return 1;
	return 0;
}

/* encoded_before, encoded_after - whether an encoded word ends right
 * before the blanks text[a, b) or starts right after them.  Blanks
 * between two encoded words vanish when decoded, so a new encoded word
 * must not be put on the other side of such blanks. */
static int
encoded_before(const struct hscan *h, size_t a, size_t b)
{
	return (a > 0 && span_of(h, a - 1)->encoded) || encoded_empty_in(h, a, b);
}

static int
encoded_after(const struct hscan *h, size_t a, size_t b)
{
	return (b < h->tlen && span_of(h, b)->encoded) ||
	    encoded_empty_in(h, a, b);
}

/* find_words - the words of the text: runs between literal white space
 * (an encoded run is one word however much white space it decodes to) */
static int
find_words(struct hscan *h)
{
	size_t n = h->tlen, t = 0;

	if ((h->words = malloc((n / 2 + 1) * 2 * sizeof(*h->words))) == NULL)
		return -1;
	while (t < n) {
		while (t < n && is_ws(h, t))
			t++;
		if (t == n)
			break;
		h->words[2 * h->nwords] = t;
		while (t < n && !is_ws(h, t)) {
			const struct rfc2047_span *s = span_of(h, t);

			t = s->encoded ? s->text + s->text_len : t + 1;
		}
		h->words[2 * h->nwords++ + 1] = t;
	}
	return 0;
}

/* word_of - index of the word holding text[t], or nwords */
static size_t
word_of(const struct hscan *h, size_t t)
{
	size_t lo = 0, hi = h->nwords;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (h->words[2 * mid + 1] <= t)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < h->nwords && h->words[2 * lo] <= t ? lo : h->nwords;
}

/* word_left, word_right - text[s, e) grown to whole words */
static size_t
word_left(const struct hscan *h, size_t s)
{
	size_t w = word_of(h, s);

	return w < h->nwords ? h->words[2 * w] : s;
}

static size_t
word_right(const struct hscan *h, size_t e)
{
	size_t w = word_of(h, e - 1);

	return w < h->nwords ? h->words[2 * w + 1] : e;
}

/* column - the column raw offset r (not before the last edit) will have
 * in the new field */
static size_t
column(struct hscan *h, size_t r)
{
	const char *nl = r > h->at ? memrchr(h->raw + h->at, '\n', r - h->at) : NULL;

	return nl ? r - (size_t)(nl - h->raw) - 1 : h->at_col + (r - h->at);
}

/* add_edit - raw[s, e) becomes rep[0, n); edits come in order */
static int
add_edit(struct hscan *h, size_t s, size_t e, const char *rep, size_t n)
{
	const char *nl = n ? memrchr(rep, '\n', n) : NULL;

	h->at_col = nl ? n - (size_t)(nl - rep) - 1 : column(h, s) + n;
	h->at = e;
	return edits_add(h->out, s, e, rep, n);
}

/* splice_literal - text edit k replaces raw bytes, whatever folds it spans */
static int
splice_literal(struct hscan *h, size_t k)
{
	const struct edit *e = &h->te->v[k];

	return add_edit(h, raw_start(h, e->start), raw_end(h, e->end),
	    h->te->reps.p + e->rep_off, e->rep_len);
}

/* starts_encoded, ends_encoded - whether encoder output begins or ends
 * with an encoded word (white space and folds aside) */
static int
starts_encoded(const char *s, size_t n)
{
	size_t i = 0;

	while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r' ||
	    s[i] == '\n'))
		i++;
	return n - i >= 2 && s[i] == '=' && s[i + 1] == '?';
}

static int
ends_encoded(const char *s, size_t n)
{
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	return n >= 2 && s[n - 2] == '?' && s[n - 1] == '=';
}

/* splice_region - text edits [i, j), which touch encoded words, as one
 * re-encoded run over the whole words text[ws, we); 1 when the new words
 * cannot stand next to the encoded words around them (white space between
 * encoded words does not count) */
static int
splice_region(struct hscan *h, size_t i, size_t j, size_t ws, size_t we)
{
	size_t rs, pos, p, q, r0;
	struct buf t, enc;
	int rc = -1;

	/* the blanks before go too, so the encoder may fold there; not the
	 * blanks that open the value */
	for (p = ws; p > 0 && is_ws(h, p - 1); p--)
		;
	rs = p > 0 ? p : ws;
	buf_init(&t, 0);
	buf_init(&enc, 0);
	pos = rs;
	for (size_t k = i; k < j; k++) {
		const struct edit *e = &h->te->v[k];

		if (buf_append(&t, h->text + pos, e->start - pos) < 0 ||
		    buf_append(&t, h->te->reps.p + e->rep_off, e->rep_len) < 0)
			goto out;
		pos = e->end;
	}
	if (buf_append(&t, h->text + pos, we - pos) < 0)
		goto out;
	r0 = raw_start(h, rs);
	if (rfc2047_encode(t.p ? t.p : "", t.len, column(h, r0), h->eol, &enc) < 0)
		goto out;
	/* the new words must not put an encoded word next to another across
	 * blanks: not to one before or after them, nor to the last region's */
	for (q = we; q < h->tlen && is_ws(h, q); q++)
		;
	if ((starts_encoded(enc.p, enc.len) && (encoded_before(h, p, ws) ||
	    (h->enc_end == p && p < ws))) ||
	    (ends_encoded(enc.p, enc.len) && encoded_after(h, we, q)))
		rc = 1;
	else
		rc = add_edit(h, r0, raw_end(h, we), enc.p, enc.len);
	h->enc_end = ends_encoded(enc.p, enc.len) ? we : SIZE_MAX;
out:
	buf_free_clean(&t);
	buf_free(&enc);
	return rc;
}

/* splice_all - the text edits as edits of raw: literal text is replaced
 * in place; edits touching encoded words, and those sharing a word with
 * them, re-encode those words.  0, 1 (see splice_region) or -1. */
static int
splice_all(struct hscan *h)
{
	const struct edits *te = h->te;
	size_t i, j;
	int any = 0, rc = 0;

	h->enc_end = SIZE_MAX;
	for (i = 0; i < te->n && !any; i++)
		any = touches_encoded(h, te->v[i].start, te->v[i].end);
	if (any && find_words(h) < 0)
		return -1;
	for (i = 0; i < te->n && rc == 0; i = j) {
		size_t wl, wr;
		int enc;

		if (!any) {
			rc = splice_literal(h, i);
			j = i + 1;
			continue;
		}
		wl = word_left(h, te->v[i].start);
		wr = word_right(h, te->v[i].end);
		enc = touches_encoded(h, te->v[i].start, te->v[i].end);
		for (j = i + 1; j < te->n && word_left(h, te->v[j].start) < wr; j++) {
			size_t r = word_right(h, te->v[j].end);

			wr = r > wr ? r : wr;
			enc |= touches_encoded(h, te->v[j].start, te->v[j].end);
		}
		if (enc)
			rc = splice_region(h, i, j, wl, wr);
		else
			for (size_t k = i; k < j && rc == 0; k++)
				rc = splice_literal(h, k);
	}
	return rc;
}

/* refold - the fallback: the value encoded anew from the line of the
 * first change on (the lines before it, the name and the separator kept),
 * or with whole set, all of it; red is the text with the findings
 * replaced */
static int
refold(struct hscan *h, const struct buf *red, int whole)
{
	size_t first = h->te->v[0].start, t0 = 0, r0;
	struct buf enc;
	int rc = -1, cut = 0;

	edits_reset(h->out);
	h->at = h->at_col = 0;
	/* a fold before the change to cut at: its blank starts copied text,
	 * and no encoded word ends before it (see encoded_before) */
	for (size_t k = rfc2047_map_at(h->map, first) + 1; !whole && k-- > 1 &&
	    !cut;) {
		const struct rfc2047_span *s = &h->map->v[k];
		size_t p = s->text;

		if (s->encoded || s->raw == 0 || h->raw[h->val + s->raw - 1] != '\n')
			continue;
		while (p > 0 && is_ws(h, p - 1))
			p--;
		cut = !encoded_before(h, p, s->text);
		t0 = s->text;
	}
	if (!cut && !whole) {
		/* from the first word on, the blanks that open the value kept;
		 * all of it if an encoded word hides among those blanks */
		t0 = 0;
		while (t0 < first && is_ws(h, t0))
			t0++;
		if (encoded_empty_in(h, 0, t0))
			t0 = 0;
		else if (span_of(h, t0)->encoded)
			t0 = span_of(h, t0)->text;
	}
	r0 = t0 > 0 ? raw_start(h, t0) : h->val;	/* empty words too */
	buf_init(&enc, 0);
	if (rfc2047_encode(red->p + t0, red->len - t0, column(h, r0), h->eol,
	    &enc) == 0)
		rc = add_edit(h, r0, h->val + h->val_len, enc.p, enc.len);
	buf_free(&enc);
	return rc;
}

/* longest_line - octets of the longest line of s[0, n), line breaks aside */
static size_t
longest_line(const char *s, size_t n)
{
	size_t max = 0, pos = 0;

	while (pos < n) {
		const char *nl = memchr(s + pos, '\n', n - pos);
		size_t end = nl ? (size_t)(nl - s) : n, l = end - pos;

		if (nl && l > 0 && s[end - 1] == '\r')
			l--;
		max = l > max ? l : max;
		pos = end + 1;
	}
	return max;
}

static int
has_8bit(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] >= 0x80)
			return 1;
	return 0;
}

/* field_ok - the rewritten field is still one field: every inner line
 * break followed by white space, no line longer than 998 octets (or than
 * the longest one it had), no 8-bit byte where there was none */
static int
field_ok(const struct hscan *h, const char *s, size_t n)
{
	size_t old = longest_line(h->raw, h->len);

	for (size_t i = 0; i + 1 < n; i++)
		if (s[i] == '\n' && s[i + 1] != ' ' && s[i + 1] != '\t')
			return 0;
	if (longest_line(s, n) > (old > LINE_MAX_OCTETS ? old : LINE_MAX_OCTETS))
		return 0;
	return has_8bit(s, n) <= has_8bit(h->raw, h->len);
}

/* apply_checked - 1 when h->out leaves a sound field whose value decodes
 * to red (a splice must not, say, join an "=?" before it and a "?=" after
 * it into an encoded word), 0 if not, -1 */
static int
apply_checked(struct hscan *h, const struct buf *red)
{
	size_t tail = h->len - h->val - h->val_len;
	struct buf nf, dec;
	int rc = -1;

	buf_init(&nf, 0);
	buf_init(&dec, 0);
	if (splice_apply(h->raw, h->len, h->out, &nf) == 0 && nf.p != NULL) {
		rc = field_ok(h, nf.p, nf.len);
		if (rc == 1 && rfc2047_decode(nf.p + h->val,
		    nf.len - h->val - tail, &dec) < 0)
			rc = -1;
		else if (rc == 1)
			rc = dec.len == red->len &&
			    memcmp(dec.p ? dec.p : "", red->p, red->len) == 0;
	}
	buf_free(&nf);
	buf_free(&dec);
	return rc;
}

/* header_rewrite - see header.h */
int
header_rewrite(const struct header_value *v, struct edits *te,
    struct edits *out)
{
	size_t brk = v->len - v->value - v->value_len;
	struct hscan h;
	struct buf red;
	int rc = -1;

	memset(&h, 0, sizeof(h));
	h.raw = v->field;
	h.len = v->len;
	h.val = v->value;
	h.val_len = v->value_len;
	h.eol = brk == 2 ? "\r\n" : brk == 1 ? "\n" : v->eol;
	h.text = v->text;
	h.tlen = v->text_len;
	h.map = v->map;
	h.te = te;
	h.out = out;
	edits_reset(out);
	buf_init(&red, 0);
	/* the text as it must read: spliced in place if that gives a sound
	 * field, else refolded from the line of the first change, else all */
	if (te->n > 0 && splice_apply(h.text, h.tlen, te, &red) == 0 &&
	    red.p != NULL) {
		rc = splice_all(&h);
		if (rc == 0)
			rc = apply_checked(&h, &red);
		else if (rc == 1)
			rc = 0;
		if (rc == 0 && (rc = refold(&h, &red, 0)) == 0)
			rc = apply_checked(&h, &red);
		if (rc == 0 && (rc = refold(&h, &red, 1)) == 0)
			rc = apply_checked(&h, &red);
	} else if (te->n == 0)
		rc = 1;
	free(h.words);
	buf_free_clean(&red);
	return rc == 1 ? 0 : rc == 0 ? 1 : -1;
}
