/* tls_client - outbound connections with verified TLS on OpenSSL.
 *
 * One TLS stack for every client door: the SMTP/LMTP delivery client
 * (deliver_smtp.c) reads and writes lines on a struct tls_conn; libetpan's
 * IMAP client (fetch, IMAP APPEND) runs on a mailstream whose low driver is
 * a tls_conn (Debian's libetpan does TLS with GnuTLS and verifies nothing).
 *
 * TLS is 1.2 or later; the peer's chain is verified against ca_file (PEM)
 * or, without one, the system CA store; the host name (or IP literal) the
 * caller connected to is checked against the certificate (SSL_set1_host /
 * X509_VERIFY_PARAM_set1_ip_asc) and sent as SNI.  Any failure ends the
 * connection: there is no "encrypt but do not verify" mode.  Plain text
 * exists only as "no TLS at all" (a route's explicit tls = none).
 *
 * STARTTLS: after the server's positive reply the caller upgrades with
 * tls_conn_starttls (our own line reader) or tls_client_starttls (a
 * libetpan mailstream).  Both refuse when any byte arrived after that
 * reply and before the handshake (CVE-2011-0411 class injection): such
 * bytes would otherwise be taken as coming from inside the TLS session.
 *
 * Every read, write, connect and handshake step is bounded by the
 * connection's timeout (seconds).  Writes may raise SIGPIPE on a closed
 * peer: processes using this module ignore SIGPIPE (qmgr does).
 * Errors: NULL / -1 and a one-line reason in err naming the peer.
 */
#ifndef SCRUBGATE_TLS_CLIENT_H
#define SCRUBGATE_TLS_CLIENT_H

#include <stddef.h>
#include <sys/types.h>

#include <libetpan/libetpan.h>

struct tls_client_cfg {
	const char *ca_file;	/* PEM CA file, NULL or "": the system store */
	unsigned timeout;	/* seconds per I/O step, 0: 300 */
};

struct tls_conn;

/* tls_conn_connect - TCP to host:port (every address tried in turn), or
 * a Unix socket when host starts with '/' (port ignored); plain text */
struct tls_conn *tls_conn_connect(const char *host, const char *port,
    unsigned timeout, char *err, size_t errlen);
/* tls_conn_from_fd - wrap a connected socket (takes ownership of fd) */
struct tls_conn *tls_conn_from_fd(int fd, unsigned timeout);
/* tls_conn_starttls - TLS client handshake on the connection, verifying
 * the chain and host; -1 when bytes are buffered or on any TLS error */
int tls_conn_starttls(struct tls_conn *c, const struct tls_client_cfg *cfg,
    const char *host, char *err, size_t errlen);
/* tls_conn_read_line - one line with its line ending removed into buf;
 * its length, -1 on error, end of stream, timeout or a line longer than
 * size - 1 */
ssize_t tls_conn_read_line(struct tls_conn *c, char *buf, size_t size);
/* tls_conn_write - all n bytes, or -1 */
int tls_conn_write(struct tls_conn *c, const void *p, size_t n);
/* tls_conn_is_tls - 1 after a successful handshake */
int tls_conn_is_tls(const struct tls_conn *c);
/* tls_conn_info - "TLSv1.3 TLS_AES_256_GCM_SHA384" or "plain" */
const char *tls_conn_info(const struct tls_conn *c, char *buf, size_t size);
/* tls_conn_free - close and release; accepts NULL, clears the pointer */
void tls_conn_free(struct tls_conn **c);

/* tls_conn_stream - a libetpan mailstream on the connection (which it
 * owns from now on: mailstream_close frees it) */
mailstream *tls_conn_stream(struct tls_conn *c);

/* tls_client_stream - handshake on a connected socket fd (owned from
 * now on, closed on failure) and return a mailstream over it: IMAPS */
mailstream *tls_client_stream(int fd, const struct tls_client_cfg *cfg,
    const char *host, char *err, size_t errlen);
/* tls_client_starttls - upgrade a libetpan stream (ours or libetpan's
 * plain socket stream) after the server said yes to STARTTLS; -1 when
 * the stream already holds unread bytes or the handshake fails */
int tls_client_starttls(mailstream *s, const struct tls_client_cfg *cfg,
    const char *host, char *err, size_t errlen);

#endif
