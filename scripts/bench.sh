#!/usr/bin/env bash
# Runs the benchmarks against the local PostgreSQL and the Kafka broker (an answering broker is
# reused; ledger-ingest and expiry-scale start the ledger and expiry services from the build and
# feed them through their topics, the others call the ledger's code directly). Each prints figures
# next to a raw baseline measured in the same run, so a noisy machine affects both sides alike.
# BENCH_ONLY=<name> runs one (e.g. ledger-scale); ledger-scale, ledger-ingest and expiry-scale
# write their reports to bench/results/ (git-ignored) and read the variables the READMEs list.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/ensure-dependencies.sh
bash scripts/ensure-postgres.sh
bash scripts/kafka/broker.sh start
npm run --silent build
for bench in dist/bench/*.bench.js; do
  name="$(basename "$bench" .bench.js)"
  if [ -n "${BENCH_ONLY:-}" ] && [ "$name" != "$BENCH_ONLY" ]; then continue; fi
  echo "== $bench"
  node "$bench"
done
