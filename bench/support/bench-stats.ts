/** Figures of repeated measurements: the middle value and how far the runs spread around it. */
export interface RunSummary {
  runs: number;
  median: number;
  min: number;
  max: number;
  /** (max - min) / median: 0.1 means the runs lay within 10% of the median. */
  spread: number;
}

export interface LatencySummary {
  samples: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  mean: number;
}

export function summarizeRuns(values: readonly number[]): RunSummary {
  if (values.length === 0) throw new Error('no runs to summarize');
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  // Of an even number of runs, the mean of the middle two: the lower alone flattered two runs.
  const median =
    sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
  const min = sorted[0]!;
  const max = sorted[sorted.length - 1]!;
  return { runs: values.length, median, min, max, spread: median === 0 ? 0 : (max - min) / median };
}

export function summarizeLatencies(values: readonly number[]): LatencySummary {
  if (values.length === 0) throw new Error('no latencies to summarize');
  const sorted = [...values].sort((a, b) => a - b);
  return {
    samples: values.length,
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
    max: sorted[sorted.length - 1]!,
    mean: values.reduce((sum, value) => sum + value, 0) / values.length,
  };
}

/** Nearest-rank percentile of sorted values. */
export function percentile(sorted: readonly number[], rank: number): number {
  const index = Math.min(
    sorted.length - 1,
    Math.max(0, Math.ceil((rank / 100) * sorted.length) - 1),
  );
  return sorted[index]!;
}

/** Milliseconds since `started` (from `process.hrtime.bigint()`). */
export function elapsedMs(started: bigint): number {
  return Number(process.hrtime.bigint() - started) / 1e6;
}

/** A per-event cost within this factor of the smallest size's, either way, counts as flat. */
export const FLAT_WITHIN = 1.25;

export function isFlat(factor: number): boolean {
  return factor <= FLAT_WITHIN && factor >= 1 / FLAT_WITHIN;
}
