/* errors - why a message could not be scrubbed.
 *
 * One table serves the scrub report, the SMTP reply (code and enhanced
 * status), the pipe filter's exit text and the log line alike.
 * Permanent errors are the message's fault; temporary ones (ERR_NOMEM,
 * ERR_TIMEOUT, ERR_WORKER) may go away on a retry.
 */
#ifndef SCRUBGATE_ERRORS_H
#define SCRUBGATE_ERRORS_H

enum scrub_err {
	ERR_OK = 0,
	ERR_PARSE,		/* libetpan could not parse the message */
	ERR_NESTING,		/* MIME nesting deeper than limits.max_depth */
	ERR_PARTS,		/* more MIME parts than limits.max_parts */
	ERR_HEADER_SIZE,	/* a header block larger than limits.max_header_size */
	ERR_LINE_LENGTH,	/* a line longer than limits.max_line_length */
	ERR_MESSAGE_SIZE,	/* message larger than limits.max_message_size */
	ERR_DECODED_SIZE,	/* a decoded part larger than limits.max_decoded_size */
	ERR_MATCH_LIMIT,	/* PCRE2 match, depth or heap limit hit */
	ERR_CHARSET,		/* text in a charset that cannot be converted */
	ERR_ENCODING,		/* a transfer encoding that cannot be undone */
	ERR_ATTACHMENT,		/* an attachment whose policy is reject */
	ERR_BAD_BOUNDARY,	/* a degenerate multipart boundary */
	ERR_NOMEM,		/* out of memory (temporary) */
	ERR_TIMEOUT,		/* scrub took longer than limits.scrub_timeout (temporary) */
	ERR_WORKER,		/* the scrub worker process died (temporary) */
	ERR_COUNT
};

struct scrub_err_info {
	const char *name;	/* short token for reports: "nesting" */
	int smtp_code;		/* 554 or 451 */
	const char *status;	/* enhanced status code: "5.6.0" */
	const char *text;	/* one line, no personal data */
	int temporary;
};

const struct scrub_err_info *scrub_err_info(enum scrub_err e);

#endif
