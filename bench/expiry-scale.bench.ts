// Usage: npm run bench (or: npm run build && BENCH_EXPIRY_SIZES=10000 node dist/bench/expiry-scale.bench.js).
import { randomBytes } from 'node:crypto';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Client } from 'pg';
import { Kafka } from 'kafkajs';
import { topicName, Topics, TopicKey, TopicPartitions } from '@app/contracts';
import { createKafkaClient, ensureTopics, EventProducer } from '@app/messaging';
import { describeDatabaseUrl, dropDatabaseIfExists } from '@app/persistence';
import { summarizeLatencies, summarizeRuns } from './support/bench-stats';
import { checkExactlyOnce, ExpiryEventWatch } from './support/expiry-event.watch';
import {
  BurstRun,
  ExpiryScaleReport,
  PrecisionRun,
  RestartRun,
  SizeResult,
  writeExpiryReport,
} from './support/expiry-scale.report';
import {
  checkSeededShape,
  sampleGrantIssued,
  SeedBatch,
  seededGrantIds,
  seedGrants,
} from './support/expiry-seeder';
import { machineFigures, MachineFigures } from './support/bench-report';
import { MemoryWatch, ServiceProcess } from './support/service-process';
import { loadExpiryConfig } from '../apps/expiry/src/expiry.config';
import { freePort, log, positiveFromEnv, sizesFromEnv, sleep } from './support/bench-env';

/**
 * The expiry service at scale, as deployed: the built service as a child process on a fresh
 * database and topic prefix, default EXPIRY_* settings. For each size of active grants it
 * measures how late revocations arrive downstream, a burst of grants ending in one second next to
 * a raw UPDATE … RETURNING baseline on the same table shape, the service's memory, and a restart
 * while deadlines come due. Writes the report to bench/results/ as Markdown and JSON.
 */
/** The built service, started the way scripts/stack.sh starts it. */
const EXPIRY_MAIN = join('dist', 'apps', 'expiry', 'src', 'main.js');
const READY_TIMEOUT_MS = 120_000;

const config = {
  serverUrl: process.env.BENCH_DATABASE_SERVER_URL ?? 'postgres://postgres@127.0.0.1:5432',
  brokers: process.env.KAFKA_BROKERS ?? '127.0.0.1:9092',
  sizes: sizesFromEnv('BENCH_EXPIRY_SIZES', [10_000, 100_000, 1_000_000], 1000),
  runs: positiveFromEnv('BENCH_RUNS', 3),
  windowGrants: positiveFromEnv('BENCH_EXPIRY_WINDOW_GRANTS', 3000),
  windowMs: positiveFromEnv('BENCH_EXPIRY_WINDOW_MS', 20_000),
  burstGrants: positiveFromEnv('BENCH_EXPIRY_BURST', 100_000),
  restartGrants: positiveFromEnv('BENCH_EXPIRY_RESTART_GRANTS', 2000),
  sampleGrants: positiveFromEnv('BENCH_EXPIRY_SAMPLE', 100),
  resultsDir: process.env.BENCH_RESULTS_DIR ?? 'bench/results',
  /** Node.js options for the service only, space-separated (e.g. --cpu-prof --cpu-prof-dir=DIR). */
  expiryNodeArgs: (process.env.BENCH_EXPIRY_NODE_ARGS ?? '').split(' ').filter(Boolean),
};

// The service's defaults, from its own configuration loader (which requires a key; this one is
// never used), named in the report; the raw claim takes batches of the same size.
const DEFAULTS = loadExpiryConfig({ JWT_SECRET: 'k'.repeat(32) }).scheduler;
const DEFAULT_POLL_INTERVAL_MS = DEFAULTS.pollIntervalMs;
const DEFAULT_BATCH_SIZE = DEFAULTS.batchSize;
const FAR_FUTURE_MS = 30 * 24 * 3600 * 1000;
const SEED_CHUNK = 100_000;
const WARM_UP_GRANTS = 500;
const RESTART_WINDOW_MS = 10_000;
const DOWNTIME_MS = 3000;

/** One size's own database, topics, service and downstream consumer. */
class Namespace {
  readonly id = randomBytes(4).toString('hex');
  readonly databaseUrl = `${config.serverUrl}/jit_bench_expiry_${this.id}`;
  readonly prefix = `bench.expiry.${this.id}.`;
  readonly kafka: Kafka;
  readonly watch: ExpiryEventWatch;
  readonly producer: EventProducer;
  readonly db: Client;
  service: ServiceProcess | null = null;
  private connected = false;

  constructor() {
    this.kafka = createKafkaClient({
      brokers: config.brokers.split(','),
      clientId: 'jit-expiry-bench',
      topicPrefix: this.prefix,
    });
    this.watch = new ExpiryEventWatch(this.kafka);
    this.producer = new EventProducer(this.kafka);
    this.db = new Client({ connectionString: this.databaseUrl });
  }

  get accessEvents(): string {
    return topicName('accessEvents', this.prefix);
  }

  /** Starts the service, its log at `logFile` replaced; later restarts append to it. */
  async open(logFile: string): Promise<void> {
    await ensureTopics(this.kafka, this.prefix);
    await this.watch.start(this.accessEvents);
    await mkdir(config.resultsDir, { recursive: true });
    await rm(logFile, { force: true });
    const port = await freePort();
    // Only what a deployment sets; EXPIRY_* stay unset so that the defaults apply.
    this.service = new ServiceProcess({
      name: 'the expiry service',
      main: EXPIRY_MAIN,
      nodeArgs: config.expiryNodeArgs,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '',
        DATABASE_URL: this.databaseUrl,
        KAFKA_BROKERS: config.brokers,
        KAFKA_TOPIC_PREFIX: this.prefix,
        JWT_SECRET: randomBytes(32).toString('hex'),
        HTTP_PORT: String(port),
      },
      port,
      logFile,
      appendLog: true,
    });
    log(`expiry service log: ${logFile}`);
    const spawnedAt = this.service.start();
    const healthyAt = await this.service.waitUntilReady(READY_TIMEOUT_MS);
    log(`expiry service healthy ${healthyAt - spawnedAt} ms after its spawn`);
    // The service created the database and ran its migrations.
    await this.db.connect();
    this.connected = true;
  }

  /** Everything this size made, also after a failure; each step on its own. */
  async close(): Promise<void> {
    const steps: [string, () => Promise<unknown>][] = [
      ['stop the service', () => this.service?.stop() ?? Promise.resolve()],
      ['stop the watch', () => this.watch.stop()],
      ['disconnect the producer', () => this.producer.disconnect()],
      ['close the database client', () => (this.connected ? this.db.end() : Promise.resolve())],
      ['drop the database', () => dropDatabaseIfExists(this.databaseUrl)],
      ['delete the topics and groups', () => this.deleteTopics()],
    ];
    for (const [name, step] of steps) {
      try {
        await step();
      } catch (error) {
        log(`cleanup: could not ${name}: ${(error as Error).message}`);
      }
    }
  }

  private async deleteTopics(): Promise<void> {
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      const groups = (await admin.listGroups()).groups
        .map((group) => group.groupId)
        .filter((id) => id.startsWith(this.prefix) || id === this.watch.groupId);
      if (groups.length > 0) await admin.deleteGroups(groups).catch(() => undefined);
      await admin.deleteTopics({
        topics: (Object.keys(Topics) as TopicKey[]).map((key) => topicName(key, this.prefix)),
      });
    } finally {
      await admin.disconnect();
    }
  }
}

let current: Namespace | null = null;

/**
 * Puts a sample through the real path (GrantIssued published as the approvals service's relay
 * publishes it, keyed by request id), then checks that seeded rows have the consumer's shape.
 */
async function seedThroughRealPath(
  ns: Namespace,
  startsAtMs: number,
): Promise<SizeResult['seeding']> {
  const sample: SeedBatch = {
    tag: 'sample',
    count: config.sampleGrants,
    firstEndMs: Date.now() + FAR_FUTURE_MS,
    stepMs: 1000,
    startsAtMs,
  };
  const events = sampleGrantIssued(sample);
  await ns.producer.send(
    events.map((event) => ({
      topic: ns.accessEvents,
      key: event.partitionKey,
      value: JSON.stringify(event),
    })),
  );
  const ids = seededGrantIds(sample);
  const deadline = Date.now() + 60_000;
  for (;;) {
    const result = await ns.db.query<{ count: string }>(
      `SELECT count(*) FROM expiry.deadlines WHERE target_id = ANY($1::uuid[])`,
      [ids],
    );
    if (Number(result.rows[0]?.count) === ids.length) break;
    if (Date.now() > deadline) throw new Error('the consumer did not schedule the sample grants');
    await sleep(100);
  }
  const shape = await checkSeededShape(ns.db, sample);
  if (shape.mismatches.length > 0) {
    throw new Error(`seeded rows differ from the consumer's:\n${shape.mismatches.join('\n')}`);
  }
  log(`${config.sampleGrants} grants through Kafka; seeded rows match the consumer's in shape`);
  return { sampleGrants: config.sampleGrants, shape, seededGrants: 0, seedSeconds: 0 };
}

async function seedFarFuture(ns: Namespace, count: number, startsAtMs: number): Promise<number> {
  const started = Date.now();
  for (let done = 0, chunk = 0; done < count; chunk += 1) {
    const size = Math.min(SEED_CHUNK, count - done);
    await seedGrants(ns.db, 'expiry', {
      tag: `far${chunk}`,
      count: size,
      firstEndMs: Date.now() + FAR_FUTURE_MS + chunk * 1e7,
      stepMs: 50,
      startsAtMs,
    });
    done += size;
    if (count > SEED_CHUNK) log(`seeded ${done} of ${count} far-future grants`);
  }
  // As autovacuum would have by the time a deployment holds this many grants.
  await ns.db.query('VACUUM (ANALYZE) expiry.grants, expiry.deadlines, expiry.processed_events');
  return (Date.now() - started) / 1000;
}

async function activeGrants(ns: Namespace): Promise<number> {
  const result = await ns.db.query<{ count: string }>(
    `SELECT count(*) FROM expiry.grants WHERE status = 'active'`,
  );
  return Number(result.rows[0]?.count);
}

/** Seeds grants ending over the coming window and times their revocations' arrival. */
async function precisionRun(ns: Namespace, tag: string, count: number): Promise<PrecisionRun> {
  const active = await activeGrants(ns);
  const batch: SeedBatch = {
    tag,
    count,
    firstEndMs: Date.now() + 3000,
    stepMs: config.windowMs / count,
    startsAtMs: Date.now() - 3600_000,
  };
  await seedGrants(ns.db, 'expiry', batch);
  if (Date.now() >= batch.firstEndMs) throw new Error(`seeding ${tag} outlasted its lead time`);

  const ids = seededGrantIds(batch);
  const missing = await ns.watch.waitForRevocations(ids, config.windowMs + 120_000);
  const lateness = ids.flatMap((id) => {
    const arrivals = ns.watch.get(id);
    return arrivals?.revokedArrivedAt != null
      ? [arrivals.revokedArrivedAt - arrivals.endedAtMs]
      : [];
  });
  return {
    activeGrants: active,
    lateness: summarizeLatencies(lateness),
    missing: missing.length,
    exactlyOnce: checkExactlyOnce(ns.watch, ids),
  };
}

/** A scratch copy of expiry.deadlines (indexes included) for the raw baseline. */
async function prepareBaseline(ns: Namespace): Promise<void> {
  await ns.db.query('CREATE SCHEMA bench_baseline');
  await ns.db.query(
    `CREATE TABLE bench_baseline.deadlines
       (LIKE expiry.deadlines INCLUDING CONSTRAINTS INCLUDING INDEXES)`,
  );
  await ns.db.query('INSERT INTO bench_baseline.deadlines SELECT * FROM expiry.deadlines');
  await ns.db.query('ANALYZE bench_baseline.deadlines');
}

/**
 * The raw rate: `count` rows due in the last second, claimed and fired in batches of the
 * scheduler's size, each in its own autocommit statement, until none is due.
 */
async function baselineRun(ns: Namespace, count: number): Promise<number> {
  await ns.db.query(
    `INSERT INTO bench_baseline.deadlines
       (id, kind, target_id, request_id, due_at, status, correlation_id, cause_event_id)
     SELECT base.max_id + i, 'grant-end', gen_random_uuid(), gen_random_uuid(),
            now() - random() * interval '1 second', 'scheduled', gen_random_uuid()::text,
            gen_random_uuid()
     FROM (SELECT COALESCE(max(id), 0) AS max_id FROM bench_baseline.deadlines) AS base,
          generate_series(1, $1::int) AS i`,
    [count],
  );
  const started = process.hrtime.bigint();
  let fired = 0;
  for (;;) {
    const result = await ns.db.query(
      `UPDATE bench_baseline.deadlines d SET status = 'fired', fired_at = now()
       FROM (SELECT id FROM bench_baseline.deadlines
             WHERE status = 'scheduled' AND due_at <= now()
             ORDER BY due_at, id LIMIT $1 FOR UPDATE SKIP LOCKED) AS claimed
       WHERE d.id = claimed.id
       RETURNING d.id`,
      [DEFAULT_BATCH_SIZE],
    );
    fired += result.rowCount ?? 0;
    if ((result.rowCount ?? 0) === 0) break;
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (fired !== count) throw new Error(`the baseline fired ${fired} of ${count} rows`);
  return fired / seconds;
}

/** `count` grants ending within one second; from that second to the last revocation's arrival. */
async function burstRun(
  ns: Namespace,
  tag: string,
  count: number,
  baselineRate: number,
): Promise<BurstRun> {
  const service = ns.service!;
  const active = await activeGrants(ns);
  const leadMs = 5000 + count / 10;
  const second = Math.ceil((Date.now() + leadMs) / 1000) * 1000;
  const batch: SeedBatch = {
    tag,
    count,
    firstEndMs: second,
    stepMs: 1000 / count,
    startsAtMs: Date.now() - 3600_000,
  };
  const seedMs = await seedGrants(ns.db, 'expiry', batch);
  if (Date.now() >= second - 500) {
    throw new Error(`seeding the burst took ${seedMs} ms, more than its lead of ${leadMs} ms`);
  }
  await sleep(second - Date.now());
  const cpuBefore = await service.cpuMs();

  const ids = seededGrantIds(batch);
  const missing = await ns.watch.waitForRevocations(ids, Math.max(300_000, count * 5));
  const cpuMs = (await service.cpuMs()) - cpuBefore;
  const lastArrival = ids.reduce(
    (last, id) => Math.max(last, ns.watch.get(id)?.revokedArrivedAt ?? 0),
    0,
  );
  const fired = await ns.db.query<{ first: Date; last: Date }>(
    `SELECT min(fired_at) AS first, max(fired_at) AS last FROM expiry.deadlines
     WHERE target_id = ANY($1::uuid[])`,
    [ids],
  );
  const ms = lastArrival - second;
  const rate = count / (ms / 1000);
  return {
    activeGrants: active,
    grants: count,
    ms,
    rate,
    baselineRate,
    baselineToBurst: baselineRate / rate,
    firingSpanMs: fired.rows[0]!.last.getTime() - fired.rows[0]!.first.getTime(),
    firstFiredAfterMs: fired.rows[0]!.first.getTime() - second,
    cpuMs,
    missing: missing.length,
    exactlyOnce: checkExactlyOnce(ns.watch, ids),
  };
}

/**
 * SIGTERM while grants keep coming due, a few seconds down, then a new process: how soon it
 * serves HTTP and fires what came due meanwhile, and whether each deadline fired once.
 */
async function restartRun(ns: Namespace, tag: string, count: number): Promise<RestartRun> {
  const service = ns.service!;
  const batch: SeedBatch = {
    tag,
    count,
    firstEndMs: Date.now() + 2000,
    stepMs: RESTART_WINDOW_MS / count,
    startsAtMs: Date.now() - 3600_000,
  };
  await seedGrants(ns.db, 'expiry', batch);
  await sleep(batch.firstEndMs + 2000 - Date.now());

  const stopSentAt = Date.now();
  const exitedAt = await service.stop();
  await sleep(DOWNTIME_MS);
  const spawnedAt = service.start();
  const healthyAt = await service.waitUntilReady(READY_TIMEOUT_MS);

  const ids = seededGrantIds(batch);
  const missing = await ns.watch.waitForRevocations(ids, 120_000);
  const dueWhileDown = ids.filter((_, offset) => {
    const endMs = batch.firstEndMs + offset * batch.stepMs;
    return endMs > exitedAt && endMs <= spawnedAt;
  });
  const arrivals = dueWhileDown.map((id) => ns.watch.get(id)?.revokedArrivedAt ?? Infinity);
  return {
    grants: count,
    dueWhileDown: dueWhileDown.length,
    shutdownMs: exitedAt - stopSentAt,
    healthyMs: healthyAt - spawnedAt,
    firstDownFiredMs: Math.min(...arrivals) - spawnedAt,
    allDownFiredMs: Math.max(...arrivals) - spawnedAt,
    missing: missing.length,
    exactlyOnce: checkExactlyOnce(ns.watch, ids),
  };
}

async function measureSize(size: number): Promise<SizeResult> {
  const ns = new Namespace();
  current = ns;
  try {
    log(`== ${size} active grants: database ${describeDatabaseUrl(ns.databaseUrl).database}`);
    await ns.open(join(config.resultsDir, `expiry-scale.${size}.service.log`));
    const startsAtMs = Date.now() - 3600_000;
    const seeding = await seedThroughRealPath(ns, startsAtMs);
    seeding.seededGrants = size - config.sampleGrants;
    seeding.seedSeconds = await seedFarFuture(ns, seeding.seededGrants, startsAtMs);
    log(`seeded ${seeding.seededGrants} grants in ${seeding.seedSeconds.toFixed(1)} s`);

    const precisionMemory = new MemoryWatch(ns.service!);
    precisionMemory.start();
    await precisionRun(ns, 'warmup', WARM_UP_GRANTS);
    const precision: PrecisionRun[] = [];
    for (let run = 1; run <= config.runs; run += 1) {
      const result = await precisionRun(ns, `window${run}`, config.windowGrants);
      precision.push(result);
      log(
        `precision run ${run}: p50 ${result.lateness.p50} ms, p99 ${result.lateness.p99} ms, ` +
          `max ${result.lateness.max} ms, missing ${result.missing}`,
      );
    }
    const precisionPeak = await precisionMemory.stop();

    await prepareBaseline(ns);
    await baselineRun(ns, 5000);
    const burstMemory = new MemoryWatch(ns.service!);
    burstMemory.start();
    const bursts: BurstRun[] = [];
    for (let run = 1; run <= config.runs; run += 1) {
      const baselineRate = await baselineRun(ns, config.burstGrants);
      const result = await burstRun(ns, `burst${run}`, config.burstGrants, baselineRate);
      bursts.push(result);
      log(
        `burst run ${run}: last revocation ${result.ms} ms after the second ` +
          `(${result.rate.toFixed(0)}/s; raw baseline ${baselineRate.toFixed(0)}/s, ` +
          `${result.baselineToBurst.toFixed(1)}x), missing ${result.missing}`,
      );
    }
    const burstPeak = await burstMemory.stop();

    const restarts: RestartRun[] = [];
    for (let run = 1; run <= config.runs; run += 1) {
      const result = await restartRun(ns, `restart${run}`, config.restartGrants);
      restarts.push(result);
      log(
        `restart run ${run}: healthy after ${result.healthyMs} ms, first deadline due while ` +
          `down received after ${result.firstDownFiredMs} ms (${result.dueWhileDown} due), ` +
          `missing ${result.exactlyOnce.missing}, twice ${result.exactlyOnce.firedTwice}`,
      );
    }
    return summarizeSize(size, seeding, precision, bursts, restarts, {
      precisionPeakRssKb: precisionPeak.peakRssKb,
      burstPeakRssKb: burstPeak.peakRssKb,
      hwmKb: Math.max(precisionPeak.hwmKb, burstPeak.hwmKb),
    });
  } finally {
    await ns.close();
    current = null;
  }
}

function summarizeSize(
  size: number,
  seeding: SizeResult['seeding'],
  precision: PrecisionRun[],
  bursts: BurstRun[],
  restarts: RestartRun[],
  memory: SizeResult['memory'],
): SizeResult {
  return {
    size,
    seeding,
    precision: {
      runs: precision,
      p50: summarizeRuns(precision.map((run) => run.lateness.p50)),
      p95: summarizeRuns(precision.map((run) => run.lateness.p95)),
      p99: summarizeRuns(precision.map((run) => run.lateness.p99)),
      max: summarizeRuns(precision.map((run) => run.lateness.max)),
    },
    burst: {
      runs: bursts,
      ms: summarizeRuns(bursts.map((run) => run.ms)),
      rate: summarizeRuns(bursts.map((run) => run.rate)),
      baselineRate: summarizeRuns(bursts.map((run) => run.baselineRate)),
      baselineToBurst: summarizeRuns(bursts.map((run) => run.baselineToBurst)),
      wallUsPerDeadline: summarizeRuns(bursts.map((run) => (run.ms * 1000) / run.grants)),
      cpuUsPerDeadline: summarizeRuns(bursts.map((run) => (run.cpuMs * 1000) / run.grants)),
    },
    memory,
    restart: {
      runs: restarts,
      healthyMs: summarizeRuns(restarts.map((run) => run.healthyMs)),
      firstDownFiredMs: summarizeRuns(restarts.map((run) => run.firstDownFiredMs)),
      allDownFiredMs: summarizeRuns(restarts.map((run) => run.allDownFiredMs)),
      shutdownMs: summarizeRuns(restarts.map((run) => run.shutdownMs)),
    },
  };
}

async function machineOf(): Promise<MachineFigures> {
  const client = new Client({ connectionString: `${config.serverUrl}/postgres` });
  await client.connect();
  try {
    const rows = await client.query<{ server_version: string }>('SHOW server_version');
    return machineFigures(rows.rows[0]?.server_version ?? 'unknown');
  } finally {
    await client.end();
  }
}

async function main(): Promise<void> {
  const startedAt = new Date();
  const machine = await machineOf();
  const sizes: SizeResult[] = [];
  for (const size of config.sizes) {
    sizes.push(await measureSize(size));
    // After each size, so a later size that fails still leaves the earlier figures.
    const written = await writeExpiryReport(reportOf(startedAt, machine, sizes), config.resultsDir);
    log(`report: ${written.markdown} and ${written.json}`);
  }
}

function reportOf(
  startedAt: Date,
  machine: ExpiryScaleReport['machine'],
  sizes: SizeResult[],
): ExpiryScaleReport {
  return {
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    machine,
    config: {
      sizes: sizes.map((size) => size.size),
      runs: config.runs,
      windowGrants: config.windowGrants,
      windowMs: config.windowMs,
      burstGrants: config.burstGrants,
      restartGrants: config.restartGrants,
      sampleGrants: config.sampleGrants,
      pollIntervalMs: DEFAULT_POLL_INTERVAL_MS,
      batchSize: DEFAULT_BATCH_SIZE,
      partitions: TopicPartitions.accessEvents,
      downtimeMs: DOWNTIME_MS,
    },
    sizes,
  };
}

// An interrupted run still stops its service and drops what it made.
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    log(`${signal}: cleaning up`);
    void (current?.close() ?? Promise.resolve()).finally(() => process.exit(130));
  });
}

main().catch((error: unknown) => {
  console.error(`expiry scale bench failed: ${(error as Error).stack ?? String(error)}`);
  process.exitCode = 1;
});
