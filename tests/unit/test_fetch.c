/* test_fetch - the parts of `scrubgate fetch` that need no IMAP server:
 * the dedup key, the envelope sender (Return-Path, Sender, From), the
 * account checks, the password sources, and the [account] rows of the
 * config table. */
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

/* test_sender - the envelope sender of a fetched message, as fetchmail
 * takes it, and the reverse-path check */
static void
test_sender(void)
{
	static const struct { const char *msg; int which; const char *addr; }
	    rows[] = {
		/* the first Return-Path wins over everything */
		{ "Return-Path: <bounce+x@lists.example>\r\nFrom: Ann <ann@e.org>\r\n"
		  "Sender: s@e.org\r\n\r\nb\r\n", FETCH_SENDER_RETURN_PATH,
		  "bounce+x@lists.example" },
		{ "Return-Path: <new@a.example>\nReturn-Path: <old@b.example>\n"
		  "From: f@e.org\n\nb\n", FETCH_SENDER_RETURN_PATH, "new@a.example" },
		{ "return-path:<lc@a.example>\nFrom: f@e.org\n\n",
		  FETCH_SENDER_RETURN_PATH, "lc@a.example" },
		{ "Return-Path: \r\n <folded@a.example>\r\n\r\n",
		  FETCH_SENDER_RETURN_PATH, "folded@a.example" },
		/* <> stays <>: a bounce */
		{ "Return-Path: <>\r\nFrom: MAILER-DAEMON@e.org\r\n\r\nb\r\n",
		  FETCH_SENDER_RETURN_PATH, "" },
		/* none: Sender, then From */
		{ "From: Ann <ann@e.org>\r\nSender: list@e.org\r\n\r\n",
		  FETCH_SENDER_SENDER, "list@e.org" },
		{ "From: Ann <ann@e.org>, bob@e.org\r\n\r\nb\r\n",
		  FETCH_SENDER_FROM, "ann@e.org" },
		{ "From: ann@e.org\n\nReturn-Path: <body@e.org>\n",
		  FETCH_SENDER_FROM, "ann@e.org" },
		/* a Return-Path that is not a valid reverse-path: From */
		{ "Return-Path: <a\x01x@e.org>\r\nFrom: f@e.org\r\n\r\n",
		  FETCH_SENDER_FROM, "f@e.org" },
		{ "Return-Path: <no-at-sign>\r\nFrom: f@e.org\r\n\r\n",
		  FETCH_SENDER_FROM, "f@e.org" },
		/* libetpan would make this "bobsmith@e.org" */
		{ "Return-Path: <bob smith@e.org>\r\nFrom: f@e.org\r\n\r\n",
		  FETCH_SENDER_FROM, "f@e.org" },
		{ "Return-Path: <bob(comment)@e.org>\r\nFrom: f@e.org\r\n\r\n",
		  FETCH_SENDER_FROM, "f@e.org" },
		{ "From: ann@e.org (Ann)\r\n\r\n", FETCH_SENDER_FROM, "ann@e.org" },
		{ "Return-Path: <a@b.example> junk\r\nFrom: f@e.org\r\n\r\n",
		  FETCH_SENDER_FROM, "f@e.org" },
		{ "Return-Path: <a@b.example\r\nFrom: f@e.org\r\n\r\n",
		  FETCH_SENDER_FROM, "f@e.org" },
		/* (libetpan 1.9.4 leaks these: never given to it) */
		{ "Return-Path: <a,b@e.org>\r\nFrom: f@e.org\r\n\r\n",
		  FETCH_SENDER_FROM, "f@e.org" },
		{ "Return-Path: <.).<\r\nFrom: f@e.org\r\n\r\n",
		  FETCH_SENDER_FROM, "f@e.org" },
		{ "Return-Path: (via relay) <c@b.example>\r\n\r\n",
		  FETCH_SENDER_RETURN_PATH, "c@b.example" },
		{ "Return-Path: <x@b.example>\r\nRCPT TO:<e@v.il>\r\n"
		  "From: f@e.org\r\n\r\n", FETCH_SENDER_RETURN_PATH, "x@b.example" },
		{ "Return-Path: <\xc3\xa4@b.example>\r\nFrom: f@e.org\r\n\r\n",
		  FETCH_SENDER_FROM, "f@e.org" },
		{ "Sender: Netscape\r\nFrom: f@e.org\r\n\r\n", FETCH_SENDER_FROM,
		  "f@e.org" },
		/* nothing usable: <> (the caller logs it) */
		{ "Subject: s\r\n\r\nb\r\n", FETCH_SENDER_NONE, "" },
		{ "From: undisclosed\r\n\r\n", FETCH_SENDER_NONE, "" },
		{ "", FETCH_SENDER_NONE, "" },
	};
	char out[256], big[3000];

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		int w;

		memset(out, 'x', sizeof(out));
		w = fetch_sender(rows[i].msg, strlen(rows[i].msg), out,
		    sizeof(out));
		CHECK_MSG(w == rows[i].which && strcmp(out, rows[i].addr) == 0,
		    "row %zu: got %d '%s'", i, w, out);
	}
	/* a NUL inside the Return-Path: not parsed (libetpan sees C strings) */
	{
		static const char m[] = "Return-Path: <a@b.example\0>\r\n"
		    "From: f@e.org\r\n\r\n";

		CHECK(fetch_sender(m, sizeof(m) - 1, out, sizeof(out)) ==
		    FETCH_SENDER_FROM && strcmp(out, "f@e.org") == 0);
	}
	/* a Return-Path longer than any reverse-path: From */
	snprintf(big, sizeof(big), "Return-Path: <%0*d@b.example>\r\n"
	    "From: f@e.org\r\n\r\n", 2500, 0);
	CHECK(fetch_sender(big, strlen(big), out, sizeof(out)) ==
	    FETCH_SENDER_FROM);
	/* an output buffer too small for the address: the next field */
	CHECK(fetch_sender(rows[0].msg, strlen(rows[0].msg), out, 10) ==
	    FETCH_SENDER_SENDER && strcmp(out, "s@e.org") == 0);
	CHECK(fetch_sender(rows[0].msg, strlen(rows[0].msg), out, 5) ==
	    FETCH_SENDER_NONE && out[0] == '\0');
}

static void
test_reverse_path(void)
{
	static const struct { const char *a; int ok; } rows[] = {
		{ "ann@example.org", 1 },
		{ "a.b+tag@mail.example.org", 1 },
		{ "\"john.doe\"@example.org", 1 },
		{ "\"john doe\"@example.org", 1 },
		{ "postmaster@[192.0.2.1]", 1 },
		{ "x@localhost", 1 },
		{ "", 0 },
		{ "ann", 0 },
		{ "@example.org", 0 },
		{ "ann@", 0 },
		{ ".ann@example.org", 0 },
		{ "an..n@example.org", 0 },
		{ "ann.@example.org", 0 },
		{ "an n@example.org", 0 },
		{ "ann@exa mple.org", 0 },
		{ "ann@example.org\r\nRCPT TO:<x@y.z>", 0 },
		{ "ann@example.org>", 0 },
		{ "<ann@example.org", 0 },
		{ "ann\t@example.org", 0 },
		{ "ann@-example.org", 0 },
		{ "ann@example-.org", 0 },
		{ "ann@example..org", 0 },
		{ "ann@example.org.", 0 },
		{ "\"a\\\"b\"@example.org", 0 },
		{ "\"ab@example.org", 0 },
		{ "ann@[1.2.3.4", 0 },
		{ "\x7f@example.org", 0 },
		{ "\xc3\xa4@example.org", 0 },
	};
	char s[400];

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		CHECK_MSG(fetch_reverse_path_ok(rows[i].a) == rows[i].ok,
		    "row %zu", i);
	/* the limits: local part 64, label 63, 254 in all */
	snprintf(s, sizeof(s), "%064d@example.org", 0);
	CHECK(fetch_reverse_path_ok(s));
	snprintf(s, sizeof(s), "%065d@example.org", 0);
	CHECK(!fetch_reverse_path_ok(s));
	snprintf(s, sizeof(s), "a@%063d.org", 0);
	CHECK(fetch_reverse_path_ok(s));
	snprintf(s, sizeof(s), "a@%064d.org", 0);
	CHECK(!fetch_reverse_path_ok(s));
	snprintf(s, sizeof(s), "ab@%060d.%060d.%060d.%060d.org", 0, 0, 0, 0);
	CHECK(strlen(s) == 250 && fetch_reverse_path_ok(s));
	snprintf(s, sizeof(s), "abcdef@%060d.%060d.%060d.%060d.org", 0, 0, 0, 0);
	CHECK(strlen(s) == 254 && fetch_reverse_path_ok(s));
	snprintf(s, sizeof(s), "abcdefg@%060d.%060d.%060d.%060d.org", 0, 0, 0, 0);
	CHECK(strlen(s) == 255 && !fetch_reverse_path_ok(s));
	CHECK(!fetch_reverse_path_ok(NULL));
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
		{ "first_run = all\n", 1 },
		{ "first_run = unseen\nafter = delete\n", 1 },
		{ "first_run = seen\n", 0 },
		{ "first_run =\n", 0 },
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
	CHECK(strcmp(c.accounts[0].first_run, "unseen") == 0);
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
	test_sender();
	test_reverse_path();
	test_check_account();
	test_password();
	return harness_done();
}
