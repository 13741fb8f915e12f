/* tls_client - outbound connections with verified TLS; see tls_client.h.
 *
 * The socket is non-blocking; every step waits with poll(2) for at most
 * the connection's timeout, so a silent peer costs one timeout, never a
 * hung delivery process.  The connection keeps a small read buffer of its
 * own (for line reads); the mailstream driver drains it first.
 */
#include "tls_client.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

/* exported by libetpan but missing from its installed headers */
struct mailstream_cancel *mailstream_cancel_new(void);
void mailstream_cancel_free(struct mailstream_cancel *cancel);

#define TLS_RBUF 16384

struct tls_conn {
	int fd;
	unsigned timeout;	/* seconds */
	SSL_CTX *ctx;
	SSL *ssl;		/* NULL: plain text */
	char rbuf[TLS_RBUF];
	size_t rpos, rlen;
	struct mailstream_cancel *cancel;	/* for libetpan's idle code */
};

/* timeout_ms - the per-step bound in milliseconds */
static int
timeout_ms(const struct tls_conn *c)
{
	return (int)(c->timeout ? c->timeout : 300) * 1000;
}

/* wait_fd - poll for events; 0 ready, -1 timeout (ETIMEDOUT) or error */
static int
wait_fd(int fd, short events, int ms)
{
	struct pollfd p = { .fd = fd, .events = events };
	int r;

	do
		r = poll(&p, 1, ms);
	while (r < 0 && errno == EINTR);
	if (r == 0)
		errno = ETIMEDOUT;
	return r > 0 ? 0 : -1;
}

/* tls_conn_from_fd - wrap a connected socket (takes ownership of fd) */
struct tls_conn *
tls_conn_from_fd(int fd, unsigned timeout)
{
	struct tls_conn *c = calloc(1, sizeof(*c));
	int fl;

	if (c == NULL) {
		close(fd);
		return NULL;
	}
	c->fd = fd;
	c->timeout = timeout;
	if ((fl = fcntl(fd, F_GETFL)) >= 0)
		fcntl(fd, F_SETFL, fl | O_NONBLOCK);
	fcntl(fd, F_SETFD, FD_CLOEXEC);
	return c;
}

/* connect_addr - non-blocking connect to one address, bounded */
static int
connect_addr(const struct sockaddr *sa, socklen_t len, int family,
    unsigned timeout)
{
	int fd = socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	int soerr = 0;
	socklen_t sl = sizeof(soerr);

	if (fd < 0)
		return -1;
	if (family != AF_UNIX) {	/* commands are small: no Nagle stalls */
		int one = 1;

		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	}
	if (connect(fd, sa, len) == 0)
		return fd;
	if (errno != EINPROGRESS)
		goto fail;
	if (wait_fd(fd, POLLOUT, (int)(timeout ? timeout : 300) * 1000) < 0)
		goto fail;
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) < 0)
		goto fail;
	if (soerr != 0) {
		errno = soerr;
		goto fail;
	}
	return fd;
fail:
	{
		int saved = errno;

		close(fd);
		errno = saved;
	}
	return -1;
}

/* connect_unix - a Unix domain socket (LMTP) */
static int
connect_unix(const char *path, unsigned timeout)
{
	struct sockaddr_un sun;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(sun.sun_path, path, strlen(path) + 1);
	return connect_addr((struct sockaddr *)&sun, sizeof(sun), AF_UNIX,
	    timeout);
}

/* tls_conn_connect - TCP to host:port, or a Unix socket path */
struct tls_conn *
tls_conn_connect(const char *host, const char *port, unsigned timeout,
    char *err, size_t errlen)
{
	struct addrinfo hints, *res = NULL, *ai;
	struct tls_conn *c;
	int fd = -1, rc, saved = 0;

	if (host[0] == '/') {
		if ((fd = connect_unix(host, timeout)) < 0) {
			snprintf(err, errlen, "%s: connect: %s", host,
			    strerror(errno));
			return NULL;
		}
	} else {
		memset(&hints, 0, sizeof(hints));
		hints.ai_socktype = SOCK_STREAM;
		hints.ai_flags = AI_ADDRCONFIG;
		if ((rc = getaddrinfo(host, port, &hints, &res)) != 0) {
			snprintf(err, errlen, "%s:%s: %s", host, port,
			    gai_strerror(rc));
			return NULL;
		}
		for (ai = res; ai != NULL && fd < 0; ai = ai->ai_next)
			if ((fd = connect_addr(ai->ai_addr, ai->ai_addrlen,
			    ai->ai_family, timeout)) < 0)
				saved = errno;
		freeaddrinfo(res);
		if (fd < 0) {
			snprintf(err, errlen, "[%s]:%s: connect: %s", host, port,
			    strerror(saved));
			return NULL;
		}
	}
	if ((c = tls_conn_from_fd(fd, timeout)) == NULL)
		snprintf(err, errlen, "%s: out of memory", host);
	return c;
}

/* ssl_error - the OpenSSL error queue (or the verify result) as text */
static void
ssl_error(const struct tls_conn *c, const char *host, const char *step,
    char *err, size_t errlen)
{
	unsigned long e = ERR_peek_last_error();
	long v = c->ssl ? SSL_get_verify_result(c->ssl) : X509_V_OK;
	char tmp[200];

	if (v != X509_V_OK) {
		snprintf(err, errlen, "%s: TLS %s: certificate verification "
		    "failed: %s", host, step, X509_verify_cert_error_string(v));
	} else if (e != 0) {
		ERR_error_string_n(e, tmp, sizeof(tmp));
		snprintf(err, errlen, "%s: TLS %s: %s", host, step, tmp);
	} else {
		snprintf(err, errlen, "%s: TLS %s: %s", host, step,
		    errno ? strerror(errno) : "connection closed");
	}
	ERR_clear_error();
}

/* make_ctx - TLS 1.2+, verify the peer against ca_file or the system */
static SSL_CTX *
make_ctx(const struct tls_client_cfg *cfg, const char *host, char *err,
    size_t errlen)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
	int ok;

	if (ctx == NULL) {
		snprintf(err, errlen, "%s: TLS: cannot create context", host);
		return NULL;
	}
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
	SSL_CTX_set_mode(ctx, SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER |
	    SSL_MODE_ENABLE_PARTIAL_WRITE);
	if (cfg->ca_file != NULL && cfg->ca_file[0] != '\0')
		ok = SSL_CTX_load_verify_locations(ctx, cfg->ca_file, NULL);
	else
		ok = SSL_CTX_set_default_verify_paths(ctx);
	if (ok != 1) {
		snprintf(err, errlen, "%s: TLS: cannot load CA certificates "
		    "from %s", host, cfg->ca_file && *cfg->ca_file ?
		    cfg->ca_file : "the system store");
		ERR_clear_error();
		SSL_CTX_free(ctx);
		return NULL;
	}
	return ctx;
}

/* set_peer_name - what the certificate must name: IP literal or host;
 * SNI for host names */
static int
set_peer_name(SSL *ssl, const char *host)
{
	unsigned char tmp[16];
	char h[256];
	size_t n = strlen(host);

	/* "[::1]" from a URL: strip the brackets */
	if (n >= 2 && host[0] == '[' && host[n - 1] == ']' && n - 2 < sizeof(h)) {
		memcpy(h, host + 1, n - 2);
		h[n - 2] = '\0';
		host = h;
	}
	if (inet_pton(AF_INET, host, tmp) == 1 ||
	    inet_pton(AF_INET6, host, tmp) == 1)
		return X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl),
		    host) == 1 ? 0 : -1;
	if (SSL_set1_host(ssl, host) != 1)
		return -1;
	SSL_set_hostflags(ssl, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
	return SSL_set_tlsext_host_name(ssl, host) == 1 ? 0 : -1;
}

/* tls_conn_starttls - TLS client handshake on the connection */
int
tls_conn_starttls(struct tls_conn *c, const struct tls_client_cfg *cfg,
    const char *host, char *err, size_t errlen)
{
	int r;

	if (c->ssl != NULL) {
		snprintf(err, errlen, "%s: TLS already active", host);
		return -1;
	}
	if (c->rpos != c->rlen) {
		snprintf(err, errlen, "%s: bytes received before the TLS "
		    "handshake (STARTTLS injection?)", host);
		return -1;
	}
	if ((c->ctx = make_ctx(cfg, host, err, errlen)) == NULL)
		return -1;
	if ((c->ssl = SSL_new(c->ctx)) == NULL ||
	    SSL_set_fd(c->ssl, c->fd) != 1 || set_peer_name(c->ssl, host) < 0) {
		ssl_error(c, host, "setup", err, errlen);
		goto fail;
	}
	errno = 0;
	while ((r = SSL_connect(c->ssl)) != 1) {
		int e = SSL_get_error(c->ssl, r);

		if ((e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE) ||
		    wait_fd(c->fd, e == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT,
		    timeout_ms(c)) < 0) {
			ssl_error(c, host, "handshake", err, errlen);
			goto fail;
		}
	}
	if (SSL_get_verify_result(c->ssl) != X509_V_OK ||
	    SSL_get0_peer_certificate(c->ssl) == NULL) {
		ssl_error(c, host, "handshake", err, errlen);
		goto fail;
	}
	return 0;
fail:
	SSL_free(c->ssl);
	c->ssl = NULL;
	SSL_CTX_free(c->ctx);
	c->ctx = NULL;
	return -1;
}

/* conn_read - some bytes into p; 0 end of stream, -1 error/timeout */
static ssize_t
conn_read(struct tls_conn *c, void *p, size_t n)
{
	for (;;) {
		ssize_t r;
		int e;

		if (c->ssl == NULL) {
			if ((r = read(c->fd, p, n)) >= 0)
				return r;
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN ||
			    wait_fd(c->fd, POLLIN, timeout_ms(c)) < 0)
				return -1;
			continue;
		}
		if ((r = SSL_read(c->ssl, p, n > INT32_MAX ? INT32_MAX :
		    (int)n)) > 0)
			return r;
		e = SSL_get_error(c->ssl, (int)r);
		if (e == SSL_ERROR_ZERO_RETURN)
			return 0;
		if ((e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE) ||
		    wait_fd(c->fd, e == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT,
		    timeout_ms(c)) < 0) {
			ERR_clear_error();
			return -1;
		}
	}
}

/* conn_write - some bytes from p; -1 error/timeout */
static ssize_t
conn_write(struct tls_conn *c, const void *p, size_t n)
{
	for (;;) {
		ssize_t r;
		int e;

		if (c->ssl == NULL) {
			if ((r = send(c->fd, p, n, MSG_NOSIGNAL)) >= 0)
				return r;
			if (errno == ENOTSOCK)
				r = write(c->fd, p, n);
			if (r >= 0)
				return r;
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN ||
			    wait_fd(c->fd, POLLOUT, timeout_ms(c)) < 0)
				return -1;
			continue;
		}
		if ((r = SSL_write(c->ssl, p, n > INT32_MAX ? INT32_MAX :
		    (int)n)) > 0)
			return r;
		e = SSL_get_error(c->ssl, (int)r);
		if ((e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE) ||
		    wait_fd(c->fd, e == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT,
		    timeout_ms(c)) < 0) {
			ERR_clear_error();
			return -1;
		}
	}
}

/* tls_conn_write - all n bytes */
int
tls_conn_write(struct tls_conn *c, const void *p, size_t n)
{
	const char *s = p;

	while (n > 0) {
		ssize_t w = conn_write(c, s, n);

		if (w <= 0)
			return -1;
		s += w;
		n -= (size_t)w;
	}
	return 0;
}

/* tls_conn_read_line - one line without its CRLF / LF */
ssize_t
tls_conn_read_line(struct tls_conn *c, char *buf, size_t size)
{
	size_t n = 0;

	for (;;) {
		char *nl;
		size_t avail, take;

		if (c->rpos == c->rlen) {
			ssize_t r = conn_read(c, c->rbuf, sizeof(c->rbuf));

			if (r <= 0)
				return -1;
			c->rpos = 0;
			c->rlen = (size_t)r;
		}
		avail = c->rlen - c->rpos;
		nl = memchr(c->rbuf + c->rpos, '\n', avail);
		take = nl ? (size_t)(nl - (c->rbuf + c->rpos)) + 1 : avail;
		if (n + take >= size)
			return -1;	/* longer than any valid reply line */
		memcpy(buf + n, c->rbuf + c->rpos, take);
		n += take;
		c->rpos += take;
		if (nl != NULL)
			break;
	}
	n--;			/* the LF */
	if (n > 0 && buf[n - 1] == '\r')
		n--;
	buf[n] = '\0';
	return (ssize_t)n;
}

/* tls_conn_is_tls - 1 after a successful handshake */
int
tls_conn_is_tls(const struct tls_conn *c)
{
	return c->ssl != NULL;
}

/* tls_conn_info - protocol and cipher, for the log line */
const char *
tls_conn_info(const struct tls_conn *c, char *buf, size_t size)
{
	if (c->ssl == NULL)
		snprintf(buf, size, "plain");
	else
		snprintf(buf, size, "%s %s", SSL_get_version(c->ssl),
		    SSL_get_cipher_name(c->ssl));
	return buf;
}

/* conn_close - shut TLS down politely (bounded) and close the socket */
static void
conn_close(struct tls_conn *c)
{
	if (c->ssl != NULL) {
		SSL_shutdown(c->ssl);	/* one attempt: never wait */
		ERR_clear_error();
	}
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
}

/* tls_conn_free - close and release */
void
tls_conn_free(struct tls_conn **cp)
{
	struct tls_conn *c = *cp;

	if (c == NULL)
		return;
	conn_close(c);
	SSL_free(c->ssl);
	SSL_CTX_free(c->ctx);
	if (c->cancel != NULL)
		mailstream_cancel_free(c->cancel);
	free(c);
	*cp = NULL;
}

/* --- the libetpan mailstream_low driver over a tls_conn --------------- */

/* drv_read - buffered bytes first, then the connection */
static ssize_t
drv_read(mailstream_low *low, void *p, size_t n)
{
	struct tls_conn *c = low->data;

	if (c->rpos < c->rlen) {
		size_t take = c->rlen - c->rpos < n ? c->rlen - c->rpos : n;

		memcpy(p, c->rbuf + c->rpos, take);
		c->rpos += take;
		return (ssize_t)take;
	}
	if (low->timeout)
		c->timeout = (unsigned)low->timeout;
	return conn_read(c, p, n);
}

/* drv_write - some bytes */
static ssize_t
drv_write(mailstream_low *low, const void *p, size_t n)
{
	struct tls_conn *c = low->data;

	if (low->timeout)
		c->timeout = (unsigned)low->timeout;
	return conn_write(c, p, n);
}

/* drv_close - close the socket (the data is freed by drv_free) */
static int
drv_close(mailstream_low *low)
{
	conn_close(low->data);
	return 0;
}

static int
drv_get_fd(mailstream_low *low)
{
	return ((struct tls_conn *)low->data)->fd;
}

/* drv_free - release the connection and the low stream itself */
static void
drv_free(mailstream_low *low)
{
	struct tls_conn *c = low->data;

	tls_conn_free(&c);
	free(low);
}

static void
drv_cancel(mailstream_low *low)
{
	(void)low;
}

/* drv_get_cancel - libetpan's idle wait reads a cancel fd from here */
static struct mailstream_cancel *
drv_get_cancel(mailstream_low *low)
{
	struct tls_conn *c = low->data;

	if (c->cancel == NULL)
		c->cancel = mailstream_cancel_new();
	return c->cancel;
}

/* drv_cert_chain - not offered: verification happened in the handshake */
static carray *
drv_cert_chain(mailstream_low *low)
{
	(void)low;
	return NULL;
}

static mailstream_low_driver tls_driver = {
	.mailstream_read = drv_read,
	.mailstream_write = drv_write,
	.mailstream_close = drv_close,
	.mailstream_get_fd = drv_get_fd,
	.mailstream_free = drv_free,
	.mailstream_cancel = drv_cancel,
	.mailstream_get_cancel = drv_get_cancel,
	.mailstream_get_certificate_chain = drv_cert_chain,
	/* setup/unsetup/interrupt idle: NULL = "use select() on the fd" */
};

/* tls_conn_stream - a mailstream owning the connection */
mailstream *
tls_conn_stream(struct tls_conn *c)
{
	mailstream_low *low = mailstream_low_new(c, &tls_driver);
	mailstream *s;

	if (low == NULL)
		return NULL;
	mailstream_low_set_timeout(low, c->timeout);
	if ((s = mailstream_new(low, 8192)) == NULL) {
		free(low);	/* c stays the caller's */
		return NULL;
	}
	return s;
}

/* tls_client_stream - handshake on fd and wrap it: IMAPS */
mailstream *
tls_client_stream(int fd, const struct tls_client_cfg *cfg, const char *host,
    char *err, size_t errlen)
{
	struct tls_conn *c = tls_conn_from_fd(fd, cfg->timeout);
	mailstream *s;

	if (c == NULL) {
		snprintf(err, errlen, "%s: out of memory", host);
		return NULL;
	}
	if (tls_conn_starttls(c, cfg, host, err, errlen) < 0) {
		tls_conn_free(&c);
		return NULL;
	}
	if ((s = tls_conn_stream(c)) == NULL) {
		snprintf(err, errlen, "%s: out of memory", host);
		tls_conn_free(&c);
	}
	return s;
}

/* tls_client_starttls - upgrade a libetpan stream after "OK Begin TLS" */
int
tls_client_starttls(mailstream *s, const struct tls_client_cfg *cfg,
    const char *host, char *err, size_t errlen)
{
	mailstream_low *old = mailstream_get_low(s), *low;
	struct tls_conn *c;
	int fd;

	if (s->read_buffer_len != 0) {
		snprintf(err, errlen, "%s: bytes received before the TLS "
		    "handshake (STARTTLS injection?)", host);
		return -1;
	}
	if (old->driver == &tls_driver)	/* ours: upgrade in place */
		return tls_conn_starttls(old->data, cfg, host, err, errlen);
	/* libetpan's plain socket stream: its free does not close the fd */
	if ((fd = dup(mailstream_low_get_fd(old))) < 0) {
		snprintf(err, errlen, "%s: %s", host, strerror(errno));
		return -1;
	}
	if ((c = tls_conn_from_fd(fd, cfg->timeout)) == NULL ||
	    tls_conn_starttls(c, cfg, host, err, errlen) < 0) {
		if (c == NULL)
			snprintf(err, errlen, "%s: out of memory", host);
		tls_conn_free(&c);
		return -1;
	}
	if ((low = mailstream_low_new(c, &tls_driver)) == NULL) {
		snprintf(err, errlen, "%s: out of memory", host);
		tls_conn_free(&c);
		return -1;
	}
	mailstream_low_set_timeout(low, cfg->timeout);
	mailstream_low_close(old);	/* closes only the original fd */
	mailstream_low_free(old);
	mailstream_set_low(s, low);
	return 0;
}
