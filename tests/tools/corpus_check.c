/* corpus_check - the in-process half of the corpus test.
 *
 *   corpus_check [-t SECS] [-s FIRST] LISTFILE
 *	LISTFILE holds lines "M<TAB>path" (one message) or "B<TAB>path" (an
 *	mbox, split here at From_ lines).  Every message is scrubbed with the
 *	built-in default policy and checked:
 *	  - scrub_message either succeeds or fails with an error and no output
 *	    (fail closed; the message counts as quarantined);
 *	  - an unchanged message comes out byte-identical;
 *	  - the output parses again (libetpan mailmime_parse) when the input did;
 *	  - scrubbing the output changes nothing (idempotence);
 *	  - every non-text leaf part keeps its body bytes (byte fidelity).
 *	Before each item it prints "start N" and flushes, after it "ok N ..."
 *	or "FAIL N ...", so the runner can tell which item crashed or hung
 *	(alarm(SECS) per message) and restart at N+1 with -s.
 *
 *   corpus_check -p FILE...
 *	Parse check only: FILE is a message or an mbox (split at From_ lines);
 *	every message in it must parse with mailmime_parse.  Prints the
 *	number of messages and exits 1 if one does not parse.
 *
 * Test tooling: it reads files and prints, unlike filters/.
 */
#include <errno.h>
#include <libetpan/libetpan.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "policy.h"
#include "scrub.h"

struct leaf {
	const char *p;		/* body bytes, borrowed from the parsed buffer */
	size_t len;
	int textlike;		/* the scrubber may legitimately change it */
};

struct leaves {
	struct leaf *v;
	size_t n, cap;
};

struct tally {
	unsigned ok, changed, quarantined, failed;
};

static unsigned opt_timeout = 60;

/* read_file - whole file into a malloc'd buffer; NULL on error */
static char *
read_file(const char *path, size_t *len_r)
{
	FILE *f = fopen(path, "rb");
	char *p = NULL;
	size_t len = 0, cap = 0, n;

	if (f == NULL)
		return NULL;
	do {
		if (cap - len < 65536) {
			char *np = realloc(p, cap = cap * 2 + 65536);
			if (np == NULL) {
				free(p);
				fclose(f);
				return NULL;
			}
			p = np;
		}
		n = fread(p + len, 1, cap - len - 1, f);
		len += n;
	} while (n > 0);
	fclose(f);
	p[len] = '\0';
	*len_r = len;
	return p;
}

/* line_end - offset just past the line starting at off */
static size_t
line_end(const char *p, size_t len, size_t off)
{
	const char *nl = memchr(p + off, '\n', len - off);

	return nl ? (size_t)(nl - p) + 1 : len;
}

/* is_blank_line - the line at [off, end) is empty (LF or CRLF) */
static int
is_blank_line(const char *p, size_t off, size_t end)
{
	size_t n = end - off;

	return (n == 1 && p[off] == '\n') ||
	    (n == 2 && p[off] == '\r' && p[off + 1] == '\n');
}

/* is_from_line - an mbox separator at off: "From " at the start of the
 * file or after an empty line (the lenient reading; a stray "From " in a
 * body right after text is left to the message) */
static int
is_from_line(const char *p, size_t len, size_t off, int prev_blank)
{
	return len - off >= 5 && memcmp(p + off, "From ", 5) == 0 &&
	    (off == 0 || prev_blank);
}

typedef int (*msg_fn)(void *ctx, const char *msg, size_t len, unsigned sub);

/* each_message - call fn per message: the whole buffer, or per mbox entry
 * when it starts with a From_ line (the From_ line itself left out) */
static int
each_message(const char *p, size_t len, msg_fn fn, void *ctx)
{
	size_t off = 0, start = 0;
	unsigned sub = 0;
	int prev_blank = 0, in_msg = 0, rc = 0;

	if (len < 5 || memcmp(p, "From ", 5) != 0)
		return fn(ctx, p, len, 0);
	while (off < len) {
		size_t end = line_end(p, len, off);

		if (is_from_line(p, len, off, prev_blank)) {
			if (in_msg)
				rc |= fn(ctx, p + start, off - start, sub++);
			start = end;
			in_msg = 1;
		}
		prev_blank = is_blank_line(p, off, end);
		off = end;
	}
	if (in_msg)
		rc |= fn(ctx, p + start, len - start, sub);
	return rc;
}

/* filename_textlike - a file name the scrubber reads as text */
static int
filename_textlike(const char *name)
{
	static const char *const ext[] = { ".txt", ".log", ".csv", ".json",
	    ".xml", ".eml", ".htm", ".html", ".ics", ".vcf", ".tsv", NULL };
	size_t n;

	if (name == NULL)
		return 0;
	n = strlen(name);
	for (int i = 0; ext[i] != NULL; i++) {
		size_t e = strlen(ext[i]);
		if (n >= e && strcasecmp(name + n - e, ext[i]) == 0)
			return 1;
	}
	return 0;
}

/* leaf_textlike - any text type, a message type other than rfc822, no type
 * at all, or a text-looking file name: parts the scrubber may rewrite */
static int
leaf_textlike(struct mailmime *m)
{
	struct mailmime_single_fields sf;
	struct mailmime_type *t;

	if (m->mm_content_type == NULL)
		return 1;
	t = m->mm_content_type->ct_type;
	if (t == NULL || t->tp_type == MAILMIME_TYPE_COMPOSITE_TYPE)
		return 1;
	if (t->tp_data.tp_discrete_type->dt_type == MAILMIME_DISCRETE_TYPE_TEXT)
		return 1;
	mailmime_single_fields_init(&sf, m->mm_mime_fields, m->mm_content_type);
	return filename_textlike(sf.fld_disposition_filename) ||
	    filename_textlike(sf.fld_content_name);
}

/* collect_leaves - every single part in tree order, rfc822 parts included */
static int
collect_leaves(struct mailmime *m, struct leaves *ls)
{
	clistiter *it;

	if (m == NULL)
		return 0;
	switch (m->mm_type) {
	case MAILMIME_SINGLE:
		if (ls->n == ls->cap) {
			struct leaf *nv = realloc(ls->v,
			    (ls->cap = ls->cap * 2 + 16) * sizeof(*nv));
			if (nv == NULL)
				return -1;
			ls->v = nv;
		}
		ls->v[ls->n].p = m->mm_data.mm_single ?
		    m->mm_data.mm_single->dt_data.dt_text.dt_data : NULL;
		ls->v[ls->n].len = m->mm_data.mm_single ?
		    m->mm_data.mm_single->dt_data.dt_text.dt_length : 0;
		ls->v[ls->n++].textlike = leaf_textlike(m);
		return 0;
	case MAILMIME_MULTIPLE:
		for (it = clist_begin(m->mm_data.mm_multipart.mm_mp_list);
		    it != NULL; it = clist_next(it))
			if (collect_leaves(clist_content(it), ls) < 0)
				return -1;
		return 0;
	case MAILMIME_MESSAGE:
		return collect_leaves(m->mm_data.mm_message.mm_msg_mime, ls);
	}
	return 0;
}

/* parse - libetpan parse; the tree borrows buf until mailmime_free */
static struct mailmime *
parse(const char *buf, size_t len)
{
	struct mailmime *root = NULL;
	size_t idx = 0;

	if (mailmime_parse(buf, len, &idx, &root) != MAILIMF_NO_ERROR)
		return NULL;
	return root;
}

/* compare_leaves - non-text leaves of in and out carry the same bytes;
 * NULL when they do, else a static reason */
static const char *
compare_leaves(const char *in, size_t inlen, const char *out, size_t outlen)
{
	struct mailmime *a = parse(in, inlen), *b = parse(out, outlen);
	struct leaves la = { 0 }, lb = { 0 };
	const char *why = NULL;

	if (a == NULL || b == NULL)
		why = a == NULL ? NULL : "output does not parse";
	else if (collect_leaves(a, &la) < 0 || collect_leaves(b, &lb) < 0)
		why = "out of memory";
	else if (la.n != lb.n)
		why = "number of leaf parts differs";
	for (size_t i = 0; why == NULL && i < la.n; i++) {
		if (la.v[i].textlike || lb.v[i].textlike)
			continue;
		if (la.v[i].len != lb.v[i].len ||
		    (la.v[i].len && memcmp(la.v[i].p, lb.v[i].p, la.v[i].len)))
			why = "a non-text part changed";
	}
	free(la.v);
	free(lb.v);
	if (a)
		mailmime_free(a);
	if (b)
		mailmime_free(b);
	return why;
}

struct item {
	const struct scrub_policy *pol;
	const char *path;
	unsigned idx;
	struct tally *t;
};

/* check_scrubbed - the checks on a successful scrub; NULL or a reason */
static const char *
check_scrubbed(const struct scrub_policy *pol, const char *in, size_t len,
    struct scrub_result *r)
{
	struct scrub_result again;
	const char *why = NULL;
	int same = r->out.len == len && memcmp(r->out.p ? r->out.p : "", in,
	    len) == 0;

	if (!r->changed && !same)
		return "unchanged message is not byte-identical";
	if (r->changed && same)
		return "reported changed but bytes are identical";
	if (!r->changed)
		return NULL;
	scrub_result_init(&again);
	if (scrub_message(pol, r->out.p, r->out.len, 0, &again) < 0)
		why = "scrubbing the output fails";
	else if (again.changed || again.out.len != r->out.len ||
	    memcmp(again.out.p, r->out.p, r->out.len) != 0)
		why = "not idempotent: scrubbing the output changes it";
	scrub_result_free(&again);
	if (why == NULL && r->attachments_dropped == 0)
		why = compare_leaves(in, len, r->out.p, r->out.len);
	return why;
}

/* check_one - scrub one message and report it */
static int
check_one(void *ctx, const char *msg, size_t len, unsigned sub)
{
	struct item *it = ctx;
	struct scrub_result r;
	const char *why = NULL, *what = "unchanged";

	alarm(opt_timeout);
	scrub_result_init(&r);
	if (scrub_message(it->pol, msg, len, 0, &r) < 0) {
		what = scrub_err_info(r.err)->name;
		if (r.err == ERR_OK)
			why = "failed without an error code";
		else if (r.out.len != 0)
			why = "failed but left output behind";
		it->t->quarantined++;
	} else {
		why = check_scrubbed(it->pol, msg, len, &r);
		if (r.changed) {
			what = "changed";
			it->t->changed++;
		}
	}
	scrub_result_free(&r);
	alarm(0);
	if (why != NULL) {
		it->t->failed++;
		printf("FAIL %u %s#%u: %s\n", it->idx, it->path, sub, why);
	} else {
		it->t->ok++;
		printf("ok %u %s#%u %s\n", it->idx, it->path, sub, what);
	}
	fflush(stdout);
	return why != NULL;
}

/* run_list - every item of the list file from index first on */
static int
run_list(const char *listfile, unsigned first, struct tally *t)
{
	struct policy_spec spec;
	struct scrub_policy *pol;
	const char *err = NULL;
	char line[4096];
	unsigned idx = 0;
	FILE *f = fopen(listfile, "r");

	if (f == NULL) {
		fprintf(stderr, "corpus_check: %s: %s\n", listfile, strerror(errno));
		return -1;
	}
	policy_spec_defaults(&spec);
	if ((pol = scrub_policy_create(&spec, &err)) == NULL) {
		fprintf(stderr, "corpus_check: policy: %s\n", err ? err : "?");
		fclose(f);
		return -1;
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		struct item it = { pol, line + 2, idx, t };
		size_t len;
		char *buf;

		if (idx++ < first || strlen(line) < 3 || line[0] == 'D')
			continue;
		line[strcspn(line, "\n")] = '\0';
		printf("start %u %s\n", it.idx, it.path);
		fflush(stdout);
		if ((buf = read_file(it.path, &len)) == NULL) {
			printf("FAIL %u %s: cannot read\n", it.idx, it.path);
			t->failed++;
			continue;
		}
		if (line[0] == 'B')
			each_message(buf, len, check_one, &it);
		else
			check_one(&it, buf, len, 0);
		free(buf);
	}
	fclose(f);
	scrub_policy_destroy(&pol);
	policy_spec_free(&spec);
	return 0;
}

struct parse_ctx {
	const char *path;
	unsigned n;
};

/* parse_one - one message of a -p file must parse */
static int
parse_one(void *ctx, const char *msg, size_t len, unsigned sub)
{
	struct mailmime *m = parse(msg, len);
	struct parse_ctx *pc = ctx;

	pc->n++;
	if (m == NULL) {
		printf("FAIL %s#%u: does not parse\n", pc->path, sub);
		return 1;
	}
	mailmime_free(m);
	return 0;
}

/* parse_files - -p mode */
static int
parse_files(int argc, char **argv)
{
	int rc = 0;

	for (int i = 0; i < argc; i++) {
		struct parse_ctx pc = { argv[i], 0 };
		size_t len;
		char *buf = read_file(argv[i], &len);

		if (buf == NULL) {
			fprintf(stderr, "corpus_check: %s: %s\n", argv[i],
			    strerror(errno));
			return 2;
		}
		if (len > 0)
			rc |= each_message(buf, len, parse_one, &pc);
		printf("%s: %u messages\n", argv[i], pc.n);
		free(buf);
	}
	return rc ? 1 : 0;
}

int
main(int argc, char **argv)
{
	struct tally t = { 0 };
	unsigned first = 0;
	int c;

	while ((c = getopt(argc, argv, "pt:s:")) != -1) {
		switch (c) {
		case 'p':
			return parse_files(argc - optind, argv + optind);
		case 't':
			opt_timeout = (unsigned)strtoul(optarg, NULL, 10);
			break;
		case 's':
			first = (unsigned)strtoul(optarg, NULL, 10);
			break;
		default:
			return 2;
		}
	}
	if (optind != argc - 1) {
		fprintf(stderr, "usage: corpus_check [-t SECS] [-s FIRST] LISTFILE"
		    " | corpus_check -p FILE...\n");
		return 2;
	}
	if (run_list(argv[optind], first, &t) < 0)
		return 2;
	printf("done: %u ok (%u changed, %u quarantined), %u failed\n",
	    t.ok, t.changed, t.quarantined, t.failed);
	return t.failed ? 1 : 0;
}
