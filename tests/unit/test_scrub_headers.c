/* test_scrub_headers - redaction in header fields, through scrub_message:
 * only the bytes of what was found change (folds, line breaks and the
 * rest of the field stay byte for byte), encoded words are encoded anew
 * only where something was found in them, long lines are refolded, and
 * scrubbing the output again changes nothing. */
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "recognize.h"
#include "redact.h"
#include "rfc2047.h"
#include "scrub.h"

#if defined(__has_include)
#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#endif
#endif
#ifndef RUNNING_ON_VALGRIND
#define RUNNING_ON_VALGRIND 0
#endif

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

/* scrub - the output of msg (malloc'd) or NULL on error */
static char *
scrub(const char *msg, size_t len, size_t *len_r)
{
	struct scrub_result r;
	char *out = NULL;

	scrub_result_init(&r);
	if (scrub_message(pol, msg, len, 0, &r) == 0) {
		out = malloc(r.out.len + 1);
		memcpy(out, r.out.p ? r.out.p : "", r.out.len);
		out[r.out.len] = '\0';
		*len_r = r.out.len;
	} else
		fprintf(stderr, "scrub: %s\n", r.err_detail);
	scrub_result_free(&r);
	return out;
}

/* idempotent - scrubbing out again gives out */
static int
idempotent(const char *out, size_t len)
{
	size_t len2;
	char *again = scrub(out, len, &len2);
	int ok = again && len2 == len && memcmp(again, out, len) == 0;

	free(again);
	return ok;
}

/* expect - msg scrubs to want exactly, and that again to itself */
static void
expect(const char *what, const char *msg, const char *want)
{
	size_t len;
	char *out = scrub(msg, strlen(msg), &len);

	CHECK_MSG(out && len == strlen(want) && memcmp(out, want, len) == 0,
	    "%s:\n got: [%s]\nwant: [%s]", what, out ? out : "(error)", want);
	CHECK_MSG(out && idempotent(out, len), "%s: not idempotent", what);
	free(out);
}

/* header_text - the decoded value of field name (first one) of msg */
static char *
header_text(const char *msg, const char *name)
{
	size_t nl = strlen(name);
	const char *p = msg, *e;
	struct buf b;

	while (p && strncmp(p, name, nl) != 0)
		p = (p = strchr(p, '\n')) ? p + 1 : NULL;
	if (p == NULL)
		return NULL;
	p += nl;
	for (e = p; *e && !(e[0] == '\n' && e[1] != ' ' && e[1] != '\t'); e++)
		;
	if (e > p && e[-1] == '\r')
		e--;
	buf_init(&b, 0);
	rfc2047_decode(p, (size_t)(e - p), &b);
	return buf_detach(&b, NULL);
}

static void
test_received_folded(void)
{
	/* the IP on a continuation line, another at a line's end: only they
	 * change, every fold stays where it was, CRLF and LF alike */
	static const char *const eols[] = { "\r\n", "\n" };

	for (size_t i = 0; i < 2; i++) {
		const char *n = eols[i];
		char msg[1024], want[1024];

		snprintf(msg, sizeof(msg),
		    "Received: from mail.kund.example (mail.kund.example%s"
		    "\t[198.51.100.23]) by mx.helpdesk.example (Postfix)%s"
		    "        with ESMTPS id 4F1A2B3C4D; Thu, 14 Mar 2024 10:22:33 +0100 from 192.0.2.7%s"
		    "  (CET)%s"
		    "X-Originating-IP: [203.0.113.77]%s"
		    "Subject: folded received%s%sbody%s", n, n, n, n, n, n, n, n);
		snprintf(want, sizeof(want),
		    "Received: from mail.kund.example (mail.kund.example%s"
		    "\t[[IPV4]]) by mx.helpdesk.example (Postfix)%s"
		    "        with ESMTPS id 4F1A2B3C4D; Thu, 14 Mar 2024 10:22:33 +0100 from [IPV4]%s"
		    "  (CET)%s"
		    "X-Originating-IP: [[IPV4]]%s"
		    "Subject: folded received%s%sbody%s", n, n, n, n, n, n, n, n);
		expect(i ? "received LF" : "received CRLF", msg, want);
	}
	/* an IPv6 address and an obsolete "Name :" separator */
	expect("received ipv6",
	    "Received :from [2001:db8:1::42]\n\t(unknown)\n\tby x.example; Thu, 14 Mar 2024\n\nb\n",
	    "Received :from [[IPV6]]\n\t(unknown)\n\tby x.example; Thu, 14 Mar 2024\n\nb\n");
}

static void
test_subject_plain(void)
{
	expect("subject phone",
	    "From: a@example.com\r\nSubject:  Please call +46 70 123 45 67\ttoday  \r\n\r\nb\r\n",
	    "From: a@example.com\r\nSubject:  Please call [PHONE]\ttoday  \r\n\r\nb\r\n");
	/* folded subject, the number on the second line */
	expect("subject folded",
	    "Subject: A rather long subject line that the sender folded,\n"
	    "   call me back on +46 70 123 45 67 (mobile)\n\nb\n",
	    "Subject: A rather long subject line that the sender folded,\n"
	    "   call me back on [PHONE] (mobile)\n\nb\n");
	/* a number that spans a fold: its bytes, fold included, are replaced */
	expect("subject across fold",
	    "Subject: call me at +46 70\r\n 123 45 67 please\r\n\r\nb\r\n",
	    "Subject: call me at [PHONE] please\r\n\r\nb\r\n");
	/* raw UTF-8 stays raw UTF-8, not re-encoded */
	expect("subject raw utf-8",
	    "Subject: Gr\xc3\xbc\xc3\x9f" "e, ring +46 70 123 45 67\n\nb\n",
	    "Subject: Gr\xc3\xbc\xc3\x9f" "e, ring [PHONE]\n\nb\n");
	/* nothing found: nothing touched, odd spacing included */
	expect("subject clean", "Subject:no space,  version 4.18.0.1\n\nb\n",
	    "Subject:no space,  version 4.18.0.1\n\nb\n");
}

static void
test_subject_encoded(void)
{
	const char *msg =
	    "From: a@example.com\r\n"
	    "Subject: Re: =?UTF-8?Q?Mail_f=C3=BCr_joerg=40beispiel=2Eexample?= (Ticket 4711)\r\n"
	    "\r\nb\r\n";
	size_t len;
	char *out = scrub(msg, strlen(msg), &len), *t;

	/* "Re: " and "(Ticket 4711)" are literal text and stay as they are */
	CHECK_MSG(out && strcmp(out, "From: a@example.com\r\n"
	    "Subject: Re: Mail =?UTF-8?Q?f=C3=BCr?= [EMAIL] (Ticket 4711)\r\n"
	    "\r\nb\r\n") == 0, "%s", out);
	CHECK(out && strstr(out, "beispiel") == NULL);
	t = out ? header_text(out, "Subject:") : NULL;
	CHECK_MSG(t && strcmp(t, " Re: Mail f\xc3\xbcr [EMAIL] (Ticket 4711)") == 0, "%s", t);
	CHECK(out && idempotent(out, len));
	free(t);
	free(out);

	/* only the word that held something is encoded anew; the other
	 * encoded word and the fold between them stay byte for byte */
	expect("two words",
	    "Subject: =?ISO-8859-1?Q?Gr=FC=DFe?= from the\n"
	    " =?UTF-8?B?Ym9iQGV4YW1wbGUuY29t?= team\n\nb\n",
	    "Subject: =?ISO-8859-1?Q?Gr=FC=DFe?= from the\n"
	    " [EMAIL] team\n\nb\n");
	/* a whole encoded subject: the name and separator stay */
	msg = "Subject:\t=?UTF-8?B?Qml0dGUgenVyw7xja3J1ZmVuOiArNDYgNzAgMTIzIDQ1IDY3?=\n\nb\n";
	out = scrub(msg, strlen(msg), &len);
	CHECK_MSG(out && strncmp(out, "Subject:\t", 9) == 0, "%s", out);
	t = out ? header_text(out, "Subject:") : NULL;
	CHECK_MSG(t && strcmp(t, "\tBitte zur\xc3\xbc" "ckrufen: [PHONE]") == 0, "%s", t);
	CHECK(out && idempotent(out, len));
	free(t);
	free(out);
}

/* longest - octets of the longest line of s, line breaks aside */
static size_t
longest(const char *s)
{
	size_t max = 0;

	while (*s) {
		size_t n = strcspn(s, "\n");

		if (n > max)
			max = n - (n > 0 && s[n - 1] == '\r');
		s += n + (s[n] == '\n');
	}
	return max;
}

static void
test_long(void)
{
	char msg[4096], *p;
	const char *first = "X-Addresses: a list that starts on an unchanged line\r\n";
	size_t len;
	char *out;

	/* one line of 994 octets; every address grows by one octet */
	p = msg + sprintf(msg, "%s ", first);
	for (int i = 0; i < 141; i++)
		p += sprintf(p, "%sa@b.se", i ? " " : "");
	sprintf(p, "\r\nSubject: long\r\n\r\nb\r\n");
	CHECK(longest(msg) <= 998);
	out = scrub(msg, strlen(msg), &len);
	CHECK_MSG(out && longest(out) <= 998, "%zu", out ? longest(out) : 0);
	CHECK(out && strstr(out, "a@b.se") == NULL);
	/* the name, the separator and the unchanged first line stay */
	CHECK(out && strncmp(out, first, strlen(first)) == 0);
	CHECK(out && strstr(out, "\r\nSubject: long\r\n\r\nb\r\n") != NULL);
	/* still one field: every line of it is a continuation */
	for (const char *l = out ? strstr(out, "\r\n") : NULL; l &&
	    strncmp(l, "\r\nSubject:", 10) != 0; l = strstr(l + 2, "\r\n"))
		CHECK_MSG(l[2] == ' ' || l[2] == '\t', "%.20s", l);
	CHECK(out && idempotent(out, len));
	free(out);

	/* a number spanning a fold between two long lines: joining them
	 * would pass 998, so the field is folded anew from that line */
	p = msg + sprintf(msg, "X-Join: ");
	memset(p, 'w', 590);
	p += 590;
	p += sprintf(p, " +46 70\n 123 45 67 ");
	memset(p, 'z', 500);
	p += 500;
	sprintf(p, "\nSubject: x\n\nb\n");
	out = scrub(msg, strlen(msg), &len);
	CHECK_MSG(out && longest(out) <= 998, "%zu", out ? longest(out) : 0);
	CHECK(out && strstr(out, "123 45 67") == NULL && strstr(out, "[PHONE]"));
	CHECK(out && idempotent(out, len));
	free(out);
}

static void
test_pseudonym_longer(void)
{
	/* a replacement longer than what it replaces, in a field whose only
	 * line is close to the limit */
	char msg[2048], *p;
	size_t len;
	char *out;

	spec.strategy = STRATEGY_PSEUDONYM;
	memcpy(spec.key, "0123456789abcdef0123456789abcdef", 32);
	spec.keylen = 32;
	setup();
	p = msg + sprintf(msg, "X-Hops:");
	for (int i = 0; i < 80; i++)
		p += sprintf(p, " 10.0.%d.%d", i / 10, i % 10);
	p += sprintf(p, " end\nSubject: hops\n\nb\n");
	out = scrub(msg, strlen(msg), &len);
	CHECK_MSG(out && longest(out) <= 998, "%zu", out ? longest(out) : 0);
	CHECK(out && strstr(out, "10.0.") == NULL && strstr(out, "[IPV4-"));
	CHECK(out && strncmp(out, "X-Hops: [IPV4-", 14) == 0);
	CHECK(out && strstr(out, " end\nSubject: hops\n\nb\n") != NULL);
	CHECK(out && idempotent(out, len));
	free(out);
	spec.strategy = STRATEGY_MASK;
	setup();
}

static void
test_encoded_neighbours(void)
{
	/* two words re-encoded side by side: the blank between them must
	 * survive decoding, so they are encoded as one run */
	const char *msg = "Subject: Hi =?UTF-8?Q?bob=40example.com?=,\xc3\xa9 "
	    "=?UTF-8?Q?carl=40example.com?=,\xc3\xa9 end\n\nb\n";
	size_t len;
	char *out = scrub(msg, strlen(msg), &len), *t;

	t = out ? header_text(out, "Subject:") : NULL;
	CHECK_MSG(t && strcmp(t, " Hi [EMAIL],\xc3\xa9 [EMAIL],\xc3\xa9 end") == 0,
	    "%s", t);
	CHECK(out && strncmp(out, "Subject: Hi =?UTF-8?", 20) == 0);
	CHECK(out && idempotent(out, len));
	free(t);
	free(out);
}

static void
test_recipient_fields(void)
{
	struct scrub_result r;
	/* a Cc folded without the leading blank: its second line has no
	 * field name; it goes with the Cc */
	const char *msg =
	    "From: a@example.com\n"
	    "Cc: simple@partner.example, =?UTF-8?Q?John_=22\n"
	    "Johnny=22_Doe?= <john.doe@partner.example>\n"
	    "Content-Description: scan for bob@example.com\n"
	    "Subject: hi\n\nb\n";
	const char *want =
	    "From: a@example.com\n"
	    "Content-Description: scan for [EMAIL]\n"
	    "Subject: hi\n\nb\n";

	scrub_result_init(&r);
	CHECK(scrub_message(pol, msg, strlen(msg), 0, &r) == 0);
	CHECK_MSG(r.out.p && strcmp(r.out.p, want) == 0, "%s", r.out.p);
	CHECK(r.stripped_recipients >= 2);	/* the address on the junk line counts */
	scrub_result_free(&r);
	expect("recipients", msg, want);
}

/* sound_header - every line of the header block of s (up to the empty
 * line) is a field start or a continuation, none over 998 octets unless
 * the input had one, no 8-bit byte unless the input had one */
static int
sound_header(const char *in, const char *s, size_t len)
{
	size_t pos = 0, maxin = longest(in);
	int high_in = 0;

	for (const char *p = in; *p; p++)
		high_in |= (unsigned char)*p >= 0x80;
	while (pos < len) {
		const char *nl = memchr(s + pos, '\n', len - pos);
		size_t end = nl ? (size_t)(nl - s) : len, l = end - pos;

		if (l > 0 && s[end - 1] == '\r')
			l--;
		if (l == 0)
			return 1;	/* the end of the header */
		if (l > 998 && l > maxin)
			return 0;
		if (pos > 0 && s[pos] != ' ' && s[pos] != '\t' &&
		    memchr(s + pos, ':', l) == NULL)
			return 0;
		for (size_t i = pos; i < end; i++)
			if ((unsigned char)s[i] >= 0x80 && !high_in)
				return 0;
		pos = end + 1;
	}
	return 1;
}

/* field_values - the decoded values of the fields of the header of s,
 * each ending in '\n' (the first empty line ends the header) */
static void
field_values(const char *s, size_t len, struct buf *out)
{
	size_t pos = 0;

	while (pos < len && s[pos] != '\n' && s[pos] != '\r') {
		size_t v = pos, e = pos;

		while (v < len && s[v] != ':')
			v++;
		/* the field ends at a line break not followed by a blank */
		for (e = v; e < len && !(s[e] == '\n' && (e + 1 >= len ||
		    (s[e + 1] != ' ' && s[e + 1] != '\t'))); e++)
			;
		rfc2047_decode(s + v + 1, e - v - 1, out);
		buf_putc(out, '\n');
		pos = e + 1;
	}
}

/* redacted_values - field_values of s with the recognizer's findings
 * redacted, as the scrub should have done */
static void
redacted_values(const struct recognizer *rec, const char *s, size_t len,
    struct buf *out)
{
	struct buf dec;
	struct findings f;
	enum scrub_err err;
	size_t pos = 0;

	buf_init(&dec, 0);
	findings_init(&f);
	field_values(s, len, &dec);
	while (pos < dec.len) {
		size_t e = (size_t)((char *)memchr(dec.p + pos, '\n', dec.len - pos) - dec.p);

		recognizer_scan(rec, dec.p + pos, e - pos, NULL, &f, &err);
		redact_apply(&spec, dec.p + pos, e - pos, &f, out, NULL);
		buf_putc(out, '\n');
		pos = e + 1;
	}
	findings_free(&f);
	buf_free(&dec);
}

/* stable - 1 when the recognizer finds nothing more in the
 * redacted values v (one per line) */
static int
stable(const struct recognizer *rec, const struct buf *v)
{
	struct findings f;
	enum scrub_err err;
	size_t pos = 0, n = 0;

	findings_init(&f);
	while (pos < v->len) {
		size_t e = (size_t)((char *)memchr(v->p + pos, '\n', v->len - pos) - v->p);

		recognizer_scan(rec, v->p + pos, e - pos, NULL, &f, &err);
		n += f.n;
		pos = e + 1;
	}
	findings_free(&f);
	return n == 0;
}

/* a word of 300 octets: with a few of them a line passes 998 */
#define LONG_WORD_10 "abcdefghijklmnopqrstuvwxyzabcd"
#define LONG_WORD LONG_WORD_10 LONG_WORD_10 LONG_WORD_10 LONG_WORD_10 \
	LONG_WORD_10 LONG_WORD_10 LONG_WORD_10 LONG_WORD_10 LONG_WORD_10 LONG_WORD_10

/* test_random - random fields of encoded words, folds, blanks and data:
 * the output header is sound, decodes to the input's decoded text with
 * the findings replaced (so no blank was lost or added), and scrubbing it
 * again changes nothing */
static void
test_random(void)
{
	static const char *const piece[] = { " ", "\t", "  ", "\r\n ", "\r\n\t",
	    "word", "x", ",", "(", ")", "<", ">", "\"", "=?", "?=", "_",
	    "=?UTF-8?Q?caf=C3=A9?=", "=?UTF-8?Q?bob=40example.com?=",
	    "=?ISO-8859-1?B?Ym9iQGV4YW1wbGUuY29t?=", "=?UTF-8?B?w6k=?=",
	    "=?bogus?Q?x?=", "=?UTF-8?Q?_?=", "=?UTF-8?Q?" "?=",
	    "bob@example.com", "a@b.se",
	    "+46 70 123 45 67", "198.51.100.23", "2001:db8::1",
	    "DE89 3704 0044 0532 0130 00", "\xc3\xa9", "\xe9\xff", "4.18.0.1",
	    "2024-03-14", "[EMAIL]", "[PHONE]", LONG_WORD };
	static const char *const names[] = { "Subject", "Received",
	    "X-Originating-IP", "Comments", "Keywords", "X-Note" };
	size_t np = sizeof(piece) / sizeof(piece[0]);
	unsigned bad_shape = 0, bad_idem = 0, bad_text = 0, errors = 0;
	const char *err = NULL;
	struct recognizer *rec = recognizer_create(&spec, &err);
	char msg[16384];
	int shown = 0;

	srand(5);
	for (int k = 0; k < 5000; k++) {
		const char *eol = k % 2 ? "\r\n" : "\n";
		size_t len = 0, olen;
		struct buf want, got;
		char *out;
		int bad;

		for (int f = 0; f < 3; f++) {
			size_t pieces = (size_t)rand() % 30;

			len += (size_t)sprintf(msg + len, "%s:%s",
			    names[(size_t)rand() % 6], rand() % 4 ? " " : "");
			for (size_t i = 0; i < pieces; i++) {
				const char *pc = piece[(size_t)rand() % np];

				if (pc[0] == '\r' && eol[1] == '\0')
					pc++;	/* LF message: LF + blank */
				/* mostly apart: values glued together are
				 * the recognizer's business, not this test's */
				len += (size_t)sprintf(msg + len, "%s%s", pc,
				    rand() % 4 ? " " : "");
			}
			/* the field ends in its line break, not in a fold */
			while (len > 0 && strchr(" \t\r\n", msg[len - 1]))
				len--;
			len += (size_t)sprintf(msg + len, "%s", eol);
		}
		len += (size_t)sprintf(msg + len, "%sbody%s", eol, eol);
		if ((out = scrub(msg, len, &olen)) == NULL) {
			errors++;
			continue;
		}
		buf_init(&want, 0);
		buf_init(&got, 0);
		redacted_values(rec, msg, len, &want);
		field_values(out, olen, &got);
		bad = !sound_header(msg, out, olen);
		bad_shape += bad;
		if (want.len != got.len || memcmp(want.p, got.p, want.len) != 0) {
			bad_text++;
			bad = 1;
		}
		/* idempotent, unless the recognizer itself is not on this text
		 * (glued values: "1a@b.sea@b.se" hides an address in an address) */
		if (!idempotent(out, olen) && stable(rec, &want)) {
			bad_idem++;
			bad = 1;
		}
		if (bad && !shown++)
			fprintf(stderr, "random %d:\n%s---\n%s---want\n%s---got\n%s",
			    k, msg, out, want.p, got.p);
		buf_free(&want);
		buf_free(&got);
		free(out);
	}
	CHECK_MSG(errors == 0, "%u errors", errors);
	CHECK_MSG(bad_shape == 0, "%u unsound headers", bad_shape);
	CHECK_MSG(bad_idem == 0, "%u not idempotent", bad_idem);
	CHECK_MSG(bad_text == 0, "%u decode differently", bad_text);
	recognizer_destroy(&rec);
}

int
main(void)
{
	policy_spec_defaults(&spec);
	setup();
	test_received_folded();
	test_subject_plain();
	test_subject_encoded();
	test_encoded_neighbours();
	test_recipient_fields();
	test_long();
	test_pseudonym_longer();
	/* not under valgrind: PCRE2's JIT reads whole 16-byte blocks past the
	 * end of a subject (inside its buffer), which memcheck reports as use
	 * of uninitialised memory; the cases above cover the same code */
	if (!RUNNING_ON_VALGRIND)
		test_random();
	scrub_policy_destroy(&pol);
	policy_spec_free(&spec);
	return harness_done();
}
