/* test_spool - the durable queue: round trip, ids, update, remove, dead,
 * refusal of forged lines, crash safety (a writer SIGKILLed mid-write
 * never leaves a half message in queue/), and inode reuse through free/ */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"
#include "spool.h"

static char dir[] = "/tmp/test_spool.XXXXXX";

/* count_files - regular entries of dir/sub */
static int
count_files(const char *sub)
{
	char p[256];
	DIR *d;
	struct dirent *de;
	int n = 0;

	snprintf(p, sizeof(p), "%s/%s", dir, sub);
	if ((d = opendir(p)) == NULL)
		return -1;
	while ((de = readdir(d)) != NULL)
		if (de->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

/* find_file - an entry of dir/sub whose size is in [min, max): 1 with its
 * stat in *st_r, 0 if none */
static int
find_file(const char *sub, off_t min, off_t max, struct stat *st_r)
{
	char p[256], f[600];
	DIR *d;
	struct dirent *de;
	int found = 0;

	snprintf(p, sizeof(p), "%s/%s", dir, sub);
	if ((d = opendir(p)) == NULL)
		return 0;
	while (!found && (de = readdir(d)) != NULL) {
		snprintf(f, sizeof(f), "%s/%s", p, de->d_name);
		found = de->d_name[0] != '.' && stat(f, st_r) == 0 &&
		    st_r->st_size >= min && st_r->st_size < max;
	}
	closedir(d);
	return found;
}

/* tmp_partial - a file in tmp/ with some but not all bytes */
static int
tmp_partial(size_t big)
{
	struct stat st;

	return find_file("tmp", 1, (off_t)big, &st);
}

/* clear_tmp - remove what a killed writer left */
static void
clear_tmp(void)
{
	char p[256];
	DIR *d;
	struct dirent *de;

	snprintf(p, sizeof(p), "%s/tmp", dir);
	if ((d = opendir(p)) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		char f[600];

		snprintf(f, sizeof(f), "%s/%s", p, de->d_name);
		if (de->d_name[0] != '.')
			unlink(f);
	}
	closedir(d);
}

/* make_env - sender + n recipients */
static void
make_env(struct envelope *e, const char *sender, int n)
{
	char r[64];

	envelope_init(e);
	envelope_set_sender(e, sender);
	for (int i = 0; i < n; i++) {
		snprintf(r, sizeof(r), "rcpt%d@example.net", i);
		envelope_add_rcpt(e, r);
	}
}

/* test_roundtrip - put, list, read, update, remove, dead */
static void
test_roundtrip(struct spool *s)
{
	static const char msg[] = "Subject: hi\r\n\r\nbody\r\n.\r\n\0bin\n";
	struct envelope env;
	struct spool_entry e, *v;
	char id[SPOOL_ID_MAX], id2[SPOOL_ID_MAX], *m;
	size_t n, len;

	make_env(&env, "ann@example.org", 3);
	env.route = strdup("support");
	snprintf(env.client_addr, sizeof(env.client_addr), "192.0.2.1");
	snprintf(env.helo, sizeof(env.helo), "evil\r\nrcpt x@y");
	snprintf(env.proto, sizeof(env.proto), "ESMTP");
	env.ticket = 42;
	env.store_msg = 7;
	env.body_8bit = 1;
	CHECK(spool_put(s, &env, msg, sizeof(msg) - 1, id) == 0);
	CHECK(strlen(id) >= 12);
	CHECK(spool_put(s, &env, msg, sizeof(msg) - 1, id2) == 0);
	CHECK(strcmp(id, id2) != 0);
	CHECK(count_files("queue") == 2);
	CHECK(count_files("tmp") == 0);

	CHECK(spool_read(s, id, &e, &m, &len) == 0);
	CHECK(len == sizeof(msg) - 1 && memcmp(m, msg, len) == 0);
	CHECK(strcmp(e.id, id) == 0);
	CHECK(strcmp(e.env.sender, "ann@example.org") == 0);
	CHECK(e.env.nrcpts == 3 && strcmp(e.env.rcpts[2], "rcpt2@example.net") == 0);
	CHECK(e.env.route && strcmp(e.env.route, "support") == 0);
	CHECK(strcmp(e.env.client_addr, "192.0.2.1") == 0);
	CHECK(strcmp(e.env.helo, "evil??rcpt x@y") == 0);	/* no forged line */
	CHECK(e.env.ticket == 42 && e.env.store_msg == 7 && e.env.body_8bit);
	CHECK(e.attempts == 0 && e.arrival > 0 && e.next_try == e.arrival);
	free(m);

	/* update: one recipient done, attempts and error recorded */
	envelope_remove_rcpt(&e.env, 0);
	e.attempts = 3;
	e.next_try += 600;
	snprintf(e.last_error, sizeof(e.last_error), "451 4.3.0 try\r\nlater");
	CHECK(spool_update(s, &e) == 0);
	envelope_free(&e.env);
	CHECK(spool_read(s, id, &e, &m, &len) == 0);
	CHECK(len == sizeof(msg) - 1 && memcmp(m, msg, len) == 0);
	CHECK(e.env.nrcpts == 2 && strcmp(e.env.rcpts[0], "rcpt1@example.net") == 0);
	CHECK(e.attempts == 3);
	CHECK(strcmp(e.last_error, "451 4.3.0 try??later") == 0);
	free(m);
	envelope_free(&e.env);
	CHECK(count_files("tmp") == 0);

	CHECK(spool_list(s, &v, &n) == 0);
	CHECK(n == 2);
	CHECK(n == 2 && strcmp(v[0].id, id) == 0);	/* oldest first */
	spool_list_free(v, n);

	CHECK(spool_dead(s, id2) == 0);
	CHECK(count_files("dead") == 1 && count_files("queue") == 1);
	CHECK(spool_list_dead(s, &v, &n) == 0 && n == 1);
	spool_list_free(v, n);
	CHECK(spool_remove(s, id) == 0);
	CHECK(count_files("queue") == 0);
	CHECK(spool_read(s, id, &e, &m, &len) < 0 && errno == ENOENT);
	CHECK(spool_update(s, &(struct spool_entry){ .env = env,
	    .id = "0000000000000000" }) < 0);
	CHECK(spool_remove(s, "../etc/passwd") < 0);

	/* the null sender is kept as "" */
	envelope_set_sender(&env, "");
	CHECK(spool_put(s, &env, "x", 1, id) == 0);
	CHECK(spool_read(s, id, &e, &m, &len) == 0);
	CHECK(e.env.sender && e.env.sender[0] == '\0');
	free(m);
	envelope_free(&e.env);
	CHECK(spool_remove(s, id) == 0);
	envelope_free(&env);
}

/* test_refused - addresses that would forge an envelope line, no rcpts */
static void
test_refused(struct spool *s)
{
	struct envelope env;
	char id[SPOOL_ID_MAX];

	make_env(&env, "a@b\nrcpt evil@x", 1);
	CHECK(spool_put(s, &env, "x", 1, id) < 0 && errno == EINVAL);
	envelope_free(&env);
	make_env(&env, "a@b", 0);
	CHECK(spool_put(s, &env, "x", 1, id) < 0);
	envelope_add_rcpt(&env, "x\r@y");
	CHECK(spool_put(s, &env, "x", 1, id) < 0);
	envelope_free(&env);
	CHECK(count_files("queue") == 0 && count_files("tmp") == 0);
}

/* test_corrupt - a file cut short or foreign is skipped, not delivered */
static void
test_corrupt(struct spool *s)
{
	char p[256];
	FILE *f;
	struct spool_entry *v, e;
	size_t n, len;
	char *m;

	snprintf(p, sizeof(p), "%s/queue/ABCDEF0123456789", dir);
	f = fopen(p, "w");
	fputs("SCRUBGATE-SPOOL 1\narrival 1\nnext-try 1\nattempts 0\n"
	    "size 100\nsender a@b\nrcpt c@d\n\nshort", f);
	fclose(f);
	CHECK(spool_read(s, "ABCDEF0123456789", &e, &m, &len) < 0);
	snprintf(p, sizeof(p), "%s/queue/ABCDEF0123456780", dir);
	f = fopen(p, "w");
	fputs("hello\n\nworld", f);
	fclose(f);
	CHECK(spool_list(s, &v, &n) == 0);
	/* the cut one parses (its envelope is whole), the foreign one not */
	CHECK(n == 1);
	spool_list_free(v, n);
	unlink(p);
	snprintf(p, sizeof(p), "%s/queue/ABCDEF0123456789", dir);
	unlink(p);
}

/* test_crash - SIGKILL a writer of big messages mid-write, many times:
 * queue/ only ever holds whole messages */
static void
test_crash(struct spool *s)
{
	size_t big = 8u << 20;
	char *msg = malloc(big);
	struct spool_entry *v;
	size_t n;
	int whole = 1, kills = 0;

	for (size_t i = 0; i < big; i++)
		msg[i] = (char)('a' + i % 26);
	/* kill until three kills hit a write in progress (a kill may land
	 * between two writes: that round proves nothing and is repeated) */
	for (int round = 0; round < 30 && kills < 3; round++) {
		int before = count_files("queue");
		pid_t pid = fork();

		if (pid == 0) {
			struct envelope env;
			char id[SPOOL_ID_MAX];

			make_env(&env, "a@example.org", 1);
			for (;;)
				if (spool_put(s, &env, msg, big, id) < 0)
					_exit(1);
		}
		/* wait until one message is whole and the next is being
		 * written (a non-empty file in tmp/), then kill */
		for (int t = 0; t < 200000; t++) {
			if (count_files("queue") > before && tmp_partial(big))
				break;
			usleep(50);
		}
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		if (tmp_partial(big))
			kills++;
		clear_tmp();
	}
	CHECK_MSG(kills >= 1, "never killed mid-write (%d)", kills);
	CHECK(spool_list(s, &v, &n) == 0);
	for (size_t i = 0; i < n; i++) {
		struct spool_entry e;
		char *m;
		size_t len;

		if (spool_read(s, v[i].id, &e, &m, &len) < 0 || len != big ||
		    memcmp(m, msg, big) != 0)
			whole = 0;
		else
			free(m);
		envelope_free(&e.env);
		spool_remove(s, v[i].id);
	}
	CHECK_MSG(whole, "a half message in queue/ (%zu files)", n);
	spool_list_free(v, n);
	free(msg);
}

/* inode_of - the inode of dir/sub/name, 0 if missing */
static ino_t
inode_of(const char *sub, const char *name)
{
	char p[300];
	struct stat st;

	snprintf(p, sizeof(p), "%s/%s/%s", dir, sub, name);
	return stat(p, &st) == 0 ? st.st_ino : 0;
}

/* first_free - the inode and size of one file in free/, 0 if none */
static ino_t
first_free(off_t *size_r)
{
	struct stat st;

	if (!find_file("free", 0, (off_t)1 << 62, &st))
		return 0;
	*size_r = st.st_size;
	return st.st_ino;
}

/* test_reuse - a delivered file is emptied and kept in free/; the next
 * put takes its inode instead of allocating one; an operator's delete and
 * a full pool unlink; an empty queue file is no entry */
static void
test_reuse(struct spool *s)
{
	struct envelope env;
	struct spool_entry e, *v;
	char id[SPOOL_ID_MAX], id2[SPOOL_ID_MAX], p[600], *msg;
	size_t n, len;
	ino_t old, freed;
	off_t fsize = -1;
	FILE *f;
	int ok = 1;

	make_env(&env, "ann@example.org", 1);
	CHECK(count_files("free") == 0);
	CHECK(spool_put(s, &env, "first\r\n", 7, id) == 0);
	old = inode_of("queue", id);
	CHECK(old != 0);
	CHECK(spool_delivered(s, id) == 0);
	CHECK(inode_of("queue", id) == 0);
	CHECK(count_files("free") == 1);
	freed = first_free(&fsize);
	CHECK_MSG(freed == old && fsize == 0, "free/ holds inode %lu size %lld,"
	    " the delivered file was %lu", (unsigned long)freed,
	    (long long)fsize, (unsigned long)old);

	/* the next put reuses it, whatever its size was */
	CHECK(spool_put(s, &env, "second message\r\n", 16, id2) == 0);
	CHECK_MSG(inode_of("queue", id2) == old, "put allocated a new inode");
	CHECK(count_files("free") == 0);
	CHECK(spool_read(s, id2, &e, &msg, &len) == 0);
	CHECK(len == 16 && memcmp(msg, "second message\r\n", 16) == 0);
	envelope_free(&e.env);
	free(msg);

	/* an operator's delete never reuses: a delivery may be reading it */
	CHECK(spool_remove(s, id2) == 0);
	CHECK(count_files("free") == 0 && count_files("queue") == 0);

	/* an empty queue file (a release in progress, or its owner died
	 * between truncating and renaming) is no entry and no error */
	snprintf(p, sizeof(p), "%s/queue/0123456789ABCDEF", dir);
	if ((f = fopen(p, "w")) != NULL)
		fclose(f);
	CHECK(spool_list(s, &v, &n) == 0 && n == 0);
	spool_list_free(v, n);
	errno = 0;
	CHECK(spool_read(s, "0123456789ABCDEF", &e, &msg, &len) < 0 &&
	    errno == ENOENT);
	unlink(p);

	/* a full pool: delivered files are unlinked, not kept */
	for (int i = 0; i < 1024 && ok; i++) {
		snprintf(p, sizeof(p), "%s/free/F%03X", dir, (unsigned)i);
		if ((f = fopen(p, "w")) == NULL)
			ok = 0;
		else
			fclose(f);
	}
	CHECK(ok && count_files("free") == 1024);
	CHECK(spool_put(s, &env, "x\r\n", 3, id) == 0);
	CHECK(count_files("free") == 1023);	/* the put took one */
	snprintf(p, sizeof(p), "%s/free/F%03X", dir, 0x3ffu);
	for (int i = 0; i < 1024; i++) {	/* refill the one taken */
		snprintf(p, sizeof(p), "%s/free/F%03X", dir, (unsigned)i);
		if ((f = fopen(p, "a")) != NULL)
			fclose(f);
	}
	CHECK(spool_delivered(s, id) == 0);
	CHECK(inode_of("queue", id) == 0 && count_files("free") == 1024 &&
	    count_files("queue") == 0);
	for (int i = 0; i < 1024; i++) {
		snprintf(p, sizeof(p), "%s/free/F%03X", dir, (unsigned)i);
		unlink(p);
	}
	envelope_free(&env);
}

int
main(void)
{
	struct spool *s;
	char err[256], cmd[300];
	struct stat st;

	if (mkdtemp(dir) == NULL)
		return 2;
	s = spool_open(dir, err, sizeof(err));
	CHECK(s != NULL);
	if (s == NULL)
		return harness_done();
	CHECK(count_files("tmp") == 0 && count_files("queue") == 0 &&
	    count_files("dead") == 0);
	snprintf(cmd, sizeof(cmd), "%s/queue", dir);
	CHECK(stat(cmd, &st) == 0 && (st.st_mode & 077) == 0);
	test_roundtrip(s);
	test_refused(s);
	test_corrupt(s);
	test_crash(s);
	test_reuse(s);
	spool_close(&s);
	CHECK(s == NULL);
	spool_close(&s);
	CHECK(spool_open("/proc/nonexistent/x", err, sizeof(err)) == NULL);
	CHECK(strstr(err, "/proc/nonexistent/x") != NULL);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		return 2;
	return harness_done();
}
