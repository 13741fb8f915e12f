/* test_fetch - the parts of `scrubgate fetch` that need no IMAP server:
 * the dedup key, the account checks, the password sources, and the
 * [account] rows of the config table. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "fetch.h"
#include "harness.h"

static void
test_dedup_key(void)
{
	char k[400], k2[400];
	static const char a[] = "From: a@b\r\nMessage-ID:  <x1@host>  \r\n"
	    "Subject: s\r\n\r\nMessage-ID: <body@host>\r\n";
	static const char folded[] = "Message-ID:\r\n <x2@host>\r\n\r\nb\r\n";
	static const char none[] = "Subject: s\n\nno id\n";
	static const char none2[] = "Subject: s\n\nno id!\n";

	fetch_dedup_key(a, sizeof(a) - 1, k, sizeof(k));
	CHECK(strcmp(k, "<x1@host>") == 0);
	fetch_dedup_key(folded, sizeof(folded) - 1, k, sizeof(k));
	CHECK(strcmp(k, "<x2@host>") == 0);
	fetch_dedup_key(none, sizeof(none) - 1, k, sizeof(k));
	CHECK(strncmp(k, "sha256:", 7) == 0 && strlen(k) == 7 + 64);
	fetch_dedup_key(none2, sizeof(none2) - 1, k2, sizeof(k2));
	CHECK(strcmp(k, k2) != 0);
	fetch_dedup_key("", 0, k2, sizeof(k2));
	CHECK(strncmp(k2, "sha256:", 7) == 0);
}

/* load - a config from text */
static int
load(struct config *c, const char *text)
{
	if (config_init(c) < 0)
		return -1;
	return config_parse(c, "t.conf", text, strlen(text));
}

static void
test_check_account(void)
{
	static const char base[] = "[route r]\nmailboxes = help@example.net\n"
	    "[account a]\nhost = imap.example.net\nuser = support\n"
	    "password_env = SG_TEST_PW\nroute = r\n";
	static const struct { const char *extra; int ok; } rows[] = {
		{ "", 1 },
		{ "tls = none\n", 1 },
		{ "tls = starttls\nafter = delete\n", 1 },
		{ "tls = plain\n", 0 },
		{ "after = archive\n", 0 },
		{ "after = move\n", 0 },
		{ "after = move\nmove_to = Done\n", 1 },
	};
	char text[1024], err[400];
	struct config c;

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		snprintf(text, sizeof(text), "%s%s", base, rows[i].extra);
		CHECK_MSG(load(&c, text) == 0, "row %zu: %s", i, c.error);
		CHECK_MSG(c.naccounts == 1 && (fetch_check_account(&c,
		    &c.accounts[0], err, sizeof(err)) == 0) == rows[i].ok,
		    "row %zu: %s", i, err);
		config_free(&c);
	}
	/* defaults of the rows */
	CHECK(load(&c, base) == 0);
	CHECK(strcmp(c.accounts[0].tls, "imaps") == 0);
	CHECK(strcmp(c.accounts[0].folder, "INBOX") == 0);
	CHECK(strcmp(c.accounts[0].after, "seen") == 0);
	CHECK(c.accounts[0].poll_interval == 60 && c.accounts[0].idle == 1);
	config_free(&c);
	/* route missing, no recipient */
	CHECK(load(&c, "[account a]\nhost = h\nuser = u\npassword_env = X\n"
	    "route = nope\n") == 0);
	CHECK(fetch_check_account(&c, &c.accounts[0], err, sizeof(err)) < 0);
	CHECK(strstr(err, "t.conf:1: [account a]: route") != NULL);
	config_free(&c);
	CHECK(load(&c, "[route r]\nmailboxes = example.net\n[account a]\n"
	    "host = h\nuser = u\npassword_env = X\nroute = r\n") == 0);
	CHECK(fetch_check_account(&c, &c.accounts[0], err, sizeof(err)) < 0);
	CHECK(strstr(err, "no recipient") != NULL);
	config_free(&c);
}

static void
test_password(void)
{
	char dir[] = "/tmp/sg-test-fetch.XXXXXX", path[300], pw[64], err[400];
	struct config c;
	FILE *f;

	if (mkdtemp(dir) == NULL)
		return;
	snprintf(path, sizeof(path), "%s/pw", dir);
	f = fopen(path, "w");
	fputs("top secret\r\nsecond line\n", f);
	fclose(f);
	chmod(path, 0600);
	CHECK(load(&c, "[account a]\npassword_env = SG_TEST_PW\n") == 0);
	unsetenv("SG_TEST_PW");
	CHECK(fetch_password(&c, &c.accounts[0], pw, sizeof(pw), err,
	    sizeof(err)) < 0);
	setenv("SG_TEST_PW", "from-env", 1);
	CHECK(fetch_password(&c, &c.accounts[0], pw, sizeof(pw), err,
	    sizeof(err)) == 0 && strcmp(pw, "from-env") == 0);
	free(c.accounts[0].password_file);
	c.accounts[0].password_file = strdup(path);
	CHECK(fetch_password(&c, &c.accounts[0], pw, sizeof(pw), err,
	    sizeof(err)) == 0 && strcmp(pw, "top secret") == 0);
	chmod(path, 0640);
	CHECK(fetch_password(&c, &c.accounts[0], pw, sizeof(pw), err,
	    sizeof(err)) < 0 && strstr(err, "chmod 600") != NULL);
	config_free(&c);
	unlink(path);
	rmdir(dir);
}

int
main(void)
{
	test_dedup_key();
	test_check_account();
	test_password();
	return harness_done();
}
