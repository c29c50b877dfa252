import { randomUUID } from 'node:crypto';
import { EventEnvelope, EventPayloads, EventType } from '@app/contracts';
import { anEvent } from '@app/contracts/testing';
import { asRecord } from './expiry-events';
import { TestStack } from './stack';

// The opt-out events the expiry service reads, built as the approvals service would publish them:
// keyed by the opt-out id, every follow-up caused by the activation and sharing its correlation.

type Activated = EventPayloads['OptOutActivated'];

/** An opt-out of the given kind, active from `startsAt` to `endsAt`, with no extra deadlines. */
export function optOutActivated(
  overrides: Partial<Activated> & Pick<Activated, 'kind' | 'startsAt' | 'endsAt'>,
): EventEnvelope<'OptOutActivated'> {
  const optOutId = overrides.optOutId ?? randomUUID();
  return anEvent(
    'OptOutActivated',
    {
      reviewBy: null,
      lapseAfterUnused: null,
      recertifyBy: null,
      activatedAt: overrides.startsAt,
      ...overrides,
      optOutId,
    },
    { time: overrides.activatedAt ?? overrides.startsAt, correlationId: `correlation-${optOutId}` },
  );
}

function followUp<K extends EventType>(
  activated: EventEnvelope<'OptOutActivated'>,
  type: K,
  data: Partial<EventPayloads[K]>,
  time: string,
): EventEnvelope<K> {
  return anEvent(type, data, {
    time,
    correlationId: activated.correlationId,
    causationId: activated.id,
  });
}

const accessOf = ({ data }: EventEnvelope<'OptOutActivated'>) => ({
  optOutId: data.optOutId,
  kind: data.kind,
  subject: data.subject,
  resource: data.resource,
  role: data.role,
});

export function optOutRenewed(
  activated: EventEnvelope<'OptOutActivated'>,
  renewal: { renewedAt: string; endsAt: string; recertifyBy?: string | null },
): EventEnvelope<'OptOutRenewed'> {
  return followUp(
    activated,
    'OptOutRenewed',
    {
      ...accessOf(activated),
      previousEndsAt: activated.data.endsAt,
      recertifyBy: null,
      ...renewal,
    },
    renewal.renewedAt,
  );
}

export function optOutUsed(
  activated: EventEnvelope<'OptOutActivated'>,
  usedAt: string,
): EventEnvelope<'OptOutUsed'> {
  return followUp(activated, 'OptOutUsed', { optOutId: activated.data.optOutId, usedAt }, usedAt);
}

export function optOutRevoked(
  activated: EventEnvelope<'OptOutActivated'>,
  revokedAt: string,
): EventEnvelope<'OptOutRevoked'> {
  return followUp(activated, 'OptOutRevoked', { ...accessOf(activated), revokedAt }, revokedAt);
}

export function optOutLapsed(
  activated: EventEnvelope<'OptOutActivated'>,
  lapsedAt: string,
): EventEnvelope<'OptOutLapsed'> {
  return followUp(
    activated,
    'OptOutLapsed',
    { ...accessOf(activated), unusedFor: activated.data.lapseAfterUnused ?? 'P7D', lapsedAt },
    lapsedAt,
  );
}

export function breakGlassReviewed(
  activated: EventEnvelope<'OptOutActivated'>,
  reviewedAt: string,
): EventEnvelope<'BreakGlassReviewed'> {
  return followUp(
    activated,
    'BreakGlassReviewed',
    { optOutId: activated.data.optOutId, subject: activated.data.subject, reviewedAt },
    reviewedAt,
  );
}

/** Publishes to the access events topic, keyed by each event's partition key, as services do. */
export function publishAccessEvents(
  stack: TestStack,
  ...events: EventEnvelope[]
): Promise<unknown> {
  return stack.probe.publish(stack.topics.accessEvents, events.map(asRecord));
}
