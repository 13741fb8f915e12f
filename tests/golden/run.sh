#!/bin/bash
# golden/run.sh - scrub each tests/golden/<case>.eml and check the result.
#
#   tests/golden/run.sh [--update] BINARY [CASE...]
#
# Each case is run as
#   BINARY scrub --quiet [-c <case>.conf] --quarantine Q -o OUT <case>.eml
# and checked against <case>.expect, one directive per line:
#   exit: N [N...]   allowed exit codes (default: 0)
#   absent: TEXT     TEXT occurs neither in OUT nor in its decoded text
#   present: TEXT    TEXT occurs in OUT or in its decoded text
#   unchanged        OUT is byte-identical to the input
#   crlf             every line of OUT ends in CRLF
#   max-line: N      no line of OUT is longer than N octets (without EOL)
#   quarantined      (exit 65) Q holds the input, byte-identical
# Every case that exits 0 is also scrubbed a second time: that must exit 0
# and give OUT back byte for byte (idempotence).
# The decoded text (tests/golden/textdump.py, Python's email package) has
# encoded words, transfer encodings and charsets undone and HTML reduced to
# text, so "absent" sees through QP soft breaks, base64 and entities.
# When <case>.out exists and the run exits 0, OUT must equal it exactly.
# --update writes <case>.out from the current output (review the diff!).
# Lines starting with # in .expect are comments.  Ends with
# "N passed, N failed" (one count per case).
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
update=0
if [ "${1:-}" = --update ]; then update=1; shift; fi
bin=${1:?usage: run.sh [--update] BINARY [CASE...]}
shift
case $bin in /*) ;; *) bin=$PWD/$bin ;; esac
timeout_s=${SCRUBGATE_GOLDEN_TIMEOUT:-60}

tmp=$(mktemp -d "${TMPDIR:-/tmp}/scrubgate-golden.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0

if [ $# -eq 0 ]; then
	# shellcheck disable=SC2046 # case names have no spaces
	set -- $(cd "$here" && ls *.eml | sed 's/\.eml$//')
fi

# check_case NAME - run one case; prints reasons, returns 1 on failure
check_case() {
	local name=$1 eml=$here/$1.eml exp=$here/$1.expect w=$tmp/$1 rc ok=0
	local conf=() allowed="0" line key val
	mkdir -p "$w"
	[ -f "$here/$name.conf" ] && conf=(-c "$here/$name.conf")
	timeout "$timeout_s" "$bin" scrub --quiet "${conf[@]}" --quarantine "$w/q" \
		-o "$w/out" "$eml" >"$w/stdout" 2>"$w/stderr"
	rc=$?
	[ -f "$w/out" ] || : >"$w/out"
	if [ -f "$exp" ]; then
		allowed=$(sed -n 's/^exit:[[:space:]]*//p' "$exp" | tr '\n' ' ')
		[ -n "$allowed" ] || allowed=0
	fi
	if ! grep -qw -- "$rc" <<<"$allowed"; then
		echo "  $name: exit $rc, expected $allowed: $(head -c 200 "$w/stderr")"
		return 1
	fi
	python3 "$here/textdump.py" "$w/out" >"$w/text" 2>"$w/textdump.err" ||
		{ echo "  $name: output cannot be read back by Python's email package"; ok=1; }
	[ -f "$exp" ] || { echo "  $name: no $name.expect"; return 1; }
	while IFS= read -r line || [ -n "$line" ]; do
		line=${line%$'\r'}
		case $line in '' | '#'*) continue ;; esac
		key=${line%%:*} val=${line#*:} val=${val# }
		case $key in
		exit) ;;
		absent)
			if grep -qF -- "$val" "$w/out" "$w/text"; then
				echo "  $name: still present: $val"; ok=1
			fi ;;
		present)
			if ! grep -qF -- "$val" "$w/out" "$w/text"; then
				echo "  $name: missing: $val"; ok=1
			fi ;;
		unchanged)
			cmp -s "$eml" "$w/out" || { echo "  $name: output differs from input"; ok=1; } ;;
		crlf)
			if [ -s "$w/out" ] && LC_ALL=C grep -qv $'\r$' "$w/out"; then
				echo "  $name: a line does not end in CRLF"; ok=1
			fi ;;
		max-line)
			if LC_ALL=C awk -v m="$val" '{ sub(/\r$/, ""); if (length($0) > m) bad = 1 } END { exit !bad }' "$w/out"; then
				echo "  $name: a line is longer than $val octets"; ok=1
			fi ;;
		quarantined)
			if ! find "$w/q" -type f -exec cmp -s "$eml" {} \; -print 2>/dev/null | grep -q .; then
				echo "  $name: the input is not in the quarantine, byte-identical"; ok=1
			fi ;;
		*) echo "  $name: unknown directive: $line"; ok=1 ;;
		esac
	done <"$exp"
	if [ "$rc" -eq 0 ]; then
		# every output scrubs again to itself (redaction is idempotent)
		if ! timeout "$timeout_s" "$bin" scrub --quiet "${conf[@]}" \
			--quarantine "$w/q2" -o "$w/out2" "$w/out" >/dev/null 2>"$w/stderr2"; then
			echo "  $name: scrubbing the output again failed: $(head -c 200 "$w/stderr2")"; ok=1
		elif ! cmp -s "$w/out" "$w/out2"; then
			echo "  $name: scrubbing the output again changed it (not idempotent)"; ok=1
		fi
		if [ "$update" -eq 1 ]; then
			cp "$w/out" "$here/$name.out"
		elif [ -f "$here/$name.out" ] && ! cmp -s "$here/$name.out" "$w/out"; then
			echo "  $name: output differs from $name.out:"
			diff -a "$here/$name.out" "$w/out" | head -n 10 | sed 's/^/    /'
			ok=1
		fi
	fi
	return $ok
}

if [ ! -x "$bin" ]; then
	echo "golden: $bin not built"
	echo "0 passed, 1 failed"
	exit 1
fi
for c in "$@"; do
	if check_case "$c"; then
		pass=$((pass + 1))
	else
		fail=$((fail + 1))
		echo "golden: FAIL $c"
	fi
done
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
