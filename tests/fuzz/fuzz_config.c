/* fuzz_config - libFuzzer target for the config parser.
 *
 * Parses the input as config text from memory (config_parse; no files, no
 * key file, no policy compile), and when it is accepted checks the dump
 * round trip: the dump of the effective settings parses again and dumps
 * to the same text (unless the dump's " = " spacing pushed a line past
 * the parser's line limit).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

/* long_line - a line the parser would refuse as too long */
static int
long_line(const char *p, size_t len)
{
	for (size_t i = 0, start = 0; i <= len; i++)
		if (i == len || p[i] == '\n') {
			if (i - start > 190)
				return 1;
			start = i + 1;
		}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config c, c2;
	struct buf a, b;

	if (config_init(&c) < 0)
		return 0;
	if (config_parse(&c, "fuzz", (const char *)data, size) == 0) {
		buf_init(&a, 0);
		buf_init(&b, 0);
		if (config_dump(&c, &a) == 0 && !long_line(a.p, a.len) &&
		    config_init(&c2) == 0) {
			if (config_parse(&c2, "dump", a.p, a.len) != 0)
				abort();	/* a dump that does not parse */
			if (config_dump(&c2, &b) != 0 || a.len != b.len ||
			    memcmp(a.p, b.p, a.len) != 0)
				abort();	/* the round trip changed it */
			config_free(&c2);
		}
		buf_free(&a);
		buf_free(&b);
	}
	config_free(&c);
	return 0;
}
