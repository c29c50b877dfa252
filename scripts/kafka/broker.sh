#!/usr/bin/env bash
# Runs a single-node Apache Kafka broker (KRaft mode) for development, tests and CI.
#
#   broker.sh start   fetch the broker jars if missing, format the log dir once, start, wait until ready
#   broker.sh stop    stop the broker this script started
#   broker.sh status  exit 0 when a broker answers at KAFKA_BROKERS
#
# A broker that already answers at KAFKA_BROKERS (default 127.0.0.1:9092) is reused as it is.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
cache="${JIT_CACHE_DIR:-$root/.cache}/kafka"
libs="$cache/libs"
data="$cache/data"
logs="$cache/logs"
pidfile="$cache/broker.pid"
brokers="${KAFKA_BROKERS:-127.0.0.1:9092}"
host="${brokers%%,*}"
port="${host##*:}"
controller_port="${KAFKA_CONTROLLER_PORT:-$((port + 1))}"

log() { echo "[kafka] $*" >&2; }

answers() {
  KAFKA_BROKERS="$brokers" node "$here/wait-ready.js" --once >/dev/null 2>&1
}

fetch_jars() {
  if [ -f "$libs/.complete" ]; then return; fi
  log "fetching the Kafka broker from Maven Central into $libs"
  rm -rf "$libs"
  mkdir -p "$libs"
  mvn -q -B -f "$here/pom.xml" dependency:copy-dependencies \
    -DoutputDirectory="$libs" -DincludeScope=runtime
  # Guard against a partial download: the broker entry point must be in the jar.
  local listing
  listing="$(unzip -l "$libs"/kafka_2.13-*.jar)"
  grep -q 'kafka/Kafka.class' <<<"$listing" || {
    log "kafka/Kafka.class is missing from the downloaded jar"
    exit 1
  }
  touch "$libs/.complete"
}

write_config() {
  mkdir -p "$data" "$logs"
  cat >"$cache/server.properties" <<PROPS
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:${controller_port}
listeners=PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controller_port}
advertised.listeners=PLAINTEXT://127.0.0.1:${port}
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
log.dirs=${data}
num.partitions=6
auto.create.topics.enable=false
offsets.topic.replication.factor=1
offsets.topic.num.partitions=12
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
log.retention.hours=168
PROPS
}

format_once() {
  if [ -f "$data/meta.properties" ]; then return; fi
  local cluster_id
  cluster_id="$(java -cp "$libs/*" kafka.tools.StorageTool random-uuid 2>/dev/null | tail -n 1)"
  log "formatting KRaft log dir (cluster $cluster_id)"
  java -Dlog4j2.configurationFile="$here/log4j2.properties" -Dkafka.logs.dir="$logs" \
    -cp "$libs/*" kafka.tools.StorageTool format -t "$cluster_id" \
    -c "$cache/server.properties" >"$logs/format.log" 2>&1 || {
    cat "$logs/format.log" >&2
    exit 1
  }
}

start() {
  if answers; then
    log "reusing the broker at $brokers"
    return
  fi
  if [ "$host" != "127.0.0.1:$port" ] && [ "$host" != "localhost:$port" ]; then
    log "no broker answers at $brokers, and this script only starts one on 127.0.0.1"
    exit 1
  fi
  command -v java >/dev/null || { log "java is required to run the broker"; exit 1; }
  command -v mvn >/dev/null || { log "maven is required to fetch the broker"; exit 1; }
  fetch_jars
  write_config
  format_once
  log "starting the broker on 127.0.0.1:$port (logs in $logs)"
  nohup java -Xms256m -Xmx1g -XX:+UseG1GC \
    -Dlog4j2.configurationFile="$here/log4j2.properties" -Dkafka.logs.dir="$logs" \
    -cp "$libs/*" kafka.Kafka "$cache/server.properties" >"$logs/stdout.log" 2>&1 &
  echo $! >"$pidfile"
  if ! KAFKA_BROKERS="$brokers" node "$here/wait-ready.js" --timeout 90; then
    log "the broker did not become ready; last lines of its log:"
    tail -n 30 "$logs/broker.log" "$logs/stdout.log" >&2 || true
    exit 1
  fi
  log "ready at $brokers"
}

stop() {
  if [ ! -f "$pidfile" ]; then
    log "no broker started by this script"
    return
  fi
  local pid
  pid="$(cat "$pidfile")"
  if kill -0 "$pid" 2>/dev/null; then
    kill "$pid"
    for _ in $(seq 1 60); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.5
    done
    kill -9 "$pid" 2>/dev/null || true
  fi
  rm -f "$pidfile"
  log "stopped"
}

case "${1:-start}" in
  start) start ;;
  stop) stop ;;
  status) answers ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
