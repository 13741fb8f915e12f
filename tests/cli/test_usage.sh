#!/bin/sh
# test_usage - command line: usage errors, --version, help, check-config.
. "$(dirname "$0")/lib.sh" "$@"

run "$SG"; expect_rc "no arguments" 64
run "$SG" frobnicate; expect_rc "unknown command" 64
check "unknown command named" grep -q "unknown command 'frobnicate'" .err
run "$SG" scrub; expect_rc "scrub without INPUT" 64
run "$SG" scrub a b; expect_rc "scrub with two INPUTs" 64
run "$SG" scrub --bogus x; expect_rc "scrub with an unknown option" 64
run "$SG" check-config extra; expect_rc "check-config with an argument" 64
run "$SG" --version; expect_rc "--version" 0
check "--version prints the version" grep -Eq '^scrubgate [0-9]+\.[0-9]+' .out
run "$SG" help; expect_rc "help" 0
check "help shows scrub usage" grep -q 'scrubgate scrub' .out

run "$SG" check-config; expect_rc "check-config with defaults" 0
for k in strategy pseudonym_key email card fi_hetu name value pattern cc_allow default \
	cc to requester skip max_depth max_parts max_header_size max_line_length \
	max_message_size max_decoded_size match_limit depth_limit heap_limit_kib \
	scrub_timeout_ms worker_memory_mb; do
	grep -Eq "^$k =" .out || bad "check-config lists $k"
done
ok "check-config lists every key"

run "$SG" check-config -c "$REPO/config/scrubgate.conf"; expect_rc "shipped config is valid" 0
"$SG" check-config > defaults.txt
tail -n +2 .out > a.txt; tail -n +2 defaults.txt > b.txt
check "shipped config sets every key to its default" cmp -s a.txt b.txt
"$SG" check-config --template > tpl.conf
check "config/scrubgate.conf is the generated template" cmp -s tpl.conf "$REPO/config/scrubgate.conf"
"$SG" check-config --markdown > ref.md
check "docs/configuration.md holds the generated key reference" \
	sh -c "grep -vxFf '$REPO/docs/configuration.md' ref.md | grep -q . && exit 1 || exit 0"

printf '[scrub]\nstrategy = mask\n\n[limits]\nmax_depth = 0\n' > bad.conf
run "$SG" check-config -c bad.conf; expect_rc "check-config with a bad value" 78
expect_err "bad value names file and line" '^scrubgate: bad.conf:5: max_depth = 0: out of range'
printf '[pattern ticket]\nregex = (open\n' > re.conf
run "$SG" check-config -c re.conf; expect_rc "check-config with a bad regex" 78
expect_err "bad regex names file and line" '^scrubgate: re.conf:2: \[pattern ticket\] regex: '
run "$SG" check-config -c missing.conf; expect_rc "check-config with a missing file" 78
expect_err "missing config named" '^scrubgate: missing.conf: No such file or directory$'
done_
