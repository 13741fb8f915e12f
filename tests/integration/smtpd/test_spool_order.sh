#!/bin/bash
# test_spool_order - the order issue 3 requires, seen from outside: for
# every message answered "250 ... queued as ID", the gateway renamed the
# file to queue/ID, then an fsync of queue/ started after that rename had
# returned and ended before the 250 was sent.  The fsync may be another
# thread's (spool.c shares the fsyncs of queue/ between the pool's spool
# threads): what counts is that one covered the rename.  strace -f follows
# every thread of the running gateway; the trace is read in the order
# strace saw the system calls enter and return.
D=$(cd "$(dirname "$0")" && pwd)
. "$D/../../cli/lib.sh" "$@"
. "$D/lib.sh"

command -v strace >/dev/null || { ok "skipped: strace missing"; done_; }
P=$(port 41)
write_conf gw.conf "$P" "scrub_workers = 3"
start_gw gw.conf "$P" || { bad "gateway starts"; done_; }
strace -f -p "$GW_PID" -o trace -y -s 200 \
	-e trace=renameat2,rename,renameat,fsync,fdatasync,sendto,send,write \
	2>strace.err &
ST=$!
PIDS="$PIDS $ST"
wait_for 20 grep -q "attached" strace.err || bad "strace attaches"
sleep 1
: >acked
python3 "$SMTPC" load "$P" 120 12 acked >load.out 2>&1
kill -INT "$ST"
wait "$ST" 2>/dev/null
stop_gw
check "120 messages answered 250" test "$(sort -u acked | wc -l)" = 120

python3 - trace <<'PY' >order.out 2>&1
import re, sys
# events in strace's order: a complete line is its entry and its return,
# next to each other; "<unfinished ...>" an entry, "<... resumed>" a return
pending = {}     # pid -> (syscall, args) of an unfinished call
line_re = re.compile(r'^(\d+) +(.*)$')
lines = open(sys.argv[1], errors="replace").read().splitlines()
calls = []       # [call, args, entry index, return index, result]
for i, l in enumerate(lines):
    m = line_re.match(l)
    if not m:
        continue
    pid, body = m.groups()
    r = re.match(r'^<\.\.\. (\w+) resumed>(.*)$', body)
    if r:
        if pid in pending:
            c = pending.pop(pid)
            c[1] += r.group(2)
            c[3] = i
            calls.append(c)
        continue
    r = re.match(r'^(\w+)\((.*)$', body)
    if not r:
        continue
    if body.endswith("<unfinished ...>"):
        pending[pid] = [r.group(1), r.group(2)[:-len(" <unfinished ...>")],
                        i, None]
    else:
        calls.append([r.group(1), r.group(2), i, i])
renames, syncs, replies = {}, [], []
for name, args, ent, ret in calls:
    ok = re.search(r'\)\s*=\s*0\b', args) is not None
    if name.startswith("rename"):
        m = re.search(r'</[^>]*/spool/queue>, "([0-9A-Z]+)"', args)
        if m and ok:
            renames[m.group(1)] = ret
    elif name in ("fsync", "fdatasync"):
        if re.match(r'\d+</[^>]*/spool/queue>\)', args) and ok:
            syncs.append((ent, ret))
    elif name in ("sendto", "send", "write"):
        for m in re.finditer(r'250 2\.0\.0 Ok: queued as ([0-9A-Z]+)', args):
            replies.append((m.group(1), ent))
bad = 0
for qid, at in replies:
    r = renames.get(qid)
    if r is None:
        print("no rename to queue/%s before its 250" % qid); bad += 1
    elif not any(s > r and e < at for s, e in syncs):
        print("%s: no fsync of queue/ between its rename and its 250" % qid)
        bad += 1
print("replies %d renames %d queue fsyncs %d violations %d"
      % (len(replies), len(renames), len(syncs), bad))
sys.exit(1 if bad or not replies else 0)
PY
rc=$?
tail -n 1 order.out
check "every 250 came after an fsync of queue/ that began after its rename ($(tail -n 1 order.out))" test "$rc" = 0
n=$(grep -o 'replies [0-9]*' order.out | cut -d' ' -f2)
check "the trace holds the 250 of every message answered" test "${n:-0}" -ge 120
[ "$rc" = 0 ] || head -n 5 order.out
done_
