/* main - the scrubgate command: argument parsing and subcommand dispatch.
 *
 *   scrubgate scrub [-c CONF] [-o OUT] [--report FILE] [--explain]
 *                   [--quarantine DIR] [--quiet] INPUT
 *   scrubgate check-config [-c CONF] [--template | --markdown]
 *   scrubgate --version | help
 *
 * Usage errors exit EX_USAGE (64); everything else is the subcommand's.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sysexits.h>

#include "config.h"
#include "scrub.h"
#include "scrubcmd.h"

#define SCRUBGATE_VERSION "0.1.0"

static const char usage_text[] =
    "usage: scrubgate scrub [-c CONF] [-o OUT] [--report FILE] [--explain]\n"
    "                       [--quarantine DIR] [--quiet] INPUT\n"
    "       scrubgate check-config [-c CONF] [--template | --markdown]\n"
    "       scrubgate --version\n"
    "       scrubgate help\n"
    "\n"
    "scrub: remove personal data from an mbox, a Maildir or one message\n"
    "  INPUT               mbox file, Maildir directory, message file, or -\n"
    "  -c, --config CONF   configuration file (default: built-in defaults)\n"
    "  -o, --output OUT    output file or Maildir; - is stdout (default)\n"
    "  --report FILE       write a JSON report (counts, never values)\n"
    "  --explain           print what would be redacted; write nothing\n"
    "  --quarantine DIR    where failed messages go (default OUT.quarantine)\n"
    "  -q, --quiet         no progress bar, no summary\n"
    "check-config: print the effective settings, or the error (exit 78)\n"
    "  --template          print the annotated example configuration\n"
    "  --markdown          print the key reference for the documentation\n";

/* usage - to stderr, EX_USAGE */
static int
usage(const char *why)
{
	if (why != NULL)
		fprintf(stderr, "scrubgate: %s\n", why);
	fputs(usage_text, stderr);
	return EX_USAGE;
}

/* cmd_scrub - parse the scrub options and run */
static int
cmd_scrub(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "output", required_argument, NULL, 'o' },
		{ "report", required_argument, NULL, 'r' },
		{ "explain", no_argument, NULL, 'e' },
		{ "quarantine", required_argument, NULL, 'Q' },
		{ "quiet", no_argument, NULL, 'q' },
		{ NULL, 0, NULL, 0 }
	};
	struct scrub_opts o = { .out = "-" };
	int ch;

	while ((ch = getopt_long(argc, argv, "c:o:q", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c': o.config = optarg; break;
		case 'o': o.out = optarg; break;
		case 'r': o.report = optarg; break;
		case 'e': o.explain = 1; break;
		case 'Q': o.quarantine = optarg; break;
		case 'q': o.quiet = 1; break;
		default: return usage(NULL);
		}
	}
	if (optind != argc - 1)
		return usage(optind == argc ? "scrub: INPUT missing" :
		    "scrub: one INPUT only");
	o.input = argv[optind];
	if (*o.input == '\0' || *o.out == '\0')
		return usage("scrub: empty file name");
	return scrubcmd_run(&o);
}

/* print_buf - a generated text to stdout */
static int
print_buf(int rc, struct buf *b)
{
	if (rc < 0 || (b->len && fwrite(b->p, 1, b->len, stdout) != b->len) ||
	    fflush(stdout) != 0) {
		fprintf(stderr, "scrubgate: stdout: write error\n");
		buf_free(b);
		return EX_IOERR;
	}
	buf_free(b);
	return EX_OK;
}

/* cmd_check_config - the effective settings, or the error */
static int
cmd_check_config(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "template", no_argument, NULL, 't' },
		{ "markdown", no_argument, NULL, 'm' },
		{ NULL, 0, NULL, 0 }
	};
	const char *path = NULL;
	struct scrub_policy *p = NULL;
	struct config c;
	struct buf b;
	int ch, mode = 0, rc;

	while ((ch = getopt_long(argc, argv, "c:", longopts, NULL)) != -1) {
		if (ch == 'c')
			path = optarg;
		else if (ch == 't' || ch == 'm')
			mode = ch;
		else
			return usage(NULL);
	}
	if (optind != argc)
		return usage("check-config: unexpected argument");
	buf_init(&b, 0);
	if (mode)
		return print_buf(mode == 't' ? config_template(&b) :
		    config_markdown(&b), &b);
	if ((rc = scrubcmd_load_config(path, &c, &p)) != 0) {
		config_free(&c);
		return rc;
	}
	rc = buf_printf(&b, "; effective settings (%s)\n", path ? path :
	    "built-in defaults");
	rc |= config_dump(&c, &b);
	scrub_policy_destroy(&p);
	config_free(&c);
	return print_buf(rc, &b);
}

/* main - dispatch on the subcommand */
int
main(int argc, char **argv)
{
	if (argc < 2)
		return usage(NULL);
	if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "version") == 0) {
		printf("scrubgate %s\n", SCRUBGATE_VERSION);
		return EX_OK;
	}
	if (strcmp(argv[1], "help") == 0 || strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "-h") == 0) {
		fputs(usage_text, stdout);
		return EX_OK;
	}
	if (strcmp(argv[1], "scrub") == 0)
		return cmd_scrub(argc - 1, argv + 1);
	if (strcmp(argv[1], "check-config") == 0)
		return cmd_check_config(argc - 1, argv + 1);
	fprintf(stderr, "scrubgate: unknown command '%.64s'\n", argv[1]);
	return usage(NULL);
}
