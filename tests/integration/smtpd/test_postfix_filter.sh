#!/bin/bash
# test_postfix_filter - a real Postfix, configured as in
# contrib/postfix-content-filter/, in a temp dir on 127.0.0.1 high ports:
#   client -> Postfix smtpd :IN -> content_filter scrubgate:[127.0.0.1]:GW
#          -> scrubgate serve (XFORWARD from the trusted Postfix)
#          -> reinjection smtpd 127.0.0.1:RE -> relayhost smtp-sink :SINK
# The message arrives at the sink scrubbed, with scrubgate's trace field
# and the original client's HELO (carried by XFORWARD); a message scrubgate
# refuses for good (554) bounces instead of going through.
D=$(cd "$(dirname "$0")" && pwd)
. "$D/../../cli/lib.sh" "$@"
TEST_PORT_OFFSET=$((${TEST_PORT_OFFSET:-0} + 60))
. "$D/lib.sh"
. "$D/../lib_postfix.sh"
SINK=/usr/sbin/smtp-sink
if [ ! -x /usr/sbin/postfix ] || [ ! -x $SINK ] || ! id postfix >/dev/null 2>&1; then
	bad "Postfix missing (Debian package postfix; make deps)"
	done_
fi
IN=$(port 1) GW=$(port 2) RE=$(port 3) PS=$(port 4)
chmod 711 "$T"
PF=$T/pf
mkdir -m 777 sink

# a throwaway instance, all under $PF: the base (lib_postfix.sh), a relay
# to the sink, then the lines of contrib/postfix-content-filter/main.cf
postfix_instance "$PF"
postfix_main "$PF" \
	"myhostname = pf.test" \
	"mydomain = pf.test" \
	"myorigin = pf.test" \
	"relayhost = [127.0.0.1]:$PS" \
	"smtpd_relay_restrictions = permit_mynetworks, reject" \
	"smtp_tls_security_level = none" \
	"smtpd_tls_security_level = none" \
	"local_recipient_maps =" \
	"bounce_queue_lifetime = 0" \
	"maximal_queue_lifetime = 1h" \
	"# the lines of contrib/postfix-content-filter/main.cf:" \
	"$(grep -v '^#' "$D/../../../contrib/postfix-content-filter/main.cf" | grep . | sed "s/10025/$GW/")"
# master.cf: the client's smtpd, then contrib's two services
postfix_master "$PF" \
	"127.0.0.1:$IN inet n - n - - smtpd" \
	"$(grep -v '^#' "$D/../../../contrib/postfix-content-filter/master.cf" | grep . | sed "s/10026/$RE/")"

sinkuser=; [ "$(id -u)" = 0 ] && sinkuser="-u nobody"
$SINK $sinkuser -d "$T/sink/%M." 127.0.0.1:"$PS" 64 >sink.log 2>&1 &
PIDS="$PIDS $!"

write_conf gw.conf "$GW" "trusted_peers = 127.0.0.1" "next_hop = smtp://127.0.0.1:$RE
tls = none"
start_gw gw.conf "$GW" || { bad "gateway starts"; done_; }

trap 'postfix_stop "$PF"; cleanup' EXIT
if ! postfix_start "$PF"; then
	bad "postfix starts: $(tail -n 3 "$PF/maillog" "$PF/start.out" 2>/dev/null | tr '\n' ' ')"
	done_
fi
check "Postfix instance up on 127.0.0.1:$IN" wait_for 20 listening "$IN"

printf 'From: Ann <ann@example.net>\r\nTo: support@localhost\r\nSubject: via postfix\r\nMessage-ID: <pf1@test>\r\n\r\nMy card is 4111 1111 1111 1111.\r\n' >m1.eml
run smtp send "$IN" ann@example.net support@localhost m1.eml
check "Postfix accepts the message" grep -q '^250 ' .out
check "the clean copy reaches the next hop through scrubgate and the reinjection smtpd" \
	wait_for 30 sh -c "grep -l 'pf1@test' sink/* 2>/dev/null | grep -q ."
f=$(grep -l 'pf1@test' sink/* 2>/dev/null | head -n 1)
check "it is scrubbed" sh -c "grep -q '\[CARD\]' '$f' && ! grep -q '4111 1111' '$f'"
check "it carries scrubgate's trace field" grep -q '^X-Scrubgate-Trace: mx.test' "$f"
check "XFORWARD carried the original client's HELO" grep -q '^Received: from client.test (localhost \[127.0.0.1\])' "$f"
check "scrubgate logged the queue id" grep -q 'nrcpt=1 (queue active)' gw.log

# a message scrubgate refuses for good: Postfix bounces it, nothing passes
printf 'Content-Type: multipart/mixed; boundary=""\r\nMessage-ID: <pf2@test>\r\nSubject: bad\r\n\r\n--\r\nx\r\n' >m2.eml
run smtp send "$IN" ann@example.net support@localhost m2.eml
check "the unscrubbable message is refused by scrubgate (554 5.6.0 in Postfix's log)" \
	wait_for 30 grep -q 'status=bounced.*5\.6\.0' "$PF/maillog"
check "and never reaches the next hop unscrubbed" sh -c "! grep -l 'pf2@test' sink/* 2>/dev/null | xargs -r grep -L 'Undelivered\|bounce\|MAILER-DAEMON' | grep -q ."
postfix_stop "$PF"
stop_gw
done_
