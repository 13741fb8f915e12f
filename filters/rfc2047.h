/* rfc2047 - header values: encoded words in and out.
 *
 * rfc2047_decode unfolds a raw header value (CRLF or LF followed by white
 * space) and decodes encoded words (B and Q, any charset iconv knows, RFC
 * 2231 language suffix ignored) to UTF-8; white space between adjacent
 * encoded words is dropped as RFC 2047 says.  Raw 8-bit bytes are kept as
 * they are.  An encoded word that cannot be decoded is kept literally.
 *
 * rfc2047_decode_map does the same and says where every piece of the text
 * came from, so that a change to the text can be written back into the raw
 * value without touching the bytes around it (see scrub_headers.c).
 *
 * rfc2047_encode writes UTF-8 text back as a header value: printable ASCII
 * as is; otherwise the non-ASCII words as =?UTF-8?Q?...?= (or B when
 * shorter), every encoded word at most 75 octets, lines folded at 78 with
 * eol + one space.  Bytes that are not UTF-8 came in raw and go out raw
 * (between encoded pieces when their word must be encoded), so the output
 * decodes to the text exactly.  The output does not end in eol.
 */
#ifndef SCRUBGATE_RFC2047_H
#define SCRUBGATE_RFC2047_H

#include <stddef.h>

#include "buf.h"

/* one piece of a decoded value and the raw bytes it came from */
struct rfc2047_span {
	size_t text, text_len;	/* in the decoded text */
	size_t raw, raw_len;	/* in the raw value */
	int encoded;		/* 0: copied byte for byte (text_len == raw_len,
				 * no line break inside); 1: decoded from a run
				 * of encoded words, with the white space and
				 * folds between them (text_len may be 0) */
};

/* the spans of one value, in order; together they cover the text, and the
 * raw bytes no span covers are the line breaks of folds (and a final eol) */
struct rfc2047_map {
	struct rfc2047_span *v;
	size_t n, cap;
};

int rfc2047_decode(const char *value, size_t len, struct buf *out);

/* rfc2047_decode_map - rfc2047_decode, and map (emptied first) filled;
 * text offsets count from out->len at the call */
int rfc2047_decode_map(const char *value, size_t len, struct buf *out,
    struct rfc2047_map *map);

void rfc2047_map_init(struct rfc2047_map *m);
void rfc2047_map_free(struct rfc2047_map *m);

/* rfc2047_map_at - index of the (non-empty) span holding text offset t,
 * or m->n when t is past the text */
size_t rfc2047_map_at(const struct rfc2047_map *m, size_t t);

/* name_len: columns already used on the first line ("Subject: " = 9) */
int rfc2047_encode(const char *text, size_t len, size_t name_len,
    const char *eol, struct buf *out);

#endif
