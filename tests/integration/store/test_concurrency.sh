#!/bin/bash
# test_concurrency - four writer processes recording 500 messages each
# into one database at once, while the tools purge and export in a loop:
# no "database is locked" reaches anyone, every run succeeds, and no
# record is lost (2000 tickets, 2000 messages, numbers unique and dense).
. "$(dirname "$0")/../../cli/lib.sh" "$@"

printf '[store]\nbusy_timeout = 60s\n' > s.conf
python3 - <<'PY'
for w in range(4):
    with open("w%d.mbox" % w, "w") as f:
        for i in range(500):
            f.write("From x Mon Jan  1 00:00:00 2024\n"
                    "From: user%d.%d@example.org\nTo: help@support.example\n"
                    "Subject: case %d of writer %d\nMessage-ID: <%d.%d@mx.example>\n"
                    "\nbody\n\n" % (w, i, i, w, w, i))
PY
# create the store first (one seed ticket), so the tools find it
printf 'From: seed@example.org\nSubject: seed\n\nx\n' > seed.eml
"$SG" scrub -c s.conf seed.eml -o seed.out
: > tools.log
(
	for i in $(seq 1 40); do
		"$SG" tickets purge -c s.conf --older-than 3y >>tools.log 2>&1 || echo "purge failed: $?" >>tools.log
		"$SG" tickets export -c s.conf --subject user1.1@example.org >/dev/null 2>>tools.log || echo "export failed" >>tools.log
	done
) &
tools=$!
pids=""
for w in 0 1 2 3; do
	"$SG" scrub -c s.conf --quiet "w$w.mbox" -o "w$w.out" 2>"w$w.err" &
	pids="$pids $!"
done
fails=0
for p in $pids; do wait "$p" || fails=$((fails + 1)); done
wait "$tools"
check "every writer succeeded" test "$fails" = 0
check "no writer saw 'locked'" sh -c "! grep -qi 'locked\|busy' w0.err w1.err w2.err w3.err"
check "the tools never failed" sh -c "! grep -qi 'failed\|locked\|busy' tools.log"
check "purges ran" test "$(grep -c '^purge:' tools.log)" = 40
run "$SG" tickets list -c s.conf
check "2001 tickets" grep -q '^2001 tickets$' .out
check "numbers 100000..102000, none twice" python3 -c "
import sqlite3,sys; db=sqlite3.connect('tickets.db')
ids=[r[0] for r in db.execute('select id from tickets order by id')]
n=db.execute('select count(*) from messages').fetchone()[0]
sys.exit(0 if ids==list(range(100000,102001)) and n==2001 else 1)"
check "every copy tagged" test "$(cat w*.out | grep -c '^X-Scrubgate-Ticket: ')" = 2000
done_
