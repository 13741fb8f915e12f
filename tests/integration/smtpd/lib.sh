# lib.sh - shared helpers for the scrubgate serve integration tests
# (sourced after tests/cli/lib.sh, which gives SG, REPO, T, check, ok, bad,
# done_).  Servers run on 127.0.0.1 ports from the smtpd helper's range
# 30000-30999 (the ASan build's runs use 30500 and up so both builds can
# run at once); every server started here is stopped by PID on exit.
#
#   port N                  a port of this run: base + N
#   write_conf FILE PORT [SERVER-LINES] [ROUTE-LINES]
#                           a config with a route support@localhost and
#                           localhost.test (Maildir next hop under $T)
#   start_gw CONF           start `scrubgate serve -c CONF`, wait for it
#   stop_gw                 SIGTERM, wait
#   smtp ARGS...            python3 smtpc.py (the smtplib client); in the
#                           background run python3 "$SMTPC" directly so
#                           that $! is the client itself
#   crash_gw                kill -9 the gateway and its children
#   wait_for SECS CMD...    poll until CMD succeeds

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PIDS=""
cleanup() {
	for p in $PIDS; do kill -9 "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
	[ -n "${GW_PID:-}" ] && crash_gw
	rm -rf "$T"
}
trap cleanup EXIT

case $SG in *asan*) PORT_BASE=30500 ;; *) PORT_BASE=30000 ;; esac
PORT_BASE=$((PORT_BASE + ${TEST_PORT_OFFSET:-0}))
port() { echo $((PORT_BASE + $1)); }

# write_conf FILE LISTENPORT [extra [server] lines] [route lines]
# (route lines default to the Maildir next hop $T/Maildir)
write_conf() {
	cat >"$1" <<CONF
[scrub]
strategy = mask

[server]
listen = 127.0.0.1:$2
hostname = mx.test
max_connections_per_ip = 2000
$3

[delivery]
spool = spool
min_backoff = 1s
max_backoff = 2s

[route support]
mailboxes = support@localhost, localhost.test
${4:-next_hop = maildir:$T/Maildir}
CONF
}

# start_gw CONF PORT - start, wait for the port
start_gw() {
	"$SG" serve -c "$1" >>"$T/gw.log" 2>&1 &
	GW_PID=$!
	if ! wait_for 20 listening "$2"; then
		echo "gateway did not start:"; cat "$T/gw.log"
		return 1
	fi
	return 0
}

stop_gw() {
	[ -n "${GW_PID:-}" ] || return 0
	kill -TERM "$GW_PID" 2>/dev/null
	wait "$GW_PID" 2>/dev/null
	GW_RC=$?
	GW_PID=""
}

# crash_gw - kill -9 the gateway and its children (queue manager,
# delivery processes, scrub workers) as a power cut would; the children
# are listed just before, so no other process can be hit
crash_gw() {
	local kids gkids
	kids=$(ps -o pid= --ppid "$GW_PID" 2>/dev/null)
	gkids=$(for k in $kids; do ps -o pid= --ppid "$k" 2>/dev/null; done)
	kill -9 "$GW_PID" $kids $gkids 2>/dev/null
	wait "$GW_PID" 2>/dev/null
	GW_PID=""
}

smtp() { python3 "$HERE/smtpc.py" "$@"; }
SMTPC=$HERE/smtpc.py

# delivered N - the Maildir holds at least N messages
delivered() { [ "$(ls "$T/Maildir/new" 2>/dev/null | wc -l)" -ge "$1" ]; }
