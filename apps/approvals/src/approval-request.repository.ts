import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { ApprovalStatus } from '@app/domain';
import {
  ApprovalRequestRecord,
  IssuedGrant,
  RecordedApproval,
  Resolution,
} from './approval-request';
import { ApprovalPlan } from './approval-outcome.planner';
import { ApprovalView, GrantSummary, toApprovalView } from './approval-view';

interface ApprovalRequestRow {
  request_id: string;
  requester_id: string;
  requester_groups: string[];
  resource: string;
  role: string;
  requested_duration: string;
  granted_duration: string;
  granted_duration_ms: string;
  capped: boolean;
  justification: string;
  ticket: string | null;
  start_at: Date | null;
  policy_id: string;
  auto_approve_rule: string | null;
  approver_groups: string[];
  approvals_required: number;
  status: ApprovalStatus;
  decide_by: Date | null;
  correlation_id: string;
  created_at: Date;
  resolved_at: Date | null;
  resolved_by: string | null;
}

interface ApprovalRow {
  approver_id: string;
  comment: string | null;
  approved_at: Date;
}

interface GrantRow {
  grant_id: string;
  starts_at: Date;
  ends_at: Date;
  duration: string;
  requested_duration: string;
  capped: boolean;
}

/** The approvals schema, in raw SQL; every method runs inside the caller's transaction. */
@Injectable()
export class ApprovalRequestRepository {
  async exists(manager: EntityManager, requestId: string): Promise<boolean> {
    const rows = (await manager.query(
      'SELECT 1 FROM approvals.approval_requests WHERE request_id = $1',
      [requestId],
    )) as unknown[];
    return rows.length > 0;
  }

  async insert(manager: EntityManager, request: ApprovalRequestRecord): Promise<void> {
    await manager.query(
      `INSERT INTO approvals.approval_requests (
         request_id, requester_id, requester_groups, resource, role, requested_duration,
         granted_duration, granted_duration_ms, capped, justification, ticket, start_at,
         policy_id, auto_approve_rule, approver_groups, approvals_required, status, decide_by,
         correlation_id, created_at, resolved_at, resolved_by)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18,
               $19, $20, $21, $22)`,
      [
        request.requestId,
        request.requester.id,
        request.requester.groups,
        request.resource,
        request.role,
        request.requestedDuration,
        request.grantedDuration,
        request.grantedDurationMs,
        request.capped,
        request.justification,
        request.ticket,
        request.startAt,
        request.policyId,
        request.autoApproveRule,
        request.approverGroups,
        request.approvalsRequired,
        request.status,
        request.decideBy,
        request.correlationId,
        request.createdAt,
        request.resolvedAt,
        request.resolvedBy,
      ],
    );
  }

  /** Reads the request and holds its row lock until the transaction ends. */
  async lock(manager: EntityManager, requestId: string): Promise<ApprovalRequestRecord | null> {
    return this.findRequest(manager, requestId, 'FOR UPDATE');
  }

  async listApprovals(manager: EntityManager, requestId: string): Promise<RecordedApproval[]> {
    const rows = (await manager.query(
      `SELECT approver_id, comment, approved_at FROM approvals.approvals
       WHERE request_id = $1 ORDER BY seq`,
      [requestId],
    )) as ApprovalRow[];
    return rows.map((row) => ({
      approver: row.approver_id,
      comment: row.comment,
      approvedAt: row.approved_at,
    }));
  }

  /** Stores what one decision on a pending request produced. */
  async saveOutcome(manager: EntityManager, requestId: string, plan: ApprovalPlan): Promise<void> {
    for (const approval of plan.approvals) {
      await manager.query(
        `INSERT INTO approvals.approvals (request_id, approver_id, comment, approved_at)
         VALUES ($1, $2, $3, $4)`,
        [requestId, approval.approver, approval.comment, approval.approvedAt],
      );
    }
    if (plan.resolution !== null) {
      await this.resolvePending(manager, requestId, plan.resolution);
    }
    if (plan.grant !== null) {
      await this.insertGrant(manager, plan.grant);
    }
  }

  /** For a request resolved the moment it arrived: the decision row beside the request row. */
  async insertDecision(
    manager: EntityManager,
    requestId: string,
    resolution: Resolution,
  ): Promise<void> {
    await manager.query(
      `INSERT INTO approvals.decisions (request_id, outcome, decided_by, comment, decided_at)
       VALUES ($1, $2, $3, $4, $5)`,
      [requestId, resolution.status, resolution.by, resolution.comment, resolution.at],
    );
  }

  async insertGrant(manager: EntityManager, grant: IssuedGrant): Promise<void> {
    await manager.query(
      `INSERT INTO approvals.grants (grant_id, request_id, subject, resource, role, starts_at,
         ends_at, duration, requested_duration, capped, automatic)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
      [
        grant.grantId,
        grant.requestId,
        grant.subject,
        grant.resource,
        grant.role,
        grant.startsAt,
        grant.endsAt,
        grant.duration,
        grant.requestedDuration,
        grant.capped,
        grant.automatic,
      ],
    );
  }

  async findView(manager: EntityManager, requestId: string): Promise<ApprovalView | null> {
    const request = await this.findRequest(manager, requestId, '');
    if (request === null) {
      return null;
    }

    const approvals = await this.listApprovals(manager, requestId);
    const grant = await this.findGrant(manager, requestId);
    return toApprovalView(request, approvals, grant);
  }

  private async resolvePending(
    manager: EntityManager,
    requestId: string,
    resolution: Resolution,
  ): Promise<void> {
    // TypeORM answers an UPDATE with [rows, affected].
    const [, affected] = (await manager.query(
      `UPDATE approvals.approval_requests
       SET status = $2, resolved_at = $3, resolved_by = $4
       WHERE request_id = $1 AND status = 'pending'`,
      [requestId, resolution.status, resolution.at, resolution.by],
    )) as [unknown[], number];
    if (affected !== 1) {
      throw new Error(`request ${requestId} was not pending when it was resolved`);
    }
    await this.insertDecision(manager, requestId, resolution);
  }

  private async findGrant(manager: EntityManager, requestId: string): Promise<GrantSummary | null> {
    const [row] = (await manager.query(
      `SELECT grant_id, starts_at, ends_at, duration, requested_duration, capped
       FROM approvals.grants WHERE request_id = $1`,
      [requestId],
    )) as GrantRow[];
    if (row === undefined) {
      return null;
    }
    return {
      grantId: row.grant_id,
      startsAt: row.starts_at.toISOString(),
      endsAt: row.ends_at.toISOString(),
      duration: row.duration,
      requestedDuration: row.requested_duration,
      capped: row.capped,
    };
  }

  private async findRequest(
    manager: EntityManager,
    requestId: string,
    locking: 'FOR UPDATE' | '',
  ): Promise<ApprovalRequestRecord | null> {
    const [row] = (await manager.query(
      `SELECT * FROM approvals.approval_requests WHERE request_id = $1 ${locking}`,
      [requestId],
    )) as ApprovalRequestRow[];
    return row === undefined ? null : toRecord(row);
  }
}

function toRecord(row: ApprovalRequestRow): ApprovalRequestRecord {
  return {
    requestId: row.request_id,
    requester: { id: row.requester_id, groups: row.requester_groups },
    resource: row.resource,
    role: row.role,
    requestedDuration: row.requested_duration,
    grantedDuration: row.granted_duration,
    grantedDurationMs: Number(row.granted_duration_ms),
    capped: row.capped,
    justification: row.justification,
    ticket: row.ticket,
    startAt: row.start_at,
    policyId: row.policy_id,
    autoApproveRule: row.auto_approve_rule,
    approverGroups: row.approver_groups,
    approvalsRequired: row.approvals_required,
    status: row.status,
    decideBy: row.decide_by,
    correlationId: row.correlation_id,
    createdAt: row.created_at,
    resolvedAt: row.resolved_at,
    resolvedBy: row.resolved_by,
  };
}
