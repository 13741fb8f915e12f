/* tag - ticket tags in the Subject, and their edit (see tag.h) */
#include "tag.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "edits.h"
#include "header.h"
#include "mimeedit.h"
#include "rfc2047.h"

#define TAG_ID_DIGITS 12
#define TAG_MAX_FIELDS 10000
#define TAG_MAX_FIELD (1024 * 1024)

/* split_format - prefix and suffix around {id}; -1 when malformed */
static int
split_format(const char *fmt, size_t *pre_r, const char **suf_r)
{
	const char *id = strstr(fmt, "{id}");

	if (id == NULL || strstr(id + 4, "{id}") != NULL)
		return -1;
	*pre_r = (size_t)(id - fmt);
	*suf_r = id + 4;
	return 0;
}

/* tag_valid_format - see tag.h */
int
tag_valid_format(const char *fmt)
{
	size_t pre, n = strlen(fmt);
	const char *suf;

	if (n > TAG_FORMAT_MAX || n <= 4 || split_format(fmt, &pre, &suf) < 0)
		return 0;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)fmt[i] < 0x20 || (unsigned char)fmt[i] > 0x7e)
			return 0;
	return 1;
}

/* match_at - a tag at text[i]: its number, or 0 */
static unsigned long
match_at(const char *text, size_t len, size_t i, const char *fmt,
    size_t pre, const char *suf)
{
	size_t sl = strlen(suf), d = 0;
	unsigned long id = 0;

	if (len - i < pre || strncasecmp(text + i, fmt, pre) != 0)
		return 0;
	i += pre;
	while (i + d < len && d <= TAG_ID_DIGITS && text[i + d] >= '0' &&
	    text[i + d] <= '9') {
		id = id * 10 + (unsigned long)(text[i + d] - '0');
		d++;
	}
	if (d == 0 || d > TAG_ID_DIGITS || len - (i + d) < sl ||
	    strncasecmp(text + i + d, suf, sl) != 0)
		return 0;
	/* "[#12]" must not be found inside "[#123]": a digit right before
	 * the number when the prefix is empty */
	if (pre == 0 && i > 0 && text[i - 1] >= '0' && text[i - 1] <= '9')
		return 0;
	return id;
}

/* tag_find - the first tag's number */
unsigned long
tag_find(const char *fmt, const char *text, size_t len)
{
	const char *suf;
	unsigned long id;
	size_t pre;

	if (split_format(fmt, &pre, &suf) < 0)
		return 0;
	for (size_t i = 0; i < len; i++)
		if ((id = match_at(text, len, i, fmt, pre, suf)) != 0)
			return id;
	return 0;
}

/* tag_has - any tag of id */
int
tag_has(const char *fmt, unsigned long id, const char *text, size_t len)
{
	const char *suf;
	size_t pre;

	if (split_format(fmt, &pre, &suf) < 0)
		return 0;
	for (size_t i = 0; i < len; i++)
		if (match_at(text, len, i, fmt, pre, suf) == id)
			return 1;
	return 0;
}

/* tag_make - the tag text */
int
tag_make(const char *fmt, unsigned long id, struct buf *out)
{
	const char *suf;
	size_t pre;

	if (split_format(fmt, &pre, &suf) < 0)
		return -1;
	if (buf_append(out, fmt, pre) < 0 || buf_printf(out, "%lu", id) < 0 ||
	    buf_puts(out, suf) < 0)
		return -1;
	return 0;
}

/* subject_edit - the insertion that tags Subject field f, if needed */
static int
subject_edit(const char *msg, const struct header_field *f, const char *fmt,
    unsigned long id, struct edits *e, int *changed)
{
	struct buf dec, rep;
	size_t v = f->value, vend = f->value + f->value_len, lead;
	int rc = -1;

	buf_init(&dec, 0);
	buf_init(&rep, 0);
	if (rfc2047_decode(msg + v, f->value_len, &dec) < 0)
		goto done;
	if (tag_has(fmt, id, dec.p ? dec.p : "", dec.len)) {
		rc = 0;
		goto done;
	}
	lead = 0;
	/* after the leading white space, folding included */
	while (v + lead < vend && (msg[v + lead] == ' ' || msg[v + lead] == '\t' ||
	    msg[v + lead] == '\r' || msg[v + lead] == '\n'))
		lead++;
	if ((lead == 0 && buf_putc(&rep, ' ') < 0) || tag_make(fmt, id, &rep) < 0 ||
	    (v + lead < vend && buf_putc(&rep, ' ') < 0))
		goto done;
	if (edits_add(e, v + lead, v + lead, rep.p, rep.len) < 0)
		goto done;
	*changed = 1;
	rc = 0;
done:
	buf_free(&dec);
	buf_free(&rep);
	return rc;
}

/* header_fields - split the header of msg; fields malloc'd */
static int
header_fields(const char *msg, size_t hend, struct header_field **f_r,
    size_t *n_r)
{
	size_t lines = 1;
	struct header_field *f;

	for (size_t i = 0; i < hend; i++)
		lines += msg[i] == '\n';
	if (lines > TAG_MAX_FIELDS)
		return -1;
	if ((f = calloc(lines, sizeof(*f))) == NULL)
		return -1;
	if (header_split(msg, hend, f, lines, TAG_MAX_FIELD, n_r, NULL) < 0) {
		free(f);
		return -1;
	}
	*f_r = f;
	return 0;
}

/* tag_apply - see tag.h */
int
tag_apply(const char *msg, size_t len, const char *fmt, unsigned long id,
    struct buf *out, int *subject_changed_r)
{
	size_t hend = header_block_end(msg, len), n = 0, at;
	const char *eol = header_eol(msg, hend);
	struct header_field *f = NULL;
	struct edits e;
	struct buf add;
	long subj;
	int changed = 0, rc = -1;

	edits_init(&e);
	buf_init(&add, 0);
	buf_reset(out);
	if (header_fields(msg, hend, &f, &n) < 0)
		goto done;
	subj = header_find(msg, f, n, "subject");
	if (subj >= 0 && subject_edit(msg, &f[subj], fmt, id, &e, &changed) < 0)
		goto done;
	for (size_t i = 0; i < n; i++)
		if (header_is(msg, &f[i], TAG_HEADER) &&
		    edits_add(&e, f[i].start, f[i].end, "", 0) < 0)
			goto done;
	/* new fields go after the last one, before the empty line */
	at = n ? f[n - 1].end : 0;
	if (at > 0 && msg[at - 1] != '\n' && buf_puts(&add, eol) < 0)
		goto done;
	if (subj < 0) {
		if (buf_puts(&add, "Subject: ") < 0 || tag_make(fmt, id, &add) < 0 ||
		    buf_puts(&add, eol) < 0)
			goto done;
		changed = 1;
	}
	if (buf_printf(&add, "%s: %lu%s", TAG_HEADER, id, eol) < 0)
		goto done;
	/* a message without any header or empty line gets one ended here */
	if (hend == len && (len == 0 || msg[len - 1] != '\n') && n == 0 &&
	    buf_puts(&add, eol) < 0)
		goto done;
	if (edits_add(&e, at, at, add.p, add.len) < 0 ||
	    splice_apply(msg, len, &e, out) < 0)
		goto done;
	if (subject_changed_r != NULL)
		*subject_changed_r = changed;
	rc = 0;
done:
	free(f);
	edits_free(&e);
	buf_free(&add);
	return rc;
}
