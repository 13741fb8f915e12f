/* test_ticket - ticket_apply end to end on a real store: a new ticket,
 * replies joined by In-Reply-To, by References and by the subject tag
 * alone, the tag never doubled, a spoofed X-Scrubgate-Ticket replaced,
 * auto-replies (attach / drop / forward), routing and per-route profiles,
 * the delivery outcome. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "envelope.h"
#include "harness.h"
#include "scrub.h"
#include "store.h"
#include "ticket.h"

static char dir[64];

/* load - a config from text with the store in dir; 0 or -1 */
static int
load(struct config *c, const char *extra)
{
	char text[2048];

	snprintf(text, sizeof(text), "[store]\ndatabase = %s/t.db\n"
	    "pseudonym_key = %s/k.key\n%s", dir, dir, extra);
	if (config_init(c) < 0)
		return -1;
	if (config_parse(c, "test.conf", text, strlen(text)) < 0) {
		fprintf(stderr, "%s\n", c->error);
		return -1;
	}
	return 0;
}

/* apply - ticket_apply on msg with rcpt; out holds the result; returns
 * ticket_apply's value, *ticket_r the ticket */
static int
apply(struct ticket_ctx *t, const char *msg, const char *sender,
    const char *rcpt, struct buf *out, unsigned long *ticket_r)
{
	struct scrub_result res;
	struct envelope env;
	char err[512] = "";
	int rc;

	scrub_result_init(&res);
	res.counts[KIND_EMAIL] = 2;
	res.stripped_recipients = 1;
	envelope_init(&env);
	if (sender)
		envelope_set_sender(&env, sender);
	if (rcpt)
		envelope_add_rcpt(&env, rcpt);
	buf_reset(out);
	buf_puts(out, msg);
	rc = ticket_apply(t, &env, &res, out, err, sizeof(err));
	CHECK_MSG(rc >= 0, "%s", err);
	*ticket_r = env.ticket;
	if (env.store_msg > 0)
		CHECK(ticket_delivered(t, env.store_msg, "sent", "250 ok") == 0);
	envelope_free(&env);
	scrub_result_free(&res);
	return rc;
}

/* count - occurrences of needle in hay */
static int
count(const char *hay, const char *needle)
{
	int n = 0;

	for (const char *p = hay; (p = strstr(p, needle)) != NULL; p++)
		n++;
	return n;
}

static void
test_thread(void)
{
	struct config c;
	struct ticket_ctx *t;
	struct buf out;
	unsigned long first, id;
	char err[512], msg[512];

	if (load(&c, "") < 0)
		return;
	t = ticket_open(&c, err, sizeof(err));
	CHECK_MSG(t != NULL, "%s", err);
	if (t == NULL) {
		config_free(&c);
		return;
	}
	buf_init(&out, 0);
	apply(t, "From: Ann <ann@example.org>\nSubject: Printer\n"
	    "Message-ID: <m1@mail.example.org>\nX-Scrubgate-Ticket: 5\n\nhi\n",
	    "ann@example.org", "help@example.net", &out, &first);
	CHECK(first == 100000);
	CHECK_MSG(strcmp(out.p, "From: Ann <ann@example.org>\nSubject: [#100000] "
	    "Printer\nMessage-ID: <m1@mail.example.org>\nX-Scrubgate-Ticket: "
	    "100000\n\nhi\n") == 0, "%s", out.p);
	/* In-Reply-To */
	apply(t, "From: ann@example.org\nSubject: Re: Printer\nIn-Reply-To: "
	    "<m1@mail.example.org>\nMessage-ID: <m2@x>\n\n2\n", "ann@example.org",
	    "help@example.net", &out, &id);
	CHECK(id == first && count(out.p, "[#100000]") == 1);
	/* References only (a helpdesk reply we never saw in between) */
	apply(t, "From: ann@example.org\nSubject: Re: Re: Printer\nIn-Reply-To: "
	    "<unknown@helpdesk>\nReferences: <m1@mail.example.org> "
	    "<unknown@helpdesk>\nMessage-ID: <m3@x>\n\n3\n", "ann@example.org",
	    "help@example.net", &out, &id);
	CHECK(id == first);
	/* the subject tag alone; already tagged: never doubled */
	apply(t, "From: ann@example.org\nSubject: Re: [#100000] Printer\n"
	    "Message-ID: <m4@x>\n\n4\n", "ann@example.org", "help@example.net",
	    &out, &id);
	CHECK(id == first && count(out.p, "[#100000]") == 1);
	CHECK(count(out.p, "X-Scrubgate-Ticket") == 1);
	/* RFC 2047-encoded subject holding the tag */
	apply(t, "From: ann@example.org\nSubject: =?UTF-8?Q?Re:_[#100000]_Gr=C3=BC?="
	    "\nMessage-ID: <m5@x>\n\n5\n", "ann@example.org", "help@example.net",
	    &out, &id);
	CHECK(id == first && count(out.p, "[#100000]") == 1 &&
	    count(out.p, "=?UTF-8?Q?Re:_[#100000]_Gr=C3=BC?=") == 1);
	/* a tag of a ticket that does not exist: a new ticket */
	apply(t, "From: eve@example.org\nSubject: [#999999] hi\n\n6\n",
	    "eve@example.org", "help@example.net", &out, &id);
	CHECK(id == first + 1 && count(out.p, "[#100001] [#999999] hi") == 1);
	/* no Message-ID, no subject */
	apply(t, "From: zed@example.org\n\n7\n", "zed@example.org", NULL, &out, &id);
	CHECK(id == first + 2 && count(out.p, "Subject: [#100002]") == 1);

	/* auto-replies: attach (default) joins the ticket, never opens one */
	snprintf(msg, sizeof(msg), "From: ann@example.org\nAuto-Submitted: "
	    "auto-replied\nSubject: Out of office\nIn-Reply-To: "
	    "<m1@mail.example.org>\n\nooo\n");
	CHECK(apply(t, msg, "ann@example.org", NULL, &out, &id) == 0 &&
	    id == first && count(out.p, "[#100000]") == 1);
	CHECK(apply(t, "From: list@example.org\nPrecedence: bulk\nSubject: news"
	    "\n\nn\n", "list@example.org", NULL, &out, &id) == 0 && id == 0 &&
	    strcmp(out.p, "From: list@example.org\nPrecedence: bulk\nSubject: "
	    "news\n\nn\n") == 0);
	CHECK(apply(t, "From: MAILER-DAEMON@x\nSubject: failure\n\nb\n", "",
	    NULL, &out, &id) == 0 && id == 0);
	{
		struct store_ticket st;

		CHECK(store_ticket_load(ticket_store(t), first, &st) == 1);
		CHECK_MSG(st.nmsgs == 6, "%zu", st.nmsgs);
		CHECK(st.nmsgs == 6 && strcmp(st.msgs[5].auto_class,
		    "auto-submitted") == 0);
		CHECK(strcmp(st.msgs[0].delivery, "sent") == 0);
		CHECK(strcmp(st.msgs[0].counts, "{\"email\":2}") == 0);
		CHECK(st.msgs[0].stripped_recipients == 1);
		CHECK(strcmp(st.msgs[0].subject, "Printer") == 0);
		store_ticket_free(&st);
	}
	buf_free(&out);
	ticket_close(&t);
	CHECK(t == NULL);
	config_free(&c);

	/* drop and forward */
	if (load(&c, "auto_replies = drop\n") == 0 &&
	    (t = ticket_open(&c, err, sizeof(err))) != NULL) {
		buf_init(&out, 0);
		CHECK(apply(t, msg, "ann@example.org", NULL, &out, &id) == 1 &&
		    id == 0);
		buf_free(&out);
		ticket_close(&t);
	}
	config_free(&c);
	if (load(&c, "auto_replies = forward\n") == 0 &&
	    (t = ticket_open(&c, err, sizeof(err))) != NULL) {
		buf_init(&out, 0);
		CHECK(apply(t, msg, "ann@example.org", NULL, &out, &id) == 0 &&
		    id == 0 && strcmp(out.p, msg) == 0);
		buf_free(&out);
		ticket_close(&t);
	}
	config_free(&c);
	if (load(&c, "auto_replies = sometimes\n") == 0) {
		t = ticket_open(&c, err, sizeof(err));
		CHECK(t == NULL && strstr(err, "auto_replies") != NULL);
	}
	config_free(&c);
}

static void
test_routes(void)
{
	struct config c;
	struct ticket_ctx *t;
	struct envelope env;
	struct buf out;
	unsigned long id;
	char err[512];
	const char *m = "From: a@customer.example\nSubject: Invoice 7\n\nb\n";

	if (load(&c, "[route billing]\nmailboxes = billing@example.net\n"
	    "kinds_off = phone, ipv4\ntag_format = [Billing {id}]\n"
	    "[route default]\n"
	    "[rule inv]\nroute = billing\nsubject = (?i)invoice\n") < 0)
		return;
	t = ticket_open(&c, err, sizeof(err));
	CHECK_MSG(t != NULL, "%s", err);
	if (t == NULL) {
		config_free(&c);
		return;
	}
	envelope_init(&env);
	envelope_add_rcpt(&env, "help@example.net");
	CHECK(ticket_route(t, &env, m, strlen(m)) == 0 && env.route &&
	    strcmp(env.route, "billing") == 0);
	CHECK(ticket_policy(t, &env) != NULL);
	{
		const struct policy_spec *sp = scrub_policy_spec(ticket_policy(t,
		    &env));

		CHECK(sp->kinds[KIND_PHONE].action == ACTION_OFF &&
		    sp->kinds[KIND_EMAIL].action == ACTION_REDACT);
	}
	envelope_free(&env);
	envelope_init(&env);
	envelope_add_rcpt(&env, "help@example.net");
	CHECK(ticket_route(t, &env, "Subject: hi\n\n", 13) == 0 && env.route &&
	    strcmp(env.route, "default") == 0 && ticket_policy(t, &env) == NULL);
	envelope_free(&env);
	buf_init(&out, 0);
	apply(t, m, "a@customer.example", "help@example.net", &out, &id);
	CHECK_MSG(id > 0 && count(out.p, "Subject: [Billing ") == 1, "%s", out.p);
	buf_free(&out);
	ticket_close(&t);
	config_free(&c);

	/* bad profile kinds and bad rules name their line */
	if (load(&c, "[route r]\nkinds_off = nosuch\n") == 0) {
		t = ticket_open(&c, err, sizeof(err));
		CHECK_MSG(t == NULL && strstr(err, "test.conf:4: [route r]: unknown "
		    "kind 'nosuch'") != NULL, "%s", err);
	}
	config_free(&c);
	if (load(&c, "[route r]\n[rule x]\nroute = r\nsubject = (\n") == 0) {
		t = ticket_open(&c, err, sizeof(err));
		CHECK_MSG(t == NULL && strstr(err, "test.conf:5: [rule x] subject")
		    != NULL, "%s", err);
	}
	config_free(&c);
	/* no store: ticket_apply does nothing */
	{
		struct scrub_result res;

		scrub_result_init(&res);
		envelope_init(&env);
		buf_init(&out, 0);
		CHECK(ticket_apply(NULL, &env, &res, &out, err, sizeof(err)) == 0);
		CHECK(ticket_store(NULL) == NULL);
		buf_free(&out);
		scrub_result_free(&res);
	}
}

int
main(void)
{
	snprintf(dir, sizeof(dir), "/tmp/scrubgate-ticket.XXXXXX");
	if (mkdtemp(dir) == NULL)
		return 2;
	test_thread();
	test_routes();
	{
		char cmd[128];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
		if (system(cmd) != 0)
			fprintf(stderr, "cannot remove %s\n", dir);
	}
	return harness_done();
}
