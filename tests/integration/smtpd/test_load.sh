#!/bin/bash
# test_load - 1,000 idle sessions held open while mail still flows:
# Postfix's smtp-source sends 10 KiB messages over 5 sessions, the
# gateway relays them to Postfix's smtp-sink as next hop; then every idle
# session still answers.
D=$(cd "$(dirname "$0")" && pwd)
. "$D/../../cli/lib.sh" "$@"
TEST_PORT_OFFSET=$((${TEST_PORT_OFFSET:-0} + 40))
. "$D/lib.sh"
SOURCE=/usr/sbin/smtp-source SINK=/usr/sbin/smtp-sink
if [ ! -x $SOURCE ] || [ ! -x $SINK ]; then
	bad "smtp-source/smtp-sink missing (Debian package postfix; make deps)"
	done_
fi
ulimit -n 8192 2>/dev/null || ulimit -n "$(ulimit -Hn)"

P=$(port 1) PS=$(port 2)
chmod 711 "$T"; mkdir -m 777 sink
sinkuser=; [ "$(id -u)" = 0 ] && sinkuser="-u nobody"
$SINK $sinkuser -d "$T/sink/%M." 127.0.0.1:"$PS" 256 >sink.log 2>&1 &
PIDS="$PIDS $!"
wait_for 10 listening "$PS" || bad "smtp-sink starts"
write_conf gw.conf "$P" "max_connections = 1500" "next_hop = smtp://127.0.0.1:$PS
tls = none"
start_gw gw.conf "$P" || { bad "gateway starts"; done_; }

python3 "$SMTPC" idle "$P" 1000 up stop >idle.out 2>&1 &
IDLE=$!
PIDS="$PIDS $IDLE"
check "1,000 idle sessions open and greeted" wait_for 60 test -f up
$SOURCE -s 5 -m 50 -l 10240 -f ann@example.net -t support@localhost \
	127.0.0.1:"$P" >source.out 2>&1
check "smtp-source sent 50 messages without an error" sh -c "test ! -s source.out"
check "the gateway queued all 50" wait_for 30 sh -c "test \$(grep -c 'nrcpt=1 (queue active)' gw.log) -ge 50"
check "smtp-sink received all 50 from the gateway" wait_for 60 sh -c "test \$(ls sink | wc -l) -ge 50"
check "a relayed message is the scrubbed copy with our trace" sh -c "grep -l '^X-Scrubgate-Trace: mx.test' sink/* | head -n 1 | grep -q ."
touch stop
wait "$IDLE"
check "all 1,000 idle sessions still answer" grep -q '^alive 1000$' idle.out
stop_gw
check "exit 0 after SIGTERM with 1,000 sessions" test "$GW_RC" = 0
done_
