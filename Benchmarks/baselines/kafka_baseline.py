#!/usr/bin/env python3
"""The baseline for `herald-bench kafka`: the same workloads as HeraldKafka's side, through
confluent-kafka (librdkafka underneath), against the same broker. Runs one workload per call
(the bench alternates sides) and prints one JSON object: {"workload", "messages", "seconds",
"latencies_ms"?}.

Written the way confluent-kafka's documentation recommends for throughput: produce() with a
delivery callback, poll(0) to serve callbacks, poll on BufferError, flush at the end; consume()
in batches.
"""
import argparse
import json
import sys
import time
import uuid

from confluent_kafka import Consumer, KafkaError, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic



def emit(workload, messages, seconds, latencies=None):
    row = {"workload": workload, "messages": messages, "seconds": seconds}
    if latencies is not None:
        row["latencies_ms"] = latencies
    print(json.dumps(row), flush=True)


def topic_name(run_id, workload):
    return f"herald-bench.python.{run_id}.{workload}"


def create_topic(brokers, name, partitions):
    admin = AdminClient({"bootstrap.servers": brokers})
    admin.create_topics([NewTopic(name, partitions, 1)])[name].result()
    deadline = time.time() + 30
    while name not in admin.list_topics(timeout=10).topics:
        if time.time() > deadline:
            raise RuntimeError(f"topic {name} did not appear")
        time.sleep(0.02)
    return name


def delete_topic(brokers, name):
    # The local broker keeps everything in memory: drop each topic once nothing reads it.
    admin = AdminClient({"bootstrap.servers": brokers})  # must outlive the future
    admin.delete_topics([name])[name].result()


def producer_config(brokers, **extra):
    # The same defaults HeraldKafka uses: idempotent, Java-compatible partitioner, linger 5 ms.
    config = {"bootstrap.servers": brokers, "enable.idempotence": True, "partitioner": "murmur2_random", "linger.ms": 5}
    config.update(extra)
    return config


def produce(brokers, topic, count, size):
    producer = Producer(producer_config(brokers))
    value = b"a" * size
    delivered = [0]
    failed = []

    def on_delivery(error, _message):
        if error is not None:
            failed.append(error)
        else:
            delivered[0] += 1

    # Both sides warm up with one record first: the first write to a topic waits for its metadata.
    producer.produce(topic, value)
    producer.flush()
    start = time.perf_counter()
    for index in range(count):
        while True:
            try:
                producer.produce(topic, value, on_delivery=on_delivery)
                break
            except BufferError:
                producer.poll(0.005)
        if index % 1000 == 0:
            producer.poll(0)
    producer.flush()
    seconds = time.perf_counter() - start
    if failed or delivered[0] != count:
        raise RuntimeError(f"delivered {delivered[0]} of {count}: {failed[:3]}")
    return seconds


def transactions(brokers, topic, count, per_transaction):
    producer = Producer(producer_config(brokers, **{"transactional.id": f"{topic}.producer"}))
    producer.init_transactions()
    value = b"a" * 100
    # Warm-up (both sides): the first transaction also fetches the topic's metadata.
    producer.begin_transaction()
    producer.produce(topic, value)
    producer.commit_transaction()
    latencies = []
    start = time.perf_counter()
    written = 0
    while written < count:
        batch = min(per_transaction, count - written)
        began = time.perf_counter()
        producer.begin_transaction()
        for _ in range(batch):
            while True:
                try:
                    producer.produce(topic, value)
                    break
                except BufferError:
                    producer.poll(0.005)
        producer.commit_transaction()
        latencies.append((time.perf_counter() - began) * 1000)
        written += batch
    seconds = time.perf_counter() - start
    return seconds, latencies


def consume(brokers, topic, partitions, count):
    consumer = Consumer({
        "bootstrap.servers": brokers,
        "group.id": f"{topic}.consumer",
        "isolation.level": "read_committed",
        "enable.auto.commit": False,
        "receive.message.max.bytes": 1000000000,
    })
    consumer.assign([TopicPartition(topic, p, -2) for p in range(partitions)])
    received = 0
    size = 0
    start = None
    while received < count:
        for message in consumer.consume(num_messages=1000, timeout=1.0):
            if message.error() is not None:
                if message.error().code() != KafkaError._PARTITION_EOF:
                    raise RuntimeError(str(message.error()))
                continue
            if start is None:
                start = time.perf_counter()
            received += 1
            size += len(message.value())
    seconds = time.perf_counter() - start
    consumer.close()
    if size == 0:
        raise RuntimeError("no payload consumed")
    return seconds


def send_latency(brokers, topic, count):
    # Like HeraldKafka's awaited send(): produce one record and wait for its delivery report.
    # (flush() would be faster but is not the same thing: it makes librdkafka skip linger.ms.)
    producer = Producer(producer_config(brokers))
    value = b"a" * 100
    producer.produce(topic, value)
    producer.flush()
    latencies = []
    done = []
    start = time.perf_counter()
    for _ in range(count):
        sent = time.perf_counter()
        done.clear()
        producer.produce(topic, value, on_delivery=lambda error, _message: done.append(error))
        while not done:
            producer.poll(1.0)
        if done[0] is not None:
            raise RuntimeError(str(done[0]))
        latencies.append((time.perf_counter() - sent) * 1000)
    return time.perf_counter() - start, latencies


WORKLOADS = ["produce_100b", "produce_1kb", "txn_500", "txn_50", "consume_100b", "send_latency"]


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--brokers", default="127.0.0.1:9092")
    parser.add_argument("--partitions", type=int, default=3)
    parser.add_argument("--messages", type=int, required=True, help="records in this workload")
    parser.add_argument("--workload", choices=WORKLOADS, required=True)
    parser.add_argument("--run-id", default=uuid.uuid4().hex[:8],
                        help="names the topics; consume_100b reads what produce_100b wrote under the same id")
    args = parser.parse_args()
    b, n, parts, workload = args.brokers, args.messages, args.partitions, args.workload

    if workload == "consume_100b":
        topic = topic_name(args.run_id, "produce_100b")
        emit(workload, n, consume(b, topic, parts, n))
        delete_topic(b, topic)
        return
    topic = create_topic(b, topic_name(args.run_id, workload), parts)
    if workload == "produce_100b":
        emit(workload, n, produce(b, topic, n, 100))
    elif workload == "produce_1kb":
        emit(workload, n, produce(b, topic, n, 1024))
    elif workload in ("txn_500", "txn_50"):
        seconds, latencies = transactions(b, topic, n, int(workload.split("_")[1]))
        emit(workload, n, seconds, latencies)
    elif workload == "send_latency":
        seconds, latencies = send_latency(b, topic, n)
        emit(workload, n, seconds, latencies)
    if workload != "produce_100b":
        delete_topic(b, topic)


if __name__ == "__main__":
    sys.exit(main())
