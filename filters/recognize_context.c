/* recognize_context - the validators of the built-in kinds as the
 * recognizer calls them: the checksum validators of validate.c plus what
 * only the surrounding text can tell (a "version" before an IPv4-looking
 * string, "order #" before a number, "tel" or "SSN" before one, dates that
 * look like phone numbers).  Each takes the match [s, *e) in the scanned
 * text and returns 1 to keep it; a check may shorten *e.
 */
#include "recognize_int.h"
#include "bytes.h"
#include "validate.h"

#include <string.h>

/* ---- context words ---- */

static int
word_in(const char *w, const char *const *list)
{
	if (w[0] == '\0')
		return 0;
	for (; *list; list++)
		if ((*list)[0] == w[0] && strcmp(w, *list) == 0)
			return 1;
	return 0;
}

static int
is_ctx_punct(unsigned char c)
{
	return c == ' ' || c == '\t' || c == ':' || c == '.' || c == '=' || c == '(' || c == '-';
}

/* prev_word - the word before pos, lower-cased into w (blanks and a
 * little punctuation skipped; a '#' counts as a word); *before_r is where
 * the word starts.  Empty when there is none within reach. */
static void
prev_word(const char *t, size_t pos, char w[20], size_t *before_r)
{
	size_t j = pos, k;

	w[0] = '\0';
	*before_r = pos;
	while (j > 0 && pos - j < 6 && is_ctx_punct((unsigned char)t[j - 1]))
		j--;
	if (j > 0 && t[j - 1] == '#') {
		strcpy(w, "#");
		*before_r = j - 1;
		return;
	}
	for (k = j; k > 0 && j - k < 19 && bytes_is_alpha((unsigned char)t[k - 1]); k--)
		;
	if (k == j || (k > 0 && bytes_is_alnum((unsigned char)t[k - 1])))
		return;
	for (size_t i = 0; i < j - k; i++)
		w[i] = (char)(t[k + i] | 0x20);
	w[j - k] = '\0';
	*before_r = k;
}

static void
prev_words(const struct scan *sc, size_t pos, char w1[20], char w2[20])
{
	size_t b;

	prev_word(sc->t, pos, w1, &b);
	w2[0] = '\0';
	if (w1[0])
		prev_word(sc->t, b, w2, &b);
}

static const char *const phone_words[] = {
	"tel", "tele", "telefon", "telephone", "phone", "ph", "mobile", "mob",
	"mobil", "mobiltelefon", "cell", "cellphone", "cellulare", "fax", "call",
	"ring", "t", "m", "p", "tlf", "handy", "sms", "whatsapp", "direct", NULL
};

static const char *const number_words[] = {
	"#", "no", "nr", "num", "number", "nummer", "numero", NULL
};

static const char *const reject_words[] = {
	"order", "ticket", "invoice", "inv", "case", "ref", "reference", "id",
	"po", "account", "acct", "customer", "tracking", "sku", "serial", "build",
	"version", "ver", "release", "kb", "bug", "issue", "incident", "request",
	"req", "pid", "job", "transaction", "txn", "receipt", "booking",
	"reservation", "confirmation", "item", "article", "part", "port", NULL
};

/* words before a number that make it a reference, not a person */
static const char *const order_words[] = {
	"order", "ticket", "invoice", "inv", "case", "ref", "reference", "po",
	"tracking", "sku", "serial", "build", "version", "kb", "bug", "issue",
	"incident", "request", "req", "job", "transaction", "txn", "receipt",
	"booking", "reservation", "confirmation", "item", "article", "#", NULL
};

static const char *const version_words[] = {
	"version", "ver", "v", "release", "rel", "build", "kernel", "firmware",
	"fw", "rev", "revision", "update", "patch", "sp", "os", "ios", "android",
	"windows", "macos", "chrome", "firefox", "safari", "edge", "java", "jdk",
	"node", "python", "php", "openssl", "nginx", "apache", "bios", "driver",
	"app", "client", "agent", "upgrade", "upgraded", "downgrade", "installed",
	"v.", NULL
};

static const char *const ssn_words[] = {
	"ssn", "ss", "social", "security", "ssnr", NULL
};

/* ---- validators with context ---- */

/* order_context - "Order #", "ticket no." and the like right before s */
static int
order_context(struct scan *sc, size_t s)
{
	char w1[20], w2[20];

	prev_words(sc, s, w1, w2);
	return word_in(w1, order_words) ||
	    (word_in(w1, number_words) && word_in(w2, order_words));
}

/* bare_ok - a number written without separators after an order-style
 * word is that order's number */
static int
bare_ok(struct scan *sc, size_t s, size_t e)
{
	for (size_t i = s; i < e; i++)
		if (!bytes_is_digit((unsigned char)sc->t[i]))
			return 1;
	return !order_context(sc, s);
}

int
recognize_check_none(struct scan *sc, size_t s, size_t *e)
{
	return 1;
}

int
recognize_check_ipv4(struct scan *sc, size_t s, size_t *e)
{
	char w1[20], w2[20];

	prev_words(sc, s, w1, w2);
	return !word_in(w1, version_words);
}

/* recognize_check_ipv6 - "a::b" is more often code than an address: want a digit or
 * four hex digits */
int
recognize_check_ipv6(struct scan *sc, size_t s, size_t *e)
{
	unsigned hex = 0, dig = 0;

	for (size_t i = s; i < *e; i++) {
		hex += bytes_is_hex((unsigned char)sc->t[i]);
		dig += bytes_is_digit((unsigned char)sc->t[i]);
	}
	return dig > 0 || hex >= 4;
}

/* looks_like_date - d.d.yyyy, yyyy-mm-dd and friends: three groups of
 * digits with one separator used twice */
static int
looks_like_date(const char *v, size_t n)
{
	unsigned g[4] = { 0 }, ng = 0;
	char sep = 0;

	for (size_t i = 0; i < n; i++) {
		if (bytes_is_digit((unsigned char)v[i])) {
			g[ng]++;
			continue;
		}
		if (ng >= 3 || (sep && v[i] != sep) || !strchr("./-", v[i]))
			return 0;
		sep = v[i];
		ng++;
	}
	if (ng != 2)
		return 0;
	if (g[0] == 4)
		return g[1] <= 2 && g[2] <= 2;
	return g[0] <= 2 && g[1] <= 2 && (g[2] == 2 || g[2] == 4);
}

/* us_shape - (NXX) NXX-XXXX, NXX-NXX-XXXX, NXX.NXX.XXXX, 1-NXX-NXX-XXXX */
static int
us_shape(const char *v, size_t n)
{
	unsigned g[6] = { 0 }, ng = 0, first[6] = { 0 };
	char seps[6] = { 0 };
	size_t i = 0;

	if (n && v[0] == '(')
		i = 1;
	for (; i < n; i++) {
		if (bytes_is_digit((unsigned char)v[i])) {
			if (g[ng]++ == 0)
				first[ng] = (unsigned)(v[i] - '0');
			continue;
		}
		if (ng >= 5)
			return 0;
		seps[ng++] = v[i];
		if (v[i] == ')' && i + 1 < n && v[i + 1] == ' ')
			i++;
	}
	ng++;
	if (ng == 4 && g[0] == 1 && first[0] == 1) {
		memmove(g, g + 1, 3 * sizeof(g[0]));
		memmove(first, first + 1, 3 * sizeof(first[0]));
		memmove(seps, seps + 1, 3);
		ng = 3;
	}
	if (ng != 3 || g[0] != 3 || g[1] != 3 || g[2] != 4 || first[0] < 2 || first[1] < 2)
		return 0;
	if (v[0] == '(')
		return seps[0] == ')' && (seps[1] == '-' || seps[1] == '.' || seps[1] == ' ');
	return seps[0] == seps[1] && (seps[0] == '-' || seps[0] == '.');
}

/* phone_format - the strong format signals: +CC, 00CC, (area), trunk 0
 * with grouping, US shapes */
static int
phone_format(const char *v, size_t n, unsigned nd, const char *dg)
{
	int seps = 0;

	for (size_t i = 0; i < n; i++)
		seps += !bytes_is_digit((unsigned char)v[i]);
	if (v[0] == '+' || (dg[0] == '0' && dg[1] == '0' && dg[2] != '0'))
		return 1;
	if (dg[0] == '0' && dg[1] != '0' && (seps || (nd >= 9 && nd <= 11)))
		return 1;
	return us_shape(v, n) || (v[0] == '(' && nd >= 9);
}

int
recognize_check_phone(struct scan *sc, size_t s, size_t *e)
{
	const char *v = sc->t + s;
	size_t n = *e - s;
	char dg[16], w1[20], w2[20];
	unsigned nd = 0, open = 0, close = 0;
	int ctx;

	for (size_t i = 0; i < n; i++) {
		if (bytes_is_digit((unsigned char)v[i])) {
			if (nd < sizeof(dg))
				dg[nd] = v[i];
			nd++;
		}
		open += v[i] == '(';
		close += v[i] == ')';
	}
	if (nd < 7 || nd > 15 || open > 2 || open != close || looks_like_date(v, n))
		return 0;
	/* glued bracket groups "(9445)(7501)(5200)" are codes, not a phone;
	 * judging by both neighbours keeps a rescan of scrubbed text stable */
	if ((s > 0 && (sc->t[s - 1] == ')' || sc->t[s - 1] == ']')) ||
	    (*e < sc->len && (sc->t[*e] == '(' || sc->t[*e] == '[')))
		return 0;
	prev_words(sc, s, w1, w2);
	if (word_in(w1, reject_words))
		return 0;
	/* "order no. 123…" is a reference, "phone no. …" a phone, and a bare
	 * "my number +46 …" is judged by its format alone */
	if (word_in(w1, number_words)) {
		if (word_in(w2, order_words) || word_in(w2, reject_words))
			return 0;
		ctx = word_in(w2, phone_words);
	} else
		ctx = word_in(w1, phone_words);
	return ctx || phone_format(v, n, nd, dg);
}

int
recognize_check_iban(struct scan *sc, size_t s, size_t *e)
{
	size_t used;

	if (!validate_iban(sc->t + s, *e - s, &used))
		return 0;
	*e = s + used;
	return 1;
}

int
recognize_check_ssn(struct scan *sc, size_t s, size_t *e)
{
	char w1[20], w2[20];

	if (!validate_us_ssn(sc->t + s, *e - s) || !bare_ok(sc, s, *e))
		return 0;
	if (*e - s > 9)		/* dashed or spaced */
		return 1;
	prev_words(sc, s, w1, w2);
	return word_in(w1, ssn_words) || word_in(w2, ssn_words);
}

#define CHK_PLAIN(name, fn)						\
int									\
name(struct scan *sc, size_t s, size_t *e)				\
{									\
	return fn(sc->t + s, *e - s) && bare_ok(sc, s, *e);		\
}

CHK_PLAIN(recognize_check_card, validate_card)
CHK_PLAIN(recognize_check_se_pnr, validate_se_pnr)
CHK_PLAIN(recognize_check_it_cf, validate_it_cf)
CHK_PLAIN(recognize_check_czsk_rc, validate_czsk_rc)
CHK_PLAIN(recognize_check_uk_nino, validate_uk_nino)
CHK_PLAIN(recognize_check_de_steuerid, validate_de_steuerid)
CHK_PLAIN(recognize_check_es_dni, validate_es_dni)
CHK_PLAIN(recognize_check_pl_pesel, validate_pl_pesel)
CHK_PLAIN(recognize_check_dk_cpr, validate_dk_cpr)
CHK_PLAIN(recognize_check_fi_hetu, validate_fi_hetu)

/* recognize_phone_words - a phone word ("tel", "mobile") just before s */
int
recognize_phone_words(struct scan *sc, size_t s)
{
	char w1[20], w2[20];

	prev_words(sc, s, w1, w2);
	return word_in(w1, phone_words) || word_in(w2, phone_words);
}
