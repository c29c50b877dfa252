import { DomainEvent } from '@app/contracts';
import { entriesOf } from '../testing/ledger-entry.builders';
import {
  aGrantedRequest,
  aGrantExpired,
  aGrantIssued,
  aRequestDenied,
} from '../testing/ledger-event.builders';
import {
  applyGrantHistoryChanges,
  GrantEnding,
  GrantHistoryChange,
  grantHistoryChanges,
  GrantHistoryState,
  netGrantHistoryChanges,
} from './grant-history.projection';
import { ProjectedEntry } from './projected-entry';

const EMPTY: GrantHistoryState = new Map();

function replay(entries: readonly ProjectedEntry[], state = EMPTY): GrantHistoryState {
  return applyGrantHistoryChanges(state, entries.flatMap(grantHistoryChanges));
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
  return next;
}

describe(grantHistoryChanges.name, () => {
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
    expect(grantHistoryChanges(given([aRequestDenied()])[0]!)).toEqual([]);
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

describe(netGrantHistoryChanges.name, () => {
  const issued = aGrantIssued();
  const end = (endedAt: string) => aGrantExpired({ grantId: issued.data.grantId, endedAt });
  const early = end('2026-12-03T10:30:00.000Z');
  const late = end('2026-12-03T11:30:00.000Z');
  const cases: [string, DomainEvent[]][] = [
    ['issued', [issued]],
    ['issued then ended', [issued, early]],
    ['ended, issued, ended again', [early, issued, late]],
    ['ended twice', [early, late]],
    ['issued twice and ended', [issued, issued, late]],
  ];
  const startingStates: [string, GrantHistoryState][] = [
    ['empty', EMPTY],
    ['with the grant open', replay(given([issued]))],
    ['with the grant ended', replay(given([issued, late]))],
  ];

  for (const [events, list] of cases) {
    for (const [start, state] of startingStates) {
      it(`has the effect of applying one by one: ${events}, starting ${start}`, () => {
        const changes = entriesOf(list, 10).flatMap(grantHistoryChanges);

        expect(applyNet(state, changes)).toEqual(applyGrantHistoryChanges(state, changes));
      });
    }
  }
});
