/* test_maildir - Maildir listing (cur/ then new/, sorted, dot files, tmp/
 * and subfolders skipped), "not a Maildir", output subdirectories, and the
 * safedir/safefile all-or-nothing writers it is built with.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"
#include "maildir.h"
#include "safefile.h"

static char root[] = "/tmp/test_maildir.XXXXXX";

/* touch - a file with some bytes under root */
static void
touch(const char *rel, const char *text)
{
	char p[512];
	int fd;

	snprintf(p, sizeof(p), "%s/%s", root, rel);
	if ((fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0600)) < 0)
		return;
	if (write(fd, text, strlen(text)) < 0)
		perror(p);
	close(fd);
}

/* mk - a directory under root */
static void
mk(const char *rel)
{
	char p[512];

	snprintf(p, sizeof(p), "%s/%s", root, rel);
	mkdir(p, 0700);
}

/* count_entries - files in a directory */
static int
count_entries(const char *path)
{
	char cmd[600];
	FILE *f;
	int n = -1;

	snprintf(cmd, sizeof(cmd), "ls -A '%s' | wc -l", path);
	if ((f = popen(cmd, "r")) != NULL) {
		if (fscanf(f, "%d", &n) != 1)
			n = -1;
		pclose(f);
	}
	return n;
}

static void
test_list(void)
{
	struct maildir_list l;
	const char *err = NULL;
	char p[512];

	mk("md");
	mk("md/cur");
	mk("md/new");
	mk("md/tmp");
	mk("md/.Sub");
	mk("md/.Sub/cur");
	mk("md/cur/adir");
	touch("md/cur/2.host:2,S", "b");
	touch("md/cur/1.host:2,RS", "aa");
	touch("md/cur/.hidden", "x");
	touch("md/new/0.host", "ccc");
	touch("md/tmp/9.host", "d");
	touch("md/.Sub/cur/5.host", "e");
	snprintf(p, sizeof(p), "%s/md", root);
	CHECK(maildir_is_maildir(p));
	CHECK_MSG(maildir_list(p, &l, &err) == 0, "%s", err);
	CHECK(l.n == 3 && l.total == 6);
	if (l.n == 3) {
		CHECK(strcmp(l.v[0].sub, "cur") == 0 &&
		    strcmp(l.v[0].name, "1.host:2,RS") == 0 && l.v[0].size == 2);
		CHECK(strcmp(l.v[1].name, "2.host:2,S") == 0);
		CHECK(strcmp(l.v[2].sub, "new") == 0 &&
		    strcmp(l.v[2].name, "0.host") == 0);
		char *mp = maildir_path("/x", &l.v[2]);
		CHECK(mp && strcmp(mp, "/x/new/0.host") == 0);
		free(mp);
	}
	maildir_list_free(&l);
	CHECK(l.n == 0 && l.v == NULL);

	/* only new/: still a Maildir (version control drops empty dirs) */
	mk("onlynew");
	mk("onlynew/new");
	snprintf(p, sizeof(p), "%s/onlynew", root);
	CHECK(maildir_list(p, &l, &err) == 0 && l.n == 0);
	maildir_list_free(&l);

	mk("plain");
	snprintf(p, sizeof(p), "%s/plain", root);
	CHECK(!maildir_is_maildir(p));
	CHECK(maildir_list(p, &l, &err) == -1 && strcmp(err, "not a Maildir") == 0);
}

static void
test_corpus(void)
{
	const char *c = getenv("SCRUBGATE_CORPUS");
	char p[512];
	struct maildir_list l;
	const char *err = NULL;

	snprintf(p, sizeof(p), "%s/stalwart-mail-parser/maildir",
	    c ? c : "../shared/corpus");
	if (access(p, R_OK) < 0)
		return;
	CHECK_MSG(maildir_list(p, &l, &err) == 0, "%s", err);
	CHECK(l.n == 2);
	CHECK(l.n == 2 && strcmp(l.v[0].sub, "cur") == 0 &&
	    strchr(l.v[0].name, ',') != NULL);
	maildir_list_free(&l);
}

static void
test_safedir(void)
{
	struct safedir sd;
	const char *err = NULL;
	char out[512], f[600];

	snprintf(out, sizeof(out), "%s/out", root);
	CHECK(safedir_open(&sd, out, &err) == 0);
	CHECK(maildir_create_subdirs(sd.tmp) == 0);
	snprintf(f, sizeof(f), "%s/cur/1.x:2,S", sd.tmp);
	CHECK(safefile_put(f, "msg", 3, 0600, &err) == 0);
	CHECK(access(out, F_OK) < 0);		/* nothing visible yet */
	CHECK(safedir_commit(&sd, &err) == 0);
	snprintf(f, sizeof(f), "%s/cur/1.x:2,S", out);
	CHECK(access(f, R_OK) == 0);
	snprintf(f, sizeof(f), "%s/tmp", out);
	CHECK(access(f, F_OK) == 0);
	/* a non-empty target is refused */
	CHECK(safedir_open(&sd, out, &err) == -1 &&
	    strstr(err, "not an empty directory"));
	/* abort leaves nothing */
	snprintf(out, sizeof(out), "%s/out2", root);
	CHECK(safedir_open(&sd, out, &err) == 0);
	CHECK(maildir_create_subdirs(sd.tmp) == 0);
	snprintf(f, sizeof(f), "%s/new/2", sd.tmp);
	CHECK(safefile_put(f, "m", 1, 0600, &err) == 0);
	safedir_abort(&sd);
	CHECK(access(out, F_OK) < 0);
	/* an empty existing directory is replaced */
	mkdir(out, 0700);
	CHECK(safedir_open(&sd, out, &err) == 0);
	CHECK(safedir_commit(&sd, &err) == 0);
}

static void
test_safefile(void)
{
	struct safefile sf;
	const char *err = NULL;
	char p[600], d[512];
	struct stat st;

	snprintf(d, sizeof(d), "%s/sf", root);
	mkdir(d, 0700);
	snprintf(p, sizeof(p), "%s/a.txt", d);
	CHECK(safefile_open(&sf, p, 0600, &err) == 0);
	CHECK(safefile_write(&sf, "hello ", 6) == 0);
	CHECK(access(p, F_OK) < 0);
	CHECK(count_entries(d) == 1);		/* the temporary file */
	CHECK(safefile_write(&sf, "world", 5) == 0);
	CHECK(safefile_commit(&sf, &err) == 0);
	CHECK(stat(p, &st) == 0 && st.st_size == 11 && (st.st_mode & 077) == 0);
	CHECK(count_entries(d) == 1);
	CHECK(safefile_open(&sf, p, 0600, &err) == 0);
	CHECK(safefile_write(&sf, "x", 1) == 0);
	safefile_abort(&sf);
	CHECK(stat(p, &st) == 0 && st.st_size == 11);	/* old one intact */
	CHECK(count_entries(d) == 1);
	snprintf(p, sizeof(p), "%s/nodir/a", root);
	CHECK(safefile_put(p, "x", 1, 0600, &err) == -1 && err != NULL);
}

int
main(void)
{
	char cmd[600];

	if (mkdtemp(root) == NULL)
		return 1;
	test_list();
	test_corpus();
	test_safedir();
	test_safefile();
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", root);
	return harness_done();
}
