/* maildir - list a Maildir's messages and build an output Maildir.
 *
 * A Maildir is a directory with cur/ and/or new/ (tmp/ is optional on input:
 * version control drops empty directories).  Messages are the regular files
 * of cur/ then new/, each sorted by name; tmp/, dot files and
 * subdirectories (Maildir++ folders) are skipped.  Output keeps each
 * message's subdirectory and file name, flags included.
 */
#ifndef SCRUBGATE_MAILDIR_H
#define SCRUBGATE_MAILDIR_H

#include <stddef.h>
#include <sys/types.h>

struct maildir_entry {
	char *sub;		/* "cur" or "new" (static) */
	char *name;		/* file name, malloc'd */
	off_t size;
};

struct maildir_list {
	struct maildir_entry *v;
	size_t n;
	off_t total;		/* sum of sizes */
};

/* maildir_is_maildir - 1 when dir has cur/ or new/ */
int maildir_is_maildir(const char *dir);
/* maildir_list - 0, or -1 with *error_r ("not a Maildir" or strerror) */
int maildir_list(const char *dir, struct maildir_list *l, const char **error_r);
void maildir_list_free(struct maildir_list *l);
/* maildir_path - malloc'd dir/sub/name */
char *maildir_path(const char *dir, const struct maildir_entry *e);
/* maildir_create_subdirs - make cur/ new/ tmp/ in dir (mode 0700) */
int maildir_create_subdirs(const char *dir);

#endif
