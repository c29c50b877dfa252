import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { decodeDomainEvent, DomainEvent } from '@app/contracts';
import { ConsumedRecord } from '@app/messaging';
import { ConsumerHost, TopicNames } from '@app/platform';
import { ScheduleService } from './schedule.service';

/** Feeds the access events into the schedule. */
@Injectable()
export class AccessEventConsumer implements OnModuleInit {
  private readonly logger = new Logger(AccessEventConsumer.name);

  constructor(
    private readonly consumers: ConsumerHost,
    private readonly topics: TopicNames,
    private readonly schedule: ScheduleService,
  ) {}

  onModuleInit(): void {
    this.consumers.register<DomainEvent>({
      groupId: this.topics.consumerGroup('jit-expiry'),
      topics: [this.topics.accessEvents],
      decode: (_topic, value) => decodeDomainEvent(value),
      handle: (records) => this.handle(records),
      // Each event is its own transaction; a bigger chunk only saves offset commits.
      maxBatchSize: 100,
    });
  }

  private async handle(records: ConsumedRecord<DomainEvent>[]): Promise<void> {
    for (const { value: event } of records) {
      const change = await this.schedule.apply(event);
      if (change === 'ignored') continue;
      this.logger.log({
        msg: 'access event applied to the schedule',
        change,
        eventId: event.id,
        type: event.type,
        requestId: event.partitionKey,
        correlationId: event.correlationId,
      });
    }
  }
}
