/* recipients - the Cc/Bcc policy, for headers and SMTP envelopes alike.
 *
 * A raw address-list value is split here only to find the byte span of
 * each element (mailbox or group, and the mailboxes inside a group): at
 * top-level commas, skipping quoted strings, comments, angle-addrs, domain
 * literals and encoded words (whose Q text may carry a stray comma).  What
 * each span means is left to libetpan's IMF parser (mailimf_mailbox_parse),
 * so the decision is made on the addr-spec the parser sees; a span it does
 * not take whole is an unparseable value (-1), never a guess.
 *
 * Re-joining: a kept element is copied byte for byte; between two kept
 * elements goes the separator text that preceded the second one in the
 * input (so a removed element disappears together with the comma and the
 * folding whitespace before it); runs of empty elements (",,") collapse to
 * one comma.  A group whose mailboxes are all removed is dropped whole; a
 * group that was empty to begin with ("undisclosed-recipients:;") is kept.
 */
#include "recipients.h"

#include <string.h>

#include <libetpan/libetpan.h>

#include "bytes.h"

#define RCPT_MAX_COMMENT_DEPTH	32	/* libetpan's comment parser recurses */

/* one address list being re-joined (the value, or a group's members) */
struct list_out {
	size_t lead_b, lead_e;	/* the list's leading whitespace */
	size_t prev_end;	/* end of the previous non-empty element */
	unsigned nout;		/* elements written */
};

struct walk {
	const struct policy_spec *spec;	/* NULL: keep everything */
	struct buf *out;		/* NULL: write nothing */
	recipients_fn fn;		/* NULL: call nothing */
	void *ctx;
	const char *s;
	unsigned kept, removed;
};

static int walk_list(struct walk *w, size_t b, size_t e, int in_group,
    size_t *end_r);

/* is_ws - folding whitespace bytes */
static int
is_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* skip_quoted - s[i] is '"': index past the closing quote, 0 if none */
static size_t
skip_quoted(const char *s, size_t i, size_t end)
{
	for (i++; i < end; i++) {
		if (s[i] == '\\') {
			if (++i >= end)
				return 0;
		} else if (s[i] == '"')
			return i + 1;
	}
	return 0;
}

/* skip_comment - s[i] is '(': index past the matching ')', 0 if none or
 * nested deeper than libetpan should be asked to recurse */
static size_t
skip_comment(const char *s, size_t i, size_t end)
{
	unsigned depth = 0;

	for (; i < end; i++) {
		if (s[i] == '\\') {
			if (++i >= end)
				return 0;
		} else if (s[i] == '(') {
			if (++depth > RCPT_MAX_COMMENT_DEPTH)
				return 0;
		} else if (s[i] == ')' && --depth == 0)
			return i + 1;
	}
	return 0;
}

/* skip_literal - s[i] is '[': index past the closing ']', 0 if none */
static size_t
skip_literal(const char *s, size_t i, size_t end)
{
	for (i++; i < end; i++) {
		if (s[i] == '\\') {
			if (++i >= end)
				return 0;
		} else if (s[i] == ']')
			return i + 1;
	}
	return 0;
}

/* skip_encoded_word - s[i..] starts "=?": index past a whole encoded word
 * "=?charset?B|Q?text?=" that ends a word (blank, '<', '"', '(' or the
 * end after it), or i when it is not one.  The text may hold ',', ':',
 * '(' and ')' (broken encoders: "=?utf-8?Q?Doe,_John_:)?="), never blanks,
 * '@', ';', '<', '>' or '"', so the elements of a re-joined list split as
 * they did before (but for contrived group names that are encoded-word
 * halves). */
static size_t
skip_encoded_word(const char *s, size_t i, size_t end)
{
	size_t j = i + 2;

	while (j < end && s[j] != '?' && !is_ws(s[j]) && !strchr("\"()<>,;:", s[j]))
		j++;
	if (j == i + 2 || j + 2 >= end || s[j] != '?' ||
	    !strchr("BbQq", s[j + 1]) || s[j + 1] == '\0' || s[j + 2] != '?')
		return i;
	for (j += 3; j + 1 < end; j++) {
		if (s[j] == '?') {
			if (s[j + 1] != '=')
				return i;
			if (j + 2 < end && (s[j + 2] == '\0' ||
			    (!is_ws(s[j + 2]) && !strchr("<\"(", s[j + 2]))))
				return i;
			return j + 2;
		}
		if (is_ws(s[j]) || s[j] == '\0' || strchr("\"<>@;", s[j]))
			return i;
	}
	return i;
}

/* skip_nested - skip a quoted string, comment or domain literal at s[i];
 * 0 when s[i] starts none, (size_t)-1 when it is unterminated */
static size_t
skip_nested(const char *s, size_t i, size_t end)
{
	size_t j;

	if (s[i] == '"')
		j = skip_quoted(s, i, end);
	else if (s[i] == '(')
		j = skip_comment(s, i, end);
	else if (s[i] == '[')
		j = skip_literal(s, i, end);
	else
		return 0;
	return j ? j : (size_t)-1;
}

/* scan_item - advance *pos to the next top-level delimiter of stops, or
 * to end; *content_r: 1 when the span holds more than whitespace and
 * comments.  A delimiter out of place, an unbalanced bracket, quote or
 * comment, or a NUL byte: -1. */
static int
scan_item(const char *s, size_t *pos, size_t end, const char *stops,
    int *content_r)
{
	size_t start = *pos, i = *pos, j;
	int angle = 0, content = 0;

	while (i < end) {
		char c = s[i];

		if ((j = skip_nested(s, i, end)) == (size_t)-1)
			return -1;
		if (j) {
			content |= c != '(';
			i = j;
			continue;
		}
		if (c == '\0' || c == ')' || c == ']' || (c == '<' && angle) ||
		    (c == '>' && !angle))
			return -1;
		if (c == '<' || c == '>')
			angle = c == '<';
		else if (!angle && (c == ',' || c == ':' || c == ';')) {
			if (!strchr(stops, c))
				return -1;
			break;
		} else if (!angle && c == '=' && i + 1 < end && s[i + 1] == '?' &&
		    (i == start || is_ws(s[i - 1])) &&
		    (j = skip_encoded_word(s, i, end)) > i) {
			content = 1;
			i = j;
			continue;
		}
		content |= !is_ws(c);
		i++;
	}
	if (angle)
		return -1;
	*pos = i;
	*content_r = content;
	return 0;
}

/* only_cfws - s[i, end) is nothing but whitespace and comments */
static int
only_cfws(const char *s, size_t i, size_t end)
{
	while (i < end) {
		if (is_ws(s[i]))
			i++;
		else if (s[i] == '(' && (i = skip_comment(s, i, end)) != 0)
			continue;
		else
			return 0;
	}
	return 1;
}

/* trim - shrink [*b, *e) by whitespace at both ends */
static void
trim(const char *s, size_t *b, size_t *e)
{
	while (*b < *e && is_ws(s[*b]))
		(*b)++;
	while (*e > *b && is_ws(s[*e - 1]))
		(*e)--;
}

/* out_add - append s[b, e) to the output, if there is one */
static int
out_add(struct walk *w, size_t b, size_t e)
{
	return w->out ? buf_append(w->out, w->s + b, e - b) : 0;
}

/* out_truncate - take the output back to len bytes */
static void
out_truncate(struct buf *out, size_t len)
{
	if (out && out->p) {
		out->len = len;
		out->p[len] = '\0';
	}
}

/* emit - write element s[b, e) of list lo: after the list's leading
 * whitespace when it is the first one out, else after the separator that
 * preceded it, with a run of commas (empty elements) reduced to its last */
static int
emit(struct walk *w, struct list_out *lo, size_t b, size_t e)
{
	const char *first, *last;
	size_t p = lo->prev_end;

	if (lo->nout++ == 0) {
		if (out_add(w, lo->lead_b, lo->lead_e) < 0)
			return -1;
	} else {
		/* only whitespace lies between an element and its commas */
		first = memchr(w->s + p, ',', b - p);
		last = memrchr(w->s + p, ',', b - p);
		if (first == NULL) {
			if (w->out && buf_append(w->out, ", ", 2) < 0)
				return -1;
		} else if (out_add(w, p, (size_t)(first - w->s)) < 0 ||
		    out_add(w, (size_t)(last - w->s), b) < 0)
			return -1;
	}
	return out_add(w, b, e);
}

/* walk_mailbox - judge the mailbox s[b, e) (trimmed) and write it if kept */
static int
walk_mailbox(struct walk *w, struct list_out *lo, size_t b, size_t e)
{
	struct mailimf_mailbox *mb = NULL;	/* owns copies of its strings */
	const char *addr, *name;
	size_t idx = 0, alen;
	int r = -1;

	if (mailimf_mailbox_parse(w->s + b, e - b, &idx, &mb) !=
	    MAILIMF_NO_ERROR)
		return -1;
	if (!only_cfws(w->s, b + idx, e))
		goto done;
	addr = mb->mb_addr_spec;
	alen = strlen(addr);
	name = mb->mb_display_name;
	if (w->fn)
		w->fn(w->ctx, addr, alen, name, name ? strlen(name) : 0);
	/* libetpan squeezes blanks and comments out of obsolete addr-specs
	 * ("a@x b@y" becomes "a@xb@y"): only an address that is literally
	 * there may be kept */
	if (w->spec && (!recipients_allowed(w->spec, addr, alen) ||
	    memmem(w->s + b, e - b, addr, alen) == NULL))
		w->removed++;
	else {
		w->kept++;
		if (emit(w, lo, b, e) < 0)
			goto done;
	}
	r = 0;
done:
	mailimf_mailbox_free(mb);
	return r;
}

/* walk_group - the group whose name is s[b, *pos) (*pos at its colon);
 * leaves *pos past the group (at the next comma or end) */
static int
walk_group(struct walk *w, struct list_out *lo, size_t b, size_t *pos,
    size_t end)
{
	size_t colon = *pos, semi, e, mark = w->out ? w->out->len : 0;
	unsigned nout = lo->nout, before = w->kept + w->removed;
	unsigned kept = w->kept;
	int content;

	trim(w->s, &b, &colon);
	if (b == colon || emit(w, lo, b, *pos + 1) < 0 ||
	    walk_list(w, *pos + 1, end, 1, &semi) < 0)
		return -1;
	*pos = semi;
	if (semi < end) {		/* a missing ';' at the very end is let pass */
		*pos = semi + 1;
		if (scan_item(w->s, pos, end, ",", &content) < 0 || content)
			return -1;
	}
	e = *pos;
	trim(w->s, &b, &e);
	if (w->kept + w->removed == before || w->kept == kept) {
		/* empty from the start: verbatim; emptied: gone */
		out_truncate(w->out, mark);
		lo->nout = nout;
		if (w->kept + w->removed == before && emit(w, lo, b, e) < 0)
			return -1;
	} else if (out_add(w, semi, e) < 0)
		return -1;
	lo->prev_end = e;
	return 0;
}

/* walk_list - the elements of s[b, e): the whole value (groups allowed) or
 * a group's mailboxes (in_group, ending at ';'); *end_r gets where it ended */
static int
walk_list(struct walk *w, size_t b, size_t e, int in_group, size_t *end_r)
{
	struct list_out lo = { b, b, b, 0 };
	size_t pos = b, ib, cb, ce, tail;
	int content;

	while (lo.lead_e < e && is_ws(w->s[lo.lead_e]))
		lo.lead_e++;
	for (;;) {
		ib = pos;
		if (scan_item(w->s, &pos, e, in_group ? ",;" : ",:", &content) < 0)
			return -1;
		if (!in_group && pos < e && w->s[pos] == ':') {
			if (!content || walk_group(w, &lo, ib, &pos, e) < 0)
				return -1;
		} else if (content) {
			cb = ib;
			ce = pos;
			trim(w->s, &cb, &ce);
			if (walk_mailbox(w, &lo, cb, ce) < 0)
				return -1;
			lo.prev_end = ce;
		}
		if (pos >= e || w->s[pos] == ';')
			break;
		pos++;			/* the comma */
	}
	for (tail = pos; tail > b && is_ws(w->s[tail - 1]); tail--)
		;
	if (lo.nout && out_add(w, tail, pos) < 0)
		return -1;
	*end_r = pos;
	return 0;
}

/* addr_domain - the domain of addr-spec a[0, n) (after its only '@'
 * outside a quoted local part), or NULL when there is not exactly one '@'
 * or the local part or domain is empty */
static const char *
addr_domain(const char *a, size_t n, size_t *dlen_r)
{
	size_t at = n, i, j;

	for (i = 0; i < n; i++) {
		if (a[i] == '"' && (j = skip_quoted(a, i, n)) != 0) {
			i = j - 1;
			continue;
		}
		if (a[i] == '@') {
			if (at != n)
				return NULL;
			at = i;
		}
	}
	if (at == 0 || at + 1 >= n)
		return NULL;
	*dlen_r = n - at - 1;
	return a + at + 1;
}

/* recipients_allowed - see recipients.h */
int
recipients_allowed(const struct policy_spec *spec, const char *addr,
    size_t len)
{
	const char *dom, *ent;
	size_t dlen, elen, b = 0, e = len;

	trim(addr, &b, &e);
	if (e - b >= 2 && addr[b] == '<' && addr[e - 1] == '>') {
		b++;
		e--;
	}
	addr += b;
	len = e - b;
	if (len && (addr[0] == '<' || addr[len - 1] == '>'))
		return 0;
	if ((dom = addr_domain(addr, len, &dlen)) == NULL)
		return 0;
	for (size_t i = 0; i < spec->ncc_allow; i++) {
		ent = spec->cc_allow[i];
		if ((elen = strlen(ent)) == 0)
			continue;
		if (ent[0] == '.') {
			if (dlen > elen && bytes_same_ci(dom + dlen - elen, ent, elen))
				return 1;
		} else if (ent[0] == '@') {
			if (dlen == elen - 1 && bytes_same_ci(dom, ent + 1, dlen))
				return 1;
		} else if (memchr(ent, '@', elen)) {
			if (len == elen && bytes_same_ci(addr, ent, len))
				return 1;
		} else if (dlen == elen && bytes_same_ci(dom, ent, dlen))
			return 1;
	}
	return 0;
}

/* recipients_filter_header - see recipients.h */
int
recipients_filter_header(const struct policy_spec *spec, const char *value,
    size_t len, struct buf *out, unsigned *removed_r, unsigned *kept_r)
{
	struct walk w = { spec, out, NULL, NULL, value, 0, 0 };
	size_t mark = out->len, end;

	if (memchr(value, '\0', len) || walk_list(&w, 0, len, 0, &end) < 0) {
		out_truncate(out, mark);
		return -1;
	}
	*removed_r = w.removed;
	*kept_r = w.kept;
	return 0;
}

/* recipients_each - see recipients.h */
int
recipients_each(const char *value, size_t len, recipients_fn fn, void *ctx)
{
	struct walk w = { NULL, NULL, fn, ctx, value, 0, 0 };
	size_t end;

	if (memchr(value, '\0', len))
		return -1;
	return walk_list(&w, 0, len, 0, &end);
}
