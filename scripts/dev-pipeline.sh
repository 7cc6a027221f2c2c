# Sourced by scripts/idle-cpu.sh and Benchmarks/profile.sh: `herald dev` (the four services in one
# process) against a broker, a webhook receiver of its own, one schema, endpoint and route, and an
# event already through every stage, so what follows measures a settled system rather than the
# first event of all (connections, schema lookups, the router's first transaction on a partition).
#
#   pipeline_start <herald binary> <broker host:port> <port base|default> [command prefix…]
#
# The prefix runs `herald dev` under another program (e.g. valgrind). Afterwards: $work (a
# temporary folder, removed on exit unless PIPELINE_KEEP is set), $work/arrivals (one line per
# delivery: arrival time in ns, event id, the event's `time`), $pipeline_run (a suffix for this
# run's event sources), $dev_pid, the addresses $registry $producer $router $delivery, and
# pipeline_publish <id> / pipeline_wait_arrivals <count> <seconds>. Environment:
# PIPELINE_READY_SECONDS (how long herald dev may take to start, default 120), PYTHON (python3).

pipeline_python="${PYTHON:-python3}"
# Events of this run come from sources of their own: herald dev keeps its delivery log under
# .herald/ across runs (and brokers), and would rightly never deliver an earlier run's ids again.
pipeline_run="$(date +%s)-$$"
work="$(mktemp -d)"
pids=()
pipeline_cleanup() {
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for _ in $(seq 1 100); do
    alive=0
    for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
    [ $alive -eq 0 ] && break
    sleep 0.1
  done
  for pid in "${pids[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
  [ -n "${PIPELINE_KEEP:-}" ] || rm -rf "$work"
}
trap pipeline_cleanup EXIT

pipeline_quiet() {
  "$pipeline_herald" "$@" >"$work/setup.log" 2>&1 || { echo "herald $1 failed:" >&2; cat "$work/setup.log" >&2; exit 1; }
}

pipeline_publish() {
  pipeline_quiet publish --producer-url "$producer" --id "$1" --type idle.ping --source "/idle/$pipeline_run" \
    --schema-subject idle.ping-value --data '{"n":1}'
}

# Waits until $work/arrivals holds <count> deliveries of events other than the warm-up; fails after <seconds>.
pipeline_wait_arrivals() {
  local deadline=$((SECONDS + $2))
  until [ "$(grep -vc ' idle-warm-up ' "$work/arrivals")" -ge "$1" ]; do
    [ $SECONDS -lt "$deadline" ] || return 1
    sleep 0.1
  done
}

pipeline_start() {
  pipeline_herald="$(realpath "$1")"
  local brokers="$2" base="$3"
  shift 3
  [ -x "$pipeline_herald" ] || { echo "$pipeline_herald is not an executable" >&2; exit 2; }
  local port_flags=()
  if [ "$base" = default ]; then
    registry=127.0.0.1:50050 producer=127.0.0.1:50051 router=127.0.0.1:50052 delivery=127.0.0.1:50053
    receiver_port=39812
  else
    port_flags=(--port-base "$base")
    registry="127.0.0.1:$base" producer="127.0.0.1:$((base + 2))" router="127.0.0.1:$((base + 4))"
    delivery="127.0.0.1:$((base + 6))" receiver_port=$((base + 8))
  fi

  # The webhook receiver: one line per delivery of this run's events (an earlier run's, still in the
  # broker's topics when it stopped, are delivered too), its arrival time and the event's `time`.
  : >"$work/arrivals"
  "$pipeline_python" - "$receiver_port" "$work/arrivals" "$pipeline_run" <<'PY' &
import http.server, json, sys, time
port, path, run = int(sys.argv[1]), sys.argv[2], sys.argv[3]
out = open(path, "a", buffering=1)
class Receiver(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        arrived = time.time_ns()
        body = json.loads(self.rfile.read(int(self.headers["content-length"])))
        if body["source"].split("/")[2:3] == [run]:
            out.write(f"{arrived} {body['id']} {body['time']}\n")
        self.send_response(200)
        self.send_header("content-length", "0")
        self.end_headers()
    def log_message(self, *args):
        pass
http.server.ThreadingHTTPServer(("127.0.0.1", port), Receiver).serve_forever()
PY
  pids+=($!)

  "$@" "$pipeline_herald" dev --kafka-brokers "$brokers" "${port_flags[@]}" >"$work/dev.out" 2>"$work/dev.log" &
  dev_pid=$!
  pids=("$dev_pid" "${pids[@]}")
  local deadline=$((SECONDS + ${PIPELINE_READY_SECONDS:-120}))
  until grep -qs 'Herald dev ready' "$work/dev.log"; do
    if ! kill -0 "$dev_pid" 2>/dev/null || [ $SECONDS -ge $deadline ]; then
      echo "herald dev did not become ready (is a port from $base on taken?); its log:" >&2
      tail -20 "$work/dev.log" >&2
      exit 1
    fi
    sleep 0.2
  done

  # The registry elects its writer first (a leader that just left may still hold the election):
  # retry until it takes the schema.
  deadline=$((SECONDS + ${PIPELINE_READY_SECONDS:-120}))
  until "$pipeline_herald" schema register --registry-url "$registry" --subject idle.ping-value \
    --schema '{"type":"record","name":"Ping","fields":[{"name":"n","type":"int"}]}' >"$work/setup.log" 2>&1; do
    [ $SECONDS -lt $deadline ] || { echo "herald schema register failed:" >&2; cat "$work/setup.log" >&2; exit 1; }
    sleep 1
  done
  pipeline_quiet endpoint put idle-receiver --delivery-url "$delivery" --url "http://127.0.0.1:$receiver_port/hook"
  pipeline_quiet route put --router-url "$router" --id idle --type 'idle.*' --endpoint idle-receiver
  pipeline_publish idle-warm-up
  for _ in $(seq 1 "${PIPELINE_READY_SECONDS:-120}0"); do grep -q ' idle-warm-up ' "$work/arrivals" && break; sleep 0.1; done
  grep -q ' idle-warm-up ' "$work/arrivals" || { echo "the warm-up event never reached the receiver" >&2; exit 1; }
}
