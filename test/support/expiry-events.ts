import { randomUUID } from 'node:crypto';
import { EventEnvelope, EventPayloads } from '@app/contracts';
import { aGrantIssued, anApprovalRequested, aRequestApproved } from '@app/contracts/testing';

// The events the expiry service reads. Their correlation id differs from the request id, so a
// test can see that expiry carries the correlation on rather than deriving it.
const correlationOf = (requestId: string) => `correlation-${requestId}`;

export function grantIssued(
  overrides: Partial<EventPayloads['GrantIssued']> & { startsAt: string; endsAt: string },
): EventEnvelope<'GrantIssued'> {
  const requestId = overrides.requestId ?? randomUUID();
  return aGrantIssued(
    { ...overrides, requestId },
    { time: overrides.startsAt, correlationId: correlationOf(requestId) },
  );
}

export function approvalRequested(decideBy: string): EventEnvelope<'ApprovalRequested'> {
  const requestId = randomUUID();
  return anApprovalRequested(
    { requestId, decideBy },
    {
      time: new Date(Date.parse(decideBy) - 3600_000),
      correlationId: correlationOf(requestId),
    },
  );
}

export function requestApproved(
  request: EventEnvelope<'ApprovalRequested'>,
  approvedAt: string,
): EventEnvelope<'RequestApproved'> {
  const { requestId, policyId } = request.data;
  return aRequestApproved(
    { requestId, policyId, approvedAt },
    { time: approvedAt, correlationId: request.correlationId, causationId: request.id },
  );
}

export function asRecord(event: EventEnvelope): { key: string; value: string } {
  return { key: event.partitionKey, value: JSON.stringify(event) };
}
