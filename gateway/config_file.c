/* config_file - the config module's contact with the world: reading the
 * file, the pseudonym key file, and compiling the result (see config.h).
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "scrub.h"

#define CONFIG_MAX_SIZE (1024 * 1024)
#define KEY_NEW_BYTES 32

/* read_small - a whole small file into a malloc'd buffer */
static char *
read_small(const char *path, size_t max, size_t *len_r, int *errno_r)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	char *p = NULL;
	ssize_t n;

	*errno_r = 0;
	if (fd < 0 || fstat(fd, &st) < 0)
		goto fail;
	if (!S_ISREG(st.st_mode) || (size_t)st.st_size > max) {
		errno = S_ISREG(st.st_mode) ? EFBIG : EINVAL;
		goto fail;
	}
	if ((p = malloc((size_t)st.st_size + 1)) == NULL)
		goto fail;
	n = read(fd, p, (size_t)st.st_size);
	if (n != (ssize_t)st.st_size) {
		if (n >= 0)
			errno = EIO;
		goto fail;
	}
	p[n] = '\0';
	*len_r = (size_t)n;
	close(fd);
	return p;
fail:
	*errno_r = errno;
	free(p);
	if (fd >= 0)
		close(fd);
	return NULL;
}

/* config_load - read and parse a file, then load the pseudonym key */
int
config_load(struct config *c, const char *path)
{
	char *text, *d;
	size_t len = 0;
	int err, rc;

	free(c->source);
	free(c->dir);
	c->source = strdup(path);
	d = strdup(path);
	c->dir = d ? strdup(dirname(d)) : NULL;
	free(d);
	if (c->source == NULL || c->dir == NULL) {
		snprintf(c->error, sizeof(c->error), "%s: out of memory", path);
		return -1;
	}
	if ((text = read_small(path, CONFIG_MAX_SIZE, &len, &err)) == NULL) {
		snprintf(c->error, sizeof(c->error), "%s: %s", path,
		    err == EINVAL ? "not a regular file" : strerror(err));
		return -1;
	}
	rc = config_parse(c, path, text, len);
	free(text);
	if (rc == 0)
		rc = config_load_key(c);
	return rc;
}

/* key_decode - hex text (whitespace around it ignored) into key */
static int
key_decode(unsigned char *key, size_t keymax, size_t *keylen_r,
    const char *text, size_t len)
{
	size_t a = 0, b = len, n;

	while (a < b && isspace((unsigned char)text[a]))
		a++;
	while (b > a && isspace((unsigned char)text[b - 1]))
		b--;
	n = b - a;
	if (n % 2 || n < 32 || n > 2 * keymax)
		return -1;
	for (size_t i = 0; i < n / 2; i++) {
		int hi = OPENSSL_hexchar2int((unsigned char)text[a + 2 * i]);
		int lo = OPENSSL_hexchar2int((unsigned char)text[a + 2 * i + 1]);

		if (hi < 0 || lo < 0)
			return -1;
		key[i] = (unsigned char)(hi << 4 | lo);
	}
	*keylen_r = n / 2;
	return 0;
}

/* key_sync_dir - fsync the directory holding path, so the new name
 * outlives a crash (a lost key would change every pseudonym) */
static void
key_sync_dir(const char *path)
{
	char copy[PATH_MAX];
	int fd;

	if (snprintf(copy, sizeof(copy), "%s", path) >= (int)sizeof(copy))
		return;
	if ((fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return;
	(void)fsync(fd);
	close(fd);
}

/* key_create - a new key file: random bytes, hex, mode 0600.  Written
 * whole to a temporary name, fsynced, then linked into place: link(2)
 * fails with EEXIST when another process won the race, and no reader
 * (a qmgr or worker starting at the same moment) nor a kill -9 half way
 * can ever leave an empty or short key at path. */
static int
key_create(const char *path)
{
	unsigned char raw[KEY_NEW_BYTES];
	char hex[2 * KEY_NEW_BYTES + 2];
	char tmp[PATH_MAX];
	int fd, rc = -1, saved;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path, (long)getpid()) >=
	    (int)sizeof(tmp)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	if (RAND_bytes(raw, sizeof(raw)) != 1) {
		errno = EIO;
		return -1;
	}
	for (size_t i = 0; i < sizeof(raw); i++)
		snprintf(hex + 2 * i, 3, "%02x", raw[i]);
	hex[2 * KEY_NEW_BYTES] = '\n';
	hex[2 * KEY_NEW_BYTES + 1] = '\0';
	(void)unlink(tmp);	/* left by a killed process with our pid */
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW,
	    0600);
	if (fd >= 0) {
		if (write(fd, hex, sizeof(hex) - 1) == (ssize_t)sizeof(hex) - 1 &&
		    fsync(fd) == 0)
			rc = 0;
		if (close(fd) < 0)
			rc = -1;
		if (rc == 0 && link(tmp, path) < 0)
			rc = -1;
		saved = errno;
		(void)unlink(tmp);
		if (rc == 0)
			key_sync_dir(path);
		errno = saved;
	}
	OPENSSL_cleanse(raw, sizeof(raw));
	OPENSSL_cleanse(hex, sizeof(hex));
	return rc;
}

/* key_read - open, check the mode, decode; -1 with errno set when the
 * file cannot be opened, -2 with err filled on any other problem */
static int
key_read(const char *path, unsigned char *key, size_t keymax,
    size_t *keylen_r, char *err, size_t errlen)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	char text[256];
	struct stat st;
	ssize_t n;

	if (fd < 0)
		return -1;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		snprintf(err, errlen, "%s: not a regular file", path);
		return -2;
	}
	if (st.st_mode & (S_IRWXG | S_IRWXO)) {
		close(fd);
		snprintf(err, errlen, "%s: pseudonym key is "
		    "readable or writable by group or others (mode %04o); "
		    "chmod 600 it", path, (unsigned)(st.st_mode & 07777));
		return -2;
	}
	n = read(fd, text, sizeof(text));
	close(fd);
	if (n < 0 || key_decode(key, keymax, keylen_r, text, (size_t)n) < 0) {
		snprintf(err, errlen, "%s: %s", path, n < 0 ?
		    strerror(errno) : "pseudonym key must be 32 to 128 hex digits");
		OPENSSL_cleanse(text, sizeof(text));
		return -2;
	}
	OPENSSL_cleanse(text, sizeof(text));
	return 0;
}

/* config_path - a path of the file resolved against its directory */
char *
config_path(const struct config *c, const char *p)
{
	char *path;

	if (p == NULL)
		return NULL;
	if (p[0] == '/' || c->dir == NULL)
		return strdup(p);
	if ((path = malloc(strlen(c->dir) + strlen(p) + 2)) != NULL)
		sprintf(path, "%s/%s", c->dir, p);
	return path;
}

/* config_key_file - read the key file at path (already resolved), or
 * create it (32 random bytes, hex, mode 0600) when it does not exist;
 * refuse one that group or others can read.  Shared by [scrub] and
 * [store] pseudonym_key.  0, or -1 with err ("PATH: problem") filled. */
int
config_key_file(const char *path, unsigned char *key, size_t keymax,
    size_t *keylen_r, char *err, size_t errlen)
{
	int rc = key_read(path, key, keymax, keylen_r, err, errlen);

	if (rc == -1 && errno == ENOENT) {
		if (key_create(path) < 0 && errno != EEXIST)
			rc = -1;
		else
			rc = key_read(path, key, keymax, keylen_r, err, errlen);
	}
	if (rc == -1)
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
	return rc < 0 ? -1 : 0;
}

/* config_load_key - when strategy = pseudonym: read or create the key */
int
config_load_key(struct config *c)
{
	char *path;
	int rc;

	if (c->spec.strategy != STRATEGY_PSEUDONYM)
		return 0;
	if ((path = config_path(c, c->key_path)) == NULL) {
		snprintf(c->error, sizeof(c->error), "%s: out of memory",
		    c->key_path);
		return -1;
	}
	rc = config_key_file(path, c->spec.key, sizeof(c->spec.key),
	    &c->spec.keylen, c->error, sizeof(c->error));
	free(path);
	return rc;
}

/* try_one - compile a spec holding just one custom or allow pattern */
static const char *
try_one(const struct config *c, size_t custom, size_t allow)
{
	struct policy_spec t;
	struct scrub_policy *p;
	const char *err = NULL;

	policy_spec_defaults(&t);
	if (custom != (size_t)-1) {
		t.custom[0] = c->spec.custom[custom];
		t.ncustom = 1;
	} else {
		t.allow_patterns = &c->spec.allow_patterns[allow];
		t.nallow_patterns = 1;
	}
	/* t borrows c's strings: nothing to free */
	if ((p = scrub_policy_create(&t, &err)) != NULL) {
		scrub_policy_destroy(&p);
		return NULL;
	}
	return err ? err : "cannot compile";
}

/* locate - find the line of the pattern that made the compile fail */
static void
locate(struct config *c, const char *err)
{
	const char *e;

	for (size_t i = 0; i < c->spec.ncustom; i++)
		if ((e = try_one(c, i, (size_t)-1)) != NULL) {
			snprintf(c->error, sizeof(c->error), "%s:%u: [pattern %s] "
			    "regex: %s", c->source, c->regex_line[i],
			    c->spec.custom[i].name, e);
			return;
		}
	for (size_t i = 0; i < c->spec.nallow_patterns; i++)
		if ((e = try_one(c, (size_t)-1, i)) != NULL) {
			snprintf(c->error, sizeof(c->error), "%s:%u: [allow] "
			    "pattern: %s", c->source, c->allow_pattern_line[i], e);
			return;
		}
	snprintf(c->error, sizeof(c->error), "%s: %s", c->source, err);
}

/* config_compile - scrub_policy_create with errors located at a line */
int
config_compile(struct config *c, struct scrub_policy **p_r)
{
	const char *err = "cannot compile the policy";

	if ((*p_r = scrub_policy_create(&c->spec, &err)) != NULL)
		return 0;
	locate(c, err ? err : "cannot compile the policy");
	return -1;
}
