import { DomainEvent, EventPayloads, isOptOutEvent, Principal } from '@app/contracts';

/** The event types a person may have to act on or know about; every other type is ignored. */
export const NotifiableEventTypes = [
  'ApprovalRequested',
  'GrantIssued',
  'RequestDenied',
  'RequestExpired',
  'AccessRequestRefused',
  'GrantExpired',
  'AccessRevoked',
] as const;
export type NotifiableEventType = (typeof NotifiableEventTypes)[number];

/**
 * Where to read more about what a notification refers to: a path on the named service's HTTP
 * API. Paths are relative because each deployment serves the services under its own hosts.
 */
export interface NotificationLink {
  service: 'requests' | 'approvals' | 'ledger';
  method: 'GET' | 'POST';
  path: string;
}
export type NotificationLinks = Record<string, NotificationLink>;

export interface ApprovalNeededContext {
  kind: 'approval-needed';
  requestId: string;
  requester: Principal;
  resource: string;
  role: string;
  duration: string;
  justification: string;
  ticket: string | null;
  approval: { approverGroups: string[]; approvalsRequired: number; decideBy: string };
  policyId: string;
  links: NotificationLinks;
}

export interface AccessGrantedContext {
  kind: 'access-granted';
  requestId: string;
  grantId: string;
  subject: string;
  resource: string;
  role: string;
  window: { startsAt: string; endsAt: string; duration: string };
  requestedDuration: string;
  capped: boolean;
  approvers: string[];
  automatic: boolean;
  policyId: string;
  links: NotificationLinks;
}

export interface RequestDeniedContext {
  kind: 'request-denied';
  requestId: string;
  deniedBy: string;
  comment: string | null;
  deniedAt: string;
  links: NotificationLinks;
}

export interface RequestExpiredContext {
  kind: 'request-expired';
  requestId: string;
  decideBy: string;
  expiredAt: string;
  links: NotificationLinks;
}

export interface RequestRefusedContext {
  kind: 'request-refused';
  requestId: string;
  requester: Principal;
  resource: string;
  role: string;
  duration: string;
  reason: string;
  message: string;
  maximumDuration: string | null;
  policyId: string | null;
  links: NotificationLinks;
}

export interface GrantExpiredContext {
  kind: 'grant-expired';
  requestId: string;
  grantId: string;
  subject: string;
  resource: string;
  role: string;
  endedAt: string;
  /** True when other grants still give the same access, so nothing is revoked yet. */
  accessRemains: boolean;
  coveringGrantIds: string[];
  links: NotificationLinks;
}

export interface AccessRevokedContext {
  kind: 'access-revoked';
  requestId: string;
  lastGrantId: string;
  subject: string;
  resource: string;
  role: string;
  revokedAt: string;
  reason: string;
  links: NotificationLinks;
}

export type NotificationContext =
  | ApprovalNeededContext
  | AccessGrantedContext
  | RequestDeniedContext
  | RequestExpiredContext
  | RequestRefusedContext
  | GrantExpiredContext
  | AccessRevokedContext;

export interface Notification {
  /** One line a person can read in a chat message or an e-mail subject. */
  summary: string;
  context: NotificationContext;
}

export function isNotifiableEventType(type: string): type is NotifiableEventType {
  return (NotifiableEventTypes as readonly string[]).includes(type);
}

/** What to tell people about an event, or null when the event is not one they are told about. */
export function buildNotification(event: DomainEvent): Notification | null {
  // Opt-out and anomaly events reach the security leads as notices (see `notices/`).
  if (isOptOutEvent(event)) return null;
  switch (event.type) {
    case 'ApprovalRequested':
      return approvalNeeded(event.data);
    case 'GrantIssued':
      return accessGranted(event.data);
    case 'RequestDenied':
      return requestDenied(event.data);
    case 'RequestExpired':
      return requestExpired(event.data);
    case 'AccessRequestRefused':
      return requestRefused(event.data);
    case 'GrantExpired':
      return grantExpired(event.data);
    case 'AccessRevoked':
      return accessRevoked(event.data);
    case 'AccessRequested':
    case 'ApprovalRecorded':
    case 'RequestApproved':
    case 'RequestDeadlinePassed':
    case 'RecordDeadLettered':
      return null;
    default:
      return assertNever(event);
  }
}

function approvalNeeded(data: EventPayloads['ApprovalRequested']): Notification {
  const approvals =
    data.approvalsRequired === 1 ? '1 approval' : `${data.approvalsRequired} approvals`;
  const ticket = data.ticket ? ` (ticket ${data.ticket})` : '';
  return {
    summary:
      `${data.requester.id} requests ${data.role} on ${data.resource} for ${data.duration}${ticket}: ` +
      `${approvals} needed from ${data.approverGroups.join(' or ')} by ${data.decideBy}`,
    context: {
      kind: 'approval-needed',
      requestId: data.requestId,
      requester: data.requester,
      resource: data.resource,
      role: data.role,
      duration: data.duration,
      justification: data.justification,
      ticket: data.ticket,
      approval: {
        approverGroups: data.approverGroups,
        approvalsRequired: data.approvalsRequired,
        decideBy: data.decideBy,
      },
      policyId: data.policyId,
      links: {
        ...requestLinks(data.requestId),
        approve: link('approvals', 'POST', `/access-requests/${data.requestId}/approve`),
        deny: link('approvals', 'POST', `/access-requests/${data.requestId}/deny`),
      },
    },
  };
}

function accessGranted(data: EventPayloads['GrantIssued']): Notification {
  const how = data.automatic
    ? `approved automatically by policy ${data.policyId}`
    : `approved by ${data.approvers.join(', ')}`;
  const cap = data.capped ? `; capped to ${data.duration} of ${data.requestedDuration} asked` : '';
  return {
    summary:
      `${data.subject} has ${data.role} on ${data.resource} from ${data.startsAt} until ` +
      `${data.endsAt} (${how}${cap})`,
    context: {
      kind: 'access-granted',
      requestId: data.requestId,
      grantId: data.grantId,
      subject: data.subject,
      resource: data.resource,
      role: data.role,
      window: { startsAt: data.startsAt, endsAt: data.endsAt, duration: data.duration },
      requestedDuration: data.requestedDuration,
      capped: data.capped,
      approvers: data.approvers,
      automatic: data.automatic,
      policyId: data.policyId,
      links: { ...requestLinks(data.requestId), ...grantLinks(data.subject, data.resource) },
    },
  };
}

// Limitation: the event names no requester or resource, so neither does this notification;
// receivers follow the `request` link for them.
function requestDenied(data: EventPayloads['RequestDenied']): Notification {
  const comment = data.comment ? `: "${data.comment}"` : '';
  return {
    summary: `Request ${data.requestId} was denied by ${data.deniedBy}${comment}`,
    context: {
      kind: 'request-denied',
      requestId: data.requestId,
      deniedBy: data.deniedBy,
      comment: data.comment,
      deniedAt: data.deniedAt,
      links: requestLinks(data.requestId),
    },
  };
}

function requestExpired(data: EventPayloads['RequestExpired']): Notification {
  return {
    summary: `Request ${data.requestId} expired undecided; it needed a decision by ${data.decideBy}`,
    context: {
      kind: 'request-expired',
      requestId: data.requestId,
      decideBy: data.decideBy,
      expiredAt: data.expiredAt,
      links: requestLinks(data.requestId),
    },
  };
}

function requestRefused(data: EventPayloads['AccessRequestRefused']): Notification {
  return {
    summary:
      `${data.requester.id}'s request for ${data.role} on ${data.resource} for ${data.duration} ` +
      `was refused (${data.reason}): ${data.message}`,
    context: {
      kind: 'request-refused',
      requestId: data.requestId,
      requester: data.requester,
      resource: data.resource,
      role: data.role,
      duration: data.duration,
      reason: data.reason,
      message: data.message,
      maximumDuration: data.maximumDuration,
      policyId: data.policyId,
      links: requestLinks(data.requestId),
    },
  };
}

function grantExpired(data: EventPayloads['GrantExpired']): Notification {
  const accessRemains = data.coveringGrantIds.length > 0;
  const consequence = accessRemains
    ? `access stays through ${data.coveringGrantIds.length} other grant(s)`
    : 'access is being revoked';
  return {
    summary:
      `Grant ${data.grantId} of ${data.role} on ${data.resource} to ${data.subject} ended at ` +
      `${data.endedAt}; ${consequence}`,
    context: {
      kind: 'grant-expired',
      requestId: data.requestId,
      grantId: data.grantId,
      subject: data.subject,
      resource: data.resource,
      role: data.role,
      endedAt: data.endedAt,
      accessRemains,
      coveringGrantIds: data.coveringGrantIds,
      links: { ...requestLinks(data.requestId), ...grantLinks(data.subject, data.resource) },
    },
  };
}

function accessRevoked(data: EventPayloads['AccessRevoked']): Notification {
  return {
    summary:
      `${data.subject}'s ${data.role} access on ${data.resource} was revoked at ` +
      `${data.revokedAt} (${data.reason})`,
    context: {
      kind: 'access-revoked',
      requestId: data.requestId,
      lastGrantId: data.lastGrantId,
      subject: data.subject,
      resource: data.resource,
      role: data.role,
      revokedAt: data.revokedAt,
      reason: data.reason,
      links: { ...requestLinks(data.requestId), ...grantLinks(data.subject, data.resource) },
    },
  };
}

function requestLinks(requestId: string): NotificationLinks {
  return {
    request: link('requests', 'GET', `/access-requests/${requestId}`),
    approval: link('approvals', 'GET', `/access-requests/${requestId}/approval`),
    audit: link('ledger', 'GET', `/audit?requestId=${encodeURIComponent(requestId)}`),
  };
}

function grantLinks(subject: string, resource: string): NotificationLinks {
  const query = `subject=${encodeURIComponent(subject)}&resource=${encodeURIComponent(resource)}`;
  return { currentGrants: link('ledger', 'GET', `/grants?${query}`) };
}

function link(
  service: NotificationLink['service'],
  method: NotificationLink['method'],
  path: string,
): NotificationLink {
  return { service, method, path };
}

function assertNever(value: never): never {
  throw new Error(`unhandled event type: ${JSON.stringify(value)}`);
}
