/* validate - checksums and date rules of the national numbers.
 *
 * Every validator takes the value as it was matched (separators and all,
 * not NUL-terminated) and returns 1 when it is a well-formed number of its
 * kind, 0 otherwise.  They look only at the value: context (words before
 * it, version strings) is the recognizer's business.  No allocation, no
 * state; safe from any thread.
 */
#ifndef SCRUBGATE_VALIDATE_H
#define SCRUBGATE_VALIDATE_H

#include <stddef.h>

/* Luhn (mod 10) over n ASCII digits */
int validate_luhn(const char *digits, size_t n);
/* a Gregorian calendar date */
int validate_date(int year, int month, int day);

/* payment card: 13-19 digits, known IIN prefix and length, Luhn, sane
 * grouping when spaced or dashed */
int validate_card(const char *v, size_t n);
/* IBAN: country length table, groups of 4 when spaced, mod-97 == 1.
 * *used_r (may be NULL) is how many bytes of v the IBAN spans; text after
 * it (a following word the pattern swallowed) is not part of it. */
int validate_iban(const char *v, size_t n, size_t *used_r);
/* Swedish personnummer/samordningsnummer: YYMMDD[-+]NNNN, YYYYMMDD[-]NNNN */
int validate_se_pnr(const char *v, size_t n);
/* Italian codice fiscale, omocodia letters allowed */
int validate_it_cf(const char *v, size_t n);
/* Czech/Slovak rodne cislo: YYMMDD/XXXX, YYMMDDXXXX, YYMMDD/XXX (pre-1954) */
int validate_czsk_rc(const char *v, size_t n);
/* UK National Insurance number, spaced or not */
int validate_uk_nino(const char *v, size_t n);
/* US SSN ranges (AAA-GG-SSSS, AAA GG SSSS or 9 digits) */
int validate_us_ssn(const char *v, size_t n);
/* German Steuer-ID: ISO 7064 MOD 11,10 and the digit-repetition rule */
int validate_de_steuerid(const char *v, size_t n);
/* Spanish DNI (8 digits + letter) and NIE (X/Y/Z + 7 digits + letter) */
int validate_es_dni(const char *v, size_t n);
/* Polish PESEL: date with century month offsets, weights 1-3-7-9 */
int validate_pl_pesel(const char *v, size_t n);
/* Danish CPR DDMMYY-SSSS: date valid for the century the serial implies */
int validate_dk_cpr(const char *v, size_t n);
/* Finnish HETU DDMMYYCNNNQ: century sign, date, check character */
int validate_fi_hetu(const char *v, size_t n);

#endif
