#!/bin/bash
# test_conversation - a conversation of several replies through
# `scrubgate scrub` lands on one ticket: threaded by In-Reply-To, by
# References, by the subject tag alone; the forwarded copies carry the tag
# once and X-Scrubgate-Ticket; an auto-reply joins without opening a
# ticket; a new requester opens the next ticket.  Also `tickets list` and
# `tickets show`, and that no [store] section means nothing is recorded.
. "$(dirname "$0")/../../cli/lib.sh" "$@"

printf '[store]\ndatabase = tickets.db\npseudonym_key = store.key\n' > s.conf

m() { # FILE FROM SUBJECT MSGID [EXTRA-HEADER-LINES]
	{
		printf 'From: %s\nTo: help@support.example\nSubject: %s\nMessage-ID: <%s>\n' "$2" "$3" "$4"
		[ -z "${5:-}" ] || printf '%s\n' "$5"
		printf '\nbody of message %s\n' "${1%.eml}"
	} > "$1"
}
m 1.eml 'Ann <ann@example.org>' 'Printer on fire' 'c1@mail.example.org'
m 2.eml 'ann@example.org' 'Re: Printer on fire' 'c2@mail.example.org' 'In-Reply-To: <c1@mail.example.org>'
m 3.eml 'ann@example.org' 'Re: Re: Printer on fire' 'c3@mail.example.org' 'In-Reply-To: <hd1@helpdesk.example>
References: <c1@mail.example.org> <hd1@helpdesk.example>'
m 4.eml 'ann@example.org' 'Re: [#100000] Printer on fire' 'c4@mail.example.org'
m 5.eml 'ann@example.org' 'Automatic reply: Printer' 'c5@mail.example.org' 'Auto-Submitted: auto-replied
In-Reply-To: <c1@mail.example.org>'
m 6.eml 'Bo <bo@example.com>' 'Other problem' 'c6@mail.example.org'

for i in 1 2 3 4 5 6; do
	run "$SG" scrub -c s.conf "$i.eml" -o "$i.out"
	expect_rc "message $i scrubbed and recorded" 0
done
for i in 1 2 3 4 5; do
	check "copy $i tagged once" test "$(grep -c '\[#100000\]' "$i.out")" = 1
	check "copy $i has X-Scrubgate-Ticket" grep -qx 'X-Scrubgate-Ticket: 100000' "$i.out"
done
check "first copy: tag in front of the subject" grep -qx 'Subject: \[#100000\] Printer on fire' 1.out
check "tagged reply keeps its subject" grep -qx 'Subject: Re: \[#100000\] Printer on fire' 4.out
check "new requester: next ticket" grep -qx 'Subject: \[#100001\] Other problem' 6.out
check "body untouched" grep -qx 'body of message 2' 2.out

run "$SG" tickets list -c s.conf
expect_rc "tickets list" 0
check "list: two tickets" grep -q '^2 tickets$' .out
check "list: ticket 100000 with 5 messages" grep -Eq '^100000 +open +- .* 5$' .out
check "list: ticket 100001 with 1 message" grep -Eq '^100001 .* 1$' .out
run "$SG" tickets show -c s.conf 100000
expect_rc "tickets show" 0
check "show: five messages" test "$(grep -c '^  [0-9]\. ' .out)" = 5
check "show: the auto-reply is marked" grep -q 'auto-reply' .out
check "show: parties as pseudonyms" grep -Eq '^  requester +[0-9a-f]{64}$' .out
check "show: no address" sh -c "! grep -q '@' .out"
run "$SG" tickets show -c s.conf 123456
expect_rc "show of a missing ticket" 66
expect_err "missing ticket named" '^scrubgate: ticket 123456: no such ticket$'

# an offline scrub with the same message again joins the same ticket
run "$SG" scrub -c s.conf 1.out -o again.out
check "scrubbing a tagged copy again: not doubled" test "$(grep -c '\[#100000\]' again.out)" = 1

# without a [store] section nothing is recorded and nothing is tagged
mkdir plain && cp 1.eml plain/ && cd plain
run "$SG" scrub 1.eml -o 1.out
expect_rc "scrub without [store]" 0
check "untagged without [store]" cmp -s 1.eml 1.out
check "no store written without [store]" test ! -e tickets.db -a ! -e pseudonym.key
run "$SG" tickets list
expect_rc "tools without a store" 66
expect_err "missing store named" '^scrubgate: tickets\.db: no ticket store here'
run "$SG" scrub -c ../s.conf --no-store 1.eml -o 2.out
check "--no-store: untagged" cmp -s 1.eml 2.out
cd ..
check "--no-store: not recorded" sh -c "'$SG' tickets list -c s.conf | grep -q '^2 tickets$'"
done_
