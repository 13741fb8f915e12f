#!/bin/bash
# run-all.sh - every test suite against one build.
#
#   tests/run-all.sh BUILDDIR        (build/normal or build/asan)
#
# Runs, each under a timeout:
#   unit     every BUILDDIR/tests/test_* binary
#   cli      every tests/cli/test_*.sh, with SCRUBGATE=<binary> in the environment
#   golden   tests/golden/run.sh <binary>
#   corpus   tests/corpus/run.sh BUILDDIR <binary>
#   smtpd    every tests/integration/smtpd/test_*.sh (scrubgate serve over
#            loopback sockets), with SCRUBGATE=<binary>
#   delivery every tests/integration/delivery/test_*.sh (spool, queue
#            manager, next-hop clients over loopback), SCRUBGATE=<binary>
#   store    every tests/integration/store/test_*.sh (ticket store, tools,
#            routing; temp dirs only, no network), SCRUBGATE=<binary>
#   filter   every tests/integration/filter/test_*.sh (scrubgate filter as
#            the pipe content filter of a real Postfix), SCRUBGATE=<binary>
#   fetch    every tests/integration/fetch/test_*.sh (scrubgate fetch
#            against a real Dovecot), SCRUBGATE=<binary>
# where <binary> is ./scrubgate for build/normal and BUILDDIR/scrubgate
# otherwise.  Each suite ends its output with "N passed, N failed"; a suite
# that crashes, times out or exits non-zero without counting a failure counts
# one failure.  Prints one line per suite and a final "N passed, N failed",
# records that total in build/test-totals (replacing an older line for the
# same BUILDDIR; tests/summary.sh adds them up) and exits 1 if anything
# failed.  Set SCRUBGATE_SUITES="unit golden" to run only some suites.
set -uo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo" || exit 2
bdir=${1:?usage: run-all.sh BUILDDIR}
bdir=${bdir%/}
variant=$(basename "$bdir")
if [ "$variant" = normal ]; then bin=./scrubgate; else bin=$bdir/scrubgate; fi
suites=${SCRUBGATE_SUITES:-unit cli golden corpus smtpd delivery store filter fetch}
scale=1
[ "$variant" = asan ] && scale=4
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=0:detect_leaks=1}

total_pass=0 total_fail=0
log=$(mktemp "${TMPDIR:-/tmp}/scrubgate-run.XXXXXX")
trap 'rm -f "$log" "$log.rc"' EXIT

# run_suite LABEL SECONDS CMD... - run one suite, add its counts
run_suite() {
	local label=$1 secs=$(($2 * scale)) rc p f counts
	shift 2
	# in a subshell, so the shell's own "Segmentation fault" notice lands in the log
	( timeout --kill-after=10 "$secs" "$@" >"$log" 2>&1; echo $? >"$log.rc" ) 2>>"$log"
	rc=$(cat "$log.rc")
	counts=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$log" | tail -n 1)
	if [ -n "$counts" ]; then
		p=${counts%% passed*} f=${counts#*, } f=${f%% failed}
	elif [ "$rc" -eq 0 ]; then
		p=1 f=0
	else
		p=0 f=0
	fi
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		f=1
		[ "$rc" -eq 124 ] && echo "$label: timed out after ${secs}s" >>"$log"
		[ "$rc" -gt 124 ] && echo "$label: exited $rc (crash?)" >>"$log"
	fi
	if [ "$f" -ne 0 ]; then
		grep -vE '^[0-9]+ passed, [0-9]+ failed$' "$log" | tail -n 40 | sed 's/^/    /'
	fi
	printf '%-34s %s passed, %s failed\n' "$label:" "$p" "$f"
	total_pass=$((total_pass + p))
	total_fail=$((total_fail + f))
}

echo "== tests against $bdir ($bin)"
for s in $suites; do
	case $s in
	unit)
		found=0
		for t in "$bdir"/tests/test_*; do
			[ -x "$t" ] || continue
			found=1
			run_suite "unit $(basename "$t")" 120 "$t"
		done
		[ $found -eq 1 ] || run_suite "unit (no test binaries in $bdir/tests)" 1 false
		;;
	cli)
		for t in tests/cli/test_*.sh; do
			[ -f "$t" ] || continue
			run_suite "cli $(basename "$t" .sh)" 300 env SCRUBGATE="$bin" bash "$t"
		done
		;;
	golden)
		run_suite "golden" 600 tests/golden/run.sh "$bin"
		;;
	smtpd)
		for t in tests/integration/smtpd/test_*.sh; do
			[ -f "$t" ] || continue
			run_suite "smtpd $(basename "$t" .sh)" 120 env SCRUBGATE="$bin" bash "$t"
		done
		;;
	delivery)
		for t in tests/integration/delivery/test_*.sh; do
			[ -f "$t" ] || continue
			run_suite "delivery $(basename "$t" .sh)" 120 env SCRUBGATE="$bin" bash "$t"
		done
		;;
	store)
		for t in tests/integration/store/test_*.sh; do
			[ -f "$t" ] || continue
			run_suite "store $(basename "$t" .sh)" 120 env SCRUBGATE="$bin" bash "$t"
		done
		;;
	filter|fetch)
		for t in tests/integration/$s/test_*.sh; do
			[ -f "$t" ] || continue
			run_suite "$s $(basename "$t" .sh)" 180 env SCRUBGATE="$bin" bash "$t"
		done
		;;
	corpus)
		run_suite "corpus" 1800 tests/corpus/run.sh "$bdir" "$bin"
		;;
	*)
		run_suite "unknown suite $s" 1 false
		;;
	esac
done

line="$total_pass passed, $total_fail failed"
mkdir -p build
touch build/test-totals
grep -vF "$bdir: " build/test-totals >build/test-totals.new || true
echo "$bdir: $line" >>build/test-totals.new
mv build/test-totals.new build/test-totals
echo "$line"
[ "$total_fail" -eq 0 ]
