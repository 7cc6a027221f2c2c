#!/bin/sh
# One-shot topic initialisation for compose.yaml (runs in the apache/kafka image, POSIX sh).
# Creates every Herald topic of docs/ARCHITECTURE.md §2 with replication factor 3 before any service starts;
# topics that already exist are left alone, so it is safe to run again. The services would create
# missing topics themselves, but with replication factor 1 — in a cluster, create them here.
set -eu

# ---- settings ---------------------------------------------------------------------------------
BOOTSTRAP="${BOOTSTRAP:-kafka-1:19092,kafka-2:19092,kafka-3:19092}"
REPLICATION_FACTOR="${REPLICATION_FACTOR:-3}"
MIN_INSYNC_REPLICAS="${MIN_INSYNC_REPLICAS:-2}"
# herald.events and herald.router-dedupe must have the same count: the router keeps the dedupe
# record of events partition p in dedupe partition p, and refuses to start otherwise.
EVENT_PARTITIONS="${EVENT_PARTITIONS:-12}"
# The delivery side (herald.deliveries, retry tiers, dead letters, status).
DELIVERY_PARTITIONS="${DELIVERY_PARTITIONS:-12}"
# The delivery service's retry tiers: one topic herald.deliveries.retry.<tier> per delay of its
# retry schedule (--retry-schedule-ms, default 5 s, 30 s, 2 min, 10 min, 30 min, 1 h, 2 h, 4 h, 8 h),
# named as Services/Delivery/README.md says. Change this list together with HERALD_RETRY_SCHEDULE_MS.
RETRY_TIERS="${RETRY_TIERS:-5s 30s 2m 10m 30m 1h 2h 4h 8h}"
# ------------------------------------------------------------------------------------------------

KAFKA_BIN=/opt/kafka/bin

echo "waiting for ${REPLICATION_FACTOR} brokers at ${BOOTSTRAP}"
attempt=0
until [ "$("$KAFKA_BIN/kafka-broker-api-versions.sh" --bootstrap-server "$BOOTSTRAP" 2>/dev/null | grep -c '^[^ ].*(id: [0-9]* rack:')" -ge "$REPLICATION_FACTOR" ]; do
  attempt=$((attempt + 1))
  if [ "$attempt" -ge 60 ]; then echo "fewer than ${REPLICATION_FACTOR} brokers answered after 2 minutes" >&2; exit 1; fi
  sleep 2
done

# create NAME PARTITIONS CLEANUP_POLICY
create() {
  "$KAFKA_BIN/kafka-topics.sh" --bootstrap-server "$BOOTSTRAP" --create --if-not-exists \
    --topic "$1" --partitions "$2" --replication-factor "$REPLICATION_FACTOR" \
    --config "cleanup.policy=$3" --config "min.insync.replicas=$MIN_INSYNC_REPLICAS"
}

# Registry: the schema log (Confluent's _schemas layout) and its leader-election topic.
create herald._schemas                 1                      compact
create herald._schemas.election        1                      delete
# Producer → router.
create herald.events                   "$EVENT_PARTITIONS"    delete
create herald.router-dedupe            "$EVENT_PARTITIONS"    compact
create herald.routes                   1                      compact
create herald.events.dlq               "$EVENT_PARTITIONS"    delete
# Router → delivery.
create herald.deliveries               "$DELIVERY_PARTITIONS" delete
for tier in $RETRY_TIERS; do
  create "herald.deliveries.retry.$tier" "$DELIVERY_PARTITIONS" delete
done
create herald.deliveries.dlq           "$DELIVERY_PARTITIONS" delete
create herald.delivery-status          "$DELIVERY_PARTITIONS" compact
create herald.endpoints                1                      compact
# Every service: the current incarnation of each transactional id.
create herald.transactional-ids        1                      compact
# Every service: the API keys the registry writes and every service follows (latest record per key id).
create herald.api-keys                 1                      compact
# Every administrative change with the caller's key id, in order (one partition); kept for the
# broker's retention (log.retention.hours, 7 days by default) — raise retention.ms to keep more.
create herald.audit                    1                      delete

echo "topics:"
"$KAFKA_BIN/kafka-topics.sh" --bootstrap-server "$BOOTSTRAP" --describe --topic 'herald\..*' \
  | grep -v '^[[:space:]]*Topic: .*Partition:' || true
