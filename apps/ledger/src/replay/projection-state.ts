import {
  applyAuditTrailChanges,
  AuditTrailRecord,
  AuditTrailState,
  auditTrailChanges,
  EMPTY_AUDIT_TRAIL,
} from '../projections/audit-trail.projection';
import {
  applyCurrentGrantsChanges,
  currentGrantsChanges,
  CurrentGrantsState,
} from '../projections/current-grants.projection';
import {
  applyGrantHistoryChanges,
  grantHistoryChanges,
  GrantHistoryState,
} from '../projections/grant-history.projection';
import { ProjectedEntry } from '../projections/projected-entry';
import { reasonOf } from './event-reason';

/**
 * Every projection of the ledger folded in memory, as the live tables hold them, plus the reason
 * each entry states (for the investigators' questions, which the audit trail's words alone lose).
 */
export interface ProjectionState {
  currentGrants: CurrentGrantsState;
  grantHistory: GrantHistoryState;
  auditTrail: AuditTrailState;
  reasons: ReadonlyMap<number, string | null>;
  /** The last entry folded, 0 before the first. */
  lastSeq: number;
}

export const EMPTY_PROJECTION_STATE: ProjectionState = {
  currentGrants: new Map(),
  grantHistory: new Map(),
  auditTrail: EMPTY_AUDIT_TRAIL,
  reasons: new Map(),
  lastSeq: 0,
};

/**
 * Folds entries, in seq order and after `state.lastSeq`, with the same pure projections the
 * ledger applies as it appends. A fold in pages gives the same state as one over all entries.
 */
export function foldEntries(
  state: ProjectionState,
  entries: readonly ProjectedEntry[],
): ProjectionState {
  if (entries.length === 0) return state;

  const known = { requests: state.auditTrail.targets, optOuts: state.auditTrail.optOuts };
  const reasons = new Map(state.reasons);
  for (const entry of entries) reasons.set(entry.seq, reasonOf(entry.event));
  return {
    currentGrants: applyCurrentGrantsChanges(
      state.currentGrants,
      entries.flatMap(currentGrantsChanges),
    ),
    grantHistory: applyGrantHistoryChanges(
      state.grantHistory,
      entries.flatMap(grantHistoryChanges),
    ),
    auditTrail: applyAuditTrailChanges(state.auditTrail, auditTrailChanges(entries, known)),
    reasons,
    lastSeq: entries[entries.length - 1]!.seq,
  };
}

/** The state of a whole list of entries. */
export function foldAll(entries: readonly ProjectedEntry[]): ProjectionState {
  return foldEntries(EMPTY_PROJECTION_STATE, entries);
}

/**
 * Takes the audit trail records and reasons out of the state, for a replay that writes them away
 * page by page: they are keyed by seq and never change once folded, so memory stays bounded by the
 * grants and targets rather than by the length of the ledger.
 */
export function drainAuditTrail(state: ProjectionState): {
  records: AuditTrailRecord[];
  state: ProjectionState;
} {
  const records = [...state.auditTrail.records.values()].sort((a, b) => a.seq - b.seq);
  return {
    records,
    state: {
      ...state,
      auditTrail: { ...state.auditTrail, records: new Map() },
      reasons: new Map(),
    },
  };
}
