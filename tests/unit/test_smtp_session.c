/* test_smtp_session - the ESMTP state machine, conversation by
 * conversation: every protocol rule, each SMTP smuggling variant, STARTTLS
 * injection, each open-relay form, each limit.  Every conversation is fed
 * once whole and once byte by byte; both must give the same replies. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "harness.h"
#include "smtp_session.h"

static char *mb_support[] = { "support@example.com", "help@example.com" };
static char *mb_domain[] = { "tickets.example.org" };
static struct route_cfg routes[] = {
	{ .name = "support", .mailboxes = mb_support, .nmailboxes = 2 },
	{ .name = "tickets", .mailboxes = mb_domain, .nmailboxes = 1 },
};

static struct smtp_params params;

/* reset_params - the defaults every test starts from */
static void
reset_params(void)
{
	memset(&params, 0, sizeof(params));
	params.hostname = "mx.example.com";
	params.line_max = 1024;
	params.max_commands = 100;
	params.max_errors = 10;
	params.max_rcpts = 3;
	params.max_size = 4096;
	params.tls_available = 1;
	params.routes = routes;
	params.nroutes = 2;
}

struct conv {
	char out[65536];	/* every reply, CRLF kept */
	size_t outlen;
	unsigned messages;	/* SMTP_EV_MESSAGE seen */
	char data[8][4096];	/* message bodies */
	char sender[8][256];
	unsigned nrcpts[8];
	char rcpt0[8][256];
	int starttls;		/* SMTP_EV_STARTTLS seen */
	int closed;
};

/* drain - take the replies out of the session */
static void
drain(struct smtp_session *s, struct conv *c)
{
	size_t n;
	const char *o = smtp_session_output(s, &n);

	if (n > sizeof(c->out) - 1 - c->outlen)
		n = sizeof(c->out) - 1 - c->outlen;
	memcpy(c->out + c->outlen, o, n);
	c->outlen += n;
	c->out[c->outlen] = '\0';
	smtp_session_consumed(s, n);
}

/* pump - process until starved, acting on events like the daemon */
static void
pump(struct smtp_session *s, struct conv *c)
{
	enum smtp_event ev;

	while ((ev = smtp_session_process(s)) != SMTP_EV_NONE) {
		drain(s, c);
		if (ev == SMTP_EV_CLOSE) {
			c->closed = 1;
			return;
		}
		if (ev == SMTP_EV_STARTTLS) {
			c->starttls++;
			smtp_session_tls_started(s);
			continue;
		}
		if (c->messages < 8) {
			struct buf *d = smtp_session_data(s);
			struct envelope *e = smtp_session_envelope(s);

			snprintf(c->data[c->messages], sizeof(c->data[0]),
			    "%.*s", (int)d->len, d->p ? d->p : "");
			snprintf(c->sender[c->messages], 256, "%s", e->sender);
			c->nrcpts[c->messages] = (unsigned)e->nrcpts;
			snprintf(c->rcpt0[c->messages], 256, "%s",
			    e->nrcpts ? e->rcpts[0] : "");
		}
		c->messages++;
		smtp_session_reply(s, "250 2.0.0 Ok: queued as TEST");
	}
	drain(s, c);
}

/* converse_mode - one conversation, whole or byte by byte */
static void
converse_mode(const char *in, size_t len, struct conv *c, int bytewise,
    const char *feed_after_tls)
{
	struct smtp_session *s = smtp_session_create(&params, "192.0.2.1",
	    "client.example.net");

	memset(c, 0, sizeof(*c));
	smtp_session_greet(s);
	if (bytewise) {
		for (size_t i = 0; i < len && !c->closed; i++) {
			int st = c->starttls;

			smtp_session_feed(s, in + i, 1);
			pump(s, c);
			(void)st;
		}
	} else {
		smtp_session_feed(s, in, len);
		pump(s, c);
	}
	if (feed_after_tls != NULL && !c->closed) {
		smtp_session_feed(s, feed_after_tls, strlen(feed_after_tls));
		pump(s, c);
	}
	smtp_session_destroy(&s);
}

/* converse - whole and bytewise must agree (except where STARTTLS eats
 * the rest of a read: those tests call converse_mode directly) */
static void
converse(const char *in, struct conv *c)
{
	static struct conv b;

	converse_mode(in, strlen(in), &b, 1, NULL);
	converse_mode(in, strlen(in), c, 0, NULL);
	CHECK_MSG(strcmp(b.out, c->out) == 0 && b.messages == c->messages,
	    "bytewise differs for %.60s:\n%s\n--- vs ---\n%s", in, c->out,
	    b.out);
}

/* has - the output contains s */
static int
has(const struct conv *c, const char *s)
{
	return strstr(c->out, s) != NULL;
}

/* count - how often s occurs in the output */
static unsigned
count(const struct conv *c, const char *s)
{
	unsigned n = 0;

	for (const char *p = c->out; (p = strstr(p, s)) != NULL; p++)
		n++;
	return n;
}

#define EHLO "EHLO client.example.net\r\n"
#define ENV "MAIL FROM:<ann@example.net>\r\nRCPT TO:<support@example.com>\r\n"

static void
test_basic(void)
{
	struct conv c;

	converse(EHLO ENV "DATA\r\nSubject: hi\r\n\r\nbody\r\n..dot\r\n.\r\n"
	    "QUIT\r\n", &c);
	CHECK(strncmp(c.out, "220 mx.example.com ESMTP", 24) == 0);
	CHECK(has(&c, "250-mx.example.com\r\n"));
	CHECK(has(&c, "250-PIPELINING\r\n"));
	CHECK(has(&c, "250-SIZE 4096\r\n"));
	CHECK(has(&c, "250-8BITMIME\r\n"));
	CHECK(has(&c, "250-ENHANCEDSTATUSCODES\r\n"));
	CHECK(has(&c, "250-STARTTLS\r\n"));
	CHECK(has(&c, "250 SMTPUTF8\r\n"));
	CHECK(!has(&c, "XFORWARD"));
	CHECK(has(&c, "250 2.1.0 Ok\r\n"));
	CHECK(has(&c, "250 2.1.5 Ok\r\n"));
	CHECK(has(&c, "354 "));
	CHECK(has(&c, "250 2.0.0 Ok: queued as TEST\r\n"));
	CHECK(has(&c, "221 2.0.0 Bye\r\n"));
	CHECK(c.closed);
	CHECK(c.messages == 1);
	CHECK(strcmp(c.data[0], "Subject: hi\r\n\r\nbody\r\n.dot\r\n") == 0);
	CHECK(strcmp(c.sender[0], "ann@example.net") == 0);
	CHECK(strcmp(c.rcpt0[0], "support@example.com") == 0);

	/* HELO: no extensions; commands case-insensitive; null sender */
	converse("helo x\r\nmail from:<>\r\nrcpt to:<Help@Example.COM>\r\n"
	    "data\r\n.\r\n", &c);
	CHECK(has(&c, "250 mx.example.com\r\n"));
	CHECK(!has(&c, "PIPELINING"));
	CHECK(c.messages == 1 && c.sender[0][0] == '\0');
	CHECK(strcmp(c.data[0], "") == 0);

	/* LF-only command lines are accepted */
	converse("EHLO a\nMAIL FROM:<a@b.example>\nNOOP\n", &c);
	CHECK(count(&c, "250 2.") == 2);
}

static void
test_commands(void)
{
	struct conv c;

	converse(EHLO "RSET\r\nNOOP\r\nNOOP hello\r\nVRFY x\r\nVRFY\r\n"
	    "HELP\r\nEXPN list\r\nFOO\r\n\r\nBDAT 10\r\nRSET x\r\n", &c);
	CHECK(count(&c, "250 2.0.0 Ok\r\n") == 3);
	CHECK(has(&c, "252 2.0.0 "));
	CHECK(has(&c, "501 5.5.4 Syntax: VRFY"));
	CHECK(has(&c, "214 2.0.0 "));
	CHECK(count(&c, "502 5.5.1 ") == 2);
	CHECK(has(&c, "502 5.5.2 Error: command not recognized"));
	CHECK(has(&c, "500 5.5.2 Error: bad syntax"));
	CHECK(has(&c, "501 5.5.4 Syntax: RSET"));

	/* sequence errors */
	converse("MAIL FROM:<a@b.example>\r\nEHLO\r\n" EHLO
	    "RCPT TO:<support@example.com>\r\nDATA\r\n"
	    "MAIL FROM:<a@b.example>\r\nMAIL FROM:<a@b.example>\r\nDATA\r\n"
	    "DATA x\r\n", &c);
	CHECK(has(&c, "503 5.5.1 Error: send HELO/EHLO first"));
	CHECK(has(&c, "501 5.5.4 Syntax: EHLO hostname"));
	CHECK(has(&c, "503 5.5.1 Error: need MAIL command"));
	CHECK(has(&c, "503 5.5.1 Error: need RCPT command"));
	CHECK(has(&c, "503 5.5.1 Error: nested MAIL command"));
	CHECK(has(&c, "554 5.5.1 Error: no valid recipients"));
	CHECK(has(&c, "501 5.5.4 Syntax: DATA"));
	CHECK(c.messages == 0);

	/* MAIL syntax and parameters */
	converse(EHLO "MAIL FROM:a@b.example\r\nMAIL FROM:<a@b.example\r\n"
	    "MAIL TO:<a@b.example>\r\nMAIL FROM:<a@b.example> FOO=1\r\n"
	    "MAIL FROM:<a@b.example> BODY=BINARYMIME\r\n"
	    "MAIL FROM:<a@b.example> SIZE=abc\r\n"
	    "MAIL FROM:<not an address>\r\nMAIL FROM:<a@b..example>\r\n"
	    "MAIL FROM: <a@b.example> BODY=8BITMIME SIZE=100\r\nRSET\r\n"
	    "MAIL FROM:<@relay.example:a@b.example>\r\n", &c);
	CHECK(count(&c, "501 5.5.4 Syntax: MAIL FROM:<address>") == 4);
	CHECK(has(&c, "555 5.5.4 Unsupported MAIL parameter"));
	CHECK(has(&c, "501 5.5.4 Unsupported BODY parameter"));
	CHECK(has(&c, "501 5.5.4 Bad SIZE parameter"));
	CHECK(count(&c, "553 5.1.7 ") == 1);
	CHECK(count(&c, "250 2.1.0 Ok") == 2);

	/* RCPT takes no parameters (no DSN) */
	converse(EHLO "MAIL FROM:<a@b.example>\r\n"
	    "RCPT TO:<support@example.com> NOTIFY=NEVER\r\n", &c);
	CHECK(has(&c, "555 5.5.4 Unsupported RCPT parameter"));
}

static void
test_size(void)
{
	struct conv c;
	static char in[16384];
	char body[5000];

	/* SIZE announced and enforced at MAIL ... */
	converse(EHLO "MAIL FROM:<a@b.example> SIZE=4097\r\n"
	    "MAIL FROM:<a@b.example> SIZE=4096\r\n", &c);
	CHECK(has(&c, "552 5.3.4 Message size exceeds fixed limit"));
	CHECK(has(&c, "250 2.1.0 Ok"));
	/* ... and on the data itself: swallowed up to the end, then 552 */
	memset(body, 'x', sizeof(body) - 1);
	body[sizeof(body) - 1] = '\0';
	snprintf(in, sizeof(in), EHLO ENV "DATA\r\n%s\r\n.\r\n" ENV
	    "DATA\r\nsmall\r\n.\r\n", body);
	converse(in, &c);
	CHECK(has(&c, "552 5.3.4 Message size exceeds fixed limit"));
	CHECK(c.messages == 1 && strcmp(c.data[0], "small\r\n") == 0);
	/* a line longer than the data chunk, not too big: kept whole */
	params.max_size = 65536;
	memset(body, 'y', sizeof(body) - 1);
	body[0] = '.';
	snprintf(in, sizeof(in), EHLO ENV "DATA\r\n%s\r\n.\r\n", body);
	for (int bytewise = 0; bytewise < 2; bytewise++) {
		struct smtp_session *s = smtp_session_create(&params, NULL,
		    NULL);
		enum smtp_event ev = SMTP_EV_NONE;

		for (size_t i = 0, n = strlen(in); i < n &&
		    ev == SMTP_EV_NONE; i += bytewise ? 1 : n) {
			smtp_session_feed(s, in + i, bytewise ? 1 : n);
			ev = smtp_session_process(s);
		}
		CHECK_MSG(ev == SMTP_EV_MESSAGE && smtp_session_data(s)->len ==
		    4998 + 2 && smtp_session_data(s)->p[0] == 'y' &&
		    memcmp(smtp_session_data(s)->p + 4998, "\r\n", 2) == 0,
		    "long line, bytewise %d", bytewise);
		smtp_session_destroy(&s);
	}
	reset_params();
}

static void
test_smuggling(void)
{
	static const char *const variants[] = {
		"\n.\n",		/* bare LF end */
		"\r\n.\n",		/* CRLF . LF */
		"\n.\r\n",		/* LF . CRLF */
		"\r.\r",		/* bare CR end */
		"\r.\r\n",		/* CR . CRLF */
		"\r\n.\r",		/* CRLF . CR */
		"\r\n.\r\r\n",		/* CRLF . CR CRLF */
		"\r\n\x00.\r\n",	/* NUL before the dot is data, not smuggling */
	};
	struct conv c;
	char in[1024];

	for (size_t i = 0; i < sizeof(variants) / sizeof(variants[0]); i++) {
		size_t n = (size_t)snprintf(in, sizeof(in), EHLO ENV
		    "DATA\r\nSubject: outer\r\n\r\nbody%s", variants[i]);
		size_t m;
		const char *smuggled = "MAIL FROM:<evil@example.net>\r\n"
		    "RCPT TO:<support@example.com>\r\nDATA\r\nSubject: "
		    "smuggled\r\n\r\nx\r\n.\r\nQUIT\r\n";

		if (i == 7) {
			/* embedded NUL: write by hand */
			n = (size_t)snprintf(in, sizeof(in), EHLO ENV
			    "DATA\r\nSubject: outer\r\n\r\nbody");
			memcpy(in + n, "\r\n\0.\r\n", 6);
			n += 6;
		}
		m = strlen(smuggled);
		memcpy(in + n, smuggled, m + 1);
		n += m;
		converse_mode(in, n, &c, 0, NULL);
		if (i == 7) {
			/* a line "\0." is data; the smuggled text is data too,
			 * ending at the real CRLF.CRLF: one message, no split */
			CHECK_MSG(c.messages == 1 && count(&c, "250 2.0.0 Ok: "
			    "queued") == 1, "variant %zu", i);
			continue;
		}
		CHECK_MSG(c.messages == 0, "variant %zu split a message", i);
		CHECK_MSG(count(&c, "554 5.5.2 ") == 1, "variant %zu: %s", i,
		    c.out);
		CHECK_MSG(!has(&c, "250 2.0.0 Ok: queued"), "variant %zu", i);
		CHECK_MSG(has(&c, "221 2.0.0 Bye"), "variant %zu", i);
		/* byte by byte: the same */
		{
			static struct conv b;

			converse_mode(in, n, &b, 1, NULL);
			CHECK_MSG(strcmp(b.out, c.out) == 0, "variant %zu "
			    "bytewise", i);
		}
	}
	/* a bare LF inside a line of data, then a proper end: 554 */
	converse(EHLO ENV "DATA\r\na\nb\r\n.\r\n", &c);
	CHECK(c.messages == 0 && has(&c, "554 5.5.2 "));
	/* a bare CR inside a line of data */
	converse(EHLO ENV "DATA\r\na\rb\r\n.\r\n", &c);
	CHECK(c.messages == 0 && has(&c, "554 5.5.2 "));
	/* after the 554 the session goes on normally */
	converse(EHLO ENV "DATA\r\na\nb\r\n.\r\n" ENV "DATA\r\nok\r\n.\r\n",
	    &c);
	CHECK(c.messages == 1 && strcmp(c.data[0], "ok\r\n") == 0);
	/* two proper messages pipelined in one read: two messages */
	converse(EHLO ENV "DATA\r\none\r\n.\r\n" ENV "DATA\r\ntwo\r\n.\r\n",
	    &c);
	CHECK(c.messages == 2 && strcmp(c.data[1], "two\r\n") == 0);
	/* ".." at line start is an escaped dot, not an end */
	converse(EHLO ENV "DATA\r\n..\r\n.x\r\n.\r\n", &c);
	CHECK(c.messages == 1 && strcmp(c.data[0], ".\r\nx\r\n") == 0);
}

static void
test_starttls(void)
{
	struct conv c;

	/* commands pipelined after STARTTLS in the same read are dropped */
	converse_mode(EHLO "STARTTLS\r\nMAIL FROM:<evil@example.net>\r\n"
	    "RCPT TO:<support@example.com>\r\n", strlen(EHLO "STARTTLS\r\n"
	    "MAIL FROM:<evil@example.net>\r\nRCPT TO:<support@example.com>"
	    "\r\n"), &c, 0, "MAIL FROM:<a@b.example>\r\n");
	CHECK(c.starttls == 1);
	CHECK(has(&c, "220 2.0.0 Ready to start TLS"));
	CHECK(!has(&c, "250 2.1.5"));
	/* after TLS the state is fresh: EHLO needed again */
	CHECK(has(&c, "503 5.5.1 Error: send HELO/EHLO first"));
	CHECK(count(&c, "250 2.1.0") == 0);

	/* after TLS: no STARTTLS in EHLO, a second one refused, proto */
	converse_mode(EHLO "STARTTLS\r\n", strlen(EHLO "STARTTLS\r\n"), &c, 0,
	    "EHLO again\r\nSTARTTLS\r\n" ENV "DATA\r\nx\r\n.\r\n");
	CHECK(count(&c, "250-STARTTLS") == 1);
	CHECK(has(&c, "503 5.5.1 Error: TLS already active"));
	CHECK(c.messages == 1);

	/* not available, with an argument, inside a transaction */
	params.tls_available = 0;
	converse(EHLO "STARTTLS\r\n", &c);
	CHECK(!has(&c, "250-STARTTLS") && has(&c, "502 5.5.1 "));
	params.tls_available = 1;
	converse(EHLO "STARTTLS now\r\n" ENV "STARTTLS\r\n", &c);
	CHECK(has(&c, "501 5.5.4 Syntax: STARTTLS"));
	CHECK(has(&c, "503 5.5.1 Error: MAIL transaction in progress"));
	CHECK(c.starttls == 0);
}

static void
test_relay(void)
{
	static const char *const bad[] = {
		"user@other.example",
		"support%other.example@example.com",
		"user%other.example@tickets.example.org",
		"user!other.example@tickets.example.org",
		"@example.com:user@other.example",
		"@example.com,@tickets.example.org:user@other.example",
		"\"user@other.example\"@example.com",
		"\"user@other.example\"@tickets.example.org",
		"\"support\"@example.com",
		"support@example.com@other.example",
		"user@tickets.example.org@other.example",
		"support@example.com.",
		"user@tickets.example.org.",
		"user@sub.tickets.example.org",
		"support@[127.0.0.1]",
		"support@example.com.other.example",
		"support",
		"other.example!support",
		"support@example.comm",
		".support@example.com",
		"sup..port@example.com",
		"user@other.example(comment)",
		"postmaster@other.example",
		"",
	};
	static const char *const good[] = {
		"support@example.com",
		"SUPPORT@EXAMPLE.COM",
		"help@Example.Com",
		"anyone@tickets.example.org",
		"a.b-c+tag@TICKETS.example.org",
		"@relay.example:support@example.com",
		"postmaster",		/* RFC 5321 4.1.1.3, 4.5.1 */
		"PostMaster@example.com",
	};
	struct conv c;
	char in[1024];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(in, sizeof(in), EHLO "MAIL FROM:<a@b.example>\r\n"
		    "RCPT TO:<%s>\r\n", bad[i]);
		converse(in, &c);
		CHECK_MSG(has(&c, "550 5.1.1 ") && !has(&c, "250 2.1.5"),
		    "relay form accepted: %s: %s", bad[i], c.out);
	}
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		snprintf(in, sizeof(in), EHLO "MAIL FROM:<a@b.example>\r\n"
		    "RCPT TO:<%s>\r\n", good[i]);
		converse(in, &c);
		CHECK_MSG(has(&c, "250 2.1.5 Ok"), "mailbox refused: %s",
		    good[i]);
	}
	/* missing brackets and garbage: syntax errors, never accepted */
	converse(EHLO "MAIL FROM:<a@b.example>\r\nRCPT TO:support@example.com"
	    "\r\nRCPT TO:<support@example.com\r\nRCPT TO:<a b@example.com>\r\n"
	    "RCPT FROM:<support@example.com>\r\n", &c);
	CHECK(count(&c, "501 5.5.4 Syntax: RCPT TO:<address>") == 4);
	/* the route is recorded; a second route needs its own transaction */
	converse(EHLO "MAIL FROM:<a@b.example>\r\nRCPT TO:<x@tickets.example."
	    "org>\r\nRCPT TO:<support@example.com>\r\nDATA\r\n.\r\n", &c);
	CHECK(has(&c, "452 4.5.3 "));
	CHECK(c.messages == 1 && c.nrcpts[0] == 1);
	/* UTF-8 addresses need SMTPUTF8 */
	converse(EHLO "MAIL FROM:<j\xc3\xb6rg@b.example>\r\n"
	    "MAIL FROM:<j\xc3\xb6rg@b.example> SMTPUTF8\r\n"
	    "RCPT TO:<j\xc3\xb6rg@tickets.example.org>\r\n"
	    "RCPT TO:<j\xc3@tickets.example.org>\r\n", &c);
	CHECK(has(&c, "553 5.6.7 "));
	CHECK(has(&c, "250 2.1.0 Ok") && has(&c, "250 2.1.5 Ok"));
	CHECK(count(&c, "553 5.6.7") == 2);
	/* without SMTPUTF8 a UTF-8 recipient is refused */
	converse(EHLO "MAIL FROM:<a@b.example>\r\n"
	    "RCPT TO:<j\xc3\xb6rg@tickets.example.org>\r\n", &c);
	CHECK(has(&c, "553 5.6.7 ") && !has(&c, "250 2.1.5"));
	/* the route function itself */
	CHECK(smtp_route_of(routes, 2, "help@example.com") == 0);
	CHECK(smtp_route_of(routes, 2, "x@tickets.example.org") == 1);
	CHECK(smtp_route_of(routes, 2, "x@example.com") == -1);
	CHECK(smtp_route_of(routes, 0, "help@example.com") == -1);
	/* RFC 5321 4.5.1: postmaster is always accepted */
	CHECK(smtp_route_of(routes, 2, "PostMaster@example.com") == 0);
	CHECK(smtp_route_of(routes, 2, "postmaster@tickets.example.org") == 1);
	CHECK(smtp_route_of(routes, 2, "postmaster@other.example") == -1);
	CHECK(smtp_route_of(routes, 2, "Postmaster") == 0);
	CHECK(smtp_route_of(routes, 2, "postmaster%other.example@example.com")
	    == -1);
}

static void
test_xforward(void)
{
	struct conv c;
	struct smtp_session *s;
	const char *in = EHLO "XFORWARD NAME=mail.client.example ADDR=198.51."
	    "100.7 PROTO=ESMTP HELO=[UNAVAILABLE]\r\n" ENV "DATA\r\n.\r\n";

	/* untrusted: not announced, not accepted */
	converse(in, &c);
	CHECK(!has(&c, "XFORWARD") && has(&c, "502 5.5.2 "));
	/* trusted: announced, applied to the transaction */
	params.trusted = 1;
	converse(in, &c);
	CHECK(has(&c, "250-XFORWARD NAME ADDR PROTO HELO SOURCE PORT IDENT"));
	CHECK(count(&c, "250 2.0.0 Ok\r\n") == 1);
	s = smtp_session_create(&params, "127.0.0.1", "localhost");
	smtp_session_feed(s, in, strlen(in));
	CHECK(smtp_session_process(s) == SMTP_EV_MESSAGE);
	CHECK(strcmp(smtp_session_envelope(s)->client_addr, "198.51.100.7")
	    == 0);
	CHECK(strcmp(smtp_session_envelope(s)->client_name,
	    "mail.client.example") == 0);
	CHECK(strcmp(smtp_session_envelope(s)->helo, "client.example.net")
	    == 0);
	smtp_session_destroy(&s);
	CHECK(s == NULL);
	/* bad attribute, inside a transaction, xtext */
	converse(EHLO "XFORWARD FOO=bar\r\nXFORWARD NAME=a+2\r\n"
	    "XFORWARD NAME=a+41b\r\n" ENV "XFORWARD ADDR=1.2.3.4\r\n", &c);
	CHECK(has(&c, "501 5.5.4 Bad XFORWARD attribute name"));
	CHECK(has(&c, "501 5.5.4 Bad XFORWARD attribute syntax"));
	CHECK(has(&c, "503 5.5.1 Error: MAIL transaction in progress"));
	params.trusted = 0;
	/* without XFORWARD the envelope has the real peer */
	s = smtp_session_create(&params, "192.0.2.1", "c.example");
	smtp_session_feed(s, EHLO ENV "DATA\r\n.\r\n", strlen(EHLO ENV
	    "DATA\r\n.\r\n"));
	CHECK(smtp_session_process(s) == SMTP_EV_MESSAGE);
	CHECK(strcmp(smtp_session_envelope(s)->client_addr, "192.0.2.1") == 0);
	CHECK(strcmp(smtp_session_envelope(s)->proto, "ESMTP") == 0);
	CHECK(strcmp(smtp_session_envelope(s)->route, "support") == 0);
	smtp_session_destroy(&s);
}

static void
test_limits(void)
{
	struct conv c;
	static char in[8192];
	size_t n;

	/* line length: a long command line is refused, the session goes on */
	n = (size_t)snprintf(in, sizeof(in), EHLO "NOOP ");
	memset(in + n, 'a', 2000);
	n += 2000;
	snprintf(in + n, sizeof(in) - n, "\r\nNOOP\r\n");
	converse(in, &c);
	CHECK(has(&c, "500 5.5.2 Error: line too long"));
	CHECK(count(&c, "250 2.0.0 Ok") == 1);
	/* recipients per message */
	converse(EHLO "MAIL FROM:<a@b.example>\r\n"
	    "RCPT TO:<a@tickets.example.org>\r\nRCPT TO:<b@tickets.example.org>"
	    "\r\nRCPT TO:<c@tickets.example.org>\r\n"
	    "RCPT TO:<d@tickets.example.org>\r\nDATA\r\n.\r\n", &c);
	CHECK(has(&c, "452 4.5.3 Error: too many recipients"));
	CHECK(c.messages == 1 && c.nrcpts[0] == 3);
	/* errors per session */
	n = (size_t)snprintf(in, sizeof(in), EHLO);
	for (int i = 0; i < 20; i++)
		n += (size_t)snprintf(in + n, sizeof(in) - n, "BOGUS\r\n");
	snprintf(in + n, sizeof(in) - n, "NOOP\r\n");
	converse(in, &c);
	CHECK(has(&c, "421 4.7.0 Error: too many errors"));
	CHECK(c.closed && !has(&c, "250 2.0.0 Ok"));
	CHECK(count(&c, "502 5.5.2") == 11);
	/* commands per session */
	n = 0;
	for (int i = 0; i < 120; i++)
		n += (size_t)snprintf(in + n, sizeof(in) - n, "NOOP\r\n");
	converse(in, &c);
	CHECK(has(&c, "421 4.7.0 Error: too many commands"));
	CHECK(count(&c, "250 2.0.0 Ok") == 100);
	/* shutdown: a final reply, then nothing */
	{
		struct smtp_session *s = smtp_session_create(&params, NULL,
		    NULL);

		smtp_session_shutdown(s, "421 4.3.2 Service shutting down");
		smtp_session_feed(s, "NOOP\r\n", 6);
		CHECK(smtp_session_process(s) == SMTP_EV_CLOSE);
		CHECK(smtp_session_closed(s));
		smtp_session_destroy(&s);
	}
}

static void
test_pending(void)
{
	struct smtp_session *s = smtp_session_create(&params, NULL, NULL);
	const char *in = EHLO ENV "DATA\r\nhi\r\n.\r\nQUIT\r\n";
	const char *o;
	size_t n;

	smtp_session_feed(s, in, strlen(in));
	CHECK(smtp_session_process(s) == SMTP_EV_MESSAGE);
	CHECK(smtp_session_pending(s));
	/* while pending, nothing is processed: QUIT waits */
	CHECK(smtp_session_process(s) == SMTP_EV_NONE);
	o = smtp_session_output(s, &n);
	CHECK(strstr(o, "221") == NULL);
	smtp_session_reply(s, "451 4.3.0 Error: queue file write error");
	CHECK(smtp_session_idle(s));
	CHECK(smtp_session_process(s) == SMTP_EV_CLOSE);
	o = smtp_session_output(s, &n);
	CHECK(strstr(o, "451 4.3.0 Error: queue file write error\r\n221 ")
	    != NULL);
	CHECK(smtp_session_messages(s) == 1);
	smtp_session_destroy(&s);
	smtp_session_destroy(&s);	/* NULL-safe */
}

/* step - feed text in pieces, process until starved or a message;
 * returns the last event */
static enum smtp_event
step(struct smtp_session *s, const char *p, size_t n)
{
	enum smtp_event ev;
	size_t off = 0;

	do {
		size_t k = n - off > 8192 ? 8192 : n - off;

		CHECK(smtp_session_feed(s, p + off, k) == 0);
		off += k;
		ev = smtp_session_process(s);
	} while (off < n && ev != SMTP_EV_MESSAGE);
	return ev;
}

/* said - the queued replies hold want; they are consumed */
static int
said(struct smtp_session *s, const char *want)
{
	size_t n;
	const char *o = smtp_session_output(s, &n);
	int r = strstr(o, want) != NULL;

	smtp_session_consumed(s, n);
	return r;
}

/* body - n bytes of message data, lines of 78 */
static char *
body(size_t n)
{
	char *b = malloc(n + 1);

	for (size_t i = 0; i < n; i++)
		b[i] = i % 80 == 78 ? '\r' : i % 80 == 79 ? '\n' : 'x';
	b[n] = '\0';
	return b;
}

/* test_budget - [server] max_buffered: MAIL with SIZE reserves, MAIL
 * without needs a start's room, data that cannot grow is dropped and
 * answered 452 4.3.1 at its end; every byte is given back */
static void
test_budget(void)
{
	struct smtp_budget b = { .limit = 300000 };
	struct smtp_session *a, *c;
	const char *hello = EHLO;
	const char *rcpt = "RCPT TO:<support@example.com>\r\nDATA\r\n";
	char *big = body(200000), *mid = body(100000), *huge = body(240080);
	size_t charge;

	params.max_size = 240000;
	params.budget = &b;
	a = smtp_session_create(&params, NULL, NULL);
	c = smtp_session_create(&params, NULL, NULL);
	step(a, hello, strlen(hello));
	step(c, hello, strlen(hello));

	/* SIZE= reserves its buffer at MAIL: 200000 bytes need 262144 */
	step(a, "MAIL FROM:<a@example.net> SIZE=200000\r\n", 39);
	CHECK(said(a, "250 2.1.0"));
	CHECK(b.used == 262144);
	step(c, "MAIL FROM:<c@example.net> SIZE=100000\r\n", 39);
	CHECK(said(c, "452 4.3.1 Insufficient system storage\r\n"));
	step(c, "MAIL FROM:<c@example.net>\r\n", 27);
	CHECK(said(c, "452 4.3.1 Insufficient system storage\r\n"));
	CHECK(b.refused == 2);
	step(a, "RSET\r\n", 6);
	CHECK(b.used == 0);

	/* in DATA: c gets in first, a takes the room, c cannot grow */
	step(c, "MAIL FROM:<c@example.net>\r\n", 27);
	step(c, rcpt, strlen(rcpt));
	CHECK(said(c, "354 "));
	step(a, "MAIL FROM:<a@example.net>\r\n", 27);
	step(a, rcpt, strlen(rcpt));
	CHECK(said(a, "354 "));
	step(a, big, 200000);
	CHECK(b.used == 262144);
	step(c, mid, 100000);
	CHECK(b.used == 262144);	/* c holds nothing */
	CHECK(step(c, ".\r\n", 3) == SMTP_EV_NONE);
	CHECK(said(c, "452 4.3.1 Insufficient system storage\r\n"));
	CHECK(smtp_session_idle(c));
	CHECK(step(a, ".\r\n", 3) == SMTP_EV_MESSAGE);
	CHECK(smtp_session_data(a)->len == 200000);
	/* the daemon takes the data and its charge over ... */
	charge = smtp_session_take_charge(a);
	CHECK(charge == 262144);
	free(buf_detach(smtp_session_data(a), NULL));
	smtp_session_reply(a, "250 2.0.0 Ok: queued as A");
	CHECK(b.used == 262144);	/* ... until the job is freed */
	smtp_budget_give(&b, charge);
	CHECK(b.used == 0);

	/* once released, the retry goes through */
	step(c, "MAIL FROM:<c@example.net>\r\n", 27);
	step(c, rcpt, strlen(rcpt));
	step(c, mid, 100000);
	CHECK(step(c, ".\r\n", 3) == SMTP_EV_MESSAGE);
	CHECK(smtp_session_data(c)->len == 100000);
	smtp_session_reply(c, "250 2.0.0 Ok: queued as C");
	CHECK(b.used == 0);

	/* too big stays 552 (permanent), whatever the budget says */
	b.limit = 100000;
	step(c, "MAIL FROM:<c@example.net>\r\n", 27);
	step(c, rcpt, strlen(rcpt));
	step(c, huge, 240080);
	step(c, ".\r\n", 3);
	CHECK(said(c, "552 5.3.4"));
	CHECK(b.used == 0);

	/* a session destroyed mid-data gives its charge back */
	b.limit = 300000;
	step(c, "MAIL FROM:<c@example.net>\r\n", 27);
	step(c, rcpt, strlen(rcpt));
	step(c, mid, 100000);
	CHECK(b.used == 131072);
	smtp_session_destroy(&c);
	smtp_session_destroy(&a);
	CHECK(b.used == 0);
	free(big);
	free(mid);
	free(huge);
	reset_params();
}

int
main(void)
{
	reset_params();
	test_basic();
	test_commands();
	test_size();
	test_smuggling();
	test_starttls();
	test_relay();
	test_xforward();
	test_limits();
	test_pending();
	test_budget();
	return harness_done();
}
