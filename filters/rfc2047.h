/* rfc2047 - header values: encoded words in and out.
 *
 * rfc2047_decode unfolds a raw header value (CRLF or LF followed by white
 * space) and decodes encoded words (B and Q, any charset iconv knows, RFC
 * 2231 language suffix ignored) to UTF-8; white space between adjacent
 * encoded words is dropped as RFC 2047 says.  Raw 8-bit bytes are kept as
 * they are.  An encoded word that cannot be decoded is kept literally.
 *
 * rfc2047_encode writes UTF-8 text back as a header value: printable ASCII
 * as is; otherwise the non-ASCII words as =?UTF-8?Q?...?= (or B when
 * shorter), every encoded word at most 75 octets, lines folded at 78 with
 * eol + one space.  The output does not end in eol.
 */
#ifndef SCRUBGATE_RFC2047_H
#define SCRUBGATE_RFC2047_H

#include <stddef.h>

#include "buf.h"

int rfc2047_decode(const char *value, size_t len, struct buf *out);

/* name_len: columns already used on the first line ("Subject: " = 9) */
int rfc2047_encode(const char *text, size_t len, size_t name_len,
    const char *eol, struct buf *out);

#endif
