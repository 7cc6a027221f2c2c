#!/usr/bin/env bash
# Where the time of an event goes, in instructions (repeatable on a busy machine, unlike seconds):
#   Benchmarks/profile.sh <herald binary> <broker host:port> [output folder]
# Runs `herald dev` (the four services in one process, scripts/dev-pipeline.sh) under
# `valgrind --tool=callgrind` and settles it with one event. Then two windows, each from zeroed
# counters to a dump: PROFILE_IDLE_SECONDS of the idle system, then PROFILE_EVENTS events published
# in one `herald publish --file` (PublishStream) until every one reached the webhook receiver.
# Benchmarks/callgrind_summary.py summarises both: per event, instructions and allocator calls
# (the window's, time-driven work included), the top functions by self cost and Herald's
# synchronous ones by inclusive cost — the producer's publish path, the router's and the delivery's
# loops — and who allocates; per second of the idle system, the same. The dumps stay in the output folder (default: a new temporary
# folder) for callgrind_annotate or kcachegrind.
#
# Environment: PROFILE_EVENTS (default 500), PROFILE_IDLE_SECONDS (20), PROFILE_PORT_BASE (default 39822: nine ports from
# there), PROFILE_TOP (25), PIPELINE_READY_SECONDS (600: herald dev starts slowly under callgrind).
set -euo pipefail

[ $# -ge 2 ] && [ $# -le 3 ] || { echo "usage: $0 <herald binary> <broker host:port> [output folder]" >&2; exit 2; }
command -v valgrind >/dev/null || { echo "profile: valgrind is not installed (apt-get install valgrind)" >&2; exit 2; }
events="${PROFILE_EVENTS:-500}"
[ "$events" -gt 0 ] 2>/dev/null || { echo "profile: PROFILE_EVENTS must be a positive number" >&2; exit 2; }
output="$(realpath "${3:-$(mktemp -d)}")"
mkdir -p "$output"
summary="$(realpath "$(dirname "$0")/callgrind_summary.py")"
export PIPELINE_READY_SECONDS="${PIPELINE_READY_SECONDS:-600}"

# Valgrind 3.19 (Debian 12) cannot read the DWARF 5 that Swift writes and gives up; the symbol
# table alone names every function, so a copy without debug sections is profiled.
strip --strip-debug -o "$output/herald" "$1"
compiler="$(command -v cc || command -v clang)" || { echo "profile: no C compiler (cc or the Swift toolchain's clang)" >&2; exit 2; }
"$compiler" -shared -fPIC -O2 -o "$output/valgrind-sigsuspend.so" "$(dirname "$0")/valgrind-sigsuspend.c"

source "$(dirname "$0")/../scripts/dev-pipeline.sh"
pipeline_start "$output/herald" "$2" "${PROFILE_PORT_BASE:-39822}" \
  env LD_PRELOAD="$output/valgrind-sigsuspend.so" valgrind --tool=callgrind --callgrind-out-file="$output/callgrind.out.%p" --log-file="$output/valgrind.log"

"$pipeline_python" - "$events" "$pipeline_run" >"$work/events.jsonl" <<'PY'
import json, sys
for n in range(int(sys.argv[1])):
    print(json.dumps({"id": f"profile-{n}", "source": f"/profile/{sys.argv[2]}/{n % 4}", "type": "idle.ping", "data": {"n": n}}))
PY

# callgrind's counters since the last zero, dumped; prints the dump's path.
dump() {
  callgrind_control --dump="$1" "$dev_pid" >"$work/control.log" 2>&1 || { cat "$work/control.log" >&2; exit 1; }
  ls -t "$output"/callgrind.out.*.* | head -1
}
idle_seconds="${PROFILE_IDLE_SECONDS:-20}"

# The idle system first: where its time goes, and its rate, to take off the events' figures.
callgrind_control --zero "$dev_pid" >"$work/control.log" 2>&1 || { cat "$work/control.log" >&2; exit 1; }
started=$(date +%s.%N)
sleep "$idle_seconds"
idle_dump="$(dump idle)"
idle_elapsed=$("$pipeline_python" -c "import sys; print(float(sys.argv[2]) - float(sys.argv[1]))" "$started" "$(date +%s.%N)")

callgrind_control --zero "$dev_pid" >"$work/control.log" 2>&1 || { cat "$work/control.log" >&2; exit 1; }
started=$(date +%s.%N)
pipeline_quiet publish --producer-url "$producer" --schema-subject idle.ping-value --file "$work/events.jsonl"
pipeline_wait_arrivals "$events" 1200 || { echo "profile: not every event reached the receiver" >&2; exit 1; }
events_dump="$(dump "$events events")"
events_elapsed=$("$pipeline_python" -c "import sys; print(float(sys.argv[2]) - float(sys.argv[1]))" "$started" "$(date +%s.%N)")

echo "herald dev under callgrind: $events events over PublishStream in ${events_elapsed%.*} s, then idle; profiles in $output"
echo
echo "### Per event"
echo
python3 "$summary" "$events_dump" "$events" --top "${PROFILE_TOP:-25}" --json "$output/events.json"
echo
echo "### The idle system, per second"
echo
python3 "$summary" "$idle_dump" "$idle_elapsed" --per second --top "${PROFILE_TOP:-25}"
