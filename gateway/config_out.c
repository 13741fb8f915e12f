/* config_out - what the key table writes: the effective settings
 * (check-config), the annotated example file and the Markdown reference.
 *
 * The dump is valid INI that parses back to the same settings; it names
 * the pseudonym key file, never the key.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "config_table.h"

static const char *attach_names[] = { "keep", "drop", "reject" };

/* cfg_format_action - "redact", "off", "mask-keep-last 4" */
const char *
cfg_format_action(const struct kind_rule *r, char *tmp, size_t n)
{
	if (r->action == ACTION_OFF)
		return "off";
	if (r->action == ACTION_REDACT)
		return "redact";
	snprintf(tmp, n, "mask-keep-last %u", r->keep_last);
	return tmp;
}

/* format_size - bytes, with a k/m/g suffix when exact */
static int
format_size(unsigned long long v, struct buf *out)
{
	static const char suffix[] = "gmk";

	for (int i = 0; i < 3; i++) {
		unsigned long long unit = 1ULL << (10 * (3 - i));

		if (v && v % unit == 0)
			return buf_printf(out, "%llu%c", v / unit, suffix[i]);
	}
	return buf_printf(out, "%llu", v);
}

/* format_duration - seconds in the largest exact unit */
static int
format_duration(unsigned long long v, struct buf *out)
{
	static const struct { char u; unsigned long long s; } units[] = {
		{ 'y', 365 * 86400ULL }, { 'w', 7 * 86400ULL }, { 'd', 86400 },
		{ 'h', 3600 }, { 'm', 60 },
	};

	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (v && v % units[i].s == 0)
			return buf_printf(out, "%llu%c", v / units[i].s,
			    units[i].u);
	return buf_printf(out, "%llus", v);
}

/* cfg_format_value - the value of a scalar row as it would be written */
int
cfg_format_value(const struct config *c, const struct cfg_key *k,
    struct buf *out)
{
	if (k->type == CT_STRATEGY)
		return buf_puts(out, c->spec.strategy == STRATEGY_MASK ? "mask" :
		    "pseudonym");
	return cfg_format_at((const char *)c, k, out);
}

/* cfg_format_at - a scalar row of base (the config or an instance) */
int
cfg_format_at(const char *base, const struct cfg_key *k, struct buf *out)
{
	const char *f = base + k->field;
	unsigned a;

	switch (k->type) {
	case CT_STRING:
	case CT_PATH:
		return buf_puts(out, *(char *const *)(const void *)f ?
		    *(char *const *)(const void *)f : "");
	case CT_ATTACH:
		a = *(const enum attach_action *)(const void *)f;
		return buf_puts(out, attach_names[a < 3 ? a : 0]);
	case CT_BOOL:
		return buf_puts(out, *(const int *)(const void *)f ? "yes" : "no");
	case CT_UINT:
		return buf_printf(out, "%u", *(const unsigned *)(const void *)f);
	case CT_SIZE:
		return format_size(*(const size_t *)(const void *)f, out);
	case CT_DURATION:
		return format_duration(*(const unsigned long long *)
		    (const void *)f, out);
	default:
		return -1;
	}
}

/* dump_list - one "key = item" line per item (every list key is
 * repeatable), "key =" for none */
static int
dump_list(const char *base, const struct cfg_key *k, struct buf *out)
{
	char *const *v = *(char **const *)(const void *)(base + k->field);
	size_t n = *(const size_t *)(const void *)(base + k->nfield);
	int rc = 0;

	if (n == 0)
		return buf_printf(out, "%s =\n", k->key);
	for (size_t i = 0; i < n; i++)
		rc |= buf_printf(out, "%s = %s\n", k->key, v[i]);
	return rc;
}

/* dump_patterns - every [pattern NAME] section */
static int
dump_patterns(const struct config *c, struct buf *out)
{
	const struct policy_spec *sp = &c->spec;
	char tmp[32];
	int rc = 0;

	if (sp->ncustom == 0)
		return buf_puts(out, "; no [pattern NAME] sections\n\n");
	for (size_t i = 0; i < sp->ncustom; i++)
		rc |= buf_printf(out, "[pattern %s]\nregex = %s\nlabel = %s\n"
		    "action = %s\n\n", sp->custom[i].name, sp->custom[i].regex,
		    sp->custom[i].label, cfg_format_action(
		    &sp->kinds[KIND_CUSTOM + i], tmp, sizeof(tmp)));
	return rc;
}

/* dump_row - one table row's keys with their current values; base is c
 * or the instance of a named section */
static int
dump_row(const struct config *c, const char *base, const struct cfg_key *k,
    struct buf *out)
{
	const struct policy_spec *sp = &c->spec;
	char tmp[32];
	int rc = 0;

	switch (k->type) {
	case CT_KIND:
		for (int i = 0; i < KIND_BUILTIN_COUNT; i++)
			rc |= buf_printf(out, "%s = %s\n", kind_name(i),
			    cfg_format_action(&sp->kinds[i], tmp, sizeof(tmp)));
		return rc;
	case CT_ATTACH_RULE:
		for (size_t i = 0; i < sp->nattach; i++)
			rc |= buf_printf(out, "%s = %s\n", sp->attach[i].match,
			    attach_names[sp->attach[i].action < 3 ?
			    sp->attach[i].action : 0]);
		return rc;
	case CT_VALUES: case CT_PATTERNS: case CT_ADDRS: case CT_HEADERS:
		return dump_list(base, k, out);
	default:
		rc |= buf_printf(out, "%s = ", k->key);
		rc |= base == (const char *)c ? cfg_format_value(c, k, out) :
		    cfg_format_at(base, k, out);
		return rc | buf_putc(out, '\n');
	}
}

/* section_start - a new section begins at row i */
static int
section_start(size_t i)
{
	return i == 0 || strcmp(cfg_keys[i - 1].section, cfg_keys[i].section);
}

/* dump_named - every instance of the named section starting at row i */
static int
dump_named(const struct config *c, const struct cfg_named *t, size_t i,
    struct buf *out)
{
	size_t n = cfg_named_count(c, t);
	int rc = 0;

	if (n == 0)
		return buf_printf(out, "; no [%s NAME] sections\n\n", t->section);
	for (size_t j = 0; j < n; j++) {
		const struct cfg_instance *in = cfg_instance_at(c, t, j);

		rc |= buf_printf(out, "[%s %s]\n", t->section, in->name);
		for (size_t r = i; r < cfg_nkeys &&
		    strcmp(cfg_keys[r].section, t->section) == 0; r++)
			rc |= dump_row(c, (const char *)in, &cfg_keys[r], out);
		rc |= buf_putc(out, '\n');
	}
	return rc;
}

/* config_dump - the effective settings, every key, as valid INI */
int
config_dump(const struct config *c, struct buf *out)
{
	int rc = 0;

	for (size_t i = 0; i < cfg_nkeys; i++) {
		const struct cfg_key *k = &cfg_keys[i];
		int pattern = strcmp(k->section, "pattern") == 0;
		const struct cfg_named *t = cfg_named_of(k->section);

		if (t != NULL) {
			if (section_start(i)) {
				if (i && strcmp(cfg_keys[i - 1].section,
				    "pattern") && !cfg_named_of(
				    cfg_keys[i - 1].section))
					rc |= buf_putc(out, '\n');
				rc |= dump_named(c, t, i, out);
			}
			continue;
		}
		if (section_start(i)) {
			if (i && strcmp(cfg_keys[i - 1].section, "pattern") &&
			    !cfg_named_of(cfg_keys[i - 1].section))
				rc |= buf_putc(out, '\n');
			if (pattern)
				rc |= dump_patterns(c, out);
			else
				rc |= buf_printf(out, "[%s]\n", k->section);
		}
		if (!pattern)
			rc |= dump_row(c, (const char *)c, k, out);
	}
	return rc;
}

/* put_comment - text wrapped at 76 columns, each line prefixed */
static int
put_comment(struct buf *out, const char *prefix, const char *text)
{
	size_t col = 0, w;
	int rc = 0;

	while (*text) {
		while (*text == ' ')
			text++;
		w = strcspn(text, " ");
		if (w == 0)
			break;
		if (col && col + 1 + w > 76) {
			rc |= buf_putc(out, '\n');
			col = 0;
		}
		if (col == 0) {
			rc |= buf_puts(out, prefix);
			col = strlen(prefix);
		} else {
			rc |= buf_putc(out, ' ');
			col++;
		}
		rc |= buf_append(out, text, w);
		col += w;
		text += w;
	}
	return rc | buf_putc(out, '\n');
}

/* template_row - doc comment and default line(s) of one row; rows of
 * named sections are shown commented out (there is no instance by
 * default) */
static int
template_row(const struct cfg_key *k, struct buf *out)
{
	int rc = put_comment(out, "# ", k->doc);

	if (cfg_named_of(k->section) != NULL)
		return rc | buf_printf(out, "#%s =%s%s\n\n", k->key,
		    *k->def ? " " : "", k->def);

	switch (k->type) {
	case CT_KIND:
		for (int i = 0; i < KIND_BUILTIN_COUNT; i++)
			rc |= buf_printf(out, "%s = %s\n", kind_name(i), k->def);
		break;
	case CT_ATTACH_RULE:
		rc |= buf_puts(out, "#application/pdf = keep\n#image/* = keep\n"
		    "#.exe = reject\n");
		break;
	case CT_PAT_REGEX:
		rc |= buf_puts(out, "#[pattern ticket_ref]\n"
		    "#regex = \\bTCK-[0-9]{6}\\b\n");
		break;
	case CT_PAT_LABEL:
		rc |= buf_puts(out, "#label = TICKET_REF\n");
		break;
	case CT_PAT_ACTION:
		rc |= buf_printf(out, "#action = %s\n", k->def);
		break;
	default:
		rc |= buf_printf(out, "%s =%s%s\n", k->key, *k->def ? " " : "",
		    k->def);
	}
	return rc | buf_putc(out, '\n');
}

/* config_template - the annotated example file (config/scrubgate.conf) */
int
config_template(struct buf *out)
{
	int rc = buf_puts(out,
	    "# scrubgate.conf - every key with its built-in default.\n"
	    "#\n"
	    "# Generated by `scrubgate check-config --template`; see\n"
	    "# docs/configuration.md.  Lines starting with # or ; are comments,\n"
	    "# ' ;' starts a comment after a value.  A line holds at most 196\n"
	    "# bytes.  Check a file with `scrubgate check-config -c FILE`.\n\n");

	for (size_t i = 0; i < cfg_nkeys; i++) {
		const struct cfg_key *k = &cfg_keys[i];

		if (section_start(i) && cfg_named_of(k->section) != NULL)
			rc |= buf_printf(out, "#[%s NAME]\n", k->section);
		else if (section_start(i) && strcmp(k->section, "pattern") != 0)
			rc |= buf_printf(out, "[%s]\n", k->section);
		rc |= template_row(k, out);
	}
	return rc;
}

/* md_default - the default column of the reference table */
static int
md_default(const struct cfg_key *k, struct buf *out)
{
	if (k->type == CT_PAT_REGEX)
		return buf_puts(out, "(required)");
	if (*k->def == '\0')
		return buf_puts(out, "(empty)");
	return buf_printf(out, "`%s`", k->def);
}

/* config_markdown - the key reference table for docs/configuration.md */
int
config_markdown(struct buf *out)
{
	int rc = buf_puts(out, "| section | key | default | range | meaning |\n"
	    "|---|---|---|---|---|\n");

	for (size_t i = 0; i < cfg_nkeys; i++) {
		const struct cfg_key *k = &cfg_keys[i];
		int named = strcmp(k->section, "pattern") == 0 ||
		    cfg_named_of(k->section) != NULL;

		rc |= buf_printf(out, "| [%s%s] | %s | ", k->section,
		    named ? " NAME" : "", k->key ? k->key :
		    k->type == CT_KIND ? "*kind name*" : "*type or .ext*");
		rc |= md_default(k, out);
		if (k->type == CT_UINT || k->type == CT_SIZE)
			rc |= buf_printf(out, " | %llu..%llu | ", k->min, k->max);
		else if (k->type == CT_DURATION)
			rc |= buf_printf(out, " | %llus..%llus | ", k->min,
			    k->max);
		else
			rc |= buf_puts(out, " | | ");
		rc |= buf_printf(out, "%s |\n", k->doc);
	}
	return rc;
}
