#!/bin/bash
# bench_smtp - `make bench-smtp`: scrubgate serve against a loopback
# Postfix relay, both relaying to Postfix's smtp-sink.
#
#   smtp-source -> scrubgate serve -> smtp-sink
#   smtp-source -> Postfix smtpd (relay, own queue) -> smtp-sink
#
# 10 KiB messages, 10,000 per run (BENCH_MESSAGES), at 20 and 100
# concurrent sessions; fsync on for both (scrubgate's spool_put, Postfix's
# queue files).  Each measurement starts once both relays have delivered
# everything of the one before (the gateway's queue and Postfix's
# incoming/active/deferred are empty), after a sync and 2 s of rest.  Prints the acceptance rate (messages answered 250 per
# second, as smtp-source sees it) for both, the ratio, the time until the
# gateway's queue was empty again, and the 250-after-DATA latency (p50,
# p90, p99, max) at 20 sessions, measured by tests/bench/smtp_lat.c (one
# thread, one poll loop, 20 persistent sessions, 2,000 messages
# (BENCH_LAT_MESSAGES), clock from the return of the write of the final
# ".\r\n" to the reading of the 250 line; the gateway's queue manager
# delivers meanwhile).  BENCH_PYLAT=1 adds the older Python client (a
# thread per session) for comparison.  SCRUBGATE_BIN=path times another
# binary.  Ports 30900-30909 on 127.0.0.1 (BENCH_PORT_BASE moves them);
# everything runs in a temp dir and is stopped by PID at the end.
set -uo pipefail

repo=$(cd "$(dirname "$0")/../.." && pwd)
SG=${SCRUBGATE_BIN:-$repo/scrubgate}
case $SG in /*) ;; *) SG=$(pwd)/$SG ;; esac
N=${BENCH_MESSAGES:-10000}
SOURCE=/usr/sbin/smtp-source SINK=/usr/sbin/smtp-sink
for f in "$SG" $SOURCE $SINK /usr/sbin/postfix; do
	[ -x "$f" ] || { echo "bench-smtp: $f missing (make deps build)"; exit 2; }
done
ulimit -n 8192 2>/dev/null || true
T=$(mktemp -d /tmp/scrubgate-bench-smtp.XXXXXX)
chmod 711 "$T"
PF=$T/pf
cc -O2 -o "$T/smtp_lat" "$repo/tests/bench/smtp_lat.c" || { echo "bench-smtp: cannot build smtp_lat"; exit 2; }
PB=${BENCH_PORT_BASE:-30900}
GWP=$((PB + 1)) PFP=$((PB + 2)) SINKP=$((PB + 3))
GW_PID= SINK_PID=

cleanup() {
	[ -n "$GW_PID" ] && kill -TERM "$GW_PID" 2>/dev/null && wait "$GW_PID" 2>/dev/null
	postfix -c "$PF/conf" stop >/dev/null 2>&1
	[ -n "$SINK_PID" ] && kill "$SINK_PID" 2>/dev/null && wait "$SINK_PID" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT

listening() { python3 -c "import socket; socket.create_connection(('127.0.0.1', $1), 1).close()" 2>/dev/null; }
wait_port() { for _ in $(seq 100); do listening "$1" && return 0; sleep 0.1; done; echo "port $1 did not open"; exit 1; }
now() { date +%s.%N; }

# the sink: accepts and discards (-u: smtp-sink refuses to run as root)
sinkuser=; [ "$(id -u)" = 0 ] && sinkuser="-u nobody"
$SINK $sinkuser -c 127.0.0.1:$SINKP 1024 >"$T/sink.log" 2>&1 &
SINK_PID=$!
wait_port $SINKP

# scrubgate
cat >"$T/gw.conf" <<CF
[server]
listen = 127.0.0.1:$GWP
hostname = bench.test
max_connections_per_ip = 5000
scrub_workers = ${BENCH_WORKERS:-8}
[delivery]
spool = spool
concurrency = 20
[route support]
mailboxes = support@localhost
next_hop = smtp://127.0.0.1:$SINKP
tls = none
CF
"$SG" serve -c "$T/gw.conf" >"$T/gw.log" 2>&1 &
GW_PID=$!
wait_port $GWP

# a loopback Postfix relay with its own queue
mkdir -p "$PF/conf" "$PF/queue" "$PF/data"
chown postfix "$PF/data"
cat >"$PF/conf/main.cf" <<CF
compatibility_level = 3.6
queue_directory = $PF/queue
data_directory = $PF/data
meta_directory = /etc/postfix
maillog_file = $PF/maillog
maillog_file_prefixes = $PF
myhostname = pf.bench
mydestination =
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
relayhost = [127.0.0.1]:$SINKP
smtpd_relay_restrictions = permit_mynetworks, reject
smtp_tls_security_level = none
smtpd_tls_security_level = none
alias_maps =
local_recipient_maps =
default_process_limit = 200
smtpd_client_connection_count_limit = 0
smtpd_client_connection_rate_limit = 0
CF
cat >"$PF/conf/master.cf" <<CF
127.0.0.1:$PFP inet n - n - - smtpd
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
proxymap  unix  -       -       n       -       -       proxymap
smtp      unix  -       -       n       -       -       smtp
relay     unix  -       -       n       -       -       smtp
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
CF
postfix -c "$PF/conf" start >/dev/null 2>&1 || { echo "postfix did not start"; tail "$PF/maillog"; exit 1; }
wait_port $PFP

# rate PORT SESSIONS - messages per second accepted over N messages
rate() {
	local t0 t1
	t0=$(now)
	$SOURCE -s "$2" -m "$N" -l 10240 -f ann@example.net -t support@localhost \
		127.0.0.1:"$1" >"$T/source.out" 2>&1
	t1=$(now)
	if [ -s "$T/source.out" ]; then
		echo "smtp-source reported errors:" >&2
		head -n 5 "$T/source.out" >&2
	fi
	echo "$N $t0 $t1" | awk '{ printf "%.0f", $1 / ($3 - $2) }'
}

# drained - seconds until the gateway's queue is empty (up to 300)
drained() {
	local t0=$1
	for _ in $(seq 3000); do
		[ -z "$(ls "$T/spool/queue" 2>/dev/null)" ] && break
		sleep 0.1
	done
	echo "$t0 $(now)" | awk '{ printf "%.1f", $2 - $1 }'
}

# pf_drained - wait (up to 300 s) until the Postfix relay has handed every
# message it accepted to the sink: its deliveries must not run beside the
# next measurement
pf_drained() {
	for _ in $(seq 3000); do
		[ -z "$(find "$PF/queue/incoming" "$PF/queue/active" \
			"$PF/queue/deferred" "$PF/queue/maildrop" -type f 2>/dev/null | head -n 1)" ] && break
		sleep 0.1
	done
	settle
}

# settle - write back what the runs so far left dirty (both relays' queue
# files, the ticket store) so that its writeback does not run inside the
# next measurement, and give the CPUs a moment
settle() { sync; sleep 2; }

echo "bench-smtp: $SG, $N messages of 10 KiB per run, fsync on, $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-10s %14s %14s %8s %16s\n' sessions "scrubgate m/s" "postfix m/s" ratio "gw queue empty"
for s in 20 100; do
	t0=$(now)
	g=$(rate $GWP $s)
	d=$(drained "$t0")
	settle
	p=$(rate $PFP $s)
	pf_drained
	printf '%-10s %14s %14s %8s %15ss\n' "$s" "$g" "$p" \
		"$(echo "$g $p" | awk '{ printf "%.2f", $1 / $2 }')" "$d"
done

# latency: DATA end -> 250, 20 persistent sessions, closed loop; both
# queues are empty by now (drained, pf_drained above)
LN=${BENCH_LAT_MESSAGES:-2000}
echo "load average before the latency run: $(cut -d' ' -f1-3 /proc/loadavg)"
printf '250-after-DATA latency at 20 sessions (smtp_lat): '
"$T/smtp_lat" 127.0.0.1 $GWP 20 "$LN" 10240
echo "load average after the runs: $(cut -d' ' -f1-3 /proc/loadavg)"
[ -n "${BENCH_PYLAT:-}" ] || exit 0
# the older client: a Python thread per session (GIL), for comparison
python3 - "$GWP" "$LN" <<'PY'
import socket, sys, threading, time
port = int(sys.argv[1])
body = b"From: ann@example.net\r\nTo: support@localhost\r\nSubject: lat\r\n\r\n" + \
    (b"x" * 78 + b"\r\n") * 128
lat, lock = [], threading.Lock()
def reply(f):
    while True:
        l = f.readline()
        if l[3:4] != b"-":
            return l
def run():
    s = socket.create_connection(("127.0.0.1", port))
    f = s.makefile("rb")
    reply(f)
    s.sendall(b"EHLO bench\r\n"); reply(f)
    for _ in range(int(sys.argv[2]) // 20):
        s.sendall(b"MAIL FROM:<ann@example.net>\r\nRCPT TO:<support@localhost>\r\nDATA\r\n")
        reply(f); reply(f); reply(f)
        s.sendall(body)
        t0 = time.perf_counter()
        s.sendall(b".\r\n")
        r = reply(f)
        t = time.perf_counter() - t0
        if r.startswith(b"250"):
            with lock:
                lat.append(t)
    s.sendall(b"QUIT\r\n")
ts = [threading.Thread(target=run) for _ in range(20)]
for t in ts: t.start()
for t in ts: t.join()
lat.sort()
p = lambda q: lat[min(len(lat) - 1, int(q * len(lat)))] * 1000
print("250-after-DATA latency at 20 sessions (Python client, %d messages): p50 %.1f ms, p99 %.1f ms"
      % (len(lat), p(0.50), p(0.99)))
PY
