#!/bin/bash
# test_serve - scrubgate serve over real loopback sockets with a Python
# smtplib client: a message is scrubbed, spooled, answered 250 with its
# queue id and delivered to the Maildir next hop; open-relay forms, SMTP
# smuggling variants, loops, control headers, Cc/Bcc envelope stripping,
# SIZE and the logs' privacy.
D=$(cd "$(dirname "$0")" && pwd)
. "$D/../../cli/lib.sh" "$@"
TEST_PORT_OFFSET=$((${TEST_PORT_OFFSET:-0} + 0))
. "$D/lib.sh"

P=$(port 1)
write_conf gw.conf "$P" "max_recipients = 3
max_message_size = 20k"
start_gw gw.conf "$P" || { bad "gateway starts"; done_; }
ok "gateway starts and listens"

printf 'From: Ann <ann@example.net>\r\nTo: support@localhost\r\nCc: billing@localhost\r\nX-Scrubgate-Verdict: clean\r\nSubject: card\r\nMessage-ID: <m1@test>\r\n\r\nMy card is 4111 1111 1111 1111, mail me at ann@example.net\r\n' >m1.eml
run smtp send "$P" ann@example.net support@localhost,billing@localhost m1.eml
check "message accepted with a queue id" grep -Eq '^250 2\.0\.0 Ok: queued as [0-9A-Z]{12,}' .out
check "delivered to the Maildir next hop" wait_for 20 delivered 1
f=$(ls Maildir/new/* 2>/dev/null | head -n 1)
check "delivered copy is scrubbed" sh -c "grep -q '\[CARD\]' '$f' && ! grep -q '4111 1111' '$f'"
check "delivered copy has our Received and trace fields" sh -c "grep -q '^Received: from client.test' '$f' && grep -q '^X-Scrubgate-Trace: mx.test' '$f'"
check "forged X-Scrubgate-* field removed" sh -c "! grep -qi '^X-Scrubgate-Verdict' '$f'"
# two RCPTs were accepted; the Cc policy took billing@ out of the envelope
check "stripped Cc recipient left the envelope (nrcpt=1)" sh -c "! grep -q billing '$f' && grep -Eq 'from=<u-[0-9a-f]{8}>, size=[0-9]+, nrcpt=1 ' gw.log"
check "no plain address in the log" sh -c "! grep -Eq 'ann@example|support@localhost|billing@' gw.log"
check "log has connect and the queue id line" sh -c "grep -q 'connect from unknown\[127.0.0.1\]' gw.log && grep -Eq ': from=<u-[0-9a-f]{8}>, size=[0-9]+, nrcpt=1' gw.log"

# open relay, the way relay checkers test it
for r in user@other.example 'user%other.example@localhost' '@localhost:user@other.example' \
	'"user@other.example"@localhost' 'support@localhost@other.example' 'support@localhost.' \
	'user@localhost.test.other.example' 'other.example!user@localhost.test'; do
	printf 'EHLO c\r\nMAIL FROM:<a@b.example>\r\nRCPT TO:<%s>\r\nQUIT\r\n' "$r" | smtp raw "$P" >relay.out
	check "relay refused: $r" sh -c "grep -q '^550 5.1.1 ' relay.out && ! grep -q '^250 2.1.5' relay.out"
done
printf 'EHLO c\r\nMAIL FROM:<a@b.example>\r\nRCPT TO:<Support@LOCALHOST>\r\nRCPT TO:<anyone@localhost.test>\r\nQUIT\r\n' | smtp raw "$P" >relay.out
check "configured mailbox and domain accepted (any case)" test "$(grep -c '^250 2.1.5' relay.out)" = 2

# SMTP smuggling: each variant is one 554, never a second message
n0=$(ls spool/queue spool/dead Maildir/new 2>/dev/null | wc -l)
for v in '\n.\n' '\r\n.\n' '\n.\r\n' '\r.\r' '\r.\r\n' '\r\n.\r'; do
	printf "EHLO c\r\nMAIL FROM:<a@b.example>\r\nRCPT TO:<support@localhost>\r\nDATA\r\nSubject: outer\r\n\r\nx$v""MAIL FROM:<evil@b.example>\r\nRCPT TO:<support@localhost>\r\nDATA\r\nSubject: smuggled\r\n\r\ny\r\n.\r\nQUIT\r\n" | smtp raw "$P" >smug.out
	check "smuggling $v rejected with 554, nothing queued" sh -c "grep -q '^554 5.5.2 ' smug.out && ! grep -q 'queued as' smug.out && grep -q '^221' smug.out"
done
sleep 0.5
n1=$(ls spool/queue spool/dead Maildir/new 2>/dev/null | wc -l)
check "smuggling produced no message" test "$n0" = "$n1"

# pipelining: a whole transaction in one write, two messages
printf 'EHLO c\r\nMAIL FROM:<a@b.example>\r\nRCPT TO:<support@localhost>\r\nDATA\r\nSubject: p1\r\n\r\n1\r\n.\r\nMAIL FROM:<a@b.example>\r\nRCPT TO:<support@localhost>\r\nDATA\r\nSubject: p2\r\n\r\n2\r\n.\r\nQUIT\r\n' | smtp raw "$P" >pipe.out
check "pipelined transactions: two messages queued" test "$(grep -c 'queued as' pipe.out)" = 2
check "PIPELINING SIZE 8BITMIME ENHANCEDSTATUSCODES SMTPUTF8 announced" sh -c "grep -q PIPELINING pipe.out && grep -q 'SIZE 20480' pipe.out && grep -q 8BITMIME pipe.out && grep -q ENHANCEDSTATUSCODES pipe.out && grep -q SMTPUTF8 pipe.out"
check "no STARTTLS without a certificate, no XFORWARD for untrusted" sh -c "! grep -Eq 'STARTTLS|XFORWARD' pipe.out"

# loops: more than max_hops (3) trace fields
printf 'X-Scrubgate-Trace: a\r\nX-Scrubgate-Trace: b\r\nX-Scrubgate-Trace: c\r\nX-Scrubgate-Trace: d\r\nSubject: loop\r\n\r\nx\r\n' >loop.eml
run smtp send "$P" a@b.example support@localhost loop.eml
check "mail loop rejected 554 5.4.6" grep -q '^554 5.4.6' .out

# SIZE: declared and actual
printf 'EHLO c\r\nMAIL FROM:<a@b.example> SIZE=999999\r\nQUIT\r\n' | smtp raw "$P" >size.out
check "SIZE over the limit: 552 5.3.4 at MAIL" grep -q '^552 5.3.4' size.out
yes 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa' | head -n 500 | sed 's/$/\r/' >big.txt
{ printf 'EHLO c\r\nMAIL FROM:<a@b.example>\r\nRCPT TO:<support@localhost>\r\nDATA\r\n'; cat big.txt; printf '.\r\nQUIT\r\n'; } | smtp raw "$P" >size.out
check "message over the limit: 552 5.3.4 after data" grep -q '^552 5.3.4' size.out
# recipients per message
printf 'EHLO c\r\nMAIL FROM:<a@b.example>\r\nRCPT TO:<a@localhost.test>\r\nRCPT TO:<b@localhost.test>\r\nRCPT TO:<c@localhost.test>\r\nRCPT TO:<d@localhost.test>\r\nQUIT\r\n' | smtp raw "$P" >rc.out
check "fourth recipient: 452 4.5.3" grep -q '^452 4.5.3' rc.out
# a message that cannot be scrubbed: 554 5.6.0, never forwarded
printf 'Content-Type: multipart/mixed; boundary=""\r\nSubject: bad\r\n\r\n--\r\nx\r\n' >bad.eml
run smtp send "$P" a@b.example support@localhost bad.eml
check "unscrubbable message: 554 5.6.0" grep -q '^554 5.6.0' .out

# the spool cannot take the message: 451 4.3.0, never 250
rm -rf spool/tmp
printf 'Subject: nospool\r\n\r\nx\r\n' >ns.eml
run smtp send "$P" a@b.example support@localhost ns.eml
check "spool write failure: 451 4.3.0, not 250" grep -q '^451 4.3.0' .out

stop_gw
check "SIGTERM: exit 0" test "$GW_RC" = 0
check "SIGTERM: the log says stopped" grep -q 'smtpd.*stopped' gw.log

# with [server] quarantine: an unscrubbable message is kept there (0600)
# and answered 250, never delivered
Q=$(port 3)
write_conf q.conf "$Q" "quarantine = quarantine"
start_gw q.conf "$Q" || bad "gateway with quarantine starts"
run smtp send "$Q" a@b.example support@localhost bad.eml
check "quarantined message answered 250" grep -q '^250 2.0.0 Ok: quarantined as ' .out
qf=$(ls quarantine/* 2>/dev/null | head -n 1)
check "kept unscrubbed in the quarantine, mode 0600" sh -c "test -n '$qf' && test \$(stat -c %a '$qf') = 600 && cmp -s '$qf' bad.eml"
stop_gw

# a ticket store that cannot be opened: refused at start, one line
write_conf nostore.conf "$(port 2)" "
[store]
database = $T/no/such/dir/tickets.db"
run "$SG" serve -c nostore.conf
expect_rc "unusable ticket store: EX_CANTCREAT at start" 73
check "the error is one line naming the database" sh -c "test \$(grep -c '^scrubgate: ' .err) = 1 && grep -q '^scrubgate: .*tickets.db' .err"
done_
