// Usage: node dist/bench/summary.js (bench.sh runs it after the benchmarks).
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeReport } from './support/bench-report';
import { FLAT_WITHIN, isFlat } from './support/bench-stats';
import {
  burstMet,
  ExpiryScaleReport,
  restartOutcome,
  SizeResult,
  TARGETS as EXPIRY_TARGETS,
} from './support/expiry-scale.report';
import { IngestReport } from './support/ingest-report';
import {
  HOPS,
  loadCurve,
  RequestGrantReport,
  TARGETS as LATENCY_TARGETS,
} from './support/request-grant.report';
import { ScaleReport } from './support/scale-report';

/**
 * One page over every report in the results directory: each target with its figure, the raw
 * baseline from the same run, whether it was met and when its run began, and how each figure
 * measured at several sizes changes with size. A report left from an earlier run is shown with
 * its own date.
 */
const resultsDir = process.env.BENCH_RESULTS_DIR ?? 'bench/results';

interface TargetRow {
  scenario: string;
  figure: string;
  measured: string;
  baseline: string;
  target: string;
  /** Null when the run measured another size than the target is set for. */
  met: boolean | null;
  runs: string;
  runStartedAt: string;
}

interface CostRow {
  scenario: string;
  /** What `value` is counted in, e.g. "µs per event". */
  unit: string;
  size: number;
  value: number;
  /** value over the smallest size's. */
  factor: number;
}

async function readReport<T>(name: string): Promise<T | null> {
  const path = join(resultsDir, `${name}.json`);
  if (!existsSync(path)) return null;
  return JSON.parse(await readFile(path, 'utf8')) as T;
}

const fixed = (value: number, digits = 0) => value.toFixed(digits);
const spread = (runs: number, min: number, max: number, digits = 0) =>
  runs === 1 ? '1' : `${runs} (${fixed(min, digits)}–${fixed(max, digits)})`;

function ingestRows(report: IngestReport): TargetRow[] {
  return report.sizes.flatMap((size) => [
    {
      scenario: 'ledger ingest',
      figure: `${size.events.toLocaleString('en')} events, ledger / baseline`,
      measured: `${fixed(size.ratio.median, 2)}×`,
      baseline: `${fixed(size.baseline.median)} events/s (slower of kafkajs and INSERT)`,
      target: `≥ ${report.targets.ratio}×`,
      met: size.ratio.median >= report.targets.ratio,
      runs: spread(size.ratio.runs, size.ratio.min, size.ratio.max, 2),
      runStartedAt: report.startedAt,
    },
    {
      scenario: 'ledger ingest',
      figure: `${size.events.toLocaleString('en')} events, events/s`,
      measured: fixed(size.ingest.median),
      baseline: '—',
      target: `≥ ${report.targets.eventsPerSecond.toLocaleString('en')}`,
      met: size.ingest.median >= report.targets.eventsPerSecond,
      runs: spread(size.ingest.runs, size.ingest.min, size.ingest.max),
      runStartedAt: report.startedAt,
    },
  ]);
}

function latencyRows(report: RequestGrantReport): TargetRow[] {
  const { summary, config } = report;
  const allowance = HOPS * summary.hopP50.median + LATENCY_TARGETS.p50AllowanceMs;
  const base = `at ${config.ratePerSecond} requests/s`;
  return [
    {
      scenario: 'request to grant',
      figure: `p50 ${base}`,
      measured: `${fixed(summary.p50.median, 1)} ms`,
      baseline: `one hop p50 ${fixed(summary.hopP50.median, 1)} ms × ${HOPS} hops`,
      target: `≤ ${fixed(allowance, 1)} ms (hops × hop p50 + ${LATENCY_TARGETS.p50AllowanceMs})`,
      met: summary.p50OverAllowance.median <= 0,
      runs: spread(summary.p50.runs, summary.p50.min, summary.p50.max, 1),
      runStartedAt: report.startedAt,
    },
    {
      scenario: 'request to grant',
      figure: `p99 ${base}`,
      measured: `${fixed(summary.p99.median, 1)} ms`,
      baseline: `one hop p99 ${fixed(summary.hopP99.median, 1)} ms`,
      target: `< ${LATENCY_TARGETS.p99Ms} ms`,
      met: summary.p99.median < LATENCY_TARGETS.p99Ms,
      runs: spread(summary.p99.runs, summary.p99.min, summary.p99.max, 1),
      runStartedAt: report.startedAt,
    },
  ];
}

function expiryRows(report: ExpiryScaleReport): TargetRow[] {
  return report.sizes.flatMap((size) => {
    const at = `${size.size.toLocaleString('en')} active grants`;
    const lateMissing = size.precision.runs.reduce((sum, run) => sum + run.missing, 0);
    const burstGrants = size.burst.runs[0]?.grants ?? 0;
    const restart = restartOutcome(size);
    return [
      {
        scenario: 'expiry precision',
        figure: `p99 lateness, ${at}`,
        measured: `${fixed(size.precision.p99.median)} ms, ${lateMissing} missing`,
        baseline: '—',
        target: `< ${EXPIRY_TARGETS.precisionP99Ms} ms`,
        met: size.precision.p99.median < EXPIRY_TARGETS.precisionP99Ms,
        runs: spread(size.precision.p99.runs, size.precision.p99.min, size.precision.p99.max),
        runStartedAt: report.startedAt,
      },
      {
        scenario: 'expiry burst',
        figure: `${burstGrants.toLocaleString('en')} more due in one second, beside ${at}`,
        measured: `${fixed(size.burst.ms.median / 1000, 1)} s`,
        baseline: `raw UPDATE … RETURNING ${fixed(size.burst.baselineRate.median)} rows/s`,
        target:
          `< ${EXPIRY_TARGETS.burstMs / 1000} s for ` +
          `${EXPIRY_TARGETS.burstGrants.toLocaleString('en')}, none missing`,
        met: burstMet(size),
        runs: spread(size.burst.ms.runs, size.burst.ms.min / 1000, size.burst.ms.max / 1000, 1),
        runStartedAt: report.startedAt,
      },
      {
        scenario: 'expiry memory',
        figure: `VmHWM, ${at}`,
        measured: `${fixed(size.memory.hwmKb / 1024)} MiB`,
        baseline: '—',
        target: `< ${EXPIRY_TARGETS.memoryMiB} MiB`,
        met: size.memory.hwmKb / 1024 < EXPIRY_TARGETS.memoryMiB,
        runs: '—',
        runStartedAt: report.startedAt,
      },
      {
        scenario: 'restart',
        figure: `first deadline due while down fired, ${at}`,
        measured:
          `${fixed(size.restart.firstDownFiredMs.median)} ms (worst ${restart.worstMs}), ` +
          `${restart.missed} missed, ${restart.twice} fired twice`,
        baseline: '—',
        target: `< ${EXPIRY_TARGETS.restartMs} ms, none missed or fired twice`,
        met: restart.met,
        runs: spread(
          size.restart.firstDownFiredMs.runs,
          size.restart.firstDownFiredMs.min,
          size.restart.firstDownFiredMs.max,
        ),
        runStartedAt: report.startedAt,
      },
    ];
  });
}

function replayRows(report: ScaleReport): TargetRow[] {
  const { replay } = report;
  const entries = `${report.entries.toLocaleString('en')} entries`;
  const queryRows = report.queries.map((query) => ({
    scenario: 'ledger query',
    figure: `${query.name}, p99, ${entries}`,
    measured: `${fixed(query.measured.p99, 2)} ms`,
    baseline: `lookup by primary key p99 ${fixed(query.baseline.p99, 2)} ms`,
    target: `< ${query.targetP99Ms} ms`,
    met: query.measured.p99 < query.targetP99Ms,
    runs: `${query.measured.samples} queries`,
    runStartedAt: report.startedAt,
  }));
  return [
    {
      scenario: 'ledger replay',
      figure: `${entries}, replay / raw scan`,
      measured: `${fixed(replay.ratio.median, 2)}×`,
      baseline: `raw keyset scan ${fixed(replay.baseline.median)} ms`,
      target: replay.target === null ? '—' : `≤ ${replay.target}×`,
      met: replay.target === null || replay.ratio.median <= replay.target,
      runs: spread(replay.ratio.runs, replay.ratio.min, replay.ratio.max, 2),
      runStartedAt: report.startedAt,
    },
    ...queryRows,
  ];
}

interface CostSeries {
  scenario: string;
  unit: string;
  points: { size: number; value: number }[];
}

const EXPIRY_SERIES: [scenario: string, unit: string, value: (size: SizeResult) => number][] = [
  ['expiry burst, wall time', 'µs per deadline', (size) => size.burst.wallUsPerDeadline.median],
  ['expiry burst, expiry CPU', 'µs per deadline', (size) => size.burst.cpuUsPerDeadline.median],
  ['expiry precision, p99 lateness', 'ms', (size) => size.precision.p99.median],
  ['expiry memory, VmHWM', 'MiB', (size) => size.memory.hwmKb / 1024],
  [
    'restart, first deadline due while down fired',
    'ms',
    (size) => size.restart.firstDownFiredMs.median,
  ],
];

/** Every figure measured at several sizes, each as a factor of its smallest size's. */
function costRows(ingest: IngestReport | null, expiry: ExpiryScaleReport | null): CostRow[] {
  const series: CostSeries[] = [];
  if (ingest) {
    series.push({
      scenario: 'ledger ingest, wall time',
      unit: 'µs per event',
      points: ingest.sizes.map((size) => ({ size: size.events, value: size.perEventUs.ingest })),
    });
  }
  if (expiry) {
    for (const [scenario, unit, value] of EXPIRY_SERIES) {
      series.push({
        scenario,
        unit,
        points: expiry.sizes.map((size) => ({ size: size.size, value: value(size) })),
      });
    }
  }
  return series.flatMap(({ scenario, unit, points }) =>
    points.map((point) => ({
      scenario,
      unit,
      size: point.size,
      value: point.value,
      factor: point.value / (points[0]?.value ?? point.value),
    })),
  );
}

function markdown(
  targets: TargetRow[],
  costs: CostRow[],
  missing: string[],
  latency: RequestGrantReport | null,
): string {
  const lines = [
    '# Benchmark summary',
    '',
    'Every target of the benchmarks in this directory, next to the raw baseline measured in the ' +
      'same run where there is one to compare with (expiry precision, memory and restart, and the ' +
      'ingest rate, have none); "runs" is how many runs the median is of, with their range, ' +
      'or how many queries a p99 is of; "run started" is when the report\'s run began. Each ' +
      'report beside this one has the configuration, the machine and the figures behind these.',
    '',
    ...(missing.length > 0
      ? [`Not in this directory (not run, or run elsewhere): ${missing.join(', ')}.`, '']
      : []),
    '| scenario | figure | measured | baseline | target | met | runs | run started |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
    ...targets.map(
      (row) =>
        `| ${row.scenario} | ${row.figure} | ${row.measured} | ${row.baseline} | ${row.target} | ` +
        `${verdict(row.met)} | ${row.runs} | ${row.runStartedAt.slice(0, 16)}Z |`,
    ),
    '',
    '## Scale of cost',
    '',
    'Every figure measured at several sizes (events for ledger ingest, active grants for ' +
      `expiry), at each size and as a factor of the smallest size's; within ${FLAT_WITHIN}× ` +
      'either way counts as flat.',
    '',
    ...(costs.length === 0
      ? ['No report here measured several sizes (ledger-ingest and expiry-scale do).']
      : [
          '| scenario | size | value | × smallest size | flat |',
          '| --- | --- | --- | --- | --- |',
        ]),
    ...costs.map(
      (row) =>
        `| ${row.scenario} | ${row.size.toLocaleString('en')} | ` +
        `${fixed(row.value, 1)} ${row.unit} | ${fixed(row.factor, 2)} | ` +
        `${isFlat(row.factor) ? 'yes' : '**no**'} |`,
    ),
    '',
    // Request to grant's load curve, in request-grant.md's wording, under a heading of its own.
    ...(latency
      ? loadCurve(latency).map((line) =>
          line.startsWith('## ') ? `## Request to grant: ${line.slice(3).toLowerCase()}` : line,
        )
      : []),
  ];
  return lines.join('\n');
}

function verdict(met: boolean | null): string {
  if (met === null) return 'not comparable';
  return met ? 'yes' : '**no**';
}

async function main(): Promise<void> {
  const ingest = await readReport<IngestReport>('ledger-ingest');
  const latency = await readReport<RequestGrantReport>('request-grant');
  const expiry = await readReport<ExpiryScaleReport>('expiry-scale');
  const scale = await readReport<ScaleReport>('ledger-scale');
  const present = { 'ledger-ingest': ingest, 'request-grant': latency, 'expiry-scale': expiry };
  const missing = Object.entries({ ...present, 'ledger-scale': scale })
    .filter(([, report]) => report === null)
    .map(([name]) => name);
  if (missing.length === 4) {
    console.log(`no reports in ${resultsDir}; nothing to summarize`);
    return;
  }
  const targets = [
    ...(ingest ? ingestRows(ingest) : []),
    ...(latency ? latencyRows(latency) : []),
    ...(expiry ? expiryRows(expiry) : []),
    ...(scale ? replayRows(scale) : []),
  ];
  const costs = costRows(ingest, expiry);
  const written = await writeReport(
    resultsDir,
    'summary',
    { generatedAt: new Date().toISOString(), missing, targets, costs },
    markdown(targets, costs, missing, latency),
  );
  console.log(`summary: ${written.markdown} and ${written.json}`);
}

main().catch((error: unknown) => {
  console.error(`bench summary failed: ${(error as Error).stack ?? String(error)}`);
  process.exitCode = 1;
});
