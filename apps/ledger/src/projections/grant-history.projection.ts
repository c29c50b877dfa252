import { CurrentGrant, issuedGrant } from './current-grants.projection';
import { ProjectedEntry } from './projected-entry';

/** Every grant ever issued, with when it really ended, to answer "who had access at T". */
export interface GrantHistoryRecord extends CurrentGrant {
  endedAt: string | null;
  endedSeq: number | null;
}

export interface GrantEnding {
  grantId: string;
  endedAt: string;
  endedSeq: number;
}

export type GrantHistoryChange =
  | { kind: 'grant-recorded'; grant: GrantHistoryRecord }
  | { kind: 'grant-ended'; ending: GrantEnding };

export type GrantHistoryState = ReadonlyMap<string, GrantHistoryRecord>;

export function grantHistoryChanges(entry: ProjectedEntry): GrantHistoryChange[] {
  const { event } = entry;
  switch (event.type) {
    case 'GrantIssued':
      return [
        {
          kind: 'grant-recorded',
          grant: { ...issuedGrant(event.data, entry.seq), endedAt: null, endedSeq: null },
        },
      ];
    case 'GrantExpired':
      return [
        {
          kind: 'grant-ended',
          ending: { grantId: event.data.grantId, endedAt: event.data.endedAt, endedSeq: entry.seq },
        },
      ];
    default:
      return [];
  }
}

// Limitation: a GrantExpired recorded before its GrantIssued leaves the grant open here. Both
// travel in the request's partition, in that order, so the ledger records them in that order.
/**
 * The meaning of the changes: a grant is recorded once, and ends once, the first time; the end of
 * a grant never recorded changes nothing.
 */
export function applyGrantHistoryChanges(
  state: GrantHistoryState,
  changes: readonly GrantHistoryChange[],
): GrantHistoryState {
  const next = new Map(state);
  for (const change of changes) {
    if (change.kind === 'grant-recorded') {
      if (!next.has(change.grant.grantId)) next.set(change.grant.grantId, change.grant);
      continue;
    }
    const grant = next.get(change.ending.grantId);
    if (grant && grant.endedAt === null) {
      next.set(grant.grantId, {
        ...grant,
        endedAt: change.ending.endedAt,
        endedSeq: change.ending.endedSeq,
      });
    }
  }
  return next;
}

/**
 * The same effect as applying the changes one by one, as three set statements: end grants that
 * were recorded before this batch, record new grants, then end grants recorded in this batch.
 * Only the first ending of a grant can take effect, so later ones are left out.
 */
export function netGrantHistoryChanges(changes: readonly GrantHistoryChange[]): {
  endedBeforeRecording: GrantEnding[];
  recorded: GrantHistoryRecord[];
  endedAfterRecording: GrantEnding[];
} {
  const recorded = new Map<string, GrantHistoryRecord>();
  const endedBefore = new Map<string, GrantEnding>();
  const endedAfter = new Map<string, GrantEnding>();
  for (const change of changes) {
    if (change.kind === 'grant-recorded') {
      if (!recorded.has(change.grant.grantId)) recorded.set(change.grant.grantId, change.grant);
      continue;
    }
    const { grantId } = change.ending;
    const target = recorded.has(grantId) ? endedAfter : endedBefore;
    if (!target.has(grantId)) target.set(grantId, change.ending);
  }
  return {
    endedBeforeRecording: [...endedBefore.values()],
    recorded: [...recorded.values()],
    endedAfterRecording: [...endedAfter.values()],
  };
}
