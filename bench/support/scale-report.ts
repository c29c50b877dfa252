import { describeMachine, MachineFigures, writeReport } from './bench-report';
import { LatencySummary, RunSummary } from './bench-stats';

/** A duration measured several times next to its raw baseline from the same runs. */
export interface RatioFigure {
  name: string;
  unit: 'ms';
  measured: RunSummary;
  baseline: RunSummary;
  /** measured / baseline, run by run. */
  ratio: RunSummary;
  /** The ratio it should stay within, when there is one. */
  target: number | null;
}

export interface LatencyFigure {
  name: string;
  measured: LatencySummary;
  baseline: LatencySummary;
  p99Ratio: number;
  meanGrantsPerAnswer: number;
  targetP99Ms: number;
}

export interface ScaleReport {
  startedAt: string;
  finishedAt: string;
  machine: MachineFigures;
  config: Record<string, number>;
  entries: number;
  /** Null when an existing benchmark database was reused. */
  generation: { generated: number; seconds: number; counts: Record<string, number> } | null;
  sample: { checked: number; mismatches: number[] } | null;
  tables: Record<string, number>;
  replay: RatioFigure;
  /** The untimed first replay, before V8 has compiled its code. */
  coldReplayMs: number;
  replayState: { currentGrants: number; grantHistory: number; auditRecords: number };
  /** Milliseconds per step of one more replay pass, its steps timed apart (BENCH_BREAKDOWN=1). */
  replayBreakdown: Record<string, number> | null;
  sqlRebuild: RatioFigure | null;
  queries: LatencyFigure[];
  grantsAtPlan: string;
}

/** Writes the report as `ledger-scale.json` and `ledger-scale.md`, replacing the last run's. */
export function writeScaleReport(
  report: ScaleReport,
  directory: string,
): Promise<{ markdown: string; json: string }> {
  return writeReport(directory, 'ledger-scale', report, scaleReportMarkdown(report));
}

export function scaleReportMarkdown(report: ScaleReport): string {
  const { machine, replay } = report;
  const lines = [
    '# Ledger at scale',
    '',
    `${report.entries.toLocaleString('en')} ledger entries; ${describeMachine(machine)}; ` +
      `${report.startedAt} to ${report.finishedAt}; seed ${report.config.seed}.`,
    '',
    '## Replay',
    '',
    `The replay module's in-memory replay (\`replayLedger\`: read a page, verify its chain, decode ` +
      `and fold it into every projection) against a plain keyset scan of the same table with ` +
      `\`JSON.parse\` of each payload; the replay in pages of ${report.config.replayPageSize} ` +
      `(its default, as the CLI runs it), the scan in pages of ${report.config.pageSize}; ` +
      `alternating, after one untimed pass of each (the untimed, cold replay took ` +
      `${report.coldReplayMs.toFixed(0)} ms).`,
    '',
    '| figure | runs | median | min | max | spread |',
    '| --- | --- | --- | --- | --- | --- |',
    runRow('replay (ms)', replay.measured),
    runRow('raw scan (ms)', replay.baseline),
    runRow('replay / raw scan', replay.ratio, 2),
    ...(report.sqlRebuild
      ? [
          runRow('SQL rebuild (ms)', report.sqlRebuild.measured),
          runRow('raw scan before it (ms)', report.sqlRebuild.baseline),
          runRow('SQL rebuild / raw scan', report.sqlRebuild.ratio, 2),
        ]
      : []),
    '',
    verdict(
      replay.ratio.median <= (replay.target ?? Infinity),
      `Target: within ${replay.target}× of the raw scan; measured ${replay.ratio.median.toFixed(2)}×` +
        (replay.ratio.median > (replay.target ?? Infinity)
          ? `, ${((replay.ratio.median / replay.target! - 1) * 100).toFixed(0)}% over it.`
          : '.'),
    ),
    '',
    `Folded state: ${report.replayState.currentGrants} current grants, ` +
      `${report.replayState.grantHistory} grants in the history, ` +
      `${report.replayState.auditRecords} audit trail records (drained chunk by chunk).`,
    '',
    ...(report.replayBreakdown
      ? [
          "Where a replay's time goes (one more pass, each step timed apart; the raw scan is " +
            'about the `read` step plus one `JSON.parse`):',
          '',
          '| step | ms | share |',
          '| --- | --- | --- |',
          ...breakdownRows(report.replayBreakdown),
          '',
        ]
      : ['Set BENCH_BREAKDOWN=1 for the time of each step of a replay.', '']),
    '## Who held R at T',
    '',
    `\`LedgerQueryService.grantsAt\` (the SQL of \`GET /grants/at\`) for random (R, T), T uniform ` +
      `over the ledger's time span, after ${report.config.warmUpQueries} warm-up queries; each ` +
      `interleaved with the baseline, a lookup of one grant_history row by primary key.`,
    '',
    '| query | samples | p50 ms | p95 ms | p99 ms | max ms | grants per answer |',
    '| --- | --- | --- | --- | --- | --- | --- |',
    ...report.queries.flatMap((figure) => [
      latencyRow(figure.name, figure.measured, figure.meanGrantsPerAnswer.toFixed(1)),
      latencyRow('baseline: lookup by primary key', figure.baseline, '1'),
    ]),
    '',
    ...report.queries.map((figure) =>
      verdict(
        figure.measured.p99 < figure.targetP99Ms,
        `${figure.name}: p99 ${figure.measured.p99.toFixed(2)} ms against a target of ` +
          `${figure.targetP99Ms} ms (${figure.p99Ratio.toFixed(1)}× the lookup's p99).`,
      ),
    ),
    '',
    'Plan for the most requested resource at the middle of the span:',
    '',
    '```text',
    report.grantsAtPlan,
    '```',
    '',
    '## The ledger',
    '',
    report.generation
      ? `Generated through \`LedgerAppendService.append\` in batches of ` +
        `${report.config.appendBatch}, projections included, in ` +
        `${report.generation.seconds.toFixed(0)} s ` +
        `(${(report.generation.generated / report.generation.seconds).toFixed(0)} events/s); ` +
        `${report.sample?.checked ?? 0} sampled rows compared with the canonical JSON of their ` +
        `event and their hash recomputed: ${report.sample?.mismatches.length ? 'MISMATCH' : 'identical'}.`
      : 'An existing benchmark database was reused; nothing was generated in this run.',
    '',
    '| table figure | value |',
    '| --- | --- |',
    ...Object.entries(report.tables).map(([key, value]) => `| ${key} | ${value} |`),
    '',
    ...(report.generation
      ? [
          '| event type | count |',
          '| --- | --- |',
          ...Object.entries(report.generation.counts).map(
            ([type, count]) => `| ${type} | ${count} |`,
          ),
          '',
        ]
      : []),
  ];
  return `${lines.join('\n')}\n`;
}

function breakdownRows(phases: Record<string, number>): string[] {
  const total = Object.values(phases).reduce((sum, ms) => sum + ms, 0);
  return Object.entries(phases).map(
    ([phase, ms]) => `| ${phase} | ${ms.toFixed(0)} | ${((ms / total) * 100).toFixed(0)}% |`,
  );
}

function runRow(label: string, summary: RunSummary, digits = 0): string {
  const value = (figure: number) => figure.toFixed(digits);
  return (
    `| ${label} | ${summary.runs} | ${value(summary.median)} | ${value(summary.min)} | ` +
    `${value(summary.max)} | ${(summary.spread * 100).toFixed(1)}% |`
  );
}

function latencyRow(label: string, summary: LatencySummary, grants: string): string {
  const value = (figure: number) => figure.toFixed(2);
  return (
    `| ${label} | ${summary.samples} | ${value(summary.p50)} | ${value(summary.p95)} | ` +
    `${value(summary.p99)} | ${value(summary.max)} | ${grants} |`
  );
}

function verdict(met: boolean, text: string): string {
  return `- ${met ? 'Met' : 'Missed'}. ${text}`;
}
