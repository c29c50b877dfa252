import { randomUUID } from 'node:crypto';
import { GrantHistoryRecord } from '../projections/grant-history.projection';
import { lifeRecordsOf } from './investigation.queries';
import { foldAll } from '../replay/projection-state';
import { entriesOf } from '../testing/ledger-entry.builders';
import {
  aGrantedRequest,
  aGrantExpired,
  anAccessRevoked,
  anActivatedOptOut,
  anEvent,
  minutesAfterBase,
} from '../testing/ledger-event.builders';
import { findGrant, heldBySubject, lifeOf, whoHadAccess } from './investigation-questions';

/** u-101 holds db-admin through two overlapping grants: [0, 60) and [30, 150). */
function overlappingGrants() {
  const first = aGrantedRequest({ subject: 'u-101', approver: 'u-202', durationMinutes: 60 });
  const second = aGrantedRequest({
    subject: 'u-101',
    approver: 'u-203',
    startMinute: 30,
    durationMinutes: 120,
  });
  const firstExpired = aGrantExpired({
    grantId: first.grantId,
    requestId: first.requestId,
    endedAt: minutesAfterBase(60),
    coveringGrantIds: [second.grantId],
  });
  return { first, second, events: [...first.events, ...second.events, firstExpired] };
}

function historyOf(events: Parameters<typeof entriesOf>[0]): GrantHistoryRecord[] {
  return [...foldAll(entriesOf(events)).grantHistory.values()];
}

describe(whoHadAccess.name, () => {
  const { first, second, events } = overlappingGrants();
  const grants = historyOf(events);
  const ask = (minute: number) =>
    whoHadAccess(grants, { resource: 'db:orders-prod', at: minutesAfterBase(minute) });

  it('names both grants, and who approved each, while they overlap', () => {
    const answer = ask(45);

    expect(answer.holders).toHaveLength(1);
    expect(answer.holders[0]!.through.map((grant) => [grant.grantId, grant.approvers])).toEqual([
      [first.grantId, ['u-202']],
      [second.grantId, ['u-203']],
    ]);
    expect(answer.holders[0]!.until).toBe(minutesAfterBase(150));
  });

  it('keeps the access after the first grant ended, through the grant still covering it', () => {
    const answer = ask(90);

    expect(answer.holders[0]!.through.map((grant) => grant.grantId)).toEqual([second.grantId]);
  });

  it('answers nobody once the last covering grant ended', () => {
    expect(ask(150).holders).toEqual([]);
  });

  it('counts a start as inside the window and an end as outside it', () => {
    expect(ask(0).holders).toHaveLength(1);
    expect(ask(-1).holders).toEqual([]);
  });

  it('ends an opt-out revoked early at its revocation, not at its scheduled end', () => {
    const optOut = anActivatedOptOut({ subject: 'u-401', durationMinutes: 240 });
    const revoked = anEvent('OptOutRevoked', {
      optOutId: optOut.optOutId,
      kind: 'break-glass',
      subject: 'u-401',
      resource: 'db:orders-prod',
      role: 'db-admin',
      revokedAt: minutesAfterBase(30),
    });
    const history = historyOf([...optOut.events, revoked]);

    const during = whoHadAccess(history, { resource: 'db:orders-prod', at: minutesAfterBase(10) });
    const after = whoHadAccess(history, { resource: 'db:orders-prod', at: minutesAfterBase(60) });

    expect(during.holders[0]!.through[0]).toMatchObject({ kind: 'break-glass', approvers: [] });
    expect(after.holders).toEqual([]);
  });
});

describe(heldBySubject.name, () => {
  const { first, second, events } = overlappingGrants();
  const other = aGrantedRequest({ subject: 'u-102', startMinute: 10 });
  const grants = historyOf([...events, ...other.events]);

  it('merges overlapping grants into one period, clipped to the range', () => {
    const answer = heldBySubject(grants, {
      subject: 'u-101',
      from: minutesAfterBase(20),
      to: minutesAfterBase(100),
    });

    expect(answer.held).toHaveLength(1);
    expect(answer.held[0]!.periods).toEqual([
      { from: minutesAfterBase(20), until: minutesAfterBase(100) },
    ]);
    expect(answer.held[0]!.through.map((grant) => grant.grantId)).toEqual([
      first.grantId,
      second.grantId,
    ]);
  });

  it('leaves out grants that ended before the range', () => {
    const answer = heldBySubject(grants, {
      subject: 'u-101',
      from: minutesAfterBase(60),
      to: minutesAfterBase(70),
    });

    expect(answer.held[0]!.through.map((grant) => grant.grantId)).toEqual([second.grantId]);
  });

  it('answers nothing for a range in which the person held nothing', () => {
    const answer = heldBySubject(grants, {
      subject: 'u-101',
      from: minutesAfterBase(200),
      to: minutesAfterBase(300),
    });

    expect(answer.held).toEqual([]);
  });
});

describe(lifeOf.name, () => {
  const request = aGrantedRequest({ subject: 'u-101' });
  const expired = aGrantExpired({ grantId: request.grantId, requestId: request.requestId });
  const revoked = anAccessRevoked({
    subject: 'u-101',
    resource: 'db:orders-prod',
    role: 'db-admin',
    lastGrantId: request.grantId,
    requestId: request.requestId,
    reason: 'expired',
  });
  const optOut = anActivatedOptOut({ subject: 'u-401' });
  const state = foldAll(entriesOf([...request.events, ...optOut.events, expired, revoked]));
  const records = lifeRecordsOf(state);

  it('tells a request from its ask to its revocation, in order, with actors and reasons', () => {
    const life = lifeOf(records, { kind: 'request', id: request.requestId });

    expect(life?.steps.map((step) => step.eventType)).toEqual([
      'AccessRequested',
      'ApprovalRequested',
      'ApprovalRecorded',
      'RequestApproved',
      'GrantIssued',
      'GrantExpired',
      'AccessRevoked',
    ]);
    expect(life?.steps[0]).toMatchObject({ actor: 'u-101' });
    expect(life?.steps[2]).toMatchObject({ actor: 'u-202' });
    expect(life?.steps[6]).toMatchObject({ reason: 'expired' });
    expect(life).toMatchObject({ subject: 'u-101', resource: 'db:orders-prod' });
  });

  it("tells a grant's life as its request's", () => {
    const grant = findGrant(state.grantHistory, request.grantId);

    const life = lifeOf(records, { kind: 'grant', id: request.grantId }, grant);

    expect(life?.steps).toEqual(lifeOf(records, { kind: 'request', id: request.requestId })?.steps);
  });

  it("tells an opt-out's life from the records filed under it", () => {
    const life = lifeOf(records, { kind: 'opt-out', id: optOut.optOutId });

    expect(life?.steps.map((step) => step.eventType)).toEqual([
      'OptOutRequested',
      'OptOutActivated',
    ]);
  });

  it('answers null for an id the ledger holds nothing of', () => {
    expect(lifeOf(records, { kind: 'request', id: randomUUID() })).toBeNull();
    expect(lifeOf(records, { kind: 'grant', id: randomUUID() }, undefined)).toBeNull();
  });
});
