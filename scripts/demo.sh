#!/usr/bin/env bash
# Starts the whole stack and walks one access request through its life: request, approval,
# grant, automatic expiry; prints ledger entries and audit records as they arrive.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
export NOTIFICATION_WEBHOOKS="${NOTIFICATION_WEBHOOKS:-[{\"name\":\"demo-receiver\",\"url\":\"http://127.0.0.1:3099/webhooks\"}]}"
bash scripts/stack.sh start
set -a
# shellcheck disable=SC1091
source "${JIT_CACHE_DIR:-$root/.cache}/dev.env"
set +a
node dist/scripts/demo.js "$@"
echo
echo "The stack is still running (npm run stack -- status); stop it with: npm run stack -- stop"
