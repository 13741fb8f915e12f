/* store - the ticket store: the one module through which tickets,
 * messages, parties, the audit trail and the IMAP fetch state are read
 * and written.  Today's backend is SQLite (store.c); the interface is kept
 * narrow and free of SQL so that a PostgreSQL backend can replace it
 * without touching a caller:
 *
 *   store_open / store_close           one database, one key
 *   store_find_ticket                  threading lookup (ids, then tag)
 *   store_record                       one message, in one transaction
 *   store_delivered                    delivery outcome of a message row
 *   store_list / store_ticket_load     the operator's views
 *   store_export / store_erase / store_purge   the data-subject tools
 *   store_fetch_*                      the IMAP door's UIDVALIDITY state
 *
 * What it keeps of a person is a pseudonym: HMAC-SHA-256 of the
 * normalised address (trimmed, lower-cased) under the key, as 64 hex
 * digits; the plain address only when store_addresses is set.
 * Message-IDs are kept as HMACs too (threading needs only equality).
 * Audit records name the person by a second, separate HMAC ("audit
 * pseudonym"), so erasing a person's rows removes every copy of their
 * pseudonym from the file while the audit trail still proves, to a key
 * holder who is given the address again, what was done.
 *
 * Errors: -1 with err (one line naming the database file and the
 * problem, no personal data) filled.  "database is locked" never reaches
 * a caller: every write transaction is retried with back-off for up to
 * the busy timeout.
 */
#ifndef SCRUBGATE_STORE_H
#define SCRUBGATE_STORE_H

#include <stddef.h>

#include "buf.h"
#include "kinds.h"

struct store;

#define STORE_PSEUDONYM_LEN 64		/* hex digits */
#define STORE_ERR_MAX 512

struct store_opts {
	const char *path;		/* the database file */
	const unsigned char *key;	/* pseudonym key */
	size_t keylen;
	int store_addresses;		/* keep plain addresses next to pseudonyms */
	unsigned busy_timeout_ms;	/* 0: 10000 */
};

/* store_open - open (create) the database, apply forward migrations up to
 * STORE_SCHEMA_VERSION; NULL with err filled */
#define STORE_SCHEMA_VERSION 2
struct store *store_open(const struct store_opts *o, char *err, size_t errlen);
void store_close(struct store **s);
/* for tests: open migrating only up to version; the file's version */
struct store *store_open_upto(const struct store_opts *o, int version,
    char *err, size_t errlen);
int store_schema_version(struct store *s);
/* store_error - the last error line of s (static until the next call) */
const char *store_error(const struct store *s);
/* store_path - the database file */
const char *store_path(const struct store *s);

/* WAL frames after which a connection checkpoints (PRAGMA
 * wal_autocheckpoint, or store_checkpoint_due when deferred) */
#define STORE_CHECKPOINT_PAGES 4000

/* store_defer_checkpoints - this connection's commits no longer copy the
 * WAL back into the database when it holds STORE_CHECKPOINT_PAGES frames (SQLite's
 * wal_autocheckpoint, which runs inside the commit that crosses it and
 * syncs the file): the caller asks store_checkpoint_due after its commits
 * and runs store_checkpoint where nobody waits for it (serve's scrub
 * slots, after handing the message on).  Other connections keep theirs */
void store_defer_checkpoints(struct store *s);
int store_checkpoint_due(const struct store *s);
/* store_checkpoint - a passive checkpoint (never waits for readers or
 * writers): the frames copied back, -1 when another runs (SQLITE_BUSY) */
int store_checkpoint(struct store *s);

/* store_pseudonym - the pseudonym of an address (out: 65 bytes) */
void store_pseudonym(const struct store *s, const char *addr, char *out);
/* store_msgid_hash - the stored form of a Message-ID (angle brackets and
 * surrounding white space ignored); out: 33 bytes */
void store_msgid_hash(const struct store *s, const char *id, size_t len,
    char *out);

/* store_find_ticket - the ticket a message belongs to: a stored message
 * whose Message-ID is one of ids (In-Reply-To first, then References
 * newest first), else tag when a ticket with that number exists.
 * 1 found (*ticket_r, *how_r "in-reply-to"/"references"/"tag"), 0 none,
 * -1 error */
int store_find_ticket(struct store *s, const char *const *ids, size_t nids,
    size_t nreply, unsigned long tag, unsigned long *ticket_r,
    const char **how_r);

struct store_party {
	const char *role;		/* "requester", "to", "cc" */
	const char *addr;		/* plain address (pseudonymised here) */
};

/* one message to record */
struct store_message {
	unsigned long ticket;		/* join this ticket; 0: open a new one */
	unsigned long tag;		/* the Subject's tag, 0: none; with refs
					 * looked up again inside the recording
					 * transaction before a ticket is opened */
	int open_ticket;		/* with ticket == 0: 1 open one, 0 record
					 * without a ticket (dropped auto-reply) */
	const char *route;		/* route name, or NULL */
	const char *mailbox;		/* recipient mailbox (pseudonymised) */
	const char *message_id;		/* raw Message-ID, or NULL */
	const char *const *refs;	/* raw In-Reply-To + References ids */
	size_t nrefs;
	long long received;		/* unix time; 0: now */
	size_t size;			/* bytes forwarded */
	const char *direction;		/* "in" (default), "out" */
	const char *subject;		/* scrubbed Subject (UTF-8), or NULL */
	const char *auto_class;		/* auto-reply class, or NULL: human */
	const char *counts_json;	/* {"email":2,...}, or NULL */
	unsigned stripped_recipients;
	unsigned attachments_dropped;
	const char *sender;		/* requester address, for erase */
	const struct store_party *parties;
	size_t nparties;
};

/* store_record - ticket (new or joined), message, parties in one
 * transaction; *ticket_r the ticket (0: none), *msg_r the message row */
int store_record(struct store *s, const struct store_message *m,
    unsigned long *ticket_r, long long *msg_r);

/* store_delivered - delivery state ("sent", "deferred", "bounced",
 * "dead") and the next hop's reply line of message row msg */
int store_delivered(struct store *s, long long msg, const char *state,
    const char *reply);

/* --- the operator's views ------------------------------------------------ */

struct store_msg_row {
	long long id;
	char message_id[33];		/* the HMAC, not the id */
	long long received;
	unsigned long long size;
	char direction[8];
	char subject[256];
	char auto_class[24];
	char counts[1024];		/* JSON object */
	unsigned stripped_recipients;
	unsigned attachments_dropped;
	char delivery[16];
	char reply[256];
	char sender[STORE_PSEUDONYM_LEN + 1];
};

struct store_party_row {
	char role[16];
	char pseudonym[STORE_PSEUDONYM_LEN + 1];
	char address[256];		/* only with store_addresses */
};

struct store_ticket {
	unsigned long id;
	char status[16];
	char route[65];
	char mailbox[STORE_PSEUDONYM_LEN + 1];
	long long created, last_activity;
	unsigned long nmessages;
	struct store_msg_row *msgs;	/* store_ticket_load only */
	size_t nmsgs;
	struct store_party_row *parties;
	size_t nparties;
};

struct store_filter {
	long long since;		/* last activity >= since; 0: any */
	const char *mailbox;		/* plain address (pseudonymised); NULL: any */
	const char *route;		/* route name; NULL: any */
	const char *status;		/* NULL: any */
};

/* store_list - every ticket matching f, oldest first (no messages) */
int store_list(struct store *s, const struct store_filter *f,
    struct store_ticket **v_r, size_t *n_r);
/* store_ticket_load - one ticket with its messages and parties; 1 found,
 * 0 no such ticket, -1 error */
int store_ticket_load(struct store *s, unsigned long id, struct store_ticket *t);
void store_ticket_free(struct store_ticket *t);
void store_tickets_free(struct store_ticket **v, size_t n);

/* store_export - every ticket addr is a party of, loaded; the parties
 * list holds only addr's own rows.  Writes an audit record. */
int store_export(struct store *s, const char *addr, struct store_ticket **v_r,
    size_t *n_r);

/* what an erase or purge removes (or would) */
struct store_plan {
	unsigned long tickets_deleted;	/* whole tickets */
	unsigned long tickets_kept;	/* kept for their other parties */
	unsigned long messages;
	unsigned long parties;
	unsigned long fetch_ids;	/* processed Message-IDs (purge) */
	struct buf lines;		/* one line per ticket, for --dry-run */
};

void store_plan_free(struct store_plan *p);

/* store_erase - remove addr's records: its party rows, messages it
 * sent, and tickets left without a party; in one transaction, then
 * VACUUM.  dry_run: fill p only.  Writes an audit record (not on a
 * dry run). */
int store_erase(struct store *s, const char *addr, int dry_run,
    struct store_plan *p);
/* store_purge - remove tickets whose last activity is at or before cutoff
 * (unix time), and processed fetch ids seen before it; as store_erase */
int store_purge(struct store *s, long long cutoff, int dry_run,
    struct store_plan *p);

/* --- the IMAP door (fetch) --------------------------------------------- */

/* store_fetch_get - the account's stored UIDVALIDITY and last UID; 0 and
 * both 0 when none stored yet, -1 error */
int store_fetch_get(struct store *s, const char *account,
    unsigned long long *uidvalidity, unsigned long long *last_uid);
/* store_fetch_set - store them; 0 or -1 */
int store_fetch_set(struct store *s, const char *account,
    unsigned long long uidvalidity, unsigned long long last_uid);
/* store_fetch_seen - 1 if message_id was processed for account, 0 if
 * not, -1 error */
int store_fetch_seen(struct store *s, const char *account,
    const char *message_id);
/* store_fetch_mark - remember message_id as processed for account */
int store_fetch_mark(struct store *s, const char *account,
    const char *message_id);

#endif
