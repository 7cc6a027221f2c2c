"""Black-box hostile-input run against the four running Herald services (`make fuzz-blackbox`).

Starts the debug executables on loopback against the broker in HERALD_KAFKA_BROKERS (the interop
suite's launcher), sends a bounded number of malformed gRPC requests to every method and malformed
REST requests to the registry, then checks: no service died or stopped answering, no call hung,
every refusal is a clear error (a specific status with a message), and the Kafka topics hold
exactly as many records as before. Prints requests by kind, answers by code and records written.
"""
import argparse
import collections
import json
import os
import random
import socket
import sys
import time
import urllib.request
from pathlib import Path

import grpc
from confluent_kafka import Consumer, TopicPartition
from google.protobuf import descriptor_pool, message_factory
from google.protobuf.descriptor import FieldDescriptor
from grpc_reflection.v1alpha.proto_reflection_descriptor_database import ProtoReflectionDescriptorDatabase

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "Tests" / "Interop"))
import conftest  # noqa: E402  (the interop suite's launcher of the real executables)

SERVICES = {"registry": "herald.v1.Registry", "producer": "herald.v1.Producer",
            "router": "herald.v1.Router", "delivery": "herald.v1.Delivery"}
# Statuses that explain nothing: a hostile request must get a specific one, with a message.
UNCLEAR_GRPC = {grpc.StatusCode.UNKNOWN, grpc.StatusCode.INTERNAL, grpc.StatusCode.DEADLINE_EXCEEDED}
CALL_TIMEOUT = 15
HUGE = 5 * 1024 * 1024
DEEP = 100_000


def deep_json(depth):
    return "[" * depth + "]" * depth


def varint(value):
    out = bytearray()
    value &= (1 << 64) - 1
    while True:
        byte = value & 0x7F
        value >>= 7
        out.append(byte | (0x80 if value else 0))
        if not value:
            return bytes(out)


def field(number, wire_type, payload):
    key = varint(number << 3 | wire_type)
    if wire_type == 2:
        return key + varint(len(payload)) + payload
    return key + payload


class HostileMessages:
    """Malformed request bodies of one kind each, for a method's input type."""

    def __init__(self, rng):
        self.rng = rng

    def strings(self):
        return self.rng.choice([
            "", "\x00", "é" * 3000, "x" * 70_000, deep_json(DEEP), '{"a":' * 5000, "\ud7ff\U0010ffff",
            "/subjects/../../etc", "%00%ff", "-1", "4294967296", "1e-10", "NaN", "9" * 400,
            '{"type": "record", "name": "R", "fields": [' + '{"name": "f", "type": "int"},' * 3000 + "]}",
        ])

    def valid_shape(self, descriptor, depth=0):
        """A message of the right type whose values are hostile (huge, deep, extreme, wrong enums)."""
        message = message_factory.GetMessageClass(descriptor)()
        for f in descriptor.fields:
            values = [self.value(f, depth) for _ in range(self.rng.choice([1, 1, 3]) if f.is_repeated else 1)]
            values = [v for v in values if v is not None]
            if not values:
                continue
            if f.is_repeated:
                if f.message_type and f.message_type.GetOptions().map_entry:
                    continue
                getattr(message, f.name).extend(values) if f.type != FieldDescriptor.TYPE_MESSAGE else [getattr(message, f.name).add().CopyFrom(v) for v in values]
            elif f.type == FieldDescriptor.TYPE_MESSAGE:
                getattr(message, f.name).CopyFrom(values[0])
            else:
                setattr(message, f.name, values[0])
        return message.SerializeToString()

    def value(self, f, depth):
        t = f.type
        if t == FieldDescriptor.TYPE_STRING:
            return self.strings()
        if t == FieldDescriptor.TYPE_BYTES:
            return self.rng.choice([b"", b"\xff" * 100, bytes(self.rng.randrange(256) for _ in range(200)), deep_json(DEEP).encode()])
        if t == FieldDescriptor.TYPE_MESSAGE:
            return None if depth > 2 else message_factory.GetMessageClass(f.message_type).FromString(self.valid_shape(f.message_type, depth + 1))
        if t == FieldDescriptor.TYPE_ENUM:
            return self.rng.choice([v.number for v in f.enum_type.values])
        if t == FieldDescriptor.TYPE_BOOL:
            return self.rng.choice([True, False])
        if t in (FieldDescriptor.TYPE_DOUBLE, FieldDescriptor.TYPE_FLOAT):
            return self.rng.choice([float("nan"), float("inf"), -1e308, 1e-300, 0.0])
        if t in (FieldDescriptor.TYPE_UINT32, FieldDescriptor.TYPE_FIXED32):
            return self.rng.choice([0, 2**31, 2**32 - 1])
        if t in (FieldDescriptor.TYPE_UINT64, FieldDescriptor.TYPE_FIXED64):
            return self.rng.choice([0, 2**63, 2**64 - 1])
        if t in (FieldDescriptor.TYPE_INT64, FieldDescriptor.TYPE_SINT64, FieldDescriptor.TYPE_SFIXED64):
            return self.rng.choice([-(2**63), -1, 2**63 - 1, 10**16])
        return self.rng.choice([-(2**31), -1, 2**31 - 1])

    def body(self, kind, descriptor):
        rng = self.rng
        if kind == "garbage":
            return bytes(rng.randrange(256) for _ in range(rng.randrange(1, 300)))
        if kind == "truncated":
            whole = self.valid_shape(descriptor)
            return whole[:rng.randrange(1, len(whole))] if len(whole) > 1 else b"\x0a\x05ab"
        if kind == "wrong-types":
            return b"".join(rng.choice([field(n, 0, varint(2**64 - 1)), field(n, 5, b"\xff" * 4), field(n, 1, b"\xff" * 8),
                                        field(n, 2, b"\x08" * 7), field(n, 3, b"")]) for n in range(1, 9))
        if kind == "invalid-utf8":
            return b"".join(field(n, 2, rng.choice([b"\xff\xfe", b"\xc3\x28", b"a\xed\xa0\x80b", b"\xf4\x90\x80\x80"])) for n in range(1, 9))
        if kind == "huge":
            return field(rng.randrange(1, 6), 2, b"x" * (HUGE + rng.randrange(1000)))
        if kind == "deep":
            return b"".join(field(n, 2, deep_json(DEEP).encode()) for n in range(1, 7))
        return self.valid_shape(descriptor)


GRPC_KINDS = {"garbage": 30, "truncated": 25, "wrong-types": 15, "invalid-utf8": 15, "hostile-values": 30, "deep": 4, "huge": 1}


def run_grpc(services, rng, rounds, tally):
    messages = HostileMessages(rng)
    for name, service_name in SERVICES.items():
        channel = grpc.insecure_channel(f"127.0.0.1:{services[name].grpc_port}",
                                        options=[("grpc.max_send_message_length", 64 * 1024 * 1024)])
        pool = descriptor_pool.DescriptorPool(ProtoReflectionDescriptorDatabase(channel))
        for method in pool.FindServiceByName(service_name).methods:
            path = f"/{service_name}/{method.name}"
            for kind, weight in GRPC_KINDS.items():
                for _ in range(max(1, weight * rounds // 100)):
                    body = messages.body(kind, method.input_type)
                    code, details = call(channel, method, path, body)
                    unclear = code in UNCLEAR_GRPC or (code != grpc.StatusCode.OK and not details)
                    tally.add(f"grpc {kind}", f"grpc {code.name}", code == grpc.StatusCode.OK,
                              f"{path} {code.name} {details[:200]!r}" if unclear else None,
                              write=method.name.startswith(WRITE_METHODS))
        channel.close()


def call(channel, method, path, body):
    identity = lambda data: data  # noqa: E731  (bodies are sent as built, malformed on purpose)
    try:
        if method.server_streaming and method.client_streaming:
            responses = channel.stream_stream(path, request_serializer=identity, response_deserializer=identity)(iter([body]), timeout=CALL_TIMEOUT)
            for _ in responses:
                pass
        elif method.server_streaming:
            responses = channel.unary_stream(path, request_serializer=identity, response_deserializer=identity)(body, timeout=0.5)
            try:
                next(iter(responses))
                responses.cancel()
                return grpc.StatusCode.OK, ""
            except StopIteration:
                pass
        else:
            channel.unary_unary(path, request_serializer=identity, response_deserializer=identity)(body, timeout=CALL_TIMEOUT)
        return grpc.StatusCode.OK, ""
    except grpc.RpcError as error:
        if error.code() == grpc.StatusCode.DEADLINE_EXCEEDED and method.server_streaming and not method.client_streaming:
            return grpc.StatusCode.OK, "watch stream open"  # a valid watch waits for changes: not a hang
        return error.code(), error.details() or ""


REST_CONTENT = "application/vnd.schemaregistry.v1+json"


def rest_cases(rng):
    subject = rng.choice(["s", "a%2Fb", "%ff%fe", "x" * 5000, "..", "%00"])
    number = rng.choice(["4294967296", "-1", "2147483648", "99999999999999999999", "1e3", "0x10", "latest", "%ff"])
    body = rng.choice([
        b"", b"{", b"[]", b"null", b'{"schema": 5}', b'{"schema": ["x"]}', b'{"schema": "{\\"type\\": 7}"}',
        b'{"schema": "\\"int\\"", "references": "x"}', b'{"schema": "\\"int\\"", "version": 4294967296, "id": -5}',
        b'{"schema": "\\"int\\"", "references": [{"name": 1, "subject": [], "version": "x"}]}',
        b'{"compatibility": "SIDEWAYS"}', b'{"mode": 12}', b'{"schema": "\xff\xfe"}', b"\xc3\x28",
        deep_json(DEEP).encode(), json.dumps({"schema": deep_json(DEEP)}).encode(),
        json.dumps({"schema": json.dumps({"type": "record", "name": "R", "fields": [{"name": f"f{i}", "type": "int"} for i in range(20000)]})}).encode(),
        b'{"schema": "' + b"x" * (HUGE // 2) + b'"}',
    ])
    return rng.choice([
        ("POST", f"/subjects/{subject}/versions", body),
        ("POST", f"/subjects/{subject}", body),
        ("POST", f"/compatibility/subjects/{subject}/versions/{number}", body),
        ("PUT", f"/config/{subject}", body),
        ("PUT", "/mode", body),
        ("GET", f"/schemas/ids/{number}", None),
        ("GET", f"/subjects/{subject}/versions/{number}/schema", None),
        ("DELETE", f"/subjects/{subject}/versions/{number}", None),
        ("DELETE", f"/subjects/{subject}?permanent={number}", None),
    ])


def run_rest(port, rng, count, tally):
    for i in range(count):
        method = "POST"
        if i % 10 == 9:
            kind, status, text = "rest truncated", *truncated_request(port, rng)
        else:
            method, path, body = rest_cases(rng)
            kind = f"rest {method}"
            request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=body, method=method,
                                             headers={"Content-Type": rng.choice([REST_CONTENT, REST_CONTENT, "text/plain", "application/json; charset=\xff"])})
            try:
                with urllib.request.urlopen(request, timeout=CALL_TIMEOUT) as response:
                    status, text = response.status, response.read()
            except urllib.error.HTTPError as error:
                status, text = error.code, error.read()
            except Exception as error:  # a reset or a timeout is no answer at all
                status, text = "no answer", repr(error).encode()
        unclear = status == "no answer" or (isinstance(status, int) and status >= 400 and not clear_rest_error(status, text))
        tally.add(kind, f"http {status}", isinstance(status, int) and status < 300,
                  f"{status} {text[:200]!r}" if unclear else None, write=method != "GET")


def clear_rest_error(status, text):
    if status >= 500 and status != 503:
        return False
    try:
        answer = json.loads(text)
    except ValueError:
        return False
    return isinstance(answer, dict) and isinstance(answer.get("message"), str) and answer["message"] != ""


def truncated_request(port, rng):
    """A body shorter than its Content-Length, then the write side closed: the server must answer
    (or close) rather than wait for ever."""
    body = b'{"schema": "\\"int\\""}'[:rng.randrange(1, 20)]
    with socket.create_connection(("127.0.0.1", port), timeout=CALL_TIMEOUT) as connection:
        connection.sendall(b"POST /subjects/s/versions HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                           b"Content-Type: " + REST_CONTENT.encode() + b"\r\nContent-Length: 100\r\n\r\n" + body)
        connection.shutdown(socket.SHUT_WR)
        try:
            answer = connection.recv(65536)
        except socket.timeout:
            return "no answer", b"hung"
    if not answer:
        return "closed", b""
    head, _, rest = answer.partition(b"\r\n\r\n")
    return int(head.split()[1]), rest


WRITE_METHODS = ("Register", "Set", "Delete", "Publish", "Put", "Redrive")


class RecordCounter:
    """Records on the run's topics, summed over partitions (high watermarks, commit markers included)."""

    def __init__(self, brokers, prefix):
        self.consumer = Consumer({"bootstrap.servers": brokers, "group.id": f"{prefix}.count", "enable.auto.commit": False})
        topics = self.consumer.list_topics(timeout=10).topics
        self.partitions = [TopicPartition(name, p) for name, metadata in topics.items() if name.startswith(prefix) for p in metadata.partitions]
        self.latest = self.count()

    def count(self):
        return sum(self.consumer.get_watermark_offsets(partition, timeout=10, cached=False)[1] for partition in self.partitions)

    def written_since_last(self):
        """Records written since the previous call (or since this counter was made)."""
        now = self.count()
        written, self.latest = now - self.latest, now
        return written

    def close(self):
        self.consumer.close()


class Tally:
    """What the run saw: requests by kind, answers by code, unclear answers, and records written
    while a write request was refused (must stay 0) or accepted."""

    def __init__(self, counter):
        self.counter = counter
        self.requests, self.answers = collections.Counter(), collections.Counter()
        self.unclear = []
        self.written = collections.Counter()

    def add(self, kind, code, accepted, unclear_reason=None, write=False):
        self.requests[kind] += 1
        self.answers[code] += 1
        if unclear_reason:
            self.unclear.append(f"{kind}: {unclear_reason}")
        if write:
            # Requests run one at a time and a write is answered after it is committed, so whatever
            # appeared since the previous write request belongs to this one.
            self.written["accepted" if accepted else "refused"] += self.counter.written_since_last()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--grpc-rounds", type=int, default=200, help="per method: 200 gives 240 requests of the seven kinds")
    parser.add_argument("--rest-requests", type=int, default=3500)
    parser.add_argument("--seed", type=int, default=21)
    arguments = parser.parse_args()
    rng = random.Random(arguments.seed)
    prefix = f"herald-fuzz.{os.urandom(6).hex()}"
    running = conftest.start_herald_services(prefix)
    started = time.monotonic()
    try:
        time.sleep(2)  # the registry's election record and topic creation settle first
        tally = Tally(RecordCounter(conftest.BROKERS, prefix))
        run_grpc(running, rng, arguments.grpc_rounds, tally)
        run_rest(running["registry"].http_port, rng, arguments.rest_requests, tally)
        tally.counter.close()
        dead = [name for name, service in running.items() if not answers_health(service)]
    finally:
        for service in running.values():
            service.process.kill()
    print_table(tally, time.monotonic() - started)
    problems = [f"service stopped answering: {name}" for name in dead] + [f"unclear answer: {line}" for line in tally.unclear[:30]]
    if tally.written["refused"]:
        problems.append(f"{tally.written['refused']} records were written for refused requests")
    if len(tally.unclear) > 30:
        problems.append(f"… and {len(tally.unclear) - 30} more unclear answers")
    for problem in problems:
        print("FAIL", problem)
    return 1 if problems else 0


def answers_health(service):
    if service.process.poll() is not None:
        return False
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{service.http_port}/healthz", timeout=10) as response:
            return response.status == 200
    except OSError:
        return False


def print_table(tally, seconds):
    print(f"\nrequests by kind ({sum(tally.requests.values())} in {seconds:.0f} s)")
    for kind, count in sorted(tally.requests.items()):
        print(f"  {kind:<24} {count:>7}")
    print("answers by code")
    for code, count in sorted(tally.answers.items(), key=str):
        print(f"  {code:<24} {count:>7}")
    print("records written")
    print(f"  {'for refused requests':<24} {tally.written['refused']:>7}")
    print(f"  {'for accepted writes':<24} {tally.written['accepted']:>7}  (valid requests among the hostile values)")


if __name__ == "__main__":
    sys.exit(main())
