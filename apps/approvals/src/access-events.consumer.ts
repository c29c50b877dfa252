import { Injectable, OnModuleInit } from '@nestjs/common';
import { decodeDomainEvent, DomainEvent } from '@app/contracts';
import { ConsumedRecord } from '@app/messaging';
import { ConsumerHost, TopicNames } from '@app/platform';
import { AccessRequestIntakeService } from './access-request-intake.service';
import { ApprovalService } from './approval.service';
import { OptOutLifecycleService } from './opt-out-lifecycle.service';

/** New requests to decide, and request and opt-out deadlines to enforce, from the access events topic. */
@Injectable()
export class AccessEventsConsumer implements OnModuleInit {
  constructor(
    private readonly consumers: ConsumerHost,
    private readonly topics: TopicNames,
    private readonly intake: AccessRequestIntakeService,
    private readonly approvals: ApprovalService,
    private readonly optOuts: OptOutLifecycleService,
  ) {}

  onModuleInit(): void {
    this.consumers.register<DomainEvent>({
      groupId: this.topics.consumerGroup('jit-approvals'),
      topics: [this.topics.accessEvents],
      decode: (_topic, value) => decodeDomainEvent(value),
      handle: (records) => this.handle(records),
    });
  }

  private async handle(records: ConsumedRecord<DomainEvent>[]): Promise<void> {
    for (const record of records) {
      await this.dispatch(record.value);
    }
  }

  private async dispatch(event: DomainEvent): Promise<void> {
    switch (event.type) {
      case 'AccessRequested':
        return this.intake.decide(event);
      case 'RequestDeadlinePassed':
        return this.approvals.expire(event);
      case 'OptOutDeadlinePassed':
        return this.optOuts.passDeadline(event);
      case 'OptOutExpired':
        return this.optOuts.recordExpiry(event);
      default:
        // Every other event on the topic belongs to another service, or is one of ours.
        return;
    }
  }
}
