#!/usr/bin/env bash
# Runs the benchmarks against the local PostgreSQL. They print ratios measured within one run, so
# a noisy machine affects both sides alike.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/ensure-dependencies.sh
bash scripts/ensure-postgres.sh
npm run --silent build
for bench in dist/bench/*.bench.js; do
  echo "== $bench"
  node "$bench"
done
