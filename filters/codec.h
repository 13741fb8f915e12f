/* codec - content transfer encodings.
 *
 * base64 is decoded the way libetpan's mailmime_part_parse reads it (every
 * byte outside the alphabet skipped, '=' included); quoted-printable by
 * our own rules (soft breaks joined, line ends kept as they are, an
 * invalid "=XY" kept literally: libetpan 1.9.4 turns LF into CRLF and
 * "=XY" into NUL); 7bit, 8bit and binary are copied.  The encoders write lines of at most 76 characters ending in
 * eol ("\r\n" or "\n", the message's own).  The quoted-printable encoder
 * takes text with CRLF or LF line ends and writes them as eol; it encodes
 * '=', trailing white space, a leading "From " and a '.' that starts a
 * line.
 */
#ifndef SCRUBGATE_CODEC_H
#define SCRUBGATE_CODEC_H

#include <stddef.h>

#include "buf.h"

enum cte {
	CTE_7BIT,
	CTE_8BIT,
	CTE_BINARY,
	CTE_QP,
	CTE_BASE64,
	CTE_OTHER	/* x-uuencode and friends: not decoded */
};

/* value of a Content-Transfer-Encoding header (NULL = 7bit) */
enum cte codec_cte_parse(const char *value, size_t len);
const char *codec_cte_name(enum cte e);

/* 0, or -1 (CTE_OTHER, or out's cap reached: the caller's limit) */
int codec_decode(enum cte e, const char *in, size_t len, struct buf *out);
int codec_qp_encode(const char *in, size_t len, const char *eol,
    struct buf *out);
int codec_base64_encode(const char *in, size_t len, const char *eol,
    struct buf *out);

#endif
