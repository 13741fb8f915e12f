/* test_html - text extraction from HTML and redaction that keeps the
 * markup: references, tag-split values, mailto links, attributes,
 * verbatim copying, malformed and hostile input. */
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "html.h"

struct text_case {
	const char *html, *text;
};

static const struct text_case text_cases[] = {
	{ "plain", "plain" },
	{ "a &amp; b &lt;c&gt; &quot;d&quot; &apos;e&apos;", "a & b <c> \"d\" 'e'" },
	{ "&#64;&#x40;&#X40;&#064", "@@@@" },
	{ "&eacute;&Eacute;&copy;&reg;&euro;&hellip;", "\xc3\xa9\xc3\x89\xc2\xa9\xc2\xae\xe2\x82\xac\xe2\x80\xa6" },
	{ "a&nbsp;b", "a\xc2\xa0" "b" },
	{ "&unknown; &amp &ampx &#; &#x; &", "&unknown; & &ampx &#; &#x; &" },
	{ "&#0;&#1114112;&#xD800;&#99999999999999;", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd" },
	{ "<b>alice</b>@example.com", "alice@example.com" },
	{ "ali<span class=\"x\">ce</span>@<i>example</i>.com", "alice@example.com" },
	{ "a<p>b</p>c", "a\nb\nc" },
	{ "x<br>y<br/>z<BR />w", "x\ny\nz\nw" },
	{ "<table><tr><td>1</td><td>2</td></tr></table>", "\n\n\n1\n\n2\n\n\n" },
	{ "<a href=\"mailto:alice@x.org?subject=Hi\">Mail</a>", "\nmailto:alice@x.org?subject=Hi\nMail" },
	{ "<a href='mailto:alice%40x.org'>x</a>", "\nmailto:alice@x.org\nx" },
	{ "<a href=\"http://x/%40\">x</a>", "\nhttp://x/%40\nx" },
	{ "<img alt=bob@x.org src=x.png>", "\nbob@x.org\n\nx.png\n" },
	{ "<a title='it&#39;s' class=c>t</a>", "\nit's\nt" },
	{ "<div data-email=\"c@d.e\">", "\n\nc@d.e\n" },
	{ "<input value='v' type=text>", "\nv\n" },
	{ "<meta name=x content=\"c\">", "\nc\n" },
	{ "<a class=x id=y>t</a>", "t" },
	{ "<!-- alice@x.org -->vis", "vis" },
	{ "<!---->a<!-->b", "ab" },
	{ "<script>var a='<b>x</b>';</script>y", "y" },
	{ "<SCRIPT type=x>a</scriptx></Script >y", "y" },
	{ "<style>p{}</style>z", "z" },
	{ "<![CDATA[hidden]]>v", "v" },
	{ "<!DOCTYPE html><html><head><title>T</title></head>t</html>", "\nT\nt" },
	{ "<?xml version=\"1.0\"?>x", "x" },
	{ "a < b and 1<2 <3 <", "a < b and 1<2 <3 <" },
	{ "<a title=\"x", "<a title=\"x" },
	{ "t<a title=\"x\" <b>y", "t\nx\ny" },
	{ "<b>x</b", "x</b" },
	{ "<!-- unclosed alice@x.org", "" },
	{ "<script>unclosed", "" },
	{ "<a href=>x</a>", "x" },
	{ "<a =x>y</a>", "y" },
	{ "</>x", "</>x" },
	{ "caf\xc3\xa9 \xff\xfe", "caf\xc3\xa9 \xff\xfe" },
	{ "", "" },
};

/* test_text - the table above */
static void
test_text(void)
{
	size_t i;

	for (i = 0; i < sizeof(text_cases) / sizeof(text_cases[0]); i++) {
		struct buf out;
		size_t *map = NULL;

		buf_init(&out, 0);
		CHECK_MSG(html_text(text_cases[i].html,
		    strlen(text_cases[i].html), &out, &map) == 0, "row %zu", i);
		CHECK_MSG(strcmp(out.p ? out.p : "", text_cases[i].text) == 0,
		    "row %zu: [%s]", i, out.p ? out.p : "");
		free(map);
		buf_free(&out);
	}
}

/* test_map - every text byte points at its source */
static void
test_map(void)
{
	static const char src[] = "a&amp;b<p>c<a title='d'>";
	static const size_t want[] = { 0, 1, 6, 7, 10, 21, 21, 22 };
	struct buf out;
	size_t *map = NULL, i;

	buf_init(&out, 0);
	CHECK(html_text(src, strlen(src), &out, &map) == 0);
	CHECK_MSG(out.len == sizeof(want) / sizeof(want[0]), "len %zu [%s]",
	    out.len, out.p);
	for (i = 0; map && i < out.len && i < sizeof(want) / sizeof(want[0]);
	    i++)
		CHECK_MSG(map[i] == want[i], "byte %zu: %zu", i, map[i]);
	free(map);
	buf_free(&out);
}

/* a redactor for the tests: every occurrence of find becomes rep */
struct needle {
	const char *find, *rep;
	int fail;
	size_t calls;
};

static int
needle_redact(void *vctx, const char *text, size_t len, struct edits *out)
{
	struct needle *n = vctx;
	size_t fl = strlen(n->find), p = 0;
	const char *hit;

	n->calls++;
	edits_reset(out);
	if (n->fail)
		return -1;
	while (fl && p < len && (hit = memmem(text + p, len - p, n->find,
	    fl)) != NULL) {
		size_t s = (size_t)(hit - text);

		if (edits_add(out, s, s + fl, n->rep, strlen(n->rep)) < 0)
			return -1;
		p = s + fl;
	}
	return 0;
}

struct redact_case {
	const char *html, *find, *rep, *want;
};

static const struct redact_case redact_cases[] = {
	{ "<p>Mail <b>alice</b>@example.com now</p>", "alice@example.com",
	    "[EMAIL]", "<p>Mail <b>[EMAIL]</b> now</p>" },
	{ "<a href=\"mailto:alice@example.com\">alice@example.com</a>",
	    "alice@example.com", "[EMAIL]",
	    "<a href=\"mailto:[EMAIL]\">[EMAIL]</a>" },
	{ "<a href='mailto:alice%40example.com?subject=Hi'>x</a>",
	    "alice@example.com", "[EMAIL]",
	    "<a href='mailto:[EMAIL]?subject=Hi'>x</a>" },
	{ "write to alice&#64;example&#x2E;com today", "alice@example.com",
	    "[EMAIL]", "write to [EMAIL] today" },
	{ "ali&#99;e@example.com", "alice@example.com", "[EMAIL]", "[EMAIL]" },
	{ "x al<i>ic</i>e@ex<b>am</b>ple.com y", "alice@example.com", "[E]",
	    "x [E]<i></i><b></b> y" },
	{ "v: secret", "secret", "<X&Y \"q\" 'z'>",
	    "v: &lt;X&amp;Y &quot;q&quot; &#39;z&#39;&gt;" },
	{ "<img alt=secret src=a>", "secret", "[A B=`]",
	    "<img alt=[A&#32;B&#61;&#96;] src=a>" },
	{ "<img alt=secret src=a>", "secret", "", "<img alt=\"\" src=a>" },
	{ "<img alt='secret' src=a>", "secret", "", "<img alt='' src=a>" },
	{ "<P CLASS=x>  Hi &amp; secret\r\n</P>", "secret", "[S]",
	    "<P CLASS=x>  Hi &amp; [S]\r\n</P>" },
	{ "<!-- secret --><script>secret</script>secret", "secret", "[S]",
	    "<!-- secret --><script>secret</script>[S]" },
	{ "<td title=\"secret\">secret</td>", "secret", "[S]",
	    "<td title=\"[S]\">[S]</td>" },
	{ "a &lt;secret&gt; b", "<secret>", "[S]", "a [S] b" },
	{ "sec&shy;ret", "sec", "[S]", "[S]&shy;ret" },
	{ "secretsecret", "secret", "[S]", "[S][S]" },
	{ "caf\xc3\xa9 secret \xff", "secret", "[S]", "caf\xc3\xa9 [S] \xff" },
};

/* test_redact - the table above, plus the untouched cases */
static void
test_redact(void)
{
	size_t i;

	for (i = 0; i < sizeof(redact_cases) / sizeof(redact_cases[0]); i++) {
		const struct redact_case *c = &redact_cases[i];
		struct needle n = { c->find, c->rep, 0, 0 };
		struct buf out;
		int changed = -1;

		buf_init(&out, 0);
		CHECK_MSG(html_redact(c->html, strlen(c->html), needle_redact,
		    &n, &out, &changed) == 0, "row %zu", i);
		CHECK_MSG(changed == 1, "row %zu unchanged", i);
		CHECK_MSG(out.p && strcmp(out.p, c->want) == 0, "row %zu: [%s]",
		    i, out.p ? out.p : "");
		buf_free(&out);
	}
}

/* test_untouched - no finding: byte for byte the input */
static void
test_untouched(void)
{
	static const char src[] = "<HTML>\r\n<p style='x'>caf&eacute; "
	    "<a href=x>y</a>\n<!-- c --></html>\r\n";
	struct needle n = { "nothing", "[X]", 0, 0 };
	struct buf out;
	int changed = -1;

	buf_init(&out, 0);
	CHECK(html_redact(src, sizeof(src) - 1, needle_redact, &n, &out,
	    &changed) == 0);
	CHECK(changed == 0);
	CHECK(out.len == sizeof(src) - 1 && memcmp(out.p, src, out.len) == 0);
	buf_reset(&out);
	n.fail = 1;
	CHECK(html_redact(src, sizeof(src) - 1, needle_redact, &n, &out,
	    &changed) == -1);
	CHECK(out.len == 0);
	buf_free(&out);
	buf_init(&out, 10);
	n.fail = 0;
	CHECK(html_redact(src, sizeof(src) - 1, needle_redact, &n, &out,
	    &changed) == -1);
	buf_free(&out);
}

/* count - occurrences of c in s[0..n) */
static size_t
count(const char *s, size_t n, char c)
{
	size_t k = 0, i;

	for (i = 0; i < n; i++)
		k += s[i] == c;
	return k;
}

/* test_balanced - tags survive a finding that spans many of them */
static void
test_balanced(void)
{
	static const char src[] = "<div><p>a<b>l</b><i>i<u>c</u></i>"
	    "<span>e@</span><a class='c'>x.org</a></p></div>";
	struct needle n = { "alice@x.org", "[EMAIL]", 0, 0 };
	struct buf out;
	int changed;

	buf_init(&out, 0);
	CHECK(html_redact(src, sizeof(src) - 1, needle_redact, &n, &out,
	    &changed) == 0);
	CHECK(count(out.p, out.len, '<') == count(src, sizeof(src) - 1, '<'));
	CHECK(count(out.p, out.len, '>') == count(src, sizeof(src) - 1, '>'));
	CHECK(strcmp(out.p, "<div><p>[EMAIL]<b></b><i><u></u></i><span>"
	    "</span><a class='c'></a></p></div>") == 0);
	buf_free(&out);
}

/* run_hostile - extract and redact s[0..n) without a crash; with no
 * findings the output is the input */
static void
run_hostile(const char *s, size_t n, const char *what)
{
	struct needle none = { "\x01\x02never", "", 0, 0 };
	struct needle some = { "a", "[A]", 0, 0 };
	struct buf out;
	int changed;

	buf_init(&out, 0);
	CHECK_MSG(html_redact(s, n, needle_redact, &none, &out, &changed) == 0,
	    "%s", what);
	CHECK_MSG(out.len == n && memcmp(out.p, s, n) == 0, "%s", what);
	buf_reset(&out);
	CHECK_MSG(html_redact(s, n, needle_redact, &some, &out, &changed) == 0,
	    "%s", what);
	buf_reset(&out);
	CHECK_MSG(html_text(s, n, &out, NULL) == 0, "%s", what);
	buf_free(&out);
}

/* test_hostile - long runs of markup characters, huge attributes, and
 * random soup: linear and safe */
static void
test_hostile(void)
{
	static const char *const pat[] = { "<", "&", "<a", "<a x='", "<!--",
	    "<script>", "&#", "&#x1", "</", "<p>a", "<a href=mailto:%", "%4",
	    "<![CDATA[", "a<b>a</b>" };
	static const char soup[] = "<>&;#x1a='\"/!-pbr %4mailto:";
	size_t n = 1 << 20, i, k;
	char *s = malloc(n);

	for (k = 0; k < sizeof(pat) / sizeof(pat[0]); k++) {
		size_t pl = strlen(pat[k]);

		for (i = 0; i + pl <= n; i += pl)
			memcpy(s + i, pat[k], pl);
		run_hostile(s, i, pat[k]);
	}
	memcpy(s, "<a title=\"", 10);
	memset(s + 10, 'a', n - 12);
	memcpy(s + n - 2, "\">", 2);
	run_hostile(s, n, "huge attribute");
	srand(7);
	for (k = 0; k < 2000; k++) {
		size_t len = (size_t)rand() % 300;

		for (i = 0; i < len; i++)
			s[i] = soup[(size_t)rand() % (sizeof(soup) - 1)];
		run_hostile(s, len, "soup");
	}
	free(s);
}

int
main(void)
{
	test_text();
	test_map();
	test_redact();
	test_untouched();
	test_balanced();
	test_hostile();
	return harness_done();
}
