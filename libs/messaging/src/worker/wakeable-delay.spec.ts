import { WakeableDelay } from './wakeable-delay';

describe(WakeableDelay.name, () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  function track(promise: Promise<void>): { settled: boolean } {
    const state = { settled: false };
    void promise.then(() => {
      state.settled = true;
    });
    return state;
  }

  it('resolves once the delay has passed', async () => {
    const delay = new WakeableDelay();
    const wait = track(delay.wait(1000));

    await jest.advanceTimersByTimeAsync(999);
    expect(wait.settled).toBe(false);
    await jest.advanceTimersByTimeAsync(1);
    expect(wait.settled).toBe(true);
  });

  it('resolves at once when woken while waiting, and clears its timer', async () => {
    const delay = new WakeableDelay();
    const wait = track(delay.wait(60_000));

    delay.wake();
    await jest.advanceTimersByTimeAsync(0);

    expect(wait.settled).toBe(true);
    expect(jest.getTimerCount()).toBe(0);
  });

  it('keeps a wake that came while nobody waited for the next wait', async () => {
    const delay = new WakeableDelay();
    delay.wake();

    const wait = track(delay.wait(60_000));
    await jest.advanceTimersByTimeAsync(0);

    expect(wait.settled).toBe(true);
    expect(jest.getTimerCount()).toBe(0);
  });

  it('keeps a pending wake for one wait only', async () => {
    const delay = new WakeableDelay();
    delay.wake();
    delay.wake();

    await delay.wait(60_000);
    const second = track(delay.wait(1000));
    await jest.advanceTimersByTimeAsync(999);

    expect(second.settled).toBe(false);
    await jest.advanceTimersByTimeAsync(1);
    expect(second.settled).toBe(true);
  });

  it('does not carry a wake that ended a wait over to the next one', async () => {
    const delay = new WakeableDelay();
    const first = delay.wait(60_000);
    delay.wake();
    await first;

    const second = track(delay.wait(1000));
    await jest.advanceTimersByTimeAsync(999);

    expect(second.settled).toBe(false);
  });

  it('ends every wait in progress on one wake', async () => {
    const delay = new WakeableDelay();
    const first = track(delay.wait(60_000));
    const second = track(delay.wait(30_000));

    delay.wake();
    await jest.advanceTimersByTimeAsync(0);

    expect([first.settled, second.settled]).toEqual([true, true]);
    expect(jest.getTimerCount()).toBe(0);
  });
});
