import { decodeDomainEvent } from '@app/contracts';
import { GrantHistoryRecord } from '../projections/grant-history.projection';
import {
  AuditTrailRow,
  GRANT_HISTORY_COLUMNS,
  GrantHistoryRow,
  toAuditTrailRecord,
  toGrantHistoryRecord,
} from '../projections/projection-rows';
import { Queryable } from '../queryable';
import { reasonOf } from '../replay/event-reason';
import { findGrant, heldBySubject, lifeOf, whoHadAccess } from './investigation-questions';
import type {
  AccessAtAnswer,
  HeldAnswer,
  LifeAnswer,
  LifeKind,
  LifeRecord,
} from './investigation-questions';
import { ProjectionState } from '../replay/projection-state';

/** The questions an investigation asks, whether of the live projections or of a replay. */
export interface InvestigationAnswers {
  whoHadAccess(query: { resource: string; at: string; subject?: string }): Promise<AccessAtAnswer>;
  heldBySubject(query: { subject: string; from: string; to: string }): Promise<HeldAnswer>;
  lifeOf(query: { kind: LifeKind; id: string }): Promise<LifeAnswer | null>;
}

interface LifeRow extends AuditTrailRow {
  payload: string;
}

const LIFE_COLUMNS = `a.seq, a.event_id, a.event_type, a.occurred_at, a.recorded_at, a.actor,
  a.subject, a.resource, a.role, a.request_id, a.grant_id, a.opt_out_id, a.summary, e.payload`;

/**
 * The questions answered from the live projections (or from a replay schema's copy of them): the
 * SQL narrows the rows, the pure questions decide the answer, as they do over a replay.
 */
export class LiveInvestigations implements InvestigationAnswers {
  constructor(
    private readonly db: Queryable,
    private readonly schema = 'ledger',
  ) {}

  async whoHadAccess(query: {
    resource: string;
    at: string;
    subject?: string;
  }): Promise<AccessAtAnswer> {
    const rows = (await this.db.query(
      `SELECT ${GRANT_HISTORY_COLUMNS} FROM ${this.schema}.grant_history
       WHERE resource = $1 AND starts_at <= $2 AND $2 < COALESCE(ended_at, ends_at)
         AND ($3::text IS NULL OR subject = $3)`,
      [query.resource, query.at, query.subject ?? null],
    )) as GrantHistoryRow[];
    return whoHadAccess(rows.map(toGrantHistoryRecord), query);
  }

  async heldBySubject(query: { subject: string; from: string; to: string }): Promise<HeldAnswer> {
    const rows = (await this.db.query(
      `SELECT ${GRANT_HISTORY_COLUMNS} FROM ${this.schema}.grant_history
       WHERE subject = $1 AND starts_at < $3 AND $2 < COALESCE(ended_at, ends_at)`,
      [query.subject, query.from, query.to],
    )) as GrantHistoryRow[];
    return heldBySubject(rows.map(toGrantHistoryRecord), query);
  }

  async lifeOf(query: { kind: LifeKind; id: string }): Promise<LifeAnswer | null> {
    const grant = query.kind === 'grant' ? await this.grant(query.id) : undefined;
    if (query.kind === 'grant' && !grant) return null;
    const rows = (await this.db.query(
      `SELECT ${LIFE_COLUMNS} FROM ${this.schema}.audit_trail a
       JOIN ledger.ledger_entries e ON e.seq = a.seq
       WHERE ${lifeFilter(query.kind)} ORDER BY a.seq`,
      [query.id, grant?.requestId ?? null],
    )) as LifeRow[];
    return lifeOf(rows.map(toLifeRecord), query, grant);
  }

  private async grant(id: string): Promise<GrantHistoryRecord | undefined> {
    const rows = (await this.db.query(
      `SELECT ${GRANT_HISTORY_COLUMNS} FROM ${this.schema}.grant_history WHERE grant_id = $1`,
      [id],
    )) as GrantHistoryRow[];
    return rows[0] ? toGrantHistoryRecord(rows[0]) : undefined;
  }
}

/** The rows `lifeOf` keeps, for `$1` the id asked about and `$2` a grant's request or opt-out. */
function lifeFilter(kind: LifeKind): string {
  switch (kind) {
    case 'request':
      return 'a.request_id = $1::uuid AND $2::uuid IS NULL';
    case 'opt-out':
      return 'a.opt_out_id = $1::uuid AND $2::uuid IS NULL';
    case 'grant':
      return '(a.grant_id = $1::uuid OR a.request_id = $2::uuid OR a.opt_out_id = $2::uuid)';
  }
}

/** The same questions over a replay held in memory. */
export class ReplayedInvestigations implements InvestigationAnswers {
  constructor(private readonly state: ProjectionState) {}

  whoHadAccess(query: { resource: string; at: string; subject?: string }): Promise<AccessAtAnswer> {
    return Promise.resolve(whoHadAccess(this.state.grantHistory.values(), query));
  }

  heldBySubject(query: { subject: string; from: string; to: string }): Promise<HeldAnswer> {
    return Promise.resolve(heldBySubject(this.state.grantHistory.values(), query));
  }

  lifeOf(query: { kind: LifeKind; id: string }): Promise<LifeAnswer | null> {
    const grant = query.kind === 'grant' ? findGrant(this.state.grantHistory, query.id) : undefined;
    return Promise.resolve(lifeOf(lifeRecordsOf(this.state), query, grant));
  }
}

export function lifeRecordsOf(state: ProjectionState): LifeRecord[] {
  return [...state.auditTrail.records.values()].map((record) => ({
    ...record,
    reason: state.reasons.get(record.seq) ?? null,
  }));
}

function toLifeRecord(row: LifeRow): LifeRecord {
  const decoded = decodeDomainEvent(Buffer.from(row.payload, 'utf8'));
  return { ...toAuditTrailRecord(row), reason: decoded.ok ? reasonOf(decoded.value) : null };
}
