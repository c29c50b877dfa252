#!/usr/bin/env bash
# Runs the benchmarks against the local PostgreSQL (no broker needed: they call the ledger's code
# directly). Each prints figures next to a raw baseline measured in the same run, so a noisy
# machine affects both sides alike. BENCH_ONLY=<name> runs one (e.g. ledger-scale); the scale
# benchmark writes its report to bench/results/ (git-ignored) and reads BENCH_EVENTS and the
# other variables its README section lists.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/ensure-dependencies.sh
bash scripts/ensure-postgres.sh
npm run --silent build
for bench in dist/bench/*.bench.js; do
  name="$(basename "$bench" .bench.js)"
  if [ -n "${BENCH_ONLY:-}" ] && [ "$name" != "$BENCH_ONLY" ]; then continue; fi
  echo "== $bench"
  node "$bench"
done
