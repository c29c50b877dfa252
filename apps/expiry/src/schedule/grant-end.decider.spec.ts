import {
  decideGrantEnd,
  decideOptOutWithdrawal,
  GrantEndEvent,
  ScheduledGrant,
  WithdrawalReason,
} from './grant-end.decider';

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
    kind: 'jit-grant',
    subject: 'u-101',
    resource: 'db:orders-prod',
    role: 'db-admin',
    startsAt: new Date(`${DAY}T${startsAt}:00.000Z`),
    endsAt: new Date(`${DAY}T${endsAt}:00.000Z`),
    status: 'active',
    ...overrides,
  };
}

/** An opt-out is held like a grant: its id is both its grant id and its request id. */
function anOptOut(
  optOutId: string,
  startsAt: string,
  endsAt: string,
  overrides: Partial<ScheduledGrant> = {},
): ScheduledGrant {
  return aGrant(optOutId, startsAt, endsAt, {
    requestId: optOutId,
    kind: 'standing-exception',
    ...overrides,
  });
}

function optOutExpired(optOut: ScheduledGrant, coveringGrantIds: string[] = []): GrantEndEvent {
  return {
    type: 'OptOutExpired',
    data: {
      optOutId: optOut.grantId,
      kind: optOut.kind as Exclude<ScheduledGrant['kind'], 'jit-grant'>,
      subject: optOut.subject,
      resource: optOut.resource,
      role: optOut.role,
      endedAt: optOut.endsAt.toISOString(),
      coveringGrantIds,
    },
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

function accessRevoked(
  lastGrant: ScheduledGrant,
  revokedAt: Date = lastGrant.endsAt,
  reason: 'expired' | WithdrawalReason = 'expired',
): GrantEndEvent {
  return {
    type: 'AccessRevoked',
    data: {
      subject: lastGrant.subject,
      resource: lastGrant.resource,
      role: lastGrant.role,
      lastGrantId: lastGrant.grantId,
      requestId: lastGrant.requestId,
      revokedAt: revokedAt.toISOString(),
      reason,
    },
  };
}

const at = (time: string) => new Date(`${DAY}T${time}:00.000Z`);

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

  describe('of an opt-out', () => {
    it('expires a lone opt-out and revokes its access, naming the opt-out as the last', () => {
      const optOut = anOptOut('o-1', '10:00', '11:00');

      const events = decideGrantEnd(optOut, [optOut]);

      expect(events).toEqual([optOutExpired(optOut), accessRevoked(optOut)]);
    });

    it('keeps access at the end of an opt-out while a JIT grant covers it', () => {
      const optOut = anOptOut('o-1', '10:00', '11:00', { kind: 'break-glass' });
      const grant = aGrant('g-1', '10:30', '12:00');

      const events = decideGrantEnd(optOut, [optOut, grant]);

      expect(events).toEqual([optOutExpired(optOut, ['g-1'])]);
    });

    it('keeps access at the end of a JIT grant while an opt-out covers it', () => {
      const grant = aGrant('g-1', '10:00', '11:00');
      const optOut = anOptOut('o-1', '10:30', '12:00', { kind: 'legacy-exemption' });

      const events = decideGrantEnd(grant, [grant, optOut]);

      expect(events).toEqual([grantExpired(grant, ['o-1'])]);
    });

    it('revokes once, when the last of a JIT grant and an opt-out ends', () => {
      const grant = aGrant('g-1', '10:00', '11:00');
      const optOut = anOptOut('o-1', '10:30', '12:00');

      const events = endInOrder([grant, optOut], ['g-1', 'o-1']);

      expect(events).toEqual([
        grantExpired(grant, ['o-1']),
        optOutExpired(optOut),
        accessRevoked(optOut),
      ]);
    });

    it('emits nothing at the end of an opt-out that was already revoked', () => {
      const revoked = anOptOut('o-1', '10:00', '11:00', { status: 'revoked' });

      const events = decideGrantEnd(revoked, [revoked]);

      expect(events).toEqual([]);
    });

    it('does not count a lapsed opt-out as covering a grant', () => {
      const grant = aGrant('g-1', '10:00', '11:00');
      const lapsed = anOptOut('o-1', '10:30', '12:00', { status: 'lapsed' });

      const events = decideGrantEnd(grant, [grant, lapsed]);

      expect(events).toEqual([grantExpired(grant), accessRevoked(grant)]);
    });
  });
});

describe(decideOptOutWithdrawal.name, () => {
  it.each<WithdrawalReason>(['revoked', 'lapsed'])(
    'revokes the access of a lone opt-out at once when it is %s',
    (reason) => {
      const optOut = anOptOut('o-1', '10:00', '12:00');

      const events = decideOptOutWithdrawal(optOut, [optOut], at('10:20'), reason);

      expect(events).toEqual([accessRevoked(optOut, at('10:20'), reason)]);
    },
  );

  it('keeps the access while a JIT grant still holds it', () => {
    const optOut = anOptOut('o-1', '10:00', '12:00');
    const grant = aGrant('g-1', '10:10', '11:00');

    const events = decideOptOutWithdrawal(optOut, [optOut, grant], at('10:20'), 'revoked');

    expect(events).toEqual([]);
  });

  it('keeps the access while another opt-out still holds it', () => {
    const optOut = anOptOut('o-1', '10:00', '12:00');
    const other = anOptOut('o-2', '09:00', '13:00', { kind: 'break-glass' });

    const events = decideOptOutWithdrawal(optOut, [optOut, other], at('10:20'), 'lapsed');

    expect(events).toEqual([]);
  });

  it('revokes the access when the only other grant starts later', () => {
    const optOut = anOptOut('o-1', '10:00', '12:00');
    const later = aGrant('g-1', '10:30', '11:00');

    const events = decideOptOutWithdrawal(optOut, [optOut, later], at('10:20'), 'revoked');

    expect(events).toEqual([accessRevoked(optOut, at('10:20'), 'revoked')]);
  });

  it('does not count a grant that already expired', () => {
    const optOut = anOptOut('o-1', '10:00', '12:00');
    const expired = aGrant('g-1', '09:00', '11:00', { status: 'expired' });

    const events = decideOptOutWithdrawal(optOut, [optOut, expired], at('10:20'), 'revoked');

    expect(events).toEqual([accessRevoked(optOut, at('10:20'), 'revoked')]);
  });

  it('emits nothing for an opt-out that has already ended', () => {
    const expired = anOptOut('o-1', '10:00', '11:00', { status: 'expired' });

    const events = decideOptOutWithdrawal(expired, [expired], at('11:30'), 'revoked');

    expect(events).toEqual([]);
  });

  it('never withdraws a JIT grant', () => {
    const grant = aGrant('g-1', '10:00', '11:00');

    const events = decideOptOutWithdrawal(grant, [grant], at('10:20'), 'revoked');

    expect(events).toEqual([]);
  });
});
