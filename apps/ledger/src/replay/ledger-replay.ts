import { LedgerEntriesRepository, StoredLedgerEntry } from '../append/ledger-entries.repository';
import { ChainLink, GENESIS_LINK, verifyChain } from '../chain/hash-chain';
import { AuditTrailRecord } from '../projections/audit-trail.projection';
import { toProjectedEntry } from '../projections/projection-rebuilder';
import { Queryable } from '../queryable';
import {
  drainAuditTrail,
  EMPTY_PROJECTION_STATE,
  foldEntries,
  ProjectionState,
} from './projection-state';
import { LedgerChainBrokenError, ReplayTargetError } from './replay.errors';

export const REPLAY_PAGE_SIZE = 1000;

/** Where a replay stops: at the head, at a seq, or after the last entry recorded by an instant. */
export interface ReplayTarget {
  toSeq?: number;
  /** ISO-8601; entries recorded after it, and every entry behind them, are left out. */
  toTime?: string;
}

export interface ReplayProgress {
  replayed: number;
  lastSeq: number;
  /** The seq the replay runs to at most: `toSeq`, or else the head. */
  targetSeq: number;
  elapsedMs: number;
}

export interface ReplayOptions extends ReplayTarget {
  pageSize?: number;
  onProgress?: (progress: ReplayProgress) => void;
  /** Receives each page's audit trail records; the state then keeps none of them. */
  drain?: (records: AuditTrailRecord[]) => Promise<void>;
}

export interface ReplayResult {
  state: ProjectionState;
  replayed: number;
  /** The last entry replayed, verified and linked to every entry before it. */
  last: ChainLink;
  head: ChainLink;
}

// Limitation: without `drain` the whole audit trail is held in memory (about one record per
// entry), and each page copies the grant maps; a very long ledger wants `replayIntoSchema`.
// Limitation: `toTime` cuts on recorded_at, which the hash does not cover; a changed recorded_at
// moves the cut without failing verification.
/**
 * Folds the ledger from genesis into a fresh projection state, verifying the chain of every page
 * it reads before folding it. It only reads: the live projections, the outbox and the audit topic
 * are not touched, so a replay emits, revokes and publishes nothing. Run it inside a
 * REPEATABLE READ transaction to read the head and the entries from one snapshot.
 */
export async function replayLedger(
  db: Queryable,
  options: ReplayOptions = {},
  repository: LedgerEntriesRepository = new LedgerEntriesRepository(),
): Promise<ReplayResult> {
  const head = await repository.readHead(db);
  const targetSeq = targetSeqOf(options, head);
  const toTime = options.toTime === undefined ? null : Date.parse(options.toTime);
  const pageSize = options.pageSize ?? REPLAY_PAGE_SIZE;
  const startedAt = Date.now();

  let state = EMPTY_PROJECTION_STATE;
  let last = GENESIS_LINK;
  let replayed = 0;
  let cutByTime = false;
  while (last.seq < targetSeq && !cutByTime) {
    const page = await repository.readEntries(db, last.seq, targetSeq, pageSize);
    if (page.length === 0) break;
    const verification = verifyChain(page, last);
    if (!verification.ok) {
      throw new LedgerChainBrokenError(verification.brokenSeq, verification.reason);
    }

    const kept = toTime === null ? page : recordedBy(page, toTime);
    cutByTime = kept.length < page.length;
    if (kept.length === 0) break;
    state = foldEntries(state, kept.map(toProjectedEntry));
    if (options.drain) {
      const drained = drainAuditTrail(state);
      await options.drain(drained.records);
      state = drained.state;
    }
    last = { seq: kept[kept.length - 1]!.seq, hash: kept[kept.length - 1]!.hash };
    replayed += kept.length;
    options.onProgress?.({
      replayed,
      lastSeq: last.seq,
      targetSeq,
      elapsedMs: Date.now() - startedAt,
    });
  }

  if (!cutByTime) assertReachedTarget(last, targetSeq, head);
  return { state, replayed, last, head };
}

function targetSeqOf(target: ReplayTarget, head: ChainLink): number {
  if (target.toSeq === undefined) return head.seq;
  if (!Number.isInteger(target.toSeq) || target.toSeq < 0) {
    throw new ReplayTargetError(
      `--to-seq must be a whole number of at least 0, not ${target.toSeq}`,
    );
  }
  if (target.toSeq > head.seq) {
    throw new ReplayTargetError(`seq ${target.toSeq} is after the ledger's head, seq ${head.seq}`);
  }
  return target.toSeq;
}

/** The entries of a page recorded at or before the instant, up to the first recorded after it. */
function recordedBy(page: readonly StoredLedgerEntry[], toTime: number): StoredLedgerEntry[] {
  const firstAfter = page.findIndex((entry) => Date.parse(entry.recordedAt) > toTime);
  return firstAfter === -1 ? [...page] : page.slice(0, firstAfter);
}

/** Entries missing at the end of the range, or a head that names another last entry. */
function assertReachedTarget(last: ChainLink, targetSeq: number, head: ChainLink): void {
  if (last.seq < targetSeq) throw new LedgerChainBrokenError(last.seq + 1, 'missing-entry');
  if (targetSeq === head.seq && last.hash !== head.hash) {
    throw new LedgerChainBrokenError(head.seq, 'head-mismatch');
  }
}
