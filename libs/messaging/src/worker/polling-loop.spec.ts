import { PollingLoop, PollingLoopOptions, RoundOutcome, WakeableWait } from './polling-loop';

type Step = RoundOutcome | Error;

/** A round that plays its steps in order, then says `wait` forever; it counts its calls. */
class ScriptedRound {
  calls = 0;

  constructor(private readonly steps: Step[] = []) {}

  readonly run = async (): Promise<RoundOutcome> => {
    const step = this.steps[this.calls] ?? 'wait';
    this.calls += 1;
    if (step instanceof Error) throw step;
    return step;
  };
}

/** A wait that never ends by itself, only on a wake; it records what was asked of it. */
class RecordingWait implements WakeableWait {
  readonly waits: number[] = [];
  private release: (() => void) | null = null;

  wait(ms: number): Promise<void> {
    this.waits.push(ms);
    return new Promise((resolve) => (this.release = resolve));
  }

  wake(): void {
    this.release?.();
    this.release = null;
  }
}

/** Lets the loop run to its next wait, then wakes it, `times` times over. */
async function wakeTimes(wait: RecordingWait, times: number): Promise<void> {
  await jest.advanceTimersByTimeAsync(0);
  for (let time = 0; time < times; time += 1) {
    wait.wake();
    await jest.advanceTimersByTimeAsync(0);
  }
}

const failure = (message = 'connection refused') => new Error(message);

describe(PollingLoop.name, () => {
  const logger = { warn: jest.fn(), error: jest.fn() };
  const loops: PollingLoop[] = [];

  beforeEach(() => jest.useFakeTimers());

  afterEach(async () => {
    await Promise.all(loops.splice(0).map((loop) => loop.stop()));
    jest.useRealTimers();
    jest.clearAllMocks();
  });

  function aLoop(round: ScriptedRound, overrides: Partial<PollingLoopOptions> = {}): PollingLoop {
    const loop = new PollingLoop({
      round: round.run,
      idleMs: 1000,
      backoff: { baseMs: 100, maxMs: 5000 },
      logger,
      failureMessage: 'round failed; retrying',
      ...overrides,
    });
    loops.push(loop);
    return loop;
  }

  it('runs the next round at once after one that says again, and waits after one that says wait', async () => {
    const round = new ScriptedRound(['again', 'again', 'wait']);

    aLoop(round).start();
    await jest.advanceTimersByTimeAsync(0);
    expect(round.calls).toBe(3);

    await jest.advanceTimersByTimeAsync(999);
    expect(round.calls).toBe(3);
    await jest.advanceTimersByTimeAsync(1);
    expect(round.calls).toBe(4);
  });

  it.each<[string, Step]>([
    ['the idle wait', 'wait'],
    ['a back-off', failure()],
  ])('runs a round at once when woken during %s', async (_, first) => {
    const round = new ScriptedRound([first]);
    const loop = aLoop(round);

    loop.start();
    await jest.advanceTimersByTimeAsync(10);
    loop.wake();
    await jest.advanceTimersByTimeAsync(0);

    expect(round.calls).toBe(2);
  });

  it('does nothing on a second start while the rounds run', async () => {
    const round = new ScriptedRound();
    const loop = aLoop(round);

    loop.start();
    loop.start();
    await jest.advanceTimersByTimeAsync(0);

    expect(round.calls).toBe(1);
  });

  it('backs off exponentially up to the cap while rounds fail, and logs each failure', async () => {
    const round = new ScriptedRound([failure(), failure(), failure(), failure(), failure()]);
    let now = 0;
    const callsAt = async (ms: number) => {
      await jest.advanceTimersByTimeAsync(ms - now);
      now = ms;
      return round.calls;
    };

    aLoop(round, { backoff: { baseMs: 100, maxMs: 1000 } }).start();

    expect(await callsAt(0)).toBe(1);
    for (const [at, calls] of [
      [200, 2],
      [600, 3],
      [1400, 4],
      [2400, 5],
      [3400, 6],
    ] as const) {
      expect(await callsAt(at - 1)).toBe(calls - 1);
      expect(await callsAt(at)).toBe(calls);
    }
    expect(logger.warn.mock.calls.map(([fields]) => fields)).toEqual([
      { msg: 'round failed; retrying', attempt: 1, delayMs: 200, error: 'connection refused' },
      { msg: 'round failed; retrying', attempt: 2, delayMs: 400, error: 'connection refused' },
      { msg: 'round failed; retrying', attempt: 3, delayMs: 800, error: 'connection refused' },
      { msg: 'round failed; retrying', attempt: 4, delayMs: 1000, error: 'connection refused' },
      { msg: 'round failed; retrying', attempt: 5, delayMs: 1000, error: 'connection refused' },
    ]);
  });

  it('counts the failures again from the first after a round succeeds', async () => {
    const wait = new RecordingWait();
    const round = new ScriptedRound([failure(), failure(), 'again', failure()]);

    aLoop(round, { delay: wait }).start();
    await wakeTimes(wait, 2);

    expect(wait.waits).toEqual([200, 400, 200]);
    expect(
      logger.warn.mock.calls.map(([fields]) => (fields as { attempt: number }).attempt),
    ).toEqual([1, 2, 1]);
  });

  it('adds the owner’s fields to the failure log, and logs an error from the attempt it is told', async () => {
    const wait = new RecordingWait();
    const round = new ScriptedRound([failure(), failure(), failure('disk full')]);

    aLoop(round, {
      delay: wait,
      backoff: { baseMs: 100, maxMs: 5000, errorFromAttempt: 3 },
      logFields: { schema: 'ledger' },
    }).start();
    await wakeTimes(wait, 2);

    expect(logger.warn).toHaveBeenCalledTimes(2);
    expect(logger.error).toHaveBeenCalledWith({
      msg: 'round failed; retrying',
      schema: 'ledger',
      attempt: 3,
      delayMs: 800,
      error: 'disk full',
    });
  });

  it('keeps a wake during a back-off that ignores wakes for the idle wait after it', async () => {
    const round = new ScriptedRound([failure()]);
    const loop = aLoop(round, { backoff: { baseMs: 100, maxMs: 5000, endsOnWake: false } });

    loop.start();
    await jest.advanceTimersByTimeAsync(10);
    loop.wake();
    await jest.advanceTimersByTimeAsync(189);
    expect(round.calls).toBe(1);

    await jest.advanceTimersByTimeAsync(1);
    expect(round.calls).toBe(3);
  });

  it('ends a back-off that ignores wakes on stop', async () => {
    const round = new ScriptedRound([failure()]);
    const loop = aLoop(round, { backoff: { baseMs: 60_000, maxMs: 60_000, endsOnWake: false } });

    loop.start();
    await jest.advanceTimersByTimeAsync(0);
    await loop.stop();

    expect(round.calls).toBe(1);
    expect(jest.getTimerCount()).toBe(0);
  });

  it('ends the idle wait on stop and runs no round after it', async () => {
    const round = new ScriptedRound();
    const loop = aLoop(round, { idleMs: 60_000 });

    loop.start();
    await jest.advanceTimersByTimeAsync(0);
    await loop.stop();
    await jest.advanceTimersByTimeAsync(120_000);

    expect(round.calls).toBe(1);
    expect(jest.getTimerCount()).toBe(0);
  });

  it('waits on stop for the round in progress, which sees that the loop is stopping', async () => {
    let finish: () => void = () => undefined;
    let sawStopping: boolean | null = null;
    const loop: PollingLoop = aLoop(new ScriptedRound(), {
      round: async () => {
        await new Promise<void>((resolve) => (finish = resolve));
        sawStopping = loop.stopping;
        return 'again';
      },
    });

    loop.start();
    await jest.advanceTimersByTimeAsync(0);
    let stopped = false;
    const stopping = loop.stop().then(() => (stopped = true));
    await jest.advanceTimersByTimeAsync(0);
    expect(stopped).toBe(false);

    finish();
    await stopping;
    expect(sawStopping).toBe(true);
  });

  it('waits on the delay it is given, so that others can wake the loop through it', async () => {
    const wait = new RecordingWait();
    const round = new ScriptedRound();

    aLoop(round, { delay: wait, idleMs: 250 }).start();
    await jest.advanceTimersByTimeAsync(0);
    wait.wake();
    await jest.advanceTimersByTimeAsync(0);

    expect(wait.waits).toEqual([250, 250]);
    expect(round.calls).toBe(2);
  });

  it('runs again after a stop and a new start', async () => {
    const round = new ScriptedRound();
    const loop = aLoop(round);

    loop.start();
    await jest.advanceTimersByTimeAsync(0);
    await loop.stop();
    loop.start();
    await jest.advanceTimersByTimeAsync(0);

    expect(loop.stopping).toBe(false);
    expect(round.calls).toBe(2);
  });
});
