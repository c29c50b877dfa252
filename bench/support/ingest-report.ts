import { describeMachine, MachineFigures, writeReport } from './bench-report';
import { RunSummary } from './bench-stats';

/** The figures of one size: every rate in events per second, every duration in milliseconds. */
export interface IngestSizeResult {
  events: number;
  partitions: Record<string, number>;
  /** Pre-producing the events into a round's fresh topics: the median of the rounds. */
  produced: { seconds: number; bytes: number };
  /** Ledger process spawned until `/health` answered 200. */
  startUpMs: RunSummary;
  /** Ledger process spawned until the first entry was recorded. */
  spawnToFirstEntryMs: RunSummary;
  /** Ledger process spawned until caught up: head at N and offsets committed to the end. */
  spawnToCaughtUpMs: RunSummary;
  /** First entry recorded until caught up. */
  ingestMs: RunSummary;
  ingest: RunSummary;
  kafkaBaseline: RunSummary;
  insertBaseline: RunSummary;
  /** The slower of the two baselines, run by run. */
  baseline: RunSummary;
  /** ingest / baseline, run by run. */
  ratio: RunSummary;
  /** Microseconds per event at the median rate. */
  perEventUs: { ingest: number; kafkaBaseline: number; insertBaseline: number };
  /** Entries, grants and audit trail records the ledger held when it had caught up (last run). */
  ledgerState: Record<string, number>;
}

export interface IngestReport {
  startedAt: string;
  finishedAt: string;
  machine: MachineFigures;
  config: {
    sizes: number[];
    runs: number;
    warmUpRuns: number;
    /** A larger size's warm-up ingests only its first this many events. */
    warmUpMaxEvents: number;
    batchSize: number;
    pollIntervalMs: number;
    seed: number;
    brokers: string;
    /** The environment the ledger was started with, secrets left out. */
    ledgerEnv: Record<string, string>;
  };
  targets: { ratio: number; eventsPerSecond: number };
  sizes: IngestSizeResult[];
}

export function writeIngestReport(
  report: IngestReport,
  directory: string,
): Promise<{ markdown: string; json: string }> {
  return writeReport(directory, 'ledger-ingest', report, ingestReportMarkdown(report));
}

export function ingestReportMarkdown(report: IngestReport): string {
  const { machine, config, targets } = report;
  const lines = [
    '# Ledger ingest',
    '',
    `${describeMachine(machine)}; ${report.startedAt} to ${report.finishedAt}.`,
    '',
    'The real ledger service (`dist/apps/ledger/src/main.js`, a child process with its own ' +
      'database, topic prefix and checkpoint key) consumes events pre-produced into its ' +
      'access-events topic. Ingest is timed from the moment its first entry was recorded until ' +
      'its head seq reaches N and its consumer group has committed every partition to the end ' +
      `(polled every ${config.pollIntervalMs} ms). Start-up is reported on its own.`,
    '',
    'Baselines, alternating with the ledger run by run: (1) a fresh kafkajs consumer group on the ' +
      'same topic whose `eachBatch` only resolves and commits offsets, one commit per ' +
      `${config.batchSize} records, timed from its first batch; (2) multi-row INSERTs of the same ` +
      `rows (precomputed, hashes included) in batches of ${config.batchSize}, one transaction ` +
      'each, into a copy of `ledger.ledger_entries` with its indexes and without its triggers. ' +
      'The baseline of a run is the slower of the two.',
    '',
    `Sizes ${config.sizes.join(', ')}; ` +
      `${config.runs} ${config.runs === 1 ? 'run' : 'runs'} per size after ` +
      `${config.warmUpRuns} warm-up run (of at most the first ${config.warmUpMaxEvents} events); ` +
      `batch size ${config.batchSize}; seed ${config.seed}; ` +
      `broker ${config.brokers}.`,
    '',
    ...report.sizes.flatMap((size) => sizeSection(size, targets)),
    '## Cost per event across sizes',
    '',
    '| events | ledger µs/event | kafkajs µs/event | INSERT µs/event | ledger / baseline |',
    '| --- | --- | --- | --- | --- |',
    ...report.sizes.map(
      (size) =>
        `| ${size.events.toLocaleString('en')} | ${size.perEventUs.ingest.toFixed(1)} | ` +
        `${size.perEventUs.kafkaBaseline.toFixed(1)} | ${size.perEventUs.insertBaseline.toFixed(1)} | ` +
        `${size.ratio.median.toFixed(2)} |`,
    ),
    '',
    '## Configuration',
    '',
    'The ledger ran with this environment (secrets left out):',
    '',
    '| variable | value |',
    '| --- | --- |',
    ...Object.entries(config.ledgerEnv).map(([name, value]) => `| ${name} | \`${value}\` |`),
    '',
  ];
  return `${lines.join('\n')}\n`;
}

function sizeSection(size: IngestSizeResult, targets: IngestReport['targets']): string[] {
  const ratioMet = size.ratio.median >= targets.ratio;
  const rateMet = size.ingest.median >= targets.eventsPerSecond;
  return [
    `## ${size.events.toLocaleString('en')} events`,
    '',
    `Partitions: ${Object.entries(size.partitions)
      .map(([topic, count]) => `${topic} ${count}`)
      .join(', ')}. Each round has its own topics (the ledger publishes its AnomalyDetected ` +
      `events into the topic it reads); producing the events into them took ` +
      `${size.produced.seconds.toFixed(1)} s (median; ${(size.produced.bytes / 1e6).toFixed(1)} ` +
      `MB of values), untimed by the figures below.`,
    '',
    '| figure | runs | median | min | max | spread |',
    '| --- | --- | --- | --- | --- | --- |',
    runRow('ledger ingest (events/s)', size.ingest),
    runRow('baseline: raw kafkajs consume and commit (events/s)', size.kafkaBaseline),
    runRow('baseline: raw multi-row INSERT (events/s)', size.insertBaseline),
    runRow('baseline: the slower of the two (events/s)', size.baseline),
    runRow('ledger / baseline', size.ratio, 2),
    runRow('ledger ingest (ms)', size.ingestMs),
    runRow('spawn to ready (ms)', size.startUpMs),
    runRow('spawn to first entry (ms)', size.spawnToFirstEntryMs),
    runRow('spawn to caught up (ms)', size.spawnToCaughtUpMs),
    '',
    verdict(
      ratioMet,
      `At least ${targets.ratio}× the baseline: measured ${size.ratio.median.toFixed(2)}×` +
        (ratioMet ? '.' : `, ${shortfall(size.ratio.median, targets.ratio)} short of it.`),
    ),
    verdict(
      rateMet,
      `At least ${targets.eventsPerSecond.toLocaleString('en')} events/s: measured ` +
        `${size.ingest.median.toFixed(0)}` +
        (rateMet
          ? '.'
          : `, ${shortfall(size.ingest.median, targets.eventsPerSecond)} short of it.`),
    ),
    '',
    `When caught up (last run): ${Object.entries(size.ledgerState)
      .map(([name, count]) => `${name} ${count}`)
      .join(', ')}.`,
    '',
  ];
}

function shortfall(measured: number, target: number): string {
  return `${((1 - measured / target) * 100).toFixed(0)}%`;
}

function runRow(label: string, summary: RunSummary, digits = 0): string {
  const value = (figure: number) => figure.toFixed(digits);
  return (
    `| ${label} | ${summary.runs} | ${value(summary.median)} | ${value(summary.min)} | ` +
    `${value(summary.max)} | ${(summary.spread * 100).toFixed(1)}% |`
  );
}

function verdict(met: boolean, text: string): string {
  return `- ${met ? 'Met' : 'Missed'}. ${text}`;
}
