#!/usr/bin/env bash
# Starts and stops the local Kafka-protocol broker used for development, tests and CI
# (docs/ARCHITECTURE.md §7). `up` starts it on a fresh data directory and waits until it answers a metadata
# request; `down` stops exactly the process `up` started. Both do nothing when
# HERALD_KAFKA_BROKERS names an existing cluster.
set -euo pipefail

cd "$(dirname "$0")/.."
port="${HERALD_KAFKA_PORT:-9092}"
state=".herald/broker-$port"
pid_file="$state/pid"
binary="$(.venv/bin/python -c "import noida_db, os; print(os.path.join(os.path.dirname(noida_db.__file__), \"noida-db\"))")"
wait_seconds="${HERALD_BROKER_WAIT_SECONDS:-60}"

external() { [ -n "${HERALD_KAFKA_BROKERS:-}" ] && [ "${HERALD_KAFKA_BROKERS}" != "127.0.0.1:$port" ]; }

answers_metadata() {
  .venv/bin/python - "$1" <<'PY'
import sys
from confluent_kafka.admin import AdminClient
try:
    AdminClient({"bootstrap.servers": sys.argv[1], "log_level": 0}).list_topics(timeout=2)
except Exception:
    sys.exit(1)
PY
}

up() {
  if external; then
    echo "broker: using existing cluster at $HERALD_KAFKA_BROKERS"
    return
  fi
  if [ -f "$pid_file" ] && kill -0 "$(cat "$pid_file")" 2>/dev/null; then
    echo "broker: already running (pid $(cat "$pid_file")) on 127.0.0.1:$port"
    return
  fi
  [ -x "$binary" ] || chmod +x "$binary"
  rm -rf "$state"
  mkdir -p "$state/data"
  # The real binary, not the pip wrapper: the wrapper does not forward signals to it.
  "$binary" start --only kafka --kafka-port "$port" --data-dir "$state/data" >"$state/log" 2>&1 &
  echo $! >"$pid_file"
  local deadline=$((SECONDS + wait_seconds))
  until answers_metadata "127.0.0.1:$port"; do
    if ! kill -0 "$(cat "$pid_file")" 2>/dev/null; then
      echo "broker: exited during start-up; its log ($state/log):" >&2
      tail -20 "$state/log" >&2
      exit 1
    fi
    if [ $SECONDS -ge $deadline ]; then
      echo "broker: no metadata answer on 127.0.0.1:$port after ${wait_seconds}s; log in $state/log" >&2
      down
      exit 1
    fi
    sleep 0.5
  done
  echo "broker: ready on 127.0.0.1:$port (pid $(cat "$pid_file"), log $state/log)"
}

down() {
  if external; then return; fi
  [ -f "$pid_file" ] || { echo "broker: not running"; return; }
  local pid
  pid="$(cat "$pid_file")"
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid"
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid"
  fi
  rm -f "$pid_file"
  echo "broker: stopped"
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  *) echo "usage: $0 up|down" >&2; exit 2 ;;
esac
