#!/bin/bash
# test_sighup_qmgr - SIGHUP reconfigures the queue manager too.
#   - a bad new configuration: refused, the queue manager is not touched;
#   - a route's next hop changed: mail queued (deferred) before the reload
#     and mail accepted after it both go to the new next hop;
#   - a delivery in flight at the reload finishes at the old next hop,
#     once, and is not sent again to the new one;
#   - the old queue managers are reaped; one queue manager, the
#     gateway's child, works the spool at the end;
#   - a queue manager that dies (kill -9) is replaced.
D=$(cd "$(dirname "$0")" && pwd)
. "$D/../../cli/lib.sh" "$@"
TEST_PORT_OFFSET=$((${TEST_PORT_OFFSET:-0} + 90))
. "$D/lib.sh"
command -v smtp-sink >/dev/null || { echo "skipped: smtp-sink missing"; ok "skipped"; done_; }

P=$(port 1) P_DOWN=$(port 2) P_SINK=$(port 3)
hop() {	# hop NEXT_HOP: gw.conf with that next hop for the route
	write_conf gw.conf.new "$P" "" "next_hop = $1
tls = none"
	mv gw.conf.new gw.conf
}
qpid() { cat spool/qmgr.pid 2>/dev/null; }
send() { printf 'From: ann@example.net\r\nTo: support@localhost\r\nSubject: %s\r\n\r\nbody\r\n' "$1" >"$1.eml"; smtp send "$P" ann@example.net support@localhost "$1.eml"; }
has() { grep -lq "^Subject: .*$2" "$1"/new/* 2>/dev/null; }
count() { grep -l "^Subject: .*$2" "$1"/* 2>/dev/null | wc -l; }

hop "smtp://127.0.0.1:$P_DOWN"
start_gw gw.conf "$P" || { bad "gateway starts"; done_; }
wait_for 10 test -s spool/qmgr.pid
Q0=$(qpid)

# a bad configuration: refused, the same queue manager goes on
cp gw.conf good.conf
printf '[server]\nlisten = 127.0.0.1:%s\nmax_buffered = 1k\n' "$P" >gw.conf
kill -HUP "$GW_PID"
check "bad config on SIGHUP refused" wait_for 10 grep -q 'reload refused, keeping the running configuration' gw.log
check "the queue manager was not restarted" sh -c "test '$(qpid)' = '$Q0' && kill -0 $Q0 && ! grep -q 'takes over' gw.log"
cp good.conf gw.conf

# mail queued while the next hop is down
send hup-q1 >s1.out; send hup-q2 >s2.out
check "two messages accepted while the next hop is down" sh -c "grep -q '^250' s1.out && grep -q '^250' s2.out"
check "...and deferred" wait_for 20 sh -c "test \$(grep -c 'status=deferred' gw.log) -ge 2"

# the next hop changes: queued and new mail go there
mkdir -p Maildir2
hop "maildir:$T/Maildir2"
kill -HUP "$GW_PID"
check "reload restarts the queue manager" wait_for 10 grep -q "reload: queue manager $Q0 finishes its deliveries, [0-9]* takes over" gw.log
send hup-n1 >s3.out
check "mail after the reload accepted" grep -q '^250' s3.out
check "queued mail goes to the new next hop" wait_for 30 sh -c "has() { grep -lq \"^Subject: .*\$2\" \"\$1\"/new/* 2>/dev/null; }; has Maildir2 hup-q1 && has Maildir2 hup-q2"
check "new mail goes to the new next hop" wait_for 30 has Maildir2 hup-n1
check "the old queue manager is gone (reaped, no zombie)" wait_for 10 sh -c "! ps -o pid= -p $Q0 >/dev/null"
Q1=$(qpid)
check "the new queue manager is the gateway's child" test "$(ps -o ppid= -p "$Q1" | tr -d ' ')" = "$GW_PID"

# a delivery in flight at the reload finishes where it started
mkdir -p sink
smtp-sink -u root -w 4 -d "$T/sink/%M." "127.0.0.1:$P_SINK" 10 >sink.log 2>&1 &
SINK=$!
PIDS="$PIDS $SINK"
wait_for 10 listening "$P_SINK"
hop "smtp://127.0.0.1:$P_SINK"
kill -HUP "$GW_PID"
wait_for 10 sh -c "test \$(grep -c 'takes over' gw.log) -ge 2"
send hup-slow >s4.out
check "a message for the slow next hop accepted" grep -q '^250' s4.out
check "its delivery is in flight" wait_for 20 sh -c "ss -Htn state established '( sport = :$P_SINK )' | grep -q ."
mkdir -p Maildir3
hop "maildir:$T/Maildir3"
kill -HUP "$GW_PID"
send hup-n2 >s5.out
check "new mail goes to the newest next hop" wait_for 30 has Maildir3 hup-n2
check "the delivery in flight finished at the old next hop" wait_for 20 sh -c "test \$(grep -l '^Subject: .*hup-slow' sink/* 2>/dev/null | wc -l) = 1"
check "...and was not sent again" sh -c "! grep -lq 'hup-slow' Maildir3/new/* Maildir2/new/* 2>/dev/null"
check "nothing left in the queue" wait_for 20 sh -c "test -z \"\$(ls spool/queue)\""
check "each message delivered once" sh -c "test \$(cat Maildir2/new/* Maildir3/new/* sink/* | grep -c '^Subject: .*hup-') = 5"
check "one queue manager at the end, the gateway's child" sh -c "test \$(ps -o pid= --ppid $GW_PID -o args= | grep -c 'qmgr-child') = 1"
check "no queue manager ended unasked (a kick before its loop, say)" sh -c "! grep -q 'queue manager [0-9]* ended' gw.log"

# a queue manager that dies is replaced
Q2=$(qpid)
kill -KILL "$Q2"
check "a queue manager killed is noticed" wait_for 10 grep -q "queue manager $Q2 ended (signal 9); a new one starts in 5 s" gw.log
check "...and replaced" wait_for 20 sh -c "q=\$(cat spool/qmgr.pid 2>/dev/null); test -n \"\$q\" && test \"\$q\" != $Q2 && kill -0 \$q"
send hup-n3 >s6.out
check "mail flows again after the replacement" wait_for 30 has Maildir3 hup-n3
stop_gw
check "SIGTERM: exit 0" test "$GW_RC" = 0
check "SIGTERM: no queue manager left" sh -c "! pgrep -f '[q]mgr-child -c $T/gw.conf' >/dev/null"
[ "$FAIL" = 0 ] || tail -30 gw.log
done_
