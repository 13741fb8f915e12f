#!/bin/bash
# test_fetch_restart - exactly once across restarts and UIDVALIDITY
# changes, against a real Dovecot on 127.0.0.1:33144/33994 (plus
# TEST_PORT_OFFSET):
#   - the daemon stopped (SIGTERM) in the middle of a batch, then run
#     again: every message forwarded exactly once, none skipped;
#   - kill -9 in the middle of a batch, then run again: none skipped (a
#     duplicate is possible only for the one message in hand between the
#     next hop's acceptance and the store's commit: at most one);
#   - the folder deleted and created again (new UIDVALIDITY) with the old
#     messages put back and one new one: only the new one is forwarded,
#     the old ones are marked \Seen, nothing is skipped.
TOP=$(cd "$(dirname "$0")/../../.." && pwd)
. "$TOP/tests/cli/lib.sh" "$@"
. "$TOP/tests/integration/fetch/lib_dovecot.sh" 4

# put_batch PREFIX N FOLDER - N messages straight into the Maildir (as a
# local delivery agent would), so a batch is there at once
put_batch() {
	local i dir=$T/home/support/Maildir
	[ "$3" = INBOX ] || dir=$dir/.$3
	mkdir -p "$dir/tmp" "$dir/new" "$dir/cur"
	for i in $(seq "$2"); do
		msg "$dir/tmp/$1-$i" "$1-$i" "message $i of $1, mail ann$i@example.org"
		mv "$dir/tmp/$1-$i" "$dir/new/$1-$i.$$:2,"
	done
	chown -R nobody:nogroup "$T/home"
}
# ids PREFIX - sorted Message-IDs delivered for PREFIX
ids() { grep -rhoE "^Message-ID: <$1-[0-9]+@test>" "$T/out" | sort; }
dups() { ids "$1" | uniq -d | wc -l; }
uniq_count() { ids "$1" | sort -u | wc -l; }

sg_conf f.conf "port = $IMAP_PORT" "tls = none" "after = seen" "poll_interval = 1h" "idle = no"

# --- 1. SIGTERM in the middle of a batch ----------------------------------------
put_batch term 150 INBOX
"$SG" fetch -c f.conf 2>term1.log &
FETCH_PID=$!
check "some of the batch delivered" wait_for 30 sh -c "[ \$(find '$T/out/new' -type f | wc -l) -ge 20 ]"
kill -TERM "$FETCH_PID"
wait "$FETCH_PID"
rc=$?
FETCH_PID=
check "the daemon stops on SIGTERM (exit 0)" test "$rc" = 0
n1=$(uniq_count term)
check "stopped before the end of the batch ($n1 of 150)" test "$n1" -lt 150
run "$SG" fetch -c f.conf --once
expect_rc "fetch --once after the restart" 0
check "all 150 forwarded" test "$(uniq_count term)" = 150
check "none twice" test "$(dups term)" = 0
check "all 150 \\Seen" test "$(imap_count support INBOX SEEN)" = 150

# --- 2. kill -9 in the middle of a batch --------------------------------------
put_batch kill 150 INBOX
"$SG" fetch -c f.conf 2>kill1.log &
FETCH_PID=$!
check "part of the second batch delivered" wait_for 30 sh -c "[ \$(grep -rl 'kill-' '$T/out/new' | wc -l) -ge 20 ]"
kill -9 "$FETCH_PID"
wait "$FETCH_PID" 2>/dev/null
FETCH_PID=
run "$SG" fetch -c f.conf --once
expect_rc "fetch --once after kill -9" 0
check "all 150 forwarded after kill -9" test "$(uniq_count kill)" = 150
check "at most one duplicate (the message in hand)" test "$(dups kill)" -le 1
check "all 300 \\Seen" test "$(imap_count support INBOX SEEN)" = 300

# --- 3. UIDVALIDITY change -------------------------------------------------------
sg_conf s.conf "port = $IMAP_PORT" "tls = none" "after = seen" "folder = Support"
sed -i 's/^\[account support\]/[account second]/' s.conf
msg a1.eml uv-1; msg a2.eml uv-2
imap_save support Support a1.eml; imap_save support Support a2.eml
run "$SG" fetch -c s.conf --once
expect_rc "first fetch of Support" 0
check "two forwarded" test "$(uniq_count uv)" = 2
doveadm -c "$D/dovecot.conf" mailbox delete -u support Support
msg a3.eml uv-3
imap_save support Support a1.eml; imap_save support Support a2.eml; imap_save support Support a3.eml
check "the folder has a new UIDVALIDITY" sh -c "doveadm -c '$D/dovecot.conf' mailbox status -u support uidvalidity Support | grep -q ."
run "$SG" fetch -c s.conf --once
expect_rc "fetch after the UIDVALIDITY change" 0
check "the change was noticed" grep -q 'UIDVALIDITY of Support changed' .err
check "only the new message forwarded" test "$(uniq_count uv)" = 3
check "no message forwarded twice" test "$(dups uv)" = 0
check "all three \\Seen" test "$(imap_count support Support SEEN)" = 3
done_
