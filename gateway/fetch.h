/* fetch - `scrubgate fetch [-c CONF] [--once] [--account NAME]`: poll IMAP
 * mailboxes ([account NAME] sections), scrub what arrives and forward it
 * to the account's route.
 *
 * Exactly once: the folder's UIDVALIDITY and the last UID processed are
 * kept per account in the ticket store (store_fetch_get/set), and every
 * processed message's Message-ID (or, without one, a SHA-256 of its bytes)
 * is remembered (store_fetch_mark).  Per message, in this order:
 *   1. UID FETCH BODY.PEEK[] (the size was checked first: a message over
 *      max_message_size is quarantined, never loaded);
 *   2. already processed (store_fetch_seen)?  then go to 5;
 *   3. scrub in the worker (a worker crash or timeout is retried twice);
 *      a message the scrubber rejects is moved to quarantine_folder on
 *      the server (never forwarded) and goes to 6;
 *   4. ticket_apply, then deliver() to the route's next hop; when that
 *      is not a 2xx for every recipient, spool_put (durable; the queue
 *      retries, bounces or dead-letters it);
 *   5. store_fetch_mark + store_fetch_set (the UID is done);
 *   6. the server is told: \Seen, moved (UID MOVE, else COPY + \Deleted +
 *      UID EXPUNGE) or deleted, as after = says, in batches of up to 50
 *      UIDs (a flag change costs the server an index write), always
 *      before the next 50 are stored and at the end of each pass.
 * A crash or a lost connection between 5 and 6 leaves processed messages
 * unmarked, only among the last 50 UIDs: each session starts by marking
 * those still in the folder (unseen, for after = seen).  A UIDVALIDITY
 * change restarts from UID 1 and skips, by Message-ID, what was processed
 * before: nothing is skipped unseen and nothing forwarded twice.  (A
 * crash between the next hop's acceptance and step 5 may forward that
 * one message again: at least once, as for the spool.)
 *
 * Without --once: IDLE where the server offers it (re-issued every 25
 * minutes; a wake-up is a hint to fetch from the last UID), polling every
 * poll_interval otherwise; network errors reconnect with back-off (1 s
 * doubling to 5 min).  Several accounts run in one child process each.
 * SIGTERM/SIGINT stop after the message in hand.
 *
 * Exit codes (--once): 0 every account done; 75 an account failed
 * (network, store, spool: try again later); 78 configuration.
 * Log lines go to stderr (scrubgate/fetch), no addresses.
 */
#ifndef SCRUBGATE_FETCH_H
#define SCRUBGATE_FETCH_H

#include <stddef.h>

struct config;
struct account_cfg;

struct fetch_opts {
	const char *config;	/* -c */
	const char *account;	/* --account NAME, NULL: all */
	int once;		/* --once */
};

/* fetchcmd_main - parse the command line (argv[0] is "fetch") and run */
int fetchcmd_main(int argc, char **argv);
/* fetch_run - the whole command; the exit code */
int fetch_run(const struct fetch_opts *o);

/* fetch_check_account - the account's settings make sense; -1 with err */
int fetch_check_account(const struct config *c, const struct account_cfg *a,
    char *err, size_t errlen);
/* fetch_dedup_key - the Message-ID of msg's top-level header (trimmed),
 * or "sha256:" and the hex digest of msg; into out */
void fetch_dedup_key(const char *msg, size_t len, char *out, size_t n);
/* fetch_password - the password from password_file (first line; the file
 * must not be readable by group or others) or password_env; -1 with err */
int fetch_password(const struct config *c, const struct account_cfg *a,
    char *out, size_t n, char *err, size_t errlen);

#endif
