#!/usr/bin/env python3
"""Writes the seed corpora of the fuzz targets for the services' request handling
(Corpus/fuzz-registry-rest, fuzz-registry-grpc, fuzz-event, fuzz-producer-grpc, fuzz-router-grpc,
fuzz-keys-grpc) in each target's input format (see its main.swift). Run from anywhere: python3 Fuzz/seeds.py"""
import hashlib
import json
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
ORDER = {"type": "record", "name": "Order", "namespace": "com.example",
         "fields": [{"name": "id", "type": "string"}, {"name": "amount", "type": "double"}]}
NEW = {"type": "record", "name": "Shipment", "fields": [{"name": "id", "type": "string"}]}
INVOICE = {"type": "record", "name": "Invoice", "namespace": "com.example",
           "fields": [{"name": "customer", "type": "com.example.Customer"}, {"name": "total", "type": "long"}]}


def write(target, seeds):
    folder = os.path.join(HERE, "Corpus", target)
    os.makedirs(folder, exist_ok=True)
    for seed in seeds:
        name = hashlib.sha1(seed).hexdigest()[:16]
        with open(os.path.join(folder, name), "wb") as file:
            file.write(seed)


# fuzz-registry-rest: method byte, path, 0, header lines, 0, body, 0 (per request)
METHODS = {"GET": 0, "POST": 1, "PUT": 2, "DELETE": 3, "HEAD": 4, "PATCH": 5, "OPTIONS": 6}
JSON_TYPE = "Content-Type: application/vnd.schemaregistry.v1+json"


def rest(*requests):
    out = b""
    for method, path, body in requests:
        headers = JSON_TYPE if body else "Accept: application/json"
        text = body if isinstance(body, str) else (json.dumps(body) if body is not None else "")
        out += bytes([METHODS[method]]) + path.encode() + b"\0" + headers.encode() + b"\0" + text.encode() + b"\0"
    return out


write("fuzz-registry-rest", [
    rest(("GET", "/subjects", None), ("GET", "/subjects/orders-value/versions/latest", None)),
    rest(("POST", "/subjects/shipments-value/versions", {"schema": json.dumps(NEW)}),
         ("DELETE", "/subjects/shipments-value/versions/1", None),
         ("DELETE", "/subjects/shipments-value/versions/1?permanent=true", None)),
    rest(("POST", "/compatibility/subjects/orders-value/versions?verbose=true", {"schema": json.dumps(ORDER)}),
         ("POST", "/compatibility/subjects/orders-value/versions/1", {"schema": "\"string\""})),
    rest(("PUT", "/config/orders-value", {"compatibility": "NONE"}), ("PUT", "/mode/imported", {"mode": "READONLY"}),
         ("GET", "/config/orders-value?defaultToGlobal=true", None), ("DELETE", "/config/orders-value", None)),
    rest(("POST", "/subjects/imported/versions", {"schema": "\"long\"", "id": 100, "version": 3}),
         ("GET", "/schemas/ids/100", None)),
    rest(("GET", "/schemas/ids/1", None), ("GET", "/schemas/ids/3/subjects", None),
         ("GET", "/subjects/customer/versions/1/referencedby", None), ("GET", "/schemas/ids/2/versions", None)),
    rest(("POST", "/subjects/orders-value?normalize=true", {"schema": json.dumps(ORDER)}),
         ("GET", "/subjects/orders-value/versions/2/schema", None)),
    rest(("GET", "/schemas?subjectPrefix=o&offset=1&limit=2&deleted=true", None), ("GET", "/schemas/types", None),
         ("GET", "/contexts", None), ("GET", "/mode", None), ("PUT", "/mode?force=true", {"mode": "IMPORT"})),
    rest(("DELETE", "/subjects/orders-value", None), ("DELETE", "/subjects/orders-value?permanent=true", None),
         ("GET", "/subjects?deleted=true", None)),
    rest(("POST", "/subjects/invoice-value/versions",
          {"schema": json.dumps(INVOICE), "schemaType": "AVRO",
           "references": [{"name": "com.example.Customer", "subject": "customer", "version": 1}]}),),
    rest(("GET", "/subjects/orders-value/versions/4294967296", None), ("DELETE", "/subjects/x/versions/-1", None),
         ("GET", "/healthz", None), ("GET", "/", None)),
])


# fuzz-registry-grpc: method byte, two-byte length, serialized request (per call)
REGISTRY = ["RegisterSchema", "GetSchema", "GetVersion", "LookupSchema", "ListSubjects", "ListVersions",
            "CheckCompatibility", "GetConfig", "SetConfig", "GetMode", "SetMode", "DeleteSubject", "DeleteVersion"]


def varint(value):
    value &= (1 << 64) - 1
    out = b""
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out += bytes([byte | 0x80])
        else:
            return out + bytes([byte])


def field(number, value):
    if isinstance(value, bool) or isinstance(value, int):
        return varint(number << 3) + varint(int(value))
    data = value if isinstance(value, bytes) else value.encode()
    return varint(number << 3 | 2) + varint(len(data)) + data


def message(*fields):
    return b"".join(field(number, value) for number, value in fields)


def grpc(*calls, methods=REGISTRY, streaming=()):
    """Each call: method byte, then its request (two-byte length, bytes); a streaming method's
    call has a list of requests, preceded by their count less one."""
    out = b""
    for method, body in calls:
        out += bytes([methods.index(method)])
        if method in streaming:
            out += bytes([len(body) - 1]) + b"".join(struct.pack(">H", len(part)) + part for part in body)
        else:
            out += struct.pack(">H", len(body)) + body
    return out


reference = message((1, "com.example.Customer"), (2, "customer"), (3, 1))
write("fuzz-registry-grpc", [
    grpc(("RegisterSchema", message((1, "shipments-value"), (2, json.dumps(NEW)))),
         ("DeleteVersion", message((1, "shipments-value"), (2, 1))),
         ("DeleteVersion", message((1, "shipments-value"), (2, 1), (3, True)))),
    grpc(("RegisterSchema", message((1, "invoice-value"), (2, json.dumps(INVOICE)), (3, reference), (4, True)))),
    grpc(("RegisterSchema", message((1, "imported"), (2, "\"long\""), (5, 100), (6, 3))), ("GetSchema", message((1, 100)))),
    grpc(("GetVersion", message((1, "orders-value"), (2, 2), (3, True))),
         ("LookupSchema", message((1, "orders-value"), (2, json.dumps(ORDER)), (4, True)))),
    grpc(("ListSubjects", message((1, True), (2, "o"))), ("ListVersions", message((1, "orders-value"), (2, True)))),
    grpc(("CheckCompatibility", message((1, "orders-value"), (2, json.dumps(ORDER)), (3, 1))),
         ("CheckCompatibility", message((1, "invoice-value"), (2, json.dumps(INVOICE)), (4, reference)))),
    grpc(("SetConfig", message((1, "orders-value"), (2, 7))), ("GetConfig", message((1, "orders-value"), (2, True))),
         ("SetConfig", message((2, 5)))),
    grpc(("SetMode", message((1, "imported"), (2, 2), (3, True))), ("GetMode", message((1, "imported")))),
    grpc(("DeleteSubject", message((1, "orders-value"))), ("DeleteSubject", message((1, "orders-value"), (2, True)))),
    grpc(("GetSchema", message((1, -1))), ("DeleteVersion", message((1, "orders-value"), (2, -5)))),
])


# fuzz-event: flags, id, source, type, subject (each ending in 0), time (12 bytes when flag 1),
# the schema reference (by the flags' bits 1-2), extension count and parts, payload
def event(flags, attributes, schema, extensions, payload, time=None):
    out = bytes([flags]) + b"".join(text.encode() + b"\0" for text in attributes)
    if flags & 1:
        out += struct.pack(">qi", *time)
    out += schema + bytes([len(extensions)])
    for name, value in extensions:
        out += name.encode() + b"\0" + value.encode() + b"\0"
    return out + payload


ATTRIBUTES = ["order-1", "/shop/demo", "com.example.order.placed", "orders/1"]
ORDER_JSON = json.dumps({"id": "o-1", "amount": 12.5}).encode()
ORDER_AVRO = bytes([6]) + b"o-1" + struct.pack("<d", 12.5)
TRACE = ("traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01")
write("fuzz-event", [
    event(0, ATTRIBUTES, bytes([0]), [], ORDER_JSON),
    event(32, ATTRIBUTES, bytes([0]), [], json.dumps({"id": "o-2", "amount": 1.0, "note": {"string": "x"}}).encode()),
    event(1 | 8, ATTRIBUTES, bytes([0]), [], ORDER_AVRO, time=(1_700_000_000, 5)),
    event(2, ATTRIBUTES, bytes([0]) + struct.pack(">i", 2), [TRACE, ("region", "eu")], ORDER_JSON),
    event(4, ATTRIBUTES, struct.pack(">i", 3), [], json.dumps({"name": "Ada"}).encode()),
    event(6, ATTRIBUTES, b"invoice-value\0" + struct.pack(">ii", 1, 0), [],
          json.dumps({"customer": {"name": "Ada"}, "total": 3}).encode()),
    event(16, ["", "not a uri reference", "", ""], bytes([0]), [("BadName", "v")], b""),
    event(0, ATTRIBUTES, bytes([0]), [], b"{" * 64),
    event(0, ATTRIBUTES, bytes([0]), [("x" * 40, "y" * 1500)], ORDER_JSON),
])


# fuzz-producer-grpc: calls as fuzz-registry-grpc's; PublishStream carries 1-4 requests
PRODUCER = ["Publish", "PublishBatch", "PublishStream"]


def producer(*calls):
    return grpc(*calls, methods=PRODUCER, streaming=("PublishStream",))


def event_message(id="order-1", source="/shop/demo", type="com.example.order.placed", subject="orders/1",
                  schema=message((1, "orders-value")), json_payload=ORDER_JSON, avro_payload=None, extensions=(), time=None):
    fields = [(1, id), (2, source), (3, type), (4, subject), (6, schema)]
    if time is not None:
        fields.append((5, message((1, time[0]), (2, time[1]))))
    fields.append((8, avro_payload) if avro_payload is not None else (7, json_payload))
    fields += [(9, message((1, name), (2, value))) for name, value in extensions]
    return message(*fields)


def publish(event):
    return message((1, event))


def batch(*events):
    return message(*((1, event) for event in events))


GOOD = event_message()
write("fuzz-producer-grpc", [
    producer(("Publish", publish(GOOD))),
    producer(("Publish", publish(event_message(avro_payload=ORDER_AVRO, time=(1_700_000_000, 5), extensions=[TRACE])))),
    producer(("Publish", publish(event_message(schema=message((3, 3)), json_payload=json.dumps({"name": "Ada"}).encode())))),
    producer(("PublishBatch", batch(GOOD, event_message(id="order-2", schema=message((1, "orders-value"), (2, 2)))))),
    producer(("PublishBatch", batch(GOOD, event_message(id="", source="not a uri reference")))),
    producer(("PublishStream", [publish(GOOD), publish(event_message(id="order-3", json_payload=b"{")),
                                publish(event_message(id="order-4", schema=message((1, "missing-value"))))])),
    producer(("Publish", publish(event_message(extensions=[("x" * 40, "y" * 2500)]))), ("PublishBatch", b"")),
    producer(("Publish", publish(event_message(schema=message((1, "invoice-value")),
                                               json_payload=json.dumps({"customer": {"name": "Ada"}, "total": 3}).encode())))),
])


# fuzz-router-grpc: calls as fuzz-registry-grpc's
ROUTER = ["PutRoute", "GetRoute", "DeleteRoute", "ListRoutes"]


def router(*calls):
    return grpc(*calls, methods=ROUTER)


def route(id, types=(), sources=(), subject_prefix="", extensions=(), endpoints=("billing",), enabled=True, description=""):
    route_filter = message(*([(1, t) for t in types] + [(2, s) for s in sources] + ([(3, subject_prefix)] if subject_prefix else [])
                             + [(4, message((1, k), (2, v))) for k, v in extensions]))
    return message((1, id), (2, route_filter), *((3, e) for e in endpoints), (4, enabled), (5, description))


write("fuzz-router-grpc", [
    router(("PutRoute", message((1, route("shipments", types=["com.example.shipment.*"], endpoints=["billing", "audit"])))),
           ("GetRoute", message((1, "shipments"))), ("DeleteRoute", message((1, "shipments")))),
    router(("PutRoute", message((1, route("orders", types=["com.example.order.placed"], sources=["/shop/*"], description="changed"))))),
    router(("PutRoute", message((1, route("eu", subject_prefix="invoices/", extensions=[("region", "eu")], enabled=False))))),
    router(("ListRoutes", b""), ("GetRoute", message((1, "orders"))), ("DeleteRoute", message((1, "eu-invoices"))),
           ("GetRoute", message((1, "eu-invoices")))),
    router(("PutRoute", message((1, route("", endpoints=[])))), ("PutRoute", b""), ("DeleteRoute", message((1, "missing")))),
    router(("PutRoute", message((1, route("bad id/with space", types=["*x*"], endpoints=["a" * 300]))))),
])


# fuzz-keys-grpc: calls as fuzz-registry-grpc's; the seeded keys' ids end in a1 (active) and b2 (revoked)
KEYS = ["CreateKey", "ListKeys", "RevokeKey"]


def keys(*calls):
    return grpc(*calls, methods=KEYS)


def create_key(name, scopes=(), types=(), sources=()):
    return message((1, name), *((2, s) for s in scopes), *((3, t) for t in types), *((4, s) for s in sources))


write("fuzz-keys-grpc", [
    keys(("CreateKey", create_key("ci", ["events:publish"], ["com.example.*"], ["/shop/*"])), ("ListKeys", b"")),
    keys(("RevokeKey", message((1, "00000000000000a1"))), ("RevokeKey", message((1, "00000000000000a1")))),
    keys(("RevokeKey", message((1, "00000000000000b2"))), ("RevokeKey", message((1, "00000000000000c3")))),
    keys(("CreateKey", create_key("admin", ["keys:admin", "schemas:write", "routes:write", "endpoints:write"]))),
    keys(("CreateKey", create_key("bad\u0001name", ["nope"])), ("RevokeKey", message((1, "NOT-AN-ID")))),
    keys(("CreateKey", create_key("x" * 250, ["events:publish"], ["a" * 500])), ("ListKeys", b"")),
])
