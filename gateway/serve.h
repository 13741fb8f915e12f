/* serve - `scrubgate serve`: the SMTP gateway daemon.
 *
 * Start-up: load and check the configuration, open the log, bind
 * [server] listen, drop to [server] user when started as root (before
 * any client byte is read), open the spool, check that the ticket store
 * opens (each pool slot then opens its own), start the delivery queue
 * manager (qmgr) as a child, then run the event loop (smtpd.h) until
 * SIGTERM.  Errors before the loop are one line on stderr and a
 * sysexits code; after that everything goes to the log.
 */
#ifndef SCRUBGATE_SERVE_H
#define SCRUBGATE_SERVE_H

struct serve_opts {
	const char *config;	/* -c, NULL: built-in defaults */
	int syslog;		/* --syslog: log to syslog, else stderr */
	int no_qmgr;		/* --no-deliver: accept and spool only */
};

/* serve_run - the whole command; returns the exit code */
int serve_run(const struct serve_opts *o);

#endif
