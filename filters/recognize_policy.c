/* recognize_policy - the policy side of recognition: custom patterns, the
 * allow-list, known entities, the replacement-token guard that keeps
 * scrubbing idempotent, and the overlap resolution that turns candidates
 * into sorted, disjoint findings.  See recognize.c for the built-in kinds.
 */
#include "recognize_int.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define TOKEN_MAX 64		/* longest "[LABEL-xxxxxxxx]" looked for */

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
 * label, or a mask of '*' with kept characters? */
static int
in_token(const char *t, size_t len, size_t s, size_t e)
{
	size_t from = s > TOKEN_MAX ? s - TOKEN_MAX : 0, q;

	if ((s > 0 && t[s - 1] == '*') || (e < len && t[e] == '*') ||
	    memchr(t + s, '*', e - s))
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

	if (e <= s || e > sc->len || in_token(sc->t, sc->len, s, e))
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

static int
scan_entity(struct scan *sc, const struct entity *en)
{
	size_t pos = 0, p, m, cache[2] = { SIZE_MAX, SIZE_MAX };
	unsigned char c0 = (unsigned char)en->text[0];

	while (pos < sc->len) {
		p = next_start(sc->t, sc->len, pos, c0, cache);
		if (p >= sc->len)
			break;
		if ((p == 0 || !word_byte((unsigned char)sc->t[p - 1])) &&
		    (m = entity_match(en, sc->t, sc->len, p)) != 0 &&
		    (p + m >= sc->len || !word_byte((unsigned char)sc->t[p + m]))) {
			if (recognize_add(sc, p, p + m, en->kind) < 0)
				return -1;
			pos = p + m;
		} else
			pos = p + 1;
	}
	return 0;
}

/* recognize_scan_entities - every known entity whose kind is switched on */
int
recognize_scan_entities(struct scan *sc, const struct entities *ents)
{
	if (ents == NULL)
		return 0;
	for (size_t i = 0; i < ents->n; i++) {
		const struct entity *en = &ents->v[i];

		if (en->len == 0 || en->kind < 0 || en->kind >= KIND_MAX ||
		    !sc->r->enabled[en->kind])
			continue;
		if (scan_entity(sc, en) < 0)
			return -1;
	}
	return 0;
}

/* ---- overlaps ---- */

static int
cand_cmp(const void *va, const void *vb)
{
	const struct finding *a = va, *b = vb;

	if (a->start != b->start)
		return a->start < b->start ? -1 : 1;
	if (a->end != b->end)
		return a->end > b->end ? -1 : 1;
	return recognize_kind_rank(a->kind) - recognize_kind_rank(b->kind);
}

/* better - a wins over b: lower rank, then longer */
static int
better(const struct finding *a, const struct finding *b)
{
	int ra = recognize_kind_rank(a->kind), rb = recognize_kind_rank(b->kind);

	if (ra != rb)
		return ra < rb;
	return a->end - a->start > b->end - b->start;
}

/* recognize_resolve - sort the candidates and keep a disjoint set: a
 * candidate overlapping the last kept one replaces it when better */
int
recognize_resolve(struct scan *sc, struct findings *out)
{
	size_t kept = 0;

	if (sc->n == 0)
		return 0;
	qsort(sc->c, sc->n, sizeof(sc->c[0]), cand_cmp);
	for (size_t i = 1; i < sc->n; i++) {
		if (sc->c[i].start >= sc->c[kept].end)
			sc->c[++kept] = sc->c[i];
		else if (better(&sc->c[i], &sc->c[kept]))
			sc->c[kept] = sc->c[i];
	}
	for (size_t i = 0; i <= kept; i++)
		if (findings_add(out, sc->c[i].start, sc->c[i].end, sc->c[i].kind) < 0) {
			sc->err = ERR_NOMEM;
			return -1;
		}
	return 0;
}
