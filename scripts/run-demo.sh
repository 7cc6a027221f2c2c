#!/usr/bin/env bash
# `make run`: starts the local broker and the schema registry (release builds), shows a record
# travelling through them, and keeps the registry running until Ctrl-C. Later services join here.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=".build/release"
logs=".herald/logs"
mkdir -p "$logs"

scripts/broker.sh up
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  scripts/broker.sh down
}
trap cleanup EXIT
trap 'exit 0' INT TERM

"$bin/herald-registry" --kafka-brokers "$HERALD_KAFKA_BROKERS" >"$logs/registry.log" 2>&1 &
pids+=($!)
until grep -q 'Elected registry leader' "$logs/registry.log"; do
  kill -0 "${pids[0]}" 2>/dev/null || { echo "herald-registry exited; its log:"; cat "$logs/registry.log"; exit 1; }
  sleep 0.2
done

echo
"$bin/herald" version
echo
"$bin/herald" smoke --brokers "$HERALD_KAFKA_BROKERS" --registry-url 127.0.0.1:50050
cat <<TEXT

Herald is running:
  schema registry  gRPC 127.0.0.1:50050 · Confluent REST http://127.0.0.1:8081 (try /subjects) · log $logs/registry.log
  Kafka broker     $HERALD_KAFKA_BROKERS
Press Ctrl-C to stop everything.
TEXT
wait "${pids[0]}"
