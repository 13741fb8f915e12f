#!/bin/bash
# bench_queue - queue-manager throughput: N spooled messages of 10 KiB,
# delivered by `scrubgate queue flush` with concurrency C to Postfix's
# smtp-sink on 127.0.0.1:31990 (plain SMTP, tls = none).  Not part of
# the test suites (it measures time).
#
#   tests/integration/delivery/bench_queue.sh [N [C [BINARY]]]
N=${1:-2000} C=${2:-20} SG=${3:-build/normal/scrubgate}
T=$(mktemp -d /tmp/scrubgate-bench-queue.XXXXXX)
mkdir -p "$T/sink"
smtp-sink -u root -d "$T/sink/%M." 127.0.0.1:31990 100 >/dev/null 2>&1 &
SINK=$!
trap 'kill $SINK 2>/dev/null; rm -rf "$T"' EXIT
printf '[delivery]\nspool = %s/spool\nconcurrency = %s\n[route r]\nnext_hop = smtp://127.0.0.1:31990\ntls = none\n' \
    "$T" "$C" >"$T/c.conf"
"$SG" queue -c "$T/c.conf" >/dev/null
python3 - "$T/spool" "$N" <<'PY'
import os, random, sys, time
spool, n = sys.argv[1], int(sys.argv[2])
msg = b"Subject: bench\r\n\r\n" + (b"x" * 78 + b"\r\n") * 128
for _ in range(n):      # the format spool_put writes (see spool.c)
    qid = "%08X%014X" % (int(time.time()), random.getrandbits(56))
    head = ("SCRUBGATE-SPOOL 1\narrival %d\nnext-try 0\nattempts 0\n"
            "size %d\nroute r\nsender a@example.org\nrcpt b@example.net\n\n"
            % (time.time(), len(msg)))
    with open(os.path.join(spool, "queue", qid), "wb") as f:
        f.write(head.encode() + msg)
PY
start=$(date +%s.%N)
"$SG" queue -c "$T/c.conf" flush >/dev/null 2>&1
end=$(date +%s.%N)
got=$(ls "$T/sink" | wc -l) left=$(ls "$T/spool/queue" | wc -l)
python3 -c "print('%d messages, concurrency %d: %.2f s, %.0f messages/s (sink got %d, left %d)' % ($N, $C, $end - $start, $N / ($end - $start), $got, $left))"
