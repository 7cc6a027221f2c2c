# Writes N keys (first seen now) to a de-duplication changelog topic over P partitions, as the router
# writes them; creates the topic (compacted) when missing. Usage: fill-changelog.py BROKERS TOPIC N P [FIRST]
import sys, time
from confluent_kafka import Producer
from confluent_kafka.admin import AdminClient, NewTopic
brokers, topic, n, partitions = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
first = int(sys.argv[5]) if len(sys.argv) > 5 else 0
admin = AdminClient({"bootstrap.servers": brokers})
try:
    admin.create_topics([NewTopic(topic, partitions, 1, config={"cleanup.policy": "compact"})])[topic].result()
except Exception as error:
    if "already exists" not in str(error):
        raise
p = Producer({"bootstrap.servers": brokers, "linger.ms": 20, "batch.num.messages": 10000, "queue.buffering.max.messages": 500000})
now = str(int(time.time() * 1000)).encode()
for i in range(first, first + n):
    while True:
        try:
            p.produce(topic, key=f"/shops/shop-{i % 1000}|evt_{i:016x}".encode(), value=now, partition=i % partitions)
            break
        except BufferError:
            p.poll(0.1)
p.flush()
print(f"wrote {n} keys to {topic} ({partitions} partitions)")
