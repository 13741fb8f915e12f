#!/bin/bash
# bench_fetch.sh - `scrubgate fetch` throughput next to Dovecot's own
# `doveadm fetch` of the same messages (part of `make bench`; needs root
# and Debian's dovecot-imapd, skipped otherwise).
#
#   tests/bench/bench_fetch.sh [BINARY]     (default ./scrubgate;
#                                            SCRUBGATE_BENCH_FETCH=N messages)
#
# A throwaway Dovecot on 127.0.0.1:33146 (IMAP) / 33996 (IMAPS), one user,
# N (default 5,000) synthetic support messages of 1-6 KiB with personal
# data written straight into its Maildir.  Then, each on its own copy of
# the same mailbox state, wall clock:
#   doveadm fetch    doveadm fetch -u support text mailbox INBOX ALL
#                    (Dovecot reading the messages itself, no network)
#   fetch, plain     scrubgate fetch --once, tls = none, after = seen,
#                    next hop a Maildir (fsync per message), ticket store on
#   fetch, IMAPS     the same over IMAPS (certificate verified)
# and prints messages/s for each.
set -uo pipefail

repo=$(cd "$(dirname "$0")/../.." && pwd)
SG=${1:-${SCRUBGATE_BIN:-$repo/scrubgate}}
case $SG in /*) ;; *) SG=$repo/$SG ;; esac
N=${SCRUBGATE_BENCH_FETCH:-5000}
if [ "$(id -u)" != 0 ] || ! command -v doveadm >/dev/null; then
	echo "bench_fetch: skipped (needs root and dovecot-imapd)"
	exit 0
fi
T=$(mktemp -d /tmp/sg-doors-bench.XXXXXX)
cd "$T" || exit 2
done_() { exit 0; }
check() { shift; "$@" || { echo "bench_fetch: $* failed"; exit 1; }; }
# a fresh work dir, ports 33146/33996, Dovecot set up and started
. "$repo/tests/integration/fetch/lib_dovecot.sh" 6

python3 - "$T/home/support/Maildir" "$N" <<'PY'
import os, random, sys
root, n = sys.argv[1], int(sys.argv[2])
random.seed(5)
for d in ("tmp", "new", "cur"):
    os.makedirs(os.path.join(root, d), exist_ok=True)
words = ("order invoice login error printer account refund delivery "
         "password screen update crash export report").split()
for i in range(n):
    body = []
    for _ in range(random.randint(10, 60)):
        line = " ".join(random.choice(words) for _ in range(12))
        r = random.random()
        if r < 0.1:
            line += " mail me at user%d@example.org" % random.randint(1, 9999)
        elif r < 0.15:
            line += " phone +44 20 7946 %04d" % random.randint(0, 9999)
        body.append(line)
    msg = ("From: Customer %d <c%d@example.org>\nTo: help@example.net\n"
           "Subject: ticket %d\nMessage-ID: <bench-%d@example.org>\n"
           "Date: Mon, 23 Nov 2026 10:00:00 +0000\n\n%s\n") % (
               i, i, i, i, "\n".join(body))
    name = "%d.M%dP1.bench" % (1700000000 + i, i)
    with open(os.path.join(root, "tmp", name), "w") as f:
        f.write(msg)
    os.rename(os.path.join(root, "tmp", name), os.path.join(root, "new", name + ":2,"))
PY
chown -R nobody:nogroup "$T/home"
bytes=$(du -sb "$T/home/support/Maildir/new" | cut -f1)
# let Dovecot index the folder once, so every run starts from the same state
doveadm -c "$D/dovecot.conf" mailbox status -u support messages INBOX >/dev/null
cp -a "$T/home" "$T/home.orig"

# timed CMD... - seconds in $secs
timed() {
	local t0 t1
	t0=$(date +%s.%N)
	"$@" >/dev/null 2>"$T/timed.err"
	rc=$?
	t1=$(date +%s.%N)
	secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')
}
# reset - the mailbox back to its first state, an empty store and next hop
reset() {
	dovecot_stop
	rm -rf "$T/home" "$T/out" "$T/store" "$T/spool"
	cp -a "$T/home.orig" "$T/home"
	mkdir -p "$T/out" "$T/store"
	dovecot_start
}
rows=()
row() {
	rows+=("$(awk -v l="$1" -v s="$2" -v n="$N" -v b="$bytes" 'BEGIN {
		printf "| %-40s | %8.0f | %8.1f | %8.2f |", l, n / s, b / 1e6 / s, s }')")
}

echo "bench_fetch: $N messages, $(awk -v b="$bytes" 'BEGIN { printf "%.1f", b / 1e6 }') MB in a local Dovecot $(dovecot --version | cut -d' ' -f1)"
timed doveadm -c "$D/dovecot.conf" fetch -u support text mailbox INBOX ALL
row "doveadm fetch text (Dovecot, local)" "$secs"

reset
sg_conf plain.conf "port = $IMAP_PORT" "tls = none" "after = seen"
timed "$SG" fetch -c plain.conf --once
n=$(find "$T/out/new" -type f | wc -l)
[ "$rc" = 0 ] && [ "$n" = "$N" ] || echo "bench_fetch: plain run: exit $rc, $n of $N delivered: $(tail -n 2 "$T/timed.err")"
row "scrubgate fetch --once, plain IMAP" "$secs"

reset
sg_conf tls.conf "port = $IMAPS_PORT" "tls = imaps" "ca_file = $T/dovecot/ca.pem" "after = seen"
timed "$SG" fetch -c tls.conf --once
n=$(find "$T/out/new" -type f | wc -l)
[ "$rc" = 0 ] && [ "$n" = "$N" ] || echo "bench_fetch: IMAPS run: exit $rc, $n of $N delivered: $(tail -n 2 "$T/timed.err")"
row "scrubgate fetch --once, IMAPS" "$secs"

echo
echo "| run                                      |    msg/s |     MB/s |        s |"
echo "|------------------------------------------|---------:|---------:|---------:|"
printf '%s\n' "${rows[@]}"
echo "(scrubgate: fetch + scrub + ticket store + Maildir delivery with fsync + \\Seen, one message at a time)"
