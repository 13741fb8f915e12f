/* fuzz_smtp - libFuzzer target for the SMTP session state machine.
 *
 * The input is a client's side of a conversation (commands and data as
 * bytes, no socket).  The first byte picks the options (trusted peer,
 * STARTTLS offered, reply to messages with 250 or 451) and a read size;
 * the rest is fed once whole and once in reads of that size.  Checked:
 *   - no crash, no leak, no sanitizer report;
 *   - every message handed up has only CRLF line endings (no bare CR or
 *     LF: the smuggling invariant) and fits the size limit;
 *   - without STARTTLS (which discards the rest of a read on purpose)
 *     both feedings give the same replies and the same messages;
 *   - every byte charged to the memory budget ([server] max_buffered)
 *     is given back when the session ends.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "smtp_session.h"

static char *mailboxes[] = { "support@example.com", "example.org" };
static struct route_cfg routes[] = {
	{ .name = "r", .mailboxes = mailboxes, .nmailboxes = 2 },
};

struct outcome {
	uint64_t hash;		/* FNV-1a over replies and messages */
	unsigned messages;
};

/* fnv - mix bytes into h */
static uint64_t
fnv(uint64_t h, const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)p[i]) * 0x100000001b3ULL;
	return h;
}

/* check_message - CRLF only, within the limit */
static void
check_message(const struct buf *d, size_t max)
{
	if (d->len > max)
		abort();
	for (size_t i = 0; i < d->len; i++) {
		if (d->p[i] == '\n' && (i == 0 || d->p[i - 1] != '\r'))
			abort();
		if (d->p[i] == '\r' && (i + 1 == d->len || d->p[i + 1] != '\n'))
			abort();
	}
}

/* pump - process like the daemon does */
static int
pump(struct smtp_session *s, struct outcome *o, int fail)
{
	enum smtp_event ev;
	const char *p;
	size_t n;

	while ((ev = smtp_session_process(s)) != SMTP_EV_NONE) {
		/* replies first, so the hash does not depend on when we look */
		p = smtp_session_output(s, &n);
		o->hash = fnv(o->hash, p, n);
		smtp_session_consumed(s, n);
		if (ev == SMTP_EV_CLOSE)
			break;
		if (ev == SMTP_EV_STARTTLS) {
			smtp_session_tls_started(s);
			continue;
		}
		check_message(smtp_session_data(s), 2048);
		o->hash = fnv(o->hash, smtp_session_data(s)->p ?
		    smtp_session_data(s)->p : "", smtp_session_data(s)->len);
		o->messages++;
		smtp_session_reply(s, fail ? "451 4.3.0 Error: try again" :
		    "250 2.0.0 Ok: queued as FUZZ");
	}
	p = smtp_session_output(s, &n);
	o->hash = fnv(o->hash, p, n);
	smtp_session_consumed(s, n);
	return ev == SMTP_EV_CLOSE;
}

/* run - one feeding; step 0: all at once */
static void
run(const struct smtp_params *prm, const uint8_t *d, size_t n, size_t step,
    int fail, struct outcome *o)
{
	struct smtp_params p = *prm;
	struct smtp_budget b = { .limit = 1 << 20 };
	struct smtp_session *s;

	p.budget = &b;
	s = smtp_session_create(&p, "192.0.2.1", NULL);
	memset(o, 0, sizeof(*o));
	o->hash = 0xcbf29ce484222325ULL;
	if (s == NULL)
		return;
	smtp_session_greet(s);
	for (size_t i = 0; i < n;) {
		size_t k = step == 0 || n - i < step ? n - i : step;

		if (smtp_session_feed(s, d + i, k) < 0)
			abort();	/* the fuzzer never outruns the buffer */
		i += k;
		if (pump(s, o, fail))
			break;
	}
	smtp_session_destroy(&s);
	if (b.used != 0)
		abort();	/* a charge of [server] max_buffered leaked */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct smtp_params prm = {
		.hostname = "mx.example.com", .line_max = 512,
		.max_commands = 200, .max_errors = 20, .max_rcpts = 4,
		.max_size = 2048, .routes = routes, .nroutes = 1,
	};
	struct outcome a, b;
	size_t step;
	int fail;

	if (size < 1 || size > 16384)
		return 0;
	prm.trusted = data[0] & 1;
	prm.tls_available = (data[0] >> 1) & 1;
	fail = (data[0] >> 2) & 1;
	step = 1 + (data[0] >> 3);
	run(&prm, data + 1, size - 1, 0, fail, &a);
	run(&prm, data + 1, size - 1, step, fail, &b);
	if (!prm.tls_available && (a.hash != b.hash ||
	    a.messages != b.messages))
		abort();	/* the read boundaries changed the protocol */
	return 0;
}
