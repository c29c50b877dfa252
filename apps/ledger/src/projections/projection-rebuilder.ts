import { Injectable, Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { decodeDomainEvent } from '@app/contracts';
import { LedgerEntriesRepository, StoredLedgerEntry } from '../append/ledger-entries.repository';
import { Queryable } from '../queryable';
import { PROJECTION_TABLES, ProjectionApplier } from './projection.applier';
import { ProjectedEntry } from './projected-entry';

export interface RebuildResult {
  replayed: number;
  headSeq: number;
}

const REPLAY_PAGE_SIZE = 500;

// Limitation: appends stop for as long as the replay runs, which grows with the ledger; a rebuild
// of a large ledger is an operation for a quiet moment.
/**
 * Empties the projections and replays every ledger entry into them, in seq order. Runs inside the
 * caller's transaction, which it makes hold the head lock: appends wait until the rebuild commits,
 * so the projections never miss an entry appended meanwhile.
 */
export async function rebuildProjections(
  db: Queryable,
  applier: ProjectionApplier = new ProjectionApplier(),
  repository: LedgerEntriesRepository = new LedgerEntriesRepository(),
): Promise<RebuildResult> {
  const head = await repository.lockHead(db);
  await db.query(`TRUNCATE ${PROJECTION_TABLES.join(', ')}`);

  let afterSeq = 0;
  let replayed = 0;
  for (;;) {
    const page = await repository.readEntries(db, afterSeq, head.seq, REPLAY_PAGE_SIZE);
    if (page.length === 0) break;
    await applier.apply(db, page.map(toProjectedEntry));
    replayed += page.length;
    afterSeq = page[page.length - 1]!.seq;
  }
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
    const result = await this.dataSource.transaction((manager) =>
      rebuildProjections(manager, this.applier, this.repository),
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
