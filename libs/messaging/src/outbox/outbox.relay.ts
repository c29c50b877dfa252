import { Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { EventProducer } from '../kafka/event-producer';
import { PollingLoop } from '../worker/polling-loop';

interface OutboxRow {
  seq: string;
  topic: string;
  partition_key: string;
  payload: string;
}

export interface OutboxRelayOptions {
  schema: string;
  batchSize?: number;
  idleDelayMs?: number;
}

/**
 * Publishes outbox rows in commit order and deletes them once the broker has them.
 *
 * One relay per service works at a time: each round takes a transaction-scoped advisory lock, so
 * with several instances the others wait their turn and per-key order is kept. A crash between the
 * send and the delete publishes those rows again; every consumer is idempotent by event id.
 */
export class OutboxRelay {
  private readonly logger = new Logger(OutboxRelay.name);
  private readonly polling: PollingLoop;
  private readonly batchSize: number;

  constructor(
    private readonly dataSource: DataSource,
    private readonly producer: EventProducer,
    private readonly options: OutboxRelayOptions,
  ) {
    this.batchSize = options.batchSize ?? 500;
    this.polling = new PollingLoop({
      round: async () => ((await this.publishPending()) < this.batchSize ? 'wait' : 'again'),
      idleMs: options.idleDelayMs ?? 100,
      backoff: { baseMs: 100, maxMs: 5000 },
      logger: this.logger,
      failureMessage: 'outbox round failed; retrying',
      logFields: { schema: options.schema },
    });
  }

  start(): void {
    this.polling.start();
  }

  /** Asks for a round now instead of after the idle delay, e.g. right after a commit. */
  wake(): void {
    this.polling.wake();
  }

  async stop(): Promise<void> {
    await this.polling.stop();
  }

  /** Publishes what is waiting; returns how many events were sent. */
  async publishPending(): Promise<number> {
    return this.dataSource.transaction(async (manager) => {
      const [lock] = (await manager.query('SELECT pg_try_advisory_xact_lock(hashtext($1)) AS got', [
        `outbox:${this.options.schema}`,
      ])) as { got: boolean }[];
      if (!lock?.got) return 0;

      const rows = (await manager.query(
        `SELECT seq, topic, partition_key, payload FROM "${this.options.schema}".outbox
         ORDER BY seq LIMIT $1`,
        [this.batchSize],
      )) as OutboxRow[];
      if (rows.length === 0) return 0;

      await this.producer.send(
        rows.map((row) => ({ topic: row.topic, key: row.partition_key, value: row.payload })),
      );
      await manager.query(`DELETE FROM "${this.options.schema}".outbox WHERE seq = ANY($1)`, [
        rows.map((row) => row.seq),
      ]);
      return rows.length;
    });
  }
}
