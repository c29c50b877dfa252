import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { DomainEvent, TopicPartitions } from '@app/contracts';
import { ConsumedRecord } from '@app/messaging';
import { ConsumerHost, TopicNames } from '@app/platform';
import { AnomalyDetector } from '../anomalies/anomaly.detector';
import { AuditRecordPublisher } from '../audit/audit-record.publisher';
import { LedgerAppendService } from './ledger-append.service';
import { decodeLedgerRecord } from './ledger-record.decoder';

export const LEDGER_CONSUMER_GROUP = 'jit-ledger';
const MAX_BATCH_SIZE = 500;
// kafkajs fetches from a broker, waits until every partition batch of that fetch is handled and
// only then fetches again. The appender puts the batches handed over at the same time into one
// transaction, so with as many at once as the access-events topic is created with partitions, a
// fetch costs a few transactions instead of one per partition queued behind each other. A waiting
// batch holds no database connection, only its records.
const PARTITIONS_AT_ONCE = TopicPartitions.accessEvents;

/** Records every event of the access lifecycle, and every dead-lettered record, in the ledger. */
@Injectable()
export class LedgerEventConsumer implements OnModuleInit {
  private readonly logger = new Logger(LedgerEventConsumer.name);

  constructor(
    private readonly consumers: ConsumerHost,
    private readonly topics: TopicNames,
    private readonly appender: LedgerAppendService,
    private readonly publisher: AuditRecordPublisher,
    private readonly detector: AnomalyDetector,
  ) {}

  onModuleInit(): void {
    this.consumers.register<DomainEvent>({
      groupId: this.topics.consumerGroup(LEDGER_CONSUMER_GROUP),
      topics: [this.topics.accessEvents, this.topics.deadLetters],
      maxBatchSize: MAX_BATCH_SIZE,
      partitionsConsumedConcurrently: PARTITIONS_AT_ONCE,
      decode: (topic, value) => decodeLedgerRecord(value, topic === this.topics.deadLetters),
      handle: (records) => this.handle(records),
    });
  }

  async handle(records: ConsumedRecord<DomainEvent>[]): Promise<void> {
    const result = await this.appender.append(records.map((record) => record.value));
    if (result.appended > 0) {
      this.publisher.wake();
      this.detector.wake();
    }

    const first = records[0];
    this.logger.log({
      msg: 'events recorded in the ledger',
      topic: first?.topic,
      partition: first?.partition,
      fromOffset: first?.offset,
      toOffset: records[records.length - 1]?.offset,
      received: result.received,
      appended: result.appended,
      duplicates: result.duplicates,
      headSeq: result.head.seq,
    });
  }
}
