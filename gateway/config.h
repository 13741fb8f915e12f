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

/* Named sections: [route NAME], [rule NAME], [account NAME].  Every
 * instance struct starts with the members of struct cfg_instance; the
 * table rows of a named section hold offsets into the instance struct.
 * Instances keep the order of the file. */
struct cfg_instance {
	char *name;			/* NAME of [section NAME] */
	unsigned line;			/* line of the section header */
};

/* [route NAME]: where a message goes and how it is treated */
struct route_cfg {
	char *name;
	unsigned line;
	char **mailboxes;		/* addresses or domains it serves */
	size_t nmailboxes;
	/* further route keys: below, one block per feature */
};

/* [rule NAME]: routing rules, first match wins */
struct rule_cfg {
	char *name;
	unsigned line;
	/* rule keys: below */
};

/* [account NAME]: an IMAP mailbox polled by `scrubgate fetch` */
struct account_cfg {
	char *name;
	unsigned line;
	/* account keys: below */
};

/* [server]: `scrubgate serve` (SMTP) */
struct server_cfg {
	char *listen;
	/* server keys: below */
};

/* [delivery]: spool, queue and next-hop clients */
struct delivery_cfg {
	char *spool;
	/* delivery keys: below */
};

/* [store]: the ticket store */
struct store_cfg {
	char *database;
	/* store keys: below */
};

struct config {
	struct policy_spec spec;
	struct server_cfg server;
	struct delivery_cfg delivery;
	struct store_cfg store;
	struct route_cfg *routes;
	size_t nroutes;
	struct rule_cfg *rules;
	size_t nrules;
	struct account_cfg *accounts;
	size_t naccounts;
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

/* config_parse_duration - "30s", "5m", "2h", "5d", "3w", "13mo", "3y"
 * (a bare number: seconds) into seconds; -1 when malformed */
int config_parse_duration(const char *v, unsigned long long *n_r);

/* config_parse - apply INI text; name appears in error lines */
int config_parse(struct config *c, const char *name, const char *text,
    size_t len);
/* config_load - read and parse a file, then load the pseudonym key */
int config_load(struct config *c, const char *path);
/* config_path - p (a CT_PATH value) resolved against the directory of
 * the config file; malloc'd, NULL for NULL or out of memory */
char *config_path(const struct config *c, const char *p);
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
