/* config - the scrubgate configuration file (INI, parsed by libinih).
 *
 * One declarative table of keys {section, key, type, default, min, max,
 * field, doc} drives parsing and bounds checking, the dump of the effective
 * settings (check-config), the annotated example file and the key
 * reference in the documentation.  Parsing fills a policy_spec (see
 * filters/policy.h), starting from policy_spec_defaults.
 *
 * Errors are one line "FILE:LINE: problem" (or "FILE: problem" when no line
 * applies) in config.error; the first error wins.  Regular expressions are
 * checked by compiling the spec through scrub_policy_create.
 */
#ifndef SCRUBGATE_CONFIG_H
#define SCRUBGATE_CONFIG_H

#include <stddef.h>

#include "buf.h"
#include "policy.h"

struct scrub_policy;

struct config {
	struct policy_spec spec;
	char *key_path;			/* [scrub] pseudonym_key, as written */
	char *dir;			/* directory of the config file, or NULL */
	char *source;			/* file name used in error lines */
	unsigned custom_line[KIND_CUSTOM_MAX];	/* [pattern NAME] line */
	unsigned regex_line[KIND_CUSTOM_MAX];	/* its regex = line */
	unsigned *allow_pattern_line;	/* line of each [allow] pattern */
	char error[512];
};

/* config_init - built-in defaults (what runs without -c) */
int config_init(struct config *c);
void config_free(struct config *c);

/* config_parse - apply INI text; name appears in error lines */
int config_parse(struct config *c, const char *name, const char *text,
    size_t len);
/* config_load - read and parse a file, then load the pseudonym key */
int config_load(struct config *c, const char *path);
/* config_load_key - when strategy = pseudonym: read the key file, or
 * create it (32 random bytes, hex, mode 0600); refuse a key file that
 * group or others can read */
int config_load_key(struct config *c);
/* config_compile - scrub_policy_create with errors located at a line;
 * the config must outlive the policy */
int config_compile(struct config *c, struct scrub_policy **p_r);

/* config_dump - the effective settings, every key, as valid INI */
int config_dump(const struct config *c, struct buf *out);
/* config_template - the annotated example file (config/scrubgate.conf) */
int config_template(struct buf *out);
/* config_markdown - the key reference table for docs/configuration.md */
int config_markdown(struct buf *out);

#endif
