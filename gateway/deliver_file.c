/* deliver_file - local next hops: Maildir, mbox and a sendmail program.
 *
 * Maildir: the message goes to tmp/UNIQUE (O_EXCL), is fsync'd, renamed
 * into new/ and new/ is fsync'd: a reader sees the whole message or
 * nothing.  UNIQUE is "SECONDS.M<usec>P<pid>Q<n>.HOST" (the Maildir
 * convention).  Bytes are written as spooled.
 *
 * mbox: an fcntl write lock on the file and a dotlock (PATH.lock,
 * O_CREAT|O_EXCL; one older than 5 minutes is stale and removed), both
 * tried for up to the delivery timeout.  The message is appended with a
 * "From SENDER DATE" line, mboxrd-quoted (mbox.c's writer: one '>' added
 * to ^>*From lines) and followed by an empty line; then fsync.  On a
 * failed write the file is cut back to its old size: no half message.
 *
 * sendmail: PATH -G -i -f SENDER -- RCPT... with the message on stdin;
 * exit 0 is 250, 75 (EX_TEMPFAIL) and signals 4xx, other codes 5xx.
 *
 * Every recipient gets the same result: the message lands once.
 */
#include "deliver.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "maildir.h"
#include "mbox.h"
#include "safefile.h"

#define DOTLOCK_STALE 300

/* maildir_unique - a new file name */
static void
maildir_unique(char *buf, size_t size)
{
	static unsigned counter;
	struct timeval tv;
	char host[128];

	gettimeofday(&tv, NULL);
	if (gethostname(host, sizeof(host) - 1) < 0)
		snprintf(host, sizeof(host), "localhost");
	host[sizeof(host) - 1] = '\0';
	for (char *p = host; *p; p++)	/* '/' and ':' are not allowed */
		if (*p == '/' || *p == ':')
			*p = '_';
	snprintf(buf, size, "%lld.M%06ldP%ldQ%u.%s", (long long)tv.tv_sec,
	    (long)tv.tv_usec, (long)getpid(), ++counter, host);
}

/* deliver_maildir - tmp -> fsync -> rename into new/ -> fsync new/ */
int
deliver_maildir(const struct next_hop *h, const struct envelope *env,
    const char *msg, size_t len, struct deliver_result *res)
{
	char name[256], tmp[1400], dst[1400], newdir[1100];
	int fd = -1;

	(void)env;
	snprintf(res->relay, sizeof(res->relay), "maildir:%.280s", h->path);
	if ((mkdir(h->path, 0700) < 0 && errno != EEXIST) ||
	    maildir_create_subdirs(h->path) < 0) {
		deliver_fail_all(res, 451, "451 4.3.0 %s: %s", h->path,
		    strerror(errno));
		return 1;
	}
	maildir_unique(name, sizeof(name));
	snprintf(tmp, sizeof(tmp), "%s/tmp/%s", h->path, name);
	snprintf(dst, sizeof(dst), "%s/new/%s", h->path, name);
	snprintf(newdir, sizeof(newdir), "%s/new/x", h->path);
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600)) < 0)
		goto fail;
	if (safefile_write_fd(fd, msg, len) < 0 || fsync(fd) < 0)
		goto fail;
	if (close(fd) < 0) {
		fd = -1;
		goto fail;
	}
	fd = -1;
	if (rename(tmp, dst) < 0 || safefile_fsync_dir(newdir) < 0)
		goto fail;
	deliver_fail_all(res, 250, "250 2.0.0 delivered to Maildir");
	return 0;
fail:
	deliver_fail_all(res, 451, "451 4.3.0 %s: %s", h->path,
	    strerror(errno));
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	return 1;
}

/* dotlock - PATH.lock, waiting up to the delivery timeout */
static int
dotlock(const char *lock)
{
	time_t until = time(NULL) + (time_t)deliver_timeout();
	struct stat st;

	for (;;) {
		int fd = open(lock, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
		    0600);

		if (fd >= 0) {
			close(fd);
			return 0;
		}
		if (errno != EEXIST)
			return -1;
		if (stat(lock, &st) == 0 &&
		    time(NULL) - st.st_mtime > DOTLOCK_STALE)
			unlink(lock);	/* left by a crashed writer */
		if (time(NULL) >= until) {
			errno = EWOULDBLOCK;
			return -1;
		}
		usleep(100000);
	}
}

/* fcntl_lock - a write lock on fd, waiting up to the delivery timeout */
static int
fcntl_lock(int fd)
{
	time_t until = time(NULL) + (time_t)deliver_timeout();
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };

	while (fcntl(fd, F_SETLK, &fl) < 0) {
		if (errno != EACCES && errno != EAGAIN && errno != EINTR)
			return -1;
		if (time(NULL) >= until) {
			errno = EWOULDBLOCK;
			return -1;
		}
		usleep(100000);
	}
	return 0;
}

struct mbox_out {
	int fd;
	int failed;
};

/* mbox_out_write - mbox_write_fn onto the file */
static int
mbox_out_write(void *ctx, const void *p, size_t n)
{
	struct mbox_out *o = ctx;

	if (o->failed || safefile_write_fd(o->fd, p, n) < 0) {
		o->failed = 1;
		return -1;
	}
	return 0;
}

/* from_line - "From SENDER DATE\n" (MAILER-DAEMON for <>) */
static void
from_line(const struct envelope *env, char *buf, size_t size)
{
	time_t now = time(NULL);
	struct tm tm;
	char date[64];
	const char *s = env->sender && *env->sender ? env->sender :
	    "MAILER-DAEMON";

	gmtime_r(&now, &tm);
	strftime(date, sizeof(date), "%a %b %e %H:%M:%S %Y", &tm);
	/* a sender with a space would end the From_ line's first field */
	snprintf(buf, size, "From %s %s\n", strpbrk(s, " \t") ? "MAILER-DAEMON"
	    : s, date);
}

/* mbox_append - locked: seek to the end, write, fsync; cut back on error */
static int
mbox_append(int fd, const struct envelope *env, const char *msg, size_t len)
{
	char line[600], raw[602];
	struct mbox_msg orig;
	struct mbox_out o = { fd, 0 };
	off_t start = lseek(fd, 0, SEEK_END);

	if (start < 0)
		return -1;
	from_line(env, line, sizeof(line));
	/* the writer takes the From_ line and separator from an "original"
	 * message: here From_ line + one empty line */
	snprintf(raw, sizeof(raw), "%s\n", line);
	memset(&orig, 0, sizeof(orig));
	orig.raw = raw;
	orig.from_len = strlen(line);
	orig.sep_len = 1;
	orig.raw_len = orig.from_len + 1;
	if (mbox_write_message(mbox_out_write, &o, &orig, msg, len) < 0 ||
	    fsync(fd) < 0) {
		int saved = errno;

		if (ftruncate(fd, start) == 0)
			fsync(fd);
		errno = saved;
		return -1;
	}
	return 0;
}

/* deliver_mbox - fcntl + dotlock, append, fsync */
int
deliver_mbox(const struct next_hop *h, const struct envelope *env,
    const char *msg, size_t len, struct deliver_result *res)
{
	char lock[1100];
	int fd, locked = 0, rc = -1;

	snprintf(res->relay, sizeof(res->relay), "mbox:%.280s", h->path);
	snprintf(lock, sizeof(lock), "%s.lock", h->path);
	fd = open(h->path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC |
	    O_NOFOLLOW, 0600);
	if (fd < 0)
		goto done;
	if (fcntl_lock(fd) < 0)
		goto done;
	if (dotlock(lock) < 0)
		goto done;
	locked = 1;
	rc = mbox_append(fd, env, msg, len);
done:
	{
		int saved = errno;

		if (locked)
			unlink(lock);
		if (fd >= 0)
			close(fd);	/* releases the fcntl lock */
		errno = saved;
	}
	if (rc < 0) {
		deliver_fail_all(res, 451, "451 4.3.0 %s: %s", h->path,
		    errno == EWOULDBLOCK ? "locked by another process" :
		    strerror(errno));
		return 1;
	}
	deliver_fail_all(res, 250, "250 2.0.0 delivered to mbox");
	return 0;
}

/* sendmail_argv - PATH -G -i -f SENDER -- RCPT... (NULL-terminated) */
static char **
sendmail_argv(const struct next_hop *h, const struct envelope *env)
{
	char **av = calloc(env->nrcpts + 7, sizeof(*av));
	size_t n = 0;

	if (av == NULL)
		return NULL;
	av[n++] = (char *)h->path;
	av[n++] = "-G";
	av[n++] = "-i";
	av[n++] = "-f";
	av[n++] = env->sender ? env->sender : "";
	av[n++] = "--";
	for (size_t i = 0; i < env->nrcpts; i++)
		av[n++] = env->rcpts[i];
	return av;
}

/* wait_child - exit status, killing the child after the timeout */
static int
wait_child(pid_t pid)
{
	time_t until = time(NULL) + (time_t)deliver_timeout();
	int st = 0;
	pid_t r;

	while ((r = waitpid(pid, &st, WNOHANG)) == 0) {
		if (time(NULL) >= until) {
			kill(pid, SIGKILL);
			waitpid(pid, &st, 0);
			return -1;
		}
		usleep(20000);
	}
	return r < 0 ? -1 : st;
}

/* deliver_sendmail - pipe the message to the sendmail program */
int
deliver_sendmail(const struct next_hop *h, const struct envelope *env,
    const char *msg, size_t len, struct deliver_result *res)
{
	char **av = sendmail_argv(h, env);
	int p[2], st, werr = 0;
	pid_t pid;

	snprintf(res->relay, sizeof(res->relay), "sendmail:%.280s", h->path);
	if (av == NULL || pipe2(p, O_CLOEXEC) < 0) {
		free(av);
		deliver_fail_all(res, 451, "451 4.3.0 %s: %s", h->path,
		    strerror(errno));
		return 1;
	}
	if ((pid = fork()) == 0) {
		if (dup2(p[0], 0) < 0)
			_exit(EX_OSERR);
		execv(h->path, av);
		_exit(EX_TEMPFAIL);	/* not there: a config fault, wait */
	}
	close(p[0]);
	free(av);
	if (pid < 0) {
		close(p[1]);
		deliver_fail_all(res, 451, "451 4.3.0 fork: %s",
		    strerror(errno));
		return 1;
	}
	if (safefile_write_fd(p[1], msg, len) < 0)
		werr = errno;
	close(p[1]);
	st = wait_child(pid);
	if (st >= 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0 && werr == 0) {
		deliver_fail_all(res, 250, "250 2.0.0 handed to %s", h->path);
		return 0;
	}
	if (st >= 0 && WIFEXITED(st) && WEXITSTATUS(st) != EX_TEMPFAIL &&
	    WEXITSTATUS(st) != 0)
		deliver_fail_all(res, 554, "554 5.3.0 %s exited with status %d",
		    h->path, WEXITSTATUS(st));
	else
		deliver_fail_all(res, 451, "451 4.3.0 %s: %s", h->path,
		    st < 0 ? "timed out" : WIFSIGNALED(st) ? "killed by a signal"
		    : werr ? strerror(werr) : "temporary failure");
	return 1;
}
