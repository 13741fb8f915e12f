/* charset - convert text to UTF-8 with iconv.
 *
 * Charset names are matched case-insensitively with the common aliases
 * mail uses (latin1, cp1252, ks_c_5601-1987, ...).  us-ascii, utf-8 and an
 * empty name are not converted (see charset_is_utf8_compatible).
 */
#ifndef SCRUBGATE_CHARSET_H
#define SCRUBGATE_CHARSET_H

#include <stddef.h>

#include "buf.h"

/* 1 for NULL, "", us-ascii, ascii, utf-8, utf8 and their aliases */
int charset_is_utf8_compatible(const char *charset);

/* charset_to_utf8 - append the conversion of in to out.  0; -1 when the
 * charset is unknown to iconv or the text is not valid in it (nothing is
 * appended then), or out's cap was reached. */
int charset_to_utf8(const char *charset, const char *in, size_t len,
    struct buf *out);

/* charset_utf8_valid - 1 if s[0..len) is valid UTF-8 */
int charset_utf8_valid(const char *s, size_t len);

/* charset_utf8_char_len - length (1-4) of the valid UTF-8 sequence at
 * s[0..n), 0 if it is not one */
size_t charset_utf8_char_len(const char *s, size_t n);

#endif
