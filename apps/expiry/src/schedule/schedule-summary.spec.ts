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

    expect(summary).toEqual({
      asOf: NOW.toISOString(),
      nextDueAt: null,
      kinds: {
        'grant-end': { scheduled: 0, overdue: 0, fired: 0, cancelled: 0, nextDueAt: null },
        'request-decision': { scheduled: 0, overdue: 0, fired: 0, cancelled: 0, nextDueAt: null },
      },
    });
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
