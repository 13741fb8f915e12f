/* scrub - the one entry point every door in calls.
 *
 * scrub_message takes the raw bytes of one RFC 5322 message and a compiled
 * policy and returns the scrubbed bytes plus what was done.  It walks the
 * whole MIME tree (libetpan), message/rfc822 parts included, redacts
 * headers, text bodies, HTML and text attachments, strips Cc/Bcc addresses
 * not on the allow-list, applies the attachment policy, and splices: every
 * byte range it did not change is copied verbatim.  It does no I/O.
 *
 * A message it cannot scrub within the policy's limits yields -1 and an
 * error code; the caller must then not pass the message on (fail closed).
 */
#ifndef SCRUBGATE_SCRUB_H
#define SCRUBGATE_SCRUB_H

#include <stddef.h>

#include "buf.h"
#include "errors.h"
#include "policy.h"

struct scrub_policy;

/* compile the spec (patterns, allow-lists); the spec must outlive the
 * policy.  NULL and *error_r (static text) on failure. */
struct scrub_policy *scrub_policy_create(const struct policy_spec *spec,
    const char **error_r);
void scrub_policy_destroy(struct scrub_policy **p);
const struct policy_spec *scrub_policy_spec(const struct scrub_policy *p);

struct scrub_result {
	struct buf out;			/* the scrubbed message */
	int changed;			/* out differs from the input */
	unsigned counts[KIND_MAX];	/* findings redacted, per kind */
	unsigned stripped_recipients;	/* Cc/Bcc addresses removed */
	unsigned attachments_dropped;
	enum scrub_err err;		/* ERR_OK on success */
	char err_detail[160];		/* where: "part 1.2: charset", no personal data */
	char message_id[256];		/* as in the header, empty if none */
	struct buf explain;		/* --explain lines, when asked for */
};

void scrub_result_init(struct scrub_result *r);
void scrub_result_free(struct scrub_result *r);

#define SCRUB_EXPLAIN 0x1	/* fill result.explain */

/* scrub_message - 0 with res->out holding the clean message, or -1 with
 * res->err set (res->out is then empty). */
int scrub_message(const struct scrub_policy *p, const char *in, size_t len,
    int flags, struct scrub_result *res);

#endif
