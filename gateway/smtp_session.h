/* smtp_session - the ESMTP server protocol (RFC 5321) as a pure state
 * machine: bytes in, replies out, events up.  No sockets, no clocks, no
 * files, so it can be unit-tested and fuzzed in-process; the daemon
 * (smtpd.c) moves the bytes and acts on the events.
 *
 *   smtp_session_feed(s, bytes)     append what the peer sent
 *   smtp_session_process(s)         run the protocol; returns an event:
 *     SMTP_EV_NONE      nothing to do until more input (or output drained)
 *     SMTP_EV_MESSAGE   end of data: the envelope and the message are
 *                       ready (smtp_session_envelope / smtp_session_data);
 *                       input is held until smtp_session_reply() answers
 *     SMTP_EV_STARTTLS  "220 Ready to start TLS" is queued and every byte
 *                       after the STARTTLS line was discarded; the caller
 *                       flushes the output, runs the handshake, then calls
 *                       smtp_session_tls_started()
 *     SMTP_EV_CLOSE     QUIT or a fatal limit: flush the output, close
 *   smtp_session_output(s, &len) / smtp_session_consumed(s, n)
 *
 * Protocol rules kept here: commands from a table; HELO/EHLO before MAIL;
 * extensions PIPELINING, SIZE (announced, enforced with 552 5.3.4),
 * 8BITMIME, ENHANCEDSTATUSCODES, STARTTLS (when the caller can), SMTPUTF8,
 * XFORWARD (trusted peers only); RCPT only for configured mailboxes;
 * <CRLF>.<CRLF> is the only end of data, and a bare CR or LF anywhere in
 * the data makes the whole message (up to that real end) a 554, so one
 * message can never be split into two (SMTP smuggling).  Command lines
 * may end in LF or CRLF; a bare CR inside one is a syntax error.
 *
 * Every count and size is bounded by struct smtp_params; errors count
 * towards max_errors, commands towards max_commands, and either limit
 * ends the session with 421.
 *
 * Memory across sessions: the buffer a transaction's data grows in is
 * charged to a struct smtp_budget shared by every session of the daemon
 * ([server] max_buffered), by its allocated size.  MAIL is refused with
 * "452 4.3.1 Insufficient system storage" when the budget cannot take
 * what SIZE= announces (without SIZE: when less than SMTP_BUDGET_ADMIT
 * bytes are left); a message whose buffer cannot grow during DATA is
 * dropped from memory at once, the rest of it is read and thrown away
 * up to the real end of data, and it is answered with the same 452.
 * Nothing is ever accepted that was not kept.
 *
 * The message is kept as received on the wire minus dot-stuffing: CRLF
 * line endings, the terminating ".CRLF" not included.
 */
#ifndef SCRUBGATE_SMTP_SESSION_H
#define SCRUBGATE_SMTP_SESSION_H

#include <stddef.h>

#include "buf.h"
#include "envelope.h"

struct route_cfg;

/* smtp_budget - bytes of message data all sessions (and the jobs made
 * from their messages) may hold at once; owned by the daemon, one
 * thread */
struct smtp_budget {
	size_t limit;			/* 0: no limit */
	size_t used;
	unsigned long refused;		/* takes that failed, ever */
};

#define SMTP_BUDGET_ADMIT (64 * 1024)	/* room MAIL without SIZE needs */

/* smtp_budget_take - charge n bytes; 0, or -1 (nothing charged) when
 * that would pass the limit; smtp_budget_give - give n back */
int smtp_budget_take(struct smtp_budget *b, size_t n);
void smtp_budget_give(struct smtp_budget *b, size_t n);

struct smtp_params {
	const char *hostname;		/* in the greeting and EHLO; borrowed */
	size_t line_max;		/* longest command line, CRLF included */
	unsigned max_commands;		/* per session */
	unsigned max_errors;		/* rejected commands per session */
	unsigned max_rcpts;		/* recipients per message */
	size_t max_size;		/* message bytes (SIZE) */
	int tls_available;		/* STARTTLS can be offered */
	int trusted;			/* peer may send XFORWARD */
	const struct route_cfg *routes;	/* mailboxes served; borrowed */
	size_t nroutes;
	struct smtp_budget *budget;	/* shared; NULL: unbounded; borrowed */
};

enum smtp_event {
	SMTP_EV_NONE,
	SMTP_EV_MESSAGE,
	SMTP_EV_STARTTLS,
	SMTP_EV_CLOSE
};

struct smtp_session;

/* smtp_session_create - a session for a peer; p is copied (its pointers
 * are borrowed and must outlive the session).  client_addr/name may be
 * NULL.  NULL when out of memory. */
struct smtp_session *smtp_session_create(const struct smtp_params *p,
    const char *client_addr, const char *client_name);
void smtp_session_destroy(struct smtp_session **s);

/* smtp_session_greet - queue the 220 greeting */
void smtp_session_greet(struct smtp_session *s);
/* smtp_session_shutdown - queue a final reply (e.g. "421 4.3.2 ...")
 * and go to the closed state: further input is ignored */
void smtp_session_shutdown(struct smtp_session *s, const char *reply);

/* smtp_session_feed - append input; -1 when the input buffer is full
 * (the caller should have stopped reading: see smtp_session_want_input) */
int smtp_session_feed(struct smtp_session *s, const void *p, size_t n);
/* smtp_session_want_input - 0 while the session holds enough unprocessed
 * input (a message is pending, or replies pile up unread) */
int smtp_session_want_input(const struct smtp_session *s);
/* smtp_session_process - run the protocol over the buffered input */
enum smtp_event smtp_session_process(struct smtp_session *s);

/* smtp_session_output - the queued reply bytes (valid until the next
 * call into the session); smtp_session_consumed - n of them were sent */
const char *smtp_session_output(const struct smtp_session *s, size_t *len_r);
void smtp_session_consumed(struct smtp_session *s, size_t n);

/* after SMTP_EV_MESSAGE: the envelope (route, sender, recipients, client
 * facts) and the message bytes; both belong to the session until
 * smtp_session_reply.  The caller may take the data over with
 * buf_detach. */
struct envelope *smtp_session_envelope(struct smtp_session *s);
struct buf *smtp_session_data(struct smtp_session *s);
/* smtp_session_take_charge - with the data (buf_detach) the caller takes
 * over what it is charged to the budget: the bytes returned, to be given
 * back (smtp_budget_give) when the data is freed */
size_t smtp_session_take_charge(struct smtp_session *s);
/* smtp_session_reply - the final reply to the message ("250 2.0.0 Ok:
 * queued as ID" without CRLF); ends the transaction and resumes input */
void smtp_session_reply(struct smtp_session *s, const char *reply);

/* smtp_session_tls_started - after a successful handshake: back to the
 * initial state (RFC 3207: forget HELO and everything else) */
void smtp_session_tls_started(struct smtp_session *s);

/* state queries for the daemon */
int smtp_session_idle(const struct smtp_session *s);	/* no transaction */
int smtp_session_pending(const struct smtp_session *s);	/* message out */
int smtp_session_closed(const struct smtp_session *s);
unsigned smtp_session_messages(const struct smtp_session *s);

/* smtp_route_of - index of the route serving addr (an addr-spec, no
 * brackets), or -1.  Strict: dot-atom local part without '%' or '!',
 * plain domain without trailing dot; ASCII case-insensitive. */
long smtp_route_of(const struct route_cfg *routes, size_t nroutes,
    const char *addr);

#endif
