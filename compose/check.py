#!/usr/bin/env python3
"""Herald's invariants of compose/compose.yaml, beyond what `docker compose config` checks.

Usage: python3 compose/check.py [compose/compose.yaml]   (needs PyYAML; exit 1 lists every problem)
"""
import re
import sys
from pathlib import Path

import yaml

SERVICES = {  # kind: (HTTP port, gRPC port)
    "registry": (8081, 50050),
    "producer": (8091, 50051),
    "router": (8092, 50052),
    "delivery": (8093, 50053),
}
TOPICS = [  # docs/ARCHITECTURE.md §2, plus the registry's election topic
    "herald._schemas", "herald._schemas.election", "herald.events", "herald.router-dedupe",
    "herald.routes", "herald.events.dlq", "herald.endpoints", "herald.deliveries", "herald.deliveries.dlq",
    "herald.delivery-status", "herald.transactional-ids",
]
# Topics whose layout the services rely on: name -> (partitions, cleanup policy) in create-topics.sh.
FIXED_TOPICS = {
    "herald.api-keys": ("1", "compact"),  # the latest record per key id, followed by every service
    "herald.audit": ("1", "delete"),      # one partition, so the log reads in order
}
# Services that call the registry and so send an API key of their own.
KEY_SENDERS = ("producer", "delivery")
CONSOLE_HTTP_PORT = 8080  # Services/Console/README.md
# The console's address of each service: the shared name of its pair, on its gRPC port.
CONSOLE_URLS = {f"HERALD_{kind.upper()}_URL": f"{kind}:{grpc}" for kind, (_, grpc) in SERVICES.items()}
TRUE = ("1", "true", "yes", "on")


def tier_label(ms: int) -> str:
    """Services/Delivery: RetryTiers.label (5s, 2m, 1h, 250ms)."""
    for unit, size in (("h", 3_600_000), ("m", 60_000), ("s", 1000)):
        if ms % size == 0:
            return f"{ms // size}{unit}"
    return f"{ms}ms"


def secret_files(compose: dict, svc: dict) -> dict:
    """Where each compose secret of `svc` appears in its container: {path: secret name}."""
    declared = compose.get("secrets", {})
    files = {}
    for entry in svc.get("secrets", []):
        name, target = (entry, entry) if isinstance(entry, str) else (entry.get("source"), entry.get("target", entry.get("source")))
        if name in declared and "file" in declared[name]:
            files[target if target.startswith("/") else f"/run/secrets/{target}"] = name
    return files


def key_problems(name: str, kind: str, compose: dict, svc: dict) -> list:
    """Authentication on: a bootstrap key file from a secret, an API key for the registry's callers,
    never --insecure-no-auth, and /metrics open because Prometheus scrapes it without a key."""
    env = svc.get("environment", {})
    mounted = secret_files(compose, svc)
    problems = []
    if env.get("HERALD_BOOTSTRAP_KEY_FILE") not in mounted:
        problems.append(f"{name}: HERALD_BOOTSTRAP_KEY_FILE must name a compose secret mounted into it, "
                        f"got {env.get('HERALD_BOOTSTRAP_KEY_FILE')!r} (secrets {sorted(mounted)})")
    if kind in KEY_SENDERS and env.get("HERALD_API_KEY_FILE") not in mounted and not env.get("HERALD_API_KEY"):
        problems.append(f"{name}: calls the registry, so needs HERALD_API_KEY_FILE naming a mounted compose secret")
    command = " ".join(str(part) for field in ("command", "entrypoint") for part in (svc.get(field) or []))
    if str(env.get("HERALD_INSECURE_NO_AUTH", "")).lower() in TRUE or "--insecure-no-auth" in command:
        problems.append(f"{name}: runs with --insecure-no-auth; give it keys instead")
    if str(env.get("HERALD_METRICS_REQUIRE_KEY", "")).lower() in TRUE or "--metrics-require-key" in command:
        problems.append(f"{name}: /metrics needs a key, but Prometheus (prometheus/prometheus.yml) scrapes without one")
    return problems


def console_problems(services: dict) -> list:
    """One console (its sessions live in its memory), on 0.0.0.0:8080 with a health check, started
    after every service instance is healthy and calling each through its pair's shared name."""
    svc = services.get("console")
    if svc is None:
        return ["console: no `console` service (herald-console, Services/Console/README.md)"]
    env = svc.get("environment", {})
    problems = []
    if extra := sorted(n for n in services if re.fullmatch(r"console-\d+", n)):
        problems.append(f"console: must run once (sessions live in its memory), found also {extra}")
    if svc.get("build", {}).get("args", {}).get("SERVICE") != "herald-console":
        problems.append("console: build arg SERVICE is not herald-console")
    if env.get("HERALD_HOST") != "0.0.0.0":
        problems.append("console: HERALD_HOST must be 0.0.0.0 in a container")
    if str(env.get("HERALD_PORT", CONSOLE_HTTP_PORT)) != str(CONSOLE_HTTP_PORT):
        problems.append(f"console: HERALD_PORT is {env.get('HERALD_PORT')!r}, the health check and Prometheus use {CONSOLE_HTTP_PORT}")
    for variable, want in CONSOLE_URLS.items():
        if env.get(variable) != want:
            problems.append(f"console: {variable} is {env.get(variable)!r}, want {want}")
    if f":{CONSOLE_HTTP_PORT}/healthz" not in " ".join(svc.get("healthcheck", {}).get("test", [])):
        problems.append(f"console: no health check on /healthz of port {CONSOLE_HTTP_PORT}")
    deps = svc.get("depends_on", {})
    instances = sorted(n for n in services if re.fullmatch(rf"({'|'.join(SERVICES)})-\d+", n))
    if waiting := [n for n in instances if deps.get(n, {}).get("condition") != "service_healthy"]:
        problems.append(f"console: does not wait for {waiting} to be healthy")
    if not any(str(port).endswith(f":{CONSOLE_HTTP_PORT}") for port in svc.get("ports", [])):
        problems.append(f"console: port {CONSOLE_HTTP_PORT} is not published on the host")
    if svc.get("restart") not in ("always", "unless-stopped", "on-failure"):
        problems.append("console: should restart when it dies")
    return problems


def main() -> int:
    path = Path(sys.argv[1] if len(sys.argv) > 1 else "compose/compose.yaml")
    compose = yaml.safe_load(path.read_text())
    services = compose["services"]
    problems = []

    brokers = [name for name in services if re.fullmatch(r"kafka-\d+", name)]
    if len(brokers) != 3:
        problems.append(f"expected 3 Kafka brokers, found {brokers}")
    for name in brokers:
        env = services[name]["environment"]
        for key, want in (("KAFKA_DEFAULT_REPLICATION_FACTOR", 3), ("KAFKA_MIN_INSYNC_REPLICAS", 2),
                          ("KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR", 3),
                          ("KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR", 3),
                          ("KAFKA_TRANSACTION_STATE_LOG_MIN_ISR", 2)):
            if str(env.get(key)) != str(want):
                problems.append(f"{name}: {key} is {env.get(key)!r}, want {want}")
        if "broker" not in env.get("KAFKA_PROCESS_ROLES", "") or "controller" not in env.get("KAFKA_PROCESS_ROLES", ""):
            problems.append(f"{name}: not a combined KRaft broker+controller")
    node_ids = [services[b]["environment"].get("KAFKA_NODE_ID") for b in brokers]
    if len(set(node_ids)) != len(node_ids):
        problems.append(f"Kafka node ids are not distinct: {node_ids}")

    published = {}
    for kind, (http, grpc) in SERVICES.items():
        instances = sorted(n for n in services if re.fullmatch(rf"{kind}-\d+", n))
        if len(instances) < 2:
            problems.append(f"{kind}: expected at least 2 instances, found {instances}")
        ids = []
        for name in instances:
            svc = services[name]
            env = svc.get("environment", {})
            ids.append(env.get("HERALD_INSTANCE_ID"))
            if env.get("HERALD_HOST") != "0.0.0.0":
                problems.append(f"{name}: HERALD_HOST must be 0.0.0.0 in a container")
            if not env.get("HERALD_KAFKA_BROKERS", "").count(",") >= 2:
                problems.append(f"{name}: HERALD_KAFKA_BROKERS should name all three brokers")
            test = " ".join(svc.get("healthcheck", {}).get("test", []))
            if f":{http}/healthz" not in test:
                problems.append(f"{name}: no health check on /healthz of port {http}")
            if svc.get("build", {}).get("args", {}).get("SERVICE") != f"herald-{kind}":
                problems.append(f"{name}: build arg SERVICE is not herald-{kind}")
            deps = svc.get("depends_on", {})
            if deps.get("topics", {}).get("condition") != "service_completed_successfully":
                problems.append(f"{name}: does not wait for the topics step")
            if svc.get("restart") not in ("always", "unless-stopped", "on-failure"):
                problems.append(f"{name}: should restart (under the same instance id) when it dies")
            problems.extend(key_problems(name, kind, compose, svc))
            for port in svc.get("ports", []):
                published.setdefault(str(port).rsplit(":", 1)[-1], []).append(name)
        if len(set(ids)) != len(ids) or None in ids:
            problems.append(f"{kind}: instance ids must be set and distinct, got {ids}")
        if not any(f"{grpc}" in p for p in published):
            problems.append(f"{kind}: gRPC port {grpc} is not published on the host")
    if registry_hosts := [services[n]["environment"].get("HERALD_ADVERTISED_HOST") for n in services if n.startswith("registry-")]:
        if len(set(registry_hosts)) != len(registry_hosts) or None in registry_hosts:
            problems.append(f"registry: HERALD_ADVERTISED_HOST must be each instance's own name, got {registry_hosts}")

    problems.extend(console_problems(services))

    script = (path.parent / "create-topics.sh").read_text()
    for topic in TOPICS:
        if not re.search(rf"^create {re.escape(topic)}\s", script, re.M):
            problems.append(f"create-topics.sh: does not create {topic}")
    for topic, (partitions, policy) in FIXED_TOPICS.items():
        if not re.search(rf"^create {re.escape(topic)}\s+{partitions}\s+{policy}\s*$", script, re.M):
            problems.append(f"create-topics.sh: must create {topic} with {partitions} partition(s), cleanup {policy}")
    tiers = re.search(r'^RETRY_TIERS="\$\{RETRY_TIERS:-([^}]*)\}"', script, re.M)
    schedules = {n: s["environment"].get("HERALD_RETRY_SCHEDULE_MS") for n, s in services.items()
                 if n.startswith("delivery-")}
    for name, schedule in schedules.items():
        if not tiers or not schedule:
            problems.append(f"{name}: retry schedule or RETRY_TIERS missing")
            continue
        want = sorted({int(ms) for ms in schedule.split(",")})
        if tiers.group(1).split() != [tier_label(ms) for ms in want]:
            problems.append(f"{name}: HERALD_RETRY_SCHEDULE_MS {schedule} does not match RETRY_TIERS {tiers.group(1)!r}")

    for problem in problems:
        print(f"compose/check.py: {problem}", file=sys.stderr)
    if not problems:
        print(f"ok: {len(brokers)} brokers, {sum(1 for n in services if n.split('-')[0] in SERVICES)} "
              f"Herald instances with keys, the console, {len(TOPICS) + len(FIXED_TOPICS)} topics + retry tiers {tiers.group(1) if tiers else '?'}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
