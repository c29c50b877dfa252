import { Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { EventProducer } from '../kafka/event-producer';
import { WakeableDelay } from '../worker/wakeable-delay';

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
  private running = false;
  private loop: Promise<void> | null = null;
  private readonly delay = new WakeableDelay();
  private readonly batchSize: number;
  private readonly idleDelayMs: number;

  constructor(
    private readonly dataSource: DataSource,
    private readonly producer: EventProducer,
    private readonly options: OutboxRelayOptions,
  ) {
    this.batchSize = options.batchSize ?? 500;
    this.idleDelayMs = options.idleDelayMs ?? 100;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  /** Asks for a round now instead of after the idle delay, e.g. right after a commit. */
  wake(): void {
    this.delay.wake();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.wake();
    await this.loop;
    this.loop = null;
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

  private async run(): Promise<void> {
    let failures = 0;
    while (this.running) {
      try {
        const sent = await this.publishPending();
        failures = 0;
        if (sent < this.batchSize) await this.delay.wait(this.idleDelayMs);
      } catch (error) {
        failures += 1;
        const delayMs = Math.min(5000, 100 * 2 ** Math.min(failures, 6));
        this.logger.warn({
          msg: 'outbox round failed; retrying',
          schema: this.options.schema,
          delayMs,
          error: (error as Error).message,
        });
        await this.delay.wait(delayMs);
      }
    }
  }
}
