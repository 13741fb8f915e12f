#!/bin/bash
# run-fuzz.sh - run every built libFuzzer target for a bounded time.
#
#   tests/fuzz/run-fuzz.sh [SECONDS]      (default 30, per target)
#
# Two modes.  Replay (the default; what `make check` and CI run): each
# target runs a fixed number of inputs (SCRUBGATE_FUZZ_RUNS, or its own
# default below) from seed 1 on a fresh work corpus, so a fast and a slow
# host fuzz the same amount, from the same start, and SECONDS only caps
# the time.  (Two replays are close but not bit-identical: the value
# profile sees heap addresses.)  Explore (SCRUBGATE_FUZZ_RUNS=0): run for
# SECONDS, keeping new inputs in build/fuzz/corpus/<target>/ between runs;
# vary SCRUBGATE_FUZZ_SEED and run longer by hand.
#
# For each build/fuzz/bin/fuzz_* (built by `make fuzz`): seeds from
#   fuzz_scrub   the single messages of the shared corpus (../shared/corpus
#                or SCRUBGATE_CORPUS), up to 64 KiB each, plus tests/golden/*.eml
#   fuzz_config  config/*.conf
#   others       tests/fuzz/seeds/<target>/ if present
# and runs it for SECONDS with -max_len=65536 -timeout=10 -rss_limit_mb=2048
# and -seed=SCRUBGATE_FUZZ_SEED (default 1: CI replays the same mutation
# sequence, so a red run is a regression, not luck; explore with other
# seeds and longer runs by hand).  fuzz_scrub checks idempotence (a second
# scrub of a changed message changes nothing); SCRUBGATE_FUZZ_IDEMPOTENCE=0
# checks only that the second scrub succeeds.
# New inputs go to build/fuzz/corpus/<target>/ (kept between runs); a crash
# leaves its reproducer in build/fuzz/crash/<target>/ and fails the target.
# Prints one line per target and "N passed, N failed"; records the counts
# in build/test-totals as "fuzz: ..." for tests/summary.sh.
set -uo pipefail

repo=$(cd "$(dirname "$0")/../.." && pwd)
cd "$repo" || exit 2
secs=${1:-30}
corpus=${SCRUBGATE_CORPUS:-$(dirname "$repo")/shared/corpus}
pass=0 fail=0

# seed_dir TARGET - a directory of seeds for the target
seed_dir() {
	local t=$1 d=build/fuzz/seeds/$1
	rm -rf "$d" && mkdir -p "$d"
	case $t in
	fuzz_scrub)
		cp tests/golden/*.eml "$d/" 2>/dev/null
		if [ -d "$corpus" ]; then
			python3 tests/corpus/classify.py "$corpus" | awk -F'\t' '$1 == "M" { print $2 }' |
				while IFS= read -r f; do
					[ "$(stat -c %s "$f")" -le 65536 ] && cp "$f" "$d/$(echo "$f" | md5sum | cut -c1-16)"
				done
		fi ;;
	fuzz_config)
		cp config/*.conf "$d/" 2>/dev/null ;;
	*)
		[ -d "tests/fuzz/seeds/$t" ] && cp "tests/fuzz/seeds/$t"/* "$d/" 2>/dev/null ;;
	esac
	echo "$d"
}

# default_runs TARGET - inputs per replay run: what this 2-core machine
# does in well under 30 s (fuzz_scrub parses and scrubs whole messages)
default_runs() {
	case $1 in
	fuzz_scrub) echo 6000 ;;
	fuzz_config) echo 40000 ;;
	*) echo 150000 ;;
	esac
}

found=0
for bin in build/fuzz/bin/fuzz_*; do
	[ -x "$bin" ] || continue
	found=1
	t=$(basename "$bin")
	seeds=$(seed_dir "$t")
	crash=build/fuzz/crash/$t
	runs_opt=
	runs=${SCRUBGATE_FUZZ_RUNS:-$(default_runs "$t")}
	if [ "$runs" = 0 ]; then
		work=build/fuzz/corpus/$t
	else
		work=build/fuzz/replay/$t
		rm -rf "$work"
		runs_opt=-runs=$runs
	fi
	mkdir -p "$work" "$crash"
	log=build/fuzz/$t.log
	nseeds=$(find "$seeds" -type f | wc -l)
	# -close_fd_mask=3: the target's own stdout/stderr chatter stays out
	SCRUBGATE_FUZZ_IDEMPOTENCE=${SCRUBGATE_FUZZ_IDEMPOTENCE:-1} \
	timeout --kill-after=30 $((secs + 300)) "$bin" -seed="${SCRUBGATE_FUZZ_SEED:-1}" \
		$runs_opt -max_total_time="$secs" -max_len=65536 \
		-timeout=10 -rss_limit_mb=2048 -close_fd_mask=3 -print_final_stats=1 \
		-artifact_prefix="$crash/" "$work" "$seeds" >"$log" 2>&1
	rc=$?
	done_runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
	if [ "$rc" -eq 0 ]; then
		pass=$((pass + 1))
		if [ "$runs" = 0 ]; then
			echo "fuzz $t: ok, ${done_runs:-?} runs in ${secs}s from $nseeds seeds"
		else
			echo "fuzz $t: ok, ${done_runs:-?} of $runs runs (seed ${SCRUBGATE_FUZZ_SEED:-1}, at most ${secs}s) from $nseeds seeds"
		fi
	else
		fail=$((fail + 1))
		echo "fuzz $t: FAIL (exit $rc), reproducer in $crash/, log $log"
		grep -E 'ERROR|SUMMARY|runtime error|deadly signal|Test unit written' "$log" | head -n 8 | sed 's/^/    /'
	fi
done
if [ $found -eq 0 ]; then
	echo "fuzz: no targets in build/fuzz/bin (run make fuzz)"
	fail=1
fi

line="$pass passed, $fail failed"
mkdir -p build
touch build/test-totals
grep -v '^fuzz: ' build/test-totals >build/test-totals.new || true
echo "fuzz: $line" >>build/test-totals.new
mv build/test-totals.new build/test-totals
echo "$line"
[ "$fail" -eq 0 ]
