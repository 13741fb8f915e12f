#!/bin/sh
# test_errors - run errors: one line "scrubgate: PATH: problem", the
# sysexits code, and nothing left behind.
. "$(dirname "$0")/lib.sh" "$@"

run "$SG" scrub missing.mbox -o out.mbox
expect_rc "missing input" 66
expect_err "missing input named" '^scrubgate: missing.mbox: No such file or directory$'
nothing_left "missing input leaves nothing"

mkdir plain
run "$SG" scrub plain -o out
expect_rc "directory that is not a Maildir" 66
expect_err "not a Maildir named" '^scrubgate: plain: not a Maildir$'
nothing_left "not a Maildir leaves nothing" plain

msg m.eml hello "plain text"
if [ "$(id -u)" != 0 ]; then
	chmod 000 m.eml
	run "$SG" scrub m.eml -o out.eml
	expect_rc "unreadable input" 66
	expect_err "unreadable input named" '^scrubgate: m.eml: Permission denied$'
	chmod 644 m.eml
fi

printf '[limits]\nmax_parts = lots\n' > bad.conf
run "$SG" scrub -c bad.conf m.eml -o out.eml
expect_rc "bad config" 78
expect_err "bad config names file and line" '^scrubgate: bad.conf:2: max_parts: bad number'
nothing_left "bad config leaves nothing" plain m.eml bad.conf

run "$SG" scrub m.eml -o nodir/out.eml
expect_rc "output directory missing" 73
expect_err "output named" '^scrubgate: nodir/out.eml: No such file or directory$'
nothing_left "unwritable output leaves nothing" plain m.eml bad.conf

run "$SG" scrub m.eml -o m.eml
expect_rc "output is the input" 73
check "input untouched" grep -q "plain text" m.eml

mkdir -p md/cur md/new md/tmp full
msg md/cur/1.host:2,S one "one"
touch full/x
run "$SG" scrub md -o full
expect_rc "Maildir output onto a non-empty directory" 73
expect_err "non-empty output named" '^scrubgate: full: exists and is not an empty directory$'
check "non-empty directory untouched" test "$(ls full)" = x
run "$SG" scrub md -o -
expect_rc "Maildir to stdout" 64

printf '[pattern x]\nregex = a(\n' > re.conf
run "$SG" scrub -c re.conf m.eml -o out.eml
expect_rc "bad regex" 78
expect_err "bad regex located" '^scrubgate: re.conf:2: \[pattern x\] regex: '
check "no output after config errors" test ! -e out.eml
done_
