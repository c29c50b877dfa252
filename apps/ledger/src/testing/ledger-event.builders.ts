import { randomUUID } from 'node:crypto';
import { DomainEvent } from '@app/contracts';
import { eventBuilders, PayloadDefaults } from '@app/contracts/testing';

// The shared event builders on the ledger tests' timeline, which counts minutes from BASE_TIME.

export const BASE_TIME = '2026-12-03T10:00:00.000Z';

/** Minutes after BASE_TIME, as an ISO instant. */
export function minutesAfterBase(minutes: number): string {
  return new Date(Date.parse(BASE_TIME) + minutes * 60_000).toISOString();
}

const LEDGER_DEFAULTS: PayloadDefaults = {
  AccessRequested: { submittedAt: BASE_TIME },
  ApprovalRequested: {
    approverGroups: ['dba', 'security-leads'],
    decideBy: minutesAfterBase(240),
  },
  ApprovalRecorded: { comment: null, recordedAt: minutesAfterBase(1) },
  RequestApproved: { approvedAt: minutesAfterBase(1) },
  RequestDenied: { deniedAt: minutesAfterBase(2) },
  RequestDeadlinePassed: { decideBy: minutesAfterBase(240) },
  RequestExpired: { decideBy: minutesAfterBase(240), expiredAt: minutesAfterBase(241) },
  GrantIssued: { startsAt: BASE_TIME, endsAt: minutesAfterBase(60) },
  GrantExpired: { endedAt: minutesAfterBase(60) },
  AccessRevoked: { revokedAt: minutesAfterBase(60) },
  RecordDeadLettered: { deadLetteredAt: minutesAfterBase(3) },
};

export const {
  anAccessRequested,
  anAccessRequestRefused,
  anApprovalRequested,
  anApprovalRecorded,
  aRequestApproved,
  aRequestDenied,
  aRequestDeadlinePassed,
  aRequestExpired,
  aGrantIssued,
  aGrantExpired,
  anAccessRevoked,
  aRecordDeadLettered,
} = eventBuilders(LEDGER_DEFAULTS, { time: BASE_TIME });

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
