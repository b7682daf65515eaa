#!/usr/bin/env bash
# HTTP baseline: requests per second and latency of the region home (/) and a municipality
# home (/livorno/) of the demo, under wrk (Debian's package). Starts a release build of the
# demo on a fresh data directory on loopback, warms up, measures each page for DURATION
# seconds with CONNECTIONS connections on 2 wrk threads, and stops the server. Every run ends
# by itself.
#   usage: bench/http.sh [DURATION=20] [CONNECTIONS=64]
#   BENCH_DATABASE_URL=postgres://… bench/http.sh   measures on PostgreSQL instead of SQLite
set -euo pipefail
cd "$(dirname "$0")/.."
duration=${1:-20}
connections=${2:-64}
command -v wrk >/dev/null || { echo "wrk is needed: apt-get install wrk" >&2; exit 1; }
cargo build --release -p sportello -q
data=$(mktemp -d)
log=$(mktemp)
db_args=()
backend="SQLite in $data"
if [ -n "${BENCH_DATABASE_URL:-}" ]; then db_args=(--database-url "$BENCH_DATABASE_URL"); backend="PostgreSQL"; fi
./target/release/sportello serve --demo --listen 127.0.0.1:0 --data-dir "$data" "${db_args[@]}" >"$log" 2>/dev/null &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null; rm -rf "$data" "$log"' EXIT
for _ in $(seq 1 100); do grep -q 'Apri http' "$log" && break; sleep 0.1; done
url=$(grep -o 'http://[0-9.:]*' "$log" | head -1)
echo "server: $url (release build, $backend), $(nproc) cores shared by server and wrk"
for path in / /livorno/; do
  # Check the page is right before timing it.
  case "$path" in
    /) curl -fs "$url$path" | grep -q 'Comuni trovati: 273' ;;
    /livorno/) curl -fs "$url$path" | grep -q 'Comune di Livorno' ;;
  esac
  wrk -t2 -c"$connections" -d3s "$url$path" >/dev/null   # warm-up
  echo
  echo "### GET $path — wrk -t2 -c$connections -d${duration}s --latency"
  wrk -t2 -c"$connections" -d"${duration}s" --latency "$url$path" \
    | grep -E 'Requests/sec|Transfer/sec|Latency  |50%|90%|99%|requests in|Non-2xx|Socket errors'
done
