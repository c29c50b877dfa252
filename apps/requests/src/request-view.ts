import { isDeepStrictEqual } from 'node:util';
import { z } from 'zod';
import {
  DomainEvent,
  EventPayloads,
  isOptOutEvent,
  Identifier,
  Instant,
  IsoDuration,
  Principal,
  RefusalReason,
  RequestChannel,
  ResourceName,
  RoleName,
  ServiceName,
} from '@app/contracts';

export const RequestStatus = z.enum([
  'submitted',
  'pending-approval',
  'approved',
  'granted',
  'denied',
  'refused',
  'expired',
  'ended',
]);
export type RequestStatus = z.infer<typeof RequestStatus>;

export const RequestViewSchema = z.object({
  requestId: z.uuid(),
  status: RequestStatus,
  requester: Principal,
  resource: ResourceName,
  role: RoleName,
  /** Exactly as requested; a capped grant shows its own duration under `grant`. */
  duration: IsoDuration,
  justification: z.string(),
  ticket: Identifier.nullable(),
  startAt: Instant.nullable(),
  channel: RequestChannel,
  submittedAt: Instant,
  /**
   * What the policy grants if the request is approved: the requested duration, or — only where
   * the policy caps — the maximum, with `capped` saying so.
   */
  terms: z
    .object({ grantedDuration: IsoDuration, capped: z.boolean(), policyId: Identifier })
    .optional(),
  refusal: z
    .object({
      reason: RefusalReason,
      message: z.string(),
      maximumDuration: IsoDuration.nullable(),
      policyId: Identifier.nullable(),
      refusedBy: ServiceName,
    })
    .optional(),
  approval: z
    .object({
      approverGroups: z.array(Identifier),
      approvalsRequired: z.number().int(),
      decideBy: Instant,
      policyId: Identifier,
    })
    .optional(),
  /** Approvals recorded so far, in the order they were recorded. */
  approvals: z.array(
    z.object({ approver: Identifier, comment: z.string().nullable(), at: Instant }),
  ),
  decision: z
    .object({
      outcome: z.enum(['approved', 'denied', 'expired']),
      /** The approvers, or the one who denied; empty when the request expired undecided. */
      by: z.array(Identifier),
      at: Instant,
      comment: z.string().nullable(),
      automatic: z.boolean(),
    })
    .optional(),
  grant: z
    .object({
      grantId: z.uuid(),
      startsAt: Instant,
      endsAt: Instant,
      duration: IsoDuration,
      capped: z.boolean(),
      endedAt: Instant.nullable(),
    })
    .optional(),
  updatedAt: Instant,
});
export type RequestView = z.infer<typeof RequestViewSchema>;

export type RequestDetails = EventPayloads['AccessRequested'];

/** The events that move a request's view; everything else on the access topic leaves it alone. */
export const ProjectedEventTypes = [
  'AccessRequested',
  'AccessRequestRefused',
  'ApprovalRequested',
  'ApprovalRecorded',
  'RequestApproved',
  'RequestDenied',
  'RequestExpired',
  'GrantIssued',
  'GrantExpired',
] as const;
export type ProjectedEvent = Extract<DomainEvent, { type: (typeof ProjectedEventTypes)[number] }>;

export function isProjectedEvent(event: DomainEvent): event is ProjectedEvent {
  return (ProjectedEventTypes as readonly string[]).includes(event.type);
}

export function initialRequestView(details: RequestDetails, at: string): RequestView {
  return {
    requestId: details.requestId,
    status: 'submitted',
    requester: details.requester,
    resource: details.resource,
    role: details.role,
    duration: details.duration,
    justification: details.justification,
    ticket: details.ticket,
    startAt: details.startAt,
    channel: details.channel,
    submittedAt: details.submittedAt,
    approvals: [],
    updatedAt: at,
  };
}

/**
 * The view after one more event. Each fact is recorded once (the first one wins) and the status
 * only moves forward, so a redelivered or late event never changes what is already known and
 * replaying the same events again gives the same view. Returns the same object when nothing
 * changed.
 */
export function evolveRequestView(
  view: RequestView | null,
  event: DomainEvent,
): RequestView | null {
  if (view === null) {
    return event.type === 'AccessRequested' ? initialRequestView(event.data, event.time) : null;
  }

  const next = applyEvent(view, event);
  if (isDeepStrictEqual(next, view)) {
    return view;
  }
  return { ...next, updatedAt: later(view.updatedAt, event.time) };
}

function applyEvent(view: RequestView, event: DomainEvent): RequestView {
  if (isOptOutEvent(event)) return view;

  switch (event.type) {
    case 'AccessRequestRefused':
      return refuse(view, event.data, event.source);
    case 'ApprovalRequested':
      return requestApproval(view, event.data);
    case 'ApprovalRecorded':
      return recordApproval(view, event.data);
    case 'RequestApproved':
      return approve(view, event.data);
    case 'RequestDenied':
      return deny(view, event.data);
    case 'RequestExpired':
      return expire(view, event.data);
    case 'GrantIssued':
      return issueGrant(view, event.data);
    case 'GrantExpired':
      return endGrant(view, event.data);
    case 'AccessRequested':
    case 'RequestDeadlinePassed':
    case 'AccessRevoked':
    case 'RecordDeadLettered':
      return view;
    default:
      return unreachable(event);
  }
}

function refuse(
  view: RequestView,
  refused: EventPayloads['AccessRequestRefused'],
  source: ServiceName,
): RequestView {
  if (!isUndecided(view.status)) {
    return view;
  }
  return {
    ...view,
    status: 'refused',
    refusal: {
      reason: refused.reason,
      message: refused.message,
      maximumDuration: refused.maximumDuration,
      policyId: refused.policyId,
      refusedBy: source,
    },
  };
}

function requestApproval(
  view: RequestView,
  requested: EventPayloads['ApprovalRequested'],
): RequestView {
  if (view.approval !== undefined) {
    return view;
  }
  return {
    ...view,
    status: advance(view.status, 'pending-approval'),
    approval: {
      approverGroups: requested.approverGroups,
      approvalsRequired: requested.approvalsRequired,
      decideBy: requested.decideBy,
      policyId: requested.policyId,
    },
  };
}

function recordApproval(
  view: RequestView,
  recorded: EventPayloads['ApprovalRecorded'],
): RequestView {
  if (view.approvals.some((approval) => approval.approver === recorded.approver)) {
    return view;
  }
  const approval = {
    approver: recorded.approver,
    comment: recorded.comment,
    at: recorded.recordedAt,
  };
  return { ...view, approvals: [...view.approvals, approval] };
}

// A grant may be projected before the approval that caused it; the decision is still recorded.
function approve(view: RequestView, approved: EventPayloads['RequestApproved']): RequestView {
  if (view.decision !== undefined || isClosedWithoutAccess(view.status)) {
    return view;
  }
  return {
    ...view,
    status: advance(view.status, 'approved'),
    decision: {
      outcome: 'approved',
      by: approved.approvers,
      at: approved.approvedAt,
      comment: null,
      automatic: approved.automatic,
    },
  };
}

function deny(view: RequestView, denied: EventPayloads['RequestDenied']): RequestView {
  if (!isUndecided(view.status)) {
    return view;
  }
  return {
    ...view,
    status: 'denied',
    decision: {
      outcome: 'denied',
      by: [denied.deniedBy],
      at: denied.deniedAt,
      comment: denied.comment,
      automatic: false,
    },
  };
}

function expire(view: RequestView, expired: EventPayloads['RequestExpired']): RequestView {
  if (!isUndecided(view.status)) {
    return view;
  }
  return {
    ...view,
    status: 'expired',
    decision: { outcome: 'expired', by: [], at: expired.expiredAt, comment: null, automatic: true },
  };
}

function issueGrant(view: RequestView, issued: EventPayloads['GrantIssued']): RequestView {
  if (view.grant !== undefined || isClosedWithoutAccess(view.status)) {
    return view;
  }
  return {
    ...view,
    status: advance(view.status, 'granted'),
    grant: {
      grantId: issued.grantId,
      startsAt: issued.startsAt,
      endsAt: issued.endsAt,
      duration: issued.duration,
      capped: issued.capped,
      endedAt: null,
    },
  };
}

function endGrant(view: RequestView, expired: EventPayloads['GrantExpired']): RequestView {
  if (view.status === 'ended' || isClosedWithoutAccess(view.status)) {
    return view;
  }
  if (view.grant?.grantId !== expired.grantId) {
    return { ...view, status: 'ended' };
  }
  return { ...view, status: 'ended', grant: { ...view.grant, endedAt: expired.endedAt } };
}

// The way a request goes when it is granted; it never goes back along it.
const PROGRESS: readonly RequestStatus[] = [
  'submitted',
  'pending-approval',
  'approved',
  'granted',
  'ended',
];

function advance(current: RequestStatus, next: RequestStatus): RequestStatus {
  return PROGRESS.indexOf(next) > PROGRESS.indexOf(current) ? next : current;
}

function isUndecided(status: RequestStatus): boolean {
  return status === 'submitted' || status === 'pending-approval';
}

function isClosedWithoutAccess(status: RequestStatus): boolean {
  return status === 'refused' || status === 'denied' || status === 'expired';
}

function later(a: string, b: string): string {
  return Date.parse(b) > Date.parse(a) ? b : a;
}

function unreachable(value: never): never {
  throw new Error(`unhandled event ${JSON.stringify(value)}`);
}
