/* test_recognize_settle - scrubbing scrubbed text changes nothing.
 *
 * Each row is a text whose first scrub used to differ from its second
 * (a value glued to a neighbour that got redacted, a cluster cut short by
 * a label, a second value hidden behind a first), found by review or by
 * tests/fuzz/fuzz_scrub.c.  The first scrub must give the expected text,
 * and a scan of that output must find nothing, with plain labels and with
 * pseudonyms.
 */
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "recognize.h"
#include "redact.h"

struct row {
	const char *text;
	const char *want;	/* after one scrub with "[LABEL]" */
};

static const struct row rows[] = {
	/* the phone number loses its last group to the address */
	{ "+46 70 123 45 67a@b.se", "[PHONE] [EMAIL]" },
	{ "call +46 70 123 4567a@b.se now", "call [PHONE] [EMAIL] now" },
	/* once the first address is a label the bracket opens a new cluster */
	{ "Received: from 202.181.96.103 (202.181.-6.103)",
	  "Received: from [IPV4] (202.181.-6.103)" },
	/* the IBAN pattern ran on into the second one */
	{ "IBAN DE89 3704 0044 0532 0130 00 DE89 3704 0044 0532 0130 00 ok",
	  "IBAN [IBAN] [IBAN] ok" },
	{ "GB82 WEST 1234 5698 7654 32 GB82 WEST 1234 5698 7654 32",
	  "[IBAN] [IBAN]" },
	/* a sentence's full stop is no phone separator: the date after it was
	 * taken for the number's tail and its head leaked */
	{ "Please contact me at +46 70 867 04 34. 2024-03-15 15:50:43,669 ERROR",
	  "Please contact me at [PHONE]. 2024-03-15 15:50:43,669 ERROR" },
	{ "My number is 070-691 42 03. 2024-03-15 15:50:43 done",
	  "My number is [PHONE]. 2024-03-15 15:50:43 done" },
	/* the curly apostrophe: nothing of the local part stays */
	{ "Write to o\xe2\x80\x99" "brien@example.com today",
	  "Write to [EMAIL] today" },
	/* a key of a log line stays, the address goes */
	{ "imap-login: Login: user=bob@example.com, rip=10.1.2.3",
	  "imap-login: Login: user=[EMAIL], rip=[IPV4]" },
	/* both ends of a range */
	{ "allow 192.168.1.1-192.168.1.254;", "allow [IPV4]-[IPV4];" },
};

static struct recognizer *
make(struct policy_spec *s, int pseudonym)
{
	const char *err;

	policy_spec_defaults(s);
	if (pseudonym) {
		s->strategy = STRATEGY_PSEUDONYM;
		memcpy(s->key, "k", 1);
		s->keylen = 1;
	}
	return recognizer_create(s, &err);
}

/* scrub - one scan and redaction of t into out */
static int
scrub(const struct policy_spec *s, const struct recognizer *r, const char *t,
    size_t len, struct buf *out, size_t *nfound)
{
	struct findings f;
	enum scrub_err e;
	int rc;

	findings_init(&f);
	rc = recognizer_scan(r, t, len, NULL, &f, &e);
	if (rc == 0)
		rc = redact_apply(s, t, len, &f, out, NULL);
	*nfound = f.n;
	findings_free(&f);
	return rc;
}

static void
test_rows(int pseudonym)
{
	struct policy_spec s;
	struct recognizer *r = make(&s, pseudonym);

	CHECK(r != NULL);
	for (size_t i = 0; r && i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct buf once, twice;
		size_t n1, n2;

		buf_init(&once, 0);
		buf_init(&twice, 0);
		CHECK(scrub(&s, r, rows[i].text, strlen(rows[i].text), &once, &n1) == 0);
		if (!pseudonym)
			CHECK_MSG(once.len == strlen(rows[i].want) &&
			    memcmp(once.p, rows[i].want, once.len) == 0,
			    "\"%s\": got \"%.*s\", want \"%s\"", rows[i].text,
			    (int)once.len, once.p, rows[i].want);
		CHECK(scrub(&s, r, once.p, once.len, &twice, &n2) == 0);
		CHECK_MSG(n2 == 0 && twice.len == once.len &&
		    memcmp(twice.p, once.p, once.len) == 0,
		    "%s: \"%s\" -> \"%.*s\" -> \"%.*s\"", pseudonym ? "pseudonym" : "mask",
		    rows[i].text, (int)once.len, once.p, (int)twice.len, twice.p);
		buf_free(&once);
		buf_free(&twice);
	}
	recognizer_destroy(&r);
	policy_spec_free(&s);
}

/* a chain: every label lets the next value through, which the rounds of
 * the settle loop must follow to the end */
static void
test_many(void)
{
	struct policy_spec s;
	struct recognizer *r = make(&s, 0);
	struct buf text, once, twice;
	size_t n1, n2;

	buf_init(&text, 0);
	buf_init(&once, 0);
	buf_init(&twice, 0);
	for (int i = 0; i < 200; i++)
		buf_printf(&text, "+46 70 123 45 6%da@b.se 1.2.3.4 (1.2.-3.4) ", i % 10);
	CHECK(scrub(&s, r, text.p, text.len, &once, &n1) == 0);
	CHECK_MSG(n1 == 600, "%zu findings", n1);
	CHECK(scrub(&s, r, once.p, once.len, &twice, &n2) == 0);
	CHECK_MSG(n2 == 0, "rescan found %zu", n2);
	buf_free(&text);
	buf_free(&once);
	buf_free(&twice);
	recognizer_destroy(&r);
	policy_spec_free(&s);
}

int
main(void)
{
	test_rows(0);
	test_rows(1);
	test_many();
	return harness_done();
}
