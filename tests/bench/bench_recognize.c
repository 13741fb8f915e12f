/* bench_recognize - throughput of recognizer_scan on generated support mail.
 *
 * Builds about 32 MiB of text in memory: English prose, application log
 * lines full of timestamps, durations and ids, and HTML, with roughly one
 * personal-data item (e-mail, phone, IBAN, card, IP, personnummer...) per
 * 2 KiB, cut into 64 KiB "parts" as the scrubber would hand them over.
 * Prints MB/s for the default policy.  Not built by the Makefile; build by
 * hand from the repository root:
 *
 *   cc -std=c11 -D_GNU_SOURCE -O2 -Ifilters -o build/bench_recognize \
 *      tests/bench/bench_recognize.c filters/recognize.c \
 *      filters/recognize_policy.c filters/recognize_context.c \
 *      filters/validate.c filters/policy.c \
 *      filters/kinds.c -lpcre2-8
 *   ./build/bench_recognize [MiB] [rounds]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "recognize.h"

#define PART 65536

static const char *const prose[] = {
	"Hi team, thanks for getting back to me so quickly. ",
	"I tried the steps from the knowledge base article but the export still fails. ",
	"The problem started after we upgraded to version 17.1.2 last Tuesday. ",
	"Could you please have a look at the attached log file and let me know? ",
	"We are running build 10.0.19045.3570 on all of our workstations. ",
	"Our order #123456789 from 2024-03-15 was charged twice ($1,234.56). ",
	"As discussed on the phone, the invoice INV-2024-000123 is still open. ",
	"Best regards, and have a nice weekend. ",
	"The error code shown is 0x80070005 (access denied). ",
	"Ticket 100042 was closed without a resolution, which is frustrating. ",
	"Please escalate this to second line support if needed. ",
	"The release 4.18.0.1 notes do not mention this regression at all. ",
};

static const char *const logl[] = {
	"2024-03-15 10:22:33,123 INFO  [main] c.e.app.Server - started in 2345 ms (pid 48213)\n",
	"2024-03-15T10:22:34.551Z WARN  worker-7 queue depth 1532 exceeds 1000, retry 3/5\n",
	"2024-03-15 10:22:35,007 ERROR [http-nio-8080-exec-4] request 7f3a9c2e-11d4-4e2b-9a51-0c6f2a1b9d3e failed\n",
	"\tat com.example.export.Writer.flush(Writer.java:123)\n",
	"2024-03-15 10:22:36,912 DEBUG cache hit ratio 0.9731 size 65536 evictions 12\n",
	"Mar 15 10:22:37 host kernel: [12345.678901] eth0: link up 1000 Mbps full duplex\n",
	"2024-03-15 10:22:38,441 INFO  sha256=e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n",
};

static const char *const html[] = {
	"<table width=\"600\" cellpadding=\"0\" style=\"font-family:Arial;color:#333333\"><tr><td>",
	"<p style=\"margin:0 0 12px 0;font-size:14px;line-height:20px\">Thank you for contacting us.</p>",
	"<a href=\"https://support.example.com/kb/article/1234?utm_source=mail\">Read more</a></td></tr></table>\n",
	"<div class=\"footer\">&copy; 2024 Example Corp &middot; 1 Infinite Loop</div>\n",
};

static const char *const pii[] = {
	"Contact me at anna.svensson+support@example.se please. ",
	"My mobile is +46 70 123 45 67. ",
	"Call me on 070-123 45 67 after lunch. ",
	"IBAN: DE89 3704 0044 0532 0130 00 ",
	"card 4111 1111 1111 1111 exp 12/26 ",
	"client ip 192.168.10.42 ",
	"personnummer 811218-9876 ",
	"from 2001:db8::8a2e:370:7334 ",
	"US office (555) 123-4567 ",
	"codice fiscale RSSMRA85T10A562S ",
};

static size_t
append(char *buf, size_t len, size_t cap, const char *s)
{
	size_t n = strlen(s);

	if (len + n > cap)
		return len;
	memcpy(buf + len, s, n);
	return len + n;
}

/* gen - prose, logs and HTML in turn, one item of personal data per 2 KiB */
static size_t
gen(char *buf, size_t cap)
{
	size_t len = 0, next_pii = 2048, last;
	unsigned seed = 12345, k = 0;

	while (len + 512 < cap) {
		seed = seed * 1103515245u + 12345u;
		switch ((seed >> 16) % 3) {
		case 0:
			for (int i = 0; i < 6; i++)
				len = append(buf, len, cap, prose[(seed >> (i + 3)) % 12]);
			len = append(buf, len, cap, "\n\n");
			break;
		case 1:
			for (int i = 0; i < 8; i++)
				len = append(buf, len, cap, logl[(seed >> (i + 2)) % 7]);
			break;
		default:
			for (int i = 0; i < 4; i++)
				len = append(buf, len, cap, html[i]);
			break;
		}
		if (len >= next_pii) {
			last = len;
			len = append(buf, len, cap, pii[k++ % 10]);
			next_pii = last + 2048;
		}
	}
	return len;
}

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);	/* per core: CPU time, not wall */
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

int
main(int argc, char **argv)
{
	size_t mib = argc > 1 ? (size_t)atoi(argv[1]) : 32;
	int rounds = argc > 2 ? atoi(argv[2]) : 5;
	size_t cap = mib << 20, len, found = 0;
	struct policy_spec spec;
	struct recognizer *r;
	struct findings f;
	const char *err;
	enum scrub_err e;
	char *text;
	double t0, best = 1e9;

	if ((text = malloc(cap)) == NULL)
		return 1;
	len = gen(text, cap);
	policy_spec_defaults(&spec);
	if ((r = recognizer_create(&spec, &err)) == NULL) {
		fprintf(stderr, "recognizer_create: %s\n", err);
		return 1;
	}
	findings_init(&f);
	for (int round = 0; round < rounds; round++) {
		found = 0;
		t0 = now();
		for (size_t off = 0; off < len; off += PART) {
			size_t n = len - off < PART ? len - off : PART;

			if (recognizer_scan(r, text + off, n, NULL, &f, &e) < 0) {
				fprintf(stderr, "scan failed: %d\n", e);
				return 1;
			}
			found += f.n;
		}
		if (now() - t0 < best)
			best = now() - t0;
	}
	printf("recognizer_scan: %.1f MiB in %zu KiB parts, %zu findings (1 per %.0f bytes), "
	    "best of %d: %.0f MB/s\n", len / 1048576.0, (size_t)PART / 1024, found,
	    found ? (double)len / found : 0.0, rounds, len / best / 1e6);
	findings_free(&f);
	recognizer_destroy(&r);
	free(text);
	return 0;
}
