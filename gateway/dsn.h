/* dsn - delivery status notifications (RFC 3464) for failed recipients.
 *
 * dsn_build writes a whole message: a multipart/report
 * (report-type=delivery-status) with a short text/plain explanation, a
 * message/delivery-status part (per-message fields, then one block per
 * failed recipient: Final-Recipient, Action: failed, Status, Remote-MTA,
 * Diagnostic-Code) and the header of the returned message as
 * text/rfc822-headers (not its body: it is already scrubbed, but a
 * bounce need not carry it twice).  Lines end in CRLF.
 *
 * Never bounce a bounce: dsn_build refuses a null sender ("") - the
 * caller logs and drops the notification instead.
 */
#ifndef SCRUBGATE_DSN_H
#define SCRUBGATE_DSN_H

#include <stddef.h>
#include <time.h>

#include "buf.h"

struct dsn_info {
	const char *queue_id;	/* of the failed message */
	const char *sender;	/* who gets the DSN; "" refused */
	const char *mta;	/* our name: Reporting-MTA, From domain */
	const char *remote_mta;	/* the next hop, or NULL */
	time_t arrival;
	time_t now;
};

struct dsn_rcpt {
	const char *addr;	/* the failed recipient */
	int code;		/* its last reply code */
	const char *reply;	/* its last reply line (or our reason) */
};

/* dsn_build - the DSN into out; -1 for a null sender, no recipient or
 * out of memory */
int dsn_build(const struct dsn_info *info, const struct dsn_rcpt *r,
    size_t n, const char *orig, size_t origlen, struct buf *out);

/* dsn_status - the enhanced status code "5.1.1" of a reply line, or
 * "C.0.0" from its code; buf of at least 16 bytes */
const char *dsn_status(int code, const char *reply, char *buf);

#endif
