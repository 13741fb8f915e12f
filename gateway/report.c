/* report - the JSON run report (see report.h). */
#include "report.h"

#include <stdlib.h>
#include <string.h>

struct report {
	const struct policy_spec *spec;
	struct buf msgs;		/* the "messages" array items */
	unsigned long n, ok, failed;
	unsigned long long counts[KIND_MAX];
	unsigned long long stripped, dropped;
};

/* utf8_len - length of a valid UTF-8 sequence at s, 0 if invalid */
static size_t
utf8_len(const unsigned char *s, size_t n)
{
	size_t len;
	unsigned cp;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		len = 2, cp = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		len = 3, cp = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		len = 4, cp = s[0] & 0x07;
	else
		return 0;
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if ((len == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
	    (len == 4 && (cp < 0x10000 || cp > 0x10ffff)))
		return 0;
	return len;
}

/* report_json_string - s[0..n) as a quoted JSON string */
int
report_json_string(struct buf *out, const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	int rc = buf_putc(out, '"');

	for (size_t i = 0; i < n;) {
		size_t l;

		if (u[i] == '"' || u[i] == '\\') {
			rc |= buf_putc(out, '\\');
			rc |= buf_putc(out, u[i++]);
		} else if (u[i] < 0x20 || u[i] == 0x7f) {
			rc |= buf_printf(out, "\\u%04x", u[i++]);
		} else if ((l = utf8_len(u + i, n - i)) == 0) {
			rc |= buf_puts(out, "\\ufffd");
			i++;
		} else {
			rc |= buf_append(out, u + i, l);
			i += l;
		}
	}
	return rc | buf_putc(out, '"');
}

/* report_create - an empty report; spec names the kinds */
struct report *
report_create(const struct policy_spec *spec)
{
	struct report *r = calloc(1, sizeof(*r));

	if (r == NULL)
		return NULL;
	r->spec = spec;
	buf_init(&r->msgs, 0);
	return r;
}

/* put_counts - {"kind":n,...} for the non-zero kinds */
static int
put_counts(struct report *r, struct buf *out, const unsigned *c32,
    const unsigned long long *c64)
{
	int rc = buf_putc(out, '{'), first = 1;

	for (int k = 0; k < policy_kind_count(r->spec) && k < KIND_MAX; k++) {
		unsigned long long v = c32 ? c32[k] : c64[k];
		const char *name = policy_kind_name(r->spec, k);

		if (v == 0 || name == NULL)
			continue;
		rc |= buf_puts(out, first ? "" : ",");
		rc |= report_json_string(out, name, strlen(name));
		rc |= buf_printf(out, ":%llu", v);
		first = 0;
	}
	return rc | buf_putc(out, '}');
}

/* report_add - one message */
int
report_add(struct report *r, unsigned long index,
    const struct scrub_result *res, const char *quarantined)
{
	struct buf *b = &r->msgs;
	int rc = 0;

	rc |= buf_printf(b, "%s\n  {\"index\":%lu,\"message_id\":",
	    r->n ? "," : "", index);
	rc |= report_json_string(b, res->message_id, strlen(res->message_id));
	rc |= buf_puts(b, ",\"counts\":");
	rc |= put_counts(r, b, res->counts, NULL);
	rc |= buf_printf(b, ",\"stripped_recipients\":%u,\"attachments_dropped\""
	    ":%u,\"error\":", res->stripped_recipients,
	    res->attachments_dropped);
	if (res->err == ERR_OK)
		rc |= buf_puts(b, "null}");
	else {
		const char *e = scrub_err_info(res->err)->name;

		rc |= report_json_string(b, e, strlen(e));
		rc |= buf_puts(b, ",\"error_detail\":");
		rc |= report_json_string(b, res->err_detail,
		    strlen(res->err_detail));
		rc |= buf_puts(b, ",\"quarantined\":");
		rc |= quarantined ? report_json_string(b, quarantined,
		    strlen(quarantined)) : buf_puts(b, "null");
		rc |= buf_putc(b, '}');
	}
	r->n++;
	if (res->err == ERR_OK) {
		r->ok++;
		for (size_t k = 0; k < KIND_MAX; k++)
			r->counts[k] += res->counts[k];
		r->stripped += res->stripped_recipients;
		r->dropped += res->attachments_dropped;
	} else
		r->failed++;
	return rc;
}

/* report_finish - the whole document into out */
int
report_finish(struct report *r, struct buf *out)
{
	int rc = buf_puts(out, "{\"messages\":[");

	rc |= buf_append(out, r->msgs.p ? r->msgs.p : "", r->msgs.len);
	rc |= buf_printf(out, "%s],\n\"totals\":{\"messages\":%lu,\"scrubbed\":%lu,"
	    "\"errors\":%lu,\"counts\":", r->n ? "\n" : "", r->n, r->ok,
	    r->failed);
	rc |= put_counts(r, out, NULL, r->counts);
	rc |= buf_printf(out, ",\"stripped_recipients\":%llu,"
	    "\"attachments_dropped\":%llu}}\n", r->stripped, r->dropped);
	return rc;
}

/* report_destroy - free; accepts NULL, clears the pointer */
void
report_destroy(struct report **rp)
{
	if (*rp == NULL)
		return;
	buf_free(&(*rp)->msgs);
	free(*rp);
	*rp = NULL;
}
