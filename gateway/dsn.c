/* dsn - RFC 3464 delivery status notifications; see dsn.h. */
#include "dsn.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#define DSN_HEADER_MAX (256u * 1024)	/* returned header, at most */

/* dsn_status - "5.1.1" from "550 5.1.1 text", else "5.0.0" */
const char *
dsn_status(int code, const char *reply, char *buf)
{
	const char *p = reply;
	unsigned a, b, c;
	int n = 0;

	if (p != NULL && strlen(p) > 4 && isdigit((unsigned char)p[0]))
		p += 4;
	if (p != NULL && sscanf(p, "%1u.%3u.%3u%n", &a, &b, &c, &n) == 3 &&
	    (a == 2 || a == 4 || a == 5) && (p[n] == '\0' || p[n] == ' '))
		snprintf(buf, 16, "%u.%u.%u", a, b, c);
	else
		snprintf(buf, 16, "%d.0.0", code / 100 == 2 || code / 100 == 4 ?
		    code / 100 : 5);
	return buf;
}

/* rfc5322_date - "Mon, 23 Nov 2026 15:47:37 +0000" */
static void
rfc5322_date(time_t t, char *buf, size_t size)
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, size, "%a, %d %b %Y %H:%M:%S +0000", &tm);
}

/* header_len - length of the message's header block (up to the empty
 * line), bounded */
static size_t
header_len(const char *m, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (m[i] == '\n' && (i + 1 == len || m[i + 1] == '\n' ||
		    (m[i + 1] == '\r' && i + 2 < len && m[i + 2] == '\n')))
			return i + 1 > DSN_HEADER_MAX ? DSN_HEADER_MAX : i + 1;
	return len > DSN_HEADER_MAX ? DSN_HEADER_MAX : len;
}

/* put_crlf - text with every line ending made CRLF */
static int
put_crlf(struct buf *out, const char *p, size_t n)
{
	int rc = 0;

	for (size_t i = 0; i < n; i++) {
		if (p[i] == '\r' && i + 1 < n && p[i + 1] == '\n')
			continue;
		if (p[i] == '\n' || p[i] == '\r')
			rc |= buf_append(out, "\r\n", 2);
		else
			rc |= buf_putc(out, p[i]);
	}
	if (n > 0 && p[n - 1] != '\n' && p[n - 1] != '\r')
		rc |= buf_append(out, "\r\n", 2);
	return rc;
}

/* put_clean - a one-line value: control bytes become '?' */
static int
put_clean(struct buf *out, const char *s)
{
	int rc = 0;

	for (; s != NULL && *s; s++)
		rc |= buf_putc(out, ((unsigned char)*s < 0x20 || *s == 0x7f) ?
		    '?' : *s);
	return rc;
}

/* put_headers - the top-level header of the DSN */
static int
put_headers(const struct dsn_info *in, const char *boundary, struct buf *o)
{
	char date[64];
	int rc;

	rfc5322_date(in->now, date, sizeof(date));
	rc = buf_printf(o, "From: Mail Delivery System <MAILER-DAEMON@%s>\r\n"
	    "To: <", in->mta);
	rc |= put_clean(o, in->sender);
	rc |= buf_printf(o, ">\r\nSubject: Undelivered Mail Returned to "
	    "Sender\r\nDate: %s\r\nMessage-ID: <%s.%lld.dsn@%s>\r\n"
	    "Auto-Submitted: auto-replied\r\nMIME-Version: 1.0\r\n"
	    "Content-Type: multipart/report; report-type=delivery-status;\r\n"
	    "\tboundary=\"%s\"\r\n\r\n"
	    "This is a MIME-encapsulated message.\r\n\r\n", date,
	    in->queue_id, (long long)in->now, in->mta, boundary);
	return rc;
}

/* put_notice - the human-readable part */
static int
put_notice(const struct dsn_info *in, const struct dsn_rcpt *r, size_t n,
    const char *boundary, struct buf *o)
{
	int rc = buf_printf(o, "--%s\r\nContent-Description: Notification\r\n"
	    "Content-Type: text/plain; charset=us-ascii\r\n\r\n"
	    "This is the mail system at host %s.\r\n\r\n"
	    "Your message could not be delivered to one or more recipients.\r\n"
	    "It was kept for a while and then given up; the reason for each\r\n"
	    "recipient is below.\r\n\r\n", boundary, in->mta);

	for (size_t i = 0; i < n; i++) {
		rc |= buf_puts(o, "<");
		rc |= put_clean(o, r[i].addr);
		rc |= buf_puts(o, ">: ");
		rc |= put_clean(o, r[i].reply);
		rc |= buf_puts(o, "\r\n");
	}
	return rc | buf_puts(o, "\r\n");
}

/* put_status - the message/delivery-status part */
static int
put_status(const struct dsn_info *in, const struct dsn_rcpt *r, size_t n,
    const char *boundary, struct buf *o)
{
	char date[64], st[16];
	int rc;

	rfc5322_date(in->arrival, date, sizeof(date));
	rc = buf_printf(o, "--%s\r\nContent-Description: Delivery report\r\n"
	    "Content-Type: message/delivery-status\r\n\r\n"
	    "Reporting-MTA: dns; %s\r\nX-Scrubgate-Queue-ID: %s\r\n"
	    "Arrival-Date: %s\r\n", boundary, in->mta, in->queue_id, date);
	for (size_t i = 0; i < n; i++) {
		rc |= buf_puts(o, "\r\nFinal-Recipient: rfc822; ");
		rc |= put_clean(o, r[i].addr);
		rc |= buf_printf(o, "\r\nAction: failed\r\nStatus: %s\r\n",
		    dsn_status(r[i].code, r[i].reply, st));
		if (in->remote_mta != NULL && *in->remote_mta) {
			rc |= buf_puts(o, "Remote-MTA: dns; ");
			rc |= put_clean(o, in->remote_mta);
			rc |= buf_puts(o, "\r\n");
		}
		rc |= buf_puts(o, "Diagnostic-Code: smtp; ");
		rc |= put_clean(o, r[i].reply);
		rc |= buf_puts(o, "\r\n");
	}
	return rc | buf_puts(o, "\r\n");
}

/* dsn_build - the whole DSN */
int
dsn_build(const struct dsn_info *in, const struct dsn_rcpt *r, size_t n,
    const char *orig, size_t origlen, struct buf *out)
{
	char boundary[128];
	int rc;

	if (in->sender == NULL || in->sender[0] == '\0' || n == 0)
		return -1;	/* never bounce a bounce */
	snprintf(boundary, sizeof(boundary), "%s.%lld/%s", in->queue_id,
	    (long long)in->now, in->mta);
	rc = put_headers(in, boundary, out);
	rc |= put_notice(in, r, n, boundary, out);
	rc |= put_status(in, r, n, boundary, out);
	rc |= buf_printf(out, "--%s\r\nContent-Description: Undelivered "
	    "Message Headers\r\nContent-Type: text/rfc822-headers\r\n\r\n",
	    boundary);
	rc |= put_crlf(out, orig, header_len(orig, origlen));
	rc |= buf_printf(out, "\r\n--%s--\r\n", boundary);
	return rc ? -1 : 0;
}
