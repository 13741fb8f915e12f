#!/bin/bash
# test_route - `scrubgate route --explain`: the matching rule and why, the
# fallbacks, the chosen route's profile; a route's tag format reaches the
# forwarded copy; config errors in rules name file and line.
. "$(dirname "$0")/../../cli/lib.sh" "$@"

cat > r.conf <<'CONF'
[store]

[route billing]
mailboxes = billing@example.net
kinds_off = phone
attachments = drop
tag_format = [Billing {id}]

[route support]
mailboxes = example.net

[route default]

[rule vip]
route = support
sender_domain = bigcustomer.com

[rule invoices]
route = billing
subject = (?i)\binvoice\b

[rule jira]
route = support
header = X-Mailer: ^JIRA
CONF
printf 'From: a@bigcustomer.com\nTo: x@example.org\nSubject: Invoice 7\n\nb\n' > vip.eml
printf 'From: a@small.example\nTo: x@example.org\nSubject: =?UTF-8?Q?Your_invoice?=\n\nb\n' > inv.eml
printf 'From: a@small.example\nTo: billing@example.net\nSubject: hello\n\nb\n' > mb.eml
printf 'From: a@small.example\nTo: x@example.org\nX-Mailer: JIRA 9\nSubject: hello\n\nb\n' > jira.eml
printf 'From: a@small.example\nTo: x@example.org\nSubject: hello\n\nb\n' > none.eml

run "$SG" route --explain -c r.conf vip.eml
expect_rc "explain" 0
check "first rule wins" grep -qx 'route: support' .out
check "why: rule vip, sender" grep -q '^why: rule vip (rule 1 of 3) matched; sender is on sender_domain: route support$' .out
run "$SG" route --explain -c r.conf inv.eml
check "subject regex on the decoded subject" grep -q '^why: rule invoices .*subject matches' .out
check "profile shown" grep -qx '  kinds_off: phone' .out
check "attachments shown" grep -qx '  attachments: drop' .out
run "$SG" route --explain -c r.conf jira.eml
check "header rule" grep -q '^why: rule jira .*header X-Mailer matches' .out
run "$SG" route --explain -c r.conf mb.eml
check "fallback: mailboxes" grep -q '^why: no rule matched; recipient 1 is in the mailboxes of route billing$' .out
run "$SG" route --explain -c r.conf --to someone@example.net none.eml
check "--to overrides the header" grep -qx 'route: support' .out
run "$SG" route --explain -c r.conf none.eml
check "fallback: route default" grep -qx 'route: default' .out
check "explain prints no address of the message" sh -c "! grep -q 'small.example\|x@example.org' .out"
run sh -c "'$SG' route --explain -c r.conf - < vip.eml"
check "stdin" grep -qx 'route: support' .out

run "$SG" scrub -c r.conf inv.eml -o inv.out
expect_rc "scrub on a route with its own tag format" 0
check "route's tag format used" grep -q '^Subject: \[Billing 100000\] ' inv.out

printf '[route r]\n[rule x]\nroute = r\nsubject = (\n' > bad.conf
run "$SG" route --explain -c bad.conf vip.eml
expect_rc "bad rule" 78
expect_err "bad rule named with its line" '^scrubgate: bad.conf:2: \[rule x\] subject: bad pattern'
run "$SG" check-config -c bad.conf
expect_rc "check-config checks the rules too" 78
expect_err "check-config names the rule's line" '^scrubgate: bad.conf:2: \[rule x\] subject: bad pattern'
printf '[rule x]\nroute = nosuch\n' > bad2.conf
run "$SG" route --explain -c bad2.conf vip.eml
expect_err "unknown route named" '^scrubgate: bad2.conf:1: \[rule x\] route: no \[route nosuch\]$'
run "$SG" route vip.eml
expect_rc "--explain required" 64
run "$SG" route --explain missing.eml
expect_rc "missing message" 66
done_
