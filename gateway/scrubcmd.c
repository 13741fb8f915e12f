/* scrubcmd - `scrubgate scrub` (see scrubcmd.h).
 *
 * One run: config -> policy -> input (input.c) -> output opened under a
 * temporary name (safefile.c) -> each message submitted to the worker
 * (worker.c), which scrubs them in batches and hands the results back in
 * order -> written, or quarantined -> report -> commit.  A run error
 * (I/O, quarantine not writable) aborts everything written so far except
 * quarantined messages, which are complete files and must not be lost.
 */
#include "scrubcmd.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

#include "config.h"
#include "input.h"
#include "maildir.h"
#include "mbox.h"
#include "progress.h"
#include "report.h"
#include "safefile.h"
#include "scrub.h"
#include "ticket.h"
#include "worker.h"

enum sink_kind { SINK_NONE, SINK_FILE, SINK_STDOUT, SINK_MAILDIR };

struct run {
	const struct scrub_opts *o;
	struct config cfg;
	struct scrub_policy *policy;
	struct worker *worker;
	struct report *report;
	struct progress prog;
	struct input in;
	enum sink_kind sink;
	struct safefile sf;
	FILE *stage;		/* stdout output, staged until the end */
	struct safedir sd;
	char *qdir;		/* quarantine directory */
	int qdir_ready;
	unsigned long n, failed;
	unsigned long long done_bytes;
	int exit_code;		/* set by die() */
};

/* die - print "scrubgate: PATH: problem", remember the exit code */
static int
die(struct run *r, int code, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int
die(struct run *r, int code, const char *path, const char *fmt, ...)
{
	va_list ap;

	progress_done(&r->prog);
	fprintf(stderr, "scrubgate: %s: ", path);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	r->exit_code = code;
	return -1;
}

/* path_plus - malloc'd path without trailing slashes, plus suffix */
static char *
path_plus(const char *path, const char *suffix)
{
	size_t n = strlen(path), s = strlen(suffix);
	char *p;

	while (n > 1 && path[n - 1] == '/')
		n--;
	if ((p = malloc(n + s + 1)) == NULL)
		return NULL;
	memcpy(p, path, n);
	memcpy(p + n, suffix, s + 1);
	return p;
}

/* scrubcmd_load_config - defaults, or the file; then compile */
int
scrubcmd_load_config(const char *path, struct config *c,
    struct scrub_policy **p_r)
{
	*p_r = NULL;
	if (config_init(c) < 0) {
		fprintf(stderr, "scrubgate: out of memory\n");
		return EX_OSERR;
	}
	if ((path != NULL && config_load(c, path) < 0) ||
	    config_compile(c, p_r) < 0) {
		fprintf(stderr, "scrubgate: %s\n", c->error);
		return EX_CONFIG;
	}
	return 0;
}

/* same_file - do two paths name the same existing file */
static int
same_file(const char *a, const char *b)
{
	struct stat sa, sb;

	return stat(a, &sa) == 0 && stat(b, &sb) == 0 &&
	    sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

/* open_output - the sink that fits the input kind */
static int
open_output(struct run *r)
{
	const char *out = r->o->out, *err = NULL;

	if (r->o->explain)
		return 0;
	if (strcmp(out, "-") == 0) {
		if (r->in.kind == INPUT_MAILDIR)
			return die(r, EX_USAGE, r->in.path, "a Maildir cannot "
			    "be written to stdout; use -o DIR");
		if ((r->stage = tmpfile()) == NULL)
			return die(r, EX_CANTCREAT, "stdout", "cannot stage the "
			    "output: %s", strerror(errno));
		r->sink = SINK_STDOUT;
		return 0;
	}
	if (strcmp(r->in.path, "-") != 0 && same_file(out, r->in.path))
		return die(r, EX_CANTCREAT, out, "is the input");
	if (r->in.kind == INPUT_MAILDIR) {
		if (safedir_open(&r->sd, out, &err) < 0)
			return die(r, EX_CANTCREAT, out, "%s", err);
		r->sink = SINK_MAILDIR;
		if (maildir_create_subdirs(r->sd.tmp) < 0)
			return die(r, EX_CANTCREAT, out, "%s", strerror(errno));
		return 0;
	}
	if (safefile_open(&r->sf, out, 0666, &err) < 0)
		return die(r, EX_CANTCREAT, out, "%s", err);
	r->sink = SINK_FILE;
	return 0;
}

/* sink_write - mbox_write_fn for the file and stdout sinks */
static int
sink_write(void *ctx, const void *p, size_t n)
{
	struct run *r = ctx;

	if (r->sink == SINK_STDOUT)
		return n && fwrite(p, 1, n, r->stage) != n ? -1 : 0;
	return safefile_write(&r->sf, p, n);
}

/* copy_stage - the staged stdout output to fd 1 */
static int
copy_stage(struct run *r)
{
	char b[65536];
	size_t n;

	if (fflush(r->stage) != 0 || fseek(r->stage, 0, SEEK_SET) != 0)
		return -1;
	while ((n = fread(b, 1, sizeof(b), r->stage)) > 0)
		if (fwrite(b, 1, n, stdout) != n)
			return -1;
	return ferror(r->stage) || fflush(stdout) != 0 ? -1 : 0;
}

/* commit_output - rename the finished output into place */
static int
commit_output(struct run *r)
{
	const char *err = NULL;
	int rc = 0;

	switch (r->sink) {
	case SINK_FILE:
		if (safefile_commit(&r->sf, &err) < 0)
			return die(r, EX_IOERR, r->o->out, "%s", err);
		break;
	case SINK_MAILDIR:
		if (safedir_commit(&r->sd, &err) < 0)
			return die(r, EX_IOERR, r->o->out, "%s", err);
		break;
	case SINK_STDOUT:
		if ((rc = copy_stage(r)) < 0)
			die(r, EX_IOERR, "stdout", "%s", strerror(errno));
		fclose(r->stage);
		r->stage = NULL;
		break;
	default:
		break;
	}
	r->sink = SINK_NONE;
	return rc;
}

/* abort_output - nothing of the output is left behind */
static void
abort_output(struct run *r)
{
	if (r->sink == SINK_FILE)
		safefile_abort(&r->sf);
	else if (r->sink == SINK_MAILDIR)
		safedir_abort(&r->sd);
	else if (r->sink == SINK_STDOUT)
		fclose(r->stage);
	r->sink = SINK_NONE;
}

/* quarantine_dir - --quarantine, or OUT / INPUT + ".quarantine" */
static char *
quarantine_dir(const struct scrub_opts *o)
{
	if (o->quarantine != NULL)
		return path_plus(o->quarantine, "");
	if (strcmp(o->out, "-") != 0)
		return path_plus(o->out, ".quarantine");
	if (strcmp(o->input, "-") != 0)
		return path_plus(o->input, ".quarantine");
	return strdup("scrubgate.quarantine");
}

/* quarantine - the untouched message as QDIR/NNNNNN.eml; *name_r gets
 * the file name (static storage until the next call) */
static int
quarantine(struct run *r, unsigned long idx, const char *msg, size_t len,
    const char **name_r)
{
	static char name[64];
	const char *err = NULL;
	char *path = NULL;

	if (!r->qdir_ready) {
		if (mkdir(r->qdir, 0700) < 0 && errno != EEXIST)
			return die(r, EX_CANTCREAT, r->qdir, "%s", strerror(errno));
		r->qdir_ready = 1;
	}
	for (unsigned v = 0; v < 1000; v++) {
		if (v == 0)
			snprintf(name, sizeof(name), "%06lu.eml", idx);
		else
			snprintf(name, sizeof(name), "%06lu-%u.eml", idx, v);
		free(path);
		if ((path = safefile_path_join(r->qdir, name)) == NULL)
			return die(r, EX_OSERR, r->qdir, "out of memory");
		if (access(path, F_OK) < 0)
			break;
	}
	if (safefile_put(path, msg, len, 0600, &err) < 0) {
		die(r, EX_CANTCREAT, path, "%s", err);
		free(path);
		return -1;
	}
	free(path);
	*name_r = name;
	return 0;
}

/* explain_print - --explain: what would be done to one message */
static void
explain_print(unsigned long idx, const struct scrub_result *res)
{
	printf("message %lu", idx);
	if (res->message_id[0]) {
		putchar(' ');
		/* a peer's bytes: printable ASCII only, truncated */
		for (size_t i = 0; res->message_id[i] && i < 120; i++) {
			unsigned char ch = (unsigned char)res->message_id[i];

			putchar(ch >= 0x20 && ch < 0x7f ? ch : '?');
		}
	}
	fputs(":\n", stdout);
	if (res->err != ERR_OK)
		printf("  error: %s: %s%s%s\n", scrub_err_info(res->err)->name,
		    scrub_err_info(res->err)->text, res->err_detail[0] ? ": " :
		    "", res->err_detail);
	else if (res->explain.len)
		fwrite(res->explain.p, 1, res->explain.len, stdout);
	else
		printf("  nothing to redact\n");
}

/* what scrubcmd needs back with a message's result */
struct job_tag {
	unsigned long idx;		/* 1-based position in the input */
	int has_orig;
	struct mbox_msg orig;		/* the mbox framing (borrows the input) */
	const struct maildir_entry *me;	/* or the Maildir entry, or NULL */
};

/* finish_one - one message's result: its output written, or the message
 * quarantined; then the report.  -1 only on a run error. */
static int
finish_one(struct run *r, const struct job_tag *t, const char *msg,
    size_t len, struct scrub_result *res)
{
	const char *qname = NULL, *err = NULL, *out;
	size_t out_len;
	int rc = 0;

	if (r->o->explain) {
		explain_print(t->idx, res);
		r->failed += res->err != ERR_OK;
		return 0;
	}
	/* issue 4 (helper "store", ticket.h): thread, tag and record the
	 * scrubbed message in the ticket store before it is written */
	if (res->err == ERR_OK) {
		char terr[512];
		int tc = ticket_scrub_hook(&r->cfg, msg, len, res, terr,
		    sizeof(terr));

		if (tc != 0)
			return die(r, tc, "ticket store", "%s", terr);
	}
	out = res->changed ? res->out.p : msg;
	out_len = res->changed ? res->out.len : len;
	if (res->err != ERR_OK) {
		r->failed++;
		rc = quarantine(r, t->idx, msg, len, &qname);
	} else if (r->sink == SINK_MAILDIR) {
		char *path = maildir_path(r->sd.tmp, t->me);

		rc = path == NULL || safefile_put(path, out, out_len, 0600,
		    &err) < 0 ? die(r, EX_IOERR, r->o->out, "%s", err ? err :
		    "no memory") : 0;
		free(path);
	} else if (t->has_orig) {
		rc = mbox_write_message(sink_write, r, &t->orig, res->changed ?
		    out : NULL, out_len);
	} else
		rc = sink_write(r, out, out_len);
	if (rc < 0 && r->exit_code == 0)
		die(r, EX_IOERR, r->o->out, "%s", strerror(errno));
	if (rc == 0 && r->report && report_add(r->report, t->idx, res, qname) < 0)
		rc = die(r, EX_SOFTWARE, "report", "out of memory");
	return rc;
}

/* scrub_done - worker_done_fn: results arrive in input order */
static int
scrub_done(void *ctx, const void *tag, const char *msg, size_t len,
    struct scrub_result *res)
{
	return finish_one(ctx, tag, msg, len, res);
}

/* scrub_one - hand one message to the worker (orig: its mbox framing, or
 * NULL; me: its Maildir entry, or NULL).  A message over the size limit
 * fails here, after everything before it.  -1 only on a run error. */
static int
scrub_one(struct run *r, const char *msg, size_t len,
    const struct mbox_msg *orig, const struct maildir_entry *me)
{
	struct job_tag t;
	struct scrub_result res;
	int rc;

	memset(&t, 0, sizeof(t));
	t.idx = ++r->n;
	t.has_orig = orig != NULL;
	if (orig != NULL)
		t.orig = *orig;
	t.me = me;
	if (len <= r->cfg.spec.limits.max_message_size)
		return worker_submit(r->worker, msg, len, &t, sizeof(t));
	if (worker_finish(r->worker) < 0)
		return -1;
	scrub_result_init(&res);
	res.err = ERR_MESSAGE_SIZE;
	rc = finish_one(r, &t, msg, len, &res);
	scrub_result_free(&res);
	return rc;
}

/* run_mbox - every message of an mbox */
static int
run_mbox(struct run *r)
{
	struct mbox_reader rd;
	struct mbox_msg m;
	struct buf un;
	int rc = 0;

	buf_init(&un, 0);
	mbox_reader_init(&rd, r->in.data, r->in.len);
	while (rc == 0 && mbox_next(&rd, &m)) {
		const char *c = m.raw + m.from_len;
		size_t clen = m.content_len;

		if (rd.quoted) {
			buf_reset(&un);
			if (mbox_unescape(c, clen, &un) < 0)
				return die(r, EX_OSERR, r->in.path, "out of memory");
			c = un.p;
			clen = un.len;
		}
		rc = scrub_one(r, c, clen, &m, NULL);
		r->done_bytes += m.raw_len;
		progress_update(&r->prog, r->n, r->done_bytes);
	}
	buf_free_clean(&un);
	return rc;
}

/* run_maildir - every message file of a Maildir */
static int
run_maildir(struct run *r)
{
	int rc = 0;

	for (size_t i = 0; rc == 0 && i < r->in.maildir.n; i++) {
		const struct maildir_entry *e = &r->in.maildir.v[i];
		char *path = maildir_path(r->in.path, e), *data = NULL;
		const char *err = NULL;
		size_t len = 0;

		if (path == NULL)
			return die(r, EX_OSERR, r->in.path, "out of memory");
		if (input_map_file(path, &data, &len, &err) < 0)
			rc = die(r, EX_IOERR, path, "%s", err);
		else
			rc = scrub_one(r, data ? data : "", len, NULL, e);
		if (data != NULL)
			munmap(data, len);
		free(path);
		r->done_bytes += (unsigned long long)e->size;
		progress_update(&r->prog, r->n, r->done_bytes);
	}
	return rc;
}

/* finish - output, report, summary */
static int
finish(struct run *r)
{
	struct buf b;
	const char *err = NULL;
	int rc = 0;

	progress_done(&r->prog);
	if (r->report != NULL) {
		buf_init(&b, 0);
		if (report_finish(r->report, &b) < 0 ||
		    safefile_put(r->o->report, b.p, b.len, 0666, &err) < 0)
			rc = die(r, EX_CANTCREAT, r->o->report, "%s",
			    err ? err : "out of memory");
		buf_free(&b);
		if (rc < 0)
			return rc;
	}
	if (commit_output(r) < 0)
		return -1;
	if (r->failed && !r->o->quiet)
		fprintf(stderr, "scrubgate: %lu of %lu messages failed%s%s\n",
		    r->failed, r->n, r->o->explain ? "" : ", quarantined in ",
		    r->o->explain ? "" : r->qdir);
	return 0;
}

/* setup - everything before the first message */
static int
setup(struct run *r)
{
	const char *err = NULL;
	int code;

	if ((code = scrubcmd_load_config(r->o->config, &r->cfg, &r->policy))) {
		r->exit_code = code;
		return -1;
	}
	if (input_open(&r->in, r->o->input, &err, &code) < 0)
		return die(r, code, r->o->input, "%s", err);
	if ((r->qdir = quarantine_dir(r->o)) == NULL)
		return die(r, EX_OSERR, r->o->input, "out of memory");
	if (r->o->report && !r->o->explain &&
	    (r->report = report_create(&r->cfg.spec)) == NULL)
		return die(r, EX_OSERR, r->o->report, "out of memory");
	if (open_output(r) < 0)
		return -1;
	r->worker = worker_create(r->policy, r->o->explain ? SCRUB_EXPLAIN : 0,
	    r->in.data, r->in.map_len);
	if (r->worker == NULL)
		return die(r, EX_OSERR, r->o->input, "out of memory");
	worker_on_done(r->worker, scrub_done, r);
	progress_init(&r->prog, r->o->quiet, r->in.total);
	return 0;
}

/* scrubcmd_run - the whole command; returns the exit code */
int
scrubcmd_run(const struct scrub_opts *o)
{
	struct run r;
	int rc;

	memset(&r, 0, sizeof(r));
	r.o = o;
	rc = setup(&r);
	if (rc == 0)
		rc = r.in.kind == INPUT_MAILDIR ? run_maildir(&r) : r.in.kind ==
		    INPUT_MBOX ? run_mbox(&r) : scrub_one(&r, r.in.data ?
		    r.in.data : "", r.in.len, NULL, NULL);
	if (rc == 0)
		rc = worker_finish(r.worker);
	if (rc == 0)
		rc = finish(&r);
	if (rc < 0)
		abort_output(&r);
	progress_done(&r.prog);
	worker_destroy(&r.worker);
	report_destroy(&r.report);
	input_close(&r.in);
	scrub_policy_destroy(&r.policy);
	config_free(&r.cfg);
	free(r.qdir);
	if (rc < 0)
		return r.exit_code ? r.exit_code : EX_SOFTWARE;
	return r.failed ? EX_DATAERR : EX_OK;
}
