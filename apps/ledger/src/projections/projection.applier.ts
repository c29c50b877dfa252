import { Injectable } from '@nestjs/common';
import {
  auditTrailChanges,
  AuditTrailRecord,
  requestsNeedingTargets,
  RequestTarget,
} from './audit-trail.projection';
import {
  CurrentGrant,
  currentGrantsChanges,
  netCurrentGrantsChanges,
} from './current-grants.projection';
import {
  GrantEnding,
  GrantHistoryRecord,
  grantHistoryChanges,
  netGrantHistoryChanges,
} from './grant-history.projection';
import { Queryable } from '../queryable';
import { ProjectedEntry } from './projected-entry';

/** Every projection table; a rebuild empties exactly these. */
export const PROJECTION_TABLES = [
  'ledger.current_grants',
  'ledger.grant_history',
  'ledger.audit_trail',
  'ledger.request_targets',
] as const;

/**
 * Writes what the pure projections decide, for a whole batch of entries at once: a few set-based
 * statements per table whatever the batch size, with the same result as applying entry by entry.
 */
@Injectable()
export class ProjectionApplier {
  async apply(db: Queryable, entries: readonly ProjectedEntry[]): Promise<void> {
    if (entries.length === 0) return;

    await this.applyCurrentGrants(db, entries);
    await this.applyGrantHistory(db, entries);
    await this.applyAuditTrail(db, entries);
  }

  private async applyCurrentGrants(
    db: Queryable,
    entries: readonly ProjectedEntry[],
  ): Promise<void> {
    const { removed, added } = netCurrentGrantsChanges(entries.flatMap(currentGrantsChanges));
    if (removed.length > 0) {
      await db.query('DELETE FROM ledger.current_grants WHERE grant_id = ANY($1::uuid[])', [
        removed,
      ]);
    }
    if (added.length > 0) {
      await db.query(
        `INSERT INTO ledger.current_grants
           (grant_id, request_id, subject, resource, role, starts_at, ends_at, approvers, automatic,
            policy_id, issued_seq)
         SELECT * FROM json_to_recordset($1::json) AS g(grant_id uuid, request_id uuid,
           subject text, resource text, role text, starts_at timestamptz, ends_at timestamptz,
           approvers text[], automatic boolean, policy_id text, issued_seq bigint)
         ON CONFLICT (grant_id) DO NOTHING`,
        [JSON.stringify(added.map(currentGrantRow))],
      );
    }
  }

  private async applyGrantHistory(
    db: Queryable,
    entries: readonly ProjectedEntry[],
  ): Promise<void> {
    const net = netGrantHistoryChanges(entries.flatMap(grantHistoryChanges));
    await this.endGrants(db, net.endedBeforeRecording);
    if (net.recorded.length > 0) {
      await db.query(
        `INSERT INTO ledger.grant_history
           (grant_id, request_id, subject, resource, role, starts_at, ends_at, ended_at, approvers,
            automatic, policy_id, issued_seq, ended_seq)
         SELECT * FROM json_to_recordset($1::json) AS g(grant_id uuid, request_id uuid,
           subject text, resource text, role text, starts_at timestamptz, ends_at timestamptz,
           ended_at timestamptz, approvers text[], automatic boolean, policy_id text,
           issued_seq bigint, ended_seq bigint)
         ON CONFLICT (grant_id) DO NOTHING`,
        [JSON.stringify(net.recorded.map(grantHistoryRow))],
      );
    }
    await this.endGrants(db, net.endedAfterRecording);
  }

  private async endGrants(db: Queryable, endings: readonly GrantEnding[]): Promise<void> {
    if (endings.length === 0) return;
    await db.query(
      `UPDATE ledger.grant_history h SET ended_at = e.ended_at, ended_seq = e.ended_seq
       FROM json_to_recordset($1::json) AS e(grant_id uuid, ended_at timestamptz, ended_seq bigint)
       WHERE h.grant_id = e.grant_id AND h.ended_at IS NULL`,
      [
        JSON.stringify(
          endings.map((ending) => ({
            grant_id: ending.grantId,
            ended_at: ending.endedAt,
            ended_seq: ending.endedSeq,
          })),
        ),
      ],
    );
  }

  private async applyAuditTrail(db: Queryable, entries: readonly ProjectedEntry[]): Promise<void> {
    const known = await this.knownTargets(db, requestsNeedingTargets(entries));
    const changes = auditTrailChanges(entries, known);
    const targets: RequestTarget[] = [];
    const records: AuditTrailRecord[] = [];
    for (const change of changes) {
      if (change.kind === 'target-noted') targets.push(change.target);
      else records.push(change.record);
    }

    if (targets.length > 0) {
      await db.query(
        `INSERT INTO ledger.request_targets (request_id, subject, resource, role)
         SELECT * FROM json_to_recordset($1::json)
           AS t(request_id uuid, subject text, resource text, role text)
         ON CONFLICT (request_id) DO NOTHING`,
        [
          JSON.stringify(
            targets.map((target) => ({
              request_id: target.requestId,
              subject: target.subject,
              resource: target.resource,
              role: target.role,
            })),
          ),
        ],
      );
    }
    await db.query(
      `INSERT INTO ledger.audit_trail
         (seq, event_id, event_type, occurred_at, recorded_at, actor, subject, resource, role,
          request_id, grant_id, summary)
       SELECT * FROM json_to_recordset($1::json) AS a(seq bigint, event_id uuid, event_type text,
         occurred_at timestamptz, recorded_at timestamptz, actor text, subject text, resource text,
         role text, request_id uuid, grant_id uuid, summary text)
       ON CONFLICT (seq) DO NOTHING`,
      [JSON.stringify(records.map(auditTrailRow))],
    );
  }

  /** Targets keyed by the request ids as the events spell them; the database stores uuids. */
  private async knownTargets(
    db: Queryable,
    requestIds: readonly string[],
  ): Promise<Map<string, RequestTarget>> {
    const known = new Map<string, RequestTarget>();
    if (requestIds.length === 0) return known;
    const rows = (await db.query(
      `SELECT request_id, subject, resource, role FROM ledger.request_targets
       WHERE request_id = ANY($1::uuid[])`,
      [requestIds],
    )) as { request_id: string; subject: string; resource: string; role: string }[];
    const byId = new Map(rows.map((row) => [row.request_id.toLowerCase(), row]));
    for (const requestId of requestIds) {
      const row = byId.get(requestId.toLowerCase());
      if (row) {
        known.set(requestId, {
          requestId,
          subject: row.subject,
          resource: row.resource,
          role: row.role,
        });
      }
    }
    return known;
  }
}

function currentGrantRow(grant: CurrentGrant): Record<string, unknown> {
  return {
    grant_id: grant.grantId,
    request_id: grant.requestId,
    subject: grant.subject,
    resource: grant.resource,
    role: grant.role,
    starts_at: grant.startsAt,
    ends_at: grant.endsAt,
    approvers: grant.approvers,
    automatic: grant.automatic,
    policy_id: grant.policyId,
    issued_seq: grant.issuedSeq,
  };
}

function grantHistoryRow(grant: GrantHistoryRecord): Record<string, unknown> {
  return {
    ...currentGrantRow(grant),
    ended_at: grant.endedAt,
    ended_seq: grant.endedSeq,
  };
}

function auditTrailRow(record: AuditTrailRecord): Record<string, unknown> {
  return {
    seq: record.seq,
    event_id: record.eventId,
    event_type: record.eventType,
    occurred_at: record.occurredAt,
    recorded_at: record.recordedAt,
    actor: record.actor,
    subject: record.subject,
    resource: record.resource,
    role: record.role,
    request_id: record.requestId,
    grant_id: record.grantId,
    summary: record.summary,
  };
}
