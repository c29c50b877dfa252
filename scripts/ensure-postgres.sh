#!/usr/bin/env bash
# Makes sure the PostgreSQL server at PGHOST:PGPORT (127.0.0.1:5432 unless set) answers. On a
# machine whose local Debian cluster is installed but stopped, it starts that cluster; it never
# changes its settings.
set -euo pipefail
host="${PGHOST:-127.0.0.1}"
port="${PGPORT:-5432}"

if pg_isready -q -h "$host" -p "$port" 2>/dev/null; then
  exit 0
fi
if command -v pg_ctlcluster >/dev/null && [ -d /etc/postgresql ]; then
  version="$(ls /etc/postgresql | sort -V | tail -n 1)"
  echo "[postgres] starting the local cluster $version/main" >&2
  pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
fi
for _ in $(seq 1 30); do
  pg_isready -q -h "$host" -p "$port" 2>/dev/null && exit 0
  sleep 1
done
echo "[postgres] no PostgreSQL answers at $host:$port" >&2
exit 1
