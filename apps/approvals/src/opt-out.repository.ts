import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { OptOutKind } from '@app/contracts';
import { OptOutState } from '@app/domain';
import { OptOutListStatus } from './opt-out.schemas';

interface OptOutRow {
  state: OptOutState;
}

interface EligibilityRow {
  suspended_at: Date | null;
  suspended_by_opt_out: string | null;
}

export interface BreakGlassSuspension {
  suspendedAt: Date | null;
}

export interface OptOutFilter {
  status: OptOutListStatus | null;
  kind: OptOutKind | null;
  subject: string | null;
  limit: number;
}

const STATUSES_OF: Record<OptOutListStatus, string[]> = {
  active: ['active'],
  pending: ['pending'],
  ended: ['denied', 'revoked', 'lapsed', 'expired'],
  refused: ['refused'],
};

/** The opt-out tables, in raw SQL; every method runs inside the caller's transaction. */
@Injectable()
export class OptOutRepository {
  /** False when an opt-out with this id is already stored, e.g. a retry under the same key. */
  async insert(manager: EntityManager, state: OptOutState, now: Date): Promise<boolean> {
    const rows = (await manager.query(
      `INSERT INTO approvals.opt_outs (opt_out_id, kind, subject_id, resource, role, status,
         review_status, state, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb, $9, $9)
       ON CONFLICT (opt_out_id) DO NOTHING RETURNING opt_out_id`,
      [
        state.optOutId,
        state.kind,
        state.requester.id,
        state.resource,
        state.role,
        state.status,
        state.review.status,
        JSON.stringify(state),
        now,
      ],
    )) as unknown[];
    return rows.length === 1;
  }

  /** Reads the opt-out and holds its row lock until the transaction ends. */
  async lock(manager: EntityManager, optOutId: string): Promise<OptOutState | null> {
    return this.find(manager, optOutId, 'FOR UPDATE');
  }

  async find(
    manager: EntityManager,
    optOutId: string,
    locking: 'FOR UPDATE' | '' = '',
  ): Promise<OptOutState | null> {
    const [row] = (await manager.query(
      `SELECT state FROM approvals.opt_outs WHERE opt_out_id = $1 ${locking}`,
      [optOutId],
    )) as OptOutRow[];
    return row?.state ?? null;
  }

  async save(manager: EntityManager, state: OptOutState, now: Date): Promise<void> {
    await manager.query(
      `UPDATE approvals.opt_outs
       SET status = $2, review_status = $3, state = $4::jsonb, updated_at = $5
       WHERE opt_out_id = $1`,
      [state.optOutId, state.status, state.review.status, JSON.stringify(state), now],
    );
  }

  async list(manager: EntityManager, filter: OptOutFilter): Promise<OptOutState[]> {
    const rows = (await manager.query(
      `SELECT state FROM approvals.opt_outs
       WHERE ($1::text[] IS NULL OR status = ANY($1))
         AND ($2::text IS NULL OR kind = $2)
         AND ($3::text IS NULL OR subject_id = $3)
       ORDER BY created_at DESC, opt_out_id
       LIMIT $4`,
      [
        filter.status === null ? null : STATUSES_OF[filter.status],
        filter.kind,
        filter.subject,
        filter.limit,
      ],
    )) as OptOutRow[];
    return rows.map((row) => row.state);
  }

  /** The subject's break-glass reviews that are past their deadline and not done. */
  async overdueReviews(manager: EntityManager, subject: string): Promise<OptOutState[]> {
    const rows = (await manager.query(
      `SELECT state FROM approvals.opt_outs
       WHERE subject_id = $1 AND kind = 'break-glass' AND review_status = 'overdue'
       ORDER BY created_at`,
      [subject],
    )) as OptOutRow[];
    return rows.map((row) => row.state);
  }

  /**
   * Locks the person's break-glass eligibility, creating its row on first use, so a suspension
   * and a new break-glass of the same person are taken one after the other.
   */
  async lockSuspension(manager: EntityManager, subject: string): Promise<BreakGlassSuspension> {
    await manager.query(
      `INSERT INTO approvals.break_glass_eligibility (subject_id) VALUES ($1)
       ON CONFLICT (subject_id) DO NOTHING`,
      [subject],
    );
    const [row] = (await manager.query(
      `SELECT suspended_at, suspended_by_opt_out FROM approvals.break_glass_eligibility
       WHERE subject_id = $1 FOR UPDATE`,
      [subject],
    )) as EligibilityRow[];
    return { suspendedAt: row?.suspended_at ?? null };
  }

  async findSuspension(manager: EntityManager, subject: string): Promise<BreakGlassSuspension> {
    const [row] = (await manager.query(
      `SELECT suspended_at, suspended_by_opt_out FROM approvals.break_glass_eligibility
       WHERE subject_id = $1`,
      [subject],
    )) as EligibilityRow[];
    return { suspendedAt: row?.suspended_at ?? null };
  }

  async suspend(
    manager: EntityManager,
    subject: string,
    optOutId: string,
    at: Date,
  ): Promise<void> {
    await manager.query(
      `UPDATE approvals.break_glass_eligibility
       SET suspended_at = $2, suspended_by_opt_out = $3
       WHERE subject_id = $1 AND suspended_at IS NULL`,
      [subject, at, optOutId],
    );
  }

  async restore(manager: EntityManager, subject: string): Promise<void> {
    await manager.query(
      `UPDATE approvals.break_glass_eligibility
       SET suspended_at = NULL, suspended_by_opt_out = NULL
       WHERE subject_id = $1`,
      [subject],
    );
  }
}
