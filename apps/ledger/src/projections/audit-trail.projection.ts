import { DomainEvent } from '@app/contracts';
import { ProjectedEntry } from './projected-entry';

/** One line of the audit trail per ledger entry: who did what to whose access, in words. */
export interface AuditTrailRecord {
  seq: number;
  eventId: string;
  eventType: DomainEvent['type'];
  occurredAt: string;
  recordedAt: string;
  /** The person who acted, or the service that acted on its own. */
  actor: string;
  subject: string | null;
  resource: string | null;
  role: string | null;
  requestId: string | null;
  grantId: string | null;
  summary: string;
}

/** Whose access a request is about; later events of the request only carry its id. */
export interface RequestTarget {
  requestId: string;
  subject: string;
  resource: string;
  role: string;
}

export type AuditTrailChange =
  | { kind: 'target-noted'; target: RequestTarget }
  | { kind: 'record-appended'; record: AuditTrailRecord };

export interface AuditTrailState {
  records: ReadonlyMap<number, AuditTrailRecord>;
  targets: ReadonlyMap<string, RequestTarget>;
}

export const EMPTY_AUDIT_TRAIL: AuditTrailState = { records: new Map(), targets: new Map() };

/** The request id of an event, if it belongs to a request. */
export function requestIdOf(event: DomainEvent): string | null {
  return event.type === 'RecordDeadLettered' ? null : event.data.requestId;
}

/** The target an event states itself, for the events that carry subject, resource and role. */
export function targetStatedBy(event: DomainEvent): RequestTarget | null {
  switch (event.type) {
    case 'AccessRequested':
    case 'AccessRequestRefused':
    case 'ApprovalRequested':
      return {
        requestId: event.data.requestId,
        subject: event.data.requester.id,
        resource: event.data.resource,
        role: event.data.role,
      };
    case 'GrantIssued':
    case 'GrantExpired':
    case 'AccessRevoked':
      return {
        requestId: event.data.requestId,
        subject: event.data.subject,
        resource: event.data.resource,
        role: event.data.role,
      };
    default:
      return null;
  }
}

/**
 * The changes for entries in seq order. `known` holds the targets of requests seen before these
 * entries; targets stated by earlier entries of the same list are used for later ones.
 */
export function auditTrailChanges(
  entries: readonly ProjectedEntry[],
  known: ReadonlyMap<string, RequestTarget>,
): AuditTrailChange[] {
  const targets = new Map(known);
  const changes: AuditTrailChange[] = [];
  for (const entry of entries) {
    const stated = targetStatedBy(entry.event);
    if (stated && !targets.has(stated.requestId)) {
      targets.set(stated.requestId, stated);
      changes.push({ kind: 'target-noted', target: stated });
    }
    const requestId = requestIdOf(entry.event);
    const target = stated ?? (requestId === null ? undefined : targets.get(requestId));
    changes.push({ kind: 'record-appended', record: auditTrailRecord(entry, target) });
  }
  return changes;
}

/** The meaning of the changes: the first target of a request and the first record of a seq stay. */
export function applyAuditTrailChanges(
  state: AuditTrailState,
  changes: readonly AuditTrailChange[],
): AuditTrailState {
  const records = new Map(state.records);
  const targets = new Map(state.targets);
  for (const change of changes) {
    if (change.kind === 'target-noted') {
      if (!targets.has(change.target.requestId)) {
        targets.set(change.target.requestId, change.target);
      }
    } else if (!records.has(change.record.seq)) {
      records.set(change.record.seq, change.record);
    }
  }
  return { records, targets };
}

/** Requests whose target `auditTrailChanges` must be told about, because the events do not say it. */
export function requestsNeedingTargets(entries: readonly ProjectedEntry[]): string[] {
  const needed = new Set<string>();
  for (const { event } of entries) {
    const requestId = requestIdOf(event);
    if (requestId !== null && targetStatedBy(event) === null) needed.add(requestId);
  }
  return [...needed];
}

export function auditTrailRecord(
  entry: ProjectedEntry,
  target: RequestTarget | undefined,
): AuditTrailRecord {
  const { event } = entry;
  const described = describe(event, target);
  return {
    seq: entry.seq,
    eventId: event.id,
    eventType: event.type,
    occurredAt: event.time,
    recordedAt: entry.recordedAt,
    actor: described.actor,
    subject: target?.subject ?? null,
    resource: target?.resource ?? null,
    role: target?.role ?? null,
    requestId: requestIdOf(event),
    grantId: grantIdOf(event),
    summary: described.summary,
  };
}

function grantIdOf(event: DomainEvent): string | null {
  switch (event.type) {
    case 'GrantIssued':
    case 'GrantExpired':
      return event.data.grantId;
    case 'AccessRevoked':
      return event.data.lastGrantId;
    default:
      return null;
  }
}

/** " for u-101 (db-admin on db:orders-prod)", or nothing when the target is unknown. */
function forWhom(target: RequestTarget | undefined): string {
  return target ? ` for ${target.subject} (${target.role} on ${target.resource})` : '';
}

function withComment(comment: string | null): string {
  return comment ? `: "${comment}"` : '';
}

function describe(
  event: DomainEvent,
  target: RequestTarget | undefined,
): { actor: string; summary: string } {
  const service = event.source;
  switch (event.type) {
    case 'AccessRequested': {
      const { data } = event;
      const ticket = data.ticket ? `, ticket ${data.ticket}` : '';
      const start = data.startAt ? ` starting ${data.startAt}` : '';
      return {
        actor: data.requester.id,
        summary:
          `${data.requester.id} requested ${data.role} on ${data.resource} for ${data.duration}` +
          `${start} (request ${data.requestId}, via ${data.channel}${ticket}): "${data.justification}"`,
      };
    }
    case 'AccessRequestRefused': {
      const { data } = event;
      return {
        actor: service,
        summary: `request ${data.requestId}${forWhom(target)} refused (${data.reason}): ${data.message}`,
      };
    }
    case 'ApprovalRequested': {
      const { data } = event;
      return {
        actor: service,
        summary:
          `request ${data.requestId}${forWhom(target)} awaits ${data.approvalsRequired} ` +
          `approval(s) from ${data.approverGroups.join(', ')} by ${data.decideBy} ` +
          `(policy ${data.policyId})`,
      };
    }
    case 'ApprovalRecorded': {
      const { data } = event;
      return {
        actor: data.approver,
        summary:
          `${data.approver} approved request ${data.requestId}${forWhom(target)}, ` +
          `${data.approvalsCount} of ${data.approvalsRequired}${withComment(data.comment)}`,
      };
    }
    case 'RequestApproved': {
      const { data } = event;
      const how = data.automatic
        ? `automatically by policy ${data.policyId}`
        : `by ${data.approvers.join(', ')} (policy ${data.policyId})`;
      return {
        actor: service,
        summary: `request ${data.requestId}${forWhom(target)} approved ${how}`,
      };
    }
    case 'RequestDenied': {
      const { data } = event;
      return {
        actor: data.deniedBy,
        summary: `${data.deniedBy} denied request ${data.requestId}${forWhom(target)}${withComment(data.comment)}`,
      };
    }
    case 'RequestDeadlinePassed': {
      const { data } = event;
      return {
        actor: service,
        summary: `request ${data.requestId}${forWhom(target)} reached its decision deadline ${data.decideBy}`,
      };
    }
    case 'RequestExpired': {
      const { data } = event;
      return {
        actor: service,
        summary: `request ${data.requestId}${forWhom(target)} expired undecided at ${data.expiredAt} (deadline ${data.decideBy})`,
      };
    }
    case 'GrantIssued': {
      const { data } = event;
      const capped = data.capped ? `, capped from ${data.requestedDuration}` : '';
      const approval = data.automatic
        ? `approved automatically by policy ${data.policyId}`
        : `approved by ${data.approvers.join(', ')} (policy ${data.policyId})`;
      return {
        actor: service,
        summary:
          `grant ${data.grantId} issued to ${data.subject} for ${data.role} on ${data.resource} ` +
          `from ${data.startsAt} to ${data.endsAt} (${data.duration}${capped}), ${approval}`,
      };
    }
    case 'GrantExpired': {
      const { data } = event;
      const covered = data.coveringGrantIds.length
        ? `; access stays through grant(s) ${data.coveringGrantIds.join(', ')}`
        : '';
      return {
        actor: service,
        summary:
          `grant ${data.grantId} of ${data.subject} for ${data.role} on ${data.resource} ` +
          `ended at ${data.endedAt}${covered}`,
      };
    }
    case 'AccessRevoked': {
      const { data } = event;
      return {
        actor: service,
        summary:
          `access of ${data.subject} to ${data.role} on ${data.resource} revoked at ` +
          `${data.revokedAt} (${data.reason}; last grant ${data.lastGrantId})`,
      };
    }
    case 'RecordDeadLettered': {
      const { data } = event;
      return {
        actor: data.consumerGroup,
        summary:
          `record dead-lettered from ${data.sourceTopic} partition ${data.partition} offset ` +
          `${data.offset} by ${data.consumerGroup} (${data.reason}): ${data.error}`,
      };
    }
    default:
      return unreachable(event);
  }
}

function unreachable(value: never): never {
  throw new Error(`unhandled event ${JSON.stringify(value)}`);
}
