/* recognize - find personal data in UTF-8 text.
 *
 * Each built-in kind is one PCRE2 pattern compiled once with JIT, plus a
 * validator (checksum, date) where the number has one.  To stay fast on
 * large text, cheap trigger scans (digits, '@', ':') pick candidate windows
 * and the precise patterns run only there.  Custom patterns from the policy
 * and known entities (names and addresses from the message's own headers)
 * are found too.  Values on the allow-list are never reported, nor text
 * touching a replacement token scrubgate itself wrote ("[EMAIL]",
 * "[PHONE-7f3a9c2e]", and "****1234" when the policy masks).  The findings
 * are settled: what a scan of the text with every finding replaced would
 * find is found too, so that scrubbing scrubbed text changes nothing.
 *
 * A recognizer is immutable after recognizer_create and may be shared by
 * threads; recognizer_scan keeps its scratch state on the caller's side.
 */
#ifndef SCRUBGATE_RECOGNIZE_H
#define SCRUBGATE_RECOGNIZE_H

#include <stddef.h>

#include "errors.h"
#include "policy.h"

struct finding {
	size_t start, end;	/* byte offsets into the scanned text, end exclusive */
	int kind;		/* enum kind, or KIND_CUSTOM + i */
};

/* findings: sorted by start, never overlapping */
struct findings {
	struct finding *v;
	size_t n, cap;
};

void findings_init(struct findings *f);
void findings_reset(struct findings *f);
void findings_free(struct findings *f);
int findings_add(struct findings *f, size_t start, size_t end, int kind);

/* known entities: literal strings found case-insensitively on word
 * boundaries, runs of white space in them matching any white space */
struct entity {
	char *text;		/* UTF-8, owned */
	size_t len;
	int kind;		/* KIND_NAME for display names, KIND_EMAIL for addresses */
};

struct entities {
	struct entity *v;
	size_t n, cap;
};

void entities_init(struct entities *e);
/* add one (ignored when shorter than 3 bytes or already present) */
int entities_add(struct entities *e, const char *text, size_t len, int kind);
void entities_free(struct entities *e);

struct recognizer;

/* compile every enabled kind (spec->kinds[k].action != ACTION_OFF), the
 * custom patterns and the allow-list patterns; NULL and *error_r (static
 * text naming the pattern) on failure */
struct recognizer *recognizer_create(const struct policy_spec *spec,
    const char **error_r);
void recognizer_destroy(struct recognizer **r);

/* recognizer_scan - append every finding in text[0..len) to out (which is
 * reset first).  ents may be NULL.  Returns 0, or -1 with *err_r set
 * (ERR_MATCH_LIMIT when a PCRE2 limit was hit, ERR_NOMEM). */
int recognizer_scan(const struct recognizer *r, const char *text, size_t len,
    const struct entities *ents, struct findings *out, enum scrub_err *err_r);

#endif
