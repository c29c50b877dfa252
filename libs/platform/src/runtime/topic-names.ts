import { topicName } from '@app/contracts';

/** The deployment's topic names, with its prefix applied. */
export class TopicNames {
  readonly accessEvents: string;
  readonly ticketingRequests: string;
  readonly deadLetters: string;
  readonly auditRecords: string;

  constructor(readonly prefix: string) {
    this.accessEvents = topicName('accessEvents', prefix);
    this.ticketingRequests = topicName('ticketingRequests', prefix);
    this.deadLetters = topicName('deadLetters', prefix);
    this.auditRecords = topicName('auditRecords', prefix);
  }

  consumerGroup(name: string): string {
    return `${this.prefix}${name}`;
  }
}
