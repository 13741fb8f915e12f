#!/bin/bash
# test_postfix_pipe - `scrubgate filter` as the pipe content filter of a
# real Postfix (Debian's postfix package), started here with a throwaway
# instance (tests/integration/lib_postfix.sh: postfix -c DIR, everything
# under the test directory) on 127.0.0.1:33025, the pipe service
# lines from contrib/postfix-pipe-filter/master.cf, and virtual(8)
# delivery into Maildirs under the test directory.
#
# Mail is submitted over SMTP (Python's smtplib) to that Postfix's smtpd,
# which has `-o content_filter=scrubgate:dummy` as in contrib's master.cf;
# the filter reinjects with that Postfix's sendmail (MAIL_CONFIG comes from
# the pipe), which goes through pickup, unfiltered, so it does not loop.
# (Mail submitted with `sendmail` itself cannot be filtered by a filter that
# reinjects with sendmail in the same instance: both pass pickup, and
# pickup ignores a FILTER record from the maildrop, `sendmail -bs`
# included.  Part 5 does that case: pickup filters, mail is submitted
# with `sendmail -C DIR`, and the filter reinjects over SMTP through
# [filter] next_hop to a second smtpd without a content filter.)
#
# The pipe runs the filter as nobody with group postdrop: Postfix's
# set-gid postdrop accepts a non-default config directory (MAIL_CONFIG)
# only from a caller whose real group already is postdrop, unless the
# directory is listed in /etc/postfix/main.cf, which this test does not
# touch.  pipe(8) refuses user=...:postdrop when postdrop is the
# instance's setgid_group, so this instance has its own setgid_group
# (group sgdoors-pf, created here once, no user's primary group) and its
# maildrop and public directories are handed to group postdrop.
#
# Needs root (postfix start); skipped with a note otherwise.
TOP=$(cd "$(dirname "$0")/../../.." && pwd)
. "$TOP/tests/cli/lib.sh" "$@"
REPO=$TOP
rmdir "$T" && T=$(mktemp -d /tmp/sg-doors-filter.XXXXXX) && cd "$T" || exit 2
PORT=33025
PF=$T/pf
D=$PF/conf
. "$TOP/tests/integration/lib_postfix.sh"

if [ "$(id -u)" != 0 ] || ! command -v postfix >/dev/null; then
	echo "skipped: needs root and Debian's postfix package"
	done_
fi
chmod 755 "$T"
getent group sgdoors-pf >/dev/null || groupadd -r sgdoors-pf || exit 2

trap 'postfix_stop "$PF"; [ -n "${KEEP:-}" ] || rm -rf "$T"' EXIT
trap 'exit 1' INT TERM

# --- the Postfix instance -------------------------------------------------
# the base (lib_postfix.sh), its own setgid_group, virtual(8) delivery into
# Maildirs under $T/mail, nothing else delivered, no retries in the test
postfix_instance "$PF"
mkdir -p "$T/mail"
chown nobody:nogroup "$T/mail"
postfix_main "$PF" \
	"setgid_group = sgdoors-pf" \
	"myhostname = pf-test.example.net" \
	"mydomain = example.net" \
	"relayhost =" \
	"virtual_mailbox_domains = example.net, out.example, ok.example" \
	"virtual_mailbox_base = $T/mail" \
	"virtual_mailbox_maps = texthash:$D/vmailbox" \
	"virtual_uid_maps = static:65534" \
	"virtual_gid_maps = static:65534" \
	"default_transport = error:5.1.2 no external delivery in this test" \
	"delay_warning_time = 0" \
	"minimal_backoff_time = 3600s" \
	"maximal_backoff_time = 3600s" \
	"queue_run_delay = 3600s"
for a in help@example.net ann@example.net carol@ok.example bob@out.example; do
	echo "$a ${a#*@}/${a%@*}/"
done >"$D/vmailbox"
# the contrib pipe service, pointed at this binary and this config
contrib=$(sed -n '/^scrubgate /,/argv=/p' "$REPO/contrib/postfix-pipe-filter/master.cf" |
	sed -e "s|user=scrubgate|user=nobody:postdrop|" \
	    -e "s|/usr/local/bin/scrubgate|$SG|" \
	    -e "s|/etc/scrubgate/scrubgate.conf|$T/sg.conf|")
postfix_master "$PF" \
	"127.0.0.1:$PORT inet n - n - - smtpd" \
	"  -o content_filter=scrubgate:dummy" \
	"$contrib"
check "contrib master.cf has the pipe service" grep -q 'argv=.*filter -c' "$D/master.cf"

cat >"$T/sg.conf" <<EOF
[recipients]
cc_allow = ok.example

[attachments]
.exe = reject

[route helpdesk]
mailboxes = help@example.net

[store]
database = $T/store/tickets.db
pseudonym_key = $T/store/pseudonym.key
EOF
chmod 644 "$T/sg.conf"
mkdir -p "$T/store" && chown nobody "$T/store"

run postfix_start "$PF"
expect_rc "postfix starts" 0
chgrp postdrop "$PF/queue/maildrop" "$PF/queue/public"
[ "$rc" = 0 ] || { cat "$PF/start.out"; done_; }

# inject FILE SENDER RCPT... - submit over SMTP to the filtering smtpd
inject() {
	python3 - "$PORT" "$@" <<'PY'
import smtplib, sys
port, f, sender, rcpts = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4:]
with open(f, "rb") as fh:
    data = fh.read()
with smtplib.SMTP("127.0.0.1", port, timeout=20) as s:
    s.sendmail(sender, rcpts, data)
PY
}
# maildir_count ADDR - messages delivered to ADDR
maildir_count() {
	local dom=${1#*@} loc=${1%@*}
	find "$T/mail/$dom/$loc/new" "$T/mail/$dom/$loc/cur" -type f 2>/dev/null | wc -l
}
# wait_for SECONDS CMD... - poll until CMD succeeds
wait_for() {
	local n=$(($1 * 10))
	shift
	while [ "$n" -gt 0 ]; do
		"$@" && return 0
		sleep 0.1
		n=$((n - 1))
	done
	return 1
}
queued() { [ "$(find "$PF/queue/$1" -type f 2>/dev/null | wc -l)" -ge "${2:-1}" ]; }
arrived() { [ "$(maildir_count "$1")" -ge "${2:-1}" ]; }

# --- 1. scrubbed, Cc'd outsider dropped from the envelope ---------------------
cat >m1.eml <<'EOF'
From: Ann Example <ann@example.net>
To: help@example.net
Cc: Bob Outsider <bob@out.example>, Carol <carol@ok.example>
X-Scrubgate-Ticket: 4242
Subject: card problem
Message-ID: <m1@client.example>

Hello, my card 4111 1111 1111 1111 was charged twice.
Call me on +44 20 7946 0958.
EOF
check "message 1 queued by Postfix" inject m1.eml ann@example.net help@example.net bob@out.example carol@ok.example
check "message 1 arrives at the helpdesk" wait_for 30 arrived help@example.net
f=$(find "$T/mail/example.net/help/new" -type f | head -n 1)
check "card number redacted" grep -q '\[CARD\]' "$f"
check "no card number left" sh -c "! grep -q '4111 1111' '$f'"
check "phone redacted" sh -c "! grep -q '7946 0958' '$f'"
check "Cc header keeps the allowed address only" grep -q '^Cc: Carol <carol@ok.example>$' "$f"
check "outsider gone from the header" sh -c "! grep -q 'bob@out.example' '$f'"
check "forged X-Scrubgate-Ticket removed" sh -c "! grep -q '4242' '$f'"
check "the ticket store's X-Scrubgate-Ticket added" grep -Eq '^X-Scrubgate-Ticket: [0-9]+' "$f"
check "the ticket store recorded it" test -s "$T/store/tickets.db"
check "allowed Cc recipient receives it" wait_for 10 arrived carol@ok.example
sleep 1
check "Cc'd outsider receives nothing" test "$(maildir_count bob@out.example)" = 0
check "the queue is empty" sh -c "! find '$PF/queue/deferred' '$PF/queue/active' '$PF/queue/incoming' -type f | grep -q ."

# --- 2. a transient failure inside the filter: deferred, not lost -----------
cp "$T/sg.conf" "$T/sg.good"
printf '[filter]\nsendmail = /nonexistent/sendmail\n' >>"$T/sg.conf"
cat >m2.eml <<'EOF'
From: Ann Example <ann@example.net>
To: help@example.net
Subject: second
Message-ID: <m2@client.example>

Second message, mail me at ann.private@example.org.
EOF
check "message 2 queued by Postfix" inject m2.eml ann@example.net help@example.net
check "message 2 is deferred" wait_for 30 queued deferred
check "deferral reason is the filter's line" wait_for 10 grep -q 'status=deferred.*reinjection failed' "$PF/maillog"
check "nothing bounced to the sender" test "$(maildir_count ann@example.net)" = 0
check "message 2 not delivered yet" test "$(maildir_count help@example.net)" = 1
cp "$T/sg.good" "$T/sg.conf"
postqueue -c "$D" -f
check "after the fix and a flush, message 2 arrives" wait_for 30 arrived help@example.net 2
check "its address is redacted" sh -c "! grep -rq 'ann.private@example.org' '$T/mail/example.net/help'"

# --- 3. a permanently bad message: bounced with the reason -------------------
cat >m3.eml <<'EOF'
From: Ann Example <ann@example.net>
To: help@example.net
Subject: tool
Message-ID: <m3@client.example>
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
check "message 3 queued by Postfix" inject m3.eml ann@example.net help@example.net
check "the sender gets a bounce" wait_for 30 arrived ann@example.net
b=$(find "$T/mail/example.net/ann/new" -type f | head -n 1)
check "the bounce gives the filter's reason" grep -q 'cannot be scrubbed: attachment type refused' "$b"
check "the helpdesk never got message 3" test "$(maildir_count help@example.net)" = 2
check "no unscrubbed copy of message 3 anywhere" sh -c "! grep -rq 'tool.exe' '$T/mail/example.net/help'"

# --- 4. only outsiders: no recipient left, bounced ----------------------------
cat >m4.eml <<'EOF'
From: Ann Example <ann@example.net>
To: help@example.net
Cc: bob@out.example
Subject: only outsider
Message-ID: <m4@client.example>

hi
EOF
check "message 4 queued by Postfix" inject m4.eml ann@example.net bob@out.example
check "the sender gets a second bounce" wait_for 30 arrived ann@example.net 2
check "bounce says no recipient left" sh -c "grep -rlq 'no recipient left' '$T/mail/example.net/ann/new'"
check "outsider still received nothing" test "$(maildir_count bob@out.example)" = 0

# --- 5. submitted with Postfix's sendmail, reinjected over SMTP ----------------
# pickup filters now; the filter hands the clean copy to a second smtpd
# (127.0.0.1:$PORT2, no content filter) through [filter] next_hop
PORT2=$((PORT + 1))
sed -i -e 's/^pickup .*/&\n  -o content_filter=scrubgate:dummy/' "$D/master.cf"
printf '127.0.0.1:%s inet n - n - - smtpd\n  -o content_filter=\n' "$PORT2" >>"$D/master.cf"
printf '\n[filter]\nnext_hop = smtp://127.0.0.1:%s\ntls = none\n' "$PORT2" >>"$T/sg.conf"
postfix -c "$D" reload >/dev/null 2>&1
check "the reinjection smtpd listens" wait_for 10 bash -c "exec 3<>/dev/tcp/127.0.0.1/$PORT2"
cat >m5.eml <<'EOF'
From: Ann Example <ann@example.net>
To: help@example.net
Cc: bob@out.example
Subject: via sendmail
Message-ID: <m5@client.example>

IBAN GB82 WEST 1234 5698 7654 32, card 4111 1111 1111 1111.
EOF
check "submitted with sendmail -C" sh -c "sendmail -C '$D' -i -f ann@example.net -- help@example.net bob@out.example <m5.eml"
check "it arrives at the helpdesk" wait_for 30 arrived help@example.net 3
check "scrubbed" sh -c "! grep -rq '4111 1111' '$T/mail/example.net/help'"
f5=$(grep -rl 'via sendmail' "$T/mail/example.net/help" | head -n 1)
check "reinjected over SMTP by the filter (top Received: with ESMTP)" \
	sh -c "grep -m1 -A1 '^Received:' '$f5' | grep -q 'with ESMTP'"
sleep 1
check "the Cc'd outsider still receives nothing" test "$(maildir_count bob@out.example)" = 0
done_
