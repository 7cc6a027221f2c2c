#!/usr/bin/env bash
# `make compose-check`: validates compose/compose.yaml with Docker Compose (the `docker compose`
# plugin, else the standalone `docker-compose`), then checks Herald's own invariants of the file
# (compose/check.py). No container is started and no image is built or pulled.
set -euo pipefail
cd "$(dirname "$0")/.."
file=compose/compose.yaml

# The stack refuses to start without HERALD_SECRET_KEY (compose/.env); the check does not need a
# real one. A value already in the environment or in compose/.env wins over this placeholder.
if [ -z "${HERALD_SECRET_KEY:-}" ] && ! grep -qs '^HERALD_SECRET_KEY=' compose/.env; then
  export HERALD_SECRET_KEY=compose-check-placeholder-not-a-key
fi

if docker compose version >/dev/null 2>&1; then
  validator=(docker compose)
elif command -v docker-compose >/dev/null 2>&1; then
  validator=(docker-compose)
else
  cat >&2 <<'TEXT'
compose-check: no Compose validator found. Install one of:
  * Docker with the Compose plugin (`docker compose`), or
  * Debian's standalone docker-compose:  sudo apt-get install docker-compose
TEXT
  exit 2
fi

echo "validating $file with: ${validator[*]} ($("${validator[@]}" version --short 2>/dev/null || echo unknown version))"
"${validator[@]}" -f "$file" config --quiet
services=$("${validator[@]}" -f "$file" config --services | sort | tr '\n' ' ')
echo "ok: services $services"

if python3 -c 'import yaml' 2>/dev/null; then
  python3 compose/check.py "$file"
else
  echo "skipped compose/check.py: python3 with PyYAML is not installed (Debian: python3-yaml)"
fi
