"""Starts `herald dev` (the four services and the console in one process, the debug build) against the
test broker, a webhook receiver whose answer the tests choose, and headless Chromium through Selenium."""
import http.server
import json
import os
import re
import shutil
import socket
import subprocess
import threading
import time
import uuid
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.chrome.service import Service as ChromeService

ROOT = Path(__file__).resolve().parents[2]
BROKERS = os.environ.get("HERALD_KAFKA_BROKERS", "127.0.0.1:9092")
HERALD = Path(os.environ.get("HERALD_BIN", ROOT / ".build" / "debug" / "herald"))
SHOTS = ROOT / ".herald" / "console-shots"


def free_port_base(count):
    """The first of `count` consecutive free ports: HERALD_TEST_PORT_BASE when set, else found by binding."""
    if os.environ.get("HERALD_TEST_PORT_BASE"):
        return int(os.environ["HERALD_TEST_PORT_BASE"])
    for base in range(42000, 60000, 97):
        try:
            sockets = []
            for port in range(base, base + count):
                s = socket.socket()
                s.bind(("127.0.0.1", port))
                sockets.append(s)
            return base
        except OSError:
            continue
        finally:
            for s in sockets:
                s.close()
    pytest.fail("no free run of ports")


class Herald:
    """A running `herald dev`: its console's URL, its admin key, and the CLI pointed at it."""

    def __init__(self, directory, base, console_url):
        self.directory = directory
        self.base = base
        self.console_url = console_url.rstrip("/")
        self.admin_key = (directory / ".herald" / "dev-admin-key").read_text().strip()

    def cli(self, *arguments, key=None):
        """Runs a `herald` command in herald dev's directory (so it sends the dev admin key unless given `key`)."""
        urls = ["--registry-url", f"127.0.0.1:{self.base}"] if arguments[0] in ("schema", "key") else \
            ["--producer-url", f"127.0.0.1:{self.base + 2}"] if arguments[0] == "publish" else \
            ["--router-url", f"127.0.0.1:{self.base + 4}"] if arguments[0] == "route" else \
            ["--delivery-url", f"127.0.0.1:{self.base + 6}"] if arguments[0] == "endpoint" else []
        command = [str(HERALD), *arguments, *urls, *(["--api-key", key] if key else [])]
        done = subprocess.run(command, cwd=self.directory, capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, f"{' '.join(arguments)} failed: {done.stderr}"
        return done.stdout


@pytest.fixture(scope="session")
def herald():
    if not HERALD.exists():
        pytest.fail(f"{HERALD} is missing: build it first (`swift build --product herald`)")
    # Topics, groups and transactional ids of this run only: a broker reused from an earlier run
    # (or a parallel one) holds none of its records, so what the pages show is this run's alone.
    # A fresh directory for the same reason: the delivery log copy and the dev keys start empty.
    run = f"console-test-{uuid.uuid4().hex[:8]}"
    directory = ROOT / ".herald" / "console-test"
    shutil.rmtree(directory, ignore_errors=True)
    directory.mkdir(parents=True)
    base = free_port_base(8)
    process = subprocess.Popen(
        [str(HERALD), "dev", "--kafka-brokers", BROKERS, "--port-base", str(base), "--console-port", "0", "--partitions", "2",
         "--topic-prefix", run, "--instance-id", run],
        cwd=directory, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    ready = threading.Event()
    found = {}
    log = []

    def read_log():
        for line in process.stderr:
            log.append(line)
            match = re.search(r'msg="Herald dev ready".*console="?(https?://[^" ]+)', line)
            if match:
                found["console"] = match.group(1)
                ready.set()
        ready.set()

    threading.Thread(target=read_log, daemon=True).start()
    if not ready.wait(120) or "console" not in found:
        process.kill()
        pytest.fail("herald dev did not start:\n" + "".join(log[-30:]))
    yield Herald(directory, base, found["console"])
    process.terminate()
    assert process.wait(60) == 0, "herald dev did not exit cleanly on SIGTERM:\n" + "".join(log[-30:])


class Receiver:
    """A webhook endpoint on loopback: answers 200 or, while `failing`, 500. Test events
    (type herald.test) are kept apart in `tests`, so `received` holds the deliveries only."""

    def __init__(self):
        self.failing = False
        self.received = []
        self.tests = []
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                event = json.loads(body or b"{}")
                (receiver.tests if event.get("type") == "herald.test" else receiver.received).append(event)
                status = 500 if receiver.failing else 200
                self.send_response(status)
                self.send_header("Content-Type", "text/plain")
                answer = b"receiver is down for the test" if receiver.failing else b"ok"
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *arguments):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture(scope="session")
def receiver():
    receiver = Receiver()
    yield receiver
    receiver.server.shutdown()


@pytest.fixture(scope="session")
def browser():
    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium") or "/usr/bin/chromium"
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1280,900"):
        options.add_argument(argument)
    driver = webdriver.Chrome(service=ChromeService(shutil.which("chromedriver") or "/usr/bin/chromedriver"), options=options)
    driver.implicitly_wait(0)
    SHOTS.mkdir(parents=True, exist_ok=True)
    yield driver
    driver.quit()


@pytest.fixture
def names():
    """Ids unique to this run, so the shared broker's earlier records never match."""
    tag = uuid.uuid4().hex[:8]
    return {"endpoint": f"console-sink-{tag}", "route": f"console-route-{tag}",
            "type": f"com.example.console{tag}.happened", "source": f"/console-test/{tag}"}


def shot(driver, name):
    driver.save_screenshot(str(SHOTS / f"{name}.png"))


def until(condition, what, timeout=60):
    """Waits for `condition()` to be truthy (polling; the condition reloads what it looks at). An
    element read while a form's answer replaces the page is gone, replaced or in a destroyed
    context (the driver says so in several ways): that counts as not yet, and the last such error
    is shown if the wait times out."""
    deadline = time.time() + timeout
    last_error = None
    while time.time() < deadline:
        try:
            value = condition()
        except WebDriverException as error:
            value, last_error = None, error
        if value:
            return value
        time.sleep(0.3)
    pytest.fail(f"timed out waiting for {what}" + (f" (last driver error: {last_error.msg})" if last_error else ""))
