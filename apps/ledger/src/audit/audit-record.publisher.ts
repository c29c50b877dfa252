import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { EventProducer, OutgoingRecord, PollingLoop, RoundOutcome } from '@app/messaging';
import { TopicNames } from '@app/platform';
import { LedgerEntriesRepository, StoredLedgerEntry } from '../append/ledger-entries.repository';
import { LedgerCheckpoint } from '../chain/checkpoint-signature';
import { CheckpointsRepository } from '../checkpoints/checkpoints.repository';
import { Queryable } from '../queryable';
import {
  CHECKPOINT_RECORD_KEY,
  groupBySize,
  toAuditRecord,
  toCheckpointAuditRecord,
} from './audit-record';

const BATCH_SIZE = 500;
const IDLE_DELAY_MS = 100;
// Below the broker's default message.max.bytes (1 MiB), which bounds one partition's record batch.
const MAX_SEND_BYTES = 512 * 1024;
const PUBLISHER_LOCK = 'ledger:audit-publication';

interface PublicationCursors {
  entrySeq: number;
  checkpointSeq: number;
}

/**
 * Publishes every ledger entry, in seq order, to the single-partition audit topic, and each signed
 * checkpoint after the entry it names. One instance publishes at a time (a transaction-scoped
 * advisory lock), from two cursors kept in the database: a checkpoint may be signed after its
 * entry was published, and then goes out with the next round.
 *
 * Entries become visible in seq order: a seq is taken under the head lock, which is held until the
 * entry commits, so the publisher never skips over an entry still being written.
 */
@Injectable()
export class AuditRecordPublisher implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(AuditRecordPublisher.name);
  private readonly polling: PollingLoop;

  constructor(
    private readonly dataSource: DataSource,
    private readonly producer: EventProducer,
    private readonly topics: TopicNames,
    private readonly entries: LedgerEntriesRepository,
    private readonly checkpoints: CheckpointsRepository,
  ) {
    this.polling = new PollingLoop({
      round: () => this.publishRound(),
      idleMs: IDLE_DELAY_MS,
      // A wake cuts the idle wait short but not the back-off after a failure; a stop ends either.
      backoff: { baseMs: 100, maxMs: 5000, endsOnWake: false, errorFromAttempt: 5 },
      logger: this.logger,
      failureMessage: 'audit publication round failed; retrying',
    });
  }

  onApplicationBootstrap(): void {
    this.start();
  }

  async onModuleDestroy(): Promise<void> {
    await this.stop();
  }

  start(): void {
    this.polling.start();
  }

  async stop(): Promise<void> {
    await this.polling.stop();
  }

  /** Asks for a round now, e.g. right after an append committed, instead of at the next poll. */
  wake(): void {
    this.polling.wake();
  }

  // Limitation: a crash after the send and before the cursor commit publishes up to one batch
  // again on restart; SIEMs de-duplicate audit records by seq.
  // Limitation: an entry whose record exceeds the broker's maximum message size is retried
  // forever and holds back the entries after it; the failing rounds are logged, as errors from
  // the fifth one on.
  /** Publishes the next entries and checkpoints after the cursors; returns how many were sent. */
  async publishPending(): Promise<number> {
    return this.dataSource.transaction(async (manager) => {
      if (!(await this.takeTurn(manager))) return 0;

      const cursors = await this.readCursors(manager);
      const entries = await this.entries.readEntries(
        manager,
        cursors.entrySeq,
        Number.MAX_SAFE_INTEGER,
        BATCH_SIZE,
      );
      const lastEntrySeq = entries.length > 0 ? entries[entries.length - 1]!.seq : cursors.entrySeq;
      const checkpoints = await this.checkpoints.read(
        manager,
        cursors.checkpointSeq,
        lastEntrySeq,
        BATCH_SIZE,
      );
      if (entries.length === 0 && checkpoints.length === 0) return 0;

      const records = this.inLedgerOrder(entries, checkpoints);
      for (const group of groupBySize(records, MAX_SEND_BYTES)) await this.producer.send(group);

      const lastCheckpoint = checkpoints[checkpoints.length - 1];
      await manager.query(
        `UPDATE ledger.audit_publication
         SET last_published_seq = $1, last_published_checkpoint_seq = $2 WHERE id = 1`,
        [lastEntrySeq, lastCheckpoint ? lastCheckpoint.seq : cursors.checkpointSeq],
      );
      return entries.length + checkpoints.length;
    });
  }

  /** Entries in seq order, each checkpoint right after the entry of its seq (or first, if that
   * entry went out in an earlier round). */
  private inLedgerOrder(
    entries: readonly StoredLedgerEntry[],
    checkpoints: readonly LedgerCheckpoint[],
  ): OutgoingRecord[] {
    const topic = this.topics.auditRecords;
    const records: OutgoingRecord[] = [];
    let next = 0;
    const checkpointsUpTo = (seq: number) => {
      while (next < checkpoints.length && checkpoints[next]!.seq <= seq) {
        const record = toCheckpointAuditRecord(checkpoints[next]!);
        records.push({ topic, key: CHECKPOINT_RECORD_KEY, value: JSON.stringify(record) });
        next += 1;
      }
    };
    for (const entry of entries) {
      checkpointsUpTo(entry.seq - 1);
      records.push({ topic, key: entry.partitionKey, value: JSON.stringify(toAuditRecord(entry)) });
      checkpointsUpTo(entry.seq);
    }
    checkpointsUpTo(Number.MAX_SAFE_INTEGER);
    return records;
  }

  private async takeTurn(db: Queryable): Promise<boolean> {
    const rows = (await db.query('SELECT pg_try_advisory_xact_lock(hashtext($1)) AS got', [
      PUBLISHER_LOCK,
    ])) as { got: boolean }[];
    return rows[0]?.got === true;
  }

  private async readCursors(db: Queryable): Promise<PublicationCursors> {
    const rows = (await db.query(
      `SELECT last_published_seq, last_published_checkpoint_seq
       FROM ledger.audit_publication WHERE id = 1`,
    )) as { last_published_seq: string; last_published_checkpoint_seq: string }[];
    const cursor = rows[0];
    if (!cursor) throw new Error('ledger.audit_publication has no row; the migrations did not run');
    return {
      entrySeq: Number(cursor.last_published_seq),
      checkpointSeq: Number(cursor.last_published_checkpoint_seq),
    };
  }

  private async publishRound(): Promise<RoundOutcome> {
    const sent = await this.publishPending();
    if (sent > 0) this.logger.debug({ msg: 'audit records published', count: sent });
    return sent < BATCH_SIZE ? 'wait' : 'again';
  }
}
