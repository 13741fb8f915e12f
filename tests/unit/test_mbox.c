/* test_mbox - the mboxrd reader and writer: splitting, >From quoting, CRLF
 * mboxes, and a byte-identical read->write round trip over every mbox of
 * the shared corpus (../shared/corpus, or $SCRUBGATE_CORPUS).
 */
#include <fcntl.h>
#include <ftw.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"
#include "mbox.h"

/* collect - mbox_write_fn into a buf */
static int
collect(void *ctx, const void *p, size_t n)
{
	return buf_append(ctx, p, n);
}

/* count_msgs - how many messages the reader finds */
static size_t
count_msgs(const char *s)
{
	struct mbox_reader r;
	struct mbox_msg m;
	size_t n = 0;

	mbox_reader_init(&r, s, strlen(s));
	while (mbox_next(&r, &m))
		n++;
	return n;
}

static void
test_split(void)
{
	static const struct {
		const char *in;
		size_t n;
	} rows[] = {
		{ "", 0 },
		{ "From a\n", 1 },
		{ "From a\nx\n\nFrom b\ny\n", 2 },
		{ "From a\nx\nFrom b\ny\n", 1 },		/* no empty line: body */
		{ "From a\r\nx\r\n\r\nFrom b\r\ny\r\n", 2 },	/* CRLF */
		{ "From a\nx\n\n>From b\ny\n", 1 },		/* quoted: body */
		{ "From a\n\nFrom b\n\nFrom c", 3 },		/* empty messages */
		{ "From a\nx\n\n\nFrom b\n", 2 },		/* two empty lines */
		{ "From a\nx\n \nFrom b\n", 1 },		/* " " is not empty */
	};

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		CHECK_MSG(count_msgs(rows[i].in) == rows[i].n, "row %zu: %zu",
		    i, count_msgs(rows[i].in));
}

static void
test_frame(void)
{
	const char *s = "From a@b x\nSubject: 1\n\nbody\n\nFrom c\r\nS: 2\r\n\r\n";
	struct mbox_reader r;
	struct mbox_msg m;

	mbox_reader_init(&r, s, strlen(s));
	CHECK(mbox_next(&r, &m) == 1);
	CHECK(m.from_len == 11);
	CHECK(m.content_len == strlen("Subject: 1\n\nbody\n"));
	CHECK(m.sep_len == 1);
	CHECK(mbox_next(&r, &m) == 1);
	CHECK(m.from_len == 8);
	CHECK(m.content_len == strlen("S: 2\r\n"));
	CHECK(m.sep_len == 2);			/* final empty line kept */
	CHECK(mbox_next(&r, &m) == 0);
	CHECK(mbox_is_mbox(s, strlen(s)));
	CHECK(!mbox_is_mbox("Frob", 4));
	CHECK(!mbox_is_mbox("", 0));
}

static void
test_quoting(void)
{
	static const struct {
		const char *file, *msg;
	} rows[] = {
		{ ">From x\n", "From x\n" },
		{ ">>From x\n", ">From x\n" },
		{ ">>>From x\r\n", ">>From x\r\n" },
		{ "a\n>From x\nb", "a\nFrom x\nb" },
		{ " >From x\n", " >From x\n" },		/* not at line start */
		{ ">from x\n", ">from x\n" },		/* case matters */
		{ ">Fromx\n", ">Fromx\n" },		/* needs the space */
		{ ">>\n", ">>\n" },
	};

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct buf b;
		struct mbox_msg m = { "From q\n", 7, 7, 0, 0 };
		const char *f = rows[i].file, *g = rows[i].msg;

		buf_init(&b, 0);
		CHECK(mbox_unescape(f, strlen(f), &b) == 0);
		CHECK_MSG(b.len == strlen(g) && memcmp(b.p, g, b.len) == 0,
		    "unescape row %zu", i);
		buf_reset(&b);
		CHECK(mbox_write_message(collect, &b, &m, g, strlen(g)) == 0);
		CHECK_MSG(b.len == 7 + strlen(f) && memcmp(b.p + 7, f,
		    strlen(f)) == 0, "escape row %zu", i);
		buf_free(&b);
	}
	CHECK(mbox_needs_unescape("a\n>From b\n", 10));
	CHECK(!mbox_needs_unescape("a\nFrom b\n", 9));
}

static void
test_write(void)
{
	const char *s = "From a\r\nS: 1\r\n\r\nFrom b\r\nS: 2\r\n";
	struct mbox_reader r;
	struct mbox_msg m;
	struct buf b;

	buf_init(&b, 0);
	mbox_reader_init(&r, s, strlen(s));
	CHECK(mbox_next(&r, &m) == 1);
	/* changed content without a final line ending gets one (CRLF) */
	CHECK(mbox_write_message(collect, &b, &m, "S: x", 4) == 0);
	CHECK(b.len == 16 && memcmp(b.p, "From a\r\nS: x\r\n\r\n", 16) == 0);
	buf_reset(&b);
	CHECK(mbox_write_message(collect, &b, &m, NULL, 0) == 0);
	CHECK(b.len == m.raw_len && memcmp(b.p, s, b.len) == 0);
	buf_free(&b);
}

/* corpus state */
static size_t corpus_files, corpus_msgs, corpus_quoted, corpus_mboxo;

/* bare_from - content holds a "From " line the writer will quote: the file
 * is mboxo/mboxcl there, not mboxrd */
static int
bare_from(const char *p, size_t len)
{
	for (size_t i = 0; i < len;) {
		const char *nl = memchr(p + i, '\n', len - i);

		if (len - i >= 5 && memcmp(p + i, "From ", 5) == 0)
			return 1;
		i = nl ? (size_t)(nl - p) + 1 : len;
	}
	return 0;
}

/* contents - every message's unquoted content, concatenated, and count */
static size_t
contents(const char *p, size_t len, struct buf *out)
{
	struct mbox_reader r;
	struct mbox_msg m;
	size_t n = 0;

	mbox_reader_init(&r, p, len);
	while (mbox_next(&r, &m)) {
		mbox_unescape(m.raw + m.from_len, m.content_len, out);
		buf_putc(out, 0);
		n++;
	}
	return n;
}

/* round_trip - the raw rewrite is byte-identical; the unquote/quote
 * rewrite too, unless the file has bare From lines inside messages (not
 * mboxrd): then reading the rewrite gives back the same messages */
static void
round_trip(const char *path, const char *p, size_t len)
{
	struct mbox_reader r;
	struct mbox_msg m;
	struct buf raw, re, un, a, b;
	int mboxo = 0;

	buf_init(&raw, 0);
	buf_init(&re, 0);
	buf_init(&un, 0);
	mbox_reader_init(&r, p, len);
	while (mbox_next(&r, &m)) {
		const char *c = m.raw + m.from_len;

		corpus_msgs++;
		mboxo |= bare_from(c, m.content_len);
		buf_reset(&un);
		CHECK(mbox_unescape(c, m.content_len, &un) == 0);
		corpus_quoted += un.len != m.content_len;
		CHECK(mbox_write_message(collect, &raw, &m, NULL, 0) == 0);
		CHECK(mbox_write_message(collect, &re, &m, un.p ? un.p : "",
		    un.len) == 0);
	}
	CHECK_MSG(raw.len == len && memcmp(raw.p, p, len) == 0, "raw %s", path);
	if (!mboxo)
		CHECK_MSG(re.len == len && memcmp(re.p, p, len) == 0,
		    "quoted %s", path);
	else {
		corpus_mboxo++;
		buf_init(&a, 0);
		buf_init(&b, 0);
		CHECK_MSG(contents(p, len, &a) == contents(re.p, re.len, &b) &&
		    a.len == b.len && memcmp(a.p, b.p, a.len) == 0,
		    "reread %s", path);
		buf_free(&a);
		buf_free(&b);
	}
	buf_free(&raw);
	buf_free(&re);
	buf_free(&un);
}

/* visit - nftw callback: every file named *mbox* or starting "From " */
static int
visit(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	int fd;
	char *p;

	if (type != FTW_F || st->st_size == 0 || !S_ISREG(st->st_mode))
		return 0;
	if ((fd = open(path, O_RDONLY)) < 0)
		return 0;
	p = mmap(NULL, (size_t)st->st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (p == MAP_FAILED)
		return 0;
	if (strstr(path + ftw->base, "mbox") ||
	    mbox_is_mbox(p, (size_t)st->st_size)) {
		corpus_files++;
		round_trip(path, p, (size_t)st->st_size);
	}
	munmap(p, (size_t)st->st_size);
	return 0;
}

static void
test_corpus(void)
{
	const char *dir = getenv("SCRUBGATE_CORPUS");

	if (dir == NULL)
		dir = "../shared/corpus";
	if (access(dir, R_OK) < 0) {
		printf("corpus %s not found: round trip skipped\n", dir);
		return;
	}
	nftw(dir, visit, 16, FTW_PHYS);
	printf("corpus: %zu mbox files, %zu messages (%zu with >From lines); "
	    "%zu files have bare From lines inside messages (mboxo)\n",
	    corpus_files, corpus_msgs, corpus_quoted, corpus_mboxo);
	CHECK(corpus_files > 0);
}

int
main(void)
{
	test_split();
	test_frame();
	test_quoting();
	test_write();
	test_corpus();
	return harness_done();
}
