/* safefile - durable, all-or-nothing file and directory creation.
 *
 * See safefile.h.  Temporary names are ".NAME.tmp.PID.RANDOM" in the
 * target's directory, so the final rename never crosses a file system.
 */
#include "safefile.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#define SAFEFILE_BUFSZ (1024 * 1024)
#define SAFEFILE_WRITEBACK (8u << 20)	/* start writeback every 8 MiB */

/* safefile_path_join - malloc'd "a/b" */
char *
safefile_path_join(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	char *p = malloc(la + lb + 2);

	if (p == NULL)
		return NULL;
	memcpy(p, a, la);
	p[la] = '/';
	memcpy(p + la + 1, b, lb + 1);
	return p;
}

/* tmp_name - a fresh temporary name next to path */
static char *
tmp_name(const char *path)
{
	char *d = strdup(path), *b = strdup(path), *out = NULL;
	unsigned rnd = 0;
	size_t n;

	if (d == NULL || b == NULL)
		goto done;
	if (getrandom(&rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd))
		rnd = (unsigned)rand();
	n = strlen(path) + 64;
	if ((out = malloc(n)) != NULL)
		snprintf(out, n, "%s/.%s.tmp.%ld.%08x", dirname(d), basename(b),
		    (long)getpid(), rnd);
done:
	free(d);
	free(b);
	return out;
}

/* safefile_fsync_dir - fsync the directory that holds path */
int
safefile_fsync_dir(const char *path)
{
	char *d = strdup(path);
	int fd, rc = -1;

	if (d == NULL)
		return -1;
	if ((fd = open(dirname(d), O_RDONLY | O_DIRECTORY | O_CLOEXEC)) >= 0) {
		rc = fsync(fd);
		/* some file systems refuse fsync on a directory: not fatal */
		if (rc < 0 && (errno == EINVAL || errno == EROFS))
			rc = 0;
		close(fd);
	}
	free(d);
	return rc;
}

/* safefile_open - a new temporary file next to path, created with mode */
int
safefile_open(struct safefile *sf, const char *path, mode_t mode,
    const char **error_r)
{
	struct stat st;

	memset(sf, 0, sizeof(*sf));
	sf->fd = -1;
	if ((sf->path = strdup(path)) == NULL)
		goto nomem;
	/* a device or a FIFO (-o /dev/null, a pipe) is written as it is:
	 * renaming a file over it would replace the device */
	if (stat(path, &st) == 0 && !S_ISREG(st.st_mode) &&
	    !S_ISDIR(st.st_mode)) {
		if ((sf->fd = open(path, O_WRONLY | O_CLOEXEC)) < 0) {
			*error_r = strerror(errno);
			safefile_abort(sf);
			return -1;
		}
		sf->direct = 1;
		return 0;
	}
	for (int tries = 0; tries < 100; tries++) {
		free(sf->tmp);
		if ((sf->tmp = tmp_name(path)) == NULL)
			goto nomem;
		sf->fd = open(sf->tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
		    mode);
		if (sf->fd >= 0 || errno != EEXIST)
			break;
	}
	if (sf->fd < 0) {
		*error_r = strerror(errno);
		free(sf->tmp);
		sf->tmp = NULL;
		safefile_abort(sf);
		return -1;
	}
	return 0;
nomem:
	*error_r = "out of memory";
	safefile_abort(sf);
	return -1;
}

/* safefile_write_fd - write(2) until done */
int
safefile_write_fd(int fd, const void *buf, size_t n)
{
	const char *p = buf;

	while (n > 0) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* write_out - write(2) n bytes to the file; every SAFEFILE_WRITEBACK
 * bytes, start the kernel writing them to disk (without waiting), so that
 * commit's fsync does not find the whole file dirty */
static int
write_out(struct safefile *sf, const char *p, size_t n)
{
	if (safefile_write_fd(sf->fd, p, n) < 0) {
		sf->failed = errno ? errno : EIO;
		return -1;
	}
	sf->written += n;
	if (sf->written - sf->queued >= SAFEFILE_WRITEBACK) {
		/* only a hint: fsync at commit still decides durability */
		sync_file_range(sf->fd, (off_t)sf->queued,
		    (off_t)(sf->written - sf->queued), SYNC_FILE_RANGE_WRITE);
		sf->queued = sf->written;
	}
	return 0;
}

/* safefile_flush - write out the buffer */
int
safefile_flush(struct safefile *sf)
{
	if (sf->failed || sf->fd < 0)
		return -1;
	if (sf->wlen && write_out(sf, sf->wbuf, sf->wlen) < 0)
		return -1;
	sf->wlen = 0;
	return 0;
}

/* safefile_write - buffered write; errors are also remembered for commit */
int
safefile_write(struct safefile *sf, const void *p, size_t n)
{
	if (sf->failed || sf->fd < 0)
		return -1;
	if (sf->wbuf == NULL) {
		if ((sf->wbuf = malloc(SAFEFILE_BUFSZ)) == NULL) {
			sf->failed = ENOMEM;
			return -1;
		}
		sf->wcap = SAFEFILE_BUFSZ;
	}
	if (n > sf->wcap - sf->wlen) {
		if (safefile_flush(sf) < 0)
			return -1;
		if (n >= sf->wcap)
			return write_out(sf, p, n);
	}
	memcpy(sf->wbuf + sf->wlen, p, n);
	sf->wlen += n;
	return 0;
}

/* safefile_commit - flush, fsync, close, rename over path, fsync the dir */
int
safefile_commit(struct safefile *sf, const char **error_r)
{
	int fd = sf->fd;

	if (safefile_flush(sf) < 0) {
		errno = sf->failed;
		*error_r = strerror(errno);
		goto fail;
	}
	if (!sf->direct && fsync(fd) < 0) {
		*error_r = strerror(errno);
		goto fail;
	}
	sf->fd = -1;
	if (close(fd) < 0) {
		*error_r = strerror(errno);
		goto fail;
	}
	if (sf->direct) {
		safefile_abort(sf);
		return 0;
	}
	if (rename(sf->tmp, sf->path) < 0) {
		*error_r = strerror(errno);
		goto fail;
	}
	free(sf->tmp);
	sf->tmp = NULL;
	if (safefile_fsync_dir(sf->path) < 0) {
		*error_r = strerror(errno);
		safefile_abort(sf);
		return -1;
	}
	safefile_abort(sf);	/* frees what is left; nothing to unlink */
	return 0;
fail:
	safefile_abort(sf);
	return -1;
}

/* safefile_abort - close and unlink the temporary file (safe to repeat) */
void
safefile_abort(struct safefile *sf)
{
	int saved = errno;

	if (sf->fd >= 0)
		close(sf->fd);
	sf->fd = -1;
	if (sf->tmp != NULL)
		unlink(sf->tmp);
	free(sf->tmp);
	free(sf->path);
	free(sf->wbuf);
	sf->tmp = sf->path = sf->wbuf = NULL;
	sf->wlen = sf->wcap = 0;
	errno = saved;
}

/* safefile_put - one buffer to path, atomically */
int
safefile_put(const char *path, const void *p, size_t n, mode_t mode,
    const char **error_r)
{
	struct safefile sf;

	if (safefile_open(&sf, path, mode, error_r) < 0)
		return -1;
	if (safefile_write(&sf, p, n) < 0) {
		*error_r = strerror(sf.failed);
		safefile_abort(&sf);
		return -1;
	}
	return safefile_commit(&sf, error_r);
}

/* dir_is_empty - 1 empty, 0 not, -1 error */
static int
dir_is_empty(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *e;
	int empty = 1;

	if (d == NULL)
		return -1;
	while ((e = readdir(d)) != NULL)
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0) {
			empty = 0;
			break;
		}
	closedir(d);
	return empty;
}

/* safedir_open - refuses a target that exists and is not an empty dir */
int
safedir_open(struct safedir *sd, const char *path, const char **error_r)
{
	struct stat st;
	char *t;

	memset(sd, 0, sizeof(*sd));
	if (stat(path, &st) == 0) {
		if (!S_ISDIR(st.st_mode)) {
			*error_r = "exists and is not a directory";
			errno = EEXIST;
			return -1;
		}
		if (dir_is_empty(path) != 1) {
			*error_r = "exists and is not an empty directory";
			errno = EEXIST;
			return -1;
		}
	}
	if ((t = tmp_name(path)) == NULL || (sd->path = strdup(path)) == NULL) {
		free(t);
		*error_r = "out of memory";
		return -1;
	}
	if (mkdir(t, 0700) < 0) {
		*error_r = strerror(errno);
		free(t);
		free(sd->path);
		sd->path = NULL;
		return -1;
	}
	sd->tmp = t;
	return 0;
}

/* safedir_commit - rename the finished tree over the (empty) target */
int
safedir_commit(struct safedir *sd, const char **error_r)
{
	if (rename(sd->tmp, sd->path) < 0) {
		*error_r = strerror(errno);
		safedir_abort(sd);
		return -1;
	}
	free(sd->tmp);
	sd->tmp = NULL;
	if (safefile_fsync_dir(sd->path) < 0) {
		*error_r = strerror(errno);
		safedir_abort(sd);
		return -1;
	}
	safedir_abort(sd);
	return 0;
}

/* remove_tree - unlink files and directories up to depth levels down */
static void
remove_tree(const char *path, int depth)
{
	DIR *d;
	struct dirent *e;

	if (depth > 0 && (d = opendir(path)) != NULL) {
		while ((e = readdir(d)) != NULL) {
			char *sub;

			if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
				continue;
			if ((sub = safefile_path_join(path, e->d_name)) == NULL)
				continue;
			if (unlink(sub) < 0 && (errno == EISDIR || errno == EPERM))
				remove_tree(sub, depth - 1);
			free(sub);
		}
		closedir(d);
	}
	rmdir(path);
}

/* safedir_abort - remove the temporary tree (two levels deep) */
void
safedir_abort(struct safedir *sd)
{
	int saved = errno;

	if (sd->tmp != NULL)
		remove_tree(sd->tmp, 3);
	free(sd->tmp);
	free(sd->path);
	sd->tmp = sd->path = NULL;
	errno = saved;
}
