#!/bin/sh
# test_scrub - the scrub command end to end: mbox, Maildir, single message,
# stdin/stdout, report, --explain, quarantine and exit codes.
. "$(dirname "$0")/lib.sh" "$@"

# an mbox: two clean messages around a nested one
msg a.eml first "Mail me at alice@example.com please."
msg b.eml second "Nothing personal here."
nested n.eml
for f in a.eml n.eml b.eml; do printf 'From x@y Mon Jan  1 00:00:00 2024\n'; cat $f; printf '\n'; done > in.mbox

run "$SG" scrub in.mbox -o out.mbox --report r.json --quiet
expect_rc "mbox scrub" 0
check "same number of messages out" test "$(grep -c '^From ' out.mbox)" = 3
check "email redacted" sh -c "! grep -q alice@example.com out.mbox"
check "report is JSON" python3 -c "import json,sys; d=json.load(open('r.json')); sys.exit(0 if d['totals']['messages']==3 else 1)"
check "report holds no redacted value" sh -c "! grep -q alice r.json"
check "report counts the email" python3 -c "import json,sys; d=json.load(open('r.json')); sys.exit(0 if d['messages'][0]['counts'].get('email')==1 else 1)"
check "unchanged message byte-identical" sh -c "grep -q 'Nothing personal here.' out.mbox"
check "no stderr output when not a TTY" test -z "$err"
check "no quarantine when nothing failed" test ! -e out.mbox.quarantine

# quarantine: max_depth = 1 fails the nested message
printf '[limits]\nmax_depth = 1\n' > d1.conf
run "$SG" scrub -c d1.conf in.mbox -o out2.mbox --report r2.json
expect_rc "a failed message makes the run fail" 65
check "two messages out" test "$(grep -c '^From ' out2.mbox)" = 2
check "nested message not in the output" sh -c "! grep -q 'inner text' out2.mbox"
check "quarantined whole and untouched" cmp -s out2.mbox.quarantine/000002.eml n.eml
check "quarantine holds one file" test "$(ls out2.mbox.quarantine | wc -l)" = 1
check "report names the error" python3 -c "import json,sys; d=json.load(open('r2.json')); m=d['messages'][1]; sys.exit(0 if m['error'] is not None and m['quarantined']=='000002.eml' and d['totals']['errors']==1 else 1)"
check "summary line on stderr" grep -q "1 of 3 messages failed" .err
run "$SG" scrub -c d1.conf in.mbox -o out3.mbox --quarantine qdir --quiet
expect_rc "--quarantine DIR" 65
check "--quarantine DIR used" test -f qdir/000002.eml
check "--quiet: no summary" test ! -s .err
run "$SG" scrub -c d1.conf n.eml -o -
expect_rc "single failed message to stdout" 65
check "nothing on stdout" test ! -s .out
check "quarantine next to INPUT for -o -" test -f n.eml.quarantine/000001.eml
run sh -c "'$SG' scrub -c d1.conf - -o - < n.eml"
expect_rc "stdin failed message" 65
check "scrubgate.quarantine for stdin/stdout" test -f scrubgate.quarantine/000001.eml

# single message, stdin/stdout
run "$SG" scrub a.eml -o a.out
expect_rc "single message" 0
check "single message scrubbed" sh -c "grep -q 'Mail me at' a.out && ! grep -q alice a.out"
run sh -c "'$SG' scrub - -o - < a.eml"
expect_rc "stdin to stdout" 0
check "stdout is the scrubbed message" cmp -s .out a.out
run sh -c "cat in.mbox | '$SG' scrub - -o -"
expect_rc "an mbox on stdin" 0
check "mbox on stdout" test "$(grep -c '^From ' .out)" = 3
run "$SG" scrub b.eml
expect_rc "default output is stdout" 0
check "unchanged single message byte-identical" sh -c "'$SG' scrub b.eml | cmp -s - b.eml"

# --explain writes nothing
mkdir ex && cd ex
run "$SG" scrub --explain ../in.mbox -o out.mbox --report r.json
expect_rc "--explain" 0
cd ..
check "--explain lists every message" test "$(printf '%s\n' "$out" | grep -c '^message [0-9]')" = 3
check "--explain wrote no output, report or quarantine" test -z "$(ls -A ex)"
run "$SG" scrub -c d1.conf --explain in.mbox
expect_rc "--explain with a failing message" 65
check "--explain names the error" grep -q 'error: nesting' .out
check "--explain quarantines nothing" test ! -e in.mbox.quarantine

# Maildir in, Maildir out
mkdir -p md/cur md/new md/tmp md/.Sub/cur
cp a.eml 'md/cur/100.host:2,RS'; cp b.eml md/new/200.host; cp b.eml md/tmp/300.host
cp b.eml md/.hidden
run "$SG" scrub md -o mdout --quiet
expect_rc "Maildir scrub" 0
check "cur/ message kept its name and flags" test -f 'mdout/cur/100.host:2,RS'
check "new/ message kept its name" cmp -s mdout/new/200.host b.eml
check "tmp/ created, not copied" sh -c "test -d mdout/tmp && test -z \"\$(ls mdout/tmp)\""
check "Maildir message scrubbed" sh -c "! grep -q alice 'mdout/cur/100.host:2,RS'"
check "no temporary directory left" test "$(ls -A | grep -c '\.tmp\.')" = 0
mkdir empty
run "$SG" scrub md -o empty --quiet
expect_rc "Maildir into an empty directory" 0
check "empty directory filled" test -f empty/new/200.host
cp n.eml md/new/300.host
run "$SG" scrub -c d1.conf md -o mdout2 --quiet
expect_rc "Maildir with a failing message" 65
check "Maildir failure quarantined" cmp -s mdout2.quarantine/000003.eml n.eml
check "Maildir failure not in output" test ! -e mdout2/new/300.host

# empty input
: > empty.mbox
run "$SG" scrub empty.mbox -o empty.out
expect_rc "empty input" 0
check "empty output" test -f empty.out -a ! -s empty.out

# a device or a FIFO as output is written in place, never replaced
mkfifo out.fifo
timeout 20 cat out.fifo > fifo.data &
run "$SG" scrub empty.mbox -o out.fifo --quiet
expect_rc "FIFO output" 0
wait
check "the FIFO is still a FIFO" test -p out.fifo
run "$SG" scrub empty.mbox -o /dev/null --quiet
expect_rc "/dev/null output" 0
check "/dev/null is still a character device" test -c /dev/null

# the shipped sample
if [ -f "$REPO/tests/sample/support.mbox" ]; then
	run "$SG" scrub "$REPO/tests/sample/support.mbox" -o sample.mbox --report sample.json --quiet
	expect_rc "shipped sample" 0
	check "sample: messages in = out" test "$(grep -c '^From ' sample.mbox)" = "$(grep -c '^From ' "$REPO/tests/sample/support.mbox")"
fi
done_
