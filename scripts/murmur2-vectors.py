#!/usr/bin/env python3
"""Regenerates the murmur2 test vectors in Tests/HeraldCoreTests/Murmur2Tests.swift.

Two independent sources must agree before a vector is printed:
  * a direct transcription of the algorithm of Kafka's Java `Utils.murmur2` (seed 0x9747b28c), and
  * the partition the local broker actually stored each keyed record in, produced by librdkafka with
    `partitioner: murmur2_random` (documented as identical to the Java client's default partitioner).
Usage: .venv/bin/python scripts/murmur2-vectors.py [bootstrap]   (default 127.0.0.1:9092)
"""
import sys
import time
import uuid

from confluent_kafka import Consumer, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

M = 0x5BD1E995
MASK = 0xFFFFFFFF


def murmur2(data: bytes) -> int:
    """Kafka's murmur2 as an unsigned 32-bit value (Java returns the same bits as a signed int)."""
    length = len(data)
    h = (0x9747B28C ^ length) & MASK
    whole = length - length % 4
    for i in range(0, whole, 4):
        k = data[i] | data[i + 1] << 8 | data[i + 2] << 16 | data[i + 3] << 24
        k = (k * M) & MASK
        k ^= k >> 24
        k = (k * M) & MASK
        h = (h * M) & MASK
        h ^= k
    tail = length % 4
    if tail == 3:
        h ^= data[whole + 2] << 16
    if tail >= 2:
        h ^= data[whole + 1] << 8
    if tail >= 1:
        h ^= data[whole]
        h = (h * M) & MASK
    h ^= h >> 13
    h = (h * M) & MASK
    h ^= h >> 15
    return h


KEYS = [
    b"",
    b"a", b"ab", b"abc", b"abcd", b"abcde", b"abcdef", b"abcdefg", b"abcdefgh",
    b"\x00", b"\xff", b"\xff\xfe", b"\x80\x81\x82", b"\xff\xff\xff\xff",
    b"hello", b"kafka", b"21", b"foobar",
    "ü".encode(), "日本".encode(), "日本語".encode(), "🎉".encode(), "🎉x".encode(), "naïve café".encode(),
    b"order.created|https://shop.example/orders",
    b"user.signed_up|/accounts",
    b"invoice.paid|urn:billing:eu-1|inv-2026-0001",
    "com.example.ünïcode|//例え.jp/パス".encode(),
]
PARTITION_COUNTS = [12, 97]


def broker_partitions(bootstrap: str, count: int) -> dict:
    topic = f"herald-murmur2-{count}-{uuid.uuid4().hex[:8]}"
    admin = AdminClient({"bootstrap.servers": bootstrap})
    admin.create_topics([NewTopic(topic, num_partitions=count, replication_factor=1)])[topic].result()
    time.sleep(1)
    producer = Producer({"bootstrap.servers": bootstrap, "partitioner": "murmur2_random"})
    for index, key in enumerate(KEYS):
        producer.produce(topic, key=key, value=str(index).encode())
    assert producer.flush(30) == 0
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": topic, "enable.auto.commit": False})
    consumer.assign([TopicPartition(topic, p, 0) for p in range(count)])
    found = {}
    deadline = time.time() + 30
    while len(found) < len(KEYS) and time.time() < deadline:
        message = consumer.poll(1.0)
        if message is None or message.error():
            continue
        found[int(message.value())] = message.partition()
    consumer.close()
    admin.delete_topics([topic])
    assert len(found) == len(KEYS), f"read {len(found)} of {len(KEYS)} records"
    return found


def swift_bytes(key: bytes) -> str:
    try:
        text = key.decode()
        if text.isprintable():
            return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
    except UnicodeDecodeError:
        pass
    return "[" + ", ".join(f"0x{b:02x}" for b in key) + "]"


def main() -> None:
    bootstrap = sys.argv[1] if len(sys.argv) > 1 else "127.0.0.1:9092"
    observed = {count: broker_partitions(bootstrap, count) for count in PARTITION_COUNTS}
    for index, key in enumerate(KEYS):
        h = murmur2(key)
        for count in PARTITION_COUNTS:
            expected = (h & 0x7FFFFFFF) % count
            actual = observed[count][index]
            assert expected == actual, f"key {key!r}: transcription says {expected}, broker stored {actual} (n={count})"
        parts = ", ".join(str((h & 0x7FFFFFFF) % c) for c in PARTITION_COUNTS)
        print(f"        Vector({swift_bytes(key)}, hash: 0x{h:08x}, partitions: [{parts}]),")


if __name__ == "__main__":
    main()
