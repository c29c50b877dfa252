import { randomUUID } from 'node:crypto';
import { causedBy, createEvent, DomainEvent, EventEnvelope, EventOrigin } from '@app/contracts';
import {
  addDuration,
  AutoApproveDecision,
  PolicyDecision,
  RefuseDecision,
  RequireApprovalDecision,
} from '@app/domain';
import { ApprovalRequestRecord, IssuedGrant, Resolution } from './approval-request';
import { issueGrant } from './grant-issuance';

type AccessRequested = EventEnvelope<'AccessRequested'>;

export type AccessRequestPlan =
  | { outcome: 'refused'; events: DomainEvent[] }
  | { outcome: 'pending'; request: ApprovalRequestRecord; events: DomainEvent[] }
  | {
      outcome: 'approved';
      request: ApprovalRequestRecord;
      resolution: Resolution;
      grant: IssuedGrant;
      events: DomainEvent[];
    };

/**
 * What the policy decision for a request means here: what to keep and which events to emit.
 * Every event is caused by the request and keyed by its id.
 */
export function planAccessRequestDecision(
  decision: PolicyDecision,
  requested: AccessRequested,
  now: Date,
  newId: () => string = randomUUID,
): AccessRequestPlan {
  const origin: EventOrigin = {
    ...causedBy(requested, 'approvals', now),
    partitionKey: requested.data.requestId,
  };

  switch (decision.kind) {
    case 'refuse':
      return planRefusal(decision, requested, origin);
    case 'auto-approve':
      return planAutoApproval(decision, requested, now, origin, newId());
    case 'require-approval':
      return planPendingApproval(decision, requested, now, origin);
    default:
      return unreachable(decision);
  }
}

function planRefusal(
  decision: RefuseDecision,
  requested: AccessRequested,
  origin: EventOrigin,
): AccessRequestPlan {
  const { requestId, requester, resource, role, duration } = requested.data;
  const refused = createEvent(
    'AccessRequestRefused',
    {
      requestId,
      requester,
      resource,
      role,
      duration,
      reason: decision.reason,
      message: decision.message,
      maximumDuration: decision.maximumDuration,
      policyId: decision.policyId,
    },
    origin,
  );
  return { outcome: 'refused', events: [refused] };
}

function planAutoApproval(
  decision: AutoApproveDecision,
  requested: AccessRequested,
  now: Date,
  origin: EventOrigin,
  grantId: string,
): AccessRequestPlan {
  const request: ApprovalRequestRecord = {
    ...baseRecord(decision, requested, now),
    autoApproveRule: decision.rule,
    approverGroups: [],
    approvalsRequired: 0,
    status: 'approved',
    decideBy: null,
    resolvedAt: now,
    resolvedBy: null,
  };
  const grant = issueGrant(request, { approvedAt: now, approvers: [], automatic: true }, grantId);

  const approved = createEvent(
    'RequestApproved',
    {
      requestId: request.requestId,
      approvers: [],
      automatic: true,
      policyId: decision.policyId,
      approvedAt: now.toISOString(),
    },
    origin,
  );
  const issued = createEvent('GrantIssued', grant, origin);
  return {
    outcome: 'approved',
    request,
    resolution: { status: 'approved', by: null, comment: null, at: now },
    grant,
    events: [approved, issued],
  };
}

function planPendingApproval(
  decision: RequireApprovalDecision,
  requested: AccessRequested,
  now: Date,
  origin: EventOrigin,
): AccessRequestPlan {
  const decideBy = addDuration(now, decision.decisionTimeoutMs);
  const request: ApprovalRequestRecord = {
    ...baseRecord(decision, requested, now),
    autoApproveRule: null,
    approverGroups: decision.approverGroups,
    approvalsRequired: decision.approvalsRequired,
    status: 'pending',
    decideBy,
    resolvedAt: null,
    resolvedBy: null,
  };

  // Approvers are asked to approve what a grant would run for, which is the capped duration.
  const approvalRequested = createEvent(
    'ApprovalRequested',
    {
      requestId: request.requestId,
      requester: request.requester,
      resource: request.resource,
      role: request.role,
      duration: request.grantedDuration,
      justification: request.justification,
      ticket: request.ticket,
      approverGroups: request.approverGroups,
      approvalsRequired: request.approvalsRequired,
      decideBy: decideBy.toISOString(),
      policyId: request.policyId,
    },
    origin,
  );
  return { outcome: 'pending', request, events: [approvalRequested] };
}

type RecordBase = Omit<
  ApprovalRequestRecord,
  | 'autoApproveRule'
  | 'approverGroups'
  | 'approvalsRequired'
  | 'status'
  | 'decideBy'
  | 'resolvedAt'
  | 'resolvedBy'
>;

function baseRecord(
  decision: AutoApproveDecision | RequireApprovalDecision,
  requested: AccessRequested,
  now: Date,
): RecordBase {
  const data = requested.data;
  return {
    requestId: data.requestId,
    requester: data.requester,
    resource: data.resource,
    role: data.role,
    requestedDuration: data.duration,
    grantedDuration: decision.grantedDuration,
    grantedDurationMs: decision.grantedDurationMs,
    capped: decision.capped,
    justification: data.justification,
    ticket: data.ticket,
    startAt: data.startAt === null ? null : new Date(data.startAt),
    policyId: decision.policyId,
    correlationId: requested.correlationId,
    createdAt: now,
  };
}

function unreachable(value: never): never {
  throw new Error(`unhandled policy decision ${JSON.stringify(value)}`);
}
