import { randomUUID } from 'node:crypto';
import { EventEnvelope, EventPayloads, EventType, OptOutKind, Principal } from '@app/contracts';
import { anEvent } from '@app/contracts/testing';
import { parseDuration } from '@app/domain';
import { asRecord } from './expiry-events';
import { TestStack } from './stack';

// Opt-out events as the approvals and expiry services publish them: keyed by the opt-out id, each
// at the instant its payload names, and every follow-up caused by the activation. An opt-out's
// correlation differs from its id, so a test can see a service carry it on rather than derive it.

type Payload<K extends EventType> = EventPayloads[K];
type Activated = EventEnvelope<'OptOutActivated'>;

export type OptOutAccess = Pick<
  Payload<'OptOutActivated'>,
  'optOutId' | 'kind' | 'subject' | 'resource' | 'role'
>;

/** The instant `minutes` after `base`. */
export const at = (base: string, minutes: number) =>
  new Date(Date.parse(base) + minutes * 60_000).toISOString();

const correlationOf = (optOutId: string) => `correlation-${optOutId}`;

const REVIEW_WITHIN_MINUTES = 2 * 24 * 60;

/** An activation alone, active from `startsAt` to `endsAt`, with no deadline unless given one. */
export function optOutActivated(
  overrides: Partial<Payload<'OptOutActivated'>> &
    Pick<Payload<'OptOutActivated'>, 'kind' | 'startsAt' | 'endsAt'>,
): Activated {
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
    { time: overrides.activatedAt ?? overrides.startsAt, correlationId: correlationOf(optOutId) },
  );
}

export interface OptOutSpec {
  kind?: OptOutKind;
  requester: Principal;
  resource?: string;
  role?: string;
  /** When it is requested and activated. */
  time: string;
  duration?: string;
  maximumDuration?: string | null;
  /** Security leads who approved it; none means it needed no approval. */
  approvers?: string[];
}

export interface BuiltOptOut {
  optOutId: string;
  access: OptOutAccess;
  requested: EventEnvelope<'OptOutRequested'>;
  activated: Activated;
}

/**
 * An opt-out requested and activated at `time` for `duration` (PT1H unless given), with the
 * deadlines of its kind: a break-glass is reviewed within two days of its end, a standing
 * exception lapses after seven days unused.
 */
export function anOptOut(spec: OptOutSpec): BuiltOptOut {
  const optOutId = randomUUID();
  const kind = spec.kind ?? 'break-glass';
  const duration = spec.duration ?? 'PT1H';
  const access: OptOutAccess = {
    optOutId,
    kind,
    subject: spec.requester.id,
    resource: spec.resource ?? 'db:orders-prod',
    role: spec.role ?? 'db-admin',
  };
  const endsAt = at(spec.time, minutesOf(duration));

  const requested = anEvent(
    'OptOutRequested',
    {
      optOutId,
      kind,
      requester: spec.requester,
      resource: access.resource,
      role: access.role,
      duration,
      maximumDuration: spec.maximumDuration === undefined ? 'PT4H' : spec.maximumDuration,
      approval: spec.approvers?.length
        ? { approverGroups: ['security-leads'], approvalsRequired: 1 }
        : null,
      requestedAt: spec.time,
    },
    { time: spec.time, correlationId: correlationOf(optOutId) },
  );
  const activated = optOutActivated({
    ...access,
    startsAt: spec.time,
    endsAt,
    duration,
    approvers: spec.approvers ?? [],
    reviewBy: kind === 'break-glass' ? at(endsAt, REVIEW_WITHIN_MINUTES) : null,
    lapseAfterUnused: kind === 'standing-exception' ? 'P7D' : null,
  });
  return { optOutId, access, requested, activated };
}

/** A request refused at `refusedAt`, keyed by a fresh opt-out id unless given one. */
export function optOutRefused(
  refusal: Partial<Payload<'OptOutRefused'>> & Pick<Payload<'OptOutRefused'>, 'refusedAt'>,
): EventEnvelope<'OptOutRefused'> {
  const optOutId = refusal.optOutId ?? randomUUID();
  return anEvent(
    'OptOutRefused',
    { ...refusal, optOutId },
    { time: refusal.refusedAt, correlationId: correlationOf(optOutId) },
  );
}

export function optOutRenewed(
  activated: Activated,
  renewal: Partial<Payload<'OptOutRenewed'>> &
    Pick<Payload<'OptOutRenewed'>, 'renewedAt' | 'endsAt'>,
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
  activated: Activated,
  usedAt: string,
  data: Partial<Payload<'OptOutUsed'>> = {},
): EventEnvelope<'OptOutUsed'> {
  return followUp(
    activated,
    'OptOutUsed',
    { optOutId: activated.data.optOutId, ...data, usedAt },
    usedAt,
  );
}

export function optOutRevoked(
  activated: Activated,
  revokedAt: string,
  data: Partial<Payload<'OptOutRevoked'>> = {},
): EventEnvelope<'OptOutRevoked'> {
  return followUp(
    activated,
    'OptOutRevoked',
    { ...accessOf(activated), ...data, revokedAt },
    revokedAt,
  );
}

export function optOutLapsed(
  activated: Activated,
  lapsedAt: string,
  data: Partial<Payload<'OptOutLapsed'>> = {},
): EventEnvelope<'OptOutLapsed'> {
  return followUp(
    activated,
    'OptOutLapsed',
    {
      ...accessOf(activated),
      unusedFor: activated.data.lapseAfterUnused ?? 'P7D',
      ...data,
      lapsedAt,
    },
    lapsedAt,
  );
}

export function optOutExpired(
  activated: Activated,
  endedAt: string,
): EventEnvelope<'OptOutExpired'> {
  return followUp(activated, 'OptOutExpired', { ...accessOf(activated), endedAt }, endedAt);
}

export function breakGlassReviewed(
  activated: Activated,
  reviewedAt: string,
): EventEnvelope<'BreakGlassReviewed'> {
  return followUp(
    activated,
    'BreakGlassReviewed',
    { optOutId: activated.data.optOutId, subject: activated.data.subject, reviewedAt },
    reviewedAt,
  );
}

/** The review of a break-glass overdue at `overdueAt`; it was due at the activation's `reviewBy`. */
export function breakGlassReviewOverdue(
  activated: Activated,
  overdueAt: string,
  data: Partial<Payload<'BreakGlassReviewOverdue'>> = {},
): EventEnvelope<'BreakGlassReviewOverdue'> {
  const { optOutId, subject, resource, role, incident, reviewBy } = activated.data;
  return followUp(
    activated,
    'BreakGlassReviewOverdue',
    {
      optOutId,
      subject,
      resource,
      role,
      incident,
      reviewBy: reviewBy ?? overdueAt,
      ...data,
      overdueAt,
    },
    overdueAt,
  );
}

/**
 * A deadline passing, now, for an opt-out that a running approvals service opened: it correlates
 * an opt-out's events by the opt-out id.
 */
export function optOutDeadlinePassed(
  optOutId: string,
  deadline: Payload<'OptOutDeadlinePassed'>['deadline'],
  dueAt: string,
): EventEnvelope<'OptOutDeadlinePassed'> {
  return anEvent('OptOutDeadlinePassed', { optOutId, deadline, dueAt }, { time: new Date() });
}

/** Publishes to the access events topic, keyed by each event's partition key, as services do. */
export async function publishAccessEvents(
  stack: TestStack,
  events: readonly EventEnvelope[],
): Promise<void> {
  await stack.probe.publish(stack.topics.accessEvents, events.map(asRecord));
}

function followUp<K extends EventType>(
  activated: Activated,
  type: K,
  data: Partial<Payload<K>>,
  time: string,
): EventEnvelope<K> {
  return anEvent(type, data, {
    time,
    correlationId: activated.correlationId,
    causationId: activated.id,
  });
}

function accessOf({ data }: Activated): OptOutAccess {
  const { optOutId, kind, subject, resource, role } = data;
  return { optOutId, kind, subject, resource, role };
}

function minutesOf(duration: string): number {
  const parsed = parseDuration(duration);
  if (!parsed.ok) throw new Error(`${duration}: ${parsed.error.message}`);
  return parsed.value.milliseconds / 60_000;
}
