#!/bin/bash
# test_smtp - the queue manager delivering over SMTP to Postfix's
# smtp-sink: a message arrives (dot-stuffing undone, envelope kept),
# the log line has Postfix's shape and no plain address; next hop down
# then back (deferred, then delivered once); 5xx -> RFC 3464 DSN to the
# sender through bounce_relay and the message in dead/; a bounce is never
# bounced; lifetime expiry bounces too.  Ports: block 0-9.
HERE_=$(cd "$(dirname "$0")" && pwd)
. "$HERE_/../../cli/lib.sh" "$@"
. "$HERE_/lib.sh"

if ! command -v smtp-sink >/dev/null; then
	echo "skipped: smtp-sink (Debian postfix package) missing"
	done_
fi
P_OK=$(port 0) P_BAD=$(port 1) P_BOUNCE=$(port 2) P_DOWN=$(port 3)
write_conf "max_lifetime = 1h
bounce_relay = smtp://127.0.0.1:$P_BOUNCE
bounce_tls = none

[route ok]
next_hop = smtp://127.0.0.1:$P_OK
tls = none

[route bad]
next_hop = smtp://127.0.0.1:$P_BAD
tls = none

[route down]
next_hop = smtp://127.0.0.1:$P_DOWN
tls = none"
queue >/dev/null

start_sink ok "$P_OK"
start_sink bad "$P_BAD" -f RCPT -B "550 5.1.1 No such user here"
start_sink bounces "$P_BOUNCE"

# --- plain delivery -------------------------------------------------------
id=$(testmsg one | inject ann@example.org help@example.net --route ok)
run queue
check "queue lists the message" grep -q "$id" <<<"$out"
run queue flush
check "flush attempted one" grep -q "1 message attempted" <<<"$out"
check "arrived at the sink" wait_for 5 test "$(count "$T/ok")" = 1
f=$(ls "$T"/ok/* 2>/dev/null | head -1)
check "envelope sender kept" grep -q "X-Mail-Args: <ann@example.org>" "$f"
check "envelope recipient kept" grep -q "X-Rcpt-Args: <help@example.net>" "$f"
check "body arrived" grep -q "^line one" "$f"
check "dot-stuffing undone" grep -q "^\.leading dot" "$f"
check "queue empty after 250" test "$(count "$T/spool/queue")" = 0
check "log: Postfix shape" grep -Eq "scrubgate/smtp\[[0-9]+\]: $id: to=<u-[0-9a-f]{8}>, relay=127.0.0.1:$P_OK, delay=[0-9]+, tls=plain, dsn=2\.0\.0, attempts=1, status=sent \(250" "$T/log"
check "log: no plain address" bash -c "! grep -q 'example\.' '$T/log'"

# --- next hop down, then back ---------------------------------------------
id=$(testmsg two | inject ann@example.org help@example.net --route down)
run queue flush
check "down: deferred" grep -Eq "$id: to=<u-[0-9a-f]+>.*status=deferred \(451 4\.4\.1 .*Connection refused" "$T/log"
check "down: still queued" test "$(count "$T/spool/queue")" = 1
run queue
check "down: list shows 1 attempt and the error" grep -Eq "^$id +[0-9]+s +1 .*Connection refused" <<<"$out"
start_sink down "$P_DOWN"
run queue flush
check "back: delivered" test "$(count "$T/down")" = 1
check "back: queue empty" test "$(count "$T/spool/queue")" = 0
run queue flush
check "back: delivered once" test "$(count "$T/down")" = 1

# --- 5xx: DSN to the sender, message to dead/ ------------------------------
id=$(testmsg three | inject ann@example.org nobody@example.net --route bad)
run queue flush
check "5xx: bounced in the log" grep -Eq "$id: to=<u-[0-9a-f]+>.*dsn=5\.1\.1.*status=bounced \(550 5\.1\.1" "$T/log"
check "5xx: message in dead/" test -f "$T/spool/dead/$id"
check "5xx: DSN queued" grep -q "$id: sender non-delivery notification" "$T/log"
run queue flush
b=$(ls "$T"/bounces/* 2>/dev/null | head -1)
check "DSN delivered through bounce_relay" test -n "$b"
check "DSN: null sender" grep -q "X-Mail-Args: <>" "$b"
check "DSN: to the sender" grep -q "X-Rcpt-Args: <ann@example.org>" "$b"
check "DSN: multipart/report" grep -q "multipart/report; report-type=delivery-status" "$b"
check "DSN: delivery-status part" grep -q "Content-Type: message/delivery-status" "$b"
check "DSN: recipient block" grep -q "Final-Recipient: rfc822; nobody@example.net" "$b"
check "DSN: action and status" bash -c "grep -q 'Action: failed' '$b' && grep -q 'Status: 5.1.1' '$b'"
check "DSN: diagnostic" grep -q "Diagnostic-Code: smtp; 550 5.1.1 No such user here" "$b"
check "DSN: original headers returned" grep -q "^Subject: three" "$b"
check "DSN: not the body" bash -c "! grep -q 'line one' '$b'"
check "queue empty after the DSN" test "$(count "$T/spool/queue")" = 0

# --- never bounce a bounce ---------------------------------------------------
id=$(testmsg four | inject "" nobody@example.net --route bad)
run queue flush
check "null sender: dead/" test -f "$T/spool/dead/$id"
check "null sender: no DSN" grep -q "$id: sender is <>: no notification" "$T/log"
check "null sender: nothing queued" test "$(count "$T/spool/queue")" = 0

# --- lifetime expiry ------------------------------------------------------------
stop down
nb=$(count "$T/bounces")
id=$(testmsg five | inject ann@example.org help@example.net --route down --age 7200)
run queue flush
check "expired: bounced" grep -Eq "$id: to=<u-[0-9a-f]+>.*status=bounced \(451 4\.4\.1" "$T/log"
check "expired: logged" grep -q "$id: message expired" "$T/log"
check "expired: dead/" test -f "$T/spool/dead/$id"
run queue flush
check "expired: DSN delivered" test "$(count "$T/bounces")" = $((nb + 1))
b=$(ls -t "$T"/bounces/* | head -1)
check "expired: DSN status 4.4.1" grep -q "Status: 4.4.1" "$b"

# --- queue delete ---------------------------------------------------------------
id=$(testmsg six | inject ann@example.org help@example.net --route down)
run queue delete "$id"
expect_rc "delete" 0
check "delete: gone" test "$(count "$T/spool/queue")" = 0
run queue delete "$id"
expect_rc "delete unknown" 66
done_
