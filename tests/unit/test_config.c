/* test_config - the config table and parser: defaults, every key, bad
 * values with their line numbers, the dump round trip, the example file,
 * regex errors located through scrub_policy_create, the pseudonym key file.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "config.h"
#include "harness.h"
#include "scrub.h"

/* parse - a fresh config from text; 0 or -1 */
static int
parse(struct config *c, const char *text)
{
	config_init(c);
	return config_parse(c, "t.conf", text, strlen(text));
}

/* named sections, daemon sections, durations */
static void
test_named(void)
{
	struct config c;
	struct buf d;
	unsigned long long n;

	CHECK_MSG(parse(&c, "[route support]\nmailboxes = support@ours.example,"
	    " ours.example\n[route b]\nmailboxes = B@x.example\n[server]\n"
	    "listen = [::1]:25\n") == 0, "%s", c.error);
	CHECK(c.nroutes == 2);
	CHECK(strcmp(c.routes[0].name, "support") == 0 && c.routes[0].line == 1);
	CHECK(c.routes[0].nmailboxes == 2 &&
	    strcmp(c.routes[0].mailboxes[1], "ours.example") == 0);
	CHECK(strcmp(c.routes[1].mailboxes[0], "b@x.example") == 0);
	CHECK(strcmp(c.server.listen, "[::1]:25") == 0);
	CHECK(strcmp(c.store.database, "tickets.db") == 0);	/* issue 4: user-writable default */
	/* the dump parses back to the same dump */
	buf_init(&d, 0);
	CHECK(config_dump(&c, &d) == 0);
	CHECK(strstr(d.p, "[route b]\nmailboxes = b@x.example\n") != NULL);
	config_free(&c);
	CHECK_MSG(parse(&c, d.p) == 0, "%s", c.error);
	CHECK(c.nroutes == 2 && strcmp(c.routes[1].name, "b") == 0);
	config_free(&c);
	buf_free(&d);

	CHECK(parse(&c, "[route a]\n[route a]\n") < 0);
	CHECK(strcmp(c.error, "t.conf:2: [route a] given twice") == 0);
	config_free(&c);
	CHECK(parse(&c, "[route a b]\n") < 0);
	CHECK(strstr(c.error, "t.conf:1: bad route name") == c.error);
	config_free(&c);
	CHECK(parse(&c, "[route a]\nlisten = x\n") < 0);
	CHECK(strcmp(c.error, "t.conf:2: unknown key 'listen' in [route a]") == 0);
	config_free(&c);
	CHECK(parse(&c, "[route]\nmailboxes = a@b\n") < 0);
	config_free(&c);
	CHECK(parse(&c, "[server]\nlisten = a\nlisten = b\n") < 0);
	CHECK(strcmp(c.error, "t.conf:3: listen given twice in [server]") == 0);
	config_free(&c);

	CHECK(config_parse_duration("3y", &n) == 0 && n == 3 * 365 * 86400ULL);
	CHECK(config_parse_duration("13mo", &n) == 0 && n == 13 * 30 * 86400ULL);
	CHECK(config_parse_duration("5d", &n) == 0 && n == 5 * 86400ULL);
	CHECK(config_parse_duration("90", &n) == 0 && n == 90);
	CHECK(config_parse_duration("2m", &n) == 0 && n == 120);
	CHECK(config_parse_duration("2x", &n) < 0);
	CHECK(config_parse_duration("d", &n) < 0);
	CHECK(config_parse_duration("99999999999999999999y", &n) < 0);
}

static void
test_defaults(void)
{
	struct policy_spec d;
	struct config c;
	struct buf t, a, b;

	policy_spec_defaults(&d);
	config_init(&c);
	CHECK(memcmp(&c.spec, &d, sizeof(d)) == 0);
	CHECK(c.spec.limits.max_depth == 20 && c.spec.entities_cc == 1);
	/* the example file sets every key to its default */
	buf_init(&t, 0);
	buf_init(&a, 0);
	buf_init(&b, 0);
	CHECK(config_template(&t) == 0);
	CHECK(config_dump(&c, &a) == 0);
	config_free(&c);
	CHECK_MSG(parse(&c, t.p) == 0, "%s", c.error);
	CHECK(memcmp(&c.spec, &d, sizeof(d)) == 0);
	CHECK(config_dump(&c, &b) == 0);
	CHECK(a.len == b.len && memcmp(a.p, b.p, a.len) == 0);
	CHECK(strstr(a.p, "max_message_size = 64m\n") != NULL);
	CHECK(strstr(a.p, "email = redact\n") != NULL);
	config_free(&c);
	buf_free(&t);
	buf_free(&a);
	buf_free(&b);
}

static const char full[] =
    "; every key, none at its default\n"
    "[scrub]\n"
    "strategy = mask\n"
    "pseudonym_key = /tmp/k\n"
    "[kinds]\n"
    "card = mask-keep-last 4\n"
    "ipv6 = off\n"
    "[pattern ticket_ref]\n"
    "regex = \\bTCK-[0-9]{6}\\b\n"
    "label = TICKET\n"
    "action = mask-keep-last 2\n"
    "[pattern emp]\n"
    "regex = EMP[0-9]+\n"
    "[allow]\n"
    "value = support@example.com\n"
    "value = +46 8 123 456\n"
    "pattern = ^10\\.0\\.\n"
    "[recipients]\n"
    "cc_allow = example.com, Boss@Corp.example\n"
    "cc_allow = other.example\n"
    "[attachments]\n"
    "default = drop\n"
    "image/* = keep\n"
    ".EXE = reject\n"
    "application/pdf = keep\n"
    "[entities]\n"
    "cc = no\n"
    "to = yes\n"
    "requester = true\n"
    "[headers]\n"
    "skip = X-Mailer X-Spam-Score\n"
    "[limits]\n"
    "max_depth = 5\n"
    "max_parts = 100\n"
    "max_header_size = 64k\n"
    "max_line_length = 2000\n"
    "max_message_size = 1g\n"
    "max_decoded_size = 10m\n"
    "match_limit = 5000\n"
    "depth_limit = 500\n"
    "heap_limit_kib = 1024\n"
    "scrub_timeout_ms = 1500\n"
    "worker_memory_mb = 256\n";

static void
test_every_key(void)
{
	struct config c, c2;
	const struct policy_spec *s = &c.spec;
	struct buf a, b;

	CHECK_MSG(parse(&c, full) == 0, "%s", c.error);
	CHECK(strcmp(c.key_path, "/tmp/k") == 0);
	CHECK(s->kinds[KIND_CARD].action == ACTION_MASK_KEEP_LAST &&
	    s->kinds[KIND_CARD].keep_last == 4);
	CHECK(s->kinds[KIND_IPV6].action == ACTION_OFF);
	CHECK(s->kinds[KIND_EMAIL].action == ACTION_REDACT);
	CHECK(s->ncustom == 2);
	CHECK(strcmp(s->custom[0].name, "ticket_ref") == 0);
	CHECK(strcmp(s->custom[0].label, "TICKET") == 0);
	CHECK(strcmp(s->custom[0].regex, "\\bTCK-[0-9]{6}\\b") == 0);
	CHECK(s->kinds[KIND_CUSTOM].keep_last == 2);
	CHECK(strcmp(s->custom[1].label, "EMP") == 0);	/* upper-cased name */
	CHECK(s->kinds[KIND_CUSTOM + 1].action == ACTION_REDACT);
	CHECK(c.custom_line[1] == 12 && c.regex_line[1] == 13);
	CHECK(s->nallow_values == 2 && strcmp(s->allow_values[1],
	    "+46 8 123 456") == 0);
	CHECK(s->nallow_patterns == 1 && c.allow_pattern_line[0] == 17);
	CHECK(s->ncc_allow == 3 && strcmp(s->cc_allow[1], "boss@corp.example") == 0);
	CHECK(s->attach_default == ATTACH_DROP && s->nattach == 3);
	CHECK(strcmp(s->attach[0].match, "image/*") == 0 &&
	    s->attach[0].action == ATTACH_KEEP);
	CHECK(strcmp(s->attach[1].match, ".exe") == 0 &&
	    s->attach[1].action == ATTACH_REJECT);
	CHECK(!s->entities_cc && s->entities_to && s->entities_requester);
	CHECK(s->nskip_headers == 2 && strcmp(s->skip_headers[1],
	    "x-spam-score") == 0);
	CHECK(s->limits.max_depth == 5 && s->limits.max_parts == 100);
	CHECK(s->limits.max_header_size == 65536);
	CHECK(s->limits.max_line_length == 2000);
	CHECK(s->limits.max_message_size == 1ULL << 30);
	CHECK(s->limits.max_decoded_size == 10 << 20);
	CHECK(s->limits.match_limit == 5000 && s->limits.depth_limit == 500);
	CHECK(s->limits.heap_limit_kib == 1024);
	CHECK(s->limits.scrub_timeout_ms == 1500);
	CHECK(s->limits.worker_memory_mb == 256);
	/* the dump parses back to the same dump */
	buf_init(&a, 0);
	buf_init(&b, 0);
	CHECK(config_dump(&c, &a) == 0);
	CHECK_MSG(parse(&c2, a.p) == 0, "%s", c2.error);
	CHECK(config_dump(&c2, &b) == 0);
	CHECK_MSG(a.len == b.len && memcmp(a.p, b.p, a.len) == 0, "%s\n---\n%s",
	    a.p, b.p);
	CHECK(strstr(a.p, "[pattern ticket_ref]\n") != NULL);
	CHECK(strstr(a.p, "image/* = keep\n") != NULL);
	config_free(&c2);
	config_free(&c);
	buf_free(&a);
	buf_free(&b);
}

static void
test_errors(void)
{
	static const struct {
		const char *text, *error;
	} rows[] = {
		{ "[scrub]\nstrategy = hash\n", "t.conf:2: strategy: bad value" },
		{ "x = 1\n", "t.conf:1: key 'x' outside a section" },
		{ "[nope]\nx = 1\n", "t.conf:1: unknown section [nope]" },
		{ "[scrub]\n\n\ncolour = red\n", "t.conf:4: unknown key 'colour'" },
		{ "[kinds]\nfax = off\n", "t.conf:2: unknown kind 'fax'" },
		{ "[kinds]\ncard = mask-keep-last\n", "t.conf:2: card: bad value" },
		{ "[kinds]\ncard = mask-keep-last 0\n", "t.conf:2: card: bad value" },
		{ "[kinds]\ncard = mask-keep-last 65\n", "t.conf:2: card: bad value" },
		{ "[kinds]\ncard = off\ncard = redact\n", "t.conf:3: card given twice" },
		{ "[limits]\nmax_depth = 0\n", "t.conf:2: max_depth = 0: out of range (1..1000)" },
		{ "[limits]\nmax_depth = 1001\n", "t.conf:2: max_depth = 1001: out of range" },
		{ "[limits]\nmax_parts = -1\n", "t.conf:2: max_parts: bad number" },
		{ "[limits]\nmax_parts = 10k\n", "t.conf:2: max_parts: bad number" },
		{ "[limits]\nmax_message_size = 5g\n", "t.conf:2: max_message_size = 5368709120: out of range" },
		{ "[limits]\nmatch_limit = 99999999999999999999999\n", "t.conf:2: match_limit: bad number" },
		{ "[limits]\nscrub_timeout_ms = 1000\nscrub_timeout_ms = 2000\n", "t.conf:3: scrub_timeout_ms given twice" },
		{ "[entities]\ncc = maybe\n", "t.conf:2: cc: bad value" },
		{ "[attachments]\ndefault = burn\n", "t.conf:2: default: bad value" },
		{ "[attachments]\nimage/png = burn\n", "t.conf:2: image/png: bad value" },
		{ "[attachments]\nimage = drop\n", "t.conf:2: unknown key 'image'" },
		{ "[attachments]\n*/png = drop\n", "t.conf:2: unknown key" },
		{ "[recipients]\ncc_allow = a@b@c\n", "t.conf:2: cc_allow: bad address" },
		{ "[headers]\nskip = x-a:\n", "t.conf:2: skip: bad header name" },
		{ "[pattern Bad-Name]\nregex = x\n", "t.conf:1: bad pattern name" },
		{ "[pattern email]\nregex = x\n", "t.conf:1: pattern name 'email' is a built-in kind" },
		{ "[pattern a]\nregex = x\n[pattern a]\nregex = y\n", "t.conf:3: [pattern a] given twice" },
		{ "[scrub]\n[pattern a]\nlabel = A\n", "t.conf:2: [pattern a] has no regex" },
		{ "[pattern a]\nregex = x\nlabel = [A]\n", "t.conf:3: label: bad value" },
		{ "[pattern a]\nregex = x\nregex = y\n", "t.conf:3: regex given twice" },
		{ "[pattern a]\nregex = x\naction = zap\n", "t.conf:3: action: bad value" },
		{ "[pattern a]\nregex = x\nflags = i\n", "t.conf:3: unknown key 'flags'" },
		{ "[scrub]\nstrategy\n", "t.conf:2: syntax error" },
		{ "[scrub\n", "t.conf:1: syntax error" },
		{ "[scrub]\npseudonym_key =\n", "t.conf:2: pseudonym_key: empty file name" },
		{ "[allow]\nvalue = a\x01" "b\n", "t.conf:2: value: control character" },
	};

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct config c;

		CHECK_MSG(parse(&c, rows[i].text) == -1, "row %zu accepted", i);
		CHECK_MSG(strncmp(c.error, rows[i].error, strlen(rows[i].error))
		    == 0, "row %zu: got '%s', want '%s'", i, c.error,
		    rows[i].error);
		config_free(&c);
	}
}

static void
test_syntax(void)
{
	struct config c;
	char line[400];

	/* indented keys are keys, not continuation lines */
	CHECK_MSG(parse(&c, "[limits]\n  max_depth = 7\n\tmax_parts = 9\n") == 0,
	    "%s", c.error);
	CHECK(c.spec.limits.max_depth == 7 && c.spec.limits.max_parts == 9);
	config_free(&c);
	/* comments, CRLF, BOM, inline comment */
	CHECK_MSG(parse(&c, "\xEF\xBB\xBF# c\r\n[limits] ; x\r\nmax_depth = 8 ; "
	    "why\r\n; more\r\n") == 0, "%s", c.error);
	CHECK(c.spec.limits.max_depth == 8);
	config_free(&c);
	/* an empty [pattern] or unknown section is still caught */
	CHECK(parse(&c, "[pattern lonely]\n") == -1);
	CHECK(strstr(c.error, "t.conf:1:") != NULL);
	config_free(&c);
	/* a line longer than inih's buffer is an error, not a split line */
	memset(line, 'a', sizeof(line));
	memcpy(line, "[allow]\nvalue = ", 16);
	line[sizeof(line) - 2] = '\n';
	line[sizeof(line) - 1] = '\0';
	CHECK(parse(&c, line) == -1);
	CHECK_MSG(strncmp(c.error, "t.conf:2: line too long", 23) == 0, "%s",
	    c.error);
	config_free(&c);
	/* NUL byte */
	config_init(&c);
	CHECK(config_parse(&c, "t.conf", "[scrub]\nstra\0tegy = mask\n", 25) == -1);
	CHECK(strncmp(c.error, "t.conf:2: NUL byte", 18) == 0);
	config_free(&c);
	/* empty list values mean none */
	CHECK(parse(&c, "[recipients]\ncc_allow =\n[allow]\nvalue =\n") == 0);
	CHECK(c.spec.ncc_allow == 0 && c.spec.nallow_values == 0);
	config_free(&c);
}

static void
test_regex_errors(void)
{
	struct scrub_policy *p = NULL;
	struct config c;

	CHECK(parse(&c, "[pattern ok]\nregex = a+\n\n[pattern bad]\n"
	    "regex = (unclosed\n") == 0);
	CHECK(config_compile(&c, &p) == -1 && p == NULL);
	CHECK_MSG(strncmp(c.error, "t.conf:5: [pattern bad] regex: ", 31) == 0,
	    "%s", c.error);
	config_free(&c);
	CHECK(parse(&c, "[allow]\npattern = ok\npattern = [z-a]\n") == 0);
	CHECK(config_compile(&c, &p) == -1);
	CHECK_MSG(strncmp(c.error, "t.conf:3: [allow] pattern: ", 27) == 0, "%s",
	    c.error);
	config_free(&c);
	CHECK(parse(&c, full) == 0);
	CHECK_MSG(config_compile(&c, &p) == 0, "%s", c.error);
	scrub_policy_destroy(&p);
	CHECK(p == NULL);
	config_free(&c);
}

/* write_file - helper */
static void
write_file(const char *path, const char *text, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);

	if (fd >= 0) {
		if (write(fd, text, strlen(text)) < 0)
			perror(path);
		fchmod(fd, mode);
		close(fd);
	}
}

static void
test_key_file(void)
{
	char dir[] = "/tmp/test_config.XXXXXX", conf[128], key[128], hex[200];
	unsigned char first[64];
	struct config c;
	struct stat st;
	ssize_t n;
	int fd;

	if (mkdtemp(dir) == NULL)
		return;
	snprintf(conf, sizeof(conf), "%s/s.conf", dir);
	snprintf(key, sizeof(key), "%s/pseudonym.key", dir);
	write_file(conf, "[scrub]\nstrategy = pseudonym\n", 0644);
	config_init(&c);
	CHECK_MSG(config_load(&c, conf) == 0, "%s", c.error);
	CHECK(c.spec.strategy == STRATEGY_PSEUDONYM && c.spec.keylen == 32);
	memcpy(first, c.spec.key, 32);
	config_free(&c);
	/* created next to the config, 0600, 64 hex digits */
	CHECK(stat(key, &st) == 0 && (st.st_mode & 0777) == 0600);
	fd = open(key, O_RDONLY);
	n = fd >= 0 ? read(fd, hex, sizeof(hex)) : -1;
	if (fd >= 0)
		close(fd);
	CHECK(n == 65 && hex[64] == '\n' && strspn(hex, "0123456789abcdef") == 64);
	/* loaded again: the same key */
	config_init(&c);
	CHECK(config_load(&c, conf) == 0);
	CHECK(c.spec.keylen == 32 && memcmp(first, c.spec.key, 32) == 0);
	config_free(&c);
	/* readable by others: refused */
	chmod(key, 0644);
	config_init(&c);
	CHECK(config_load(&c, conf) == -1);
	CHECK_MSG(strstr(c.error, "readable or writable by group or others") &&
	    strncmp(c.error, key, strlen(key)) == 0, "%s", c.error);
	config_free(&c);
	/* not hex: refused */
	write_file(key, "not a key\n", 0600);
	config_init(&c);
	CHECK(config_load(&c, conf) == -1 && strstr(c.error, "hex digits"));
	config_free(&c);
	unlink(key);
	/* strategy mask: no key file is made */
	write_file(conf, "[scrub]\nstrategy = mask\n", 0644);
	config_init(&c);
	CHECK(config_load(&c, conf) == 0 && access(key, F_OK) < 0);
	config_free(&c);
	/* missing config file */
	unlink(conf);
	config_init(&c);
	CHECK(config_load(&c, conf) == -1 && strstr(c.error, "No such file"));
	config_free(&c);
	rmdir(dir);
}

/* test_key_race - processes that start together (serve's qmgr and pool,
 * fetch and its qmgr) all create the missing key at once: every one must
 * load it, all the same key, and no temporary file is left behind */
static void
test_key_race(void)
{
	enum { ROUNDS = 40, PROCS = 8 };
	int failed = 0, leftover = 0;

	for (int round = 0; round < ROUNDS; round++) {
		char dir[] = "/tmp/test_config.XXXXXX", conf[128];
		int go[2], res[2];
		pid_t pids[PROCS];
		unsigned char keys[PROCS][32];
		DIR *d;
		struct dirent *e;

		if (mkdtemp(dir) == NULL || pipe(go) < 0 || pipe(res) < 0)
			return;
		snprintf(conf, sizeof(conf), "%s/s.conf", dir);
		write_file(conf, "[scrub]\nstrategy = pseudonym\n", 0644);
		for (int i = 0; i < PROCS; i++) {
			if ((pids[i] = fork()) == 0) {
				struct config c;
				unsigned char k[33];
				char x;

				close(go[1]);
				(void)read(go[0], &x, 1);	/* all start at once */
				config_init(&c);
				k[0] = config_load(&c, conf) == 0 && c.spec.keylen == 32;
				memcpy(k + 1, c.spec.key, 32);
				(void)write(res[1], k, sizeof(k));
				_exit(0);
			}
		}
		close(go[0]);
		close(go[1]);	/* the start signal: EOF for every child */
		for (int i = 0; i < PROCS; i++) {
			unsigned char k[33];

			if (read(res[0], k, sizeof(k)) != (ssize_t)sizeof(k) || !k[0])
				failed++;
			else
				memcpy(keys[i], k + 1, 32);
			if (i > 0 && memcmp(keys[i], keys[0], 32) != 0)
				failed++;
		}
		for (int i = 0; i < PROCS; i++)
			waitpid(pids[i], NULL, 0);
		close(res[0]);
		close(res[1]);
		if ((d = opendir(dir)) != NULL) {
			while ((e = readdir(d)) != NULL) {
				char p[300];

				if (strstr(e->d_name, ".tmp."))
					leftover++;
				if (e->d_name[0] != '.') {
					snprintf(p, sizeof(p), "%s/%s", dir, e->d_name);
					unlink(p);
				}
			}
			closedir(d);
		}
		rmdir(dir);
	}
	CHECK_MSG(failed == 0, "%d of %d loads failed or disagreed", failed,
	    ROUNDS * PROCS);
	CHECK(leftover == 0);
}

static void
test_docs(void)
{
	struct buf b;

	buf_init(&b, 0);
	CHECK(config_markdown(&b) == 0);
	CHECK(strstr(b.p, "| [limits] | worker_memory_mb | `1024` | 64..65536 |"));
	CHECK(strstr(b.p, "| [pattern NAME] | regex | (required) |"));
	buf_free(&b);
}

int
main(void)
{
	test_defaults();
	test_named();
	test_every_key();
	test_errors();
	test_syntax();
	test_regex_errors();
	test_key_race();
	test_key_file();
	test_docs();
	return harness_done();
}
