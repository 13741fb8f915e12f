/* header - split a raw RFC 5322 header block into its fields, byte-exact.
 *
 * Nothing is copied or normalised: a field is a set of offsets into the
 * caller's block, so a field that is not changed can be written back byte
 * for byte by copying block[start, end).  The fields borrow the block: keep
 * it alive and unchanged while they are used.
 *
 * Lines end at LF; a CR right before the LF belongs to the line ending
 * ("\r\n"), a bare CR anywhere else is an ordinary byte.  NUL bytes are
 * ordinary bytes too (nothing here treats the block as a C string).
 * A line starting with SP or HT continues the field above it.  The header
 * ends at the first empty line ("\n" or "\r\n"), or at the end of the
 * block when there is none; the empty line itself belongs to no field.
 *
 * Malformed lines are kept, never dropped: a line without a colon, or a
 * continuation line with no field above it (the block starts with
 * whitespace), becomes a field with name_len 0 and its value span covering
 * the line(s) without the final line break, so the caller copies it verbatim
 * and never mistakes it for a named header.  Continuation lines below a
 * malformed line belong to it.
 *
 * header_rewrite writes a change to a field's decoded value back into the
 * raw field, touching only the bytes it must (see below).
 */
#ifndef SCRUBGATE_HEADER_H
#define SCRUBGATE_HEADER_H

#include <stddef.h>

#include "edits.h"
#include "rfc2047.h"

struct header_field {
	size_t start;		/* first byte of the field (of its name) */
	size_t end;		/* just past its last line break (or the block's end) */
	size_t name;		/* the name: block[name, name + name_len) */
	size_t name_len;	/* 0: malformed line, copy verbatim */
	size_t value;		/* just after the colon (leading whitespace kept) */
	size_t value_len;	/* up to, not including, the field's final line break;
				 * folding line breaks inside are included */
};

/* header_split - fill fields[0..*n_r) from block[0, len).  The name span
 * excludes whitespace between the name and the colon ("Subject :" is
 * obsolete syntax but seen in the wild).  Fails (-1, *error_r set to a
 * static string, n_r undefined) when the block has more than max_fields
 * fields or one field (start to end) is longer than max_field_size bytes;
 * 0 otherwise.  error_r may be NULL.  Only the header is split: bytes after
 * the empty line are ignored (see header_block_end). */
int header_split(const char *block, size_t len, struct header_field *fields,
    size_t max_fields, size_t max_field_size, size_t *n_r,
    const char **error_r);

/* header_is - 1 when field f is named name (ASCII case-insensitive), else 0 */
int header_is(const char *block, const struct header_field *f,
    const char *name);

/* header_find - index of the first field named name (case-insensitive,
 * e.g. "subject"), or -1; header_find_next starts looking at index from,
 * so every Received field is found with
 *   for (i = header_find(...); i >= 0; i = header_find_next(..., i + 1, ...)) */
long header_find(const char *block, const struct header_field *fields,
    size_t n, const char *name);
long header_find_next(const char *block, const struct header_field *fields,
    size_t n, size_t from, const char *name);

/* header_eol - the line ending of the block's first line: "\r\n" or "\n";
 * "\r\n" when the block has no line break at all (RFC 5322's own) */
const char *header_eol(const char *block, size_t len);

/* header_block_end - offset just past the empty line that ends the header
 * of msg[0, len), so the body starts there; len when there is no empty
 * line (a message that is all header).  A message starting with an empty
 * line has an empty header: 1 ("\n") or 2 ("\r\n"). */
size_t header_block_end(const char *msg, size_t len);

/* a field value and its decoded text, for header_rewrite */
struct header_value {
	const char *field;		/* the raw field, name to final line break */
	size_t len;
	size_t value, value_len;	/* its value (header_split's spans,
					 * relative to field) */
	const char *text;		/* the value by rfc2047_decode_map */
	size_t text_len;
	const struct rfc2047_map *map;	/* ... and its map */
	const char *eol;		/* line break of new folds when the field
					 * has none of its own */
};

/* header_rewrite - out (emptied first) gets the edits of v->field, in
 * order, after which its value decodes to v->text with the edits te
 * applied (te is sorted in place).  Copied text is replaced in place,
 * across folds if need be: the name, the separator, every fold, line
 * break and byte around it stay.  Changes in encoded words re-encode
 * whole words (between blanks) and nothing else, never putting an encoded
 * word next to another across blanks (which a decoder would drop).  The
 * result must be sound: every inner line break followed by a blank, no
 * line over 998 octets (or over the field's longest line, if that is
 * longer), no 8-bit byte in a field that had none, and the value must
 * decode as it should; if it is not, the value is encoded anew from the
 * line of the first change on, else whole.  0; 1 when even that is not
 * sound (a very long name); -1 out of memory. */
int header_rewrite(const struct header_value *v, struct edits *te,
    struct edits *out);

#endif
