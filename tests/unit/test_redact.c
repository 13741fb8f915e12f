/* test_redact - labels, pseudonyms, mask-keep-last, splicing, previews. */
#include <string.h>

#include "harness.h"
#include "redact.h"

static struct policy_spec spec;

/* rep - the replacement as a string (static buffer) */
static const char *
rep(int kind, const char *value)
{
	static char out[256];
	struct buf b;

	buf_init(&b, 0);
	if (redact_replacement(&spec, kind, value, strlen(value), &b) < 0 || b.p == NULL)
		out[0] = '\0';
	else
		snprintf(out, sizeof(out), "%s", b.p);
	buf_free(&b);
	return out;
}

static void
set_key(const char *k)
{
	memcpy(spec.key, k, strlen(k));
	spec.keylen = strlen(k);
}

struct row {
	int kind;
	const char *value;
	const char *want;
};

static void
check_rows(const struct row *rows, size_t n, const char *what)
{
	for (size_t i = 0; i < n; i++) {
		const char *got = rep(rows[i].kind, rows[i].value);

		CHECK_MSG(strcmp(got, rows[i].want) == 0, "%s \"%s\": got \"%s\", want \"%s\"",
		    what, rows[i].value, got, rows[i].want);
	}
}

static void
test_mask(void)
{
	static const struct row rows[] = {
		{ KIND_EMAIL, "anna@example.com", "[EMAIL]" },
		{ KIND_PHONE, "+46 70 123 45 67", "[PHONE]" },
		{ KIND_SE_PNR, "811218-9876", "[SE-PNR]" },
		{ KIND_NAME, "Anna Berg", "[NAME]" },
		{ KIND_IBAN, "DE89 3704 0044 0532 0130 00", "[IBAN]" },
	};

	policy_spec_defaults(&spec);
	check_rows(rows, sizeof(rows) / sizeof(rows[0]), "mask");
}

static void
test_pseudonym(void)
{
	/* first 8 hex of HMAC-SHA-256("secret", normalised value) */
	static const struct row rows[] = {
		{ KIND_EMAIL, "anna.berg@example.com", "[EMAIL-dc972528]" },
		{ KIND_EMAIL, "Anna.Berg@EXAMPLE.com", "[EMAIL-dc972528]" },
		{ KIND_CARD, "4111 1111 1111 1111", "[CARD-d6c00513]" },
		{ KIND_CARD, "4111-1111-1111-1111", "[CARD-d6c00513]" },
		{ KIND_NAME, "Anna  \r\n Berg", "[NAME-8447598a]" },
		{ KIND_NAME, "ANNA BERG", "[NAME-8447598a]" },
		{ KIND_IBAN, "de89 3704 0044 0532 0130 00", "[IBAN-68adc85d]" },
	};
	char ps[9];

	policy_spec_defaults(&spec);
	spec.strategy = STRATEGY_PSEUDONYM;
	set_key("secret");
	check_rows(rows, sizeof(rows) / sizeof(rows[0]), "pseudonym");
	/* an empty key still gives a stable HMAC */
	spec.keylen = 0;
	redact_pseudonym(&spec, KIND_EMAIL, "anna.berg@example.com", 21, ps);
	CHECK(strcmp(ps, "8ebe61db") == 0);
	/* IP addresses keep their dots: 1.2.34.5 is not 12.3.4.5 */
	set_key("secret");
	{
		char a[64];

		snprintf(a, sizeof(a), "%s", rep(KIND_IPV4, "1.2.34.5"));
		CHECK(strcmp(a, rep(KIND_IPV4, "12.3.4.5")) != 0);
	}
	/* a long value (heap copy) works the same */
	{
		char big[1000];

		memset(big, '7', sizeof(big) - 1);
		big[sizeof(big) - 1] = '\0';
		/* a custom kind the spec does not name gets a generic label */
		CHECK(strncmp(rep(KIND_CUSTOM, big), "[REDACTED-", 10) == 0);
		CHECK(strlen(rep(KIND_CARD, big)) == strlen("[CARD-xxxxxxxx]"));
	}
}

static void
test_keep_last(void)
{
	static const struct row rows[] = {
		{ KIND_CARD, "4111 1111 1111 1234", "**** **** **** 1234" },
		{ KIND_CARD, "4111-1111-1111-1234", "****-****-****-1234" },
		{ KIND_CARD, "4111111111111234", "************1234" },
		{ KIND_CARD, "123", "**3" },		/* at most half is kept */
		{ KIND_CARD, "12-34", "**-34" },
		{ KIND_IBAN, "SE45 5000 0000 0583 9825 7466", "**** **** **** **** **** 7466" },
		{ KIND_NAME, "Åsa Öberg", "*** *berg" },
	};

	policy_spec_defaults(&spec);
	spec.kinds[KIND_CARD] = (struct kind_rule){ ACTION_MASK_KEEP_LAST, 4 };
	spec.kinds[KIND_IBAN] = (struct kind_rule){ ACTION_MASK_KEEP_LAST, 4 };
	spec.kinds[KIND_NAME] = (struct kind_rule){ ACTION_MASK_KEEP_LAST, 4 };
	check_rows(rows, sizeof(rows) / sizeof(rows[0]), "keep-last");
	spec.kinds[KIND_CARD].keep_last = 0;
	CHECK(strcmp(rep(KIND_CARD, "4111 1111"), "**** ****") == 0);
}

static void
test_apply(void)
{
	const char *t = "mail anna@example.com or call +46 70 123 45 67 now";
	struct findings f;
	struct buf out;
	unsigned counts[KIND_MAX] = { 0 };

	policy_spec_defaults(&spec);
	findings_init(&f);
	buf_init(&out, 0);
	findings_add(&f, 5, 21, KIND_EMAIL);
	findings_add(&f, 30, 46, KIND_PHONE);
	CHECK(redact_apply(&spec, t, strlen(t), &f, &out, counts) == 0);
	CHECK_MSG(strcmp(out.p, "mail [EMAIL] or call [PHONE] now") == 0, "%s", out.p);
	CHECK(counts[KIND_EMAIL] == 1 && counts[KIND_PHONE] == 1);
	/* no findings: a copy */
	buf_reset(&out);
	findings_reset(&f);
	CHECK(redact_apply(&spec, t, strlen(t), &f, &out, NULL) == 0 && strcmp(out.p, t) == 0);
	/* bad findings (overlapping, past the end) are skipped */
	buf_reset(&out);
	findings_add(&f, 5, 21, KIND_EMAIL);
	findings_add(&f, 10, 12, KIND_PHONE);
	findings_add(&f, 40, 400, KIND_PHONE);
	CHECK(redact_apply(&spec, t, strlen(t), &f, &out, NULL) == 0);
	CHECK(strcmp(out.p, "mail [EMAIL] or call +46 70 123 45 67 now") == 0);
	/* the output cap is respected */
	buf_free(&out);
	buf_init(&out, 10);
	CHECK(redact_apply(&spec, t, strlen(t), &f, &out, NULL) == -1);
	buf_free(&out);
	findings_free(&f);
}

static void
test_preview(void)
{
	static const struct {
		const char *v, *want;
	} rows[] = {
		{ "anna@example.com", "a**************m" },
		{ "Åsa", "Å*a" },
		{ "ab", "**" },
		{ "x", "*" },
		{ "", "" },
		{ "Jörg Müller", "J*********r" },
	};

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct buf b;

		buf_init(&b, 0);
		CHECK(redact_preview(rows[i].v, strlen(rows[i].v), &b) == 0);
		CHECK_MSG(strcmp(b.p ? b.p : "", rows[i].want) == 0, "preview \"%s\": \"%s\"",
		    rows[i].v, b.p ? b.p : "");
		buf_free(&b);
	}
}

int
main(void)
{
	test_mask();
	test_pseudonym();
	test_keep_last();
	test_apply();
	test_preview();
	return harness_done();
}
