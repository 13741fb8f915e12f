/* rfc2047 - header values: encoded words in and out (see rfc2047.h).
 *
 * Decoding is done here rather than by libetpan's
 * mailmime_encoded_phrase_parse, which converts raw 8-bit bytes through a
 * default charset and rewrites white space.  Every encoded word is parsed
 * with a scan that stops at the next '?', so hostile input such as a long
 * run of "=?" stays linear.  Adjacent words of one charset are joined
 * before conversion, so a character split across two B words (common)
 * comes out whole.  A word whose text is not valid in its charset, or an
 * unknown charset, is kept literally with the white space around it.
 *
 * rfc2047_decode_map also says where each piece of the decoded text came
 * from (struct rfc2047_span): the value is unfolded first, and every fold
 * removed is remembered, so that offsets into the unfolded value can be
 * turned back into offsets into the raw one.
 *
 * Encoding groups the words that need it (non-ASCII, controls, or text
 * that would read as an encoded word) with the white space between them
 * into one run, picks Q or B for the run by length and cuts it into words
 * of at most 75 octets at character boundaries.
 */
#include "rfc2047.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "charset.h"

#define EW_CHARSET_MAX 64
#define EW_MAX 75
#define EW_LINE 78
#define EW_LITERAL_MAX 900	/* longer ASCII words are encoded to fold */

struct ew {
	const char *charset;	/* borrowed from the value */
	size_t cs_len;
	char enc;		/* 'Q' or 'B' */
	const char *text;
	size_t text_len;
	size_t end;		/* offset after "?=" */
};

/* a fold removed by unfolding: the line break (len 1 or 2) stood just
 * before unfolded offset pos */
struct ew_fold {
	size_t pos, len;
};

/* the decoder's state: the unfolded value, the output and the map */
struct ew_dec {
	const char *s;		/* unfolded value */
	size_t n;
	struct buf *out;
	size_t mark;		/* out->len when decoding began: text offset 0 */
	struct rfc2047_map *map;	/* NULL when not wanted */
	struct ew_fold *folds;		/* removed by unfolding, in order */
	size_t nfolds, fcap;
	size_t fi, fsum;		/* cursor: folds before fi add fsum */
};

/* ew_is_b64 - whether c may appear in B text */
static int
ew_is_b64(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (c >= '0' && c <= '9') || c == '+' || c == '/' || c == '=';
}

/* ew_parse - an encoded word at s[i..n) ("=?" already seen); 0 or -1 */
static int
ew_parse(const char *s, size_t n, size_t i, struct ew *w)
{
	size_t p = i + 2, q;

	w->charset = s + p;
	while (p < n && s[p] != '?' && s[p] != ' ' && s[p] != '\t' &&
	    p - i - 2 <= EW_CHARSET_MAX)
		p++;
	if (p >= n || s[p] != '?' || p == i + 2 || p - i - 2 > EW_CHARSET_MAX)
		return -1;
	w->cs_len = p - i - 2;
	if (p + 2 >= n || s[p + 2] != '?')
		return -1;
	w->enc = (char)(s[p + 1] & ~0x20);
	if (w->enc != 'Q' && w->enc != 'B')
		return -1;
	q = p + 3;
	w->text = s + q;
	while (q < n && s[q] != '?' && (w->enc == 'Q' ?
	    (unsigned char)s[q] >= 0x20 || s[q] == '\t' :
	    ew_is_b64((unsigned char)s[q])))
		q++;
	if (q + 1 >= n || s[q] != '?' || s[q + 1] != '=')
		return -1;
	w->text_len = q - (size_t)(w->text - s);
	w->end = q + 2;
	/* the RFC 2231 language suffix: charset*lang */
	{
		const char *star = memchr(w->charset, '*', w->cs_len);

		if (star != NULL)
			w->cs_len = (size_t)(star - w->charset);
	}
	return w->cs_len ? 0 : -1;
}

/* ew_hex - value of a hex digit or -1 */
static int
ew_hex(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c |= 0x20;
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* ew_decode_q - Q text to bytes appended to out */
static int
ew_decode_q(const char *t, size_t n, struct buf *out)
{
	size_t i;
	char *w;

	if ((w = buf_reserve(out, n)) == NULL)
		return -1;
	for (i = 0; i < n; i++) {
		int hi, lo;

		if (t[i] == '_')
			*w++ = ' ';
		else if (t[i] == '=' && i + 2 < n &&
		    (hi = ew_hex((unsigned char)t[i + 1])) >= 0 &&
		    (lo = ew_hex((unsigned char)t[i + 2])) >= 0) {
			*w++ = (char)(hi << 4 | lo);
			i += 2;
		} else
			*w++ = t[i];
	}
	out->len = (size_t)(w - out->p);
	out->p[out->len] = '\0';
	return 0;
}

/* ew_b64val - value of a base64 digit, -1 for others */
static int
ew_b64val(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	return c == '+' ? 62 : c == '/' ? 63 : -1;
}

/* ew_decode_b - B text to bytes; -1 on padding in the middle */
static int
ew_decode_b(const char *t, size_t n, struct buf *out)
{
	unsigned acc = 0, bits = 0;
	size_t i;
	char *w;

	if ((w = buf_reserve(out, n)) == NULL)
		return -1;
	for (i = 0; i < n && t[i] != '='; i++) {
		acc = (acc << 6 | (unsigned)ew_b64val((unsigned char)t[i])) &
		    0xffffff;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			*w++ = (char)(acc >> bits);
		}
	}
	for (; i < n; i++)
		if (t[i] != '=')
			return -1;
	out->len = (size_t)(w - out->p);
	out->p[out->len] = '\0';
	return 0;
}

/* the run of adjacent encoded words of one charset being collected */
struct ew_group {
	struct buf bytes;	/* decoded, not yet converted */
	const char *charset;
	size_t cs_len;
	size_t ws_start;	/* white space before the first word */
	size_t start, end;	/* source range of the words */
	int open;
	int bad;		/* a word of it failed to decode */
};

/* ew_convert - the group's bytes to UTF-8; a UTF-8 or ASCII label on
 * bytes that are not UTF-8 falls back to windows-1252, then Latin-1 */
static int
ew_convert(struct ew_group *g, struct buf *out)
{
	char cs[EW_CHARSET_MAX + 1];

	memcpy(cs, g->charset, g->cs_len);
	cs[g->cs_len] = '\0';
	if (!charset_is_utf8_compatible(cs))
		return charset_to_utf8(cs, g->bytes.p ? g->bytes.p : "",
		    g->bytes.len, out);
	if (charset_utf8_valid(g->bytes.p ? g->bytes.p : "", g->bytes.len))
		return buf_append(out, g->bytes.p, g->bytes.len);
	if (charset_to_utf8("CP1252", g->bytes.p, g->bytes.len, out) == 0)
		return 0;
	return charset_to_utf8("ISO-8859-1", g->bytes.p, g->bytes.len, out);
}

/* ew_raw - the raw offset of unfolded offset u: past a fold that stands
 * right before u when a piece starts there (start = 1), before it when one
 * ends there.  Callers ask in increasing order of u, so the fold cursor
 * only moves forward. */
static size_t
ew_raw(struct ew_dec *d, size_t u, int start)
{
	size_t extra = 0;

	while (d->fi < d->nfolds && d->folds[d->fi].pos < u)
		d->fsum += d->folds[d->fi++].len;
	for (size_t k = d->fi; start && k < d->nfolds && d->folds[k].pos == u; k++)
		extra += d->folds[k].len;
	return u + d->fsum + extra;
}

/* ew_span_add - append a span to the map; an encoded one whose text
 * continues an encoded one (only white space between the words, dropped)
 * joins it, and so does copied text that continues copied text */
static int
ew_span_add(struct rfc2047_map *m, size_t text, size_t text_len, size_t raw,
    size_t raw_len, int encoded)
{
	struct rfc2047_span *p = m->n > 0 ? &m->v[m->n - 1] : NULL;

	if (p != NULL && p->encoded == encoded && p->text + p->text_len == text &&
	    (encoded || p->raw + p->raw_len == raw)) {
		p->text_len += text_len;
		p->raw_len = raw + raw_len - p->raw;
		return 0;
	}
	if (m->n == m->cap) {
		size_t ncap = m->cap ? m->cap * 2 : 16;
		struct rfc2047_span *nv = realloc(m->v, ncap * sizeof(*nv));

		if (nv == NULL)
			return -1;
		m->v = nv;
		m->cap = ncap;
	}
	m->v[m->n++] = (struct rfc2047_span){ text, text_len, raw, raw_len,
	    encoded };
	return 0;
}

/* ew_map_lit - map text[text..) copied from the unfolded s[u, u + n): one
 * span per piece between folds */
static int
ew_map_lit(struct ew_dec *d, size_t text, size_t u, size_t n)
{
	size_t end = u + n;

	while (d->map != NULL && u < end) {
		size_t raw = ew_raw(d, u, 1), stop = end;

		for (size_t k = d->fi; k < d->nfolds && d->folds[k].pos < end; k++)
			if (d->folds[k].pos > u) {
				stop = d->folds[k].pos;
				break;
			}
		if (ew_span_add(d->map, text, stop - u, raw, stop - u, 0) < 0)
			return -1;
		text += stop - u;
		u = stop;
	}
	return 0;
}

/* ew_emit_lit - copy s[u, u + n) to the text as it is */
static int
ew_emit_lit(struct ew_dec *d, size_t u, size_t n)
{
	size_t text = d->out->len - d->mark;

	if (buf_append(d->out, d->s + u, n) < 0)
		return -1;
	return ew_map_lit(d, text, u, n);
}

/* ew_flush - write the open group; *literal_r says it was kept as it was */
static int
ew_flush(struct ew_dec *d, struct ew_group *g, int *literal_r)
{
	struct buf *out = d->out;
	size_t mark = out->len, ws;

	if (!g->open)
		return 0;
	g->open = 0;
	if (!g->bad) {
		/* white space after literal text is kept, between words not */
		ws = *literal_r ? g->start - g->ws_start : 0;
		if (buf_append(out, d->s + g->ws_start, ws) < 0)
			return -1;
		if (ew_convert(g, out) == 0) {
			size_t text = mark - d->mark, rs, re;

			*literal_r = 0;
			if (d->map == NULL)
				return 0;
			if (ew_map_lit(d, text, g->ws_start, ws) < 0)
				return -1;
			rs = ew_raw(d, g->start, 1);	/* in this order: */
			re = ew_raw(d, g->end, 0);	/* the cursor moves on */
			return ew_span_add(d->map, text + ws, out->len - mark - ws,
			    rs, re - rs, 1);
		}
		out->len = mark;
		if (out->p)
			out->p[mark] = '\0';
	}
	*literal_r = 1;
	return ew_emit_lit(d, g->ws_start, g->end - g->ws_start);
}

/* ew_only_ws - whether s[a..b) is all blanks */
static int
ew_only_ws(const char *s, size_t a, size_t b)
{
	for (; a < b; a++)
		if (s[a] != ' ' && s[a] != '\t')
			return 0;
	return 1;
}

/* ew_add - take word w at i into the group, flushing what came before */
static int
ew_add(struct ew_dec *d, struct ew_group *g, size_t copied, size_t i,
    const struct ew *w, int *literal_r)
{
	int adjacent = g->open && ew_only_ws(d->s, copied, i);

	if (g->open && !(adjacent && w->cs_len == g->cs_len &&
	    strncasecmp(w->charset, g->charset, g->cs_len) == 0)) {
		if (ew_flush(d, g, literal_r) < 0)
			return -1;
	}
	if (!adjacent) {
		if (ew_emit_lit(d, copied, i - copied) < 0)
			return -1;
		*literal_r = 1;	/* text before: its white space is kept */
		copied = i;
	}
	if (!g->open) {
		buf_reset(&g->bytes);
		g->open = 1;
		g->bad = 0;
		g->charset = w->charset;
		g->cs_len = w->cs_len;
		g->ws_start = copied;
		g->start = i;
	}
	g->end = w->end;
	if ((w->enc == 'Q' ? ew_decode_q(w->text, w->text_len, &g->bytes) :
	    ew_decode_b(w->text, w->text_len, &g->bytes)) < 0)
		g->bad = 1;
	return 0;
}

/* ew_fold_add - remember a fold removed before unfolded offset pos */
static int
ew_fold_add(struct ew_dec *d, size_t pos, size_t len)
{
	if (d->nfolds == d->fcap) {
		size_t ncap = d->fcap ? d->fcap * 2 : 16;
		struct ew_fold *nv = realloc(d->folds, ncap * sizeof(*nv));

		if (nv == NULL)
			return -1;
		d->folds = nv;
		d->fcap = ncap;
	}
	d->folds[d->nfolds++] = (struct ew_fold){ pos, len };
	return 0;
}

/* rfc2047_unfold - the value without line breaks that precede blanks;
 * with a map wanted, every fold removed is remembered */
static int
rfc2047_unfold(struct ew_dec *d, const char *v, size_t len, struct buf *u)
{
	size_t i = 0;

	while (i < len) {
		const char *nl = memchr(v + i, '\n', len - i);
		size_t stop, skip;

		if (nl == NULL)
			return buf_append(u, v + i, len - i);
		stop = (size_t)(nl - v);
		skip = stop + 1;
		if (stop > i && v[stop - 1] == '\r')
			stop--;
		if (skip < len && (v[skip] == ' ' || v[skip] == '\t')) {
			if (buf_append(u, v + i, stop - i) < 0 ||
			    (d->map != NULL && ew_fold_add(d, u->len, skip - stop) < 0))
				return -1;
		} else if (skip >= len) {
			return buf_append(u, v + i, stop - i);	/* final eol */
		} else if (buf_append(u, v + i, skip - i) < 0)
			return -1;
		i = skip;
	}
	return 0;
}

/* rfc2047_decode_words - decode the unfolded value d->s[0..n) */
static int
rfc2047_decode_words(struct ew_dec *d)
{
	const char *s = d->s;
	size_t n = d->n, i = 0, copied = 0;
	struct ew_group g;
	int literal = 1, rc = -1;

	memset(&g, 0, sizeof(g));
	buf_init(&g.bytes, n + 16);
	while (i + 1 < n) {
		const char *eq = memchr(s + i, '=', n - i - 1);
		struct ew w;

		if (eq == NULL)
			break;
		i = (size_t)(eq - s);
		if (s[i + 1] != '?' || ew_parse(s, n, i, &w) < 0) {
			i++;
			continue;
		}
		if (ew_add(d, &g, copied, i, &w, &literal) < 0)
			goto done;
		copied = i = w.end;
	}
	if (ew_flush(d, &g, &literal) < 0 ||
	    ew_emit_lit(d, copied, n - copied) < 0)
		goto done;
	rc = 0;
done:
	buf_free_clean(&g.bytes);
	return rc;
}

/* rfc2047_decode_map - unfold, then decode the encoded words, to out;
 * see rfc2047.h */
int
rfc2047_decode_map(const char *value, size_t len, struct buf *out,
    struct rfc2047_map *map)
{
	struct ew_dec d;
	struct buf u;
	int rc = -1;

	memset(&d, 0, sizeof(d));
	d.out = out;
	d.mark = out->len;
	d.map = map;
	if (map != NULL)
		map->n = 0;
	buf_init(&u, len + 1);
	if (rfc2047_unfold(&d, value, len, &u) == 0) {
		d.s = u.p ? u.p : "";
		d.n = u.len;
		rc = rfc2047_decode_words(&d);
	}
	buf_free_clean(&u);
	free(d.folds);
	if (rc < 0 && out->p) {
		out->len = d.mark;
		out->p[d.mark] = '\0';
	}
	if (rc < 0 && map != NULL)
		map->n = 0;
	return rc;
}

/* rfc2047_decode - see rfc2047.h */
int
rfc2047_decode(const char *value, size_t len, struct buf *out)
{
	return rfc2047_decode_map(value, len, out, NULL);
}

/* rfc2047_map_init - see rfc2047.h */
void
rfc2047_map_init(struct rfc2047_map *m)
{
	m->v = NULL;
	m->n = m->cap = 0;
}

/* rfc2047_map_free - see rfc2047.h */
void
rfc2047_map_free(struct rfc2047_map *m)
{
	free(m->v);
	rfc2047_map_init(m);
}

/* rfc2047_map_at - see rfc2047.h */
size_t
rfc2047_map_at(const struct rfc2047_map *m, size_t t)
{
	size_t lo = 0, hi = m->n;

	/* the first span that ends after t; empty spans end at their start */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (m->v[mid].text + m->v[mid].text_len <= t)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < m->n && m->v[lo].text <= t ? lo : m->n;
}

/* the encoder's output state */
struct ew_out {
	struct buf *out;
	const char *eol;
	size_t col;
	int has_atom;		/* something of ours on the current line */
};

/* ew_q_safe - whether c stands for itself in Q text in any header */
static int
ew_q_safe(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (c >= '0' && c <= '9') || c == '!' || c == '*' || c == '+' ||
	    c == '-' || c == '/' || c == ' ';
}

/* ew_word_needs_encoding - 1 if word w[0..n) cannot be written as is */
static int
ew_word_needs_encoding(const char *w, size_t n)
{
	int high = 0, ctl = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)w[i];

		if (c < 0x21 || c == 0x7f)
			ctl = 1;
		else if (c > 0x7f)
			high = 1;
		else if (c == '=' && i + 1 < n && w[i + 1] == '?')
			return 1;	/* would read as an encoded word */
	}
	if (ctl || n > EW_LITERAL_MAX)
		return 1;
	/* raw bytes that are not UTF-8 came in raw: they go out raw */
	return high && charset_utf8_valid(w, n);
}

/* ew_char_len - bytes of the character at s (an invalid byte is one) */
static size_t
ew_char_len(const char *s, size_t n)
{
	size_t k = charset_utf8_char_len(s, n);

	return k ? k : 1;
}

/* ew_q_cost - Q length of s[0..n) */
static size_t
ew_q_cost(const char *s, size_t n)
{
	size_t i, c = 0;

	for (i = 0; i < n; i++)
		c += ew_q_safe((unsigned char)s[i]) ? 1 : 3;
	return c;
}

/* ew_put_word - one encoded word for s[0..n) */
static int
ew_put_word(struct ew_out *o, const char *s, size_t n, int b)
{
	static const char hex[] = "0123456789ABCDEF";
	static const char b64[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t i, start = o->out->len;
	char *w;

	if ((w = buf_reserve(o->out, 12 + 3 * n + 4)) == NULL)
		return -1;
	memcpy(w, b ? "=?UTF-8?B?" : "=?UTF-8?Q?", 10);
	w += 10;
	for (i = 0; !b && i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == ' ')
			*w++ = '_';
		else if (ew_q_safe(c))
			*w++ = (char)c;
		else {
			*w++ = '=';
			*w++ = hex[c >> 4];
			*w++ = hex[c & 15];
		}
	}
	for (i = 0; b && i < n; i += 3) {
		unsigned v = (unsigned char)s[i] << 16;

		v |= i + 1 < n ? (unsigned)(unsigned char)s[i + 1] << 8 : 0;
		v |= i + 2 < n ? (unsigned char)s[i + 2] : 0;
		*w++ = b64[v >> 18 & 63];
		*w++ = b64[v >> 12 & 63];
		*w++ = i + 1 < n ? b64[v >> 6 & 63] : '=';
		*w++ = i + 2 < n ? b64[v & 63] : '=';
	}
	memcpy(w, "?=", 2);
	w += 2;
	o->out->len = (size_t)(w - o->out->p);
	o->out->p[o->out->len] = '\0';
	o->col += o->out->len - start;
	o->has_atom = 1;
	return 0;
}

/* ew_take - how many bytes of s[0..n) fit in an encoded word of `room`
 * octets; at least one character, never half of one */
static size_t
ew_take(const char *s, size_t n, int b, size_t room)
{
	size_t used = 0, cost = 0, k;
	size_t payload = room > 12 ? room - 12 : 0;

	while (used < n) {
		k = ew_char_len(s + used, n - used);
		if (b)
			cost = (used + k + 2) / 3 * 4;
		else
			cost += ew_q_cost(s + used, k);
		if (cost > payload && used > 0)
			break;
		used += k;
	}
	return used;
}

/* ew_sep - write separator sep[0..n) before an atom of width w, folding
 * first when the line would pass 78 columns and folding is allowed */
static int
ew_sep(struct ew_out *o, const char *sep, size_t n, size_t w)
{
	if (n > 0 && o->col > 0 && o->col + n + w > EW_LINE) {
		if (buf_puts(o->out, o->eol) < 0)
			return -1;
		o->col = 0;
	}
	if (buf_append(o->out, sep, n) < 0)
		return -1;
	o->col += n;
	return 0;
}

/* ew_put_phrase - s[0..n) as encoded words; ws[0..wn) the literal white
 * space before it */
static int
ew_put_phrase(struct ew_out *o, const char *ws, size_t wn, const char *s,
    size_t n)
{
	int b = ew_q_cost(s, n) > (n + 2) / 3 * 4;
	size_t used = 0;

	while (used < n) {
		const char *sep = used ? " " : ws;
		size_t sn = used ? 1 : wn, room, k;

		room = o->col + sn + 16 <= EW_LINE ? EW_LINE - o->col - sn : 0;
		if (room < 16 && sn > 0 && o->col > 0)
			room = EW_LINE - sn;	/* ew_sep folds */
		if (room < 16)
			room = EW_MAX;	/* no place to fold: run long */
		if (room > EW_MAX)
			room = EW_MAX;
		k = ew_take(s + used, n - used, b, room);
		if (ew_sep(o, sep, sn, 12 + (b ? (k + 2) / 3 * 4 :
		    ew_q_cost(s + used, k))) < 0 ||
		    ew_put_word(o, s + used, k, b) < 0)
			return -1;
		used += k;
	}
	return 0;
}

/* ew_span - length of the run at s[0..n) of blanks (ws=1) or non-blanks */
static size_t
ew_span(const char *s, size_t n, int ws)
{
	size_t i = 0;

	while (i < n && ((s[i] == ' ' || s[i] == '\t') == ws))
		i++;
	return i;
}

/* ew_phrase_end - end of the run of words needing encoding from word at
 * i (length k), white space between them included */
static size_t
ew_phrase_end(const char *t, size_t len, size_t i, size_t k)
{
	size_t end = i + k;

	for (;;) {
		size_t wsn = ew_span(t + end, len - end, 1);
		size_t wn = ew_span(t + end + wsn, len - end - wsn, 0);

		if (wn == 0 || !ew_word_needs_encoding(t + end + wsn, wn))
			return end;
		end += wsn + wn;
	}
}

/* ew_put_run - the run s[0..n) of words that need encoding, ws[0..wn) the
 * white space before it.  Bytes that are not UTF-8 cannot go into a word
 * labelled UTF-8 without being read as something: they came in raw and go
 * out raw, between encoded pieces of the rest (no white space between, so
 * a decoder puts them together again as they were). */
static int
ew_put_run(struct ew_out *o, const char *ws, size_t wn, const char *s,
    size_t n)
{
	size_t i = 0, j, k;

	if (charset_utf8_valid(s, n))
		return ew_put_phrase(o, ws, wn, s, n);
	while (i < n) {
		for (j = i; j < n && (k = charset_utf8_char_len(s + j, n - j)) > 0;)
			j += k;
		if (j > i && ew_put_phrase(o, ws, wn, s + i, j - i) < 0)
			return -1;
		if (j > i)
			wn = 0;
		for (i = j; j < n && charset_utf8_char_len(s + j, n - j) == 0;)
			j++;
		if (j > i) {
			if (ew_sep(o, ws, wn, j - i) < 0 ||
			    buf_append(o->out, s + i, j - i) < 0)
				return -1;
			o->col += j - i;
			o->has_atom = 1;
			wn = 0;
		}
		i = j;
	}
	return 0;
}

/* rfc2047_encode - literal words as they are, runs of the others as
 * encoded words, folded at 78 columns; on failure out is left as it was */
int
rfc2047_encode(const char *text, size_t len, size_t name_len,
    const char *eol, struct buf *out)
{
	struct ew_out o = { out, eol, name_len, 0 };
	size_t i = 0, mark = out->len;

	while (i < len) {
		size_t wsn = ew_span(text + i, len - i, 1);
		size_t j = i + wsn, k = ew_span(text + j, len - j, 0), end;
		int rc;

		if (k == 0) {
			rc = buf_append(out, text + i, wsn);	/* trailing */
			end = len;
		} else if (!ew_word_needs_encoding(text + j, k)) {
			rc = ew_sep(&o, text + i, wsn, k);
			if (rc == 0 && (rc = buf_append(out, text + j, k)) == 0) {
				o.col += k;
				o.has_atom = 1;
			}
			end = j + k;
		} else {
			end = ew_phrase_end(text, len, j, k);
			rc = ew_put_run(&o, text + i, wsn, text + j, end - j);
		}
		if (rc < 0) {
			out->len = mark;
			if (out->p)
				out->p[mark] = '\0';
			return -1;
		}
		i = end;
	}
	return 0;
}
