import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { LedgerEntriesRepository, StoredLedgerEntry } from '../append/ledger-entries.repository';
import { ProjectionRebuilder, RebuildResult } from '../projections/projection-rebuilder';
import {
  AuditTrailRow,
  CURRENT_GRANT_COLUMNS,
  CurrentGrantRow,
  GRANT_HISTORY_COLUMNS,
  GrantHistoryRow,
  toAuditTrailRecord,
  toCurrentGrant,
  toGrantHistoryRecord,
} from '../projections/projection-rows';
import {
  AuditTrailQuery,
  AuditTrailRecordView,
  CurrentGrantsQuery,
  CurrentGrantView,
  GrantsAtQuery,
  HistoricGrantView,
  LedgerEntriesQuery,
} from './ledger-api.schemas';

/** Reads the projections and the raw chain for the HTTP API. */
@Injectable()
export class LedgerQueryService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly repository: LedgerEntriesRepository,
    private readonly rebuilder: ProjectionRebuilder,
  ) {}

  async currentGrants(
    query: CurrentGrantsQuery,
  ): Promise<{ grants: CurrentGrantView[]; nextAfterSeq: number | null }> {
    const filter = new Filter([query.afterSeq]);
    filter.add('subject', query.subject);
    filter.add('resource', query.resource);
    const limit = filter.param(query.limit);
    const rows = (await this.dataSource.query(
      `SELECT ${CURRENT_GRANT_COLUMNS} FROM ledger.current_grants
       WHERE issued_seq > $1 ${filter.sql} ORDER BY issued_seq LIMIT ${limit}`,
      filter.params,
    )) as CurrentGrantRow[];
    const grants = rows.map(toCurrentGrant);
    return {
      grants,
      nextAfterSeq: nextAfter(
        grants.map((grant) => grant.issuedSeq),
        query.limit,
      ),
    };
  }

  /** Grants whose window [startsAt, end) holds `at`; the end is when it expired, or was due to. */
  async grantsAt(query: GrantsAtQuery): Promise<{
    at: string;
    resource: string;
    grants: HistoricGrantView[];
  }> {
    const filter = new Filter([query.resource, query.at]);
    filter.add('subject', query.subject);
    const rows = (await this.dataSource.query(
      `SELECT ${GRANT_HISTORY_COLUMNS} FROM ledger.grant_history
       WHERE resource = $1 AND starts_at <= $2 AND $2 < COALESCE(ended_at, ends_at) ${filter.sql}
       ORDER BY starts_at, grant_id`,
      filter.params,
    )) as GrantHistoryRow[];
    return { at: query.at, resource: query.resource, grants: rows.map(toGrantHistoryRecord) };
  }

  async auditTrail(
    query: AuditTrailQuery,
  ): Promise<{ records: AuditTrailRecordView[]; nextAfterSeq: number | null }> {
    const filter = new Filter([query.afterSeq]);
    filter.add('request_id', query.requestId);
    filter.add('opt_out_id', query.optOutId);
    filter.add('subject', query.subject);
    filter.add('resource', query.resource);
    const limit = filter.param(query.limit);
    const rows = (await this.dataSource.query(
      `SELECT seq, event_id, event_type, occurred_at, recorded_at, actor, subject, resource, role,
         request_id, grant_id, opt_out_id, summary
       FROM ledger.audit_trail WHERE seq > $1 ${filter.sql} ORDER BY seq LIMIT ${limit}`,
      filter.params,
    )) as AuditTrailRow[];
    const records = rows.map(toAuditTrailRecord);
    return {
      records,
      nextAfterSeq: nextAfter(
        records.map((record) => record.seq),
        query.limit,
      ),
    };
  }

  async entries(
    query: LedgerEntriesQuery,
  ): Promise<{ entries: StoredLedgerEntry[]; nextAfterSeq: number | null }> {
    const entries = await this.repository.readEntries(
      this.dataSource,
      query.afterSeq,
      Number.MAX_SAFE_INTEGER,
      query.limit,
    );
    return {
      entries,
      nextAfterSeq: nextAfter(
        entries.map((entry) => entry.seq),
        query.limit,
      ),
    };
  }

  rebuildProjections(): Promise<RebuildResult> {
    return this.rebuilder.rebuild();
  }
}

/** Optional equality filters, as numbered parameters after the ones the query starts with. */
class Filter {
  private readonly clauses: string[] = [];

  constructor(readonly params: unknown[]) {}

  add(column: string, value: string | undefined): void {
    if (value === undefined) return;
    this.clauses.push(`AND ${column} = ${this.param(value)}`);
  }

  /** Adds a parameter and returns its placeholder. */
  param(value: unknown): string {
    this.params.push(value);
    return `$${this.params.length}`;
  }

  get sql(): string {
    return this.clauses.join(' ');
  }
}

function nextAfter(seqs: readonly number[], limit: number): number | null {
  return seqs.length === limit ? seqs[seqs.length - 1]! : null;
}
