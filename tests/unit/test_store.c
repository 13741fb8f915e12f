/* test_store - the SQLite store: migrations from every earlier version
 * (and a newer one refused), threading lookups by In-Reply-To,
 * References and tag, ticket numbers never reused (even after erase),
 * erase keeping other parties' records, export, purge, the IMAP fetch
 * state, and no plain address in the file unless store_addresses. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "harness.h"
#include "store.h"

static char dir[64];
static const unsigned char key[32] = "0123456789abcdef0123456789abcde";

/* path_of - a file in the test directory */
static const char *
path_of(const char *name)
{
	static char p[128];

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	return p;
}

/* open_db - open name, migrated up to version */
static struct store *
open_db(const char *name, int version, int addrs)
{
	struct store_opts o = { path_of(name), key, sizeof(key), addrs, 2000 };
	char err[STORE_ERR_MAX];
	struct store *s = store_open_upto(&o, version, err, sizeof(err));

	CHECK_MSG(s != NULL, "%s", err);
	return s;
}

/* record - one message; returns the ticket */
static unsigned long
record(struct store *s, unsigned long ticket, const char *msgid,
    const char *from, const char *cc, int open)
{
	struct store_party p[3] = { { "requester", from },
	    { "to", "help@support.example" }, { "cc", cc } };
	struct store_message m;
	unsigned long t = 0;
	long long msg = 0;

	memset(&m, 0, sizeof(m));
	m.ticket = ticket;
	m.open_ticket = open;
	m.route = "support";
	m.mailbox = "help@support.example";
	m.message_id = msgid;
	m.subject = "Printer";
	m.counts_json = "{\"email\":1}";
	m.sender = from;
	m.parties = p;
	m.nparties = cc ? 3 : 2;
	CHECK_MSG(store_record(s, &m, &t, &msg) == 0, "%s", store_error(s));
	CHECK(open == 0 || msg > 0);
	return t;
}

/* file_has - the raw bytes of the database file hold needle */
static int
file_has(const char *name, const char *needle)
{
	FILE *f = fopen(path_of(name), "rb");
	static char data[4 << 20];
	size_t n, k = strlen(needle);

	if (f == NULL)
		return 0;
	n = fread(data, 1, sizeof(data), f);
	fclose(f);
	for (size_t i = 0; i + k <= n; i++)
		if (memcmp(data + i, needle, k) == 0)
			return 1;
	return 0;
}

static void
test_migrations(void)
{
	struct store *s;
	unsigned long t;
	unsigned long long v, u;
	sqlite3 *db;

	/* from nothing (version 0) */
	s = open_db("m0.db", STORE_SCHEMA_VERSION, 0);
	CHECK(s && store_schema_version(s) == STORE_SCHEMA_VERSION);
	store_close(&s);
	/* from every earlier version, with data in it */
	for (int from = 1; from < STORE_SCHEMA_VERSION; from++) {
		char name[32];

		snprintf(name, sizeof(name), "m%d.db", from);
		s = open_db(name, from, 0);
		CHECK(s && store_schema_version(s) == from);
		if (s == NULL)
			continue;
		if (from == 1) {	/* version 1 has no auto_class yet */
			sqlite3_open(path_of(name), &db);
			CHECK(sqlite3_exec(db, "INSERT INTO tickets VALUES (100000,"
			    "'open','r',NULL,1,1); UPDATE seq SET next = 100001;"
			    "INSERT INTO messages (ticket_id, msgid, received, size,"
			    " direction) VALUES (100000, 'x', 1, 1, 'in');", NULL,
			    NULL, NULL) == SQLITE_OK);
			sqlite3_close(db);
		}
		store_close(&s);
		s = open_db(name, STORE_SCHEMA_VERSION, 0);
		CHECK(s && store_schema_version(s) == STORE_SCHEMA_VERSION);
		if (s == NULL)
			continue;
		/* old data kept, new tables usable, sequence continues */
		t = record(s, 0, "<new@x>", "a@x.org", NULL, 1);
		CHECK_MSG(t == 100001, "%lu", t);
		CHECK(store_fetch_set(s, "acct", 7, 9) == 0);
		CHECK(store_fetch_get(s, "acct", &v, &u) == 0 && v == 7 && u == 9);
		store_close(&s);
	}
	/* a file from a newer scrubgate is refused */
	sqlite3_open(path_of("m0.db"), &db);
	sqlite3_exec(db, "PRAGMA user_version = 99", NULL, NULL, NULL);
	sqlite3_close(db);
	{
		struct store_opts o = { path_of("m0.db"), key, sizeof(key), 0, 500 };
		char err[STORE_ERR_MAX];

		s = store_open(&o, err, sizeof(err));
		CHECK(s == NULL && strstr(err, "schema version 99 is newer") != NULL);
	}
}

static void
test_threading(void)
{
	struct store *s = open_db("t.db", STORE_SCHEMA_VERSION, 0);
	const char *ids1[] = { "<m1@mail.x>" };
	const char *ids2[] = { "nope@x", "<m1@mail.x>" };
	const char *ids3[] = { "nope@x" };
	unsigned long t1, t2, found;
	const char *how = NULL;

	if (s == NULL)
		return;
	t1 = record(s, 0, "<m1@mail.x>", "Alice@Example.com", NULL, 1);
	t2 = record(s, 0, "<m2@mail.x>", "bob@example.com", NULL, 1);
	CHECK(t1 == 100000 && t2 == 100001);
	/* In-Reply-To (the first nreply ids) */
	CHECK(store_find_ticket(s, ids1, 1, 1, 0, &found, &how) == 1 &&
	    found == t1 && strcmp(how, "in-reply-to") == 0);
	/* References: angle brackets and case of the id as stored */
	CHECK(store_find_ticket(s, ids2, 2, 1, 0, &found, &how) == 1 &&
	    found == t1 && strcmp(how, "references") == 0);
	/* tag: only an existing ticket */
	CHECK(store_find_ticket(s, ids3, 1, 1, t2, &found, &how) == 1 &&
	    found == t2 && strcmp(how, "tag") == 0);
	CHECK(store_find_ticket(s, ids3, 1, 1, 123, &found, &how) == 0 &&
	    found == 0);
	/* ids win over the tag */
	CHECK(store_find_ticket(s, ids1, 1, 1, t2, &found, &how) == 1 &&
	    found == t1);
	/* a caller that found nothing (a race with another process): the
	 * recording transaction looks again, by reference and by tag */
	{
		struct store_message m;
		unsigned long got = 0;
		long long msg = 0;

		memset(&m, 0, sizeof(m));
		m.open_ticket = 1;
		m.message_id = "<late@x>";
		m.refs = ids1;
		m.nrefs = 1;
		CHECK(store_record(s, &m, &got, &msg) == 0 && got == t1);
		m.refs = NULL;
		m.nrefs = 0;
		m.tag = t2;
		m.message_id = "<late2@x>";
		CHECK(store_record(s, &m, &got, &msg) == 0 && got == t2);
	}
	/* joining a ticket; without a ticket and not opening: nothing */
	CHECK(record(s, t1, "<m3@mail.x>", "alice@example.com", NULL, 1) == t1);
	CHECK(record(s, 0, "<auto@x>", "x@y.z", NULL, 0) == 0);
	/* a ticket that no longer exists is not joined */
	CHECK(record(s, 999999, "<m4@x>", "c@d.e", NULL, 0) == 0);
	CHECK(store_delivered(s, 1, "sent", "250 2.0.0 Ok <a@b.c> queued") == 0);
	{
		struct store_ticket t;

		CHECK(store_ticket_load(s, t1, &t) == 1);
		CHECK(t.nmsgs == 3 && t.nparties == 2);
		CHECK_MSG(strcmp(t.msgs[0].reply, "250 2.0.0 Ok [address] queued")
		    == 0, "%s", t.msgs[0].reply);
		CHECK(strcmp(t.msgs[0].delivery, "sent") == 0);
		store_ticket_free(&t);
		CHECK(store_ticket_load(s, 424242, &t) == 0);
	}
	store_close(&s);
	CHECK(!file_has("t.db", "lice@example.com"));
	CHECK(!file_has("t.db", "m1@mail.x"));
}

static void
test_erase(void)
{
	struct store *s = open_db("e.db", STORE_SCHEMA_VERSION, 0);
	struct store_ticket *v = NULL;
	struct store_plan p;
	char ps[STORE_PSEUDONYM_LEN + 1], ps_bob[STORE_PSEUDONYM_LEN + 1];
	unsigned long a1, shared, b1, n1;
	size_t n = 0;

	if (s == NULL)
		return;
	store_pseudonym(s, " <ALICE@example.com> ", ps);
	store_pseudonym(s, "bob@example.com", ps_bob);
	a1 = record(s, 0, "<a1@x>", "alice@example.com", NULL, 1);
	shared = record(s, 0, "<s1@x>", "alice@example.com", "bob@example.com", 1);
	record(s, shared, "<s2@x>", "bob@example.com", NULL, 1);
	b1 = record(s, 0, "<b1@x>", "bob@example.com", NULL, 1);
	CHECK(store_export(s, "Alice@Example.com", &v, &n) == 0 && n == 2);
	CHECK(n == 2 && v[0].id == a1 && v[1].id == shared);
	CHECK(n == 2 && v[1].nmsgs == 2 && v[1].nparties == 1 &&
	    strcmp(v[1].parties[0].pseudonym, ps) == 0);
	/* bob's message in the shared ticket is not marked as alice's */
	CHECK(n == 2 && v[1].msgs[1].sender[0] == '\0' &&
	    strcmp(v[1].msgs[0].sender, ps) == 0);
	store_tickets_free(&v, n);

	memset(&p, 0, sizeof(p));
	CHECK(store_erase(s, "alice@example.com", 1, &p) == 0);
	CHECK(p.tickets_deleted == 1 && p.tickets_kept == 1 && p.messages == 2);
	CHECK(strstr(p.lines.p, "would") == NULL && strstr(p.lines.p, "ticket"));
	CHECK(store_export(s, "alice@example.com", &v, &n) == 0 && n == 2);
	store_tickets_free(&v, n);
	store_plan_free(&p);

	memset(&p, 0, sizeof(p));
	CHECK(store_erase(s, "alice@example.com", 0, &p) == 0);
	CHECK(p.tickets_deleted == 1 && p.tickets_kept == 1);
	store_plan_free(&p);
	CHECK(store_export(s, "alice@example.com", &v, &n) == 0 && n == 0);
	store_tickets_free(&v, n);
	/* bob intact, his message in the shared ticket kept */
	CHECK(store_export(s, "bob@example.com", &v, &n) == 0 && n == 2);
	CHECK(n == 2 && v[0].id == shared && v[0].nmsgs == 1 && v[1].id == b1);
	store_tickets_free(&v, n);
	/* numbers never reused */
	n1 = record(s, 0, "<new@x>", "carol@example.com", NULL, 1);
	CHECK_MSG(n1 == b1 + 1, "%lu", n1);
	store_close(&s);
	/* no copy of alice's pseudonym left in the file (VACUUM) */
	CHECK(!file_has("e.db", ps));
	CHECK(!file_has("e.db-wal", ps));
	CHECK(file_has("e.db", ps_bob));
}

static void
test_purge_fetch(void)
{
	struct store *s = open_db("p.db", STORE_SCHEMA_VERSION, 1);
	struct store_ticket *v = NULL;
	struct store_filter f = { 0, NULL, NULL, NULL };
	struct store_plan p;
	unsigned long long uv, lu;
	size_t n = 0;

	if (s == NULL)
		return;
	record(s, 0, "<p1@x>", "Dave@Example.com", NULL, 1);
	CHECK(store_fetch_get(s, "inbox", &uv, &lu) == 0 && uv == 0 && lu == 0);
	CHECK(store_fetch_seen(s, "inbox", "<p1@x>") == 0);
	CHECK(store_fetch_mark(s, "inbox", "<p1@x>") == 0);
	CHECK(store_fetch_mark(s, "inbox", "<p1@x>") == 0);
	CHECK(store_fetch_seen(s, "inbox", "p1@x") == 1);
	CHECK(store_fetch_seen(s, "other", "<p1@x>") == 0);
	CHECK(store_fetch_set(s, "inbox", 5, 10) == 0 &&
	    store_fetch_set(s, "inbox", 6, 11) == 0);
	CHECK(store_fetch_get(s, "inbox", &uv, &lu) == 0 && uv == 6 && lu == 11);
	/* store_addresses = yes: the normalised address is kept */
	CHECK(store_list(s, &f, &v, &n) == 0 && n == 1);
	if (n == 1) {
		struct store_ticket t;

		CHECK(store_ticket_load(s, v[0].id, &t) == 1 && t.nparties == 2 &&
		    strcmp(t.parties[0].address, "dave@example.com") == 0);
		store_ticket_free(&t);
	}
	store_tickets_free(&v, n);
	/* nothing is older than a day ago; everything is older than tomorrow */
	memset(&p, 0, sizeof(p));
	CHECK(store_purge(s, (long long)time(NULL) - 86400, 0, &p) == 0 &&
	    p.tickets_deleted == 0);
	store_plan_free(&p);
	memset(&p, 0, sizeof(p));
	CHECK(store_purge(s, (long long)time(NULL) + 86400, 1, &p) == 0 &&
	    p.tickets_deleted == 1 && p.fetch_ids == 1);
	store_plan_free(&p);
	CHECK(store_list(s, &f, &v, &n) == 0 && n == 1);
	store_tickets_free(&v, n);
	memset(&p, 0, sizeof(p));
	CHECK(store_purge(s, (long long)time(NULL) + 86400, 0, &p) == 0 &&
	    p.tickets_deleted == 1 && p.messages == 1);
	store_plan_free(&p);
	CHECK(store_list(s, &f, &v, &n) == 0 && n == 0);
	CHECK(store_fetch_seen(s, "inbox", "<p1@x>") == 0);
	store_close(&s);
	CHECK(!file_has("p.db", "dave@example.com"));
}

/* test_deferred_checkpoint - a connection with deferred checkpoints
 * lets the WAL grow past SQLite's autocheckpoint inside its commits, says
 * when one is due, and store_checkpoint copies it back */
static void
test_deferred_checkpoint(void)
{
	struct store *s = open_db("ck.db", STORE_SCHEMA_VERSION, 0);
	char id[64];
	int copied, n = 0;

	if (s == NULL)
		return;
	store_defer_checkpoints(s);
	CHECK(!store_checkpoint_due(s));
	while (!store_checkpoint_due(s) && n < 5000) {
		snprintf(id, sizeof(id), "<ck%d@x>", n++);
		record(s, 0, id, "a@x.org", "b@y.org", 1);
	}
	CHECK_MSG(store_checkpoint_due(s), "not due after %d records", n);
	/* one more commit: nothing was copied back inside the commits, so
	 * every frame is still waiting (an autocheckpoint would have reset
	 * the WAL at STORE_CHECKPOINT_PAGES) */
	record(s, 0, "<ck-last@x>", "a@x.org", NULL, 1);
	copied = store_checkpoint(s);
	CHECK_MSG(copied > STORE_CHECKPOINT_PAGES, "%d frames copied", copied);
	CHECK(!store_checkpoint_due(s));
	record(s, 0, "<ck-after@x>", "a@x.org", NULL, 1);
	CHECK_MSG(!store_checkpoint_due(s), "WAL not restarted after the "
	    "checkpoint");
	store_close(&s);
}

int
main(void)
{
	snprintf(dir, sizeof(dir), "/tmp/scrubgate-store.XXXXXX");
	if (mkdtemp(dir) == NULL)
		return 2;
	test_migrations();
	test_threading();
	test_erase();
	test_purge_fetch();
	test_deferred_checkpoint();
	{
		char cmd[128];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
		if (system(cmd) != 0)
			fprintf(stderr, "cannot remove %s\n", dir);
	}
	return harness_done();
}
