/* recognize_int - what recognize.c and recognize_policy.c share.
 *
 * Not for other modules: the recognizer's compiled patterns and the
 * per-call scan state (candidates before overlap resolution).
 */
#ifndef SCRUBGATE_RECOGNIZE_INT_H
#define SCRUBGATE_RECOGNIZE_INT_H

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdint.h>

#include "recognize.h"

struct pat {
	pcre2_code *code;
	int jit;		/* JIT compiled: use pcre2_jit_match */
};

struct recognizer {
	int enabled[KIND_MAX];
	int keep_last[KIND_MAX];	/* N of ACTION_MASK_KEEP_LAST, or -1 */
	int masks;			/* some kind is masked so */
	unsigned cluster_mask;		/* enabled kinds found in digit clusters */
	struct pat builtin[KIND_BUILTIN_COUNT];
	struct pat custom[KIND_CUSTOM_MAX];
	size_t ncustom;
	struct pat *allow;		/* anchored at both ends */
	size_t nallow;
	char **allow_values;		/* copies */
	size_t *allow_lens;
	size_t nallow_values;
	pcre2_match_context *mctx;	/* limits from the spec; read-only */
};

/* one call's state; t borrows the caller's text for the call */
struct scan {
	const struct recognizer *r;
	const char *t;
	size_t len;
	pcre2_match_data *md;
	struct finding *c;		/* candidates, unsorted, may overlap */
	size_t n, cap;
	enum scrub_err err;		/* first error; stops the scan */
	size_t colon_until;		/* end of the last IPv6 window examined */
};

size_t recognize_next_char(const char *t, size_t len, size_t i);
int recognize_kind_rank(int kind);
int recognize_compile(struct pat *p, const char *re, uint32_t extra);
int recognize_match(struct scan *sc, const struct pat *p, size_t sublen,
    size_t off, size_t *ms, size_t *me);

/* recognize_context.c: 1 keeps the match [s, *e) */
int recognize_check_card(struct scan *sc, size_t s, size_t *e);
int recognize_check_czsk_rc(struct scan *sc, size_t s, size_t *e);
int recognize_check_de_steuerid(struct scan *sc, size_t s, size_t *e);
int recognize_check_dk_cpr(struct scan *sc, size_t s, size_t *e);
int recognize_check_es_dni(struct scan *sc, size_t s, size_t *e);
int recognize_check_fi_hetu(struct scan *sc, size_t s, size_t *e);
int recognize_check_iban(struct scan *sc, size_t s, size_t *e);
int recognize_check_ipv4(struct scan *sc, size_t s, size_t *e);
int recognize_check_ipv6(struct scan *sc, size_t s, size_t *e);
int recognize_check_it_cf(struct scan *sc, size_t s, size_t *e);
int recognize_check_none(struct scan *sc, size_t s, size_t *e);
int recognize_check_phone(struct scan *sc, size_t s, size_t *e);
int recognize_check_pl_pesel(struct scan *sc, size_t s, size_t *e);
int recognize_check_se_pnr(struct scan *sc, size_t s, size_t *e);
int recognize_check_ssn(struct scan *sc, size_t s, size_t *e);
int recognize_check_uk_nino(struct scan *sc, size_t s, size_t *e);
int recognize_phone_words(struct scan *sc, size_t s);
size_t recognize_email_key(struct scan *sc, size_t s, size_t e);

/* recognize.c: the built-in kinds whose trigger lies in [from, to) */
int recognize_scan_builtin(struct scan *sc, size_t from, size_t to);

/* recognize_policy.c */
int recognize_compile_policy(struct recognizer *r, const struct policy_spec *spec,
    const char **error_r);
int recognize_add(struct scan *sc, size_t s, size_t e, int kind);
int recognize_scan_custom(struct scan *sc);
int recognize_scan_entities(struct scan *sc, const struct entities *ents);
int recognize_resolve(struct scan *sc, struct findings *out);
int recognize_settle(struct scan *sc, const struct entities *ents,
    struct findings *out);

#endif
