/* spool - durable queue of scrubbed messages waiting for their next hop.
 *
 * Layout under the spool directory (mode 0700, owned by the run user):
 *   tmp/      being written; never read
 *   queue/ID  one file per message: a small text envelope block, a blank
 *             line, then the message bytes exactly as they will be sent
 *   dead/ID   messages that failed permanently or expired (dead letter)
 *   free/Fnnn empty files of delivered messages, whose inodes spool_put
 *             reuses (see spool.c, "Inode reuse")
 * ID is a queue id like Postfix's: 12+ upper-case hex/alnum characters,
 * unique per spool, printed in logs and in the 250 reply.
 *
 * spool_put writes tmp/ID, fsyncs the file, renames it into queue/ and
 * fsyncs queue/: when it returns 0 the message survives kill -9 and a
 * power cut, and only then may a door acknowledge it (250, exit 0, IMAP
 * flag).  Threads may call it at once, on one handle or on several: the
 * handles of a process share the fsyncs of queue/ (group commit, see
 * spool.c), so one fsync that started after their renames covers them
 * all.  The envelope block records sender, recipients, route, arrival
 * time, attempts, next try and last error (pseudonymised or scrubbed:
 * no plain address of a stripped Cc ever reaches the spool).
 */
#ifndef SCRUBGATE_SPOOL_H
#define SCRUBGATE_SPOOL_H

#include <stddef.h>
#include <time.h>

#include "envelope.h"

#define SPOOL_ID_MAX 32

struct spool;

struct spool_entry {
	char id[SPOOL_ID_MAX];
	struct envelope env;	/* sender, rcpts still to deliver, route */
	time_t arrival;
	time_t next_try;
	unsigned attempts;
	char last_error[256];	/* the next hop's reply or our own reason */
};

/* spool_open - create the layout if missing; NULL and *err (one line)
 * on failure */
struct spool *spool_open(const char *dir, char *err, size_t errlen);
void spool_close(struct spool **s);

/* spool_put - store durably; id_r receives the queue id */
int spool_put(struct spool *s, const struct envelope *env, const char *msg,
    size_t len, char id_r[SPOOL_ID_MAX]);

/* spool_list - the entries in queue/ (envelope only), oldest first;
 * free with spool_list_free */
int spool_list(struct spool *s, struct spool_entry **v_r, size_t *n_r);
void spool_list_free(struct spool_entry *v, size_t n);

/* spool_read - one entry with its message bytes (malloc'd) */
int spool_read(struct spool *s, const char *id, struct spool_entry *e,
    char **msg_r, size_t *len_r);
/* spool_update - rewrite the envelope block (attempts, next try, error,
 * remaining recipients) durably */
int spool_update(struct spool *s, const struct spool_entry *e);
/* spool_remove - remove durably (an operator's queue delete) */
int spool_remove(struct spool *s, const char *id);
/* spool_delivered - remove after the next hop said 250 for every
 * recipient.  The directory is not fsynced: delivery is at least once,
 * and a removal lost to a power cut only sends the message again (as
 * Postfix's queue manager, which unlinks without a sync) */
int spool_delivered(struct spool *s, const char *id);
/* spool_dead - move to dead/ */
int spool_dead(struct spool *s, const char *id);

/* (added by delivery) spool_dir - the directory given to spool_open;
 * spool_list_dead - the entries of dead/, as spool_list */
const char *spool_dir(const struct spool *s);
int spool_list_dead(struct spool *s, struct spool_entry **v_r, size_t *n_r);

#endif
