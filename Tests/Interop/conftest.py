"""Starts a real `herald-registry` (the debug build) against the test broker for the interop suite."""
import os
import re
import subprocess
import threading
import time
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BROKERS = os.environ.get("HERALD_KAFKA_BROKERS", "127.0.0.1:9092")


class Registry:
    def __init__(self, process, http_port, topic):
        self.process = process
        self.url = f"http://127.0.0.1:{http_port}"
        self.topic = topic


@pytest.fixture(scope="session")
def brokers():
    return BROKERS


@pytest.fixture(scope="module")
def registry():
    binary = Path(os.environ.get("HERALD_REGISTRY_BIN", ROOT / ".build" / "debug" / "herald-registry"))
    if not binary.exists():
        pytest.fail(f"{binary} is missing: build it first (`swift build --product herald-registry`)")
    suffix = uuid.uuid4().hex[:12]
    topic = f"herald-interop._schemas.{suffix}"
    process = subprocess.Popen(
        [str(binary), "--kafka-brokers", BROKERS, "--grpc-port", "0", "--http-port", "0",
         "--instance-id", "interop", "--schemas-topic", topic,
         "--election-topic", f"herald-interop.election.{suffix}",
         "--election-group", f"herald-interop-{suffix}",
         "--leader-transactional-id", f"herald-interop-leader-{suffix}"],
        stderr=subprocess.PIPE, text=True)
    ports = {}
    ready = threading.Event()

    def read_log():
        for line in process.stderr:
            match = re.search(r'msg="Registry listening" .*grpc\.port=(\d+) .*http\.port=(\d+)', line)
            if match:
                ports["http"] = int(match.group(2))
                ready.set()
        ready.set()

    threading.Thread(target=read_log, daemon=True).start()
    if not ready.wait(60) or "http" not in ports:
        process.kill()
        pytest.fail("herald-registry did not start")
    url = f"http://127.0.0.1:{ports['http']}"
    _wait_serving(url)
    yield Registry(process, ports["http"], topic)
    process.terminate()
    assert process.wait(30) == 0, "herald-registry did not exit cleanly on SIGTERM"


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
