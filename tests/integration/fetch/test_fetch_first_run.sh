#!/bin/bash
# test_fetch_first_run - an account's first run (first_run = unseen, the
# default) against a real Dovecot on 127.0.0.1:33147/33997 (plus
# TEST_PORT_OFFSET): a mailbox people had read before scrubgate was set up
# is not replayed into the helpdesk.
#   1. after = seen: 2 \Seen messages and 1 unseen; the first run forwards
#      only the unseen one and leaves the others as they are; later
#      messages are all forwarded, one a person read first included;
#   2. after = move: the \Seen message stays in the folder, not moved;
#   3. first_run = all: the \Seen one is forwarded too;
#   4. a first run stopped (SIGTERM) half-way, then run again: the unseen
#      messages are forwarded once each, none of the \Seen ones.
TOP=$(cd "$(dirname "$0")/../../.." && pwd)
. "$TOP/tests/cli/lib.sh" "$@"
. "$TOP/tests/integration/fetch/lib_dovecot.sh" 7

# ids PREFIX - sorted Message-IDs delivered for PREFIX
ids() { grep -rhoE "^Message-ID: <$1-[^@]+@test>" "$T/out" | sort; }
# got ID... - every one of them delivered
got() {
	local id
	for id; do grep -rqE "^Message-ID: <$id@test>" "$T/out" || return 1; done
}
# none_read - no message b-N with N divisible by 3 (the read ones) delivered
none_read() {
	! grep -rhoE '^Message-ID: <b-[0-9]+@test>' "$T/out" |
		sed -E 's/.*<b-([0-9]+)@.*/\1/' | awk '$1 % 3 == 0' | grep -q .
}
# put FOLDER ID seen|unseen - a message, read by a person or not
put() {
	msg "$2.eml" "$2"
	imap_save support "$1" "$2.eml" && { [ "$3" = unseen ] || imap_flag_seen support "$1" "$2"; }
}

# --- 1. after = seen ----------------------------------------------------------
put INBOX s-old1 seen
put INBOX s-new1 unseen
put INBOX s-old2 seen
check "the mailbox holds 2 seen and 1 unseen message" \
	test "$(imap_count support INBOX SEEN)/$(imap_count support INBOX)" = 2/3
sg_conf seen.conf "port = $IMAP_PORT" "tls = none" "after = seen"
run "$SG" fetch -c seen.conf --once
expect_rc "first run" 0
check "only the unseen message forwarded" test "$(ids s | tr '\n' ' ')" = "Message-ID: <s-new1@test> "
check "the read ones were not" sh -c "! grep -rq 's-old' '$T/out'"
check "all three \\Seen now" test "$(imap_count support INBOX SEEN)" = 3
check "the first run was logged with its count" grep -q 'first run done: 2 message(s) already \\Seen left alone' .err
put INBOX s-new2 unseen
put INBOX s-new3 seen	# read by a person before scrubgate saw it
run "$SG" fetch -c seen.conf --once
expect_rc "second run" 0
check "the later messages are forwarded, the read one too" got s-new2 s-new3
check "the old read ones still not, nothing twice" \
	test "$(ids s | tr '\n' ' ')" = "Message-ID: <s-new1@test> Message-ID: <s-new2@test> Message-ID: <s-new3@test> "
run "$SG" fetch -c seen.conf --once
expect_rc "third run" 0
check "nothing more" test "$(out_count)" = 3

# --- 2. after = move: a read message stays where it is ------------------------
put Mv m-old seen
put Mv m-new unseen
SG_STORE=$T/store2 sg_conf move.conf "port = $IMAP_PORT" "tls = none" \
	"after = move" "move_to = Done" "folder = Mv"
mkdir -p "$T/store2"
run "$SG" fetch -c move.conf --once
expect_rc "first run, after = move" 0
check "the unseen one forwarded" got m-new
check "the read one not" sh -c "! grep -rq 'm-old' '$T/out'"
check "the unseen one moved to Done" test "$(imap_count support Done)" = 1
check "the read one left in Mv, still \\Seen" test "$(imap_count support Mv SEEN)/$(imap_count support Mv)" = 1/1

# --- 3. first_run = all ---------------------------------------------------------
put All a-old seen
put All a-new unseen
SG_STORE=$T/store3 sg_conf all.conf "port = $IMAP_PORT" "tls = none" \
	"after = seen" "folder = All" "first_run = all"
mkdir -p "$T/store3"
run "$SG" fetch -c all.conf --once
expect_rc "first run, first_run = all" 0
check "both forwarded" got a-old a-new

# --- 4. a first run stopped half-way --------------------------------------------
# 120 messages, every third one read by a person; the daemon is stopped
# while it works through them, then run again
b=$T/home/support/Maildir/.Big
mkdir -p "$b/tmp" "$b/new" "$b/cur"
for i in $(seq 120); do
	msg "$b/tmp/b-$i" "b-$i" "message $i, mail ann$i@example.org"
	if [ $((i % 3)) = 0 ]; then mv "$b/tmp/b-$i" "$b/cur/b-$i.$$:2,S"; else mv "$b/tmp/b-$i" "$b/new/b-$i.$$"; fi
done
chown -R nobody:nogroup "$T/home"
check "80 unseen, 40 seen" test "$(imap_count support Big UNSEEN)/$(imap_count support Big SEEN)" = 80/40
SG_STORE=$T/store4 sg_conf big.conf "port = $IMAP_PORT" "tls = none" \
	"after = seen" "folder = Big" "poll_interval = 1h" "idle = no"
mkdir -p "$T/store4"
"$SG" fetch -c big.conf 2>big1.log &
FETCH_PID=$!
check "part of the first run forwarded" wait_for 30 sh -c "[ \$(grep -rl '^Message-ID: <b-' '$T/out' | wc -l) -ge 10 ]"
kill -TERM "$FETCH_PID"
wait "$FETCH_PID"
rc=$?
FETCH_PID=
check "the daemon stops on SIGTERM (exit 0)" test "$rc" = 0
n1=$(ids b | sort -u | wc -l)
check "stopped before the end ($n1 of 80)" test "$n1" -lt 80
check "the stopped run did not finish the first run" sh -c "! grep -q 'first run done' big1.log"
run "$SG" fetch -c big.conf --once
expect_rc "run again" 0
check "all 80 unseen ones forwarded" test "$(ids b | sort -u | wc -l)" = 80
check "none twice" test "$(ids b | uniq -d | wc -l)" = 0
check "none of the 40 read ones" none_read
check "all 120 \\Seen" test "$(imap_count support Big SEEN)" = 120
done_
