"""fastavro baseline for `herald-bench avro`: the same workloads on the same records.

Reads the schema and newline-delimited natural-JSON records written by the Swift side, runs each
workload for --seconds, and prints one line per workload: `<key> <records per second>`.
"""
import argparse
import io
import json
import time

from fastavro import parse_schema, schemaless_reader, schemaless_writer


def measure(seconds, records, body):
    for record in records[:2000]:
        body(record)
    count = 0
    start = time.perf_counter()
    deadline = start + seconds
    while True:
        for record in records:
            body(record)
        count += len(records)
        now = time.perf_counter()
        if now >= deadline:
            return count / (now - start)


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--schema", required=True)
    parser.add_argument("--records", required=True)
    parser.add_argument("--seconds", type=float, default=2.0)
    args = parser.parse_args()

    with open(args.schema) as f:
        schema = parse_schema(json.load(f))
    with open(args.records, "rb") as f:
        texts = [line for line in f.read().split(b"\n") if line]
    values = [json.loads(text) for text in texts]

    def encode(value):
        buffer = io.BytesIO()
        schemaless_writer(buffer, schema, value)
        return buffer.getvalue()

    binaries = [encode(value) for value in values]

    def decode(binary):
        return schemaless_reader(io.BytesIO(binary), schema)

    # fastavro has no bytes-only validator: decoding is how it checks a payload. Its writer
    # type-checks as it encodes, so no separate validate() pass is charged to it either.
    def decode_validate(binary):
        return schemaless_reader(io.BytesIO(binary), schema)

    def json_to_binary(text):
        return encode(json.loads(text))

    def binary_to_json(binary):
        return json.dumps(decode(binary), ensure_ascii=False, separators=(",", ":"))

    workloads = [
        ("encode", values, encode),
        ("decode", binaries, decode),
        ("validate", binaries, decode_validate),
        ("json_to_binary", texts, json_to_binary),
        ("binary_to_json", binaries, binary_to_json),
    ]
    for key, inputs, body in workloads:
        rate = measure(args.seconds, inputs, body)
        print(f"{key} {rate:.0f}", flush=True)


if __name__ == "__main__":
    main()
