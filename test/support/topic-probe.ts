import { randomUUID } from 'node:crypto';
import { Consumer, Kafka, logLevel, Partitioners, Producer } from 'kafkajs';
import { deleteConsumerGroups } from '@app/messaging';
import { waitFor } from './wait-for';
import { testBrokers } from './test-namespace';

export interface SeenRecord {
  topic: string;
  partition: number;
  offset: string;
  key: string | null;
  value: string | null;
  json: unknown;
}

/**
 * Reads topics from the beginning with a group of its own and keeps every record, so a test can
 * assert on exactly what was published. Also publishes raw records, as an upstream system would.
 */
export class TopicProbe {
  readonly records: SeenRecord[] = [];
  private readonly kafka = new Kafka({
    clientId: 'test-probe',
    brokers: testBrokers,
    logLevel: logLevel.NOTHING,
  });
  private readonly groupId = `test-probe-${randomUUID()}`;
  private consumer: Consumer | null = null;
  private producer: Producer | null = null;

  async watch(topics: string[]): Promise<void> {
    this.consumer = this.kafka.consumer({ groupId: this.groupId });
    await this.consumer.connect();
    // Topics created a moment ago may not be in every metadata answer yet.
    await waitFor('the probe to subscribe', async () => {
      await this.consumer!.subscribe({ topics, fromBeginning: true });
      return true;
    });
    await this.consumer.run({
      // Read committed is kafkajs's default, so only what producers really committed shows up.
      eachMessage: async ({ topic, partition, message }) => {
        const value = message.value?.toString('utf8') ?? null;
        let json: unknown = undefined;
        try {
          json = value === null ? undefined : JSON.parse(value);
        } catch {
          json = undefined;
        }
        this.records.push({
          topic,
          partition,
          offset: message.offset,
          key: message.key?.toString('utf8') ?? null,
          value,
          json,
        });
      },
    });
  }

  async publish(topic: string, records: { key: string | null; value: string | Buffer }[]) {
    if (!this.producer) {
      this.producer = this.kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
      await this.producer.connect();
    }
    await this.producer.send({ topic, messages: records });
  }

  on(topic: string): SeenRecord[] {
    return this.records.filter((record) => record.topic === topic);
  }

  /** Records on `topic` whose JSON matches `predicate`. */
  where<T = Record<string, unknown>>(topic: string, predicate: (json: T) => boolean): T[] {
    return this.on(topic)
      .map((record) => record.json as T)
      .filter((json) => json !== undefined && predicate(json));
  }

  async waitForCount<T = Record<string, unknown>>(
    topic: string,
    predicate: (json: T) => boolean,
    count: number,
    timeoutMs = 30000,
  ): Promise<T[]> {
    return waitFor(
      `${count} matching records on ${topic}`,
      () => {
        const matching = this.where(topic, predicate);
        return matching.length >= count ? matching : undefined;
      },
      timeoutMs,
    );
  }

  async close(): Promise<void> {
    await this.producer?.disconnect();
    if (!this.consumer) return;
    await this.consumer.disconnect();
    // Its group, so that test runs do not leave one on the broker per probe.
    await deleteConsumerGroups(this.kafka, [this.groupId]);
  }
}
