/* deliver - hand one scrubbed message to its route's next hop.
 *
 * A route's next_hop is a URL:
 *   smtp://host[:port]      SMTP (default port 25), STARTTLS
 *   smtps://host[:port]     SMTP over TLS from the start (default 465)
 *   lmtp://host[:port]      LMTP over TCP (default 24), STARTTLS
 *   lmtp:/path/to/socket    LMTP on a Unix socket (no TLS: local)
 *   maildir:/path           a Maildir (tmp -> fsync -> rename into new/)
 *   mbox:/path              an mbox (fcntl + dotlock, mboxrd, fsync)
 *   imap://user@host[:port]/Folder   IMAP APPEND (STARTTLS), \Seen off
 *   imaps://user@host[:port]/Folder  the same over TLS from the start
 *   sendmail:/usr/sbin/sendmail      `sendmail -G -i -f SENDER -- RCPT...`
 * The route's tls (required | none) applies to smtp, lmtp (TCP) and imap:
 * required means STARTTLS or TLS, the chain verified against ca_file or
 * the system store and the host name checked (tls_client.h); a hop that
 * cannot do that is a temporary failure, never a plain-text fallback.
 *
 * deliver() fills one result per envelope recipient: a reply code
 * (2xx delivered, 4xx try again later, 5xx permanent) and the reply line
 * (the next hop's, or our own reason in the same shape).  Network, TLS,
 * file system and configuration trouble is 4xx: the message waits.
 * Reply texts are printable and bounded; they name no recipient.
 */
#ifndef SCRUBGATE_DELIVER_H
#define SCRUBGATE_DELIVER_H

#include <stddef.h>

#include "envelope.h"

struct config;
struct route_cfg;

enum hop_kind {
	HOP_SMTP, HOP_SMTPS, HOP_LMTP, HOP_MAILDIR, HOP_MBOX, HOP_IMAP,
	HOP_IMAPS, HOP_SENDMAIL
};

struct next_hop {
	enum hop_kind kind;
	char host[256];		/* or the Unix socket path for lmtp:/path */
	char port[8];
	char path[1024];	/* maildir, mbox, sendmail */
	char user[256];		/* imap */
	char folder[256];	/* imap, default INBOX */
	int tls;		/* 1 required, 0 none */
};

#define DELIVER_REPLY_MAX 256

struct deliver_rcpt {
	int code;			/* 250, 451, 550 ... */
	char reply[DELIVER_REPLY_MAX];	/* "550 5.1.1 User unknown" */
};

struct deliver_result {
	size_t nrcpts;
	struct deliver_rcpt *rcpt;	/* one per env->rcpts, same order */
	char relay[300];		/* for the log: host[addr]:port, path */
	char tls[96];			/* "TLSv1.3 ..." or "plain" or "" */
};

/* deliver_setup - the configuration deliver() reads ([delivery] timeout,
 * helo_name, ca_file; paths resolved against the config's directory);
 * call once before deliver (c must outlive the calls) */
void deliver_setup(const struct config *c);

/* deliver_parse_hop - parse next_hop (and tls) of a route; -1 with err */
int deliver_parse_hop(const char *url, const char *tls, struct next_hop *h,
    char *err, size_t errlen);

/* deliver - one attempt for every recipient of env; 0 when all got 2xx,
 * 1 when some did not (see res), -1 out of memory (res holds 4xx) */
int deliver(const struct route_cfg *r, const struct envelope *env,
    const char *msg, size_t len, struct deliver_result *res);
/* deliver_hop - the same for an explicit hop (bounce relay) */
int deliver_hop(const struct next_hop *h, const char *ca_file,
    const char *password_file, const struct envelope *env, const char *msg,
    size_t len, struct deliver_result *res);
void deliver_result_free(struct deliver_result *res);

/* deliver_keep_connections - on: an SMTP/LMTP connection stays open
 * after a message and serves the next one to the same hop (RSET first;
 * a connection that went stale is replaced transparently); off: QUIT and
 * close what is open.  Off by default (one connection per message). */
void deliver_keep_connections(int on);

/* deliver_class - 2, 4 or 5 of a reply code (anything odd: 4) */
int deliver_class(int code);

/* for the per-kind clients (deliver_smtp.c, deliver_file.c,
 * deliver_imap.c): set every recipient still without a reply */
void deliver_fail_all(struct deliver_result *res, int code,
    const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void deliver_set(struct deliver_result *res, size_t i, int code,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* deliver_timeout / deliver_helo - from the configuration */
unsigned deliver_timeout(void);
const char *deliver_helo(void);

int deliver_smtp(const struct next_hop *h, const char *ca_file,
    const struct envelope *env, const char *msg, size_t len,
    struct deliver_result *res);
int deliver_maildir(const struct next_hop *h, const struct envelope *env,
    const char *msg, size_t len, struct deliver_result *res);
int deliver_mbox(const struct next_hop *h, const struct envelope *env,
    const char *msg, size_t len, struct deliver_result *res);
int deliver_sendmail(const struct next_hop *h, const struct envelope *env,
    const char *msg, size_t len, struct deliver_result *res);
int deliver_imap(const struct next_hop *h, const char *ca_file,
    const char *password_file, const struct envelope *env, const char *msg,
    size_t len, struct deliver_result *res);

#endif
