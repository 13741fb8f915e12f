#!/bin/bash
# test_fetch_sender - the envelope sender of fetched mail, against a real
# Dovecot on 127.0.0.1:33146/33996 and an SMTP next hop (the python peer
# of the delivery tests) on 33246, all plus TEST_PORT_OFFSET.  As
# fetchmail does: the first Return-Path of the message becomes MAIL FROM,
# a message without one is sent from its From address, and a bounce
# (Return-Path: <>) keeps the null sender.  The forwarded copy keeps its
# Return-Path field (an address field the helpdesk answers), and a
# human's message opens a ticket (with the null sender it would be taken
# for an auto-reply and pass untagged).
TOP=$(cd "$(dirname "$0")/../../.." && pwd)
. "$TOP/tests/cli/lib.sh" "$@"
PEER_PORT=$((33246 + ${TEST_PORT_OFFSET:-0}))
. "$TOP/tests/integration/fetch/lib_dovecot.sh" 6

python3 "$TOP/tests/integration/delivery/peer.py" --port "$PEER_PORT" \
	--out "$T/peer" --ready "$T/peer.ready" >peer.log 2>&1 &
PEER_PID=$!
check "the SMTP next hop listens" wait_for 10 test -s "$T/peer.ready"

# the messages, as the MTA in front of the mailbox stored them
cat >rp.eml <<'EOF'
Return-Path: <bounces+ann=example.org@lists.example>
Delivered-To: support@example.net
Received: from mx.example by imap.example.net; Mon, 23 Nov 2026 10:00:00 +0000
Return-Path: <older-hop@relay.example>
From: Ann <ann@example.org>
To: help@example.net
Subject: with a Return-Path
Message-ID: <rp@test>

Please call me at +44 20 7946 0958.
EOF
msg nrp.eml nrp "No Return-Path here; mail me at ann.private@example.org."
cat >bounce.eml <<'EOF'
Return-Path: <>
From: Mail Delivery System <MAILER-DAEMON@mx.example>
To: help@example.net
Subject: Undelivered Mail Returned to Sender
Message-ID: <bounce@test>
Auto-Submitted: auto-replied

The mail you sent could not be delivered.
EOF
cat >bad.eml <<'EOF'
Return-Path: <bob smith@example.org>
From: Bob <bob@example.org>
To: help@example.net
Subject: a Return-Path that is no reverse-path
Message-ID: <bad@test>

hello
EOF
for m in rp nrp bounce bad; do check "message $m appended" imap_save support INBOX $m.eml; done

SG_NEXT_HOP=smtp://127.0.0.1:$PEER_PORT SG_ROUTE_LINES="tls = none" \
	sg_conf f.conf "port = $IMAP_PORT" "tls = none" "after = seen"
run "$SG" fetch -c f.conf --once
expect_rc "fetch --once" 0
check "four messages reached the next hop" test "$(ls "$T/peer" | grep -c '^msg\.')" = 4

# copy ID - the file the next hop stored for <ID@test>
copy() { grep -l "^Message-ID: <$1@test>" "$T"/peer/msg.* 2>/dev/null | head -n 1; }
# peer_from ID - the MAIL FROM the next hop got for it
peer_from() { sed -n 's/^X-Peer-From: //p' "$(copy "$1")" | tr -d '\r'; }

check "Return-Path: MAIL FROM is the first Return-Path" \
	test "$(peer_from rp)" = "<bounces+ann=example.org@lists.example>"
check "the next hop saw exactly that MAIL FROM command" \
	grep -q '^plain MAIL FROM:<bounces+ann=example.org@lists.example>' "$T/peer/commands.log"
check "no Return-Path: MAIL FROM is the From address" test "$(peer_from nrp)" = "<ann@example.org>"
check "Return-Path <>: the bounce keeps the null sender" test "$(peer_from bounce)" = "<>"
check "an invalid Return-Path: MAIL FROM is the From address" test "$(peer_from bad)" = "<bob@example.org>"
check "the forwarded copy keeps its Return-Path fields" \
	sh -c "grep -q '^Return-Path: <bounces+ann=example.org@lists.example>' '$(copy rp)' &&
	    grep -q '^Return-Path: <older-hop@relay.example>' '$(copy rp)'"
check "and is scrubbed" sh -c "! grep -q '7946 0958' '$(copy rp)'"
check "a person's message opens a ticket (not taken for an auto-reply)" \
	sh -c "grep -q '^X-Scrubgate-Ticket: ' '$(copy rp)' && grep -q '^X-Scrubgate-Ticket: ' '$(copy nrp)'"
check "the bounce opens none" sh -c "! grep -q '^X-Scrubgate-Ticket: ' '$(copy bounce)'"
check "the fallback to From was logged, without the address" \
	grep -q 'uid [0-9]*: envelope sender from From (no valid Return-Path)' .err
check "the log names no address" sh -c "! grep -q '@' .err"
done_
