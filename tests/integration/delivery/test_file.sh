#!/bin/bash
# test_file - Maildir, mbox and sendmail next hops through the queue:
# the Maildir gets one whole file in new/ (nothing in tmp/), the mbox a
# From_ line and the message mboxrd-quoted, the sendmail program the
# envelope as arguments and the message on stdin.  No ports.
HERE_=$(cd "$(dirname "$0")" && pwd)
. "$HERE_/../../cli/lib.sh" "$@"
. "$HERE_/lib.sh"

cat >"$T/sendmail" <<SH
#!/bin/sh
echo "\$*" >"$T/sendmail.args"
cat >"$T/sendmail.in"
SH
chmod 755 "$T/sendmail"
write_conf "
[route md]
next_hop = maildir:Maildir

[route mb]
next_hop = mbox:$T/support.mbox

[route sm]
next_hop = sendmail:$T/sendmail"
queue >/dev/null

testmsg md | inject ann@example.org help@example.net --route md >/dev/null
testmsg mb | inject ann@example.org help@example.net --route mb >/dev/null
testmsg mb2 | inject "" help@example.net --route mb >/dev/null
testmsg sm | inject ann@example.org a@example.net b@example.net --route sm >/dev/null
run queue flush
check "all delivered" test "$(count "$T/spool/queue")" = 0
check "maildir: relative path resolved against the config" test "$(count "$T/Maildir/new")" = 1
check "maildir: tmp/ empty" test "$(count "$T/Maildir/tmp")" = 0
check "maildir: bytes as spooled" cmp -s "$(ls "$T"/Maildir/new/*)" <(testmsg md)
check "mbox: two From_ lines" test "$(grep -c '^From ' "$T/support.mbox")" = 2
check "mbox: sender on the From_ line" grep -q '^From ann@example.org ' "$T/support.mbox"
check "mbox: <> as MAILER-DAEMON" grep -q '^From MAILER-DAEMON ' "$T/support.mbox"
check "mbox: From in the body quoted" grep -q '^>From the start' "$T/support.mbox"
check "mbox: no lock left" test ! -e "$T/support.mbox.lock"
check "sendmail: arguments" grep -qx -- '-G -i -f ann@example.org -- a@example.net b@example.net' "$T/sendmail.args"
check "sendmail: message on stdin" cmp -s "$T/sendmail.in" <(testmsg sm)
done_
