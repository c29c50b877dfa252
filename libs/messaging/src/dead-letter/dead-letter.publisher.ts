import { Logger } from '@nestjs/common';
import { createEvent, EventPayloads, ServiceName } from '@app/contracts';
import { EventProducer } from '../kafka/event-producer';

export interface DeadLetterInput {
  consumerGroup: string;
  sourceTopic: string;
  partition: number;
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
  reason: EventPayloads['RecordDeadLettered']['reason'];
  error: string;
}

function encodeValue(value: Buffer | null): {
  value: string | null;
  valueEncoding: 'utf8' | 'base64';
} {
  if (value === null) return { value: null, valueEncoding: 'utf8' };
  const text = value.toString('utf8');
  // A lossless round trip means the bytes were valid UTF-8.
  if (Buffer.from(text, 'utf8').equals(value)) return { value: text, valueEncoding: 'utf8' };
  return { value: value.toString('base64'), valueEncoding: 'base64' };
}

/** Publishes a record that can never be processed to the dead-letter topic, with why and whence. */
export class DeadLetterPublisher {
  private readonly logger = new Logger(DeadLetterPublisher.name);

  constructor(
    private readonly producer: EventProducer,
    private readonly topic: string,
    private readonly source: ServiceName,
    private readonly now: () => Date,
  ) {}

  async publish(input: DeadLetterInput): Promise<void> {
    const time = this.now();
    const key = input.key?.toString('utf8') ?? null;
    const partitionKey = `${input.sourceTopic}:${input.partition}`;
    const event = createEvent(
      'RecordDeadLettered',
      {
        consumerGroup: input.consumerGroup,
        sourceTopic: input.sourceTopic,
        partition: input.partition,
        offset: input.offset,
        key,
        ...encodeValue(input.value),
        reason: input.reason,
        error: input.error.slice(0, 2000),
        deadLetteredAt: time.toISOString(),
      },
      { source: this.source, time, partitionKey, correlationId: partitionKey, causationId: null },
    );
    await this.producer.send([
      { topic: this.topic, key: partitionKey, value: JSON.stringify(event) },
    ]);
    this.logger.warn({
      msg: 'record dead-lettered',
      consumerGroup: input.consumerGroup,
      sourceTopic: input.sourceTopic,
      partition: input.partition,
      offset: input.offset,
      reason: input.reason,
      error: input.error,
    });
  }
}
