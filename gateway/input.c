/* input - open what `scrubgate scrub` is given (see input.h). */
#include "input.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

#include "mbox.h"

#define STDIN_CHUNK (1u << 20)

/* input_map_file - mmap a whole file read-only (len 0: data NULL) */
int
input_map_file(const char *path, char **data_r, size_t *len_r,
    const char **error_r)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	void *p;

	*data_r = NULL;
	*len_r = 0;
	if (fd < 0 || fstat(fd, &st) < 0) {
		*error_r = strerror(errno);
		if (fd >= 0)
			close(fd);
		return -1;
	}
	if (st.st_size > 0) {
		p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
		if (p == MAP_FAILED) {
			*error_r = strerror(errno);
			close(fd);
			return -1;
		}
		madvise(p, (size_t)st.st_size, MADV_SEQUENTIAL);
		*data_r = p;
		*len_r = (size_t)st.st_size;
	}
	close(fd);
	return 0;
}

/* read_stdin - all of stdin into an anonymous mapping */
static int
read_stdin(struct input *in, const char **error_r)
{
	size_t cap = STDIN_CHUNK, len = 0;
	char *p = mmap(NULL, cap, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		goto fail;
	for (;;) {
		ssize_t r;

		if (len == cap) {
			void *np = mremap(p, cap, cap * 2, MREMAP_MAYMOVE);

			if (np == MAP_FAILED)
				goto fail;
			p = np;
			cap *= 2;
		}
		r = read(STDIN_FILENO, p + len, cap - len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			goto fail;
		if (r == 0)
			break;
		len += (size_t)r;
	}
	in->data = p;
	in->len = len;
	in->map_len = cap;
	return 0;
fail:
	*error_r = strerror(errno);
	if (p != MAP_FAILED)
		munmap(p, cap);
	return -1;
}

/* input_open - 0, or -1 with *error_r and *exit_r */
int
input_open(struct input *in, const char *path, const char **error_r,
    int *exit_r)
{
	struct stat st;

	memset(in, 0, sizeof(*in));
	in->path = path;
	*exit_r = EX_NOINPUT;
	if (strcmp(path, "-") == 0) {
		if (read_stdin(in, error_r) < 0) {
			*exit_r = EX_IOERR;
			return -1;
		}
	} else if (stat(path, &st) < 0) {
		*error_r = strerror(errno);
		return -1;
	} else if (S_ISDIR(st.st_mode)) {
		in->kind = INPUT_MAILDIR;
		if (maildir_list(path, &in->maildir, error_r) < 0)
			return -1;
		in->total = (unsigned long long)in->maildir.total;
		return 0;
	} else if (!S_ISREG(st.st_mode)) {
		*error_r = "not a regular file, Maildir or '-'";
		return -1;
	} else if (access(path, R_OK) < 0) {
		*error_r = strerror(errno);
		return -1;
	} else if (input_map_file(path, &in->data, &in->len, error_r) < 0) {
		return -1;
	} else
		in->map_len = in->len;
	in->total = in->len;
	in->kind = in->len == 0 || mbox_is_mbox(in->data, in->len) ?
	    INPUT_MBOX : INPUT_MESSAGE;
	return 0;
}

/* input_close - unmap and free */
void
input_close(struct input *in)
{
	if (in->data != NULL && in->map_len)
		munmap(in->data, in->map_len);
	in->data = NULL;
	in->len = in->map_len = 0;
	maildir_list_free(&in->maildir);
}
