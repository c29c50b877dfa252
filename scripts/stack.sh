#!/usr/bin/env bash
# Starts the whole stack on this machine: PostgreSQL (the local server), the Kafka broker and the
# five services, each as a background process with its log in .cache/logs.
#
#   stack.sh start | stop | status
#
# Settings come from the environment (see README); development secrets are generated once into
# .cache/dev.env and reused, so tokens minted with `npm run token` keep working.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
cache="${JIT_CACHE_DIR:-$root/.cache}"
logs="$cache/logs"
pids="$cache/pids"
services=(ledger expiry notifications approvals requests)
declare -A ports=([requests]=3001 [approvals]=3002 [expiry]=3003 [notifications]=3004 [ledger]=3005)

log() { echo "[stack] $*" >&2; }

load_env() {
  mkdir -p "$cache" "$logs" "$pids"
  if [ ! -f "$cache/dev.env" ]; then
    {
      echo "export JWT_SECRET=$(node -e 'process.stdout.write(require("crypto").randomBytes(32).toString("hex"))')"
      echo "export WEBHOOK_SIGNING_SECRET=$(node -e 'process.stdout.write(require("crypto").randomBytes(32).toString("hex"))')"
    } >"$cache/dev.env"
  fi
  # A dev.env from before checkpoints were signed gains the key; an existing key is kept, so the
  # checkpoints already signed keep verifying.
  if ! grep -q '^export LEDGER_CHECKPOINT_KEY=' "$cache/dev.env"; then
    if [ ! -f "$cache/ledger-checkpoint.pem" ]; then
      (umask 077 && node -e 'process.stdout.write(require("crypto").generateKeyPairSync("ed25519").privateKey.export({ type: "pkcs8", format: "pem" }))' \
        >"$cache/ledger-checkpoint.pem")
    fi
    echo "export LEDGER_CHECKPOINT_KEY=@$cache/ledger-checkpoint.pem" >>"$cache/dev.env"
  fi
  write_checkpoint_public_key
  set -a
  # shellcheck disable=SC1091
  source "$cache/dev.env"
  set +a
  export DATABASE_URL="${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/jit_access}"
  export KAFKA_BROKERS="${KAFKA_BROKERS:-127.0.0.1:9092}"
  export POLICY_FILE="${POLICY_FILE:-$root/config/access-policies.yaml}"
  export NOTIFICATION_ROUTING_FILE="${NOTIFICATION_ROUTING_FILE:-$root/config/notification-routing.yaml}"
  export SMTP_URL="${SMTP_URL:-smtp://127.0.0.1:2525}"
  export LOG_LEVEL="${LOG_LEVEL:-info}"
}

# SIEMs verify checkpoints with the public half (audit:verify-export --public-key); it is derived
# again only when missing or older than the private key, and written whole or not at all.
write_checkpoint_public_key() {
  local private="$cache/ledger-checkpoint.pem" public="$cache/ledger-checkpoint.pub.pem"
  [ -f "$private" ] || return 0
  [ -f "$public" ] && [ ! "$private" -nt "$public" ] && return 0
  node -e 'const { createPublicKey } = require("crypto");
    const pem = require("fs").readFileSync(process.argv[1], "utf8");
    process.stdout.write(createPublicKey(pem).export({ type: "spki", format: "pem" }))' \
    "$private" >"$public.tmp"
  mv "$public.tmp" "$public"
  log "checkpoint public key in $public"
}

healthy() {
  curl -fsS "http://127.0.0.1:${ports[$1]}/health" >/dev/null 2>&1
}

start() {
  load_env
  bash scripts/ensure-dependencies.sh
  bash scripts/ensure-postgres.sh
  bash scripts/kafka/broker.sh start
  if [ ! -f dist/apps/requests/src/main.js ] || [ "${JIT_REBUILD:-1}" = "1" ]; then
    log "building"
    npm run --silent build
  fi
  KAFKA_TOPIC_PREFIX="${KAFKA_TOPIC_PREFIX:-}" node dist/scripts/create-topics.js
  for service in "${services[@]}"; do
    if healthy "$service"; then
      log "$service already answers on ${ports[$service]}"
      continue
    fi
    # A fresh log per start, so a failure shows this run's lines only.
    HTTP_PORT="${ports[$service]}" nohup node "dist/apps/$service/src/main.js" \
      >"$logs/$service.log" 2>&1 &
    echo $! >"$pids/$service.pid"
  done
  for service in "${services[@]}"; do
    for _ in $(seq 1 60); do
      healthy "$service" && break
      if [ -f "$pids/$service.pid" ] && ! kill -0 "$(cat "$pids/$service.pid")" 2>/dev/null; then
        log "$service exited; last lines of $logs/$service.log:"
        tail -n 20 "$logs/$service.log" >&2
        fail_start
      fi
      sleep 1
    done
    healthy "$service" || { log "$service did not become healthy"; fail_start; }
    log "$service ready on http://127.0.0.1:${ports[$service]} (OpenAPI at /docs)"
  done
}

# A half-started stack is worse than none: stop what this start launched, then fail.
fail_start() {
  log "stopping the services this start launched"
  stop
  exit 1
}

stop() {
  local service file pid
  local -A stopping=()
  for service in "${services[@]}"; do
    file="$pids/$service.pid"
    [ -f "$file" ] || continue
    pid="$(cat "$file")"
    kill "$pid" 2>/dev/null || true
    stopping[$service]="$pid"
    rm -f "$file"
  done
  # All at once, then wait for clean shutdowns (consumers leave their groups) before saying so.
  for service in "${!stopping[@]}"; do
    pid="${stopping[$service]}"
    for _ in $(seq 1 30); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.5
    done
    kill -9 "$pid" 2>/dev/null || true
    log "stopped $service"
  done
}

status() {
  for service in "${services[@]}"; do
    if healthy "$service"; then log "$service: up"; else log "$service: down"; fi
  done
}

case "${1:-start}" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
