/* input - open what `scrubgate scrub` is given and tell what it is.
 *
 * A directory is a Maildir (or an error "not a Maildir"); a file or stdin
 * ('-') starting with "From " is an mbox; anything else is one RFC 5322
 * message.  Files are mmap'd read-only (inputs can be hundreds of MB);
 * stdin is read into an anonymous mapping, so that either way the data is
 * one mapping the scrub worker can release (see worker_create).
 */
#ifndef SCRUBGATE_INPUT_H
#define SCRUBGATE_INPUT_H

#include <stddef.h>

#include "maildir.h"

enum input_kind { INPUT_MBOX, INPUT_MAILDIR, INPUT_MESSAGE };

struct input {
	enum input_kind kind;
	const char *path;	/* as given; "-" is stdin */
	char *data;		/* the mapping (mbox, message), NULL if empty */
	size_t len;
	size_t map_len;		/* bytes mapped */
	struct maildir_list maildir;
	unsigned long long total;	/* bytes to process, for progress */
};

/* input_open - 0, or -1 with *error_r and *exit_r (a sysexits code) */
int input_open(struct input *in, const char *path, const char **error_r,
    int *exit_r);
void input_close(struct input *in);

/* input_map_file - mmap a whole file read-only (len 0: data NULL) */
int input_map_file(const char *path, char **data_r, size_t *len_r,
    const char **error_r);

#endif
