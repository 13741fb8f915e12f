/* config_table - the declarative key table shared by config.c (parsing)
 * and config_out.c (dump, example file, documentation).  Internal to the
 * config module. */
#ifndef SCRUBGATE_CONFIG_TABLE_H
#define SCRUBGATE_CONFIG_TABLE_H

#include <stddef.h>

#include "buf.h"
#include "config.h"

enum cfg_type {
	CT_STRATEGY,	/* mask | pseudonym */
	CT_PATH,	/* a file name (char *) */
	CT_KIND,	/* one key per built-in kind: redact | mask-keep-last N | off */
	CT_PAT_REGEX,	/* [pattern NAME] regex */
	CT_PAT_LABEL,	/* [pattern NAME] label */
	CT_PAT_ACTION,	/* [pattern NAME] action */
	CT_VALUES,	/* repeatable: one string per key line */
	CT_PATTERNS,	/* repeatable: one PCRE2 pattern per key line */
	CT_ADDRS,	/* comma/space separated addresses or domains, repeatable */
	CT_HEADERS,	/* comma/space separated header names, repeatable */
	CT_ATTACH,	/* keep | drop | reject */
	CT_ATTACH_RULE,	/* any other key: MIME type or .ext = keep|drop|reject */
	CT_BOOL,	/* yes | no */
	CT_UINT,	/* unsigned, min..max */
	CT_SIZE,	/* size_t bytes, min..max, k/m/g suffix */
	CT_STRING,	/* free text (char *), printable, may be empty */
	CT_DURATION	/* unsigned long long seconds: N with s, m, h, d, w,
			 * mo (30 d) or y (365 d); min..max in seconds */
};

struct cfg_key;

/* a named section type: [section NAME] instances in an array of struct
 * config; its rows' field offsets are relative to the instance */
struct cfg_named {
	const char *section;
	size_t array;		/* offsetof(struct config, <array>) */
	size_t count;		/* offsetof(struct config, <count>) */
	size_t size;		/* sizeof(instance struct) */
	unsigned max;		/* most instances */
};

extern const struct cfg_named cfg_named[];
extern const size_t cfg_nnamed;

/* cfg_named_of - the named type of a section name, or NULL */
const struct cfg_named *cfg_named_of(const char *section);
/* cfg_instance - instance i of a named type */
void *cfg_instance_at(const struct config *c, const struct cfg_named *t,
    size_t i);
/* cfg_named_count - how many instances */
size_t cfg_named_count(const struct config *c, const struct cfg_named *t);
/* cfg_legacy_section - a section whose defaults come from
 * policy_spec_defaults (the scrub policy) rather than the rows' def */
int cfg_legacy_section(const char *section);
/* cfg_format_at - as cfg_format_value, for a row of base (the config or
 * a named instance) */
int cfg_format_at(const char *base, const struct cfg_key *k, struct buf *out);

struct cfg_key {
	const char *section;	/* "pattern" stands for [pattern NAME] */
	const char *key;	/* NULL: every kind (CT_KIND) / any key (rules) */
	enum cfg_type type;
	const char *def;	/* default as written in the file */
	unsigned long long min, max;
	size_t field;		/* offsetof(struct config, ...) */
	size_t nfield;		/* count field of a list */
	const char *doc;
};

extern const struct cfg_key cfg_keys[];
extern const size_t cfg_nkeys;

/* cfg_format_value - the value of a scalar row as it would be written */
int cfg_format_value(const struct config *c, const struct cfg_key *k,
    struct buf *out);
/* cfg_format_action - "redact", "off", "mask-keep-last 4" */
const char *cfg_format_action(const struct kind_rule *r, char *tmp, size_t n);

#endif
