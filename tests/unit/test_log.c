/* test_log - pseudonyms, plain mode, line shape and sanitising */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "harness.h"
#include "log.h"

/* capture - run log_msg with stderr redirected to a file, return it */
static char *
capture(const char *text)
{
	char path[] = "/tmp/test_log.XXXXXX";
	int fd = mkstemp(path), saved = dup(2);
	static char out[4096];
	ssize_t n;

	fflush(stderr);
	dup2(fd, 2);
	log_msg(LOG_LVL_INFO, "%s", text);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	lseek(fd, 0, SEEK_SET);
	n = read(fd, out, sizeof(out) - 1);
	out[n > 0 ? n : 0] = '\0';
	close(fd);
	unlink(path);
	return out;
}

int
main(void)
{
	static const unsigned char key[] = "0123456789abcdef0123456789abcdef";
	char a[LOG_ADDR_MAX], b[LOG_ADDR_MAX], want[32], *line;
	unsigned char mac[32];
	unsigned maclen;

	log_open("qmgr", 0);
	log_set_key(key, 32, 0);

	/* pseudonym: u- + 8 hex of HMAC-SHA-256(key, lower-cased) */
	HMAC(EVP_sha256(), key, 32, (const unsigned char *)"ann@example.org",
	    15, mac, &maclen);
	snprintf(want, sizeof(want), "u-%02x%02x%02x%02x", mac[0], mac[1],
	    mac[2], mac[3]);
	CHECK_MSG(strcmp(log_addr("ann@example.org", a), want) == 0, "%s %s",
	    a, want);
	CHECK(strcmp(log_addr("Ann@EXAMPLE.org", b), a) == 0);
	CHECK(strlen(a) == 10);
	CHECK(strcmp(log_addr("bob@example.org", b), a) != 0);
	CHECK(strcmp(log_addr("", b), "") == 0);	/* null sender */
	CHECK(strcmp(log_addr(NULL, b), "") == 0);
	CHECK(strstr(log_addr("ann@example.org", a), "ann") == NULL);

	/* another key gives another pseudonym */
	log_set_key((const unsigned char *)"other", 5, 0);
	CHECK(strcmp(log_addr("ann@example.org", b), want) != 0);
	/* no key: a random one, still a pseudonym */
	log_set_key(NULL, 0, 0);
	CHECK(strncmp(log_addr("ann@example.org", b), "u-", 2) == 0);
	CHECK(strlen(b) == 10);

	/* plain mode: as given, control bytes made harmless, bounded */
	log_set_key(key, 32, 1);
	CHECK(strcmp(log_addr("Ann@example.org", a), "Ann@example.org") == 0);
	CHECK(strcmp(log_addr("a\r\nb@x", a), "a??b@x") == 0);
	{
		char longaddr[1000];

		memset(longaddr, 'x', sizeof(longaddr) - 1);
		longaddr[sizeof(longaddr) - 1] = '\0';
		CHECK(strlen(log_addr(longaddr, a)) == LOG_ADDR_MAX - 1);
	}
	log_set_key(key, 32, 0);

	/* line shape: scrubgate/IDENT[pid]: text, one line */
	line = capture("3F2A9C01B7E4: to=<u-1b2c3d4e>, status=sent");
	{
		char head[64];

		snprintf(head, sizeof(head), "scrubgate/qmgr[%ld]: ",
		    (long)getpid());
		CHECK_MSG(strncmp(line, head, strlen(head)) == 0, "%s", line);
		CHECK(strstr(line, "status=sent\n") != NULL);
	}
	/* a peer's CR LF cannot forge a second line */
	line = capture("reply 250 ok\r\nscrubgate/qmgr[1]: forged");
	CHECK(strchr(line, '\n') == line + strlen(line) - 1);
	CHECK(strchr(line, '\r') == NULL);
	/* a very long line is cut, still one line */
	{
		char *big = malloc(10000);

		memset(big, 'y', 9999);
		big[9999] = '\0';
		line = capture(big);
		CHECK(strlen(line) < 2100);
		CHECK(strstr(line, "...\n") != NULL);
		free(big);
	}
	log_open("smtp", 0);
	line = capture("x");
	CHECK(strstr(line, "scrubgate/smtp[") == line);
	return harness_done();
}
