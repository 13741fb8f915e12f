/* policy - defaults and helpers for the plain-data policy (see policy.h). */
#include "policy.h"

#include <stdlib.h>
#include <string.h>

/* policy_spec_defaults - the built-in policy used without -c */
void
policy_spec_defaults(struct policy_spec *spec)
{
	memset(spec, 0, sizeof(*spec));
	for (int k = 0; k < KIND_MAX; k++)
		spec->kinds[k].action = ACTION_REDACT;
	spec->strategy = STRATEGY_MASK;
	spec->attach_default = ATTACH_KEEP;
	spec->entities_cc = 1;
	spec->entities_to = 0;
	spec->entities_requester = 0;
	spec->limits = (struct scrub_limits){
		.max_depth = 20,
		.max_parts = 500,
		.max_header_size = 256 * 1024,
		.max_line_length = 4 * 1024 * 1024,
		.max_message_size = 64 * 1024 * 1024,
		.max_decoded_size = 32 * 1024 * 1024,
		.match_limit = 1000000,
		.depth_limit = 10000,
		.heap_limit_kib = 20 * 1024,
		.scrub_timeout_ms = 30000,
		.worker_memory_mb = 1024,
	};
}

static void
free_list(char ***v, size_t *n)
{
	for (size_t i = 0; i < *n; i++)
		free((*v)[i]);
	free(*v);
	*v = NULL;
	*n = 0;
}

/* policy_spec_free - release every string the spec owns */
void
policy_spec_free(struct policy_spec *spec)
{
	for (size_t i = 0; i < spec->ncustom; i++) {
		free(spec->custom[i].name);
		free(spec->custom[i].label);
		free(spec->custom[i].regex);
	}
	spec->ncustom = 0;
	free_list(&spec->allow_values, &spec->nallow_values);
	free_list(&spec->allow_patterns, &spec->nallow_patterns);
	free_list(&spec->cc_allow, &spec->ncc_allow);
	free_list(&spec->skip_headers, &spec->nskip_headers);
	for (size_t i = 0; i < spec->nattach; i++)
		free(spec->attach[i].match);
	free(spec->attach);
	spec->attach = NULL;
	spec->nattach = 0;
	explicit_bzero(spec->key, sizeof(spec->key));
}

const char *
policy_kind_name(const struct policy_spec *spec, int kind)
{
	if (kind >= KIND_CUSTOM && (size_t)(kind - KIND_CUSTOM) < spec->ncustom)
		return spec->custom[kind - KIND_CUSTOM].name;
	return kind_name(kind);
}

const char *
policy_kind_label(const struct policy_spec *spec, int kind)
{
	if (kind >= KIND_CUSTOM && (size_t)(kind - KIND_CUSTOM) < spec->ncustom)
		return spec->custom[kind - KIND_CUSTOM].label;
	return kind_label(kind);
}

int
policy_kind_count(const struct policy_spec *spec)
{
	return KIND_CUSTOM + (int)spec->ncustom;
}
