import { Logger } from '@nestjs/common';
import { WakeableDelay } from './wakeable-delay';

/** What a round says about the next one: run it at once (more is waiting) or wait first. */
export type RoundOutcome = 'again' | 'wait';

/** A wait that `wake()` cuts short; `WakeableDelay` is one. */
export interface WakeableWait {
  wait(ms: number): Promise<void>;
  wake(): void;
}

export interface PollingBackoff {
  /** The n-th failure in a row waits `baseMs × 2ⁿ`, at most `maxMs`. */
  baseMs: number;
  maxMs: number;
  /** Whether `wake()` also ends the wait after a failure; `stop()` always does. Default true. */
  endsOnWake?: boolean;
  /** From this failure in a row on, the failure is logged as an error rather than a warning. */
  errorFromAttempt?: number;
}

export interface PollingLoopOptions {
  round: () => Promise<RoundOutcome>;
  /** How long to wait after a round that said `wait`, unless woken. */
  idleMs: number;
  backoff: PollingBackoff;
  /** The owner's logger, so that failures are logged under the owner's name. */
  logger: Pick<Logger, 'warn' | 'error'>;
  failureMessage: string;
  /** Fields added to every failure log, e.g. the schema the loop works on. */
  logFields?: Record<string, unknown>;
  /** The idle wait; pass a shared one when something else must be able to wake the loop. */
  delay?: WakeableWait;
}

// Any real cap is reached long before; the bound keeps a zero base from giving 0 × ∞ = NaN.
const MAX_DOUBLINGS = 30;

/**
 * Runs rounds of background work until stopped: at once after a round that found more work,
 * after the idle delay (or a wake) otherwise, and after an exponentially growing delay while
 * rounds fail. A failed round never ends the loop.
 */
export class PollingLoop {
  private readonly idle: WakeableWait;
  private readonly backoff: WakeableWait;
  private loop: Promise<void> | null = null;
  private stopRequested = false;

  constructor(private readonly options: PollingLoopOptions) {
    this.idle = options.delay ?? new WakeableDelay();
    this.backoff = options.backoff.endsOnWake === false ? new WakeableDelay() : this.idle;
  }

  /** True from `stop()` on, so that a long round can end early. */
  get stopping(): boolean {
    return this.stopRequested;
  }

  /** Starts the rounds; does nothing while they already run. */
  start(): void {
    if (this.loop) return;
    this.stopRequested = false;
    this.loop = this.run();
  }

  /** Asks for a round now instead of after the idle delay. */
  wake(): void {
    this.idle.wake();
  }

  /** Ends any wait, and resolves once the round in progress, if any, has ended. */
  async stop(): Promise<void> {
    this.stopRequested = true;
    this.idle.wake();
    if (this.backoff !== this.idle) this.backoff.wake();
    await this.loop;
    this.loop = null;
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (!this.stopRequested) {
      try {
        const outcome = await this.options.round();
        failures = 0;
        if (outcome === 'wait' && !this.stopRequested) await this.idle.wait(this.options.idleMs);
      } catch (error) {
        failures += 1;
        const delayMs = backoffDelayMs(failures, this.options.backoff);
        this.logFailure(failures, delayMs, error);
        if (!this.stopRequested) await this.backoff.wait(delayMs);
      }
    }
  }

  private logFailure(attempt: number, delayMs: number, error: unknown): void {
    const { errorFromAttempt } = this.options.backoff;
    const level = errorFromAttempt !== undefined && attempt >= errorFromAttempt ? 'error' : 'warn';
    this.options.logger[level]({
      msg: this.options.failureMessage,
      ...this.options.logFields,
      attempt,
      delayMs,
      error: error instanceof Error ? error.message : String(error),
    });
  }
}

/** The wait after the `attempt`-th failure in a row. */
function backoffDelayMs(attempt: number, backoff: PollingBackoff): number {
  return Math.min(backoff.maxMs, backoff.baseMs * 2 ** Math.min(attempt, MAX_DOUBLINGS));
}
