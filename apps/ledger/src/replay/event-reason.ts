import { DomainEvent } from '@app/contracts';

/**
 * The why an event states in its own words: a justification, a refusal's reason, an approver's or
 * denier's comment, a revocation's reason, an attestation, a review's notes. Null when the event
 * gives none (an automatic step says what it did in the audit trail's summary).
 */
export function reasonOf(event: DomainEvent): string | null {
  switch (event.type) {
    case 'AccessRequested':
    case 'ApprovalRequested':
    case 'OptOutRequested':
      return event.data.justification;
    case 'AccessRequestRefused':
      return `${event.data.reason}: ${event.data.message}`;
    case 'OptOutRefused':
      return `${event.data.reason} (${event.data.rule}): ${event.data.message}`;
    case 'ApprovalRecorded':
    case 'OptOutApprovalRecorded':
    case 'RequestDenied':
    case 'OptOutDenied':
      return event.data.comment;
    case 'RequestApproved':
      return event.data.automatic ? `automatic (policy ${event.data.policyId})` : null;
    case 'RequestDeadlinePassed':
    case 'RequestExpired':
      return `undecided by ${event.data.decideBy}`;
    case 'GrantIssued':
      return event.data.capped ? `capped from ${event.data.requestedDuration}` : null;
    case 'GrantExpired':
    case 'OptOutExpired':
      return event.data.coveringGrantIds.length > 0
        ? `still covered by ${event.data.coveringGrantIds.join(', ')}`
        : 'ended';
    case 'AccessRevoked':
      return event.data.reason;
    case 'RecordDeadLettered':
      return `${event.data.reason}: ${event.data.error}`;
    case 'OptOutActivated':
      return event.data.justification;
    case 'OptOutRenewed':
      return event.data.attestation;
    case 'OptOutLapsed':
      return `unused for ${event.data.unusedFor}`;
    case 'OptOutRevoked':
      return event.data.reason;
    case 'OptOutDeadlinePassed':
      return `${event.data.deadline} deadline ${event.data.dueAt}`;
    case 'BreakGlassReviewOverdue':
      return `review due by ${event.data.reviewBy}`;
    case 'BreakGlassReviewed':
      return `${event.data.outcome}: ${event.data.notes}`;
    case 'BreakGlassEligibilitySuspended':
    case 'BreakGlassEligibilityRestored':
      return `review of ${event.data.optOutId}`;
    case 'LegacyExemptionRecertificationDue':
      return `recertification due before ${event.data.endsAt}`;
    case 'AnomalyDetected':
      return event.data.reason;
    case 'NoticeEscalated':
      return event.data.reason;
    case 'OptOutUsed':
      return `used at ${event.data.usedAt}`;
    case 'NoticeAcknowledged':
      return null;
    default:
      return unreachable(event);
  }
}

function unreachable(value: never): never {
  throw new Error(`unhandled event ${JSON.stringify(value)}`);
}
