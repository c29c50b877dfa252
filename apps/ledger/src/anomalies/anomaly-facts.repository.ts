import { Injectable } from '@nestjs/common';
import { Queryable } from '../queryable';

/** A request or opt-out as the detector remembers it. */
export interface KnownSubject {
  id: string;
  kind: string;
  requester: string;
  groups: string[];
  resource: string;
  justificationLength: number;
  approvalRequestedAt: string | null;
  uses: number;
  ended: boolean;
}

export interface NewSubject {
  id: string;
  kind: string;
  requester: string;
  groups: readonly string[];
  resource: string;
  justificationLength: number;
  approvalRequestedAt: string | null;
}

interface SubjectRow {
  id: string;
  kind: string;
  requester: string;
  groups: string[];
  resource: string;
  justification_length: number;
  approval_requested_at: Date | null;
  uses: number;
  ended: boolean;
}

const iso = (value: Date | string) =>
  (value instanceof Date ? value : new Date(value)).toISOString();

/**
 * The facts the anomaly detector keeps of the ledger it has read: requests and opt-outs, who held
 * what, activations, requests at their maximum, approvals, and the anomalies already reported.
 */
@Injectable()
export class AnomalyFactsRepository {
  async takeTurn(db: Queryable, lock: string): Promise<boolean> {
    const rows = (await db.query('SELECT pg_try_advisory_xact_lock(hashtext($1)) AS got', [
      lock,
    ])) as { got: boolean }[];
    return rows[0]?.got === true;
  }

  async readCursor(db: Queryable): Promise<number> {
    const rows = (await db.query('SELECT last_seq FROM ledger.anomaly_detection WHERE id = 1')) as {
      last_seq: string;
    }[];
    const cursor = rows[0];
    if (!cursor) throw new Error('ledger.anomaly_detection has no row; the migrations did not run');
    return Number(cursor.last_seq);
  }

  async moveCursor(db: Queryable, seq: number): Promise<void> {
    await db.query('UPDATE ledger.anomaly_detection SET last_seq = $1 WHERE id = 1', [seq]);
  }

  /** Keeps what is known already; an ApprovalRequested after its AccessRequested adds its time. */
  async noteSubject(db: Queryable, subject: NewSubject): Promise<void> {
    await db.query(
      `INSERT INTO ledger.anomaly_subjects
         (id, kind, requester, groups, resource, justification_length, approval_requested_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (id) DO UPDATE SET approval_requested_at =
         COALESCE(ledger.anomaly_subjects.approval_requested_at, EXCLUDED.approval_requested_at)`,
      [
        subject.id,
        subject.kind,
        subject.requester,
        subject.groups,
        subject.resource,
        subject.justificationLength,
        subject.approvalRequestedAt,
      ],
    );
  }

  async findSubject(db: Queryable, id: string): Promise<KnownSubject | null> {
    const rows = (await db.query(
      `SELECT id, kind, requester, groups, resource, justification_length, approval_requested_at,
         uses, ended
       FROM ledger.anomaly_subjects WHERE id = $1`,
      [id],
    )) as SubjectRow[];
    const row = rows[0];
    if (!row) return null;
    return {
      id: row.id,
      kind: row.kind,
      requester: row.requester,
      groups: row.groups,
      resource: row.resource,
      justificationLength: row.justification_length,
      approvalRequestedAt: row.approval_requested_at ? iso(row.approval_requested_at) : null,
      uses: row.uses,
      ended: row.ended,
    };
  }

  async countUse(db: Queryable, optOutId: string): Promise<void> {
    await db.query('UPDATE ledger.anomaly_subjects SET uses = uses + 1 WHERE id = $1', [optOutId]);
  }

  async markEnded(db: Queryable, optOutId: string): Promise<void> {
    await db.query('UPDATE ledger.anomaly_subjects SET ended = true WHERE id = $1', [optOutId]);
  }

  async heldBefore(db: Queryable, subject: string, resource: string): Promise<boolean> {
    const rows = (await db.query(
      'SELECT 1 FROM ledger.anomaly_held_access WHERE subject = $1 AND resource = $2',
      [subject, resource],
    )) as unknown[];
    return rows.length > 0;
  }

  async noteHeld(db: Queryable, subject: string, resource: string): Promise<void> {
    await db.query(
      `INSERT INTO ledger.anomaly_held_access (subject, resource) VALUES ($1, $2)
       ON CONFLICT DO NOTHING`,
      [subject, resource],
    );
  }

  /** Activation instants of a person's opt-outs since `since`. */
  async activationsOf(db: Queryable, subject: string, since: string): Promise<string[]> {
    const rows = (await db.query(
      `SELECT activated_at FROM ledger.anomaly_activations
       WHERE subject = $1 AND activated_at > $2 ORDER BY activated_at`,
      [subject, since],
    )) as { activated_at: Date }[];
    return rows.map((row) => iso(row.activated_at));
  }

  /** Activation instants of opt-outs of each team's members since `since`. */
  async activationsOfTeams(
    db: Queryable,
    teams: readonly string[],
    since: string,
  ): Promise<Map<string, string[]>> {
    const byTeam = new Map<string, string[]>(teams.map((team) => [team, []]));
    if (teams.length === 0) return byTeam;
    const rows = (await db.query(
      `SELECT team, activated_at FROM ledger.anomaly_activations, unnest(groups) AS team
       WHERE groups && $1::text[] AND team = ANY($1::text[]) AND activated_at > $2
       ORDER BY activated_at`,
      [teams, since],
    )) as { team: string; activated_at: Date }[];
    for (const row of rows) byTeam.get(row.team)?.push(iso(row.activated_at));
    return byTeam;
  }

  async noteActivation(
    db: Queryable,
    activation: { optOutId: string; subject: string; groups: readonly string[]; at: string },
  ): Promise<void> {
    await db.query(
      `INSERT INTO ledger.anomaly_activations (opt_out_id, subject, groups, activated_at)
       VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING`,
      [activation.optOutId, activation.subject, activation.groups, activation.at],
    );
  }

  async atMaximumSince(
    db: Queryable,
    requester: string,
    since: string,
  ): Promise<{ id: string; requestedAt: string }[]> {
    const rows = (await db.query(
      `SELECT id, requested_at FROM ledger.anomaly_maximum_durations
       WHERE requester = $1 AND requested_at > $2 ORDER BY requested_at`,
      [requester, since],
    )) as { id: string; requested_at: Date }[];
    return rows.map((row) => ({ id: row.id, requestedAt: iso(row.requested_at) }));
  }

  async noteAtMaximum(db: Queryable, id: string, requester: string, at: string): Promise<void> {
    await db.query(
      `INSERT INTO ledger.anomaly_maximum_durations (id, requester, requested_at)
       VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`,
      [id, requester, at],
    );
  }

  /** The latest approval by `approver` of a request or opt-out of `requester`, since `since`. */
  async latestApproval(
    db: Queryable,
    approver: string,
    requester: string,
    since: string,
  ): Promise<{ approvedId: string; recordedAt: string } | null> {
    const rows = (await db.query(
      `SELECT approved_id, recorded_at FROM ledger.anomaly_approvals
       WHERE approver = $1 AND requester = $2 AND recorded_at >= $3
       ORDER BY recorded_at DESC LIMIT 1`,
      [approver, requester, since],
    )) as { approved_id: string; recorded_at: Date }[];
    const row = rows[0];
    return row ? { approvedId: row.approved_id, recordedAt: iso(row.recorded_at) } : null;
  }

  async noteApproval(
    db: Queryable,
    approval: {
      seq: number;
      approver: string;
      requester: string;
      approvedId: string;
      recordedAt: string;
    },
  ): Promise<void> {
    await db.query(
      `INSERT INTO ledger.anomaly_approvals
         (ledger_seq, approver, requester, approved_id, recorded_at)
       VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING`,
      [
        approval.seq,
        approval.approver,
        approval.requester,
        approval.approvedId,
        approval.recordedAt,
      ],
    );
  }

  /** Claims a rule's finding for an entry; false when it was reported already. */
  async claimAnomaly(
    db: Queryable,
    anomaly: { rule: string; seq: number; anomalyId: string; eventId: string; detectedAt: string },
  ): Promise<boolean> {
    const rows = (await db.query(
      `INSERT INTO ledger.anomalies (rule, ledger_seq, anomaly_id, event_id, detected_at)
       VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING RETURNING anomaly_id`,
      [anomaly.rule, anomaly.seq, anomaly.anomalyId, anomaly.eventId, anomaly.detectedAt],
    )) as unknown[];
    return rows.length === 1;
  }
}
