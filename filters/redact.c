/* redact - turn findings into replacements (see redact.h).
 *
 * Normalisation before the pseudonym HMAC, so that one value written
 * differently gets one token:
 *   email        lower-cased (ASCII)
 *   name         lower-cased (ASCII and Latin-1 letters), white space
 *                collapsed to one space
 *   ipv4, ipv6   lower-cased, separators kept (dropping the dots would make
 *                1.2.34.5 and 12.3.4.5 one value)
 *   the rest     (numbers, custom) separators dropped, letters upper-cased
 * ACTION_MASK_KEEP_LAST keeps at most half of a value's letters and digits.
 * The normalised copy holds personal data and is wiped after use.
 */
#include "redact.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdlib.h>
#include <string.h>

#define NORM_STACK 256

static int
is_alnum(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int
is_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v';
}

static unsigned char
lower(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? (unsigned char)(c | 0x20) : c;
}

static unsigned char
upper(unsigned char c)
{
	return c >= 'a' && c <= 'z' ? (unsigned char)(c - 0x20) : c;
}

/* normalise - write the normalised value to out (room for len bytes) */
static size_t
normalise(int kind, const unsigned char *v, size_t len, unsigned char *out)
{
	size_t k = 0;
	int space = 0;

	for (size_t i = 0; i < len; i++) {
		unsigned char c = v[i];

		switch (kind) {
		case KIND_EMAIL:
		case KIND_IPV4:
		case KIND_IPV6:
			out[k++] = lower(c);
			break;
		case KIND_NAME:
			if (is_space(c)) {
				space = k > 0;
				break;
			}
			if (space)
				out[k++] = ' ';
			space = 0;
			/* U+00C0..U+00DE (not U+00D7) lower-case in their second byte */
			if (i > 0 && v[i - 1] == 0xC3 && c >= 0x80 && c <= 0x9E && c != 0x97)
				c = (unsigned char)(c + 0x20);
			out[k++] = lower(c);
			break;
		default:
			if (is_alnum(c) || c >= 0x80)
				out[k++] = upper(c);
			break;
		}
	}
	return k;
}

/* redact_pseudonym - first 8 hex digits of HMAC-SHA-256(key, normalised) */
void
redact_pseudonym(const struct policy_spec *spec, int kind, const char *value,
    size_t len, char out[9])
{
	static const unsigned char nokey[1];
	static const char hex[] = "0123456789abcdef";
	unsigned char stack[NORM_STACK], *norm = stack, md[EVP_MAX_MD_SIZE];
	const unsigned char *h = (const unsigned char *)value;
	unsigned int mdlen = 0;
	size_t n = len;

	/* without memory for a copy the raw value is hashed: never fail open */
	if (len > sizeof(stack))
		norm = malloc(len);
	if (norm != NULL) {
		n = normalise(kind, (const unsigned char *)value, len, norm);
		h = norm;
	}
	if (HMAC(EVP_sha256(), spec->keylen ? spec->key : nokey, (int)spec->keylen,
	    h, n, md, &mdlen) == NULL || mdlen < 4)
		memset(md, 0, 4);
	for (int i = 0; i < 4; i++) {
		out[2 * i] = hex[md[i] >> 4];
		out[2 * i + 1] = hex[md[i] & 15];
	}
	out[8] = '\0';
	if (norm != NULL) {
		explicit_bzero(norm, n);
		if (norm != stack)
			free(norm);
	}
	explicit_bzero(md, sizeof(md));
}

/* utf8_len - bytes in the character starting with c (1 for stray bytes) */
static size_t
utf8_len(unsigned char c)
{
	return c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
}

static int
maskable(unsigned char c)
{
	return is_alnum(c) || c >= 0x80;
}

/* mask_keep_last - every letter and digit but the last keep as '*'; a
 * short value keeps at most half of its characters, so that a mask never
 * leaves a value whole (and a rescan never finds it again) */
static int
mask_keep_last(const char *v, size_t len, unsigned keep, struct buf *out)
{
	size_t total = 0, seen = 0, step;

	for (size_t i = 0; i < len; i += step) {
		step = utf8_len((unsigned char)v[i]);
		if (step > len - i)
			step = len - i;
		total += maskable((unsigned char)v[i]);
	}
	if (keep > total / 2)
		keep = (unsigned)(total / 2);
	for (size_t i = 0; i < len; i += step) {
		unsigned char c = (unsigned char)v[i];

		step = utf8_len(c);
		if (step > len - i)
			step = len - i;
		if (!maskable(c)) {
			if (buf_putc(out, c) < 0)
				return -1;
			continue;
		}
		seen++;
		if (total - seen < keep ? buf_append(out, v + i, step) : buf_putc(out, '*'))
			return -1;
	}
	return 0;
}

int
redact_replacement(const struct policy_spec *spec, int kind,
    const char *value, size_t len, struct buf *out)
{
	const char *label = policy_kind_label(spec, kind);
	char ps[9];

	if (label == NULL)
		label = "REDACTED";
	if (kind >= 0 && kind < KIND_MAX &&
	    spec->kinds[kind].action == ACTION_MASK_KEEP_LAST)
		return mask_keep_last(value, len, spec->kinds[kind].keep_last, out);
	if (spec->strategy == STRATEGY_PSEUDONYM) {
		redact_pseudonym(spec, kind, value, len, ps);
		return buf_printf(out, "[%s-%s]", label, ps);
	}
	return buf_printf(out, "[%s]", label);
}

int
redact_apply(const struct policy_spec *spec, const char *text, size_t len,
    const struct findings *f, struct buf *out, unsigned *counts)
{
	size_t pos = 0;

	for (size_t i = 0; i < f->n; i++) {
		const struct finding *fi = &f->v[i];

		/* findings are sorted and disjoint; skip anything that is not */
		if (fi->start < pos || fi->end > len || fi->end <= fi->start)
			continue;
		if (buf_append(out, text + pos, fi->start - pos) < 0 ||
		    redact_replacement(spec, fi->kind, text + fi->start,
		    fi->end - fi->start, out) < 0)
			return -1;
		if (counts && fi->kind >= 0 && fi->kind < KIND_MAX)
			counts[fi->kind]++;
		pos = fi->end;
	}
	return buf_append(out, text + pos, len - pos);
}

/* redact_preview - first and last character, '*' for each one between
 * (all '*' when there are fewer than three characters) */
int
redact_preview(const char *value, size_t len, struct buf *out)
{
	size_t nchar = 0, step, idx = 0;

	for (size_t i = 0; i < len; i += step, nchar++)
		step = utf8_len((unsigned char)value[i]) < len - i ?
		    utf8_len((unsigned char)value[i]) : len - i;
	for (size_t i = 0; i < len; i += step, idx++) {
		step = utf8_len((unsigned char)value[i]) < len - i ?
		    utf8_len((unsigned char)value[i]) : len - i;
		if (nchar >= 3 && (idx == 0 || idx == nchar - 1)) {
			if (buf_append(out, value + i, step) < 0)
				return -1;
		} else if (buf_putc(out, '*') < 0)
			return -1;
	}
	return 0;
}
