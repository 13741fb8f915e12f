/* test_route - rules in order, first match wins; every condition kind;
 * conditions combined; the fallbacks (mailboxes, [route default]); bad
 * rules refused with their name. */
#include <string.h>

#include "harness.h"
#include "route.h"

static char *billing_mb[] = { "billing@example.com" };
static char *support_mb[] = { "example.com" };
static char *de_mb[] = { "example.de" };
static char *vip_dom[] = { "bigcustomer.com", ".partner.org" };

static const struct route_spec routes[] = {
	{ "billing", billing_mb, 1, NULL },
	{ "support", support_mb, 1, "[Support {id}]" },
	{ "german", de_mb, 1, NULL },
	{ "vip", NULL, 0, NULL },
	{ "default", NULL, 0, NULL },
};

static const struct rule_spec rules[] = {
	{ "vip", "vip", NULL, 0, vip_dom, 2, NULL, NULL, 0 },
	{ "urgent-de", "german", de_mb, 1, NULL, 0, "(?i)dringend", NULL, 0 },
	{ "invoices", "billing", NULL, 0, NULL, 0, "(?i)\\binvoice\\b", NULL, 0 },
	{ "jira", "support", NULL, 0, NULL, 0, NULL, "X-Mailer: ^JIRA", 0 },
	{ "tagged", "support", NULL, 0, NULL, 0, NULL, NULL, 1 },
};

/* routed - the route name chosen for sender/rcpt/msg, "-" for none */
static const char *
routed(const struct route_table *t, const char *sender, const char *rcpt,
    const char *msg, struct route_why *why)
{
	const char *rc[1] = { rcpt };
	struct route_msg m = { sender, rc, rcpt ? 1 : 0, msg, strlen(msg) };

	if (route_match(t, &m, why) < 0)
		return "error";
	return why->route < 0 ? "-" : routes[why->route].name;
}

static void
test_match(void)
{
	struct route_table *t;
	struct route_why w;
	char err[256];
	int bad;

	t = route_table_create(routes, 5, rules, 5, &bad, err, sizeof(err));
	CHECK_MSG(t != NULL, "%s", err);
	if (t == NULL)
		return;
	/* first rule wins even when a later one holds too */
	CHECK(strcmp(routed(t, "ceo@bigcustomer.com", "x@example.de",
	    "Subject: invoice dringend\n\n", &w), "vip") == 0);
	CHECK(w.rule == 0 && strstr(w.text, "rule vip") != NULL);
	CHECK(strcmp(routed(t, "a@x.partner.org", NULL, "Subject: x\n\n", &w),
	    "vip") == 0);
	CHECK(strcmp(routed(t, "a@partner.org", NULL, "Subject: x\n\n", &w),
	    "default") == 0);		/* .partner.org: subdomains only */
	/* conditions combine: mailbox AND subject */
	CHECK(strcmp(routed(t, "a@b.c", "hilfe@example.de",
	    "Subject: DRINGEND bitte\n\n", &w), "german") == 0);
	CHECK(strstr(w.text, "recipient 1 is on mailbox") != NULL &&
	    strstr(w.text, "subject matches") != NULL);
	CHECK(strcmp(routed(t, "a@b.c", "hilfe@example.net",
	    "Subject: DRINGEND bitte\n\n", &w), "default") == 0);
	/* subject regex on the decoded Subject */
	CHECK(strcmp(routed(t, "a@b.c", NULL,
	    "Subject: =?UTF-8?Q?Your_Invoice_=E2=82=AC?=\n\n", &w), "billing") == 0);
	CHECK(strcmp(routed(t, "a@b.c", NULL, "Subject: invoices\n\n", &w),
	    "default") == 0);
	/* header value */
	CHECK(strcmp(routed(t, "a@b.c", NULL, "X-Mailer: JIRA 9\nSubject: s\n\n",
	    &w), "support") == 0);
	CHECK(strstr(w.text, "header X-Mailer matches") != NULL);
	CHECK(strcmp(routed(t, "a@b.c", NULL, "X-Mailer: not JIRA\n\n", &w),
	    "default") == 0);
	/* ticket tag, in the rule's route's format */
	CHECK(strcmp(routed(t, "a@b.c", NULL, "Subject: Re: [Support 100001]\n\n",
	    &w), "support") == 0);
	CHECK(strcmp(routed(t, "a@b.c", NULL, "Subject: Re: [#100001]\n\n", &w),
	    "default") == 0);
	/* fallback: the route whose mailboxes hold a recipient */
	CHECK(strcmp(routed(t, "a@b.c", "Billing@Example.com", "Subject: s\n\n",
	    &w), "billing") == 0);
	CHECK(w.rule == -1 && strstr(w.text, "mailboxes of route billing"));
	CHECK(strcmp(routed(t, "a@b.c", "help@example.com", "Subject: s\n\n",
	    &w), "support") == 0);
	CHECK(strcmp(route_tag_format(t, 1), "[Support {id}]") == 0);
	CHECK(strcmp(route_tag_format(t, 0), ROUTE_DEFAULT_TAG) == 0);
	CHECK(strcmp(route_tag_format(t, -1), ROUTE_DEFAULT_TAG) == 0);
	route_table_destroy(&t);
	CHECK(t == NULL);

	/* no [route default]: none */
	t = route_table_create(routes, 4, rules, 1, &bad, err, sizeof(err));
	CHECK(t != NULL && strcmp(routed(t, "a@b.c", "z@z.z", "\n", &w), "-") == 0);
	CHECK(strstr(w.text, "global settings") != NULL);
	route_table_destroy(&t);
}

static void
test_bad(void)
{
	static const struct rule_spec bad_rules[] = {
		{ "ok", "support", NULL, 0, NULL, 0, NULL, NULL, 0 },
		{ "noroute", "nosuch", NULL, 0, NULL, 0, NULL, NULL, 0 },
		{ "badre", "support", NULL, 0, NULL, 0, "(unclosed", NULL, 0 },
		{ "badhdr", "support", NULL, 0, NULL, 0, NULL, "no colon", 0 },
		{ "missing", NULL, NULL, 0, NULL, 0, NULL, NULL, 0 },
	};
	static const struct route_spec bad_fmt[] = {
		{ "x", NULL, 0, "[no id]" },
	};
	struct route_table *t;
	char err[256];
	int bad;

	t = route_table_create(routes, 5, bad_rules, 2, &bad, err, sizeof(err));
	CHECK(t == NULL && bad == 1 && strstr(err, "[rule noroute] route") != NULL);
	t = route_table_create(routes, 5, bad_rules + 2, 1, &bad, err, sizeof(err));
	CHECK_MSG(t == NULL && bad == 0 && strstr(err, "[rule badre] subject: bad "
	    "pattern") != NULL, "%s", err);
	t = route_table_create(routes, 5, bad_rules + 3, 1, &bad, err, sizeof(err));
	CHECK(t == NULL && strstr(err, "[rule badhdr] header") != NULL);
	t = route_table_create(routes, 5, bad_rules + 4, 1, &bad, err, sizeof(err));
	CHECK(t == NULL && strstr(err, "[rule missing] route: missing") != NULL);
	t = route_table_create(bad_fmt, 1, NULL, 0, &bad, err, sizeof(err));
	CHECK(t == NULL && bad == -1 && strstr(err, "tag_format") != NULL);
}

int
main(void)
{
	test_match();
	test_bad();
	return harness_done();
}
