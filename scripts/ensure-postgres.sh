#!/usr/bin/env bash
# Makes sure the PostgreSQL server the integration tests use is reachable.
# Starts the local Debian cluster when it is installed but down. Under CI=true an
# unreachable server is an error; elsewhere the PostgreSQL tests skip with a reason.
set -u
host=${TRADEFLOW_TEST_PG_HOST:-127.0.0.1}
port=${TRADEFLOW_TEST_PG_PORT:-5432}

reachable() { pg_isready -q -h "$host" -p "$port" 2>/dev/null; }

if ! command -v pg_isready >/dev/null 2>&1; then
  # No client tools: fall back to a TCP probe.
  reachable() { (exec 3<>"/dev/tcp/$host/$port") 2>/dev/null; }
fi

if reachable; then
  echo "postgres: reachable on $host:$port"
  exit 0
fi

if command -v pg_ctlcluster >/dev/null 2>&1 && [ -d /etc/postgresql ]; then
  for version in $(ls /etc/postgresql); do
    echo "postgres: starting local cluster $version/main"
    pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
  done
  for _ in $(seq 1 30); do
    reachable && { echo "postgres: reachable on $host:$port"; exit 0; }
    sleep 1
  done
fi

if [ "${CI:-}" = "true" ]; then
  echo "postgres: NOT reachable on $host:$port and CI=true: the PostgreSQL tests cannot run" >&2
  exit 1
fi
echo "postgres: not reachable on $host:$port; PostgreSQL tests will be skipped" >&2
exit 0
