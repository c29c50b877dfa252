import { DeadlineCounts } from './schedule.repository';
import { summarizeSchedule } from './schedule-summary';

const NOW = new Date('2026-12-03T10:00:00.000Z');

function countsOf(
  kind: DeadlineCounts['kind'],
  overrides: Partial<DeadlineCounts> = {},
): DeadlineCounts {
  return { kind, scheduled: 0, overdue: 0, fired: 0, cancelled: 0, nextDueAt: null, ...overrides };
}

describe(summarizeSchedule.name, () => {
  it('reports every kind with zeros when nothing is scheduled', () => {
    const summary = summarizeSchedule([], NOW);

    const none = { scheduled: 0, overdue: 0, fired: 0, cancelled: 0, nextDueAt: null };
    expect(summary).toEqual({
      asOf: NOW.toISOString(),
      nextDueAt: null,
      kinds: {
        'grant-end': none,
        'request-decision': none,
        'unused-lapse': none,
        review: none,
        recertification: none,
      },
    });
  });

  it('counts the opt-out deadlines by kind, and takes the next due of them too', () => {
    const summary = summarizeSchedule(
      [
        countsOf('grant-end', { scheduled: 1, nextDueAt: new Date('2026-12-03T12:00:00.000Z') }),
        countsOf('review', {
          scheduled: 2,
          cancelled: 1,
          nextDueAt: new Date('2026-12-05T00:00:00.000Z'),
        }),
        countsOf('unused-lapse', {
          scheduled: 1,
          fired: 3,
          nextDueAt: new Date('2026-12-03T11:00:00.000Z'),
        }),
      ],
      NOW,
    );

    expect(summary.nextDueAt).toBe('2026-12-03T11:00:00.000Z');
    expect(summary.kinds.review).toMatchObject({ scheduled: 2, cancelled: 1 });
    expect(summary.kinds['unused-lapse']).toMatchObject({ scheduled: 1, fired: 3 });
    expect(summary.kinds.recertification.scheduled).toBe(0);
  });

  it('takes the earliest due instant of all kinds as the next one', () => {
    const summary = summarizeSchedule(
      [
        countsOf('grant-end', { scheduled: 2, nextDueAt: new Date('2026-12-03T12:00:00.000Z') }),
        countsOf('request-decision', {
          scheduled: 1,
          overdue: 1,
          nextDueAt: new Date('2026-12-03T09:00:00.000Z'),
        }),
      ],
      NOW,
    );

    expect(summary.nextDueAt).toBe('2026-12-03T09:00:00.000Z');
    expect(summary.kinds['grant-end'].nextDueAt).toBe('2026-12-03T12:00:00.000Z');
    expect(summary.kinds['request-decision']).toMatchObject({ scheduled: 1, overdue: 1 });
  });
});
