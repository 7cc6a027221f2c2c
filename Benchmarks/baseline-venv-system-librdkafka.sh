#!/usr/bin/env bash
# Builds .venv-system-rdkafka: confluent-kafka compiled from source against the system librdkafka
# (the one Herald links), the default `--python` of `herald-bench route`, so its baseline runs on
# the same librdkafka as Herald. The default .venv uses the wheel, which bundles a newer librdkafka
# (2.16 vs Debian's 2.0.2): on the local broker that alone makes the same loop 2.5–2.7× as fast at
# 500 events per transaction and 1.2× at 50 (Benchmarks/README.md).
set -euo pipefail
cd "$(dirname "$0")/.."
version="$(pkg-config --modversion rdkafka)"
venv=.venv-system-rdkafka
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/pip" install -q --disable-pip-version-check --no-binary confluent-kafka "confluent-kafka==$version"
"$venv/bin/python" -c 'import confluent_kafka as c; print("confluent-kafka", c.version()[0], "on librdkafka", c.libversion()[0])'
