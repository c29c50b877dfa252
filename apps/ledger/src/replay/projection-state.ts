import {
  AuditTrailRecord,
  AuditTrailState,
  EMPTY_AUDIT_TRAIL,
  foldAuditTrailInPlace,
  MutableAuditTrailState,
} from '../projections/audit-trail.projection';
import {
  applyCurrentGrantsChangeInPlace,
  CurrentGrant,
  currentGrantsChange,
  CurrentGrantsState,
} from '../projections/current-grants.projection';
import {
  applyGrantHistoryChangeInPlace,
  GrantHistoryRecord,
  grantHistoryChange,
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
 * The state given is left as it was: its maps are copied once, then folded into.
 */
export function foldEntries(
  state: ProjectionState,
  entries: readonly ProjectedEntry[],
): ProjectionState {
  if (entries.length === 0) return state;

  const accumulator = new ProjectionAccumulator(state);
  accumulator.fold(entries);
  return accumulator.state;
}

/**
 * A projection state that a replay owns and folds page after page in place: the same meaning as
 * `foldEntries`, without copying the grant history, the targets and the reasons for every page,
 * which made a fold grow with the state it had folded so far.
 */
export class ProjectionAccumulator {
  private readonly currentGrants: Map<string, CurrentGrant>;
  private readonly grantHistory: Map<string, GrantHistoryRecord>;
  private readonly auditTrail: MutableAuditTrailState;
  private readonly reasons: Map<number, string | null>;
  private lastSeq: number;

  /** Starts from a copy of `from`, which is never changed. */
  constructor(from: ProjectionState = EMPTY_PROJECTION_STATE) {
    this.currentGrants = new Map(from.currentGrants);
    this.grantHistory = new Map(from.grantHistory);
    this.auditTrail = {
      records: new Map(from.auditTrail.records),
      targets: new Map(from.auditTrail.targets),
      optOuts: new Map(from.auditTrail.optOuts),
    };
    this.reasons = new Map(from.reasons);
    this.lastSeq = from.lastSeq;
  }

  /**
   * Entries in seq order, after the last one folded. Each change is applied as it is made, with no
   * list of changes in between: a replay folds a million entries, and what it allocates per entry
   * is most of what it costs beyond reading them.
   */
  fold(entries: readonly ProjectedEntry[]): void {
    if (entries.length === 0) return;

    foldAuditTrailInPlace(this.auditTrail, entries);
    for (const entry of entries) {
      this.reasons.set(entry.seq, reasonOf(entry.event));
      const grantChange = currentGrantsChange(entry);
      if (grantChange !== null) applyCurrentGrantsChangeInPlace(this.currentGrants, grantChange);
      const historyChange = grantHistoryChange(entry);
      if (historyChange !== null) applyGrantHistoryChangeInPlace(this.grantHistory, historyChange);
    }
    this.lastSeq = entries[entries.length - 1]!.seq;
  }

  /** Takes the audit trail records and reasons out, as `drainAuditTrail` does; in seq order. */
  drainAuditTrail(): AuditTrailRecord[] {
    const records = [...this.auditTrail.records.values()].sort((a, b) => a.seq - b.seq);
    this.auditTrail.records.clear();
    this.reasons.clear();
    return records;
  }

  /** The state folded so far, over the accumulator's own maps: a later fold changes it. */
  get state(): ProjectionState {
    return {
      currentGrants: this.currentGrants,
      grantHistory: this.grantHistory,
      auditTrail: this.auditTrail,
      reasons: this.reasons,
      lastSeq: this.lastSeq,
    };
  }
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
