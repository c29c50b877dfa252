import { z } from 'zod';
import { Identifier, Instant, IsoDuration, Principal, ResourceName, RoleName } from '../primitives';
import { OptOutPayloadSchemas } from './opt-out-payloads';

const AccessTarget = {
  resource: ResourceName,
  role: RoleName,
};

export const RequestChannel = z.enum(['http', 'ticketing']);

export const AccessRequested = z.object({
  requestId: z.uuid(),
  requester: Principal,
  ...AccessTarget,
  duration: IsoDuration,
  justification: z.string().min(1).max(2000),
  ticket: Identifier.nullable(),
  startAt: Instant.nullable(),
  channel: RequestChannel,
  submittedAt: Instant,
});

export const RefusalReason = z.enum([
  'no-matching-policy',
  'not-eligible',
  'duration-exceeds-maximum',
  'start-in-the-past',
  'start-too-far-ahead',
]);
export type RefusalReason = z.infer<typeof RefusalReason>;

export const AccessRequestRefused = z.object({
  requestId: z.uuid(),
  requester: Principal,
  ...AccessTarget,
  duration: IsoDuration,
  reason: RefusalReason,
  message: z.string(),
  maximumDuration: IsoDuration.nullable(),
  policyId: Identifier.nullable(),
});

export const ApprovalRequested = z.object({
  requestId: z.uuid(),
  requester: Principal,
  ...AccessTarget,
  duration: IsoDuration,
  justification: z.string(),
  ticket: Identifier.nullable(),
  approverGroups: z.array(Identifier).min(1),
  approvalsRequired: z.number().int().min(1),
  decideBy: Instant,
  policyId: Identifier,
});

export const ApprovalRecorded = z.object({
  requestId: z.uuid(),
  approver: Identifier,
  comment: z.string().nullable(),
  approvalsCount: z.number().int().min(1),
  approvalsRequired: z.number().int().min(1),
  recordedAt: Instant,
});

export const RequestApproved = z.object({
  requestId: z.uuid(),
  approvers: z.array(Identifier),
  automatic: z.boolean(),
  policyId: Identifier,
  approvedAt: Instant,
});

export const RequestDenied = z.object({
  requestId: z.uuid(),
  deniedBy: Identifier,
  comment: z.string().nullable(),
  deniedAt: Instant,
});

/** Emitted by the expiry schedule when a pending request reaches its decision deadline. */
export const RequestDeadlinePassed = z.object({
  requestId: z.uuid(),
  decideBy: Instant,
});

/** The approvals service's resolution of a request nobody decided in time. */
export const RequestExpired = z.object({
  requestId: z.uuid(),
  decideBy: Instant,
  expiredAt: Instant,
});

export const GrantIssued = z.object({
  grantId: z.uuid(),
  requestId: z.uuid(),
  subject: Identifier,
  ...AccessTarget,
  startsAt: Instant,
  endsAt: Instant,
  /** The duration the grant runs for; equals requestedDuration unless `capped` is true. */
  duration: IsoDuration,
  requestedDuration: IsoDuration,
  capped: z.boolean(),
  approvers: z.array(Identifier),
  automatic: z.boolean(),
  policyId: Identifier,
});

export const GrantExpired = z.object({
  grantId: z.uuid(),
  requestId: z.uuid(),
  subject: Identifier,
  ...AccessTarget,
  endedAt: Instant,
  /** Other active grants that still give the same access; when non-empty, access stays. */
  coveringGrantIds: z.array(z.uuid()),
});

/**
 * Tells downstream systems to remove access. Emitted once, when the last grant or opt-out covering
 * a subject, resource and role has ended. When that was an opt-out, `lastGrantId` and `requestId`
 * both hold its opt-out id.
 */
export const AccessRevoked = z.object({
  subject: Identifier,
  ...AccessTarget,
  lastGrantId: z.uuid(),
  requestId: z.uuid(),
  revokedAt: Instant,
  /** `revoked`: an opt-out was revoked; `lapsed`: a standing exception went unused. */
  reason: z.enum(['expired', 'revoked', 'lapsed']),
});

export const RecordDeadLettered = z.object({
  consumerGroup: Identifier,
  sourceTopic: Identifier,
  partition: z.number().int().min(0),
  offset: z.string(),
  key: z.string().nullable(),
  /** The record's value as received; base64 when it was not valid UTF-8. */
  value: z.string().nullable(),
  valueEncoding: z.enum(['utf8', 'base64']),
  reason: z.enum(['invalid-json', 'schema-violation', 'unprocessable']),
  error: z.string(),
  deadLetteredAt: Instant,
});

/** Every event type and the schema of its `data`. Adding one here makes it part of the contract. */
export const EventPayloadSchemas = {
  AccessRequested,
  AccessRequestRefused,
  ApprovalRequested,
  ApprovalRecorded,
  RequestApproved,
  RequestDenied,
  RequestDeadlinePassed,
  RequestExpired,
  GrantIssued,
  GrantExpired,
  AccessRevoked,
  RecordDeadLettered,
  ...OptOutPayloadSchemas,
} as const;

export type EventType = keyof typeof EventPayloadSchemas;
export type EventPayloads = { [K in EventType]: z.infer<(typeof EventPayloadSchemas)[K]> };
export const EventTypes = Object.keys(EventPayloadSchemas) as EventType[];
