/* charset - convert text to UTF-8 with iconv (see charset.h).
 *
 * A charset label from a message is untrusted: it is checked against a
 * short character set and length before it reaches iconv_open (no '/', so
 * no //TRANSLIT or //IGNORE suffixes), then mapped through an alias table
 * for the names mail uses that glibc lacks or reads differently.  One
 * iconv_t per call, nothing cached: thread-safe without locks.  UTF-8 and
 * ASCII labels never touch iconv.
 */
#include "charset.h"

#include <errno.h>
#include <iconv.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>

#define CHARSET_NAME_MAX 64

struct charset_alias {
	const char *name;	/* as mail writes it, lower case */
	const char *iconv;	/* as glibc knows it */
};

/* names glibc lacks or maps to a narrower set than mail means by them */
static const struct charset_alias charset_aliases[] = {
	{ "latin1", "ISO-8859-1" },
	{ "latin-1", "ISO-8859-1" },
	{ "iso-8859-8-i", "ISO-8859-8" },
	{ "iso-8859-8-e", "ISO-8859-8" },
	{ "iso-8859-6-i", "ISO-8859-6" },
	{ "iso-8859-6-e", "ISO-8859-6" },
	{ "cp1252", "CP1252" },
	{ "windows-1252", "CP1252" },
	{ "x-cp1252", "CP1252" },
	{ "ks_c_5601-1987", "CP949" },
	{ "ks_c_5601", "CP949" },
	{ "ks_c_5601-1989", "CP949" },
	{ "ksc5601", "CP949" },
	{ "euc-kr", "CP949" },
	{ "x-euc-kr", "CP949" },
	{ "korean", "CP949" },
	{ "x-sjis", "CP932" },
	{ "shift-jis", "CP932" },
	{ "shift_jis", "CP932" },
	{ "sjis", "CP932" },
	{ "ms_kanji", "CP932" },
	{ "windows-31j", "CP932" },
	{ "x-euc-jp", "EUC-JP" },
	{ "gb2312", "GB18030" },
	{ "gb_2312-80", "GB18030" },
	{ "x-gbk", "GB18030" },
	{ "gbk", "GB18030" },
	{ "cp936", "GB18030" },
	{ "euc-cn", "GB18030" },
	{ "x-euc-cn", "GB18030" },
	{ "chinese", "GB18030" },
	{ "x-x-big5", "BIG5-HKSCS" },
	{ "big5", "BIG5-HKSCS" },
	{ "big-5", "BIG5-HKSCS" },
	{ "cn-big5", "BIG5-HKSCS" },
	{ "unicode-1-1-utf-7", "UTF-7" },
	{ "x-unicode-2-0-utf-7", "UTF-7" },
	{ "utf-7", "UTF-7" },
	{ "x-mac-roman", "MACINTOSH" },
	{ "mac", "MACINTOSH" },
	{ "x-mac-cyrillic", "MAC-CYRILLIC" },
	{ "windows-874", "CP874" },
	{ "x-windows-874", "CP874" },
	{ "tis620", "TIS-620" },
	{ "ucs-2", "UTF-16" },
	{ "unicode", "UTF-16" },
};

/* names that need no conversion */
static const char *const charset_utf8_names[] = {
	"us-ascii", "ascii", "utf-8", "utf8", "x-utf8", "x-utf-8",
	"unicode-1-1-utf-8", "unicode-2-0-utf-8", "ansi_x3.4-1968",
	"iso646-us", "us", "csascii", "iso-ir-6", "cp367", "ibm367",
	"ansi_x3.4-1986", "iso_646.irv:1991",
};

/* charset_trim - the label without surrounding blanks and quotes */
static void
charset_trim(const char *s, const char **start_r, size_t *len_r)
{
	size_t n = strlen(s);

	while (n && (*s == ' ' || *s == '\t' || *s == '"' || *s == '\'')) {
		s++;
		n--;
	}
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '"' ||
	    s[n - 1] == '\''))
		n--;
	*start_r = s;
	*len_r = n;
}

/* charset_name_eq - case-insensitive compare of a counted and a C string */
static int
charset_name_eq(const char *s, size_t n, const char *name)
{
	return strlen(name) == n && strncasecmp(s, name, n) == 0;
}

/* charset_is_utf8_compatible - labels whose text needs no conversion */
int
charset_is_utf8_compatible(const char *charset)
{
	const char *s;
	size_t n, i;

	if (charset == NULL)
		return 1;
	charset_trim(charset, &s, &n);
	if (n == 0)
		return 1;
	for (i = 0; i < sizeof(charset_utf8_names) /
	    sizeof(charset_utf8_names[0]); i++)
		if (charset_name_eq(s, n, charset_utf8_names[i]))
			return 1;
	return 0;
}

/* charset_iconv_name - the name to hand iconv_open, in name_r; -1 when
 * the label is too long or has characters no charset name has */
static int
charset_iconv_name(const char *charset, char name_r[CHARSET_NAME_MAX + 1])
{
	const char *s;
	size_t n, i;

	charset_trim(charset, &s, &n);
	if (n == 0 || n > CHARSET_NAME_MAX)
		return -1;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || strchr("-_.:()+", c) != NULL) ||
		    c == '\0')
			return -1;
	}
	for (i = 0; i < sizeof(charset_aliases) / sizeof(charset_aliases[0]);
	    i++)
		if (charset_name_eq(s, n, charset_aliases[i].name)) {
			strcpy(name_r, charset_aliases[i].iconv);
			return 0;
		}
	memcpy(name_r, s, n);
	name_r[n] = '\0';
	return 0;
}

/* charset_open - iconv from name to UTF-8; failing that, the spellings
 * mail gets wrong: '_' for '-' (koi8_r) and an "x-" prefix (x-koi8-u) */
static iconv_t
charset_open(char *name)
{
	iconv_t cd;
	char *u;

	if ((cd = iconv_open("UTF-8", name)) != (iconv_t)-1)
		return cd;
	if ((u = strchr(name, '_')) != NULL) {
		for (; u != NULL; u = strchr(u, '_'))
			*u = '-';
		if ((cd = iconv_open("UTF-8", name)) != (iconv_t)-1)
			return cd;
	}
	if (strncasecmp(name, "x-", 2) == 0 && name[2] != '\0')
		return iconv_open("UTF-8", name + 2);
	return (iconv_t)-1;
}

/* charset_iconv_run - convert all of in, then flush the shift state; the
 * output goes after out->len without committing it; *produced_r counts it */
static int
charset_iconv_run(iconv_t cd, const char *in, size_t len, struct buf *out,
    size_t *produced_r)
{
	char *ip = (char *)in, *op;
	size_t il = len, ol, produced = 0, want = len + len / 2 + 16;
	int flushing = 0;

	for (;;) {
		size_t r;

		if (buf_reserve(out, produced + want) == NULL)
			return -1;
		op = out->p + out->len + produced;
		ol = want;
		r = flushing ? iconv(cd, NULL, NULL, &op, &ol) :
		    iconv(cd, &ip, &il, &op, &ol);
		produced += want - ol;
		if (r != (size_t)-1) {
			if (flushing)
				break;
			flushing = 1;
			continue;
		}
		if (errno != E2BIG)
			return -1;	/* EILSEQ or a truncated sequence */
		if (want > (SIZE_MAX / 4))
			return -1;
		want = want * 2;
	}
	*produced_r = produced;
	return 0;
}

/* charset_to_utf8 - append in, converted from charset, to out */
int
charset_to_utf8(const char *charset, const char *in, size_t len,
    struct buf *out)
{
	char name[CHARSET_NAME_MAX + 1];
	iconv_t cd;
	size_t produced = 0;
	int rc;

	if (charset_is_utf8_compatible(charset))
		return buf_append(out, in, len);
	if (charset_iconv_name(charset, name) < 0 ||
	    (cd = charset_open(name)) == (iconv_t)-1)
		return -1;
	rc = charset_iconv_run(cd, in, len, out, &produced);
	iconv_close(cd);
	if (rc < 0) {
		if (out->p)
			out->p[out->len] = '\0';
		return -1;
	}
	out->len += produced;
	out->p[out->len] = '\0';
	return 0;
}

/* charset_utf8_seq - length of the valid sequence at s (n bytes left), 0
 * if invalid: no overlongs, no surrogates, nothing past U+10FFFF */
static size_t
charset_utf8_seq(const unsigned char *s, size_t n)
{
	unsigned char c = s[0];

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		return n >= 2 && (s[1] & 0xc0) == 0x80 ? 2 : 0;
	if (c >= 0xe0 && c <= 0xef) {
		unsigned char lo = c == 0xe0 ? 0xa0 : 0x80;
		unsigned char hi = c == 0xed ? 0x9f : 0xbf;

		return n >= 3 && s[1] >= lo && s[1] <= hi &&
		    (s[2] & 0xc0) == 0x80 ? 3 : 0;
	}
	if (c >= 0xf0 && c <= 0xf4) {
		unsigned char lo = c == 0xf0 ? 0x90 : 0x80;
		unsigned char hi = c == 0xf4 ? 0x8f : 0xbf;

		return n >= 4 && s[1] >= lo && s[1] <= hi &&
		    (s[2] & 0xc0) == 0x80 && (s[3] & 0xc0) == 0x80 ? 4 : 0;
	}
	return 0;
}

/* charset_utf8_valid - strict UTF-8 check, ASCII eight bytes a step */
int
charset_utf8_valid(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, k;

	while (i < len) {
		/* ASCII runs, eight bytes at a time */
		while (len - i >= 8) {
			uint64_t w;

			memcpy(&w, p + i, 8);
			if (w & UINT64_C(0x8080808080808080))
				break;
			i += 8;
		}
		if (i == len)
			break;
		if (p[i] < 0x80) {
			i++;
			continue;
		}
		if ((k = charset_utf8_seq(p + i, len - i)) == 0)
			return 0;
		i += k;
	}
	return 1;
}

/* charset_utf8_char_len - length of the valid UTF-8 sequence at s, or 0 */
size_t
charset_utf8_char_len(const char *s, size_t n)
{
	if (n == 0)
		return 0;
	return charset_utf8_seq((const unsigned char *)s, n);
}
