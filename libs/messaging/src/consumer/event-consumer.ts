import { Logger } from '@nestjs/common';
import { Consumer, EachBatchPayload, Kafka, KafkaMessage } from 'kafkajs';
import { DecodeResult } from '@app/contracts';
import { isTransientDatabaseError } from '@app/persistence';
import { DeadLetterPublisher } from '../dead-letter/dead-letter.publisher';
import { ConsumedRecord, UnprocessableRecordError } from './consumed-record';

export interface ConsumerDefinition<T> {
  /** The consumer group; instances of one service share it and split the partitions. */
  groupId: string;
  topics: string[];
  decode(topic: string, value: Buffer | null): DecodeResult<T>;
  /**
   * Handles valid records of one partition, in order. It must make its effect durable before it
   * resolves; only then is the offset committed.
   */
  handle(records: ConsumedRecord<T>[]): Promise<void>;
  /**
   * Records handed to `handle` at once, and so records per offset commit: 100 unless told, which
   * suits handlers that make each record durable on its own (one transaction per event,
   * idempotent by event id). After a crash the records of the chunk come again and change nothing.
   */
  maxBatchSize?: number;
  partitionsConsumedConcurrently?: number;
}

const ATTEMPTS_BEFORE_GIVING_UP = 3;
// An offset commit is a round trip to the group coordinator. At one per record it was the larger
// part of the time a per-event consumer spent on the records it ignores.
const DEFAULT_MAX_BATCH_SIZE = 100;

/**
 * How long the broker may hold a fetch when there is nothing to read. kafkajs's disconnect waits
 * for the fetch in flight, so its default of 5 s was most of every service's shutdown; an idle
 * consumer now asks once a second per broker instead. Records that arrive are answered at once
 * either way (minBytes is 1).
 */
const FETCH_MAX_WAIT_MS = 1000;

/**
 * Runs a consumer group with these guarantees: an offset is committed only after `handle` has
 * resolved for it; a failure that may pass (database down) is retried without limit while the
 * partition stays assigned; a record that cannot be decoded, or that keeps failing for another
 * reason, goes to the dead-letter topic and the records behind it go on.
 */
export class EventConsumer<T> {
  private readonly logger = new Logger(EventConsumer.name);
  private readonly consumer: Consumer;
  private running = false;

  constructor(
    kafka: Kafka,
    private readonly definition: ConsumerDefinition<T>,
    private readonly deadLetters: DeadLetterPublisher,
  ) {
    this.consumer = kafka.consumer({
      groupId: definition.groupId,
      sessionTimeout: 30000,
      heartbeatInterval: 3000,
      maxWaitTimeInMs: FETCH_MAX_WAIT_MS,
      allowAutoTopicCreation: false,
      retry: { retries: 10, initialRetryTime: 300, maxRetryTime: 10000 },
    });
  }

  async start(): Promise<void> {
    this.running = true;
    await this.consumer.connect();
    await this.consumer.subscribe({ topics: this.definition.topics, fromBeginning: true });
    await this.consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: this.definition.partitionsConsumedConcurrently ?? 3,
      eachBatch: (payload) => this.consumeBatch(payload),
    });
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.consumer.disconnect();
  }

  private async consumeBatch(payload: EachBatchPayload): Promise<void> {
    const { batch } = payload;
    const chunkSize = this.definition.maxBatchSize ?? DEFAULT_MAX_BATCH_SIZE;
    let pending: { record: ConsumedRecord<T>; message: KafkaMessage }[] = [];

    const flush = async (): Promise<boolean> => {
      if (pending.length === 0) return true;
      const chunk = pending;
      pending = [];
      return this.handleWithRetry(chunk, payload);
    };

    for (const message of batch.messages) {
      if (!this.stillOwns(payload)) return;
      const decoded = this.definition.decode(batch.topic, message.value);
      if (!decoded.ok) {
        // Earlier valid records must be durable before this offset can be committed past them.
        if (!(await flush())) return;
        await this.deadLetter(batch.topic, batch.partition, message, decoded.reason, decoded.error);
        await this.commit(payload, message.offset);
        continue;
      }
      pending.push({
        record: this.toRecord(batch.topic, batch.partition, message, decoded.value),
        message,
      });
      if (pending.length >= chunkSize && !(await flush())) return;
    }
    await flush();
  }

  private async handleWithRetry(
    chunk: { record: ConsumedRecord<T>; message: KafkaMessage }[],
    payload: EachBatchPayload,
  ): Promise<boolean> {
    const last = chunk[chunk.length - 1]!.message.offset;
    let attempt = 0;
    let permanentFailures = 0;
    for (;;) {
      try {
        await this.definition.handle(chunk.map((item) => item.record));
        await this.commit(payload, last);
        return true;
      } catch (error) {
        attempt += 1;
        // Partition revoked or shutting down: leave the offset for the next owner.
        if (!this.stillOwns(payload)) return false;

        const transient = isTransientDatabaseError(error) || isRetriableKafkaError(error);
        if (!transient) permanentFailures += 1;
        if (
          !transient &&
          (error instanceof UnprocessableRecordError ||
            permanentFailures >= ATTEMPTS_BEFORE_GIVING_UP)
        ) {
          return this.isolateFailure(chunk, payload, error as Error);
        }

        const delay = Math.min(5000, 100 * 2 ** Math.min(attempt, 6));
        this.logger.warn({
          msg: 'handler failed; retrying',
          groupId: this.definition.groupId,
          topic: payload.batch.topic,
          partition: payload.batch.partition,
          offset: chunk[0]!.message.offset,
          attempt,
          transient,
          delayMs: delay,
          error: (error as Error).message,
        });
        await sleepWithHeartbeat(delay, payload);
      }
    }
  }

  /** Replays a failing chunk one record at a time, so only the record at fault is dead-lettered. */
  private async isolateFailure(
    chunk: { record: ConsumedRecord<T>; message: KafkaMessage }[],
    payload: EachBatchPayload,
    error: Error,
  ): Promise<boolean> {
    if (chunk.length > 1) {
      for (const item of chunk) {
        if (!(await this.handleWithRetry([item], payload))) return false;
      }
      return true;
    }
    const item = chunk[0]!;
    this.logger.error({
      msg: 'record keeps failing; dead-lettering it',
      groupId: this.definition.groupId,
      topic: item.record.topic,
      partition: item.record.partition,
      offset: item.record.offset,
      error: error.message,
      stack: error.stack,
    });
    await this.deadLetter(
      item.record.topic,
      item.record.partition,
      item.message,
      'unprocessable',
      error.message,
    );
    await this.commit(payload, item.message.offset);
    return true;
  }

  private async deadLetter(
    topic: string,
    partition: number,
    message: KafkaMessage,
    reason: 'invalid-json' | 'schema-violation' | 'unprocessable',
    error: string,
  ): Promise<void> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        await this.deadLetters.publish({
          consumerGroup: this.definition.groupId,
          sourceTopic: topic,
          partition,
          offset: message.offset,
          key: message.key,
          value: message.value,
          reason,
          error,
        });
        return;
      } catch (publishError) {
        // Never skip a record without a trace: wait until the dead-letter topic takes it.
        this.logger.warn({
          msg: 'dead-letter publish failed; retrying',
          attempt,
          error: (publishError as Error).message,
        });
        await new Promise((resolve) => setTimeout(resolve, Math.min(5000, 200 * attempt)));
      }
    }
  }

  private async commit(payload: EachBatchPayload, offset: string): Promise<void> {
    payload.resolveOffset(offset);
    await this.consumer.commitOffsets([
      {
        topic: payload.batch.topic,
        partition: payload.batch.partition,
        offset: (BigInt(offset) + 1n).toString(),
      },
    ]);
    await payload.heartbeat();
  }

  private stillOwns(payload: EachBatchPayload): boolean {
    return this.running && payload.isRunning() && !payload.isStale();
  }

  private toRecord(
    topic: string,
    partition: number,
    message: KafkaMessage,
    value: T,
  ): ConsumedRecord<T> {
    return {
      value,
      topic,
      partition,
      offset: message.offset,
      key: message.key?.toString('utf8') ?? null,
    };
  }
}

function isRetriableKafkaError(error: unknown): boolean {
  return Boolean((error as { retriable?: boolean }).retriable);
}

async function sleepWithHeartbeat(ms: number, payload: EachBatchPayload): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    await new Promise((resolve) => setTimeout(resolve, Math.min(1000, until - Date.now())));
    await payload.heartbeat().catch(() => undefined);
  }
}
