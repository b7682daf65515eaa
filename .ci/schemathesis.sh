#!/usr/bin/env bash
# The API against its own OpenAPI document, with schemathesis (from PyPI, in a venv under
# target/): a fresh `sportello serve --demo` on loopback, a citizen's API token from the demo
# identity provider, every operation exercised with generated data. Fails on any server error
# or any answer that does not conform to the document (issue 15). Not checked: that any body
# the document allows is accepted — a filing's `data` is each service's own form (published at
# GET /api/v1/enti/{istat}/servizi/{id} as `form`), which one OpenAPI document cannot spell out,
# so an empty `data` is rightly refused with 422 naming the missing fields.
set -euo pipefail
cd "$(dirname "$0")/.."
bin="${SPORTELLO_BIN:-target/debug/sportello}"
venv=target/schemathesis-venv
[ -x "$venv/bin/st" ] || {
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check schemathesis==4.32.5
}
data=$(mktemp -d)
out="$data/server.out"
SPORTELLO__LOG__LEVEL=warn SPORTELLO__JOBS__INTERVAL_SECONDS=0 \
  "$bin" serve --demo --listen 127.0.0.1:0 --data-dir "$data" >"$out" 2>"$data/server.err" &
server=$!
trap 'kill $server 2>/dev/null || true; rm -rf "$data"' EXIT
url=""
for _ in $(seq 1 240); do
  url=$(grep -o 'http://127\.0\.0\.1:[0-9]*' "$out" | head -1 || true)
  [ -n "$url" ] && break
  sleep 0.5
done
[ -n "$url" ] || { echo "the demo server did not start"; cat "$data/server.err"; exit 1; }
token=$("$bin" bench token --url "$url" --persona 1 | tail -1)
"$venv/bin/st" --config-file .ci/schemathesis.toml run "$url/api/v1/openapi.json" \
  --checks all \
  --exclude-checks positive_data_acceptance \
  --header "Authorization: Bearer $token" \
  --max-examples "${SCHEMATHESIS_EXAMPLES:-40}" \
  --workers 2 \
  --no-color \
  "$@"
