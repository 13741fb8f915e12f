/* spool - the durable queue of scrubbed messages; see spool.h.
 *
 * A queue file is a text envelope block, an empty line, then the message:
 *
 *   SCRUBGATE-SPOOL 1
 *   arrival 1700000000
 *   next-try 1700000000
 *   attempts 0
 *   size 10240                 message bytes after the empty line
 *   route support              (absent: no route)
 *   sender ann@example.org     (empty value: the null sender <>)
 *   rcpt help@example.net      one line per recipient still to deliver
 *   client-addr 127.0.0.1      client facts, ticket, store row, last error
 *   ...
 *
 *   <message bytes, exactly as they will be sent>
 *
 * Only the envelope addresses needed to deliver are there: the message is
 * the scrubbed one and stripped Cc recipients never reach the envelope.
 * An address holding CR, LF or NUL is refused (it would forge a line);
 * other free-text values (HELO, last error) have control bytes replaced.
 *
 * Every change is a new file: tmp/ID.PID -> write -> fsync -> rename ->
 * fsync the directory.  The size line lets a reader refuse a file cut
 * short by a bug or a disk error (rename makes a torn file impossible).
 * The queue id: seconds (8 hex), microseconds (5 hex), pid (6 hex) and a
 * per-process counter (3 hex), upper-case, so ids sort by arrival and two
 * processes never clash; RENAME_NOREPLACE guards against the impossible.
 *
 * Group commit of the directory fsync.  An fsync of queue/ makes durable
 * every rename into it that finished before the fsync started, so the
 * threads of one process that put at the same time need not each fsync
 * it: the handles of one queue directory (by device and inode) share a
 * struct dirsync, which numbers its fsync rounds.  A writer whose rename
 * has finished needs round started + 1 (the next one to start, which
 * starts after its rename); it runs that round itself when none is
 * running, else it waits for the running one to end and looks again.  It
 * returns only when a round it needs, or a later one, has ended, so
 * spool_put still returns 0 only after its rename was fsynced.  A round
 * that fails fails every writer waiting for it or for an earlier one.
 * Other processes (the queue manager, fetch) keep their own fsyncs.
 *
 * Inode reuse.  spool_delivered empties a delivered file and renames it
 * into free/ (names F000 ... F3FF) instead of unlinking it, and a put
 * takes a file from there before it creates one.  ext4 without a journal
 * skips every inode freed in the last minutes when it allocates one, an
 * inode-table lookup each, so a file created and deleted per message made
 * that scan the biggest cost of the gateway (docs/architecture.md).  An
 * empty file in queue/ is a release in progress: no entry for readers.
 */
#include "spool.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include "buf.h"
#include "log.h"
#include "safefile.h"

#define SPOOL_MAGIC "SCRUBGATE-SPOOL 1"
#define SPOOL_LINE_MAX 4096		/* one envelope line */
#define SPOOL_BLOCK_MAX (16u << 20)	/* the whole envelope block */
#define SPOOL_RCPT_MAX 100000
#define SPOOL_TMP_AGE (3600)		/* stale tmp/ files are removed */
#define SPOOL_EMPTY_AGE 60		/* an empty queue file is abandoned */
#define SPOOL_POOL 1024			/* names in free/: F000 ... F3FF */
#define SPOOL_POOL_PROBES 4		/* names tried per release */
#define SPOOL_POOL_CACHE 64		/* names a handle reads from free/ */
#define SPOOL_POOL_CLAIMS 8		/* names a put tries before it creates */

/* the directory fsyncs of one queue directory, shared by the handles of
 * this process (see above); all fields under dirsync_lock */
struct dirsync {
	struct dirsync *next;
	dev_t dev;
	ino_t ino;
	unsigned refs;
	pthread_cond_t cv;		/* a round ended */
	uint64_t started, done;		/* rounds started, ended */
	uint64_t failed;		/* the last round that failed, 0 none */
	int failed_errno;
	int running;
	/* names seen in free/, handed out once to the handles of the
	 * process (spool_put claims them); under pool_lock */
	pthread_mutex_t pool_lock;
	char pool[SPOOL_POOL_CACHE][8];
	unsigned npool;
	struct timespec pool_seen;	/* free/'s mtime when it read empty */
};

struct spool {
	char *dir;
	int tmpfd, queuefd, deadfd;	/* directory descriptors */
	int freefd;			/* free/, or -1: no inode reuse */
	struct dirsync *ds;		/* NULL: fsync alone */
};

static pthread_mutex_t dirsync_lock = PTHREAD_MUTEX_INITIALIZER;
static struct dirsync *dirsyncs;
static pthread_once_t dirsync_once = PTHREAD_ONCE_INIT;
static unsigned id_counter;	/* atomic: handles may share a process */
static unsigned pool_seq;	/* atomic: where the next free/ probe goes */

/* fsync_dirfd - fsync a directory; file systems that refuse it are fine */
static int
fsync_dirfd(int fd)
{
	if (fsync(fd) < 0 && errno != EINVAL && errno != EROFS)
		return -1;
	return 0;
}

/* dirsync_prefork, dirsync_postfork, dirsync_child - a fork never copies
 * the lock held, and the child forgets rounds other threads were running */
static void
dirsync_prefork(void)
{
	pthread_mutex_lock(&dirsync_lock);
}

static void
dirsync_postfork(void)
{
	pthread_mutex_unlock(&dirsync_lock);
}

static void
dirsync_child(void)
{
	for (struct dirsync *d = dirsyncs; d != NULL; d = d->next) {
		d->running = 0;
		d->done = d->started;
		pthread_cond_init(&d->cv, NULL);
		pthread_mutex_init(&d->pool_lock, NULL);
	}
	pthread_mutex_unlock(&dirsync_lock);
}

/* dirsync_init - once per process */
static void
dirsync_init(void)
{
	(void)pthread_atfork(dirsync_prefork, dirsync_postfork,
	    dirsync_child);
}

/* dirsync_get - the shared state of directory fd, made on first use;
 * NULL (out of memory, fstat failed): the handle fsyncs alone */
static struct dirsync *
dirsync_get(int fd)
{
	struct dirsync *d;
	struct stat st;

	if (fstat(fd, &st) < 0)
		return NULL;
	pthread_once(&dirsync_once, dirsync_init);
	pthread_mutex_lock(&dirsync_lock);
	for (d = dirsyncs; d != NULL; d = d->next)
		if (d->dev == st.st_dev && d->ino == st.st_ino)
			break;
	if (d == NULL && (d = calloc(1, sizeof(*d))) != NULL) {
		d->dev = st.st_dev;
		d->ino = st.st_ino;
		pthread_cond_init(&d->cv, NULL);
		pthread_mutex_init(&d->pool_lock, NULL);
		d->next = dirsyncs;
		dirsyncs = d;
	}
	if (d != NULL)
		d->refs++;
	pthread_mutex_unlock(&dirsync_lock);
	return d;
}

/* dirsync_put - drop a reference; the last one frees */
static void
dirsync_put(struct dirsync *d)
{
	struct dirsync **pp;

	if (d == NULL)
		return;
	pthread_mutex_lock(&dirsync_lock);
	if (--d->refs == 0) {
		for (pp = &dirsyncs; *pp != d; pp = &(*pp)->next)
			;
		*pp = d->next;
		pthread_cond_destroy(&d->cv);
		pthread_mutex_destroy(&d->pool_lock);
		free(d);
	}
	pthread_mutex_unlock(&dirsync_lock);
}

/* sync_queue - make every rename into queue/ finished so far durable:
 * one fsync round that started after it, run here or by another thread */
static int
sync_queue(struct spool *s)
{
	struct dirsync *d = s->ds;
	uint64_t need, round;
	int rc, saved;

	if (d == NULL)
		return fsync_dirfd(s->queuefd);
	pthread_mutex_lock(&dirsync_lock);
	need = d->started + 1;	/* the next round starts after our rename */
	while (d->done < need) {
		if (d->running) {
			pthread_cond_wait(&d->cv, &dirsync_lock);
			continue;
		}
		d->running = 1;
		round = ++d->started;
		pthread_mutex_unlock(&dirsync_lock);
		rc = fsync_dirfd(s->queuefd);
		saved = errno;
		pthread_mutex_lock(&dirsync_lock);
		d->running = 0;
		d->done = round;
		if (rc < 0) {
			d->failed = round;
			d->failed_errno = saved;
		}
		pthread_cond_broadcast(&d->cv);
	}
	rc = d->failed >= need ? -1 : 0;
	saved = d->failed_errno;
	pthread_mutex_unlock(&dirsync_lock);
	if (rc < 0)
		errno = saved;
	return rc;
}

/* open_subdir - mkdir (0700) if missing, then open it */
static int
open_subdir(int parent, const char *name)
{
	if (mkdirat(parent, name, 0700) < 0 && errno != EEXIST)
		return -1;
	return openat(parent, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
}

/* clean_tmp - remove tmp/ files older than SPOOL_TMP_AGE: left by a
 * writer that died before its rename (never acknowledged) */
static void
clean_tmp(struct spool *s)
{
	int fd = dup(s->tmpfd);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	struct dirent *de;
	struct stat st;
	time_t now = time(NULL);

	if (d == NULL) {
		if (fd >= 0)
			close(fd);
		return;
	}
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		if (fstatat(s->tmpfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		    S_ISREG(st.st_mode) && now - st.st_mtime > SPOOL_TMP_AGE)
			unlinkat(s->tmpfd, de->d_name, 0);
	}
	closedir(d);
}

/* pool_name - a name in free/ to try: the probes of the processes and
 * threads that claim and release at once spread over the pool */
static void
pool_name(char slot[8])
{
	uint32_t h = __atomic_fetch_add(&pool_seq, 1, __ATOMIC_RELAXED);

	h = (h + (uint32_t)getpid() * 0x9E3779B1u) * 0x85EBCA6Bu;
	h ^= h >> 15;
	snprintf(slot, 8, "F%03X", (unsigned)(h % SPOOL_POOL));
}

/* pool_next - the next name to try from free/, read in batches of
 * SPOOL_POOL_CACHE into the process's shared state (each name goes to one
 * handle, so the spool threads do not race for the same files); 0: none
 * (free/ was empty and has not changed since: a release into it changes
 * its mtime, which counts in clock ticks, so a directory changed in the
 * last two seconds is read again anyway) */
static int
pool_next(struct spool *s, char slot[8])
{
	struct dirsync *p = s->ds;
	struct stat st;
	int got = 0;

	if (p == NULL)
		return 0;
	pthread_mutex_lock(&p->pool_lock);
	if (p->npool == 0 && fstat(s->freefd, &st) == 0 &&
	    (st.st_mtim.tv_sec != p->pool_seen.tv_sec ||
	    st.st_mtim.tv_nsec != p->pool_seen.tv_nsec ||
	    time(NULL) - st.st_mtim.tv_sec < 2)) {	/* coarse clock */
		int fd = dup(s->freefd);
		DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
		struct dirent *de;

		if (d == NULL && fd >= 0)
			close(fd);
		if (d != NULL)
			rewinddir(d);	/* the offset is shared with freefd */
		while (d != NULL && p->npool < SPOOL_POOL_CACHE &&
		    (de = readdir(d)) != NULL)
			if (de->d_name[0] == 'F' && strlen(de->d_name) == 4)
				memcpy(p->pool[p->npool++], de->d_name, 5);
		if (d != NULL)
			closedir(d);
		if (p->npool == 0)
			p->pool_seen = st.st_mtim;
	}
	if (p->npool > 0) {
		memcpy(slot, p->pool[--p->npool], 5);
		got = 1;
	}
	pthread_mutex_unlock(&p->pool_lock);
	return got;
}

/* pool_claim - take an empty file of free/ as tmp/name and open it for
 * writing: its inode is reused.  -1: none found (create a new one) */
static int
pool_claim(struct spool *s, const char *name)
{
	char slot[8];
	struct stat st;
	int fd;

	if (s->freefd < 0)
		return -1;
	for (int i = 0; i < SPOOL_POOL_CLAIMS && pool_next(s, slot); i++) {
		if (fstatat(s->freefd, slot, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
		    !S_ISREG(st.st_mode))
			continue;	/* taken meanwhile, or not ours */
		if (renameat2(s->freefd, slot, s->tmpfd, name,
		    RENAME_NOREPLACE) < 0)
			continue;	/* another claim was first */
		fd = openat(s->tmpfd, name, O_WRONLY | O_TRUNC | O_CLOEXEC |
		    O_NOFOLLOW | O_NONBLOCK);
		if (fd < 0)
			unlinkat(s->tmpfd, name, 0);
		return fd;
	}
	return -1;
}

/* pool_release - move dirfd/name, already emptied, into free/; -1: the
 * pool is full or absent (the caller unlinks) */
static int
pool_release(struct spool *s, int dirfd, const char *name)
{
	char slot[8];
	struct stat st;

	if (s->freefd < 0)
		return -1;
	for (int i = 0; i < SPOOL_POOL_PROBES; i++) {
		pool_name(slot);
		if (fstatat(s->freefd, slot, &st, AT_SYMLINK_NOFOLLOW) == 0)
			continue;
		if (renameat2(dirfd, name, s->freefd, slot,
		    RENAME_NOREPLACE) == 0)
			return 0;
		if (errno != EEXIST)
			return -1;
	}
	errno = EEXIST;
	return -1;
}

/* spool_open - create the layout if missing */
struct spool *
spool_open(const char *dir, char *err, size_t errlen)
{
	struct spool *s = calloc(1, sizeof(*s));
	int top = -1;

	if (s == NULL || (s->dir = strdup(dir)) == NULL) {
		snprintf(err, errlen, "%s: out of memory", dir);
		goto fail;
	}
	s->tmpfd = s->queuefd = s->deadfd = s->freefd = -1;
	if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
		snprintf(err, errlen, "%s: %s", dir, strerror(errno));
		goto fail;
	}
	if ((top = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
		snprintf(err, errlen, "%s: %s", dir, strerror(errno));
		goto fail;
	}
	if ((s->tmpfd = open_subdir(top, "tmp")) < 0 ||
	    (s->queuefd = open_subdir(top, "queue")) < 0 ||
	    (s->deadfd = open_subdir(top, "dead")) < 0) {
		snprintf(err, errlen, "%s: subdirectory: %s", dir,
		    strerror(errno));
		goto fail;
	}
	s->freefd = open_subdir(top, "free");	/* optional: -1 is fine */
	close(top);
	s->ds = dirsync_get(s->queuefd);
	clean_tmp(s);
	return s;
fail:
	if (top >= 0)
		close(top);
	spool_close(&s);
	return NULL;
}

/* spool_close - release; accepts NULL */
void
spool_close(struct spool **sp)
{
	struct spool *s = *sp;

	if (s == NULL)
		return;
	if (s->tmpfd >= 0)
		close(s->tmpfd);
	if (s->queuefd >= 0)
		close(s->queuefd);
	if (s->deadfd >= 0)
		close(s->deadfd);
	if (s->freefd >= 0)
		close(s->freefd);
	dirsync_put(s->ds);
	free(s->dir);
	free(s);
	*sp = NULL;
}

/* spool_dir - the spool directory as opened */
const char *
spool_dir(const struct spool *s)
{
	return s->dir;
}

/* new_id - a fresh queue id */
static void
new_id(struct spool *s, char id[SPOOL_ID_MAX])
{
	struct timeval tv;

	gettimeofday(&tv, NULL);
	snprintf(id, SPOOL_ID_MAX, "%08" PRIX64 "%05lX%06lX%03X",
	    (uint64_t)tv.tv_sec & 0xffffffffu, (unsigned long)tv.tv_usec,
	    (unsigned long)getpid() & 0xffffffUL, __atomic_fetch_add(
	    &id_counter, 1, __ATOMIC_RELAXED) & 0xfffu);
}

/* safe_addr - an address may go into a line as it is */
static int
safe_addr(const char *a)
{
	return a != NULL && strpbrk(a, "\r\n") == NULL &&
	    strlen(a) < SPOOL_LINE_MAX - 16;
}

/* put_text - "key value\n" with control bytes made '?' */
static int
put_text(struct buf *b, const char *key, const char *v)
{
	int rc = buf_printf(b, "%s ", key);

	for (; v != NULL && *v; v++)
		rc |= buf_putc(b, ((unsigned char)*v < 0x20 || *v == 0x7f) ?
		    '?' : *v);
	return rc | buf_putc(b, '\n');
}

/* format_block - the envelope block of e, for a message of len bytes */
static int
format_block(const struct spool_entry *e, size_t len, struct buf *b)
{
	const struct envelope *env = &e->env;
	int rc = 0;

	if (!safe_addr(env->sender ? env->sender : "") || env->nrcpts == 0 ||
	    env->nrcpts > SPOOL_RCPT_MAX) {
		errno = EINVAL;
		return -1;
	}
	for (size_t i = 0; i < env->nrcpts; i++)
		if (!safe_addr(env->rcpts[i]) || env->rcpts[i][0] == '\0') {
			errno = EINVAL;
			return -1;
		}
	rc |= buf_printf(b, "%s\narrival %lld\nnext-try %lld\nattempts %u\n"
	    "size %zu\n", SPOOL_MAGIC, (long long)e->arrival,
	    (long long)e->next_try, e->attempts, len);
	if (env->route != NULL)
		rc |= put_text(b, "route", env->route);
	rc |= buf_printf(b, "sender %s\n", env->sender ? env->sender : "");
	for (size_t i = 0; i < env->nrcpts; i++)
		rc |= buf_printf(b, "rcpt %s\n", env->rcpts[i]);
	rc |= put_text(b, "client-addr", env->client_addr);
	rc |= put_text(b, "client-name", env->client_name);
	rc |= put_text(b, "helo", env->helo);
	rc |= put_text(b, "proto", env->proto);
	rc |= buf_printf(b, "smtputf8 %d\n8bitmime %d\nticket %lu\n"
	    "store-msg %lld\n", env->smtputf8, env->body_8bit, env->ticket,
	    env->store_msg);
	rc |= put_text(b, "error", e->last_error);
	rc |= buf_putc(b, '\n');
	if (rc != 0)
		errno = ENOMEM;
	return rc ? -1 : 0;
}

/* copy_rest - copy from fd at off to out, len bytes */
static int
copy_rest(int in, off_t off, int out, size_t len)
{
	char tmp[65536];

	while (len > 0) {
		ssize_t r = pread(in, tmp, len < sizeof(tmp) ? len : sizeof(tmp),
		    off);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			if (r == 0)
				errno = EIO;	/* shorter than its size line */
			return -1;
		}
		if (safefile_write_fd(out, tmp, (size_t)r) < 0)
			return -1;
		off += r;
		len -= (size_t)r;
	}
	return 0;
}

/* commit - fsync the tmp file, rename it to queue/id, fsync queue/;
 * replace: overwrite an existing queue file (update) or never (put) */
static int
commit(struct spool *s, int fd, const char *tmp, const char *id, int replace)
{
	int rc;

	if (fsync(fd) < 0) {
		close(fd);
		return -1;
	}
	if (close(fd) < 0)
		return -1;
	if (replace)
		rc = renameat(s->tmpfd, tmp, s->queuefd, id);
	else
		rc = renameat2(s->tmpfd, tmp, s->queuefd, id, RENAME_NOREPLACE);
	if (rc < 0)
		return -1;
	return sync_queue(s);
}

/* write_file - block + message (or the old file's body) durably */
static int
write_file(struct spool *s, const char *id, const struct buf *block,
    const char *msg, size_t len, int oldfd, off_t oldoff, int replace)
{
	char tmp[SPOOL_ID_MAX + 32];
	int fd, saved;

	snprintf(tmp, sizeof(tmp), "%s.%ld", id, (long)getpid());
	if ((fd = pool_claim(s, tmp)) < 0)
		fd = openat(s->tmpfd, tmp, O_WRONLY | O_CREAT | O_EXCL |
		    O_CLOEXEC, 0600);
	if (fd < 0)
		return -1;
	if (safefile_write_fd(fd, block->p, block->len) < 0 ||
	    (msg != NULL ? safefile_write_fd(fd, msg, len) :
	    copy_rest(oldfd, oldoff, fd, len)) < 0) {
		saved = errno;
		close(fd);
		goto fail;
	}
	if (commit(s, fd, tmp, id, replace) == 0)	/* closes fd */
		return 0;
	saved = errno;
fail:
	unlinkat(s->tmpfd, tmp, 0);
	errno = saved;
	return -1;
}

/* spool_put - store durably; id_r receives the queue id */
int
spool_put(struct spool *s, const struct envelope *env, const char *msg,
    size_t len, char id_r[SPOOL_ID_MAX])
{
	struct spool_entry e;
	struct buf b;
	int rc = -1;

	memset(&e, 0, sizeof(e));
	e.env = *env;		/* borrowed: not freed here */
	e.arrival = e.next_try = time(NULL);
	buf_init(&b, SPOOL_BLOCK_MAX);
	if (format_block(&e, len, &b) < 0)
		goto done;
	for (int tries = 0; tries < 10; tries++) {
		new_id(s, id_r);
		if ((rc = write_file(s, id_r, &b, msg, len, -1, 0, 0)) == 0 ||
		    errno != EEXIST)
			break;
	}
done:
	buf_free(&b);
	return rc;
}

/* valid_id - a queue file name we made (no dots, no slashes) */
static int
valid_id(const char *id)
{
	size_t n = strlen(id);

	if (n < 12 || n >= SPOOL_ID_MAX)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!((id[i] >= '0' && id[i] <= '9') ||
		    (id[i] >= 'A' && id[i] <= 'Z')))
			return 0;
	return 1;
}

/* bad_id - id is no queue id of ours: errno EINVAL */
static int
bad_id(const char *id)
{
	if (valid_id(id))
		return 0;
	errno = EINVAL;
	return 1;
}

/* parse_num - a decimal number, whole string */
static int
parse_num(const char *v, long long *n_r)
{
	char *end;

	errno = 0;
	*n_r = strtoll(v, &end, 10);
	return (errno || end == v || *end) ? -1 : 0;
}

/* parse_line - one "key value" line into e; -1 unknown or bad */
static int
parse_line(struct spool_entry *e, const char *k, const char *v,
    long long *size)
{
	struct envelope *env = &e->env;
	long long n = 0;

	if (strcmp(k, "sender") == 0)
		return envelope_set_sender(env, v);
	if (strcmp(k, "rcpt") == 0)
		return env->nrcpts >= SPOOL_RCPT_MAX ? -1 :
		    envelope_add_rcpt(env, v);
	if (strcmp(k, "route") == 0) {
		free(env->route);
		return (env->route = strdup(v)) ? 0 : -1;
	}
	if (strcmp(k, "error") == 0) {
		snprintf(e->last_error, sizeof(e->last_error), "%s", v);
		return 0;
	}
#define TEXT(name, field) if (strcmp(k, name) == 0) { \
		snprintf(env->field, sizeof(env->field), "%s", v); return 0; }
	TEXT("client-addr", client_addr)
	TEXT("client-name", client_name)
	TEXT("helo", helo)
	TEXT("proto", proto)
#undef TEXT
	if (parse_num(v, &n) < 0)
		return -1;
	if (strcmp(k, "arrival") == 0)
		e->arrival = (time_t)n;
	else if (strcmp(k, "next-try") == 0)
		e->next_try = (time_t)n;
	else if (strcmp(k, "attempts") == 0)
		e->attempts = (unsigned)n;
	else if (strcmp(k, "size") == 0)
		*size = n;
	else if (strcmp(k, "smtputf8") == 0)
		env->smtputf8 = n != 0;
	else if (strcmp(k, "8bitmime") == 0)
		env->body_8bit = n != 0;
	else if (strcmp(k, "ticket") == 0)
		env->ticket = (unsigned long)n;
	else if (strcmp(k, "store-msg") == 0)
		env->store_msg = n;
	/* an unknown numeric key from a newer version: ignored */
	return 0;
}

/* read_block - parse the envelope block of an open queue file; *body_r:
 * offset of the message, *size_r its length */
static int
read_block(int fd, struct spool_entry *e, off_t *body_r, size_t *size_r)
{
	char *line = NULL;
	size_t cap = 0, total = 0;
	ssize_t n;
	long long size = -1;
	int nfd = dup(fd), first = 1, rc = -1;
	FILE *f = nfd >= 0 ? fdopen(nfd, "r") : NULL;

	if (f == NULL) {
		if (nfd >= 0)
			close(nfd);
		return -1;
	}
	while ((n = getline(&line, &cap, f)) > 0) {
		char *sp;

		total += (size_t)n;
		if (n > SPOOL_LINE_MAX || total > SPOOL_BLOCK_MAX ||
		    line[n - 1] != '\n')
			break;
		line[n - 1] = '\0';
		if (first) {
			if (strcmp(line, SPOOL_MAGIC) != 0)
				break;
			first = 0;
			continue;
		}
		if (line[0] == '\0') {	/* end of the block */
			if (size < 0 || e->env.sender == NULL)
				break;
			*body_r = (off_t)total;
			*size_r = (size_t)size;
			rc = 0;
			break;
		}
		if ((sp = strchr(line, ' ')) == NULL)
			break;
		*sp++ = '\0';
		if (parse_line(e, line, sp, &size) < 0)
			break;
	}
	free(line);
	fclose(f);
	if (rc < 0)
		errno = EINVAL;
	return rc;
}

/* open_entry - open queue/id and parse its envelope */
static int
open_entry(struct spool *s, int dirfd, const char *id, struct spool_entry *e,
    off_t *body_r, size_t *size_r)
{
	int fd;

	memset(e, 0, sizeof(*e));
	envelope_init(&e->env);
	if (bad_id(id))
		return -1;
	snprintf(e->id, sizeof(e->id), "%s", id);
	if ((fd = openat(dirfd, id, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) < 0)
		return -1;
	if (read_block(fd, e, body_r, size_r) < 0) {
		int saved = errno;
		struct stat st;

		/* empty: being released by the process that delivered it
		 * (spool_delivered), or left so by one that died meanwhile */
		if (fstat(fd, &st) == 0 && st.st_size == 0) {
			saved = ENOENT;
			if (time(NULL) - st.st_ctime > SPOOL_EMPTY_AGE &&
			    pool_release(s, dirfd, id) < 0)
				unlinkat(dirfd, id, 0);
		}
		close(fd);
		envelope_free(&e->env);
		errno = saved;
		return -1;
	}
	return fd;
}

/* cmp_entry - oldest first, then by id */
static int
cmp_entry(const void *a, const void *b)
{
	const struct spool_entry *x = a, *y = b;

	if (x->arrival != y->arrival)
		return x->arrival < y->arrival ? -1 : 1;
	return strcmp(x->id, y->id);
}

/* list_dir - the entries of one directory */
static int
list_dir(struct spool *s, int dirfd, struct spool_entry **v_r, size_t *n_r)
{
	int fd = dup(dirfd);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	struct spool_entry *v = NULL;
	struct dirent *de;
	size_t n = 0, cap = 0;

	*v_r = NULL;
	*n_r = 0;
	if (d == NULL) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	rewinddir(d);
	while ((de = readdir(d)) != NULL) {
		off_t body;
		size_t size;
		int efd;

		if (!valid_id(de->d_name))
			continue;
		if (n == cap) {
			struct spool_entry *nv;

			cap = cap ? cap * 2 : 64;
			if ((nv = realloc(v, cap * sizeof(*v))) == NULL) {
				closedir(d);
				spool_list_free(v, n);
				errno = ENOMEM;
				return -1;
			}
			v = nv;
		}
		if ((efd = open_entry(s, dirfd, de->d_name, &v[n], &body,
		    &size)) < 0) {
			if (errno != ENOENT)	/* removed meanwhile: fine */
				log_msg(LOG_LVL_WARN, "%s: spool file "
				    "unreadable, skipped: %s", de->d_name,
				    strerror(errno));
			continue;
		}
		close(efd);
		n++;
	}
	closedir(d);
	if (n)
		qsort(v, n, sizeof(*v), cmp_entry);
	*v_r = v;
	*n_r = n;
	return 0;
}

/* spool_list - the entries in queue/, oldest first */
int
spool_list(struct spool *s, struct spool_entry **v_r, size_t *n_r)
{
	return list_dir(s, s->queuefd, v_r, n_r);
}

/* spool_list_dead - the entries in dead/, oldest first */
int
spool_list_dead(struct spool *s, struct spool_entry **v_r, size_t *n_r)
{
	return list_dir(s, s->deadfd, v_r, n_r);
}

void
spool_list_free(struct spool_entry *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		envelope_free(&v[i].env);
	free(v);
}

/* spool_read - one entry with its message bytes (malloc'd) */
int
spool_read(struct spool *s, const char *id, struct spool_entry *e,
    char **msg_r, size_t *len_r)
{
	off_t body;
	size_t size, got = 0;
	char *m;
	int fd = open_entry(s, s->queuefd, id, e, &body, &size);

	if (fd < 0)
		return -1;
	if ((m = malloc(size + 1)) == NULL)
		goto fail;
	while (got < size) {
		ssize_t r = pread(fd, m + got, size - got, body + (off_t)got);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			errno = r == 0 ? EIO : errno;	/* cut short */
			goto fail;
		}
		got += (size_t)r;
	}
	m[size] = '\0';
	close(fd);
	*msg_r = m;
	*len_r = size;
	return 0;
fail:
	{
		int saved = errno;

		free(m);
		close(fd);
		envelope_free(&e->env);
		errno = saved;
	}
	return -1;
}

/* spool_update - rewrite the envelope block durably, same message */
int
spool_update(struct spool *s, const struct spool_entry *e)
{
	struct spool_entry old;
	struct buf b;
	off_t body;
	size_t size;
	int fd, rc = -1, saved;

	if ((fd = open_entry(s, s->queuefd, e->id, &old, &body, &size)) < 0)
		return -1;	/* deleted meanwhile (queue delete): ENOENT */
	envelope_free(&old.env);
	buf_init(&b, SPOOL_BLOCK_MAX);
	if (format_block(e, size, &b) == 0)
		rc = write_file(s, e->id, &b, NULL, size, fd, body, 1);
	saved = errno;
	buf_free(&b);
	close(fd);
	errno = saved;
	return rc;
}

/* spool_remove - remove durably (queue delete) */
int
spool_remove(struct spool *s, const char *id)
{
	if (bad_id(id))
		return -1;
	if (unlinkat(s->queuefd, id, 0) < 0)	/* never reused: see below */
		return -1;
	return sync_queue(s);
}

/* spool_delivered - remove after the next hop said 250 for every
 * recipient; not synced (see spool.h).  The file is emptied and its inode
 * kept in free/ for a later put (see "Inode reuse" above); only the
 * process that delivered the message does this, so nobody else is
 * reading its body (an operator's delete unlinks: a delivery process may
 * be reading that one) */
int
spool_delivered(struct spool *s, const char *id)
{
	int fd;

	if (bad_id(id))
		return -1;
	if (s->freefd >= 0 && (fd = openat(s->queuefd, id, O_WRONLY |
	    O_TRUNC | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK)) >= 0) {
		close(fd);
		if (pool_release(s, s->queuefd, id) == 0)
			return 0;
	}
	return unlinkat(s->queuefd, id, 0);
}

/* spool_dead - move to dead/ */
int
spool_dead(struct spool *s, const char *id)
{
	if (bad_id(id))
		return -1;
	if (renameat(s->queuefd, id, s->deadfd, id) < 0)
		return -1;
	if (fsync_dirfd(s->deadfd) < 0)
		return -1;
	return fsync_dirfd(s->queuefd);
}
