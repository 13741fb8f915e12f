/* autoreply - auto-reply and bulk classification, header helpers (see
 * autoreply.h) */
#include "autoreply.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "header.h"

/* name_is - msg[p, p + n) equals name, ASCII case-insensitive */
static int
name_is(const char *p, size_t n, const char *name)
{
	return strlen(name) == n && strncasecmp(p, name, n) == 0;
}

/* autoreply_header - nth field named name, unfolded and trimmed */
int
autoreply_header(const char *msg, size_t len, const char *name, size_t nth,
    struct buf *out)
{
	size_t end = header_block_end(msg, len), p = 0;

	buf_reset(out);
	while (p < end) {
		size_t ls = p, colon, v, e;

		/* one field: a line, plus continuation lines */
		while (p < end && msg[p] != '\n')
			p++;
		p = p < end ? p + 1 : p;
		while (p < end && (msg[p] == ' ' || msg[p] == '\t')) {
			while (p < end && msg[p] != '\n')
				p++;
			p = p < end ? p + 1 : p;
		}
		for (colon = ls; colon < p && msg[colon] != ':' &&
		    msg[colon] != '\n'; colon++)
			;
		if (colon >= p || msg[colon] != ':')
			continue;
		e = colon;
		while (e > ls && (msg[e - 1] == ' ' || msg[e - 1] == '\t'))
			e--;
		if (!name_is(msg + ls, e - ls, name) || nth-- > 0)
			continue;
		for (v = colon + 1; v < p; v++)
			if (msg[v] != '\r' && msg[v] != '\n' &&
			    buf_putc(out, msg[v]) < 0)
				return -1;
		if (out->p == NULL) {	/* an empty value */
			if (buf_reserve(out, 1) == NULL)
				return -1;
			out->p[0] = '\0';
		}
		/* trim */
		e = out->len;
		while (e > 0 && isspace((unsigned char)out->p[e - 1]))
			e--;
		out->len = e;
		out->p[e] = '\0';
		v = strspn(out->p, " \t");
		memmove(out->p, out->p + v, out->len - v + 1);
		out->len -= v;
		return 1;
	}
	return 0;
}

/* skip_quoted - past a quoted string or a (nested) comment at v[*i] */
static void
skip_quoted(const char *v, size_t len, size_t *i)
{
	if (v[*i] == '"') {
		for ((*i)++; *i < len && v[*i] != '"'; (*i)++)
			if (v[*i] == '\\' && *i + 1 < len)
				(*i)++;
	} else {
		int depth = 0;

		for (; *i < len; (*i)++) {
			if (v[*i] == '\\' && *i + 1 < len)
				(*i)++;
			else if (v[*i] == '(')
				depth++;
			else if (v[*i] == ')' && --depth == 0)
				break;
		}
	}
	if (*i < len)
		(*i)++;
}

/* copy_out - v[a, b) into out, bounded */
static void
copy_out(const char *v, size_t a, size_t b, char *out, size_t n)
{
	size_t k = b - a < n - 1 ? b - a : n - 1;

	memcpy(out, v + a, k);
	out[k] = '\0';
}

/* autoreply_addr_next - next address of an address list */
int
autoreply_addr_next(const char *v, size_t len, size_t *pos, char *out,
    size_t n)
{
	size_t i = *pos;

	while (i < len) {
		size_t a = i, at = 0, angle = (size_t)-1, close = 0;

		/* one item, up to an unquoted comma */
		while (i < len && v[i] != ',') {
			if (v[i] == '"' || v[i] == '(') {
				skip_quoted(v, len, &i);
				continue;
			}
			if (v[i] == '<' && angle == (size_t)-1)
				angle = i;
			else if (v[i] == '>' && angle != (size_t)-1 && !close)
				close = i;
			else if (v[i] == '@' && !at)
				at = i;
			i++;
		}
		if (i < len)
			i++;
		if (angle != (size_t)-1 && close > angle + 1) {
			copy_out(v, angle + 1, close, out, n);
			*pos = i;
			return 1;
		}
		if (at) {
			size_t s = at, e = at;

			while (s > a && !isspace((unsigned char)v[s - 1]) &&
			    v[s - 1] != ',' && v[s - 1] != ':' && v[s - 1] != ';')
				s--;
			while (e < len && !isspace((unsigned char)v[e]) &&
			    v[e] != ',' && v[e] != ';' && v[e] != '(')
				e++;
			copy_out(v, s, e, out, n);
			*pos = i;
			return 1;
		}
	}
	*pos = len;
	return 0;
}

/* autoreply_msgid_next - next <...> of a message-id list */
int
autoreply_msgid_next(const char *v, size_t len, size_t *pos, char *out,
    size_t n)
{
	size_t i = *pos;

	while (i < len) {
		const char *lt = memchr(v + i, '<', len - i), *gt;

		if (lt == NULL)
			break;
		gt = memchr(lt, '>', len - (size_t)(lt - v));
		if (gt == NULL)
			break;
		i = (size_t)(gt - v) + 1;
		if (gt > lt + 1) {
			copy_out(v, (size_t)(lt - v) + 1, (size_t)(gt - v), out, n);
			*pos = i;
			return 1;
		}
	}
	*pos = len;
	return 0;
}

/* first_word - the value up to ';', '(' or white space, lower-cased */
static void
first_word(const struct buf *b, char *out, size_t n)
{
	size_t k = 0;

	for (size_t i = 0; i < b->len && k + 1 < n; i++) {
		char ch = b->p[i];

		if (ch == ';' || ch == '(' || isspace((unsigned char)ch))
			break;
		out[k++] = (char)tolower((unsigned char)ch);
	}
	out[k] = '\0';
}

/* daemon_addr - MAILER-DAEMON or postmaster as the local part */
static int
daemon_addr(const char *a)
{
	size_t at = strcspn(a, "@");

	return name_is(a, at, "mailer-daemon") || name_is(a, at, "postmaster");
}

/* is_bounce - From or sender a mail daemon, or a delivery report */
static int
is_bounce(const char *msg, size_t len, const char *sender, struct buf *b)
{
	char a[320], w[64];
	size_t pos = 0;

	if (sender != NULL && *sender && daemon_addr(sender))
		return 1;
	if (autoreply_header(msg, len, "from", 0, b) == 1 &&
	    autoreply_addr_next(b->p, b->len, &pos, a, sizeof(a)) &&
	    daemon_addr(a))
		return 1;
	if (autoreply_header(msg, len, "content-type", 0, b) == 1) {
		first_word(b, w, sizeof(w));
		if (strcmp(w, "multipart/report") == 0)
			return 1;
	}
	return 0;
}

/* contains_ci - needle in hay, ASCII case-insensitive */
static int
contains_ci(const char *hay, const char *needle)
{
	size_t n = strlen(needle);

	for (; *hay; hay++)
		if (strncasecmp(hay, needle, n) == 0)
			return 1;
	return 0;
}

/* autoreply_classify - see autoreply.h */
enum autoreply_class
autoreply_classify(const char *msg, size_t len, const char *sender,
    const char *loop_id)
{
	enum autoreply_class c = AUTOREPLY_NONE;
	char w[64];
	struct buf b;

	buf_init(&b, 8192);
	if (loop_id != NULL && *loop_id) {
		for (size_t i = 0; c == AUTOREPLY_NONE &&
		    autoreply_header(msg, len, "x-loop", i, &b) == 1; i++)
			if (contains_ci(b.p, loop_id))
				c = AUTOREPLY_LOOP;
	}
	if (c == AUTOREPLY_NONE && sender != NULL && *sender == '\0')
		c = AUTOREPLY_NULL_SENDER;
	if (c == AUTOREPLY_NONE && is_bounce(msg, len, sender, &b))
		c = AUTOREPLY_BOUNCE;
	if (c == AUTOREPLY_NONE &&
	    autoreply_header(msg, len, "auto-submitted", 0, &b) == 1) {
		first_word(&b, w, sizeof(w));
		if (strcmp(w, "no") != 0)
			c = AUTOREPLY_SUBMITTED;
	}
	if (c == AUTOREPLY_NONE &&
	    autoreply_header(msg, len, "precedence", 0, &b) == 1) {
		first_word(&b, w, sizeof(w));
		if (!strcmp(w, "bulk") || !strcmp(w, "junk") || !strcmp(w, "list"))
			c = AUTOREPLY_PRECEDENCE;
	}
	if (c == AUTOREPLY_NONE &&
	    autoreply_header(msg, len, "x-auto-response-suppress", 0, &b) == 1)
		c = AUTOREPLY_SUPPRESS;
	buf_free(&b);
	return c;
}

/* autoreply_name - the class as stored and printed */
const char *
autoreply_name(enum autoreply_class c)
{
	static const char *const names[] = { NULL, "loop", "null-sender",
	    "bounce", "auto-submitted", "precedence", "suppress" };

	return (unsigned)c < sizeof(names) / sizeof(names[0]) ? names[c] : NULL;
}
