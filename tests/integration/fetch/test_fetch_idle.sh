#!/bin/bash
# test_fetch_idle - the fetch daemon against a real Dovecot on
# 127.0.0.1:33145/33995 (plus TEST_PORT_OFFSET) over IMAPS: with
# poll_interval = 1h only IDLE can explain a new message arriving (it is
# expected within about 2 seconds; the test waits up to 20 and prints the
# time it took), the server going
# away and coming back is survived (reconnect with back-off, the message
# put in while it was down arrives), and SIGTERM ends the daemon.
TOP=$(cd "$(dirname "$0")/../../.." && pwd)
. "$TOP/tests/cli/lib.sh" "$@"
. "$TOP/tests/integration/fetch/lib_dovecot.sh" 5

sg_conf f.conf "port = $IMAPS_PORT" "tls = imaps" "ca_file = $T/dovecot/ca.pem" \
	"after = seen" "poll_interval = 1h" "idle = yes"
"$SG" fetch -c f.conf 2>fetch.log &
FETCH_PID=$!
check "the daemon connects (IMAPS, IDLE offered)" wait_for 20 grep -q 'connected to 127.0.0.1 (tls=imaps, IDLE' fetch.log
sleep 0.5	# let it enter IDLE

has() { [ "$(out_count)" -ge "$1" ]; }
# --- 1. IDLE -----------------------------------------------------------------
msg i1.eml idle-1
t0=$(date +%s.%N)
imap_save support INBOX i1.eml
check "a new message arrives while idling (poll_interval is 1h)" wait_for 20 has 1
t1=$(date +%s.%N)
echo "     (arrived $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }') s after it was saved; expected within about 2 s)"
check "it is \\Seen on the server" wait_for 10 sh -c "[ \$(doveadm -c '$D/dovecot.conf' search -u support mailbox INBOX SEEN | wc -l) = 1 ]"
msg i2.eml idle-2
imap_save support INBOX i2.eml
check "a second one too (IDLE re-issued)" wait_for 20 has 2

# --- 2. the server goes away and comes back ------------------------------------
dovecot_stop
check "the daemon notices and keeps running" wait_for 20 grep -q 'reconnecting in' fetch.log
check "the daemon is still alive" kill -0 "$FETCH_PID"
# a message delivered while the IMAP server is down
dir=$T/home/support/Maildir
msg "$dir/tmp/away" idle-3
mv "$dir/tmp/away" "$dir/new/away.$$:2,"
chown -R nobody:nogroup "$T/home"
sleep 1
check "dovecot starts again" dovecot_start
check "the message put in while it was down arrives" wait_for 40 has 3
check "nothing forwarded twice" test "$(grep -rhoE '^Message-ID: <idle-[0-9]@test>' "$T/out" | sort | uniq -d | wc -l)" = 0

# --- 3. SIGTERM ------------------------------------------------------------------
kill -TERM "$FETCH_PID"
check "SIGTERM ends the daemon" wait_for 10 sh -c "! kill -0 $FETCH_PID 2>/dev/null"
wait "$FETCH_PID" 2>/dev/null
FETCH_PID=
check "log names no address" sh -c "! grep -q '@' fetch.log"

# --- 4. two accounts in one daemon (one child process each) -------------------
sg_conf two.conf "port = $IMAP_PORT" "tls = starttls" "ca_file = $T/dovecot/ca.pem" \
	"after = seen" "poll_interval = 1h" "idle = yes" "folder = Two"
printf '\n[account other]\nhost = 127.0.0.1\nport = %s\ntls = none\nuser = support\npassword_env = SG_TEST_PW\nroute = helpdesk\nfolder = Other\npoll_interval = 1s\nidle = no\n' "$IMAP_PORT" >>two.conf
msg t1.eml two-1; imap_save support Two t1.eml
msg t2.eml two-2; imap_save support Other t2.eml
SG_TEST_PW=s3cret-pw "$SG" fetch -c two.conf 2>two.log &
FETCH_PID=$!
check "both accounts' messages arrive" wait_for 30 has 5
check "each account connected in its own process" test "$(grep 'connected to' two.log | sed 's/.*\[\([0-9]*\)\].*/\1/' | sort -u | wc -l)" = 2
kill -TERM "$FETCH_PID"
check "SIGTERM ends the parent" wait_for 10 sh -c "! kill -0 $FETCH_PID 2>/dev/null"
wait "$FETCH_PID" 2>/dev/null
# (no pgrep: procps may be missing in a bare container)
check "and its children" wait_for 10 sh -c "! cat /proc/[0-9]*/cmdline 2>/dev/null | tr '\\0' ' ' | grep -q 'fetch -c tw[o].conf'"
FETCH_PID=
done_
