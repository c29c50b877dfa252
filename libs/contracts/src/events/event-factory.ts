import { randomUUID } from 'node:crypto';
import { CURRENT_SCHEMA_VERSION, EventEnvelope, ServiceName } from './envelope';
import { EventPayloads, EventType } from './payloads';

export interface EventOrigin {
  source: ServiceName;
  /** The time the event happened, from the service's clock. */
  time: Date;
  partitionKey: string;
  correlationId: string;
  causationId: string | null;
}

export function createEvent<K extends EventType>(
  type: K,
  data: EventPayloads[K],
  origin: EventOrigin,
  id: string = randomUUID(),
): EventEnvelope<K> {
  return {
    id,
    type,
    time: origin.time.toISOString(),
    source: origin.source,
    partitionKey: origin.partitionKey,
    correlationId: origin.correlationId,
    causationId: origin.causationId,
    schemaVersion: CURRENT_SCHEMA_VERSION,
    data,
  };
}

/** The origin for an event caused by another: same partition key and correlation, caused by it. */
export function causedBy(
  cause: Pick<EventEnvelope, 'id' | 'partitionKey' | 'correlationId'>,
  source: ServiceName,
  time: Date,
): EventOrigin {
  return {
    source,
    time,
    partitionKey: cause.partitionKey,
    correlationId: cause.correlationId,
    causationId: cause.id,
  };
}
