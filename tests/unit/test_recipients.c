/* test_recipients - the Cc/Bcc policy: allow-list rows, and header values
 * of many real-world shapes filtered with the kept bytes unchanged. */
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "recipients.h"

static char *allow_ok[] = { "ok.com", "@at.org", "boss@corp.com", ".sub.net",
	"m\xc3\xbcller.de", "Team@Example.COM" };

static struct policy_spec spec;

/* set_allow - use the allow-list above, or an empty one */
static void
set_allow(int on)
{
	spec.cc_allow = on ? allow_ok : NULL;
	spec.ncc_allow = on ? sizeof allow_ok / sizeof allow_ok[0] : 0;
}

static const struct {
	const char *addr;
	int allowed;
} allowed_rows[] = {
	{ "a@ok.com", 1 },
	{ "A@OK.COM", 1 },
	{ "<a@ok.com>", 1 },
	{ " <a@ok.com> ", 1 },
	{ "a@x.ok.com", 0 },		/* domain entry: no subdomains */
	{ "a@notok.com", 0 },
	{ "a@ok.com.evil", 0 },
	{ "a@at.org", 1 },		/* "@at.org" */
	{ "a@b.at.org", 0 },
	{ "boss@corp.com", 1 },
	{ "BOSS@Corp.Com", 1 },
	{ "other@corp.com", 0 },	/* address entry only */
	{ "a@x.sub.net", 1 },		/* ".sub.net": any subdomain */
	{ "a@y.x.sub.net", 1 },
	{ "a@sub.net", 0 },		/* but not the domain itself */
	{ "a@xsub.net", 0 },
	{ "j\xc3\xb6rg@m\xc3\xbcller.de", 1 },	/* UTF-8 domain, exact bytes */
	{ "a@M\xc3\xbcLLER.de", 1 },
	{ "a@xn--mller-kva.de", 0 },	/* punycode is not mapped */
	{ "team@example.com", 1 },
	{ "\"a@b\"@ok.com", 1 },	/* '@' inside a quoted local part */
	{ "a@b@ok.com", 0 },
	{ "a@xb@ok.com", 0 },
	{ "@ok.com", 0 },
	{ "ok.com", 0 },
	{ "a@", 0 },
	{ "<>", 0 },
	{ "", 0 },
	{ "<a@ok.com", 0 },
	{ "a@ok.com>", 0 },
	{ "<<a@ok.com>>", 0 },
};

/* test_allowed - the allow-list rows, and an empty list allowing nothing */
static void
test_allowed(void)
{
	for (size_t i = 0; i < sizeof allowed_rows / sizeof allowed_rows[0]; i++) {
		const char *a = allowed_rows[i].addr;

		set_allow(1);
		CHECK_MSG(recipients_allowed(&spec, a, strlen(a)) ==
		    allowed_rows[i].allowed, "row %zu: %s", i, a);
		set_allow(0);
		CHECK_MSG(recipients_allowed(&spec, a, strlen(a)) == 0,
		    "empty list, row %zu: %s", i, a);
	}
}

static const struct {
	const char *in;
	int allow;		/* use allow_ok */
	int rc;
	const char *out;
	unsigned removed, kept;
} filter_rows[] = {
	/* nothing allowed: everything goes */
	{ " a@x.com", 0, 0, "", 1, 0 },
	{ " a@x.com, b@y.com", 0, 0, "", 2, 0 },
	{ " \"Doe, John\" <j@x.com>", 0, 0, "", 1, 0 },
	/* keep one of several */
	{ " a@ok.com, b@y.com", 1, 0, " a@ok.com", 1, 1 },
	{ " b@y.com, a@ok.com", 1, 0, " a@ok.com", 1, 1 },
	{ " a@ok.com, b@y.com, c@ok.com", 1, 0, " a@ok.com, c@ok.com", 1, 2 },
	{ " a@ok.com,b@y.com,c@ok.com", 1, 0, " a@ok.com,c@ok.com", 1, 2 },
	{ " a@ok.com, c@ok.com", 1, 0, " a@ok.com, c@ok.com", 0, 2 },
	/* quoted names with commas and escapes, kept byte for byte */
	{ " \"Doe, John\" <j@ok.com>, \"Roe, Jane\" <r@x.com>", 1, 0,
	  " \"Doe, John\" <j@ok.com>", 1, 1 },
	{ " \"Roe, Jane\" <r@x.com>, \"Doe, \\\"JD\\\" John\" <j@ok.com>", 1, 0,
	  " \"Doe, \\\"JD\\\" John\" <j@ok.com>", 1, 1 },
	/* libetpan squeezes the blank out of this quoted local part: the
	 * address it reports is not in the text, so it is not kept */
	{ " \"a b\"@ok.com, x@ok.com", 1, 0, " x@ok.com", 1, 1 },
	{ " \"a,b\"@ok.com, x@y.com", 1, -1, NULL, 0, 0 },	/* libetpan stops at ',' */
	{ " \"a.b\"@ok.com, x@y.com", 1, 0, " \"a.b\"@ok.com", 1, 1 },
	/* comments, nested, with commas */
	{ " a@ok.com (Alice, (the) boss), b@y.com (Bob)", 1, 0,
	  " a@ok.com (Alice, (the) boss)", 1, 1 },
	{ " (Bob, B.) b@y.com, (A) a@ok.com", 1, 0, " (A) a@ok.com", 1, 1 },
	{ " a@ok.com, (nobody, really), c@ok.com", 1, 0, " a@ok.com, c@ok.com", 0, 2 },
	/* folded over lines, CRLF and LF */
	{ " a@ok.com,\r\n b@y.com,\r\n\tc@ok.com", 1, 0, " a@ok.com,\r\n\tc@ok.com", 1, 2 },
	{ " b@y.com,\r\n a@ok.com", 1, 0, " a@ok.com", 1, 1 },
	{ " a@ok.com,\n b@y.com", 1, 0, " a@ok.com", 1, 1 },
	{ "\r\n a@ok.com,\r\n b@y.com", 1, 0, "\r\n a@ok.com", 1, 1 },
	{ " \"Doe,\r\n John\" <j@ok.com>, x@y.com", 1, 0, " \"Doe,\r\n John\" <j@ok.com>", 1, 1 },
	{ " John\r\n <j@ok.com>, x@y.com", 1, 0, " John\r\n <j@ok.com>", 1, 1 },
	/* encoded words, including a broken one with a bare comma */
	{ " =?UTF-8?Q?Doe,_John?= <j@ok.com>, x@y.com", 1, 0,
	  " =?UTF-8?Q?Doe,_John?= <j@ok.com>", 1, 1 },
	{ " x@y.com, =?utf-8?B?SsO2cmc=?= <j@ok.com>", 1, 0,
	  " =?utf-8?B?SsO2cmc=?= <j@ok.com>", 1, 1 },
	{ " =?UTF-8?Q?Doe,_John?= <j@x.com>", 1, 0, "", 1, 0 },
	/* "=?" inside a word, or not ending one, is no encoded word: the
	 * comma splits (found by fuzzing: a re-joined list split otherwise) */
	{ " j@m=?u?q?m.sub.net,(x),?=I:;", 1, 0, " j@m=?u?q?m.sub.net,?=I:;", 0, 1 },
	{ " =?u?q?a,b?=c <j@ok.com>", 1, 0, " b?=c <j@ok.com>", 1, 1 },
	/* IDN / UTF-8 */
	{ " J\xc3\xb6rg <j\xc3\xb6rg@m\xc3\xbcller.de>, x@y.com", 1, 0,
	  " J\xc3\xb6rg <j\xc3\xb6rg@m\xc3\xbcller.de>", 1, 1 },
	{ " \xe7\x94\xb0\xe4\xb8\xad <t@\xe4\xbe\x8b.jp>", 1, 0, "", 1, 0 },
	/* duplicate, leading and trailing commas */
	{ " a@ok.com,, c@ok.com", 1, 0, " a@ok.com, c@ok.com", 0, 2 },
	{ " a@ok.com , , c@ok.com", 1, 0, " a@ok.com , c@ok.com", 0, 2 },
	{ " a@ok.com, b@y.com,", 1, 0, " a@ok.com", 1, 1 },
	{ " a@ok.com,", 1, 0, " a@ok.com", 0, 1 },
	{ " , a@ok.com", 1, 0, " a@ok.com", 0, 1 },
	{ " ,,", 1, 0, "", 0, 0 },
	{ "", 1, 0, "", 0, 0 },
	{ " a@ok.com ", 1, 0, " a@ok.com ", 0, 1 },
	/* groups */
	{ " Team: a@ok.com, b@y.com;", 1, 0, " Team: a@ok.com;", 1, 1 },
	{ " Team: b@y.com, a@ok.com;", 1, 0, " Team: a@ok.com;", 1, 1 },
	{ " Team: b@y.com, c@z.com;, a@ok.com", 1, 0, " a@ok.com", 2, 1 },
	{ " a@ok.com, Team: b@y.com;", 1, 0, " a@ok.com", 1, 1 },
	{ " a@ok.com, Team: b@y.com, c@ok.com ; (x), d@e.com", 1, 0,
	  " a@ok.com, Team: c@ok.com ; (x)", 2, 2 },
	{ " \"Team, A\": \"Doe, J\" <j@ok.com>,\r\n x@y.com;", 1, 0,
	  " \"Team, A\": \"Doe, J\" <j@ok.com>;", 1, 1 },
	{ " undisclosed-recipients:;", 1, 0, " undisclosed-recipients:;", 0, 0 },
	{ " undisclosed-recipients: ;", 0, 0, " undisclosed-recipients: ;", 0, 0 },
	{ " undisclosed-recipients:", 0, 0, " undisclosed-recipients:", 0, 0 },
	{ " a@ok.com, undisclosed-recipients:;", 1, 0,
	  " a@ok.com, undisclosed-recipients:;", 0, 1 },
	{ " Team: a@ok.com", 1, 0, " Team: a@ok.com", 0, 1 },	/* no ';' at the end */
	/* obsolete or ambiguous shapes */
	{ " a@x.com b@ok.com", 1, 0, "", 1, 0 },	/* missing comma */
	{ " a@x.com x.ok.com, b@ok.com", 1, 0, " b@ok.com", 1, 1 },
	/* comments inside an addr-spec: libetpan's parser gives up */
	{ " Pete(A \\) chap) <pete(his account)@ok.com(his host)>, b@ok.com", 1,
	  -1, NULL, 0, 0 },
	{ " =?utf-8?Q?Doe,_J_:)?= <j@ok.com>, x@y.com", 1, 0,
	  " =?utf-8?Q?Doe,_J_:)?= <j@ok.com>", 1, 1 },
	/* an unquoted '@' in a display name: libetpan takes it as a phrase */
	{ " b@y.com <a@ok.com>", 1, 0, " b@y.com <a@ok.com>", 0, 1 },
	{ " a@ok.com <b@y.com>", 1, 0, "", 1, 0 },
	/* unparseable */
	{ " \"Doe, John <j@ok.com>", 1, -1, NULL, 0, 0 },
	{ " (Doe <j@ok.com>", 1, -1, NULL, 0, 0 },
	{ " Doe) <j@ok.com>", 1, -1, NULL, 0, 0 },
	{ " Doe <j@ok.com", 1, -1, NULL, 0, 0 },
	{ " Doe j@ok.com>", 1, -1, NULL, 0, 0 },
	{ " a@ok.com; b@y.com", 1, -1, NULL, 0, 0 },
	{ " A: B: a@ok.com;;", 1, -1, NULL, 0, 0 },
	{ " Team: a@ok.com; junk", 1, -1, NULL, 0, 0 },
	{ " : a@ok.com;", 1, -1, NULL, 0, 0 },
	{ " <@r1,@r2:a@ok.com>", 1, -1, NULL, 0, 0 },
	{ " a@ok.com, \\", 1, 0, " a@ok.com", 1, 1 },	/* libetpan: addr "\\" */
	{ " \"a\\", 1, -1, NULL, 0, 0 },
	{ " John Doe", 1, 0, "", 1, 0 },		/* no '@': never allowed */
	{ " ((((((((((((((((((((((((((((((((((x))))))))))))))))))))))))))))))))) a@ok.com",
	  1, -1, NULL, 0, 0 },
};

/* test_filter - every row: status, exact output bytes and counts */
static void
test_filter(void)
{
	struct buf out, again;
	unsigned removed, kept;
	int rc;

	buf_init(&out, 0);
	buf_init(&again, 0);
	for (size_t i = 0; i < sizeof filter_rows / sizeof filter_rows[0]; i++) {
		const char *in = filter_rows[i].in;

		set_allow(filter_rows[i].allow);
		buf_reset(&out);
		buf_puts(&out, "Cc:");
		removed = kept = 99;
		rc = recipients_filter_header(&spec, in, strlen(in), &out,
		    &removed, &kept);
		CHECK_MSG(rc == filter_rows[i].rc, "row %zu [%s] rc %d", i, in, rc);
		if (rc < 0 || filter_rows[i].rc < 0) {
			CHECK_MSG(out.len == 3, "row %zu: output left behind", i);
			continue;
		}
		CHECK_MSG(strcmp(out.p + 3, filter_rows[i].out) == 0,
		    "row %zu: got [%s] want [%s]", i, out.p + 3, filter_rows[i].out);
		CHECK_MSG(removed == filter_rows[i].removed && kept == filter_rows[i].kept,
		    "row %zu: removed %u kept %u", i, removed, kept);
		/* idempotent: the output filtered again stays as it is */
		buf_reset(&again);
		CHECK_MSG(recipients_filter_header(&spec, out.p + 3, out.len - 3,
		    &again, &removed, &kept) == 0 && removed == 0 &&
		    kept == filter_rows[i].kept && again.len == out.len - 3 &&
		    memcmp(again.p ? again.p : "", out.p + 3, again.len) == 0,
		    "row %zu: not idempotent", i);
	}
	buf_free(&out);
	buf_free(&again);
}

/* test_nul_and_full - a NUL byte is unparseable; a full buffer fails */
static void
test_nul_and_full(void)
{
	static const char v[] = " a@ok.com\0, b@ok.com";
	struct buf out;
	unsigned removed, kept;

	set_allow(1);
	buf_init(&out, 4);
	CHECK(recipients_filter_header(&spec, v, sizeof v - 1, &out, &removed,
	    &kept) == -1);
	CHECK(recipients_filter_header(&spec, " a@ok.com", 9, &out, &removed,
	    &kept) == -1);
	CHECK(out.len == 0);
	CHECK(recipients_filter_header(&spec, " b@x", 4, &out, &removed,
	    &kept) == 0 && out.len == 0 && removed == 1);
	buf_free(&out);
}

struct seen {
	char text[512];
};

/* collect - record "addr|name;" for every mailbox */
static void
collect(void *ctx, const char *addr, size_t alen, const char *name,
    size_t nlen)
{
	struct seen *s = ctx;
	size_t l = strlen(s->text);

	snprintf(s->text + l, sizeof s->text - l, "%.*s|%.*s;", (int)alen,
	    addr, (int)nlen, name ? name : "");
}

static const struct {
	const char *in;
	int rc;
	const char *seen;
} each_rows[] = {
	{ "a@x.com", 0, "a@x.com|;" },
	{ " \"Doe, John\" <j@x.com>, Bob <b@y.com> (c)", 0,
	  "j@x.com|Doe, John;b@y.com|Bob;" },
	{ " =?UTF-8?Q?Doe,_John?= <j@x.com>", 0, "j@x.com|=?UTF-8?Q?Doe,_John?=;" },
	{ " Team: a@x.com, B <b@y.com>;, c@z.com", 0, "a@x.com|;b@y.com|B;c@z.com|;" },
	{ " undisclosed-recipients:;", 0, "" },
	{ " J\xc3\xb6rg\r\n <j@m\xc3\xbcller.de>", 0, "j@m\xc3\xbcller.de|J\xc3\xb6rg;" },
	{ " \"a\\\"b\" <x@y.com>", 0, "x@y.com|a\"b;" },
	{ " \"Doe, John <j@x.com>", -1, "" },
};

/* test_each - every mailbox reaches the callback, groups included */
static void
test_each(void)
{
	struct seen s;
	int rc;

	for (size_t i = 0; i < sizeof each_rows / sizeof each_rows[0]; i++) {
		s.text[0] = '\0';
		rc = recipients_each(each_rows[i].in, strlen(each_rows[i].in),
		    collect, &s);
		CHECK_MSG(rc == each_rows[i].rc, "row %zu rc %d", i, rc);
		CHECK_MSG(strcmp(s.text, each_rows[i].seen) == 0,
		    "row %zu: got [%s] want [%s]", i, s.text, each_rows[i].seen);
	}
}

int
main(void)
{
	policy_spec_defaults(&spec);
	test_allowed();
	test_filter();
	test_nul_and_full();
	test_each();
	spec.cc_allow = NULL;
	spec.ncc_allow = 0;
	policy_spec_free(&spec);
	return harness_done();
}
