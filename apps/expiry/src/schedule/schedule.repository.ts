import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { AccessKey, accessKeyOf, GrantStatus, ScheduledGrant } from './grant-end.decider';

export type DeadlineKind = 'grant-end' | 'request-decision';
export const DEADLINE_KINDS: readonly DeadlineKind[] = ['grant-end', 'request-decision'];

/** The event a deadline was set by, so what it emits when it fires continues that chain. */
export interface DeadlineOrigin {
  correlationId: string;
  causeEventId: string;
}

export interface NewDeadline extends DeadlineOrigin {
  kind: DeadlineKind;
  targetId: string;
  requestId: string;
  dueAt: string;
}

export interface DueDeadline extends DeadlineOrigin {
  id: string;
  kind: DeadlineKind;
  targetId: string;
  requestId: string;
  dueAt: Date;
  /** What the grant a grant-end deadline ends gives access to; null for other kinds. */
  access: AccessKey | null;
}

export interface NewGrant {
  grantId: string;
  requestId: string;
  subject: string;
  resource: string;
  role: string;
  startsAt: string;
  endsAt: string;
}

export interface DeadlineCounts {
  kind: DeadlineKind;
  scheduled: number;
  overdue: number;
  fired: number;
  cancelled: number;
  nextDueAt: Date | null;
}

interface DueDeadlineRow {
  id: string;
  kind: DeadlineKind;
  target_id: string;
  request_id: string;
  due_at: Date;
  correlation_id: string;
  cause_event_id: string;
  subject: string | null;
  resource: string | null;
  role: string | null;
}

interface GrantRow {
  grant_id: string;
  request_id: string;
  subject: string;
  resource: string;
  role: string;
  starts_at: Date;
  ends_at: Date;
  status: GrantStatus;
}

interface CountsRow {
  kind: DeadlineKind;
  scheduled: string;
  overdue: string;
  fired: string;
  cancelled: string;
  next_due_at: Date | null;
}

/**
 * SQL over the expiry schema. Every method that changes state runs in the caller's transaction.
 * Limitation: fired and cancelled deadlines and expired grants are kept for good; nothing prunes
 * them, so the tables grow with every grant ever issued.
 */
@Injectable()
export class ScheduleRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Returns false when the grant was already known. */
  async insertGrant(manager: EntityManager, grant: NewGrant): Promise<boolean> {
    const rows = (await manager.query(
      `INSERT INTO expiry.grants
         (grant_id, request_id, subject, resource, role, starts_at, ends_at, status)
       VALUES ($1, $2, $3, $4, $5, $6, $7, 'active')
       ON CONFLICT (grant_id) DO NOTHING
       RETURNING grant_id`,
      [
        grant.grantId,
        grant.requestId,
        grant.subject,
        grant.resource,
        grant.role,
        grant.startsAt,
        grant.endsAt,
      ],
    )) as unknown[];
    return rows.length === 1;
  }

  /** Returns false when a deadline of that kind already existed for the target. */
  async scheduleDeadline(manager: EntityManager, deadline: NewDeadline): Promise<boolean> {
    const rows = (await manager.query(
      `INSERT INTO expiry.deadlines
         (kind, target_id, request_id, due_at, status, correlation_id, cause_event_id)
       VALUES ($1, $2, $3, $4, 'scheduled', $5, $6)
       ON CONFLICT (kind, target_id) DO NOTHING
       RETURNING id`,
      [
        deadline.kind,
        deadline.targetId,
        deadline.requestId,
        deadline.dueAt,
        deadline.correlationId,
        deadline.causeEventId,
      ],
    )) as unknown[];
    return rows.length === 1;
  }

  /** Returns false when there was no scheduled decision deadline left to cancel. */
  async cancelRequestDecision(manager: EntityManager, requestId: string): Promise<boolean> {
    const rows = (await manager.query(
      `UPDATE expiry.deadlines SET status = 'cancelled'
       WHERE kind = 'request-decision' AND target_id = $1 AND status = 'scheduled'
       RETURNING id`,
      [requestId],
    )) as unknown[];
    return rows.length === 1;
  }

  /**
   * Locks up to `limit` deadlines due by `now`, earliest first. Rows another transaction holds are
   * skipped, so instances running side by side each take different deadlines.
   */
  async claimDueDeadlines(
    manager: EntityManager,
    now: Date,
    limit: number,
  ): Promise<DueDeadline[]> {
    const rows = (await manager.query(
      `SELECT d.id, d.kind, d.target_id, d.request_id, d.due_at, d.correlation_id,
              d.cause_event_id, g.subject, g.resource, g.role
       FROM expiry.deadlines d
       LEFT JOIN expiry.grants g ON d.kind = 'grant-end' AND g.grant_id = d.target_id
       WHERE d.status = 'scheduled' AND d.due_at <= $1
       ORDER BY d.due_at, d.id
       LIMIT $2
       FOR UPDATE OF d SKIP LOCKED`,
      [now.toISOString(), limit],
    )) as DueDeadlineRow[];
    return rows.map((row) => ({
      id: row.id,
      kind: row.kind,
      targetId: row.target_id,
      requestId: row.request_id,
      dueAt: row.due_at,
      correlationId: row.correlation_id,
      causeEventId: row.cause_event_id,
      access:
        row.subject !== null && row.resource !== null && row.role !== null
          ? { subject: row.subject, resource: row.resource, role: row.role }
          : null,
    }));
  }

  /**
   * Serializes decisions on the same access keys until the transaction ends. Locks are taken in
   * ascending lock-id order, so two transactions locking overlapping sets never deadlock; the
   * aggregate takes the rows in the order the sorted subquery yields them.
   */
  async lockAccessKeys(manager: EntityManager, keys: readonly AccessKey[]): Promise<void> {
    if (keys.length === 0) return;
    await manager.query(
      `SELECT count(pg_advisory_xact_lock(lock_id)) AS locked
       FROM (SELECT DISTINCT hashtext(access_key)::bigint AS lock_id
             FROM unnest($1::text[]) AS access_key
             ORDER BY lock_id) AS sorted`,
      [[...new Set(keys.map(accessKeyOf))]],
    );
  }

  /** The active grants of these access keys, plus the listed grants whatever their status. */
  async findGrantsOfKeys(
    manager: EntityManager,
    keys: readonly AccessKey[],
    grantIds: readonly string[],
  ): Promise<ScheduledGrant[]> {
    if (keys.length === 0) return [];
    const rows = (await manager.query(
      `SELECT grant_id, request_id, subject, resource, role, starts_at, ends_at, status
       FROM expiry.grants
       WHERE (subject, resource, role) IN (
               SELECT * FROM unnest($1::text[], $2::text[], $3::text[]))
         AND (status = 'active' OR grant_id = ANY($4::uuid[]))`,
      [
        keys.map((key) => key.subject),
        keys.map((key) => key.resource),
        keys.map((key) => key.role),
        [...grantIds],
      ],
    )) as GrantRow[];
    return rows.map((row) => ({
      grantId: row.grant_id,
      requestId: row.request_id,
      subject: row.subject,
      resource: row.resource,
      role: row.role,
      startsAt: row.starts_at,
      endsAt: row.ends_at,
      status: row.status,
    }));
  }

  async markGrantsExpired(
    manager: EntityManager,
    grantIds: readonly string[],
    at: Date,
  ): Promise<void> {
    if (grantIds.length === 0) return;
    await manager.query(
      `UPDATE expiry.grants SET status = 'expired', expired_at = $2
       WHERE grant_id = ANY($1::uuid[]) AND status = 'active'`,
      [[...grantIds], at.toISOString()],
    );
  }

  async markDeadlinesFired(
    manager: EntityManager,
    deadlineIds: readonly string[],
    at: Date,
  ): Promise<void> {
    if (deadlineIds.length === 0) return;
    await manager.query(
      `UPDATE expiry.deadlines SET status = 'fired', fired_at = $2 WHERE id = ANY($1::bigint[])`,
      [[...deadlineIds], at.toISOString()],
    );
  }

  // Limitation: counts by scanning every deadline ever set; slow once the table is very large.
  async countDeadlines(now: Date): Promise<DeadlineCounts[]> {
    const rows = (await this.dataSource.query(
      `SELECT kind,
              count(*) FILTER (WHERE status = 'scheduled') AS scheduled,
              count(*) FILTER (WHERE status = 'scheduled' AND due_at <= $1) AS overdue,
              count(*) FILTER (WHERE status = 'fired') AS fired,
              count(*) FILTER (WHERE status = 'cancelled') AS cancelled,
              min(due_at) FILTER (WHERE status = 'scheduled') AS next_due_at
       FROM expiry.deadlines
       GROUP BY kind`,
      [now.toISOString()],
    )) as CountsRow[];
    return rows.map((row) => ({
      kind: row.kind,
      scheduled: Number(row.scheduled),
      overdue: Number(row.overdue),
      fired: Number(row.fired),
      cancelled: Number(row.cancelled),
      nextDueAt: row.next_due_at,
    }));
  }
}
