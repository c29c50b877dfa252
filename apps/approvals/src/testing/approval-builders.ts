import { randomUUID } from 'node:crypto';
import { createEvent, EventEnvelope, EventPayloads } from '@app/contracts';
import { AutoApproveDecision, RefuseDecision, RequireApprovalDecision } from '@app/domain';
import { ApprovalRequestRecord } from '../approval-request';

const HOUR_MS = 3_600_000;

export const SUBMITTED_AT = new Date('2026-12-03T09:59:30.000Z');
export const NOW = new Date('2026-12-03T10:00:00.000Z');

export function anAccessRequested(
  overrides: Partial<EventPayloads['AccessRequested']> = {},
): EventEnvelope<'AccessRequested'> {
  const data: EventPayloads['AccessRequested'] = {
    requestId: randomUUID(),
    requester: { id: 'u-101', groups: ['engineering'] },
    resource: 'db:orders-prod',
    role: 'read-only',
    duration: 'PT1H',
    justification: 'investigate a slow query',
    ticket: 'INC-4711',
    startAt: null,
    channel: 'http',
    submittedAt: SUBMITTED_AT.toISOString(),
    ...overrides,
  };
  return createEvent('AccessRequested', data, {
    source: 'requests',
    time: SUBMITTED_AT,
    partitionKey: data.requestId,
    correlationId: randomUUID(),
    causationId: null,
  });
}

export function aRefusal(overrides: Partial<RefuseDecision> = {}): RefuseDecision {
  return {
    kind: 'refuse',
    reason: 'duration-exceeds-maximum',
    message: 'requested PT6H exceeds the maximum PT4H for read-only on db:orders-prod',
    maximumDuration: 'PT4H',
    policyId: 'orders-prod',
    ...overrides,
  };
}

export function anAutoApproval(overrides: Partial<AutoApproveDecision> = {}): AutoApproveDecision {
  return {
    kind: 'auto-approve',
    policyId: 'orders-prod',
    rule: 'sre-short-read',
    grantedDurationMs: HOUR_MS,
    grantedDuration: 'PT1H',
    capped: false,
    ...overrides,
  };
}

export function aRequiredApproval(
  overrides: Partial<RequireApprovalDecision> = {},
): RequireApprovalDecision {
  return {
    kind: 'require-approval',
    policyId: 'orders-prod',
    approverGroups: ['dba'],
    approvalsRequired: 1,
    decisionTimeoutMs: 24 * HOUR_MS,
    grantedDurationMs: HOUR_MS,
    grantedDuration: 'PT1H',
    capped: false,
    ...overrides,
  };
}

export function aPendingRequest(
  overrides: Partial<ApprovalRequestRecord> = {},
): ApprovalRequestRecord {
  return {
    requestId: randomUUID(),
    requester: { id: 'u-101', groups: ['engineering'] },
    resource: 'db:orders-prod',
    role: 'read-only',
    requestedDuration: 'PT1H',
    grantedDuration: 'PT1H',
    grantedDurationMs: HOUR_MS,
    capped: false,
    justification: 'investigate a slow query',
    ticket: null,
    startAt: null,
    policyId: 'orders-prod',
    autoApproveRule: null,
    approverGroups: ['dba'],
    approvalsRequired: 1,
    status: 'pending',
    decideBy: new Date(NOW.getTime() + 24 * HOUR_MS),
    correlationId: randomUUID(),
    createdAt: NOW,
    resolvedAt: null,
    resolvedBy: null,
    ...overrides,
  };
}
