// Usage: BENCH_ONLY=ledger-ingest npm run bench (bench.sh starts PostgreSQL and the broker).
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { Admin, Kafka } from 'kafkajs';
import { Client } from 'pg';
import { DomainEvent, topicName } from '@app/contracts';
import { createKafkaClient, EventProducer } from '@app/messaging';
import {
  createServiceDataSource,
  describeDatabaseUrl,
  dropDatabaseIfExists,
  prepareDatabase,
} from '@app/persistence';
import { chainEvents, prepareEvent } from '../apps/ledger/src/append/ledger-batch';
import { ENTRY_COLUMNS } from '../apps/ledger/src/append/ledger-entries.repository';
import { LEDGER_CONSUMER_GROUP } from '../apps/ledger/src/append/ledger-event.consumer';
import { ChainLink, GENESIS_LINK } from '../apps/ledger/src/chain/hash-chain';
import { ledgerMigrations } from '../apps/ledger/src/migrations';
import { elapsedMs, RunSummary, summarizeRuns } from './support/bench-stats';
import { IngestReport, IngestSizeResult, writeIngestReport } from './support/ingest-report';
import { DEFAULT_HISTORY, LedgerHistoryGenerator } from './support/ledger-history.generator';
import { machineFigures, MachineFigures } from './support/bench-report';
import { ServiceProcess } from './support/service-process';
import {
  CheckpointKey,
  deploymentEnvironment,
  ServicePlacement,
  writeCheckpointKey,
} from './support/service-env';
import { freePort, log, positiveFromEnv, sizesFromEnv, sleep } from './support/bench-env';

/**
 * Ledger ingest: how many events per second the real ledger service, started from the build as a
 * deployment starts it, turns from its Kafka topic into chained entries with projections updated
 * and offsets committed; next to a raw kafkajs consumer and a raw multi-row INSERT of the same
 * rows, alternating run by run, at each of BENCH_INGEST_SIZES. Writes bench/results/ledger-ingest.
 */
const config = {
  serverUrl: process.env.BENCH_DATABASE_SERVER_URL ?? 'postgres://postgres@127.0.0.1:5432',
  brokers: process.env.KAFKA_BROKERS ?? '127.0.0.1:9092',
  sizes: sizesFromEnv('BENCH_INGEST_SIZES', [10_000, 100_000, 1_000_000]),
  runs: positiveFromEnv('BENCH_RUNS', 3),
  pollIntervalMs: positiveFromEnv('BENCH_POLL_MS', 20),
  seed: positiveFromEnv('BENCH_SEED', DEFAULT_HISTORY.seed),
  resultsDir: process.env.BENCH_RESULTS_DIR ?? 'bench/results',
  ledgerMain: 'dist/apps/ledger/src/main.js',
  /** Node.js options for the ledger only, space-separated (e.g. --cpu-prof --cpu-prof-dir=DIR). */
  ledgerNodeArgs: (process.env.BENCH_LEDGER_NODE_ARGS ?? '').split(' ').filter(Boolean),
  createTopicsMain: 'dist/scripts/create-topics.js',
};

// The ledger consumer's maxBatchSize; the constant is not exported, so it is repeated here.
const LEDGER_BATCH_SIZE = 500;
const WARM_UP_RUNS = 1;
/**
 * The warm-up round of a larger size ingests this many of its events: it is there to warm the
 * broker, the database and this process, which a round of 100,000 does as well as one of 1,000,000
 * (each round starts a fresh ledger process, so none of its own warmth carries over anyway).
 */
const WARM_UP_MAX_EVENTS = 100_000;
const TARGET_RATIO = 0.6;
const TARGET_EVENTS_PER_SECOND = 15_000;
const READY_TIMEOUT_MS = 120_000;

const runId = randomBytes(4).toString('hex');

/** What the whole run created, so that cleanup removes it even after a failure. */
class Leftovers {
  readonly databases = new Set<string>();
  readonly topicPrefixes = new Set<string>();
  ledger: ServiceProcess | null = null;
}

/** One size's events, encoded for the topic once and as ledger rows for the INSERT baseline. */
interface SizeFixture {
  events: number;
  /** Keys and values as the outbox relay publishes them; values kept as bytes, off the heap. */
  records: { key: string; value: Buffer }[];
  bytes: number;
  /** Parameters of each baseline INSERT, nine per row, in batches of the consumer's size. */
  insertBatches: unknown[][];
}

/**
 * A round's own topics, holding the size's events. The ledger publishes AnomalyDetected events
 * into the same topic (and records them), so no two ledger runs can share one.
 */
interface RoundTopics {
  events: number;
  prefix: string;
  topic: string;
  /** The end of each partition once the events were produced, before anything else wrote. */
  endOffsets: Map<number, string>;
  partitions: Record<string, number>;
  produceMs: number;
}

interface LedgerRun {
  startUpMs: number;
  spawnToFirstEntryMs: number;
  spawnToCaughtUpMs: number;
  ingestMs: number;
  eventsPerSecond: number;
  state: Record<string, number>;
}

interface RoundResult {
  ledger: LedgerRun;
  kafka: number;
  insert: number;
  topics: RoundTopics;
}

class IngestBench {
  constructor(
    private readonly kafka: Kafka,
    private readonly admin: Admin,
    private readonly leftovers: Leftovers,
    private readonly ledgerEnv: (placement: ServicePlacement) => NodeJS.ProcessEnv,
    private readonly baselineUrl: string,
  ) {}

  async measureSize(events: number): Promise<IngestSizeResult> {
    const fixture = this.prepareFixture(events);
    const runs: RoundResult[] = [];
    for (let round = 0; round < WARM_UP_RUNS + config.runs; round += 1) {
      const warmUp = round < WARM_UP_RUNS;
      const result = await this.measureRound(warmUp ? warmUpPart(fixture) : fixture, round);
      const label = warmUp
        ? `warm-up of ${result.topics.events}`
        : `run ${round - WARM_UP_RUNS + 1}`;
      log(
        `${events} events, ${label}: ledger ${result.ledger.eventsPerSecond.toFixed(0)}/s ` +
          `(ready after ${result.ledger.startUpMs.toFixed(0)} ms), kafkajs ` +
          `${result.kafka.toFixed(0)}/s, INSERT ${result.insert.toFixed(0)}/s`,
      );
      if (!warmUp) runs.push(result);
    }
    return summarizeSize(fixture, runs);
  }

  // Alternating which side goes first spreads a drift of the machine's load over both sides.
  private async measureRound(fixture: SizeFixture, round: number): Promise<RoundResult> {
    const topics = await this.prepareRoundTopics(fixture, round);
    try {
      if (round % 2 === 0) {
        const ledger = await this.ledgerRun(topics, round);
        const kafka = await this.kafkaRun(topics, round);
        const insert = await this.insertRun(fixture);
        return { ledger, kafka, insert, topics };
      }
      const kafka = await this.kafkaRun(topics, round);
      const insert = await this.insertRun(fixture);
      const ledger = await this.ledgerRun(topics, round);
      return { ledger, kafka, insert, topics };
    } finally {
      await this.removeTopics(topics.prefix);
    }
  }

  private prepareFixture(events: number): SizeFixture {
    const started = process.hrtime.bigint();
    const generator = new LedgerHistoryGenerator({ ...DEFAULT_HISTORY, seed: config.seed });
    const records: SizeFixture['records'] = [];
    const insertBatches: unknown[][] = [];
    let head: ChainLink = GENESIS_LINK;
    let bytes = 0;
    for (let generated = 0; generated < events; generated += LEDGER_BATCH_SIZE) {
      const batch = generator.next(Math.min(LEDGER_BATCH_SIZE, events - generated));
      for (const event of batch) {
        const record = encodedRecord(event);
        bytes += Buffer.byteLength(record.value);
        records.push({ key: record.key, value: Buffer.from(record.value) });
      }
      const chained = chainEvents(head, batch.map(prepareEvent), new Date());
      insertBatches.push(chained.entries.flatMap((entry) => insertParameters(entry)));
      head = chained.head;
    }
    log(`generated ${events} events in ${(elapsedMs(started) / 1000).toFixed(1)} s`);
    return { events, records, bytes, insertBatches };
  }

  private async prepareRoundTopics(fixture: SizeFixture, round: number): Promise<RoundTopics> {
    const prefix = `bench-ingest-${runId}-${fixture.events}-${round}.`;
    const topic = topicName('accessEvents', prefix);
    this.leftovers.topicPrefixes.add(prefix);
    await createTopics(prefix);
    const partitions = await this.partitionCounts(prefix);

    const producer = new EventProducer(this.kafka);
    const started = process.hrtime.bigint();
    try {
      for (let offset = 0; offset < fixture.records.length; offset += LEDGER_BATCH_SIZE) {
        const chunk = fixture.records.slice(offset, offset + LEDGER_BATCH_SIZE);
        await producer.send(
          chunk.map((record) => ({ topic, key: record.key, value: record.value.toString('utf8') })),
        );
      }
    } finally {
      await producer.disconnect();
    }
    const produceMs = elapsedMs(started);

    const endOffsets = new Map(
      (await this.admin.fetchTopicOffsets(topic)).map((entry) => [entry.partition, entry.high]),
    );
    const onTopic = [...endOffsets.values()].reduce((sum, high) => sum + Number(high), 0);
    if (onTopic !== fixture.events) {
      throw new Error(`${topic} holds ${onTopic} records, not ${fixture.events}`);
    }
    return { events: fixture.events, prefix, topic, endOffsets, partitions, produceMs };
  }

  private async partitionCounts(prefix: string): Promise<Record<string, number>> {
    const metadata = await this.admin.fetchTopicMetadata({
      topics: (await this.admin.listTopics()).filter((topic) => topic.startsWith(prefix)),
    });
    return Object.fromEntries(
      metadata.topics
        .map((topic) => [topic.name.slice(prefix.length), topic.partitions.length] as const)
        .sort(([a], [b]) => a.localeCompare(b)),
    );
  }

  /** The real service from the build, from spawn until its group has committed every record. */
  private async ledgerRun(topics: RoundTopics, round: number): Promise<LedgerRun> {
    const databaseUrl = `${config.serverUrl}/jit_bench_ingest_${runId}_${topics.events}_${round}`;
    const groupId = `${topics.prefix}${LEDGER_CONSUMER_GROUP}`;
    const port = await freePort();
    this.leftovers.databases.add(databaseUrl);
    const ledger = new ServiceProcess({
      name: 'the ledger',
      main: config.ledgerMain,
      nodeArgs: config.ledgerNodeArgs,
      env: this.ledgerEnv({ databaseUrl, prefix: topics.prefix, port }),
      port,
      logFile: join(config.resultsDir, 'ledger-ingest.service.log'),
    });
    this.leftovers.ledger = ledger;

    const spawnedAt = ledger.start();
    const readyAt = await ledger.waitUntilReady(READY_TIMEOUT_MS);
    const database = new Client({ connectionString: databaseUrl });
    await database.connect();
    try {
      const caught = await this.waitUntilCaughtUp(topics, groupId, database, ledger);
      const firstEntryAt = await firstEntryRecordedAt(database);
      const ingestMs = caught.at - firstEntryAt;
      return {
        startUpMs: readyAt - spawnedAt,
        spawnToFirstEntryMs: firstEntryAt - spawnedAt,
        spawnToCaughtUpMs: caught.at - spawnedAt,
        ingestMs,
        eventsPerSecond: topics.events / (ingestMs / 1000),
        state: { ...(await ledgerState(database)), head_seq_when_caught_up: caught.headSeq },
      };
    } finally {
      await database.end();
      await ledger.stop(20_000);
      this.leftovers.ledger = null;
      await this.deleteGroup(groupId);
      await dropDatabaseIfExists(databaseUrl);
      this.leftovers.databases.delete(databaseUrl);
    }
  }

  /**
   * Caught up: the head holds at least N entries and the group has committed every partition to
   * where the produced events end. The offsets decide, since the ledger's own AnomalyDetected
   * events, recorded in between, count in the head too.
   */
  private async waitUntilCaughtUp(
    topics: RoundTopics,
    groupId: string,
    database: Client,
    ledger: ServiceProcess,
  ): Promise<{ at: number; headSeq: number }> {
    // Generous: a tenth of the target rate, plus start-up.
    const deadline = Date.now() + READY_TIMEOUT_MS + topics.events * 0.7;
    while (Date.now() < deadline) {
      if (ledger.hasExited) throw new Error('the ledger exited before it had caught up');
      const result = await database.query('SELECT seq FROM ledger.ledger_head WHERE id = 1');
      const headSeq = Number((result.rows[0] as { seq: string } | undefined)?.seq ?? 0);
      if (headSeq >= topics.events && (await this.committedToEnd(topics, groupId))) {
        return { at: Date.now(), headSeq };
      }
      await sleep(config.pollIntervalMs);
    }
    throw new Error(`the ledger had not caught up with ${topics.events} events in time`);
  }

  private async committedToEnd(topics: RoundTopics, groupId: string): Promise<boolean> {
    const [committed] = await this.admin.fetchOffsets({ groupId, topics: [topics.topic] });
    const offsets = new Map(
      (committed?.partitions ?? []).map((entry) => [entry.partition, entry.offset]),
    );
    return reachedEnd(offsets, topics.endOffsets);
  }

  /**
   * A fresh group on the same topic whose eachBatch only resolves and commits offsets, with the
   * ledger consumer's settings and one commit per LEDGER_BATCH_SIZE records, as the ledger commits.
   */
  private async kafkaRun(topics: RoundTopics, round: number): Promise<number> {
    const groupId = `${topics.prefix}raw-baseline-${round}`;
    const consumer = this.kafka.consumer({
      groupId,
      sessionTimeout: 30000,
      heartbeatInterval: 3000,
      allowAutoTopicCreation: false,
      retry: { retries: 10, initialRetryTime: 300, maxRetryTime: 10000 },
    });
    const committed = new Map<number, string>();
    let firstBatch: bigint | null = null;
    let finish: (ms: number) => void = () => undefined;
    const finished = new Promise<number>((resolve) => (finish = resolve));
    await consumer.connect();
    try {
      await consumer.subscribe({ topics: [topics.topic], fromBeginning: true });
      await consumer.run({
        autoCommit: false,
        eachBatchAutoResolve: false,
        partitionsConsumedConcurrently: 3,
        eachBatch: async ({ batch, resolveOffset, heartbeat }) => {
          firstBatch ??= process.hrtime.bigint();
          for (let index = 0; index < batch.messages.length; index += LEDGER_BATCH_SIZE) {
            const chunk = batch.messages.slice(index, index + LEDGER_BATCH_SIZE);
            const last = chunk[chunk.length - 1]!.offset;
            const next = (BigInt(last) + 1n).toString();
            resolveOffset(last);
            await consumer.commitOffsets([
              { topic: batch.topic, partition: batch.partition, offset: next },
            ]);
            await heartbeat();
            committed.set(batch.partition, next);
          }
          if (reachedEnd(committed, topics.endOffsets)) finish(elapsedMs(firstBatch));
        },
      });
      const ms = await withTimeout(finished, READY_TIMEOUT_MS + topics.events * 0.7, 'kafkajs');
      return topics.events / (ms / 1000);
    } finally {
      await consumer.disconnect();
      await this.deleteGroup(groupId);
    }
  }

  /** The same rows, precomputed, into a copy of ledger_entries without its triggers. */
  private async insertRun(fixture: SizeFixture): Promise<number> {
    const client = new Client({ connectionString: this.baselineUrl });
    await client.connect();
    try {
      await client.query('TRUNCATE public.ledger_entries_baseline');
      const statements = new Map<number, string>();
      const started = process.hrtime.bigint();
      for (const parameters of fixture.insertBatches) {
        const rows = parameters.length / INSERT_COLUMNS;
        let sql = statements.get(rows);
        if (sql === undefined) {
          sql = insertStatement(rows);
          statements.set(rows, sql);
        }
        await client.query(sql, parameters);
      }
      const ms = elapsedMs(started);
      const counted = await client.query(
        'SELECT count(*) AS n FROM public.ledger_entries_baseline',
      );
      const stored = Number((counted.rows[0] as { n: string }).n);
      if (stored !== fixture.events) throw new Error(`the INSERT baseline stored ${stored} rows`);
      return fixture.events / (ms / 1000);
    } finally {
      await client.end();
    }
  }

  // A group's member lingers until its session times out when a consumer did not leave cleanly.
  private async deleteGroup(groupId: string): Promise<void> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        await this.admin.deleteGroups([groupId]);
        return;
      } catch (error) {
        if (attempt >= 20) {
          log(`could not delete consumer group ${groupId}: ${(error as Error).message}`);
          return;
        }
        await sleep(2000);
      }
    }
  }

  async removeTopics(prefix: string): Promise<void> {
    const topics = (await this.admin.listTopics()).filter((topic) => topic.startsWith(prefix));
    if (topics.length > 0) await this.admin.deleteTopics({ topics, timeout: 30000 });
    const groups = (await this.admin.listGroups()).groups
      .map((group) => group.groupId)
      .filter((groupId) => groupId.startsWith(prefix));
    if (groups.length > 0) await this.admin.deleteGroups(groups).catch(() => undefined);
    this.leftovers.topicPrefixes.delete(prefix);
  }
}

/** Every partition committed at least to where the produced events end (an empty one is done). */
function reachedEnd(committed: Map<number, string>, endOffsets: Map<number, string>): boolean {
  return [...endOffsets].every(([partition, end]) => {
    const offset = committed.get(partition);
    return end === '0' || (offset !== undefined && BigInt(offset) >= BigInt(end));
  });
}

/** Keyed and encoded as the outbox relay publishes an event. */
function encodedRecord(event: DomainEvent): { key: string; value: string } {
  return { key: event.partitionKey, value: JSON.stringify(event) };
}

const INSERT_COLUMNS = ENTRY_COLUMNS.split(',').length;

function insertParameters(entry: ReturnType<typeof chainEvents>['entries'][number]): unknown[] {
  return [
    entry.seq,
    entry.eventId,
    entry.eventType,
    entry.partitionKey,
    entry.occurredAt,
    entry.recordedAt,
    // Canonical JSON is built by concatenation; held as such, a million payloads outgrow the heap.
    Buffer.from(entry.payload).toString('utf8'),
    entry.prevHash,
    entry.hash,
  ];
}

function insertStatement(rows: number): string {
  const values: string[] = [];
  for (let row = 0; row < rows; row += 1) {
    const base = row * INSERT_COLUMNS;
    const placeholders = Array.from(
      { length: INSERT_COLUMNS },
      (_, column) => `$${base + column + 1}`,
    );
    values.push(`(${placeholders.join(', ')})`);
  }
  return `INSERT INTO public.ledger_entries_baseline (${ENTRY_COLUMNS}) VALUES ${values.join(', ')}`;
}

/** Topics made the way `npm run stack` makes them: the project's script, with the prefix. */
async function createTopics(prefix: string): Promise<void> {
  const child = spawn(process.execPath, [config.createTopicsMain], {
    env: { ...process.env, KAFKA_BROKERS: config.brokers, KAFKA_TOPIC_PREFIX: prefix },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  if (code !== 0) throw new Error(`${config.createTopicsMain} exited with code ${code}`);
}

async function firstEntryRecordedAt(database: Client): Promise<number> {
  const result = await database.query(
    'SELECT extract(epoch FROM recorded_at) * 1000 AS ms FROM ledger.ledger_entries WHERE seq = 1',
  );
  const row = result.rows[0] as { ms: string } | undefined;
  if (!row) throw new Error('the ledger has no first entry');
  return Number(row.ms);
}

async function ledgerState(database: Client): Promise<Record<string, number>> {
  const result = await database.query(
    `SELECT (SELECT count(*) FROM ledger.ledger_entries) AS entries,
            (SELECT count(*) FROM ledger.grant_history) AS grant_history,
            (SELECT count(*) FROM ledger.current_grants) AS current_grants,
            (SELECT count(*) FROM ledger.audit_trail) AS audit_trail`,
  );
  return Object.fromEntries(
    Object.entries(result.rows[0] as Record<string, string>).map(([key, value]) => [
      key,
      Number(value),
    ]),
  );
}

/** The first WARM_UP_MAX_EVENTS events of the fixture, whole batches, or all of a smaller one. */
function warmUpPart(fixture: SizeFixture): SizeFixture {
  if (fixture.events <= WARM_UP_MAX_EVENTS) return fixture;
  const records = fixture.records.slice(0, WARM_UP_MAX_EVENTS);
  return {
    events: records.length,
    records,
    bytes: records.reduce((sum, record) => sum + record.value.length, 0),
    insertBatches: fixture.insertBatches.slice(0, Math.ceil(records.length / LEDGER_BATCH_SIZE)),
  };
}

function summarizeSize(fixture: SizeFixture, runs: RoundResult[]): IngestSizeResult {
  const pick = (value: (run: (typeof runs)[number]) => number): RunSummary =>
    summarizeRuns(runs.map(value));
  const ingest = pick((run) => run.ledger.eventsPerSecond);
  const kafkaBaseline = pick((run) => run.kafka);
  const insertBaseline = pick((run) => run.insert);
  const perEvent = (summary: RunSummary) => 1e6 / summary.median;
  return {
    events: fixture.events,
    partitions: runs[0]!.topics.partitions,
    produced: {
      seconds: summarizeRuns(runs.map((run) => run.topics.produceMs)).median / 1000,
      bytes: fixture.bytes,
    },
    startUpMs: pick((run) => run.ledger.startUpMs),
    spawnToFirstEntryMs: pick((run) => run.ledger.spawnToFirstEntryMs),
    spawnToCaughtUpMs: pick((run) => run.ledger.spawnToCaughtUpMs),
    ingestMs: pick((run) => run.ledger.ingestMs),
    ingest,
    kafkaBaseline,
    insertBaseline,
    baseline: pick((run) => Math.min(run.kafka, run.insert)),
    ratio: pick((run) => run.ledger.eventsPerSecond / Math.min(run.kafka, run.insert)),
    perEventUs: {
      ingest: perEvent(ingest),
      kafkaBaseline: perEvent(kafkaBaseline),
      insertBaseline: perEvent(insertBaseline),
    },
    ledgerState: runs[runs.length - 1]!.ledger.state,
  };
}

async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** The scratch table of the INSERT baseline: ledger_entries' columns and indexes, no triggers. */
async function prepareBaselineDatabase(url: string): Promise<void> {
  const dataSource = createServiceDataSource({
    url,
    schema: 'ledger',
    migrations: ledgerMigrations,
    poolSize: 2,
    applicationName: 'jit-ledger-ingest-bench',
  });
  try {
    await prepareDatabase(dataSource, url, 'ledger');
    await dataSource.query(
      'CREATE TABLE public.ledger_entries_baseline (LIKE ledger.ledger_entries INCLUDING ALL)',
    );
  } finally {
    if (dataSource.isInitialized) await dataSource.destroy();
  }
}

const SECRETS = new Set(['JWT_SECRET', 'WEBHOOK_SIGNING_SECRET']);
const SHOWN =
  /^(DATABASE_|KAFKA_|HTTP_|LOG_LEVEL|LEDGER_|ANOMALY_|JWT_|POLICY_FILE|NOTIFICATION_ROUTING_FILE|SMTP_URL)/;

/** The ledger's environment for the report, with secrets and per-run values named, not shown. */
function describedEnvironment(env: NodeJS.ProcessEnv): Record<string, string> {
  const described: Record<string, string> = {};
  for (const [name, value] of Object.entries(env).sort(([a], [b]) => a.localeCompare(b))) {
    if (value === undefined || !SHOWN.test(name)) continue;
    if (SECRETS.has(name)) described[name] = '(fresh random secret)';
    else if (name === 'LEDGER_CHECKPOINT_KEY') described[name] = '@<fresh Ed25519 PKCS#8 PEM file>';
    else if (name === 'DATABASE_URL')
      described[name] = value.replace(/_\d+_\d+$/, '_<size>_<round>');
    else if (name === 'KAFKA_TOPIC_PREFIX')
      described[name] = value.replace(/-\d+-\d+\.$/, '-<size>-<round>.');
    else if (name === 'HTTP_PORT') described[name] = '<a free port>';
    else described[name] = value.replace(/\/\/([^:@/]+):[^@/]+@/, '//$1:***@');
  }
  return described;
}

async function machineOf(): Promise<MachineFigures> {
  const client = new Client({ connectionString: `${config.serverUrl}/postgres` });
  await client.connect();
  try {
    const result = await client.query<{ server_version: string }>('SHOW server_version');
    return machineFigures(result.rows[0]?.server_version ?? 'unknown');
  } finally {
    await client.end();
  }
}

async function cleanUp(
  leftovers: Leftovers,
  bench: IngestBench | null,
  key: CheckpointKey,
): Promise<void> {
  const steps: [string, () => Promise<unknown>][] = [
    ['stop the ledger', async () => leftovers.ledger?.stop()],
    ...[...leftovers.topicPrefixes].map(
      (prefix) =>
        [`delete the topics of ${prefix}`, async () => bench?.removeTopics(prefix)] as [
          string,
          () => Promise<unknown>,
        ],
    ),
    ...[...leftovers.databases].map(
      (url) =>
        [`drop ${describeDatabaseUrl(url).database}`, () => dropDatabaseIfExists(url)] as [
          string,
          () => Promise<unknown>,
        ],
    ),
    ['remove the checkpoint key', () => key.remove()],
  ];
  for (const [what, step] of steps) {
    await step().catch((error: unknown) => log(`cleanup: could not ${what}: ${String(error)}`));
  }
}

async function main(): Promise<void> {
  const startedAt = new Date();
  const leftovers = new Leftovers();
  await mkdir(config.resultsDir, { recursive: true });
  const key = await writeCheckpointKey('jit-ledger-ingest');
  const baselineUrl = `${config.serverUrl}/jit_bench_ingest_${runId}_baseline`;
  const kafka = createKafkaClient({
    brokers: config.brokers.split(',').map((broker) => broker.trim()),
    clientId: 'jit-ledger-ingest-bench',
    topicPrefix: '',
  });
  const admin = kafka.admin();
  let bench: IngestBench | null = null;
  // Interrupted (Ctrl-C, a CI timeout): remove what was created, then exit.
  const interrupted = (signal: NodeJS.Signals) => {
    log(`${signal}: cleaning up`);
    void cleanUp(leftovers, bench, key).finally(() =>
      process.exit(signal === 'SIGINT' ? 130 : 143),
    );
  };
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);
  try {
    const machine = await machineOf();
    await admin.connect();
    leftovers.databases.add(baselineUrl);
    await prepareBaselineDatabase(baselineUrl);
    const env = deploymentEnvironment(key.file, config.brokers).forService;
    bench = new IngestBench(kafka, admin, leftovers, env, baselineUrl);

    const sizes: IngestSizeResult[] = [];
    for (const events of config.sizes) sizes.push(await bench.measureSize(events));

    const report: IngestReport = {
      startedAt: startedAt.toISOString(),
      finishedAt: new Date().toISOString(),
      machine,
      config: {
        sizes: config.sizes,
        runs: config.runs,
        warmUpRuns: WARM_UP_RUNS,
        warmUpMaxEvents: WARM_UP_MAX_EVENTS,
        batchSize: LEDGER_BATCH_SIZE,
        pollIntervalMs: config.pollIntervalMs,
        seed: config.seed,
        brokers: config.brokers,
        ledgerEnv: describedEnvironment(
          env({
            databaseUrl: `${config.serverUrl}/jit_bench_ingest_${runId}_0_0`,
            prefix: `bench-ingest-${runId}-0-0.`,
            port: 0,
          }),
        ),
      },
      targets: { ratio: TARGET_RATIO, eventsPerSecond: TARGET_EVENTS_PER_SECOND },
      sizes,
    };
    const written = await writeIngestReport(report, config.resultsDir);
    log(`report: ${written.markdown} and ${written.json}`);
  } finally {
    await cleanUp(leftovers, bench, key);
    await admin.disconnect();
  }
}

main().catch((error: unknown) => {
  console.error(`ledger ingest bench failed: ${(error as Error).stack ?? String(error)}`);
  process.exitCode = 1;
});
