/* maildir - list a Maildir's messages and build an output Maildir
 * (see maildir.h). */
#include "maildir.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "safefile.h"

/* is_dir - path/sub is a directory */
static int
is_dir(const char *path, const char *sub)
{
	char *p = safefile_path_join(path, sub);
	struct stat st;
	int r;

	if (p == NULL)
		return 0;
	r = stat(p, &st) == 0 && S_ISDIR(st.st_mode);
	free(p);
	return r;
}

/* maildir_is_maildir - 1 when dir has cur/ or new/ */
int
maildir_is_maildir(const char *dir)
{
	return is_dir(dir, "cur") || is_dir(dir, "new");
}

/* entry_cmp - by subdirectory (cur before new), then by name */
static int
entry_cmp(const void *a, const void *b)
{
	const struct maildir_entry *x = a, *y = b;
	int c = strcmp(x->sub, y->sub);

	return c ? c : strcmp(x->name, y->name);
}

/* add_entry - append one file to the list */
static int
add_entry(struct maildir_list *l, size_t *cap, char *sub, const char *name,
    off_t size)
{
	if (l->n == *cap) {
		size_t nc = *cap ? *cap * 2 : 64;
		void *nv = realloc(l->v, nc * sizeof(*l->v));

		if (nv == NULL)
			return -1;
		l->v = nv;
		*cap = nc;
	}
	if ((l->v[l->n].name = strdup(name)) == NULL)
		return -1;
	l->v[l->n].sub = sub;
	l->v[l->n].size = size;
	l->n++;
	l->total += size;
	return 0;
}

/* list_sub - the regular, non-dot files of dir/sub */
static int
list_sub(const char *dir, char *sub, struct maildir_list *l, size_t *cap)
{
	char *path = safefile_path_join(dir, sub), *fp;
	struct dirent *e;
	struct stat st;
	DIR *d;
	int rc = 0;

	if (path == NULL)
		return -1;
	if ((d = opendir(path)) == NULL) {
		rc = errno == ENOENT ? 0 : -1;
		free(path);
		return rc;
	}
	while (rc == 0 && (e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		if ((fp = safefile_path_join(path, e->d_name)) == NULL) {
			rc = -1;
			break;
		}
		if (stat(fp, &st) < 0)
			rc = -1;
		else if (S_ISREG(st.st_mode))
			rc = add_entry(l, cap, sub, e->d_name, st.st_size);
		free(fp);
	}
	closedir(d);
	free(path);
	return rc;
}

/* maildir_list - 0, or -1 with *error_r */
int
maildir_list(const char *dir, struct maildir_list *l, const char **error_r)
{
	static char cur[] = "cur", new[] = "new";
	size_t cap = 0;

	memset(l, 0, sizeof(*l));
	if (!maildir_is_maildir(dir)) {
		*error_r = "not a Maildir";
		return -1;
	}
	if (list_sub(dir, cur, l, &cap) < 0 || list_sub(dir, new, l, &cap) < 0) {
		*error_r = strerror(errno);
		maildir_list_free(l);
		return -1;
	}
	if (l->n)
		qsort(l->v, l->n, sizeof(*l->v), entry_cmp);
	return 0;
}

/* maildir_list_free - release the names and the array */
void
maildir_list_free(struct maildir_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i].name);
	free(l->v);
	memset(l, 0, sizeof(*l));
}

/* maildir_path - malloc'd dir/sub/name */
char *
maildir_path(const char *dir, const struct maildir_entry *e)
{
	size_t n = strlen(dir) + strlen(e->sub) + strlen(e->name) + 3;
	char *p = malloc(n);

	if (p != NULL)
		snprintf(p, n, "%s/%s/%s", dir, e->sub, e->name);
	return p;
}

/* maildir_create_subdirs - make cur/ new/ tmp/ in dir (mode 0700) */
int
maildir_create_subdirs(const char *dir)
{
	static const char *subs[] = { "cur", "new", "tmp" };

	for (size_t i = 0; i < 3; i++) {
		char *p = safefile_path_join(dir, subs[i]);
		int rc;

		if (p == NULL)
			return -1;
		rc = mkdir(p, 0700);
		free(p);
		if (rc < 0 && errno != EEXIST)
			return -1;
	}
	return 0;
}
