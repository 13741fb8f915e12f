/* policy - what to scrub and how: the plain-data form of the config.
 *
 * gateway/config.c fills a policy_spec from the INI file (or leaves the
 * built-in defaults of policy_spec_defaults); the filters compile what they
 * need from it once at start-up.  Strings here are owned by the spec and
 * freed by policy_spec_free.
 */
#ifndef SCRUBGATE_POLICY_H
#define SCRUBGATE_POLICY_H

#include <stddef.h>

#include "kinds.h"

enum action {
	ACTION_REDACT,		/* replace with a label or pseudonym */
	ACTION_MASK_KEEP_LAST,	/* replace every digit/letter but the last N with '*' */
	ACTION_OFF		/* leave alone */
};

struct kind_rule {
	enum action action;
	unsigned keep_last;	/* N for ACTION_MASK_KEEP_LAST */
};

struct custom_pattern {
	char *name;		/* config name, [a-z0-9_]+ */
	char *label;		/* replacement label, upper-cased name by default */
	char *regex;		/* PCRE2 pattern, compiled with UTF and JIT */
};

enum strategy {
	STRATEGY_MASK,		/* [EMAIL] */
	STRATEGY_PSEUDONYM	/* [EMAIL-7f3a9c2e]: HMAC-SHA-256 of the normalised value */
};

enum attach_action { ATTACH_KEEP, ATTACH_DROP, ATTACH_REJECT };

struct attach_rule {
	char *match;		/* "image/png", "image/ *" (a whole type), ".exe" (file name ending) */
	enum attach_action action;
};

/* Every limit: name in config = field name; defaults in policy.c. */
struct scrub_limits {
	unsigned max_depth;		/* MIME nesting (multipart and message/rfc822 levels) */
	unsigned max_parts;		/* MIME parts in one message */
	size_t max_header_size;		/* bytes in one header block */
	size_t max_line_length;		/* bytes in one line (header or undecoded body) */
	size_t max_message_size;	/* bytes in one message */
	size_t max_decoded_size;	/* bytes of one decoded text part */
	unsigned match_limit;		/* PCRE2 match limit */
	unsigned depth_limit;		/* PCRE2 depth limit */
	unsigned heap_limit_kib;	/* PCRE2 heap limit */
	unsigned scrub_timeout_ms;	/* wall time for one message (gateway enforces) */
	unsigned worker_memory_mb;	/* address-space limit of the scrub worker */
};

struct policy_spec {
	struct kind_rule kinds[KIND_MAX];
	struct custom_pattern custom[KIND_CUSTOM_MAX];
	size_t ncustom;

	/* never redacted: exact values, and PCRE2 patterns matched against a finding */
	char **allow_values;
	size_t nallow_values;
	char **allow_patterns;
	size_t nallow_patterns;

	enum strategy strategy;
	unsigned char key[64];		/* pseudonym HMAC key */
	size_t keylen;

	/* Cc/Bcc allow-list: "example.com" (whole domain) or "a@example.com" */
	char **cc_allow;
	size_t ncc_allow;

	struct attach_rule *attach;
	size_t nattach;
	enum attach_action attach_default;

	/* known-entity redaction: names/addresses from these headers, found in text */
	int entities_cc;	/* Cc and Bcc people: default on */
	int entities_to;	/* To people: default off */
	int entities_requester;	/* From, Reply-To, Sender: default off */

	/* headers (lower-case names) never scanned, on top of the built-in ones */
	char **skip_headers;
	size_t nskip_headers;

	struct scrub_limits limits;
};

void policy_spec_defaults(struct policy_spec *spec);
void policy_spec_free(struct policy_spec *spec);
/* name and label of a kind, custom ones included */
const char *policy_kind_name(const struct policy_spec *spec, int kind);
const char *policy_kind_label(const struct policy_spec *spec, int kind);
/* kinds in use: KIND_CUSTOM + ncustom */
int policy_kind_count(const struct policy_spec *spec);

#endif
