/* validate - checksums and date rules of the national numbers.
 *
 * Each validator first reduces the matched value to its significant
 * characters (digits, and letters where the kind has them) in a small
 * stack array, then checks the length, the date and the checksum.
 * Values longer than any real number are rejected before copying.
 */
#include "validate.h"

#include <string.h>

#include "bytes.h"

#define VAL_MAX 40

/* squeeze - copy the digits and upper-case letters of v into out, skipping
 * the separators in seps; -1 on any other byte or when too long */
static int
squeeze(const char *v, size_t n, const char *seps, char *out, size_t *len_r)
{
	size_t k = 0;

	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)v[i];

		if (c && strchr(seps, c))
			continue;
		if (!bytes_is_digit(c) && !bytes_is_upper(c))
			return -1;
		if (k >= VAL_MAX)
			return -1;
		out[k++] = (char)c;
	}
	out[k] = '\0';
	*len_r = k;
	return 0;
}

static int
all_digits(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!bytes_is_digit((unsigned char)s[i]))
			return 0;
	return 1;
}

/* num - the decimal value of n digits at s */
static long
num(const char *s, size_t n)
{
	long v = 0;

	for (size_t i = 0; i < n; i++)
		v = v * 10 + (s[i] - '0');
	return v;
}

/* validate_luhn - mod 10 with every second digit from the right doubled */
int
validate_luhn(const char *digits, size_t n)
{
	int sum = 0, dbl = 0;

	if (n == 0)
		return 0;
	for (size_t i = n; i-- > 0;) {
		int d = digits[i] - '0';

		if (d < 0 || d > 9)
			return 0;
		if (dbl && (d *= 2) > 9)
			d -= 9;
		sum += d;
		dbl = !dbl;
	}
	return sum % 10 == 0;
}

/* validate_date - month 1-12, day within the month, leap years Gregorian */
int
validate_date(int year, int month, int day)
{
	static const int mdays[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;

	if (month < 1 || month > 12 || day < 1)
		return 0;
	return day <= mdays[month - 1] + (month == 2 && leap);
}

/* iin_ok - a known issuer prefix with a length that issuer uses */
static int
iin_ok(const char *d, size_t n)
{
	int p2 = (int)num(d, 2), p3 = (int)num(d, 3), p4 = (int)num(d, 4);

	switch (d[0]) {
	case '4':		/* Visa */
		return n == 13 || n == 16 || n == 19;
	case '5':		/* Mastercard 51-55, Maestro 50, 56-59 */
		return (p2 >= 51 && p2 <= 55) ? n == 16 : n >= 13;
	case '2':		/* Mastercard 2221-2720 */
		return p4 >= 2221 && p4 <= 2720 && n == 16;
	case '3':
		if (p2 == 34 || p2 == 37)	/* Amex */
			return n == 15;
		if (p2 == 36 || p2 == 38 || p2 == 39 || (p3 >= 300 && p3 <= 305))
			return n >= 14;	/* Diners */
		return p4 >= 3528 && p4 <= 3589 && n >= 16;	/* JCB */
	case '6':		/* Discover, UnionPay, Maestro */
		return n >= 13;
	default:
		return 0;
	}
}

/* card_groups_ok - separators, when present, all alike and grouping the
 * digits the way cards are printed: 4-4-4-4(-3), 4-6-5, 4-6-4 */
static int
card_groups_ok(const char *v, size_t n)
{
	size_t g[8], ng = 0, run = 0;
	char sep = 0;

	for (size_t i = 0; i < n; i++) {
		if (bytes_is_digit((unsigned char)v[i])) {
			run++;
			continue;
		}
		if ((sep && v[i] != sep) || ng >= 7)
			return 0;
		sep = v[i];
		g[ng++] = run;
		run = 0;
	}
	g[ng++] = run;
	if (ng == 1)
		return 1;
	if (ng == 3 && g[0] == 4 && g[1] == 6 && (g[2] == 5 || g[2] == 4))
		return 1;
	for (size_t i = 0; i + 1 < ng; i++)
		if (g[i] != 4)
			return 0;
	return g[ng - 1] >= 1 && g[ng - 1] <= 4;
}

int
validate_card(const char *v, size_t n)
{
	char d[VAL_MAX + 1];
	size_t k;

	if (squeeze(v, n, " -", d, &k) < 0 || !all_digits(d, k))
		return 0;
	if (k < 13 || k > 19 || !iin_ok(d, k) || !card_groups_ok(v, n))
		return 0;
	return validate_luhn(d, k);
}

static const struct {
	char cc[3];
	unsigned char len;
} iban_len[] = {
	{ "AD", 24 }, { "AE", 23 }, { "AL", 28 }, { "AT", 20 }, { "AZ", 28 },
	{ "BA", 20 }, { "BE", 16 }, { "BG", 22 }, { "BH", 22 }, { "BI", 27 },
	{ "BR", 29 }, { "BY", 28 }, { "CH", 21 }, { "CR", 22 }, { "CY", 28 },
	{ "CZ", 24 }, { "DE", 22 }, { "DJ", 27 }, { "DK", 18 }, { "DO", 28 },
	{ "EE", 20 }, { "EG", 29 }, { "ES", 24 }, { "FI", 18 }, { "FK", 18 },
	{ "FO", 18 }, { "FR", 27 }, { "GB", 22 }, { "GE", 22 }, { "GI", 23 },
	{ "GL", 18 }, { "GR", 27 }, { "GT", 28 }, { "HR", 21 }, { "HU", 28 },
	{ "IE", 22 }, { "IL", 23 }, { "IQ", 23 }, { "IS", 26 }, { "IT", 27 },
	{ "JO", 30 }, { "KW", 30 }, { "KZ", 20 }, { "LB", 28 }, { "LC", 32 },
	{ "LI", 21 }, { "LT", 20 }, { "LU", 20 }, { "LV", 21 }, { "LY", 25 },
	{ "MC", 27 }, { "MD", 24 }, { "ME", 22 }, { "MK", 19 }, { "MN", 20 },
	{ "MR", 27 }, { "MT", 31 }, { "MU", 30 }, { "NI", 28 }, { "NL", 18 },
	{ "NO", 15 }, { "OM", 23 }, { "PK", 24 }, { "PL", 28 }, { "PS", 29 },
	{ "PT", 25 }, { "QA", 29 }, { "RO", 24 }, { "RS", 22 }, { "RU", 33 },
	{ "SA", 24 }, { "SC", 31 }, { "SD", 18 }, { "SE", 24 }, { "SI", 19 },
	{ "SK", 24 }, { "SM", 27 }, { "SO", 23 }, { "ST", 25 }, { "SV", 28 },
	{ "TL", 23 }, { "TN", 24 }, { "TR", 26 }, { "UA", 29 }, { "VA", 22 },
	{ "VG", 24 }, { "XK", 20 },
};

static size_t
iban_country_len(const char *cc)
{
	for (size_t i = 0; i < sizeof(iban_len) / sizeof(iban_len[0]); i++)
		if (iban_len[i].cc[0] == cc[0] && iban_len[i].cc[1] == cc[1])
			return iban_len[i].len;
	return 0;
}

/* iban_mod97 - the IBAN with its first four characters moved to the end,
 * letters as 10..35, taken mod 97 */
static int
iban_mod97(const char *s, size_t n)
{
	unsigned r = 0;

	for (size_t i = 0; i < n; i++) {
		char c = s[(i + 4) % n];

		if (bytes_is_digit((unsigned char)c))
			r = (r * 10 + (unsigned)(c - '0')) % 97;
		else
			r = (r * 100 + (unsigned)(c - 'A' + 10)) % 97;
	}
	return (int)r;
}

int
validate_iban(const char *v, size_t n, size_t *used_r)
{
	char s[VAL_MAX + 1];
	size_t want, k = 0, i;

	if (n < 4 || !bytes_is_upper((unsigned char)v[0]) || !bytes_is_upper((unsigned char)v[1]))
		return 0;
	if ((want = iban_country_len(v)) == 0)
		return 0;
	for (i = 0; i < n && k < want; i++) {
		unsigned char c = (unsigned char)v[i];

		if (c == ' ') {
			/* spaced IBANs are printed in groups of four */
			if (k % 4 != 0 || i == 0 || v[i - 1] == ' ')
				return 0;
			continue;
		}
		if (!bytes_is_digit(c) && !bytes_is_upper(c))
			return 0;
		s[k++] = (char)c;
	}
	if (k != want || (i < n && v[i] != ' '))
		return 0;
	if (!bytes_is_digit((unsigned char)s[2]) || !bytes_is_digit((unsigned char)s[3]))
		return 0;
	if (used_r)
		*used_r = i;
	return iban_mod97(s, k) == 1;
}

/* se_date_ok - YYMMDD (day + 60 for samordningsnummer) in some century */
static int
se_date_ok(const char *d, int century)
{
	int yy = (int)num(d, 2), mm = (int)num(d + 2, 2), dd = (int)num(d + 4, 2);

	if (dd > 60)
		dd -= 60;
	if (century)
		return validate_date(century * 100 + yy, mm, dd);
	return validate_date(1900 + yy, mm, dd) || validate_date(2000 + yy, mm, dd);
}

int
validate_se_pnr(const char *v, size_t n)
{
	char d[VAL_MAX + 1];
	size_t k;
	int century = 0;

	if (squeeze(v, n, "-+", d, &k) < 0 || !all_digits(d, k))
		return 0;
	if (k == 12) {
		century = (int)num(d, 2);
		if (century < 18 || century > 20 || memchr(v, '+', n))
			return 0;
		memmove(d, d + 2, 10);
	} else if (k != 10)
		return 0;
	return se_date_ok(d, century) && validate_luhn(d, 10);
}

/* cf_digit - the digit an omocodia letter stands for, or the digit itself */
static int
cf_digit(char c)
{
	static const char omo[] = "LMNPQRSTUV";
	const char *p;

	if (bytes_is_digit((unsigned char)c))
		return c - '0';
	p = strchr(omo, c);
	return p && c ? (int)(p - omo) : -1;
}

int
validate_it_cf(const char *v, size_t n)
{
	static const int odd[36] = {
		1, 0, 5, 7, 9, 13, 15, 17, 19, 21,		/* 0-9 */
		1, 0, 5, 7, 9, 13, 15, 17, 19, 21, 2, 4, 18, 20, 11, 3, 6, 8,
		12, 14, 16, 10, 22, 25, 24, 23			/* A-Z */
	};
	int sum = 0, day;

	if (n != 16)
		return 0;
	for (size_t i = 0; i < 16; i++)
		if (!bytes_is_digit((unsigned char)v[i]) && !bytes_is_upper((unsigned char)v[i]))
			return 0;
	if (cf_digit(v[9]) < 0 || cf_digit(v[10]) < 0)
		return 0;
	day = cf_digit(v[9]) * 10 + cf_digit(v[10]);
	if (day > 40)
		day -= 40;
	if (day < 1 || day > 31)
		return 0;
	for (size_t i = 0; i < 15; i++) {
		int c = (unsigned char)v[i];
		int idx = bytes_is_digit(c) ? c - '0' : c - 'A' + 10;

		/* positions count from 1: odd ones use the table */
		sum += (i % 2 == 0) ? odd[idx] : (bytes_is_digit(c) ? c - '0' : c - 'A');
	}
	return v[15] == 'A' + sum % 26;
}

/* rc_date_ok - the date in a rodne cislo; women have month + 50, and from
 * 2004 month + 20 (+ 70) when a day ran out of serials */
static int
rc_date_ok(const char *d, int year)
{
	int mm = (int)num(d + 2, 2), dd = (int)num(d + 4, 2);

	if (mm > 70)
		mm -= 70;
	else if (mm > 50)
		mm -= 50;
	else if (mm > 20)
		mm -= 20;
	if ((int)num(d + 2, 2) > 20 && (int)num(d + 2, 2) <= 32 && year < 2004)
		return 0;
	if ((int)num(d + 2, 2) > 70 && year < 2004)
		return 0;
	return validate_date(year, mm, dd);
}

int
validate_czsk_rc(const char *v, size_t n)
{
	char d[VAL_MAX + 1];
	size_t k;
	int yy;
	long long all;

	if (squeeze(v, n, "/", d, &k) < 0 || !all_digits(d, k))
		return 0;
	yy = (int)num(d, 2);
	if (k == 9)	/* before 1954: no check digit, written with a slash */
		return memchr(v, '/', n) && yy < 54 && rc_date_ok(d, 1900 + yy);
	if (k != 10 || !rc_date_ok(d, yy < 54 ? 2000 + yy : 1900 + yy))
		return 0;
	all = (long long)num(d, 9) * 10 + (d[9] - '0');
	if (all % 11 == 0)
		return 1;
	return num(d, 9) % 11 == 10 && d[9] == '0';
}

int
validate_uk_nino(const char *v, size_t n)
{
	static const char *const bad[] = { "BG", "GB", "KN", "NK", "NT", "TN", "ZZ" };
	char s[VAL_MAX + 1];
	size_t k;

	if (squeeze(v, n, " ", s, &k) < 0 || k != 9)
		return 0;
	if (!bytes_is_upper((unsigned char)s[0]) || !bytes_is_upper((unsigned char)s[1]))
		return 0;
	if (strchr("DFIQUV", s[0]) || strchr("DFIOQUV", s[1]))
		return 0;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (s[0] == bad[i][0] && s[1] == bad[i][1])
			return 0;
	return all_digits(s + 2, 6) && s[8] >= 'A' && s[8] <= 'D';
}

int
validate_us_ssn(const char *v, size_t n)
{
	char d[VAL_MAX + 1];
	size_t k;
	long area;

	if (squeeze(v, n, " -", d, &k) < 0 || k != 9 || !all_digits(d, k))
		return 0;
	area = num(d, 3);
	if (area == 0 || area == 666 || area >= 900)
		return 0;
	return num(d + 3, 2) != 0 && num(d + 5, 4) != 0;
}

/* steuer_digits_ok - in the first ten digits exactly one digit occurs
 * twice or three times (three never all adjacent), the others at most once */
static int
steuer_digits_ok(const char *d)
{
	int cnt[10] = { 0 }, multi = 0, which = -1;

	for (int i = 0; i < 10; i++)
		cnt[d[i] - '0']++;
	for (int i = 0; i < 10; i++) {
		if (cnt[i] > 3)
			return 0;
		if (cnt[i] >= 2) {
			multi++;
			which = i;
		}
	}
	if (multi != 1)
		return 0;
	if (cnt[which] == 3)
		for (int i = 0; i + 2 < 10; i++)
			if (d[i] - '0' == which && d[i + 1] == d[i] && d[i + 2] == d[i])
				return 0;
	return 1;
}

int
validate_de_steuerid(const char *v, size_t n)
{
	char d[VAL_MAX + 1];
	size_t k;
	int product = 10, check;

	if (squeeze(v, n, " ", d, &k) < 0 || k != 11 || !all_digits(d, k))
		return 0;
	if (d[0] == '0' || !steuer_digits_ok(d))
		return 0;
	for (int i = 0; i < 10; i++) {	/* ISO 7064 MOD 11,10 */
		int sum = (d[i] - '0' + product) % 10;

		if (sum == 0)
			sum = 10;
		product = (sum * 2) % 11;
	}
	check = 11 - product;
	if (check == 10)
		check = 0;
	return d[10] - '0' == check;
}

int
validate_es_dni(const char *v, size_t n)
{
	static const char letters[] = "TRWAGMYFPDXBNJZSQVHLCKE";
	char s[VAL_MAX + 1];
	size_t k;

	if (squeeze(v, n, "-", s, &k) < 0 || k != 9 || !bytes_is_upper((unsigned char)s[8]))
		return 0;
	if (s[0] == 'X' || s[0] == 'Y' || s[0] == 'Z')
		s[0] = (char)('0' + (s[0] - 'X'));
	if (!all_digits(s, 8))
		return 0;
	return s[8] == letters[num(s, 8) % 23];
}

int
validate_pl_pesel(const char *v, size_t n)
{
	static const int w[10] = { 1, 3, 7, 9, 1, 3, 7, 9, 1, 3 };
	int sum = 0, yy, mm, century;

	if (n != 11 || !all_digits(v, n))
		return 0;
	yy = (int)num(v, 2);
	mm = (int)num(v + 2, 2);
	century = mm > 80 ? 1800 : mm > 60 ? 2200 : mm > 40 ? 2100 : mm > 20 ? 2000 : 1900;
	mm %= 20;
	if (!validate_date(century + yy, mm, (int)num(v + 4, 2)))
		return 0;
	for (int i = 0; i < 10; i++)
		sum += w[i] * (v[i] - '0');
	return (10 - sum % 10) % 10 == v[10] - '0';
}

int
validate_dk_cpr(const char *v, size_t n)
{
	int yy, s7, century;

	if (n != 11 || v[6] != '-' || !all_digits(v, 6) || !all_digits(v + 7, 4))
		return 0;
	yy = (int)num(v + 4, 2);
	s7 = v[7] - '0';
	if (s7 <= 3)
		century = 1900;
	else if (s7 == 4 || s7 == 9)
		century = yy <= 36 ? 2000 : 1900;
	else
		century = yy <= 57 ? 2000 : 1800;
	return validate_date(century + yy, (int)num(v + 2, 2), (int)num(v, 2));
}

int
validate_fi_hetu(const char *v, size_t n)
{
	static const char checks[] = "0123456789ABCDEFHJKLMNPRSTUVWXY";
	char d[10];
	int century;

	if (n != 11 || !all_digits(v, 6) || !all_digits(v + 7, 3))
		return 0;
	if (v[6] == '+')
		century = 1800;
	else if (v[6] == '-' || strchr("YXWVU", v[6]))
		century = 1900;
	else if (v[6] >= 'A' && v[6] <= 'F')
		century = 2000;
	else
		return 0;
	if (num(v + 7, 3) < 2 || !validate_date(century + (int)num(v + 4, 2),
	    (int)num(v + 2, 2), (int)num(v, 2)))
		return 0;
	memcpy(d, v, 6);
	memcpy(d + 6, v + 7, 3);
	return v[10] == checks[num(d, 9) % 31];
}
