/* fetch_int - the IMAP client steps of `scrubgate fetch` (fetch_imap.c),
 * shared with fetch.c.  Internal to the fetch door.
 *
 * Every function returns 0 on success, -1 with a one-line reason in err
 * (naming the account's host, never a message's content).  A -1 from any
 * of them means the session is unusable: the caller disconnects and
 * reconnects with back-off.
 */
#ifndef SCRUBGATE_FETCH_INT_H
#define SCRUBGATE_FETCH_INT_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include <libetpan/libetpan.h>

struct account_cfg;

struct imapc {
	mailimap *imap;
	const char *host;	/* borrowed from the account */
	int has_move, has_uidplus, has_idle;
	char err[300];
};

/* one message listed in the folder */
struct imapc_msg {
	uint32_t uid;
	uint32_t size;		/* RFC822.SIZE */
	int seen;		/* \Seen set */
};

/* imapc_open - connect (imaps, starttls or none), log in, read the
 * capabilities; ca_file NULL: the system store */
int imapc_open(struct imapc *ic, const struct account_cfg *a,
    const char *ca_file, const char *password);
/* imapc_close - LOGOUT when possible, free; NULL-safe */
void imapc_close(struct imapc *ic);
/* imapc_select - SELECT folder; its UIDVALIDITY */
int imapc_select(struct imapc *ic, const char *folder, uint32_t *uidvalidity);
/* imapc_list - UID, RFC822.SIZE and \Seen of the messages with UID in
 * [first, last] (last 0: to the end), UID order; *v_r malloc'd */
int imapc_list(struct imapc *ic, uint32_t first, uint32_t last,
    struct imapc_msg **v_r, size_t *n_r);
/* imapc_body - BODY.PEEK[] of one message (malloc'd copy, \Seen not
 * set); max: refuse a larger literal (the size was checked before) */
int imapc_body(struct imapc *ic, uint32_t uid, char **msg_r, size_t *len_r);
/* imapc_seen - UID STORE +FLAGS.SILENT (\Seen) of n UIDs */
int imapc_seen(struct imapc *ic, const uint32_t *uids, size_t n);
/* imapc_delete - \Deleted, then UID EXPUNGE (UIDPLUS) of those UIDs; a
 * server without UIDPLUS keeps them flagged \Deleted */
int imapc_delete(struct imapc *ic, const uint32_t *uids, size_t n);
/* imapc_move - UID MOVE, else UID COPY + imapc_delete; folder created
 * when missing */
int imapc_move(struct imapc *ic, const uint32_t *uids, size_t n,
    const char *folder);
/* imapc_idle - IDLE until the server says something, max_s seconds pass
 * or *stop is set; DONE.  1 woken, 0 timed out or stopped */
int imapc_idle(struct imapc *ic, unsigned max_s,
    volatile sig_atomic_t *stop);
/* imapc_noop - NOOP (keeps the session alive, checks it) */
int imapc_noop(struct imapc *ic);

#endif
