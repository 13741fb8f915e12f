#!/bin/bash
# test_signals - SIGHUP reloads the configuration without dropping
# sessions, a bad new configuration is refused (logged) and the old one
# kept; SIGTERM stops accepting, tells idle sessions 421, lets a message
# in progress finish (250) and exits 0.
D=$(cd "$(dirname "$0")" && pwd)
. "$D/../../cli/lib.sh" "$@"
TEST_PORT_OFFSET=$((${TEST_PORT_OFFSET:-0} + 20))
. "$D/lib.sh"

P=$(port 1)
write_conf gw.conf "$P" "max_recipients = 5"
start_gw gw.conf "$P" || { bad "gateway starts"; done_; }

# a session in progress across both signals
python3 "$SMTPC" slow "$P" ready1 go1 >slow.out &
SLOW=$!
PIDS="$PIDS $SLOW"
wait_for 10 test -f ready1

# a bad configuration: refused, the old one stays
cp gw.conf good.conf
printf '[server]\nlisten = 127.0.0.1:%s\nmax_recipients = 0\n' "$P" >gw.conf
kill -HUP "$GW_PID"
check "bad config on SIGHUP refused and logged" wait_for 10 grep -q 'reload refused, keeping the running configuration: .*gw.conf:3: max_recipients = 0' gw.log
printf 'EHLO c\r\nMAIL FROM:<a@b.example>\r\nRCPT TO:<a@localhost.test>\r\nRCPT TO:<b@localhost.test>\r\nQUIT\r\n' | smtp raw "$P" >r1.out
check "still serving with the old configuration" test "$(grep -c '^250 2.1.5' r1.out)" = 2

# a good new configuration: taken by new sessions
write_conf gw.conf "$P" "max_recipients = 1"
kill -HUP "$GW_PID"
check "good config on SIGHUP loaded" wait_for 10 grep -q 'reload: configuration .*gw.conf loaded' gw.log
printf 'EHLO c\r\nMAIL FROM:<a@b.example>\r\nRCPT TO:<a@localhost.test>\r\nRCPT TO:<b@localhost.test>\r\nQUIT\r\n' | smtp raw "$P" >r2.out
check "new sessions use the new configuration" sh -c "grep -q '^452 4.5.3' r2.out && test \$(grep -c '^250 2.1.5' r2.out) = 1"
check "the process is the same (no restart)" kill -0 "$GW_PID"

# SIGTERM: the idle session is told 421; the one in DATA may finish
python3 "$SMTPC" waitclose "$P" ready2 >idle.out &
IDLE=$!
PIDS="$PIDS $IDLE"
wait_for 10 test -f ready2
kill -TERM "$GW_PID"
wait "$IDLE"
check "SIGTERM: idle session gets 421 4.3.2" grep -q '^421 4.3.2' idle.out
check "SIGTERM: no new connections" wait_for 10 sh -c "! python3 -c \"import socket; socket.create_connection(('127.0.0.1', $P), 1)\""
touch go1
wait "$SLOW"
check "SIGTERM: the message in progress is finished with 250" grep -q '^250 2.0.0 Ok: queued as' slow.out
check "SIGTERM: then the session is closed" grep -Eq '^(221|421)' slow.out
wait "$GW_PID"; rc=$?
GW_PID=""
check "SIGTERM: exit 0" test "$rc" = 0
check "the message survived in the spool or was delivered" sh -c "test \$(ls spool/queue Maildir/new 2>/dev/null | grep -c .) -ge 1"
done_
