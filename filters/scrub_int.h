/* scrub_int - state shared by the parts of the scrub walk (scrub.c,
 * scrub_headers.c, scrub_leaf.c); not for use outside filters/scrub*.c.
 *
 * Offsets are into the message being scrubbed (in[0..len)); c->in is
 * borrowed from the caller for the whole walk, and the libetpan tree
 * borrows it too.
 */
#ifndef SCRUBGATE_SCRUB_INT_H
#define SCRUBGATE_SCRUB_INT_H

#include <stddef.h>

#include "buf.h"
#include "edits.h"
#include "recognize.h"
#include "scrub.h"

struct mailmime;

struct scrub_policy {
	const struct policy_spec *spec;
	struct recognizer *rec;		/* compiled once, shared read-only */
};

struct scrub_ctx {
	const struct scrub_policy *p;
	const char *in;			/* borrowed: the raw message */
	size_t len;
	int flags;
	struct scrub_result *res;
	const char *eol;		/* the message's line ending */
	unsigned nparts;
	char path[128];			/* IMAP-style part number: "2.1" */
	char wherebuf[320];
	const char *where;		/* "part 2.1 (text/plain)", "header Subject" */
	struct entities ents;		/* known entities from the headers */
	struct entities keep;		/* the requester's and the helpdesk's
					 * names and addresses: never hunted */
	struct findings findings;	/* scratch for scrub_scan_text */
	struct edits text_edits;	/* scratch: edits of one text */
	struct edits splices;		/* global edits of in[] */
	size_t name_edits;		/* splices from here on: scrub_names's
					 * of the part being walked */
	/* header blocks that a non-field line ended (no empty line): when
	 * the message changes, an empty line is inserted there, so that a
	 * re-encoded body can never read back as header fields */
	size_t seps[8];
	unsigned nseps;
	/* a message header holds an encoded word that is not closed in its
	 * field: libetpan reads on to the next "?=", which a rewrite of the
	 * body may put there; such a message may not change */
	int dangling;
	/* a last header field, unterminated, that libetpan left to the body
	 * (8-bit bytes): other readers take it as a field, and a rewrite of
	 * it (a re-encoded body) could make libetpan take it too; the bytes
	 * from here on may not change.  0: none */
	size_t pinned;
	struct buf rep;			/* scratch: one replacement */
};

/* the first error wins; always returns -1 */
int scrub_fail(struct scrub_ctx *c, enum scrub_err e, const char *where);
/* text_redact_fn over the recognizer and the redaction strategy */
int scrub_scan_text(void *vctx, const char *text, size_t len,
    struct edits *out);
/* scrub_scan_text, a finding that starts before cut ending there at most */
int scrub_scan_cut(struct scrub_ctx *c, const char *text, size_t len,
    size_t cut, struct edits *out);
/* add a global splice: in[start..end) becomes rep */
int scrub_edit(struct scrub_ctx *c, size_t start, size_t end, const char *rep,
    size_t rep_len);

/* scrub_learn_entities - the known entities of the header block
 * in[hs..he) added to c->ents (and, top: the protected people to c->keep);
 * called for every block before any is scrubbed.  A block that does not
 * split is left to scrub_headers to report. */
void scrub_learn_entities(struct scrub_ctx *c, size_t hs, size_t he, int top);
/* scrub_headers - the header block in[hs..he): Cc/Bcc filtered, free-text
 * fields redacted.  top: the outermost message, whose address fields are
 * kept for the helpdesk. */
int scrub_headers(struct scrub_ctx *c, size_t hs, size_t he, int top);
/* scrub_set_content - rewrite the Content-* fields of the header block
 * in[hs..he): charset param, transfer encoding, or a whole new type;
 * missing fields are added at the end of the block */
int scrub_set_content(struct scrub_ctx *c, size_t hs, size_t he,
    const char *charset, const char *cte, const char *new_type,
    int drop_disposition, int message_block);

/* scrub_part_name - the file name of the part whose Content-* fields are
 * in in[hs..he), as it came: Content-Disposition's filename, else
 * Content-Type's name, RFC 2231 and encoded words decoded, into out.
 * 1 found, 0 none, -1 failed. */
int scrub_part_name(struct scrub_ctx *c, size_t hs, size_t he,
    struct buf *out);
/* scrub_names - the file names of the part whose Content-* fields are in
 * in[hs..he) (name= of Content-Type, filename= of Content-Disposition,
 * RFC 2231 and encoded words included) redacted, extensions kept; call
 * after the attachment policy has read them.  A later scrub_set_content
 * on the same block builds on these edits. */
int scrub_names(struct scrub_ctx *c, size_t hs, size_t he);

/* scrub_leaf - one single part; its Content-* fields are in in[hs..he) */
int scrub_leaf(struct scrub_ctx *c, struct mailmime *m, size_t hs, size_t he);

/* pre-screen helpers for one raw header line */
int scrub_ct_line_is_structural(const char *line, size_t len);
int scrub_line_has_bad_boundary(const char *line, size_t len);

#endif
