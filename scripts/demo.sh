#!/usr/bin/env bash
# Starts the whole stack and walks one access request through its life: request, approval,
# grant, automatic expiry; prints ledger entries and audit records as they arrive.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
# The demo prints the webhooks it receives on port 3099; a receiver of your own can replace it.
demo_receiver='[{"name":"demo-receiver","url":"http://127.0.0.1:3099/webhooks"}]'
export NOTIFICATION_WEBHOOKS="${NOTIFICATION_WEBHOOKS:-$demo_receiver}"
bash scripts/stack.sh start
set -a
# shellcheck disable=SC1091
source "${JIT_CACHE_DIR:-$root/.cache}/dev.env"
set +a
node dist/scripts/demo.js "$@"
echo
echo "The stack is still running (npm run stack -- status); stop it with: npm run stack -- stop"
echo "Until then, notifications keeps retrying webhooks to the demo receiver, which has exited."
