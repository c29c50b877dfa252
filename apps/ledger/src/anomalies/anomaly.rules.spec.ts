import { randomUUID } from 'node:crypto';
import {
  approvalTooFast,
  ApprovalTimingInput,
  breakGlassOutsideHours,
  BreakGlassRequestInput,
  DEFAULT_THRESHOLDS,
  firstAccessToResource,
  frequencyAboveBaseline,
  FrequencyInput,
  localTime,
  MaximumDurationInput,
  mutualApprovals,
  repeatedMaximumDuration,
  standingExceptionUnused,
} from './anomaly.rules';

const DAY_MS = 86_400_000;
const NOW = '2026-12-09T10:00:00.000Z';
const daysBefore = (days: number, from = NOW) =>
  new Date(Date.parse(from) - days * DAY_MS).toISOString();

describe(frequencyAboveBaseline.name, () => {
  const input = (overrides: Partial<FrequencyInput>): FrequencyInput => ({
    optOutId: randomUUID(),
    subject: 'u-101',
    teams: ['sre'],
    resource: 'db:orders-prod',
    activatedAt: NOW,
    personHistory: [],
    teamHistory: new Map(),
    ...overrides,
  });
  const thresholds = DEFAULT_THRESHOLDS.frequency;

  it('fires when a person has three opt-outs this week and none in the eight before', () => {
    const found = frequencyAboveBaseline(
      input({ personHistory: [daysBefore(1), daysBefore(3)] }),
      thresholds,
    );

    expect(found).toMatchObject({
      rule: 'opt-out-frequency-above-baseline',
      subject: 'u-101',
      team: null,
    });
    expect(found!.reason).toContain('u-101: 3 opt-outs in the last P7D against a baseline of 0');
    expect(found!.score).toBeGreaterThan(0.5);
  });

  it('fires for a team whose members together break the baseline, naming the team', () => {
    const found = frequencyAboveBaseline(
      input({ teamHistory: new Map([['sre', [daysBefore(1), daysBefore(2), daysBefore(4)]]]) }),
      thresholds,
    );

    expect(found).toMatchObject({ team: 'sre' });
    expect(found!.reason).toContain('team sre: 4 opt-outs');
  });

  it('scores a larger ratio higher', () => {
    const thisWeek = [daysBefore(1), daysBefore(2), daysBefore(3), daysBefore(4), daysBefore(5)];
    const low = frequencyAboveBaseline(
      input({ personHistory: [daysBefore(1), daysBefore(2), daysBefore(20), daysBefore(30)] }),
      thresholds,
    );
    const high = frequencyAboveBaseline(input({ personHistory: thisWeek }), thresholds);

    expect(low).not.toBeNull();
    expect(high!.score).toBeGreaterThan(low!.score);
  });

  it('stays quiet for a person who opts out as often as usual', () => {
    const usual = [1, 2, 9, 10, 16, 17, 23, 24, 30, 31, 37, 38, 44, 45, 51, 52, 58].map((days) =>
      daysBefore(days),
    );

    expect(frequencyAboveBaseline(input({ personHistory: usual }), thresholds)).toBeNull();
  });

  it('stays quiet below the minimum count', () => {
    expect(
      frequencyAboveBaseline(input({ personHistory: [daysBefore(1)] }), thresholds),
    ).toBeNull();
  });
});

describe(breakGlassOutsideHours.name, () => {
  const input = (overrides: Partial<BreakGlassRequestInput>): BreakGlassRequestInput => ({
    optOutId: randomUUID(),
    kind: 'break-glass',
    requester: { id: 'u-101', groups: ['sre'], attributes: { onCall: false } },
    resource: 'db:orders-prod',
    requestedAt: '2026-12-02T03:04:05.000Z',
    ...overrides,
  });
  const hours = DEFAULT_THRESHOLDS.workingHours;

  it('fires for a break-glass at night by someone not on call', () => {
    const found = breakGlassOutsideHours(input({}), hours);

    expect(found).toMatchObject({
      rule: 'break-glass-outside-hours',
      subject: 'u-101',
      score: 0.8,
    });
    expect(found!.reason).toContain('03:04 Wed UTC');
  });

  it('fires on a weekend during the day, scoring it higher', () => {
    const found = breakGlassOutsideHours(input({ requestedAt: '2026-12-05T11:00:00.000Z' }), hours);

    expect(found).toMatchObject({ score: 0.9 });
  });

  it('reads the time in the configured time zone', () => {
    const inBerlin = { ...hours, timeZone: 'Europe/Berlin' };

    expect(
      breakGlassOutsideHours(input({ requestedAt: '2026-12-02T07:30:00.000Z' }), inBerlin),
    ).toBeNull();
    expect(
      breakGlassOutsideHours(input({ requestedAt: '2026-12-02T17:30:00.000Z' }), inBerlin),
    ).not.toBeNull();
  });

  it('stays quiet during working hours, for someone on call, and for other kinds', () => {
    const onCall = { id: 'u-101', groups: ['sre'], attributes: { onCall: true } };

    expect(
      breakGlassOutsideHours(input({ requestedAt: '2026-12-02T09:00:00.000Z' }), hours),
    ).toBeNull();
    expect(breakGlassOutsideHours(input({ requester: onCall }), hours)).toBeNull();
    expect(breakGlassOutsideHours(input({ kind: 'standing-exception' }), hours)).toBeNull();
  });
});

describe(localTime.name, () => {
  it('gives the weekday and minute of the day in a zone', () => {
    expect(localTime('2026-12-06T23:30:00.000Z', 'UTC')).toEqual({ weekday: 0, minute: 1410 });
    expect(localTime('2026-12-06T23:30:00.000Z', 'Europe/Berlin')).toEqual({
      weekday: 1,
      minute: 30,
    });
  });
});

describe(firstAccessToResource.name, () => {
  const input = { optOutId: randomUUID(), kind: 'break-glass' as const, subject: 'u-101' };

  it('fires for an opt-out on a resource the person never held', () => {
    expect(
      firstAccessToResource({ ...input, resource: 'db:orders-prod', heldBefore: false }),
    ).toMatchObject({ rule: 'first-access-to-resource', resource: 'db:orders-prod' });
  });

  it('stays quiet for a resource the person held before', () => {
    expect(
      firstAccessToResource({ ...input, resource: 'db:orders-prod', heldBefore: true }),
    ).toBeNull();
  });
});

describe(repeatedMaximumDuration.name, () => {
  const input = (overrides: Partial<MaximumDurationInput>): MaximumDurationInput => ({
    id: randomUUID(),
    requester: 'u-101',
    resource: 'db:orders-prod',
    duration: 'PT4H',
    maximumDuration: 'PT4H',
    requestedAt: NOW,
    earlierAtMaximum: [],
    ...overrides,
  });
  const thresholds = DEFAULT_THRESHOLDS.maximumDuration;
  const earlier = (days: number) => ({ id: randomUUID(), requestedAt: daysBefore(days) });

  it('fires at the third request at the maximum within 30 days, naming all three', () => {
    const found = repeatedMaximumDuration(
      input({ earlierAtMaximum: [earlier(3), earlier(20)] }),
      thresholds,
    );

    expect(found).toMatchObject({ rule: 'repeated-maximum-duration', score: 0.5 });
    expect(found!.relatedIds).toHaveLength(3);
  });

  it('compares durations by their length, whatever their spelling', () => {
    expect(
      repeatedMaximumDuration(
        input({ duration: 'PT240M', earlierAtMaximum: [earlier(3), earlier(4)] }),
        thresholds,
      ),
    ).not.toBeNull();
  });

  it('stays quiet below the maximum, with older repeats, or with too few', () => {
    const twoEarlier = [earlier(3), earlier(4)];

    expect(
      repeatedMaximumDuration(
        input({ duration: 'PT3H', earlierAtMaximum: twoEarlier }),
        thresholds,
      ),
    ).toBeNull();
    expect(
      repeatedMaximumDuration(input({ earlierAtMaximum: [earlier(31), earlier(40)] }), thresholds),
    ).toBeNull();
    expect(
      repeatedMaximumDuration(input({ earlierAtMaximum: [earlier(3)] }), thresholds),
    ).toBeNull();
    expect(
      repeatedMaximumDuration(
        input({ maximumDuration: null, earlierAtMaximum: twoEarlier }),
        thresholds,
      ),
    ).toBeNull();
  });
});

describe(standingExceptionUnused.name, () => {
  const input = {
    optOutId: randomUUID(),
    kind: 'standing-exception' as const,
    subject: 'u-101',
    resource: 'db:orders-prod',
  };

  it('fires for a standing exception that lapsed or expired without a use', () => {
    expect(standingExceptionUnused({ ...input, uses: 0, ending: 'lapsed' })).toMatchObject({
      rule: 'standing-exception-unused',
    });
    expect(standingExceptionUnused({ ...input, uses: 0, ending: 'expired' })).not.toBeNull();
  });

  it('stays quiet for one that was used, and for other kinds', () => {
    expect(standingExceptionUnused({ ...input, uses: 2, ending: 'expired' })).toBeNull();
    expect(
      standingExceptionUnused({ ...input, kind: 'break-glass', uses: 0, ending: 'expired' }),
    ).toBeNull();
  });
});

describe(mutualApprovals.name, () => {
  const approval = {
    approvedId: randomUUID(),
    approver: 'u-202',
    requester: 'u-101',
    resource: 'db:orders-prod',
    recordedAt: NOW,
  };
  const lookback = DEFAULT_THRESHOLDS.mutualApprovalLookbackMs;

  it('fires when the requester approved one of the approver’s requests within the lookback', () => {
    const reverse = { approvedId: randomUUID(), recordedAt: daysBefore(10) };

    const found = mutualApprovals(approval, reverse, lookback);

    expect(found).toMatchObject({ rule: 'mutual-approvals', subject: 'u-202' });
    expect(found!.relatedIds).toEqual([approval.approvedId, reverse.approvedId]);
  });

  it('stays quiet without a reverse approval, or with one older than the lookback', () => {
    expect(mutualApprovals(approval, null, lookback)).toBeNull();
    expect(
      mutualApprovals(approval, { approvedId: randomUUID(), recordedAt: daysBefore(91) }, lookback),
    ).toBeNull();
  });
});

describe(approvalTooFast.name, () => {
  const input = (overrides: Partial<ApprovalTimingInput>): ApprovalTimingInput => ({
    approvedId: randomUUID(),
    approver: 'u-202',
    requester: 'u-101',
    resource: 'db:orders-prod',
    requestedAt: '2026-12-09T10:00:00.000Z',
    recordedAt: '2026-12-09T10:00:05.000Z',
    justificationLength: 200,
    ...overrides,
  });
  const reading = DEFAULT_THRESHOLDS.approvalReading;

  it('fires for an approval sooner than the floor plus the reading time', () => {
    const found = approvalTooFast(input({ recordedAt: '2026-12-09T10:00:15.000Z' }), reading);

    expect(found).toMatchObject({ rule: 'approval-too-fast', subject: 'u-202', score: 0.25 });
    expect(found!.reason).toContain('15 s after');
    expect(found!.reason).toContain('20 s needed');
  });

  it('stays quiet for an approval given time to read', () => {
    expect(approvalTooFast(input({ recordedAt: '2026-12-09T10:00:20.000Z' }), reading)).toBeNull();
  });
});
