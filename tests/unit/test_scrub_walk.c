/* test_scrub_walk - the MIME walk through scrub_message: known entities
 * learnt from every header block before any text is scanned (who is
 * hunted, who is protected, and that a second scrub changes nothing), and
 * attachment file names (every parameter form) redacted in place with the
 * extension kept, the body byte-identical and the attachment policy
 * reading the name as it came. */
#include <stdlib.h>
#include <string.h>

#include "attach.h"
#include "harness.h"
#include "kinds.h"
#include "scrub.h"

static struct policy_spec spec;
static struct scrub_policy *pol;

static void
setup(void)
{
	const char *err = NULL;

	scrub_policy_destroy(&pol);
	if ((pol = scrub_policy_create(&spec, &err)) == NULL) {
		fprintf(stderr, "policy: %s\n", err);
		exit(1);
	}
}

/* scrub - msg scrubbed into r (NUL-terminated out) and scrubbed once more:
 * the output, or NULL on error or when the second scrub changed it */
static const char *
scrub(const char *msg, struct scrub_result *r)
{
	struct scrub_result again;
	int same;

	scrub_result_free(r);
	scrub_result_init(r);
	if (scrub_message(pol, msg, strlen(msg), 0, r) < 0) {
		fprintf(stderr, "scrub: %s\n", r->err_detail);
		return NULL;
	}
	buf_putc(&r->out, '\0');
	r->out.len--;
	scrub_result_init(&again);
	same = scrub_message(pol, r->out.p, r->out.len, 0, &again) == 0 &&
	    again.out.len == r->out.len &&
	    memcmp(again.out.p, r->out.p, r->out.len) == 0;
	if (!same)
		fprintf(stderr, "not idempotent:\n%s\n---\n%.*s\n", r->out.p,
		    (int)again.out.len, again.out.p ? again.out.p : "");
	scrub_result_free(&again);
	return same ? r->out.p : NULL;
}

static int
has(const char *s, const char *what)
{
	return s != NULL && strstr(s, what) != NULL;
}

static const char fwd[] =
    "From: Anna Svensson <anna.svensson@kund.example>\n"
    "To: Help Desk <support@helpdesk.example>\n"
    "Cc: Bob Smith <bob.smith@kund.example>\n"
    "Subject: Fwd: delivery\n"
    "MIME-Version: 1.0\n"
    "Content-Type: multipart/mixed; boundary=\"f\"\n"
    "\n"
    "--f\n"
    "Content-Type: text/plain\n"
    "\n"
    "See below from Olof Ek; Jane Roe is on Cc, Bob Smith knows.\n"
    "I asked Help Desk before.  Regards, Anna Svensson\n"
    "--f\n"
    "Content-Type: message/rfc822\n"
    "\n"
    "From: Olof Ek <olof.ek@lev.example>\n"
    "To: Anna Svensson <anna.svensson@kund.example>, Help Desk\n"
    " <support@helpdesk.example>, \"Smith, Bob\" <bob.smith@kund.example>\n"
    "Cc: \"Roe, Jane\" <jane.roe@corp.example>\n"
    "Subject: delivery\n"
    "\n"
    "Dear Anna Svensson, Jane Roe and Bob Smith: late.  Olof Ek\n"
    "--f--\n";

/* the note above a forwarded message knows that message's people */
static void
test_learn_first(void)
{
	struct scrub_result r;
	const char *out;

	scrub_result_init(&r);
	out = scrub(fwd, &r);
	CHECK_MSG(has(out, "See below from [NAME]; [NAME] is on Cc, [NAME] knows."),
	    "%s", out ? out : "(error)");
	CHECK(!has(out, "Olof Ek") && !has(out, "Jane Roe") && !has(out, "Roe, Jane"));
	CHECK(!has(out, "Bob Smith") && !has(out, "Smith, Bob"));
	CHECK(has(out, "Dear Anna Svensson, [NAME] and [NAME]: late.  [NAME]\n"));
	scrub_result_free(&r);
}

/* the requester and the helpdesk stay themselves in a forwarded message:
 * kept while their switches are off, hunted when on */
static void
test_protected(void)
{
	struct scrub_result r;
	const char *out;

	scrub_result_init(&r);
	out = scrub(fwd, &r);
	CHECK(has(out, "I asked Help Desk before.  Regards, Anna Svensson\n"));
	CHECK(has(out, "From: Anna Svensson <anna.svensson@kund.example>\n"));
	CHECK(has(out, "To: Anna Svensson <[EMAIL]>, Help Desk\n <[EMAIL]>"));

	spec.entities_requester = 1;
	setup();
	out = scrub(fwd, &r);
	CHECK(has(out, "Regards, [NAME]\n") && has(out, "Dear [NAME], "));
	CHECK(has(out, "I asked Help Desk before."));
	spec.entities_requester = 0;
	spec.entities_to = 1;
	setup();
	out = scrub(fwd, &r);
	CHECK(has(out, "I asked [NAME] before.  Regards, Anna Svensson\n"));
	spec.entities_to = 0;

	/* with cc off the outer Cc is not hunted, but the same person named in
	 * a forwarded message's To is a third party (a stripped Cc cannot
	 * protect: a second scrub would no longer see it) */
	spec.entities_cc = 0;
	setup();
	out = scrub(fwd, &r);
	CHECK(has(out, "[NAME] knows.") && has(out, "Jane Roe and [NAME]: late."));
	spec.entities_cc = 1;
	setup();
	scrub_result_free(&r);
}

static const char names[] =
    "From: Anna Svensson <anna.svensson@kund.example>\n"
    "To: Support <support@helpdesk.example>\n"
    "Cc: Jane Roe <jane.roe@corp.example>\n"
    "Subject: files\n"
    "MIME-Version: 1.0\n"
    "Content-Type: multipart/mixed; boundary=\"n\"\n"
    "\n"
    "--n\n"
    "Content-Type: application/pdf; name=\"invoice john.doe@corp.example.pdf\"\n"
    "Content-Disposition: attachment; filename=invoice.pdf\n"
    "Content-Transfer-Encoding: base64\n"
    "\n"
    "JVBERi0xLjQKJSVFT0YK\n"
    "--n\n"
    "Content-Type: application/pdf\n"
    "Content-Disposition: attachment;\n"
    " filename*=iso-8859-1'sv'%C5sa%2019811218-9876.pdf\n"
    "\n"
    "JVBERi0xLjQKJSVFT0YK\n"
    "--n\n"
    "Content-Type: image/png\n"
    "Content-Disposition: attachment;\n"
    " filename*0*=utf-8''Jane_Roe_;\n"
    " filename*1=\"passport.png\"; size=10\n"
    "Content-Transfer-Encoding: base64\n"
    "\n"
    "iVBORw0KGgo=\n"
    "--n\n"
    "Content-Type: text/plain; charset=iso-8859-1;\n"
    " name=\"=?iso-8859-1?Q?cv=5F+46701234567_=C5sa.txt?=\"\n"
    "Content-Transfer-Encoding: quoted-printable\n"
    "\n"
    "Ring =C5sa p=E5 070-123 45 67.\n"
    "--n--\n";

/* every form of a file name is redacted, the rest of the field and the
 * body stay byte for byte */
static void
test_names(void)
{
	struct scrub_result r;
	const char *out;

	scrub_result_init(&r);
	out = scrub(names, &r);
	CHECK_MSG(has(out, "Content-Type: application/pdf; name=\"invoice [EMAIL].pdf\"\n"
	    "Content-Disposition: attachment; filename=invoice.pdf\n"
	    "Content-Transfer-Encoding: base64\n\nJVBERi0xLjQKJSVFT0YK\n"),
	    "%s", out ? out : "(error)");
	/* converted from latin-1: the label becomes utf-8, the language stays */
	CHECK(has(out, " filename*=utf-8'sv'%C3%85sa%20%5BSE-PNR%5D.pdf\n\nJVBERi0xLjQKJSVFT0YK\n"));
	/* sections become one parameter; the parameter after them stays */
	CHECK(has(out, " filename*=utf-8''%5BNAME%5D_passport.png; size=10\n"
	    "Content-Transfer-Encoding: base64\n\niVBORw0KGgo=\n"));
	/* encoded words, not ASCII after the change: RFC 2231; the charset
	 * of the body converted in the same field */
	CHECK(has(out, "Content-Type: text/plain; charset=utf-8;\n"
	    " name*=utf-8''cv_%5BPHONE%5D%20%C3%85sa.txt\n"));
	CHECK(has(out, "Ring =C3=85sa p=C3=A5 [PHONE]."));
	CHECK(r.counts[KIND_EMAIL] == 1 && r.counts[KIND_PHONE] == 2);
	CHECK(r.counts[KIND_SE_PNR] == 1 && r.counts[KIND_NAME] == 1);
	scrub_result_free(&r);
}

/* the attachment policy reads the name as it came: an RFC 2231 name
 * matches ".pdf" (libetpan does not decode it), and a name whose
 * redaction would not end in ".exe" still is rejected */
static void
test_policy_original(void)
{
	struct scrub_result r;
	const char *msg =
	    "From: a@kund.example\n"
	    "MIME-Version: 1.0\n"
	    "Content-Type: multipart/mixed; boundary=\"p\"\n"
	    "\n"
	    "--p\n"
	    "Content-Type: application/octet-stream\n"
	    "Content-Disposition: attachment; filename*=utf-8''r%20070-123%2045%2067.pdf\n"
	    "\n"
	    "JVBERi0xLjQKJSVFT0YK\n"
	    "--p--\n";
	const char *out;

	spec.attach = calloc(1, sizeof(*spec.attach));
	spec.attach[0].match = strdup(".pdf");
	spec.attach[0].action = ATTACH_DROP;
	spec.nattach = 1;
	setup();
	scrub_result_init(&r);
	out = scrub(msg, &r);
	CHECK(has(out, "removed by the attachment policy") && !has(out, "JVBERi0"));
	CHECK(!has(out, "070-123"));
	CHECK(r.attachments_dropped == 1);
	spec.attach[0].action = ATTACH_KEEP;
	setup();
	out = scrub(msg, &r);
	CHECK(has(out, "filename*=utf-8''r%20%5BPHONE%5D.pdf\n\nJVBERi0xLjQKJSVFT0YK\n"));

	/* both readings of a name count: the RFC 2231 one, and libetpan's
	 * (without the bytes after a quoted string) */
	free(spec.attach[0].match);
	spec.attach[0].match = strdup(".exe");
	spec.attach[0].action = ATTACH_REJECT;
	setup();
	CHECK(scrub("From: a@kund.example\nMIME-Version: 1.0\n"
	    "Content-Type: application/octet-stream\n"
	    "Content-Disposition: attachment; filename=\"a.txt\";\n"
	    " filename*=utf-8''evil.exe\n\nTVqQAAMAAAAEAAAA\n", &r) == NULL &&
	    r.err == ERR_ATTACHMENT);
	CHECK(scrub("From: a@kund.example\nMIME-Version: 1.0\n"
	    "Content-Type: application/octet-stream\n"
	    "Content-Disposition: attachment; filename=\"evil.exe\" x\n"
	    "\nTVqQAAMAAAAEAAAA\n", &r) == NULL && r.err == ERR_ATTACHMENT);
	free(spec.attach[0].match);
	free(spec.attach);
	spec.attach = NULL;
	spec.nattach = 0;
	setup();
	scrub_result_free(&r);
}

/* a multipart message's own header is scanned (its body part starts,
 * for libetpan, where the message does) */
static void
test_multipart_header(void)
{
	struct scrub_result r;
	const char *out;

	scrub_result_init(&r);
	out = scrub("X-Owner: bob@kund.example\n"
	    "MIME-Version: 1.0\n"
	    "Content-Type: multipart/mixed; boundary=\"m\"\n"
	    "\n"
	    "--m\n"
	    "Content-Type: text/plain\n"
	    "\n"
	    "hi\n"
	    "--m--\n", &r);
	CHECK_MSG(has(out, "X-Owner: [EMAIL]\n"), "%s", out ? out : "(error)");
	scrub_result_free(&r);
}

/* random forwards: people in random roles at the top and in nested
 * messages, named in every text.  Each scrubs and scrubs again to itself,
 * and a person in a forwarded Cc who is not protected (the requester or
 * in the top To, while their switches are off) is gone from everything
 * but the top header's kept fields. */
static void
test_forward_random(void)
{
	static const char *const people[][2] = {
		{ "Anna Svensson", "anna.svensson@kund.example" },
		{ "Help Desk", "support@helpdesk.example" },
		{ "Jane Roe", "jane.roe@corp.example" },
		{ "Olof Ek", "olof.ek@lev.example" },
		{ "Bob Smith", "bob.smith@kund.example" },
		{ "Karl Lind", "karl.lind@lev.example" },
	};
	enum { NP = sizeof(people) / sizeof(people[0]) };
	static const char *const fields[] = { "From", "To", "Cc", "Reply-To" };
	struct scrub_result r;
	struct buf msg;
	unsigned seed = 99;
	int bad = 0;

	scrub_result_init(&r);
	buf_init(&msg, 0);
	for (int round = 0; round < 2000; round++) {
		int top[NP] = { 0 }, cc[NP] = { 0 }, depth = 1 + round % 3;

		buf_reset(&msg);
		for (int lvl = 0; lvl < depth; lvl++) {
			for (int fi = 0; fi < 4; fi++) {
				seed = seed * 1103515245u + 12345u;
				int who = (int)((seed >> 16) % NP);

				if (fi > 0 && (seed >> 28) % 3 == 0)
					continue;
				buf_printf(&msg, "%s: %s%s%s <%s>\n", fields[fi],
				    (seed >> 26) % 2 ? "\"" : "", people[who][0],
				    (seed >> 26) % 2 ? "\"" : "", people[who][1]);
				if (lvl == 0 && ((fi == 1 && !spec.entities_to) ||
				    (fi != 1 && fi != 2 && !spec.entities_requester)))
					top[who] = 1;
				if (lvl > 0 && fi == 2)
					cc[who] = 1;
			}
			buf_printf(&msg, "Subject: level %d\nMIME-Version: 1.0\n"
			    "Content-Type: multipart/mixed; boundary=\"b%d\"\n\n"
			    "--b%d\nContent-Type: text/plain\n\n", lvl, lvl, lvl);
			for (int k = 0; k < 3; k++) {
				seed = seed * 1103515245u + 12345u;
				buf_printf(&msg, "Ask %s. ", people[(seed >> 16) % NP][0]);
			}
			buf_printf(&msg, "\n--b%d\nContent-Type: message/rfc822\n\n", lvl);
		}
		buf_puts(&msg, "Subject: last\n\nThe end.\n");
		for (int lvl = depth - 1; lvl >= 0; lvl--)
			buf_printf(&msg, "--b%d--\n", lvl);
		if (scrub(msg.p, &r) == NULL) {
			if (bad++ < 3)
				fprintf(stderr, "forward:\n%s\n", msg.p);
			continue;
		}
		for (int i = 0; i < NP; i++)
			if (cc[i] && !top[i] && spec.entities_cc &&
			    has(strstr(r.out.p, "\n\n"), people[i][0]) && bad++ < 3)
				fprintf(stderr, "forward: %s left in\n%s\n->\n%s\n",
				    people[i][0], msg.p, r.out.p);
	}
	CHECK(bad == 0);
	buf_free(&msg);
	scrub_result_free(&r);
}

/* random file name parameters in a whole message: each scrubs (or fails
 * closed), scrubbing the output again changes nothing, and the personal
 * data is gone wherever it stands in a name (set apart by words, as
 * text glued to a word or a number is not found anywhere) */
static void
test_names_random(void)
{
	static const char *const params[] = {
		"filename", "filename*", "filename*0", "filename*0*", "filename*1",
		"filename*1*", "name", "name*",
	};
	static const char *const pieces[] = {
		" ", "\n ", "\"", "\\", "*", "'", "%", "%41", "%C3%85", "%2",
		"_mail john.doe@corp.example_", "_tel 070-123 45 67_", "_Jane_Roe_",
		".pdf",
		"utf-8''", "iso-8859-1'sv'", "=?utf-8?Q?", "?=", "=C3=85", "_",
		"(", ")", "\xc3\x85", "x",
	};
	struct scrub_result r;
	struct buf msg;
	unsigned seed = 4711;
	int bad = 0, failed = 0;

	scrub_result_init(&r);
	buf_init(&msg, 0);
	for (int round = 0; round < 3000; round++) {
		buf_reset(&msg);
		buf_puts(&msg, "From: Anna Svensson <anna.svensson@kund.example>\n"
		    "Cc: Jane Roe <jane.roe@corp.example>\n"
		    "MIME-Version: 1.0\n"
		    "Content-Type: multipart/mixed; boundary=\"r\"\n\n"
		    "--r\nContent-Type: application/pdf\n"
		    "Content-Disposition: attachment");
		for (int k = 0, n = 1 + round % 3; k < n; k++) {
			seed = seed * 1103515245u + 12345u;
			buf_puts(&msg, (seed >> 20) % 2 ? "; " : ";\n ");
			buf_puts(&msg, params[(seed >> 16) % (sizeof(params) / sizeof(params[0]))]);
			buf_putc(&msg, '=');
			for (int j = 0, m = 1 + (int)((seed >> 24) % 5); j < m; j++) {
				seed = seed * 1103515245u + 12345u;
				buf_puts(&msg, pieces[(seed >> 16) %
				    (sizeof(pieces) / sizeof(pieces[0]))]);
			}
		}
		buf_puts(&msg, "\nContent-Transfer-Encoding: base64\n\n"
		    "JVBERi0xLjQKJSVFT0YK\n--r--\n");
		scrub_result_free(&r);
		scrub_result_init(&r);
		if (scrub_message(pol, msg.p, msg.len, 0, &r) < 0) {
			failed++;
			continue;
		}
		if (scrub(msg.p, &r) == NULL || has(r.out.p, "john.doe@corp.example") ||
		    has(r.out.p, "070-123 45 67") || has(r.out.p, "Jane_Roe") ||
		    !has(r.out.p, "\n\nJVBERi0xLjQKJSVFT0YK\n--r--\n")) {
			if (bad++ < 3)
				fprintf(stderr, "random:\n%s\n->\n%s\n", msg.p,
				    r.out.p ? r.out.p : "(error)");
		}
	}
	CHECK(bad == 0);
	CHECK_MSG(failed < 300, "%d failed closed", failed);
	buf_free(&msg);
	scrub_result_free(&r);
}

/* a part body holding a delimiter of a multipart around it (after an
 * empty part, where libetpan does not split but other readers do) fails
 * closed when text follows it; a longer boundary that starts like it is
 * no delimiter */
static void
test_delimiter_in_body(void)
{
	struct scrub_result r;
	const char *out;

	scrub_result_init(&r);
	CHECK(scrub("From: a@kund.example\nMIME-Version: 1.0\n"
	    "Content-Type: multipart/mixed; boundary=\"e\"\n\n"
	    "--e\n--e\nContent-Type: text/plain\nContent-Transfer-Encoding: base64\n\n"
	    "d3JpdGUgdG8gam9obkBjb3JwLmV4YW1wbGUK\n--e--\n", &r) == NULL &&
	    r.err == ERR_BAD_BOUNDARY);
	out = scrub("From: a@kund.example\nMIME-Version: 1.0\n"
	    "Content-Type: multipart/mixed; boundary=\"e\"\n\n"
	    "--e\nContent-Type: multipart/alternative; boundary=\"e-2\"\n\n"
	    "--e-2\nContent-Type: text/plain\n\nmail bob@kund.example\n"
	    "--e-2--\n\n--e--\n", &r);
	CHECK_MSG(has(out, "mail [EMAIL]\n--e-2--\n"), "%s", out ? out : "(error)");
	/* libetpan reads the closing delimiter of an empty part as its body:
	 * nothing follows, nothing changes, the message passes as it is */
	out = scrub("From: a@kund.example\nMIME-Version: 1.0\n"
	    "Content-Type: multipart/mixed; boundary=\"e\"\n\n"
	    "--e\n\n\n--e--\n", &r);
	CHECK(out && r.changed == 0);
	scrub_result_free(&r);
}

int
main(void)
{
	policy_spec_defaults(&spec);
	setup();
	test_multipart_header();
	test_delimiter_in_body();
	test_learn_first();
	test_protected();
	test_names();
	test_policy_original();
	test_names_random();
	test_forward_random();
	spec.entities_requester = spec.entities_to = 1;
	setup();
	test_forward_random();
	spec.entities_requester = spec.entities_to = 0;
	spec.entities_cc = 0;
	setup();
	test_forward_random();
	spec.entities_cc = 1;
	scrub_policy_destroy(&pol);
	policy_spec_free(&spec);
	return harness_done();
}
