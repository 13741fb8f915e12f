/* safefile - durable, all-or-nothing file and directory creation.
 *
 * A file is written under a temporary name in its target's directory
 * (open O_CREAT|O_EXCL), then fsync'd, closed, renamed over the target and
 * the directory fsync'd (the Postfix / OpenSMTPD way).  A large file is
 * handed to the kernel's writeback as it grows, so the final fsync has
 * little left to wait for.  On any failure, or
 * on safefile_abort, the temporary file is unlinked: a reader never sees a
 * half-written target.  safedir does the same for a whole directory tree
 * (a Maildir built in a temporary directory, renamed at the end).
 *
 * Errors: -1 with errno set and *error_r a static string naming the step.
 */
#ifndef SCRUBGATE_SAFEFILE_H
#define SCRUBGATE_SAFEFILE_H

#include <stddef.h>
#include <sys/types.h>

struct safefile {
	int fd;			/* -1 when closed */
	char *tmp;		/* temporary path, NULL once renamed or unlinked */
	char *path;		/* the target */
	char *wbuf;		/* write buffer */
	size_t wlen, wcap;
	int failed;		/* a write failed: commit will refuse */
	int direct;		/* path is a device or FIFO: written in place */
	unsigned long long written;	/* bytes written to fd so far */
	unsigned long long queued;	/* of which handed to writeback early */
};

/* safefile_open - a new temporary file next to path, created with mode */
int safefile_open(struct safefile *sf, const char *path, mode_t mode,
    const char **error_r);
/* safefile_write - buffered write; errors are also remembered for commit */
int safefile_write(struct safefile *sf, const void *p, size_t n);
/* safefile_commit - flush, fsync, close, rename over path, fsync the dir */
int safefile_commit(struct safefile *sf, const char **error_r);
/* safefile_abort - close and unlink the temporary file (safe to repeat) */
void safefile_abort(struct safefile *sf);
/* safefile_flush - write out the buffer (before reading the data back) */
int safefile_flush(struct safefile *sf);

/* safefile_write_fd - write(2) all n bytes, retrying on EINTR and short
 * writes; -1 with errno */
int safefile_write_fd(int fd, const void *buf, size_t n);

/* safefile_put - one buffer to path, atomically */
int safefile_put(const char *path, const void *p, size_t n, mode_t mode,
    const char **error_r);

/* safefile_fsync_dir - fsync the directory that holds path */
int safefile_fsync_dir(const char *path);

/* a directory built under a temporary name, renamed at the end */
struct safedir {
	char *tmp;		/* temporary directory, NULL once renamed or removed */
	char *path;		/* the target */
};

/* safedir_open - refuses a target that exists and is not an empty dir */
int safedir_open(struct safedir *sd, const char *path, const char **error_r);
int safedir_commit(struct safedir *sd, const char **error_r);
/* safedir_abort - remove the temporary tree (two levels deep) */
void safedir_abort(struct safedir *sd);

/* safefile_path_join - malloc'd "a/b" */
char *safefile_path_join(const char *a, const char *b);

#endif
