import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { DomainEvent } from '@app/contracts';
import { CLOCK, Clock } from '@app/domain';
import { ChainLink } from '../chain/hash-chain';
import { ProjectionApplier } from '../projections/projection.applier';
import { chainEvents, prepareEvent, selectNewEvents } from './ledger-batch';
import { LedgerEntriesRepository } from './ledger-entries.repository';

export interface AppendResult {
  received: number;
  appended: number;
  /** Events the ledger already held, or that came twice in the batch. */
  duplicates: number;
  /** The head after the append; unchanged when nothing was new. */
  head: ChainLink;
}

/**
 * Appends events to the hash chain. A whole batch takes one transaction and one lock, the head row:
 * batches from any number of partitions and instances queue on it, so seqs stay gap-free and each
 * entry links to the one before. Projections change in the same transaction.
 */
@Injectable()
export class LedgerAppendService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly entries: LedgerEntriesRepository,
    private readonly projections: ProjectionApplier,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async append(events: readonly DomainEvent[]): Promise<AppendResult> {
    if (events.length === 0) {
      return { received: 0, appended: 0, duplicates: 0, head: await this.head() };
    }

    // Canonical JSON is the costly part of an entry and needs no seq, so it is done before locking.
    const prepared = events.map(prepareEvent);
    return this.dataSource.transaction(async (manager) => {
      const head = await this.entries.lockHead(manager);
      // Read under the lock: an instance that appended the same events has committed by now.
      const recorded = await this.entries.findRecorded(
        manager,
        events.map((event) => event.id),
      );
      const fresh = selectNewEvents(prepared, recorded);
      const duplicates = events.length - fresh.length;
      if (fresh.length === 0) return { received: events.length, appended: 0, duplicates, head };

      const chained = chainEvents(head, fresh, this.clock.now());
      await this.entries.insert(manager, chained.entries);
      await this.projections.apply(manager, chained.entries);
      await this.entries.moveHead(manager, chained.head);
      return { received: events.length, appended: fresh.length, duplicates, head: chained.head };
    });
  }

  private head(): Promise<ChainLink> {
    return this.entries.readHead(this.dataSource);
  }
}
