#!/usr/bin/env bash
# `make bench`: runs `herald-bench <name>` for each distinct name given (a benchmark or the seed
# scenario; release build, broker up) — the name `idle` runs scripts/idle-cpu.sh instead (what an
# idle `herald dev` and the broker cost, and an event's latency through the idle system), `profile`
# Benchmarks/profile.sh (instructions and allocations per event, by function, under callgrind) — keeping
# each one's output in a new folder Benchmarks/results/<UTC time>/ (also reachable as
# Benchmarks/results/latest), then writes report.md and the end-to-end plots there with
# Benchmarks/report.py, prints every table and the report's path, and compares every Herald /
# baseline ratio with the accepted ones (Benchmarks/regression.py). Exits non-zero if any
# benchmark failed or a ratio fell more than 20 % below its accepted value.
set -uo pipefail

cd "$(dirname "$0")/.."
stamp="$(date -u +%Y-%m-%dT%H-%M-%SZ)"
dir="Benchmarks/results/$stamp"
mkdir -p "$dir"
ln -sfn "$stamp" Benchmarks/results/latest
: >"$dir/runs.tsv"

{
  echo "started=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)$(git diff --quiet HEAD 2>/dev/null || echo ' (uncommitted changes)')"
  echo "machine=$(uname -srm), $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo)"
  echo "load_start=$(cut -d' ' -f1-3 /proc/loadavg)"
  echo "brokers=${HERALD_KAFKA_BROKERS:-127.0.0.1:9092}"
} >"$dir/environment.txt"

status=0
begin=$SECONDS
declare -A seen=()
for name in "$@"; do
  [ -n "${seen[$name]:-}" ] && continue
  seen[$name]=1
  extra=()
  # The end-to-end benchmark also writes its raw data (e2e.json) for the report's plots.
  [ "$name" = e2e ] && extra=(--output-dir "$dir")
  echo
  case $name in
    idle) echo "== scripts/idle-cpu.sh" ;;
    profile) echo "== Benchmarks/profile.sh" ;;
    *) echo "== herald-bench $name" ;;
  esac
  started=$SECONDS
  if [ "$name" = idle ]; then
    IDLE_REPORT="$dir/idle.json" scripts/idle-cpu.sh .build/release/herald "${HERALD_KAFKA_BROKERS:-127.0.0.1:9092}" 2>&1 | tee "$dir/$name.txt"
  elif [ "$name" = profile ]; then
    Benchmarks/profile.sh .build/release/herald "${HERALD_KAFKA_BROKERS:-127.0.0.1:9092}" "$dir/profile" 2>&1 | tee "$dir/$name.txt"
  else
    .build/release/herald-bench "$name" "${extra[@]}" 2>&1 | tee "$dir/$name.txt"
  fi
  code=${PIPESTATUS[0]}
  [ "$code" -eq 0 ] || status=$code
  printf '%s\t%s\t%s\n' "$name" "$code" "$((SECONDS - started))" >>"$dir/runs.tsv"
done
{
  echo "load_end=$(cut -d' ' -f1-3 /proc/loadavg)"
  echo "wall_seconds=$((SECONDS - begin))"
} >>"$dir/environment.txt"

.venv/bin/python Benchmarks/report.py "$dir" || status=$?
.venv/bin/python Benchmarks/regression.py check "$dir" || status=$?
exit $status
