import { EventPayloads, Principal } from '@app/contracts';
import { ApprovalState, ApprovalStatus } from '@app/domain';

/** A request as the approvals service keeps it, from the policy decision until it is resolved. */
export interface ApprovalRequestRecord {
  requestId: string;
  requester: Principal;
  resource: string;
  role: string;
  /** As the requester wrote it. */
  requestedDuration: string;
  /** What a grant will run for: the requested duration, or the policy's maximum when capped. */
  grantedDuration: string;
  grantedDurationMs: number;
  capped: boolean;
  justification: string;
  ticket: string | null;
  startAt: Date | null;
  policyId: string;
  /** The auto-approve rule that approved the request, if one did. */
  autoApproveRule: string | null;
  /** Empty, with zero approvals required, when a rule approved the request. */
  approverGroups: string[];
  approvalsRequired: number;
  status: ApprovalStatus;
  /** Null when the request never waited for approvers. */
  decideBy: Date | null;
  correlationId: string;
  createdAt: Date;
  resolvedAt: Date | null;
  resolvedBy: string | null;
}

export interface RecordedApproval {
  approver: string;
  comment: string | null;
  approvedAt: Date;
}

/** How a request was resolved; stored once per request. */
export interface Resolution {
  status: Exclude<ApprovalStatus, 'pending'>;
  /** The person who resolved it; null when a policy rule or the deadline did. */
  by: string | null;
  comment: string | null;
  at: Date;
}

export type IssuedGrant = EventPayloads['GrantIssued'];

/** The decider's view of a stored request and its approvals, in the order they were recorded. */
export function toApprovalState(
  request: ApprovalRequestRecord,
  approvals: RecordedApproval[],
): ApprovalState {
  return {
    requestId: request.requestId,
    requester: request.requester,
    approverGroups: request.approverGroups,
    approvalsRequired: request.approvalsRequired,
    status: request.status,
    approvals: approvals.map((approval) => ({
      approver: approval.approver,
      at: approval.approvedAt.toISOString(),
    })),
    // A request approved by a rule never had a deadline; the decider reads it only while pending.
    decideBy: (request.decideBy ?? request.createdAt).toISOString(),
    policyId: request.policyId,
  };
}
