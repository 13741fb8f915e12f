#!/bin/bash
# build.sh - compile the test helper programs of tests/tools/ for one build.
#
#   tests/tools/build.sh BUILDDIR [NAME...]
#
# Each tests/tools/NAME.c becomes BUILDDIR/tools/NAME, linked against
# BUILDDIR/libgateway.a and BUILDDIR/libfilters.a with the flags of that
# build variant (build/asan and build/asan-* -> ASan+UBSan), so the helpers exercise exactly
# the code under test.  Rebuilds only what is older than its inputs.
set -euo pipefail

repo=$(cd "$(dirname "$0")/../.." && pwd)
cd "$repo"
bdir=${1:?usage: build.sh BUILDDIR [NAME...]}
shift
variant=$(basename "$bdir")
cc=${CC:-cc}

warn="-Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wno-unused-parameter"
case $variant in
asan | asan-*) opt="-O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined" ;;
*) opt="-O2 -g" ;;
esac
pkg=$(pkg-config --cflags --libs libpcre2-8 libssl libcrypto inih 2>/dev/null || echo "-lpcre2-8 -lssl -lcrypto -linih")

names=("$@")
if [ ${#names[@]} -eq 0 ]; then
	for f in tests/tools/*.c; do names+=("$(basename "$f" .c)"); done
fi
mkdir -p "$bdir/tools"
libs=()
for l in "$bdir/libgateway.a" "$bdir/libfilters.a"; do
	[ -f "$l" ] && libs+=("$l")
done
for n in "${names[@]}"; do
	src=tests/tools/$n.c out=$bdir/tools/$n
	if [ -x "$out" ] && [ "$out" -nt "$src" ] && [ "$out" -nt "$bdir/libfilters.a" ]; then
		continue
	fi
	# shellcheck disable=SC2086
	$cc -std=c11 -D_GNU_SOURCE $warn $opt -Ifilters -Igateway -o "$out" "$src" \
		"${libs[@]}" -letpan $pkg -lm
done
