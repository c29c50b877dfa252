import { randomUUID } from 'node:crypto';
import { createEvent, EventEnvelope, EventPayloads, EventType } from '@app/contracts';

// Builders of the events this service reads, for unit and end-to-end tests alike.

export const SAMPLE_TIME = '2026-12-03T10:00:00.000Z';

export interface EnvelopeOptions {
  id?: string;
  time?: string;
}

export function anEnvelope<K extends EventType>(
  type: K,
  data: EventPayloads[K],
  options: EnvelopeOptions = {},
): EventEnvelope<K> {
  const requestId = 'requestId' in data ? String(data.requestId) : randomUUID();
  return createEvent(
    type,
    data,
    {
      source: type === 'GrantExpired' || type === 'AccessRevoked' ? 'expiry' : 'approvals',
      time: new Date(options.time ?? SAMPLE_TIME),
      partitionKey: requestId,
      correlationId: requestId,
      causationId: null,
    },
    options.id,
  );
}

export function anApprovalRequested(
  data: Partial<EventPayloads['ApprovalRequested']> = {},
  options?: EnvelopeOptions,
): EventEnvelope<'ApprovalRequested'> {
  return anEnvelope(
    'ApprovalRequested',
    {
      requestId: randomUUID(),
      requester: { id: 'u-101', groups: ['engineering'] },
      resource: 'db:orders-prod',
      role: 'db-admin',
      duration: 'PT2H',
      justification: 'restore the orders index dropped by the failed migration',
      ticket: 'T-77',
      approverGroups: ['dba', 'security-leads'],
      approvalsRequired: 1,
      decideBy: '2026-12-03T14:00:00.000Z',
      policyId: 'orders-db-admin',
      ...data,
    },
    options,
  );
}

export function aGrantIssued(
  data: Partial<EventPayloads['GrantIssued']> = {},
  options?: EnvelopeOptions,
): EventEnvelope<'GrantIssued'> {
  return anEnvelope(
    'GrantIssued',
    {
      grantId: randomUUID(),
      requestId: randomUUID(),
      subject: 'u-101',
      resource: 'db:orders-prod',
      role: 'db-admin',
      startsAt: '2026-12-03T10:05:00.000Z',
      endsAt: '2026-12-03T12:05:00.000Z',
      duration: 'PT2H',
      requestedDuration: 'PT2H',
      capped: false,
      approvers: ['u-202'],
      automatic: false,
      policyId: 'orders-db-admin',
      ...data,
    },
    options,
  );
}

export function aRequestDenied(
  data: Partial<EventPayloads['RequestDenied']> = {},
  options?: EnvelopeOptions,
): EventEnvelope<'RequestDenied'> {
  return anEnvelope(
    'RequestDenied',
    {
      requestId: randomUUID(),
      deniedBy: 'u-203',
      comment: 'use the read replica instead',
      deniedAt: '2026-12-03T10:07:00.000Z',
      ...data,
    },
    options,
  );
}

export function aRequestExpired(
  data: Partial<EventPayloads['RequestExpired']> = {},
  options?: EnvelopeOptions,
): EventEnvelope<'RequestExpired'> {
  return anEnvelope(
    'RequestExpired',
    {
      requestId: randomUUID(),
      decideBy: '2026-12-03T14:00:00.000Z',
      expiredAt: '2026-12-03T14:00:01.000Z',
      ...data,
    },
    options,
  );
}

export function anAccessRequestRefused(
  data: Partial<EventPayloads['AccessRequestRefused']> = {},
  options?: EnvelopeOptions,
): EventEnvelope<'AccessRequestRefused'> {
  return anEnvelope(
    'AccessRequestRefused',
    {
      requestId: randomUUID(),
      requester: { id: 'u-102', groups: ['engineering'] },
      resource: 'db:orders-prod',
      role: 'db-admin',
      duration: 'PT12H',
      reason: 'duration-exceeds-maximum',
      message: 'db-admin on db:orders-prod is granted for at most PT4H',
      maximumDuration: 'PT4H',
      policyId: 'orders-db-admin',
      ...data,
    },
    options,
  );
}

export function aGrantExpired(
  data: Partial<EventPayloads['GrantExpired']> = {},
  options?: EnvelopeOptions,
): EventEnvelope<'GrantExpired'> {
  return anEnvelope(
    'GrantExpired',
    {
      grantId: randomUUID(),
      requestId: randomUUID(),
      subject: 'u-101',
      resource: 'db:orders-prod',
      role: 'db-admin',
      endedAt: '2026-12-03T12:05:00.000Z',
      coveringGrantIds: [],
      ...data,
    },
    options,
  );
}

export function anAccessRevoked(
  data: Partial<EventPayloads['AccessRevoked']> = {},
  options?: EnvelopeOptions,
): EventEnvelope<'AccessRevoked'> {
  return anEnvelope(
    'AccessRevoked',
    {
      subject: 'u-101',
      resource: 'db:orders-prod',
      role: 'db-admin',
      lastGrantId: randomUUID(),
      requestId: randomUUID(),
      revokedAt: '2026-12-03T12:05:00.000Z',
      reason: 'expired',
      ...data,
    },
    options,
  );
}

export function anApprovalRecorded(
  data: Partial<EventPayloads['ApprovalRecorded']> = {},
  options?: EnvelopeOptions,
): EventEnvelope<'ApprovalRecorded'> {
  return anEnvelope(
    'ApprovalRecorded',
    {
      requestId: randomUUID(),
      approver: 'u-202',
      comment: null,
      approvalsCount: 1,
      approvalsRequired: 2,
      recordedAt: '2026-12-03T10:06:00.000Z',
      ...data,
    },
    options,
  );
}
