/* recognize_policy - the policy side of recognition: custom patterns, the
 * allow-list, known entities, the replacement-token guard, the overlap
 * resolution that turns candidates into sorted, disjoint findings, and
 * the settling that keeps scrubbing idempotent (a rescan of the text with
 * every finding replaced finds nothing).  See recognize.c for the
 * built-in kinds.
 */
#include "recognize_int.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define TOKEN_MAX 64		/* longest "[LABEL-xxxxxxxx]" looked for */
#define SETTLE_ROUNDS 16	/* rescans of the text with stand-ins */

static int
is_alnum(int c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int
is_space(int c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v';
}

/* ---- compiling the policy ---- */

static int
copy_allow_values(struct recognizer *r, const struct policy_spec *spec)
{
	if (spec->nallow_values == 0)
		return 0;
	r->allow_values = calloc(spec->nallow_values, sizeof(char *));
	r->allow_lens = calloc(spec->nallow_values, sizeof(size_t));
	if (r->allow_values == NULL || r->allow_lens == NULL)
		return -1;
	for (size_t i = 0; i < spec->nallow_values; i++) {
		if ((r->allow_values[i] = strdup(spec->allow_values[i])) == NULL)
			return -1;
		r->allow_lens[i] = strlen(r->allow_values[i]);
		r->nallow_values++;
	}
	return 0;
}

/* recognize_compile_policy - custom patterns and the allow-list */
int
recognize_compile_policy(struct recognizer *r, const struct policy_spec *spec,
    const char **error_r)
{
	for (size_t i = 0; i < spec->ncustom && i < KIND_CUSTOM_MAX; i++) {
		r->ncustom = i + 1;
		if (!r->enabled[KIND_CUSTOM + i])
			continue;
		if (spec->custom[i].regex == NULL ||
		    recognize_compile(&r->custom[i], spec->custom[i].regex, 0) < 0) {
			*error_r = "a [custom] pattern does not compile";
			return -1;
		}
	}
	if (spec->nallow_patterns &&
	    (r->allow = calloc(spec->nallow_patterns, sizeof(*r->allow))) == NULL) {
		*error_r = "out of memory";
		return -1;
	}
	for (size_t i = 0; i < spec->nallow_patterns; i++) {
		r->nallow = i + 1;
		if (recognize_compile(&r->allow[i], spec->allow_patterns[i],
		    PCRE2_ANCHORED | PCRE2_ENDANCHORED) < 0) {
			*error_r = "an allow-list pattern does not compile";
			return -1;
		}
	}
	if (copy_allow_values(r, spec) < 0) {
		*error_r = "out of memory";
		return -1;
	}
	return 0;
}

/* ---- candidates ---- */

/* token_at - the end of a scrubgate token "[LABEL]" / "[LABEL-xxxxxxxx]"
 * starting at p, or 0 */
static size_t
token_at(const char *t, size_t len, size_t p)
{
	size_t i = p + 1;

	if (i >= len || t[i] < 'A' || t[i] > 'Z')
		return 0;
	for (; i < len && i - p < TOKEN_MAX; i++) {
		char c = t[i];

		if (c == ']')
			return i + 1;
		if (!(c >= 'A' && c <= 'Z') && !(c >= '0' && c <= '9') &&
		    !(c >= 'a' && c <= 'f') && c != '-')
			return 0;
	}
	return 0;
}

/* in_token - does [s, e) touch a replacement scrubgate wrote: a bracketed
 * label, or (when the policy masks) a mask of '*' with kept characters?
 * Without masks a '*' is just emphasis: "**anna@example.com**". */
static int
in_token(const char *t, size_t len, size_t s, size_t e, int masks)
{
	size_t from = s > TOKEN_MAX ? s - TOKEN_MAX : 0, q;

	if (masks && ((s > 0 && t[s - 1] == '*') || (e < len && t[e] == '*') ||
	    memchr(t + s, '*', e - s)))
		return 1;
	for (size_t p = from; p < e; p++) {
		const char *b = memchr(t + p, '[', e - p);

		if (b == NULL)
			break;
		p = (size_t)(b - t);
		if ((q = token_at(t, len, p)) != 0 && q > s)
			return 1;
	}
	return 0;
}

/* allowed - is the value on the allow-list?  -1 on a match error */
static int
allowed(struct scan *sc, size_t s, size_t e)
{
	const struct recognizer *r = sc->r;
	size_t ms, me;
	int rc;

	for (size_t i = 0; i < r->nallow_values; i++)
		if (r->allow_lens[i] == e - s &&
		    strncasecmp(r->allow_values[i], sc->t + s, e - s) == 0)
			return 1;
	for (size_t i = 0; i < r->nallow; i++) {
		/* the value alone is the subject: anchors mean the whole value */
		struct scan sub = *sc;

		sub.t = sc->t + s;
		sub.len = e - s;
		if ((rc = recognize_match(&sub, &r->allow[i], e - s, 0, &ms, &me)) < 0) {
			sc->err = sub.err;
			return -1;
		}
		if (rc == 1)
			return 1;
	}
	return 0;
}

/* recognize_add - a candidate, unless allowed or inside a token */
int
recognize_add(struct scan *sc, size_t s, size_t e, int kind)
{
	int a;

	if (e <= s || e > sc->len || in_token(sc->t, sc->len, s, e, sc->r->masks))
		return 0;
	if ((a = allowed(sc, s, e)) != 0)
		return a < 0 ? -1 : 0;
	if (sc->n == sc->cap) {
		size_t ncap = sc->cap ? sc->cap * 2 : 32;
		struct finding *nv;

		if (ncap > SIZE_MAX / sizeof(*nv) ||
		    (nv = realloc(sc->c, ncap * sizeof(*nv))) == NULL) {
			sc->err = ERR_NOMEM;
			return -1;
		}
		sc->c = nv;
		sc->cap = ncap;
	}
	sc->c[sc->n++] = (struct finding){ s, e, kind };
	return 0;
}

/* recognize_scan_custom - every custom pattern over the whole text */
int
recognize_scan_custom(struct scan *sc)
{
	const struct recognizer *r = sc->r;

	for (size_t i = 0; i < r->ncustom; i++) {
		size_t off = 0, ms, me;
		int rc;

		if (r->custom[i].code == NULL)
			continue;
		while (off <= sc->len) {
			if ((rc = recognize_match(sc, &r->custom[i], sc->len, off, &ms, &me)) < 0)
				return -1;
			if (rc == 0)
				break;
			if (me > ms && recognize_add(sc, ms, me, KIND_CUSTOM + (int)i) < 0)
				return -1;
			off = me > ms ? me : recognize_next_char(sc->t, sc->len, ms);
		}
	}
	return 0;
}

/* ---- known entities ---- */

void
entities_init(struct entities *e)
{
	e->v = NULL;
	e->n = e->cap = 0;
}

void
entities_free(struct entities *e)
{
	for (size_t i = 0; i < e->n; i++) {
		explicit_bzero(e->v[i].text, e->v[i].len);
		free(e->v[i].text);
	}
	free(e->v);
	entities_init(e);
}

/* entities_add - keep a trimmed copy; short or duplicate ones are ignored */
int
entities_add(struct entities *e, const char *text, size_t len, int kind)
{
	char *copy;

	while (len && is_space((unsigned char)text[0])) {
		text++;
		len--;
	}
	while (len && is_space((unsigned char)text[len - 1]))
		len--;
	if (len < 3)
		return 0;
	for (size_t i = 0; i < e->n; i++)
		if (e->v[i].len == len && strncasecmp(e->v[i].text, text, len) == 0)
			return 0;
	if (e->n == e->cap) {
		size_t ncap = e->cap ? e->cap * 2 : 8;
		struct entity *nv = realloc(e->v, ncap * sizeof(*nv));

		if (nv == NULL)
			return -1;
		e->v = nv;
		e->cap = ncap;
	}
	if ((copy = malloc(len + 1)) == NULL)
		return -1;
	memcpy(copy, text, len);
	copy[len] = '\0';
	e->v[e->n++] = (struct entity){ copy, len, kind };
	return 0;
}

static int
word_byte(unsigned char c)
{
	return is_alnum(c) || c == '_' || c >= 0x80;
}

static unsigned char
fold(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? (unsigned char)(c | 0x20) : c;
}

/* fold_latin1 - the second byte of a U+00C0..U+00DE letter, lower-cased */
static unsigned char
fold_latin1(unsigned char c)
{
	return c >= 0x80 && c <= 0x9E && c != 0x97 ? (unsigned char)(c + 0x20) : c;
}

/* entity_match - bytes of text at pos matching the entity, or 0 */
static size_t
entity_match(const struct entity *en, const char *t, size_t len, size_t pos)
{
	const unsigned char *a = (const unsigned char *)en->text;
	const unsigned char *b = (const unsigned char *)t;
	size_t i = 0, j = pos;

	while (i < en->len) {
		if (is_space(a[i])) {
			while (i < en->len && is_space(a[i]))
				i++;
			if (j >= len || !is_space(b[j]))
				return 0;
			while (j < len && is_space(b[j]))
				j++;
			continue;
		}
		if (j >= len)
			return 0;
		if (fold(a[i]) == fold(b[j]) && (a[i] != 0xC3 || i + 1 >= en->len)) {
			i++;
			j++;
		} else if (a[i] == 0xC3 && b[j] == 0xC3 && i + 1 < en->len && j + 1 < len &&
		    fold_latin1(a[i + 1]) == fold_latin1(b[j + 1])) {
			i += 2;
			j += 2;
		} else
			return 0;
	}
	return j - pos;
}

/* next_start - the next offset >= pos holding the entity's first byte in
 * either case; cache[2] keeps the memchr results between calls (SIZE_MAX:
 * not searched yet) so that each case is searched through once */
static size_t
next_start(const char *t, size_t len, size_t pos, unsigned char c0, size_t cache[2])
{
	unsigned char alt = c0;

	if (c0 >= 'a' && c0 <= 'z')
		alt = (unsigned char)(c0 - 0x20);
	else if (c0 >= 'A' && c0 <= 'Z')
		alt = (unsigned char)(c0 | 0x20);
	for (int k = 0; k < 2; k++) {
		unsigned char c = k ? alt : c0;

		if (cache[k] == SIZE_MAX || cache[k] < pos) {
			const char *p = memchr(t + pos, c, len - pos);

			cache[k] = p ? (size_t)(p - t) : len;
		}
	}
	return cache[0] < cache[1] ? cache[0] : cache[1];
}

/* scan_entity - the entity's matches starting in [from, to); the text is
 * read up to lim only (the settle loop's shadow is copied that far) */
static int
scan_entity(struct scan *sc, const struct entity *en, size_t from, size_t to,
    size_t lim)
{
	size_t pos = from, p, m, cache[2] = { SIZE_MAX, SIZE_MAX };
	unsigned char c0 = (unsigned char)en->text[0];

	while (pos < to) {
		p = next_start(sc->t, to, pos, c0, cache);
		if (p >= to)
			break;
		if ((p == 0 || !word_byte((unsigned char)sc->t[p - 1])) &&
		    (m = entity_match(en, sc->t, lim, p)) != 0 &&
		    (p + m >= sc->len || !word_byte((unsigned char)sc->t[p + m]))) {
			if (recognize_add(sc, p, p + m, en->kind) < 0)
				return -1;
			pos = p + m;
		} else
			pos = p + 1;
	}
	return 0;
}

/* entities_range - every known entity whose kind is switched on, starting
 * in [from, to), the text read up to lim */
static int
entities_range(struct scan *sc, const struct entities *ents, size_t from,
    size_t to, size_t lim)
{
	if (ents == NULL)
		return 0;
	for (size_t i = 0; i < ents->n; i++) {
		const struct entity *en = &ents->v[i];

		if (en->len == 0 || en->kind < 0 || en->kind >= KIND_MAX ||
		    !sc->r->enabled[en->kind])
			continue;
		if (scan_entity(sc, en, from, to, lim) < 0)
			return -1;
	}
	return 0;
}

/* recognize_scan_entities - every known entity whose kind is switched on */
int
recognize_scan_entities(struct scan *sc, const struct entities *ents)
{
	return entities_range(sc, ents, 0, sc->len, sc->len);
}

/* ---- overlaps ---- */

/* start_cmp - findings by start */
static int
start_cmp(const void *va, const void *vb)
{
	const struct finding *a = va, *b = vb;

	return a->start < b->start ? -1 : a->start > b->start;
}

/* better - a wins over b: lower rank, then longer, then earlier */
static int
better(const struct finding *a, const struct finding *b)
{
	int ra = recognize_kind_rank(a->kind), rb = recognize_kind_rank(b->kind);

	if (ra != rb)
		return ra < rb;
	if (a->end - a->start != b->end - b->start)
		return a->end - a->start > b->end - b->start;
	return a->start < b->start;
}

/* prio_cmp - the better candidate first */
static int
prio_cmp(const void *va, const void *vb)
{
	const struct finding *a = va, *b = vb;

	if (better(a, b))
		return -1;
	return better(b, a) ? 1 : 0;
}

/* first_after - index of the first finding in v[0, n) that ends after pos
 * (v sorted by start and disjoint, so also sorted by end) */
static size_t
first_after(const struct finding *v, size_t n, size_t pos)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (v[mid].end <= pos)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* overlaps - does [s, e) overlap a finding of v[0, n)? */
static int
overlaps(const struct finding *v, size_t n, size_t s, size_t e)
{
	size_t i = first_after(v, n, s);

	return i < n && v[i].start < e;
}

/* bits_any - is a bit of [s, e) set in the bitmap b? */
static int
bits_any(const unsigned char *b, size_t s, size_t e)
{
	for (size_t i = s; i < e; i++)
		if (b[i >> 3] & (1u << (i & 7)))
			return 1;
	return 0;
}

/* bits_set - set the bits [s, e) of the bitmap b */
static void
bits_set(unsigned char *b, size_t s, size_t e)
{
	for (size_t i = s; i < e; i++)
		b[i >> 3] |= (unsigned char)(1u << (i & 7));
}

/* recognize_resolve - keep a disjoint set of the candidates, best first
 * (a candidate is dropped only for one that overlaps it and is kept), and
 * append it to out sorted by start.  out may hold findings already, from
 * earlier passes; a candidate overlapping one of those is dropped too.
 * The bytes taken are a bitmap over the candidates' span, so the work is
 * the candidates' total length, whatever their order. */
int
recognize_resolve(struct scan *sc, struct findings *out)
{
	size_t base = out->n, lo = SIZE_MAX, hi = 0, k = 0;
	unsigned char *taken;

	if (sc->n == 0)
		return 0;
	for (size_t i = 0; i < sc->n; i++) {
		if (sc->c[i].start < lo)
			lo = sc->c[i].start;
		if (sc->c[i].end > hi)
			hi = sc->c[i].end;
	}
	if ((taken = calloc((hi - lo) / 8 + 1, 1)) == NULL) {
		sc->err = ERR_NOMEM;
		return -1;
	}
	qsort(sc->c, sc->n, sizeof(sc->c[0]), prio_cmp);
	for (size_t i = 0; i < sc->n; i++) {
		struct finding c = sc->c[i];

		if (overlaps(out->v, base, c.start, c.end) ||
		    bits_any(taken, c.start - lo, c.end - lo))
			continue;
		bits_set(taken, c.start - lo, c.end - lo);
		sc->c[k++] = c;
	}
	free(taken);
	qsort(sc->c, k, sizeof(sc->c[0]), start_cmp);
	sc->n = 0;
	for (size_t i = 0; i < k; i++)
		if (findings_add(out, sc->c[i].start, sc->c[i].end, sc->c[i].kind) < 0) {
			sc->err = ERR_NOMEM;
			return -1;
		}
	if (base > 0)
		qsort(out->v, out->n, sizeof(out->v[0]), start_cmp);
	return 0;
}

/* ---- settling: scrubbing the output again must find nothing ---- */

/* sync_at - no built-in candidate, and no cluster, e-mail or IPv6 window
 * of the trigger scan, spans position p: p starts the text or a line, or
 * is a lower-case letter after a blank (a cluster goes on over a space
 * only to a digit, '(', '+' or an upper-case group; the other windows
 * hold no white space at all) */
static int
sync_at(const char *t, size_t len, size_t p)
{
	if (p == 0 || p >= len || t[p - 1] == '\n')
		return 1;
	return (t[p - 1] == ' ' || t[p - 1] == '\t') && t[p] >= 'a' && t[p] <= 'z';
}

/* maskable - a byte mask_keep_last turns into '*' */
static int
maskable(unsigned char c)
{
	return is_alnum(c) || c >= 0x80;
}

/* stand_in_mask - the mask redact.c writes for ACTION_MASK_KEEP_LAST on
 * v[0, n): letters and digits as '*' but the last keep (at most half of
 * them), separators kept; a multi-byte character masked byte by byte, so
 * the length stays */
static void
stand_in_mask(char *v, size_t n, unsigned keep)
{
	size_t total = 0, seen = 0;

	for (size_t i = 0; i < n; i++)
		total += maskable((unsigned char)v[i]) && ((unsigned char)v[i] & 0xC0) != 0x80;
	if (keep > total / 2)
		keep = (unsigned)(total / 2);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)v[i];

		if (!maskable(c))
			continue;
		if ((c & 0xC0) != 0x80)
			seen++;
		if (total - seen >= keep)
			v[i] = '*';
	}
}

/* stand_in - overwrite the value v[0, n) of a finding of kind with a
 * replacement of its own length, what its neighbours will see of the real
 * one: '[' ... ']' around 'X's for "[LABEL]" and "[LABEL-xxxxxxxx]", or
 * the mask */
static void
stand_in(const struct recognizer *r, int kind, char *v, size_t n)
{
	if (kind >= 0 && kind < KIND_MAX && r->keep_last[kind] >= 0) {
		stand_in_mask(v, n, (unsigned)r->keep_last[kind]);
		return;
	}
	memset(v, 'X', n);
	v[0] = '[';
	if (n > 1)
		v[n - 1] = ']';
}

/* shadow_sync - a sync point of the text with stand-ins: one of the text
 * that no finding touches (a stand-in never makes one) */
static int
shadow_sync(const struct scan *sc, const struct findings *out, size_t p)
{
	size_t j;

	if (!sync_at(sc->t, sc->len, p))
		return 0;
	if (p == 0 || p >= sc->len)
		return 1;
	j = first_after(out->v, out->n, p - 1);
	return j >= out->n || out->v[j].start > p;
}

/* shadow_fill - buf[0, y - x) is the text of [x, y) with stand-ins for
 * the findings; x and y lie outside them */
static void
shadow_fill(const struct scan *sc, const struct findings *out, char *buf,
    size_t x, size_t y)
{
	memcpy(buf, sc->t + x, y - x);
	for (size_t j = first_after(out->v, out->n, x); j < out->n && out->v[j].start < y; j++)
		stand_in(sc->r, out->v[j].kind, buf + (out->v[j].start - x),
		    out->v[j].end - out->v[j].start);
}

/* outside - x moved down (up) out of any finding it falls in */
static size_t
outside(const struct findings *out, size_t x, int up)
{
	size_t j = first_after(out->v, out->n, x);

	if (j < out->n && out->v[j].start < x)
		return up ? out->v[j].end : out->v[j].start;
	return x;
}

#define SHADOW_MARGIN 128	/* read around a window: look-behinds, context
				 * words, the e-mail and IPv6 windows */

/* scratch - a buffer for the window copies of one rescan, grown as
 * needed and wiped when done */
struct scratch {
	char *p;
	size_t cap;
};

/* scratch_get - room for n bytes; NULL when out of memory */
static char *
scratch_get(struct scratch *b, size_t n)
{
	char *np;

	if (n <= b->cap)
		return b->p;
	if ((np = malloc(n)) == NULL)
		return NULL;
	if (b->p != NULL) {
		explicit_bzero(b->p, b->cap);
		free(b->p);
	}
	b->p = np;
	b->cap = n;
	return np;
}

/* scratch_free - wipe and free the buffer */
static void
scratch_free(struct scratch *b)
{
	if (b->p != NULL) {
		explicit_bzero(b->p, b->cap);
		free(b->p);
	}
	b->p = NULL;
	b->cap = 0;
}

/* rescan_window - the built-in kinds and the entities in [a, b) of the
 * text with stand-ins, on a copy of [a, b) and a margin around it; the
 * candidates go to sub with the text's offsets */
static int
rescan_window(struct scan *sc, struct scan *sub, const struct entities *ents,
    const struct findings *out, struct scratch *buf, size_t margin, size_t a, size_t b)
{
	size_t x = a > margin ? a - margin : 0, y, n0 = sub->n;
	char *w;
	int rc;

	y = sc->len - b > SHADOW_MARGIN ? b + SHADOW_MARGIN : sc->len;
	x = outside(out, x, 0);
	y = outside(out, y, 1);
	if ((w = scratch_get(buf, y - x)) == NULL) {
		sub->err = ERR_NOMEM;
		return -1;
	}
	shadow_fill(sc, out, w, x, y);
	sub->t = w;
	sub->len = y - x;
	sub->colon_until = 0;
	rc = recognize_scan_builtin(sub, a - x, b - x);
	if (rc == 0)
		rc = entities_range(sub, ents, a > margin ? a - margin - x : 0,
		    b - x, y < sc->len ? sub->len - 1 : sub->len);
	for (size_t i = n0; i < sub->n; i++) {
		sub->c[i].start += x;
		sub->c[i].end += x;
	}
	sub->t = NULL;
	sub->len = 0;
	return rc;
}

/* rescan - the windows of the fresh findings: from the sync point before
 * each to the one after it, merged where they meet; then the custom
 * patterns (which have no windows) over the whole text */
static int
rescan(struct scan *sc, struct scan *sub, const struct entities *ents,
    const struct findings *out, const struct findings *fresh, size_t margin)
{
	struct scratch buf = { NULL, 0 };
	size_t a = 0, b = 0;
	int open = 0, rc = 0;

	/* every byte is walked over once: a walk back stops at the window
	 * before, a walk forward starts past it */
	for (size_t i = 0; i < fresh->n && rc == 0; i++) {
		size_t s = fresh->v[i].start, e = fresh->v[i].end;

		if (open && e <= b)
			continue;
		while (!(open && s <= b) && !shadow_sync(sc, out, s))
			s--;
		while (!shadow_sync(sc, out, e))
			e++;
		if (open && s <= b) {
			b = e;
			continue;
		}
		if (open)
			rc = rescan_window(sc, sub, ents, out, &buf, margin, a, b);
		a = s;
		b = e;
		open = 1;
	}
	if (rc == 0 && open)
		rc = rescan_window(sc, sub, ents, out, &buf, margin, a, b);
	if (rc == 0 && sc->r->ncustom > 0) {
		char *all = scratch_get(&buf, sc->len);

		if (all == NULL) {
			sub->err = ERR_NOMEM;
			rc = -1;
		} else {
			shadow_fill(sc, out, all, 0, sc->len);
			sub->t = all;
			sub->len = sc->len;
			rc = recognize_scan_custom(sub);
			sub->t = NULL;
		}
	}
	scratch_free(&buf);
	return rc;
}

/* grow - a candidate c that starts in the kept tail of a mask ("****1111"
 * is text again for a rescan) and runs past it makes the mask longer, as
 * one value: findings stay disjoint.  1 when it did (and out's finding
 * went to next), 0 when c is not such a candidate, -1 out of memory. */
static int
grow(const struct recognizer *r, struct findings *out, const struct finding *c,
    struct findings *next)
{
	size_t j = first_after(out->v, out->n, c->start);
	struct finding *f = &out->v[j];

	if (j >= out->n || f->start >= c->end || f->kind < 0 || f->kind >= KIND_MAX ||
	    r->keep_last[f->kind] < 0 || c->start < f->start || c->end <= f->end ||
	    (j + 1 < out->n && out->v[j + 1].start < c->end))
		return 0;
	f->end = c->end;
	return findings_add(next, f->start, f->end, f->kind) < 0 ? -1 : 1;
}

/* settle_round - a rescan around the findings of next (the last round's)
 * in the text with stand-ins for all findings; next gets what it found:
 * findings added to out, or grown */
static int
settle_round(struct scan *sc, struct scan *sub, const struct entities *ents,
    struct findings *out, struct findings *next, size_t margin)
{
	struct findings fresh;
	size_t k = 0;
	int rc = -1;

	sub->n = 0;
	if (rescan(sc, sub, ents, out, next, margin) < 0)
		return -1;
	findings_reset(next);
	for (size_t i = 0; sc->r->masks && i < sub->n; i++)
		if (grow(sc->r, out, &sub->c[i], next) < 0)
			return -1;
	for (size_t i = 0; i < sub->n; i++)
		if (!overlaps(out->v, out->n, sub->c[i].start, sub->c[i].end))
			sub->c[k++] = sub->c[i];
	sub->n = k;
	findings_init(&fresh);
	if (recognize_resolve(sub, &fresh) < 0)
		goto done;
	for (size_t i = 0; i < fresh.n; i++)
		if (findings_add(out, fresh.v[i].start, fresh.v[i].end, fresh.v[i].kind) < 0 ||
		    findings_add(next, fresh.v[i].start, fresh.v[i].end, fresh.v[i].kind) < 0)
			goto done;
	qsort(out->v, out->n, sizeof(out->v[0]), start_cmp);
	qsort(next->v, next->n, sizeof(next->v[0]), start_cmp);
	rc = 0;
done:
	findings_free(&fresh);
	return rc;
}

/* ent_margin - how far before a window a known entity may start and still
 * reach it (white space in the text may be longer than in the entity) */
static size_t
ent_margin(const struct entities *ents)
{
	size_t m = SHADOW_MARGIN;

	for (size_t i = 0; ents != NULL && i < ents->n; i++)
		if (4 * ents->v[i].len + 64 > m)
			m = 4 * ents->v[i].len + 64;
	return m;
}

/* recognize_settle - make out a fixed point of scrubbing: with every
 * finding replaced, a rescan must find nothing new.  Replacing a finding
 * changes what its neighbours see ("+46 70 123 45 67a@b.se": once the
 * address is "[EMAIL]" the phone number ends before it; a cluster cut
 * short by a label has other features), so the text with stand-ins for
 * the findings (same length, so offsets stay) is scanned again around
 * them, and what turns up there is added, until nothing does.  Each
 * round adds or grows at least one finding; at most SETTLE_ROUNDS run. */
int
recognize_settle(struct scan *sc, const struct entities *ents, struct findings *out)
{
	struct findings next;
	struct scan sub;
	size_t margin = ent_margin(ents);
	int rc = -1;

	if (out->n == 0)
		return 0;
	sub = *sc;
	findings_init(&next);
	for (size_t i = 0; i < out->n; i++)
		if (findings_add(&next, out->v[i].start, out->v[i].end, out->v[i].kind) < 0)
			goto done;
	for (int round = 0; round < SETTLE_ROUNDS && next.n > 0; round++)
		if (settle_round(sc, &sub, ents, out, &next, margin) < 0)
			goto done;
	rc = 0;
done:
	if (rc < 0 && sub.err == ERR_OK && sc->err == ERR_OK)
		sc->err = ERR_NOMEM;
	if (sc->err == ERR_OK)
		sc->err = sub.err;
	/* sub.c may have grown: it is the caller's to free */
	sc->c = sub.c;
	sc->cap = sub.cap;
	sc->n = 0;
	findings_free(&next);
	return rc;
}
