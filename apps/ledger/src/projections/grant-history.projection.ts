import {
  activatedOptOut,
  CurrentGrant,
  GrantExtension,
  issuedGrant,
  renewalOf,
} from './current-grants.projection';
import { ProjectedEntry } from './projected-entry';

/**
 * Every grant ever issued and every opt-out ever activated, with when it really ended, to answer
 * "who had access at T".
 */
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
  | { kind: 'grant-ended'; ending: GrantEnding }
  | { kind: 'grant-extended'; extension: GrantExtension };

export type GrantHistoryState = ReadonlyMap<string, GrantHistoryRecord>;

/** The change an entry makes to the grant history, one at most; null when it makes none. */
export function grantHistoryChange(entry: ProjectedEntry): GrantHistoryChange | null {
  const { event } = entry;
  switch (event.type) {
    case 'GrantIssued':
      return { kind: 'grant-recorded', grant: stillOpen(issuedGrant(event.data, entry.seq)) };
    case 'OptOutActivated':
      return { kind: 'grant-recorded', grant: stillOpen(activatedOptOut(event.data, entry.seq)) };
    case 'OptOutRenewed':
      return { kind: 'grant-extended', extension: renewalOf(event.data, entry.seq) };
    case 'GrantExpired':
      return ended(event.data.grantId, event.data.endedAt, entry.seq);
    case 'OptOutExpired':
      return ended(event.data.optOutId, event.data.endedAt, entry.seq);
    case 'OptOutRevoked':
      return ended(event.data.optOutId, event.data.revokedAt, entry.seq);
    case 'OptOutLapsed':
      return ended(event.data.optOutId, event.data.lapsedAt, entry.seq);
    default:
      return null;
  }
}

function stillOpen(grant: CurrentGrant): GrantHistoryRecord {
  return historyRecord(grant, grant.endsAt, null, null);
}

/**
 * A record with each field written out. An object spread (`{ ...grant, endedAt }`) took V8's slow
 * path here and cost a replay several times the rest of folding a grant.
 */
function historyRecord(
  grant: CurrentGrant,
  endsAt: string,
  endedAt: string | null,
  endedSeq: number | null,
): GrantHistoryRecord {
  return {
    grantId: grant.grantId,
    requestId: grant.requestId,
    kind: grant.kind,
    subject: grant.subject,
    resource: grant.resource,
    role: grant.role,
    startsAt: grant.startsAt,
    endsAt,
    approvers: grant.approvers,
    automatic: grant.automatic,
    policyId: grant.policyId,
    issuedSeq: grant.issuedSeq,
    endedAt,
    endedSeq,
  };
}

function ended(grantId: string, endedAt: string, endedSeq: number): GrantHistoryChange {
  return { kind: 'grant-ended', ending: { grantId, endedAt, endedSeq } };
}

/** A renewal counts for a grant recorded before it and not ended before it. */
export function renewalApplies(grant: GrantHistoryRecord, extension: GrantExtension): boolean {
  return (
    grant.issuedSeq < extension.seq && (grant.endedSeq === null || grant.endedSeq > extension.seq)
  );
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
  applyGrantHistoryChangesInPlace(next, changes);
  return next;
}

/** `applyGrantHistoryChanges` on a map the caller owns, for a fold that must not copy it. */
export function applyGrantHistoryChangesInPlace(
  state: Map<string, GrantHistoryRecord>,
  changes: readonly GrantHistoryChange[],
): void {
  for (const change of changes) applyGrantHistoryChangeInPlace(state, change);
}

/** One change, in place. */
export function applyGrantHistoryChangeInPlace(
  state: Map<string, GrantHistoryRecord>,
  change: GrantHistoryChange,
): void {
  if (change.kind === 'grant-recorded') {
    if (!state.has(change.grant.grantId)) state.set(change.grant.grantId, change.grant);
    return;
  }
  if (change.kind === 'grant-extended') {
    const grant = state.get(change.extension.grantId);
    if (grant && renewalApplies(grant, change.extension)) {
      state.set(
        grant.grantId,
        historyRecord(grant, change.extension.endsAt, grant.endedAt, grant.endedSeq),
      );
    }
    return;
  }
  const grant = state.get(change.ending.grantId);
  if (grant && grant.endedAt === null) {
    state.set(
      grant.grantId,
      historyRecord(grant, grant.endsAt, change.ending.endedAt, change.ending.endedSeq),
    );
  }
}

/**
 * The same effect as applying the changes one by one, as four set statements: end grants that
 * were recorded before this batch, record new grants, end grants recorded in this batch, then
 * apply the renewals, each to the grant it `renewalApplies` to. Only the first ending of a grant can take
 * effect, so later ones are left out.
 */
export function netGrantHistoryChanges(changes: readonly GrantHistoryChange[]): {
  endedBeforeRecording: GrantEnding[];
  recorded: GrantHistoryRecord[];
  endedAfterRecording: GrantEnding[];
  extended: GrantExtension[];
} {
  const recorded = new Map<string, GrantHistoryRecord>();
  const endedBefore = new Map<string, GrantEnding>();
  const endedAfter = new Map<string, GrantEnding>();
  const extended: GrantExtension[] = [];
  for (const change of changes) {
    if (change.kind === 'grant-extended') {
      extended.push(change.extension);
      continue;
    }
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
    extended,
  };
}
