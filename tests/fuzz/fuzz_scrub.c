/* fuzz_scrub - libFuzzer target for parse + scrub of one message.
 *
 * The input is the raw bytes of one message; scrub_message runs it with the
 * built-in default policy (compiled once in LLVMFuzzerInitialize).  Beyond
 * "no crash, no leak, no undefined behaviour" it checks the contract:
 * failure leaves no output and names an error; success without a change
 * gives the input back byte for byte; scrubbing a changed output again
 * succeeds and changes nothing (idempotence).  A broken contract aborts.
 *
 * SCRUBGATE_FUZZ_IDEMPOTENCE=0 checks only that the second scrub
 * succeeds, not that it changes nothing (for hunting other defects while
 * an idempotence finding is open).  The recognizer settles its findings
 * (recognize_settle: what a rescan of the redacted text would find is
 * found in the first pass), so values glued to a redacted neighbour
 * ("+46 70 123 45 67a@b.se", "from 1.2.3.4 (1.2.-3.4)") come out the same
 * the second time; tests/unit/test_recognize_settle.c holds the cases
 * found so far.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "policy.h"
#include "scrub.h"

static struct policy_spec fuzz_spec;
static struct scrub_policy *fuzz_policy;
static int fuzz_strict = 1;	/* idempotence enforced */

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* LLVMFuzzerInitialize - compile the default policy once */
int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *err = NULL;
	const char *e = getenv("SCRUBGATE_FUZZ_IDEMPOTENCE");

	fuzz_strict = !(e != NULL && strcmp(e, "0") == 0);
	policy_spec_defaults(&fuzz_spec);
	fuzz_policy = scrub_policy_create(&fuzz_spec, &err);
	if (fuzz_policy == NULL)
		abort();
	return 0;
}

/* check_idempotent - scrubbing out again must leave it as it is */
static void
check_idempotent(const char *out, size_t len)
{
	struct scrub_result again;

	scrub_result_init(&again);
	if (scrub_message(fuzz_policy, out, len, 0, &again) < 0)
		abort();
	if (fuzz_strict && (again.changed || again.out.len != len ||
	    (len && memcmp(again.out.p, out, len) != 0)))
		abort();
	scrub_result_free(&again);
}

/* LLVMFuzzerTestOneInput - one message */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct scrub_result r;
	const char *in = (const char *)data;

	scrub_result_init(&r);
	if (scrub_message(fuzz_policy, in, size, SCRUB_EXPLAIN, &r) < 0) {
		if (r.err == ERR_OK || r.out.len != 0)
			abort();
	} else if (!r.changed) {
		if (r.out.len != size || (size && memcmp(r.out.p, in, size) != 0))
			abort();
	} else {
		check_idempotent(r.out.p, r.out.len);
	}
	scrub_result_free(&r);
	return 0;
}
