// Usage: npm run bench (or: npm run build && BENCH_EVENTS=100000 node dist/bench/ledger-scale.bench.js).
import { randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';
import { SystemClock } from '@app/domain';
import {
  createServiceDataSource,
  describeDatabaseUrl,
  dropDatabaseIfExists,
  prepareDatabase,
} from '@app/persistence';
import { LedgerAppendService } from '../apps/ledger/src/append/ledger-append.service';
import {
  ENTRY_COLUMNS,
  LedgerEntriesRepository,
  LedgerEntryRow,
} from '../apps/ledger/src/append/ledger-entries.repository';
import {
  canonicalPayload,
  ChainLink,
  entryHash,
  GENESIS_LINK,
} from '../apps/ledger/src/chain/hash-chain';
import { LedgerQueryService } from '../apps/ledger/src/http/ledger-query.service';
import { ledgerMigrations } from '../apps/ledger/src/migrations';
import { ProjectionApplier } from '../apps/ledger/src/projections/projection.applier';
import {
  ProjectionRebuilder,
  rebuildProjections,
} from '../apps/ledger/src/projections/projection-rebuilder';
import {
  FOLD_CHUNK_SIZE,
  REPLAY_PAGE_SIZE,
  replayLedger,
} from '../apps/ledger/src/replay/ledger-replay';
import { ProjectionAccumulator } from '../apps/ledger/src/replay/projection-state';
import { verifyAndDecodePage } from '../apps/ledger/src/replay/verified-page';
import { elapsedMs, summarizeLatencies, summarizeRuns } from './support/bench-stats';
import { LatencyFigure, RatioFigure, ScaleReport, writeScaleReport } from './support/scale-report';
import {
  DEFAULT_HISTORY,
  LedgerHistoryGenerator,
  resourceName,
} from './support/ledger-history.generator';
import { SeededRandom } from './support/seeded-random';
import { log, positiveFromEnv } from './support/bench-env';
import { machineFigures, MachineFigures } from './support/bench-report';

/**
 * The ledger at scale: generates a realistic history of BENCH_EVENTS events (1,000,000 by default)
 * into a dedicated database through the real append path, then measures, in the same run and
 * alternating with their raw baselines, a replay of the whole chain with full verification against
 * a plain keyset scan, and "who held R at T" (the query of `GET /grants/at`) against a lookup by
 * primary key. Writes the report to bench/results/ as Markdown and JSON.
 */
const config = {
  serverUrl: process.env.BENCH_DATABASE_SERVER_URL ?? 'postgres://postgres@127.0.0.1:5432',
  /** An existing benchmark database to reuse; its ledger is generated only when empty. */
  databaseUrl: process.env.BENCH_DATABASE_URL,
  keepDatabase: process.env.BENCH_KEEP_DATABASE === '1',
  events: positiveFromEnv('BENCH_EVENTS', 1_000_000),
  runs: positiveFromEnv('BENCH_RUNS', 3),
  queries: positiveFromEnv('BENCH_QUERIES', 2000),
  warmUp: positiveFromEnv('BENCH_WARMUP_QUERIES', 200),
  /** Rows per query of the raw scan; 10,000 is its fastest here (1,000 is about a tenth slower). */
  pageSize: positiveFromEnv('BENCH_PAGE_SIZE', 10_000),
  /** Entries per query of the replay: by default the replay's own, as the ledger CLI runs it. */
  replayPageSize: positiveFromEnv('BENCH_REPLAY_PAGE_SIZE', REPLAY_PAGE_SIZE),
  appendBatch: positiveFromEnv('BENCH_APPEND_BATCH', 1000),
  sqlRebuild: process.env.BENCH_SQL_REBUILD === '1',
  /** One more replay pass with its steps timed apart; as long as a replay run. */
  breakdown: process.env.BENCH_BREAKDOWN === '1',
  resultsDir: process.env.BENCH_RESULTS_DIR ?? 'bench/results',
  seed: positiveFromEnv('BENCH_SEED', DEFAULT_HISTORY.seed),
};

const SAMPLE_EVERY = 997;
const REPLAY_TARGET_RATIO = 1.5;
const QUERY_TARGET_P99_MS = 10;

interface Generation {
  generated: number;
  seconds: number;
  counts: Record<string, number>;
  /** Canonical payloads of every SAMPLE_EVERY-th entry, to compare with the stored rows. */
  samples: Map<number, string>;
}

async function generateLedger(dataSource: DataSource): Promise<Generation> {
  const appender = new LedgerAppendService(
    dataSource,
    new LedgerEntriesRepository(),
    new ProjectionApplier(),
    new SystemClock(),
  );
  const generator = new LedgerHistoryGenerator({ ...DEFAULT_HISTORY, seed: config.seed });
  const samples = new Map<number, string>();
  const counts = new Map<string, number>();
  const started = process.hrtime.bigint();
  let seq = 0;
  while (seq < config.events) {
    const events = generator.next(Math.min(config.appendBatch, config.events - seq));
    const result = await appender.append(events);
    if (result.appended !== events.length) {
      throw new Error(`the generator repeated an event id: ${result.duplicates} duplicates`);
    }
    events.forEach((event, index) => {
      counts.set(event.type, (counts.get(event.type) ?? 0) + 1);
      if ((seq + index + 1) % SAMPLE_EVERY === 0) {
        samples.set(seq + index + 1, canonicalPayload(event));
      }
    });
    seq += events.length;
    if (seq % 100_000 < events.length) {
      log(`appended ${seq} events (${(seq / (elapsedMs(started) / 1000)).toFixed(0)}/s)`);
    }
  }
  return {
    generated: seq,
    seconds: elapsedMs(started) / 1000,
    // What was appended; the generator holds back events it has made for later batches.
    counts: Object.fromEntries([...counts.entries()].sort()),
    samples,
  };
}

/**
 * The rows the append path stored are the generator's events: the payload is the event's
 * canonical JSON, the hash is computed from it and the previous entry's hash, and the entry
 * before links to it.
 */
async function verifySample(
  dataSource: DataSource,
  samples: Map<number, string>,
): Promise<{ checked: number; mismatches: number[] }> {
  const seqs = [...samples.keys()];
  const wanted = seqs.flatMap((seq) => [seq - 1, seq]);
  const rows = (await dataSource.query(
    `SELECT seq, payload, prev_hash, hash FROM ledger.ledger_entries WHERE seq = ANY($1::bigint[])`,
    [wanted],
  )) as { seq: string; payload: string; prev_hash: string; hash: string }[];
  const bySeq = new Map(rows.map((row) => [Number(row.seq), row]));
  const mismatches = seqs.filter((seq) => {
    const row = bySeq.get(seq);
    const previous = bySeq.get(seq - 1);
    return (
      !row ||
      !previous ||
      row.payload !== samples.get(seq) ||
      row.prev_hash !== previous.hash ||
      row.hash !== entryHash(previous.hash, seq, row.payload)
    );
  });
  return { checked: seqs.length, mismatches };
}

/** The raw baseline: every row of the same table, in seq order, each payload parsed. */
async function rawScan(dataSource: DataSource): Promise<{ rows: number; ms: number }> {
  const started = process.hrtime.bigint();
  let afterSeq = 0;
  let rows = 0;
  let parsedTypes = 0;
  for (;;) {
    const page = (await dataSource.query(
      `SELECT ${ENTRY_COLUMNS} FROM ledger.ledger_entries WHERE seq > $1 ORDER BY seq LIMIT $2`,
      [afterSeq, config.pageSize],
    )) as LedgerEntryRow[];
    if (page.length === 0) break;
    for (const row of page) {
      const event = JSON.parse(row.payload) as { type?: unknown };
      if (typeof event.type === 'string') parsedTypes += 1;
    }
    rows += page.length;
    afterSeq = Number(page[page.length - 1]!.seq);
  }
  if (parsedTypes !== rows) throw new Error('the raw scan read payloads that are not events');
  return { rows, ms: elapsedMs(started) };
}

interface ReplayRun {
  rows: number;
  ms: number;
  currentGrants: number;
  grantHistory: number;
  auditRecords: number;
}

/**
 * The replay module's in-memory replay from genesis, verifying the chain of every page before
 * folding it, in one snapshot; audit trail records are drained chunk by chunk and counted.
 */
async function replayRun(dataSource: DataSource): Promise<ReplayRun> {
  const started = process.hrtime.bigint();
  let auditRecords = 0;
  const result = await dataSource.transaction('REPEATABLE READ', (manager) =>
    replayLedger(manager, {
      pageSize: config.replayPageSize,
      drain: (records) => {
        auditRecords += records.length;
        return Promise.resolve();
      },
    }),
  );
  const ms = elapsedMs(started);
  if (result.last.seq !== result.head.seq || result.last.hash !== result.head.hash) {
    throw new Error(`the replay stopped at seq ${result.last.seq}, the head is ${result.head.seq}`);
  }
  return {
    rows: result.replayed,
    ms,
    currentGrants: result.state.currentGrants.size,
    grantHistory: result.state.grantHistory.size,
    auditRecords,
  };
}

async function measureReplay(dataSource: DataSource): Promise<{
  figure: RatioFigure;
  rows: number;
  state: Omit<ReplayRun, 'ms' | 'rows'>;
  coldMs: number;
}> {
  const scans: number[] = [];
  const replays: number[] = [];
  let state: Omit<ReplayRun, 'ms' | 'rows'> | undefined;
  let rows = 0;
  // An untimed pass of each brings the table into the page cache for both sides and has V8
  // compile the replay's code; a cold replay, as a CLI run is, takes longer than the ones timed.
  await rawScan(dataSource);
  const cold = await replayRun(dataSource);
  log(`untimed first replay ${cold.ms.toFixed(0)} ms`);
  for (let run = 1; run <= config.runs; run += 1) {
    const scan = await rawScan(dataSource);
    const replay = await replayRun(dataSource);
    if (scan.rows !== replay.rows) {
      throw new Error(`the scan read ${scan.rows} rows, the replay ${replay.rows}`);
    }
    scans.push(scan.ms);
    replays.push(replay.ms);
    rows = replay.rows;
    state = {
      currentGrants: replay.currentGrants,
      grantHistory: replay.grantHistory,
      auditRecords: replay.auditRecords,
    };
    log(
      `run ${run}: raw scan ${scan.ms.toFixed(0)} ms, replay ${replay.ms.toFixed(0)} ms ` +
        `(${(replay.ms / scan.ms).toFixed(2)}x)`,
    );
  }
  const perRun = replays.map((ms, index) => ms / scans[index]!);
  return {
    figure: {
      name: 'replay with full chain verification vs raw keyset scan',
      unit: 'ms',
      measured: summarizeRuns(replays),
      baseline: summarizeRuns(scans),
      ratio: summarizeRuns(perRun),
      target: REPLAY_TARGET_RATIO,
    },
    rows,
    state: state!,
    coldMs: cold.ms,
  };
}

/**
 * One more pass of the replay's steps, each timed on its own, to show where its time goes:
 * reading and mapping the rows, verifying the chain and decoding the events (one parse of each
 * payload serves both), folding the projections in place, chunk by chunk as the replay does.
 * Reads are not overlapped with folding here, so that each step is timed alone.
 */
async function replayBreakdown(dataSource: DataSource): Promise<Record<string, number>> {
  const repository = new LedgerEntriesRepository();
  const phases = { read: 0, 'verify and decode': 0, fold: 0 };
  const head = await repository.readHead(dataSource);
  const accumulator = new ProjectionAccumulator();
  let last: ChainLink = GENESIS_LINK;
  while (last.seq < head.seq) {
    let started = process.hrtime.bigint();
    const page = await repository.readEntries(
      dataSource,
      last.seq,
      head.seq,
      config.replayPageSize,
    );
    phases.read += elapsedMs(started);
    if (page.length === 0) break;

    for (let start = 0; start < page.length; start += FOLD_CHUNK_SIZE) {
      const rows = page.slice(start, start + FOLD_CHUNK_SIZE);
      started = process.hrtime.bigint();
      const verification = verifyAndDecodePage(rows, last);
      phases['verify and decode'] += elapsedMs(started);
      if (!verification.ok) throw new Error(`the chain breaks at seq ${verification.brokenSeq}`);

      started = process.hrtime.bigint();
      accumulator.fold(verification.entries);
      accumulator.drainAuditTrail();
      phases.fold += elapsedMs(started);
      last = verification.last;
    }
  }
  log(
    `replay steps: ${Object.entries(phases)
      .map(([phase, ms]) => `${phase} ${ms.toFixed(0)} ms`)
      .join(', ')}`,
  );
  return phases;
}

/** The live, SQL rebuild of the projections, once, with a raw scan just before it. */
async function measureSqlRebuild(dataSource: DataSource): Promise<RatioFigure> {
  const scan = await rawScan(dataSource);
  const started = process.hrtime.bigint();
  await dataSource.transaction((manager) => rebuildProjections(manager));
  const ms = elapsedMs(started);
  log(`SQL rebuild ${ms.toFixed(0)} ms, raw scan ${scan.ms.toFixed(0)} ms`);
  return {
    name: 'SQL rebuild of the live projections (rebuildProjections) vs raw keyset scan',
    unit: 'ms',
    measured: summarizeRuns([ms]),
    baseline: summarizeRuns([scan.ms]),
    ratio: summarizeRuns([ms / scan.ms]),
    target: null,
  };
}

interface QueryWindow {
  from: number;
  to: number;
}

async function queryWindow(dataSource: DataSource): Promise<QueryWindow> {
  const rows = (await dataSource.query(
    `SELECT min(starts_at) AS "from", max(COALESCE(ended_at, ends_at)) AS "to"
     FROM ledger.grant_history`,
  )) as { from: Date | null; to: Date | null }[];
  const { from, to } = rows[0] ?? { from: null, to: null };
  if (!from || !to) throw new Error('the benchmark ledger holds no grants');
  return { from: from.getTime(), to: to.getTime() };
}

/**
 * "Who held R at T" through the ledger's own query service, interleaved with a lookup of one
 * grant by its primary key (the round trip and the row mapping every query pays), after a warm-up.
 */
async function measureGrantsAt(
  dataSource: DataSource,
  window: QueryWindow,
  label: string,
  pickResource: (random: SeededRandom) => string,
): Promise<LatencyFigure> {
  const repository = new LedgerEntriesRepository();
  const service = new LedgerQueryService(
    dataSource,
    repository,
    new ProjectionRebuilder(dataSource, new ProjectionApplier(), repository),
  );
  const grantIds = (
    (await dataSource.query(
      'SELECT grant_id FROM ledger.grant_history ORDER BY grant_id LIMIT 10000',
    )) as { grant_id: string }[]
  ).map((row) => row.grant_id);
  const random = new SeededRandom(config.seed + label.length);
  const measured: number[] = [];
  const baseline: number[] = [];
  let rowsFound = 0;
  for (let index = 0; index < config.warmUp + config.queries; index += 1) {
    const resource = pickResource(random);
    const at = new Date(window.from + random.next() * (window.to - window.from)).toISOString();
    const grantId = random.pick(grantIds);

    const queried = process.hrtime.bigint();
    const answer = await service.grantsAt({ resource, at });
    const queryMs = elapsedMs(queried);
    const looked = process.hrtime.bigint();
    await dataSource.query(
      `SELECT grant_id, request_id, kind, subject, resource, role, starts_at, ends_at, approvers,
         automatic, policy_id, issued_seq, ended_at, ended_seq
       FROM ledger.grant_history WHERE grant_id = $1`,
      [grantId],
    );
    const lookupMs = elapsedMs(looked);

    if (index < config.warmUp) continue;
    measured.push(queryMs);
    baseline.push(lookupMs);
    rowsFound += answer.grants.length;
  }
  const query = summarizeLatencies(measured);
  const lookup = summarizeLatencies(baseline);
  log(
    `${label}: p50 ${query.p50.toFixed(2)} ms, p99 ${query.p99.toFixed(2)} ms ` +
      `(lookup by key p50 ${lookup.p50.toFixed(2)}, p99 ${lookup.p99.toFixed(2)})`,
  );
  return {
    name: `who held R at T (GET /grants/at), ${label}`,
    measured: query,
    baseline: lookup,
    p99Ratio: query.p99 / lookup.p99,
    meanGrantsPerAnswer: rowsFound / config.queries,
    targetP99Ms: QUERY_TARGET_P99_MS,
  };
}

async function grantsAtPlan(dataSource: DataSource, window: QueryWindow): Promise<string> {
  const at = new Date((window.from + window.to) / 2).toISOString();
  const rows = (await dataSource.query(
    `EXPLAIN (ANALYZE, BUFFERS, COSTS OFF)
     SELECT grant_id FROM ledger.grant_history
     WHERE resource = $1 AND starts_at <= $2 AND $2 < COALESCE(ended_at, ends_at)
     ORDER BY starts_at, grant_id`,
    [resourceName(0), at],
  )) as { 'QUERY PLAN': string }[];
  return rows.map((row) => row['QUERY PLAN']).join('\n');
}

async function tableFigures(dataSource: DataSource): Promise<Record<string, number>> {
  const rows = (await dataSource.query(
    `SELECT (SELECT count(*) FROM ledger.grant_history) AS grant_history,
            (SELECT count(*) FROM ledger.current_grants) AS current_grants,
            (SELECT count(DISTINCT resource) FROM ledger.grant_history) AS resources,
            (SELECT count(*) FROM ledger.grant_history WHERE resource = $1) AS hottest_resource_grants,
            pg_total_relation_size('ledger.ledger_entries') AS ledger_entries_bytes`,
    [resourceName(0)],
  )) as Record<string, string>[];
  return Object.fromEntries(
    Object.entries(rows[0] ?? {}).map(([key, value]) => [key, Number(value)]),
  );
}

async function main(): Promise<void> {
  const url =
    config.databaseUrl ?? `${config.serverUrl}/jit_bench_scale_${randomBytes(4).toString('hex')}`;
  const dataSource = createServiceDataSource({
    url,
    schema: 'ledger',
    migrations: ledgerMigrations,
    poolSize: 2,
    applicationName: 'jit-ledger-scale-bench',
  });
  const startedAt = new Date();
  try {
    await prepareDatabase(dataSource, url, 'ledger');
    const head = await new LedgerEntriesRepository().readHead(dataSource);
    let generation: Omit<Generation, 'samples'> | null = null;
    let sample: { checked: number; mismatches: number[] } | null = null;
    if (head.seq === 0) {
      log(`generating ${config.events} events into ${describeDatabaseUrl(url).database}`);
      const generated = await generateLedger(dataSource);
      sample = await verifySample(dataSource, generated.samples);
      if (sample.mismatches.length > 0) {
        throw new Error(
          `stored rows differ from the events at seqs ${sample.mismatches.join(', ')}`,
        );
      }
      generation = {
        generated: generated.generated,
        seconds: generated.seconds,
        counts: generated.counts,
      };
      log(`generated in ${generated.seconds.toFixed(0)} s; ${sample.checked} sampled rows match`);
    } else {
      log(`reusing the ${head.seq} entries of ${describeDatabaseUrl(url).database}`);
    }
    // As autovacuum would have done by the time a ledger of this size is questioned.
    await dataSource.query('VACUUM (ANALYZE) ledger.ledger_entries, ledger.grant_history');

    const replay = await measureReplay(dataSource);
    const breakdown = config.breakdown ? await replayBreakdown(dataSource) : null;
    const sqlRebuild = config.sqlRebuild ? await measureSqlRebuild(dataSource) : null;
    const window = await queryWindow(dataSource);
    const resources = DEFAULT_HISTORY.resources;
    const queries = [
      await measureGrantsAt(dataSource, window, 'R drawn as often as it is requested', (random) =>
        resourceName(random.skewedIndex(resources)),
      ),
      await measureGrantsAt(dataSource, window, 'R the most requested resource', () =>
        resourceName(0),
      ),
    ];
    const report: ScaleReport = {
      startedAt: startedAt.toISOString(),
      finishedAt: new Date().toISOString(),
      machine: await machineOf(dataSource),
      config: {
        events: config.events,
        runs: config.runs,
        queries: config.queries,
        warmUpQueries: config.warmUp,
        pageSize: config.pageSize,
        replayPageSize: config.replayPageSize,
        appendBatch: config.appendBatch,
        seed: config.seed,
      },
      entries: replay.rows,
      generation,
      sample,
      tables: await tableFigures(dataSource),
      replay: replay.figure,
      coldReplayMs: replay.coldMs,
      replayState: replay.state,
      replayBreakdown: breakdown,
      sqlRebuild,
      queries,
      grantsAtPlan: await grantsAtPlan(dataSource, window),
    };
    const written = await writeScaleReport(report, config.resultsDir);
    log(`report: ${written.markdown} and ${written.json}`);
  } finally {
    if (dataSource.isInitialized) await dataSource.destroy();
    if (config.keepDatabase || config.databaseUrl) log(`kept the database: ${url}`);
    else await dropDatabaseIfExists(url);
  }
}

async function machineOf(dataSource: DataSource): Promise<MachineFigures> {
  const rows = (await dataSource.query('SHOW server_version')) as { server_version: string }[];
  return machineFigures(rows[0]?.server_version ?? 'unknown');
}

main().catch((error: unknown) => {
  console.error(`ledger scale bench failed: ${(error as Error).stack ?? String(error)}`);
  process.exitCode = 1;
});
