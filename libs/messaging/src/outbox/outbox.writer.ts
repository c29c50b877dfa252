import { EntityManager } from 'typeorm';
import { DomainEvent } from '@app/contracts';

/**
 * Writes events to the outbox inside the caller's transaction, so they are published if and only
 * if the state change that caused them commits.
 */
export class OutboxWriter {
  constructor(
    private readonly schema: string,
    private readonly topic: string,
  ) {}

  async append(manager: EntityManager, events: readonly DomainEvent[]): Promise<void> {
    if (events.length === 0) return;
    const values: string[] = [];
    const params: string[] = [];
    for (const event of events) {
      const base = params.length;
      values.push(`($${base + 1}, $${base + 2}, $${base + 3}, $${base + 4})`);
      params.push(event.id, this.topic, event.partitionKey, JSON.stringify(event));
    }
    await manager.query(
      `INSERT INTO "${this.schema}".outbox (event_id, topic, partition_key, payload)
       VALUES ${values.join(', ')}`,
      params,
    );
  }
}
