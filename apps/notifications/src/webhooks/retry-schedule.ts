import { RetrySchedule } from './webhook-settings';

/** Retries wait between 80 % and 100 % of the exponential delay. */
const JITTER_RATIO = 0.2;

export type DeliveryStep =
  | { status: 'delivered' }
  | { status: 'pending'; nextAttemptAt: Date; retryInMs: number }
  | { status: 'failed' };

/**
 * The wait before the next attempt after `failedAttempts` failures: base·2^(failures−1), capped
 * at the maximum, minus up to a fifth at random so that deliveries which failed together (one
 * endpoint down) do not all come back at the same instant.
 */
export function retryDelayMs(
  failedAttempts: number,
  schedule: RetrySchedule,
  random: number,
): number {
  const exponent = Math.min(Math.max(failedAttempts - 1, 0), 40);
  const capped = Math.min(schedule.maxMs, schedule.baseMs * 2 ** exponent);
  return Math.round(capped * (1 - JITTER_RATIO * random));
}

export function isSuccessStatus(statusCode: number | null): boolean {
  return statusCode !== null && statusCode >= 200 && statusCode < 300;
}

/** What becomes of a delivery after its attempt number `attempt` ended with `statusCode`. */
export function nextDeliveryStep(
  attempt: number,
  statusCode: number | null,
  now: Date,
  policy: { maxAttempts: number; retry: RetrySchedule },
  random: number,
): DeliveryStep {
  if (isSuccessStatus(statusCode)) return { status: 'delivered' };
  // Limitation: a failed delivery stays failed; nothing sends it again.
  if (attempt >= policy.maxAttempts) return { status: 'failed' };

  const retryInMs = retryDelayMs(attempt, policy.retry, random);
  return { status: 'pending', nextAttemptAt: new Date(now.getTime() + retryInMs), retryInMs };
}
