import {
  createEvent,
  DomainEvent,
  EventPayloads,
  Principal,
  TicketingAccessRequest,
} from '@app/contracts';
import { httpRequestId, ticketingRequestId } from './request-ids';
import { evolveRequestView, initialRequestView, RequestDetails, RequestView } from './request-view';
import { SubmissionDecision } from './submission-decision';

/** A request to file, from either channel, with its id already chosen. */
export interface AccessRequestSubmission {
  requestId: string;
  requester: Principal;
  resource: string;
  role: string;
  /** As the requester wrote it; it is never rewritten. */
  duration: string;
  justification: string;
  ticket: string | null;
  /** An ISO-8601 UTC instant, or null to start as soon as it is approved. */
  startAt: string | null;
  channel: EventPayloads['AccessRequested']['channel'];
  /** When the requester filed it, if an upstream system says so; otherwise now. */
  submittedAt: string | null;
  correlationId: string;
  causationId: string | null;
  idempotencyKey: string | null;
}

export interface HttpRequestBody {
  resource: string;
  role: string;
  duration: string;
  justification: string;
  ticket?: string | null;
  startAt?: string | null;
}

export interface HttpRequestHeaders {
  idempotencyKey: string | null;
  correlationId: string | null;
}

export function httpSubmission(
  body: HttpRequestBody,
  requester: Principal,
  headers: HttpRequestHeaders,
): AccessRequestSubmission {
  const requestId = httpRequestId(requester.id, headers.idempotencyKey);
  return {
    requestId,
    requester,
    resource: body.resource,
    role: body.role,
    duration: body.duration,
    justification: body.justification,
    ticket: body.ticket ?? null,
    startAt: normalizeInstant(body.startAt ?? null),
    channel: 'http',
    submittedAt: null,
    correlationId: headers.correlationId ?? requestId,
    causationId: null,
    idempotencyKey: headers.idempotencyKey,
  };
}

// The ticketing system vouches for the requester and their groups.
export function ticketingSubmission(message: TicketingAccessRequest): AccessRequestSubmission {
  const requestId = ticketingRequestId(message.eventId);
  return {
    requestId,
    requester: message.requester,
    resource: message.resource,
    role: message.role,
    duration: message.duration,
    justification: message.justification,
    ticket: message.ticket,
    startAt: normalizeInstant(message.startAt ?? null),
    channel: 'ticketing',
    submittedAt: normalizeInstant(message.submittedAt),
    correlationId: requestId,
    causationId: message.eventId,
    idempotencyKey: null,
  };
}

export interface RecordedSubmission {
  view: RequestView;
  event: DomainEvent;
}

/** The stored view and the one event of a request that passed the duration check. */
export function recordSubmission(
  submission: AccessRequestSubmission,
  decision: Exclude<SubmissionDecision, { kind: 'invalid-duration' }>,
  now: Date,
): RecordedSubmission {
  const details: RequestDetails = {
    requestId: submission.requestId,
    requester: submission.requester,
    resource: submission.resource,
    role: submission.role,
    duration: submission.duration,
    justification: submission.justification,
    ticket: submission.ticket,
    startAt: submission.startAt,
    channel: submission.channel,
    submittedAt: submission.submittedAt ?? now.toISOString(),
  };
  const origin = {
    source: 'requests' as const,
    time: now,
    partitionKey: submission.requestId,
    correlationId: submission.correlationId,
    causationId: submission.causationId,
  };
  const submitted = initialRequestView(details, now.toISOString());

  if (decision.kind === 'refuse') {
    const refused = createEvent(
      'AccessRequestRefused',
      {
        requestId: details.requestId,
        requester: details.requester,
        resource: details.resource,
        role: details.role,
        duration: details.duration,
        ...decision.refusal,
      },
      origin,
    );
    return { view: evolveRequestView(submitted, refused) ?? submitted, event: refused };
  }
  const terms = {
    grantedDuration: decision.policy.grantedDuration,
    capped: decision.policy.capped,
    policyId: decision.policy.policyId,
  };
  return { view: { ...submitted, terms }, event: createEvent('AccessRequested', details, origin) };
}

/** The fields in which a stored request differs from a submission that claims to be it. */
export function differencesFrom(view: RequestView, submission: AccessRequestSubmission): string[] {
  const compared: [string, unknown, unknown][] = [
    ['requester', view.requester.id, submission.requester.id],
    ['resource', view.resource, submission.resource],
    ['role', view.role, submission.role],
    ['duration', view.duration, submission.duration],
    ['justification', view.justification, submission.justification],
    ['ticket', view.ticket, submission.ticket],
    ['startAt', view.startAt, submission.startAt],
  ];
  return compared.filter(([, stored, given]) => stored !== given).map(([field]) => field);
}

// One spelling per instant, so a retry that writes it differently is still the same request.
function normalizeInstant(instant: string | null): string | null {
  return instant === null ? null : new Date(instant).toISOString();
}
