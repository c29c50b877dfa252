import { LedgerEntriesRepository } from '../append/ledger-entries.repository';
import { ChainLink, GENESIS_LINK } from '../chain/hash-chain';
import { AuditTrailRecord } from '../projections/audit-trail.projection';
import { ProjectedEntry } from '../projections/projected-entry';
import { Queryable } from '../queryable';
import { ProjectionAccumulator, ProjectionState } from './projection-state';
import { LedgerChainBrokenError, ReplayTargetError } from './replay.errors';
import { verifyAndDecodePage } from './verified-page';

export const REPLAY_PAGE_SIZE = 1000;

/**
 * Pages are verified, decoded, folded and drained this many entries at a time, whatever the page
 * size, so that a chunk's decoded events and audit records are garbage before the young
 * generation is next collected. Decoding and folding pages of 10,000 whole kept them alive through
 * several collections: a replay of a million entries then spent about as long collecting garbage
 * as doing its own work. Chunks of 1,000 still had V8 promote a fifth more to the old generation
 * than chunks of 250; below 250 nothing more was saved.
 */
export const FOLD_CHUNK_SIZE = 250;

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
  /** Receives each chunk's audit trail records; the state then keeps none of them. */
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
// entry); a very long ledger wants `replayIntoSchema`.
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
  const readAfter = (seq: number) =>
    prefetched(repository.readEntries(db, seq, targetSeq, pageSize));
  const startedAt = Date.now();

  const accumulator = new ProjectionAccumulator();
  let last = GENESIS_LINK;
  let replayed = 0;
  let cutByTime = false;
  let next = last.seq < targetSeq ? readAfter(last.seq) : null;
  while (next !== null && !cutByTime) {
    const page = await next;
    if (page.length === 0) break;
    // The database reads the next page while this one is verified and folded.
    const lastRead = page[page.length - 1]!.seq;
    next = lastRead < targetSeq ? readAfter(lastRead) : null;

    for (let start = 0; start < page.length && !cutByTime; start += FOLD_CHUNK_SIZE) {
      const rows = page.slice(start, start + FOLD_CHUNK_SIZE);
      const verification = verifyAndDecodePage(rows, last);
      if (!verification.ok) {
        throw new LedgerChainBrokenError(verification.brokenSeq, verification.reason);
      }
      const kept =
        toTime === null ? verification.entries : recordedBy(verification.entries, toTime);
      cutByTime = kept.length < rows.length;
      if (kept.length === 0) break;

      accumulator.fold(kept);
      if (options.drain) await options.drain(accumulator.drainAuditTrail());
      last = { seq: kept[kept.length - 1]!.seq, hash: rows[kept.length - 1]!.hash };
      replayed += kept.length;
    }
    options.onProgress?.({
      replayed,
      lastSeq: last.seq,
      targetSeq,
      elapsedMs: Date.now() - startedAt,
    });
  }

  if (!cutByTime) assertReachedTarget(last, targetSeq, head);
  return { state: accumulator.state, replayed, last, head };
}

/**
 * A read started ahead of its use: a replay that stops early (a broken chain, a cut by time) never
 * awaits it, and its failure then must not surface as an unhandled rejection.
 */
function prefetched<T>(read: Promise<T>): Promise<T> {
  read.catch(() => undefined);
  return read;
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
function recordedBy(page: ProjectedEntry[], toTime: number): ProjectedEntry[] {
  const firstAfter = page.findIndex((entry) => Date.parse(entry.recordedAt) > toTime);
  return firstAfter === -1 ? page : page.slice(0, firstAfter);
}

/** Entries missing at the end of the range, or a head that names another last entry. */
function assertReachedTarget(last: ChainLink, targetSeq: number, head: ChainLink): void {
  if (last.seq < targetSeq) throw new LedgerChainBrokenError(last.seq + 1, 'missing-entry');
  if (targetSeq === head.seq && last.hash !== head.hash) {
    throw new LedgerChainBrokenError(head.seq, 'head-mismatch');
  }
}
