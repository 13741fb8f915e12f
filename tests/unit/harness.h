/* harness - a tiny unit test harness.
 *
 * CHECK(cond) counts a pass or prints the failing line; a test file ends
 * main with return harness_done(); which prints "N passed, N failed".
 * Table-driven recognizer tests use CHECK_MSG to name the row.
 */
#ifndef SCRUBGATE_HARNESS_H
#define SCRUBGATE_HARNESS_H

#include <stdio.h>

static unsigned harness_pass, harness_fail;

#define CHECK_MSG(cond, ...) do {					\
	if (cond)							\
		harness_pass++;						\
	else {								\
		harness_fail++;						\
		fprintf(stderr, "%s:%d: FAIL: %s: ", __FILE__, __LINE__, #cond); \
		fprintf(stderr, __VA_ARGS__);				\
		fputc('\n', stderr);					\
	}								\
} while (0)

#define CHECK(cond) CHECK_MSG(cond, "%s", "")

static inline int
harness_done(void)
{
	printf("%u passed, %u failed\n", harness_pass, harness_fail);
	return harness_fail ? 1 : 0;
}

#endif
