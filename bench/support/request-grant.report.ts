import { plot } from 'asciichart';
import { describeMachine, MachineFigures, writeReport } from './bench-report';
import { LatencySummary, RunSummary, summarizeRuns } from './bench-stats';

/**
 * Kafka hops between the HTTP call and the grant in current grants: AccessRequested from the
 * requests service to approvals, and GrantIssued from approvals to the ledger.
 */
export const HOPS = 2;

export const TARGETS = {
  /** p50 within HOPS × the hop's p50 plus this many milliseconds. */
  p50AllowanceMs: 5,
  p99Ms: 100,
};

/**
 * Where a request's time went, from instants stamped on one machine's clock: by the services on
 * their events and the ledger's entries (whole milliseconds), and by the relays' producer on the
 * records (CreateTime, whole milliseconds).
 */
export interface StageBreakdown {
  /** The HTTP call until the requests service stamped AccessRequested (before its commit). */
  accepted: LatencySummary;
  /** Until the requests service's relay produced it: the commit and the relay's round. */
  requestRelayed: LatencySummary;
  /** Until approvals stamped GrantIssued: the first hop, the consumer and the policy decision. */
  decided: LatencySummary;
  /** Until approvals' relay produced it: the commit and the relay's round. */
  grantRelayed: LatencySummary;
  /** Until the ledger stamped its entry: the second hop, the batch ahead of it, the head lock. */
  recorded: LatencySummary;
  /** Until this benchmark saw the grant: the append, its commit and the poll. */
  visible: LatencySummary;
}

export interface LatencyRun {
  requestToGrant: LatencySummary;
  /** The HTTP call until the requests service answered 202. */
  httpAccepted: LatencySummary;
  hop: LatencySummary;
  stages: StageBreakdown;
}

/** One offered rate of the load curve. */
export interface SweepPoint extends LatencyRun {
  ratePerSecond: number;
  samples: number;
}

export interface RequestGrantReport {
  startedAt: string;
  finishedAt: string;
  machine: MachineFigures;
  config: {
    runs: number;
    samples: number;
    ratePerSecond: number;
    warmUp: number;
    pollMs: number;
    hops: number;
    hopPartitions: number;
    request: Record<string, string>;
    services: string[];
    brokers: string;
    sweepRates: number[];
    sweepSeconds: number;
  };
  runs: LatencyRun[];
  sweep: SweepPoint[];
  summary: {
    p50: RunSummary;
    p99: RunSummary;
    hopP50: RunSummary;
    hopP99: RunSummary;
    /** p50 − (HOPS × hop p50 + allowance), run by run: at most 0 meets the target. */
    p50OverAllowance: RunSummary;
  };
}

/** The runs' figures against the targets: medians and spread over the runs. */
export function summarizeLatencyRuns(runs: readonly LatencyRun[]): RequestGrantReport['summary'] {
  return {
    p50: summarizeRuns(runs.map((run) => run.requestToGrant.p50)),
    p99: summarizeRuns(runs.map((run) => run.requestToGrant.p99)),
    hopP50: summarizeRuns(runs.map((run) => run.hop.p50)),
    hopP99: summarizeRuns(runs.map((run) => run.hop.p99)),
    p50OverAllowance: summarizeRuns(
      runs.map((run) => run.requestToGrant.p50 - (HOPS * run.hop.p50 + TARGETS.p50AllowanceMs)),
    ),
  };
}

export function writeRequestGrantReport(
  report: RequestGrantReport,
  directory: string,
): Promise<{ markdown: string; json: string }> {
  return writeReport(directory, 'request-grant', report, requestGrantMarkdown(report));
}

export function requestGrantMarkdown(report: RequestGrantReport): string {
  const { machine, config, summary } = report;
  const allowance = HOPS * summary.hopP50.median + TARGETS.p50AllowanceMs;
  const lines = [
    '# Request to grant',
    '',
    `${describeMachine(machine)}, one local Kafka broker; ` +
      `${report.startedAt} to ${report.finishedAt}. The services, PostgreSQL, the broker and ` +
      'this benchmark share the cores.',
    '',
    `The ${config.services.join(', ')} services run from the build (\`node dist/apps/<name>/src/` +
      'main.js`) with the default settings, the shipped policy file and one database and topic ' +
      `prefix of their own. Each run sends ${config.samples} requests at a steady ` +
      `${config.ratePerSecond} per second, every one a different engineer asking for ` +
      `${config.request.role} on ${config.request.resource} for ${config.request.duration}, ` +
      'which the policy approves without an approver, and times it from the HTTP call to its ' +
      `grant in the ledger's current_grants table, polled every ${config.pollMs} ms. ` +
      `${config.runs} ${config.runs === 1 ? 'run follows' : 'runs follow'} a warm-up of ` +
      `${config.warmUp}.`,
    '',
    `Baseline: one Kafka hop, ${config.samples} records at the same rate from the services' ` +
      'producer (idempotent, acks from all in-sync replicas, one send per record) to a kafkajs ' +
      `consumer with their fetch settings on a topic of ${config.hopPartitions} partitions, ` +
      `alternating with the requests run by run. A request crosses ${HOPS} hops.`,
    '',
    '## Figures',
    '',
    'Medians of the runs, min–max in brackets.',
    '',
    '| figure | measured | target | met |',
    '| --- | --- | --- | --- |',
    `| p50 request to grant | ${ms(summary.p50)} | ≤ ${HOPS} × hop p50 + ` +
      `${TARGETS.p50AllowanceMs} ms = ${allowance.toFixed(1)} ms | ` +
      `${summary.p50OverAllowance.median <= 0 ? 'yes' : `no, ${summary.p50OverAllowance.median.toFixed(1)} ms over`} |`,
    `| p99 request to grant | ${ms(summary.p99)} | < ${TARGETS.p99Ms} ms | ` +
      `${summary.p99.median < TARGETS.p99Ms ? 'yes' : 'no'} |`,
    `| one hop p50 | ${ms(summary.hopP50)} | — | — |`,
    `| one hop p99 | ${ms(summary.hopP99)} | — | — |`,
    '',
    '## Runs',
    '',
    '| run | request to grant p50 / p95 / p99 / max ms | HTTP 202 p50 ms | hop p50 / p99 ms |',
    '| --- | --- | --- | --- |',
    ...report.runs.map(
      (run, index) =>
        `| ${index + 1} | ${quartet(run.requestToGrant)} | ${run.httpAccepted.p50.toFixed(1)} | ` +
        `${run.hop.p50.toFixed(1)} / ${run.hop.p99.toFixed(1)} |`,
    ),
    '',
    '## Where the time went',
    '',
    "From the instants the services stamped on their events and entries and the relays' " +
      'producer on the records (whole milliseconds, one clock); each column is the time since ' +
      'the one before it, p50 / p99 ms of each run:',
    '',
    `| run | ${STAGE_HEADINGS.join(' | ')} |`,
    `| --- |${' --- |'.repeat(STAGE_HEADINGS.length)}`,
    ...report.runs.map((run, index) => `| ${index + 1} | ${stageCells(run.stages)} |`),
    '',
    ...loadCurve(report),
  ];
  return lines.join('\n');
}

/** The load curve's table and plot, as Markdown lines; none when no rates were swept. */
export function loadCurve(report: RequestGrantReport): string[] {
  if (report.sweep.length === 0) return [];
  const { sweep } = report;
  return [
    '## Load curve',
    '',
    `One run of ${report.config.sweepSeconds} s at each offered rate (requests per second), ` +
      'each next to its own hop run. Each stage column is the time since the stage before it, p50 / ' +
      'p99 ms.',
    '',
    `| requests/s | samples | p50 ms | p99 ms | hops × hop p50 + 5 ms | ${STAGE_HEADINGS.join(' | ')} |`,
    `| --- | --- | --- | --- | --- |${' --- |'.repeat(STAGE_HEADINGS.length)}`,
    ...sweep.map(
      (point) =>
        `| ${point.ratePerSecond} | ${point.samples} | ${point.requestToGrant.p50.toFixed(1)} | ` +
        `${point.requestToGrant.p99.toFixed(1)} | ` +
        `${(HOPS * point.hop.p50 + TARGETS.p50AllowanceMs).toFixed(1)} | ` +
        `${stageCells(point.stages)} |`,
    ),
    '',
    ...loadPlot(sweep),
  ];
}

const PLOT_HEIGHT = 28;

/**
 * p99, p50 and the p50 target against the offered rate, on a log scale. A row spans a fixed
 * ratio; values closer than that share a row, the later series drawn over the earlier, so the
 * caption says how wide a row is.
 */
function loadPlot(sweep: readonly SweepPoint[]): string[] {
  const series = [
    sweep.map((point) => Math.log10(point.requestToGrant.p99)),
    sweep.map((point) => Math.log10(point.requestToGrant.p50)),
    sweep.map((point) => Math.log10(HOPS * point.hop.p50 + TARGETS.p50AllowanceMs)),
  ];
  const all = series.flat();
  const rowRatio = 10 ** ((Math.max(...all) - Math.min(...all)) / PLOT_HEIGHT);
  return [
    `p99 (top line), p50 and the p50 target (bottom) in ms, at ${sweep
      .map((point) => point.ratePerSecond)
      .join(', ')} requests/s from left to right, on a log scale; each row spans a factor of ` +
      `${rowRatio.toFixed(2)}, and values closer than that share a row (the table has them exactly):`,
    '',
    '```text',
    plot(
      series.map((values) => stretch(values, 8)),
      { height: PLOT_HEIGHT, format: (value) => `${Math.round(10 ** value)} ms`.padStart(8) },
    ),
    '```',
    '',
  ];
}

/** Repeats each point `times` times, so that a handful of rates spans a readable width. */
function stretch(series: number[], times: number): number[] {
  return series.flatMap((value) => Array.from({ length: times }, () => value));
}

const STAGES: [keyof StageBreakdown, string][] = [
  ['accepted', 'AccessRequested stamped'],
  ['requestRelayed', 'its record produced'],
  ['decided', 'GrantIssued stamped'],
  ['grantRelayed', 'its record produced'],
  ['recorded', 'ledger entry stamped'],
  ['visible', 'seen in current grants'],
];
const STAGE_HEADINGS = STAGES.map(([, heading]) => `→ ${heading}`);

function stageCells(stages: StageBreakdown): string {
  return STAGES.map(([stage]) => pair(stages[stage])).join(' | ');
}

function ms(summary: RunSummary): string {
  return `${summary.median.toFixed(1)} ms (${summary.min.toFixed(1)}–${summary.max.toFixed(1)})`;
}

function quartet(latency: LatencySummary): string {
  return [latency.p50, latency.p95, latency.p99, latency.max].map((v) => v.toFixed(1)).join(' / ');
}

function pair(latency: LatencySummary): string {
  return `${latency.p50.toFixed(1)} / ${latency.p99.toFixed(1)}`;
}
