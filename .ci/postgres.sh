#!/usr/bin/env bash
# Starts Debian's PostgreSQL 15 on 127.0.0.1:5432, creates the role and database the tests use,
# and prints the URL for SPORTELLO_TEST_POSTGRES. Safe to run twice.
set -euo pipefail
# Only the URL goes to stdout: whatever the tools print (pg_ctlcluster says "Removed stale pid
# file." on some machines) goes to stderr, so `$(bash .ci/postgres.sh)` is exactly the URL.
start() {
if ! command -v pg_ctlcluster >/dev/null || [ ! -x /usr/lib/postgresql/15/bin/postgres ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq postgresql-15 >/dev/null
fi
if ! pg_lsclusters -h | grep -q '^15 *main'; then
  pg_createcluster 15 main >/dev/null
fi
if ! pg_lsclusters -h | grep -q '^15 *main .*online'; then
  pg_ctlcluster 15 main start
fi
for _ in $(seq 1 30); do
  su postgres -c "pg_isready -q -h 127.0.0.1 -p 5432" && break
  sleep 1
done
# A throwaway role for a throwaway local cluster: not a secret.
su postgres -c "psql -q -v ON_ERROR_STOP=1" >/dev/null <<'SQL'
DO $$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'sportello') THEN
    CREATE ROLE sportello LOGIN CREATEDB PASSWORD 'sportello-test-only';
  END IF;
END $$;
SQL
su postgres -c "psql -qtA -c \"SELECT 1 FROM pg_database WHERE datname = 'sportello'\"" | grep -q 1 \
  || su postgres -c "createdb -O sportello sportello"
}
start 1>&2
echo "postgres://sportello:sportello-test-only@127.0.0.1:5432/sportello"
