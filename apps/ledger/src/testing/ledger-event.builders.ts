import { randomUUID } from 'node:crypto';
import {
  createEvent,
  DomainEvent,
  EventEnvelope,
  EventPayloads,
  EventType,
  ServiceName,
} from '@app/contracts';

// Builders of the events the ledger records, shared by its unit and end-to-end tests.

export const BASE_TIME = '2026-12-03T10:00:00.000Z';

export interface EnvelopeOptions {
  id?: string;
  time?: string;
  source?: ServiceName;
  partitionKey?: string;
}

const SOURCE_OF: Record<EventType, ServiceName> = {
  AccessRequested: 'requests',
  AccessRequestRefused: 'requests',
  ApprovalRequested: 'requests',
  ApprovalRecorded: 'approvals',
  RequestApproved: 'approvals',
  RequestDenied: 'approvals',
  RequestDeadlinePassed: 'expiry',
  RequestExpired: 'approvals',
  GrantIssued: 'approvals',
  GrantExpired: 'expiry',
  AccessRevoked: 'expiry',
  RecordDeadLettered: 'approvals',
};

export function anEvent<K extends EventType>(
  type: K,
  data: EventPayloads[K],
  options: EnvelopeOptions = {},
): EventEnvelope<K> {
  const key = options.partitionKey ?? ('requestId' in data ? String(data.requestId) : randomUUID());
  return createEvent(
    type,
    data,
    {
      source: options.source ?? SOURCE_OF[type],
      time: new Date(options.time ?? BASE_TIME),
      partitionKey: key,
      correlationId: key,
      causationId: null,
    },
    options.id,
  );
}

/** Minutes after BASE_TIME, as an ISO instant. */
export function minutesAfterBase(minutes: number): string {
  return new Date(Date.parse(BASE_TIME) + minutes * 60_000).toISOString();
}

export function anAccessRequested(
  data: Partial<EventPayloads['AccessRequested']> = {},
  options?: EnvelopeOptions,
): EventEnvelope<'AccessRequested'> {
  return anEvent(
    'AccessRequested',
    {
      requestId: randomUUID(),
      requester: { id: 'u-101', groups: ['engineering'] },
      resource: 'db:orders-prod',
      role: 'db-admin',
      duration: 'PT1H',
      justification: 'rebuild the orders index',
      ticket: null,
      startAt: null,
      channel: 'http',
      submittedAt: BASE_TIME,
      ...data,
    },
    options,
  );
}

export function anAccessRequestRefused(
  data: Partial<EventPayloads['AccessRequestRefused']> = {},
  options?: EnvelopeOptions,
): EventEnvelope<'AccessRequestRefused'> {
  return anEvent(
    'AccessRequestRefused',
    {
      requestId: randomUUID(),
      requester: { id: 'u-101', groups: ['engineering'] },
      resource: 'db:orders-prod',
      role: 'db-admin',
      duration: 'PT12H',
      reason: 'duration-exceeds-maximum',
      message: 'db-admin on db:orders-prod is granted for at most PT4H',
      maximumDuration: 'PT4H',
      policyId: 'orders-db',
      ...data,
    },
    options,
  );
}

export function anApprovalRequested(
  data: Partial<EventPayloads['ApprovalRequested']> = {},
  options?: EnvelopeOptions,
): EventEnvelope<'ApprovalRequested'> {
  return anEvent(
    'ApprovalRequested',
    {
      requestId: randomUUID(),
      requester: { id: 'u-101', groups: ['engineering'] },
      resource: 'db:orders-prod',
      role: 'db-admin',
      duration: 'PT1H',
      justification: 'rebuild the orders index',
      ticket: null,
      approverGroups: ['dba', 'security-leads'],
      approvalsRequired: 1,
      decideBy: minutesAfterBase(240),
      policyId: 'orders-db',
      ...data,
    },
    options,
  );
}

export function anApprovalRecorded(
  data: Partial<EventPayloads['ApprovalRecorded']> = {},
  options?: EnvelopeOptions,
): EventEnvelope<'ApprovalRecorded'> {
  return anEvent(
    'ApprovalRecorded',
    {
      requestId: randomUUID(),
      approver: 'u-202',
      comment: null,
      approvalsCount: 1,
      approvalsRequired: 1,
      recordedAt: minutesAfterBase(1),
      ...data,
    },
    options,
  );
}

export function aRequestApproved(
  data: Partial<EventPayloads['RequestApproved']> = {},
  options?: EnvelopeOptions,
): EventEnvelope<'RequestApproved'> {
  return anEvent(
    'RequestApproved',
    {
      requestId: randomUUID(),
      approvers: ['u-202'],
      automatic: false,
      policyId: 'orders-db',
      approvedAt: minutesAfterBase(1),
      ...data,
    },
    options,
  );
}

export function aRequestDenied(
  data: Partial<EventPayloads['RequestDenied']> = {},
  options?: EnvelopeOptions,
): EventEnvelope<'RequestDenied'> {
  return anEvent(
    'RequestDenied',
    {
      requestId: randomUUID(),
      deniedBy: 'u-203',
      comment: 'use the read replica',
      deniedAt: minutesAfterBase(2),
      ...data,
    },
    options,
  );
}

export function aRequestDeadlinePassed(
  data: Partial<EventPayloads['RequestDeadlinePassed']> = {},
  options?: EnvelopeOptions,
): EventEnvelope<'RequestDeadlinePassed'> {
  return anEvent(
    'RequestDeadlinePassed',
    { requestId: randomUUID(), decideBy: minutesAfterBase(240), ...data },
    options,
  );
}

export function aRequestExpired(
  data: Partial<EventPayloads['RequestExpired']> = {},
  options?: EnvelopeOptions,
): EventEnvelope<'RequestExpired'> {
  return anEvent(
    'RequestExpired',
    {
      requestId: randomUUID(),
      decideBy: minutesAfterBase(240),
      expiredAt: minutesAfterBase(241),
      ...data,
    },
    options,
  );
}

export function aGrantIssued(
  data: Partial<EventPayloads['GrantIssued']> = {},
  options?: EnvelopeOptions,
): EventEnvelope<'GrantIssued'> {
  return anEvent(
    'GrantIssued',
    {
      grantId: randomUUID(),
      requestId: randomUUID(),
      subject: 'u-101',
      resource: 'db:orders-prod',
      role: 'db-admin',
      startsAt: BASE_TIME,
      endsAt: minutesAfterBase(60),
      duration: 'PT1H',
      requestedDuration: 'PT1H',
      capped: false,
      approvers: ['u-202'],
      automatic: false,
      policyId: 'orders-db',
      ...data,
    },
    options,
  );
}

export function aGrantExpired(
  data: Partial<EventPayloads['GrantExpired']> = {},
  options?: EnvelopeOptions,
): EventEnvelope<'GrantExpired'> {
  return anEvent(
    'GrantExpired',
    {
      grantId: randomUUID(),
      requestId: randomUUID(),
      subject: 'u-101',
      resource: 'db:orders-prod',
      role: 'db-admin',
      endedAt: minutesAfterBase(60),
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
  return anEvent(
    'AccessRevoked',
    {
      subject: 'u-101',
      resource: 'db:orders-prod',
      role: 'db-admin',
      lastGrantId: randomUUID(),
      requestId: randomUUID(),
      revokedAt: minutesAfterBase(60),
      reason: 'expired',
      ...data,
    },
    options,
  );
}

export function aRecordDeadLettered(
  data: Partial<EventPayloads['RecordDeadLettered']> = {},
  options?: EnvelopeOptions,
): EventEnvelope<'RecordDeadLettered'> {
  const sourceTopic = data.sourceTopic ?? 'jit.access.events.v1';
  const partition = data.partition ?? 4;
  return anEvent(
    'RecordDeadLettered',
    {
      consumerGroup: 'jit-approvals',
      sourceTopic,
      partition,
      offset: '17',
      key: null,
      value: '{not json',
      valueEncoding: 'utf8',
      reason: 'invalid-json',
      error: 'Unexpected token n in JSON at position 1',
      deadLetteredAt: minutesAfterBase(3),
      ...data,
    },
    { partitionKey: `${sourceTopic}:${partition}`, ...options },
  );
}

export interface GrantedRequestOptions {
  requestId?: string;
  grantId?: string;
  subject?: string;
  resource?: string;
  role?: string;
  approver?: string;
  /** Minutes after BASE_TIME at which the grant starts. */
  startMinute?: number;
  durationMinutes?: number;
}

/** The events of a request that one approver approved and that was granted, in order. */
export function aGrantedRequest(options: GrantedRequestOptions = {}): {
  requestId: string;
  grantId: string;
  events: DomainEvent[];
} {
  const requestId = options.requestId ?? randomUUID();
  const grantId = options.grantId ?? randomUUID();
  const subject = options.subject ?? 'u-101';
  const resource = options.resource ?? 'db:orders-prod';
  const role = options.role ?? 'db-admin';
  const approver = options.approver ?? 'u-202';
  const start = options.startMinute ?? 0;
  const minutes = options.durationMinutes ?? 60;
  const requester = { id: subject, groups: ['engineering'] };
  const at = (offset: number) => ({ time: minutesAfterBase(start + offset) });
  return {
    requestId,
    grantId,
    events: [
      anAccessRequested({ requestId, requester, resource, role }, at(-2)),
      anApprovalRequested({ requestId, requester, resource, role }, at(-2)),
      anApprovalRecorded({ requestId, approver, recordedAt: minutesAfterBase(start) }, at(0)),
      aRequestApproved(
        { requestId, approvers: [approver], approvedAt: minutesAfterBase(start) },
        at(0),
      ),
      aGrantIssued(
        {
          grantId,
          requestId,
          subject,
          resource,
          role,
          approvers: [approver],
          startsAt: minutesAfterBase(start),
          endsAt: minutesAfterBase(start + minutes),
          duration: `PT${minutes}M`,
          requestedDuration: `PT${minutes}M`,
        },
        at(0),
      ),
    ],
  };
}
