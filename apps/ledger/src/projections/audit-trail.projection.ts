import { DomainEvent, isOptOutEvent, OptOutKind } from '@app/contracts';
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
  /** The opt-out an event is about; its events carry no request id. */
  optOutId: string | null;
  summary: string;
}

/** Whose access a request is about; later events of the request only carry its id. */
export interface RequestTarget {
  requestId: string;
  subject: string;
  resource: string;
  role: string;
}

/** Whose access an opt-out gives; several of its events only carry its id. */
export interface OptOutTarget {
  optOutId: string;
  kind: OptOutKind;
  subject: string;
  resource: string;
  role: string;
}

type Target = { subject: string; resource: string; role: string };

export type AuditTrailChange =
  | { kind: 'target-noted'; target: RequestTarget }
  | { kind: 'opt-out-noted'; target: OptOutTarget }
  | { kind: 'record-appended'; record: AuditTrailRecord };

export interface AuditTrailState {
  records: ReadonlyMap<number, AuditTrailRecord>;
  targets: ReadonlyMap<string, RequestTarget>;
  optOuts: ReadonlyMap<string, OptOutTarget>;
}

export const EMPTY_AUDIT_TRAIL: AuditTrailState = {
  records: new Map(),
  targets: new Map(),
  optOuts: new Map(),
};

/** The request id of an event, if it belongs to a request. */
export function requestIdOf(event: DomainEvent): string | null {
  if (event.type === 'RecordDeadLettered' || isOptOutEvent(event)) return null;
  return event.data.requestId;
}

/** The opt-out an event belongs to by its own data; anomalies and notices carry no opt-out id. */
export function optOutIdOf(event: DomainEvent): string | null {
  if (!isOptOutEvent(event)) return null;
  return 'optOutId' in event.data ? event.data.optOutId : null;
}

/** The opt-out or request an anomaly is about: its first related id, also its partition key. */
export function anomalyConcernOf(event: DomainEvent): string | null {
  return event.type === 'AnomalyDetected' ? (event.data.relatedIds[0] ?? null) : null;
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

/** The opt-out an event states in full, with whose access it is. */
export function optOutTargetStatedBy(event: DomainEvent): OptOutTarget | null {
  switch (event.type) {
    case 'OptOutRequested':
    case 'OptOutRefused': {
      const { data } = event;
      return {
        optOutId: data.optOutId,
        kind: data.kind,
        subject: data.requester.id,
        resource: data.resource,
        role: data.role,
      };
    }
    case 'OptOutActivated':
    case 'OptOutRenewed':
    case 'OptOutLapsed':
    case 'OptOutRevoked':
    case 'OptOutExpired':
    case 'LegacyExemptionRecertificationDue': {
      const { data } = event;
      return {
        optOutId: data.optOutId,
        kind: data.kind,
        subject: data.subject,
        resource: data.resource,
        role: data.role,
      };
    }
    case 'BreakGlassReviewOverdue': {
      const { data } = event;
      return {
        optOutId: data.optOutId,
        kind: 'break-glass',
        subject: data.subject,
        resource: data.resource,
        role: data.role,
      };
    }
    default:
      return null;
  }
}

/** The targets of requests and opt-outs seen before the entries being projected. */
export interface KnownTargets {
  requests: ReadonlyMap<string, RequestTarget>;
  optOuts: ReadonlyMap<string, OptOutTarget>;
}

/**
 * The changes for entries in seq order. `known` holds the targets of requests and opt-outs seen
 * before these entries; targets stated by earlier entries of the same list are used for later ones.
 */
export function auditTrailChanges(
  entries: readonly ProjectedEntry[],
  known: KnownTargets,
): AuditTrailChange[] {
  const changes: AuditTrailChange[] = [];
  // Targets first stated in this list sit over `known`, which may hold a whole ledger's targets
  // and is not copied for each page.
  const targets = new TargetsSeen(known.requests, (target) =>
    changes.push({ kind: 'target-noted', target }),
  );
  const optOuts = new TargetsSeen(known.optOuts, (target) =>
    changes.push({ kind: 'opt-out-noted', target }),
  );
  for (const entry of entries) {
    changes.push({ kind: 'record-appended', record: auditTrailStep(entry, targets, optOuts) });
  }
  return changes;
}

/**
 * `applyAuditTrailChanges(state, auditTrailChanges(entries, state))` on maps the caller owns and
 * changes in place, without building the list of changes: what a replay folds ledger-long.
 */
export function foldAuditTrailInPlace(
  state: MutableAuditTrailState,
  entries: readonly ProjectedEntry[],
): void {
  const { records, targets, optOuts } = state;
  for (const entry of entries) {
    const record = auditTrailStep(entry, targets, optOuts);
    if (!records.has(record.seq)) records.set(record.seq, record);
  }
}

/** Where the walk over entries looks targets up and notes the ones stated first. */
interface TargetStore<T> {
  get(id: string): T | undefined;
  has(id: string): boolean;
  set(id: string, target: T): void;
}

/**
 * One entry's record, after noting the request or opt-out target it states first. The one walk
 * behind both the list of changes and the fold in place, so the two cannot disagree.
 */
function auditTrailStep(
  entry: ProjectedEntry,
  targets: TargetStore<RequestTarget>,
  optOuts: TargetStore<OptOutTarget>,
): AuditTrailRecord {
  const concern = anomalyConcernOf(entry.event);
  if (concern !== null) return anomalyRecord(entry, concern, { requests: targets, optOuts });

  const statedOptOut = optOutTargetStatedBy(entry.event);
  if (statedOptOut && !optOuts.has(statedOptOut.optOutId)) {
    optOuts.set(statedOptOut.optOutId, statedOptOut);
  }
  const optOut = optOutOf(entry.event, optOuts);

  const stated = optOut ? null : targetStatedBy(entry.event);
  if (stated && !targets.has(stated.requestId)) targets.set(stated.requestId, stated);
  const requestId = optOut ? null : requestIdOf(entry.event);
  const target = stated ?? (requestId === null ? undefined : targets.get(requestId));
  return auditTrailRecord(entry, optOut ?? target, optOut?.optOutId ?? optOutIdOf(entry.event));
}

/** What a lookup of targets needs: a map, or the targets seen so far over a map. */
interface TargetLookup<T> {
  get(id: string): T | undefined;
}

/**
 * The targets a list of entries states, looked up before those known from earlier entries, each
 * told to `noted` as it is first set.
 */
class TargetsSeen<T> implements TargetStore<T> {
  private readonly added = new Map<string, T>();

  constructor(
    private readonly known: ReadonlyMap<string, T>,
    private readonly noted: (target: T) => void,
  ) {}

  get(id: string): T | undefined {
    return this.added.get(id) ?? this.known.get(id);
  }

  has(id: string): boolean {
    return this.added.has(id) || this.known.has(id);
  }

  set(id: string, target: T): void {
    this.added.set(id, target);
    this.noted(target);
  }
}

/**
 * An anomaly's record, filed under the opt-out or the request it concerns, told apart by which of
 * them the ledger knew a target for before the anomaly; it names the anomaly's own subject (for an
 * approval, the approver) and resource, and the role of the access concerned.
 */
function anomalyRecord(
  entry: ProjectedEntry,
  concern: string,
  known: { requests: TargetLookup<RequestTarget>; optOuts: TargetLookup<OptOutTarget> },
): AuditTrailRecord {
  const optOut = known.optOuts.get(concern);
  const request = optOut ? undefined : known.requests.get(concern);
  const record = auditTrailRecord(entry, undefined, optOut ? concern : null);
  const target = optOut ?? request;
  record.resource = record.resource ?? target?.resource ?? null;
  record.role = target?.role ?? null;
  record.requestId = request ? concern : null;
  return record;
}

/**
 * The opt-out of an event, by its id; an AccessRevoked that ends an opt-out carries the opt-out
 * id as its request id, and is told apart by that id being a known opt-out.
 */
function optOutOf(
  event: DomainEvent,
  optOuts: TargetLookup<OptOutTarget>,
): OptOutTarget | undefined {
  const optOutId = event.type === 'AccessRevoked' ? event.data.requestId : optOutIdOf(event);
  return optOutId === null ? undefined : optOuts.get(optOutId);
}

/**
 * The meaning of the changes: the first target of a request or opt-out and the first record of a
 * seq stay.
 */
export function applyAuditTrailChanges(
  state: AuditTrailState,
  changes: readonly AuditTrailChange[],
): AuditTrailState {
  const next: MutableAuditTrailState = {
    records: new Map(state.records),
    targets: new Map(state.targets),
    optOuts: new Map(state.optOuts),
  };
  applyAuditTrailChangesInPlace(next, changes);
  return next;
}

/** An audit trail whose maps a fold owns and changes in place. */
export interface MutableAuditTrailState extends AuditTrailState {
  records: Map<number, AuditTrailRecord>;
  targets: Map<string, RequestTarget>;
  optOuts: Map<string, OptOutTarget>;
}

/** `applyAuditTrailChanges` on maps the caller owns, for a fold that must not copy them. */
export function applyAuditTrailChangesInPlace(
  state: MutableAuditTrailState,
  changes: readonly AuditTrailChange[],
): void {
  const { records, targets, optOuts } = state;
  for (const change of changes) {
    if (change.kind === 'target-noted') {
      if (!targets.has(change.target.requestId)) {
        targets.set(change.target.requestId, change.target);
      }
    } else if (change.kind === 'opt-out-noted') {
      if (!optOuts.has(change.target.optOutId)) optOuts.set(change.target.optOutId, change.target);
    } else if (!records.has(change.record.seq)) {
      records.set(change.record.seq, change.record);
    }
  }
}

/** Requests whose target `auditTrailChanges` must be told about, because the events do not say it. */
export function requestsNeedingTargets(entries: readonly ProjectedEntry[]): string[] {
  const needed = new Set<string>();
  for (const { event } of entries) {
    const requestId = requestIdOf(event) ?? anomalyConcernOf(event);
    if (requestId !== null && targetStatedBy(event) === null) needed.add(requestId);
  }
  return [...needed];
}

/**
 * Opt-outs whose target `auditTrailChanges` must be told about: those of events that name only the
 * opt-out, and the ids of revocations and of what anomalies concern, which may be opt-outs.
 */
export function optOutsNeedingTargets(entries: readonly ProjectedEntry[]): string[] {
  const needed = new Set<string>();
  for (const { event } of entries) {
    if (event.type === 'AccessRevoked') needed.add(event.data.requestId);
    const concern = anomalyConcernOf(event);
    if (concern !== null) needed.add(concern);
    const optOutId = optOutIdOf(event);
    if (optOutId !== null && optOutTargetStatedBy(event) === null) needed.add(optOutId);
  }
  return [...needed];
}

export function auditTrailRecord(
  entry: ProjectedEntry,
  target: Target | undefined,
  optOutId: string | null = optOutIdOf(entry.event),
): AuditTrailRecord {
  const { event } = entry;
  const described = describe(event, target);
  const own = event.type === 'AnomalyDetected' ? event.data : undefined;
  return {
    seq: entry.seq,
    eventId: event.id,
    eventType: event.type,
    occurredAt: event.time,
    recordedAt: entry.recordedAt,
    actor: described.actor,
    subject: target?.subject ?? own?.subject ?? null,
    resource: target?.resource ?? own?.resource ?? null,
    role: target?.role ?? null,
    requestId: optOutId === null ? requestIdOf(event) : null,
    grantId: grantIdOf(event),
    optOutId,
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
    case 'OptOutActivated':
    case 'OptOutRenewed':
    case 'OptOutExpired':
    case 'OptOutRevoked':
    case 'OptOutLapsed':
      return event.data.optOutId;
    default:
      return null;
  }
}

/** " for u-101 (db-admin on db:orders-prod)", or nothing when the target is unknown. */
function forWhom(target: Target | undefined): string {
  return target ? ` for ${target.subject} (${target.role} on ${target.resource})` : '';
}

/** "u-101 (db-admin on db:orders-prod)" for an event that states its access. */
function access(data: Target): string {
  return `${data.subject} (${data.role} on ${data.resource})`;
}

function withComment(comment: string | null): string {
  return comment ? `: "${comment}"` : '';
}

function optional(label: string, value: string | null): string {
  return value ? `, ${label} ${value}` : '';
}

function describe(
  event: DomainEvent,
  target: Target | undefined,
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
    case 'OptOutRequested': {
      const { data } = event;
      const approval = data.approval
        ? `, needs ${data.approval.approvalsRequired} approval(s) from ` +
          data.approval.approverGroups.join(', ')
        : '';
      return {
        actor: data.requester.id,
        summary:
          `${data.requester.id} asked for a ${data.kind} opt-out: ${data.role} on ${data.resource} ` +
          `for ${data.duration} (opt-out ${data.optOutId}${optional('rule', data.ruleId)}` +
          `${optional('maximum', data.maximumDuration)}${optional('incident', data.incident)}` +
          `${optional('ticket', data.ticket)}${optional('owner', data.owner)}${approval}): ` +
          `"${data.justification}"`,
      };
    }
    case 'OptOutRefused': {
      const { data } = event;
      return {
        actor: service,
        summary:
          `${data.kind} opt-out ${data.optOutId} for ${data.requester.id} (${data.role} on ` +
          `${data.resource}) refused (${data.reason}, rule ${data.rule}): ${data.message}`,
      };
    }
    case 'OptOutApprovalRecorded': {
      const { data } = event;
      return {
        actor: data.approver,
        summary:
          `${data.approver} approved opt-out ${data.optOutId}${forWhom(target)}, ` +
          `${data.approvalsCount} of ${data.approvalsRequired}${withComment(data.comment)}`,
      };
    }
    case 'OptOutDenied': {
      const { data } = event;
      return {
        actor: data.deniedBy,
        summary: `${data.deniedBy} denied opt-out ${data.optOutId}${forWhom(target)}${withComment(data.comment)}`,
      };
    }
    case 'OptOutActivated': {
      const { data } = event;
      const approval = data.approvers.length
        ? `approved by ${data.approvers.join(', ')}`
        : 'without approval';
      return {
        actor: service,
        summary:
          `${data.kind} opt-out ${data.optOutId} active for ${access(data)} from ${data.startsAt} ` +
          `to ${data.endsAt} (${data.duration}, rule ${data.ruleId}, ${approval}` +
          `${optional('review due by', data.reviewBy)}` +
          `${optional('lapses when unused for', data.lapseAfterUnused)}` +
          `${optional('recertification due by', data.recertifyBy)})`,
      };
    }
    case 'OptOutRenewed': {
      const { data } = event;
      return {
        actor: data.renewedBy,
        summary:
          `${data.renewedBy} renewed ${data.kind} opt-out ${data.optOutId} of ${access(data)} ` +
          `until ${data.endsAt} (was ${data.previousEndsAt}): "${data.attestation}"`,
      };
    }
    case 'OptOutUsed': {
      const { data } = event;
      return {
        actor: data.reportedBy,
        summary: `${data.reportedBy} reported a use of opt-out ${data.optOutId}${forWhom(target)} at ${data.usedAt}`,
      };
    }
    case 'OptOutLapsed': {
      const { data } = event;
      return {
        actor: service,
        summary:
          `${data.kind} opt-out ${data.optOutId} of ${access(data)} lapsed at ${data.lapsedAt}, ` +
          `unused for ${data.unusedFor} (${data.uses} use(s) in all)`,
      };
    }
    case 'OptOutRevoked': {
      const { data } = event;
      return {
        actor: data.revokedBy,
        summary:
          `${data.revokedBy} revoked ${data.kind} opt-out ${data.optOutId} of ${access(data)} ` +
          `at ${data.revokedAt}: "${data.reason}"`,
      };
    }
    case 'OptOutExpired': {
      const { data } = event;
      const covered = data.coveringGrantIds.length
        ? `; access stays through ${data.coveringGrantIds.join(', ')}`
        : '';
      return {
        actor: service,
        summary: `${data.kind} opt-out ${data.optOutId} of ${access(data)} ended at ${data.endedAt}${covered}`,
      };
    }
    case 'OptOutDeadlinePassed': {
      const { data } = event;
      return {
        actor: service,
        summary: `opt-out ${data.optOutId}${forWhom(target)} reached its ${data.deadline} deadline ${data.dueAt}`,
      };
    }
    case 'BreakGlassReviewOverdue': {
      const { data } = event;
      return {
        actor: service,
        summary:
          `review of break-glass ${data.optOutId} of ${access(data)} overdue since ` +
          `${data.reviewBy}${optional('incident', data.incident)}`,
      };
    }
    case 'BreakGlassReviewed': {
      const { data } = event;
      return {
        actor: data.reviewer,
        summary:
          `${data.reviewer} reviewed break-glass ${data.optOutId}${forWhom(target)}: ` +
          `${data.outcome}${data.late ? ', late' : ''}: "${data.notes}"`,
      };
    }
    case 'BreakGlassEligibilitySuspended': {
      const { data } = event;
      return {
        actor: service,
        summary: `break-glass eligibility of ${data.subject} suspended at ${data.suspendedAt} (review of ${data.optOutId} overdue)`,
      };
    }
    case 'BreakGlassEligibilityRestored': {
      const { data } = event;
      return {
        actor: service,
        summary: `break-glass eligibility of ${data.subject} restored at ${data.restoredAt} (review of ${data.optOutId} done)`,
      };
    }
    case 'LegacyExemptionRecertificationDue': {
      const { data } = event;
      return {
        actor: service,
        summary:
          `legacy exemption ${data.optOutId} of ${access(data)} due for recertification by ` +
          `${data.owner} before ${data.endsAt}`,
      };
    }
    case 'AnomalyDetected': {
      const { data } = event;
      return {
        actor: service,
        summary:
          `anomaly ${data.rule} (score ${data.score.toFixed(2)}) about ${data.subject}` +
          `${optional('team', data.team)}${optional('resource', data.resource)}: ${data.reason} ` +
          `(concerns ${data.relatedIds.join(', ')}; seen at ledger entry ${data.ledgerSeq})`,
      };
    }
    case 'NoticeEscalated': {
      const { data } = event;
      return {
        actor: service,
        summary:
          `${data.severity} notice ${data.noticeId} of ${data.eventType} ${data.eventId} escalated ` +
          `from level ${data.fromLevel} to ${data.toLevel} (${data.reason}) to ${data.recipients.join(', ')}`,
      };
    }
    case 'NoticeAcknowledged': {
      const { data } = event;
      return {
        actor: data.acknowledgedBy,
        summary: `${data.acknowledgedBy} acknowledged notice ${data.noticeId} of ${data.eventType} ${data.eventId}`,
      };
    }
    default:
      return unreachable(event);
  }
}

function unreachable(value: never): never {
  throw new Error(`unhandled event ${JSON.stringify(value)}`);
}
