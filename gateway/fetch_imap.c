/* fetch_imap - libetpan's mailimap client steps for `scrubgate fetch`
 * (see fetch_int.h).
 *
 * Every connection runs on the OpenSSL-backed mailstream of tls_client.c:
 * tls = imaps handshakes before the greeting, starttls after the server's
 * yes to STARTTLS (refusing bytes buffered before the handshake), none
 * stays plain.  The chain is verified and the host name checked; there is
 * no unverified mode.
 *
 * libetpan 1.9.4 allocates an IMAP literal as large as the server says:
 * the caller lists RFC822.SIZE first and fetches a body only when it is
 * within max_message_size, and the session has a per-step timeout.
 *
 * Ownership: mailimap_uid_fetch results are freed with
 * mailimap_fetch_list_free; the set and fetch type passed in are not
 * consumed and are freed here.
 */
#include "fetch_int.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config.h"
#include "tls_client.h"

/* set_err - "host: what (server's text)" */
static int
set_err(struct imapc *ic, int rc, const char *what)
{
	const char *resp = ic->imap != NULL && ic->imap->imap_response != NULL ?
	    ic->imap->imap_response : "";
	char clean[120];
	size_t i;

	for (i = 0; resp[i] && i < sizeof(clean) - 1; i++)
		clean[i] = (unsigned char)resp[i] < 0x20 ||
		    resp[i] == 0x7f ? '?' : resp[i];
	clean[i] = '\0';
	snprintf(ic->err, sizeof(ic->err), "%s: %s failed (libetpan error %d)%s%s",
	    ic->host, what, rc, *clean ? ": " : "", clean);
	return -1;
}

/* ok - a mailimap return code that means success */
static int
ok(int rc)
{
	return rc == MAILIMAP_NO_ERROR || rc == MAILIMAP_NO_ERROR_AUTHENTICATED ||
	    rc == MAILIMAP_NO_ERROR_NON_AUTHENTICATED;
}

/* capabilities - refresh and remember MOVE, UIDPLUS, IDLE */
static int
capabilities(struct imapc *ic)
{
	struct mailimap_capability_data *cap = NULL;
	int rc = mailimap_capability(ic->imap, &cap);

	if (!ok(rc))
		return set_err(ic, rc, "CAPABILITY");
	mailimap_capability_data_free(cap);
	ic->has_move = mailimap_has_extension(ic->imap, (char *)"MOVE");
	ic->has_uidplus = mailimap_has_uidplus(ic->imap);
	ic->has_idle = mailimap_has_idle(ic->imap);
	return 0;
}

/* connect_stream - TCP, then TLS for imaps; the mailstream */
static mailstream *
connect_stream(struct imapc *ic, const struct account_cfg *a,
    const struct tls_client_cfg *tc)
{
	char port[16];
	struct tls_conn *c;
	mailstream *s;
	int imaps = strcmp(a->tls, "imaps") == 0;

	snprintf(port, sizeof(port), "%u", a->port ? a->port : imaps ? 993 : 143);
	if ((c = tls_conn_connect(a->host, port, tc->timeout, ic->err,
	    sizeof(ic->err))) == NULL)
		return NULL;
	if (imaps && tls_conn_starttls(c, tc, a->host, ic->err,
	    sizeof(ic->err)) < 0) {
		tls_conn_free(&c);
		return NULL;
	}
	if ((s = tls_conn_stream(c)) == NULL) {
		tls_conn_free(&c);
		snprintf(ic->err, sizeof(ic->err), "%s: out of memory", a->host);
		return NULL;
	}
	/* one command, one reply: Nagle + delayed ACK would add up to
	 * 40 ms to many round trips */
	{
		int one = 1, fd = mailstream_low_get_fd(mailstream_get_low(s));

		if (fd >= 0)
			(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one,
			    sizeof(one));
	}
	return s;
}

/* imapc_open - connect, STARTTLS when asked, LOGIN, capabilities */
int
imapc_open(struct imapc *ic, const struct account_cfg *a, const char *ca_file,
    const char *password)
{
	struct tls_client_cfg tc = { ca_file, (unsigned)a->timeout };
	mailstream *s;
	int rc;

	memset(ic, 0, sizeof(*ic));
	ic->host = a->host;
	if ((ic->imap = mailimap_new(0, NULL)) == NULL) {
		snprintf(ic->err, sizeof(ic->err), "%s: out of memory", a->host);
		return -1;
	}
	mailimap_set_timeout(ic->imap, (time_t)a->timeout);
	if ((s = connect_stream(ic, a, &tc)) == NULL)
		return -1;
	if (!ok(rc = mailimap_connect(ic->imap, s)))
		return set_err(ic, rc, "greeting");
	if (strcmp(a->tls, "starttls") == 0) {
		if (!ok(rc = mailimap_starttls(ic->imap)))
			return set_err(ic, rc, "STARTTLS");
		if (tls_client_starttls(ic->imap->imap_stream, &tc, a->host,
		    ic->err, sizeof(ic->err)) < 0)
			return -1;
	}
	if (!ok(rc = mailimap_login(ic->imap, a->user, password)))
		return set_err(ic, rc, "LOGIN");
	return capabilities(ic);
}

/* imapc_close - LOGOUT, free */
void
imapc_close(struct imapc *ic)
{
	if (ic->imap == NULL)
		return;
	if (ic->imap->imap_stream != NULL)
		(void)mailimap_logout(ic->imap);
	mailimap_free(ic->imap);
	ic->imap = NULL;
}

/* imapc_select - SELECT, UIDVALIDITY */
int
imapc_select(struct imapc *ic, const char *folder, uint32_t *uidvalidity)
{
	int rc = mailimap_select(ic->imap, folder);

	if (!ok(rc))
		return set_err(ic, rc, "SELECT");
	if (ic->imap->imap_selection_info == NULL ||
	    ic->imap->imap_selection_info->sel_uidvalidity == 0) {
		snprintf(ic->err, sizeof(ic->err), "%s: SELECT gave no "
		    "UIDVALIDITY", ic->host);
		return -1;
	}
	*uidvalidity = ic->imap->imap_selection_info->sel_uidvalidity;
	return 0;
}

/* msg_attrs - UID, size, \Seen and body of one FETCH response item */
static void
msg_attrs(struct mailimap_msg_att *ma, struct imapc_msg *m,
    struct mailimap_msg_att_body_section **body)
{
	clistiter *it;

	for (it = clist_begin(ma->att_list); it; it = clist_next(it)) {
		struct mailimap_msg_att_item *item = clist_content(it);

		if (item->att_type == MAILIMAP_MSG_ATT_ITEM_STATIC) {
			struct mailimap_msg_att_static *st =
			    item->att_data.att_static;

			if (st->att_type == MAILIMAP_MSG_ATT_UID)
				m->uid = st->att_data.att_uid;
			else if (st->att_type == MAILIMAP_MSG_ATT_RFC822_SIZE)
				m->size = st->att_data.att_rfc822_size;
			else if (st->att_type == MAILIMAP_MSG_ATT_BODY_SECTION &&
			    body != NULL)
				*body = st->att_data.att_body_section;
		} else if (item->att_type == MAILIMAP_MSG_ATT_ITEM_DYNAMIC &&
		    item->att_data.att_dyn->att_list != NULL) {
			clistiter *f;

			for (f = clist_begin(item->att_data.att_dyn->att_list);
			    f; f = clist_next(f)) {
				struct mailimap_flag_fetch *ff = clist_content(f);

				if (ff->fl_type == MAILIMAP_FLAG_FETCH_OTHER &&
				    ff->fl_flag != NULL && ff->fl_flag->fl_type ==
				    MAILIMAP_FLAG_SEEN)
					m->seen = 1;
			}
		}
	}
}

/* by_uid - qsort order */
static int
by_uid(const void *a, const void *b)
{
	uint32_t x = ((const struct imapc_msg *)a)->uid;
	uint32_t y = ((const struct imapc_msg *)b)->uid;

	return x < y ? -1 : x > y;
}

/* imapc_list - UID FETCH first:last (UID RFC822.SIZE FLAGS) */
int
imapc_list(struct imapc *ic, uint32_t first, uint32_t last,
    struct imapc_msg **v_r, size_t *n_r)
{
	struct mailimap_set *set = mailimap_set_new_interval(first, last);
	struct mailimap_fetch_type *ft =
	    mailimap_fetch_type_new_fetch_att_list_empty();
	struct imapc_msg *v = NULL;
	clist *res = NULL;
	clistiter *it;
	size_t n = 0;
	int rc;

	*v_r = NULL;
	*n_r = 0;
	if (set == NULL || ft == NULL ||
	    mailimap_fetch_type_new_fetch_att_list_add(ft,
	    mailimap_fetch_att_new_uid()) != 0 ||
	    mailimap_fetch_type_new_fetch_att_list_add(ft,
	    mailimap_fetch_att_new_rfc822_size()) != 0 ||
	    mailimap_fetch_type_new_fetch_att_list_add(ft,
	    mailimap_fetch_att_new_flags()) != 0) {
		rc = MAILIMAP_ERROR_MEMORY;
		goto done;
	}
	rc = mailimap_uid_fetch(ic->imap, set, ft, &res);
	if (!ok(rc))
		goto done;
	if ((v = calloc(clist_count(res) + 1, sizeof(*v))) == NULL) {
		rc = MAILIMAP_ERROR_MEMORY;
		goto done;
	}
	for (it = clist_begin(res); it; it = clist_next(it)) {
		struct imapc_msg m = { 0, 0, 0 };

		msg_attrs(clist_content(it), &m, NULL);
		/* "first:*" also answers with the last message when its
		 * UID is below first: keep only the range asked for */
		if (m.uid >= first && (last == 0 || m.uid <= last))
			v[n++] = m;
	}
	qsort(v, n, sizeof(*v), by_uid);
done:
	if (res != NULL)
		mailimap_fetch_list_free(res);
	if (set != NULL)
		mailimap_set_free(set);
	if (ft != NULL)
		mailimap_fetch_type_free(ft);
	if (!ok(rc)) {
		free(v);
		return set_err(ic, rc, "UID FETCH (list)");
	}
	*v_r = v;
	*n_r = n;
	return 0;
}

/* imapc_body - UID FETCH uid BODY.PEEK[] */
int
imapc_body(struct imapc *ic, uint32_t uid, char **msg_r, size_t *len_r)
{
	struct mailimap_set *set = mailimap_set_new_single(uid);
	struct mailimap_section *sec = mailimap_section_new(NULL);
	struct mailimap_fetch_att *fa = sec ?
	    mailimap_fetch_att_new_body_peek_section(sec) : NULL;
	struct mailimap_fetch_type *ft = fa ?
	    mailimap_fetch_type_new_fetch_att(fa) : NULL;
	clist *res = NULL;
	clistiter *it;
	int rc = MAILIMAP_ERROR_MEMORY;

	*msg_r = NULL;
	if (ft == NULL) {
		if (fa != NULL)
			mailimap_fetch_att_free(fa);
		else if (sec != NULL)
			mailimap_section_free(sec);
		goto done;
	}
	if (set == NULL)
		goto done;
	if (!ok(rc = mailimap_uid_fetch(ic->imap, set, ft, &res)))
		goto done;
	for (it = clist_begin(res); it && *msg_r == NULL; it = clist_next(it)) {
		struct imapc_msg m = { 0, 0, 0 };
		struct mailimap_msg_att_body_section *b = NULL;

		msg_attrs(clist_content(it), &m, &b);
		if (m.uid != uid || b == NULL)
			continue;
		if ((*msg_r = malloc(b->sec_length + 1)) == NULL) {
			rc = MAILIMAP_ERROR_MEMORY;
			break;
		}
		if (b->sec_length)
			memcpy(*msg_r, b->sec_body_part, b->sec_length);
		(*msg_r)[b->sec_length] = '\0';
		*len_r = b->sec_length;
		/* unscrubbed bytes: wipe libetpan's copy */
		if (b->sec_body_part != NULL)
			explicit_bzero(b->sec_body_part, b->sec_length);
	}
done:
	if (res != NULL)
		mailimap_fetch_list_free(res);
	if (set != NULL)
		mailimap_set_free(set);
	if (ft != NULL)
		mailimap_fetch_type_free(ft);
	if (!ok(rc))
		return set_err(ic, rc, "UID FETCH (body)");
	if (*msg_r == NULL) {
		snprintf(ic->err, sizeof(ic->err), "%s: UID %u vanished",
		    ic->host, uid);
		return 1;
	}
	return 0;
}

/* uid_set - a set of the n UIDs; NULL out of memory */
static struct mailimap_set *
uid_set(const uint32_t *uids, size_t n)
{
	struct mailimap_set *set = mailimap_set_new_empty();

	for (size_t i = 0; set != NULL && i < n; i++)
		if (mailimap_set_add_single(set, uids[i]) != MAILIMAP_NO_ERROR) {
			mailimap_set_free(set);
			set = NULL;
		}
	return set;
}

/* add_flag - UID STORE uids +FLAGS.SILENT (flag) */
static int
add_flag(struct imapc *ic, const uint32_t *uids, size_t n,
    struct mailimap_flag *flag)
{
	struct mailimap_flag_list *fl = mailimap_flag_list_new_empty();
	struct mailimap_store_att_flags *sa = NULL;
	struct mailimap_set *set = uid_set(uids, n);
	int rc = MAILIMAP_ERROR_MEMORY;

	if (fl == NULL || flag == NULL || mailimap_flag_list_add(fl, flag) != 0) {
		if (flag != NULL)
			mailimap_flag_free(flag);
		if (fl != NULL)
			mailimap_flag_list_free(fl);
		goto done;
	}
	if ((sa = mailimap_store_att_flags_new_add_flags_silent(fl)) == NULL) {
		mailimap_flag_list_free(fl);
		goto done;
	}
	if (set != NULL)
		rc = mailimap_uid_store(ic->imap, set, sa);
done:
	if (sa != NULL)
		mailimap_store_att_flags_free(sa);
	if (set != NULL)
		mailimap_set_free(set);
	return ok(rc) ? 0 : set_err(ic, rc, "UID STORE");
}

/* imapc_seen - \Seen */
int
imapc_seen(struct imapc *ic, const uint32_t *uids, size_t n)
{
	return add_flag(ic, uids, n, mailimap_flag_new_seen());
}

/* imapc_delete - \Deleted + UID EXPUNGE */
int
imapc_delete(struct imapc *ic, const uint32_t *uids, size_t n)
{
	struct mailimap_set *set;
	int rc;

	if (add_flag(ic, uids, n, mailimap_flag_new_deleted()) < 0)
		return -1;
	if (!ic->has_uidplus)
		return 0;	/* an EXPUNGE would take others' \Deleted too */
	if ((set = uid_set(uids, n)) == NULL)
		return set_err(ic, MAILIMAP_ERROR_MEMORY, "UID EXPUNGE");
	rc = mailimap_uid_expunge(ic->imap, set);
	mailimap_set_free(set);
	return ok(rc) ? 0 : set_err(ic, rc, "UID EXPUNGE");
}

/* imapc_move - MOVE, or COPY + delete; CREATE the folder once if the
 * first try fails (it may be missing) */
int
imapc_move(struct imapc *ic, const uint32_t *uids, size_t n,
    const char *folder)
{
	struct mailimap_set *set;
	int rc = MAILIMAP_ERROR_MEMORY;

	for (int attempt = 0; attempt < 2; attempt++) {
		if ((set = uid_set(uids, n)) == NULL)
			break;
		rc = ic->has_move ? mailimap_uid_move(ic->imap, set, folder) :
		    mailimap_uid_copy(ic->imap, set, folder);
		mailimap_set_free(set);
		if (ok(rc) || rc == MAILIMAP_ERROR_STREAM || attempt)
			break;
		(void)mailimap_create(ic->imap, folder);	/* may exist */
	}
	if (!ok(rc))
		return set_err(ic, rc, ic->has_move ? "UID MOVE" : "UID COPY");
	return ic->has_move ? 0 : imapc_delete(ic, uids, n);
}

/* imapc_noop - NOOP */
int
imapc_noop(struct imapc *ic)
{
	int rc = mailimap_noop(ic->imap);

	return ok(rc) ? 0 : set_err(ic, rc, "NOOP");
}

/* imapc_idle - IDLE, wait, DONE.  In libetpan 1.9.4 whatever woke us is
 * only a hint: the caller fetches from its last UID afterwards. */
int
imapc_idle(struct imapc *ic, unsigned max_s, volatile sig_atomic_t *stop)
{
	time_t end = time(NULL) + (time_t)max_s;
	int rc, fd, woke = 0;

	if (!ok(rc = mailimap_idle(ic->imap)))
		return set_err(ic, rc, "IDLE");
	fd = mailimap_idle_get_fd(ic->imap);
	while (!woke && !*stop && time(NULL) < end) {
		struct pollfd p = { fd, POLLIN, 0 };

		/* bytes may already sit in libetpan's read buffer */
		if (ic->imap->imap_stream->read_buffer_len > 0) {
			woke = 1;
			break;
		}
		rc = poll(&p, 1, 1000);
		if (rc < 0 && errno != EINTR) {
			snprintf(ic->err, sizeof(ic->err), "%s: poll: %s",
			    ic->host, strerror(errno));
			return -1;
		}
		woke = rc > 0;
	}
	if (!ok(rc = mailimap_idle_done(ic->imap)))
		return set_err(ic, rc, "IDLE DONE");
	return woke;
}
