#!/bin/bash
# test_fetch_basic - `scrubgate fetch --once` against a real Dovecot
# (Debian dovecot-imapd) started here on 127.0.0.1:33143 (IMAP, STARTTLS)
# and 33993 (IMAPS), both plus TEST_PORT_OFFSET, with a CA and
# certificate made here: plain, IMAPS and STARTTLS with the certificate
# verified (a wrong CA is refused and nothing
# is marked), messages fetched, scrubbed, delivered to a Maildir next hop
# and marked \Seen / moved / deleted as configured, a message the scrubber
# rejects moved to the quarantine folder and never forwarded, a second run
# forwarding nothing again.
TOP=$(cd "$(dirname "$0")/../../.." && pwd)
. "$TOP/tests/cli/lib.sh" "$@"
. "$TOP/tests/integration/fetch/lib_dovecot.sh" 3

# --- 1. plain IMAP (tls = none, explicit), after = seen ----------------------
for i in 1 2 3; do msg m$i.eml basic$i; check "message $i appended" imap_save support INBOX m$i.eml; done
sg_conf plain.conf "port = $IMAP_PORT" "tls = none" "after = seen"
run "$SG" fetch -c plain.conf --once
expect_rc "fetch --once (plain)" 0
check "three messages delivered" test "$(out_count)" = 3
check "addresses and phones redacted" sh -c "! grep -rqE 'ann.private@|7946 0958' '$T/out'"
check "redaction marks present" grep -rq '\[EMAIL\]' "$T/out"
check "all three \\Seen on the server" test "$(imap_count support INBOX SEEN)" = 3
check "log names no address" sh -c "! grep -q '@' .err"
run "$SG" fetch -c plain.conf --once
expect_rc "second fetch --once" 0
check "nothing forwarded twice" test "$(out_count)" = 3

# --- 2. IMAPS with the certificate verified; after = move -------------------
# (each part uses its own folder: a new folder counts as a UIDVALIDITY
# change of the account, processed from UID 1 with Message-ID dedup)
msg m4.eml basic4; imap_save support In2 m4.eml
sg_conf other.conf "port = $IMAPS_PORT" "tls = imaps" "ca_file = $T/dovecot/other.pem" "after = move" "move_to = Done" "folder = In2"
run "$SG" fetch -c other.conf --once
expect_rc "IMAPS with the wrong CA: temporary failure" 75
check "the failure names the certificate" grep -qi 'certif\|verif' .err
check "nothing delivered with the wrong CA" test "$(out_count)" = 3
check "message 4 untouched (unseen)" test "$(imap_count support In2 UNSEEN)" = 1
sg_conf imaps.conf "port = $IMAPS_PORT" "tls = imaps" "ca_file = $T/dovecot/ca.pem" "after = move" "move_to = Done" "folder = In2"
run "$SG" fetch -c imaps.conf --once
expect_rc "fetch --once (IMAPS, verified)" 0
check "message 4 delivered" test "$(out_count)" = 4
check "message 4 moved to Done" test "$(imap_count support Done)" = 1
check "In2 is empty" test "$(imap_count support In2)" = 0
check "INBOX keeps the three seen ones" test "$(imap_count support INBOX SEEN)" = 3

# --- 3. STARTTLS; after = delete; quarantine ------------------------------------
msg m5.eml basic5; imap_save support In3 m5.eml
cat >m6.eml <<'EOF'
From: Ann <ann@example.org>
To: help@example.net
Subject: tool
Message-ID: <basic6@test>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="b"

--b
Content-Type: text/plain

see attached
--b
Content-Type: application/octet-stream; name="tool.exe"
Content-Disposition: attachment; filename="tool.exe"
Content-Transfer-Encoding: base64

TVqQAAMAAAAEAAAA//8AALgAAAAAAAAAQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA
--b--
EOF
imap_save support In3 m6.eml
sg_conf starttls.conf "port = $IMAP_PORT" "tls = starttls" "ca_file = $T/dovecot/ca.pem" "after = delete" "quarantine_folder = Quarantine" "folder = In3"
run "$SG" fetch -c starttls.conf --once
expect_rc "fetch --once (STARTTLS, verified)" 0
check "message 5 delivered, 6 not" test "$(out_count)" = 5
check "the rejected message is in Quarantine" test "$(imap_count support Quarantine)" = 1
check "nothing of the .exe forwarded" sh -c "! grep -rq 'tool.exe' '$T/out'"
check "message 5 deleted from In3" test "$(imap_count support In3)" = 0
check "the quarantine was logged" grep -q 'quarantined to Quarantine' .err

# --- 4. configuration errors ------------------------------------------------------
sg_conf bad.conf "port = $IMAP_PORT" "tls = maybe"
run "$SG" fetch -c bad.conf --once
expect_rc "bad tls value" 78
run "$SG" fetch -c plain.conf --once --account nope
expect_rc "--account with an unknown name" 78
expect_err "names the problem" 'no such \[account\]'
run "$SG" fetch -c plain.conf --once --account support
expect_rc "--account support" 0
chmod 644 "$T/imap.pw"
run "$SG" fetch -c plain.conf --once
expect_rc "password file readable by others refused" 78
chmod 600 "$T/imap.pw"
done_
