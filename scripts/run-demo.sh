#!/usr/bin/env bash
# `make run`: starts the local broker, the schema registry and the producer (release builds), shows
# a record travelling through them, publishes an event, and keeps them running until Ctrl-C.
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

"$bin/herald-producer" --kafka-brokers "$HERALD_KAFKA_BROKERS" >"$logs/producer.log" 2>&1 &
pids+=($!)
until grep -q 'Producer listening' "$logs/producer.log"; do
  kill -0 "${pids[1]}" 2>/dev/null || { echo "herald-producer exited; its log:"; cat "$logs/producer.log"; exit 1; }
  sleep 0.2
done

echo
"$bin/herald" version
echo
"$bin/herald" smoke --brokers "$HERALD_KAFKA_BROKERS" --registry-url 127.0.0.1:50050
echo
echo "Registering OrderShipped and publishing one event through the producer:"
"$bin/herald" schema register --subject com.example.order.shipped-value \
  --schema '{"type":"record","name":"OrderShipped","namespace":"com.example","fields":[{"name":"order_id","type":"string"},{"name":"items","type":"int"}]}'
"$bin/herald" publish --type com.example.order.shipped --source /shop/demo --subject order-1 \
  --schema-subject com.example.order.shipped-value --data '{"order_id":"order-1","items":2}'
cat <<TEXT

Herald is running:
  schema registry  gRPC 127.0.0.1:50050 · Confluent REST http://127.0.0.1:8081 (try /subjects) · log $logs/registry.log
  producer         gRPC 127.0.0.1:50051 · http://127.0.0.1:8091/metrics · log $logs/producer.log
                   publish more: $bin/herald publish --type com.example.order.shipped --source /shop/demo \\
                     --schema-subject com.example.order.shipped-value --data '{"order_id":"order-2","items":1}'
  Kafka broker     $HERALD_KAFKA_BROKERS
Press Ctrl-C to stop everything.
TEXT
wait "${pids[0]}"
