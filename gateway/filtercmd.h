/* filtercmd - `scrubgate filter`: Postfix's simple (pipe) content filter.
 *
 *   master.cf:  scrubgate unix - n n - 10 pipe flags=q user=scrubgate
 *                 null_sender= argv=/usr/local/bin/scrubgate filter
 *                 -c /etc/scrubgate/scrubgate.conf -f ${sender} -- ${recipient}
 *
 * The message arrives on stdin (read whole into memory, bounded by
 * [limits] max_message_size), our own X-Scrubgate-* header fields are
 * removed from it (nobody outside may forge a ticket id or a verdict), the
 * envelope recipients the header's Cc/Bcc named and the recipient policy
 * does not allow are dropped, the rest is scrubbed by the worker, threaded
 * onto a ticket, and reinjected with
 *   SENDMAIL -G -i -f SENDER -- RCPT...
 * or handed to [filter] next_hop over SMTP/LMTP.
 *
 * Exit codes are what Postfix's pipe(8) expects (sysexits.h):
 *   0   only after the reinjection succeeded (sendmail exited 0, the next
 *       hop accepted every recipient);
 *   75  EX_TEMPFAIL for anything that may go away: worker timeout or
 *       crash, sendmail failure, store busy, a bad configuration or command
 *       line (an operator's mistake defers mail, it never bounces it);
 *   65  EX_DATAERR: the message cannot be scrubbed (or is too large);
 *   69  EX_UNAVAILABLE: no recipient is left after the Cc/Bcc policy.
 * Every failure prints exactly one line on stderr, which Postfix puts in
 * the bounce or the defer log; events go to syslog (mail facility), never
 * to stderr, with addresses only as pseudonyms.
 */
#ifndef SCRUBGATE_FILTERCMD_H
#define SCRUBGATE_FILTERCMD_H

#include <stddef.h>

#include "buf.h"
#include "envelope.h"

struct config;
struct policy_spec;

struct filter_opts {
	const char *config;	/* -c, NULL: built-in defaults */
	const char *sender;	/* -f, "" is the null sender */
	char *const *rcpts;	/* after "--" */
	size_t nrcpts;
};

/* filtercmd_main - parse "[-c FILE] -f SENDER -- RCPT..." (argv[0] is
 * "filter") and run; a usage error exits EX_TEMPFAIL (see above) */
int filtercmd_main(int argc, char **argv);

/* filtercmd_run - the whole command; returns the exit code */
int filtercmd_run(const struct filter_opts *o);

/* filter_read_all - read fd to its end into out; -1 with errno on a read
 * error, -2 when it holds more than max bytes (out is then partial) */
int filter_read_all(int fd, size_t max, struct buf *out);

/* filter_strip_own - msg[0, len) without the X-Scrubgate-* fields of its
 * top-level header, byte for byte otherwise, appended to out; returns the
 * number of fields removed, -1 when out is full */
int filter_strip_own(const char *msg, size_t len, struct buf *out);

/* filter_drop_recipients - remove from env the recipients that the
 * top-level Cc, Bcc, Resent-Cc or Resent-Bcc field of msg names, that no
 * To / Resent-To field names, that spec's cc_allow does not allow and that
 * are not a mailbox of one of c's routes; returns how many were removed */
size_t filter_drop_recipients(const struct config *c,
    const struct policy_spec *spec, const char *msg, size_t len,
    struct envelope *env);

/* filter_sendmail - run path -G -i -f SENDER -- RCPT... with msg on its
 * stdin; 0 when it exited 0 within timeout_s seconds, else -1 with err
 * (one line: what happened and the first line it printed).  Ignores
 * SIGPIPE process-wide. */
int filter_sendmail(const char *path, const struct envelope *env,
    const char *msg, size_t len, unsigned long long timeout_s, char *err,
    size_t errlen);

#endif
