import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { decodeDomainEvent, DomainEvent } from '@app/contracts';
import { ConsumedRecord } from '@app/messaging';
import { ConsumerHost, TopicNames } from '@app/platform';
import { NoticeService } from '../notices/notice.service';
import { DeliveryService } from './delivery.service';

/**
 * Reads the access events and hands each one that people are told about to the JIT webhook
 * deliveries or, for opt-out and anomaly events, to the security leads' notices.
 */
@Injectable()
export class NotifiableEventConsumer implements OnModuleInit {
  private readonly logger = new Logger(NotifiableEventConsumer.name);

  constructor(
    private readonly consumers: ConsumerHost,
    private readonly topics: TopicNames,
    private readonly deliveries: DeliveryService,
    private readonly notices: NoticeService,
  ) {}

  onModuleInit(): void {
    this.consumers.register<DomainEvent>({
      groupId: this.topics.consumerGroup('jit-notifications'),
      topics: [this.topics.accessEvents],
      decode: (_topic, value) => decodeDomainEvent(value),
      handle: (records) => this.handle(records),
    });
  }

  private async handle(records: ConsumedRecord<DomainEvent>[]): Promise<void> {
    for (const record of records) {
      const event = record.value;
      const fields = {
        eventId: event.id,
        eventType: event.type,
        partitionKey: event.partitionKey,
        correlationId: event.correlationId,
        partition: record.partition,
        offset: record.offset,
      };
      const result = await this.deliveries.scheduleFor(event);
      if (result.outcome !== 'not-notifiable') {
        this.logger.log({ msg: 'notifiable event handled', ...fields, ...result });
        continue;
      }

      const notice = await this.notices.handle(event);
      if (notice.outcome !== 'not-a-notice') {
        this.logger.log({ msg: 'opt-out notice event handled', ...fields, ...notice });
      }
    }
  }
}
