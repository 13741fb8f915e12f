/* test_deliver_file - next-hop URLs and the local next hops: Maildir
 * (whole files in new/ only), mbox (From_ line, mboxrd quoting, locks),
 * a sendmail program (arguments, stdin, exit codes) */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include "config.h"
#include "deliver.h"
#include "harness.h"
#include "mbox.h"

static char dir[] = "/tmp/test_deliver.XXXXXX";

/* slurp - a whole file, malloc'd */
static char *
slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *p;
	long n;

	if (f == NULL)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	p = malloc((size_t)n + 1);
	if (fread(p, 1, (size_t)n, f) != (size_t)n)
		n = 0;
	p[n] = '\0';
	fclose(f);
	*len = (size_t)n;
	return p;
}

/* only_file - the single regular file in d, or "" */
static int
only_file(const char *d, char *out, size_t size)
{
	DIR *dp = opendir(d);
	struct dirent *de;
	int n = 0;

	if (dp == NULL)
		return -1;
	while ((de = readdir(dp)) != NULL)
		if (de->d_name[0] != '.') {
			snprintf(out, size, "%s/%s", d, de->d_name);
			n++;
		}
	closedir(dp);
	return n;
}

static void
test_parse(void)
{
	struct next_hop h;
	char err[200];

	CHECK(deliver_parse_hop("smtp://mx.example.net", NULL, &h, err, sizeof(err)) == 0);
	CHECK(h.kind == HOP_SMTP && strcmp(h.host, "mx.example.net") == 0 &&
	    strcmp(h.port, "25") == 0 && h.tls == 1);
	CHECK(deliver_parse_hop("smtp://127.0.0.1:10026/", "none", &h, err, sizeof(err)) == 0);
	CHECK(strcmp(h.port, "10026") == 0 && h.tls == 0);
	CHECK(deliver_parse_hop("smtps://[::1]:465", "required", &h, err, sizeof(err)) == 0);
	CHECK(h.kind == HOP_SMTPS && strcmp(h.host, "::1") == 0);
	CHECK(deliver_parse_hop("lmtp://127.0.0.1", NULL, &h, err, sizeof(err)) == 0);
	CHECK(h.kind == HOP_LMTP && strcmp(h.port, "24") == 0);
	CHECK(deliver_parse_hop("lmtp:/run/dovecot/lmtp", NULL, &h, err, sizeof(err)) == 0);
	CHECK(h.kind == HOP_LMTP && strcmp(h.host, "/run/dovecot/lmtp") == 0 && h.tls == 0);
	CHECK(deliver_parse_hop("maildir:/var/mail/x", NULL, &h, err, sizeof(err)) == 0);
	CHECK(h.kind == HOP_MAILDIR && strcmp(h.path, "/var/mail/x") == 0);
	CHECK(deliver_parse_hop("mbox:/var/mail/y", NULL, &h, err, sizeof(err)) == 0);
	CHECK(h.kind == HOP_MBOX);
	CHECK(deliver_parse_hop("sendmail:/usr/sbin/sendmail", NULL, &h, err, sizeof(err)) == 0);
	CHECK(h.kind == HOP_SENDMAIL);
	CHECK(deliver_parse_hop("imap://help%40example.net@imap.example.net/Support%20In", NULL,
	    &h, err, sizeof(err)) == 0);
	CHECK(h.kind == HOP_IMAP && strcmp(h.user, "help@example.net") == 0 &&
	    strcmp(h.host, "imap.example.net") == 0 && strcmp(h.port, "143") == 0 &&
	    strcmp(h.folder, "Support In") == 0);
	CHECK(deliver_parse_hop("imaps://a@b.example@h:1993", NULL, &h, err, sizeof(err)) == 0);
	CHECK(strcmp(h.user, "a@b.example") == 0 && strcmp(h.port, "1993") == 0 &&
	    strcmp(h.folder, "INBOX") == 0);

	CHECK(deliver_parse_hop("ftp://x", NULL, &h, err, sizeof(err)) < 0);
	CHECK(strstr(err, "unknown scheme") != NULL);
	CHECK(deliver_parse_hop("smtp://x:99999", NULL, &h, err, sizeof(err)) < 0);
	CHECK(deliver_parse_hop("smtp://x:2a", NULL, &h, err, sizeof(err)) < 0);
	CHECK(deliver_parse_hop("smtp://", NULL, &h, err, sizeof(err)) < 0);
	CHECK(deliver_parse_hop("smtp://a b", NULL, &h, err, sizeof(err)) < 0);
	CHECK(deliver_parse_hop("smtp://x", "maybe", &h, err, sizeof(err)) < 0);
	CHECK(strstr(err, "tls") != NULL);
	CHECK(deliver_parse_hop("imap://host/INBOX", NULL, &h, err, sizeof(err)) < 0);
	CHECK(deliver_parse_hop("imap://u@h/%zz", NULL, &h, err, sizeof(err)) < 0);
	CHECK(deliver_parse_hop("imap://u@h/a%0d%0ab", NULL, &h, err, sizeof(err)) < 0);
	CHECK(deliver_parse_hop("lmtp:relative", NULL, &h, err, sizeof(err)) < 0);
	CHECK(deliver_parse_hop(NULL, NULL, &h, err, sizeof(err)) < 0);
}

/* env2 - a sender and two recipients */
static void
env2(struct envelope *e, const char *sender)
{
	envelope_init(e);
	envelope_set_sender(e, sender);
	envelope_add_rcpt(e, "a@example.net");
	envelope_add_rcpt(e, "b@example.net");
}

static void
test_maildir(void)
{
	static const char msg[] = "Subject: m\r\n\r\nbody\r\nFrom x\r\n";
	struct next_hop h;
	struct envelope e;
	struct deliver_result res;
	char url[400], f[600], sub[400], *got;
	size_t len;

	snprintf(url, sizeof(url), "maildir:%s/Maildir", dir);
	CHECK(deliver_parse_hop(url, NULL, &h, f, sizeof(f)) == 0);
	env2(&e, "s@example.org");
	CHECK(deliver_hop(&h, NULL, NULL, &e, msg, sizeof(msg) - 1, &res) == 0);
	CHECK(res.nrcpts == 2 && res.rcpt[0].code == 250 && res.rcpt[1].code == 250);
	deliver_result_free(&res);
	snprintf(sub, sizeof(sub), "%s/Maildir/new", dir);
	CHECK(only_file(sub, f, sizeof(f)) == 1);
	got = slurp(f, &len);
	CHECK(got && len == sizeof(msg) - 1 && memcmp(got, msg, len) == 0);
	free(got);
	snprintf(sub, sizeof(sub), "%s/Maildir/tmp", dir);
	CHECK(only_file(sub, f, sizeof(f)) == 0);
	CHECK(deliver_hop(&h, NULL, NULL, &e, msg, sizeof(msg) - 1, &res) == 0);
	deliver_result_free(&res);
	snprintf(sub, sizeof(sub), "%s/Maildir/new", dir);
	CHECK(only_file(sub, f, sizeof(f)) == 2);	/* a new name */

	/* not writable: 4xx, nothing lost */
	CHECK(deliver_parse_hop("maildir:/proc/no/Maildir", NULL, &h, f, sizeof(f)) == 0);
	CHECK(deliver_hop(&h, NULL, NULL, &e, msg, sizeof(msg) - 1, &res) == 1);
	CHECK(res.rcpt[0].code == 451 && strstr(res.rcpt[0].reply, "451 4.3.0") == res.rcpt[0].reply);
	deliver_result_free(&res);
	envelope_free(&e);
}

static void
test_mbox(void)
{
	static const char m1[] = "Subject: one\n\nFrom the start\n>From quoted\nend\n";
	static const char m2[] = "Subject: two\n\nno final newline";
	struct next_hop h;
	struct envelope e;
	struct deliver_result res;
	struct mbox_reader r;
	struct mbox_msg mm;
	struct buf b;
	char url[400], path[300], lock[320], err[200], *got;
	size_t len;
	int n = 0;

	snprintf(path, sizeof(path), "%s/mbox", dir);
	snprintf(lock, sizeof(lock), "%s.lock", path);
	snprintf(url, sizeof(url), "mbox:%s", path);
	CHECK(deliver_parse_hop(url, NULL, &h, err, sizeof(err)) == 0);
	env2(&e, "s@example.org");
	CHECK(deliver_hop(&h, NULL, NULL, &e, m1, sizeof(m1) - 1, &res) == 0);
	deliver_result_free(&res);
	envelope_set_sender(&e, "");
	CHECK(deliver_hop(&h, NULL, NULL, &e, m2, sizeof(m2) - 1, &res) == 0);
	deliver_result_free(&res);
	CHECK(access(lock, F_OK) < 0);	/* dotlock released */
	got = slurp(path, &len);
	CHECK(got != NULL && strncmp(got, "From s@example.org ", 19) == 0);
	CHECK(got && strstr(got, "\n>From the start\n>>From quoted\n") != NULL);
	CHECK(got && strstr(got, "\nFrom MAILER-DAEMON ") != NULL);
	/* read back with the mboxrd reader: the exact messages */
	mbox_reader_init(&r, got, len);
	buf_init(&b, 0);
	while (mbox_next(&r, &mm)) {
		buf_reset(&b);
		mbox_unescape(mm.raw + mm.from_len, mm.content_len, &b);
		if (n == 0)
			CHECK(b.len == sizeof(m1) - 1 && memcmp(b.p, m1, b.len) == 0);
		else
			CHECK(b.len >= sizeof(m2) - 1 &&
			    memcmp(b.p, m2, sizeof(m2) - 1) == 0);
		n++;
	}
	CHECK(n == 2);
	buf_free(&b);
	free(got);

	/* a fresh dotlock held by someone else: 4xx after the timeout */
	close(open(lock, O_CREAT | O_WRONLY, 0600));
	CHECK(deliver_hop(&h, NULL, NULL, &e, m1, sizeof(m1) - 1, &res) == 1);
	CHECK(res.rcpt[0].code == 451 && strstr(res.rcpt[0].reply, "locked"));
	deliver_result_free(&res);
	CHECK(access(lock, F_OK) == 0);	/* not ours: left alone */
	/* a stale one (10 minutes old) is broken */
	{
		struct timeval tv[2];

		gettimeofday(&tv[0], NULL);
		tv[0].tv_sec -= 600;
		tv[1] = tv[0];
		utimes(lock, tv);
	}
	CHECK(deliver_hop(&h, NULL, NULL, &e, m1, sizeof(m1) - 1, &res) == 0);
	deliver_result_free(&res);
	CHECK(access(lock, F_OK) < 0);
	envelope_free(&e);
}

/* script - an executable shell script */
static void
script(const char *path, const char *body)
{
	FILE *f = fopen(path, "w");

	fprintf(f, "#!/bin/sh\n%s\n", body);
	fclose(f);
	chmod(path, 0700);
}

static void
test_sendmail(void)
{
	static const char msg[] = "Subject: s\n\nbody\n";
	struct next_hop h;
	struct envelope e;
	struct deliver_result res;
	char sm[300], out[300], url[400], body[900], *got;
	size_t len;

	snprintf(sm, sizeof(sm), "%s/sendmail", dir);
	snprintf(out, sizeof(out), "%s/sendmail.out", dir);
	snprintf(body, sizeof(body), "echo \"$*\" > %s; cat >> %s; exit 0",
	    out, out);
	script(sm, body);
	snprintf(url, sizeof(url), "sendmail:%s", sm);
	CHECK(deliver_parse_hop(url, NULL, &h, body, sizeof(body)) == 0);
	env2(&e, "s@example.org");
	CHECK(deliver_hop(&h, NULL, NULL, &e, msg, sizeof(msg) - 1, &res) == 0);
	CHECK(res.rcpt[1].code == 250);
	deliver_result_free(&res);
	got = slurp(out, &len);
	CHECK(got && strcmp(got, "-G -i -f s@example.org -- a@example.net "
	    "b@example.net\nSubject: s\n\nbody\n") == 0);
	free(got);

	script(sm, "cat >/dev/null; exit 75");
	CHECK(deliver_hop(&h, NULL, NULL, &e, msg, sizeof(msg) - 1, &res) == 1);
	CHECK(res.rcpt[0].code == 451);
	deliver_result_free(&res);
	script(sm, "cat >/dev/null; exit 67");
	CHECK(deliver_hop(&h, NULL, NULL, &e, msg, sizeof(msg) - 1, &res) == 1);
	CHECK(res.rcpt[0].code == 554 && strstr(res.rcpt[0].reply, "status 67"));
	deliver_result_free(&res);
	/* exits without reading: not a success */
	script(sm, "exit 0");
	{
		char *big = malloc(4 << 20);

		memset(big, 'x', 4 << 20);
		CHECK(deliver_hop(&h, NULL, NULL, &e, big, 4 << 20, &res) == 1);
		CHECK(res.rcpt[0].code == 451);
		deliver_result_free(&res);
		free(big);
	}
	unlink(sm);	/* missing program: wait (config fault) */
	CHECK(deliver_hop(&h, NULL, NULL, &e, msg, sizeof(msg) - 1, &res) == 1);
	CHECK(res.rcpt[0].code == 451);
	deliver_result_free(&res);
	envelope_free(&e);
}

int
main(void)
{
	struct config c;
	char cmd[300];

	if (mkdtemp(dir) == NULL || config_init(&c) < 0)
		return 2;
	c.delivery.timeout = 1;
	deliver_setup(&c);
	test_parse();
	test_maildir();
	test_mbox();
	test_sendmail();
	config_free(&c);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		return 2;
	return harness_done();
}
