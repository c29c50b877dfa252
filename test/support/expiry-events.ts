import { randomUUID } from 'node:crypto';
import { createEvent, EventEnvelope, EventPayloads } from '@app/contracts';

/** Envelopes as the approvals service publishes them, for feeding the expiry service. */
function fromApprovals(requestId: string, time: string) {
  return {
    source: 'approvals' as const,
    time: new Date(time),
    partitionKey: requestId,
    correlationId: `correlation-${requestId}`,
    causationId: null,
  };
}

export function grantIssued(
  overrides: Partial<EventPayloads['GrantIssued']> & { startsAt: string; endsAt: string },
): EventEnvelope<'GrantIssued'> {
  const requestId = overrides.requestId ?? randomUUID();
  return createEvent(
    'GrantIssued',
    {
      grantId: randomUUID(),
      requestId,
      subject: 'u-101',
      resource: 'db:orders-prod',
      role: 'db-admin',
      duration: 'PT1H',
      requestedDuration: 'PT1H',
      capped: false,
      approvers: ['u-202'],
      automatic: false,
      policyId: 'dba-production',
      ...overrides,
    },
    fromApprovals(requestId, overrides.startsAt),
  );
}

export function approvalRequested(decideBy: string): EventEnvelope<'ApprovalRequested'> {
  const requestId = randomUUID();
  return createEvent(
    'ApprovalRequested',
    {
      requestId,
      requester: { id: 'u-101', groups: ['sre'] },
      resource: 'db:orders-prod',
      role: 'db-admin',
      duration: 'PT1H',
      justification: 'Repair the stuck reconciliation job',
      ticket: null,
      approverGroups: ['dba'],
      approvalsRequired: 1,
      decideBy,
      policyId: 'dba-production',
    },
    fromApprovals(requestId, new Date(Date.parse(decideBy) - 3600_000).toISOString()),
  );
}

export function requestApproved(
  request: EventEnvelope<'ApprovalRequested'>,
  approvedAt: string,
): EventEnvelope<'RequestApproved'> {
  return createEvent(
    'RequestApproved',
    {
      requestId: request.data.requestId,
      approvers: ['u-202'],
      automatic: false,
      policyId: request.data.policyId,
      approvedAt,
    },
    { ...fromApprovals(request.data.requestId, approvedAt), causationId: request.id },
  );
}

export function asRecord(event: EventEnvelope): { key: string; value: string } {
  return { key: event.partitionKey, value: JSON.stringify(event) };
}
