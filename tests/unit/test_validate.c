/* test_validate - the checksum and date validators, value by value. */
#include <string.h>

#include "harness.h"
#include "validate.h"

struct row {
	int (*fn)(const char *, size_t);
	const char *name;
	const char *v;
	int want;
};

static int
iban_fn(const char *v, size_t n)
{
	return validate_iban(v, n, NULL);
}

#define R(fn, v, want) { fn, #fn, v, want }

static const struct row rows[] = {
	/* payment cards: Luhn, IIN, length, grouping */
	R(validate_card, "4111111111111111", 1),
	R(validate_card, "4111 1111 1111 1111", 1),
	R(validate_card, "4111-1111-1111-1111", 1),
	R(validate_card, "5555555555554444", 1),
	R(validate_card, "5105105105105100", 1),
	R(validate_card, "378282246310005", 1),
	R(validate_card, "3782 822463 10005", 1),
	R(validate_card, "6011111111111117", 1),
	R(validate_card, "30569309025904", 1),
	R(validate_card, "3530111333300000", 1),
	R(validate_card, "4012888888881881", 1),
	R(validate_card, "4111111111111112", 0),	/* Luhn */
	R(validate_card, "4111 1111 1111 1112", 0),
	R(validate_card, "1234567812345670", 0),	/* IIN 1 */
	R(validate_card, "9111111111111111", 0),
	R(validate_card, "4111-1111 1111-1111", 0),	/* mixed separators */
	R(validate_card, "41111 11111 11111 1", 0),	/* odd grouping */
	R(validate_card, "411111111111", 0),		/* 12 digits */
	R(validate_card, "378282246310005 ", 0),
	/* IBAN: mod-97, country length, groups of four */
	R(iban_fn, "DE89370400440532013000", 1),
	R(iban_fn, "DE89 3704 0044 0532 0130 00", 1),
	R(iban_fn, "GB82WEST12345698765432", 1),
	R(iban_fn, "GB82 WEST 1234 5698 7654 32", 1),
	R(iban_fn, "SE4550000000058398257466", 1),
	R(iban_fn, "IT60X0542811101000000123456", 1),
	R(iban_fn, "DE89370400440532013001", 0),	/* mod-97 */
	R(iban_fn, "DE8937040044053201300", 0),		/* too short for DE */
	R(iban_fn, "XX89370400440532013000", 0),	/* no such country */
	R(iban_fn, "DE89 370 4004 4053 2013 000", 0),	/* grouping */
	R(iban_fn, "de89370400440532013000", 0),
	/* Swedish personnummer / samordningsnummer */
	R(validate_se_pnr, "811218-9876", 1),
	R(validate_se_pnr, "811218+9876", 1),
	R(validate_se_pnr, "8112189876", 1),
	R(validate_se_pnr, "19811218-9876", 1),
	R(validate_se_pnr, "198112189876", 1),
	R(validate_se_pnr, "701063-2383", 1),		/* samordningsnummer, day 3+60 */
	R(validate_se_pnr, "000229-1235", 1),		/* 2000-02-29 */
	R(validate_se_pnr, "811218-9875", 0),		/* Luhn */
	R(validate_se_pnr, "811318-9876", 0),		/* month 13 */
	R(validate_se_pnr, "19811218+9876", 0),		/* '+' only with 10 digits */
	R(validate_se_pnr, "21811218-9876", 0),		/* century 21 */
	R(validate_se_pnr, "811218-98761", 0),
	/* Italian codice fiscale */
	R(validate_it_cf, "RSSMRA85T10A562S", 1),
	R(validate_it_cf, "RSSMRA85T10A56NH", 1),	/* omocodia */
	R(validate_it_cf, "BNCLRD80A41H501G", 1),	/* woman: day + 40 */
	R(validate_it_cf, "RSSMRA85T10A562T", 0),	/* check character */
	R(validate_it_cf, "RSSMRA85T99A562S", 0),	/* day 99 */
	R(validate_it_cf, "RSSMRA85T10A562", 0),
	/* Czech/Slovak rodne cislo */
	R(validate_czsk_rc, "855101/1238", 1),		/* woman: month + 50 */
	R(validate_czsk_rc, "8551011238", 1),
	R(validate_czsk_rc, "736028/1005", 1),
	R(validate_czsk_rc, "052205/1233", 1),		/* 2005, month + 20 */
	R(validate_czsk_rc, "900101/0018", 1),
	R(validate_czsk_rc, "7801230020", 1),		/* mod 11 == 10, check 0 */
	R(validate_czsk_rc, "520101/123", 1),		/* 9 digits, before 1954 */
	R(validate_czsk_rc, "855101/1230", 0),		/* mod 11 */
	R(validate_czsk_rc, "520101123", 0),		/* 9 digits need the slash */
	R(validate_czsk_rc, "600101/123", 0),		/* 9 digits after 1954 */
	R(validate_czsk_rc, "852101/1234", 0),		/* +20 before 2004 */
	R(validate_czsk_rc, "851301/1234", 0),		/* month 13 */
	R(validate_czsk_rc, "520230/123", 0),		/* 30 February */
	/* UK National Insurance number */
	R(validate_uk_nino, "AB123456C", 1),
	R(validate_uk_nino, "AB 12 34 56 C", 1),
	R(validate_uk_nino, "JG103759A", 1),
	R(validate_uk_nino, "BG123456C", 0),		/* excluded prefix */
	R(validate_uk_nino, "GB123456C", 0),
	R(validate_uk_nino, "DA123456C", 0),		/* D never first */
	R(validate_uk_nino, "AO123456C", 0),		/* O never second */
	R(validate_uk_nino, "AB123456E", 0),		/* suffix A-D */
	R(validate_uk_nino, "AB12345C", 0),
	/* US SSN ranges */
	R(validate_us_ssn, "123-45-6789", 1),
	R(validate_us_ssn, "123 45 6789", 1),
	R(validate_us_ssn, "123456789", 1),
	R(validate_us_ssn, "000-12-3456", 0),
	R(validate_us_ssn, "666-12-3456", 0),
	R(validate_us_ssn, "900-12-3456", 0),
	R(validate_us_ssn, "999-12-3456", 0),
	R(validate_us_ssn, "123-00-4567", 0),
	R(validate_us_ssn, "123-45-0000", 0),
	/* German Steuer-ID */
	R(validate_de_steuerid, "86095742719", 1),
	R(validate_de_steuerid, "65173429859", 1),
	R(validate_de_steuerid, "86 095 742 719", 1),
	R(validate_de_steuerid, "86095742718", 0),	/* check digit */
	R(validate_de_steuerid, "06095742719", 0),	/* leading 0 */
	R(validate_de_steuerid, "12345678903", 0),	/* no repeated digit */
	R(validate_de_steuerid, "11111111116", 0),
	/* Spanish DNI / NIE */
	R(validate_es_dni, "12345678Z", 1),
	R(validate_es_dni, "12345678-Z", 1),
	R(validate_es_dni, "X1234567L", 1),
	R(validate_es_dni, "Y7654321G", 1),
	R(validate_es_dni, "12345678A", 0),
	R(validate_es_dni, "X1234567A", 0),
	R(validate_es_dni, "1234567Z", 0),
	/* Polish PESEL */
	R(validate_pl_pesel, "44051401359", 1),
	R(validate_pl_pesel, "02210301232", 1),		/* 2002: month + 20 */
	R(validate_pl_pesel, "80123101231", 1),
	R(validate_pl_pesel, "44051401358", 0),		/* check digit */
	R(validate_pl_pesel, "44133101357", 0),		/* month 13 */
	R(validate_pl_pesel, "4405140135", 0),
	/* Danish CPR: date only */
	R(validate_dk_cpr, "010190-1234", 1),
	R(validate_dk_cpr, "290200-4123", 1),		/* 2000-02-29 (serial 4) */
	R(validate_dk_cpr, "320190-1234", 0),		/* day 32 */
	R(validate_dk_cpr, "290201-1234", 0),		/* 1901 is no leap year */
	R(validate_dk_cpr, "0101901234", 0),		/* dash required */
	/* Finnish HETU */
	R(validate_fi_hetu, "131052-308T", 1),
	R(validate_fi_hetu, "010101A123N", 1),
	R(validate_fi_hetu, "311299Y456X", 1),
	R(validate_fi_hetu, "131052-308U", 0),		/* check character */
	R(validate_fi_hetu, "131352-308T", 0),		/* month 13 */
	R(validate_fi_hetu, "131052G308T", 0),		/* century sign */
	R(validate_fi_hetu, "131052-001T", 0),		/* individual number < 2 */
};

static void
test_rows(void)
{
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const struct row *r = &rows[i];

		CHECK_MSG(r->fn(r->v, strlen(r->v)) == r->want, "%s(\"%s\") != %d",
		    r->name, r->v, r->want);
	}
}

static void
test_helpers(void)
{
	size_t used = 0;
	const char *v = "DE89 3704 0044 0532 0130 00 OK";

	CHECK(validate_luhn("79927398713", 11));
	CHECK(!validate_luhn("79927398710", 11));
	CHECK(!validate_luhn("", 0));
	CHECK(!validate_luhn("7992739871x", 11));
	CHECK(validate_date(2024, 2, 29));
	CHECK(validate_date(2000, 2, 29));
	CHECK(!validate_date(1900, 2, 29));
	CHECK(!validate_date(2023, 2, 29));
	CHECK(!validate_date(2023, 4, 31));
	CHECK(!validate_date(2023, 0, 1));
	CHECK(!validate_date(2023, 12, 0));
	/* an IBAN followed by a word the pattern swallowed */
	CHECK(validate_iban(v, strlen(v), &used) && used == 27);
}

int
main(void)
{
	test_rows();
	test_helpers();
	return harness_done();
}
