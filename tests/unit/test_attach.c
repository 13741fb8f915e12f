/* test_attach - the attachment policy: rule shapes, order, case, default;
 * action names both ways. */
#include <string.h>

#include "attach.h"
#include "harness.h"

static struct attach_rule rules[] = {
	{ "application/x-msdownload", ATTACH_REJECT },
	{ ".EXE", ATTACH_REJECT },
	{ "image/png", ATTACH_KEEP },		/* before image/ star: wins */
	{ "image/*", ATTACH_DROP },
	{ ".tar.gz", ATTACH_DROP },
	{ "", ATTACH_REJECT },			/* an empty rule matches nothing */
	{ "application/pdf", ATTACH_DROP },
};

static const struct {
	const char *type, *filename;
	enum attach_action def, want;
} rows[] = {
	{ "application/x-msdownload", NULL, ATTACH_KEEP, ATTACH_REJECT },
	{ "Application/X-MSDownload", "a.bin", ATTACH_KEEP, ATTACH_REJECT },
	{ "application/octet-stream", "setup.exe", ATTACH_KEEP, ATTACH_REJECT },
	{ "application/octet-stream", "SETUP.Exe", ATTACH_KEEP, ATTACH_REJECT },
	{ "application/octet-stream", "exe", ATTACH_KEEP, ATTACH_KEEP },
	{ "application/octet-stream", "setup.exe.txt", ATTACH_KEEP, ATTACH_KEEP },
	{ "image/png", "x.png", ATTACH_DROP, ATTACH_KEEP },
	{ "IMAGE/PNG", NULL, ATTACH_DROP, ATTACH_KEEP },
	{ "image/jpeg", "x.jpg", ATTACH_KEEP, ATTACH_DROP },
	{ "Image/GIF", NULL, ATTACH_KEEP, ATTACH_DROP },
	{ "image/png", "virus.exe", ATTACH_KEEP, ATTACH_REJECT },	/* order */
	{ "image", NULL, ATTACH_KEEP, ATTACH_KEEP },
	{ "image/", NULL, ATTACH_KEEP, ATTACH_KEEP },
	{ "imagex/png", NULL, ATTACH_KEEP, ATTACH_KEEP },
	{ "application/gzip", "logs.TAR.GZ", ATTACH_KEEP, ATTACH_DROP },
	{ "application/gzip", "logs.gz", ATTACH_REJECT, ATTACH_REJECT },
	{ "application/pdf", NULL, ATTACH_KEEP, ATTACH_DROP },
	{ "application/pdfx", NULL, ATTACH_KEEP, ATTACH_KEEP },
	{ "application/pd", NULL, ATTACH_KEEP, ATTACH_KEEP },
	{ "text/plain", "notes.txt", ATTACH_KEEP, ATTACH_KEEP },
	{ "text/plain", "notes.txt", ATTACH_DROP, ATTACH_DROP },
	{ NULL, "a.exe", ATTACH_KEEP, ATTACH_REJECT },
	{ NULL, NULL, ATTACH_KEEP, ATTACH_KEEP },
	{ "", "", ATTACH_KEEP, ATTACH_KEEP },
};

/* test_rules - every row against the rule list */
static void
test_rules(void)
{
	struct policy_spec spec;

	policy_spec_defaults(&spec);
	CHECK(attach_policy_for(&spec, "application/pdf", "a.pdf") == ATTACH_KEEP);
	spec.attach = rules;
	spec.nattach = sizeof rules / sizeof rules[0];
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		spec.attach_default = rows[i].def;
		CHECK_MSG(attach_policy_for(&spec, rows[i].type, rows[i].filename) ==
		    rows[i].want, "row %zu", i);
	}
}

/* test_names - names and parsing are inverse; unknown words are refused */
static void
test_names(void)
{
	static const char *bad[] = { "", "keeps", "kee", "delete", " keep", NULL };

	for (int a = ATTACH_KEEP; a <= ATTACH_REJECT; a++)
		CHECK(attach_action_parse(attach_action_name(a)) == a);
	CHECK(strcmp(attach_action_name(ATTACH_DROP), "drop") == 0);
	CHECK(attach_action_parse("REJECT") == ATTACH_REJECT);
	CHECK(attach_action_parse("Keep") == ATTACH_KEEP);
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		CHECK_MSG(attach_action_parse(bad[i]) == -1, "bad %zu", i);
}

int
main(void)
{
	test_rules();
	test_names();
	return harness_done();
}
