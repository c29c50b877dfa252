import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import {
  AccessKey,
  accessKeyOf,
  GrantKind,
  GrantStatus,
  ScheduledGrant,
} from './grant-end.decider';
import { OptOutDeadlineKind } from './opt-out-deadlines';

export type DeadlineKind = 'request-decision' | OptOutDeadlineKind;
export const DEADLINE_KINDS: readonly DeadlineKind[] = [
  'grant-end',
  'request-decision',
  'unused-lapse',
  'review',
  'recertification',
];

export type DeadlineStatus = 'scheduled' | 'fired' | 'cancelled';

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
  /** What the grant or opt-out the deadline is about gives access to; null for a request's. */
  access: AccessKey | null;
  /** When that grant or opt-out ends (or ended); null for a request's deadline. */
  targetEndsAt: Date | null;
}

export interface NewGrant {
  grantId: string;
  requestId: string;
  kind: GrantKind;
  subject: string;
  resource: string;
  role: string;
  startsAt: string;
  endsAt: string;
  /** A standing exception's lapse period (ISO-8601); null for everything else. */
  lapseAfterUnused: string | null;
}

export interface StoredGrant extends ScheduledGrant {
  lapseAfterUnused: string | null;
}

/** A deadline as it stands, locked for the rest of the transaction. */
export interface LockedDeadline {
  kind: DeadlineKind;
  dueAt: Date;
  status: DeadlineStatus;
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
  ends_at: Date | null;
}

interface GrantRow {
  grant_id: string;
  request_id: string;
  kind: GrantKind;
  subject: string;
  resource: string;
  role: string;
  starts_at: Date;
  ends_at: Date;
  status: GrantStatus;
  lapse_after_unused: string | null;
}

interface LockedDeadlineRow {
  kind: DeadlineKind;
  due_at: Date;
  status: DeadlineStatus;
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
 * The claim of due deadlines. The batch is chosen before the join, and read in index order:
 * PostgreSQL otherwise plans by its statistics, and a burst inserted since the last ANALYZE looks
 * like a handful of due deadlines, for which it read and sorted every due deadline, for every
 * batch; a backlog of n then cost about n²/batch rows to drain.
 */
export const CLAIM_DUE_DEADLINES_SQL = `WITH due AS (
     SELECT id, kind, target_id, request_id, due_at, correlation_id, cause_event_id
     FROM expiry.deadlines
     WHERE status = 'scheduled' AND due_at <= $1
     ORDER BY due_at, id
     LIMIT $2
     FOR UPDATE SKIP LOCKED)
   SELECT d.id, d.kind, d.target_id, d.request_id, d.due_at, d.correlation_id,
          d.cause_event_id, g.subject, g.resource, g.role, g.ends_at
   FROM due d
   LEFT JOIN expiry.grants g ON d.kind <> 'request-decision' AND g.grant_id = d.target_id
   ORDER BY d.due_at, d.id`;

/**
 * Set for the claim alone. With sorts ruled out, the (due_at, id) index is read in order and the
 * scan stops at the batch, whatever the statistics say. The batch joined is still sorted, at the
 * cost that ruling out adds to every plan, which would make PostgreSQL JIT-compile the query
 * (about 100 ms) without `jit = off`.
 */
export const CLAIM_PLAN_SETTINGS = 'SET LOCAL enable_sort = off; SET LOCAL jit = off';
export const CLAIM_PLAN_DEFAULTS = 'SET LOCAL enable_sort TO DEFAULT; SET LOCAL jit TO DEFAULT';

/**
 * SQL over the expiry schema. Every method that changes state runs in the caller's transaction.
 * Limitation: fired and cancelled deadlines and expired grants are kept for good; nothing prunes
 * them, so the tables grow with every grant ever issued.
 */
@Injectable()
export class ScheduleRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Returns false when the grant or opt-out was already known. */
  async insertGrant(manager: EntityManager, grant: NewGrant): Promise<boolean> {
    const rows = (await manager.query(
      `INSERT INTO expiry.grants
         (grant_id, request_id, kind, subject, resource, role, starts_at, ends_at, status,
          lapse_after_unused)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'active', $9)
       ON CONFLICT (grant_id) DO NOTHING
       RETURNING grant_id`,
      [
        grant.grantId,
        grant.requestId,
        grant.kind,
        grant.subject,
        grant.resource,
        grant.role,
        grant.startsAt,
        grant.endsAt,
        grant.lapseAfterUnused,
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

  async findGrant(manager: EntityManager, grantId: string): Promise<StoredGrant | null> {
    const rows = (await manager.query(
      `SELECT grant_id, request_id, kind, subject, resource, role, starts_at, ends_at, status,
              lapse_after_unused
       FROM expiry.grants WHERE grant_id = $1`,
      [grantId],
    )) as GrantRow[];
    return rows[0] ? toStoredGrant(rows[0]) : null;
  }

  async moveGrantEnd(manager: EntityManager, grantId: string, endsAt: string): Promise<void> {
    await manager.query(
      `UPDATE expiry.grants SET ends_at = $2 WHERE grant_id = $1 AND status = 'active'`,
      [grantId, endsAt],
    );
  }

  /**
   * Locks every deadline of the target, waiting for a scheduler that is firing one of them, so
   * what follows sees how that firing ended. Take this before `lockAccessKeys`, in the order the
   * scheduler takes its locks, so that the two never wait on each other.
   */
  async lockDeadlinesOf(manager: EntityManager, targetId: string): Promise<LockedDeadline[]> {
    const rows = (await manager.query(
      `SELECT kind, due_at, status FROM expiry.deadlines
       WHERE target_id = $1
       ORDER BY id
       FOR UPDATE`,
      [targetId],
    )) as LockedDeadlineRow[];
    return rows.map((row) => ({ kind: row.kind, dueAt: row.due_at, status: row.status }));
  }

  /**
   * Sets the deadline of that kind for the target to `dueAt` and schedules it, whether it was
   * scheduled, fired, cancelled or not there yet; what it emits then joins the given origin.
   */
  async rescheduleDeadline(manager: EntityManager, deadline: NewDeadline): Promise<void> {
    await manager.query(
      `INSERT INTO expiry.deadlines
         (kind, target_id, request_id, due_at, status, correlation_id, cause_event_id)
       VALUES ($1, $2, $3, $4, 'scheduled', $5, $6)
       ON CONFLICT (kind, target_id) DO UPDATE
         SET due_at = EXCLUDED.due_at, status = 'scheduled', fired_at = NULL,
             correlation_id = EXCLUDED.correlation_id, cause_event_id = EXCLUDED.cause_event_id`,
      [
        deadline.kind,
        deadline.targetId,
        deadline.requestId,
        deadline.dueAt,
        deadline.correlationId,
        deadline.causeEventId,
      ],
    );
  }

  /** Cancels those of the target's deadlines, of these kinds, that have not fired yet. */
  async cancelDeadlines(
    manager: EntityManager,
    targetId: string,
    kinds: readonly DeadlineKind[],
  ): Promise<DeadlineKind[]> {
    const rows = (await manager.query(
      `UPDATE expiry.deadlines SET status = 'cancelled'
       WHERE target_id = $1 AND kind = ANY($2::text[]) AND status = 'scheduled'
       RETURNING kind`,
      [targetId, [...kinds]],
    )) as { kind: DeadlineKind }[];
    return rows.map((row) => row.kind);
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
    await manager.query(CLAIM_PLAN_SETTINGS);
    const rows = (await manager.query(CLAIM_DUE_DEADLINES_SQL, [
      now.toISOString(),
      limit,
    ])) as DueDeadlineRow[];
    await manager.query(CLAIM_PLAN_DEFAULTS);
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
      targetEndsAt: row.ends_at,
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

  /**
   * The active grants and opt-outs of these access keys, plus the listed ones whatever their
   * status.
   */
  async findGrantsOfKeys(
    manager: EntityManager,
    keys: readonly AccessKey[],
    grantIds: readonly string[],
  ): Promise<ScheduledGrant[]> {
    if (keys.length === 0) return [];
    const rows = (await manager.query(
      `SELECT grant_id, request_id, kind, subject, resource, role, starts_at, ends_at, status,
              lapse_after_unused
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
    return rows.map(toStoredGrant);
  }

  /** Ends the grants or opt-outs that are still active, recording how and when. */
  async markGrantsEnded(
    manager: EntityManager,
    grantIds: readonly string[],
    status: Exclude<GrantStatus, 'active'>,
    at: Date,
  ): Promise<void> {
    if (grantIds.length === 0) return;
    await manager.query(
      `UPDATE expiry.grants SET status = $2, ended_at = $3
       WHERE grant_id = ANY($1::uuid[]) AND status = 'active'`,
      [[...grantIds], status, at.toISOString()],
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

function toStoredGrant(row: GrantRow): StoredGrant {
  return {
    grantId: row.grant_id,
    requestId: row.request_id,
    kind: row.kind,
    subject: row.subject,
    resource: row.resource,
    role: row.role,
    startsAt: row.starts_at,
    endsAt: row.ends_at,
    status: row.status,
    lapseAfterUnused: row.lapse_after_unused,
  };
}
