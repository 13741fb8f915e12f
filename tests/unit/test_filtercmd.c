/* test_filtercmd - the pieces of `scrubgate filter` that need no Postfix:
 * bounded stdin, X-Scrubgate-* stripping, the envelope side of the Cc/Bcc
 * policy, and the sendmail reinjection (argv, stdin, exit codes, timeout)
 * against small shell scripts. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "filtercmd.h"
#include "harness.h"

static char dir[] = "/tmp/sg-test-filtercmd.XXXXXX";

/* write_file - a whole file, mode m */
static void
write_file(const char *name, const char *text, mode_t m)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	if (f == NULL)
		abort();
	fputs(text, f);
	fclose(f);
	chmod(path, m);
}

/* read_file - malloc'd contents, or NULL */
static char *
read_file(const char *name)
{
	char path[256], *p;
	FILE *f;
	long n;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((f = fopen(path, "r")) == NULL)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	p = calloc(1, (size_t)n + 1);
	if (fread(p, 1, (size_t)n, f) != (size_t)n)
		p[0] = '\0';
	fclose(f);
	return p;
}

static void
test_read_all(void)
{
	struct buf b;
	int fd;

	write_file("in.txt", "0123456789", 0644);
	fd = open(strcat(strcpy((char[256]){ 0 }, dir), "/in.txt"), O_RDONLY);
	buf_init(&b, 0);
	CHECK(filter_read_all(fd, 10, &b) == 0 && b.len == 10);
	close(fd);
	buf_free(&b);
	fd = open(strcat(strcpy((char[256]){ 0 }, dir), "/in.txt"), O_RDONLY);
	buf_init(&b, 0);
	CHECK(filter_read_all(fd, 9, &b) == -2);
	close(fd);
	buf_free(&b);
}

static void
test_strip_own(void)
{
	static const char in[] = "From: a@b\r\nX-Scrubgate-Ticket: 42\r\n"
	    "Subject: x\r\nx-scrubgate-verdict: clean\r\n folded\r\n"
	    "X-Scrubgated: stays\r\n\r\nX-Scrubgate-Ticket: body stays\r\n";
	static const char want[] = "From: a@b\r\nSubject: x\r\n"
	    "X-Scrubgated: stays\r\n\r\nX-Scrubgate-Ticket: body stays\r\n";
	struct buf b;

	buf_init(&b, 0);
	CHECK(filter_strip_own(in, sizeof(in) - 1, &b) == 2);
	CHECK(b.len == sizeof(want) - 1 && memcmp(b.p, want, b.len) == 0);
	buf_reset(&b);
	CHECK(filter_strip_own("Subject: x\n\nbody\n", 17, &b) == 0);
	CHECK(b.len == 17 && memcmp(b.p, "Subject: x\n\nbody\n", 17) == 0);
	buf_free(&b);
}

static void
test_drop_recipients(void)
{
	static const char msg[] = "From: Ann <ann@example.org>\n"
	    "To: help@example.net, Both <both@out.example>\n"
	    "Cc: Bob <bob@out.example>, c@ok.example, both@out.example,\n"
	    " help@example.net, Dee <DEE@Out.Example>\n"
	    "Bcc: hidden@out.example\n"
	    "Subject: x\n\nCc: body@out.example\n";
	static char *allow[] = { "ok.example" };
	static char *boxes[] = { "example.net" };
	struct config c;
	struct envelope e;
	struct route_cfg rt;
	const char *rcpts[] = { "help@example.net", "bob@out.example",
	    "c@ok.example", "both@out.example", "<dee@out.example>",
	    "hidden@out.example", "alias-target@else.example",
	    "body@out.example" };

	memset(&c, 0, sizeof(c));
	memset(&rt, 0, sizeof(rt));
	c.spec.cc_allow = allow;
	c.spec.ncc_allow = 1;
	rt.name = (char *)"helpdesk";
	rt.mailboxes = boxes;
	rt.nmailboxes = 1;
	c.routes = &rt;
	c.nroutes = 1;
	envelope_init(&e);
	for (size_t i = 0; i < sizeof(rcpts) / sizeof(rcpts[0]); i++)
		envelope_add_rcpt(&e, rcpts[i]);
	CHECK(filter_drop_recipients(&c, &c.spec, msg, sizeof(msg) - 1, &e) == 3);
	CHECK(e.nrcpts == 5);
	CHECK(e.nrcpts == 5 && strcmp(e.rcpts[0], "help@example.net") == 0);
	CHECK(e.nrcpts == 5 && strcmp(e.rcpts[1], "c@ok.example") == 0);
	CHECK(e.nrcpts == 5 && strcmp(e.rcpts[2], "both@out.example") == 0);
	CHECK(e.nrcpts == 5 && strcmp(e.rcpts[3], "alias-target@else.example") == 0);
	CHECK(e.nrcpts == 5 && strcmp(e.rcpts[4], "body@out.example") == 0);
	envelope_free(&e);
}

static void
test_sendmail(void)
{
	char path[300], err[700], *args, *body;
	struct envelope e;
	static const char msg[] = "Subject: hi\n\nbody\n";

	write_file("sm", "#!/bin/sh\nprintf '%s|' \"$@\" > \"$(dirname $0)/args\"\n"
	    "cat > \"$(dirname $0)/body\"\n", 0755);
	write_file("fail", "#!/bin/sh\ncat >/dev/null\necho 'queue file "
	    "write error' >&2\nexit 75\n", 0755);
	write_file("hang", "#!/bin/sh\nexec sleep 30\n", 0755);
	write_file("noread", "#!/bin/sh\nexit 0\n", 0755);
	envelope_init(&e);
	envelope_set_sender(&e, "");
	envelope_add_rcpt(&e, "a@example.net");
	envelope_add_rcpt(&e, "-b@example.net");

	snprintf(path, sizeof(path), "%s/sm", dir);
	CHECK(filter_sendmail(path, &e, msg, sizeof(msg) - 1, 10, err,
	    sizeof(err)) == 0);
	args = read_file("args");
	body = read_file("body");
	CHECK(args != NULL && strcmp(args,
	    "-G|-i|-f||--|a@example.net|-b@example.net|") == 0);
	CHECK(body != NULL && strcmp(body, msg) == 0);
	free(args);
	free(body);

	snprintf(path, sizeof(path), "%s/fail", dir);
	CHECK(filter_sendmail(path, &e, msg, sizeof(msg) - 1, 10, err,
	    sizeof(err)) == -1);
	CHECK(strstr(err, "exited 75: queue file write error") != NULL);
	CHECK(strchr(err, '\n') == NULL);

	snprintf(path, sizeof(path), "%s/missing", dir);
	CHECK(filter_sendmail(path, &e, msg, sizeof(msg) - 1, 10, err,
	    sizeof(err)) == -1);
	CHECK(strstr(err, "cannot run") != NULL);

	snprintf(path, sizeof(path), "%s/hang", dir);
	CHECK(filter_sendmail(path, &e, msg, sizeof(msg) - 1, 1, err,
	    sizeof(err)) == -1);
	CHECK(strstr(err, "timed out") != NULL);

	/* exits 0 without reading a large message: not a success */
	{
		size_t big = 4 << 20;
		char *m = malloc(big);

		memset(m, 'x', big);
		snprintf(path, sizeof(path), "%s/noread", dir);
		CHECK(filter_sendmail(path, &e, m, big, 10, err,
		    sizeof(err)) == -1);
		free(m);
	}
	envelope_free(&e);
}

int
main(void)
{
	char cmd[300];

	if (mkdtemp(dir) == NULL)
		return 2;
	test_read_all();
	test_strip_own();
	test_drop_recipients();
	test_sendmail();
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", dir);
	return harness_done();
}
