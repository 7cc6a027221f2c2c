#!/usr/bin/env bash
# Fails when regenerating Sources/HeraldProtos from Protos/ would change the committed files.
set -euo pipefail
cd "$(dirname "$0")/.."
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
dev/generate-protos.sh "$scratch" >/dev/null
if ! diff -ru Sources/HeraldProtos "$scratch"; then
  echo "Sources/HeraldProtos is stale: run 'make generate' and commit the result." >&2
  exit 1
fi
echo "generated code is up to date"
