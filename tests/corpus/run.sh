#!/bin/bash
# corpus/run.sh - scrub every message, mbox and Maildir of the shared corpus.
#
#   tests/corpus/run.sh BUILDDIR [SCRUBGATE]
#
# The corpus is ../shared/corpus beside the repository (override with
# SCRUBGATE_CORPUS=DIR).  Two halves:
#  1. in-process, fast: tests/tools/corpus_check (linked against
#     BUILDDIR/libfilters.a) scrubs every single message and every message of
#     every mbox with the default policy and checks fail-closed errors,
#     byte-identical unchanged messages, that the output parses again,
#     idempotence and byte-identical non-text parts.  A crash or a hang
#     (per-message alarm) is recorded against that message and the run goes
#     on with the next one.
#  2. the command: `scrubgate scrub` over every mbox and Maildir, checking
#     the exit code (0 or 65), messages in = out + quarantined = entries in
#     the --report, that every
#     output message parses, and that scrubbing the output again changes
#     nothing.
# Prints one line per failure and ends with "N passed, N failed".
set -uo pipefail

repo=$(cd "$(dirname "$0")/../.." && pwd)
cd "$repo" || exit 2
bdir=${1:?usage: run.sh BUILDDIR [SCRUBGATE]}
bin=${2:-}
if [ -z "$bin" ]; then
	if [ "$(basename "$bdir")" = normal ]; then bin=./scrubgate; else bin=$bdir/scrubgate; fi
fi
corpus=${SCRUBGATE_CORPUS:-$(dirname "$repo")/shared/corpus}
case $(basename "$bdir") in
asan) msg_timeout=120 cli_timeout=600 ;;
*) msg_timeout=${SCRUBGATE_MSG_TIMEOUT:-30} cli_timeout=180 ;;
esac

pass=0 fail=0
failed() { fail=$((fail + 1)); echo "corpus: FAIL $*"; }

if [ ! -d "$corpus" ]; then
	failed "corpus directory $corpus not found (set SCRUBGATE_CORPUS)"
	echo "$pass passed, $fail failed"
	exit 1
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/scrubgate-corpus.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

if ! tests/tools/build.sh "$bdir" corpus_check; then
	failed "cannot build tests/tools/corpus_check for $bdir"
	echo "$pass passed, $fail failed"
	exit 1
fi
check=$bdir/tools/corpus_check
python3 tests/corpus/classify.py "$corpus" >"$tmp/list"

# --- 1. in-process, restarting after a crash or a hang ------------------------
in_process() {
	local first=0 rc last idx path crashes=0
	while :; do
		# in a subshell so the shell's "Alarm clock" notice stays quiet
		( "$check" -t "$msg_timeout" -s "$first" "$tmp/list" >"$tmp/run.out" 2>"$tmp/run.err"
		  echo $? >"$tmp/run.rc" ) 2>/dev/null
		rc=$(cat "$tmp/run.rc")
		grep -E '^(ok|FAIL) ' "$tmp/run.out" >>"$tmp/results"
		grep -q '^done:' "$tmp/run.out" && return
		last=$(grep '^start ' "$tmp/run.out" | tail -n 1)
		if [ -z "$last" ]; then
			echo "FAIL - corpus_check exited $rc before the first message" >>"$tmp/results"
			sed 's/^/corpus:   /' "$tmp/run.err" | head -n 20
			return
		fi
		read -r _ idx path <<<"$last"
		if [ "$rc" -eq 142 ]; then
			echo "FAIL $idx $path: hang (over ${msg_timeout}s)" >>"$tmp/results"
		else
			echo "FAIL $idx $path: crashed (exit $rc)" >>"$tmp/results"
			crashes=$((crashes + 1))
			[ "$crashes" -le 10 ] &&	# the first few reports say enough
				grep -m 3 -E 'ERROR|runtime error|SUMMARY' "$tmp/run.err" | sed 's/^/corpus:   /'
		fi
		first=$((idx + 1))
	done
}
: >"$tmp/results"
in_process
n_ok=$(grep -c '^ok ' "$tmp/results")
n_bad=$(grep -c '^FAIL' "$tmp/results")
pass=$((pass + n_ok))
fail=$((fail + n_bad))
grep '^FAIL' "$tmp/results" | sed 's/^FAIL [0-9-]* /corpus: FAIL /'
n_changed=$(grep -c '^ok .* changed$' "$tmp/results")
n_quar=$(grep '^ok ' "$tmp/results" | grep -cvE ' (changed|unchanged)$')
echo "corpus: in-process: $n_ok messages ok ($n_changed changed, $n_quar quarantined), $n_bad failed"

# --- 2. the command over mboxes and Maildirs ---------------------------------
count_maildir() {	# messages in cur/ and new/
	find "$1/cur" "$1/new" -maxdepth 1 -type f ! -name '.*' 2>/dev/null | wc -l
}
count_files() {
	[ -d "$1" ] && find "$1" -type f | wc -l || echo 0
}
count_mbox() {		# messages as corpus_check splits them
	"$check" -p "$1" 2>/dev/null | sed -n 's/.*: \([0-9]*\) messages$/\1/p'
}

# cli_one KIND INPUT - scrub, check counts, parse, idempotence
cli_one() {
	local kind=$1 in=$2 w=$tmp/cli rc rc2 n_in n_out n_q n_rep
	rm -rf "$w" && mkdir -p "$w"
	timeout "$cli_timeout" "$bin" scrub --quiet --quarantine "$w/q" \
		--report "$w/report.json" -o "$w/out" "$in" >"$w/stdout" 2>"$w/stderr"
	rc=$?
	case $rc in
	0 | 65) ;;
	124) failed "$in: hang (over ${cli_timeout}s)"; return ;;
	*) failed "$in: exit $rc: $(head -c 300 "$w/stderr")"; return ;;
	esac
	n_q=$(count_files "$w/q")
	if [ "$rc" -eq 0 ] && [ "$n_q" -ne 0 ]; then failed "$in: exit 0 but $n_q quarantined"; return; fi
	if [ "$rc" -eq 65 ] && [ "$n_q" -eq 0 ]; then failed "$in: exit 65 but nothing quarantined"; return; fi
	if [ "$kind" = B ]; then
		n_in=$(count_mbox "$in")
		if [ -e "$w/out" ]; then
			"$check" -p "$w/out" >"$w/parse" || { failed "$in: an output message does not parse"; return; }
			n_out=$(count_mbox "$w/out")
		else
			n_out=0
		fi
	else
		n_in=$(count_maildir "$in")
		n_out=$(count_maildir "$w/out")
		if find "$w/out/cur" "$w/out/new" -type f ! -name '.*' -print0 2>/dev/null |
			xargs -0 -r "$check" -p >"$w/parse"; then :; else
			failed "$in: an output message does not parse: $(grep -m1 FAIL "$w/parse")"
			return
		fi
	fi
	if [ "$n_in" -ne $((n_out + n_q)) ]; then
		failed "$in: $n_in messages in, $n_out out + $n_q quarantined"
		return
	fi
	n_rep=$(grep -o '"index":' "$w/report.json" 2>/dev/null | wc -l)
	if [ "$n_rep" -ne "$n_in" ]; then
		failed "$in: $n_in messages in, $n_rep in the report"
		return
	fi
	[ -e "$w/out" ] || { pass=$((pass + 1)); return; }
	timeout "$cli_timeout" "$bin" scrub --quiet --quarantine "$w/q2" -o "$w/out2" "$w/out" \
		>/dev/null 2>"$w/stderr2"
	rc2=$?
	if [ "$rc2" -ne 0 ]; then failed "$in: scrubbing the output again exits $rc2"; return; fi
	if [ "$kind" = B ]; then
		cmp -s "$w/out" "$w/out2" || { failed "$in: not idempotent"; return; }
	else
		diff -r "$w/out/cur" "$w/out2/cur" >/dev/null && diff -r "$w/out/new" "$w/out2/new" >/dev/null ||
			{ failed "$in: not idempotent"; return; }
	fi
	pass=$((pass + 1))
}

if [ ! -x "$bin" ]; then
	failed "$bin not built: the command half of the corpus test did not run"
else
	n_cli=0
	while IFS=$'\t' read -r kind path; do
		case $kind in B | D) cli_one "$kind" "$path"; n_cli=$((n_cli + 1)) ;; esac
	done <"$tmp/list"
	echo "corpus: command: $n_cli mboxes and Maildirs scrubbed"
fi

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
