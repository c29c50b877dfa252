import { ManualClock, SystemClock } from './clock';

describe(ManualClock.name, () => {
  const start = new Date('2026-12-03T10:00:00.000Z');

  it('stays at the instant it was given until moved', () => {
    const clock = new ManualClock(start);

    expect(clock.now().toISOString()).toBe('2026-12-03T10:00:00.000Z');
    expect(clock.now().toISOString()).toBe('2026-12-03T10:00:00.000Z');
  });

  it('advances by the given number of milliseconds', () => {
    const clock = new ManualClock(start);

    clock.advance(90 * 60_000);

    expect(clock.now().toISOString()).toBe('2026-12-03T11:30:00.000Z');
  });

  it('jumps to an instant that is set', () => {
    const clock = new ManualClock(start);

    clock.set(new Date('2027-01-01T00:00:00.000Z'));

    expect(clock.now().toISOString()).toBe('2027-01-01T00:00:00.000Z');
  });

  it('is not moved when a caller mutates the date it returned', () => {
    const clock = new ManualClock(start);

    clock.now().setUTCFullYear(1999);

    expect(clock.now().toISOString()).toBe('2026-12-03T10:00:00.000Z');
  });

  it('is not moved when the start date is mutated afterwards', () => {
    const given = new Date(start);
    const clock = new ManualClock(given);

    given.setUTCFullYear(1999);

    expect(clock.now().toISOString()).toBe('2026-12-03T10:00:00.000Z');
  });
});

describe(SystemClock.name, () => {
  it('tells the current time', () => {
    const before = Date.now();

    const now = new SystemClock().now().getTime();

    expect(now).toBeGreaterThanOrEqual(before);
    expect(now).toBeLessThanOrEqual(Date.now());
  });
});
