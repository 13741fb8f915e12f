/* ticket - the step every door runs between scrubbing and handing the
 * message on: route it, thread it onto a ticket, tag it, record it.
 *
 *   scrub_message -> recipients stripped -> ticket_apply -> spool/deliver
 *                                                       -> ticket_delivered
 *
 * ticket_apply finds the ticket the message belongs to (In-Reply-To /
 * References against stored Message-IDs, else the subject tag, else a new
 * ticket unless the message is an auto-reply or bulk), adds the tag to
 * the Subject (once, never doubled) and an X-Scrubgate-Ticket header to
 * out (the scrubbed message, edited in place by splicing, byte-faithful
 * elsewhere), and records the message: ids, counts, parties as
 * pseudonyms.  It sets env->ticket and env->store_msg.  The store holds
 * no plain address unless store_addresses = yes.
 *
 * Every door calls it; a door that has no store configured passes
 * t == NULL and ticket_apply does nothing but return 0.
 */
#ifndef SCRUBGATE_TICKET_H
#define SCRUBGATE_TICKET_H

#include <stddef.h>

#include "buf.h"
#include "envelope.h"
#include "scrub.h"

struct config;
struct ticket_ctx;

/* ticket_open - open the store named in c ([store] database); NULL with
 * err filled (one line naming the file) on failure */
struct ticket_ctx *ticket_open(const struct config *c, char *err,
    size_t errlen);
void ticket_close(struct ticket_ctx **t);

/* ticket_apply - returns 0; -1 (err filled) on a store failure, which
 * the door must treat as temporary (451 / EX_TEMPFAIL / retry) */
int ticket_apply(struct ticket_ctx *t, struct envelope *env,
    const struct scrub_result *res, struct buf *out, char *err,
    size_t errlen);

/* ticket_delivered - record a delivery outcome of env->store_msg:
 * state "sent", "deferred", "bounced", "dead"; reply the next hop's
 * reply line (no personal data) */
int ticket_delivered(struct ticket_ctx *t, long long store_msg,
    const char *state, const char *reply);

#endif
