import { z } from 'zod';
import { Identifier, Instant } from '../primitives';
import { OptOutEventType, OptOutEventTypes } from './opt-out-payloads';
import { EventPayloadSchemas, EventPayloads, EventType, EventTypes } from './payloads';

export const ServiceName = z.enum(['requests', 'approvals', 'expiry', 'notifications', 'ledger']);
export type ServiceName = z.infer<typeof ServiceName>;

export const CURRENT_SCHEMA_VERSION = 1;

const envelopeFields = {
  id: z.uuid(),
  time: Instant,
  source: ServiceName,
  partitionKey: Identifier,
  correlationId: Identifier,
  causationId: Identifier.nullable(),
  schemaVersion: z.literal(CURRENT_SCHEMA_VERSION),
};

/** The envelope every event travels in, whatever its type. */
export type EventEnvelope<K extends EventType = EventType> = {
  id: string;
  type: K;
  time: string;
  source: ServiceName;
  partitionKey: string;
  correlationId: string;
  causationId: string | null;
  schemaVersion: typeof CURRENT_SCHEMA_VERSION;
  data: EventPayloads[K];
};

/** A union of envelopes, discriminated on `type`, so a switch over it can be exhaustive. */
export type DomainEvent = { [K in EventType]: EventEnvelope<K> }[EventType];

const envelopeSchemas = EventTypes.map((type) =>
  z.object({ ...envelopeFields, type: z.literal(type), data: EventPayloadSchemas[type] }),
);

export const DomainEventSchema = z.discriminatedUnion(
  'type',
  envelopeSchemas as unknown as [
    (typeof envelopeSchemas)[number],
    ...(typeof envelopeSchemas)[number][],
  ],
);

export function isEventOfType<K extends EventType>(
  event: DomainEvent,
  type: K,
): event is Extract<DomainEvent, { type: K }> {
  return event.type === type;
}

/** The opt-out, anomaly and notice events, which never concern a just-in-time request. */
export type OptOutEvent = { [K in OptOutEventType]: EventEnvelope<K> }[OptOutEventType];

const optOutEventTypes = new Set<EventType>(OptOutEventTypes);

export function isOptOutEvent(event: DomainEvent): event is OptOutEvent {
  return optOutEventTypes.has(event.type);
}
