import { Injectable, Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { decodeDomainEvent } from '@app/contracts';
import { LedgerEntriesRepository, StoredLedgerEntry } from '../append/ledger-entries.repository';
import { ChainLink, GENESIS_LINK, verifyChain } from '../chain/hash-chain';
import { Queryable } from '../queryable';
import { LedgerChainBrokenError } from '../replay/replay.errors';
import { PROJECTION_TABLES, ProjectionApplier } from './projection.applier';
import { ProjectedEntry } from './projected-entry';

export interface RebuildResult {
  replayed: number;
  headSeq: number;
}

export interface RebuildProgress {
  replayed: number;
  lastSeq: number;
  headSeq: number;
  elapsedMs: number;
}

export interface RebuildOptions {
  pageSize?: number;
  onProgress?: (progress: RebuildProgress) => void;
}

const REPLAY_PAGE_SIZE = 500;
const PROGRESS_LOG_INTERVAL_MS = 5000;

// Limitation: appends stop for as long as the replay runs, which grows with the ledger; a rebuild
// of a large ledger is an operation for a quiet moment.
/**
 * Empties the projections and replays every ledger entry into them, in seq order, verifying the
 * chain of each page before applying it: a broken chain throws, and the caller's transaction rolls
 * the projections back to what they were. Runs inside the caller's transaction, which it makes
 * hold the head lock: appends wait until the rebuild commits, so the projections never miss an
 * entry appended meanwhile.
 */
export async function rebuildProjections(
  db: Queryable,
  applier: ProjectionApplier = new ProjectionApplier(),
  repository: LedgerEntriesRepository = new LedgerEntriesRepository(),
  options: RebuildOptions = {},
): Promise<RebuildResult> {
  const head = await repository.lockHead(db);
  await db.query(`TRUNCATE ${PROJECTION_TABLES.join(', ')}`);
  const pageSize = options.pageSize ?? REPLAY_PAGE_SIZE;
  const startedAt = Date.now();

  let last: ChainLink = GENESIS_LINK;
  let replayed = 0;
  for (;;) {
    const page = await repository.readEntries(db, last.seq, head.seq, pageSize);
    if (page.length === 0) break;
    const verification = verifyChain(page, last);
    if (!verification.ok) {
      throw new LedgerChainBrokenError(verification.brokenSeq, verification.reason);
    }
    await applier.apply(db, page.map(toProjectedEntry));
    replayed += page.length;
    last = verification.last;
    options.onProgress?.({
      replayed,
      lastSeq: last.seq,
      headSeq: head.seq,
      elapsedMs: Date.now() - startedAt,
    });
  }
  if (last.seq !== head.seq) throw new LedgerChainBrokenError(last.seq + 1, 'missing-entry');
  if (last.hash !== head.hash) throw new LedgerChainBrokenError(head.seq, 'head-mismatch');
  return { replayed, headSeq: head.seq };
}

export class CorruptLedgerEntryError extends Error {
  constructor(seq: number, problem: string) {
    super(`ledger entry ${seq} does not hold a valid event: ${problem}`);
    this.name = CorruptLedgerEntryError.name;
  }
}

export function toProjectedEntry(entry: StoredLedgerEntry): ProjectedEntry {
  const decoded = decodeDomainEvent(Buffer.from(entry.payload, 'utf8'));
  if (!decoded.ok) throw new CorruptLedgerEntryError(entry.seq, decoded.error);
  return { seq: entry.seq, recordedAt: entry.recordedAt, event: decoded.value };
}

/** The operator's way to rebuild the projections, e.g. after a change to how one is derived. */
@Injectable()
export class ProjectionRebuilder {
  private readonly logger = new Logger(ProjectionRebuilder.name);

  constructor(
    private readonly dataSource: DataSource,
    private readonly applier: ProjectionApplier,
    private readonly repository: LedgerEntriesRepository,
  ) {}

  async rebuild(): Promise<RebuildResult> {
    const startedAt = Date.now();
    let loggedAt = startedAt;
    const result = await this.dataSource.transaction((manager) =>
      rebuildProjections(manager, this.applier, this.repository, {
        onProgress: (progress) => {
          if (Date.now() - loggedAt < PROGRESS_LOG_INTERVAL_MS) return;
          loggedAt = Date.now();
          this.logger.log({ msg: 'projection rebuild progress', ...progress });
        },
      }),
    );
    this.logger.log({
      msg: 'projections rebuilt',
      replayed: result.replayed,
      headSeq: result.headSeq,
      durationMs: Date.now() - startedAt,
    });
    return result;
  }
}
