import { Inject, Injectable, Logger } from '@nestjs/common';
import { DataSource, EntityManager, QueryFailedError } from 'typeorm';
import { causedBy, EventEnvelope, EventOrigin, Principal } from '@app/contracts';
import { ApprovalCommand, CLOCK, Clock, decideApproval } from '@app/domain';
import { TransactionalOutbox } from '@app/platform';
import { ApprovalRequestRecord, toApprovalState } from './approval-request';
import { ApprovalRequestRepository } from './approval-request.repository';
import { ApprovalPlan, planApprovalOutcome } from './approval-outcome.planner';
import { ApprovalView } from './approval-view';
import { ApprovalRefusedError, UnknownRequestError } from './approval.errors';
import { ACCESS_EVENTS_HANDLER } from './approvals.constants';

type PersonalDecision = Extract<ApprovalCommand, { kind: 'approve' | 'deny' }>;

/**
 * Approvals, denials and expiry of pending requests. Each decision locks the request's row, so
 * concurrent decisions on one request are taken one after the other and only the first resolves it.
 */
@Injectable()
export class ApprovalService {
  private readonly logger = new Logger(ApprovalService.name);

  constructor(
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly outbox: TransactionalOutbox,
    private readonly repository: ApprovalRequestRepository,
    private readonly dataSource: DataSource,
  ) {}

  approve(requestId: string, approver: Principal, comment: string | null): Promise<ApprovalView> {
    return this.decideAs(requestId, { kind: 'approve', approver, comment });
  }

  deny(requestId: string, approver: Principal, comment: string | null): Promise<ApprovalView> {
    return this.decideAs(requestId, { kind: 'deny', approver, comment });
  }

  async getApproval(requestId: string): Promise<ApprovalView> {
    const view = await this.repository.findView(this.dataSource.manager, requestId);
    if (view === null) {
      throw new UnknownRequestError(requestId);
    }
    return view;
  }

  async expire(deadline: EventEnvelope<'RequestDeadlinePassed'>): Promise<void> {
    const now = this.clock.now();
    const { requestId } = deadline.data;
    const origin: EventOrigin = {
      ...causedBy(deadline, 'approvals', now),
      partitionKey: requestId,
    };

    let outcome = 'duplicate-event';
    await this.outbox.handleOnce(ACCESS_EVENTS_HANDLER, deadline.id, async (manager, emit) => {
      const request = await this.repository.lock(manager, requestId);
      if (request === null) {
        outcome = 'unknown-request';
        return;
      }
      const plan = await this.decideLocked(manager, request, { kind: 'expire' }, now, origin);
      await emit(plan.events);
      outcome = plan.resolution === null ? `already-${request.status}` : 'expired';
    });

    const level = outcome === 'unknown-request' ? 'warn' : 'log';
    this.logger[level]({
      msg: 'request deadline handled',
      requestId,
      correlationId: deadline.correlationId,
      eventId: deadline.id,
      decideBy: deadline.data.decideBy,
      outcome,
    });
  }

  private async decideAs(requestId: string, command: PersonalDecision): Promise<ApprovalView> {
    const now = this.clock.now();

    const { view, correlationId } = await this.outbox
      .transaction(async (manager, emit) => {
        const request = await this.repository.lock(manager, requestId);
        if (request === null) {
          throw new UnknownRequestError(requestId);
        }
        const origin: EventOrigin = {
          source: 'approvals',
          time: now,
          partitionKey: requestId,
          correlationId: request.correlationId,
          causationId: null,
        };
        const plan = await this.decideLocked(manager, request, command, now, origin);
        await emit(plan.events);
        return {
          view: await this.repository.findView(manager, requestId),
          correlationId: request.correlationId,
        };
      })
      .catch((error: unknown) => {
        throw explainConstraintViolation(error, requestId, command.approver.id);
      });
    if (view === null) {
      throw new UnknownRequestError(requestId);
    }

    this.logger.log({
      msg: command.kind === 'approve' ? 'approval recorded' : 'request denied',
      requestId,
      correlationId,
      approver: command.approver.id,
      status: view.status,
      grantId: view.grant?.grantId,
    });
    return view;
  }

  private async decideLocked(
    manager: EntityManager,
    request: ApprovalRequestRecord,
    command: ApprovalCommand,
    now: Date,
    origin: EventOrigin,
  ): Promise<ApprovalPlan> {
    const approvals = await this.repository.listApprovals(manager, request.requestId);
    const decision = decideApproval(toApprovalState(request, approvals), command, now);
    if (!decision.ok) {
      throw new ApprovalRefusedError(request.requestId, decision.error);
    }

    const plan = planApprovalOutcome(request, decision.events, origin);
    await this.repository.saveOutcome(manager, request.requestId, plan);
    return plan;
  }
}

// The row lock makes these unreachable; the keys are the backstop should a decision slip past it.
function explainConstraintViolation(error: unknown, requestId: string, approver: string): unknown {
  if (!(error instanceof QueryFailedError)) {
    return error;
  }
  const driverError = error.driverError as { code?: string; constraint?: string };
  if (driverError.code !== '23505') {
    return error;
  }
  if (driverError.constraint === 'decisions_pkey') {
    return new ApprovalRefusedError(requestId, {
      code: 'already-resolved',
      message: `request ${requestId} is already resolved`,
    });
  }
  if (driverError.constraint === 'approvals_pkey') {
    return new ApprovalRefusedError(requestId, {
      code: 'already-approved-by-you',
      message: `${approver} has already approved request ${requestId}`,
    });
  }
  return error;
}
