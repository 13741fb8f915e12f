/* scrubcmd - `scrubgate scrub`: an mbox, a Maildir or one message through
 * the scrub worker into the same kind of output.
 *
 * Fail closed and lose nothing: a message the worker cannot scrub is never
 * written to the output; it goes whole and untouched to the quarantine
 * directory (NNNNNN.eml, NNNNNN = its position in the input) and the run
 * ends with EX_DATAERR.  The output (and the report) appear under their
 * names only when the whole run succeeded up to the end: they are built
 * under temporary names and renamed.  Errors about the run itself (input,
 * output, config) are one line "scrubgate: PATH: problem" and a sysexits
 * code, with nothing left behind.
 */
#ifndef SCRUBGATE_SCRUBCMD_H
#define SCRUBGATE_SCRUBCMD_H

struct scrub_opts {
	const char *config;	/* -c, NULL: built-in defaults */
	const char *out;	/* -o, "-" (the default) is stdout */
	const char *report;	/* --report FILE, or NULL */
	const char *quarantine;	/* --quarantine DIR, or NULL: derived */
	const char *input;	/* INPUT, "-" is stdin */
	int explain;		/* --explain: print findings, write nothing */
	int quiet;		/* --quiet: no progress bar, no summary */
};

/* scrubcmd_run - the whole command; returns the exit code */
int scrubcmd_run(const struct scrub_opts *o);

/* scrubcmd_load_config - config_init/config_load + compile; prints the
 * error line and returns EX_CONFIG on failure, 0 on success */
struct config;
struct scrub_policy;
int scrubcmd_load_config(const char *path, struct config *c,
    struct scrub_policy **p_r);

#endif
