import { summarizeLatencies } from './bench-stats';
import {
  LatencyRun,
  RequestGrantReport,
  requestGrantMarkdown,
  summarizeLatencyRuns,
} from './request-grant.report';

function aRun(requestToGrantMs: number[], hopMs: number[]): LatencyRun {
  const latency = summarizeLatencies(requestToGrantMs);
  const one = summarizeLatencies([1]);
  return {
    requestToGrant: latency,
    httpAccepted: one,
    hop: summarizeLatencies(hopMs),
    stages: {
      accepted: one,
      requestRelayed: one,
      decided: one,
      grantRelayed: one,
      recorded: one,
      visible: one,
    },
  };
}

function aReport(runs: LatencyRun[]): RequestGrantReport {
  return {
    startedAt: '2026-12-03T10:00:00.000Z',
    finishedAt: '2026-12-03T10:05:00.000Z',
    machine: {
      cpus: 2,
      cpuModel: 'test CPU',
      memoryGb: 8,
      loadAverage: [1, 1, 1],
      node: 'v20',
      postgres: '15',
    },
    config: {
      runs: runs.length,
      samples: 3,
      ratePerSecond: 20,
      warmUp: 1,
      pollMs: 2,
      hops: 2,
      hopPartitions: 12,
      request: { resource: 'db:orders-staging', role: 'read-only', duration: 'PT1H' },
      services: ['ledger', 'approvals', 'requests'],
      brokers: '127.0.0.1:9092',
      sweepRates: [],
      sweepSeconds: 10,
    },
    runs,
    sweep: [],
    summary: summarizeLatencyRuns(runs),
  };
}

describe(requestGrantMarkdown.name, () => {
  it('meets the p50 target when the median is within two hops plus 5 ms', () => {
    const markdown = requestGrantMarkdown(aReport([aRun([8, 8, 9], [2, 2, 2])]));

    expect(markdown).toContain(
      '| p50 request to grant | 8.0 ms (8.0–8.0) | ≤ 2 × hop p50 + 5 ms = 9.0 ms | yes |',
    );
    expect(markdown).toContain('| p99 request to grant | 9.0 ms (9.0–9.0) | < 100 ms | yes |');
  });

  it('says by how much the p50 misses and when the p99 is over 100 ms', () => {
    const markdown = requestGrantMarkdown(aReport([aRun([20, 20, 150], [2, 2, 2])]));

    expect(markdown).toContain('= 9.0 ms | no, 11.0 ms over |');
    expect(markdown).toContain('| p99 request to grant | 150.0 ms (150.0–150.0) | < 100 ms | no |');
  });
});
