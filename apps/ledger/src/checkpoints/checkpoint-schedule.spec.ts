import { headCheckpointDue, periodicCheckpointSeqs } from './checkpoint-schedule';

describe(periodicCheckpointSeqs.name, () => {
  it('names every multiple of the period after the last checkpoint up to the head', () => {
    expect(periodicCheckpointSeqs(0, 2500, 1000)).toEqual([1000, 2000]);
    expect(periodicCheckpointSeqs(1000, 3000, 1000)).toEqual([2000, 3000]);
  });

  it('continues the period after a checkpoint of the head between multiples', () => {
    expect(periodicCheckpointSeqs(1234, 2100, 1000)).toEqual([2000]);
  });

  it('names none before the next multiple', () => {
    expect(periodicCheckpointSeqs(1000, 1999, 1000)).toEqual([]);
  });
});

describe(headCheckpointDue.name, () => {
  const now = new Date('2026-12-03T10:01:00.000Z');

  it('is due once the oldest unsigned entry was recorded an interval ago', () => {
    expect(headCheckpointDue('2026-12-03T10:00:00.000Z', now, 60_000)).toBe(true);
  });

  it('is not due before then', () => {
    expect(headCheckpointDue('2026-12-03T10:00:00.001Z', now, 60_000)).toBe(false);
  });

  it('is never due when every entry is signed', () => {
    expect(headCheckpointDue(null, now, 60_000)).toBe(false);
  });
});
