/* main - the scrubgate command: argument parsing and subcommand dispatch.
 *
 *   scrubgate scrub [-c CONF] [-o OUT] [--report FILE] [--explain]
 *                   [--quarantine DIR] [--quiet] INPUT
 *   scrubgate tickets list|show|export|erase|purge ...   (tickets.c)
 *   scrubgate route --explain [-c CONF] MESSAGE           (routecmd.c)
 *   scrubgate check-config [-c CONF] [--template | --markdown]
 *   scrubgate queue [-c CONF] [list | flush | delete ID...]  (queuecmd.c)
 *   scrubgate --version | help
 *
 * Usage errors exit EX_USAGE (64); everything else is the subcommand's.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sysexits.h>

#include "cli.h"
#include "config.h"
#include "scrub.h"
#include "scrubcmd.h"
#include "filtercmd.h"
#include "fetch.h"
#include "serve.h"
#include "routecmd.h"
#include "ticket.h"
#include "tickets.h"
#include "queuecmd.h"

#define SCRUBGATE_VERSION "0.1.0"

static const char usage_text[] =
    "usage: scrubgate scrub [-c CONF] [-o OUT] [--report FILE] [--explain]\n"
    "                       [--quarantine DIR] [--quiet] [--no-store] INPUT\n"
    "       scrubgate tickets list|show|export|erase|purge ... (tickets help)\n"
    "       scrubgate route --explain [-c CONF] [--to ADDR]... MESSAGE\n"
    "       scrubgate check-config [-c CONF] [--template | --markdown]\n"
    "       scrubgate filter [-c CONF] -f SENDER -- RCPT...\n"
    "       scrubgate fetch [-c CONF] [--once] [--account NAME]\n"
    "       scrubgate serve [-c CONF] [--syslog] [--no-deliver]\n"
    "       scrubgate queue [-c CONF] [list | flush | delete ID...]\n"
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
    "  --no-store          record nothing in the ticket store (recorded\n"
    "                      only when CONF has a [store] section)\n"
    "check-config: print the effective settings, or the error (exit 78)\n"
    "  --template          print the annotated example configuration\n"
    "  --markdown          print the key reference for the documentation\n"
    "serve: the SMTP gateway daemon ([server] listen; SIGHUP reloads,\n"
    "  SIGTERM stops); --syslog logs to syslog (default stderr),\n"
    "  --no-deliver only spools (no queue manager)\n"
    "queue: the delivery spool: list (id, age, attempts, next try, last\n"
    "  error), flush (retry now), delete ID... (remove from the queue)\n";

/* usage - the usage and why, EX_USAGE */
static int
usage(const char *why)
{
	return cli_usage(usage_text, NULL, why);
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
		{ "no-store", no_argument, NULL, 'N' },
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
		case 'N': ticket_scrub_disable(); break;
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
	/* routes and rules (issue 4): regexes, route names, profiles */
	{
		struct ticket_ctx *t;
		char err[512];

		if ((t = ticket_open_routes(&c, err, sizeof(err))) == NULL) {
			fprintf(stderr, "scrubgate: %s\n", err);
			scrub_policy_destroy(&p);
			config_free(&c);
			return EX_CONFIG;
		}
		ticket_close(&t);
	}
	rc = buf_printf(&b, "; effective settings (%s)\n", path ? path :
	    "built-in defaults");
	rc |= config_dump(&c, &b);
	scrub_policy_destroy(&p);
	config_free(&c);
	return print_buf(rc, &b);
}

/* cmd_serve - parse the serve options and run the daemon */
static int
cmd_serve(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "syslog", no_argument, NULL, 's' },
		{ "no-deliver", no_argument, NULL, 'n' },
		{ "qmgr-child", no_argument, NULL, 'Q' },	/* internal */
		{ NULL, 0, NULL, 0 }
	};
	struct serve_opts o = { 0 };
	int ch;

	while ((ch = getopt_long(argc, argv, "c:", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c': o.config = optarg; break;
		case 's': o.syslog = 1; break;
		case 'n': o.no_qmgr = 1; break;
		case 'Q': o.qmgr_child = 1; break;
		default: return usage(NULL);
		}
	}
	if (optind != argc)
		return usage("serve: unexpected argument");
	return serve_run(&o);
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
	if (strcmp(argv[1], "filter") == 0)
		return filtercmd_main(argc - 1, argv + 1);
	if (strcmp(argv[1], "fetch") == 0)
		return fetchcmd_main(argc - 1, argv + 1);
	if (strcmp(argv[1], "tickets") == 0)
		return tickets_main(argc - 1, argv + 1);
	if (strcmp(argv[1], "route") == 0)
		return routecmd_main(argc - 1, argv + 1);
	if (strcmp(argv[1], "check-config") == 0)
		return cmd_check_config(argc - 1, argv + 1);
	if (strcmp(argv[1], "serve") == 0)
		return cmd_serve(argc - 1, argv + 1);
	if (strcmp(argv[1], "queue") == 0)
		return queuecmd_main(argc - 1, argv + 1);
	fprintf(stderr, "scrubgate: unknown command '%.64s'\n", argv[1]);
	return usage(NULL);
}
