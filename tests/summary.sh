#!/bin/bash
# summary.sh - the grand total of the last `make check`.
#
# Adds up the "SUITE: N passed, N failed" lines that tests/run-all.sh (one
# per build) and tests/fuzz/run-fuzz.sh wrote to build/test-totals, prints
# them and then one "N passed, N failed" line; exits 1 if anything failed.
set -uo pipefail

cd "$(dirname "$0")/.." || exit 2
totals=build/test-totals
if [ ! -s "$totals" ]; then
	echo "summary: no $totals: run make check"
	echo "0 passed, 1 failed"
	exit 1
fi
awk '
	{ print "  " $0 }
	match($0, /[0-9]+ passed, [0-9]+ failed$/) {
		split(substr($0, RSTART), w, " ")
		p += w[1]; f += w[3]
	}
	END { printf "%d passed, %d failed\n", p, f; exit f != 0 }
' "$totals"
