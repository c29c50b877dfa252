import { randomUUID } from 'node:crypto';
import { EventEnvelope, ServiceName } from '../events/envelope';
import { EventExamples } from '../events/event-examples';
import { createEvent, EventOrigin } from '../events/event-factory';
import { EventPayloads, EventType } from '../events/payloads';

// Test data only: reached as @app/contracts/testing and kept out of the library's index.

/** The envelope time when a test gives none: when the example request is approved and granted. */
export const EXAMPLE_TIME = '2026-12-01T10:00:00.000Z';

/** Which service publishes each event type, for the envelope's `source`. */
export const PUBLISHER_OF: Record<EventType, ServiceName> = {
  AccessRequested: 'requests',
  AccessRequestRefused: 'requests',
  ApprovalRequested: 'requests',
  ApprovalRecorded: 'approvals',
  RequestApproved: 'approvals',
  RequestDenied: 'approvals',
  RequestDeadlinePassed: 'expiry',
  RequestExpired: 'approvals',
  GrantIssued: 'approvals',
  GrantExpired: 'expiry',
  AccessRevoked: 'expiry',
  RecordDeadLettered: 'requests',
  OptOutRequested: 'approvals',
  OptOutRefused: 'approvals',
  OptOutApprovalRecorded: 'approvals',
  OptOutDenied: 'approvals',
  OptOutActivated: 'approvals',
  OptOutRenewed: 'approvals',
  OptOutUsed: 'approvals',
  OptOutLapsed: 'approvals',
  OptOutRevoked: 'approvals',
  OptOutExpired: 'expiry',
  OptOutDeadlinePassed: 'expiry',
  BreakGlassReviewOverdue: 'approvals',
  BreakGlassReviewed: 'approvals',
  BreakGlassEligibilitySuspended: 'approvals',
  BreakGlassEligibilityRestored: 'approvals',
  LegacyExemptionRecertificationDue: 'approvals',
  AnomalyDetected: 'ledger',
  NoticeEscalated: 'notifications',
  NoticeAcknowledged: 'notifications',
};

/** Envelope fields a test may set; the rest follow from the event type and its data. */
export interface EnvelopeOptions {
  id?: string;
  source?: ServiceName;
  time?: Date | string;
  partitionKey?: string;
  correlationId?: string;
  causationId?: string | null;
}

/** Payload fields that a set of builders puts in place of the examples', per event type. */
export type PayloadDefaults = { [K in EventType]?: Partial<EventPayloads[K]> };

type Builder<K extends EventType> = (
  data?: Partial<EventPayloads[K]>,
  options?: EnvelopeOptions,
) => EventEnvelope<K>;

/**
 * Builders of every event type's envelope. The data starts from `EventExamples` with fresh request
 * and grant ids, so that events built apart never collide; `defaults`, then each call's data,
 * override it. The envelope follows from the type and data unless `envelope`, then each call's
 * options, say otherwise.
 */
export function eventBuilders(defaults: PayloadDefaults = {}, envelope: EnvelopeOptions = {}) {
  function anEvent<K extends EventType>(
    type: K,
    data: Partial<EventPayloads[K]> = {},
    options: EnvelopeOptions = {},
  ): EventEnvelope<K> {
    const payload: EventPayloads[K] = {
      ...freshExample(type),
      ...structuredClone(defaults[type]),
      ...data,
    };
    const merged = { ...envelope, ...options };
    return createEvent(type, payload, originOf(type, payload, merged), merged.id);
  }

  const builder =
    <K extends EventType>(type: K): Builder<K> =>
    (data, options) =>
      anEvent(type, data, options);

  return {
    anEvent,
    anAccessRequested: builder('AccessRequested'),
    anAccessRequestRefused: builder('AccessRequestRefused'),
    anApprovalRequested: builder('ApprovalRequested'),
    anApprovalRecorded: builder('ApprovalRecorded'),
    aRequestApproved: builder('RequestApproved'),
    aRequestDenied: builder('RequestDenied'),
    aRequestDeadlinePassed: builder('RequestDeadlinePassed'),
    aRequestExpired: builder('RequestExpired'),
    aGrantIssued: builder('GrantIssued'),
    aGrantExpired: builder('GrantExpired'),
    anAccessRevoked: builder('AccessRevoked'),
    aRecordDeadLettered: builder('RecordDeadLettered'),
  };
}

export const {
  anEvent,
  anAccessRequested,
  anAccessRequestRefused,
  anApprovalRequested,
  anApprovalRecorded,
  aRequestApproved,
  aRequestDenied,
  aRequestDeadlinePassed,
  aRequestExpired,
  aGrantIssued,
  aGrantExpired,
  anAccessRevoked,
  aRecordDeadLettered,
} = eventBuilders();

function freshExample<K extends EventType>(type: K): EventPayloads[K] {
  const example: Record<string, unknown> = structuredClone(EventExamples[type]);
  for (const field of ['requestId', 'grantId', 'lastGrantId']) {
    if (field in example) example[field] = randomUUID();
  }
  return example as EventPayloads[K];
}

function originOf<K extends EventType>(
  type: K,
  payload: EventPayloads[K],
  options: EnvelopeOptions,
): EventOrigin {
  const partitionKey = options.partitionKey ?? partitionKeyOf(payload);
  return {
    source: options.source ?? PUBLISHER_OF[type],
    time: new Date(options.time ?? EXAMPLE_TIME),
    partitionKey,
    correlationId: options.correlationId ?? partitionKey,
    causationId: options.causationId ?? null,
  };
}

// As the services key them: by request or opt-out, an anomaly by what it is about, a notice by
// its event, and a dead-letter note by where the record came from.
function partitionKeyOf(payload: EventPayloads[EventType]): string {
  if ('requestId' in payload) return payload.requestId;
  if ('optOutId' in payload) return payload.optOutId;
  if ('relatedIds' in payload) return payload.relatedIds[0] ?? payload.anomalyId;
  if ('noticeId' in payload) return payload.eventId;
  return `${payload.sourceTopic}:${payload.partition}`;
}
