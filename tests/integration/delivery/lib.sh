# lib.sh - shared helpers for the delivery integration tests (sourced
# after tests/cli/lib.sh, which gives SG, REPO, T, check, ok, bad, done_).
# Servers listen on 127.0.0.1 ports of the delivery helper's range:
# 31000-31499 for the normal build, 31500-31999 for the ASan build, so
# both builds can run at once; each script uses its own block of ten.
# Every server started here is stopped by PID on exit.
#
#   port N                 base + N
#   write_conf [INI]       $T/c.conf: spool $T/spool, quick retries, plus INI
#   inject SENDER RCPT... [--route R] [--age S] < MSG   queue id on stdout
#   start_sink NAME PORT [smtp-sink options]     dumps into $T/NAME/
#   start_peer NAME ARGS...                      peer.py, dumps into $T/NAME/
#   stop NAME              stop a server started above
#   queue ARGS...          scrubgate queue -c $T/c.conf ARGS (log: $T/log)
#   count DIR              regular files in DIR
#   wait_for SECS CMD...   poll until CMD succeeds

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
declare -A SRV
cleanup() {
	for p in "${SRV[@]}"; do kill "$p" 2>/dev/null; done
	[ -n "${KEEP:-}" ] || rm -rf "$T"
}
trap cleanup EXIT

case $SG in *asan*) PORT_BASE=31500 ;; *) PORT_BASE=31000 ;; esac
PORT_BASE=$((PORT_BASE + ${TEST_PORT_OFFSET:-0}))
port() { echo $((PORT_BASE + $1)); }

write_conf() {
	cat >"$T/c.conf" <<CONF
[scrub]
strategy = mask

[delivery]
spool = $T/spool
min_backoff = 1s
max_backoff = 2s
timeout = 10s
helo_name = gw.test
$1
CONF
}

inject() { python3 "$HERE/inject.py" "$T/spool" "$@"; }

start_sink() {
	local name=$1 p=$2
	shift 2
	mkdir -p "$T/$name"
	smtp-sink -u root -d "$T/$name/%M." "$@" "127.0.0.1:$p" 50 \
	    >>"$T/$name.log" 2>&1 &
	SRV[$name]=$!
	wait_for 10 listening "$p"
}

start_peer() {
	local name=$1
	shift
	rm -f "$T/$name.ready"
	python3 "$HERE/peer.py" --out "$T/$name" --ready "$T/$name.ready" "$@" \
	    >>"$T/$name.log" 2>&1 &
	SRV[$name]=$!
	wait_for 10 test -s "$T/$name.ready"
}

stop() {
	local p=${SRV[$1]:-}
	[ -n "$p" ] || return 0
	kill "$p" 2>/dev/null
	wait "$p" 2>/dev/null
	unset "SRV[$1]"
}

queue() { "$SG" queue -c "$T/c.conf" "$@" 2>>"$T/log"; }

count() { find "$1" -maxdepth 1 -type f 2>/dev/null | wc -l; }

# the test message: a Subject and a From line that looks like mbox
testmsg() {
	printf 'From: Ann <ann@example.org>\r\nTo: help@example.net\r\nSubject: %s\r\nMessage-ID: <%s@test>\r\n\r\nline one\r\n.leading dot\r\nFrom the start\r\n' "$1" "$1"
}
