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
 *      retries, bounces or dead-letters it).  The envelope sender is the
 *      message's first Return-Path, else Sender, else From
 *      (fetch_sender, as fetchmail does);
 *   5. store_fetch_mark + store_fetch_set (the UID is done);
 *   6. the server is told: \Seen, moved (UID MOVE, else COPY + \Deleted +
 *      UID EXPUNGE) or deleted, as after = says, in batches of up to 50
 *      UIDs (a flag change costs the server an index write), always
 *      before the next 50 are stored and at the end of each pass.
 * First run: an account with no state in the store yet takes, with
 * first_run = unseen, only messages without \Seen (read before scrubgate
 * was set up: left untouched whatever after says).  Until that pass has
 * gone through the folder step 5 stores only the Message-ID (the skipped
 * messages leave gaps below processed UIDs), so an interrupted first run
 * is a first run again; at its end the highest UID listed is stored.
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
/* which header gave the envelope sender (fetch_sender) */
enum {
	FETCH_SENDER_NONE,		/* none usable: out is "" (<>) */
	FETCH_SENDER_RETURN_PATH,	/* the first Return-Path ("" for <>) */
	FETCH_SENDER_SENDER,		/* the first Sender */
	FETCH_SENDER_FROM		/* the first mailbox of the first From */
};
/* fetch_sender - the envelope sender to forward msg with, chosen as
 * fetchmail does: the address of the first Return-Path (recorded by the
 * MTA that delivered into the mailbox; <> stays <>), else of Sender, else
 * of From.  Each field is parsed by libetpan (mailimf_fields_parse) and
 * the address must pass fetch_reverse_path_ok, else the next one is
 * tried.  The address into out (n bytes; "" for <>); a FETCH_SENDER_ */
int fetch_sender(const char *msg, size_t len, char *out, size_t n);
/* fetch_reverse_path_ok - 1 when a (without angle brackets) is an RFC 5321
 * Mailbox fit for MAIL FROM: Dot-string or Quoted-string local part of at
 * most 64 octets, a domain name or address literal of at most 255, 254 in
 * all; ASCII, no control characters, no CR or LF */
int fetch_reverse_path_ok(const char *a);
/* fetch_password - the password from password_file (first line; the file
 * must not be readable by group or others) or password_env; -1 with err */
int fetch_password(const struct config *c, const struct account_cfg *a,
    char *out, size_t n, char *err, size_t errlen);

#endif
