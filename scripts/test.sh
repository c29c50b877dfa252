#!/usr/bin/env bash
# Runs every test: the unit tests, then the end-to-end tests against a real Kafka broker and
# PostgreSQL, both started (or reused) here.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

bash scripts/ensure-dependencies.sh
bash scripts/ensure-postgres.sh
bash scripts/ensure-kcat.sh
bash scripts/kafka/broker.sh start

npx jest --selectProjects unit
# Kafka clients can hold sockets for a moment after the last test; do not let CI wait on them.
npx jest --selectProjects e2e --runInBand --forceExit
