#!/usr/bin/env bash
# Installs the npm dependencies from the lockfile on a fresh clone; a no-op once they are there.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "[deps] installing npm dependencies" >&2
  npm ci --no-audit --no-fund
fi
