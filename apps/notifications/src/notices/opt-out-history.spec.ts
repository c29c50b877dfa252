import { randomUUID } from 'node:crypto';
import { anEvent } from '@app/contracts/testing';
import { NoticeEvent } from './notice-policy';
import { evolveOptOutRecord, OptOutRecord, personOf } from './opt-out-history';

const optOutId = randomUUID();
const requester = { id: 'u-101', groups: ['sre'], attributes: { onCall: true } };

function replay(events: NoticeEvent[]): OptOutRecord | null {
  return events.reduce<OptOutRecord | null>(evolveOptOutRecord, null);
}

const requested = anEvent('OptOutRequested', { optOutId, requester, maximumDuration: 'PT4H' });
const activated = anEvent('OptOutActivated', { optOutId, subject: 'u-101' });
const revoked = anEvent('OptOutRevoked', { optOutId, subject: 'u-101', reason: 'Incident closed' });

describe(evolveOptOutRecord.name, () => {
  it('given a request, when it is activated, then it is active with its window and requester', () => {
    const record = replay([requested, activated]);

    expect(record).toMatchObject({
      optOutId,
      subject: 'u-101',
      requester,
      maximumDuration: 'PT4H',
      startsAt: activated.data.startsAt,
      endsAt: activated.data.endsAt,
      outcome: 'active',
      review: 'due',
      firstSeenAt: requested.data.requestedAt,
    });
  });

  it('given an active opt-out, when it is revoked, then it says revoked and why', () => {
    expect(replay([requested, activated, revoked])).toMatchObject({
      outcome: 'revoked',
      outcomeReason: 'Incident closed',
    });
  });

  it('given a refused request, then it says refused with the rule', () => {
    const refused = anEvent('OptOutRefused', { optOutId, requester });

    expect(replay([requested, refused])).toMatchObject({
      outcome: 'refused',
      outcomeReason: `${refused.data.reason} (${refused.data.rule})`,
    });
  });

  it('given an activation whose request was not seen, then the requester is not known', () => {
    expect(replay([activated])).toMatchObject({ requester: null, outcome: 'active' });
  });

  it('given nothing seen, an event naming only the opt-out id remembers nothing', () => {
    expect(replay([anEvent('OptOutDenied', { optOutId })])).toBeNull();
  });

  it('given a break-glass, when its review is overdue then done, then the review says so', () => {
    const overdue = anEvent('BreakGlassReviewOverdue', { optOutId });
    const reviewed = anEvent('BreakGlassReviewed', { optOutId, outcome: 'unjustified' });

    expect(replay([requested, activated, overdue])?.review).toBe('overdue');
    expect(replay([requested, activated, overdue, reviewed])?.review).toBe('unjustified');
  });

  it('replaying twice gives the same state', () => {
    const events = [requested, activated, revoked];

    expect(replay([...events, ...events])).toEqual(replay(events));
  });
});

describe(personOf.name, () => {
  it('is the requester of a request and the subject of an activation', () => {
    expect(personOf(requested, null)).toBe('u-101');
    expect(personOf(anEvent('OptOutActivated', { subject: 'u-305' }), null)).toBe('u-305');
  });

  it('is the remembered subject for an event naming only the opt-out', () => {
    const denied = anEvent('OptOutDenied', { optOutId });

    expect(personOf(denied, replay([requested]))).toBe('u-101');
    expect(personOf(denied, null)).toBeNull();
  });
});
