/* stub_scrub - a stand-in for filters/scrub.c, for gateway tests built with
 * -DSCRUBGATE_STUB_SCRUB while the real scrub core is not linkable.
 *
 * Behaviour keyed on the message text: "X-Stub: crash" aborts, "X-Stub:
 * hang" sleeps forever, more "multipart/" than max_depth is ERR_NESTING,
 * "alice@example.com" is redacted to [EMAIL].  Custom and allow regexes are
 * compiled with PCRE2 so config errors behave like the real thing.
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "scrub.h"

struct scrub_policy {
	const struct policy_spec *spec;
};

/* stub_regex_ok - does one pattern compile */
static int
stub_regex_ok(const char *re)
{
	int ec;
	PCRE2_SIZE off;
	pcre2_code *c = pcre2_compile((PCRE2_SPTR)re, PCRE2_ZERO_TERMINATED,
	    PCRE2_UTF, &ec, &off, NULL);

	if (c == NULL)
		return 0;
	pcre2_code_free(c);
	return 1;
}

struct scrub_policy *
scrub_policy_create(const struct policy_spec *spec, const char **error_r)
{
	struct scrub_policy *p;

	for (size_t i = 0; i < spec->ncustom; i++)
		if (!stub_regex_ok(spec->custom[i].regex)) {
			*error_r = "custom pattern does not compile";
			return NULL;
		}
	for (size_t i = 0; i < spec->nallow_patterns; i++)
		if (!stub_regex_ok(spec->allow_patterns[i])) {
			*error_r = "allow pattern does not compile";
			return NULL;
		}
	if ((p = calloc(1, sizeof(*p))) == NULL) {
		*error_r = "out of memory";
		return NULL;
	}
	p->spec = spec;
	return p;
}

void
scrub_policy_destroy(struct scrub_policy **p)
{
	free(*p);
	*p = NULL;
}

const struct policy_spec *
scrub_policy_spec(const struct scrub_policy *p)
{
	return p->spec;
}

void
scrub_result_init(struct scrub_result *r)
{
	memset(r, 0, sizeof(*r));
	buf_init(&r->out, 0);
	buf_init(&r->explain, 0);
}

void
scrub_result_free(struct scrub_result *r)
{
	buf_free(&r->out);
	buf_free(&r->explain);
}

/* stub_count - occurrences of needle in [in, in + len) */
static unsigned
stub_count(const char *in, size_t len, const char *needle)
{
	size_t n = strlen(needle);
	unsigned c = 0;

	for (const char *p = in; (p = memmem(p, len - (size_t)(p - in), needle, n));
	    p += n)
		c++;
	return c;
}

int
scrub_message(const struct scrub_policy *p, const char *in, size_t len,
    int flags, struct scrub_result *res)
{
	const char *needle = "alice@example.com", *q = in, *hit, *mid;
	size_t nl = strlen(needle);

	if (memmem(in, len, "X-Stub: crash", 13))
		abort();
	if (memmem(in, len, "X-Stub: hang", 12))
		for (;;)
			pause();
	if (stub_count(in, len, "multipart/") > p->spec->limits.max_depth) {
		res->err = ERR_NESTING;
		strcpy(res->err_detail, "part 1.1: nesting");
		return -1;
	}
	if ((mid = memmem(in, len, "Message-ID: ", 12)) != NULL) {
		size_t n = strcspn(mid + 12, "\r\n");

		memcpy(res->message_id, mid + 12, n < 255 ? n : 255);
	}
	while ((hit = memmem(q, len - (size_t)(q - in), needle, nl)) != NULL) {
		buf_append(&res->out, q, (size_t)(hit - q));
		buf_puts(&res->out, "[EMAIL]");
		res->counts[KIND_EMAIL]++;
		res->changed = 1;
		if (flags & SCRUB_EXPLAIN)
			buf_printf(&res->explain, "  part 1: email at %zu: a***m\n",
			    (size_t)(hit - in));
		q = hit + nl;
	}
	buf_append(&res->out, q, len - (size_t)(q - in));
	return 0;
}
