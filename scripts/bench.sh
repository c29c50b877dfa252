#!/usr/bin/env bash
# Runs the benchmarks against the local PostgreSQL and the Kafka broker (an answering broker is
# reused; ledger-ingest, request-grant and expiry-scale start services from the build and feed
# them through their topics or their HTTP API, the others call the ledger's code directly). Each
# prints figures next to a raw baseline measured in the same run, so a noisy machine affects both
# sides alike. BENCH_ONLY=<name> runs one (e.g. ledger-scale); ledger-scale, ledger-ingest,
# request-grant and expiry-scale write their reports to bench/results/ (git-ignored) and read the
# variables the READMEs list; summary.md there then gathers every target from the reports present.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/ensure-dependencies.sh
bash scripts/ensure-postgres.sh
bash scripts/kafka/broker.sh start
npm run --silent build
if [ -n "${BENCH_ONLY:-}" ] && [ ! -f "dist/bench/$BENCH_ONLY.bench.js" ]; then
  echo "BENCH_ONLY=$BENCH_ONLY names no benchmark; there are:" \
    "$(cd dist/bench && ls -- *.bench.js | sed 's/\.bench\.js$//' | tr '\n' ' ')" >&2
  exit 64
fi
for bench in dist/bench/*.bench.js; do
  name="$(basename "$bench" .bench.js)"
  if [ -n "${BENCH_ONLY:-}" ] && [ "$name" != "$BENCH_ONLY" ]; then continue; fi
  echo "== $bench"
  node "$bench"
done
node dist/bench/summary.js
