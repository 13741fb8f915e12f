#!/bin/bash
# bench.sh - throughput of `scrubgate scrub` next to reference runs (`make bench`).
#
#   tests/bench/bench.sh            (from `make bench`, after `make build`;
#                                    SCRUBGATE_BIN=path times another binary)
#
# 1. tests/bench/gen_corpus.py writes build/bench/corpus.mbox, about
#    SCRUBGATE_BENCH_MB (default 200) MB of synthetic support mail with about
#    one personal-data item per 2 KiB, and build/bench/text.txt, its decoded
#    text bodies (regenerated only when the generator or the size changes).
# 2. Times, single process, wall clock, warm page cache:
#      scrub         ./scrubgate scrub --quiet corpus.mbox -o out.mbox
#      scrub, off    the same with every kind and known entities switched off
#                    (parse + walk + write only; config written to off.conf)
#      cat           cat corpus.mbox > copy.mbox   (read + write baseline)
#      memcpy        tests/tools/memcpy_bench       (memory-bound ceiling)
#      redact-pii    the npm package on the text bodies (at most
#                    SCRUBGATE_BENCH_NPM_MB, default 16, MB of them; it is slow)
# 3. Prints a Markdown table (MB/s of input, messages/s) to paste into
#    docs/performance.md, the share of the scrub time spent redacting, and
#    the CPU time of the scrub run (worker and parent, user + sys) with the
#    MB it scrubbed per CPU-second (the per-core figure; wall time on a
#    shared machine also counts other people's load).
# redact-pii is installed with npm into build/bench/node_modules on first
# use; without network that row says so and the rest still runs.
set -uo pipefail

repo=$(cd "$(dirname "$0")/../.." && pwd)
cd "$repo" || exit 2
mb=${SCRUBGATE_BENCH_MB:-200}
npm_mb=${SCRUBGATE_BENCH_NPM_MB:-16}
bin=${SCRUBGATE_BIN:-./scrubgate}
d=build/bench
mkdir -p "$d"
in=$d/corpus.mbox text=$d/text.txt

[ -x "$bin" ] || { echo "bench: $bin not built (make build)"; exit 1; }

# --- 1. the corpus -----------------------------------------------------------
params="$mb $(md5sum tests/bench/gen_corpus.py | cut -d' ' -f1)"
if [ ! -s "$in" ] || [ "$(cat "$d/corpus.params" 2>/dev/null)" != "$params" ]; then
	echo "bench: generating about $mb MB of support mail ..."
	python3 tests/bench/gen_corpus.py "$in" "$mb" "$text" || exit 1
	echo "$params" >"$d/corpus.params"
fi
bytes=$(stat -c %s "$in")
msgs=$(grep -c '^From ' "$in")
mbytes=$(awk -v b="$bytes" 'BEGIN { printf "%.1f", b / 1e6 }')
echo "bench: $in: $mbytes MB, $msgs messages; $(nproc) CPUs, $(uname -m), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')"
cat "$in" >/dev/null	# warm the page cache

# the "off" config: every kind from the shipped config switched off
{
	echo "[kinds]"
	sed -n '/^\[kinds\]/,/^\[/p' config/scrubgate.conf | sed -n 's/^\([a-z0-9_]*\)[[:space:]]*=.*/\1 = off/p'
	echo "[entities]"
	echo "cc = no"
	echo "to = no"
	echo "requester = no"
} >"$d/off.conf"

rows=()
# row LABEL SECONDS [BYTES] [MESSAGES] - one table row
row() {
	local b=${3:-$bytes} m=${4:-$msgs}
	rows+=("$(awk -v l="$1" -v s="$2" -v b="$b" -v m="$m" 'BEGIN {
		printf "| %-34s | %8.1f | %9.0f | %8.2f |", l, b / 1e6 / s, (m > 0 ? m / s : 0), s }')")
}
# timed CMD... - run; wall seconds in $timed_s, exit code in $timed_rc,
# CPU seconds (user + sys, children included) in $timed_cpu
timed() {
	local t0 t1 TIMEFORMAT=%U+%S cpu
	t0=$(date +%s.%N)
	cpu=$( { time "$@" >/dev/null 2>&1; } 2>&1; echo "rc=$?")
	timed_rc=${cpu##*rc=}
	cpu=${cpu%%rc=*}
	t1=$(date +%s.%N)
	timed_s=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')
	timed_cpu=$(awk -v c="$cpu" 'BEGIN { split(c, p, "+"); printf "%.2f", p[1] + p[2] }')
}

# --- 2. the runs ---------------------------------------------------------------
rm -rf "$d/out.mbox" "$d/out.mbox.quarantine" "$d/off.mbox" "$d/off.mbox.quarantine"
echo "bench: scrub, default policy ..."
timed "$bin" scrub --quiet "$in" -o "$d/out.mbox"
t_on=$timed_s rc_on=$timed_rc cpu_on=$timed_cpu
echo "bench: scrub, redaction off ..."
timed "$bin" scrub --quiet -c "$d/off.conf" "$in" -o "$d/off.mbox"
t_off=$timed_s rc_off=$timed_rc
for r in "$rc_on" "$rc_off"; do
	[ "$r" -eq 0 ] || echo "bench: note: a scrub run exited $r (65 = some messages quarantined)"
done
timed sh -c "cat '$in' >'$d/copy.mbox'"
t_cat=$timed_s
rm -f "$d/copy.mbox"
tests/tools/build.sh build/normal memcpy_bench >/dev/null 2>&1 ||
	{ mkdir -p build/normal/tools && cc -O2 -o build/normal/tools/memcpy_bench tests/tools/memcpy_bench.c; }
memcpy_line=$(build/normal/tools/memcpy_bench "$in")
memcpy_mbs=$(sed -n 's/.* at \([0-9.]*\) MB\/s/\1/p' <<<"$memcpy_line")

row "scrub (default policy)" "$t_on"
row "scrub, redaction off (parse+write)" "$t_off"
row "cat IN > OUT (read+write)" "$t_cat"
rows+=("$(printf '| %-34s | %8.0f | %9s | %8s |' "memcpy (in memory)" "$memcpy_mbs" "-" "-")")

# --- redact-pii (npm) ----------------------------------------------------------
npm_line=""
if [ ! -d "$d/node_modules/redact-pii" ] && command -v npm >/dev/null; then
	echo "bench: npm install redact-pii into $d/node_modules ..."
	(cd "$d" && timeout 300 npm install --no-audit --no-fund --no-save --loglevel=error redact-pii \
		>npm.log 2>&1) || echo "bench: npm install failed (no network?): see $d/npm.log"
fi
if [ -d "$d/node_modules/redact-pii" ] && command -v node >/dev/null; then
	echo "bench: redact-pii on up to $npm_mb MB of the text bodies ..."
	npm_line=$(node tests/bench/redact_pii.js "$text" "$npm_mb")
	npm_mbs=$(sed -n 's/.* = \([0-9.]*\) MB\/s.*/\1/p' <<<"$npm_line")
	npm_text=$(sed -n 's/^redact-pii: \([0-9.]*\) MB of text.*/\1/p' <<<"$npm_line")
	rows+=("$(printf '| %-34s | %8s | %9s | %8s |' "redact-pii (npm), ${npm_text} MB text" "$npm_mbs" "-" "-")")
else
	rows+=("| redact-pii (npm)                   | not run: npm or network unavailable |")
fi

# --- 3. the table ----------------------------------------------------------------
echo
echo "| run                                |     MB/s |     msg/s |        s |"
echo "|------------------------------------|---------:|----------:|---------:|"
printf '%s\n' "${rows[@]}"
echo
awk -v on="$t_on" -v off="$t_off" 'BEGIN {
	printf "redaction share of the scrub time: %.0f%% ((scrub - off) / scrub)\n", (on - off) / on * 100 }'
awk -v c="$cpu_on" -v b="$bytes" 'BEGIN {
	printf "scrub CPU time: %.2f s (worker and parent, user + sys) = %.1f MB per CPU-second\n", c, b / 1e6 / c }'
[ -n "$npm_line" ] && echo "$npm_line"
echo "target: scrub >= 150 MB/s per core, redaction <= 50% of the scrub time"
# ticket store (issue 4): recording rate, WAL + synchronous=NORMAL
mkdir -p build/normal/tools
if cc -O2 -std=c11 -D_GNU_SOURCE -Ifilters -Igateway -o build/normal/tools/bench_store \
	tests/bench/bench_store.c build/normal/libgateway.a build/normal/libfilters.a \
	$(pkg-config --libs sqlite3 libssl libcrypto libpcre2-8 inih) -letpan -lm; then
	build/normal/tools/bench_store 20000
	echo "target: store >= 5,000 records/s"
else
	echo "bench: bench_store did not build"
fi
rm -f "$d/out.mbox" "$d/off.mbox"	# 400 MB of output nobody reads again
# IMAP ingest (issue 5): scrubgate fetch next to doveadm fetch, same messages
tests/bench/bench_fetch.sh "$bin"
