import { decideGrantEnd, GrantEndEvent, ScheduledGrant } from './grant-end.decider';

const DAY = '2026-12-03';

function aGrant(
  grantId: string,
  startsAt: string,
  endsAt: string,
  overrides: Partial<ScheduledGrant> = {},
): ScheduledGrant {
  return {
    grantId,
    requestId: `request-of-${grantId}`,
    subject: 'u-101',
    resource: 'db:orders-prod',
    role: 'db-admin',
    startsAt: new Date(`${DAY}T${startsAt}:00.000Z`),
    endsAt: new Date(`${DAY}T${endsAt}:00.000Z`),
    status: 'active',
    ...overrides,
  };
}

function grantExpired(grant: ScheduledGrant, coveringGrantIds: string[] = []): GrantEndEvent {
  return {
    type: 'GrantExpired',
    data: {
      grantId: grant.grantId,
      requestId: grant.requestId,
      subject: grant.subject,
      resource: grant.resource,
      role: grant.role,
      endedAt: grant.endsAt.toISOString(),
      coveringGrantIds,
    },
  };
}

function accessRevoked(lastGrant: ScheduledGrant): GrantEndEvent {
  return {
    type: 'AccessRevoked',
    data: {
      subject: lastGrant.subject,
      resource: lastGrant.resource,
      role: lastGrant.role,
      lastGrantId: lastGrant.grantId,
      requestId: lastGrant.requestId,
      revokedAt: lastGrant.endsAt.toISOString(),
      reason: 'expired',
    },
  };
}

/** Ends grants one after another, as the scheduler does, each seeing the ones before expired. */
function endInOrder(grants: ScheduledGrant[], endingIds: string[]): GrantEndEvent[] {
  const state = grants.map((grant) => ({ ...grant }));
  return endingIds.flatMap((grantId) => {
    const ending = state.find((grant) => grant.grantId === grantId)!;
    const events = decideGrantEnd(ending, state);
    ending.status = 'expired';
    return events;
  });
}

describe(decideGrantEnd.name, () => {
  it('expires a lone grant and revokes its access', () => {
    const g1 = aGrant('g-1', '10:00', '11:00');

    const events = decideGrantEnd(g1, [g1]);

    expect(events).toEqual([grantExpired(g1), accessRevoked(g1)]);
  });

  it('keeps access when an overlapping grant still covers the end', () => {
    const g1 = aGrant('g-1', '10:00', '11:00');
    const g2 = aGrant('g-2', '10:50', '12:00');

    const events = decideGrantEnd(g1, [g1, g2]);

    expect(events).toEqual([grantExpired(g1, ['g-2'])]);
  });

  it('revokes once, when the last of two overlapping grants ends', () => {
    const g1 = aGrant('g-1', '10:00', '11:00');
    const g2 = aGrant('g-2', '10:50', '12:00');

    const events = endInOrder([g1, g2], ['g-1', 'g-2']);

    expect(events).toEqual([grantExpired(g1, ['g-2']), grantExpired(g2), accessRevoked(g2)]);
  });

  it('leaves no gap when the next grant starts exactly at the end', () => {
    const g1 = aGrant('g-1', '10:00', '11:00');
    const g2 = aGrant('g-2', '11:00', '12:00');

    const events = endInOrder([g1, g2], ['g-1', 'g-2']);

    expect(events).toEqual([grantExpired(g1, ['g-2']), grantExpired(g2), accessRevoked(g2)]);
  });

  it('revokes once when two grants end at the same instant', () => {
    const g1 = aGrant('g-1', '10:00', '11:00');
    const g2 = aGrant('g-2', '10:30', '11:00');

    const events = endInOrder([g1, g2], ['g-1', 'g-2']);

    expect(events).toEqual([grantExpired(g1), grantExpired(g2), accessRevoked(g2)]);
  });

  it('revokes once for a backlog of overdue grants ended in due order', () => {
    const g1 = aGrant('g-1', '09:00', '10:00');
    const g2 = aGrant('g-2', '09:30', '11:00');
    const g3 = aGrant('g-3', '10:45', '12:00');

    const events = endInOrder([g1, g2, g3], ['g-1', 'g-2', 'g-3']);

    expect(events.filter((event) => event.type === 'AccessRevoked')).toEqual([accessRevoked(g3)]);
  });

  it('leaves the access to a grant that started but has not been expired yet', () => {
    const earlier = aGrant('g-1', '09:00', '10:30');
    const ending = aGrant('g-2', '10:00', '11:00');

    const events = decideGrantEnd(ending, [earlier, ending]);

    expect(events).toEqual([grantExpired(ending)]);
  });

  it('revokes access when the next grant starts after a gap', () => {
    const g1 = aGrant('g-1', '10:00', '11:00');
    const later = aGrant('g-2', '11:01', '12:00');

    const events = decideGrantEnd(g1, [g1, later]);

    expect(events).toEqual([grantExpired(g1), accessRevoked(g1)]);
  });

  it('emits nothing for a grant that is no longer active', () => {
    const gone = aGrant('g-1', '10:00', '11:00', { status: 'expired' });

    const events = decideGrantEnd(gone, [gone]);

    expect(events).toEqual([]);
  });

  it('does not count grants that already expired', () => {
    const g1 = aGrant('g-1', '10:00', '11:00');
    const expired = aGrant('g-2', '10:50', '12:00', { status: 'expired' });

    const events = decideGrantEnd(g1, [g1, expired]);

    expect(events).toEqual([grantExpired(g1), accessRevoked(g1)]);
  });

  it.each([
    ['subject', { subject: 'u-102' }],
    ['resource', { resource: 'db:orders-staging' }],
    ['role', { role: 'read-only' }],
  ])('does not count a grant for another %s', (_field, difference) => {
    const g1 = aGrant('g-1', '10:00', '11:00');
    const other = aGrant('g-2', '10:50', '12:00', difference);

    const events = decideGrantEnd(g1, [g1, other]);

    expect(events).toEqual([grantExpired(g1), accessRevoked(g1)]);
  });
});
