/* html - redact personal data in HTML without breaking the markup.
 *
 * The text a reader sees is pulled out of the source: text nodes with
 * character references undone (&#64; &amp; &eacute; ...), inline tags not
 * splitting a value ("ali<b>ce</b>@x.org" reads "alice@x.org"), block tags
 * (<p> <br> <div> <td> <li> ...) read as a line break; comments, <script>
 * and <style> skipped.  Attribute values (href with mailto:, title, alt,
 * value, ...) are read as separate lines.  Each byte of that text keeps the
 * offset of its source byte, so a finding maps back to a source range.
 * A replacement is written HTML-escaped into the first text run of the
 * range; the text of the other runs in the range is removed; every tag
 * stays.  Bytes outside replaced ranges are copied verbatim.
 *
 * Input is UTF-8 (the caller converted the charset); bytes that are not
 * valid UTF-8 pass through untouched.
 */
#ifndef SCRUBGATE_HTML_H
#define SCRUBGATE_HTML_H

#include <stddef.h>

#include "buf.h"
#include "edits.h"

/* html_redact - fn sees the extracted text; out gets the rewritten HTML;
 * *changed_r is 1 when anything was replaced.  0, or -1 (fn failed or out's
 * cap was reached). */
int html_redact(const char *src, size_t len, text_redact_fn fn, void *ctx,
    struct buf *out, int *changed_r);

/* html_text - only the extraction, for --explain and tests: text to out,
 * map (if not NULL) gets one source offset per text byte, malloc'd */
int html_text(const char *src, size_t len, struct buf *out, size_t **map_r);

/* html_entity_lookup - code point of the named character reference
 * name[0..len) (without '&' and ';'), case-sensitive; 0, or -1 unknown */
int html_entity_lookup(const char *name, size_t len, unsigned *cp_r);

#endif
