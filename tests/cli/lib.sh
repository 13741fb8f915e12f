# lib.sh - shared helpers for the scrubgate command tests (sourced).
#
# Usage in a test:  . "$(dirname "$0")/lib.sh" "$@"
# $1 may name the binary or a build directory holding it (build/normal);
# default: $SCRUBGATE or ./scrubgate.  Each check prints one line; `done_`
# prints "N passed, N failed" and exits non-zero on any failure.

arg=${1:-${SCRUBGATE:-./scrubgate}}
if [ -d "$arg" ]; then SG=$arg/scrubgate; else SG=$arg; fi
case $SG in /*) ;; *) SG=$(pwd)/$SG ;; esac
[ -x "$SG" ] || { echo "no scrubgate binary at $SG"; exit 2; }
REPO=$(cd "$(dirname "$0")/../.." && pwd)
T=$(mktemp -d /tmp/scrubgate-cli.XXXXXX)
trap 'rm -rf "$T"' EXIT
cd "$T"
PASS=0 FAIL=0

ok() { PASS=$((PASS + 1)); echo "ok   - $1"; }
bad() { FAIL=$((FAIL + 1)); echo "FAIL - $1"; }
# check NAME COMMAND...: passes when the command succeeds
check() { n=$1; shift; if "$@"; then ok "$n"; else bad "$n"; fi; }
# run CMD...: runs scrubgate-style commands, sets $rc, $out (stdout), $err (stderr)
run() { "$@" >"$T/.out" 2>"$T/.err"; rc=$?; out=$(cat "$T/.out"); err=$(cat "$T/.err"); }
# expect_rc NAME CODE
expect_rc() { if [ "$rc" = "$2" ]; then ok "$1 (exit $2)"; else bad "$1: exit $rc, want $2; stderr: $err"; fi; }
# expect_err NAME PATTERN: stderr is exactly one line matching the ERE
expect_err() {
	if [ "$(printf '%s\n' "$err" | wc -l)" = 1 ] && printf '%s\n' "$err" | grep -Eq -- "$2"; then
		ok "$1"
	else
		bad "$1: stderr '$err' !~ /$2/"
	fi
}
# nothing_left NAME: the work directory holds only the listed names
nothing_left() {
	n=$1; shift
	left=$(ls -A "$T" | grep -v '^\.out$' | grep -v '^\.err$' | sort | tr '\n' ' ')
	want=$(printf '%s\n' "$@" | grep -v '^$' | sort | tr '\n' ' ')
	if [ "$left" = "$want" ]; then ok "$n"; else bad "$n: left '$left', want '$want'"; fi
}
done_() { echo "$PASS passed, $FAIL failed"; [ "$FAIL" = 0 ]; exit $?; }

# wait_for SECONDS CMD... - poll CMD every 0.1 s until it succeeds; 1 when
# SECONDS pass first
wait_for() {
	local n=$(($1 * 10))
	shift
	while [ "$n" -gt 0 ]; do
		"$@" 2>/dev/null && return 0
		sleep 0.1
		n=$((n - 1))
	done
	return 1
}

# listening PORT - something accepts connections on 127.0.0.1:PORT
listening() { python3 -c "import socket; socket.create_connection(('127.0.0.1', $1), 1).close()" 2>/dev/null; }

# msg FILE SUBJECT BODY: one small message
msg() { printf 'From: Ann <ann@example.org>\nTo: help@example.net\nSubject: %s\nMessage-ID: <%s@test>\n\n%s\n' "$2" "$2" "$3" > "$1"; }
# nested FILE: a message nested two multipart levels deep
nested() {
	printf 'From: a@example.org\nSubject: nested\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary="o"\n\n--o\nContent-Type: multipart/alternative; boundary="i"\n\n--i\nContent-Type: text/plain\n\ninner text\n--i--\n--o--\n' > "$1"
}
