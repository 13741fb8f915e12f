/* deliver_imap - IMAP APPEND of the scrubbed message into a folder.
 *
 * libetpan's mailimap client on a tls_client stream: imaps:// does TLS
 * first; imap:// sends STARTTLS and upgrades with tls_client_starttls
 * unless the route says tls = none.  LOGIN with the password from the
 * route's password_file (first line; the file must not be readable by
 * group or others), APPEND with an empty flag list (so \Seen is off and
 * the helpdesk sees the message as new), LOGOUT.
 *
 * Every failure is temporary (4xx): a wrong password, a missing folder
 * or a full mailbox is an operator's fix, not a reason to bounce.
 * libetpan ownership: the flag list passed to mailimap_append is not
 * consumed (we free it); mailimap_free closes the stream and with it the
 * tls_conn.
 */
#include "deliver.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tls_client.h"

/* read_password - first line of the file; -1 with a reason */
static int
read_password(const char *path, char *pw, size_t size, const char **why)
{
	struct stat st;
	int fd;
	ssize_t n;

	*why = NULL;
	if (path == NULL) {
		*why = "no password_file";
		return -1;
	}
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) < 0)
		return -1;
	if (fstat(fd, &st) < 0 || (st.st_mode & 077) != 0) {
		*why = "password_file is readable by group or others";
		close(fd);
		return -1;
	}
	n = read(fd, pw, size - 1);
	close(fd);
	if (n <= 0) {
		*why = "password_file is empty";
		return -1;
	}
	pw[n] = '\0';
	pw[strcspn(pw, "\r\n")] = '\0';
	return 0;
}

/* imap_reply - the server's last response text, for a reason */
static const char *
imap_reply(mailimap *imap)
{
	return imap != NULL && imap->imap_response != NULL ?
	    imap->imap_response : "no response";
}

/* open_session - connect, TLS as configured, read the greeting */
static mailimap *
open_session(const struct next_hop *h, const char *ca_file,
    struct deliver_result *res)
{
	struct tls_client_cfg cfg = { ca_file, deliver_timeout() };
	struct tls_conn *c;
	mailstream *s;
	mailimap *imap;
	char err[300];
	int r;

	if ((c = tls_conn_connect(h->host, h->port, deliver_timeout(), err,
	    sizeof(err))) == NULL) {
		deliver_fail_all(res, 451, "451 4.4.1 %s", err);
		return NULL;
	}
	if (h->kind == HOP_IMAPS && tls_conn_starttls(c, &cfg, h->host, err,
	    sizeof(err)) < 0) {
		tls_conn_free(&c);
		deliver_fail_all(res, 451, "451 4.7.5 %s", err);
		return NULL;
	}
	if ((s = tls_conn_stream(c)) == NULL ||
	    (imap = mailimap_new(0, NULL)) == NULL) {
		if (s != NULL)
			mailstream_close(s);
		else
			tls_conn_free(&c);
		deliver_fail_all(res, 451, "451 4.3.0 out of memory");
		return NULL;
	}
	mailimap_set_timeout(imap, deliver_timeout());
	r = mailimap_connect(imap, s);	/* owns s from here, even on error */
	if (r != MAILIMAP_NO_ERROR_NON_AUTHENTICATED &&
	    r != MAILIMAP_NO_ERROR_AUTHENTICATED) {
		deliver_fail_all(res, 451, "451 4.4.2 %s:%s: no IMAP greeting",
		    h->host, h->port);
		mailimap_free(imap);
		return NULL;
	}
	if (h->kind == HOP_IMAP && h->tls) {
		if (mailimap_starttls(imap) != MAILIMAP_NO_ERROR) {
			deliver_fail_all(res, 451, "451 4.7.4 %s:%s refused "
			    "STARTTLS: %s", h->host, h->port, imap_reply(imap));
			mailimap_free(imap);
			return NULL;
		}
		if (tls_client_starttls(imap->imap_stream, &cfg, h->host, err,
		    sizeof(err)) < 0) {
			deliver_fail_all(res, 451, "451 4.7.5 %s", err);
			mailimap_free(imap);
			return NULL;
		}
	}
	return imap;
}

/* deliver_imap - LOGIN, APPEND (no \Seen), LOGOUT */
int
deliver_imap(const struct next_hop *h, const char *ca_file,
    const char *password_file, const struct envelope *env, const char *msg,
    size_t len, struct deliver_result *res)
{
	struct mailimap_flag_list *flags = NULL;
	mailimap *imap = NULL;
	char pw[512];
	const char *why;
	int r;

	(void)env;
	snprintf(res->relay, sizeof(res->relay), "%.200s:%s/%.80s", h->host, h->port,
	    h->folder);
	if (read_password(password_file, pw, sizeof(pw), &why) < 0) {
		deliver_fail_all(res, 451, "451 4.3.5 %s: %s", password_file ?
		    password_file : "route", why ? why : strerror(errno));
		return 1;
	}
	if ((imap = open_session(h, ca_file, res)) == NULL)
		goto done;
	snprintf(res->tls, sizeof(res->tls), "%s", h->kind == HOP_IMAPS ||
	    h->tls ? "TLS" : "plain");
	if ((r = mailimap_login(imap, h->user, pw)) != MAILIMAP_NO_ERROR) {
		deliver_fail_all(res, 451, "451 4.7.0 %s:%s: login failed: %s",
		    h->host, h->port, imap_reply(imap));
		goto done;
	}
	if ((flags = mailimap_flag_list_new_empty()) == NULL) {
		deliver_fail_all(res, 451, "451 4.3.0 out of memory");
		goto done;
	}
	r = mailimap_append(imap, h->folder, flags, NULL, msg, len);
	if (r != MAILIMAP_NO_ERROR) {
		deliver_fail_all(res, 451, "451 4.3.0 %s:%s: APPEND to %s "
		    "failed: %s", h->host, h->port, h->folder, imap_reply(imap));
		goto done;
	}
	deliver_fail_all(res, 250, "250 2.0.0 appended to %s", h->folder);
	mailimap_logout(imap);
done:
	explicit_bzero(pw, sizeof(pw));
	if (flags != NULL)
		mailimap_flag_list_free(flags);
	if (imap != NULL)
		mailimap_free(imap);
	return res->rcpt[0].code / 100 == 2 ? 0 : 1;
}
