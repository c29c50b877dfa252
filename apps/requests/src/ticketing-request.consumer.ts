import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { decodeJson, TicketingAccessRequest } from '@app/contracts';
import { ConsumedRecord, UnprocessableRecordError } from '@app/messaging';
import { ConsumerHost, TopicNames } from '@app/platform';
import { IdempotencyKeyReusedError, InvalidDurationError } from './access-request.errors';
import { AccessRequestService, SubmissionResult } from './access-request.service';
import { ticketingSubmission } from './access-request.submission';

export const TICKETING_CONSUMER = 'ticketing';

/**
 * Files the requests upstream ticketing systems publish. Records that are not JSON or do not fit
 * the schema are dead-lettered by the consumer before they get here.
 */
@Injectable()
export class TicketingRequestConsumer implements OnModuleInit {
  private readonly logger = new Logger(TicketingRequestConsumer.name);

  constructor(
    private readonly host: ConsumerHost,
    private readonly topics: TopicNames,
    private readonly requests: AccessRequestService,
  ) {}

  onModuleInit(): void {
    this.host.register<TicketingAccessRequest>({
      groupId: this.topics.consumerGroup('jit-requests-ticketing'),
      topics: [this.topics.ticketingRequests],
      decode: (_topic, value) => decodeJson(value, TicketingAccessRequest),
      handle: (records) => this.handle(records),
    });
  }

  private async handle(records: ConsumedRecord<TicketingAccessRequest>[]): Promise<void> {
    for (const record of records) {
      const message = record.value;
      const result = await this.submit(message);
      this.logger.log({
        msg: 'ticketing request handled',
        eventId: message.eventId,
        ticket: message.ticket,
        requestId: result.view.requestId,
        outcome: result.outcome,
        status: result.view.status,
        partition: record.partition,
        offset: record.offset,
      });
    }
  }

  private async submit(message: TicketingAccessRequest): Promise<SubmissionResult> {
    try {
      return await this.requests.submit(ticketingSubmission(message), {
        consumer: TICKETING_CONSUMER,
        eventId: message.eventId,
      });
    } catch (error) {
      // Both are faults of the record itself: no retry can fix them, so it is dead-lettered.
      if (error instanceof InvalidDurationError) {
        throw new UnprocessableRecordError(`duration: ${error.reason}`);
      }
      if (error instanceof IdempotencyKeyReusedError) {
        throw new UnprocessableRecordError(`eventId: ${error.message}`);
      }
      throw error;
    }
  }
}
