/* smtp_session - the ESMTP server protocol state machine (see
 * smtp_session.h).  Commands are dispatched from a table; the data phase
 * is a line scanner that knows only one end: <CRLF>.<CRLF>.
 */
#include "smtp_session.h"

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config.h"

#define IN_HIGH		(64 * 1024)	/* held input before we stop reading */
#define OUT_HIGH	(64 * 1024)	/* unread replies before we stop working */
#define DATA_CHUNK	8192		/* a line this long is taken in pieces */
#define ADDR_MAX	512		/* longest path we look at */

enum smtp_state {
	ST_START,	/* before HELO/EHLO */
	ST_READY,	/* HELO done, no transaction */
	ST_MAIL,	/* MAIL accepted */
	ST_RCPT,	/* at least one RCPT accepted */
	ST_DATA,	/* reading message data */
	ST_PENDING,	/* message handed up, waiting for smtp_session_reply */
	ST_TLS,		/* waiting for the handshake */
	ST_CLOSED
};

struct smtp_session {
	struct smtp_params p;
	enum smtp_state state;
	int esmtp;			/* EHLO (not HELO) was used */
	int tls;			/* TLS active */
	struct buf in;			/* input; in_off bytes already used */
	size_t in_off;
	struct buf out;			/* replies; out_off bytes already sent */
	size_t out_off;
	unsigned commands, errors, messages;
	int skip_line;			/* discarding an over-long command line */
	char client_addr[64], client_name[256];
	/* XFORWARD attributes, applied to the next transaction */
	char xf_addr[64], xf_name[256], xf_helo[256], xf_proto[16];
	int xf_set;
	char helo[256];
	/* transaction */
	struct envelope env;
	long route;			/* route index of the first RCPT */
	int smtputf8;
	unsigned long long size_decl;	/* MAIL SIZE=, 0 when not given */
	struct buf data;
	size_t charged;			/* of p.budget, for data's allocation */
	unsigned long long data_total;	/* bytes of data seen, kept or not */
	int data_bol, data_prev_crlf, data_bare, data_nomem;
};

static const char *const nomem_reply = "452 4.3.1 Insufficient system "
    "storage";
static const char *const bare_reply = "554 5.5.2 Message rejected: bare CR "
    "or LF in message data (only CRLF line endings are accepted)";

/* reply - queue one reply line */
static void
reply(struct smtp_session *s, const char *line)
{
	(void)buf_puts(&s->out, line);
	(void)buf_puts(&s->out, "\r\n");
}

/* reply_err - queue an error reply and count it */
static void
reply_err(struct smtp_session *s, const char *line)
{
	reply(s, line);
	s->errors++;
}

/* copy_str - bounded copy, always NUL-terminated */
static void
copy_str(char *dst, size_t n, const char *src)
{
	snprintf(dst, n, "%s", src ? src : "");
}

/* ---- the memory budget ---------------------------------------------- */

/* smtp_budget_take - charge n bytes if they fit */
int
smtp_budget_take(struct smtp_budget *b, size_t n)
{
	if (b == NULL || n == 0)
		return 0;
	if (b->limit != 0 && (n > b->limit || b->used > b->limit - n)) {
		b->refused++;
		return -1;
	}
	b->used += n;
	return 0;
}

/* smtp_budget_give - n bytes are free again */
void
smtp_budget_give(struct smtp_budget *b, size_t n)
{
	if (b == NULL)
		return;
	b->used -= n > b->used ? b->used : n;
}

/* grown_cap - the allocation b will have after n more bytes: the
 * growth rule of buf_reserve (256, doubled until len + n + 1 fits) */
static size_t
grown_cap(const struct buf *b, size_t n)
{
	size_t need = b->len + n + 1, cap = b->cap ? b->cap : 256;

	if (need <= b->cap)
		return b->cap;
	while (cap < need && cap <= SIZE_MAX / 4)
		cap *= 2;
	return cap;
}

/* charge_to - hold total bytes of the budget for the data; 0, or -1
 * when the budget cannot give that much (the old charge stays) */
static int
charge_to(struct smtp_session *s, size_t total)
{
	if (total <= s->charged)
		return 0;
	if (smtp_budget_take(s->p.budget, total - s->charged) < 0)
		return -1;
	s->charged = total;
	return 0;
}

/* data_drop - free the data buffer and its charge */
static void
data_drop(struct smtp_session *s)
{
	buf_free_clean(&s->data);
	buf_init(&s->data, s->p.max_size);
	smtp_budget_give(s->p.budget, s->charged);
	s->charged = 0;
}

/* mail_admit - room for the announced size (SIZE=), else for a start;
 * 0, or -1 when the daemon holds too much message data already */
static int
mail_admit(struct smtp_session *s)
{
	const struct smtp_budget *b = s->p.budget;

	if (s->size_decl > 0)
		return charge_to(s, grown_cap(&s->data, (size_t)s->size_decl));
	if (b != NULL && b->limit != 0 && (b->used > b->limit ||
	    b->limit - b->used < SMTP_BUDGET_ADMIT)) {
		s->p.budget->refused++;
		return -1;
	}
	return 0;
}

/* txn_reset - forget the transaction (MAIL, RCPT, data) */
static void
txn_reset(struct smtp_session *s)
{
	envelope_free(&s->env);
	envelope_init(&s->env);
	data_drop(s);
	s->size_decl = 0;
	s->route = -1;
	s->smtputf8 = 0;
	if (s->state != ST_START && s->state != ST_CLOSED &&
	    s->state != ST_TLS)
		s->state = ST_READY;
}

/* smtp_session_create - see smtp_session.h */
struct smtp_session *
smtp_session_create(const struct smtp_params *p, const char *client_addr,
    const char *client_name)
{
	struct smtp_session *s = calloc(1, sizeof(*s));

	if (s == NULL)
		return NULL;
	s->p = *p;
	if (s->p.hostname == NULL)
		s->p.hostname = "localhost";
	if (s->p.line_max < 512)
		s->p.line_max = 512;
	buf_init(&s->in, 0);
	buf_init(&s->out, 0);
	buf_init(&s->data, s->p.max_size);
	envelope_init(&s->env);
	s->route = -1;
	copy_str(s->client_addr, sizeof(s->client_addr), client_addr);
	copy_str(s->client_name, sizeof(s->client_name), client_name);
	return s;
}

/* smtp_session_destroy - NULL-safe, clears the pointer */
void
smtp_session_destroy(struct smtp_session **sp)
{
	struct smtp_session *s = sp ? *sp : NULL;

	if (s == NULL)
		return;
	envelope_free(&s->env);
	buf_free_clean(&s->in);
	buf_free(&s->out);
	data_drop(s);
	buf_free(&s->data);
	free(s);
	*sp = NULL;
}

/* smtp_session_greet - the 220 banner */
void
smtp_session_greet(struct smtp_session *s)
{
	char line[320];

	snprintf(line, sizeof(line), "220 %.255s ESMTP scrubgate",
	    s->p.hostname);
	reply(s, line);
}

/* smtp_session_shutdown - final reply, then nothing more */
void
smtp_session_shutdown(struct smtp_session *s, const char *line)
{
	if (s->state == ST_CLOSED)
		return;
	if (line != NULL)
		reply(s, line);
	s->state = ST_CLOSED;
}

/* unprocessed - input bytes not used yet */
static size_t
unprocessed(const struct smtp_session *s)
{
	return s->in.len - s->in_off;
}

/* smtp_session_feed - append input, compacting what was used */
int
smtp_session_feed(struct smtp_session *s, const void *p, size_t n)
{
	if (s->state == ST_CLOSED || s->state == ST_TLS)
		return 0;	/* ignored: closing, or plaintext after STARTTLS */
	if (unprocessed(s) + n > 2 * IN_HIGH + s->p.line_max + DATA_CHUNK)
		return -1;
	if (s->in_off > 0 && s->in_off == s->in.len) {
		buf_reset(&s->in);
		s->in_off = 0;
	} else if (s->in_off > IN_HIGH / 2) {
		memmove(s->in.p, s->in.p + s->in_off, unprocessed(s));
		s->in.len -= s->in_off;
		s->in.p[s->in.len] = '\0';
		s->in_off = 0;
	}
	return buf_append(&s->in, p, n);
}

/* out_pending - reply bytes not yet sent */
static size_t
out_pending(const struct smtp_session *s)
{
	return s->out.len - s->out_off;
}

/* smtp_session_want_input - stop reading while input piles up */
int
smtp_session_want_input(const struct smtp_session *s)
{
	if (s->state == ST_CLOSED || s->state == ST_TLS)
		return 0;
	if (s->state == ST_PENDING || out_pending(s) >= OUT_HIGH)
		return unprocessed(s) < IN_HIGH;
	return 1;
}

/* smtp_session_output - queued reply bytes */
const char *
smtp_session_output(const struct smtp_session *s, size_t *len_r)
{
	*len_r = out_pending(s);
	return s->out.p ? s->out.p + s->out_off : "";
}

/* smtp_session_consumed - n reply bytes went out */
void
smtp_session_consumed(struct smtp_session *s, size_t n)
{
	if (n > out_pending(s))
		n = out_pending(s);
	s->out_off += n;
	if (s->out_off == s->out.len) {
		buf_reset(&s->out);
		s->out_off = 0;
	}
}

/* ---- address syntax ------------------------------------------------ */

/* is_atext - RFC 5322 atext; bytes >= 0x80 only with utf8 */
static int
is_atext(unsigned char c, int utf8)
{
	if (c >= 0x80)
		return utf8;
	return isalnum(c) || strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL;
}

/* utf8_valid - well-formed UTF-8 (no overlongs, no surrogates) */
static int
utf8_valid(const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n;) {
		unsigned char c = p[i];
		size_t k;
		unsigned long cp;

		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf)
			k = 1, cp = c & 0x1f;
		else if (c >= 0xe0 && c <= 0xef)
			k = 2, cp = c & 0x0f;
		else if (c >= 0xf0 && c <= 0xf4)
			k = 3, cp = c & 0x07;
		else
			return 0;
		if (n - i <= k)
			return 0;
		for (size_t j = 1; j <= k; j++) {
			if ((p[i + j] & 0xc0) != 0x80)
				return 0;
			cp = cp << 6 | (p[i + j] & 0x3f);
		}
		if ((k == 2 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff)))
		    || (k == 3 && (cp < 0x10000 || cp > 0x10ffff)))
			return 0;
		i += k + 1;
	}
	return 1;
}

/* dot_string - a dot-atom: atext runs separated by single dots */
static int
dot_string(const char *p, size_t n, int utf8)
{
	if (n == 0 || p[0] == '.' || p[n - 1] == '.')
		return 0;
	for (size_t i = 0; i < n; i++) {
		if (p[i] == '.') {
			if (p[i + 1] == '.')
				return 0;
		} else if (!is_atext((unsigned char)p[i], utf8))
			return 0;
	}
	return 1;
}

/* domain_ok - labels of letters, digits, hyphens (UTF-8 with utf8);
 * no empty label, so no trailing dot; or an address literal [..] when
 * literal_ok */
static int
domain_ok(const char *p, size_t n, int utf8, int literal_ok)
{
	size_t label = 0;

	if (n == 0 || n > 255)
		return 0;
	if (p[0] == '[')
		return literal_ok && n > 2 && p[n - 1] == ']' &&
		    strspn(p + 1, "0123456789abcdefABCDEF.:IPv") >= n - 2;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)p[i];

		if (c == '.') {
			if (label == 0 || p[i - 1] == '-')
				return 0;
			label = 0;
		} else if (isalnum(c) || (c >= 0x80 && utf8) ||
		    (c == '-' && label > 0)) {
			if (++label > 63)
				return 0;
		} else
			return 0;
	}
	return label > 0 && p[n - 1] != '-';
}

/* quoted_local - a quoted-string local part "..."; length in *len_r */
static int
quoted_local(const char *p, size_t n, int utf8, size_t *len_r)
{
	for (size_t i = 1; i < n; i++) {
		unsigned char c = (unsigned char)p[i];

		if (c == '\\') {
			if (++i >= n || (unsigned char)p[i] < 0x20)
				return 0;
		} else if (c == '"') {
			*len_r = i + 1;
			return 1;
		} else if (c < 0x20 || c == 0x7f || (c >= 0x80 && !utf8))
			return 0;
	}
	return 0;
}

/* mailbox_ok - local@domain; *quoted_r: the local part is quoted */
static int
mailbox_ok(const char *p, size_t n, int utf8, int *quoted_r)
{
	const char *at;
	size_t local;

	*quoted_r = 0;
	if (n == 0)
		return 0;
	if (p[0] == '"') {
		if (!quoted_local(p, n, utf8, &local))
			return 0;
		*quoted_r = 1;
		if (local >= n || p[local] != '@')
			return 0;
	} else {
		if ((at = memchr(p, '@', n)) == NULL)
			return 0;
		local = (size_t)(at - p);
		if (local > 64 || !dot_string(p, local, utf8))
			return 0;
	}
	return domain_ok(p + local + 1, n - local - 1, utf8, 1);
}

/* parse_path - "<[@route,@route:]mailbox>" or "<>" at *pp; on success
 * the mailbox (route dropped, RFC 5321 4.1.1.3) is copied to addr and
 * *pp moved past '>'.  Returns 1, 0 (syntax), -1 (too long). */
static int
parse_path(const char **pp, char *addr, size_t addrlen)
{
	const char *p = *pp, *start, *end = NULL;
	int inq = 0;

	if (*p != '<')
		return 0;
	start = ++p;
	for (; *p; p++) {
		if (inq && *p == '\\' && p[1] != '\0')
			p++;
		else if (*p == '"')
			inq = !inq;
		else if (!inq && *p == '>') {
			end = p;
			break;
		} else if (!inq && (*p == '<' || *p == ' '))
			return 0;
	}
	if (end == NULL)
		return 0;
	if (*start == '@') {	/* source route: skip up to the colon */
		const char *colon = memchr(start, ':', (size_t)(end - start));

		if (colon == NULL)
			return 0;
		for (const char *q = start; q < colon; q++)
			if (!(isalnum((unsigned char)*q) || strchr("@.,-[]",
			    *q)))
				return 0;
		start = colon + 1;
	}
	if ((size_t)(end - start) >= addrlen)
		return -1;
	memcpy(addr, start, (size_t)(end - start));
	addr[end - start] = '\0';
	*pp = end + 1;
	return 1;
}

/* smtp_route_of - the route serving addr, strictly */
long
smtp_route_of(const struct route_cfg *routes, size_t nroutes,
    const char *addr)
{
	const char *at = strchr(addr, '@');
	size_t local, n = strlen(addr);

	/* RFC 5321 4.5.1: <Postmaster> is always accepted (first route) */
	if (at == NULL && strcasecmp(addr, "postmaster") == 0 && nroutes > 0)
		return 0;
	if (at == NULL || strchr(at + 1, '@') != NULL)
		return -1;
	local = (size_t)(at - addr);
	if (!dot_string(addr, local, 1) || memchr(addr, '%', local) ||
	    memchr(addr, '!', local) || !domain_ok(at + 1, n - local - 1, 1, 0))
		return -1;
	for (size_t r = 0; r < nroutes; r++) {
		for (size_t i = 0; i < routes[r].nmailboxes; i++) {
			const char *m = routes[r].mailboxes[i];

			if (strchr(m, '@') != NULL && m[0] != '@') {
				if (strcasecmp(m, addr) == 0)
					return (long)r;
			} else if (strcasecmp(m[0] == '@' ? m + 1 : m,
			    at + 1) == 0)
				return (long)r;
		}
	}
	/* ... and postmaster@ every domain we receive mail for */
	if (local == 10 && strncasecmp(addr, "postmaster", 10) == 0)
		for (size_t r = 0; r < nroutes; r++)
			for (size_t i = 0; i < routes[r].nmailboxes; i++) {
				const char *m = routes[r].mailboxes[i];
				const char *d = strchr(m, '@');

				d = d ? d + 1 : m;
				if (strcasecmp(d, at + 1) == 0)
					return (long)r;
			}
	return -1;
}

/* ---- commands -------------------------------------------------------- */

/* skip_sp - past spaces */
static const char *
skip_sp(const char *p)
{
	while (*p == ' ')
		p++;
	return p;
}

/* has_8bit - any byte >= 0x80 */
static int
has_8bit(const char *p)
{
	for (; *p; p++)
		if ((unsigned char)*p >= 0x80)
			return 1;
	return 0;
}

/* cmd_ehlo - EHLO and HELO: reset, then greet back */
static void
cmd_helo(struct smtp_session *s, const char *arg, int ehlo)
{
	char line[320];

	arg = skip_sp(arg);
	if (*arg == '\0') {
		reply_err(s, ehlo ? "501 5.5.4 Syntax: EHLO hostname" :
		    "501 5.5.4 Syntax: HELO hostname");
		return;
	}
	copy_str(s->helo, sizeof(s->helo), arg);
	s->esmtp = ehlo;
	s->state = ST_READY;
	txn_reset(s);
	if (!ehlo) {
		snprintf(line, sizeof(line), "250 %.255s", s->p.hostname);
		reply(s, line);
		return;
	}
	snprintf(line, sizeof(line), "250-%.255s", s->p.hostname);
	reply(s, line);
	reply(s, "250-PIPELINING");
	snprintf(line, sizeof(line), "250-SIZE %zu", s->p.max_size);
	reply(s, line);
	if (s->p.tls_available && !s->tls)
		reply(s, "250-STARTTLS");
	if (s->p.trusted)
		reply(s, "250-XFORWARD NAME ADDR PROTO HELO SOURCE PORT IDENT");
	reply(s, "250-ENHANCEDSTATUSCODES");
	reply(s, "250-8BITMIME");
	reply(s, "250 SMTPUTF8");
}

/* mail_param - one MAIL parameter; 0 ok, else an error was queued */
static int
mail_param(struct smtp_session *s, char *kw)
{
	char *val = strchr(kw, '=');

	if (val != NULL)
		*val++ = '\0';
	if (strcasecmp(kw, "SIZE") == 0 && val != NULL) {
		char *end;
		unsigned long long n;

		if (*val < '0' || *val > '9' ||
		    (n = strtoull(val, &end, 10), *end != '\0')) {
			reply_err(s, "501 5.5.4 Bad SIZE parameter");
			return -1;
		}
		if (n > s->p.max_size) {
			reply_err(s, "552 5.3.4 Message size exceeds fixed "
			    "limit");
			return -1;
		}
		s->size_decl = n;
		return 0;
	}
	if (strcasecmp(kw, "BODY") == 0 && val != NULL) {
		if (strcasecmp(val, "8BITMIME") == 0)
			s->env.body_8bit = 1;
		else if (strcasecmp(val, "7BIT") != 0) {
			reply_err(s, "501 5.5.4 Unsupported BODY parameter");
			return -1;
		}
		return 0;
	}
	if (strcasecmp(kw, "SMTPUTF8") == 0 && val == NULL) {
		s->smtputf8 = s->env.smtputf8 = 1;
		return 0;
	}
	reply_err(s, "555 5.5.4 Unsupported MAIL parameter");
	return -1;
}

/* parse_params - split "KW[=VAL] KW..." and feed fn; 0 ok */
static int
parse_params(struct smtp_session *s, const char *p,
    int (*fn)(struct smtp_session *, char *))
{
	char tmp[512];

	while (*(p = skip_sp(p)) != '\0') {
		size_t n = strcspn(p, " ");

		if (n >= sizeof(tmp)) {
			reply_err(s, "501 5.5.4 Parameter too long");
			return -1;
		}
		memcpy(tmp, p, n);
		tmp[n] = '\0';
		if (fn(s, tmp) < 0)
			return -1;
		p += n;
	}
	return 0;
}

/* apply_client - client facts into the envelope (XFORWARD wins) */
static void
apply_client(struct smtp_session *s)
{
	struct envelope *e = &s->env;

	copy_str(e->client_addr, sizeof(e->client_addr), s->xf_set &&
	    s->xf_addr[0] ? s->xf_addr : s->client_addr);
	copy_str(e->client_name, sizeof(e->client_name), s->xf_set &&
	    s->xf_name[0] ? s->xf_name : s->client_name);
	copy_str(e->helo, sizeof(e->helo), s->xf_set && s->xf_helo[0] ?
	    s->xf_helo : s->helo);
	copy_str(e->proto, sizeof(e->proto), s->xf_set && s->xf_proto[0] ?
	    s->xf_proto : s->esmtp ? (s->tls ? "ESMTPS" : "ESMTP") : "SMTP");
}

/* cmd_mail - MAIL FROM:<path> [params] */
static void
cmd_mail(struct smtp_session *s, const char *arg)
{
	char addr[ADDR_MAX];
	int r, quoted;

	if (s->state == ST_START) {
		reply_err(s, "503 5.5.1 Error: send HELO/EHLO first");
		return;
	}
	if (s->state != ST_READY) {
		reply_err(s, "503 5.5.1 Error: nested MAIL command");
		return;
	}
	if (strncasecmp(arg, " FROM:", 6) != 0 ||
	    (r = parse_path((arg = skip_sp(arg + 6), &arg), addr,
	    sizeof(addr))) == 0) {
		reply_err(s, "501 5.5.4 Syntax: MAIL FROM:<address>");
		return;
	}
	if (r < 0) {
		reply_err(s, "501 5.1.7 Sender address too long");
		return;
	}
	txn_reset(s);
	if (*arg != '\0' && *arg != ' ') {
		reply_err(s, "501 5.5.4 Syntax: MAIL FROM:<address>");
		return;
	}
	if (parse_params(s, arg, mail_param) < 0) {
		txn_reset(s);
		return;
	}
	if (addr[0] != '\0' && (!mailbox_ok(addr, strlen(addr), s->smtputf8,
	    &quoted) || (s->smtputf8 && !utf8_valid((const unsigned char *)
	    addr, strlen(addr))))) {
		txn_reset(s);
		reply_err(s, has_8bit(addr) && !s->smtputf8 ? "553 5.6.7 "
		    "Non-ASCII sender address needs SMTPUTF8" :
		    "553 5.1.7 Bad sender address syntax");
		return;
	}
	if (mail_admit(s) < 0) {
		txn_reset(s);
		reply_err(s, nomem_reply);
		return;
	}
	if (envelope_set_sender(&s->env, addr) < 0) {
		txn_reset(s);
		reply_err(s, "451 4.3.0 Error: out of memory");
		return;
	}
	apply_client(s);
	s->state = ST_MAIL;
	reply(s, "250 2.1.0 Ok");
}

/* rcpt_param - RCPT takes no parameters (no DSN announced) */
static int
rcpt_param(struct smtp_session *s, char *kw)
{
	reply_err(s, "555 5.5.4 Unsupported RCPT parameter");
	return -1;
}

/* cmd_rcpt - RCPT TO:<path>, only for configured mailboxes */
static void
cmd_rcpt(struct smtp_session *s, const char *arg)
{
	char addr[ADDR_MAX];
	long route;
	int r;

	if (s->state != ST_MAIL && s->state != ST_RCPT) {
		reply_err(s, "503 5.5.1 Error: need MAIL command");
		return;
	}
	if (strncasecmp(arg, " TO:", 4) != 0 ||
	    (r = parse_path((arg = skip_sp(arg + 4), &arg), addr,
	    sizeof(addr))) == 0 || (*arg != '\0' && *arg != ' ')) {
		reply_err(s, "501 5.5.4 Syntax: RCPT TO:<address>");
		return;
	}
	if (r < 0 || addr[0] == '\0') {
		reply_err(s, "550 5.1.1 Recipient address rejected: no such "
		    "mailbox here");
		return;
	}
	if (parse_params(s, arg, rcpt_param) < 0)
		return;
	if (has_8bit(addr) && (!s->smtputf8 || !utf8_valid((const unsigned
	    char *)addr, strlen(addr)))) {
		reply_err(s, "553 5.6.7 Non-ASCII recipient address needs "
		    "SMTPUTF8");
		return;
	}
	if ((route = smtp_route_of(s->p.routes, s->p.nroutes, addr)) < 0) {
		reply_err(s, "550 5.1.1 Recipient address rejected: no such "
		    "mailbox here");
		return;
	}
	if (s->env.nrcpts >= s->p.max_rcpts) {
		reply_err(s, "452 4.5.3 Error: too many recipients");
		return;
	}
	if (s->route >= 0 && route != s->route) {
		reply_err(s, "452 4.5.3 Recipient of another route: send it "
		    "in a separate transaction");
		return;
	}
	if (envelope_add_rcpt(&s->env, addr) < 0 || (s->env.route == NULL &&
	    (s->env.route = strdup(s->p.routes[route].name ?
	    s->p.routes[route].name : "")) == NULL)) {
		reply_err(s, "451 4.3.0 Error: out of memory");
		return;
	}
	s->route = route;
	s->state = ST_RCPT;
	reply(s, "250 2.1.5 Ok");
}

/* cmd_data - start the data phase */
static void
cmd_data(struct smtp_session *s, const char *arg)
{
	if (*skip_sp(arg) != '\0') {
		reply_err(s, "501 5.5.4 Syntax: DATA");
		return;
	}
	if (s->state == ST_MAIL) {
		reply_err(s, "554 5.5.1 Error: no valid recipients");
		return;
	}
	if (s->state != ST_RCPT) {
		reply_err(s, "503 5.5.1 Error: need RCPT command");
		return;
	}
	buf_reset(&s->data);
	s->data_bol = s->data_prev_crlf = 1;
	s->data_bare = s->data_nomem = 0;
	s->data_total = 0;
	s->state = ST_DATA;
	reply(s, "354 End data with <CR><LF>.<CR><LF>");
}

/* no_arg - commands that take none; 1 when arg is empty */
static int
no_arg(struct smtp_session *s, const char *arg, const char *syntax)
{
	if (*skip_sp(arg) == '\0')
		return 1;
	reply_err(s, syntax);
	return 0;
}

/* cmd_rset - abort the transaction */
static void
cmd_rset(struct smtp_session *s, const char *arg)
{
	if (!no_arg(s, arg, "501 5.5.4 Syntax: RSET"))
		return;
	txn_reset(s);
	s->xf_set = 0;
	reply(s, "250 2.0.0 Ok");
}

/* cmd_noop - nothing (an argument is allowed, RFC 5321 4.1.1.9) */
static void
cmd_noop(struct smtp_session *s, const char *arg)
{
	reply(s, "250 2.0.0 Ok");
}

/* cmd_quit - goodbye */
static void
cmd_quit(struct smtp_session *s, const char *arg)
{
	reply(s, "221 2.0.0 Bye");
	s->state = ST_CLOSED;
}

/* cmd_vrfy - we never tell which mailboxes exist */
static void
cmd_vrfy(struct smtp_session *s, const char *arg)
{
	if (*skip_sp(arg) == '\0') {
		reply_err(s, "501 5.5.4 Syntax: VRFY address");
		return;
	}
	reply(s, "252 2.0.0 Cannot VRFY user; send mail and it will be "
	    "delivered if the mailbox exists");
}

/* cmd_help - the command list */
static void
cmd_help(struct smtp_session *s, const char *arg)
{
	reply(s, "214 2.0.0 Commands: EHLO HELO MAIL RCPT DATA RSET NOOP "
	    "QUIT VRFY HELP STARTTLS");
}

/* cmd_starttls - RFC 3207; the rest of the input is thrown away */
static void
cmd_starttls(struct smtp_session *s, const char *arg)
{
	if (!s->p.tls_available) {
		reply_err(s, "502 5.5.1 Error: STARTTLS not available");
		return;
	}
	if (s->tls) {
		reply_err(s, "503 5.5.1 Error: TLS already active");
		return;
	}
	if (!no_arg(s, arg, "501 5.5.4 Syntax: STARTTLS"))
		return;
	if (s->state != ST_START && s->state != ST_READY) {
		reply_err(s, "503 5.5.1 Error: MAIL transaction in progress");
		return;
	}
	reply(s, "220 2.0.0 Ready to start TLS");
	s->state = ST_TLS;
	/* CVE-2011-0411: nothing sent in the clear may count after TLS */
	buf_reset(&s->in);
	s->in_off = 0;
}

/* xtext_decode - RFC 3461 xtext in place; -1 when malformed */
static int
xtext_decode(char *v)
{
	char *w = v;

	for (char *r = v; *r; r++) {
		if (*r == '+') {
			unsigned x;

			if (!isxdigit((unsigned char)r[1]) ||
			    !isxdigit((unsigned char)r[2]) ||
			    sscanf(r + 1, "%2x", &x) != 1 || x < 0x20)
				return -1;
			*w++ = (char)x;
			r += 2;
		} else if ((unsigned char)*r < 0x21 || *r == 0x7f)
			return -1;
		else
			*w++ = *r;
	}
	*w = '\0';
	return 0;
}

/* xforward_param - one NAME=VALUE of XFORWARD */
static int
xforward_param(struct smtp_session *s, char *kw)
{
	char *val = strchr(kw, '=');

	if (val == NULL || xtext_decode(++val) < 0) {
		reply_err(s, "501 5.5.4 Bad XFORWARD attribute syntax");
		return -1;
	}
	val[-1] = '\0';
	if (strcmp(val, "[UNAVAILABLE]") == 0 ||
	    strcmp(val, "[TEMPUNAVAIL]") == 0)
		val = "";
	if (strcasecmp(kw, "ADDR") == 0) {
		if (strncasecmp(val, "IPV6:", 5) == 0)
			val += 5;
		copy_str(s->xf_addr, sizeof(s->xf_addr), val);
	} else if (strcasecmp(kw, "NAME") == 0)
		copy_str(s->xf_name, sizeof(s->xf_name), val);
	else if (strcasecmp(kw, "HELO") == 0)
		copy_str(s->xf_helo, sizeof(s->xf_helo), val);
	else if (strcasecmp(kw, "PROTO") == 0)
		copy_str(s->xf_proto, sizeof(s->xf_proto), val);
	else if (strcasecmp(kw, "PORT") != 0 && strcasecmp(kw, "IDENT") != 0 &&
	    strcasecmp(kw, "SOURCE") != 0) {
		reply_err(s, "501 5.5.4 Bad XFORWARD attribute name");
		return -1;
	}
	return 0;
}

/* cmd_xforward - Postfix XFORWARD, trusted peers only */
static void
cmd_xforward(struct smtp_session *s, const char *arg)
{
	if (!s->p.trusted) {
		reply_err(s, "502 5.5.2 Error: command not recognized");
		return;
	}
	if (s->state != ST_READY && s->state != ST_START) {
		reply_err(s, "503 5.5.1 Error: MAIL transaction in progress");
		return;
	}
	if (*skip_sp(arg) == '\0') {
		reply_err(s, "501 5.5.4 Syntax: XFORWARD attribute=value...");
		return;
	}
	if (parse_params(s, arg, xforward_param) < 0)
		return;
	s->xf_set = 1;
	reply(s, "250 2.0.0 Ok");
}

/* cmd_not_impl - known but not offered */
static void
cmd_not_impl(struct smtp_session *s, const char *arg)
{
	reply_err(s, "502 5.5.1 Error: command not implemented");
}

struct smtp_cmd {
	const char *name;
	void (*fn)(struct smtp_session *, const char *);
};

/* wrappers so EHLO and HELO share one function */
static void cmd_ehlo(struct smtp_session *s, const char *a) { cmd_helo(s, a, 1); }
static void cmd_helo0(struct smtp_session *s, const char *a) { cmd_helo(s, a, 0); }

static const struct smtp_cmd smtp_cmds[] = {
	{ "EHLO", cmd_ehlo },
	{ "HELO", cmd_helo0 },
	{ "MAIL", cmd_mail },
	{ "RCPT", cmd_rcpt },
	{ "DATA", cmd_data },
	{ "RSET", cmd_rset },
	{ "NOOP", cmd_noop },
	{ "QUIT", cmd_quit },
	{ "VRFY", cmd_vrfy },
	{ "HELP", cmd_help },
	{ "STARTTLS", cmd_starttls },
	{ "XFORWARD", cmd_xforward },
	{ "EXPN", cmd_not_impl },
	{ "BDAT", cmd_not_impl },
	{ "TURN", cmd_not_impl },
	{ "ETRN", cmd_not_impl },
	{ "AUTH", cmd_not_impl },
};

/* dispatch - one command line (NUL-terminated, line break removed) */
static void
dispatch(struct smtp_session *s, char *line, size_t len)
{
	size_t vlen = strcspn(line, " ");

	if (memchr(line, '\0', len) != NULL || memchr(line, '\r', len)) {
		reply_err(s, "500 5.5.2 Error: bad character in command");
		return;
	}
	for (size_t i = 0; i < sizeof(smtp_cmds) / sizeof(smtp_cmds[0]); i++)
		if (strlen(smtp_cmds[i].name) == vlen &&
		    strncasecmp(line, smtp_cmds[i].name, vlen) == 0) {
			smtp_cmds[i].fn(s, line + vlen);
			return;
		}
	reply_err(s, vlen ? "502 5.5.2 Error: command not recognized" :
	    "500 5.5.2 Error: bad syntax");
}

/* ---- input loops --------------------------------------------------- */

/* limits_hit - 421 when too many errors; 1 when closed (the command
 * limit is checked before a command runs, in command_step) */
static int
limits_hit(struct smtp_session *s)
{
	if (s->errors > s->p.max_errors) {
		smtp_session_shutdown(s, "421 4.7.0 Error: too many errors");
		return 1;
	}
	return 0;
}

/* command_step - one command line from the input; 0: need more */
static int
command_step(struct smtp_session *s)
{
	char *p = s->in.p + s->in_off, *lf;
	size_t avail = unprocessed(s), len;

	if (avail == 0)
		return 0;
	if ((lf = memchr(p, '\n', avail)) == NULL) {
		if (avail < s->p.line_max)
			return 0;
		s->in_off += avail;	/* too long: drop it up to its LF */
		s->skip_line = 1;
		return 1;
	}
	len = (size_t)(lf - p);
	s->in_off += len + 1;
	if (s->skip_line || len + 1 > s->p.line_max) {
		s->skip_line = 0;
		reply_err(s, "500 5.5.2 Error: line too long");
		return 1;
	}
	if (len > 0 && p[len - 1] == '\r')
		len--;
	p[len] = '\0';
	if (++s->commands > s->p.max_commands) {
		smtp_session_shutdown(s, "421 4.7.0 Error: too many commands");
		return 1;
	}
	dispatch(s, p, len);
	return 1;
}

/* data_big - more data than max_size came (kept or not) */
static int
data_big(const struct smtp_session *s)
{
	return s->data_total > s->p.max_size;
}

/* data_append - message bytes, bounded by max_size and the budget; a
 * message that cannot be kept whole is not kept at all */
static void
data_append(struct smtp_session *s, const char *p, size_t n)
{
	s->data_total += n;
	if (n == 0 || s->data_nomem)
		return;
	if (data_big(s)) {
		data_drop(s);
		return;
	}
	if (charge_to(s, grown_cap(&s->data, n)) < 0 ||
	    buf_append(&s->data, p, n) < 0) {
		s->data_nomem = 1;
		data_drop(s);
	}
}

/* data_end - the real end of data: deliver or reject */
static int
data_end(struct smtp_session *s)
{
	if (s->data_bare || data_big(s) || s->data_nomem) {
		reply_err(s, s->data_bare ? bare_reply : data_big(s) ?
		    "552 5.3.4 Message size exceeds fixed limit" :
		    nomem_reply);
		s->state = ST_READY;
		txn_reset(s);
		return 0;
	}
	s->state = ST_PENDING;
	return 1;
}

/* data_step - one line (or a piece of a long one) of message data;
 * returns 1 progress, 0 need more, 2 end of data reached */
static int
data_step(struct smtp_session *s)
{
	const char *p = s->in.p + s->in_off, *lf;
	size_t avail = unprocessed(s), len, body;
	int crlf;

	if (avail == 0)
		return 0;
	if ((lf = memchr(p, '\n', avail)) == NULL) {
		if (avail <= DATA_CHUNK)
			return 0;
		len = avail - 1;	/* keep a CR that may precede the LF */
		if (memchr(p, '\r', len) != NULL)
			s->data_bare = 1;
		if (s->data_bol && p[0] == '.')
			p++, len--, s->in_off++;
		data_append(s, p, len);
		s->in_off += len;
		s->data_bol = 0;
		return 1;
	}
	len = (size_t)(lf - p) + 1;
	crlf = len >= 2 && p[len - 2] == '\r';
	body = len - (crlf ? 2 : 1);
	if (!crlf || memchr(p, '\r', body) != NULL)
		s->data_bare = 1;	/* bare LF, or bare CR inside */
	s->in_off += len;
	if (s->data_bol && s->data_prev_crlf && crlf && body == 1 &&
	    p[0] == '.')
		return data_end(s) ? 2 : 1;
	if (s->data_bol && p[0] == '.')
		p++, len--;
	data_append(s, p, len);
	s->data_prev_crlf = crlf;
	s->data_bol = 1;
	return 1;
}

/* smtp_session_process - run over the input until an event or starved */
enum smtp_event
smtp_session_process(struct smtp_session *s)
{
	for (;;) {
		int r;

		switch (s->state) {
		case ST_CLOSED:
			return SMTP_EV_CLOSE;
		case ST_TLS:
			return SMTP_EV_STARTTLS;
		case ST_PENDING:
			return SMTP_EV_NONE;
		case ST_DATA:
			if ((r = data_step(s)) == 2) {
				s->messages++;
				return SMTP_EV_MESSAGE;
			}
			if (r == 0)
				return SMTP_EV_NONE;
			break;
		default:
			if (out_pending(s) >= OUT_HIGH || !command_step(s))
				return SMTP_EV_NONE;
			if (limits_hit(s))
				return SMTP_EV_CLOSE;
			if (s->state == ST_TLS)
				return SMTP_EV_STARTTLS;
			if (s->state == ST_CLOSED)
				return SMTP_EV_CLOSE;
			break;
		}
	}
}

/* smtp_session_envelope / smtp_session_data - the pending message */
struct envelope *
smtp_session_envelope(struct smtp_session *s)
{
	return &s->env;
}

struct buf *
smtp_session_data(struct smtp_session *s)
{
	return &s->data;
}

/* smtp_session_take_charge - the data's charge goes with the data */
size_t
smtp_session_take_charge(struct smtp_session *s)
{
	size_t n = s->charged;

	s->charged = 0;
	return n;
}

/* smtp_session_reply - answer the pending message, end the transaction */
void
smtp_session_reply(struct smtp_session *s, const char *line)
{
	if (s->state != ST_PENDING)
		return;
	reply(s, line);
	if (line[0] != '2')
		s->errors++;
	s->state = ST_READY;
	s->xf_set = 0;
	txn_reset(s);
}

/* smtp_session_tls_started - RFC 3207 4.2: forget all */
void
smtp_session_tls_started(struct smtp_session *s)
{
	s->tls = 1;
	s->state = ST_START;
	s->helo[0] = '\0';
	s->xf_set = 0;
	txn_reset(s);
	buf_reset(&s->in);
	s->in_off = 0;
}

int
smtp_session_idle(const struct smtp_session *s)
{
	return s->state == ST_START || s->state == ST_READY;
}

int
smtp_session_pending(const struct smtp_session *s)
{
	return s->state == ST_PENDING;
}

int
smtp_session_closed(const struct smtp_session *s)
{
	return s->state == ST_CLOSED;
}

unsigned
smtp_session_messages(const struct smtp_session *s)
{
	return s->messages;
}
