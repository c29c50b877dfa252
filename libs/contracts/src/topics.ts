/**
 * Topic names carry a schema version: a breaking change to a payload gets a new topic, so
 * consumers of the old one keep working while they migrate.
 */
export const Topics = {
  /** Every domain event of the access lifecycle, keyed by request id. */
  accessEvents: 'jit.access.events.v1',
  /** Access requests published by upstream ticketing systems (see TicketingAccessRequest). */
  ticketingRequests: 'jit.ticketing.requests.v1',
  /** Records that can never be processed, with the reason and where they came from. */
  deadLetters: 'jit.deadletter.v1',
  /** One record per ledger entry, in ledger order, for SIEMs. A single partition keeps the order. */
  auditRecords: 'jit.audit.records.v1',
} as const;

export type TopicKey = keyof typeof Topics;

/** Partition counts used when the project creates its topics. */
export const TopicPartitions: Record<TopicKey, number> = {
  accessEvents: 12,
  ticketingRequests: 6,
  deadLetters: 3,
  auditRecords: 1,
};

/**
 * A deployment (or a test run) may prefix every topic so that several environments share one
 * cluster without reading each other's events.
 */
export function topicName(key: TopicKey, prefix = ''): string {
  return `${prefix}${Topics[key]}`;
}
