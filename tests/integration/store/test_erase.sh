#!/bin/bash
# test_erase - Art. 17 and retention: a dry run says what would go and
# changes nothing; after erase the subject's export is empty, the other
# subjects are intact (a shared ticket keeps the other party's message),
# the raw database bytes no longer hold the erased pseudonym (VACUUM), the
# audit trail holds every operation but no pseudonym of the subject, and
# ticket numbers are not reused.  Purge by age, with its dry run.
. "$(dirname "$0")/../../cli/lib.sh" "$@"

printf '[store]\nretention = 3y\n' > s.conf
mail() { # FROM CC SUBJECT MSGID [IN-REPLY-TO]
	printf 'From: %s\nTo: help@support.example\n%sSubject: %s\nMessage-ID: <%s>\n%s\nhello\n' \
		"$1" "${2:+Cc: $2
}" "$3" "$4" "${5:+In-Reply-To: <$5>
}"
}
{
	printf 'From x Mon Jan  1 00:00:00 2024\n'; mail ann@example.org '' 'Ann alone' a1@x
	printf '\nFrom x Mon Jan  1 00:00:00 2024\n'; mail ann@example.org '' 'Shared' s1@x
	printf '\nFrom x Mon Jan  1 00:00:00 2024\n'; mail bob@example.org '' 'Re: Shared' s2@x s1@x
	printf '\nFrom x Mon Jan  1 00:00:00 2024\n'; mail bob@example.org '' 'Bob alone' b1@x
} > in.mbox
run "$SG" scrub -c s.conf in.mbox -o out.mbox
expect_rc "scrub four messages" 0
# bob must be a party of the shared ticket: he wrote the reply
run "$SG" tickets export -c s.conf --subject ann@example.org -o ann.json
expect_rc "export ann" 0
ps=$(python3 -c "import json; print(json.load(open('ann.json'))['subject_pseudonym'])")
check "ann's pseudonym is 64 hex digits" sh -c "echo '$ps' | grep -Eqx '[0-9a-f]{64}'"
check "export: ann is in two tickets" python3 -c "import json,sys; d=json.load(open('ann.json')); sys.exit(0 if [t['id'] for t in d['tickets']]==[100000,100001] else 1)"
check "export: the shared ticket holds both messages, only ann's marked" python3 -c "
import json,sys; t=json.load(open('ann.json'))['tickets'][1]
sys.exit(0 if [m['sent_by_subject'] for m in t['messages']]==[True,False] and len(t['parties'])==1 else 1)"
check "database holds ann's pseudonym before" grep -aq "$ps" tickets.db

run "$SG" tickets erase -c s.conf --subject ANN@example.org --dry-run
expect_rc "erase --dry-run" 0
check "dry run names the ticket deleted" grep -q '^ticket 100000: deleted' .out
check "dry run names the ticket kept" grep -q '^ticket 100001: kept for' .out
check "dry run summary" grep -q '^dry run, would erase: 1 tickets deleted, 1 kept for other parties, 2 messages' .out
check "dry run changed nothing" sh -c "'$SG' tickets export -c s.conf --subject ann@example.org | grep -q '\"id\":100000'"

run "$SG" tickets erase -c s.conf --subject ann@example.org
expect_rc "erase" 0
check "erase summary" grep -q '^erase: 1 tickets deleted, 1 kept for other parties, 2 messages' .out
run "$SG" tickets export -c s.conf --subject ann@example.org
expect_rc "export after erase" 0
check "export after erase: tickets empty" python3 -c "import json,sys; d=json.loads(sys.argv[1]); sys.exit(0 if d['tickets']==[] else 1)" "$out"
run "$SG" tickets export -c s.conf --subject bob@example.org
check "bob intact: both his tickets, his message kept" python3 -c "
import json,sys; d=json.loads(sys.argv[1]); t=d['tickets']
sys.exit(0 if [x['id'] for x in t]==[100001,100002] and len(t[0]['messages'])==1 and t[0]['messages'][0]['subject']=='Re: Shared' else 1)" "$out"
for f in tickets.db tickets.db-wal; do
	[ -e "$f" ] || continue
	check "$f no longer holds ann's pseudonym" sh -c "! grep -aq '$ps' '$f'"
	check "$f no longer holds ann's subject line" sh -c "! grep -aq 'Ann alone' '$f'"
done
check "audit: every operation, no pseudonym of ann" python3 -c "
import sqlite3,sys; db=sqlite3.connect('tickets.db')
ops=[r[0] for r in db.execute('select operation from audit order by id')]
subj=[r[0] for r in db.execute('select subject from audit')]
sys.exit(0 if ops==['export','erase-dry-run','export','erase','export','export'] and '$ps' not in subj else 1)"

printf 'From: carol@example.org\nSubject: new\n\nx\n' > c.eml
run "$SG" scrub -c s.conf c.eml -o c.out
check "ticket numbers are not reused" grep -qx 'X-Scrubgate-Ticket: 100003' c.out

# retention: nothing is 3 years old; everything is older than "0s"
run "$SG" tickets purge -c s.conf --dry-run
expect_rc "purge --dry-run (retention from the config)" 0
check "purge default: nothing to go" grep -q 'would purge: 0 tickets deleted' .out
run "$SG" tickets purge -c s.conf --older-than 0s --dry-run
check "purge --older-than 0s --dry-run lists all" test "$(grep -c '^ticket 1000' .out)" = 3
run "$SG" tickets purge -c s.conf --older-than 0s
expect_rc "purge" 0
check "purge: three tickets gone" grep -q '^purge: 3 tickets deleted' .out
run "$SG" tickets list -c s.conf
check "list after purge: empty" grep -q '^0 tickets$' .out
run "$SG" tickets purge -c s.conf --older-than soon
expect_rc "bad age refused" 64
run "$SG" tickets erase -c s.conf
expect_rc "erase without --subject" 64
done_
