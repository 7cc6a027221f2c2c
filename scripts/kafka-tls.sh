#!/usr/bin/env bash
# The local broker behind a TLS terminator with no plaintext way around it, so every Kafka
# connection a client makes — bootstrap, then whatever metadata names — is verified TLS.
#
# The local broker advertises exactly its bind address in metadata. So the broker runs in a network
# namespace of its own, bound to 127.0.0.1:$HERALD_KAFKA_TLS_PORT on that namespace's loopback, and
# stunnel takes the same address in this namespace: the address clients bootstrap from and the one
# metadata names are both the terminator.
#
#   client --TLS--> stunnel, 127.0.0.1:PORT --> Unix socket (a path, seen from both namespaces)
#     --> unix-to-tcp.py, in the broker's namespace --> noida-db, 127.0.0.1:PORT there
#
#   up       fresh certificates (a CA and a server certificate for 127.0.0.1) and data, then start;
#            returns once a client verifying the CA reads metadata naming only the terminator
#   down     stop every process `up` started (their namespace goes with them); safe after a failed run
#   run CMD  up, CMD with HERALD_KAFKA_BROKERS=127.0.0.1:PORT and HERALD_TEST_KAFKA_TLS_CA_FILE (the CA),
#            then down however CMD ended; exits with CMD's status
#
# Needs root (a network namespace); without one, `run` says so and skips. Does nothing when
# HERALD_KAFKA_BROKERS names an existing cluster, as scripts/broker.sh.
set -euo pipefail

cd "$(dirname "$0")/.."
port="${HERALD_KAFKA_TLS_PORT:-9093}"
state="$(pwd)/.herald/kafka-tls-$port"
socket="$state/broker.sock"
python=.venv/bin/python
wait_seconds="${HERALD_BROKER_WAIT_SECONDS:-60}"

external() { [ -n "${HERALD_KAFKA_BROKERS:-}" ] && [ "${HERALD_KAFKA_BROKERS}" != "127.0.0.1:${HERALD_KAFKA_PORT:-9092}" ]; }

namespaces_possible() { unshare --net true 2>/dev/null; }

make_certificates() {
  (
    cd "$state"
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout ca.key -out ca.pem \
      -days 2 -subj "/CN=Herald Kafka TLS test CA" 2>/dev/null
    openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout server.key -out server.csr \
      -subj "/CN=localhost" 2>/dev/null
    printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n' >server.ext
    openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out server.pem -days 2 \
      -extfile server.ext 2>/dev/null
  )
}

# Metadata over verified TLS through the terminator, naming the terminator as the only broker.
answers_over_tls() {
  "$python" - "127.0.0.1:$port" "$state/ca.pem" <<'PY'
import sys
from confluent_kafka.admin import AdminClient
address, ca = sys.argv[1], sys.argv[2]
try:
    metadata = AdminClient({"bootstrap.servers": address, "security.protocol": "ssl", "ssl.ca.location": ca,
                            "log_level": 0}).list_topics(timeout=2)
except Exception:
    sys.exit(1)
advertised = sorted(f"{b.host}:{b.port}" for b in metadata.brokers.values())
if advertised != [address]:
    sys.exit(f"kafka-tls: metadata names {advertised}, not only the terminator {address}")
PY
}

# A process `up` started: alive, and its command line names this arrangement's state directory
# (so a pid reused by another process after a crash is left alone).
ours() { [ -n "$1" ] && kill -0 "$1" 2>/dev/null && tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null | grep -qF "$state"; }

alive() { kill -0 "$1" 2>/dev/null; }

up() {
  if external; then
    echo "kafka-tls: HERALD_KAFKA_BROKERS names an existing cluster ($HERALD_KAFKA_BROKERS); nothing to start"
    return
  fi
  down >/dev/null
  rm -rf "$state"
  mkdir -p "$state/data"
  make_certificates
  local binary
  binary="$("$python" -c "import noida_db, os; print(os.path.join(os.path.dirname(noida_db.__file__), 'noida-db'))")"
  [ -x "$binary" ] || chmod +x "$binary"

  # The namespace's first process brings its loopback up, starts the forwarder and becomes the
  # broker (exec: the pid recorded is the broker's).
  STATE="$state" SOCKET="$socket" PORT="$port" PYTHON="$python" BINARY="$binary" \
    unshare --net bash -c '
      ip link set lo up
      "$PYTHON" scripts/unix-to-tcp.py "$SOCKET" 127.0.0.1 "$PORT" >"$STATE/forwarder.log" 2>&1 &
      echo $! >"$STATE/forwarder.pid"
      exec "$BINARY" start --only kafka --kafka-port "$PORT" --data-dir "$STATE/data"' >"$state/broker.log" 2>&1 &
  echo $! >"$state/broker.pid"

  cat >"$state/stunnel.conf" <<EOF
foreground = yes
pid =
debug = warning
output = $state/stunnel.log
[kafka]
accept = 127.0.0.1:$port
connect = $socket
cert = $state/server.pem
key = $state/server.key
EOF
  stunnel4 "$state/stunnel.conf" >/dev/null 2>&1 &
  echo $! >"$state/stunnel.pid"

  local deadline=$((SECONDS + wait_seconds)) reason
  until reason="$(answers_over_tls 2>&1)"; do
    for part in broker stunnel; do
      if ! alive "$(cat "$state/$part.pid")"; then
        echo "kafka-tls: $part exited during start-up; its log:" >&2
        tail -20 "$state/$part.log" >&2 || true
        down >/dev/null
        exit 1
      fi
    done
    if [ -n "$reason" ] || [ $SECONDS -ge $deadline ]; then
      echo "kafka-tls: ${reason:-no metadata over TLS on 127.0.0.1:$port after ${wait_seconds}s}; logs in $state" >&2
      down >/dev/null
      exit 1
    fi
    sleep 0.5
  done
  echo "kafka-tls: ready on 127.0.0.1:$port, TLS only (CA $state/ca.pem; broker pid $(cat "$state/broker.pid") in its own network namespace)"
}

down() {
  if external; then return; fi
  local stopped=0
  for part in stunnel forwarder broker; do
    local file="$state/$part.pid" pid
    [ -f "$file" ] || continue
    pid="$(cat "$file")"
    if ours "$pid"; then
      kill -TERM "$pid"
      for _ in $(seq 1 50); do alive "$pid" || break; sleep 0.1; done
      alive "$pid" && kill -KILL "$pid"
      stopped=1
    fi
    rm -f "$file"
  done
  rm -f "$socket"
  if [ $stopped = 1 ]; then echo "kafka-tls: stopped"; else echo "kafka-tls: not running"; fi
}

run() {
  [ $# -gt 0 ] || { echo "usage: $0 run COMMAND..." >&2; exit 2; }
  if external; then
    echo "kafka-tls: HERALD_KAFKA_BROKERS names an existing cluster; the TLS arrangement needs the local broker: skipped"
    return
  fi
  if ! namespaces_possible; then
    echo "kafka-tls: SKIPPED — cannot create a network namespace here (needs root); nothing ran over Kafka TLS" >&2
    return
  fi
  trap 'down' EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
  up
  local status=0
  HERALD_KAFKA_BROKERS="127.0.0.1:$port" HERALD_TEST_KAFKA_TLS_CA_FILE="$state/ca.pem" "$@" || status=$?
  exit $status
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  run) shift; run "$@" ;;
  *) echo "usage: $0 up|down|run COMMAND..." >&2; exit 2 ;;
esac
