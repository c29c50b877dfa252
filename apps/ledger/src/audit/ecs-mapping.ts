import { DomainEvent, EventType, ServiceName } from '@app/contracts';

/** The Elastic Common Schema version the audit records follow. */
export const ECS_VERSION = '8.11.0';

export const ECS_MODULE = 'jit';
export const ECS_DATASET = 'jit.audit';
export const ANOMALY_RULESET = 'jit-anomalies';

export type EcsKind = 'event' | 'alert' | 'pipeline_error';
export type EcsCategory = 'iam';
export type EcsType =
  'creation' | 'deletion' | 'change' | 'allowed' | 'denied' | 'info' | 'start' | 'end' | 'error';
export type EcsOutcome = 'success' | 'failure' | 'unknown';

export interface EcsEvent {
  kind: EcsKind;
  category: EcsCategory[];
  type: EcsType[];
  /** The event type in kebab case: one action per event type (`GrantIssued` → `grant-issued`). */
  action: string;
  outcome: EcsOutcome;
  id: string;
  sequence: number;
  /** When the ledger recorded it; `@timestamp` is when it happened. */
  created: string;
  /** The service that emitted the event. */
  provider: ServiceName;
  module: typeof ECS_MODULE;
  dataset: typeof ECS_DATASET;
  /** The entry's chain hash, which proves the record's integrity. */
  hash: string;
  reason?: string;
  start?: string;
  end?: string;
  risk_score?: number;
}

export interface EcsUser {
  id?: string;
  name?: string;
  roles?: string[];
  target?: { id: string; name: string };
}

/** The custom namespace for what ECS has no field for. */
export interface JitFields {
  /** The envelope as parsed from `payload`. */
  event: DomainEvent;
  resource?: string;
  role?: string;
  request_id?: string;
  opt_out_id?: string;
  opt_out_kind?: string;
  grant_id?: string;
  anomaly_id?: string;
  ledger: { seq: number; hash: string; prev_hash: string };
}

export interface EcsFields {
  '@timestamp': string;
  ecs: { version: typeof ECS_VERSION };
  event: EcsEvent;
  user?: EcsUser;
  related: { user: string[] };
  service?: { target: { name: string } };
  rule?: { id: string; name: string; ruleset: typeof ANOMALY_RULESET };
  labels: Record<string, string>;
  jit: JitFields;
}

/** What the mapping needs of the stored entry besides its event. */
export interface EcsEntryContext {
  seq: number;
  hash: string;
  prevHash: string;
  recordedAt: string;
}

/** What one event says, before it is laid out as ECS fields. */
interface EventFacts {
  kind?: EcsKind;
  type: EcsType[];
  outcome: EcsOutcome;
  /** Who acted; null when a service acted on its own (then `event.provider` names it). */
  actor: string | null;
  actorGroups?: string[];
  /** Whose access the event is about, when the event itself says so. */
  target: string | null;
  reason: string | null;
  resource?: string | null;
  role?: string | null;
  requestId?: string | null;
  optOutId?: string | null;
  optOutKind?: string | null;
  grantId?: string | null;
  anomalyId?: string;
  otherUsers?: readonly (string | null)[];
  labels?: Record<string, string | null>;
  start?: string;
  end?: string;
  rule?: string;
  riskScore?: number;
}

/** `GrantIssued` → `grant-issued`. */
export function ecsActionOf(type: EventType): string {
  return type.replace(/(?<=[a-z0-9])(?=[A-Z])/g, '-').toLowerCase();
}

/**
 * The ECS fields of a ledger entry, from its event alone, so the same entry always maps to the same
 * fields, live or backfilled, and a verifier can recompute them.
 */
export function ecsFieldsOf(event: DomainEvent, entry: EcsEntryContext): EcsFields {
  const facts = factsOf(event);
  return {
    '@timestamp': event.time,
    ecs: { version: ECS_VERSION },
    event: {
      kind: facts.kind ?? 'event',
      category: ['iam'],
      type: facts.type,
      action: ecsActionOf(event.type),
      outcome: facts.outcome,
      id: event.id,
      sequence: entry.seq,
      created: entry.recordedAt,
      provider: event.source,
      module: ECS_MODULE,
      dataset: ECS_DATASET,
      hash: entry.hash,
      ...present({ reason: facts.reason, start: facts.start, end: facts.end }),
      ...(facts.riskScore === undefined ? {} : { risk_score: facts.riskScore }),
    },
    ...userFields(facts),
    related: { user: relatedUsers(facts) },
    ...(facts.resource ? { service: { target: { name: facts.resource } } } : {}),
    ...(facts.rule ? { rule: { id: facts.rule, name: facts.rule, ruleset: ANOMALY_RULESET } } : {}),
    labels: present({ correlation_id: event.correlationId, ...facts.labels }),
    jit: {
      event,
      ...present({
        resource: facts.resource,
        role: facts.role,
        request_id: facts.requestId,
        opt_out_id: facts.optOutId,
        opt_out_kind: facts.optOutKind,
        grant_id: facts.grantId,
        anomaly_id: facts.anomalyId,
      }),
      ledger: { seq: entry.seq, hash: entry.hash, prev_hash: entry.prevHash },
    },
  };
}

function userFields(facts: EventFacts): { user?: EcsUser } {
  const user: EcsUser = {
    ...(facts.actor ? { id: facts.actor, name: facts.actor } : {}),
    ...(facts.actor && facts.actorGroups ? { roles: facts.actorGroups } : {}),
    ...(facts.target ? { target: { id: facts.target, name: facts.target } } : {}),
  };
  return Object.keys(user).length === 0 ? {} : { user };
}

function relatedUsers(facts: EventFacts): string[] {
  const users = [facts.actor, facts.target, ...(facts.otherUsers ?? [])];
  return [...new Set(users.filter((user): user is string => Boolean(user)))];
}

function present<T extends Record<string, string | null | undefined>>(
  fields: T,
): Record<string, string> {
  const kept: Record<string, string> = {};
  for (const [key, value] of Object.entries(fields)) {
    if (value !== null && value !== undefined && value !== '') kept[key] = value;
  }
  return kept;
}

function commented(comment: string | null): string | null {
  return comment && comment.length > 0 ? comment : null;
}

type AccessFacts = Pick<
  EventFacts,
  'target' | 'resource' | 'role' | 'requestId' | 'optOutId' | 'optOutKind' | 'grantId'
>;

/** Whose access to what a grant's event is about. */
function grantAccessFacts(data: {
  subject: string;
  resource: string;
  role: string;
  requestId: string;
  grantId: string;
}): AccessFacts {
  return {
    target: data.subject,
    resource: data.resource,
    role: data.role,
    requestId: data.requestId,
    grantId: data.grantId,
  };
}

/** Whose access to what an opt-out's event is about; the opt-out's id is its grant's id too. */
function optOutAccessFacts(data: {
  subject: string;
  resource: string;
  role: string;
  optOutId: string;
  kind: string;
}): AccessFacts {
  return {
    target: data.subject,
    resource: data.resource,
    role: data.role,
    optOutId: data.optOutId,
    optOutKind: data.kind,
    grantId: data.optOutId,
  };
}

function factsOf(event: DomainEvent): EventFacts {
  switch (event.type) {
    case 'AccessRequested': {
      const { data } = event;
      return {
        type: ['creation'],
        outcome: 'success',
        actor: data.requester.id,
        actorGroups: data.requester.groups,
        target: data.requester.id,
        reason: data.justification,
        resource: data.resource,
        role: data.role,
        requestId: data.requestId,
        labels: { ticket: data.ticket, channel: data.channel },
      };
    }
    case 'AccessRequestRefused': {
      const { data } = event;
      return {
        type: ['creation', 'denied'],
        outcome: 'failure',
        actor: null,
        target: data.requester.id,
        reason: `${data.reason}: ${data.message}`,
        resource: data.resource,
        role: data.role,
        requestId: data.requestId,
        labels: { policy_id: data.policyId },
      };
    }
    case 'ApprovalRequested': {
      const { data } = event;
      return {
        type: ['info'],
        outcome: 'success',
        actor: null,
        target: data.requester.id,
        reason: data.justification,
        resource: data.resource,
        role: data.role,
        requestId: data.requestId,
        labels: { ticket: data.ticket, policy_id: data.policyId },
      };
    }
    case 'ApprovalRecorded':
      return {
        type: ['change', 'allowed'],
        outcome: 'success',
        actor: event.data.approver,
        target: null,
        reason: commented(event.data.comment),
        requestId: event.data.requestId,
      };
    case 'RequestApproved': {
      const { data } = event;
      return {
        type: ['change', 'allowed'],
        outcome: 'success',
        actor: null,
        target: null,
        reason: data.automatic
          ? `approved automatically by policy ${data.policyId}`
          : `approved by ${data.approvers.join(', ')} under policy ${data.policyId}`,
        requestId: data.requestId,
        otherUsers: data.approvers,
        labels: { policy_id: data.policyId },
      };
    }
    case 'RequestDenied':
      return {
        type: ['change', 'denied'],
        outcome: 'failure',
        actor: event.data.deniedBy,
        target: null,
        reason: commented(event.data.comment),
        requestId: event.data.requestId,
      };
    case 'RequestDeadlinePassed':
      return {
        type: ['info'],
        outcome: 'success',
        actor: null,
        target: null,
        reason: `no decision by ${event.data.decideBy}`,
        requestId: event.data.requestId,
      };
    case 'RequestExpired':
      return {
        type: ['change', 'denied'],
        outcome: 'failure',
        actor: null,
        target: null,
        reason: `no decision by ${event.data.decideBy}`,
        requestId: event.data.requestId,
      };
    case 'GrantIssued': {
      const { data } = event;
      return {
        type: ['creation', 'allowed', 'start'],
        outcome: 'success',
        actor: null,
        ...grantAccessFacts(data),
        reason: data.capped
          ? `granted for ${data.duration}, capped from ${data.requestedDuration}`
          : `granted for ${data.duration}`,
        otherUsers: data.approvers,
        labels: { policy_id: data.policyId },
        start: data.startsAt,
        end: data.endsAt,
      };
    }
    case 'GrantExpired': {
      const { data } = event;
      return {
        type: ['deletion', 'end'],
        outcome: 'success',
        actor: null,
        ...grantAccessFacts(data),
        reason:
          data.coveringGrantIds.length > 0
            ? `grant ended; access kept by ${data.coveringGrantIds.join(', ')}`
            : 'grant ended',
        end: data.endedAt,
      };
    }
    case 'AccessRevoked': {
      const { data } = event;
      return {
        type: ['deletion'],
        outcome: 'success',
        actor: null,
        target: data.subject,
        reason: data.reason,
        resource: data.resource,
        role: data.role,
        requestId: data.requestId,
        grantId: data.lastGrantId,
      };
    }
    case 'RecordDeadLettered': {
      const { data } = event;
      return {
        kind: 'pipeline_error',
        type: ['error'],
        outcome: 'failure',
        actor: null,
        target: null,
        reason: `${data.reason}: ${data.error}`,
        labels: {
          consumer_group: data.consumerGroup,
          source_topic: data.sourceTopic,
          partition: String(data.partition),
          offset: data.offset,
        },
      };
    }
    case 'OptOutRequested': {
      const { data } = event;
      return {
        type: ['creation'],
        outcome: 'success',
        actor: data.requester.id,
        actorGroups: data.requester.groups,
        target: data.requester.id,
        reason: data.justification,
        resource: data.resource,
        role: data.role,
        optOutId: data.optOutId,
        optOutKind: data.kind,
        otherUsers: [data.owner],
        labels: { incident: data.incident, ticket: data.ticket, rule_id: data.ruleId },
      };
    }
    case 'OptOutRefused': {
      const { data } = event;
      return {
        type: ['creation', 'denied'],
        outcome: 'failure',
        actor: null,
        target: data.requester.id,
        reason: `${data.reason} (${data.rule}): ${data.message}`,
        resource: data.resource,
        role: data.role,
        optOutId: data.optOutId,
        optOutKind: data.kind,
      };
    }
    case 'OptOutApprovalRecorded':
      return {
        type: ['change', 'allowed'],
        outcome: 'success',
        actor: event.data.approver,
        target: null,
        reason: commented(event.data.comment),
        optOutId: event.data.optOutId,
      };
    case 'OptOutDenied':
      return {
        type: ['change', 'denied'],
        outcome: 'failure',
        actor: event.data.deniedBy,
        target: null,
        reason: commented(event.data.comment),
        optOutId: event.data.optOutId,
      };
    case 'OptOutActivated': {
      const { data } = event;
      return {
        type: ['creation', 'allowed', 'start'],
        outcome: 'success',
        actor: null,
        ...optOutAccessFacts(data),
        reason: data.justification,
        otherUsers: [...data.approvers, data.owner],
        labels: { incident: data.incident, ticket: data.ticket, rule_id: data.ruleId },
        start: data.startsAt,
        end: data.endsAt,
      };
    }
    case 'OptOutRenewed': {
      const { data } = event;
      return {
        type: ['change', 'allowed'],
        outcome: 'success',
        actor: data.renewedBy,
        ...optOutAccessFacts(data),
        reason: data.attestation,
        end: data.endsAt,
      };
    }
    case 'OptOutUsed':
      return {
        type: ['info'],
        outcome: 'success',
        actor: event.data.reportedBy,
        target: null,
        reason: null,
        optOutId: event.data.optOutId,
      };
    case 'OptOutLapsed': {
      const { data } = event;
      return {
        type: ['deletion', 'end'],
        outcome: 'success',
        actor: null,
        ...optOutAccessFacts(data),
        reason: `unused for ${data.unusedFor}`,
        end: data.lapsedAt,
      };
    }
    case 'OptOutRevoked': {
      const { data } = event;
      return {
        type: ['deletion', 'end'],
        outcome: 'success',
        actor: data.revokedBy,
        ...optOutAccessFacts(data),
        reason: data.reason,
        end: data.revokedAt,
      };
    }
    case 'OptOutExpired': {
      const { data } = event;
      return {
        type: ['deletion', 'end'],
        outcome: 'success',
        actor: null,
        ...optOutAccessFacts(data),
        reason:
          data.coveringGrantIds.length > 0
            ? `opt-out ended; access kept by ${data.coveringGrantIds.join(', ')}`
            : 'opt-out ended',
        end: data.endedAt,
      };
    }
    case 'OptOutDeadlinePassed':
      return {
        type: ['info'],
        outcome: 'success',
        actor: null,
        target: null,
        reason: `${event.data.deadline} deadline passed at ${event.data.dueAt}`,
        optOutId: event.data.optOutId,
      };
    case 'BreakGlassReviewOverdue': {
      const { data } = event;
      return {
        type: ['info'],
        outcome: 'success',
        actor: null,
        target: data.subject,
        reason: `review was due by ${data.reviewBy}`,
        resource: data.resource,
        role: data.role,
        optOutId: data.optOutId,
        optOutKind: 'break-glass',
        labels: { incident: data.incident },
      };
    }
    case 'BreakGlassReviewed': {
      const { data } = event;
      return {
        type: ['info'],
        outcome: 'success',
        actor: data.reviewer,
        target: data.subject,
        reason: `${data.outcome}${data.late ? ' (late)' : ''}: ${data.notes}`,
        optOutId: data.optOutId,
        optOutKind: 'break-glass',
        labels: { review_outcome: data.outcome },
      };
    }
    case 'BreakGlassEligibilitySuspended':
      return {
        type: ['change', 'denied'],
        outcome: 'success',
        actor: null,
        target: event.data.subject,
        reason: 'break-glass review overdue',
        optOutId: event.data.optOutId,
        optOutKind: 'break-glass',
      };
    case 'BreakGlassEligibilityRestored':
      return {
        type: ['change', 'allowed'],
        outcome: 'success',
        actor: null,
        target: event.data.subject,
        reason: 'overdue break-glass reviews done',
        optOutId: event.data.optOutId,
        optOutKind: 'break-glass',
      };
    case 'LegacyExemptionRecertificationDue': {
      const { data } = event;
      return {
        type: ['info'],
        outcome: 'success',
        actor: null,
        ...optOutAccessFacts(data),
        reason: `recertification by ${data.owner} due at ${data.dueAt}`,
        otherUsers: [data.owner],
      };
    }
    case 'AnomalyDetected': {
      const { data } = event;
      return {
        kind: 'alert',
        type: ['info'],
        outcome: 'unknown',
        actor: null,
        target: data.subject,
        reason: data.reason,
        resource: data.resource,
        anomalyId: data.anomalyId,
        labels: { team: data.team, concerns: data.relatedIds.join(',') },
        rule: data.rule,
        riskScore: Math.round(data.score * 10000) / 100,
      };
    }
    case 'NoticeEscalated': {
      const { data } = event;
      return {
        type: ['info'],
        outcome: 'success',
        actor: null,
        target: null,
        reason: `${data.reason}: level ${data.fromLevel} to ${data.toLevel}`,
        otherUsers: data.recipients,
        labels: {
          notice_id: data.noticeId,
          severity: data.severity,
          about_event_id: data.eventId,
          about_event_type: data.eventType,
        },
      };
    }
    case 'NoticeAcknowledged': {
      const { data } = event;
      return {
        type: ['info'],
        outcome: 'success',
        actor: data.acknowledgedBy,
        target: null,
        reason: null,
        labels: {
          notice_id: data.noticeId,
          about_event_id: data.eventId,
          about_event_type: data.eventType,
        },
      };
    }
    default:
      return unmappedFacts(event);
  }
}

// Takes `never`, so the compiler names any event type the switch misses; at run time an entry of a
// newer contract version still gets a record rather than holding back every entry after it.
function unmappedFacts(_event: never): EventFacts {
  return { type: ['info'], outcome: 'unknown', actor: null, target: null, reason: null };
}
