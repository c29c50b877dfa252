import {
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnModuleDestroy,
} from '@nestjs/common';
import { DataSource } from 'typeorm';
import { CLOCK, Clock } from '@app/domain';
import { PollingLoop, RoundOutcome } from '@app/messaging';
import { LedgerEntriesRepository } from '../append/ledger-entries.repository';
import { AuditRecordPublisher } from '../audit/audit-record.publisher';
import { LedgerCheckpoint, signCheckpoint } from '../chain/checkpoint-signature';
import { GENESIS_LINK, verifyChain } from '../chain/hash-chain';
import { CheckpointSettings } from '../ledger.config';
import { Queryable } from '../queryable';
import { headCheckpointDue, periodicCheckpointSeqs } from './checkpoint-schedule';
import { CheckpointsRepository } from './checkpoints.repository';

export const CHECKPOINT_SETTINGS = Symbol('CHECKPOINT_SETTINGS');

const IDLE_DELAY_MS = 500;
// A long backlog (a ledger older than its checkpoints) is worked off over several rounds.
const MAX_CHECKPOINTS_PER_ROUND = 20;
const PAGE_SIZE = 1000;
const CHECKPOINTER_LOCK = 'ledger:checkpoints';

export class UnverifiedChainError extends Error {
  constructor(seq: number, reason: string) {
    super(`refusing to sign checkpoints over a chain that breaks at seq ${seq} (${reason})`);
    this.name = UnverifiedChainError.name;
  }
}

/**
 * Follows the head and signs checkpoints: one at every `every`-th seq, and one of the head when
 * its oldest unsigned entry was recorded `intervalMs` ago. Before signing it verifies the chain
 * from the previous checkpoint on, so a checkpoint never vouches for entries changed meanwhile.
 * One instance signs at a time (a transaction-scoped advisory lock); the seq is the key, so a
 * checkpoint is never signed twice.
 */
@Injectable()
export class LedgerCheckpointer implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(LedgerCheckpointer.name);
  private readonly polling: PollingLoop;

  constructor(
    private readonly dataSource: DataSource,
    private readonly entries: LedgerEntriesRepository,
    private readonly checkpoints: CheckpointsRepository,
    private readonly publisher: AuditRecordPublisher,
    @Inject(CHECKPOINT_SETTINGS) private readonly settings: CheckpointSettings,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {
    this.polling = new PollingLoop({
      round: () => this.checkpointRound(),
      idleMs: IDLE_DELAY_MS,
      backoff: { baseMs: 250, maxMs: 10000, endsOnWake: false, errorFromAttempt: 1 },
      logger: this.logger,
      failureMessage: 'checkpoint round failed; retrying',
    });
  }

  onApplicationBootstrap(): void {
    this.polling.start();
  }

  async onModuleDestroy(): Promise<void> {
    await this.polling.stop();
  }

  wake(): void {
    this.polling.wake();
  }

  /** Signs the checkpoints that are due; returns them, and whether more are waiting. */
  async signDue(): Promise<{ signed: LedgerCheckpoint[]; more: boolean }> {
    return this.dataSource.transaction(async (manager) => {
      if (!(await this.takeTurn(manager))) return { signed: [], more: false };

      const latest = await this.checkpoints.latest(manager);
      const from = latest ? { seq: latest.seq, hash: latest.hash } : GENESIS_LINK;
      const head = await this.entries.readHead(manager);
      if (head.seq <= from.seq) return { signed: [], more: false };

      const due = await this.dueSeqs(manager, from.seq, head.seq);
      if (due.length === 0) return { signed: [], more: false };
      const batch = due.slice(0, MAX_CHECKPOINTS_PER_ROUND);

      const hashes = await this.verifiedHashes(
        manager,
        from,
        batch[batch.length - 1]!,
        new Set(batch),
      );
      const signedAt = this.clock.now();
      const signed = batch.map((seq) =>
        signCheckpoint(
          { seq, hash: hashes.get(seq)!, signedAt: signedAt.toISOString() },
          this.settings.signingKey,
        ),
      );
      await this.checkpoints.insert(manager, signed, signedAt);
      return { signed, more: due.length > batch.length };
    });
  }

  private async dueSeqs(db: Queryable, afterSeq: number, headSeq: number): Promise<number[]> {
    const due = periodicCheckpointSeqs(afterSeq, headSeq, this.settings.every);
    const covered = due.length > 0 ? due[due.length - 1]! : afterSeq;
    if (covered === headSeq) return due;

    const [oldest] = await this.entries.readEntries(db, covered, headSeq, 1);
    const now = this.clock.now();
    if (oldest && headCheckpointDue(oldest.recordedAt, now, this.settings.intervalMs)) {
      due.push(headSeq);
    }
    return due;
  }

  // Limitation: the entries since the last checkpoint are read again to verify them, so signing
  // costs one more read of each entry; rounds are bounded to keep the transaction short.
  private async verifiedHashes(
    db: Queryable,
    from: { seq: number; hash: string },
    untilSeq: number,
    wanted: ReadonlySet<number>,
  ): Promise<Map<number, string>> {
    const hashes = new Map<number, string>();
    let last = from;
    while (last.seq < untilSeq) {
      const page = await this.entries.readEntries(db, last.seq, untilSeq, PAGE_SIZE);
      const result = verifyChain(page, last);
      if (!result.ok) throw new UnverifiedChainError(result.brokenSeq, result.reason);
      if (page.length === 0) throw new UnverifiedChainError(last.seq + 1, 'missing-entry');
      for (const entry of page) if (wanted.has(entry.seq)) hashes.set(entry.seq, entry.hash);
      last = result.last;
    }
    return hashes;
  }

  private async takeTurn(db: Queryable): Promise<boolean> {
    const rows = (await db.query('SELECT pg_try_advisory_xact_lock(hashtext($1)) AS got', [
      CHECKPOINTER_LOCK,
    ])) as { got: boolean }[];
    return rows[0]?.got === true;
  }

  private async checkpointRound(): Promise<RoundOutcome> {
    const { signed, more } = await this.signDue();
    if (signed.length > 0) {
      this.logger.log({
        msg: 'ledger checkpoints signed',
        count: signed.length,
        lastSeq: signed[signed.length - 1]!.seq,
        keyId: signed[0]!.keyId,
      });
      this.publisher.wake();
    }
    return more ? 'again' : 'wait';
  }
}
