import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { decodeDomainEvent, DomainEvent } from '@app/contracts';
import { ConsumedRecord } from '@app/messaging';
import { ConsumerHost, TopicNames } from '@app/platform';
import { isProjectedEvent, ProjectedEvent } from './request-view';
import { RequestViewProjector } from './request-view.projector';

/** Reads the access topic and projects every lifecycle event onto the request it belongs to. */
@Injectable()
export class RequestStatusConsumer implements OnModuleInit {
  private readonly logger = new Logger(RequestStatusConsumer.name);

  constructor(
    private readonly host: ConsumerHost,
    private readonly topics: TopicNames,
    private readonly projector: RequestViewProjector,
  ) {}

  onModuleInit(): void {
    this.host.register<DomainEvent>({
      groupId: this.topics.consumerGroup('jit-requests'),
      topics: [this.topics.accessEvents],
      decode: (_topic, value) => decodeDomainEvent(value),
      handle: (records) => this.handle(records),
    });
  }

  private async handle(records: ConsumedRecord<DomainEvent>[]): Promise<void> {
    for (const { value: event } of records) {
      if (!isRelevant(event)) {
        continue;
      }

      const outcome = await this.projector.project(event);
      const fields = {
        requestId: event.data.requestId,
        eventId: event.id,
        eventType: event.type,
        correlationId: event.correlationId,
        outcome,
      };
      if (outcome === 'updated') {
        this.logger.log({ msg: 'request view updated', ...fields });
      } else {
        this.logger.debug({ msg: 'request view left as it was', ...fields });
      }
    }
  }
}

// This service's own submissions were stored together with their events.
function isRelevant(event: DomainEvent): event is ProjectedEvent {
  if (!isProjectedEvent(event)) {
    return false;
  }
  return !(event.source === 'requests' && isSubmissionEvent(event));
}

function isSubmissionEvent(event: ProjectedEvent): boolean {
  return event.type === 'AccessRequested' || event.type === 'AccessRequestRefused';
}
