"""Herald's registry through the unmodified Confluent Python client: SchemaRegistryClient calls,
and AvroSerializer → Kafka → AvroDeserializer while the schema evolves from v1 to v2."""
import json
import uuid

import pytest
from confluent_kafka import Consumer, Producer
from confluent_kafka.admin import AdminClient, NewTopic
from confluent_kafka.schema_registry import Schema, SchemaRegistryClient
from confluent_kafka.schema_registry.avro import AvroDeserializer, AvroSerializer
from confluent_kafka.schema_registry.error import SchemaRegistryError
from confluent_kafka.serialization import MessageField, SerializationContext

ORDER_V1 = json.dumps({
    "type": "record", "name": "OrderShipped", "namespace": "com.example",
    "fields": [{"name": "order_id", "type": "string"}, {"name": "items", "type": "int"}],
})
ORDER_V2 = json.dumps({
    "type": "record", "name": "OrderShipped", "namespace": "com.example",
    "fields": [{"name": "order_id", "type": "string"}, {"name": "items", "type": "int"},
               {"name": "carrier", "type": "string", "default": "unknown"}],
})
ORDER_BREAKING = json.dumps({
    "type": "record", "name": "OrderShipped", "namespace": "com.example",
    "fields": [{"name": "order_id", "type": "string"}, {"name": "weight", "type": "double"}],
})


@pytest.fixture()
def client(registry, admin_key):
    # Confluent's HTTP Basic credentials: the key id as user, the secret as password.
    return SchemaRegistryClient({"url": registry.url, "basic.auth.user.info": f"{admin_key.id}:{admin_key.secret}"})


def subject_name(prefix):
    return f"{prefix}-{uuid.uuid4().hex[:8]}-value"


def test_register_get_versions_and_lookup(client):
    subject = subject_name("orders")
    schema_id = client.register_schema(subject, Schema(ORDER_V1, "AVRO"))
    assert client.register_schema(subject, Schema(ORDER_V1, "AVRO")) == schema_id
    assert json.loads(client.get_schema(schema_id).schema_str) == json.loads(ORDER_V1)
    v2_id = client.register_schema(subject, Schema(ORDER_V2, "AVRO"))
    assert v2_id != schema_id
    assert client.get_versions(subject) == [1, 2]
    latest = client.get_latest_version(subject)
    assert (latest.version, latest.schema_id) == (2, v2_id)
    assert client.get_version(subject, 1).schema_id == schema_id
    found = client.lookup_schema(subject, Schema(ORDER_V1, "AVRO"))
    assert (found.version, found.schema_id) == (1, schema_id)
    assert subject in client.get_subjects()


def test_compatibility_and_config(client):
    subject = subject_name("compat")
    client.register_schema(subject, Schema(ORDER_V1, "AVRO"))
    assert client.test_compatibility(subject, Schema(ORDER_V2, "AVRO")) is True
    assert client.test_compatibility(subject, Schema(ORDER_BREAKING, "AVRO")) is False
    with pytest.raises(SchemaRegistryError) as rejected:
        client.register_schema(subject, Schema(ORDER_BREAKING, "AVRO"))
    assert rejected.value.http_status_code == 409
    assert rejected.value.error_code == 409

    client.set_compatibility(subject_name=subject, level="NONE")
    assert client.get_compatibility(subject) == "NONE"
    client.register_schema(subject, Schema(ORDER_BREAKING, "AVRO"))
    assert client.get_compatibility() == "BACKWARD"


def test_delete_soft_then_permanent(client):
    subject = subject_name("deleted")
    client.register_schema(subject, Schema(ORDER_V1, "AVRO"))
    client.register_schema(subject, Schema(ORDER_V2, "AVRO"))
    assert client.delete_version(subject, 2) == 2
    assert client.get_versions(subject) == [1]
    assert client.delete_subject(subject) == [1]
    assert subject not in client.get_subjects()
    # A permanent delete removes every version, the ones soft-deleted earlier too.
    assert client.delete_subject(subject, permanent=True) == [1, 2]
    with pytest.raises(SchemaRegistryError) as missing:
        client.get_versions(subject)
    assert missing.value.error_code == 40401


def test_avro_serializer_round_trip_across_schema_evolution(registry, client, brokers):
    topic = f"herald-interop.orders.{uuid.uuid4().hex[:8]}"
    admin = AdminClient({"bootstrap.servers": brokers})
    admin.create_topics([NewTopic(topic, 1, 1)])[topic].result()
    producer = Producer({"bootstrap.servers": brokers})
    v1 = AvroSerializer(client, ORDER_V1)
    v2 = AvroSerializer(client, ORDER_V2)
    context = SerializationContext(topic, MessageField.VALUE)
    sent = [
        (v1, {"order_id": "o-1", "items": 1}),
        (v1, {"order_id": "o-2", "items": 2}),
        (v2, {"order_id": "o-3", "items": 3, "carrier": "dhl"}),
    ]
    for serializer, value in sent:
        producer.produce(topic, value=serializer(value, context))
    assert producer.flush(30) == 0
    assert client.get_versions(f"{topic}-value") == [1, 2]

    # A reader on v2 reads v1 data with the default filled in (resolution via the registry's ids).
    reader = AvroDeserializer(client, ORDER_V2)
    consumer = Consumer({"bootstrap.servers": brokers, "group.id": f"interop-{uuid.uuid4().hex[:8]}",
                         "auto.offset.reset": "earliest"})
    consumer.subscribe([topic])
    received = []
    try:
        for _ in range(300):
            message = consumer.poll(0.1)
            if message is None or message.error():
                continue
            received.append(reader(message.value(), context))
            if len(received) == len(sent):
                break
    finally:
        consumer.close()
    assert received == [
        {"order_id": "o-1", "items": 1, "carrier": "unknown"},
        {"order_id": "o-2", "items": 2, "carrier": "unknown"},
        {"order_id": "o-3", "items": 3, "carrier": "dhl"},
    ]


def test_missing_versions_and_reserved_attributes_answer_as_confluent(client):
    subject = subject_name("parity")
    # A compatibility check against a version that does not exist: 40402, Confluent's message.
    with pytest.raises(SchemaRegistryError) as missing:
        client.test_compatibility(subject, Schema(ORDER_V1, "AVRO"), version=1)
    assert missing.value.error_code == 40402
    assert missing.value.error_message == "Version 1 not found."
    # Avro ignores a name on a primitive: the client finds the registered schema without it.
    schema_id = client.register_schema(subject, Schema('{"type":"int","name":"xname"}', "AVRO"))
    assert client.lookup_schema(subject, Schema('{"type":"int"}', "AVRO")).schema_id == schema_id


def test_without_credentials_the_client_gets_401(registry, admin_key):
    anonymous = SchemaRegistryClient({"url": registry.url})
    with pytest.raises(SchemaRegistryError) as refused:
        anonymous.get_subjects()
    assert refused.value.http_status_code == 401
    assert refused.value.error_code == 40101
    wrong = SchemaRegistryClient({"url": registry.url, "basic.auth.user.info": admin_key.id + ":" + "0" * 64})
    with pytest.raises(SchemaRegistryError) as refused:
        wrong.register_schema(subject_name("refused"), Schema(ORDER_V1, "AVRO"))
    assert refused.value.http_status_code == 401
