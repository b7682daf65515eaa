#!/usr/bin/env bash
# Open311 GeoReport v2 against a real client (issue 20): a fresh `sportello serve --demo` on
# loopback, on SQLite and then on PostgreSQL 15; a key issued with `sportello admin
# open311-key`; the `georeport` client from PyPI (in a venv under target/) reads services and
# requests in JSON and XML and finds the report filed with the key (.ci/open311_client.py).
set -euo pipefail
cd "$(dirname "$0")/.."
bin="${SPORTELLO_BIN:-target/debug/sportello}"
venv="$PWD/target/open311-venv"
[ -x "$venv/bin/python" ] && "$venv/bin/python" -c 'import georeport' 2>/dev/null || {
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check georeport==0.3.1
}
work=$(mktemp -d)
server=""
trap '[ -n "$server" ] && kill $server 2>/dev/null; rm -rf "$work"' EXIT

start() { # $1: a name; the rest: options for the server and the key's command
  local name=$1; shift
  mkdir -p "$work/$name"
  SPORTELLO__LOG__LEVEL=warn SPORTELLO__JOBS__INTERVAL_SECONDS=0 \
    "$bin" serve --demo --listen 127.0.0.1:0 --data-dir "$work/$name" "$@" >"$work/$name.out" 2>"$work/$name.err" &
  server=$!
  url=""
  for _ in $(seq 1 240); do
    url=$(grep -o 'http://127\.0\.0\.1:[0-9]*' "$work/$name.out" | head -1 || true)
    [ -n "$url" ] && break
    sleep 0.5
  done
  [ -n "$url" ] || { echo "the demo server ($name) did not start"; cat "$work/$name.err"; exit 1; }
  key=$(SPORTELLO__LOG__LEVEL=warn "$bin" admin open311-key --ente 049009 --label "georeport (CI)" --data-dir "$work/$name" "$@")
  echo "--- $name: georeport against $url"
  "$venv/bin/python" .ci/open311_client.py "$url" "$key"
  kill $server; wait $server 2>/dev/null || true; server=""
}

start sqlite
pg=$(bash .ci/postgres.sh)
su postgres -c "psql -q -c 'DROP DATABASE IF EXISTS open311_ci' -c 'CREATE DATABASE open311_ci OWNER sportello'" >/dev/null
start postgres --database-url "${pg%/*}/open311_ci"
