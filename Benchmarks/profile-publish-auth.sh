#!/usr/bin/env bash
# What checking API keys costs a unary Publish, in instructions (repeatable on a busy machine,
# unlike rates):
#   Benchmarks/profile-publish-auth.sh <herald-bench binary> <broker host:port> [output folder]
# Runs `herald-bench publish-auth --profile-calls N --profile-side off`, then `... on`, each under
# `valgrind --tool=callgrind`: one in-process producer (keys checked or not, the same assembly),
# warm-up calls, then N unary Publish calls from PROFILE_CALLERS callers; callgrind dumps when the
# bench enters `PublishAuthProfile.windowBoundary`, before and after the N calls, so each side's
# second dump holds exactly those calls. The client sends the same key to both sides, so the
# difference is the server's. Benchmarks/callgrind_diff.py prints instructions and allocations per
# call of each side and the functions whose cost per call differs most. The dumps stay in the
# output folder.
#
# Environment: PROFILE_CALLS (default 2000), PROFILE_CALLERS (16), PROFILE_TOP (25).
set -euo pipefail

[ $# -ge 2 ] && [ $# -le 3 ] || { echo "usage: $0 <herald-bench binary> <broker host:port> [output folder]" >&2; exit 2; }
command -v valgrind >/dev/null || { echo "profile: valgrind is not installed (apt-get install valgrind)" >&2; exit 2; }
calls="${PROFILE_CALLS:-2000}"
[ "$calls" -gt 0 ] 2>/dev/null || { echo "profile: PROFILE_CALLS must be a positive number" >&2; exit 2; }
output="$(realpath "${3:-$(mktemp -d)}")"
mkdir -p "$output"
here="$(dirname "$0")"

# As in profile.sh: valgrind 3.19 cannot read Swift's DWARF 5, and needs the sigsuspend shim.
strip --strip-debug -o "$output/herald-bench" "$1"
compiler="$(command -v cc || command -v clang)" || { echo "profile: no C compiler (cc or the Swift toolchain's clang)" >&2; exit 2; }
"$compiler" -shared -fPIC -O2 -o "$output/valgrind-sigsuspend.so" "$here/valgrind-sigsuspend.c"

for side in off on; do
  rm -f "$output/callgrind.$side".*
  LD_PRELOAD="$output/valgrind-sigsuspend.so" valgrind --tool=callgrind \
    --callgrind-out-file="$output/callgrind.$side.%p" --log-file="$output/valgrind.$side.log" \
    --dump-before='*PublishAuthProfileO14windowBoundary*' \
    "$output/herald-bench" publish-auth --kafka-brokers "$2" --profile-calls "$calls" --profile-side "$side" \
    --concurrency "${PROFILE_CALLERS:-16}"
done
# The second dump of each side: the N calls.
off_dump="$(ls "$output"/callgrind.off.*.2)"
on_dump="$(ls "$output"/callgrind.on.*.2)"
echo "herald-bench publish-auth under callgrind: $calls unary Publish calls per side from ${PROFILE_CALLERS:-16} callers; profiles in $output"
echo
python3 "$here/callgrind_diff.py" "$off_dump" "$on_dump" "$calls" --top "${PROFILE_TOP:-25}"
