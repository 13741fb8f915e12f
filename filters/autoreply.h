/* autoreply - is a message an auto-reply or bulk mail, which must never
 * open a ticket (RFC 3834), and small header helpers shared by the
 * ticket step.  Pure: reads a raw header block, no I/O.
 *
 * Classes, tried in this order:
 *   loop        X-Loop holds our loop id (a mail we sent came back)
 *   null-sender the envelope sender is <> (bounces, receipts)
 *   bounce      From or the sender is MAILER-DAEMON (or postmaster), or
 *               Content-Type is multipart/report
 *   auto-submitted  Auto-Submitted is anything but "no" (RFC 3834;
 *               "Auto-Submitted: no" is a human's mail)
 *   precedence  Precedence: bulk, junk or list
 *   suppress    X-Auto-Response-Suppress is present (Exchange marks its
 *               own automatic mail so)
 */
#ifndef SCRUBGATE_AUTOREPLY_H
#define SCRUBGATE_AUTOREPLY_H

#include <stddef.h>

#include "buf.h"

enum autoreply_class {
	AUTOREPLY_NONE,
	AUTOREPLY_LOOP,
	AUTOREPLY_NULL_SENDER,
	AUTOREPLY_BOUNCE,
	AUTOREPLY_SUBMITTED,
	AUTOREPLY_PRECEDENCE,
	AUTOREPLY_SUPPRESS
};

/* autoreply_classify - msg (only its header is read), the envelope
 * sender (NULL: not known, e.g. an offline scrub), our X-Loop id (NULL or
 * "": no loop check) */
enum autoreply_class autoreply_classify(const char *msg, size_t len,
    const char *sender, const char *loop_id);
/* autoreply_name - "auto-submitted", ...; NULL for AUTOREPLY_NONE */
const char *autoreply_name(enum autoreply_class c);

/* autoreply_header - the raw value of the nth (0: first) field named
 * name (case-insensitive) in msg's header, unfolded (line breaks
 * removed) and trimmed, into out (reset first); 1 found, 0 not, -1 the
 * value exceeds out's cap */
int autoreply_header(const char *msg, size_t len, const char *name,
    size_t nth, struct buf *out);

/* autoreply_addr_next - the next address of an address-list value from
 * *pos on: the part in <...>, else a bare word holding '@'; quoted
 * strings and comments are skipped.  Copies it (at most n - 1 bytes,
 * NUL-terminated) to out; 1 found, 0 at the end */
int autoreply_addr_next(const char *v, size_t len, size_t *pos, char *out,
    size_t n);

/* autoreply_msgid_next - the next <...> id of an In-Reply-To or
 * References value, as autoreply_addr_next (angle brackets removed) */
int autoreply_msgid_next(const char *v, size_t len, size_t *pos, char *out,
    size_t n);

#endif
