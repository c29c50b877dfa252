import { computeGrantWindow } from '@app/domain';
import { ApprovalRequestRecord, IssuedGrant } from './approval-request';

export interface GrantApproval {
  approvedAt: Date;
  approvers: string[];
  automatic: boolean;
}

/**
 * The grant an approval produces: from the approval (or the requested start, if later) for
 * exactly the granted duration, so a PT1H request approved at T ends at T+1h.
 */
export function issueGrant(
  request: ApprovalRequestRecord,
  approval: GrantApproval,
  grantId: string,
): IssuedGrant {
  const window = computeGrantWindow(
    approval.approvedAt,
    request.startAt,
    request.grantedDurationMs,
  );

  return {
    grantId,
    requestId: request.requestId,
    subject: request.requester.id,
    resource: request.resource,
    role: request.role,
    startsAt: window.startsAt.toISOString(),
    endsAt: window.endsAt.toISOString(),
    duration: request.grantedDuration,
    requestedDuration: request.requestedDuration,
    capped: request.capped,
    approvers: approval.approvers,
    automatic: approval.automatic,
    policyId: request.policyId,
  };
}
