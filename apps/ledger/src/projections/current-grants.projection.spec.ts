import { DomainEvent } from '@app/contracts';
import { entriesOf } from '../testing/ledger-entry.builders';
import {
  aGrantedRequest,
  aGrantExpired,
  aGrantIssued,
  anAccessRequested,
  anActivatedOptOut,
  anEvent,
  minutesAfterBase,
} from '../testing/ledger-event.builders';
import {
  applyCurrentGrantsChanges,
  CurrentGrantsChange,
  currentGrantsChange,
  CurrentGrantsState,
  netCurrentGrantsChanges,
} from './current-grants.projection';
import { changesOf, ProjectedEntry } from './projected-entry';

const EMPTY: CurrentGrantsState = new Map();

function replay(entries: readonly ProjectedEntry[], state = EMPTY): CurrentGrantsState {
  return applyCurrentGrantsChanges(state, changesOf(entries, currentGrantsChange));
}

const given = (events: DomainEvent[]) => entriesOf(events);

/** Applies net changes the way the SQL applier does: removals, then insert-if-absent. */
function applyNet(state: CurrentGrantsState, changes: CurrentGrantsChange[]): CurrentGrantsState {
  const { removed, added, extended } = netCurrentGrantsChanges(changes);
  const next = new Map(state);
  for (const grantId of removed) next.delete(grantId);
  for (const grant of added) if (!next.has(grant.grantId)) next.set(grant.grantId, grant);
  const last = new Map<string, string>();
  for (const extension of [...extended].sort((a, b) => a.seq - b.seq)) {
    const grant = next.get(extension.grantId);
    if (grant && grant.issuedSeq < extension.seq) last.set(grant.grantId, extension.endsAt);
  }
  for (const [grantId, endsAt] of last) next.set(grantId, { ...next.get(grantId)!, endsAt });
  return next;
}

describe(currentGrantsChange.name, () => {
  it('makes an issued grant current, with its window, approvers and seq', () => {
    const { events, grantId, requestId } = aGrantedRequest({ approver: 'u-202' });

    const state = replay(given(events));

    expect([...state.values()]).toEqual([
      expect.objectContaining({
        grantId,
        requestId,
        subject: 'u-101',
        resource: 'db:orders-prod',
        role: 'db-admin',
        approvers: ['u-202'],
        automatic: false,
        policyId: 'orders-db',
        issuedSeq: 5,
      }),
    ]);
  });

  it('removes a grant when it expires', () => {
    const issued = aGrantIssued();
    const expired = aGrantExpired({
      grantId: issued.data.grantId,
      requestId: issued.data.requestId,
    });

    const state = replay(given([issued, expired]));

    expect(state.size).toBe(0);
  });

  it('keeps an overlapping grant of the same access when the other one expires', () => {
    const first = aGrantIssued({ startsAt: '2026-12-03T10:00:00.000Z' });
    const second = aGrantIssued({ startsAt: '2026-12-03T10:30:00.000Z' });
    const firstEnds = aGrantExpired({
      grantId: first.data.grantId,
      requestId: first.data.requestId,
      coveringGrantIds: [second.data.grantId],
    });

    const state = replay(given([first, second, firstEnds]));

    expect([...state.keys()]).toEqual([second.data.grantId]);
  });

  it('ignores events that are not about grants', () => {
    expect(currentGrantsChange(entriesOf([anAccessRequested()])[0]!)).toBeNull();
  });

  it('gives the same state when the same entries are replayed twice over', () => {
    const a = aGrantedRequest();
    const b = aGrantedRequest({ subject: 'u-303' });
    const entries = given([
      ...a.events,
      ...b.events,
      aGrantExpired({ grantId: a.grantId, requestId: a.requestId }),
    ]);

    const once = replay(entries);

    expect(replay(entries)).toEqual(once);
    expect(replay(entries, once)).toEqual(once);
    expect(replay([...entries, ...entries])).toEqual(once);
  });
});

describe('current grants of opt-outs', () => {
  const standing = anActivatedOptOut({ kind: 'standing-exception', approvers: ['u-900'] });
  const { optOutId } = standing;
  const access = {
    optOutId,
    kind: 'standing-exception' as const,
    subject: 'u-101',
    resource: 'db:orders-prod',
    role: 'db-admin',
  };
  const renewed = anEvent('OptOutRenewed', { ...access, endsAt: minutesAfterBase(600) });

  it('holds an activated opt-out as a grant of its kind, keyed by its opt-out id', () => {
    const state = replay(given(standing.events));

    expect([...state.values()]).toEqual([
      expect.objectContaining({
        grantId: optOutId,
        requestId: optOutId,
        kind: 'standing-exception',
        subject: 'u-101',
        approvers: ['u-900'],
        automatic: false,
        policyId: 'prod-break-glass',
        issuedSeq: 2,
      }),
    ]);
  });

  it('moves the end of an opt-out when it is renewed', () => {
    const state = replay(given([...standing.events, renewed]));

    expect(state.get(optOutId)!.endsAt).toBe(minutesAfterBase(600));
  });

  const endings: [string, DomainEvent][] = [
    ['expires', anEvent('OptOutExpired', access)],
    ['is revoked', anEvent('OptOutRevoked', access)],
    ['lapses', anEvent('OptOutLapsed', access)],
  ];
  for (const [how, ending] of endings) {
    it(`ends an opt-out's access when it ${how}`, () => {
      const state = replay(given([...standing.events, ending]));

      expect(state.size).toBe(0);
    });
  }

  it('gives the same state when the same entries are replayed twice over', () => {
    const other = anActivatedOptOut();
    const entries = given([
      ...standing.events,
      renewed,
      ...other.events,
      ...aGrantedRequest().events,
    ]);

    const once = replay(entries);

    expect(replay(entries)).toEqual(once);
    expect(replay(entries, once)).toEqual(once);
    expect(replay([...entries, ...entries])).toEqual(once);
  });
});

describe(netCurrentGrantsChanges.name, () => {
  const issued = aGrantIssued();
  const ended = aGrantExpired({ grantId: issued.data.grantId });
  const reissued = aGrantIssued({
    grantId: issued.data.grantId,
    endsAt: '2026-12-03T13:00:00.000Z',
  });
  const renewal = (hours: number) =>
    anEvent('OptOutRenewed', {
      optOutId: issued.data.grantId,
      endsAt: minutesAfterBase(180 + hours * 60),
    });
  const cases: [string, DomainEvent[]][] = [
    ['issued', [issued]],
    ['issued then expired', [issued, ended]],
    ['expired before it was issued', [ended, issued]],
    ['issued, expired and issued again', [issued, ended, reissued]],
    ['issued twice', [issued, reissued]],
    ['issued then renewed twice', [issued, renewal(1), renewal(2)]],
    ['renewed before it was issued', [renewal(1), issued]],
    ['renewed, expired and issued again', [renewal(1), ended, reissued]],
    ['expired, issued again and renewed', [ended, reissued, renewal(2)]],
  ];
  const startingStates: [string, CurrentGrantsState][] = [
    ['empty', EMPTY],
    ['already holding the grant', replay(given([reissued]))],
  ];

  for (const [events, list] of cases) {
    for (const [start, state] of startingStates) {
      it(`has the effect of applying one by one: ${events}, starting ${start}`, () => {
        const changes = changesOf(entriesOf(list, 10), currentGrantsChange);

        expect(applyNet(state, changes)).toEqual(applyCurrentGrantsChanges(state, changes));
      });
    }
  }
});
