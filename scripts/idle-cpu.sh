#!/usr/bin/env bash
# What an idle Herald costs, and how fast it still answers:
#   scripts/idle-cpu.sh <herald binary> <broker host:port>
# Starts `herald dev` (the four services in one process) on its own ports against the broker,
# registers a schema, an endpoint pointing at a webhook receiver of its own and a route, waits for
# the system to settle, then samples the CPU time of `herald dev` and of the broker from /proc
# over a quiet spell. Afterwards it publishes events one at a time, a pause between them so each
# finds the system idle, and reports the latency from the producer accepting each event (the
# event's `time`, which the producer stamps) to its webhook arriving, p50 and p99, each figure
# with the machine's load average beside it (`make bench` runs it first: Benchmarks/bench.sh).
#
# Environment: IDLE_PORT_BASE (default 39812: herald dev takes eight ports from there, the
# receiver the ninth; `default` keeps herald dev on its default ports), IDLE_SETTLE_SECONDS (10),
# IDLE_SAMPLE_SECONDS (30), IDLE_EVENTS (50), IDLE_EVENT_GAP_SECONDS (0.5), IDLE_BROKER_PID (by
# default the pid `scripts/broker.sh` recorded for that port, else the listener `ss` finds),
# IDLE_REPORT (also write the figures as JSON to this file), PYTHON (python3).
set -euo pipefail

[ $# -eq 2 ] || { echo "usage: $0 <herald binary> <broker host:port>" >&2; exit 2; }
brokers="$2"
settle="${IDLE_SETTLE_SECONDS:-10}"
sample="${IDLE_SAMPLE_SECONDS:-30}"
events="${IDLE_EVENTS:-50}"
gap="${IDLE_EVENT_GAP_SECONDS:-0.5}"
python="${PYTHON:-python3}"

# The broker's process: as given, else the one `scripts/broker.sh up` started, else whoever listens.
broker_pid="${IDLE_BROKER_PID:-}"
pid_file="$(dirname "$0")/../.herald/broker-${brokers##*:}/pid"
[ -n "$broker_pid" ] || [ ! -f "$pid_file" ] || broker_pid="$(cat "$pid_file")"
[ -n "$broker_pid" ] || broker_pid="$(ss -ltnpH "sport = :${brokers##*:}" | grep -o 'pid=[0-9]*' | head -1 | cut -d= -f2)"
[ -n "$broker_pid" ] || { echo "idle-cpu: no process listens on $brokers; set IDLE_BROKER_PID" >&2; exit 1; }

source "$(dirname "$0")/dev-pipeline.sh"
pipeline_start "$1" "$brokers" "${IDLE_PORT_BASE:-39812}"

ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
sleep "$settle"
dev_before=$(ticks "$dev_pid") broker_before=$(ticks "$broker_pid") started=$(date +%s.%N)
load_before="$(cut -d' ' -f1-3 /proc/loadavg)"
sleep "$sample"
dev_after=$(ticks "$dev_pid") broker_after=$(ticks "$broker_pid") ended=$(date +%s.%N)
load_after="$(cut -d' ' -f1-3 /proc/loadavg)"

for n in $(seq 1 "$events"); do
  pipeline_publish "idle-$n"
  sleep "$gap"
done
pipeline_wait_arrivals "$events" 10 || true

"$python" - "$work/arrivals" "$events" "$(getconf CLK_TCK)" "$started" "$ended" \
  "$((dev_after - dev_before))" "$((broker_after - broker_before))" "${IDLE_REPORT:-}" \
  "$load_before" "$load_after" "$(cut -d' ' -f1-3 /proc/loadavg)" <<'PY'
import datetime, json, sys
path, expected, hz, started, ended, dev, broker, report, load_before, load_after, load_latency = sys.argv[1:]
seconds = float(ended) - float(started)
def percent(ticks): return 100.0 * int(ticks) / int(hz) / seconds
def epoch_ns(stamp):
    # RFC 3339 with up to nanoseconds, e.g. 2026-12-07T01:40:00.123456789Z
    whole, _, fraction = stamp.rstrip("Z").partition(".")
    moment = datetime.datetime.fromisoformat(whole).replace(tzinfo=datetime.timezone.utc)
    return int(moment.timestamp()) * 10**9 + int((fraction + "000000000")[:9])
latencies = {}
for line in open(path):
    arrived, event_id, stamp = line.split()
    if event_id == "idle-warm-up": continue
    latencies.setdefault(event_id, (int(arrived) - epoch_ns(stamp)) / 1e6)
values = sorted(latencies.values())
def quantile(q): return values[min(len(values) - 1, int(q * len(values)))] if values else float("nan")
figures = {
    "sample_seconds": round(seconds, 1),
    "cpu_percent_of_one_core": {"herald_dev": round(percent(dev), 2), "broker": round(percent(broker), 2),
                                "total": round(percent(int(dev) + int(broker)), 2)},
    "events": {"published": int(expected), "delivered": len(values)},
    "latency_ms": {"p50": round(quantile(0.50), 2), "p99": round(quantile(0.99), 2), "max": round(values[-1], 2) if values else None},
    "slowest": sorted(latencies.items(), key=lambda item: -item[1])[:3],
    # The machine's load average (1, 5, 15 min) as the sample began and ended, and after the events:
    # other work on the machine shows in both figures.
    "load_average": {"sample_start": load_before, "sample_end": load_after, "after_events": load_latency},
}
cpu = figures["cpu_percent_of_one_core"]
print(f"idle CPU over {seconds:.1f} s, % of one core: herald dev {cpu['herald_dev']:.2f}, broker {cpu['broker']:.2f}, together {cpu['total']:.2f}"
      f" (load average {load_before} → {load_after})")
print(f"producer → webhook latency, {len(values)} of {expected} events one at a time: "
      f"p50 {figures['latency_ms']['p50']:.2f} ms, p99 {figures['latency_ms']['p99']:.2f} ms; slowest "
      + ", ".join(f"{event_id} {latency:.1f} ms" for event_id, latency in figures["slowest"])
      + f" (load average {load_latency})")
if report:
    with open(report, "w") as out: json.dump(figures, out, indent=2)
sys.exit(0 if len(values) == int(expected) else 1)
PY
