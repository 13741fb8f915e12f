/* test_recognize - every kind in text context: what must be found, what
 * must be left alone, the policy knobs, limits, and idempotence. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "harness.h"
#include "recognize.h"
#include "redact.h"

static struct policy_spec spec;
static struct recognizer *rec;

struct row {
	const char *text;
	int kind;		/* -1: nothing at all may be found */
	const char *value;	/* the one finding expected */
};

#define NONE -1

static const struct row positive[] = {
	/* e-mail */
	{ "Write to anna.berg@example.com today.", KIND_EMAIL, "anna.berg@example.com" },
	{ "plus: anna+support@example.co.uk,", KIND_EMAIL, "anna+support@example.co.uk" },
	{ "IDN: jörg@müller.de ok", KIND_EMAIL, "jörg@müller.de" },
	{ "<mailto:x_y-z@sub.example.org>", KIND_EMAIL, "x_y-z@sub.example.org" },
	{ "punycode a@xn--mller-kva.de.", KIND_EMAIL, "a@xn--mller-kva.de" },
	/* phone */
	{ "Ring me: +46 70 123 45 67.", KIND_PHONE, "+46 70 123 45 67" },
	{ "mobil 070-123 45 67", KIND_PHONE, "070-123 45 67" },
	{ "US (555) 123-4567 office", KIND_PHONE, "(555) 123-4567" },
	{ "or 555-234-5678 or", KIND_PHONE, "555-234-5678" },
	{ "or 555.234.5678 or", KIND_PHONE, "555.234.5678" },
	{ "toll-free 1-800-234-5678", KIND_PHONE, "1-800-234-5678" },
	{ "Berlin 030 12345678", KIND_PHONE, "030 12345678" },
	{ "London +44 20 7946 0958", KIND_PHONE, "+44 20 7946 0958" },
	{ "Bratislava 0911 123 456", KIND_PHONE, "0911 123 456" },
	{ "Milano 02 1234 5678", KIND_PHONE, "02 1234 5678" },
	{ "Praha +420 602 123 456", KIND_PHONE, "+420 602 123 456" },
	{ "intl 0046 70 123 45 67", KIND_PHONE, "0046 70 123 45 67" },
	{ "Tel.: 602 123 456", KIND_PHONE, "602 123 456" },
	{ "phone number: 602 123 456", KIND_PHONE, "602 123 456" },
	{ "+46 (0)70 123 45 67", KIND_PHONE, "+46 (0)70 123 45 67" },
	{ "nbsp 070\xc2\xa0" "123\xc2\xa0" "45\xc2\xa0" "67", KIND_PHONE,
	  "070\xc2\xa0" "123\xc2\xa0" "45\xc2\xa0" "67" },
	/* IP addresses */
	{ "from 192.168.10.42 port", KIND_IPV4, "192.168.10.42" },
	{ "[10.0.0.1]", KIND_IPV4, "10.0.0.1" },
	{ "host 2001:db8:85a3::8a2e:370:7334 x", KIND_IPV6, "2001:db8:85a3::8a2e:370:7334" },
	{ "full 2001:0db8:0000:0000:0000:ff00:0042:8329", KIND_IPV6,
	  "2001:0db8:0000:0000:0000:ff00:0042:8329" },
	{ "lo ::1 only", KIND_IPV6, "::1" },
	{ "mapped ::ffff:192.0.2.128.", KIND_IPV6, "::ffff:192.0.2.128" },
	{ "link fe80::1%eth0", KIND_IPV6, "fe80::1" },
	/* IBAN */
	{ "IBAN DE89 3704 0044 0532 0130 00 thanks", KIND_IBAN, "DE89 3704 0044 0532 0130 00" },
	{ "IBAN DE89370400440532013000.", KIND_IBAN, "DE89370400440532013000" },
	{ "GB82 WEST 1234 5698 7654 32 OK", KIND_IBAN, "GB82 WEST 1234 5698 7654 32" },
	/* cards */
	{ "card 4111 1111 1111 1111 exp", KIND_CARD, "4111 1111 1111 1111" },
	{ "card 4111-1111-1111-1111", KIND_CARD, "4111-1111-1111-1111" },
	{ "amex 378282246310005,", KIND_CARD, "378282246310005" },
	{ "mc 5555555555554444 ok", KIND_CARD, "5555555555554444" },
	/* national numbers */
	{ "pnr 811218-9876.", KIND_SE_PNR, "811218-9876" },
	{ "pnr 19811218-9876", KIND_SE_PNR, "19811218-9876" },
	{ "pnr 198112189876", KIND_SE_PNR, "198112189876" },
	{ "old 811218+9876", KIND_SE_PNR, "811218+9876" },
	{ "samordning 701063-2383", KIND_SE_PNR, "701063-2383" },
	{ "CF RSSMRA85T10A562S.", KIND_IT_CF, "RSSMRA85T10A562S" },
	{ "CF RSSMRA85T10A56NH", KIND_IT_CF, "RSSMRA85T10A56NH" },
	{ "RC 855101/1238", KIND_CZSK_RC, "855101/1238" },
	{ "RC 736028/1005", KIND_CZSK_RC, "736028/1005" },
	{ "RC 520101/123 (1952)", KIND_CZSK_RC, "520101/123" },
	{ "NINO AB 12 34 56 C.", KIND_UK_NINO, "AB 12 34 56 C" },
	{ "NINO JG103759A", KIND_UK_NINO, "JG103759A" },
	{ "SSN 123-45-6789", KIND_US_SSN, "123-45-6789" },
	{ "ssn 123 45 6789", KIND_US_SSN, "123 45 6789" },
	{ "SSN: 123456789", KIND_US_SSN, "123456789" },
	{ "Steuer-ID 86095742719", KIND_DE_STEUERID, "86095742719" },
	{ "DNI 12345678Z", KIND_ES_DNI, "12345678Z" },
	{ "NIE X1234567L.", KIND_ES_DNI, "X1234567L" },
	{ "PESEL 44051401359", KIND_PL_PESEL, "44051401359" },
	{ "PESEL 02210301232", KIND_PL_PESEL, "02210301232" },
	{ "CPR 010190-1234", KIND_DK_CPR, "010190-1234" },
	{ "HETU 131052-308T", KIND_FI_HETU, "131052-308T" },
	{ "HETU 010101A123N,", KIND_FI_HETU, "010101A123N" },
	/* a number in a cluster with hex words, lower-case words or a hash:
	 * the kinds are judged word by word */
	{ "code 0x1f 811218-9876 now", KIND_SE_PNR, "811218-9876" },
	{ "tel 0x1f +46 70 123 45 67", KIND_PHONE, "+46 70 123 45 67" },
	{ "ref 9a0c 855101/1238.", KIND_CZSK_RC, "855101/1238" },
	/* an apostrophe a word processor made curly is part of the address */
	{ "Dear o\xe2\x80\x99" "brien@example.com,", KIND_EMAIL, "o\xe2\x80\x99" "brien@example.com" },
	{ "NFD jose\xcc\x81@example.com ok", KIND_EMAIL, "jose\xcc\x81@example.com" },
	/* a log line's key stays: only the address is personal */
	{ "Nov 2 10:00:01 imap: user=bob@example.com, method=PLAIN", KIND_EMAIL, "bob@example.com" },
	{ "login: USER=bob@example.com", KIND_EMAIL, "bob@example.com" },
	{ "bounce to bob=example.com@lists.example.org", KIND_EMAIL,
	  "bob=example.com@lists.example.org" },
	/* a local part longer than RFC 5321's 64 octets (list and VERP
	 * addresses): once missed whole, found in part when a second scrub
	 * saw it cut by a quoted-printable soft break */
	{ "<mailto:unsubscribe-mc.us14_3f21937f0f636c8cec1db30bf.199bb58d0b-042ea43672"
	  "@mailin.mcsv.net?subject=unsubscribe>", KIND_EMAIL,
	  "unsubscribe-mc.us14_3f21937f0f636c8cec1db30bf.199bb58d0b-042ea43672@mailin.mcsv.net" },
	/* a phone number ends where a sentence does */
	{ "Please contact me at +39 02 6603 7371. 2024-03-15 19:32:19,719 INFO",
	  KIND_PHONE, "+39 02 6603 7371" },
	/* the trigger loop's shortcuts (recognize.c: iso_date, iso_time,
	 * small_cluster, lower_words, time_tail) pass over dates, times,
	 * short numbers and hashes without measuring them; what only looks
	 * like one must still be found: a date-shaped number after a phone
	 * word, a short group that a blank joins to more digits, seven
	 * digits, three dots, a hash joined to a number, a long group
	 * between colons, a time that goes on as an IPv6 address */
	{ "call 2412-34-56 78: after five", KIND_PHONE, "2412-34-56 78" },
	{ "ring 0720-12-34 56", KIND_PHONE, "0720-12-34 56" },
	{ "from 0720-12-34 56: Anna", KIND_PHONE, "0720-12-34 56" },
	{ "mobil 070 12 34 56", KIND_PHONE, "070 12 34 56" },
	{ "tel 555 1234", KIND_PHONE, "555 1234" },
	{ "host 10.1.2.3.", KIND_IPV4, "10.1.2.3" },
	{ "3b0c442 (555) 123-4567", KIND_PHONE, "(555) 123-4567" },
	{ "fax 12:34:0701234567: ok", KIND_CZSK_RC, "0701234567" },
	{ "at 2024-03-15 10:22:33:44:55:66:77:88", KIND_IPV6, "10:22:33:44:55:66:77:88" },
	{ "2024-03-15 10:22:33,123 call 070-123 45 67", KIND_PHONE, "070-123 45 67" },
	{ "2024-03-15T10:22:34.551Z 811218-9876", KIND_SE_PNR, "811218-9876" },
	/* a cluster after '-' or '/' holds no match at its start (the
	 * look-behinds refuse it), but may after a blank inside */
	{ "ref-12 811218-9876", KIND_SE_PNR, "811218-9876" },
	{ "x/12 4111 1111 1111 1111", KIND_CARD, "4111 1111 1111 1111" },
	/* a phone number that a blank joins to a short number before it:
	 * the cluster's inner '+' or '(' makes it a candidate (these leaked) */
	{ "12 +46 70 123 45 67", KIND_PHONE, "+46 70 123 45 67" },
	{ "Room 12 (555) 123-4567", KIND_PHONE, "(555) 123-4567" },
	{ "described in KB-4821. (070-900 24 74)", KIND_PHONE, "(070-900 24 74)" },
	{ "at 12:30 +46 70 123 45 67", KIND_PHONE, "+46 70 123 45 67" },
	/* boundaries: start and end of the text */
	{ "anna@example.com", KIND_EMAIL, "anna@example.com" },
	{ "4111111111111111", KIND_CARD, "4111111111111111" },
	{ "192.168.1.1", KIND_IPV4, "192.168.1.1" },
};

static const char *const negative[] = {
	/* versions */
	"version 17.1.2", "v4.18.0.1", "release 4.18.0.1", "build 10.0.19045.3570",
	"firmware 1.2.3.4", "kernel 5.15.0.91", "Version: 10.1.2.3", "update 2.0.0.1",
	"Chrome/120.0.6099.109 Safari/537.36",
	/* dates and times */
	"2024-03-15", "15.03.2024", "03/15/2024", "01.02.2024", "12:30:45",
	"2024-03-15T10:22:33Z", "at 10:22:33.123", "Mar 15 10:22:37 host",
	"2024-03-15 10:22", "2024-03-15T10:22:34.551Z WARN", "12:30:45:99",
	"retry 3/5, 17.1.2, (pid 48213) took 1532 ms", "http-nio-8080-exec-13",
	"3f2504e0-4f89-11d3-9a0c-0305e82c3301 1f3a9c2e", "20240315 1234",
	/* prices */
	"$1,234.56", "1.234,56 \xe2\x82\xac", "EUR 99.00", "1 234 567,89 kr",
	/* order, ticket, invoice, case numbers */
	"Order #123456789", "ticket 100042", "Invoice INV-2024-000123",
	"case no. 0701234567", "order number 0701234567", "Ref: 555-123-4567",
	"ticket #8112189876",
	/* error codes, UUIDs, hashes */
	"0x80070005", "error 0x8007000E", "550e8400-e29b-41d4-a716-446655440000",
	"md5 d41d8cd98f00b204e9800998ecf8427e",
	"sha1 da39a3ee5e6b4b0d3255bfef95601890afd80709",
	"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
	"commit 1a2b3c4", "git 4f9e2a1b",
	/* versions in version context, from real mail headers */
	"X-Spam-Checker-Version: SpamAssassin 2.55 (1.174.2.19-2003-05-19-exp)",
	"User-agent: mu4e 0.9.8.5-dev1; emacs", "X-SES-Outgoing: 2021.02.16-0.0.0.0",
	"by pb1.pair.com (ecelerity 2.1.1.9-wez r(12769M)) with ESMTP",
	"by b.mx.sonic.net (8.12.10/8.12.7) with SMTP id i19FLtmt026870",
	"by dbc.mtview.ca.us (4.1/3.1.090690)", "with qmail-scanner-1.24 (4.4.4.56.",
	"(Lotus SMTP MTA v4.6.1  (569.2 2-6-1998))", "OpenSSL 3.0.11 19 Sep 2023",
	/* timestamps and ids in brackets */
	"(1476358788189)", "portal. (432995385952212)", "id=(1476358788189)",
	/* real log lines */
	"2024-03-15 10:22:33,123 ERROR [http-nio-8080-exec-1] took 1234 ms",
	"Mar 15 10:22:37 mx postfix/smtpd[12345]: 4F9E2A1B3C: client=unknown",
	"kernel: [12345.678901] usb 1-1.2: new high-speed USB device number 4",
	"HRESULT 0x80070005, error 0xC0000005 at 0x00007FF6A1B2C3D4",
	"Total: EUR 12.400,00 (incl. 19% VAT), USD 1,234,567.89",
	"order 2024-000123-4567 shipped, tracking 1Z999AA10123456784",
	/* stack traces */
	"at Foo.java:123", "line 4567", "File \"x.py\", line 12345678",
	"\tat com.example.Service.run(Service.java:1234567)",
	"  File \"/usr/lib/python3/app.py\", line 4211, in handle",
	/* invalid checksums */
	"4111 1111 1111 1112", "DE89 3704 0044 0532 0130 01", "811218-9875",
	"RSSMRA85T10A562T", "855101/1230", "BG123456C", "000-12-3456",
	"86095742718", "12345678A", "44051401358", "320190-1234", "131052-308U",
	/* look-alikes */
	"id 123456789", "ID12345678901", "abc4111111111111111", "4111111111111111abc",
	"epoch 1710498153123", "pid=12345 uid=1000", "std::vector a::b",
	"520101123", "12 345 678",
	/* scrubgate's own output */
	"[EMAIL] [PHONE] [CARD-7f3a9c2e] [PHONE-12345678] [IBAN-00000000]",
	"**** **** **** 1111", "****@*******.com", "Tel: [PHONE]",
	"", "x", "@", "::", ":",
};

static void
test_positive(void)
{
	struct findings f;
	enum scrub_err e;

	findings_init(&f);
	for (size_t i = 0; i < sizeof(positive) / sizeof(positive[0]); i++) {
		const struct row *r = &positive[i];
		int rc = recognizer_scan(rec, r->text, strlen(r->text), NULL, &f, &e);

		CHECK_MSG(rc == 0 && f.n == 1, "\"%s\": rc %d, %zu findings", r->text, rc, f.n);
		if (rc != 0 || f.n != 1)
			continue;
		CHECK_MSG(f.v[0].kind == r->kind, "\"%s\": kind %s, want %s", r->text,
		    kind_name(f.v[0].kind), kind_name(r->kind));
		CHECK_MSG(f.v[0].end - f.v[0].start == strlen(r->value) &&
		    memcmp(r->text + f.v[0].start, r->value, strlen(r->value)) == 0,
		    "\"%s\": found \"%.*s\", want \"%s\"", r->text,
		    (int)(f.v[0].end - f.v[0].start), r->text + f.v[0].start, r->value);
	}
	findings_free(&f);
}

static void
test_negative(void)
{
	struct findings f;
	enum scrub_err e;

	findings_init(&f);
	for (size_t i = 0; i < sizeof(negative) / sizeof(negative[0]); i++) {
		const char *t = negative[i];
		int rc = recognizer_scan(rec, t, strlen(t), NULL, &f, &e);

		CHECK_MSG(rc == 0 && f.n == 0, "\"%s\": rc %d, %zu findings, first %s \"%.*s\"",
		    t, rc, f.n, f.n ? kind_name(f.v[0].kind) : "-",
		    f.n ? (int)(f.v[0].end - f.v[0].start) : 0, f.n ? t + f.v[0].start : "");
	}
	findings_free(&f);
}

/* several kinds in one text come out sorted and disjoint */
static void
test_mixed(void)
{
	const char *t = "Hi, I'm anna@example.com, tel +46 70 123 45 67, IBAN "
	    "SE45 5000 0000 0583 9825 7466, ip 10.1.2.3 and pnr 811218-9876. "
	    "Version 4.18.0.1 on 2024-03-15 12:30:45, order #123456789.";
	static const int want[] = { KIND_EMAIL, KIND_PHONE, KIND_IBAN, KIND_IPV4, KIND_SE_PNR };
	struct findings f;
	enum scrub_err e;

	findings_init(&f);
	CHECK(recognizer_scan(rec, t, strlen(t), NULL, &f, &e) == 0);
	CHECK_MSG(f.n == 5, "%zu findings", f.n);
	for (size_t i = 0; i < f.n && i < 5; i++) {
		CHECK_MSG(f.v[i].kind == want[i], "finding %zu is %s", i, kind_name(f.v[i].kind));
		if (i)
			CHECK(f.v[i].start >= f.v[i - 1].end);
	}
	findings_free(&f);
}

/* invalid UTF-8 and NUL bytes are scanned, never rejected */
static void
test_invalid_utf8(void)
{
	const char t[] = "\xff\xfe bad \xc3 anna@example.com \x80\x80 4111 1111 1111 1111 \0 +46 70 123 45 67 \xed\xa0\x80";
	struct findings f;
	enum scrub_err e;

	findings_init(&f);
	CHECK(recognizer_scan(rec, t, sizeof(t) - 1, NULL, &f, &e) == 0);
	CHECK_MSG(f.n == 3, "%zu findings", f.n);
	findings_free(&f);
}

/* a kind switched off is not searched */
static void
test_off(void)
{
	struct policy_spec s;
	struct recognizer *r;
	struct findings f;
	const char *err;
	enum scrub_err e;
	const char *t = "anna@example.com 192.168.1.1";

	policy_spec_defaults(&s);
	s.kinds[KIND_EMAIL].action = ACTION_OFF;
	CHECK((r = recognizer_create(&s, &err)) != NULL);
	findings_init(&f);
	CHECK(recognizer_scan(r, t, strlen(t), NULL, &f, &e) == 0);
	CHECK(f.n == 1 && f.v[0].kind == KIND_IPV4);
	findings_free(&f);
	recognizer_destroy(&r);
	CHECK(r == NULL);
}

static char *
xstrdup(const char *s)
{
	return strdup(s);
}

/* custom patterns and both allow-lists */
static void
test_policy(void)
{
	struct policy_spec s;
	struct recognizer *r;
	struct findings f;
	const char *err;
	enum scrub_err e;
	const char *t = "ticket ACME-12345 from support@example.com and anna@example.com, "
	    "ip 10.0.0.1 and 192.168.1.7";

	policy_spec_defaults(&s);
	s.custom[0] = (struct custom_pattern){ xstrdup("acme_id"), xstrdup("ACME-ID"),
	    xstrdup("ACME-[0-9]{5}") };
	s.ncustom = 1;
	s.allow_values = calloc(1, sizeof(char *));
	s.allow_values[0] = xstrdup("SUPPORT@example.com");
	s.nallow_values = 1;
	s.allow_patterns = calloc(1, sizeof(char *));
	s.allow_patterns[0] = xstrdup("10\\.[0-9.]+");
	s.nallow_patterns = 1;
	CHECK((r = recognizer_create(&s, &err)) != NULL);
	findings_init(&f);
	CHECK(recognizer_scan(r, t, strlen(t), NULL, &f, &e) == 0);
	CHECK_MSG(f.n == 3, "%zu findings", f.n);
	if (f.n == 3) {
		CHECK(f.v[0].kind == KIND_CUSTOM && memcmp(t + f.v[0].start, "ACME-12345", 10) == 0);
		CHECK(f.v[1].kind == KIND_EMAIL && memcmp(t + f.v[1].start, "anna@", 5) == 0);
		CHECK(f.v[2].kind == KIND_IPV4 && memcmp(t + f.v[2].start, "192.168.1.7", 11) == 0);
	}
	findings_free(&f);
	recognizer_destroy(&r);
	free(s.custom[0].regex);
	s.custom[0].regex = xstrdup("(unclosed");
	CHECK(recognizer_create(&s, &err) == NULL && err != NULL);
	policy_spec_free(&s);
}

/* known entities: case-insensitive, word boundaries, any white space */
static void
test_entities(void)
{
	const char *t = "Thanks ANNA  berg!\nRegards, Anna\nBerg. Annaberg and Anna Bergman "
	    "are someone else; mail: Anna.Berg@Example.com. Åsa Öberg and ÅSA ÖBERG.";
	struct entities ents;
	struct findings f;
	enum scrub_err e;
	size_t names = 0, mails = 0;

	entities_init(&ents);
	CHECK(entities_add(&ents, "Anna Berg", 9, KIND_NAME) == 0);
	CHECK(entities_add(&ents, " anna berg ", 11, KIND_NAME) == 0);	/* duplicate */
	CHECK(entities_add(&ents, "Al", 2, KIND_NAME) == 0);		/* too short */
	CHECK(entities_add(&ents, "anna.berg@example.com", 21, KIND_EMAIL) == 0);
	CHECK(entities_add(&ents, "Åsa Öberg", strlen("Åsa Öberg"), KIND_NAME) == 0);
	CHECK(ents.n == 3);
	findings_init(&f);
	CHECK(recognizer_scan(rec, t, strlen(t), &ents, &f, &e) == 0);
	for (size_t i = 0; i < f.n; i++) {
		names += f.v[i].kind == KIND_NAME;
		mails += f.v[i].kind == KIND_EMAIL;
	}
	CHECK_MSG(names == 4 && mails == 1, "%zu names, %zu mails", names, mails);
	findings_free(&f);
	entities_free(&ents);
	CHECK(ents.n == 0 && ents.v == NULL);
}

/* a catastrophic custom pattern hits the match limit, quickly */
static void
test_limits(void)
{
	struct policy_spec s;
	struct recognizer *r;
	struct findings f;
	const char *err;
	enum scrub_err e = ERR_OK;
	size_t n = 20000;
	char *t = malloc(n + 1);
	clock_t c0;

	memset(t, 'a', n);
	t[n - 1] = 'b';
	t[n] = '\0';
	policy_spec_defaults(&s);
	s.custom[0] = (struct custom_pattern){ xstrdup("evil"), xstrdup("EVIL"),
	    xstrdup("(a+)+$") };
	s.ncustom = 1;
	CHECK((r = recognizer_create(&s, &err)) != NULL);
	findings_init(&f);
	c0 = clock();
	CHECK(recognizer_scan(r, t, n, NULL, &f, &e) == -1 && e == ERR_MATCH_LIMIT);
	/* generous bound: a hang would take hours */
	CHECK((double)(clock() - c0) / CLOCKS_PER_SEC < 30.0);
	findings_free(&f);
	recognizer_destroy(&r);
	policy_spec_free(&s);
	free(t);
}

/* scanning scrubbed output finds nothing new, for both strategies and
 * mask-keep-last */
static void
test_idempotent(void)
{
	const char *t = "Anna Berg <anna.berg@example.com>, +46 70 123 45 67, "
	    "card 4111 1111 1111 1111, IBAN GB82 WEST 1234 5698 7654 32, "
	    "ip 192.168.1.1 / 2001:db8::1, pnr 811218-9876, SSN 123-45-6789, "
	    "CF RSSMRA85T10A562S, NINO AB 12 34 56 C, phone 555-123-4567.";
	struct policy_spec s;
	struct entities ents;
	struct findings f;
	enum scrub_err e;
	const char *err;

	entities_init(&ents);
	entities_add(&ents, "Anna Berg", 9, KIND_NAME);
	findings_init(&f);
	for (int mode = 0; mode < 3; mode++) {
		struct recognizer *r;
		struct buf out;

		policy_spec_defaults(&s);
		s.strategy = mode == 1 ? STRATEGY_PSEUDONYM : STRATEGY_MASK;
		if (mode == 2)
			for (int k = 0; k < KIND_BUILTIN_COUNT; k++)
				s.kinds[k] = (struct kind_rule){ ACTION_MASK_KEEP_LAST, 4 };
		memcpy(s.key, "k", 1);
		s.keylen = 1;
		CHECK((r = recognizer_create(&s, &err)) != NULL);
		buf_init(&out, 0);
		CHECK(recognizer_scan(r, t, strlen(t), &ents, &f, &e) == 0);
		CHECK_MSG(f.n == 12, "mode %d: %zu findings", mode, f.n);
		CHECK(redact_apply(&s, t, strlen(t), &f, &out, NULL) == 0);
		CHECK(recognizer_scan(r, out.p, out.len, &ents, &f, &e) == 0);
		CHECK_MSG(f.n == 0, "mode %d: rescan of \"%s\" found %zu", mode, out.p, f.n);
		buf_free(&out);
		recognizer_destroy(&r);
	}
	findings_free(&f);
	entities_free(&ents);
}

int
main(void)
{
	const char *err;

	policy_spec_defaults(&spec);
	if ((rec = recognizer_create(&spec, &err)) == NULL) {
		fprintf(stderr, "recognizer_create: %s\n", err);
		return 1;
	}
	test_positive();
	test_negative();
	test_mixed();
	test_invalid_utf8();
	test_off();
	test_policy();
	test_entities();
	test_limits();
	test_idempotent();
	recognizer_destroy(&rec);
	return harness_done();
}
