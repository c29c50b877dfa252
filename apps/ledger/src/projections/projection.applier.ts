import { Inject, Injectable, Optional } from '@nestjs/common';
import {
  auditTrailChanges,
  AuditTrailRecord,
  optOutsNeedingTargets,
  OptOutTarget,
  requestsNeedingTargets,
  RequestTarget,
} from './audit-trail.projection';
import {
  CurrentGrant,
  currentGrantsChange,
  GrantExtension,
  netCurrentGrantsChanges,
} from './current-grants.projection';
import {
  GrantEnding,
  GrantHistoryRecord,
  grantHistoryChange,
  netGrantHistoryChanges,
} from './grant-history.projection';
import { Queryable } from '../queryable';
import { changesOf, ProjectedEntry } from './projected-entry';

/** Every projection table; a rebuild empties exactly these. */
export const PROJECTION_TABLES = [
  'ledger.current_grants',
  'ledger.grant_history',
  'ledger.audit_trail',
  'ledger.request_targets',
  'ledger.opt_out_targets',
] as const;

/** The schema the live projections live in. */
export const LEDGER_SCHEMA = 'ledger';

/** Which schema a `ProjectionApplier` writes into when Nest builds it; the ledger's by default. */
export const PROJECTION_SCHEMA = Symbol('PROJECTION_SCHEMA');

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/**
 * Writes what the pure projections decide, for a whole batch of entries at once: a few set-based
 * statements per table whatever the batch size, with the same result as applying entry by entry.
 * It writes into the tables of one schema, the live ledger's unless told otherwise (a replay
 * writes a schema of its own).
 */
@Injectable()
export class ProjectionApplier {
  private readonly schema: string;

  constructor(@Optional() @Inject(PROJECTION_SCHEMA) schema: string = LEDGER_SCHEMA) {
    // The schema is spliced into SQL unquoted, so only a plain lowercase identifier will do.
    if (!SCHEMA_NAME.test(schema)) {
      throw new Error(`a projection schema is a lowercase SQL identifier: not "${schema}"`);
    }
    this.schema = schema;
  }

  async apply(db: Queryable, entries: readonly ProjectedEntry[]): Promise<void> {
    if (entries.length === 0) return;

    await this.applyCurrentGrants(db, entries);
    await this.applyGrantHistory(db, entries);
    await this.applyAuditTrail(db, entries);
  }

  /** Rows whose grant is already there are left as they are. */
  async insertCurrentGrants(db: Queryable, grants: readonly CurrentGrant[]): Promise<void> {
    if (grants.length === 0) return;
    await db.query(
      `INSERT INTO ${this.schema}.current_grants
         (grant_id, request_id, kind, subject, resource, role, starts_at, ends_at, approvers,
          automatic, policy_id, issued_seq)
       SELECT * FROM json_to_recordset($1::json) AS g(grant_id uuid, request_id uuid, kind text,
         subject text, resource text, role text, starts_at timestamptz, ends_at timestamptz,
         approvers text[], automatic boolean, policy_id text, issued_seq bigint)
       ON CONFLICT (grant_id) DO NOTHING`,
      [JSON.stringify(grants.map(currentGrantRow))],
    );
  }

  /** Rows whose grant is already there are left as they are. */
  async insertGrantHistory(db: Queryable, records: readonly GrantHistoryRecord[]): Promise<void> {
    if (records.length === 0) return;
    await db.query(
      `INSERT INTO ${this.schema}.grant_history
         (grant_id, request_id, kind, subject, resource, role, starts_at, ends_at, ended_at,
          approvers, automatic, policy_id, issued_seq, ended_seq)
       SELECT * FROM json_to_recordset($1::json) AS g(grant_id uuid, request_id uuid, kind text,
         subject text, resource text, role text, starts_at timestamptz, ends_at timestamptz,
         ended_at timestamptz, approvers text[], automatic boolean, policy_id text,
         issued_seq bigint, ended_seq bigint)
       ON CONFLICT (grant_id) DO NOTHING`,
      [JSON.stringify(records.map(grantHistoryRow))],
    );
  }

  /** Rows whose request is already there are left as they are. */
  async insertRequestTargets(db: Queryable, targets: readonly RequestTarget[]): Promise<void> {
    if (targets.length === 0) return;
    await db.query(
      `INSERT INTO ${this.schema}.request_targets (request_id, subject, resource, role)
       SELECT * FROM json_to_recordset($1::json)
         AS t(request_id uuid, subject text, resource text, role text)
       ON CONFLICT (request_id) DO NOTHING`,
      [JSON.stringify(targets.map(requestTargetRow))],
    );
  }

  /** Rows whose opt-out is already there are left as they are. */
  async insertOptOutTargets(db: Queryable, targets: readonly OptOutTarget[]): Promise<void> {
    if (targets.length === 0) return;
    await db.query(
      `INSERT INTO ${this.schema}.opt_out_targets (opt_out_id, kind, subject, resource, role)
       SELECT * FROM json_to_recordset($1::json)
         AS t(opt_out_id uuid, kind text, subject text, resource text, role text)
       ON CONFLICT (opt_out_id) DO NOTHING`,
      [JSON.stringify(targets.map(optOutTargetRow))],
    );
  }

  /** Rows whose seq is already there are left as they are. */
  async insertAuditTrail(db: Queryable, records: readonly AuditTrailRecord[]): Promise<void> {
    if (records.length === 0) return;
    await db.query(
      `INSERT INTO ${this.schema}.audit_trail
         (seq, event_id, event_type, occurred_at, recorded_at, actor, subject, resource, role,
          request_id, grant_id, opt_out_id, summary)
       SELECT * FROM json_to_recordset($1::json) AS a(seq bigint, event_id uuid, event_type text,
         occurred_at timestamptz, recorded_at timestamptz, actor text, subject text, resource text,
         role text, request_id uuid, grant_id uuid, opt_out_id uuid, summary text)
       ON CONFLICT (seq) DO NOTHING`,
      [JSON.stringify(records.map(auditTrailRow))],
    );
  }

  private async applyCurrentGrants(
    db: Queryable,
    entries: readonly ProjectedEntry[],
  ): Promise<void> {
    const { removed, added, extended } = netCurrentGrantsChanges(
      changesOf(entries, currentGrantsChange),
    );
    if (removed.length > 0) {
      await db.query(`DELETE FROM ${this.schema}.current_grants WHERE grant_id = ANY($1::uuid[])`, [
        removed,
      ]);
    }
    await this.insertCurrentGrants(db, added);
    await this.extendGrants(db, 'current_grants', extended, 'TRUE');
  }

  /**
   * Moves the end of each grant to its last renewal that applies to it: one issued before the
   * renewal (and, in the history, not ended before it).
   */
  private async extendGrants(
    db: Queryable,
    tableName: 'current_grants' | 'grant_history',
    extensions: readonly GrantExtension[],
    stillOpen: string,
  ): Promise<void> {
    if (extensions.length === 0) return;
    const table = `${this.schema}.${tableName}`;
    await db.query(
      `UPDATE ${table} g SET ends_at = e.ends_at
       FROM (
         SELECT DISTINCT ON (x.grant_id) x.grant_id, x.ends_at
         FROM json_to_recordset($1::json) AS x(grant_id uuid, ends_at timestamptz, seq bigint)
         JOIN ${table} c ON c.grant_id = x.grant_id AND c.issued_seq < x.seq AND ${stillOpen}
         ORDER BY x.grant_id, x.seq DESC
       ) e
       WHERE g.grant_id = e.grant_id`,
      [
        JSON.stringify(
          extensions.map((extension) => ({
            grant_id: extension.grantId,
            ends_at: extension.endsAt,
            seq: extension.seq,
          })),
        ),
      ],
    );
  }

  private async applyGrantHistory(
    db: Queryable,
    entries: readonly ProjectedEntry[],
  ): Promise<void> {
    const net = netGrantHistoryChanges(changesOf(entries, grantHistoryChange));
    await this.endGrants(db, net.endedBeforeRecording);
    await this.insertGrantHistory(db, net.recorded);
    await this.endGrants(db, net.endedAfterRecording);
    await this.extendGrants(
      db,
      'grant_history',
      net.extended,
      '(c.ended_seq IS NULL OR c.ended_seq > x.seq)',
    );
  }

  private async endGrants(db: Queryable, endings: readonly GrantEnding[]): Promise<void> {
    if (endings.length === 0) return;
    await db.query(
      `UPDATE ${this.schema}.grant_history h SET ended_at = e.ended_at, ended_seq = e.ended_seq
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
    const known = {
      requests: await this.knownTargets(db, requestsNeedingTargets(entries)),
      optOuts: await this.knownOptOuts(db, optOutsNeedingTargets(entries)),
    };
    const changes = auditTrailChanges(entries, known);
    const targets: RequestTarget[] = [];
    const optOuts: OptOutTarget[] = [];
    const records: AuditTrailRecord[] = [];
    for (const change of changes) {
      if (change.kind === 'target-noted') targets.push(change.target);
      else if (change.kind === 'opt-out-noted') optOuts.push(change.target);
      else records.push(change.record);
    }

    await this.insertRequestTargets(db, targets);
    await this.insertOptOutTargets(db, optOuts);
    await this.insertAuditTrail(db, records);
  }

  /** Targets keyed by the request ids as the events spell them; the database stores uuids. */
  private async knownTargets(
    db: Queryable,
    requestIds: readonly string[],
  ): Promise<Map<string, RequestTarget>> {
    const known = new Map<string, RequestTarget>();
    if (requestIds.length === 0) return known;
    const rows = (await db.query(
      `SELECT request_id, subject, resource, role FROM ${this.schema}.request_targets
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

  /** Opt-out targets keyed by the ids as the events spell them; the database stores uuids. */
  private async knownOptOuts(
    db: Queryable,
    optOutIds: readonly string[],
  ): Promise<Map<string, OptOutTarget>> {
    const known = new Map<string, OptOutTarget>();
    if (optOutIds.length === 0) return known;
    const rows = (await db.query(
      `SELECT opt_out_id, kind, subject, resource, role FROM ${this.schema}.opt_out_targets
       WHERE opt_out_id = ANY($1::uuid[])`,
      [optOutIds],
    )) as {
      opt_out_id: string;
      kind: OptOutTarget['kind'];
      subject: string;
      resource: string;
      role: string;
    }[];
    const byId = new Map(rows.map((row) => [row.opt_out_id.toLowerCase(), row]));
    for (const optOutId of optOutIds) {
      const row = byId.get(optOutId.toLowerCase());
      if (row) {
        known.set(optOutId, {
          optOutId,
          kind: row.kind,
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
    kind: grant.kind,
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

function requestTargetRow(target: RequestTarget): Record<string, unknown> {
  return {
    request_id: target.requestId,
    subject: target.subject,
    resource: target.resource,
    role: target.role,
  };
}

function optOutTargetRow(target: OptOutTarget): Record<string, unknown> {
  return {
    opt_out_id: target.optOutId,
    kind: target.kind,
    subject: target.subject,
    resource: target.resource,
    role: target.role,
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
    opt_out_id: record.optOutId,
    summary: record.summary,
  };
}
