#!/bin/bash
# test_lmtp - LMTP next hop (a Python stdlib LMTP peer): one reply per
# recipient after DATA; partial success keeps only the remaining
# recipients in the spool, a 5xx recipient gets a DSN at once, the
# deferred one is delivered later and nobody gets the message twice.
# LMTP on a Unix socket too, to a peer that hangs up after every message:
# a kept connection that went stale is replaced, nothing is lost.
# Ports: block 20-29.
HERE_=$(cd "$(dirname "$0")" && pwd)
. "$HERE_/../../cli/lib.sh" "$@"
. "$HERE_/lib.sh"

P_LMTP=$(port 20) P_BOUNCE=$(port 21)
write_conf "concurrency = 1
bounce_relay = smtp://127.0.0.1:$P_BOUNCE
bounce_tls = none

[route lmtp]
next_hop = lmtp://127.0.0.1:$P_LMTP
tls = none

[route sock]
next_hop = lmtp:$T/lmtp.sock"
queue >/dev/null

start_peer lmtp --port "$P_LMTP" --lmtp --final "temp@example.net=452 4.2.2 Mailbox full" \
    --rcpt "bad@example.net=550 5.1.1 No such mailbox"
start_peer bounces --port "$P_BOUNCE"
start_peer sock --unix "$T/lmtp.sock" --lmtp --close-after-data

id=$(testmsg partial | inject ann@example.org ok@example.net temp@example.net bad@example.net --route lmtp)
run queue flush
check "ok: sent" grep -Eq "$id: to=<u-[0-9a-f]+>.*status=sent \(250" "$T/log"
check "temp: deferred with its own reply" grep -Eq "$id: .*status=deferred \(452 4\.2\.2 Mailbox full\)" "$T/log"
check "bad: bounced with its own reply" grep -Eq "$id: .*status=bounced \(550 5\.1\.1 No such mailbox\)" "$T/log"
check "delivered to ok (and temp was tried)" grep -q "X-Peer-To: <ok@example.net>,<temp@example.net>" "$T/lmtp/msg.1.eml"
run queue
check "spool keeps only the deferred recipient" grep -Eq "^$id +[0-9]+s +1 +[0-9a-z]+ +1 +452 4\.2\.2" <<<"$out"
check "DSN queued for the bad one" grep -q "$id: sender non-delivery notification" "$T/log"

# the peer is fixed: the remaining recipient gets it, nobody twice
stop lmtp
start_peer lmtp2 --port "$P_LMTP" --lmtp
run queue flush
check "temp: delivered later" bash -c "tr -d '\r' <'$T/lmtp2/msg.1.eml' | grep -qx 'X-Peer-To: <temp@example.net>'"
check "only temp the second time" test "$(cat "$T"/lmtp2/msg.*.eml | grep -c '^X-Peer-To')" = 1
check "DSN delivered" grep -q "Final-Recipient: rfc822; bad@example.net" "$T"/bounces/msg.1.eml
check "DSN lists only bad" bash -c "! grep -q 'Final-Recipient: rfc822; temp@' '$T'/bounces/msg.1.eml"
check "queue empty" test "$(count "$T/spool/queue")" = 0
check "nothing dead (the 5xx recipient was answered by DSN)" test "$(count "$T/spool/dead")" = 0

# LMTP on a Unix socket; the peer hangs up after each message
id=$(testmsg sock | inject ann@example.org a@example.net b@example.net --route sock)
testmsg sock2 | inject ann@example.org c@example.net --route sock >/dev/null
testmsg sock3 | inject ann@example.org d@example.net --route sock >/dev/null
run queue flush
check "unix socket: delivered" bash -c "cat '$T'/sock/msg.*.eml | grep -q 'X-Peer-To: <a@example.net>,<b@example.net>'"
check "unix socket: removed" test ! -e "$T/spool/queue/$id"
check "stale connection replaced: all three arrived" test "$(ls "$T"/sock/msg.*.eml | wc -l)" = 3
check "stale connection replaced: three LHLO" test "$(grep -c '^plain LHLO' "$T/sock/commands.log")" = 3
check "queue empty" test "$(count "$T/spool/queue")" = 0
done_
