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
 * the door must treat as temporary (451 / EX_TEMPFAIL / retry); 1 (added
 * by issue 4) when the message is an auto-reply and [store] auto_replies
 * = drop: the door accepts it and does not forward it */
int ticket_apply(struct ticket_ctx *t, struct envelope *env,
    const struct scrub_result *res, struct buf *out, char *err,
    size_t errlen);

/* ticket_delivered - record a delivery outcome of env->store_msg:
 * state "sent", "deferred", "bounced", "dead"; reply the next hop's
 * reply line (no personal data) */
int ticket_delivered(struct ticket_ctx *t, long long store_msg,
    const char *state, const char *reply);

/* --- added by issue 4 (store): ------------------------------------------ */

struct store;
struct scrub_policy;

/* ticket_store - the store behind t (the IMAP door keeps its fetch state
 * there: store_fetch_*); NULL for t == NULL */
struct store *ticket_store(struct ticket_ctx *t);

/* ticket_route - choose the route of a message before it is scrubbed
 * (rules in file order, first match wins; else the route whose mailboxes
 * hold a recipient; else [route default]); sets env->route (NULL: none).
 * msg is the raw, unscrubbed message; only its header is read.  0, or -1
 * out of memory.  ticket_apply calls it itself when env->route is NULL. */
int ticket_route(struct ticket_ctx *t, struct envelope *env, const char *msg,
    size_t len);
/* ticket_policy - the compiled policy of env->route's redaction profile,
 * or NULL: use the global policy */
const struct scrub_policy *ticket_policy(struct ticket_ctx *t,
    const struct envelope *env);

/* ticket_scrub_hook - the step `scrubgate scrub` runs after a message was
 * scrubbed (gateway/scrubcmd.c).  Only when the config file has a [store]
 * section (c->store.line), and not after --no-store: opens the store of c
 * on first use (closed at exit), takes the recipients from the To header,
 * runs ticket_apply on res->out (filled from in when res->changed was 0;
 * res->changed is then set).  An auto-reply to drop is still written: an
 * offline conversion loses no message.  Returns 0, or a sysexits code
 * with err filled.  ticket_scrub_disable() (scrub --no-store) turns it
 * off. */
int ticket_scrub_hook(const struct config *c, const char *in, size_t len,
    struct scrub_result *res, char *err, size_t errlen);
void ticket_scrub_disable(void);

/* ticket_open_routes - the routing part alone, no store opened (route
 * --explain, check-config, a door without [store]); ticket_apply and
 * ticket_delivered then do nothing.  ticket_explain - why a message takes
 * its route (route.h: struct route_why).  ticket_routes_compile - the
 * route table of c and the specs it borrows (free both). */
struct route_why;
struct route_spec;
struct rule_spec;
struct route_table;
struct ticket_ctx *ticket_open_routes(const struct config *c, char *err,
    size_t errlen);
int ticket_explain(struct ticket_ctx *t, const struct envelope *env,
    const char *msg, size_t len, struct route_why *why);
/* ticket_store_open - the store of c alone (the tickets tools): with
 * create 0 a missing database or key file is an error, never made */
struct store *ticket_store_open(const struct config *c, int create,
    char *err, size_t errlen);
struct route_table *ticket_routes_compile(const struct config *c,
    struct route_spec **rs_r, struct rule_spec **us_r, char *err,
    size_t errlen);

#endif
