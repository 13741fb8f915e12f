/* recognize - find personal data in UTF-8 text (see recognize.h).
 *
 * One pass over the text with a 256-entry trigger table stops only at
 * digits, upper-case letters, '+', '(', '@' and ':'.  A digit (or an
 * upper-case word holding digits, or a '+'/'(' before one) opens a
 * "cluster": the run of digits, letters and number separators around it.
 * Cheap features of the cluster (digit count, longest digit run, dots,
 * dashes, leading letters; then the digit runs of its words without
 * lower-case letters) decide which kinds could match there, and only
 * those kinds' JIT patterns run, on the cluster alone (the full text is
 * the subject, so look-behinds see the real context, but the subject ends
 * a few bytes past the cluster).  Most clusters hold nothing and are
 * passed over without measuring: ISO dates and the hour after them, the
 * minutes of a time, numbers of fewer than seven digits, hex words such
 * as hashes (do_digit; each shortcut returns what measuring would).  '@'
 * opens an e-mail window, ':' between hex digits an IPv6 window.  Matches
 * then go through the kind's check (recognize_context.c: the checksum and
 * date validators of validate.c plus context words), the allow-list and
 * the replacement-token guard;
 * overlaps are resolved best first (kind priority, then length), and the
 * findings are settled: the text with stand-ins for them is scanned again
 * around them until nothing new turns up (recognize_policy.c), so that a
 * second scrub finds what the first left.  The trigger loop takes a range
 * for those rescans.
 *
 * Custom patterns have no trigger and scan the whole text; known entities
 * are found by a memchr-driven literal search (recognize_policy.c).
 */
#include "recognize.h"
#include "recognize_int.h"
#include "bytes.h"
#include "validate.h"

#include <stdint.h>
#include <stdlib.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif
#include <string.h>
#include <strings.h>

#define CLUSTER_MAX 512		/* bytes in one cluster */
#define EMAIL_LOCAL_MAX 256	/* RFC 5321 says 64; VERP and list addresses run longer */
#define EMAIL_DOMAIN_MAX 255
#define IPV6_WINDOW 64

/* what a cluster looks like, for deciding which patterns to run */
struct cluster {
	size_t s, e;
	unsigned nd;		/* digits */
	unsigned maxrun;	/* longest run of digits */
	unsigned frun, lrun;	/* first and last run of digits */
	unsigned ndots, ndash, nupper;
	unsigned lead_upper;	/* upper-case letters the cluster starts with */
	char lead;		/* first byte */
	char d0, d1;		/* first two digits */
};

typedef int (*check_fn)(struct scan *sc, size_t s, size_t *e);

struct kind_def {
	int kind;
	const char *re;
	check_fn check;
	int cluster;		/* found in clusters (0: has its own trigger) */
};

/* ---- character classes ---- */

enum { T_DIGIT = 1, T_UPPER = 2, T_OPEN = 3, T_AT = 4, T_COLON = 5 };

static const unsigned char trig[256] = {
	['0'] = T_DIGIT, ['1'] = T_DIGIT, ['2'] = T_DIGIT, ['3'] = T_DIGIT,
	['4'] = T_DIGIT, ['5'] = T_DIGIT, ['6'] = T_DIGIT, ['7'] = T_DIGIT,
	['8'] = T_DIGIT, ['9'] = T_DIGIT,
	['A'] = T_UPPER, ['B'] = T_UPPER, ['C'] = T_UPPER, ['D'] = T_UPPER,
	['E'] = T_UPPER, ['F'] = T_UPPER, ['G'] = T_UPPER, ['H'] = T_UPPER,
	['I'] = T_UPPER, ['J'] = T_UPPER, ['K'] = T_UPPER, ['L'] = T_UPPER,
	['M'] = T_UPPER, ['N'] = T_UPPER, ['O'] = T_UPPER, ['P'] = T_UPPER,
	['Q'] = T_UPPER, ['R'] = T_UPPER, ['S'] = T_UPPER, ['T'] = T_UPPER,
	['U'] = T_UPPER, ['V'] = T_UPPER, ['W'] = T_UPPER, ['X'] = T_UPPER,
	['Y'] = T_UPPER, ['Z'] = T_UPPER,
	['+'] = T_OPEN, ['('] = T_OPEN, ['@'] = T_AT, [':'] = T_COLON,
};

static unsigned char
at(const struct scan *sc, size_t i)
{
	return i < sc->len ? (unsigned char)sc->t[i] : 0;
}

/* recognize_next_char - the offset of the character after i (UTF-8) */
size_t
recognize_next_char(const char *t, size_t len, size_t i)
{
	i++;
	while (i < len && ((unsigned char)t[i] & 0xC0) == 0x80)
		i++;
	return i;
}

/* ---- which kinds a cluster could hold ---- */

#define BIT(k) (1u << (k))

/* inner_lead - a group of the cluster after a blank starts as an
 * international or bracketed number does: "12 +46 70 123 45 67",
 * "Room 12 (555) 123-4567" (the cluster's own lead is the short number
 * before it) */
static int
inner_lead(const struct scan *sc, const struct cluster *c)
{
	for (size_t j = c->s + 1; j < c->e; j++)
		if ((sc->t[j] == '+' || sc->t[j] == '(') &&
		    (sc->t[j - 1] == ' ' || (unsigned char)sc->t[j - 1] == 0xA0))
			return 1;
	return 0;
}

/* phone_candidate - a strong format hint, or a phone word before it */
static int
phone_candidate(struct scan *sc, const struct cluster *c)
{
	if (c->lead == '+' || c->lead == '(' || c->d0 == '0')
		return 1;
	if ((c->frun == 3 || c->frun == 1) && c->lrun == 4)
		return 1;
	return inner_lead(sc, c) || recognize_phone_words(sc, c->s);
}

/* cluster_kinds - the kinds whose shape fits the cluster's features: a
 * few compares instead of a pattern run per kind */
static unsigned
cluster_kinds(struct scan *sc, const struct cluster *c)
{
	unsigned m = 0;

	if (c->ndots >= 3 && c->nd >= 4)
		m |= BIT(KIND_IPV4);
	if (c->lead_upper == 2 && c->nd >= 6)
		m |= BIT(KIND_UK_NINO) | (c->nd >= 8 ? BIT(KIND_IBAN) : 0);
	if (c->lead_upper >= 6 && c->e - c->s >= 16)
		m |= BIT(KIND_IT_CF);
	if (c->nd >= 7 && c->nupper)
		m |= BIT(KIND_ES_DNI);
	if (c->nd >= 13 && c->maxrun >= 4)
		m |= BIT(KIND_CARD);
	if (c->maxrun >= 6 && c->nd >= 9)
		m |= BIT(KIND_SE_PNR) | BIT(KIND_CZSK_RC) | BIT(KIND_FI_HETU) |
		    (c->ndash && c->nd >= 10 ? BIT(KIND_DK_CPR) : 0);
	if (c->nd >= 11 && (c->maxrun >= 11 || c->maxrun == 3))
		m |= BIT(KIND_PL_PESEL) | BIT(KIND_DE_STEUERID);
	if (c->nd >= 9 && (c->maxrun == 9 || c->frun == 3))
		m |= BIT(KIND_US_SSN);
	if (c->nd >= 7 && phone_candidate(sc, c))
		m |= BIT(KIND_PHONE);
	return m;
}

/* separator class used by phone numbers: space, NBSP, . - / ( ); a '.'
 * before white space ends a sentence, not a group ("call 070 123. 2024") */
#define PSEP "(?:[ .\\-/()]|\\x{a0})"
#define PSEPS "(?:(?!\\.(?:[ ]|\\x{a0}))" PSEP "){1,3}+"
#define LB "(?<![\\w+./-])"
#define LA "(?![\\w]|[-+./][0-9])"
#define OCT "(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])"
#define H4 "[0-9A-Fa-f]{1,4}"
#define V4 "(?:" OCT "\\.){3}" OCT

/* an e-mail local part: dot-atoms of letters (with the combining marks of
 * decomposed accents), digits and RFC 5322 atext, and an apostrophe that
 * a word processor made curly (U+2019, U+02BC) between two of them, as in
 * "o'brien@" typed in a letter: the whole local part is the address */
#define APOS "[\\x{2019}\\x{2bc}]"
#define EATOM "[\\p{L}\\p{N}\\p{M}!#$%&'+/=?^_`{|}~-]"
#define ELOCAL EATOM "++(?:" APOS EATOM "++)*+"

/* one row per built-in kind, in priority order: on overlap, the earlier
 * row wins (then the longer match) */
static const struct kind_def kind_defs[] = {
	{ KIND_EMAIL,
	  "(?<![\\p{L}\\p{N}\\p{M}.!#$%&'+/=?^_`{|}~-]|[\\p{L}\\p{N}]" APOS ")"
	  ELOCAL "(?:\\." ELOCAL ")*+"
	  "@(?:[\\p{L}\\p{N}](?:[\\p{L}\\p{N}\\p{M}-]{0,61}[\\p{L}\\p{N}\\p{M}])?\\.)+"
	  "(?:\\p{L}{2,63}|xn--[a-zA-Z0-9-]{1,59})(?![\\p{L}\\p{N}\\p{M}-]|\\.[\\p{L}\\p{N}])",
	  recognize_check_none, 0 },
	{ KIND_IBAN, LB "[A-Z]{2}[0-9]{2}(?: ?[0-9A-Z]){11,30}(?!\\w)", recognize_check_iban, 1 },
	{ KIND_CARD, "(?<![\\w+./,-])[0-9](?:[ -]?[0-9]){12,18}(?!\\w|[.,-]?[0-9])",
	  recognize_check_card, 1 },
	{ KIND_IT_CF, LB "[A-Z]{6}[0-9LMNPQRSTUV]{2}[ABCDEHLMPRST][0-9LMNPQRSTUV]{2}"
	  "[A-Z][0-9LMNPQRSTUV]{3}[A-Z](?!\\w)", recognize_check_it_cf, 1 },
	{ KIND_SE_PNR, LB "(?:(?:18|19|20)[0-9]{6}-?[0-9]{4}|[0-9]{6}[-+]?[0-9]{4})" LA,
	  recognize_check_se_pnr, 1 },
	{ KIND_CZSK_RC, LB "[0-9]{6}/?[0-9]{3,4}(?!\\w|[-+./][0-9])", recognize_check_czsk_rc, 1 },
	{ KIND_PL_PESEL, LB "[0-9]{11}" LA, recognize_check_pl_pesel, 1 },
	{ KIND_DE_STEUERID, LB "(?:[0-9]{11}|[0-9]{2} [0-9]{3} [0-9]{3} [0-9]{3})"
	  "(?!\\w|[-+./ ][0-9])", recognize_check_de_steuerid, 1 },
	{ KIND_FI_HETU, LB "[0-9]{6}[-+A-FYXWVU][0-9]{3}[0-9A-Y]" LA, recognize_check_fi_hetu, 1 },
	{ KIND_ES_DNI, LB "(?:[0-9]{8}|[XYZ]-?[0-9]{7})-?[A-Z]" LA, recognize_check_es_dni, 1 },
	{ KIND_UK_NINO, LB "[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z] ?[0-9]{2} ?[0-9]{2} ?[0-9]{2} ?[A-D]"
	  LA, recognize_check_uk_nino, 1 },
	{ KIND_US_SSN, LB "[0-9]{3}([- ]?)[0-9]{2}\\1[0-9]{4}(?!\\w|[-+./ ][0-9])",
	  recognize_check_ssn, 1 },
	{ KIND_DK_CPR, LB "[0-9]{6}-[0-9]{4}" LA, recognize_check_dk_cpr, 1 },
	{ KIND_IPV6, "(?<![\\w:.])(?:"
	  "(?:" H4 ":){6}" V4 "|::(?:[fF]{4}(?::0{1,4})?:)?" V4 "|(?:" H4 ":){1,4}:" V4
	  "|(?:" H4 ":){7}" H4 "|(?:" H4 ":){1,7}:(?!" H4 ")|(?:" H4 ":){1,6}:" H4
	  "|(?:" H4 ":){1,5}(?::" H4 "){1,2}|(?:" H4 ":){1,4}(?::" H4 "){1,3}"
	  "|(?:" H4 ":){1,3}(?::" H4 "){1,4}|(?:" H4 ":){1,2}(?::" H4 "){1,5}"
	  "|" H4 ":(?::" H4 "){1,6}|:(?::" H4 "){1,7}|::)(?![\\w:]|\\.[0-9])",
	  recognize_check_ipv6, 0 },
	{ KIND_IPV4, "(?<![\\w.:/]|(?<![0-9])-)" V4 "(?![\\w]|\\.?[0-9])", recognize_check_ipv4, 1 },
	{ KIND_PHONE, "(?<![\\w+./-])(?:\\+|\\()?[0-9]++(?:" PSEPS "[0-9]++){0,8}+\\)?"
	  "(?![\\w]|[.\\-/][0-9])", recognize_check_phone, 1 },
};

#define NDEFS (sizeof(kind_defs) / sizeof(kind_defs[0]))

/* recognize_kind_rank - overlap priority of a kind (lower wins) */
int
recognize_kind_rank(int kind)
{
	if (kind >= KIND_CUSTOM)
		return -1;	/* the operator asked for it explicitly */
	if (kind == KIND_NAME)
		return (int)NDEFS - 1;	/* just before phone */
	for (size_t i = 0; i < NDEFS; i++)
		if (kind_defs[i].kind == kind)
			return (int)i;
	return (int)NDEFS;
}

/* ---- compiling ---- */

/* recognize_compile - one pattern with UTF, invalid-UTF tolerance and JIT */
int
recognize_compile(struct pat *p, const char *re, uint32_t extra)
{
	int errcode;
	PCRE2_SIZE erroff;

	p->code = pcre2_compile((PCRE2_SPTR)re, PCRE2_ZERO_TERMINATED,
	    PCRE2_UTF | PCRE2_MATCH_INVALID_UTF | extra, &errcode, &erroff, NULL);
	if (p->code == NULL)
		return -1;
	p->jit = pcre2_jit_compile(p->code, PCRE2_JIT_COMPLETE) == 0;
	return 0;
}

/* recognize_match - one match attempt; 1 match, 0 none, -1 error set */
int
recognize_match(struct scan *sc, const struct pat *p, size_t sublen,
    size_t off, size_t *ms, size_t *me)
{
	PCRE2_SIZE *ov;
	int rc;

	if (p->jit)
		rc = pcre2_jit_match(p->code, (PCRE2_SPTR)sc->t, sublen, off, 0,
		    sc->md, sc->r->mctx);
	else
		rc = pcre2_match(p->code, (PCRE2_SPTR)sc->t, sublen, off, 0,
		    sc->md, sc->r->mctx);
	if (rc == PCRE2_ERROR_NOMATCH)
		return 0;
	if (rc < 0) {
		sc->err = rc == PCRE2_ERROR_NOMEMORY ? ERR_NOMEM : ERR_MATCH_LIMIT;
		return -1;
	}
	ov = pcre2_get_ovector_pointer(sc->md);
	*ms = ov[0];
	*me = ov[1];
	return 1;
}

struct recognizer *
recognizer_create(const struct policy_spec *spec, const char **error_r)
{
	struct recognizer *r;

	if ((r = calloc(1, sizeof(*r))) == NULL) {
		*error_r = "out of memory";
		return NULL;
	}
	for (int k = 0; k < KIND_MAX; k++) {
		r->enabled[k] = spec->kinds[k].action != ACTION_OFF;
		r->keep_last[k] = spec->kinds[k].action == ACTION_MASK_KEEP_LAST ?
		    (int)spec->kinds[k].keep_last : -1;
		r->masks |= r->keep_last[k] >= 0;
	}
	if ((r->mctx = pcre2_match_context_create(NULL)) == NULL)
		goto nomem;
	pcre2_set_match_limit(r->mctx, spec->limits.match_limit);
	pcre2_set_depth_limit(r->mctx, spec->limits.depth_limit);
	pcre2_set_heap_limit(r->mctx, spec->limits.heap_limit_kib);
	for (size_t i = 0; i < NDEFS; i++) {
		int k = kind_defs[i].kind;

		if (r->enabled[k] && recognize_compile(&r->builtin[k], kind_defs[i].re, 0) < 0) {
			*error_r = "built-in pattern does not compile";
			goto fail;
		}
		if (r->enabled[k] && kind_defs[i].cluster)
			r->cluster_mask |= BIT(k);
	}
	if (recognize_compile_policy(r, spec, error_r) < 0)
		goto fail;
	return r;
nomem:
	*error_r = "out of memory";
fail:
	recognizer_destroy(&r);
	return NULL;
}

void
recognizer_destroy(struct recognizer **rp)
{
	struct recognizer *r = *rp;

	if (r == NULL)
		return;
	for (int k = 0; k < KIND_BUILTIN_COUNT; k++)
		pcre2_code_free(r->builtin[k].code);
	for (size_t i = 0; i < r->ncustom; i++)
		pcre2_code_free(r->custom[i].code);
	for (size_t i = 0; i < r->nallow; i++)
		pcre2_code_free(r->allow[i].code);
	free(r->allow);
	for (size_t i = 0; i < r->nallow_values; i++)
		free(r->allow_values[i]);
	free(r->allow_values);
	free(r->allow_lens);
	pcre2_match_context_free(r->mctx);
	free(r);
	*rp = NULL;
}

/* ---- windows ---- */

/* scan_window - run one kind's pattern over [s, e) and keep what its
 * validator accepts */
static int
scan_window(struct scan *sc, const struct kind_def *d, size_t s, size_t e)
{
	const struct pat *p = &sc->r->builtin[d->kind];
	size_t sub = e + 4 < sc->len ? e + 4 : sc->len, off = s, ms, me, ne;
	int rc;

	while (off < e) {
		if ((rc = recognize_match(sc, p, sub, off, &ms, &me)) <= 0)
			return rc;
		if (ms >= e)
			break;
		ne = me;
		if (d->kind == KIND_EMAIL)
			ms = recognize_email_key(sc, ms, me);
		if (me > ms && d->check(sc, ms, &ne)) {
			if (recognize_add(sc, ms, ne, d->kind) < 0)
				return -1;
			/* a check that shortened the match (an IBAN followed by
			 * another) leaves the rest to be looked at again */
			off = ne > ms ? ne : me;
		} else
			off = recognize_next_char(sc->t, sc->len, ms);
	}
	return 0;
}

/* cluster_space_ok - does a space at i continue the cluster? */
static int
cluster_space_ok(const struct scan *sc, size_t i)
{
	unsigned char c = at(sc, i + 1);
	size_t j;

	if (bytes_is_digit(c) || c == '(' || c == '+')
		return 1;
	if (!bytes_is_upper(c))
		return 0;
	/* an upper-case group such as the "WEST" of an IBAN or a NINO suffix */
	for (j = i + 1; j < sc->len && j - i <= 5 && bytes_is_alnum(at(sc, j)); j++)
		if (!bytes_is_upper(at(sc, j)) && !bytes_is_digit(at(sc, j)))
			return 0;
	return j - i <= 5;
}

enum { C_END, C_DIGIT, C_UPPER, C_LOWER, C_DOT, C_DASH, C_SEP, C_SPACE, C_NBSP };

#define R10(x) x, x, x, x, x, x, x, x, x, x
static const unsigned char ccls[256] = {
	[' '] = C_SPACE, ['('] = C_SEP, [')'] = C_SEP, ['+'] = C_SEP,
	['-'] = C_DASH, ['.'] = C_DOT, ['/'] = C_SEP,
	['0'] = R10(C_DIGIT),
	['A'] = R10(C_UPPER), ['K'] = R10(C_UPPER), ['U'] = C_UPPER, C_UPPER,
	C_UPPER, C_UPPER, C_UPPER, C_UPPER,
	['a'] = R10(C_LOWER), ['k'] = R10(C_LOWER), ['u'] = C_LOWER, C_LOWER,
	C_LOWER, C_LOWER, C_LOWER, C_LOWER,
	[0xC2] = C_NBSP,
};

/* run_end - a run of n digits ended: the longest, first and last runs */
static inline void
run_end(unsigned n, unsigned *maxrun, unsigned *frun, unsigned *lrun)
{
	if (n > *maxrun)
		*maxrun = n;
	if (*frun == 0)
		*frun = n;
	*lrun = n;
}

/* cluster_measure - extend a cluster from c->s and take its features.
 * One byte at a time with few branches that depend on the text (they
 * mispredict): the counters of the plain classes are sums of compares;
 * only digits, and white space or the end, branch.  The counters live in
 * locals: the text is read through a char pointer, which may alias *c. */
static void
cluster_measure(const struct scan *sc, struct cluster *c)
{
	const unsigned char *t = (const unsigned char *)sc->t;
	size_t i = c->s, end = sc->len - c->s > CLUSTER_MAX ? c->s + CLUSTER_MAX : sc->len;
	unsigned lead = 1, run = 0, nd = 0, maxrun = 0, frun = 0, lrun = 0;
	unsigned ndots = 0, ndash = 0, nupper = 0, lead_upper = 0;
	unsigned char d0 = 0, d1 = 0;

	c->lead = (char)t[i];
	for (; i < end; i++) {
		unsigned cls = ccls[t[i]];

		if (cls == C_DIGIT) {
			if (nd == 0)
				d0 = t[i];
			else if (nd == 1)
				d1 = t[i];
			nd++;
			run++;
			lead = 0;
			continue;
		}
		if (run) {
			run_end(run, &maxrun, &frun, &lrun);
			run = 0;
		}
		if (cls >= C_UPPER && cls <= C_SEP) {
			unsigned up = cls == C_UPPER;

			nupper += up;
			lead_upper += lead & up;
			lead &= up;
			ndots += cls == C_DOT;
			ndash += cls == C_DASH;
		} else if (cls == C_SPACE && cluster_space_ok(sc, i)) {
			lead = lead && lead_upper;
		} else if (cls == C_NBSP && at(sc, i + 1) == 0xA0 &&
		    bytes_is_digit(at(sc, i + 2))) {
			i++;	/* no-break space between groups of digits */
			lead = 0;
		} else
			break;
	}
	if (run)
		run_end(run, &maxrun, &frun, &lrun);
	c->e = i;
	c->nd = nd;
	c->maxrun = maxrun;
	c->frun = frun;
	c->lrun = lrun;
	c->ndots = ndots;
	c->ndash = ndash;
	c->nupper = nupper;
	c->lead_upper = lead_upper;
	c->d0 = (char)d0;
	c->d1 = (char)d1;
}

/* word_byte - a byte PCRE2's \w matches (no UCP: ASCII only) */
static int
word_byte(unsigned char c)
{
	return bytes_is_alnum(c) || c == '_';
}

#define RUN(n) (1u << (n))

/* clean_runs - the digit runs (bit n: a run of n digits, 31 for longer)
 * inside the clean words of t[s, end): words of digits and upper-case
 * letters only, not begun before s.  Every built-in cluster pattern is
 * bounded by (?<!\w) and (?!\w) and has neither lower-case letters nor
 * '_' in its alphabet, so a match covers whole clean words, and every one
 * but IT_CF holds a digit; its digit runs are whole runs of those words.
 * end is where scan_window's subject ends: words are cut there as PCRE2
 * sees them. */
static unsigned
clean_runs(const unsigned char *t, size_t s, size_t end)
{
	unsigned runs = 0, word = 0, run = 0;
	int clean = 1;
	size_t i = s;

	if (s > 0 && word_byte(t[s - 1]))
		while (i < end && word_byte(t[i]))
			i++;
	for (; i <= end; i++) {
		unsigned char c = i < end ? t[i] : 0;

		if (bytes_is_digit(c)) {
			run++;
			continue;
		}
		if (run)
			word |= RUN(run < 31 ? run : 31);
		run = 0;
		if (bytes_is_upper(c))
			continue;
		if (c == '_' || (c >= 'a' && c <= 'z')) {
			clean = 0;
			continue;
		}
		if (clean)
			runs |= word;	/* the word ended clean */
		word = 0;
		clean = 1;
	}
	return runs;
}

/* runs_allow - the cluster kinds whose digit groups clean_runs found:
 * each pattern's digit runs are whole runs (the separators between them
 * are not digits, the ends are word bounds), so "[0-9]{6}/?[0-9]{3,4}"
 * needs a run of 9 or 10, or one of 6 and one of 3 or 4 */
static unsigned
runs_allow(unsigned r)
{
	unsigned m = BIT(KIND_IBAN) | BIT(KIND_CARD) | BIT(KIND_UK_NINO) |
	    BIT(KIND_IPV4) | BIT(KIND_PHONE);

	if (r == 0)		/* no clean word with a digit */
		return 0;
	if (r & RUN(6))
		m |= BIT(KIND_FI_HETU);
	if ((r & (RUN(12) | RUN(10))) || ((r & RUN(4)) && (r & (RUN(8) | RUN(6)))))
		m |= BIT(KIND_SE_PNR);
	if ((r & (RUN(9) | RUN(10))) || ((r & RUN(6)) && (r & (RUN(3) | RUN(4)))))
		m |= BIT(KIND_CZSK_RC);
	if (r & RUN(11))
		m |= BIT(KIND_PL_PESEL);
	if ((r & RUN(11)) || ((r & RUN(2)) && (r & RUN(3))))
		m |= BIT(KIND_DE_STEUERID);
	if ((r & RUN(9)) || ((r & RUN(3)) && (r & RUN(2)) && (r & RUN(4))))
		m |= BIT(KIND_US_SSN);
	if ((r & RUN(6)) && (r & RUN(4)))
		m |= BIT(KIND_DK_CPR);
	if (r & (RUN(8) | RUN(7)))
		m |= BIT(KIND_ES_DNI);
	return m;
}

/* lb_byte - a byte that the look-behind (?<![\w+./-]) opening every
 * cluster pattern but IPv4's (and the card's, which adds ',') refuses */
static int
lb_byte(unsigned char c)
{
	return bytes_is_alnum(c) || c == '_' || c == '+' || c == '.' || c == '/' ||
	    c == '-';
}

/* lb_start - whether such a pattern can start in [s, e): at s, or after
 * a blank or a bracket inside ("INV-2024-000123" has no place to) */
static int
lb_start(const struct scan *sc, size_t s, size_t e)
{
	const unsigned char *t = (const unsigned char *)sc->t;

	if (s == 0 || !lb_byte(t[s - 1]))
		return 1;
	for (size_t p = s; p + 1 < e; p++)
		if (!lb_byte(t[p]))
			return 1;
	return 0;
}

/* do_cluster - measure the cluster at s and run the kinds it could hold */
static size_t
do_cluster(struct scan *sc, size_t s)
{
	struct cluster c;
	unsigned m;

	c.s = s;
	cluster_measure(sc, &c);	/* sets every other field */
	/* most clusters (sizes, counts, times) are too small for any kind */
	if (c.nd < 6 && c.ndots < 3 && c.lead_upper < 6)
		return c.e > s ? c.e : s + 1;
	if ((m = cluster_kinds(sc, &c) & sc->r->cluster_mask) == 0)
		return c.e;
	if (!lb_start(sc, s, c.e))
		m &= BIT(KIND_IPV4);
	/* IT_CF may be all letters; the others need their digit runs */
	m &= BIT(KIND_IT_CF) | runs_allow(clean_runs((const unsigned char *)sc->t,
	    s, c.e + 4 < sc->len ? c.e + 4 : sc->len));
	if (m == 0)
		return c.e;
	for (size_t i = 0; i < NDEFS && !sc->err; i++)
		if (m & BIT(kind_defs[i].kind))
			scan_window(sc, &kind_defs[i], s, c.e);
	return c.e > s ? c.e : s + 1;
}

/* space_goes_on - cluster_space_ok with its commonest answers inline: a
 * digit, '(' or '+' after the blank goes on, a byte that is no capital
 * (a lower-case word) ends the cluster */
static inline int
space_goes_on(const struct scan *sc, size_t i)
{
	unsigned char c = at(sc, i + 1);

	if (bytes_is_digit(c) || c == '(' || c == '+')
		return 1;
	return bytes_is_upper(c) && cluster_space_ok(sc, i);
}

/* digits2 - t[i] and t[i + 1] are digits (i + 1 < len) */
static int
digits2(const struct scan *sc, size_t i)
{
	return i + 1 < sc->len && bytes_is_digit((unsigned char)sc->t[i]) &&
	    bytes_is_digit((unsigned char)sc->t[i + 1]);
}

/* iso_date - the end of the cluster at s when it is an ISO date, alone
 * ("2024-03-15 was") or with the hour of a time ("2024-03-15 10:22",
 * "2024-03-15T10:22"), and holds nothing; 0 when it is not one, or might
 * hold something.  Such a cluster has 8 or 10 digits in runs of 4 and 2,
 * no dot and no leading capital, at most the 'T' inside: of the cluster
 * kinds only a phone number fits (ES_DNI wants a run of 7 or 8), and
 * do_cluster tries one only after a phone word, the date not starting
 * with '0'.  So this returns what do_cluster would, without measuring. */
static size_t
iso_date(struct scan *sc, size_t s)
{
	const unsigned char *t = (const unsigned char *)sc->t;
	size_t e = s + 10;
	unsigned char b;

	if (e >= sc->len || t[s + 4] != '-' || t[s + 7] != '-' || t[s] == '0' ||
	    !digits2(sc, s) || !digits2(sc, s + 2) || !digits2(sc, s + 5) ||
	    !digits2(sc, s + 8))
		return 0;
	b = t[e];
	if ((b == ' ' || b == 'T') && digits2(sc, e + 1) && e + 3 < sc->len &&
	    t[e + 3] == ':')
		e += 3;		/* the cluster ends at the hour's ':' */
	else if (b == 'T' || ccls[b] == C_NBSP || ccls[b] == C_UPPER ||
	    (b == ' ' && space_goes_on(sc, e)) ||
	    (ccls[b] != C_END && ccls[b] != C_SPACE))
		return 0;	/* the cluster goes on */
	/* a line break before it: no word (recognize_phone_words reads
	 * none across one), as for the dates that begin log lines */
	if (sc->r->enabled[KIND_PHONE] && (sc->r->cluster_mask & BIT(KIND_PHONE)) &&
	    s > 0 && t[s - 1] != '\n' && recognize_phone_words(sc, s))
		return 0;
	return e;
}

/* letters and digits: what a word skip passes over */
enum { W_NONE, W_DIGIT, W_UPPER, W_LOWER };
static const unsigned char wcls[256] = {
	['0'] = R10(W_DIGIT),
	['A'] = R10(W_UPPER), ['K'] = R10(W_UPPER), ['U'] = W_UPPER, W_UPPER,
	W_UPPER, W_UPPER, W_UPPER, W_UPPER,
	['a'] = R10(W_LOWER), ['k'] = R10(W_LOWER), ['u'] = W_LOWER, W_LOWER,
	W_LOWER, W_LOWER, W_LOWER, W_LOWER,
};

/* what small_cluster adds up per byte: digits in bits 0-7, dots in
 * 8-15, and Q_GO for every byte that continues a cluster by itself
 * (0: it ends it, or white space decides) */
#define Q_DIGIT 1u
#define Q_DOT (1u << 8)
#define Q_GO (1u << 16)
#define QG Q_GO
#define QD (Q_GO | Q_DIGIT)
static const uint32_t qadd[256] = {
	['('] = QG, [')'] = QG, ['+'] = QG, ['-'] = QG, ['.'] = Q_GO | Q_DOT, ['/'] = QG,
	['0'] = R10(QD),
	['A'] = R10(QG), ['K'] = R10(QG), ['U'] = QG, QG, QG, QG, QG, QG,
	['a'] = R10(QG), ['k'] = R10(QG), ['u'] = QG, QG, QG, QG, QG, QG,
};

#define SMALL_SPAN 24	/* longer clusters are measured in full */

/* small_cluster - the end of the cluster at s, which starts with a digit,
 * when it is short and holds fewer than seven digits and three dots
 * ("1532", "(pid 48213)", "17.1.2", "3/5", "123 INFO", "8080-exec-13"):
 * do_cluster passes such a cluster over (cluster_kinds finds no kind in
 * it, as no kind but IPv4, the NINO and the codice fiscale fits fewer
 * than seven digits, and those want dots or leading capitals); 0 when it
 * is not.  It follows the cluster as cluster_measure does, the same bytes
 * and blanks continuing it, with one table add per byte instead of the
 * features. */
static size_t
small_cluster(const struct scan *sc, size_t s)
{
	const unsigned char *t = (const unsigned char *)sc->t;
	size_t e = s, end = sc->len - s > SMALL_SPAN ? s + SMALL_SPAN : sc->len;
	uint32_t acc = 0, v;

	for (; e < end; e++) {
		if ((v = qadd[t[e]]) != 0) {
			acc += v;
			continue;
		}
		if (t[e] != ' ' || !space_goes_on(sc, e))
			break;
	}
	if (e == end && end < sc->len)
		return 0;	/* may go on */
	if (e < sc->len && t[e] == 0xC2)
		return 0;	/* a no-break space may continue it */
	if ((acc & 0xFF) >= 7 || ((acc >> 8) & 0xFF) >= 3)
		return 0;
	return e;
}

/* lower_words - the end of the cluster at s when each of its words (runs
 * of letters and digits) holds a lower-case letter, as hashes and most
 * UUIDs do ("3f2504e0-4f89-11d3-9a0c-0305e82c3301"); 0 when one does
 * not.  No cluster kind matches there: every cluster pattern is bounded
 * by (?<!\w) and (?!\w), so a match covers whole words, and none has a
 * lower-case letter in its alphabet. */
static size_t
lower_words(const struct scan *sc, size_t s)
{
	const unsigned char *t = (const unsigned char *)sc->t;
	size_t e = s, end = sc->len - s > CLUSTER_MAX ? s + CLUSTER_MAX : sc->len;
	unsigned low = 0, in = 0, w;

	for (; e < end; e++) {
		if ((w = wcls[t[e]]) != W_NONE) {
			low |= w == W_LOWER;
			in = 1;
			continue;
		}
		if (in && !low)
			return 0;
		in = low = 0;
		if (qadd[t[e]] != 0 || (t[e] == ' ' && space_goes_on(sc, e)))
			continue;
		return t[e] == 0xC2 ? 0 : e;	/* a no-break space may continue it */
	}
	return e == sc->len && !(in && !low) ? e : 0;
}

/* word_end - the end of the run of ASCII letters and digits at i */
static size_t
word_end(const unsigned char *t, size_t i, size_t len)
{
	while (i < len && wcls[t[i]] != W_NONE)
		i++;
	return i;
}

/* do_upper - an upper-case word: a cluster when it holds digits, is a
 * 16-letter codice fiscale candidate, or prefixes digits ("AB 12 34 56 C") */
static size_t
do_upper(struct scan *sc, size_t i)
{
	const unsigned char *t = (const unsigned char *)sc->t;
	size_t j = i;
	unsigned w, digits = 0;

	for (; j < sc->len && (w = wcls[t[j]]) != W_NONE; j++) {
		if (w == W_LOWER)
			return word_end(t, j + 1, sc->len);
		digits |= w == W_DIGIT;
	}
	if (digits || j - i == 16 || (j - i <= 3 && at(sc, j) == ' ' && bytes_is_digit(at(sc, j + 1))))
		return do_cluster(sc, i);
	return j;
}

static int
email_local(unsigned char c)
{
	return bytes_is_alnum(c) || c >= 0x80 || (c && strchr(".!#$%&'+/=?^_`{|}~-", c));
}

static int
email_domain(unsigned char c)
{
	return bytes_is_alnum(c) || c >= 0x80 || c == '.' || c == '-';
}

/* do_email - the window of address characters around an '@' */
static size_t
do_email(struct scan *sc, size_t a)
{
	size_t ls = a, re = a + 1;

	if (!sc->r->enabled[KIND_EMAIL])
		return a + 1;
	while (ls > 0 && a - ls < EMAIL_LOCAL_MAX && email_local(at(sc, ls - 1)))
		ls--;
	while (re < sc->len && re - a < EMAIL_DOMAIN_MAX && email_domain(at(sc, re)))
		re++;
	if (ls == a || re == a + 1)
		return a + 1;
	scan_window(sc, &kind_defs[0], ls, re);
	return re;
}

/* time_tail - past the "22:" of "10:22:33" in a colon window [.., we)
 * that holds no IPv6 candidate, from i (just after a ':'): a group of
 * one to five digits that the next ':' ends is a cluster too small for
 * any kind, and that ':' lies in the window looked at already, so the
 * trigger loop would pass both over; it resumes where it would */
static size_t
time_tail(const struct scan *sc, size_t i, size_t we)
{
	const unsigned char *t = (const unsigned char *)sc->t;

	for (;;) {
		size_t k = i;

		while (k < we && k - i < 6 && bytes_is_digit(t[k]))
			k++;
		if (k == i || k - i > 5 || k >= we || t[k] != ':')
			return i;
		i = k + 1;
	}
}

/* the bytes of an IPv6 window: hex digits, ':' and '.' */
enum { V6_HEX = 1, V6_COLON = 2, V6_DOT = 4 };
#define V6H V6_HEX
static const unsigned char v6c[256] = {
	['0'] = R10(V6H), ['A'] = V6H, V6H, V6H, V6H, V6H, V6H,
	['a'] = V6H, V6H, V6H, V6H, V6H, V6H, [':'] = V6_COLON, ['.'] = V6_DOT,
};

/* do_colon - an IPv6 window when the ':' sits between hex digits and the
 * window has "::" or seven colons (so 12:30:45 never gets here); the
 * colons are counted on the walks out from i */
static size_t
do_colon(struct scan *sc, size_t i)
{
	const unsigned char *t = (const unsigned char *)sc->t;
	size_t ws = i, we = i, ncolon = 0;
	int dcolon = 0;

	if (!sc->r->enabled[KIND_IPV6] || i == 0 ||
	    !(v6c[t[i - 1]] & (V6_HEX | V6_COLON)) ||
	    !(v6c[at(sc, i + 1)] & (V6_HEX | V6_COLON)))
		return i + 1;
	if (i < sc->colon_until)	/* inside a window already looked at */
		return i + 1;
	while (ws > 0 && i - ws < IPV6_WINDOW && v6c[t[ws - 1]] != 0) {
		ws--;
		if (t[ws] == ':') {
			ncolon++;
			dcolon |= t[ws + 1] == ':';
		}
	}
	while (we < sc->len && we - i < IPV6_WINDOW && v6c[t[we]] != 0) {
		if (t[we] == ':') {
			ncolon++;
			dcolon |= at(sc, we + 1) == ':';
		}
		we++;
	}
	sc->colon_until = we;
	if (ncolon < 7 && !dcolon)
		return time_tail(sc, i + 1, we);
	for (size_t k = 0; k < NDEFS; k++)
		if (kind_defs[k].kind == KIND_IPV6)
			scan_window(sc, &kind_defs[k], ws, we);
	return i + 1;
}

/* iso_time - do_colon at the ':' after the hour of an ISO date, with a
 * shortcut for the usual "10:22:33," (seconds, then no hex digit, ':' or
 * '.'): the window is "10:22:33", two colons, and the minutes a group
 * time_tail passes; the trigger loop resumes at the seconds, or past
 * them when a byte such as ',' ends their cluster (two digits: small) */
static size_t
iso_time(struct scan *sc, size_t i)
{
	const unsigned char *t = (const unsigned char *)sc->t;

	/* the window starts at the hour: a blank or a 'T' before it */
	if (!sc->r->enabled[KIND_IPV6] || i < sc->colon_until || v6c[t[i - 3]] != 0 ||
	    !digits2(sc, i + 1) || at(sc, i + 3) != ':' || !digits2(sc, i + 4) ||
	    v6c[at(sc, i + 6)] != 0)
		return do_colon(sc, i);
	sc->colon_until = i + 6;
	return ccls[at(sc, i + 6)] == C_END ? i + 6 : i + 4;
}

/* do_digit - a digit that begins a word: a date, a time, a small number
 * or a hash passed over as do_cluster would, else a cluster measured */
static size_t
do_digit(struct scan *sc, size_t i, size_t to)
{
	size_t e = iso_date(sc, i);

	/* the hour's ':' is the next trigger */
	if (e != 0 && e < to && sc->t[e] == ':')
		e = iso_time(sc, e);
	if (e == 0)
		e = small_cluster(sc, i);
	if (e == 0)
		e = lower_words(sc, i);
	return e ? e : do_cluster(sc, i);
}

/* next_trigger - the first offset >= i holding a trigger byte, or len.
 * With SSE2 sixteen bytes at a time: the triggers are '0'..':', '@'..'Z',
 * '(' and '+', so two range compares and two equalities find them all.
 * A capital followed by a lower-case letter ("The", "McDonald") is no
 * trigger there: do_upper would skip its word, and every trigger left in
 * the word is inside it and skipped the same way. */
static size_t
next_trigger(const unsigned char *t, size_t i, size_t len)
{
#ifdef __SSE2__
	const __m128i d_lo = _mm_set1_epi8(0x2F), d_hi = _mm_set1_epi8(0x3B);
	const __m128i u_lo = _mm_set1_epi8(0x40), u_hi = _mm_set1_epi8(0x5B);
	const __m128i l_lo = _mm_set1_epi8(0x60), l_hi = _mm_set1_epi8(0x7B);
	const __m128i open = _mm_set1_epi8('('), plus = _mm_set1_epi8('+');
	const __m128i atc = _mm_set1_epi8('@');

	while (i + 17 <= len) {
		__m128i v = _mm_loadu_si128((const __m128i *)(const void *)(t + i));
		__m128i n = _mm_loadu_si128((const __m128i *)(const void *)(t + i + 1));
		__m128i d = _mm_and_si128(_mm_cmpgt_epi8(v, d_lo), _mm_cmplt_epi8(v, d_hi));
		__m128i u = _mm_and_si128(_mm_cmpgt_epi8(v, u_lo), _mm_cmplt_epi8(v, u_hi));
		__m128i l = _mm_and_si128(_mm_cmpgt_epi8(n, l_lo), _mm_cmplt_epi8(n, l_hi));
		__m128i o = _mm_or_si128(_mm_cmpeq_epi8(v, open), _mm_cmpeq_epi8(v, plus));
		unsigned m;

		o = _mm_or_si128(o, _mm_cmpeq_epi8(v, atc));
		u = _mm_andnot_si128(l, u);
		m = (unsigned)_mm_movemask_epi8(_mm_or_si128(_mm_or_si128(d, u), o));
		if (m)
			return i + (unsigned)__builtin_ctz(m);
		i += 16;
	}
#endif
	while (i < len && trig[t[i]] == 0)
		i++;
	return i;
}

/* recognize_scan_builtin - the trigger loop over [from, to); what starts
 * there may end past to, and look-arounds see the whole text */
int
recognize_scan_builtin(struct scan *sc, size_t from, size_t to)
{
	const unsigned char *t = (const unsigned char *)sc->t;
	size_t i = from, len = sc->len;

	/* no built-in kind on: nothing here could find anything */
	if (sc->r->cluster_mask == 0 && !sc->r->enabled[KIND_EMAIL] &&
	    !sc->r->enabled[KIND_IPV6])
		return 0;
	while (i < to && !sc->err) {
		unsigned char cls;

		if ((i = next_trigger(t, i, to)) >= to)
			break;
		cls = trig[t[i]];
		if (cls == T_AT)
			i = do_email(sc, i);
		else if (cls == T_COLON)
			i = do_colon(sc, i);
		else if (cls == T_OPEN)
			i = bytes_is_digit(at(sc, i + 1)) || (t[i] == '(' && at(sc, i + 1) == '+') ?
			    do_cluster(sc, i) : i + 1;
		else if (i > 0 && wcls[t[i - 1]] != W_NONE)
			i = word_end(t, i + 1, len);	/* inside a word */
		else if (cls == T_DIGIT)
			i = do_digit(sc, i, to);
		else
			i = do_upper(sc, i);
	}
	return sc->err ? -1 : 0;
}

/* ---- findings ---- */

void
findings_init(struct findings *f)
{
	f->v = NULL;
	f->n = f->cap = 0;
}

void
findings_reset(struct findings *f)
{
	f->n = 0;
}

void
findings_free(struct findings *f)
{
	free(f->v);
	findings_init(f);
}

/* findings_add - append one; the caller keeps them sorted and disjoint */
int
findings_add(struct findings *f, size_t start, size_t end, int kind)
{
	if (f->n == f->cap) {
		size_t ncap = f->cap ? f->cap * 2 : 16;
		struct finding *nv;

		if (ncap > SIZE_MAX / sizeof(*nv) ||
		    (nv = realloc(f->v, ncap * sizeof(*nv))) == NULL)
			return -1;
		f->v = nv;
		f->cap = ncap;
	}
	f->v[f->n++] = (struct finding){ start, end, kind };
	return 0;
}

int
recognizer_scan(const struct recognizer *r, const char *text, size_t len,
    const struct entities *ents, struct findings *out, enum scrub_err *err_r)
{
	struct scan sc;
	int rc = -1;

	findings_reset(out);
	memset(&sc, 0, sizeof(sc));
	sc.r = r;
	sc.t = text;
	sc.len = len;
	if ((sc.md = pcre2_match_data_create(16, NULL)) == NULL) {
		*err_r = ERR_NOMEM;
		return -1;
	}
	if (recognize_scan_builtin(&sc, 0, len) == 0 && recognize_scan_custom(&sc) == 0 &&
	    recognize_scan_entities(&sc, ents) == 0 && recognize_resolve(&sc, out) == 0 &&
	    recognize_settle(&sc, ents, out) == 0)
		rc = 0;
	if (rc < 0)
		*err_r = sc.err ? sc.err : ERR_NOMEM;
	free(sc.c);
	pcre2_match_data_free(sc.md);
	return rc;
}
