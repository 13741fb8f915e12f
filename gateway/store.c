/* store - the SQLite backend of the ticket store (see store.h).
 *
 * One database file in WAL mode with synchronous = NORMAL (a commit
 * survives a crash of the process; a power cut may lose the last few
 * commits, never corrupt the file), foreign keys on, secure_delete on
 * (freed pages are zeroed), wal_autocheckpoint = 4000 pages (fewer,
 * larger checkpoints: 10-35 % more records/s in bench_store than the
 * default 1000; a caller may take the checkpoint out of its commits with
 * store_defer_checkpoints).  The schema is versioned by PRAGMA
 * user_version; store_open applies every forward migration from the
 * file's version up to STORE_SCHEMA_VERSION in one transaction, and
 * refuses a file from a newer scrubgate.
 *
 * Concurrency: several processes (serve workers, fetch, the tools) share
 * the file.  Every write runs as BEGIN IMMEDIATE ... COMMIT through
 * tx_run, which retries the whole transaction with a growing, jittered
 * pause whenever SQLite answers SQLITE_BUSY or SQLITE_LOCKED, for up to
 * the busy timeout, so "database is locked" only surfaces (as a temporary
 * failure) when another writer held the file for that long.
 *
 * Ticket numbers come from a sequence row (seq), not from max(id), so a
 * number is never given twice, even after its ticket was erased.
 */
#include "store.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <sqlite3.h>

#define TICKET_FIRST 100000
#define STRINGIFY_(x) #x
#define STRINGIFY(x) STRINGIFY_(x)
#define ADDR_MAX 320

/* the schema, one step per version: migration[v] takes version v to v+1 */
static const char *const migration[STORE_SCHEMA_VERSION] = {
	/* 0 -> 1: tickets, messages, parties, audit */
	"CREATE TABLE seq (name TEXT PRIMARY KEY, next INTEGER NOT NULL);"
	"INSERT INTO seq VALUES ('ticket', 100000);"
	"CREATE TABLE tickets (id INTEGER PRIMARY KEY,"
	" status TEXT NOT NULL DEFAULT 'open', route TEXT, mailbox TEXT,"
	" created INTEGER NOT NULL, last_activity INTEGER NOT NULL);"
	"CREATE TABLE messages (id INTEGER PRIMARY KEY AUTOINCREMENT,"
	" ticket_id INTEGER NOT NULL REFERENCES tickets(id) ON DELETE CASCADE,"
	" msgid TEXT, refs TEXT, received INTEGER NOT NULL,"
	" size INTEGER NOT NULL, direction TEXT NOT NULL, subject TEXT,"
	" counts TEXT, stripped INTEGER NOT NULL DEFAULT 0,"
	" attachments_dropped INTEGER NOT NULL DEFAULT 0,"
	" delivery TEXT NOT NULL DEFAULT 'pending', reply TEXT, sender TEXT);"
	"CREATE INDEX messages_msgid ON messages(msgid);"
	"CREATE INDEX messages_ticket ON messages(ticket_id);"
	"CREATE TABLE parties (ticket_id INTEGER NOT NULL"
	" REFERENCES tickets(id) ON DELETE CASCADE, role TEXT NOT NULL,"
	" pseudonym TEXT NOT NULL, address TEXT,"
	" PRIMARY KEY (ticket_id, role, pseudonym)) WITHOUT ROWID;"
	"CREATE INDEX parties_pseudonym ON parties(pseudonym);"
	"CREATE TABLE audit (id INTEGER PRIMARY KEY, time INTEGER NOT NULL,"
	" operation TEXT NOT NULL, subject TEXT, counts TEXT);",
	/* 1 -> 2: auto-reply class, the IMAP door's state */
	"ALTER TABLE messages ADD COLUMN auto_class TEXT;"
	"CREATE TABLE fetch_state (account TEXT PRIMARY KEY,"
	" uidvalidity INTEGER NOT NULL, last_uid INTEGER NOT NULL);"
	"CREATE TABLE fetch_seen (account TEXT NOT NULL, msgid TEXT NOT NULL,"
	" time INTEGER NOT NULL, PRIMARY KEY (account, msgid));"
	"CREATE INDEX fetch_seen_time ON fetch_seen(time);",
};

/* prepared statements, kept for the life of the connection */
enum stmt_id {
	Q_FIND_MSGID, Q_TICKET_EXISTS, Q_SEQ_GET, Q_SEQ_BUMP, Q_TICKET_NEW,
	Q_TICKET_TOUCH, Q_MSG_NEW, Q_PARTY_NEW, Q_DELIVERED, Q_AUDIT,
	Q_FETCH_GET, Q_FETCH_SET, Q_FETCH_SEEN, Q_FETCH_MARK,
	Q_COUNT
};

static const char *const stmt_sql[Q_COUNT] = {
	[Q_FIND_MSGID] = "SELECT ticket_id FROM messages WHERE msgid = ?1 "
	    "ORDER BY id DESC LIMIT 1",
	[Q_TICKET_EXISTS] = "SELECT 1 FROM tickets WHERE id = ?1",
	[Q_SEQ_GET] = "SELECT max((SELECT next FROM seq WHERE name = 'ticket'), "
	    "coalesce((SELECT max(id) + 1 FROM tickets), 0))",
	[Q_SEQ_BUMP] = "UPDATE seq SET next = max(next, ?1 + 1) WHERE name = "
	    "'ticket'",
	[Q_TICKET_NEW] = "INSERT INTO tickets (id, status, route, mailbox, "
	    "created, last_activity) VALUES (?1, 'open', ?2, ?3, ?4, ?4)",
	[Q_TICKET_TOUCH] = "UPDATE tickets SET last_activity = "
	    "max(last_activity, ?2) WHERE id = ?1",
	[Q_MSG_NEW] = "INSERT INTO messages (ticket_id, msgid, refs, received, "
	    "size, direction, subject, counts, stripped, attachments_dropped, "
	    "sender, auto_class) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, "
	    "?10, ?11, ?12)",
	[Q_PARTY_NEW] = "INSERT OR IGNORE INTO parties (ticket_id, role, "
	    "pseudonym, address) VALUES (?1, ?2, ?3, ?4)",
	[Q_DELIVERED] = "UPDATE messages SET delivery = ?2, reply = ?3 "
	    "WHERE id = ?1",
	[Q_AUDIT] = "INSERT INTO audit (time, operation, subject, counts) "
	    "VALUES (?1, ?2, ?3, ?4)",
	[Q_FETCH_GET] = "SELECT uidvalidity, last_uid FROM fetch_state "
	    "WHERE account = ?1",
	[Q_FETCH_SET] = "INSERT INTO fetch_state (account, uidvalidity, "
	    "last_uid) VALUES (?1, ?2, ?3) ON CONFLICT (account) DO UPDATE "
	    "SET uidvalidity = ?2, last_uid = ?3",
	[Q_FETCH_SEEN] = "SELECT 1 FROM fetch_seen WHERE account = ?1 AND "
	    "msgid = ?2",
	[Q_FETCH_MARK] = "INSERT OR IGNORE INTO fetch_seen (account, msgid, "
	    "time) VALUES (?1, ?2, ?3)",
};

struct store {
	sqlite3 *db;
	char *path;
	unsigned char key[64];
	size_t keylen;
	int store_addresses;
	unsigned busy_ms;
	int last_rc;			/* SQLite code of the last failure */
	sqlite3_stmt *q[Q_COUNT];
	char err[STORE_ERR_MAX];
	int wal_frames;			/* after the last commit (deferred) */
	int deferred;			/* store_defer_checkpoints was called */
};

/* fail - remember "PATH: what: SQLite's reason"; -1 */
static int
fail(struct store *s, const char *what)
{
	s->last_rc = sqlite3_errcode(s->db);
	snprintf(s->err, sizeof(s->err), "%s: %s: %s", s->path, what,
	    sqlite3_errmsg(s->db));
	return -1;
}

/* busy - a code that means another connection holds the lock */
static int
busy(int rc)
{
	rc &= 0xff;
	return rc == SQLITE_BUSY || rc == SQLITE_LOCKED;
}

/* now_ms - monotonic milliseconds */
static long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* pause_ms - sleep a while, growing with the attempt, jittered so that
 * writers that collided do not collide again */
static void
pause_ms(unsigned attempt)
{
	unsigned base = attempt < 6 ? 1u << attempt : 50;
	struct timespec ts;

	base += (unsigned)rand() % (base + 1);
	ts.tv_sec = 0;
	ts.tv_nsec = (long)base * 1000000L;
	nanosleep(&ts, NULL);
}

/* exec - run SQL without results */
static int
exec(struct store *s, const char *sql, const char *what)
{
	if (sqlite3_exec(s->db, sql, NULL, NULL, NULL) != SQLITE_OK)
		return fail(s, what);
	return 0;
}

/* stmt - the prepared statement id, reset and unbound */
static sqlite3_stmt *
stmt(struct store *s, enum stmt_id id)
{
	if (s->q[id] == NULL) {
		if (sqlite3_prepare_v3(s->db, stmt_sql[id], -1,
		    SQLITE_PREPARE_PERSISTENT, &s->q[id], NULL) != SQLITE_OK) {
			fail(s, "prepare");
			return NULL;
		}
	} else {
		sqlite3_reset(s->q[id]);
		sqlite3_clear_bindings(s->q[id]);
	}
	return s->q[id];
}

/* step_done - step a statement that returns no row */
static int
step_done(struct store *s, sqlite3_stmt *q, const char *what)
{
	int rc = sqlite3_step(q);

	sqlite3_reset(q);
	if (rc != SQLITE_DONE)
		return fail(s, what);
	return 0;
}

/* bind_text - a string or NULL */
static void
bind_text(sqlite3_stmt *q, int i, const char *v)
{
	if (v == NULL)
		sqlite3_bind_null(q, i);
	else
		sqlite3_bind_text(q, i, v, -1, SQLITE_TRANSIENT);
}

/* tx_run - fn inside BEGIN IMMEDIATE ... COMMIT, retried from the start
 * while the database is busy and the busy timeout has not run out.
 * fn returns 0 (commit), 1 (roll back, success: a dry run) or -1. */
static int
tx_run(struct store *s, int (*fn)(struct store *, void *), void *arg)
{
	long long deadline = now_ms() + s->busy_ms;
	unsigned attempt = 0;
	int rc;

	for (;;) {
		s->last_rc = SQLITE_OK;
		rc = exec(s, "BEGIN IMMEDIATE", "begin");
		if (rc == 0) {
			rc = fn(s, arg);
			if (rc == 0 && exec(s, "COMMIT", "commit") == 0)
				return 0;
			sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
			if (rc == 1)
				return 0;
		}
		if (!busy(s->last_rc) || now_ms() >= deadline)
			break;
		pause_ms(attempt++);
	}
	if (busy(s->last_rc))
		snprintf(s->err, sizeof(s->err), "%s: the database stayed busy "
		    "for %u ms (another writer); try again", s->path, s->busy_ms);
	return -1;
}

/* hmac_hex - HMAC-SHA-256(key, tag || data) as hex, first hexlen digits;
 * data is at most 1024 bytes (longer is cut: threading needs equality,
 * and nothing that long is an address or a sane Message-ID) */
static void
hmac_hex(const struct store *s, const char *tag, const char *data,
    size_t len, char *out, size_t hexlen)
{
	static const unsigned char nokey[1];
	unsigned char in[16 + 1024], md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	size_t tl = strlen(tag);

	if (len > 1024)
		len = 1024;
	memcpy(in, tag, tl);
	memcpy(in + tl, data, len);
	if (HMAC(EVP_sha256(), s->keylen ? s->key : nokey, (int)s->keylen,
	    in, tl + len, md, &mdlen) == NULL)
		mdlen = 0;
	for (size_t i = 0; i < hexlen / 2; i++) {
		unsigned char c = i < mdlen ? md[i] : 0;

		out[2 * i] = "0123456789abcdef"[c >> 4];
		out[2 * i + 1] = "0123456789abcdef"[c & 15];
	}
	out[hexlen] = '\0';
	OPENSSL_cleanse(in, tl + len);
	OPENSSL_cleanse(md, sizeof(md));
}

/* normalise_addr - trimmed, angle brackets removed, lower-cased, into out
 * (ADDR_MAX + 1 bytes); its length */
static size_t
normalise_addr(const char *addr, char *out)
{
	size_t a = 0, b = addr ? strlen(addr) : 0, n = 0;

	while (a < b && (addr[a] == ' ' || addr[a] == '\t' || addr[a] == '<'))
		a++;
	while (b > a && (addr[b - 1] == ' ' || addr[b - 1] == '\t' ||
	    addr[b - 1] == '>' || addr[b - 1] == '\r' || addr[b - 1] == '\n'))
		b--;
	for (; a < b && n < ADDR_MAX; a++, n++)
		out[n] = (addr[a] >= 'A' && addr[a] <= 'Z') ?
		    (char)(addr[a] - 'A' + 'a') : addr[a];
	out[n] = '\0';
	return n;
}

/* store_pseudonym - HMAC-SHA-256 of the normalised address, 64 hex */
void
store_pseudonym(const struct store *s, const char *addr, char *out)
{
	char norm[ADDR_MAX + 1];
	size_t n = normalise_addr(addr, norm);

	hmac_hex(s, "", norm, n, out, STORE_PSEUDONYM_LEN);
	OPENSSL_cleanse(norm, sizeof(norm));
}

/* audit_pseudonym - the audit trail's own HMAC of an address: not equal
 * to the stored pseudonym, so an erase leaves no copy of that behind */
static void
audit_pseudonym(const struct store *s, const char *addr, char *out)
{
	char norm[ADDR_MAX + 1];
	size_t n = normalise_addr(addr, norm);

	hmac_hex(s, "audit:", norm, n, out, STORE_PSEUDONYM_LEN);
	OPENSSL_cleanse(norm, sizeof(norm));
}

/* store_msgid_hash - 32 hex digits of HMAC("msgid:" || id) */
void
store_msgid_hash(const struct store *s, const char *id, size_t len,
    char *out)
{
	while (len && (*id == ' ' || *id == '\t' || *id == '<')) {
		id++;
		len--;
	}
	while (len && (id[len - 1] == ' ' || id[len - 1] == '\t' ||
	    id[len - 1] == '>' || id[len - 1] == '\r' || id[len - 1] == '\n'))
		len--;
	hmac_hex(s, "msgid:", id, len, out, 32);
}

/* store_error - see store.h */
const char *
store_error(const struct store *s)
{
	return s->err;
}

/* store_path - see store.h */
const char *
store_path(const struct store *s)
{
	return s->path;
}

/* --- opening and migrating -------------------------------------------- */

struct migrate_arg {
	int target;
};

/* migrate_tx - read user_version inside the write transaction (another
 * process may have migrated meanwhile) and apply the missing steps */
static int
migrate_tx(struct store *s, void *arg)
{
	struct migrate_arg *m = arg;
	sqlite3_stmt *q = NULL;
	char sql[64];
	int v;

	if (sqlite3_prepare_v2(s->db, "PRAGMA user_version", -1, &q, NULL) !=
	    SQLITE_OK || sqlite3_step(q) != SQLITE_ROW) {
		sqlite3_finalize(q);
		return fail(s, "reading the schema version");
	}
	v = sqlite3_column_int(q, 0);
	sqlite3_finalize(q);
	if (v > STORE_SCHEMA_VERSION) {
		snprintf(s->err, sizeof(s->err), "%s: schema version %d is newer "
		    "than this scrubgate knows (%d)", s->path, v,
		    STORE_SCHEMA_VERSION);
		s->last_rc = SQLITE_ERROR;
		return -1;
	}
	if (v >= m->target)
		return 1;	/* nothing to do: roll back the empty tx */
	for (; v < m->target; v++)
		if (exec(s, migration[v], "migrating the schema") < 0)
			return -1;
	snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", v);
	return exec(s, sql, "setting the schema version");
}

/* create_private - create the file mode 0600 before SQLite does (its
 * -wal and -shm files copy the mode) */
static int
create_private(struct store *s)
{
	int fd = open(s->path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);

	if (fd < 0) {
		snprintf(s->err, sizeof(s->err), "%s: %s", s->path,
		    strerror(errno));
		return -1;
	}
	close(fd);
	return 0;
}

/* pragmas - the connection's settings; journal_mode may meet a busy
 * file while another process converts it */
static int
pragmas(struct store *s)
{
	long long deadline = now_ms() + s->busy_ms;
	unsigned attempt = 0;
	sqlite3_stmt *q = NULL;
	int rc;

	sqlite3_busy_timeout(s->db, (int)(s->busy_ms < 1000 ? s->busy_ms : 1000));
	for (;;) {
		rc = sqlite3_prepare_v2(s->db, "PRAGMA journal_mode = WAL", -1,
		    &q, NULL);
		if (rc == SQLITE_OK)
			rc = sqlite3_step(q);
		sqlite3_finalize(q);
		q = NULL;
		if (rc == SQLITE_ROW || rc == SQLITE_DONE)
			break;
		if (!busy(rc) || now_ms() >= deadline)
			return fail(s, "switching to WAL");
		pause_ms(attempt++);
	}
	return exec(s, "PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;"
	    " PRAGMA secure_delete = ON; PRAGMA wal_autocheckpoint = "
	    STRINGIFY(STORE_CHECKPOINT_PAGES) ";", "settings");
}

/* wal_hook - a commit's WAL size, for store_checkpoint_due; no
 * checkpoint here (store_defer_checkpoints) */
static int
wal_hook(void *arg, sqlite3 *db, const char *name, int frames)
{
	struct store *s = arg;

	(void)db;
	(void)name;
	s->wal_frames = frames;
	return SQLITE_OK;
}

/* store_defer_checkpoints - see store.h */
void
store_defer_checkpoints(struct store *s)
{
	s->deferred = 1;
	sqlite3_wal_hook(s->db, wal_hook, s);	/* replaces the auto one */
}

/* store_checkpoint_due - see store.h */
int
store_checkpoint_due(const struct store *s)
{
	return s->deferred && s->wal_frames >= STORE_CHECKPOINT_PAGES;
}

/* store_checkpoint - see store.h */
int
store_checkpoint(struct store *s)
{
	int log = 0, done = 0;

	s->wal_frames = 0;	/* the next commit tells again */
	if (sqlite3_wal_checkpoint_v2(s->db, NULL, SQLITE_CHECKPOINT_PASSIVE,
	    &log, &done) != SQLITE_OK)
		return -1;	/* SQLITE_BUSY: another one runs now */
	return done;
}

/* store_open_upto - store_open, migrating only up to version (tests) */
struct store *
store_open_upto(const struct store_opts *o, int version, char *err,
    size_t errlen)
{
	struct store *s = calloc(1, sizeof(*s));
	struct migrate_arg m = { version };

	if (s == NULL || (s->path = strdup(o->path)) == NULL) {
		snprintf(err, errlen, "%s: out of memory", o->path);
		free(s);
		return NULL;
	}
	if (o->keylen > sizeof(s->key)) {
		snprintf(err, errlen, "%s: pseudonym key too long", o->path);
		store_close(&s);
		return NULL;
	}
	memcpy(s->key, o->key, o->keylen);
	s->keylen = o->keylen;
	s->store_addresses = o->store_addresses;
	s->busy_ms = o->busy_timeout_ms ? o->busy_timeout_ms : 10000;
	if (create_private(s) < 0)
		goto fail;
	if (sqlite3_open_v2(s->path, &s->db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE | SQLITE_OPEN_NOFOLLOW, NULL) != SQLITE_OK) {
		if (s->db == NULL)
			snprintf(s->err, sizeof(s->err), "%s: out of memory",
			    s->path);
		else
			fail(s, "cannot open");
		goto fail;
	}
	sqlite3_extended_result_codes(s->db, 1);
	if (pragmas(s) < 0 || tx_run(s, migrate_tx, &m) < 0)
		goto fail;
	return s;
fail:
	snprintf(err, errlen, "%s", s->err);
	store_close(&s);
	return NULL;
}

/* store_open - open (create) and migrate to the current schema */
struct store *
store_open(const struct store_opts *o, char *err, size_t errlen)
{
	return store_open_upto(o, STORE_SCHEMA_VERSION, err, errlen);
}

/* store_close - finalize, close, wipe the key */
void
store_close(struct store **sp)
{
	struct store *s = *sp;

	if (s == NULL)
		return;
	for (int i = 0; i < Q_COUNT; i++)
		sqlite3_finalize(s->q[i]);
	if (s->db != NULL)
		sqlite3_close(s->db);
	free(s->path);
	OPENSSL_cleanse(s->key, sizeof(s->key));
	free(s);
	*sp = NULL;
}

/* store_schema_version - PRAGMA user_version of the open file (tests) */
int
store_schema_version(struct store *s)
{
	sqlite3_stmt *q = NULL;
	int v = -1;

	if (sqlite3_prepare_v2(s->db, "PRAGMA user_version", -1, &q, NULL) ==
	    SQLITE_OK && sqlite3_step(q) == SQLITE_ROW)
		v = sqlite3_column_int(q, 0);
	sqlite3_finalize(q);
	return v;
}

/* --- threading and recording ------------------------------------------- */

/* ticket_exists - 1, 0 or -1 */
static int
ticket_exists(struct store *s, unsigned long id)
{
	sqlite3_stmt *q = stmt(s, Q_TICKET_EXISTS);
	int rc;

	if (q == NULL)
		return -1;
	sqlite3_bind_int64(q, 1, (sqlite3_int64)id);
	rc = sqlite3_step(q);
	sqlite3_reset(q);
	if (rc == SQLITE_ROW)
		return 1;
	return rc == SQLITE_DONE ? 0 : fail(s, "looking up a ticket");
}

/* store_find_ticket - by Message-ID of a stored message, else by tag */
int
store_find_ticket(struct store *s, const char *const *ids, size_t nids,
    size_t nreply, unsigned long tag, unsigned long *ticket_r,
    const char **how_r)
{
	char h[33];
	int rc;

	*ticket_r = 0;
	for (size_t i = 0; i < nids; i++) {
		sqlite3_stmt *q = stmt(s, Q_FIND_MSGID);

		if (q == NULL)
			return -1;
		store_msgid_hash(s, ids[i], strlen(ids[i]), h);
		sqlite3_bind_text(q, 1, h, -1, SQLITE_TRANSIENT);
		rc = sqlite3_step(q);
		if (rc == SQLITE_ROW)
			*ticket_r = (unsigned long)sqlite3_column_int64(q, 0);
		sqlite3_reset(q);
		if (rc != SQLITE_ROW && rc != SQLITE_DONE)
			return fail(s, "looking up a Message-ID");
		if (*ticket_r) {
			*how_r = i < nreply ? "in-reply-to" : "references";
			return 1;
		}
	}
	if (tag && (rc = ticket_exists(s, tag)) != 0) {
		if (rc < 0)
			return -1;
		*ticket_r = tag;
		*how_r = "tag";
		return 1;
	}
	return 0;
}

struct record_arg {
	const struct store_message *m;
	unsigned long ticket;
	long long msg;
};

/* new_ticket - the next number, and its row.  The number is one past
 * the highest ticket, or the sequence row's high-water mark when that is
 * higher: the mark is raised before a ticket is deleted (drop_ticket), so
 * no number is ever given twice, and a new ticket writes no extra page */
static int
new_ticket(struct store *s, const struct store_message *m, long long now,
    unsigned long *id_r)
{
	sqlite3_stmt *q = stmt(s, Q_SEQ_GET);
	char mb[STORE_PSEUDONYM_LEN + 1];
	sqlite3_int64 id;
	int rc;

	if (q == NULL)
		return -1;
	rc = sqlite3_step(q);
	id = rc == SQLITE_ROW ? sqlite3_column_int64(q, 0) : 0;
	sqlite3_reset(q);
	if (rc != SQLITE_ROW)
		return fail(s, "reading the ticket sequence");
	if (id < TICKET_FIRST)
		id = TICKET_FIRST;
	if ((q = stmt(s, Q_TICKET_NEW)) == NULL)
		return -1;
	sqlite3_bind_int64(q, 1, id);
	bind_text(q, 2, m->route);
	if (m->mailbox != NULL) {
		store_pseudonym(s, m->mailbox, mb);
		bind_text(q, 3, mb);
	}
	sqlite3_bind_int64(q, 4, now);
	if (step_done(s, q, "creating a ticket") < 0)
		return -1;
	*id_r = (unsigned long)id;
	return 0;
}

/* refs_text - the hashes of the referenced ids, space separated */
static char *
refs_text(struct store *s, const struct store_message *m)
{
	char *t, h[33];
	size_t n = m->nrefs > 64 ? 64 : m->nrefs;

	if (n == 0)
		return NULL;
	if ((t = malloc(n * 33 + 1)) == NULL)
		return NULL;
	t[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		store_msgid_hash(s, m->refs[i], strlen(m->refs[i]), h);
		if (i)
			strcat(t, " ");
		strcat(t, h);
	}
	return t;
}

/* insert_message - the messages row */
static int
insert_message(struct store *s, const struct store_message *m,
    unsigned long ticket, long long now, long long *msg_r)
{
	sqlite3_stmt *q = stmt(s, Q_MSG_NEW);
	char h[33], snd[STORE_PSEUDONYM_LEN + 1];
	char *refs;
	int rc;

	if (q == NULL)
		return -1;
	sqlite3_bind_int64(q, 1, (sqlite3_int64)ticket);
	if (m->message_id != NULL && *m->message_id) {
		store_msgid_hash(s, m->message_id, strlen(m->message_id), h);
		sqlite3_bind_text(q, 2, h, -1, SQLITE_TRANSIENT);
	}
	refs = refs_text(s, m);
	bind_text(q, 3, refs);
	free(refs);
	sqlite3_bind_int64(q, 4, m->received ? m->received : now);
	sqlite3_bind_int64(q, 5, (sqlite3_int64)m->size);
	bind_text(q, 6, m->direction ? m->direction : "in");
	bind_text(q, 7, m->subject);
	bind_text(q, 8, m->counts_json);
	sqlite3_bind_int64(q, 9, m->stripped_recipients);
	sqlite3_bind_int64(q, 10, m->attachments_dropped);
	if (m->sender != NULL && *m->sender) {
		store_pseudonym(s, m->sender, snd);
		sqlite3_bind_text(q, 11, snd, -1, SQLITE_TRANSIENT);
	}
	bind_text(q, 12, m->auto_class);
	rc = step_done(s, q, "recording a message");
	*msg_r = sqlite3_last_insert_rowid(s->db);
	return rc;
}

/* insert_parties - one row per (role, pseudonym), duplicates ignored */
static int
insert_parties(struct store *s, const struct store_message *m,
    unsigned long ticket)
{
	char ps[STORE_PSEUDONYM_LEN + 1], norm[ADDR_MAX + 1];

	for (size_t i = 0; i < m->nparties; i++) {
		sqlite3_stmt *q = stmt(s, Q_PARTY_NEW);

		if (q == NULL)
			return -1;
		if (m->parties[i].addr == NULL || *m->parties[i].addr == '\0')
			continue;
		store_pseudonym(s, m->parties[i].addr, ps);
		sqlite3_bind_int64(q, 1, (sqlite3_int64)ticket);
		bind_text(q, 2, m->parties[i].role);
		sqlite3_bind_text(q, 3, ps, -1, SQLITE_TRANSIENT);
		if (s->store_addresses) {
			normalise_addr(m->parties[i].addr, norm);
			sqlite3_bind_text(q, 4, norm, -1, SQLITE_TRANSIENT);
		}
		if (step_done(s, q, "recording a party") < 0)
			return -1;
	}
	OPENSSL_cleanse(norm, sizeof(norm));
	return 0;
}

/* record_tx - ticket (joined or new), message, parties */
static int
record_tx(struct store *s, void *arg)
{
	struct record_arg *a = arg;
	const struct store_message *m = a->m;
	long long now = (long long)time(NULL);
	unsigned long t = m->ticket;
	const char *how;
	int rc;

	a->ticket = 0;
	a->msg = 0;
	if (t && (rc = ticket_exists(s, t)) <= 0) {
		if (rc < 0)
			return -1;
		t = 0;		/* erased or purged meanwhile */
	}
	/* another process may have recorded the message this one answers
	 * since the caller looked: look again, under the write lock */
	if (t == 0 && (m->nrefs || m->tag) && store_find_ticket(s, m->refs,
	    m->nrefs, 0, m->tag, &t, &how) < 0)
		return -1;
	if (t == 0 && !m->open_ticket)
		return 1;	/* nothing to attach it to */
	if (t == 0) {
		if (new_ticket(s, m, now, &t) < 0)
			return -1;
	} else {
		sqlite3_stmt *q = stmt(s, Q_TICKET_TOUCH);

		if (q == NULL)
			return -1;
		sqlite3_bind_int64(q, 1, (sqlite3_int64)t);
		sqlite3_bind_int64(q, 2, m->received ? m->received : now);
		if (step_done(s, q, "updating a ticket") < 0)
			return -1;
	}
	if (insert_message(s, m, t, now, &a->msg) < 0 ||
	    insert_parties(s, m, t) < 0)
		return -1;
	a->ticket = t;
	return 0;
}

/* store_record - one message in one transaction */
int
store_record(struct store *s, const struct store_message *m,
    unsigned long *ticket_r, long long *msg_r)
{
	struct record_arg a = { m, 0, 0 };

	if (tx_run(s, record_tx, &a) < 0)
		return -1;
	*ticket_r = a.ticket;
	*msg_r = a.msg;
	return 0;
}

/* scrub_reply - a next hop's reply line without addresses: any word
 * holding '@' becomes [address] (a 550 often quotes the recipient) */
static void
scrub_reply(const char *in, char *out, size_t outlen)
{
	size_t o = 0;

	while (*in && o + 1 < outlen) {
		size_t w = strcspn(in, " \t");

		if (memchr(in, '@', w) != NULL) {
			const char *r = "[address]";

			for (; *r && o + 1 < outlen; r++)
				out[o++] = *r;
		} else {
			for (size_t i = 0; i < w && o + 1 < outlen; i++)
				out[o++] = (unsigned char)in[i] < 0x20 ? ' ' : in[i];
		}
		in += w;
		if (*in && o + 1 < outlen)
			out[o++] = *in++;
	}
	out[o] = '\0';
}

struct delivered_arg {
	long long msg;
	const char *state;
	const char *reply;
};

/* delivered_tx - update one message row */
static int
delivered_tx(struct store *s, void *arg)
{
	struct delivered_arg *a = arg;
	sqlite3_stmt *q = stmt(s, Q_DELIVERED);
	char reply[256];

	if (q == NULL)
		return -1;
	sqlite3_bind_int64(q, 1, a->msg);
	bind_text(q, 2, a->state);
	if (a->reply != NULL) {
		scrub_reply(a->reply, reply, sizeof(reply));
		bind_text(q, 3, reply);
	}
	return step_done(s, q, "recording a delivery");
}

/* store_delivered - delivery state and reply of a message row */
int
store_delivered(struct store *s, long long msg, const char *state,
    const char *reply)
{
	struct delivered_arg a = { msg, state, reply };

	return tx_run(s, delivered_tx, &a);
}

/* --- the operator's views ---------------------------------------------- */

/* col_copy - a text column into a fixed buffer ("" for NULL) */
static void
col_copy(sqlite3_stmt *q, int i, char *out, size_t n)
{
	const unsigned char *t = sqlite3_column_text(q, i);

	snprintf(out, n, "%s", t ? (const char *)t : "");
}

/* ticket_row - columns id, status, route, mailbox, created, last, count */
static void
ticket_row(sqlite3_stmt *q, struct store_ticket *t)
{
	memset(t, 0, sizeof(*t));
	t->id = (unsigned long)sqlite3_column_int64(q, 0);
	col_copy(q, 1, t->status, sizeof(t->status));
	col_copy(q, 2, t->route, sizeof(t->route));
	col_copy(q, 3, t->mailbox, sizeof(t->mailbox));
	t->created = sqlite3_column_int64(q, 4);
	t->last_activity = sqlite3_column_int64(q, 5);
	t->nmessages = (unsigned long)sqlite3_column_int64(q, 6);
}

#define TICKET_COLS "t.id, t.status, t.route, t.mailbox, t.created, " \
	"t.last_activity, (SELECT count(*) FROM messages m WHERE " \
	"m.ticket_id = t.id)"

/* grow - room for one more element in *v */
static int
grow(void **v, size_t n, size_t *cap, size_t size)
{
	void *nv;

	if (n < *cap)
		return 0;
	*cap = *cap ? *cap * 2 : 16;
	if ((nv = realloc(*v, *cap * size)) == NULL)
		return -1;
	*v = nv;
	return 0;
}

/* store_list - the tickets matching f, by number */
int
store_list(struct store *s, const struct store_filter *f,
    struct store_ticket **v_r, size_t *n_r)
{
	sqlite3_stmt *q = NULL;
	struct store_ticket *v = NULL;
	char mb[STORE_PSEUDONYM_LEN + 1];
	size_t n = 0, cap = 0;
	int rc;

	if (sqlite3_prepare_v2(s->db, "SELECT " TICKET_COLS " FROM tickets t "
	    "WHERE t.last_activity >= ?1 AND (?2 IS NULL OR t.mailbox = ?2) "
	    "AND (?3 IS NULL OR t.status = ?3) AND (?4 IS NULL OR "
	    "t.route = ?4) ORDER BY t.id", -1, &q, NULL) != SQLITE_OK)
		return fail(s, "listing tickets");
	sqlite3_bind_int64(q, 1, f->since);
	if (f->mailbox != NULL) {
		store_pseudonym(s, f->mailbox, mb);
		bind_text(q, 2, mb);
	}
	bind_text(q, 3, f->status);
	bind_text(q, 4, f->route);
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		if (grow((void **)&v, n, &cap, sizeof(*v)) < 0) {
			rc = SQLITE_NOMEM;
			break;
		}
		ticket_row(q, &v[n++]);
	}
	if (rc != SQLITE_DONE) {
		fail(s, "listing tickets");
		sqlite3_finalize(q);
		free(v);
		return -1;
	}
	sqlite3_finalize(q);
	*v_r = v;
	*n_r = n;
	return 0;
}

/* load_messages - every message of t, oldest first */
static int
load_messages(struct store *s, struct store_ticket *t)
{
	sqlite3_stmt *q = NULL;
	size_t cap = 0;
	int rc;

	if (sqlite3_prepare_v2(s->db, "SELECT id, msgid, received, size, "
	    "direction, subject, auto_class, counts, stripped, "
	    "attachments_dropped, delivery, reply, sender FROM messages "
	    "WHERE ticket_id = ?1 ORDER BY id", -1, &q, NULL) != SQLITE_OK)
		return fail(s, "loading messages");
	sqlite3_bind_int64(q, 1, (sqlite3_int64)t->id);
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		struct store_msg_row *m;

		if (grow((void **)&t->msgs, t->nmsgs, &cap, sizeof(*m)) < 0) {
			rc = SQLITE_NOMEM;
			break;
		}
		m = &t->msgs[t->nmsgs++];
		memset(m, 0, sizeof(*m));
		m->id = sqlite3_column_int64(q, 0);
		col_copy(q, 1, m->message_id, sizeof(m->message_id));
		m->received = sqlite3_column_int64(q, 2);
		m->size = (unsigned long long)sqlite3_column_int64(q, 3);
		col_copy(q, 4, m->direction, sizeof(m->direction));
		col_copy(q, 5, m->subject, sizeof(m->subject));
		col_copy(q, 6, m->auto_class, sizeof(m->auto_class));
		col_copy(q, 7, m->counts, sizeof(m->counts));
		m->stripped_recipients = (unsigned)sqlite3_column_int(q, 8);
		m->attachments_dropped = (unsigned)sqlite3_column_int(q, 9);
		col_copy(q, 10, m->delivery, sizeof(m->delivery));
		col_copy(q, 11, m->reply, sizeof(m->reply));
		col_copy(q, 12, m->sender, sizeof(m->sender));
	}
	sqlite3_finalize(q);
	return rc == SQLITE_DONE ? 0 : fail(s, "loading messages");
}

/* load_parties - the parties of t; only those with pseudonym ps if set */
static int
load_parties(struct store *s, struct store_ticket *t, const char *ps)
{
	sqlite3_stmt *q = NULL;
	size_t cap = 0;
	int rc;

	if (sqlite3_prepare_v2(s->db, "SELECT role, pseudonym, address FROM "
	    "parties WHERE ticket_id = ?1 AND (?2 IS NULL OR pseudonym = ?2) "
	    "ORDER BY CASE role WHEN 'requester' THEN 0 WHEN 'to' THEN 1 ELSE 2 "
	    "END, pseudonym", -1, &q, NULL) != SQLITE_OK)
		return fail(s, "loading parties");
	sqlite3_bind_int64(q, 1, (sqlite3_int64)t->id);
	bind_text(q, 2, ps);
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		struct store_party_row *p;

		if (grow((void **)&t->parties, t->nparties, &cap,
		    sizeof(*p)) < 0) {
			rc = SQLITE_NOMEM;
			break;
		}
		p = &t->parties[t->nparties++];
		col_copy(q, 0, p->role, sizeof(p->role));
		col_copy(q, 1, p->pseudonym, sizeof(p->pseudonym));
		col_copy(q, 2, p->address, sizeof(p->address));
	}
	sqlite3_finalize(q);
	return rc == SQLITE_DONE ? 0 : fail(s, "loading parties");
}

/* load_ticket - a ticket row, its messages and (some of) its parties */
static int
load_ticket(struct store *s, unsigned long id, const char *ps,
    struct store_ticket *t)
{
	sqlite3_stmt *q = NULL;
	int rc;

	memset(t, 0, sizeof(*t));
	if (sqlite3_prepare_v2(s->db, "SELECT " TICKET_COLS " FROM tickets t "
	    "WHERE t.id = ?1", -1, &q, NULL) != SQLITE_OK)
		return fail(s, "loading a ticket");
	sqlite3_bind_int64(q, 1, (sqlite3_int64)id);
	rc = sqlite3_step(q);
	if (rc == SQLITE_ROW)
		ticket_row(q, t);
	sqlite3_finalize(q);
	if (rc == SQLITE_DONE)
		return 0;
	if (rc != SQLITE_ROW)
		return fail(s, "loading a ticket");
	if (load_messages(s, t) < 0 || load_parties(s, t, ps) < 0) {
		store_ticket_free(t);
		return -1;
	}
	return 1;
}

/* store_ticket_load - one ticket, whole */
int
store_ticket_load(struct store *s, unsigned long id, struct store_ticket *t)
{
	return load_ticket(s, id, NULL, t);
}

/* store_ticket_free - see store.h */
void
store_ticket_free(struct store_ticket *t)
{
	free(t->msgs);
	free(t->parties);
	t->msgs = NULL;
	t->parties = NULL;
	t->nmsgs = t->nparties = 0;
}

/* store_tickets_free - see store.h */
void
store_tickets_free(struct store_ticket **v, size_t n)
{
	if (*v == NULL)
		return;
	for (size_t i = 0; i < n; i++)
		store_ticket_free(&(*v)[i]);
	free(*v);
	*v = NULL;
}

/* audit - one audit row (inside the caller's transaction) */
static int
audit(struct store *s, const char *op, const char *subject,
    const char *counts)
{
	sqlite3_stmt *q = stmt(s, Q_AUDIT);

	if (q == NULL)
		return -1;
	sqlite3_bind_int64(q, 1, (long long)time(NULL));
	bind_text(q, 2, op);
	bind_text(q, 3, subject);
	bind_text(q, 4, counts);
	return step_done(s, q, "writing the audit record");
}

/* query_ids - the first column of every row of sql (one parameter: text
 * t, or the number v when t is NULL), in order; what names the query in
 * the error */
static int
query_ids(struct store *s, const char *sql, const char *t, long long v,
    const char *what, unsigned long **ids_r, size_t *n_r)
{
	sqlite3_stmt *q = NULL;
	unsigned long *ids = NULL;
	size_t n = 0, cap = 0;
	int rc;

	if (sqlite3_prepare_v2(s->db, sql, -1, &q, NULL) != SQLITE_OK)
		return fail(s, what);
	if (t != NULL)
		sqlite3_bind_text(q, 1, t, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_int64(q, 1, v);
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		if (grow((void **)&ids, n, &cap, sizeof(*ids)) < 0) {
			rc = SQLITE_NOMEM;
			break;
		}
		ids[n++] = (unsigned long)sqlite3_column_int64(q, 0);
	}
	sqlite3_finalize(q);
	if (rc != SQLITE_DONE) {
		free(ids);
		return fail(s, what);
	}
	*ids_r = ids;
	*n_r = n;
	return 0;
}

/* subject_tickets - numbers of the tickets ps is a party of */
static int
subject_tickets(struct store *s, const char *ps, unsigned long **ids_r,
    size_t *n_r)
{
	return query_ids(s, "SELECT DISTINCT ticket_id FROM parties WHERE "
	    "pseudonym = ?1 ORDER BY ticket_id", ps, 0, "finding tickets",
	    ids_r, n_r);
}

struct export_arg {
	const char *addr;
	struct store_ticket *v;
	size_t n;
};

/* export_tx - load the subject's tickets and audit it, one snapshot */
static int
export_tx(struct store *s, void *arg)
{
	struct export_arg *a = arg;
	char ps[STORE_PSEUDONYM_LEN + 1], aps[STORE_PSEUDONYM_LEN + 1];
	char counts[96];
	unsigned long *ids = NULL, nmsg = 0;
	size_t n = 0;

	store_tickets_free(&a->v, a->n);	/* a retry starts afresh */
	a->n = 0;
	store_pseudonym(s, a->addr, ps);
	if (subject_tickets(s, ps, &ids, &n) < 0)
		return -1;
	if (n && (a->v = calloc(n, sizeof(*a->v))) == NULL) {
		free(ids);
		snprintf(s->err, sizeof(s->err), "%s: out of memory", s->path);
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		if (load_ticket(s, ids[i], ps, &a->v[a->n]) < 0) {
			free(ids);
			return -1;
		}
		/* a message another party sent: not this person's data */
		for (size_t j = 0; j < a->v[a->n].nmsgs; j++)
			if (strcmp(a->v[a->n].msgs[j].sender, ps) != 0)
				strcpy(a->v[a->n].msgs[j].sender, "");
		nmsg += a->v[a->n].nmsgs;
		a->n++;
	}
	free(ids);
	audit_pseudonym(s, a->addr, aps);
	snprintf(counts, sizeof(counts), "{\"tickets\":%zu,\"messages\":%lu}",
	    a->n, nmsg);
	return audit(s, "export", aps, counts);
}

/* store_export - every ticket addr is a party of */
int
store_export(struct store *s, const char *addr, struct store_ticket **v_r,
    size_t *n_r)
{
	struct export_arg a = { addr, NULL, 0 };

	if (tx_run(s, export_tx, &a) < 0) {
		store_tickets_free(&a.v, a.n);
		return -1;
	}
	*v_r = a.v;
	*n_r = a.n;
	return 0;
}

/* --- erase and purge ---------------------------------------------------- */

/* store_plan_free - see store.h */
void
store_plan_free(struct store_plan *p)
{
	buf_free(&p->lines);
}

/* sql_int - SQL with one integer and one text parameter: with count, the
 * integer of its one row; else the rows it changed.  -1 on failure. */
static long long
sql_int(struct store *s, const char *sql, long long a, const char *b,
    int count)
{
	const char *what = count ? "counting" : "deleting";
	sqlite3_stmt *q = NULL;
	long long n = -1;

	if (sqlite3_prepare_v2(s->db, sql, -1, &q, NULL) != SQLITE_OK) {
		fail(s, what);
		return -1;
	}
	sqlite3_bind_int64(q, 1, a);
	bind_text(q, 2, b);
	if (sqlite3_step(q) == (count ? SQLITE_ROW : SQLITE_DONE))
		n = count ? sqlite3_column_int64(q, 0) : sqlite3_changes(s->db);
	else
		fail(s, what);
	sqlite3_finalize(q);
	return n;
}

/* count1 - one integer from a query */
static long long
count1(struct store *s, const char *sql, long long a, const char *b)
{
	return sql_int(s, sql, a, b, 1);
}

/* run2 - a change; rows changed */
static long long
run2(struct store *s, const char *sql, long long a, const char *b)
{
	return sql_int(s, sql, a, b, 0);
}

/* drop_ticket - delete a whole ticket (messages and parties cascade),
 * counting what goes */
static int
drop_ticket(struct store *s, unsigned long id, struct store_plan *p,
    const char *why)
{
	long long nm = count1(s, "SELECT count(*) FROM messages WHERE "
	    "ticket_id = ?1", (long long)id, NULL);
	long long np = count1(s, "SELECT count(*) FROM parties WHERE "
	    "ticket_id = ?1", (long long)id, NULL);
	sqlite3_stmt *q;

	if (nm < 0 || np < 0 || (q = stmt(s, Q_SEQ_BUMP)) == NULL)
		return -1;
	sqlite3_bind_int64(q, 1, (sqlite3_int64)id);
	if (step_done(s, q, "keeping the ticket number") < 0 ||
	    run2(s, "DELETE FROM tickets WHERE id = ?1", (long long)id, NULL) < 0)
		return -1;
	p->tickets_deleted++;
	p->messages += (unsigned long)nm;
	p->parties += (unsigned long)np;
	return buf_printf(&p->lines, "ticket %lu: deleted%s (%lld messages, "
	    "%lld party records)\n", id, why, nm, np) < 0 ? -1 : 0;
}

/* keep_or_drop - after the subject's rows left a ticket: keep it for its
 * other parties when a message of theirs remains, else delete the rest
 * (a ticket without messages tells nothing but who was involved) */
static int
keep_or_drop(struct store *s, unsigned long id, long long others,
    long long nm, long long np, struct store_plan *p)
{
	long long left = count1(s, "SELECT count(*) FROM messages WHERE "
	    "ticket_id = ?1", (long long)id, NULL);

	if (left < 0)
		return -1;
	if (left == 0)
		return drop_ticket(s, id, p, " (no other party's message left)");
	p->tickets_kept++;
	return buf_printf(&p->lines, "ticket %lu: kept for %lld other party "
	    "record(s) and %lld messages; %lld messages and %lld party records "
	    "of the subject removed\n", id, others, left, nm, np) < 0 ? -1 : 0;
}

struct erase_arg {
	const char *addr;
	int dry_run;
	long long cutoff;
	struct store_plan *p;
};

/* plan_reset - a retried transaction starts counting afresh */
static void
plan_reset(struct store_plan *p)
{
	p->tickets_deleted = p->tickets_kept = p->messages = p->parties = 0;
	p->fetch_ids = 0;
	buf_reset(&p->lines);
}

/* erase_tx - the subject's rows; a dry run rolls back (returns 1) */
static int
erase_tx(struct store *s, void *arg)
{
	struct erase_arg *a = arg;
	char ps[STORE_PSEUDONYM_LEN + 1], aps[STORE_PSEUDONYM_LEN + 1];
	char counts[160];
	unsigned long *ids = NULL;
	size_t n = 0;
	int rc = 0;

	plan_reset(a->p);
	store_pseudonym(s, a->addr, ps);
	if (subject_tickets(s, ps, &ids, &n) < 0)
		return -1;
	for (size_t i = 0; rc == 0 && i < n; i++) {
		long long others = count1(s, "SELECT count(*) FROM parties WHERE "
		    "ticket_id = ?1 AND pseudonym != ?2", (long long)ids[i], ps);
		long long nm, np;

		if (others < 0) {
			rc = -1;
		} else if (others == 0) {
			rc = drop_ticket(s, ids[i], a->p, "");
		} else if ((nm = run2(s, "DELETE FROM messages WHERE ticket_id = "
		    "?1 AND sender = ?2", (long long)ids[i], ps)) < 0 ||
		    (np = run2(s, "DELETE FROM parties WHERE ticket_id = ?1 AND "
		    "pseudonym = ?2", (long long)ids[i], ps)) < 0) {
			rc = -1;
		} else {
			a->p->messages += (unsigned long)nm;
			a->p->parties += (unsigned long)np;
			rc = keep_or_drop(s, ids[i], others, nm, np, a->p);
		}
	}
	free(ids);
	/* messages sent by the subject on tickets it is no party of, and
	 * the subject as a ticket's mailbox */
	if (rc == 0 && (rc = (int)run2(s, "DELETE FROM messages WHERE sender = "
	    "?2 AND ?1 = ?1", 0, ps)) >= 0) {
		a->p->messages += (unsigned long)rc;
		rc = run2(s, "UPDATE tickets SET mailbox = NULL WHERE mailbox = ?2 "
		    "AND ?1 = ?1", 0, ps) < 0 ? -1 : 0;
	}
	if (rc < 0)
		return -1;
	audit_pseudonym(s, a->addr, aps);
	if (a->dry_run)
		return 1;
	snprintf(counts, sizeof(counts), "{\"tickets_deleted\":%lu,"
	    "\"tickets_kept\":%lu,\"messages\":%lu,\"parties\":%lu}",
	    a->p->tickets_deleted, a->p->tickets_kept, a->p->messages,
	    a->p->parties);
	return audit(s, "erase", aps, counts);
}

/* compact - after an erase or purge: rebuild the file without the freed
 * pages (VACUUM) and empty the WAL, so no deleted row lingers on disk */
static int
compact(struct store *s)
{
	long long deadline = now_ms() + s->busy_ms;
	unsigned attempt = 0;

	for (;;) {
		if (sqlite3_exec(s->db, "VACUUM", NULL, NULL, NULL) == SQLITE_OK)
			break;
		s->last_rc = sqlite3_errcode(s->db);
		if (!busy(s->last_rc) || now_ms() >= deadline)
			return fail(s, "VACUUM");
		pause_ms(attempt++);
	}
	/* a reader may keep part of the WAL alive: not an error, the next
	 * checkpoint overwrites it */
	sqlite3_exec(s->db, "PRAGMA wal_checkpoint(TRUNCATE)", NULL, NULL, NULL);
	return 0;
}

struct dry_audit {
	const char *op;
	const char *subject;
	char counts[160];
};

/* dry_audit_tx - the audit row of a dry run */
static int
dry_audit_tx(struct store *s, void *arg)
{
	struct dry_audit *d = arg;

	return audit(s, d->op, d->subject, d->counts);
}

/* finish_plan - compact after a real run, audit a dry one */
static int
finish_plan(struct store *s, const char *op, const char *subject,
    int dry_run, const struct store_plan *p)
{
	struct dry_audit d = { op, subject, "" };

	if (!dry_run)
		return compact(s);
	snprintf(d.counts, sizeof(d.counts), "{\"dry_run\":true,"
	    "\"tickets_deleted\":%lu,\"tickets_kept\":%lu,\"messages\":%lu,"
	    "\"parties\":%lu}", p->tickets_deleted, p->tickets_kept,
	    p->messages, p->parties);
	return tx_run(s, dry_audit_tx, &d);
}

/* store_erase - one person's records */
int
store_erase(struct store *s, const char *addr, int dry_run,
    struct store_plan *p)
{
	struct erase_arg a = { addr, dry_run, 0, p };
	char aps[STORE_PSEUDONYM_LEN + 1];

	if (p->lines.max == 0 && p->lines.p == NULL)
		buf_init(&p->lines, 0);
	if (tx_run(s, erase_tx, &a) < 0)
		return -1;
	audit_pseudonym(s, addr, aps);
	return finish_plan(s, dry_run ? "erase-dry-run" : "erase", aps,
	    dry_run, p);
}

/* purge_tx - tickets idle since before the cutoff, old fetch ids */
static int
purge_tx(struct store *s, void *arg)
{
	struct erase_arg *a = arg;
	unsigned long *ids = NULL;
	size_t n = 0;
	char counts[160];
	long long nf;
	int rc;

	plan_reset(a->p);
	if (query_ids(s, "SELECT id FROM tickets WHERE last_activity <= ?1 "
	    "ORDER BY id", NULL, a->cutoff, "finding old tickets", &ids,
	    &n) < 0)
		return -1;
	rc = 0;
	for (size_t i = 0; rc == 0 && i < n; i++)
		rc = drop_ticket(s, ids[i], a->p, " (past retention)");
	free(ids);
	if (rc < 0 || (nf = run2(s, "DELETE FROM fetch_seen WHERE time <= ?1 AND "
	    "?2 IS NULL", a->cutoff, NULL)) < 0)
		return -1;
	a->p->fetch_ids = (unsigned long)nf;
	if (a->dry_run)
		return 1;
	snprintf(counts, sizeof(counts), "{\"cutoff\":%lld,\"tickets_deleted\":"
	    "%lu,\"messages\":%lu,\"parties\":%lu,\"fetch_ids\":%lu}",
	    a->cutoff, a->p->tickets_deleted, a->p->messages, a->p->parties,
	    a->p->fetch_ids);
	return audit(s, "purge", NULL, counts);
}

/* store_purge - retention */
int
store_purge(struct store *s, long long cutoff, int dry_run,
    struct store_plan *p)
{
	struct erase_arg a = { NULL, dry_run, cutoff, p };

	if (p->lines.max == 0 && p->lines.p == NULL)
		buf_init(&p->lines, 0);
	if (tx_run(s, purge_tx, &a) < 0)
		return -1;
	return finish_plan(s, dry_run ? "purge-dry-run" : "purge", NULL,
	    dry_run, p);
}

/* --- the IMAP door's state ---------------------------------------------- */

struct fetch_arg {
	const char *account;
	const char *msgid;
	unsigned long long a, b;
	int seen;
};

/* store_fetch_get - one statement, atomic without a transaction */
int
store_fetch_get(struct store *s, const char *account,
    unsigned long long *uidvalidity, unsigned long long *last_uid)
{
	sqlite3_stmt *q = stmt(s, Q_FETCH_GET);
	int rc;

	*uidvalidity = *last_uid = 0;
	if (q == NULL)
		return -1;
	bind_text(q, 1, account);
	rc = sqlite3_step(q);
	if (rc == SQLITE_ROW) {
		*uidvalidity = (unsigned long long)sqlite3_column_int64(q, 0);
		*last_uid = (unsigned long long)sqlite3_column_int64(q, 1);
	}
	sqlite3_reset(q);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return fail(s, "reading the fetch state");
	return 0;
}

/* fetch_set_tx - upsert the account's row */
static int
fetch_set_tx(struct store *s, void *arg)
{
	struct fetch_arg *f = arg;
	sqlite3_stmt *q = stmt(s, Q_FETCH_SET);

	if (q == NULL)
		return -1;
	bind_text(q, 1, f->account);
	sqlite3_bind_int64(q, 2, (sqlite3_int64)f->a);
	sqlite3_bind_int64(q, 3, (sqlite3_int64)f->b);
	return step_done(s, q, "writing the fetch state");
}

/* store_fetch_set - see store.h */
int
store_fetch_set(struct store *s, const char *account,
    unsigned long long uidvalidity, unsigned long long last_uid)
{
	struct fetch_arg f = { account, NULL, uidvalidity, last_uid, 0 };

	return tx_run(s, fetch_set_tx, &f);
}

/* store_fetch_seen - 1 if processed already */
int
store_fetch_seen(struct store *s, const char *account,
    const char *message_id)
{
	sqlite3_stmt *q = stmt(s, Q_FETCH_SEEN);
	char h[33];
	int rc;

	if (q == NULL)
		return -1;
	store_msgid_hash(s, message_id, strlen(message_id), h);
	bind_text(q, 1, account);
	sqlite3_bind_text(q, 2, h, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(q);
	sqlite3_reset(q);
	if (rc == SQLITE_ROW)
		return 1;
	return rc == SQLITE_DONE ? 0 : fail(s, "reading the fetch ids");
}

/* fetch_mark_tx - insert the id */
static int
fetch_mark_tx(struct store *s, void *arg)
{
	struct fetch_arg *f = arg;
	sqlite3_stmt *q = stmt(s, Q_FETCH_MARK);
	char h[33];

	if (q == NULL)
		return -1;
	store_msgid_hash(s, f->msgid, strlen(f->msgid), h);
	bind_text(q, 1, f->account);
	sqlite3_bind_text(q, 2, h, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(q, 3, (long long)time(NULL));
	return step_done(s, q, "writing the fetch ids");
}

/* store_fetch_mark - see store.h */
int
store_fetch_mark(struct store *s, const char *account,
    const char *message_id)
{
	struct fetch_arg f = { account, message_id, 0, 0, 0 };

	return tx_run(s, fetch_mark_tx, &f);
}
