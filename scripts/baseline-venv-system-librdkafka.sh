#!/usr/bin/env bash
# Builds .venv-system-rdkafka: confluent-kafka compiled from source against the system librdkafka
# (the one Herald links), so `herald bench route --python .venv-system-rdkafka/bin/python` runs
# the baseline on the same librdkafka as Herald. The default .venv uses the wheel, which bundles
# a newer librdkafka (2.16 vs Debian's 2.0.2), and that alone roughly halves the baseline's
# per-transaction time on the local broker.
set -euo pipefail
cd "$(dirname "$0")/.."
version="$(pkg-config --modversion rdkafka)"
venv=.venv-system-rdkafka
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/pip" install -q --disable-pip-version-check --no-binary confluent-kafka "confluent-kafka==$version"
"$venv/bin/python" -c 'import confluent_kafka as c; print("confluent-kafka", c.version()[0], "on librdkafka", c.libversion()[0])'
