#!/bin/bash
# test_memcap - [server] max_buffered bounds the message data the server
# holds across sessions.  With 1 MiB and messages of 300,000 bytes (a
# 512 KiB buffer each) two fit at once:
#   - MAIL with SIZE= reserves: a third MAIL (with or without SIZE) gets
#     452 4.3.1 while two are reserved, and gets 250 once they are done;
#   - a message whose buffer cannot grow during DATA is read to its end
#     and answered 452 4.3.1 (nothing accepted and dropped); its retry
#     after the others finished is 250;
#   - six concurrent smtplib clients that retry on 4xx all get through;
# every message answered 250 is delivered exactly once, no 5xx, the
# server neither crashes nor stops serving.  check-config refuses a cap
# smaller than twice max_message_size.
D=$(cd "$(dirname "$0")" && pwd)
. "$D/../../cli/lib.sh" "$@"
TEST_PORT_OFFSET=$((${TEST_PORT_OFFSET:-0} + 80))
. "$D/lib.sh"

P=$(port 1)
write_conf gw.conf "$P" "max_buffered = 1m
max_message_size = 512k"
run "$SG" check-config -c gw.conf
expect_rc "check-config takes max_buffered = 1m" 0
write_conf bad.conf "$P" "max_buffered = 1m
max_message_size = 600k"
run "$SG" check-config -c bad.conf
expect_rc "max_buffered below twice max_message_size refused" 78
expect_err "...with one line naming the file and both keys" \
    'bad.conf:[0-9]+: \[server\] max_buffered \(1048576\) must be at least twice max_message_size \(614400\)'

start_gw gw.conf "$P" || { bad "gateway starts"; done_; }

cat >memc.py <<'PY'
import smtplib, socket, sys, threading, time
port = int(sys.argv[1])
N = 300000

def msg(subj):
    head = ("From: ann@example.net\r\nTo: support@localhost\r\n"
            "Subject: %s\r\n\r\n" % subj).encode()
    line = b"x" * 78 + b"\r\n"
    body = line * ((N - len(head)) // 80)
    return head + body + b"y" * (N - len(head) - len(body) - 2) + b"\r\n"

class C:
    def __init__(self, name):
        self.name = name
        self.s = socket.create_connection(("127.0.0.1", port), 60)
        self.f = self.s.makefile("rb")
        self.reply()
        self.cmd("EHLO c.test")
    def reply(self):
        while True:
            l = self.f.readline().decode().rstrip("\r\n")
            if len(l) < 4 or l[3] != "-":
                return l
    def cmd(self, line):
        self.s.sendall(line.encode() + b"\r\n")
        return self.reply()
    def say(self, label, line):
        print("%s: %s" % (label, line), flush=True)
    def start(self, label, size=True):
        r = self.cmd("MAIL FROM:<a@example.net>%s" %
                     (" SIZE=%d" % N if size else ""))
        self.say(label + "-mail", r)
        if r.startswith("250"):
            self.cmd("RCPT TO:<support@localhost>")
            self.say(label + "-354", self.cmd("DATA"))
        return r
    def data(self, label, subj):
        self.s.sendall(msg(subj) + b".\r\n")
        self.say(label + "-data", self.reply())

# 1: reservations at MAIL
a, b, c = C("a"), C("b"), C("c")
a.start("A"); b.start("B")
c.start("C-size")
c.start("C-nosize", size=False)
a.data("A", "memcap-A"); b.data("B", "memcap-B")
c.start("C-retry"); c.data("C-retry", "memcap-C")
# 2: D is in DATA before E and F reserve everything
d, e, f = C("d"), C("e"), C("f")
d.start("D", size=False)
e.start("E"); f.start("F")
d.data("D", "memcap-D-first")
e.data("E", "memcap-E"); f.data("F", "memcap-F")
d.start("D-retry", size=False); d.data("D-retry", "memcap-D")
for x in (a, b, c, d, e, f):
    x.cmd("QUIT")

# 3: six at once, retrying on 4xx like an MTA
def client(i):
    tries = 0
    while tries < 100:
        tries += 1
        try:
            s = smtplib.SMTP("127.0.0.1", port, timeout=60)
            s.sendmail("ann@example.net", ["support@localhost"],
                       msg("memcap-r%d" % i))
            s.quit()
            print("R%d: 250 after %d tries" % (i, tries), flush=True)
            return
        except smtplib.SMTPResponseException as ex:
            if ex.smtp_code >= 500:
                print("R%d: %d %s" % (i, ex.smtp_code, ex.smtp_error),
                      flush=True)
                return
            time.sleep(0.1)
        except smtplib.SMTPSenderRefused as ex:
            if ex.smtp_code >= 500:
                print("R%d: %d" % (i, ex.smtp_code), flush=True)
                return
            time.sleep(0.1)
    print("R%d: gave up" % i, flush=True)
ts = [threading.Thread(target=client, args=(i,)) for i in range(6)]
for t in ts: t.start()
for t in ts: t.join()
PY
timeout 300 python3 memc.py "$P" >memc.out 2>&1
r() { grep "^$1: " memc.out | head -1 | cut -d' ' -f2-; }
check "A: MAIL SIZE=300000 reserves (250)" test "$(r A-mail)" = "250 2.1.0 Ok"
check "B: the second reservation fits (250)" test "$(r B-mail)" = "250 2.1.0 Ok"
check "C: a third MAIL SIZE= gets 452 4.3.1" test "$(r C-size-mail)" = "452 4.3.1 Insufficient system storage"
check "C: MAIL without SIZE too, while the cap is held" test "$(r C-nosize-mail)" = "452 4.3.1 Insufficient system storage"
check "A and B are accepted" sh -c "grep -q '^A-data: 250 2.0.0 Ok: queued as' memc.out && grep -q '^B-data: 250 2.0.0 Ok: queued as' memc.out"
check "C's retry after A and B is accepted" sh -c "grep -q '^C-retry-mail: 250' memc.out && grep -q '^C-retry-data: 250 2.0.0 Ok: queued as' memc.out"
check "D: admitted into DATA (354)" grep -q '^D-354: 354' memc.out
check "D: the data that cannot be held is answered 452 4.3.1 at its end" test "$(r D-data)" = "452 4.3.1 Insufficient system storage"
check "E and F (reserved) are accepted" sh -c "grep -q '^E-data: 250 2.0.0' memc.out && grep -q '^F-data: 250 2.0.0' memc.out"
check "D's retry is accepted" grep -q '^D-retry-data: 250 2.0.0 Ok: queued as' memc.out
check "six concurrent retrying clients all get 250" test "$(grep -c '^R[0-5]: 250 after' memc.out)" = 6
check "no 5xx anywhere" sh -c "! grep -Eq ': 5[0-9][0-9]' memc.out"
check "the server logged the refusals" wait_for 5 grep -q 'max_buffered reached: [0-9]* MAIL or DATA refused with 452 4.3.1' gw.log
n250=$(grep -Ec ': 250 (2.0.0 Ok: queued|after)' memc.out)
check "every 250 is delivered ($n250)" wait_for 60 delivered "$n250"
CR=$(printf '\r')
subj_once() { test "$(grep -l "^Subject: .*memcap-$1$CR\?\$" Maildir/new/* 2>/dev/null | wc -l)" = 1; }
all_once=1
for s in A B C D E F r0 r1 r2 r3 r4 r5; do subj_once "$s" || { all_once=0; echo "$s not delivered exactly once"; }; done
check "each accepted message delivered exactly once" test "$all_once" = 1
check "the message answered 452 was not delivered" sh -c "! grep -lq '^Subject: .*memcap-D-first' Maildir/new/*"
check "the gateway is still serving" sh -c "printf 'NOOP\r\nQUIT\r\n' | python3 '$SMTPC' raw $P | grep -q '^250'"
stop_gw
check "SIGTERM: exit 0" test "$GW_RC" = 0
[ "$FAIL" = 0 ] || { cat memc.out; tail -20 gw.log; }
done_
