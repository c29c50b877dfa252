import { nextDeliveryStep, retryDelayMs } from './retry-schedule';

const schedule = { baseMs: 1000, maxMs: 300_000 };
const policy = { maxAttempts: 8, retry: schedule };
const NOW = new Date('2026-12-03T10:00:00.000Z');
const NO_JITTER = 0;
const MOST_JITTER = 0.999999;

describe(retryDelayMs.name, () => {
  it('doubles the wait after each failure, starting from the base', () => {
    const delays = [1, 2, 3, 4, 5].map((failures) => retryDelayMs(failures, schedule, NO_JITTER));

    expect(delays).toEqual([1000, 2000, 4000, 8000, 16000]);
  });

  it('never waits longer than the maximum', () => {
    expect(retryDelayMs(9, schedule, NO_JITTER)).toBe(256_000);
    expect(retryDelayMs(10, schedule, NO_JITTER)).toBe(300_000);
    expect(retryDelayMs(1000, schedule, NO_JITTER)).toBe(300_000);
  });

  it('takes at most a fifth off the wait as jitter', () => {
    expect(retryDelayMs(3, schedule, MOST_JITTER)).toBe(3200);
    expect(retryDelayMs(3, schedule, 0.5)).toBe(3600);
  });
});

describe(nextDeliveryStep.name, () => {
  it('marks a delivery delivered when the receiver answers 2xx', () => {
    expect(nextDeliveryStep(1, 200, NOW, policy, NO_JITTER)).toEqual({ status: 'delivered' });
    expect(nextDeliveryStep(8, 204, NOW, policy, NO_JITTER)).toEqual({ status: 'delivered' });
  });

  it('schedules a retry after a failure while attempts remain', () => {
    expect(nextDeliveryStep(2, 500, NOW, policy, NO_JITTER)).toEqual({
      status: 'pending',
      nextAttemptAt: new Date('2026-12-03T10:00:02.000Z'),
      retryInMs: 2000,
    });
  });

  it('retries when no answer came at all', () => {
    expect(nextDeliveryStep(1, null, NOW, policy, NO_JITTER)).toMatchObject({ status: 'pending' });
  });

  it('counts a redirect as a failure', () => {
    expect(nextDeliveryStep(1, 302, NOW, policy, NO_JITTER)).toMatchObject({ status: 'pending' });
  });

  it('gives up after the last allowed attempt', () => {
    expect(nextDeliveryStep(8, 503, NOW, policy, NO_JITTER)).toEqual({ status: 'failed' });
  });
});
