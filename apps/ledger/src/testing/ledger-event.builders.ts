import { randomUUID } from 'node:crypto';
import { AttributeValue, DomainEvent, EventEnvelope, OptOutKind } from '@app/contracts';
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

const builders = eventBuilders(LEDGER_DEFAULTS, { time: BASE_TIME });

/** Any event on the ledger tests' timeline; opt-out events need their `optOutId` given. */
export const anEvent = builders.anEvent;

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
} = builders;

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

export interface OptOutOptions {
  optOutId?: string;
  kind?: OptOutKind;
  subject?: string;
  groups?: string[];
  attributes?: Record<string, AttributeValue>;
  resource?: string;
  role?: string;
  /** Minutes after BASE_TIME at which it is requested and activated. */
  startMinute?: number;
  durationMinutes?: number;
  maximumMinutes?: number | null;
  approvers?: string[];
}

/** The events of an opt-out that was requested and activated at once (or once approved). */
export function anActivatedOptOut(options: OptOutOptions = {}): {
  optOutId: string;
  requested: EventEnvelope<'OptOutRequested'>;
  activated: EventEnvelope<'OptOutActivated'>;
  events: DomainEvent[];
} {
  const optOutId = options.optOutId ?? randomUUID();
  const kind = options.kind ?? 'break-glass';
  const subject = options.subject ?? 'u-101';
  const resource = options.resource ?? 'db:orders-prod';
  const role = options.role ?? 'db-admin';
  const start = options.startMinute ?? 0;
  const minutes = options.durationMinutes ?? 120;
  const maximum = options.maximumMinutes === undefined ? 240 : options.maximumMinutes;
  const approvers = options.approvers ?? [];
  const at = minutesAfterBase(start);
  const requested = anEvent(
    'OptOutRequested',
    {
      optOutId,
      kind,
      requester: {
        id: subject,
        groups: options.groups ?? ['sre'],
        ...(options.attributes ? { attributes: options.attributes } : {}),
      },
      resource,
      role,
      duration: `PT${minutes}M`,
      maximumDuration: maximum === null ? null : `PT${maximum}M`,
      approval:
        approvers.length > 0 ? { approverGroups: ['security-leads'], approvalsRequired: 1 } : null,
      requestedAt: at,
    },
    { time: at },
  );
  const activated = anEvent(
    'OptOutActivated',
    {
      optOutId,
      kind,
      subject,
      resource,
      role,
      startsAt: at,
      endsAt: minutesAfterBase(start + minutes),
      duration: `PT${minutes}M`,
      approvers,
      reviewBy: kind === 'break-glass' ? minutesAfterBase(start + minutes + 2880) : null,
      lapseAfterUnused: kind === 'standing-exception' ? 'P7D' : null,
      activatedAt: at,
    },
    { time: at },
  );
  return { optOutId, requested, activated, events: [requested, activated] };
}
