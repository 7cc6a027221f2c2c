#!/usr/bin/env bash
# `make run`: starts the local broker and `herald dev --with-sink` (the four services and a webhook
# receiver in one process, release build), then walks through Herald with the public CLI: register
# a schema, create an endpoint pointing at the sink and a route to it, publish events (one twice),
# show the signed deliveries as the sink prints them, then a team's narrowed API key publishing its
# own events and refused for anything else; the operators' console shows it all in a browser.
# Keeps running until Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/.."
bin="${HERALD_BIN:-.build/release}"
logs=".herald/logs"
mkdir -p "$logs"
: >"$logs/sink.log"

scripts/broker.sh up
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  scripts/broker.sh down
}
trap cleanup EXIT
trap 'exit 0' INT TERM

secret="whsec_$(head -c 32 /dev/urandom | base64)"
"$bin/herald" dev --kafka-brokers "$HERALD_KAFKA_BROKERS" --with-sink --sink-secret "$secret" \
  >"$logs/sink.log" 2>"$logs/dev.log" &
pids+=($!)
until grep -q 'Herald dev ready' "$logs/dev.log"; do
  kill -0 "${pids[0]}" 2>/dev/null || { echo "herald dev exited; its log:"; cat "$logs/dev.log"; exit 1; }
  sleep 0.2
done
# What the sink receives, as it arrives.
tail -n +1 -f "$logs/sink.log" | sed -u 's/^/  sink │ /' &
pids+=($!)

step() { printf '\n\033[1m▶ %s\033[0m\n' "$*"; }
herald() { echo "  \$ herald $*" | cut -c1-160; "$bin/herald" "$@" 2>&1 | sed 's/^/    /'; }

step "Herald is running: registry :50050, producer :50051, router :50052, delivery :50053, sink :9000, console :8080"
herald version

step "Register the OrderShipped schema (Avro) under its subject"
herald schema register --subject com.example.order.shipped-value \
  --schema '{"type":"record","name":"OrderShipped","namespace":"com.example","fields":[{"name":"order_id","type":"string"},{"name":"items","type":"int"},{"name":"carrier","type":["null","string"],"default":null}]}'

step "Create an endpoint pointing at the sink, signed with its own secret"
herald endpoint put demo-sink --url http://127.0.0.1:9000/webhooks --secret "$secret"

step "Route every order event to it"
herald route put --id orders --type 'com.example.order.*' --endpoint demo-sink
sleep 1.2  # a route applies within a second

step "Publish three events, then order-2 again (same source and id: a retry, delivered once)."
echo "  The sink verifies each signature and prints each delivery as it arrives: status, webhook-id, event, data."
for n in 1 2 3; do
  herald publish --id "order-$n" --type com.example.order.shipped --source /shop/demo --subject "order-$n" \
    --schema-subject com.example.order.shipped-value --data "{\"order_id\":\"order-$n\",\"items\":$n,\"carrier\":\"dhl\"}"
done
herald publish --id order-2 --type com.example.order.shipped --source /shop/demo --subject order-2 \
  --schema-subject com.example.order.shipped-value --data '{"order_id":"order-2","items":2,"carrier":"dhl"}'

for _ in $(seq 1 100); do
  [ "$(grep -c '^200 ' "$logs/sink.log")" -ge 3 ] && break
  sleep 0.2
done
sleep 1

step "Delivery records, from the delivery service:"
herald deliveries get --source /shop/demo --id order-2

step "API keys: the CLI has used herald dev's admin key (.herald/dev-admin-key). A team's key, narrowed to its own events:"
herald schema register --subject com.example.billing.paid-value \
  --schema '{"type":"record","name":"InvoicePaid","namespace":"com.example","fields":[{"name":"invoice_id","type":"string"}]}'
echo "  \$ herald key create --name billing-team --scope events:publish --types 'com.example.billing.*'"
created=$("$bin/herald" key create --name billing-team --scope events:publish --types 'com.example.billing.*')
billing_key=$(head -1 <<<"$created")
sed 's/^/    /' <<<"$created"
echo "  It publishes its own events …"
herald publish --api-key "$billing_key" --id invoice-1 --type com.example.billing.paid --source /billing/demo \
  --schema-subject com.example.billing.paid-value --data '{"invoice_id":"invoice-1"}'
echo "  … but not an order event, and it cannot change a route:"
herald publish --api-key "$billing_key" --id order-4 --type com.example.order.shipped --source /shop/demo \
  --schema-subject com.example.order.shipped-value --data '{"order_id":"order-4","items":1,"carrier":null}' || true
herald route put --api-key "$billing_key" --id everything --type '*' --endpoint demo-sink || true
herald key list

cat <<TEXT

The operators' console: http://127.0.0.1:8080/ — sign in with the dev admin key,
  $(cat .herald/dev-admin-key)
(kept in .herald/dev-admin-key). Deliveries shows the demo's events (Deliveries, Live tail, Endpoints, Routes).

Herald keeps running (logs in $logs/). Publish more from another terminal:
  $bin/herald publish --type com.example.order.shipped --source /shop/demo --subject order-9 \\
    --schema-subject com.example.order.shipped-value --data '{"order_id":"order-9","items":1}'
Press Ctrl-C to stop everything.
TEXT
wait "${pids[0]}"
