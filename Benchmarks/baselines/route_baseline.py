#!/usr/bin/env python3
"""The baseline for `herald-bench route`: a confluent-kafka consume-transform-produce loop with
exactly-once semantics (read_committed input, transactional producer, offsets sent with the
consumer group metadata), the loop confluent-kafka's EOS example shows. It reads the events topic
the Herald side also reads (under its own group), turns each record into one output record
(headers parsed, key = an endpoint id) and commits every `--batch` records. No de-duplication,
no route matching.

Prints one JSON object: {"workload", "messages", "seconds"}, timed from the first record consumed.
"""
import argparse
import json
import time
import uuid

from confluent_kafka import Consumer, Producer
from confluent_kafka.admin import AdminClient, NewTopic


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--brokers", required=True)
    parser.add_argument("--input", required=True)
    parser.add_argument("--output", required=True)
    parser.add_argument("--partitions", type=int, default=3)
    parser.add_argument("--messages", type=int, required=True)
    parser.add_argument("--batch", type=int, required=True)
    args = parser.parse_args()

    admin = AdminClient({"bootstrap.servers": args.brokers})
    admin.create_topics([NewTopic(args.output, args.partitions, 1)])[args.output].result()

    run = uuid.uuid4().hex[:8]
    consumer = Consumer({
        "bootstrap.servers": args.brokers,
        "group.id": f"herald-bench.python-router.{run}",
        "isolation.level": "read_committed",
        "auto.offset.reset": "earliest",
        "enable.auto.commit": False,
        "enable.auto.offset.store": False,
        "receive.message.max.bytes": 1000000000,
    })
    producer = Producer({
        "bootstrap.servers": args.brokers,
        "transactional.id": f"herald-bench.python-router.{run}",
        "enable.idempotence": True,
        "partitioner": "murmur2_random",
        "linger.ms": 5,
    })
    producer.init_transactions()
    consumer.subscribe([args.input])

    done = 0
    start = None
    while done < args.messages:
        batch = []
        while len(batch) < args.batch and done + len(batch) < args.messages:
            messages = consumer.consume(num_messages=args.batch - len(batch), timeout=1.0)
            batch.extend(m for m in messages if m.error() is None)
            if not messages and batch:
                break
        if not batch:
            continue
        if start is None:
            start = time.perf_counter()
        producer.begin_transaction()
        for message in batch:
            headers = dict(message.headers() or [])
            event_id = headers.get("ce_id", b"")
            producer.produce(args.output, key=b"endpoint-1", value=message.value(), headers=[("ce_id", event_id)])
            producer.poll(0)
        producer.send_offsets_to_transaction(
            consumer.position(consumer.assignment()), consumer.consumer_group_metadata())
        producer.commit_transaction()
        done += len(batch)
    seconds = time.perf_counter() - start
    consumer.close()
    admin.delete_topics([args.output])[args.output].result()
    print(json.dumps({"workload": f"route_{args.batch}", "messages": done, "seconds": seconds}), flush=True)


if __name__ == "__main__":
    main()
