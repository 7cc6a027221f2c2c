#!/usr/bin/env python3
# noida-db 0.2.3 repro: after ONE aborted transaction on a partition, a read_committed consumer
# whose fetch starts past the abort marker never receives a later committed record of the same
# transactional.id (noida keeps one producer id per transactional.id and lists the aborted
# transaction, as (producer id, first offset) without its end, in every fetch response; librdkafka
# then skips every later batch of that producer id, waiting for an abort marker it already passed).
# usage: .venv/bin/python scripts/noida-aborted-txn-repro.py 127.0.0.1:PORT
import sys, uuid
from confluent_kafka import Producer, Consumer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic
B = sys.argv[1]; T = f"abort-repro-{uuid.uuid4().hex[:6]}"
a = AdminClient({"bootstrap.servers": B}); a.create_topics([NewTopic(T, 1, 1)])[T].result()
p = Producer({"bootstrap.servers": B, "transactional.id": f"tid-{T}"}); p.init_transactions(10)
def txn(values, commit):
    p.begin_transaction()
    for v in values: p.produce(T, v.encode())
    p.flush(10); (p.commit_transaction if commit else p.abort_transaction)(10)
txn(["c1", "c2"], True)        # offsets 0,1 + commit marker 2
txn(["a1"], False)             # offset 3 + abort marker 4
txn(["c3", "c4"], True)        # offsets 5,6 + commit marker 7
txn(["c5"], True)              # offset 8 + commit marker 9
def read(start):
    c = Consumer({"bootstrap.servers": B, "group.id": "repro", "isolation.level": "read_committed", "enable.auto.commit": False})
    c.assign([TopicPartition(T, 0, start)])
    got = []
    for _ in range(10): got += [m.value().decode() for m in c.consume(100, 0.3) if not m.error()]
    c.close(); return got
lso = Consumer({"bootstrap.servers": B, "group.id": "repro", "isolation.level": "read_committed"}).get_watermark_offsets(TopicPartition(T, 0), timeout=10)
print("LSO/high watermark (read_committed ListOffsets):", lso)
expected = {0: ["c1", "c2", "c3", "c4", "c5"], 3: ["c3", "c4", "c5"], 4: ["c3", "c4", "c5"], 5: ["c3", "c4", "c5"], 8: ["c5"]}
wrong = 0
for start, want in expected.items():
    got = read(start)
    wrong += got != want
    print(f"read_committed from offset {start}: {got}{'' if got == want else f'  (Kafka: {want})'}")
sys.exit(1 if wrong else 0)
