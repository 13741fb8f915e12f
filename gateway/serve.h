/* serve - `scrubgate serve`: the SMTP gateway daemon.
 *
 * Start-up: load and check the configuration, open the log, bind
 * [server] listen, drop to [server] user when started as root (before
 * any client byte is read), open the spool, check that the ticket store
 * opens (each pool slot then opens its own), start the delivery queue
 * manager (qmgr) as a child, then run the event loop (smtpd.h) until
 * SIGTERM.  Errors before the loop are one line on stderr and a
 * sysexits code; after that everything goes to the log.
 *
 * SIGHUP restarts the queue manager with the new configuration
 * (serve_qmgr_spawn): the server is multi-threaded by then, so the new
 * one is not a plain fork but this program exec'd again as
 * `scrubgate serve --qmgr-child [-c CONF] [--syslog]`, which loads the
 * configuration and runs only the queue manager loop (qmgr_loop).  It
 * waits for SPOOL/qmgr.lock, which the old one releases once its
 * deliveries in flight have ended, so two never work the spool at once.
 */
#ifndef SCRUBGATE_SERVE_H
#define SCRUBGATE_SERVE_H

struct serve_opts {
	const char *config;	/* -c, NULL: built-in defaults */
	int syslog;		/* --syslog: log to syslog, else stderr */
	int no_qmgr;		/* --no-deliver: accept and spool only */
	int qmgr_child;		/* --qmgr-child: only the queue manager */
};

/* serve_run - the whole command; returns the exit code */
int serve_run(const struct serve_opts *o);

/* serve_qmgr_spawn - start a queue manager on the configuration file as
 * it is now (fork + exec of --qmgr-child; safe in a threaded process);
 * its pid, or -1.  Its SIGUSR1/SIGUSR2 (kicks) stay pending until its
 * loop runs; it gets SIGTERM when the calling thread ends. */
int serve_qmgr_spawn(void);

#endif
