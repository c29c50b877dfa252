import { DataSource, EntityManager } from 'typeorm';
import { DomainEvent } from '@app/contracts';
import { claimEvent, OutboxRelay, OutboxWriter } from '@app/messaging';

export type Emit = (events: readonly DomainEvent[]) => Promise<void>;

/**
 * The one way services change state: the change and the events it causes commit in one
 * transaction, and the relay is woken to publish them right after.
 */
export class TransactionalOutbox {
  constructor(
    private readonly dataSource: DataSource,
    private readonly writer: OutboxWriter,
    private readonly relay: OutboxRelay,
    private readonly schema: string,
  ) {}

  async transaction<R>(work: (manager: EntityManager, emit: Emit) => Promise<R>): Promise<R> {
    const result = await this.dataSource.transaction((manager) =>
      work(manager, (events) => this.writer.append(manager, events)),
    );
    this.relay.wake();
    return result;
  }

  /**
   * Like `transaction`, but runs `work` at most once per consumer and event id; a redelivered
   * event finds its id recorded and changes nothing. Returns whether `work` ran.
   */
  async handleOnce(
    consumer: string,
    eventId: string,
    work: (manager: EntityManager, emit: Emit) => Promise<void>,
  ): Promise<boolean> {
    return this.transaction(async (manager, emit) => {
      if (!(await claimEvent(manager, this.schema, consumer, eventId))) return false;
      await work(manager, emit);
      return true;
    });
  }
}
