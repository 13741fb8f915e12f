/* errors - the scrub error table (see errors.h). */
#include "errors.h"

static const struct scrub_err_info err_table[ERR_COUNT] = {
	[ERR_OK] = { "ok", 250, "2.0.0", "scrubbed", 0 },
	[ERR_PARSE] = { "parse", 554, "5.6.0", "message cannot be parsed", 0 },
	[ERR_NESTING] = { "nesting", 554, "5.6.0", "MIME nesting exceeds safety limit", 0 },
	[ERR_PARTS] = { "parts", 554, "5.6.0", "too many MIME parts", 0 },
	[ERR_HEADER_SIZE] = { "header-size", 554, "5.6.0", "header block exceeds size limit", 0 },
	[ERR_LINE_LENGTH] = { "line-length", 554, "5.6.0", "line exceeds length limit", 0 },
	[ERR_MESSAGE_SIZE] = { "message-size", 552, "5.3.4", "message exceeds size limit", 0 },
	[ERR_DECODED_SIZE] = { "decoded-size", 554, "5.6.0", "decoded part exceeds size limit", 0 },
	[ERR_MATCH_LIMIT] = { "match-limit", 554, "5.6.0", "pattern match limit exceeded", 0 },
	[ERR_CHARSET] = { "charset", 554, "5.6.0", "text in an unconvertible charset", 0 },
	[ERR_ENCODING] = { "encoding", 554, "5.6.0", "invalid content transfer encoding", 0 },
	[ERR_ATTACHMENT] = { "attachment", 554, "5.7.1", "attachment type refused by policy", 0 },
	[ERR_BAD_BOUNDARY] = { "boundary", 554, "5.6.0", "invalid multipart boundary", 0 },
	[ERR_NOMEM] = { "nomem", 451, "4.3.0", "out of memory while scrubbing", 1 },
	[ERR_TIMEOUT] = { "timeout", 451, "4.3.0", "scrub time budget exceeded", 1 },
	[ERR_WORKER] = { "worker", 451, "4.3.0", "scrub worker failed", 1 },
};

const struct scrub_err_info *
scrub_err_info(enum scrub_err e)
{
	if ((unsigned)e >= ERR_COUNT)
		e = ERR_PARSE;
	return &err_table[e];
}
