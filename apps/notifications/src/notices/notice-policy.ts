import { DomainEvent, EventEnvelope, NoticeSeverity } from '@app/contracts';
import { NoticeRecipient, NoticeRouting } from './notice-routing';

/** Every opt-out and anomaly event a security lead is told about. */
export const NoticeEventTypes = [
  'OptOutRequested',
  'OptOutRefused',
  'OptOutApprovalRecorded',
  'OptOutDenied',
  'OptOutActivated',
  'OptOutRenewed',
  'OptOutLapsed',
  'OptOutRevoked',
  'OptOutExpired',
  'BreakGlassReviewOverdue',
  'BreakGlassReviewed',
  'BreakGlassEligibilitySuspended',
  'BreakGlassEligibilityRestored',
  'LegacyExemptionRecertificationDue',
  'AnomalyDetected',
] as const;
export type NoticeEventType = (typeof NoticeEventTypes)[number];
export type NoticeEvent = { [K in NoticeEventType]: EventEnvelope<K> }[NoticeEventType];

/** An anomaly at least this unusual is worth a high notice. */
export const HIGH_ANOMALY_SCORE = 0.7;

const noticeEventTypes = new Set<string>(NoticeEventTypes);

export function isNoticeEvent(event: DomainEvent): event is NoticeEvent {
  return noticeEventTypes.has(event.type);
}

export function noticeSeverityOf(event: NoticeEvent): NoticeSeverity {
  switch (event.type) {
    case 'OptOutActivated':
      return event.data.kind === 'break-glass' ? 'critical' : 'high';
    case 'BreakGlassReviewOverdue':
    case 'BreakGlassEligibilitySuspended':
      return 'high';
    case 'AnomalyDetected':
      return event.data.score >= HIGH_ANOMALY_SCORE ? 'high' : 'info';
    case 'OptOutRequested':
    case 'OptOutRefused':
    case 'OptOutApprovalRecorded':
    case 'OptOutDenied':
    case 'OptOutRenewed':
    case 'OptOutLapsed':
    case 'OptOutRevoked':
    case 'OptOutExpired':
    case 'BreakGlassReviewed':
    case 'BreakGlassEligibilityRestored':
    case 'LegacyExemptionRecertificationDue':
      return 'info';
    default:
      return assertNever(event);
  }
}

/** Whether a notice of this severity must be acknowledged, or else escalates. */
export function escalates(severity: NoticeSeverity): boolean {
  return severity !== 'info';
}

/**
 * Who at `level` is told about what `personId` did: every recipient of the level but that
 * person, so nobody is the one asked to look into their own opt-out.
 */
export function recipientsAt(
  routing: NoticeRouting,
  level: number,
  personId: string | null,
): NoticeRecipient[] {
  const ids = routing.levels[level] ?? [];
  return ids
    .filter((id) => id !== personId)
    .map((id) => routing.recipients.get(id))
    .filter((recipient): recipient is NoticeRecipient => recipient !== undefined);
}

/** The first level after `level` that has someone other than the person to tell, if any. */
export function nextLevelWithRecipients(
  routing: NoticeRouting,
  level: number,
  personId: string | null,
): number | null {
  for (let next = level + 1; next < routing.levels.length; next += 1) {
    if (recipientsAt(routing, next, personId).length > 0) return next;
  }
  return null;
}

function assertNever(value: never): never {
  throw new Error(`unhandled notice event: ${JSON.stringify(value)}`);
}
