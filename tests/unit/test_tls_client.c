/* test_tls_client - the OpenSSL client and its libetpan stream driver
 * against a TLS server forked here (certificates made by the openssl
 * command in a temporary directory, on a loopback port the kernel picks):
 * implicit TLS with a verified chain and host name; STARTTLS upgrade of
 * libetpan's own plain socket stream; a wrong name and an unknown CA
 * refused; bytes smuggled after the STARTTLS reply refused. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <openssl/ssl.h>

#include "harness.h"
#include "tls_client.h"

static char dir[] = "/tmp/test_tls_client.XXXXXX";

enum mode { IMPLICIT, STARTTLS, INJECT };

/* serve_one - accept one client: [plain greeting + "go" line], TLS
 * handshake, then echo one line; runs in a child */
static void
serve_one(int lfd, enum mode m, const char *cert)
{
	char path[300], buf[256];
	SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
	SSL *ssl;
	int fd = accept(lfd, NULL, NULL), n;

	snprintf(path, sizeof(path), "%s/%s.pem", dir, cert);
	SSL_CTX_use_certificate_file(ctx, path, SSL_FILETYPE_PEM);
	snprintf(path, sizeof(path), "%s/%s.key", dir, cert);
	SSL_CTX_use_PrivateKey_file(ctx, path, SSL_FILETYPE_PEM);
	if (m == STARTTLS && write(fd, "* OK hello\r\n. OK go\r\n", 21) < 0)
		_exit(1);
	if (m == INJECT && write(fd, "* OK hello\r\n. OK go\r\n* evil\r\n",
	    29) < 0)
		_exit(1);
	ssl = SSL_new(ctx);
	SSL_set_fd(ssl, fd);
	if (SSL_accept(ssl) != 1)
		_exit(0);
	if ((n = SSL_read(ssl, buf, sizeof(buf))) > 0)
		SSL_write(ssl, buf, n);
	SSL_shutdown(ssl);
	_exit(0);
}

/* listener - a loopback socket on a free port */
static int
listener(int *port)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	socklen_t sl = sizeof(sin);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0 ||
	    listen(fd, 4) < 0 ||
	    getsockname(fd, (struct sockaddr *)&sin, &sl) < 0)
		return -1;
	*port = ntohs(sin.sin_port);
	return fd;
}

/* connect_fd - a plain TCP connection to the loopback port */
static int
connect_fd(int port)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sin.sin_port = htons((unsigned short)port);
	if (fd >= 0 && connect(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* run - one client session against a forked server; 0 when the echo
 * came back through the TLS stream */
static int
run(enum mode m, const char *cert, const char *host, const char *ca,
    char *err, size_t errlen)
{
	struct tls_client_cfg cfg = { NULL, 5 };
	char cafile[300];
	int lfd, port, ok = -1;
	pid_t pid;
	mailstream *s = NULL;

	snprintf(cafile, sizeof(cafile), "%s/%s.pem", dir, ca);
	cfg.ca_file = cafile;
	if ((lfd = listener(&port)) < 0)
		return -1;
	if ((pid = fork()) == 0)
		serve_one(lfd, m, cert);
	close(lfd);
	err[0] = '\0';
	if (m == IMPLICIT) {
		int fd = connect_fd(port);

		if (fd >= 0)
			s = tls_client_stream(fd, &cfg, host, err, errlen);
	} else {
		MMAPString *line = mmap_string_new("");
		int fd = connect_fd(port);

		/* libetpan's own plain stream, as mailimap_socket_connect
		 * makes it; read the greeting and the "go" reply */
		if (fd >= 0 && (s = mailstream_socket_open(fd)) != NULL &&
		    mailstream_read_line(s, line) != NULL &&
		    mailstream_read_line(s, line) != NULL &&
		    strncmp(line->str, ". OK go", 7) == 0 &&
		    tls_client_starttls(s, &cfg, host, err, errlen) < 0) {
			mailstream_close(s);
			s = NULL;
		}
		mmap_string_free(line);
	}
	if (s != NULL) {
		MMAPString *line = mmap_string_new("");

		if (mailstream_write(s, "ping\r\n", 6) == 6 &&
		    mailstream_flush(s) == 0 &&
		    mailstream_read_line(s, line) != NULL &&
		    strcmp(line->str, "ping\r\n") == 0)
			ok = 0;
		mmap_string_free(line);
		mailstream_close(s);
	}
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	return ok;
}

/* make_pki - a CA, a certificate for localhost/127.0.0.1, one for
 * another name, and a second CA */
static int
make_pki(void)
{
	char cmd[2048];

	snprintf(cmd, sizeof(cmd), "(cd %s && "
	    "K='-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes' && "
	    "openssl req -x509 $K -keyout ca.key -out ca.pem -days 2 -subj /CN=ca && "
	    "openssl req -x509 $K -keyout other.key -out other.pem -days 2 -subj /CN=other && "
	    "for n in good:DNS:localhost,IP:127.0.0.1 wrong:DNS:wrong.test; do "
	    "c=${n%%%%:*}; openssl req $K -keyout $c.key -out $c.csr -subj /CN=$c && "
	    "echo subjectAltName=${n#*:} >$c.ext && "
	    "openssl x509 -req -in $c.csr -CA ca.pem -CAkey ca.key -CAcreateserial "
	    "-out $c.pem -days 2 -extfile $c.ext || exit 1; done) "
	    ">/dev/null 2>&1", dir);
	return system(cmd) == 0 ? 0 : -1;
}

int
main(void)
{
	char err[300];

	signal(SIGPIPE, SIG_IGN);
	if (mkdtemp(dir) == NULL)
		return 2;
	CHECK(make_pki() == 0);

	CHECK_MSG(run(IMPLICIT, "good", "localhost", "ca", err, sizeof(err)) == 0,
	    "%s", err);
	CHECK_MSG(run(IMPLICIT, "good", "127.0.0.1", "ca", err, sizeof(err)) == 0,
	    "%s", err);
	CHECK_MSG(run(STARTTLS, "good", "localhost", "ca", err, sizeof(err)) == 0,
	    "%s", err);
	/* refused: another name, an unknown CA, smuggled bytes */
	CHECK(run(IMPLICIT, "wrong", "localhost", "ca", err, sizeof(err)) < 0);
	CHECK_MSG(strstr(err, "certificate verification failed") != NULL, "%s",
	    err);
	CHECK(run(STARTTLS, "good", "localhost", "other", err, sizeof(err)) < 0);
	CHECK_MSG(strstr(err, "certificate verification failed") != NULL, "%s",
	    err);
	CHECK(run(STARTTLS, "good", "mail.example", "ca", err, sizeof(err)) < 0);
	CHECK(run(INJECT, "good", "localhost", "ca", err, sizeof(err)) < 0);
	CHECK_MSG(strstr(err, "before the TLS handshake") != NULL, "%s", err);
	/* nothing listening: one line naming the peer */
	CHECK(tls_conn_connect("127.0.0.1", "1", 2, err, sizeof(err)) == NULL);
	CHECK_MSG(strstr(err, "[127.0.0.1]:1: connect:") == err, "%s", err);
	{
		char cmd[300];

		snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
		if (system(cmd) != 0)
			return 2;
	}
	return harness_done();
}
