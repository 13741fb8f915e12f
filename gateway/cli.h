/* cli - the command line's two ways out: one error line, or the usage.
 *
 * Every message is one line on stderr starting "scrubgate: " and naming
 * the file, peer or option concerned, then the problem; the return value
 * is the sysexits code the command exits with.
 */
#ifndef SCRUBGATE_CLI_H
#define SCRUBGATE_CLI_H

/* cli_fail - "scrubgate: <fmt...>" and a newline on stderr; returns code */
int cli_fail(int code, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* cli_usage - "scrubgate: <prefix><why>" when why is not NULL, then the
 * usage text, on stderr; returns EX_USAGE */
int cli_usage(const char *text, const char *prefix, const char *why);

#endif
