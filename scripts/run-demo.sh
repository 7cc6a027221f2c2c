#!/usr/bin/env bash
# `make run`: starts the local broker and shows Herald working against it. Until the services
# land this is the version check of the linked C libraries.
set -euo pipefail
cd "$(dirname "$0")/.."
herald=".build/release/herald"

scripts/broker.sh up
trap 'scripts/broker.sh down' EXIT

echo
"$herald" version
