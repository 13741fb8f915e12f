#!/bin/bash
# test_crash - kill -9 under load, then restart: every message that was
# answered 250 is delivered once the queue runs again (at-least-once;
# nothing acknowledged is lost).  The gateway and all its children are
# killed at once, as a power cut would.
D=$(cd "$(dirname "$0")" && pwd)
. "$D/../../cli/lib.sh" "$@"
TEST_PORT_OFFSET=$((${TEST_PORT_OFFSET:-0} + 50))
. "$D/lib.sh"

P=$(port 1)
write_conf gw.conf "$P" "scrub_workers = 2"
start_gw gw.conf "$P" || { bad "gateway starts"; done_; }
: >acked
python3 "$SMTPC" load "$P" 400 8 acked >load.out 2>&1 &
LOAD=$!
PIDS="$PIDS $LOAD"
wait_for 60 sh -c "test \$(wc -l <acked) -ge 60"
crash_gw
n=$(wc -l <acked)
ok "kill -9 after $n messages were answered 250"
wait "$LOAD"
acked_total=$(sort -u acked | wc -l)
start_gw gw.conf "$P" || { bad "gateway restarts"; done_; }
ok "gateway restarts on the same spool"
check "the spool drains after the restart" wait_for 60 sh -c "test -z \"\$(ls spool/queue)\""
# Subject: [#ticket] mNNNNN - the numbers delivered
grep -ho 'm[0-9]\{5\}' Maildir/new/* 2>/dev/null | sort -u >got
missing=$(sort -u acked | comm -23 - got | wc -l)
check "every one of the $acked_total messages answered 250 was delivered (missing: $missing)" test "$missing" = 0
stop_gw
check "exit 0" test "$GW_RC" = 0
done_
