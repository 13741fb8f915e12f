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

/* words between a version word and its number: "upgraded to 4.18.0.1" */
static const char *const version_links[] = {
	"to", "from", "is", "was", "of", "now", NULL
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

/* version_before - a version number ("2.55", "v1.2.3") right before s,
 * past blanks and an opening bracket: "SpamAssassin 2.55 (1.174.2.19-...)" */
static int
version_before(const struct scan *sc, size_t s)
{
	size_t j = s, k, dots = 0;

	while (j > 0 && s - j < 3 && (sc->t[j - 1] == ' ' || sc->t[j - 1] == '('))
		j--;
	if (j == s || j == 0 || !bytes_is_digit((unsigned char)sc->t[j - 1]))
		return 0;
	for (k = j; k > 0 && j - k < 16 && (bytes_is_digit((unsigned char)sc->t[k - 1]) ||
	    sc->t[k - 1] == '.'); k--)
		dots += sc->t[k - 1] == '.';
	if (k < j && sc->t[k] == '.')
		return 0;
	if (k > 0 && (sc->t[k - 1] == 'v' || sc->t[k - 1] == 'V'))
		k--;
	if (k > 0 && (bytes_is_alnum((unsigned char)sc->t[k - 1]) || sc->t[k - 1] == '.' ||
	    sc->t[k - 1] == ':'))
		return 0;
	return dots >= 1 && dots <= 2;
}

/* version_tag - a tag glued on after the dotted number: "-exp", "-rc1",
 * "-2003-05-19" (a dash and a letter, or a dash and a year and a dash) */
static int
version_tag(const struct scan *sc, size_t e)
{
	const char *t = sc->t;

	if (e + 1 >= sc->len || t[e] != '-')
		return 0;
	if (bytes_is_alpha((unsigned char)t[e + 1]))
		return 1;
	for (size_t i = 1; i <= 4; i++)
		if (e + i >= sc->len || !bytes_is_digit((unsigned char)t[e + i]))
			return 0;
	return e + 5 < sc->len && t[e + 5] == '-';
}

/* range_end - s follows "a.b.c.d-": the second address of a range (the
 * pattern lets a '-' after a digit through only for this) */
static int
range_end(const struct scan *sc, size_t s)
{
	size_t k = s - 1, dots = 0;

	while (k > 0 && s - k < 17 && (bytes_is_digit((unsigned char)sc->t[k - 1]) ||
	    sc->t[k - 1] == '.'))
		dots += sc->t[--k] == '.';
	return dots == 3;
}

/* recognize_check_ipv4 - not a version: no version word or version number
 * before it, no version tag after it */
int
recognize_check_ipv4(struct scan *sc, size_t s, size_t *e)
{
	char w1[20], w2[20];

	if (s > 0 && sc->t[s - 1] == '-' && !range_end(sc, s))
		return 0;
	prev_words(sc, s, w1, w2);
	if (word_in(w1, version_words) ||
	    (word_in(w1, version_links) && word_in(w2, version_words)))
		return 0;
	return !version_before(sc, s) && !version_tag(sc, *e);
}

/* keys of key=value log fields that hold an address ("user=bob@...") */
static const char *const email_keys[] = {
	"user", "username", "login", "email", "mail", "from", "to", "cc", "bcc",
	"sender", "recipient", "rcpt", "orig_to", "address", "addr", "account",
	"owner", "contact", "reply_to", "uid", NULL
};

/* recognize_email_key - where the address in [s, e) starts: past a
 * "key=" of a log line that the local part took in ("user=bob@..."; '='
 * is atext, but no mailbox is called that) */
size_t
recognize_email_key(struct scan *sc, size_t s, size_t e)
{
	char w[20];
	size_t i;

	for (i = s; i < e && i - s < sizeof(w) - 1 &&
	    (bytes_is_alpha((unsigned char)sc->t[i]) || sc->t[i] == '_'); i++)
		w[i - s] = (char)(sc->t[i] | 0x20);
	w[i - s] = '\0';
	if (i == s || i + 1 >= e || sc->t[i] != '=' || sc->t[i + 1] == '@' ||
	    !word_in(w, email_keys))
		return s;
	return i + 1;
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

/* area_code - v opens with an area code in brackets, "(NN)" to
 * "(NNNNN)", and more digits follow: "(1476358788189)" is an id */
static int
area_code(const char *v, size_t n)
{
	size_t i = 1;

	if (n == 0 || v[0] != '(')
		return 0;
	while (i < n && bytes_is_digit((unsigned char)v[i]))
		i++;
	return i >= 3 && i <= 6 && i + 1 < n && v[i] == ')';
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
	return us_shape(v, n) || (area_code(v, n) && nd >= 9);
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
