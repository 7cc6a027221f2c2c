#!/usr/bin/env bash
# Starts and stops a throwaway PostgreSQL server (Debian's `postgresql`) for the delivery log's
# PostgreSQL tests. `up` initialises a fresh cluster under .build/postgres on a free port
# (HERALD_POSTGRES_PORT to choose one) and waits until it accepts connections; `url` prints its
# postgres:// URL; `down` stops exactly the server `up` started. As root, the server runs as the
# `postgres` user (PostgreSQL refuses to run as root).
set -euo pipefail

cd "$(dirname "$0")/.."
state="$(pwd)/.build/postgres"
data="$state/data"
bin="/usr/lib/postgresql/$(ls /usr/lib/postgresql 2>/dev/null | sort -V | tail -1)/bin"

as_server() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

up() {
  [ -x "$bin/pg_ctl" ] || { echo "postgres: no server in /usr/lib/postgresql (apt-get install postgresql)" >&2; exit 1; }
  if [ -f "$state/port" ] && as_server "$bin/pg_ctl" -D "$data" status >/dev/null 2>&1; then
    echo "postgres: already running on 127.0.0.1:$(cat "$state/port")"
    return
  fi
  rm -rf "$state"
  mkdir -p "$data"
  local port="${HERALD_POSTGRES_PORT:-$(free_port)}"
  echo "$port" >"$state/port"
  [ "$(id -u)" = 0 ] && chown -R postgres "$state"
  as_server "$bin/initdb" -D "$data" -U postgres --auth=trust -E UTF8 >"$state/initdb.log" 2>&1 \
    || { echo "postgres: initdb failed; its log ($state/initdb.log):" >&2; tail -20 "$state/initdb.log" >&2; exit 1; }
  as_server "$bin/pg_ctl" -D "$data" -l "$state/log" -w -t 60 \
    -o "-p $port -k $state -c listen_addresses=127.0.0.1 -c fsync=off" start >/dev/null \
    || { echo "postgres: did not start; its log ($state/log):" >&2; tail -20 "$state/log" >&2; exit 1; }
  echo "postgres: ready on 127.0.0.1:$port (data $data, log $state/log)"
}

url() {
  [ -f "$state/port" ] || { echo "postgres: not running (scripts/postgres.sh up)" >&2; exit 1; }
  echo "postgres://postgres@127.0.0.1:$(cat "$state/port")/postgres"
}

down() {
  [ -f "$state/port" ] || { echo "postgres: not running"; return; }
  as_server "$bin/pg_ctl" -D "$data" -m fast -w stop >/dev/null 2>&1 || true
  rm -f "$state/port"
  echo "postgres: stopped"
}

case "${1:-}" in
  up) up ;;
  url) url ;;
  down) down ;;
  *) echo "usage: $0 up|url|down" >&2; exit 2 ;;
esac
