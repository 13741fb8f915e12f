/* bytes - ASCII byte helpers the filters share: character classes and a
 * case-insensitive compare of byte ranges.
 *
 * Everything here is ASCII only and independent of the locale (bytes
 * >= 0x80 belong to no class and fold to themselves).  Ranges are counted,
 * not NUL-terminated, and may hold NUL bytes: that is why there is no
 * strncasecmp here.
 */
#ifndef SCRUBGATE_BYTES_H
#define SCRUBGATE_BYTES_H

#include <stddef.h>

static inline int
bytes_is_digit(int c)
{
	return c >= '0' && c <= '9';
}

static inline int
bytes_is_upper(int c)
{
	return c >= 'A' && c <= 'Z';
}

static inline int
bytes_is_alpha(int c)
{
	return (c >= 'a' && c <= 'z') || bytes_is_upper(c);
}

static inline int
bytes_is_alnum(int c)
{
	return bytes_is_digit(c) || bytes_is_alpha(c);
}

static inline int
bytes_is_hex(int c)
{
	return bytes_is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* bytes_lower - ASCII tolower */
static inline unsigned char
bytes_lower(unsigned char c)
{
	return bytes_is_upper(c) ? (unsigned char)(c - 'A' + 'a') : c;
}

/* bytes_same_ci - a[0,n) equals b[0,n), ASCII case-insensitively */
int bytes_same_ci(const char *a, const char *b, size_t n);

#endif
