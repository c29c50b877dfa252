import { percentile, summarizeRuns } from './bench-stats';

describe(summarizeRuns.name, () => {
  it('takes the middle run of an odd number of runs as the median', () => {
    expect(summarizeRuns([3, 1, 2]).median).toBe(2);
  });

  it('takes the mean of the middle two of an even number of runs', () => {
    const summary = summarizeRuns([1.17, 1.06]);

    expect(summary.median).toBeCloseTo(1.115);
    expect(summary.min).toBe(1.06);
    expect(summary.max).toBe(1.17);
  });

  it('measures the spread against the median', () => {
    expect(summarizeRuns([8, 10, 12, 14]).spread).toBeCloseTo(6 / 11);
  });
});

describe(percentile.name, () => {
  it('gives the nearest-rank percentile of sorted values', () => {
    const values = Array.from({ length: 100 }, (_, index) => index + 1);

    expect(percentile(values, 50)).toBe(50);
    expect(percentile(values, 99)).toBe(99);
    expect(percentile([5], 99)).toBe(5);
  });
});
