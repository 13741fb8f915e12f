/* mimeedit - raw MIME header value edits and the splice list (see mimeedit.h). */
#include "mimeedit.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* edit_cmp - order by start; insertions at one offset by the order added
 * (rep_off grows with every edits_add, so it is the insertion order) */
static int
edit_cmp(const void *a, const void *b)
{
	const struct edit *x = a, *y = b;

	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	if ((x->start == x->end) != (y->start == y->end))
		return x->start == x->end ? -1 : 1;
	return x->rep_off < y->rep_off ? -1 : x->rep_off > y->rep_off;
}

/* splice_apply - the input with all edits applied */
int
splice_apply(const char *in, size_t len, struct edits *e, struct buf *out)
{
	size_t cur = 0;

	if (e->n > 1)
		qsort(e->v, e->n, sizeof(*e->v), edit_cmp);
	for (size_t i = 0; i < e->n; i++) {
		const struct edit *ed = &e->v[i];

		if (ed->start < cur || ed->end < ed->start || ed->end > len)
			return -1;
		if (buf_append(out, in + cur, ed->start - cur) < 0 ||
		    buf_append(out, e->reps.p + ed->rep_off, ed->rep_len) < 0)
			return -1;
		cur = ed->end;
	}
	return buf_append(out, in + cur, len - cur);
}

/* skip_quoted - index just past the quoted string or (nested) comment
 * that starts at s[i]; len when it is not closed */
static size_t
skip_quoted(const char *s, size_t len, size_t i)
{
	int depth = 0;

	if (s[i] == '"') {
		for (i++; i < len; i++) {
			if (s[i] == '\\')
				i++;
			else if (s[i] == '"')
				return i + 1;
		}
		return len;
	}
	for (; i < len; i++) {
		if (s[i] == '\\')
			i++;
		else if (s[i] == '(')
			depth++;
		else if (s[i] == ')' && --depth == 0)
			return i + 1;
	}
	return len;
}

/* find_param - locate parameter name: *vs_r..*ve_r is its value span
 * (quotes included), *ps_r the parameter's start; 1 found, 0 not */
static int
find_param(const char *s, size_t len, const char *name, size_t *ps_r,
    size_t *vs_r, size_t *ve_r)
{
	size_t nlen = strlen(name), i = 0;

	for (;;) {
		/* to the next ';' outside quotes and comments */
		while (i < len && s[i] != ';') {
			if (s[i] == '"' || s[i] == '(')
				i = skip_quoted(s, len, i);
			else
				i++;
		}
		if (i >= len)
			return 0;
		i++;
		while (i < len && strchr(" \t\r\n", s[i]))
			i++;
		size_t ps = i;
		while (i < len && s[i] != '=' && s[i] != ';' && !strchr(" \t\r\n", s[i]))
			i++;
		size_t pe = i;
		while (i < len && strchr(" \t\r\n", s[i]))
			i++;
		if (i >= len || s[i] != '=')
			continue;
		int match = (pe - ps == nlen || (pe - ps == nlen + 1 && s[pe - 1] == '*')) &&
		    strncasecmp(s + ps, name, nlen) == 0;
		i++;
		while (i < len && strchr(" \t\r\n", s[i]))
			i++;
		size_t vs = i;
		if (i < len && s[i] == '"')
			i = skip_quoted(s, len, i);
		else
			while (i < len && s[i] != ';' && !strchr(" \t\r\n", s[i]))
				i++;
		if (match) {
			*ps_r = ps;
			*vs_r = vs;
			*ve_r = i;
			return 1;
		}
	}
}

/* mimeedit_set_param - see mimeedit.h */
int
mimeedit_set_param(const char *raw, size_t len, const char *name,
    const char *value, struct buf *out)
{
	size_t ps, vs, ve, end = len;

	if (find_param(raw, len, name, &ps, &vs, &ve)) {
		/* "charset*=utf-8''x" becomes a plain "charset=value" */
		return buf_append(out, raw, ps) < 0 ||
		    buf_printf(out, "%s=%s", name, value) < 0 ||
		    buf_append(out, raw + ve, len - ve) < 0 ? -1 : 0;
	}
	/* append after the last non-blank byte, keep what trails it */
	while (end > 0 && strchr(" \t\r\n", raw[end - 1]))
		end--;
	return buf_append(out, raw, end) < 0 ||
	    buf_printf(out, "; %s=%s", name, value) < 0 ||
	    buf_append(out, raw + end, len - end) < 0 ? -1 : 0;
}

/* mimeedit_get_param - see mimeedit.h */
int
mimeedit_get_param(const char *raw, size_t len, const char *name,
    struct buf *out)
{
	size_t ps, vs, ve;

	buf_reset(out);
	if (!find_param(raw, len, name, &ps, &vs, &ve))
		return 0;
	if (ve > vs && raw[vs] == '"') {
		for (size_t i = vs + 1; i < ve; i++) {
			if (raw[i] == '"')
				break;
			if (raw[i] == '\\' && i + 1 < ve)
				i++;
			if (buf_putc(out, raw[i]) < 0)
				return -1;
		}
		return 1;
	}
	return buf_append(out, raw + vs, ve - vs) < 0 ? -1 : 1;
}
