#!/bin/bash
# test_filter_cli - `scrubgate filter` without Postfix: the exit codes
# Postfix's pipe(8) acts on, the one-line reasons, the sendmail argv and
# stdin, and [filter] next_hop (a Maildir hop, and an SMTP hop that is not
# there: deferred).
TOP=$(cd "$(dirname "$0")/../../.." && pwd)
. "$TOP/tests/cli/lib.sh" "$@"

cat >sm <<'EOF'
#!/bin/sh
printf '%s\n' "$@" > "$(dirname "$0")/args"
cat > "$(dirname "$0")/body"
EOF
chmod +x sm
printf '[filter]\nsendmail = sm\n\n[recipients]\ncc_allow = ok.example\n\n[attachments]\n.exe = reject\n\n[limits]\nmax_message_size = 2k\n' >f.conf
cat >m.eml <<'EOF'
From: Ann <ann@example.org>
To: help@example.net
Cc: Bob <bob@out.example>, c@ok.example
X-Scrubgate-Ticket: 999
Subject: hi

call +44 20 7946 0958 or mail ann.private@example.org
EOF

run "$SG" filter -c f.conf -f ann@example.org -- help@example.net bob@out.example c@ok.example <m.eml
expect_rc "scrubbed and reinjected" 0
check "sendmail argv: -G -i -f SENDER -- kept recipients" \
	test "$(tr '\n' ' ' <args)" = "-G -i -f ann@example.org -- help@example.net c@ok.example "
check "the reinjected copy is scrubbed" grep -q '\[PHONE\]' body
check "the outsider is gone from Cc" grep -q '^Cc: c@ok.example$' body
check "the forged ticket header is gone" sh -c "! grep -q 999 body"
check "nothing on stderr" test -z "$err"

run "$SG" filter -c f.conf -f '' -- help@example.net <m.eml
expect_rc "null sender" 0
check "null sender passed as -f ''" test "$(sed -n 4p args)" = ""

run "$SG" filter -c f.conf -f ann@example.org -- bob@out.example <m.eml
expect_rc "only a disallowed Cc recipient: EX_UNAVAILABLE" 69
expect_err "one line reason" 'no recipient left'

head -c 3000 /dev/zero | tr '\0' 'x' | sed 's/^/Subject: big\n\n/' >big.eml
run "$SG" filter -c f.conf -f a@example.org -- help@example.net <big.eml
expect_rc "larger than max_message_size: EX_DATAERR" 65
expect_err "size reason" 'larger than max_message_size'

printf 'Subject: x\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary="b"\n\n--b\nContent-Type: application/octet-stream; name="a.exe"\n\nMZ\n--b--\n' >exe.eml
run "$SG" filter -c f.conf -f a@example.org -- help@example.net <exe.eml
expect_rc "rejected by the scrubber: EX_DATAERR" 65
expect_err "scrub reason" 'cannot be scrubbed: attachment type refused'

printf '[filter]\nsendmail = /nonexistent/sendmail\n' >nosm.conf
run "$SG" filter -c nosm.conf -f a@example.org -- help@example.net <m.eml
expect_rc "sendmail missing: EX_TEMPFAIL" 75
expect_err "reinjection reason" 'reinjection failed: .*cannot run'

printf '[filter]\nsendmail = /bin/false\n' >false.conf
run "$SG" filter -c false.conf -f a@example.org -- help@example.net <m.eml
expect_rc "sendmail exits 1: EX_TEMPFAIL" 75

printf '[limits]\nmax_depth = 0\n' >broken.conf
run "$SG" filter -c broken.conf -f a@example.org -- help@example.net <m.eml
expect_rc "bad configuration: EX_TEMPFAIL, not a bounce" 75
run "$SG" filter -c f.conf -- help@example.net <m.eml
expect_rc "no -f: EX_TEMPFAIL" 75
run "$SG" filter -c f.conf -f a@example.org <m.eml
expect_rc "no recipient: EX_TEMPFAIL" 75
run "$SG" filter --bogus <m.eml
expect_rc "unknown option: EX_TEMPFAIL" 75

mkdir hop
printf '[filter]\nnext_hop = maildir:%s/hop\n' "$T" >hop.conf
run "$SG" filter -c hop.conf -f a@example.org -- help@example.net <m.eml
expect_rc "next_hop maildir" 0
check "the copy is in the Maildir" test "$(find hop/new -type f | wc -l)" = 1
printf '[filter]\nnext_hop = smtp://127.0.0.1:33998\ntls = none\n' >down.conf
run "$SG" filter -c down.conf -f a@example.org -- help@example.net <m.eml
expect_rc "next hop not listening: EX_TEMPFAIL" 75
expect_err "deferred reason" 'reinjection deferred: 4'
done_
