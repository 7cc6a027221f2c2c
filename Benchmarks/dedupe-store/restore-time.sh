#!/usr/bin/env bash
# Restore time of herald-router's de-duplication stores: fills a changelog with N keys, then starts
# the router on it (no store: a rebuild), restarts it after SIGTERM, after SIGKILL with 10 % more keys
# written meanwhile, and with its store deleted; prints each start's `Restored de-duplication state`
# figures. Run from the repository root with the broker up:
#   Benchmarks/dedupe-store/restore-time.sh .build/release/herald-router 127.0.0.1:9092 1000000
set -euo pipefail
router=$1 brokers=$2 n=$3
here=$(cd "$(dirname "$0")" && pwd)
python=${PYTHON:-.venv/bin/python}
run=herald-restore-time.$$
work=$(mktemp -d)
trap 'kill -KILL "${pid:-0}" 2>/dev/null || true; rm -rf "$work"' EXIT
"$python" "$here/fill-changelog.py" "$brokers" "$run.dedupe" "$n" 12
start() {
  "$router" --kafka-brokers "$brokers" --instance-id restore-time --consumer-group "$run.group" --events-topic "$run.events" \
    --dedupe-topic "$run.dedupe" --routes-topic "$run.routes" --deliveries-topic "$run.deliveries" --dead-letter-topic "$run.dlq" \
    --partitions 12 --data-dir "$work/data" --grpc-port 0 --http-port 0 --log-level info 2> "$work/router.log" &
  pid=$!
  for _ in $(seq 1 1200); do grep -q "Restored de-duplication state" "$work/router.log" 2>/dev/null && break; sleep 0.5; done
  echo "$1: $(grep -o 'herald.dedupe.records=[^ ]*\|herald.dedupe.restore_seconds=[^ ]*\|herald.dedupe.keys=[^ ]*' "$work/router.log" | tr '\n' ' ')"
}
start "no store (rebuild of $n keys)"; kill -TERM $pid; wait $pid || true
start "restart after SIGTERM"; kill -KILL $pid; wait $pid 2>/dev/null || true
"$python" "$here/fill-changelog.py" "$brokers" "$run.dedupe" $((n / 10)) 12 "$n" >/dev/null
start "restart after SIGKILL, $((n / 10)) keys written meanwhile"; kill -TERM $pid; wait $pid || true
rm -rf "$work/data"
start "restart with the store deleted"; kill -TERM $pid; wait $pid || true
