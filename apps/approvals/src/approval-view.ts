import { z } from 'zod';
import { Instant } from '@app/contracts';
import { ApprovalRequestRecord, RecordedApproval } from './approval-request';

export const GrantSummary = z.object({
  grantId: z.uuid(),
  startsAt: Instant,
  endsAt: Instant,
  duration: z.string(),
  requestedDuration: z.string(),
  capped: z.boolean(),
});
export type GrantSummary = z.infer<typeof GrantSummary>;

/** A request's approval state as the HTTP API shows it. */
export const ApprovalView = z.object({
  requestId: z.uuid(),
  status: z.enum(['pending', 'approved', 'denied', 'expired']),
  requesterId: z.string(),
  resource: z.string(),
  role: z.string(),
  policyId: z.string(),
  approvalsRequired: z.number().int().min(0),
  approvals: z.array(
    z.object({ approver: z.string(), comment: z.string().nullable(), approvedAt: Instant }),
  ),
  decideBy: Instant.nullable(),
  resolvedAt: Instant.nullable(),
  resolvedBy: z.string().nullable(),
  /** Present once the request is approved. */
  grant: GrantSummary.optional(),
});
export type ApprovalView = z.infer<typeof ApprovalView>;

export function toApprovalView(
  request: ApprovalRequestRecord,
  approvals: RecordedApproval[],
  grant: GrantSummary | null,
): ApprovalView {
  const view: ApprovalView = {
    requestId: request.requestId,
    status: request.status,
    requesterId: request.requester.id,
    resource: request.resource,
    role: request.role,
    policyId: request.policyId,
    approvalsRequired: request.approvalsRequired,
    approvals: approvals.map((approval) => ({
      approver: approval.approver,
      comment: approval.comment,
      approvedAt: approval.approvedAt.toISOString(),
    })),
    decideBy: request.decideBy?.toISOString() ?? null,
    resolvedAt: request.resolvedAt?.toISOString() ?? null,
    resolvedBy: request.resolvedBy,
  };
  return grant === null ? view : { ...view, grant };
}
