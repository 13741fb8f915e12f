/* deliver - next-hop URLs, the per-recipient result and the dispatch to
 * the client of each kind; see deliver.h. */
#include "deliver.h"

#include <ctype.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"

static const struct config *deliver_cfg;	/* borrowed, see deliver_setup */

/* deliver_setup - remember the configuration */
void
deliver_setup(const struct config *c)
{
	deliver_cfg = c;
}

/* deliver_timeout - [delivery] timeout, seconds */
unsigned
deliver_timeout(void)
{
	if (deliver_cfg == NULL || deliver_cfg->delivery.timeout == 0)
		return 300;
	return (unsigned)deliver_cfg->delivery.timeout;
}

/* deliver_helo - [delivery] helo_name or this host's name */
const char *
deliver_helo(void)
{
	static char name[256];

	if (deliver_cfg != NULL && deliver_cfg->delivery.helo_name != NULL &&
	    deliver_cfg->delivery.helo_name[0] != '\0')
		return deliver_cfg->delivery.helo_name;
	if (name[0] == '\0' && (gethostname(name, sizeof(name) - 1) < 0 ||
	    name[0] == '\0'))
		snprintf(name, sizeof(name), "localhost");
	return name;
}

/* deliver_class - 2, 4 or 5 */
int
deliver_class(int code)
{
	int c = code / 100;

	return (c == 2 || c == 5) ? c : 4;
}

/* clean_reply - printable, bounded */
static void
clean_reply(char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			*s = '?';
}

/* deliver_set - the result of recipient i */
void
deliver_set(struct deliver_result *res, size_t i, int code,
    const char *fmt, ...)
{
	va_list ap;

	if (i >= res->nrcpts)
		return;
	res->rcpt[i].code = code;
	va_start(ap, fmt);
	vsnprintf(res->rcpt[i].reply, sizeof(res->rcpt[i].reply), fmt, ap);
	va_end(ap);
	clean_reply(res->rcpt[i].reply);
}

/* deliver_fail_all - every recipient without a result gets this one */
void
deliver_fail_all(struct deliver_result *res, int code, const char *fmt, ...)
{
	char text[DELIVER_REPLY_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	clean_reply(text);
	for (size_t i = 0; i < res->nrcpts; i++)
		if (res->rcpt[i].code == 0) {
			res->rcpt[i].code = code;
			memcpy(res->rcpt[i].reply, text, sizeof(text));
		}
}

void
deliver_result_free(struct deliver_result *res)
{
	free(res->rcpt);
	memset(res, 0, sizeof(*res));
}

/* unescape - %XX in a URL part, into out; -1 when malformed or long */
static int
unescape(const char *s, size_t n, char *out, size_t size)
{
	size_t o = 0;

	for (size_t i = 0; i < n; i++) {
		int ch = (unsigned char)s[i];

		if (ch == '%') {
			unsigned v;

			if (i + 2 >= n)
				return -1;
			if (!isxdigit((unsigned char)s[i + 1]) ||
			    !isxdigit((unsigned char)s[i + 2]) ||
			    sscanf(s + i + 1, "%2x", &v) != 1)
				return -1;
			ch = (int)v;
			i += 2;
		}
		if (ch < 0x20 || ch == 0x7f || o + 1 >= size)
			return -1;
		out[o++] = (char)ch;
	}
	out[o] = '\0';
	return 0;
}

/* parse_hostport - "host", "host:port", "[v6]", "[v6]:port" */
static int
parse_hostport(const char *s, size_t n, const char *defport,
    struct next_hop *h)
{
	const char *colon = NULL, *end = s + n;
	size_t hl;

	if (n > 0 && s[0] == '[') {
		const char *rb = memchr(s, ']', n);

		if (rb == NULL)
			return -1;
		hl = (size_t)(rb - s) - 1;
		if (hl == 0 || hl >= sizeof(h->host))
			return -1;
		memcpy(h->host, s + 1, hl);
		h->host[hl] = '\0';
		if (rb + 1 < end) {
			if (rb[1] != ':')
				return -1;
			colon = rb + 1;
		}
	} else {
		colon = memchr(s, ':', n);
		hl = colon ? (size_t)(colon - s) : n;
		if (hl == 0 || hl >= sizeof(h->host))
			return -1;
		memcpy(h->host, s, hl);
		h->host[hl] = '\0';
		for (size_t i = 0; i < hl; i++)
			if (!isalnum((unsigned char)h->host[i]) &&
			    strchr(".-_", h->host[i]) == NULL)
				return -1;
	}
	if (colon != NULL) {
		size_t pl = (size_t)(end - colon - 1);

		if (pl == 0 || pl >= sizeof(h->port))
			return -1;
		memcpy(h->port, colon + 1, pl);
		h->port[pl] = '\0';
		for (size_t i = 0; i < pl; i++)
			if (!isdigit((unsigned char)h->port[i]))
				return -1;
		if (atoi(h->port) < 1 || atoi(h->port) > 65535)
			return -1;
	} else {
		snprintf(h->port, sizeof(h->port), "%s", defport);
	}
	return 0;
}

/* parse_imap - user@host[:port][/Folder] */
static int
parse_imap(const char *s, struct next_hop *h)
{
	const char *slash = strchr(s, '/'), *at;
	size_t n = slash ? (size_t)(slash - s) : strlen(s);

	/* the last '@' before the host: logins are often user@domain */
	at = NULL;
	for (const char *p = s; p < s + n; p++)
		if (*p == '@')
			at = p;
	if (at == NULL || at == s ||
	    unescape(s, (size_t)(at - s), h->user, sizeof(h->user)) < 0)
		return -1;
	if (parse_hostport(at + 1, (size_t)(s + n - at - 1),
	    h->kind == HOP_IMAPS ? "993" : "143", h) < 0)
		return -1;
	if (slash == NULL || slash[1] == '\0')
		snprintf(h->folder, sizeof(h->folder), "INBOX");
	else if (unescape(slash + 1, strlen(slash + 1), h->folder,
	    sizeof(h->folder)) < 0)
		return -1;
	return 0;
}

/* parse_path - a file path; relative ones against the config dir */
static int
parse_path(const char *p, struct next_hop *h)
{
	char *full = NULL;

	if (*p == '\0')
		return -1;
	if (*p != '/' && deliver_cfg != NULL)
		full = config_path(deliver_cfg, p);
	if (snprintf(h->path, sizeof(h->path), "%s", full ? full : p) >=
	    (int)sizeof(h->path)) {
		free(full);
		return -1;
	}
	free(full);
	return 0;
}

/* deliver_parse_hop - next_hop and tls of a route */
int
deliver_parse_hop(const char *url, const char *tls, struct next_hop *h,
    char *err, size_t errlen)
{
	static const struct {
		const char *scheme;
		enum hop_kind kind;
		const char *port;
	} schemes[] = {
		{ "smtp://", HOP_SMTP, "25" }, { "smtps://", HOP_SMTPS, "465" },
		{ "lmtp://", HOP_LMTP, "24" }, { "lmtp:", HOP_LMTP, NULL },
		{ "maildir:", HOP_MAILDIR, NULL }, { "mbox:", HOP_MBOX, NULL },
		{ "imap://", HOP_IMAP, NULL }, { "imaps://", HOP_IMAPS, NULL },
		{ "sendmail:", HOP_SENDMAIL, NULL },
	};
	size_t i;
	int bad = -1;

	memset(h, 0, sizeof(*h));
	if (url == NULL || *url == '\0') {
		snprintf(err, errlen, "no next_hop");
		return -1;
	}
	if (tls == NULL || *tls == '\0' || strcmp(tls, "required") == 0)
		h->tls = 1;
	else if (strcmp(tls, "none") == 0)
		h->tls = 0;
	else {
		snprintf(err, errlen, "tls: '%.40s' is not required or none",
		    tls);
		return -1;
	}
	for (i = 0; i < sizeof(schemes) / sizeof(schemes[0]); i++)
		if (strncmp(url, schemes[i].scheme,
		    strlen(schemes[i].scheme)) == 0)
			break;
	if (i == sizeof(schemes) / sizeof(schemes[0])) {
		snprintf(err, errlen, "next_hop: unknown scheme in '%.80s'",
		    url);
		return -1;
	}
	h->kind = schemes[i].kind;
	{
		const char *rest = url + strlen(schemes[i].scheme);
		size_t n = strlen(rest);

		while (n > 0 && rest[n - 1] == '/' && h->kind != HOP_IMAP &&
		    h->kind != HOP_IMAPS && schemes[i].port != NULL)
			n--;
		switch (h->kind) {
		case HOP_SMTP: case HOP_SMTPS:
			bad = parse_hostport(rest, n, schemes[i].port, h);
			break;
		case HOP_LMTP:
			if (schemes[i].port != NULL)
				bad = parse_hostport(rest, n, "24", h);
			else if (rest[0] == '/' && strlen(rest) < sizeof(h->host)) {
				snprintf(h->host, sizeof(h->host), "%s", rest);
				h->tls = 0;	/* a local socket */
				bad = 0;
			}
			break;
		case HOP_IMAP: case HOP_IMAPS:
			bad = parse_imap(rest, h);
			break;
		case HOP_MAILDIR: case HOP_MBOX: case HOP_SENDMAIL:
			bad = parse_path(rest, h);
			h->tls = 0;
			break;
		}
	}
	if (bad < 0) {
		snprintf(err, errlen, "next_hop: malformed '%.80s'", url);
		return -1;
	}
	return 0;
}

/* resolve - a CT_PATH value of the config: malloc'd, NULL for empty */
static char *
resolve(const char *p)
{
	if (p == NULL || *p == '\0')
		return NULL;
	return deliver_cfg != NULL ? config_path(deliver_cfg, p) : strdup(p);
}

/* result_init - one empty result per recipient */
static int
result_init(struct deliver_result *res, size_t n)
{
	memset(res, 0, sizeof(*res));
	res->rcpt = calloc(n ? n : 1, sizeof(*res->rcpt));
	if (res->rcpt == NULL)
		return -1;
	res->nrcpts = n;
	return 0;
}

/* outcome - 0 all 2xx, 1 otherwise */
static int
outcome(struct deliver_result *res)
{
	deliver_fail_all(res, 451, "451 4.3.0 no reply for this recipient");
	for (size_t i = 0; i < res->nrcpts; i++)
		if (deliver_class(res->rcpt[i].code) != 2)
			return 1;
	return 0;
}

/* deliver_hop - one attempt to an explicit hop */
int
deliver_hop(const struct next_hop *h, const char *ca_file,
    const char *password_file, const struct envelope *env, const char *msg,
    size_t len, struct deliver_result *res)
{
	struct sigaction ign, old;

	if (result_init(res, env->nrcpts) < 0)
		return -1;
	/* a peer or program that goes away mid-write is an error reply,
	 * not the death of the delivering process */
	memset(&ign, 0, sizeof(ign));
	ign.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &ign, &old);
	switch (h->kind) {
	case HOP_SMTP: case HOP_SMTPS: case HOP_LMTP:
		deliver_smtp(h, ca_file, env, msg, len, res);
		break;
	case HOP_MAILDIR:
		deliver_maildir(h, env, msg, len, res);
		break;
	case HOP_MBOX:
		deliver_mbox(h, env, msg, len, res);
		break;
	case HOP_SENDMAIL:
		deliver_sendmail(h, env, msg, len, res);
		break;
	case HOP_IMAP: case HOP_IMAPS:
		deliver_imap(h, ca_file, password_file, env, msg, len, res);
		break;
	}
	sigaction(SIGPIPE, &old, NULL);
	return outcome(res);
}

/* deliver - one attempt for the route's next hop */
int
deliver(const struct route_cfg *r, const struct envelope *env,
    const char *msg, size_t len, struct deliver_result *res)
{
	struct next_hop h;
	char err[200], *ca, *pw;
	int rc;

	if (r == NULL || deliver_parse_hop(r->next_hop, r->tls, &h, err,
	    sizeof(err)) < 0) {
		if (result_init(res, env->nrcpts) < 0)
			return -1;
		deliver_fail_all(res, 451, "451 4.3.5 route %s: %s",
		    r ? r->name : "(none)", r ? err : "no such route");
		snprintf(res->relay, sizeof(res->relay), "none");
		return outcome(res);
	}
	ca = resolve(r->ca_file);
	if (ca == NULL && deliver_cfg != NULL)
		ca = resolve(deliver_cfg->delivery.ca_file);
	pw = resolve(r->password_file);
	rc = deliver_hop(&h, ca, pw, env, msg, len, res);
	free(ca);
	free(pw);
	return rc;
}
