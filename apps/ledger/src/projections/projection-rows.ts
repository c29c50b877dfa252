import { AuditTrailRecord } from './audit-trail.projection';
import { AccessKind, CurrentGrant } from './current-grants.projection';
import { GrantHistoryRecord } from './grant-history.projection';

/** A `current_grants` row as PostgreSQL returns it: bigints as strings, instants as dates. */
export interface CurrentGrantRow {
  grant_id: string;
  request_id: string;
  kind: AccessKind;
  subject: string;
  resource: string;
  role: string;
  starts_at: Date;
  ends_at: Date;
  approvers: string[];
  automatic: boolean;
  policy_id: string;
  issued_seq: string;
}

export interface GrantHistoryRow extends CurrentGrantRow {
  ended_at: Date | null;
  ended_seq: string | null;
}

export interface AuditTrailRow {
  seq: string;
  event_id: string;
  event_type: AuditTrailRecord['eventType'];
  occurred_at: Date;
  recorded_at: Date;
  actor: string;
  subject: string | null;
  resource: string | null;
  role: string | null;
  request_id: string | null;
  grant_id: string | null;
  opt_out_id: string | null;
  summary: string;
}

export const CURRENT_GRANT_COLUMNS = `grant_id, request_id, kind, subject, resource, role, starts_at,
  ends_at, approvers, automatic, policy_id, issued_seq`;

export const GRANT_HISTORY_COLUMNS = `${CURRENT_GRANT_COLUMNS}, ended_at, ended_seq`;

export function toCurrentGrant(row: CurrentGrantRow): CurrentGrant {
  return {
    grantId: row.grant_id,
    requestId: row.request_id,
    kind: row.kind,
    subject: row.subject,
    resource: row.resource,
    role: row.role,
    startsAt: row.starts_at.toISOString(),
    endsAt: row.ends_at.toISOString(),
    approvers: row.approvers,
    automatic: row.automatic,
    policyId: row.policy_id,
    issuedSeq: Number(row.issued_seq),
  };
}

export function toGrantHistoryRecord(row: GrantHistoryRow): GrantHistoryRecord {
  return {
    ...toCurrentGrant(row),
    endedAt: row.ended_at ? row.ended_at.toISOString() : null,
    endedSeq: row.ended_seq === null ? null : Number(row.ended_seq),
  };
}

export function toAuditTrailRecord(row: AuditTrailRow): AuditTrailRecord {
  return {
    seq: Number(row.seq),
    eventId: row.event_id,
    eventType: row.event_type,
    occurredAt: row.occurred_at.toISOString(),
    recordedAt: row.recorded_at.toISOString(),
    actor: row.actor,
    subject: row.subject,
    resource: row.resource,
    role: row.role,
    requestId: row.request_id,
    grantId: row.grant_id,
    optOutId: row.opt_out_id,
    summary: row.summary,
  };
}
