import { DomainEvent } from '@app/contracts';
import { entriesOf } from '../testing/ledger-entry.builders';
import {
  aGrantedRequest,
  aGrantExpired,
  aGrantIssued,
  aRequestDenied,
  anActivatedOptOut,
  anEvent,
  minutesAfterBase,
} from '../testing/ledger-event.builders';
import {
  applyGrantHistoryChanges,
  renewalApplies,
  GrantEnding,
  GrantHistoryChange,
  grantHistoryChange,
  GrantHistoryState,
  netGrantHistoryChanges,
} from './grant-history.projection';
import { changesOf, ProjectedEntry } from './projected-entry';

const EMPTY: GrantHistoryState = new Map();

function replay(entries: readonly ProjectedEntry[], state = EMPTY): GrantHistoryState {
  return applyGrantHistoryChanges(state, changesOf(entries, grantHistoryChange));
}

const given = (events: DomainEvent[]) => entriesOf(events);

/** Applies net changes the way the SQL applier does, in its three statements. */
function applyNet(state: GrantHistoryState, changes: GrantHistoryChange[]): GrantHistoryState {
  const net = netGrantHistoryChanges(changes);
  const next = new Map(state);
  const end = (endings: GrantEnding[]) => {
    for (const ending of endings) {
      const grant = next.get(ending.grantId);
      if (grant && grant.endedAt === null) next.set(grant.grantId, { ...grant, ...ending });
    }
  };
  end(net.endedBeforeRecording);
  for (const grant of net.recorded) if (!next.has(grant.grantId)) next.set(grant.grantId, grant);
  end(net.endedAfterRecording);
  const last = new Map<string, string>();
  for (const extension of [...net.extended].sort((a, b) => a.seq - b.seq)) {
    const grant = next.get(extension.grantId);
    if (grant && renewalApplies(grant, extension)) last.set(grant.grantId, extension.endsAt);
  }
  for (const [grantId, endsAt] of last) next.set(grantId, { ...next.get(grantId)!, endsAt });
  return next;
}

describe(grantHistoryChange.name, () => {
  it('records an issued grant as not ended', () => {
    const { events, grantId } = aGrantedRequest({ approver: 'u-204' });

    const state = replay(given(events));

    expect(state.get(grantId)).toMatchObject({
      approvers: ['u-204'],
      endedAt: null,
      endedSeq: null,
      issuedSeq: 5,
    });
  });

  it('keeps an expired grant, with when it ended and the seq that ended it', () => {
    const issued = aGrantIssued();
    const expired = aGrantExpired({
      grantId: issued.data.grantId,
      endedAt: '2026-12-03T11:00:02.000Z',
    });

    const state = replay(given([issued, expired]));

    expect(state.get(issued.data.grantId)).toMatchObject({
      endedAt: '2026-12-03T11:00:02.000Z',
      endedSeq: 2,
    });
  });

  it('keeps the first end of a grant when a second one arrives', () => {
    const issued = aGrantIssued();
    const first = aGrantExpired({
      grantId: issued.data.grantId,
      endedAt: '2026-12-03T11:00:00.000Z',
    });
    const second = aGrantExpired({
      grantId: issued.data.grantId,
      endedAt: '2026-12-03T12:00:00.000Z',
    });

    const state = replay(given([issued, first, second]));

    expect(state.get(issued.data.grantId)).toMatchObject({
      endedAt: '2026-12-03T11:00:00.000Z',
      endedSeq: 2,
    });
  });

  it('ignores the end of a grant it never saw issued', () => {
    expect(replay(given([aGrantExpired()])).size).toBe(0);
  });

  it('ignores events that are not about grants', () => {
    expect(grantHistoryChange(given([aRequestDenied()])[0]!)).toBeNull();
  });

  it('gives the same state when the same entries are replayed twice over', () => {
    const a = aGrantedRequest();
    const b = aGrantedRequest({ subject: 'u-303' });
    const entries = given([...a.events, ...b.events, aGrantExpired({ grantId: a.grantId })]);

    const once = replay(entries);

    expect(replay(entries)).toEqual(once);
    expect(replay(entries, once)).toEqual(once);
    expect(replay([...entries, ...entries])).toEqual(once);
  });
});

describe('grant history of opt-outs', () => {
  const breakGlass = anActivatedOptOut();
  const { optOutId } = breakGlass;
  const access = {
    optOutId,
    kind: 'break-glass' as const,
    subject: 'u-101',
    resource: 'db:orders-prod',
    role: 'db-admin',
  };

  it('records an activated opt-out with its kind, open until it ends', () => {
    const state = replay(given(breakGlass.events));

    expect(state.get(optOutId)).toMatchObject({
      kind: 'break-glass',
      requestId: optOutId,
      automatic: true,
      endedAt: null,
    });
  });

  it('ends an opt-out when it expires, is revoked or lapses, and keeps its renewed end', () => {
    const renewed = anEvent('OptOutRenewed', { ...access, endsAt: minutesAfterBase(300) });
    const revoked = anEvent('OptOutRevoked', { ...access, revokedAt: minutesAfterBase(90) });
    const lapsed = anEvent('OptOutLapsed', { ...access, lapsedAt: minutesAfterBase(95) });

    const state = replay(given([...breakGlass.events, renewed, revoked, lapsed]));

    expect(state.get(optOutId)).toMatchObject({
      endsAt: minutesAfterBase(300),
      endedAt: minutesAfterBase(90),
      endedSeq: 4,
    });
  });

  it('ignores a renewal after the opt-out ended', () => {
    const expired = anEvent('OptOutExpired', { ...access, endedAt: minutesAfterBase(120) });
    const renewed = anEvent('OptOutRenewed', { ...access, endsAt: minutesAfterBase(300) });

    const state = replay(given([...breakGlass.events, expired, renewed]));

    expect(state.get(optOutId)).toMatchObject({
      endsAt: minutesAfterBase(120),
      endedAt: minutesAfterBase(120),
    });
  });

  it('gives the same state when the same entries are replayed twice over', () => {
    const renewed = anEvent('OptOutRenewed', { ...access, endsAt: minutesAfterBase(300) });
    const entries = given([...breakGlass.events, renewed, anEvent('OptOutExpired', access)]);

    const once = replay(entries);

    expect(replay(entries)).toEqual(once);
    expect(replay(entries, once)).toEqual(once);
    expect(replay([...entries, ...entries])).toEqual(once);
  });
});

describe(netGrantHistoryChanges.name, () => {
  const issued = aGrantIssued();
  const end = (endedAt: string) => aGrantExpired({ grantId: issued.data.grantId, endedAt });
  const early = end('2026-12-03T10:30:00.000Z');
  const late = end('2026-12-03T11:30:00.000Z');
  const renewal = (hours: number) =>
    anEvent('OptOutRenewed', {
      optOutId: issued.data.grantId,
      endsAt: minutesAfterBase(120 + hours * 60),
    });
  const cases: [string, DomainEvent[]][] = [
    ['issued', [issued]],
    ['issued then ended', [issued, early]],
    ['ended, issued, ended again', [early, issued, late]],
    ['ended twice', [early, late]],
    ['issued twice and ended', [issued, issued, late]],
    ['issued, renewed twice, then ended', [issued, renewal(1), renewal(2), late]],
    ['renewed, then issued', [renewal(1), issued]],
    ['issued, ended, then renewed', [issued, early, renewal(1)]],
  ];
  const startingStates: [string, GrantHistoryState][] = [
    ['empty', EMPTY],
    ['with the grant open', replay(given([issued]))],
    ['with the grant ended', replay(given([issued, late]))],
  ];

  for (const [events, list] of cases) {
    for (const [start, state] of startingStates) {
      it(`has the effect of applying one by one: ${events}, starting ${start}`, () => {
        const changes = changesOf(entriesOf(list, 10), grantHistoryChange);

        expect(applyNet(state, changes)).toEqual(applyGrantHistoryChanges(state, changes));
      });
    }
  }
});
