#!/bin/bash
# test_delivery_reuse - serve's queue manager keeps a delivery process
# (and its connection to the next hop) for the next batch, as Postfix's
# smtp processes with max_use: two messages sent one after the other go
# out through one process over one SMTP connection (one EHLO, an RSET
# before the second message), and SIGTERM still ends the idle process
# (it says QUIT) and the gateway with exit 0.
D=$(cd "$(dirname "$0")" && pwd)
. "$D/../../cli/lib.sh" "$@"
TEST_PORT_OFFSET=$((${TEST_PORT_OFFSET:-0} + 100))
. "$D/lib.sh"

P=$(port 0) PEER=$(port 1)
python3 "$D/../delivery/peer.py" --port "$PEER" --out "$T/peer" \
	--ready "$T/peer.ready" >>"$T/peer.log" 2>&1 &
PIDS="$PIDS $!"
wait_for 10 test -s "$T/peer.ready" || { bad "next hop starts"; done_; }

write_conf gw.conf "$P" "" "next_hop = smtp://127.0.0.1:$PEER
tls = none"
start_gw gw.conf "$P" || { bad "gateway starts"; done_; }

# arrived N - the next hop holds N messages
arrived() { [ "$(ls "$T/peer"/msg.*.eml 2>/dev/null | wc -l)" -ge "$1" ]; }

printf 'From: ann@example.net\r\nTo: support@localhost\r\nSubject: one\r\n\r\nfirst\r\n' >one.eml
printf 'From: ann@example.net\r\nTo: support@localhost\r\nSubject: two\r\n\r\nsecond\r\n' >two.eml
run smtp send "$P" ann@example.net support@localhost one.eml
check "first message accepted" grep -q '^250 ' .out
check "first message delivered" wait_for 20 arrived 1
run smtp send "$P" ann@example.net support@localhost two.eml
check "second message accepted" grep -q '^250 ' .out
check "second message delivered" wait_for 20 arrived 2

pids=$(sed -n 's/.*scrubgate\/smtp\[\([0-9]*\)\]: .*status=sent.*/\1/p' "$T/gw.log" | sort -u)
check "both sent by one delivery process" test "$(wc -w <<<"$pids")" = 1
check "over one connection: one EHLO" test "$(grep -c 'EHLO' "$T/peer/commands.log")" = 1
check "the kept connection was checked with RSET" grep -q 'RSET' "$T/peer/commands.log"

stop_gw
check "SIGTERM: exit 0 with an idle delivery process" test "$GW_RC" = 0
check "the idle delivery process said QUIT" grep -q 'QUIT' "$T/peer/commands.log"
gone() { for p in $pids; do kill -0 "$p" 2>/dev/null && return 1; done; return 0; }
check "no delivery process left" gone
done_
