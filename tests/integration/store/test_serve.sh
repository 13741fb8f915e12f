#!/bin/bash
# test_serve - the same conversation through `scrubgate serve`: four
# messages over SMTP (an original, a reply by In-Reply-To, a reply by the
# subject tag alone, an auto-reply) land on one ticket; every delivered
# copy carries the tag once and X-Scrubgate-Ticket; the queue manager
# records the delivery outcome; no plain address reaches the store.
# Ports 32000+ (the ASan run 32500+), through the smtpd suite's helpers.
D=$(cd "$(dirname "$0")" && pwd)
. "$D/../../cli/lib.sh" "$@"
TEST_PORT_OFFSET=2000
. "$D/../smtpd/lib.sh"

P=$(port 1)
write_conf gw.conf "$P" "
[store]
database = tickets.db
pseudonym_key = store.key"
start_gw gw.conf "$P" || { bad "gateway starts"; done_; }
ok "gateway with a store starts"

mk() { # FILE SUBJECT MSGID [EXTRA]
	{
		printf 'From: Ann <ann.serve@example.net>\r\nTo: support@localhost\r\nSubject: %s\r\nMessage-ID: <%s>\r\n' "$2" "$3"
		[ -z "${4:-}" ] || printf '%s\r\n' "$4"
		printf '\r\nhello from %s\r\n' "$1"
	} >"$1"
}
mk 1.eml 'Printer on fire' 'c1@mail.test'
mk 2.eml 'Re: Printer on fire' 'c2@mail.test' 'In-Reply-To: <c1@mail.test>'
mk 3.eml 'Re: [#100000] Printer on fire' 'c3@mail.test'
mk 4.eml 'Out of office' 'c4@mail.test' "Auto-Submitted: auto-replied"$'\r\n'"In-Reply-To: <c1@mail.test>"
cnt=0
for i in 1 2 3 4; do
	run smtp send "$P" ann.serve@example.net support@localhost "$i.eml"
	check "message $i accepted" grep -q '^250 2.0.0 Ok: queued as' .out
	cnt=$((cnt + 1))
	check "message $i delivered" wait_for 20 delivered "$cnt"
done
for f in Maildir/new/*; do
	check "$(grep -m1 '^hello from' "$f" | tr -d '\r'): tagged once" test "$(grep -c '\[#100000\]' "$f")" = 1
	check "$(grep -m1 '^hello from' "$f" | tr -d '\r'): X-Scrubgate-Ticket" grep -q '^X-Scrubgate-Ticket: 100000' "$f"
done
run "$SG" tickets list -c gw.conf
check "one ticket with four messages" grep -Eq '^100000 +open +support .* 4$' .out
check "only one ticket" grep -q '^1 ticket$' .out
sent4() { "$SG" tickets show -c gw.conf 100000 | grep -c 'delivery sent' | grep -qx 4; }
check "the queue manager recorded every delivery" wait_for 20 sent4
stop_gw
check "no plain address in the store" sh -c "! grep -aqi 'ann.serve\|support@localhost' tickets.db"

# auto_replies = drop: an auto-reply is answered 250 and not forwarded
P2=$(port 2)
write_conf gw2.conf "$P2" "
[store]
database = tickets.db
pseudonym_key = store.key
auto_replies = drop"
start_gw gw2.conf "$P2" || { bad "gateway (auto_replies = drop) starts"; done_; }
mk 5.eml 'Out of office again' 'c5@mail.test' "Auto-Submitted: auto-replied"$'\r\n'"In-Reply-To: <c1@mail.test>"
mk 6.eml 'Re: Printer on fire' 'c6@mail.test' 'In-Reply-To: <c1@mail.test>'
run smtp send "$P2" ann.serve@example.net support@localhost 5.eml
check "auto-reply answered 250, discarded" grep -q '^250 2.0.0 Ok: discarded, auto-reply' .out
run smtp send "$P2" ann.serve@example.net support@localhost 6.eml
check "the next message is queued" grep -q '^250 2.0.0 Ok: queued as' .out
check "the next message is delivered" wait_for 20 delivered 5
check "the auto-reply is not" sh -c "! grep -lq 'hello from 5.eml' Maildir/new/*"
stop_gw
done_
