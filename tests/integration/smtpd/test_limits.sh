#!/bin/bash
# test_limits - every [server] limit over a real socket: connections per
# client IP and in total (421 4.7.0), idle and total session time (421
# 4.4.2), rejected commands and commands per session (421 4.7.0), command
# line length (500 5.5.2).
D=$(cd "$(dirname "$0")" && pwd)
. "$D/../../cli/lib.sh" "$@"
TEST_PORT_OFFSET=$((${TEST_PORT_OFFSET:-0} + 30))
. "$D/lib.sh"

P=$(port 1)
conf() {
	write_conf gw.conf "$P" "$1"
	# write_conf sets max_connections_per_ip = 2000 first; the last wins
	# only if we drop that line
	sed -i '/^max_connections_per_ip = 2000$/d' gw.conf
}
conf "max_connections = 10
max_connections_per_ip = 3
idle_timeout = 2s
session_timeout = 4s
max_errors = 3
max_commands = 12
line_length_limit = 512"
start_gw gw.conf "$P" || { bad "gateway starts"; done_; }

# per client IP: three held, the fourth refused
python3 "$SMTPC" idle "$P" 3 up1 stop1 >idle1.out &
I1=$!
PIDS="$PIDS $I1"
wait_for 10 test -f up1
printf 'QUIT\r\n' | smtp raw "$P" >c4.out
check "fourth connection from one IP: 421 4.7.0" grep -q '^421 4.7.0 Error: too many connections' c4.out
check "refusal logged" grep -q 'refused: too many connections' gw.log
touch stop1; wait $I1
# in total: lower the total below the per-IP limit by a reload
conf "max_connections = 2
max_connections_per_ip = 50
idle_timeout = 2s
session_timeout = 4s
max_errors = 3
max_commands = 12
line_length_limit = 512"
kill -HUP "$GW_PID"
wait_for 10 grep -q 'reload: configuration' gw.log
python3 "$SMTPC" idle "$P" 2 up2 stop2 >idle2.out &
I2=$!
PIDS="$PIDS $I2"
wait_for 10 test -f up2
printf 'QUIT\r\n' | smtp raw "$P" >c3.out
check "connection over max_connections: 421 4.7.0" grep -q '^421 4.7.0' c3.out
touch stop2; wait $I2

# idle timeout
python3 "$SMTPC" waitclose "$P" up3 >idle3.out
check "idle session closed: 421 4.4.2" grep -q '^421 4.4.2 Error: timeout exceeded' idle3.out
# total session time, although the client keeps talking
python3 - "$P" >sess.out <<'PY'
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), 10)
s.settimeout(1)
out = b""
for _ in range(20):
    try:
        s.sendall(b"NOOP\r\n")
        time.sleep(0.5)
        out += s.recv(4096)
    except OSError:
        break
print(out.decode())
PY
check "session time limit: 421 4.4.2" grep -q '^421 4.4.2 Error: session time limit exceeded' sess.out
# rejected commands
printf 'EHLO c\r\nBOGUS\r\nBOGUS\r\nBOGUS\r\nBOGUS\r\nNOOP\r\n' | smtp raw "$P" >err.out
check "too many errors: 421 4.7.0, nothing after" sh -c "grep -q '^421 4.7.0 Error: too many errors' err.out && ! grep -q '^250 2.0.0 Ok' err.out"
# commands per session
for i in $(seq 20); do printf 'NOOP\r\n'; done | smtp raw "$P" >cmd.out
check "too many commands: 421 4.7.0 after 12" sh -c "grep -q '^421 4.7.0 Error: too many commands' cmd.out && test \$(grep -c '^250 2.0.0 Ok' cmd.out) = 12"
# line length
{ printf 'NOOP '; head -c 600 /dev/zero | tr '\0' x; printf '\r\nNOOP\r\nQUIT\r\n'; } | smtp raw "$P" >line.out
check "over-long command line: 500 5.5.2, session goes on" sh -c "grep -q '^500 5.5.2 Error: line too long' line.out && grep -q '^250 2.0.0 Ok' line.out"
stop_gw
check "exit 0" test "$GW_RC" = 0
done_
