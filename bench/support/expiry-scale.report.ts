import { describeMachine, MachineFigures, writeReport } from './bench-report';
import { FLAT_WITHIN, isFlat, LatencySummary, RunSummary } from './bench-stats';
import { ExactlyOnce } from './expiry-event.watch';
import { ShapeCheck } from './expiry-seeder';

export const TARGETS = {
  precisionP99Ms: 500,
  burstMs: 5000,
  /** The burst the 5 s is set for; a run with another burst is not judged against it. */
  burstGrants: 100_000,
  memoryMiB: 300,
  restartMs: 5000,
};

export interface PrecisionRun {
  activeGrants: number;
  /** Arrival of AccessRevoked downstream minus the grant's end, in ms. */
  lateness: LatencySummary;
  missing: number;
  exactlyOnce: ExactlyOnce;
}

export interface BurstRun {
  activeGrants: number;
  grants: number;
  /** From the start of the second the grants end in to the last revocation's arrival. */
  ms: number;
  rate: number;
  /** Rows per second of the raw UPDATE … RETURNING just before this run. */
  baselineRate: number;
  baselineToBurst: number;
  /** From the first to the last fired_at the service recorded. */
  firingSpanMs: number;
  firstFiredAfterMs: number;
  /** CPU time of the expiry process over the burst (PostgreSQL's and the broker's not counted). */
  cpuMs: number;
  missing: number;
  exactlyOnce: ExactlyOnce;
}

export interface RestartRun {
  grants: number;
  dueWhileDown: number;
  shutdownMs: number;
  healthyMs: number;
  firstDownFiredMs: number;
  allDownFiredMs: number;
  missing: number;
  exactlyOnce: ExactlyOnce;
}

export interface SizeResult {
  size: number;
  seeding: { sampleGrants: number; shape: ShapeCheck; seededGrants: number; seedSeconds: number };
  precision: {
    runs: PrecisionRun[];
    p50: RunSummary;
    p95: RunSummary;
    p99: RunSummary;
    max: RunSummary;
  };
  burst: {
    runs: BurstRun[];
    ms: RunSummary;
    rate: RunSummary;
    baselineRate: RunSummary;
    baselineToBurst: RunSummary;
    wallUsPerDeadline: RunSummary;
    cpuUsPerDeadline: RunSummary;
  };
  memory: { precisionPeakRssKb: number; burstPeakRssKb: number; hwmKb: number };
  restart: {
    runs: RestartRun[];
    healthyMs: RunSummary;
    firstDownFiredMs: RunSummary;
    allDownFiredMs: RunSummary;
    shutdownMs: RunSummary;
  };
}

export interface ExpiryScaleReport {
  startedAt: string;
  finishedAt: string;
  machine: MachineFigures;
  config: Record<string, number | number[]>;
  sizes: SizeResult[];
}

/**
 * Whether the burst met its target: cleared in time with nothing missing; null when the run's
 * burst was not the size the target is set for.
 */
export function burstMet(size: SizeResult): boolean | null {
  if ((size.burst.runs[0]?.grants ?? 0) !== TARGETS.burstGrants) return null;
  return (
    size.burst.ms.median < TARGETS.burstMs && sum(size.burst.runs.map((run) => run.missing)) === 0
  );
}

/** The restart figures behind its verdict: the worst run, and deadlines missed or fired twice. */
export function restartOutcome(size: SizeResult): {
  worstMs: number;
  missed: number;
  twice: number;
  met: boolean;
} {
  const runs = size.restart.runs;
  const missed = sum(runs.map((run) => run.exactlyOnce.missing));
  const twice = sum(runs.map((run) => run.exactlyOnce.firedTwice));
  const worstMs = Math.max(size.restart.healthyMs.max, size.restart.firstDownFiredMs.max);
  return {
    worstMs,
    missed,
    twice,
    met: worstMs < TARGETS.restartMs && missed === 0 && twice === 0,
  };
}

/** Writes `expiry-scale.json` and `expiry-scale.md`, replacing the last run's. */
export function writeExpiryReport(
  report: ExpiryScaleReport,
  directory: string,
): Promise<{ markdown: string; json: string }> {
  return writeReport(directory, 'expiry-scale', report, expiryReportMarkdown(report));
}

export function expiryReportMarkdown(report: ExpiryScaleReport): string {
  const { machine, config } = report;
  const lines = [
    '# Expiry at scale',
    '',
    `${describeMachine(machine)}, one local Kafka broker; ` +
      `${report.startedAt} to ${report.finishedAt}. The broker, PostgreSQL, the service and ` +
      'this benchmark (which consumes every event itself) share its cores.',
    '',
    `Sizes ${(config.sizes as number[]).join(', ')} active grants; ` +
      `${config.runs} ${config.runs === 1 ? 'run' : 'runs'} per figure (the precision runs and ` +
      'the raw claim after a warm-up of their own); ' +
      `EXPIRY_POLL_INTERVAL_MS ${config.pollIntervalMs} and EXPIRY_BATCH_SIZE ` +
      `${config.batchSize} (the defaults, left unset); ${config.partitions} partitions on the ` +
      'access-events topic. The built service (`node dist/apps/expiry/src/main.js`) runs as a ' +
      'child process with its own database and topic prefix.',
    '',
    `Seeding: ${config.sampleGrants} grants went through the real path (GrantIssued published ` +
      'keyed by request id, as the approvals relay does, and scheduled by the consumer); the ' +
      'rest were inserted with SQL in the shape the consumer writes (grant, grant-end deadline, ' +
      'processed event id), checked column by column against the consumer-written sample: ' +
      report.sizes
        .map(
          (size) =>
            `${size.size}: ${size.seeding.shape.mismatches.length === 0 ? 'identical' : 'MISMATCH'}`,
        )
        .join(', ') +
      '. Each grant is its own access key, so every end emits GrantExpired and AccessRevoked.',
    '',
    '## Expiry precision',
    '',
    `${config.windowGrants} grants ending uniformly over ${Number(config.windowMs) / 1000} s ` +
      'while the rest end in a month. Lateness: when this benchmark received AccessRevoked on ' +
      "the access-events topic minus the grant's end (outbox relay and broker included). Median " +
      'of the runs, with min–max in brackets.',
    '',
    '| active grants | p50 ms | p95 ms | p99 ms | max ms | missing | fired twice |',
    '| --- | --- | --- | --- | --- | --- | --- |',
    ...report.sizes.map(
      (size) =>
        `| ${size.precision.runs[0]?.activeGrants ?? size.size} | ${bracket(size.precision.p50)} | ` +
        `${bracket(size.precision.p95)} | ${bracket(size.precision.p99)} | ` +
        `${bracket(size.precision.max)} | ${sum(size.precision.runs.map((run) => run.missing))} | ` +
        `${sum(size.precision.runs.map((run) => run.exactlyOnce.firedTwice))} |`,
    ),
    '',
    ...report.sizes.map((size) =>
      verdict(
        size.precision.p99.median < TARGETS.precisionP99Ms,
        `${size.size}: p99 ${size.precision.p99.median.toFixed(0)} ms against a target of ` +
          `${TARGETS.precisionP99Ms} ms${over(size.precision.p99.median, TARGETS.precisionP99Ms)} ` +
          `(spread of the p99 over runs ${pct(size.precision.p99.spread)}).`,
      ),
    ),
    '',
    '## Burst',
    '',
    `${config.burstGrants} grants ending within one second (spread over it), from the start of ` +
      'that second until the last AccessRevoked arrived. Baseline, just before each burst: ' +
      `\`UPDATE … RETURNING id\` over a scratch copy of expiry.deadlines (its indexes, its rows), ` +
      `claiming \`status = 'scheduled' AND due_at <= now()\` in batches of ${config.batchSize} ` +
      'with `FOR UPDATE SKIP LOCKED`, as many rows, each batch its own statement.',
    '',
    '| active grants | figure | runs | median | min | max | spread |',
    '| --- | --- | --- | --- | --- | --- | --- |',
    ...report.sizes.flatMap((size) => {
      const active = size.burst.runs[0]?.activeGrants ?? size.size;
      return [
        runRow(active, 'last revocation after the second (ms)', size.burst.ms),
        runRow(active, 'burst rate (deadlines/s, end to end)', size.burst.rate),
        runRow(active, 'baseline UPDATE … RETURNING (rows/s)', size.burst.baselineRate),
        runRow(active, 'baseline rate / burst rate', size.burst.baselineToBurst, 1),
      ];
    }),
    '',
    ...report.sizes.map((size) =>
      verdict(
        burstMet(size),
        `${size.size}: ${(size.burst.ms.median / 1000).toFixed(1)} s against a target of ` +
          `${TARGETS.burstMs / 1000} s for ${TARGETS.burstGrants}` +
          `${over(size.burst.ms.median, TARGETS.burstMs)}; the raw ` +
          `UPDATE claims rows ${size.burst.baselineToBurst.median.toFixed(1)}× as fast as the ` +
          `service fires and publishes them. Runs in order: ` +
          `${size.burst.runs.map((run) => run.ms).join(', ')} ms; the expiry process was on CPU ` +
          `for ${pct(sum(size.burst.runs.map((run) => run.cpuMs)) / sum(size.burst.runs.map((run) => run.ms)))} ` +
          `of that time, the rest it waited on PostgreSQL and the broker. ` +
          `Service firing span (fired_at) ` +
          `${size.burst.runs.map((run) => run.firingSpanMs).join(', ')} ms; missing ` +
          `${sum(size.burst.runs.map((run) => run.missing))}, fired twice ` +
          `${sum(size.burst.runs.map((run) => run.exactlyOnce.firedTwice))}, republished ` +
          `${sum(size.burst.runs.map((run) => run.exactlyOnce.republished))}.`,
      ),
    ),
    '',
    '## Memory',
    '',
    'Resident memory of the expiry process from /proc/<pid>/status, sampled every 200 ms while ' +
      'it fired (VmRSS peak) and its high-water mark (VmHWM) before the restarts.',
    '',
    '| active grants | VmRSS peak, precision (MiB) | VmRSS peak, burst (MiB) | VmHWM (MiB) |',
    '| --- | --- | --- | --- |',
    ...report.sizes.map(
      (size) =>
        `| ${size.size} | ${mib(size.memory.precisionPeakRssKb)} | ` +
        `${mib(size.memory.burstPeakRssKb)} | ${mib(size.memory.hwmKb)} |`,
    ),
    '',
    ...report.sizes.map((size) =>
      verdict(
        size.memory.hwmKb / 1024 < TARGETS.memoryMiB,
        `${size.size}: VmHWM ${mib(size.memory.hwmKb)} MiB against a target of ` +
          `${TARGETS.memoryMiB} MiB${over(size.memory.hwmKb / 1024, TARGETS.memoryMiB)}.`,
      ),
    ),
    '',
    '## Restart',
    '',
    `${config.restartGrants} grants ending over 10 s; SIGTERM 2 s after the first ended, ` +
      `${Number(config.downtimeMs) / 1000} s down, then a new process. Times from its spawn.`,
    '',
    '| active grants | figure | runs | median | min | max | spread |',
    '| --- | --- | --- | --- | --- | --- | --- |',
    ...report.sizes.flatMap((size) => [
      runRow(size.size, 'SIGTERM to exit (ms)', size.restart.shutdownMs),
      runRow(size.size, 'spawn to serving HTTP (ms)', size.restart.healthyMs),
      runRow(
        size.size,
        'spawn to first deadline due while down received (ms)',
        size.restart.firstDownFiredMs,
      ),
      runRow(
        size.size,
        'spawn to last deadline due while down received (ms)',
        size.restart.allDownFiredMs,
      ),
    ]),
    '',
    ...report.sizes.map((size) => {
      const runs = size.restart.runs;
      const { worstMs: worst, missed, twice, met } = restartOutcome(size);
      return verdict(
        met,
        `${size.size}: serving HTTP after ${size.restart.healthyMs.median} ms and the first ` +
          `deadline due while down received after ${size.restart.firstDownFiredMs.median} ms ` +
          `(worst run ${worst} ms) against ${TARGETS.restartMs} ms; ` +
          `${runs.map((run) => run.dueWhileDown).join(', ')} deadlines due while down; of all ` +
          `${sum(runs.map((run) => run.grants))} restart grants, missing ${missed}, fired twice ` +
          `${twice}, republished by the relay ${sum(runs.map((run) => run.exactlyOnce.republished))}.`,
      );
    }),
    '',
    '## Scale of cost',
    '',
    'Per deadline of the burst: wall time end to end, and CPU time of the expiry process alone ' +
      '(user + system from /proc/<pid>/stat; PostgreSQL and the broker not counted). Relative to ' +
      `the smallest size; within ${FLAT_WITHIN}× counts as flat. The burst is as large at every ` +
      'size, so what differs is how many grants are not due; each burst leaves its rows fired in ' +
      'the tables (nothing prunes them), so later runs of a size find more of them.',
    '',
    '| active grants | wall µs/deadline | × | CPU µs/deadline | × | precision p50 ms | × |',
    '| --- | --- | --- | --- | --- | --- | --- |',
    ...scaleRows(report.sizes),
    '',
    ...flatness(report.sizes),
    '',
  ];
  return `${lines.join('\n')}\n`;
}

function scaleRows(sizes: SizeResult[]): string[] {
  const first = sizes[0];
  if (!first) return [];
  return sizes.map(
    (size) =>
      `| ${size.size} | ${size.burst.wallUsPerDeadline.median.toFixed(0)} | ` +
      `${(size.burst.wallUsPerDeadline.median / first.burst.wallUsPerDeadline.median).toFixed(2)} | ` +
      `${size.burst.cpuUsPerDeadline.median.toFixed(0)} | ` +
      `${(size.burst.cpuUsPerDeadline.median / first.burst.cpuUsPerDeadline.median).toFixed(2)} | ` +
      `${size.precision.p50.median.toFixed(0)} | ` +
      `${(size.precision.p50.median / Math.max(1, first.precision.p50.median)).toFixed(2)} |`,
  );
}

function flatness(sizes: SizeResult[]): string[] {
  const first = sizes[0];
  if (!first || sizes.length < 2) return ['- Only one size was measured; nothing to compare.'];
  return sizes.slice(1).flatMap((size) => {
    const figures: [string, number, number][] = [
      [
        'wall time per deadline',
        size.burst.wallUsPerDeadline.median,
        first.burst.wallUsPerDeadline.median,
      ],
      ['CPU per deadline', size.burst.cpuUsPerDeadline.median, first.burst.cpuUsPerDeadline.median],
      ['precision p50', size.precision.p50.median, Math.max(1, first.precision.p50.median)],
    ];
    return figures.map(([name, value, base]) => {
      const factor = value / base;
      return `- ${name} at ${size.size} is ${factor.toFixed(2)}× that at ${first.size}: ${isFlat(factor) ? 'flat' : 'not flat'}.`;
    });
  });
}

function runRow(active: number, label: string, summary: RunSummary, digits = 0): string {
  const value = (figure: number) => figure.toFixed(digits);
  return (
    `| ${active} | ${label} | ${summary.runs} | ${value(summary.median)} | ${value(summary.min)} | ` +
    `${value(summary.max)} | ${pct(summary.spread)} |`
  );
}

function bracket(summary: RunSummary): string {
  return `${summary.median.toFixed(0)} (${summary.min.toFixed(0)}–${summary.max.toFixed(0)})`;
}

function over(value: number, target: number): string {
  return value < target ? '' : `, ${((value / target - 1) * 100).toFixed(0)}% over it`;
}

function pct(fraction: number): string {
  return `${(fraction * 100).toFixed(1)}%`;
}

function mib(kb: number): string {
  return (kb / 1024).toFixed(0);
}

function sum(values: number[]): number {
  return values.reduce((total, value) => total + value, 0);
}

function verdict(met: boolean | null, text: string): string {
  const word = met === null ? 'Not comparable' : met ? 'Met' : 'Missed';
  return `- ${word}. ${text}`;
}
