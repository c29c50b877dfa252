import { EventPayloads, OptOutKind, Principal } from '@app/contracts';
import { NoticeEvent } from './notice-policy';

export type OptOutOutcome =
  'requested' | 'refused' | 'denied' | 'active' | 'lapsed' | 'revoked' | 'expired';

export type ReviewState = 'due' | 'overdue' | 'justified' | 'unjustified';

/** What the service remembers of one opt-out, from the events it consumed about it. */
export interface OptOutRecord {
  optOutId: string;
  kind: OptOutKind;
  subject: string;
  /** Null when the request itself was not seen (e.g. consumed before this service existed). */
  requester: Principal | null;
  resource: string;
  role: string;
  justification: string | null;
  incident: string | null;
  ticket: string | null;
  owner: string | null;
  compensatingControls: string[];
  duration: string;
  maximumDuration: string | null;
  startsAt: string | null;
  endsAt: string | null;
  reviewBy: string | null;
  recertifyBy: string | null;
  outcome: OptOutOutcome;
  /** Why it was refused, denied or revoked, when it was. */
  outcomeReason: string | null;
  review: ReviewState | null;
  /** When it was first seen: requested, or activated when the request was not seen. */
  firstSeenAt: string;
  lastEventAt: string;
}

/** What the service remembers of one anomaly about a person. */
export interface AnomalyRecord {
  anomalyId: string;
  subject: string;
  rule: string;
  score: number;
  reason: string;
  resource: string | null;
  detectedAt: string;
}

/**
 * The opt-out record after `event`: a projection over the opt-out's events, so the same events
 * in the same order always give the same record, and an event applied twice changes nothing
 * more. Returns null when the event tells nothing about an opt-out not seen before.
 */
export function evolveOptOutRecord(
  record: OptOutRecord | null,
  event: NoticeEvent,
): OptOutRecord | null {
  const at = event.time;
  switch (event.type) {
    case 'OptOutRequested':
      return requested(record, event.data, at);
    case 'OptOutRefused':
      return refused(record, event.data, at);
    case 'OptOutActivated':
      return activated(record, event.data, at);
    case 'OptOutRenewed':
      return update(record, at, {
        endsAt: event.data.endsAt,
        duration: event.data.duration,
        recertifyBy: event.data.recertifyBy,
        outcome: 'active',
      });
    case 'OptOutDenied':
      return update(record, at, { outcome: 'denied', outcomeReason: event.data.comment });
    case 'OptOutLapsed':
      return update(record, at, { outcome: 'lapsed', outcomeReason: 'unused' });
    case 'OptOutRevoked':
      return update(record, at, { outcome: 'revoked', outcomeReason: event.data.reason });
    case 'OptOutExpired':
      return update(record, at, { outcome: 'expired' });
    case 'BreakGlassReviewOverdue':
      return update(record, at, { review: 'overdue' });
    case 'BreakGlassReviewed':
      return update(record, at, { review: event.data.outcome });
    case 'OptOutApprovalRecorded':
    case 'BreakGlassEligibilitySuspended':
    case 'BreakGlassEligibilityRestored':
    case 'LegacyExemptionRecertificationDue':
    case 'AnomalyDetected':
      return record;
    default:
      return assertNever(event);
  }
}

/** The opt-out a notice event is about: its `optOutId`, or the first id an anomaly names. */
export function optOutIdOf(event: NoticeEvent): string {
  return event.type === 'AnomalyDetected' ? event.data.relatedIds[0]! : event.data.optOutId;
}

/** The person whose opt-out (or anomaly) a notice is about; null when it cannot be told. */
export function personOf(event: NoticeEvent, record: OptOutRecord | null): string | null {
  const data = event.data;
  if ('requester' in data) return data.requester.id;
  if ('subject' in data) return data.subject;
  return record?.subject ?? null;
}

export function anomalyRecordOf(data: EventPayloads['AnomalyDetected']): AnomalyRecord {
  return {
    anomalyId: data.anomalyId,
    subject: data.subject,
    rule: data.rule,
    score: data.score,
    reason: data.reason,
    resource: data.resource,
    detectedAt: data.detectedAt,
  };
}

function requested(
  record: OptOutRecord | null,
  data: EventPayloads['OptOutRequested'],
  at: string,
): OptOutRecord {
  return {
    optOutId: data.optOutId,
    kind: data.kind,
    subject: data.requester.id,
    requester: data.requester,
    resource: data.resource,
    role: data.role,
    justification: data.justification,
    incident: data.incident,
    ticket: data.ticket,
    owner: data.owner,
    compensatingControls: data.compensatingControls,
    duration: data.duration,
    maximumDuration: data.maximumDuration,
    startsAt: record?.startsAt ?? null,
    endsAt: record?.endsAt ?? null,
    reviewBy: record?.reviewBy ?? null,
    recertifyBy: record?.recertifyBy ?? null,
    // One opt-out's events share a partition and arrive in order; should a replay bring the
    // request after its outcome anyway, the outcome is kept.
    outcome: record?.outcome ?? 'requested',
    outcomeReason: record?.outcomeReason ?? null,
    review: record?.review ?? null,
    firstSeenAt: data.requestedAt,
    lastEventAt: latest(record?.lastEventAt, at),
  };
}

function refused(
  record: OptOutRecord | null,
  data: EventPayloads['OptOutRefused'],
  at: string,
): OptOutRecord {
  const base = record ?? {
    optOutId: data.optOutId,
    kind: data.kind,
    subject: data.requester.id,
    requester: data.requester,
    resource: data.resource,
    role: data.role,
    justification: null,
    incident: null,
    ticket: null,
    owner: null,
    compensatingControls: [],
    duration: data.duration,
    maximumDuration: data.maximumDuration,
    startsAt: null,
    endsAt: null,
    reviewBy: null,
    recertifyBy: null,
    outcome: 'requested' as const,
    outcomeReason: null,
    review: null,
    firstSeenAt: data.refusedAt,
    lastEventAt: at,
  };
  return {
    ...base,
    outcome: 'refused',
    outcomeReason: `${data.reason} (${data.rule})`,
    lastEventAt: latest(base.lastEventAt, at),
  };
}

function activated(
  record: OptOutRecord | null,
  data: EventPayloads['OptOutActivated'],
  at: string,
): OptOutRecord {
  return {
    optOutId: data.optOutId,
    kind: data.kind,
    subject: data.subject,
    requester: record?.requester ?? null,
    resource: data.resource,
    role: data.role,
    justification: data.justification,
    incident: data.incident,
    ticket: data.ticket,
    owner: data.owner,
    compensatingControls: data.compensatingControls,
    duration: data.duration,
    maximumDuration: record?.maximumDuration ?? null,
    startsAt: data.startsAt,
    endsAt: data.endsAt,
    reviewBy: data.reviewBy,
    recertifyBy: data.recertifyBy,
    outcome: record && record.outcome !== 'requested' ? record.outcome : 'active',
    outcomeReason: record?.outcomeReason ?? null,
    review: record?.review ?? (data.reviewBy ? 'due' : null),
    firstSeenAt: record?.firstSeenAt ?? data.activatedAt,
    lastEventAt: latest(record?.lastEventAt, at),
  };
}

function update(
  record: OptOutRecord | null,
  at: string,
  changes: Partial<OptOutRecord>,
): OptOutRecord | null {
  if (!record) return null;
  return { ...record, ...changes, lastEventAt: latest(record.lastEventAt, at) };
}

function latest(current: string | undefined, at: string): string {
  return current !== undefined && current > at ? current : at;
}

function assertNever(value: never): never {
  throw new Error(`unhandled notice event: ${JSON.stringify(value)}`);
}
