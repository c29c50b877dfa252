import { randomUUID } from 'node:crypto';
import { entriesOf } from '../testing/ledger-entry.builders';
import {
  aGrantedRequest,
  aGrantExpired,
  anActivatedOptOut,
  anEvent,
  minutesAfterBase,
} from '../testing/ledger-event.builders';
import {
  drainAuditTrail,
  EMPTY_PROJECTION_STATE,
  foldAll,
  foldEntries,
  ProjectionAccumulator,
} from './projection-state';

function aHistory() {
  const first = aGrantedRequest({ subject: 'u-101', durationMinutes: 60 });
  const second = aGrantedRequest({ subject: 'u-101', startMinute: 30, durationMinutes: 120 });
  const optOut = anActivatedOptOut({ subject: 'u-102', kind: 'standing-exception' });
  const renewed = anEvent('OptOutRenewed', {
    optOutId: optOut.optOutId,
    kind: 'standing-exception',
    subject: 'u-102',
    resource: 'db:orders-prod',
    role: 'db-admin',
    previousEndsAt: minutesAfterBase(120),
    endsAt: minutesAfterBase(240),
  });
  const expired = aGrantExpired({
    grantId: first.grantId,
    requestId: first.requestId,
    endedAt: minutesAfterBase(60),
    coveringGrantIds: [second.grantId],
  });
  return {
    first,
    second,
    optOut,
    entries: entriesOf([...first.events, ...second.events, ...optOut.events, renewed, expired]),
  };
}

describe('foldEntries', () => {
  it('given a history, when folded, then holds the open grants, every grant and every record', () => {
    const { first, second, optOut, entries } = aHistory();

    const state = foldAll(entries);

    expect([...state.currentGrants.keys()].sort()).toEqual(
      [second.grantId, optOut.optOutId].sort(),
    );
    expect(state.grantHistory.get(first.grantId)?.endedAt).toBe(minutesAfterBase(60));
    expect(state.grantHistory.get(optOut.optOutId)?.endsAt).toBe(minutesAfterBase(240));
    expect(state.auditTrail.records.size).toBe(entries.length);
    expect(state.lastSeq).toBe(entries.length);
  });

  it('replaying twice gives the same state', () => {
    const { entries } = aHistory();

    expect(foldAll(entries)).toEqual(foldAll(entries));
  });

  it('folding page by page gives the same state as folding everything at once', () => {
    const { entries } = aHistory();

    let paged = EMPTY_PROJECTION_STATE;
    for (let offset = 0; offset < entries.length; offset += 3) {
      paged = foldEntries(paged, entries.slice(offset, offset + 3));
    }

    expect(paged).toEqual(foldAll(entries));
  });

  it('keeps the reason each event states', () => {
    const optOut = anActivatedOptOut();
    const revoked = anEvent('OptOutRevoked', {
      optOutId: optOut.optOutId,
      subject: 'u-101',
      reason: 'incident closed',
    });

    const state = foldAll(entriesOf([...optOut.events, revoked]));

    expect(state.reasons.get(3)).toBe('incident closed');
  });

  it('leaves the state it is given as it was', () => {
    const { entries } = aHistory();
    const start = foldAll(entries.slice(0, 4));
    const copy = foldAll(entries.slice(0, 4));

    foldEntries(start, entries.slice(4));

    expect(start).toEqual(copy);
  });

  it('leaves the state as it was when given no entries', () => {
    expect(foldEntries(EMPTY_PROJECTION_STATE, [])).toBe(EMPTY_PROJECTION_STATE);
  });
});

describe('drainAuditTrail', () => {
  it('hands out the records in seq order and keeps the targets for later pages', () => {
    const request = aGrantedRequest({ requestId: randomUUID() });
    const [head, ...rest] = entriesOf(request.events);

    const drained = drainAuditTrail(foldEntries(EMPTY_PROJECTION_STATE, [head!]));
    const next = foldEntries(drained.state, rest);

    expect(drained.records.map((record) => record.seq)).toEqual([1]);
    expect(drained.state.auditTrail.records.size).toBe(0);
    expect(next.auditTrail.records.get(3)?.subject).toBe('u-101');
  });
});

describe(ProjectionAccumulator.name, () => {
  it('folding page by page in place gives the same state as the pure fold', () => {
    const { entries } = aHistory();
    const accumulator = new ProjectionAccumulator();

    for (let offset = 0; offset < entries.length; offset += 2) {
      accumulator.fold(entries.slice(offset, offset + 2));
    }

    expect(accumulator.state).toEqual(foldAll(entries));
  });

  it('replaying twice gives the same state', () => {
    const { entries } = aHistory();
    const first = new ProjectionAccumulator();
    const second = new ProjectionAccumulator();

    first.fold(entries);
    second.fold(entries);

    expect(first.state).toEqual(second.state);
  });

  it('leaves the state it started from as it was', () => {
    const { entries } = aHistory();
    const start = foldAll(entries.slice(0, 4));
    const before = foldAll(entries.slice(0, 4));

    const accumulator = new ProjectionAccumulator(start);
    accumulator.fold(entries.slice(4));

    expect(start).toEqual(before);
    expect(accumulator.state).toEqual(foldAll(entries));
  });

  it('drains the records in seq order as the pure drain does, keeping the targets', () => {
    const request = aGrantedRequest({ requestId: randomUUID() });
    const [head, ...rest] = entriesOf(request.events);
    const accumulator = new ProjectionAccumulator();

    accumulator.fold([head!]);
    const records = accumulator.drainAuditTrail();
    accumulator.fold(rest);

    expect(records).toEqual(drainAuditTrail(foldAll([head!])).records);
    expect(accumulator.state.auditTrail.records.has(1)).toBe(false);
    expect(accumulator.state.auditTrail.records.get(3)?.subject).toBe('u-101');
  });
});
