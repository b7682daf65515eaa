#!/usr/bin/env bash
# Open data against the real clients (issue 19): a fresh `sportello serve --demo` on loopback,
# on SQLite and then on PostgreSQL 15; pySHACL (from PyPI, in a venv under target/) validates
# Livorno's catalogue and the region's, in DCAT-AP_IT, against the EU DCAT-AP shapes and the
# project's shapes of the Italian profile (crates/sportello/tests/schemas/dcat-ap_it), and must
# refuse two broken copies; `ckanapi` lists, shows, searches and dumps every dataset through
# the CKAN-compatible API. Fails on any error or count that is not the catalogue's.
set -euo pipefail
cd "$(dirname "$0")/.."
bin="${SPORTELLO_BIN:-target/debug/sportello}"
venv="$PWD/target/opendata-venv"
[ -x "$venv/bin/ckanapi" ] && [ -x "$venv/bin/pyshacl" ] || {
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check pyshacl==0.40.1 ckanapi==4.11
}
export PATH="$venv/bin:$PATH" # ckanapi's dump starts workers named `ckanapi`
shapes=crates/sportello/tests/schemas/dcat-ap_it
enti=$(($(wc -l < data/comuni-toscana.csv 2>/dev/null || echo 274) - 1))
work=$(mktemp -d)
server=""
trap '[ -n "$server" ] && kill $server 2>/dev/null; rm -rf "$work"' EXIT

start() { # $1: a name; the rest: environment for the server
  local name=$1; shift
  mkdir -p "$work/$name"
  env SPORTELLO__LOG__LEVEL=warn SPORTELLO__JOBS__INTERVAL_SECONDS=0 "$@" \
    "$bin" serve --demo --listen 127.0.0.1:0 --data-dir "$work/$name" >"$work/$name.out" 2>"$work/$name.err" &
  server=$!
  url=""
  for _ in $(seq 1 240); do
    url=$(grep -o 'http://127\.0\.0\.1:[0-9]*' "$work/$name.out" | head -1 || true)
    [ -n "$url" ] && break
    sleep 0.5
  done
  [ -n "$url" ] || { echo "the demo server ($name) did not start"; cat "$work/$name.err"; exit 1; }
}

check() { # $1: a name
  local name=$1
  echo "--- $name: ckanapi against $url"
  ckanapi action status_show -r "$url" | grep -q '"ckan_version"'
  # The region's two datasets, every ente's services, and the datasets with data in them.
  expected=$(ckanapi action package_list -r "$url" | grep -c '"[a-z0-9_]*-[a-z-]*"')
  [ "$expected" -gt $((2 + enti)) ] || { echo "package_list: $expected datasets"; exit 1; }
  ckanapi action package_show id=c_e625-tempi-procedimenti -r "$url" | grep -q '"identifier": "c_e625:tempi-procedimenti"'
  ckanapi action package_search q=albo fq=organization:c_e625 rows=5 -r "$url" | grep -q '"count": 1'
  ckanapi action package_search 'fq=metadata_modified:[2000-01-01T00:00:00Z TO *]' rows=0 -r "$url" \
    | grep -q "\"count\": $expected"
  ckanapi dump datasets --all -O "$work/$name.jsonl" -r "$url" >/dev/null 2>&1
  dumped=$(wc -l < "$work/$name.jsonl")
  [ "$dumped" -eq "$expected" ] || { echo "dump: $dumped datasets, expected $expected"; exit 1; }
  echo "$name: package_list, package_show, package_search and dump agree on $expected datasets"
}

start sqlite
curl -sf "$url/livorno/dati/catalogo.ttl" -o "$work/livorno.ttl"
curl -sf "$url/dati/catalogo.ttl" -o "$work/region.ttl"
curl -sf "$url/livorno/dati/catalogo.rdf" -o "$work/livorno.rdf"
python3 -c "import sys, xml.dom.minidom as m; m.parse(sys.argv[1])" "$work/livorno.rdf"
echo "--- pySHACL: DCAT-AP 1.2 shapes and the project's DCAT-AP_IT shapes"
"$venv/bin/python" "$shapes/validate.py" "$work/livorno.ttl" "$work/region.ttl"
grep -v 'dct:rightsHolder' "$work/livorno.ttl" > "$work/no-holder.ttl"
sed 's/"c_e625:tempi-procedimenti"/"c_a000:tempi-procedimenti"/' "$work/livorno.ttl" > "$work/wrong-id.ttl"
"$venv/bin/python" "$shapes/validate.py" --must-fail "$work/no-holder.ttl" "$work/wrong-id.ttl" | grep -v '^\s'
check sqlite
kill $server; wait $server 2>/dev/null || true; server=""

pg=$(bash .ci/postgres.sh)
su postgres -c "psql -q -c 'DROP DATABASE IF EXISTS opendata_ci' -c 'CREATE DATABASE opendata_ci OWNER sportello'" >/dev/null
start postgres SPORTELLO__DATABASE__URL="${pg%/*}/opendata_ci"
check postgres
