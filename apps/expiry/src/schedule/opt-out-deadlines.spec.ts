import { EventExamples, EventPayloads } from '@app/contracts';
import {
  lapseDueAfterUse,
  outlivesOptOut,
  planOptOutDeadlines,
  unusedLapseDue,
} from './opt-out-deadlines';

type Activated = EventPayloads['OptOutActivated'];

function anActivation(overrides: Partial<Activated> = {}): Activated {
  return {
    ...structuredClone(EventExamples.OptOutActivated),
    kind: 'standing-exception',
    startsAt: '2026-12-02T09:00:00.000Z',
    endsAt: '2026-12-16T09:00:00.000Z',
    activatedAt: '2026-12-02T09:00:00.000Z',
    reviewBy: null,
    lapseAfterUnused: null,
    recertifyBy: null,
    ...overrides,
  };
}

describe(planOptOutDeadlines.name, () => {
  it('schedules only the end of an opt-out without other deadlines', () => {
    const activated = anActivation();

    const plan = planOptOutDeadlines(activated);

    expect(plan).toEqual({
      ok: true,
      deadlines: [{ kind: 'grant-end', dueAt: new Date('2026-12-16T09:00:00.000Z') }],
    });
  });

  it('schedules the review of a break-glass at its reviewBy', () => {
    const activated = anActivation({
      kind: 'break-glass',
      endsAt: '2026-12-02T11:00:00.000Z',
      reviewBy: '2026-12-04T11:00:00.000Z',
    });

    const plan = planOptOutDeadlines(activated);

    expect(plan.deadlines).toEqual([
      { kind: 'grant-end', dueAt: new Date('2026-12-02T11:00:00.000Z') },
      { kind: 'review', dueAt: new Date('2026-12-04T11:00:00.000Z') },
    ]);
  });

  it('schedules the unused lapse of a standing exception one lapse period after activation', () => {
    const activated = anActivation({ lapseAfterUnused: 'P7D' });

    const plan = planOptOutDeadlines(activated);

    expect(plan.deadlines).toContainEqual({
      kind: 'unused-lapse',
      dueAt: new Date('2026-12-09T09:00:00.000Z'),
    });
  });

  it('schedules the recertification of a legacy exemption at its recertifyBy', () => {
    const activated = anActivation({
      kind: 'legacy-exemption',
      recertifyBy: '2026-12-10T09:00:00.000Z',
    });

    const plan = planOptOutDeadlines(activated);

    expect(plan.deadlines).toContainEqual({
      kind: 'recertification',
      dueAt: new Date('2026-12-10T09:00:00.000Z'),
    });
  });

  it('keeps the end but reports a lapse period that is not a duration', () => {
    const activated = anActivation({ lapseAfterUnused: 'a week' });

    const plan = planOptOutDeadlines(activated);

    expect(plan.ok).toBe(false);
    expect(plan.deadlines).toEqual([
      { kind: 'grant-end', dueAt: new Date('2026-12-16T09:00:00.000Z') },
    ]);
  });
});

describe(unusedLapseDue.name, () => {
  it('counts a day as exactly 24 hours', () => {
    const due = unusedLapseDue(new Date('2026-03-28T12:00:00.000Z'), 'P2D');

    expect(due).toEqual({ ok: true, dueAt: new Date('2026-03-30T12:00:00.000Z') });
  });
});

describe(lapseDueAfterUse.name, () => {
  const currentDue = new Date('2026-12-09T09:00:00.000Z');

  it('moves the lapse to one lapse period after the use', () => {
    const moved = lapseDueAfterUse(currentDue, new Date('2026-12-05T10:00:00.000Z'), 'P7D');

    expect(moved).toEqual({ ok: true, dueAt: new Date('2026-12-12T10:00:00.000Z') });
  });

  it('never moves the lapse earlier, for a use reported out of order', () => {
    const moved = lapseDueAfterUse(currentDue, new Date('2026-12-01T10:00:00.000Z'), 'P7D');

    expect(moved).toEqual({ ok: true, dueAt: currentDue });
  });
});

describe(outlivesOptOut.name, () => {
  const endsAt = new Date('2026-12-09T09:00:00.000Z');
  const before = new Date('2026-12-08T09:00:00.000Z');

  it.each(['unused-lapse', 'recertification'] as const)(
    'finds a %s deadline at or after the end too late',
    (kind) => {
      expect(outlivesOptOut(kind, endsAt, endsAt)).toBe(true);
      expect(outlivesOptOut(kind, before, endsAt)).toBe(false);
    },
  );

  it('never finds a review too late, since it is due after the end', () => {
    const afterEnd = new Date('2026-12-11T09:00:00.000Z');

    expect(outlivesOptOut('review', afterEnd, endsAt)).toBe(false);
  });
});
