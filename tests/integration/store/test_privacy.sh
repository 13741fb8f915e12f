#!/bin/bash
# test_privacy - after a run with the default store settings, neither the
# database file (and its -wal/-shm), nor the report, nor anything the
# commands printed holds any planted address, in any letter case; the
# database and the key file are private (0600).
. "$(dirname "$0")/../../cli/lib.sh" "$@"

# the default config: a [store] section with every key at its default
printf '[store]\n' > default.conf
addrs="alice.planted@example.com support-team@example.net carol.planted@example.org
dave.planted@example.net erin.planted@example.com frank.planted@example.org
grace.planted@example.com"
{
	for i in 1 2 3; do
		printf 'From x@y Mon Jan  1 00:00:00 2024\n'
		printf 'From: Alice Planted <Alice.Planted@example.com>\n'
		printf 'To: Support <support-team@example.net>\n'
		printf 'Cc: Carol <carol.planted@example.org>, grace.planted@example.com\n'
		printf 'Reply-To: frank.planted@example.org\n'
		printf 'Subject: Re: question from erin.planted@example.com\n'
		printf 'Message-ID: <%s.4711@mx.example.com>\n' "$i"
		[ "$i" = 1 ] || printf 'In-Reply-To: <1.4711@mx.example.com>\n'
		printf '\nPlease write to dave.planted@example.net or call +46 70 123 45 67.\n\n'
	done
} > in.mbox

run "$SG" scrub -c default.conf in.mbox -o out.mbox --report report.json
expect_rc "scrub with the default store" 0
echo "$out$err" > run.log
run "$SG" tickets list -c default.conf
echo "$out$err" >> run.log
run "$SG" tickets show -c default.conf 100000
expect_rc "show" 0
echo "$out$err" >> run.log
check "one ticket for the three messages" grep -q '^  3\. ' .out
run "$SG" tickets export -c default.conf --subject alice.planted@example.com -o export.json
expect_rc "export" 0
echo "$out$err" >> run.log
check "export holds the ticket" python3 -c "import json,sys; d=json.load(open('export.json')); sys.exit(0 if len(d['tickets'])==1 and len(d['tickets'][0]['messages'])==3 else 1)"
run "$SG" route --explain -c default.conf in.mbox
echo "$out$err" >> run.log

check "store files exist" test -s tickets.db -a -s pseudonym.key
for a in $addrs; do
	for f in tickets.db tickets.db-wal tickets.db-shm report.json run.log export.json; do
		[ -e "$f" ] || continue
		check "$f holds no $a" sh -c "! grep -aqi -- '$a' '$f'"
	done
done
check "no local part in the database either" sh -c "! grep -aqi 'planted' tickets.db"
check "database mode 0600" test "$(stat -c %a tickets.db)" = 600
check "key mode 0600" test "$(stat -c %a pseudonym.key)" = 600
chmod 644 pseudonym.key
run "$SG" tickets list -c default.conf
expect_rc "a readable key file is refused" 66
expect_err "refusal names the key file" 'pseudonym.key: pseudonym key is readable or writable by group or others'
chmod 600 pseudonym.key
mv pseudonym.key lost.key
run "$SG" tickets list -c default.conf
expect_rc "a lost key file is not silently recreated" 66
expect_err "lost key named" 'pseudonym.key: pseudonym key missing'
check "no new key made by the tools" test ! -e pseudonym.key
done_
