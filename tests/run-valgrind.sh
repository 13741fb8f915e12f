#!/bin/bash
# run-valgrind.sh - unit tests and a few golden cases under valgrind.
#
#   tests/run-valgrind.sh [BUILDDIR]     (default build/normal)
#
# Every BUILDDIR/tests/test_* binary and `scrubgate scrub` on a handful of
# golden cases run under valgrind --error-exitcode=1 --leak-check=full
# (child processes followed), so a memory error or a leak fails the run.
# Ends with "N passed, N failed".
set -uo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo" || exit 2
bdir=${1:-build/normal}
bdir=${bdir%/}
if [ "$(basename "$bdir")" = normal ]; then bin=./scrubgate; else bin=$bdir/scrubgate; fi
cases=${SCRUBGATE_VALGRIND_CASES:-"qp-split-values charset-iso-8859-2 html-entities forwarded-rfc822 cc-stripping kept-attachment deep-nesting boundary-quote"}
# shellcheck disable=SC2054
vg=(valgrind -q --error-exitcode=1 --leak-check=full --errors-for-leak-kinds=definite,indirect
	--suppressions="$repo/tests/valgrind.supp"
	--trace-children=yes --track-fds=no)

if ! command -v valgrind >/dev/null; then
	echo "valgrind: not installed (make deps installs it)"
	echo "0 passed, 1 failed"
	exit 1
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/scrubgate-vg.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0

# vg_run LABEL CMD... - valgrind must report nothing; 65 is a normal exit
vg_run() {
	local label=$1 rc
	shift
	timeout 600 "${vg[@]}" "$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	if [ "$rc" -eq 0 ] || { [ "$rc" -eq 65 ] && ! grep -q '==[0-9]*==' "$tmp/err"; }; then
		pass=$((pass + 1))
		echo "valgrind $label: ok"
	else
		fail=$((fail + 1))
		echo "valgrind $label: FAIL (exit $rc)"
		grep -E '==[0-9]+==|FAIL' "$tmp/err" | head -n 30 | sed 's/^/    /'
	fi
}

for t in "$bdir"/tests/test_*; do
	[ -x "$t" ] && vg_run "$(basename "$t")" "$t"
done
if [ -x "$bin" ]; then
	for c in $cases; do
		f=tests/golden/$c.eml
		[ -f "$f" ] || continue
		rm -rf "$tmp/q"
		vg_run "scrub $c" "$bin" scrub --quiet --quarantine "$tmp/q" -o "$tmp/$c.out" "$f"
	done
else
	echo "valgrind: $bin not built, golden cases skipped"
	fail=$((fail + 1))
fi
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
