/* deliver_smtp - the SMTP and LMTP client (RFC 5321, RFC 2033).
 *
 * Written on tls_client's line I/O and OpenSSL rather than on libetpan's
 * mailsmtp: libetpan keeps only the last reply line and no per-recipient
 * text for LMTP, has no BODY=8BITMIME / SMTPUTF8 parameters on MAIL, and
 * its STARTTLS path is GnuTLS without verification.  The client here is
 * small: one command, one reply, no pipelining; one connection per
 * message.
 *
 * Order: greeting, EHLO (LHLO), STARTTLS + EHLO again when tls is
 * required (for smtps:// TLS came first), MAIL FROM with SIZE and
 * BODY=8BITMIME when offered, RCPT per recipient (each reply recorded),
 * DATA, the message (dot-stuffed, line endings sent as CRLF), then one
 * reply (SMTP) or one reply per accepted recipient (LMTP), QUIT.
 */
#include "deliver.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tls_client.h"

#define REPLY_LINE_MAX 1024
#define REPLY_LINES_MAX 100

enum { EXT_STARTTLS = 1, EXT_SIZE = 2, EXT_8BITMIME = 4, EXT_SMTPUTF8 = 8 };

struct smtp_client {
	struct tls_conn *conn;
	int broken;		/* lost, or a reply we could not read */
	const struct next_hop *hop;
	char peer[300];		/* for reasons: host:port or socket path */
	int lmtp;
	unsigned ext;		/* EXT_* from the last EHLO */
	int code;		/* last reply */
	char reply[DELIVER_REPLY_MAX];	/* its last line */
};

/* read_reply - one (multi-line) reply; ehlo: collect extensions.
 * -1 on a lost connection or a malformed reply */
static int
read_reply(struct smtp_client *s, int ehlo)
{
	char line[REPLY_LINE_MAX];

	if (ehlo)
		s->ext = 0;
	for (int n = 0; n < REPLY_LINES_MAX; n++) {
		ssize_t len = tls_conn_read_line(s->conn, line, sizeof(line));
		const char *kw = line + 4;

		if (len < 3 || !isdigit((unsigned char)line[0]) ||
		    !isdigit((unsigned char)line[1]) ||
		    !isdigit((unsigned char)line[2]) ||
		    (len > 3 && line[3] != ' ' && line[3] != '-'))
			return -1;
		s->code = (line[0] - '0') * 100 + (line[1] - '0') * 10 +
		    (line[2] - '0');
		if (ehlo && n > 0 && len > 4) {
			if (strncasecmp(kw, "STARTTLS", 8) == 0)
				s->ext |= EXT_STARTTLS;
			else if (strncasecmp(kw, "SIZE", 4) == 0)
				s->ext |= EXT_SIZE;
			else if (strncasecmp(kw, "8BITMIME", 8) == 0)
				s->ext |= EXT_8BITMIME;
			else if (strncasecmp(kw, "SMTPUTF8", 8) == 0)
				s->ext |= EXT_SMTPUTF8;
		}
		if (len == 3 || line[3] == ' ') {
			snprintf(s->reply, sizeof(s->reply), "%.*s",
			    (int)sizeof(s->reply) - 1, line);
			return 0;
		}
	}
	return -1;
}

/* command - send one command line, read its reply */
static int
command(struct smtp_client *s, int ehlo, const char *fmt, const char *arg)
{
	char line[1200];
	int n = snprintf(line, sizeof(line), fmt, arg);

	if (n < 0 || (size_t)n >= sizeof(line) - 2)
		return -1;
	memcpy(line + n, "\r\n", 3);
	if (tls_conn_write(s->conn, line, (size_t)n + 2) < 0)
		return -1;
	return read_reply(s, ehlo);
}

/* lost - the connection broke or the reply was garbage: 4xx for all */
static void
lost(struct smtp_client *s, struct deliver_result *res, const char *while_)
{
	s->broken = 1;
	deliver_fail_all(res, 451, "451 4.4.2 lost connection with %s while "
	    "%s", s->peer, while_);
}

/* fail_reply - the last reply for every recipient without a result */
static void
fail_reply(struct smtp_client *s, struct deliver_result *res)
{
	int cls = deliver_class(s->code);

	deliver_fail_all(res, cls == 2 ? 451 : s->code, "%s%s", s->reply,
	    cls == 2 ? " (unexpected)" : "");
}

/* hello - EHLO, or LHLO; HELO when EHLO is refused and TLS not needed */
static int
hello(struct smtp_client *s, struct deliver_result *res)
{
	const char *verb = s->lmtp ? "LHLO %s" : "EHLO %s";

	if (command(s, 1, verb, deliver_helo()) < 0) {
		lost(s, res, "sending EHLO");
		return -1;
	}
	if (s->code / 100 == 2)
		return 0;
	if (!s->lmtp && !s->hop->tls && s->code / 100 == 5) {
		if (command(s, 0, "HELO %s", deliver_helo()) < 0) {
			lost(s, res, "sending HELO");
			return -1;
		}
		if (s->code / 100 == 2)
			return 0;
	}
	/* a refused greeting is never a bounce: defer */
	deliver_fail_all(res, 451, "451 4.4.0 %s refused EHLO: %s", s->peer,
	    s->reply);
	return -1;
}

/* starttls - STARTTLS, the verified handshake, EHLO again */
static int
starttls(struct smtp_client *s, const char *ca_file, struct deliver_result *res)
{
	struct tls_client_cfg cfg = { ca_file, deliver_timeout() };
	char err[300];

	if (!(s->ext & EXT_STARTTLS)) {
		deliver_fail_all(res, 451, "451 4.7.4 %s does not offer "
		    "STARTTLS and tls = required", s->peer);
		return -1;
	}
	if (command(s, 0, "STARTTLS%s", "") < 0) {
		lost(s, res, "sending STARTTLS");
		return -1;
	}
	if (s->code != 220) {
		deliver_fail_all(res, 451, "451 4.7.4 %s refused STARTTLS: %s",
		    s->peer, s->reply);
		return -1;
	}
	if (tls_conn_starttls(s->conn, &cfg, s->hop->host, err,
	    sizeof(err)) < 0) {
		deliver_fail_all(res, 451, "451 4.7.5 %s", err);
		return -1;
	}
	return hello(s, res);
}

/* send_body - the message, dot-stuffed, every line ending CRLF, then
 * the terminating dot */
static int
send_body(struct smtp_client *s, const char *msg, size_t len)
{
	char out[65536];
	size_t o = 0;
	int bol = 1;

	for (size_t i = 0; i < len; i++) {
		char ch = msg[i];

		if (o + 4 > sizeof(out)) {
			if (tls_conn_write(s->conn, out, o) < 0)
				return -1;
			o = 0;
		}
		if (bol && ch == '.')
			out[o++] = '.';
		bol = 0;
		if (ch == '\r' || ch == '\n') {
			/* CRLF, bare LF and bare CR all end one line */
			if (ch == '\r' && i + 1 < len && msg[i + 1] == '\n')
				i++;
			out[o++] = '\r';
			out[o++] = '\n';
			bol = 1;
		} else {
			out[o++] = ch;
		}
	}
	if (o + 5 > sizeof(out)) {
		if (tls_conn_write(s->conn, out, o) < 0)
			return -1;
		o = 0;
	}
	if (!bol) {
		out[o++] = '\r';
		out[o++] = '\n';
	}
	memcpy(out + o, ".\r\n", 3);	/* one write with the last bytes */
	return tls_conn_write(s->conn, out, o + 3);
}

/* mail_from - MAIL FROM with the parameters the peer offered */
static int
mail_from(struct smtp_client *s, const struct envelope *env, size_t len)
{
	char cmd[700];

	snprintf(cmd, sizeof(cmd), "MAIL FROM:<%s>", env->sender ?
	    env->sender : "");
	if (s->ext & EXT_SIZE)
		snprintf(cmd + strlen(cmd), sizeof(cmd) - strlen(cmd),
		    " SIZE=%zu", len);
	if ((s->ext & EXT_8BITMIME) && env->body_8bit)
		strncat(cmd, " BODY=8BITMIME", sizeof(cmd) - strlen(cmd) - 1);
	if ((s->ext & EXT_SMTPUTF8) && env->smtputf8)
		strncat(cmd, " SMTPUTF8", sizeof(cmd) - strlen(cmd) - 1);
	return command(s, 0, "%s", cmd);
}

/* transaction - MAIL, RCPT..., DATA, message, final reply(s) */
static void
transaction(struct smtp_client *s, const struct envelope *env,
    const char *msg, size_t len, struct deliver_result *res)
{
	size_t accepted = 0;

	if (mail_from(s, env, len) < 0) {
		lost(s, res, "sending MAIL FROM");
		return;
	}
	if (s->code / 100 != 2) {
		fail_reply(s, res);
		return;
	}
	for (size_t i = 0; i < env->nrcpts; i++) {
		if (command(s, 0, "RCPT TO:<%s>", env->rcpts[i]) < 0) {
			lost(s, res, "sending RCPT TO");
			return;
		}
		if (s->code / 100 == 2)
			accepted++;
		else
			deliver_set(res, i, s->code, "%s", s->reply);
	}
	if (accepted == 0)
		return;
	if (command(s, 0, "DATA%s", "") < 0) {
		lost(s, res, "sending DATA");
		return;
	}
	if (s->code != 354) {
		fail_reply(s, res);
		return;
	}
	if (send_body(s, msg, len) < 0) {
		lost(s, res, "sending message body");
		return;
	}
	/* SMTP: one reply for all; LMTP: one per accepted recipient */
	for (size_t i = 0; i < env->nrcpts; i++) {
		if (res->rcpt[i].code != 0)
			continue;
		if (read_reply(s, 0) < 0) {
			lost(s, res, "waiting for the end-of-data reply");
			return;
		}
		if (!s->lmtp) {		/* every accepted recipient */
			deliver_fail_all(res, s->code, "%s", s->reply);
			return;
		}
		deliver_set(res, i, s->code, "%s", s->reply);
	}
}

/* the connection kept for the next message (deliver_keep_connections) */
static struct {
	int keep;
	struct tls_conn *conn;
	struct next_hop hop;
	char ca[1024];
	unsigned ext;
	char tls[96];
} cached;

/* drop_cached - QUIT and close the kept connection */
static void
drop_cached(void)
{
	if (cached.conn != NULL) {
		struct smtp_client s;

		memset(&s, 0, sizeof(s));
		s.conn = cached.conn;
		command(&s, 0, "QUIT%s", "");
		tls_conn_free(&cached.conn);
	}
}

/* deliver_keep_connections - keep connections between messages, or not */
void
deliver_keep_connections(int on)
{
	if (!on)
		drop_cached();
	cached.keep = on;
}

/* reuse - take the kept connection if it goes to h (with the same CA)
 * and still answers RSET; 1 reused, 0 not */
static int
reuse(struct smtp_client *s, const struct next_hop *h, const char *ca_file,
    struct deliver_result *res)
{
	if (cached.conn == NULL)
		return 0;
	if (memcmp(&cached.hop, h, sizeof(*h)) != 0 ||
	    strcmp(cached.ca, ca_file ? ca_file : "") != 0) {
		drop_cached();
		return 0;
	}
	s->conn = cached.conn;
	cached.conn = NULL;
	s->ext = cached.ext;
	if (command(s, 0, "RSET%s", "") == 0 && s->code / 100 == 2) {
		snprintf(res->tls, sizeof(res->tls), "%s", cached.tls);
		return 1;
	}
	tls_conn_free(&s->conn);	/* stale: a new connection */
	return 0;
}

/* keep_or_quit - after a message: keep the connection, or QUIT */
static void
keep_or_quit(struct smtp_client *s, const struct next_hop *h,
    const char *ca_file, const struct deliver_result *res)
{
	if (cached.keep && !s->broken && s->conn != NULL &&
	    snprintf(cached.ca, sizeof(cached.ca), "%s", ca_file ? ca_file :
	    "") < (int)sizeof(cached.ca)) {
		cached.conn = s->conn;
		cached.hop = *h;
		cached.ext = s->ext;
		snprintf(cached.tls, sizeof(cached.tls), "%s", res->tls);
		s->conn = NULL;
		return;
	}
	if (s->conn != NULL && !s->broken)
		command(s, 0, "QUIT%s", "");	/* its reply does not matter */
}

/* deliver_smtp - one message over SMTP or LMTP */
int
deliver_smtp(const struct next_hop *h, const char *ca_file,
    const struct envelope *env, const char *msg, size_t len,
    struct deliver_result *res)
{
	struct tls_client_cfg cfg = { ca_file, deliver_timeout() };
	struct smtp_client s;
	char err[300];

	memset(&s, 0, sizeof(s));
	s.hop = h;
	s.lmtp = h->kind == HOP_LMTP;
	if (h->host[0] == '/')
		snprintf(s.peer, sizeof(s.peer), "%s", h->host);
	else
		snprintf(s.peer, sizeof(s.peer), "%s:%s", h->host, h->port);
	snprintf(res->relay, sizeof(res->relay), "%s", s.peer);
	if (reuse(&s, h, ca_file, res)) {
		transaction(&s, env, msg, len, res);
		keep_or_quit(&s, h, ca_file, res);
		tls_conn_free(&s.conn);
		return 0;
	}
	if ((s.conn = tls_conn_connect(h->host, h->port, deliver_timeout(),
	    err, sizeof(err))) == NULL) {
		deliver_fail_all(res, 451, "451 4.4.1 %s", err);
		return 1;
	}
	if (h->kind == HOP_SMTPS && tls_conn_starttls(s.conn, &cfg, h->host,
	    err, sizeof(err)) < 0) {
		deliver_fail_all(res, 451, "451 4.7.5 %s", err);
		goto done;
	}
	if (read_reply(&s, 0) < 0) {
		lost(&s, res, "receiving the initial greeting");
		goto done;
	}
	if (s.code / 100 != 2) {
		deliver_fail_all(res, 451, "451 4.4.0 %s greeted us with: %s",
		    s.peer, s.reply);
		goto done;
	}
	if (hello(&s, res) < 0)
		goto done;
	if (h->tls && h->kind != HOP_SMTPS && starttls(&s, ca_file, res) < 0)
		goto done;
	tls_conn_info(s.conn, res->tls, sizeof(res->tls));
	transaction(&s, env, msg, len, res);
	keep_or_quit(&s, h, ca_file, res);
	tls_conn_free(&s.conn);
	return 0;
done:
	tls_conn_free(&s.conn);
	return 0;
}
