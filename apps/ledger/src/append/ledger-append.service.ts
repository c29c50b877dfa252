import { Inject, Injectable, Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { DomainEvent } from '@app/contracts';
import { CLOCK, Clock } from '@app/domain';
import { isTransientDatabaseError } from '@app/persistence';
import { ChainLink } from '../chain/hash-chain';
import { ProjectionApplier } from '../projections/projection.applier';
import { chainEvents, PreparedEvent, prepareEvent, selectNewEventsOfGroup } from './ledger-batch';
import { LedgerEntriesRepository } from './ledger-entries.repository';

export interface AppendResult {
  received: number;
  appended: number;
  /** Events the ledger already held, or that came twice in the batch. */
  duplicates: number;
  /** The head after the append; unchanged when nothing was new. */
  head: ChainLink;
}

interface QueuedBatch {
  prepared: PreparedEvent[];
  resolve(result: AppendResult): void;
  reject(error: unknown): void;
}

/** Bounds one transaction when many batches wait; a batch larger than this still goes alone. */
export const MAX_EVENTS_PER_TRANSACTION = 5000;

/**
 * Appends events to the hash chain. A transaction takes one lock, the head row: transactions from
 * any number of instances queue on it, so seqs stay gap-free and each entry links to the one
 * before. Projections change in the same transaction.
 *
 * Within an instance, batches that arrive while a transaction is open wait and then go together
 * in the next one (group commit): the consumer hands over one batch per partition at a time, and
 * at a steady rate most are a few events, so one transaction each would queue them on the head
 * lock for its fixed cost of statements and a commit.
 */
@Injectable()
export class LedgerAppendService {
  private readonly logger = new Logger(LedgerAppendService.name);
  private readonly queue: QueuedBatch[] = [];
  private writing = false;

  constructor(
    private readonly dataSource: DataSource,
    private readonly entries: LedgerEntriesRepository,
    private readonly projections: ProjectionApplier,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  /** Resolves once the batch's new events and their projections have committed. */
  async append(events: readonly DomainEvent[]): Promise<AppendResult> {
    if (events.length === 0) {
      return { received: 0, appended: 0, duplicates: 0, head: await this.head() };
    }

    // Canonical JSON is the costly part of an entry and needs no seq, so it is done before locking.
    const prepared = events.map(prepareEvent);
    return new Promise<AppendResult>((resolve, reject) => {
      this.queue.push({ prepared, resolve, reject });
      this.writeNext();
    });
  }

  private writeNext(): void {
    if (this.writing || this.queue.length === 0) return;
    this.writing = true;
    const group = this.takeGroup();
    void this.writeGroup(group).finally(() => {
      this.writing = false;
      this.writeNext();
    });
  }

  /** The batches at the front of the queue, in order, up to the bound (at least one). */
  private takeGroup(): QueuedBatch[] {
    let events = this.queue[0]!.prepared.length;
    let count = 1;
    while (count < this.queue.length) {
      events += this.queue[count]!.prepared.length;
      if (events > MAX_EVENTS_PER_TRANSACTION) break;
      count += 1;
    }
    return this.queue.splice(0, count);
  }

  private async writeGroup(group: readonly QueuedBatch[]): Promise<void> {
    try {
      const results = await this.appendInOneTransaction(group.map((batch) => batch.prepared));
      group.forEach((batch, index) => batch.resolve(results[index]!));
      return;
    } catch (error) {
      if (group.length === 1 || isTransientDatabaseError(error)) {
        for (const batch of group) batch.reject(error);
        return;
      }
      this.logger.warn({
        msg: 'a group of batches failed to append; appending each alone',
        batches: group.length,
        error: (error as Error).message,
      });
    }
    // A batch may hold the event at fault, and only its caller may see the error: its consumer
    // isolates and dead-letters that record, which would be wrong for the others' records.
    for (const batch of group) {
      try {
        const [result] = await this.appendInOneTransaction([batch.prepared]);
        batch.resolve(result!);
      } catch (error) {
        batch.reject(error);
      }
    }
  }

  private appendInOneTransaction(
    batches: readonly (readonly PreparedEvent[])[],
  ): Promise<AppendResult[]> {
    return this.dataSource.transaction(async (manager) => {
      const head = await this.entries.lockHead(manager);
      // Read under the lock: an instance that appended the same events has committed by now.
      const recorded = await this.entries.findRecorded(
        manager,
        batches.flatMap((batch) => batch.map((prepared) => prepared.event.id)),
      );
      const { fresh, appended } = selectNewEventsOfGroup(batches, recorded);
      let newHead = head;
      if (fresh.length > 0) {
        const chained = chainEvents(head, fresh, this.clock.now());
        await this.entries.insert(manager, chained.entries);
        await this.projections.apply(manager, chained.entries);
        await this.entries.moveHead(manager, chained.head);
        newHead = chained.head;
      }
      return batches.map((batch, index) => ({
        received: batch.length,
        appended: appended[index]!,
        duplicates: batch.length - appended[index]!,
        head: newHead,
      }));
    });
  }

  private head(): Promise<ChainLink> {
    return this.entries.readHead(this.dataSource);
  }
}
