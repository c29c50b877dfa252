import { Inject, Injectable, Logger } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { EventEnvelope, Principal } from '@app/contracts';
import {
  CLOCK,
  Clock,
  decideOptOut,
  evolveOptOut,
  OptOutCommand,
  OptOutOutcome,
  OptOutRoles,
  OptOutState,
  parseDuration,
  PolicySet,
} from '@app/domain';
import { Emit, TransactionalOutbox } from '@app/platform';
import { ACCESS_EVENTS_HANDLER, POLICIES } from './approvals.constants';
import { toEnvelopes } from './opt-out-events';
import { originOf } from './opt-out-request.service';
import { OptOutRepository } from './opt-out.repository';
import {
  InvalidDurationError,
  OptOutCommandRefusedError,
  UnknownOptOutError,
} from './opt-out.errors';
import { ListOptOutsQuery } from './opt-out.schemas';
import { BreakGlassEligibilityView, OptOutView, toOptOutView } from './opt-out-view';

export const OPT_OUT_LIST_LIMIT = 100;

type PersonalCommand = Exclude<OptOutCommand, { kind: 'review' | 'pass-deadline' }>;
type CommandOf<K extends PersonalCommand['kind']> = Extract<PersonalCommand, { kind: K }>;

/**
 * Everything that happens to an opt-out after it was asked for: decisions by people over HTTP
 * and the deadlines and ends the expiry service announces. Each locks the opt-out's row, so
 * concurrent approvals, renewals and revocations of one opt-out are taken one after the other,
 * also across instances.
 */
@Injectable()
export class OptOutLifecycleService {
  private readonly logger = new Logger(OptOutLifecycleService.name);
  private readonly roles: OptOutRoles;

  constructor(
    @Inject(POLICIES) policies: PolicySet,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly outbox: TransactionalOutbox,
    private readonly repository: OptOutRepository,
    private readonly dataSource: DataSource,
  ) {
    this.roles = {
      securityLeadGroups: policies.optOuts?.securityLeads.groups ?? [],
      usageReporterGroups: policies.optOuts?.usageReporters.groups ?? [],
    };
  }

  approve(optOutId: string, approver: Principal, comment: string | null): Promise<OptOutView> {
    return this.decideAs(optOutId, { kind: 'approve', approver, comment });
  }

  deny(optOutId: string, approver: Principal, comment: string | null): Promise<OptOutView> {
    return this.decideAs(optOutId, { kind: 'deny', approver, comment });
  }

  renew(optOutId: string, by: Principal, duration: string, attestation: string) {
    const parsed = parseDuration(duration);
    if (!parsed.ok) {
      throw new InvalidDurationError(parsed.error.message);
    }
    const command: CommandOf<'renew'> = {
      kind: 'renew',
      by,
      durationMs: parsed.value.milliseconds,
      attestation,
    };
    return this.decideAs(optOutId, command);
  }

  reportUse(optOutId: string, by: Principal): Promise<OptOutView> {
    return this.decideAs(optOutId, { kind: 'report-use', by });
  }

  revoke(optOutId: string, by: Principal, reason: string): Promise<OptOutView> {
    return this.decideAs(optOutId, { kind: 'revoke', by, reason });
  }

  async review(
    optOutId: string,
    reviewer: Principal,
    outcome: 'justified' | 'unjustified',
    notes: string,
  ): Promise<OptOutView> {
    const now = this.clock.now();
    const state = await this.outbox.transaction(async (manager, emit) => {
      const current = await this.lockOrFail(manager, optOutId);
      const subject = await this.subjectStanding(manager, current);
      const command: OptOutCommand = { kind: 'review', reviewer, outcome, notes, subject };
      return this.apply(manager, emit, current, command, now, null);
    });

    this.logger.log({
      msg: 'break-glass reviewed',
      optOutId,
      correlationId: state.correlationId,
      reviewer: reviewer.id,
      outcome,
      late: state.review.late,
    });
    return toOptOutView(state);
  }

  async get(optOutId: string): Promise<OptOutView> {
    const state = await this.repository.find(this.dataSource.manager, optOutId);
    if (state === null) {
      throw new UnknownOptOutError(optOutId);
    }
    return toOptOutView(state);
  }

  // Limitation: only the newest OPT_OUT_LIST_LIMIT opt-outs that match are listed; no paging.
  async list(query: ListOptOutsQuery): Promise<OptOutView[]> {
    const states = await this.repository.list(this.dataSource.manager, {
      status: query.status ?? null,
      kind: query.kind ?? null,
      subject: query.subject ?? null,
      limit: OPT_OUT_LIST_LIMIT,
    });
    return states.map(toOptOutView);
  }

  async breakGlassEligibility(subject: string): Promise<BreakGlassEligibilityView> {
    const manager = this.dataSource.manager;
    const suspension = await this.repository.findSuspension(manager, subject);
    const overdue = await this.repository.overdueReviews(manager, subject);
    return {
      subject,
      suspended: suspension.suspendedAt !== null,
      suspendedAt: suspension.suspendedAt?.toISOString() ?? null,
      overdueReviews: overdue.map((state) => ({
        optOutId: state.optOutId,
        resource: state.resource,
        role: state.role,
        incident: state.incident,
        reviewBy: state.reviewBy ?? state.requestedAt,
      })),
    };
  }

  /** A deadline the expiry service scheduled: lapse, review overdue, or recertification due. */
  async passDeadline(deadline: EventEnvelope<'OptOutDeadlinePassed'>): Promise<void> {
    const now = this.clock.now();
    const { optOutId } = deadline.data;

    let outcome = 'duplicate-event';
    await this.outbox.handleOnce(ACCESS_EVENTS_HANDLER, deadline.id, async (manager, emit) => {
      const current = await this.repository.lock(manager, optOutId);
      if (current === null) {
        outcome = 'unknown-opt-out';
        return;
      }
      const suspended =
        current.kind === 'break-glass' && deadline.data.deadline === 'review'
          ? (await this.repository.lockSuspension(manager, current.requester.id)).suspendedAt !==
            null
          : false;
      const command: OptOutCommand = {
        kind: 'pass-deadline',
        deadline: deadline.data.deadline,
        dueAt: deadline.data.dueAt,
        subject: { suspended },
      };
      const next = await this.apply(manager, emit, current, command, now, deadline);
      outcome = next === current ? 'unchanged' : next.status;
    });

    const level = outcome === 'unknown-opt-out' ? 'warn' : 'log';
    this.logger[level]({
      msg: 'opt-out deadline handled',
      optOutId,
      correlationId: deadline.correlationId,
      eventId: deadline.id,
      deadline: deadline.data.deadline,
      dueAt: deadline.data.dueAt,
      outcome,
    });
  }

  /** The expiry service ended the opt-out at its end instant. */
  async recordExpiry(expired: EventEnvelope<'OptOutExpired'>): Promise<void> {
    const now = this.clock.now();
    const { optOutId } = expired.data;

    let outcome = 'duplicate-event';
    await this.outbox.handleOnce(ACCESS_EVENTS_HANDLER, expired.id, async (manager) => {
      const current = await this.repository.lock(manager, optOutId);
      if (current === null) {
        outcome = 'unknown-opt-out';
        return;
      }
      const next = evolveOptOut(current, { type: 'OptOutExpired', data: expired.data });
      await this.repository.save(manager, next, now);
      outcome = next.status;
    });

    this.logger.log({
      msg: 'opt-out expiry recorded',
      optOutId,
      correlationId: expired.correlationId,
      eventId: expired.id,
      outcome,
    });
  }

  private async decideAs(optOutId: string, command: PersonalCommand): Promise<OptOutView> {
    const now = this.clock.now();
    const state = await this.outbox.transaction(async (manager, emit) => {
      const current = await this.lockOrFail(manager, optOutId);
      return this.apply(manager, emit, current, command, now, null);
    });

    this.logger.log({
      msg: `opt-out ${command.kind} recorded`,
      optOutId,
      correlationId: state.correlationId,
      by: actorOf(command),
      status: state.status,
    });
    return toOptOutView(state);
  }

  /** Decides, stores the new state and the person's suspension, and emits, in one transaction. */
  private async apply(
    manager: EntityManager,
    emit: Emit,
    current: OptOutState,
    command: OptOutCommand,
    now: Date,
    cause: Pick<EventEnvelope, 'id'> | null,
  ): Promise<OptOutState> {
    const decision = decideOptOut(current, command, this.roles, now);
    if (!decision.ok) {
      throw new OptOutCommandRefusedError(current.optOutId, decision.error);
    }
    if (decision.events.length === 0) {
      return current;
    }

    const next = decision.events.reduce(evolveOptOut, current);
    await this.repository.save(manager, next, now);
    await this.applySuspensions(manager, decision.events, now);
    await emit(toEnvelopes(decision.events, originOf(current, now, cause?.id ?? null)));
    return next;
  }

  private async applySuspensions(
    manager: EntityManager,
    events: OptOutOutcome[],
    now: Date,
  ): Promise<void> {
    for (const event of events) {
      if (event.type === 'BreakGlassEligibilitySuspended') {
        await this.repository.suspend(manager, event.data.subject, event.data.optOutId, now);
      }
      if (event.type === 'BreakGlassEligibilityRestored') {
        await this.repository.restore(manager, event.data.subject);
      }
    }
  }

  private async subjectStanding(
    manager: EntityManager,
    state: OptOutState,
  ): Promise<{ suspended: boolean; otherOverdueReviews: number }> {
    if (state.kind !== 'break-glass') {
      return { suspended: false, otherOverdueReviews: 0 };
    }
    const suspension = await this.repository.lockSuspension(manager, state.requester.id);
    const overdue = await this.repository.overdueReviews(manager, state.requester.id);
    return {
      suspended: suspension.suspendedAt !== null,
      otherOverdueReviews: overdue.filter((other) => other.optOutId !== state.optOutId).length,
    };
  }

  private async lockOrFail(manager: EntityManager, optOutId: string): Promise<OptOutState> {
    const state = await this.repository.lock(manager, optOutId);
    if (state === null) {
      throw new UnknownOptOutError(optOutId);
    }
    return state;
  }
}

function actorOf(command: PersonalCommand): string {
  switch (command.kind) {
    case 'approve':
    case 'deny':
      return command.approver.id;
    case 'renew':
    case 'report-use':
    case 'revoke':
      return command.by.id;
    default:
      return unreachable(command);
  }
}

function unreachable(value: never): never {
  throw new Error(`unhandled command ${JSON.stringify(value)}`);
}
