/* cli - error lines and usage for the commands (see cli.h). */
#include "cli.h"

#include <stdarg.h>
#include <stdio.h>
#include <sysexits.h>

/* cli_fail - one line on stderr, the exit code */
int
cli_fail(int code, const char *fmt, ...)
{
	va_list ap;

	fputs("scrubgate: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	fflush(stderr);
	return code;
}

/* cli_usage - the reason (if any), the usage text, EX_USAGE */
int
cli_usage(const char *text, const char *prefix, const char *why)
{
	if (why != NULL)
		fprintf(stderr, "scrubgate: %s%s\n", prefix ? prefix : "", why);
	fputs(text, stderr);
	return EX_USAGE;
}
