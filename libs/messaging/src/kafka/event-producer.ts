import { Logger } from '@nestjs/common';
import { CompressionTypes, Kafka, Partitioners, Producer, TopicMessages } from 'kafkajs';

export interface OutgoingRecord {
  topic: string;
  key: string;
  value: string;
  headers?: Record<string, string>;
}

/**
 * An idempotent producer that waits for every in-sync replica, so a send that resolved is on the
 * broker for good and a retried send does not duplicate within the producer session.
 */
export class EventProducer {
  private readonly logger = new Logger(EventProducer.name);
  private readonly producer: Producer;
  private connected: Promise<void> | null = null;

  constructor(kafka: Kafka) {
    this.producer = kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      createPartitioner: Partitioners.DefaultPartitioner,
    });
  }

  async connect(): Promise<void> {
    this.connected ??= this.producer.connect().catch((error: unknown) => {
      this.connected = null;
      throw error;
    });
    await this.connected;
  }

  async send(records: OutgoingRecord[]): Promise<void> {
    if (records.length === 0) return;
    await this.connect();
    const byTopic = new Map<string, TopicMessages>();
    for (const record of records) {
      const entry = byTopic.get(record.topic) ?? { topic: record.topic, messages: [] };
      entry.messages.push({ key: record.key, value: record.value, headers: record.headers });
      byTopic.set(record.topic, entry);
    }
    await this.producer.sendBatch({
      topicMessages: [...byTopic.values()],
      acks: -1,
      compression: CompressionTypes.None,
    });
  }

  async disconnect(): Promise<void> {
    if (!this.connected) return;
    this.connected = null;
    await this.producer.disconnect().catch((error: unknown) => {
      this.logger.warn({ msg: 'producer did not disconnect cleanly', error: String(error) });
    });
  }
}
