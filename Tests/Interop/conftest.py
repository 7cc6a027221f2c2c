"""Starts real Herald executables (the debug builds) against the test broker for the interop suite."""
import base64
import os
import re
import secrets
import subprocess
import threading
import time
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BROKERS = os.environ.get("HERALD_KAFKA_BROKERS", "127.0.0.1:9092")


class AdminKey:
    """An admin API key made the way `herald key generate` makes one: hk_<16 hex id>_<64 hex secret>."""

    def __init__(self):
        self.id = secrets.token_hex(8)
        self.secret = secrets.token_hex(32)
        self.presented = f"hk_{self.id}_{self.secret}"


@pytest.fixture(scope="session")
def admin_key(tmp_path_factory):
    """The one admin key every service of the session accepts (its bootstrap key) and sends."""
    key = AdminKey()
    path = tmp_path_factory.mktemp("keys") / "bootstrap.keys"
    path.write_text(f"# interop admin key\n{key.presented}\n")
    path.chmod(0o600)
    key.file = str(path)
    return key


class Registry:
    def __init__(self, process, http_port, topic):
        self.process = process
        self.url = f"http://127.0.0.1:{http_port}"
        self.topic = topic


@pytest.fixture(scope="session")
def brokers():
    return BROKERS


class Service:
    """One Herald executable running as a child process, with the ports it reported."""

    def __init__(self, name, process, grpc_port, http_port):
        self.name = name
        self.process = process
        self.grpc_port = grpc_port
        self.http_port = http_port

    def stop(self):
        self.process.terminate()
        assert self.process.wait(30) == 0, f"herald-{self.name} did not exit cleanly on SIGTERM"


def start_service(name, arguments, environment=None, key=None):
    """Starts `.build/debug/herald-<name>` on free ports, accepting and sending `key`, and waits until it reports SERVING."""
    if key is not None:
        environment = {"HERALD_BOOTSTRAP_KEY_FILE": key.file, "HERALD_API_KEY": key.presented, **(environment or {})}
    binary = Path(os.environ.get(f"HERALD_{name.upper()}_BIN", ROOT / ".build" / "debug" / f"herald-{name}"))
    if not binary.exists():
        pytest.fail(f"{binary} is missing: build it first (`swift build --product herald-{name}`)")
    process = subprocess.Popen(
        [str(binary), "--kafka-brokers", BROKERS, "--grpc-port", "0", "--http-port", "0", *arguments],
        stderr=subprocess.PIPE, text=True, env={**os.environ, **(environment or {})})
    ports = {}
    ready = threading.Event()

    def read_log():
        for line in process.stderr:
            match = re.search(r'msg="[A-Za-z]+ listening" .*grpc\.port=(\d+) .*http\.port=(\d+)', line)
            if match:
                ports["grpc"], ports["http"] = int(match.group(1)), int(match.group(2))
                ready.set()
        ready.set()

    threading.Thread(target=read_log, daemon=True).start()
    if not ready.wait(60) or "http" not in ports:
        process.kill()
        pytest.fail(f"herald-{name} did not start")
    try:
        _wait_serving(f"http://127.0.0.1:{ports['http']}")
    except BaseException:
        process.kill()
        raise
    return Service(name, process, ports["grpc"], ports["http"])


def registry_arguments(prefix):
    return ["--instance-id", "interop", "--schemas-topic", f"{prefix}._schemas",
            "--election-topic", f"{prefix}.election", "--election-group", prefix,
            "--leader-transactional-id", f"{prefix}-leader"]


@pytest.fixture(scope="module")
def registry(admin_key):
    prefix = f"herald-interop.{uuid.uuid4().hex[:12]}"
    service = start_service("registry", registry_arguments(prefix), key=admin_key)
    yield Registry(service.process, service.http_port, f"{prefix}._schemas")
    service.stop()


@pytest.fixture(scope="module")
def herald_services(admin_key):
    """The four services, each started from its executable as an operator would."""
    services = start_herald_services(f"herald-interop.{uuid.uuid4().hex[:12]}", admin_key)
    yield services
    for service in reversed(list(services.values())):
        service.stop()


def start_herald_services(prefix, key):
    """Starts registry, producer, router and delivery on topics named `prefix.*`, accepting `key`; by name, in start order."""
    common = ["--instance-id", "interop", "--partitions", "2"]
    started = [start_service("registry", registry_arguments(prefix), key=key)]
    try:
        registry_url = ["--registry-url", f"127.0.0.1:{started[0].grpc_port}"]
        started.append(start_service("producer", common + registry_url + ["--events-topic", f"{prefix}.events"], key=key))
        started.append(start_service("router", common + [
            "--events-topic", f"{prefix}.events", "--routes-topic", f"{prefix}.routes",
            "--dedupe-topic", f"{prefix}.dedupe", "--deliveries-topic", f"{prefix}.deliveries",
            "--consumer-group", f"{prefix}.router"], key=key))
        started.append(start_service("delivery", common + registry_url + [
            "--deliveries-topic", f"{prefix}.deliveries", "--status-topic", f"{prefix}.status",
            "--endpoints-topic", f"{prefix}.endpoints", "--dlq-topic", f"{prefix}.dlq",
            "--retry-topic-prefix", f"{prefix}.retry", "--consumer-group", f"{prefix}.delivery"],
            environment={"HERALD_SECRET_KEY": base64.b64encode(os.urandom(32)).decode()}, key=key))
    except BaseException:
        for service in started:
            service.process.kill()
        raise
    return {service.name: service for service in started}


def _wait_serving(url, timeout=60):
    import urllib.request
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=2) as response:
                if response.status == 200:
                    return
        except Exception:
            pass
        time.sleep(0.1)
    pytest.fail(f"{url} never reported SERVING")
