import { Inject, Injectable, Logger } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { causedBy, createEvent, DomainEvent, EventEnvelope } from '@app/contracts';
import { CLOCK, Clock } from '@app/domain';
import { Emit, TransactionalOutbox } from '@app/platform';
import { decideOptOutWithdrawal, GrantEndEvent, WithdrawalReason } from './grant-end.decider';
import { lapseDueAfterUse, planOptOutDeadlines } from './opt-out-deadlines';
import {
  DeadlineKind,
  LockedDeadline,
  ScheduleRepository,
  StoredGrant,
} from './schedule.repository';

export type ScheduleChange =
  | 'grant-scheduled'
  | 'decision-scheduled'
  | 'decision-cancelled'
  | 'opt-out-scheduled'
  | 'opt-out-renewed'
  | 'lapse-moved'
  | 'review-cancelled'
  | 'opt-out-ended'
  | 'unchanged'
  | 'duplicate'
  | 'ignored';

const CONSUMER = 'expiry-access-events';

// An opt-out ended early keeps its review: a revoked break-glass still has to be reviewed.
const DEADLINES_ENDED_WITH_ACCESS: readonly DeadlineKind[] = [
  'grant-end',
  'unused-lapse',
  'recertification',
];

type Work = (manager: EntityManager, emit: Emit) => Promise<ScheduleChange>;

type OptOutChangeEvent =
  | EventEnvelope<'OptOutRenewed'>
  | EventEnvelope<'OptOutUsed'>
  | EventEnvelope<'OptOutRevoked'>
  | EventEnvelope<'OptOutLapsed'>;

interface LockedOptOut {
  grant: StoredGrant;
  deadlines: LockedDeadline[];
}

/** Keeps the schedule in step with the access events: what to end, and when, and what not. */
@Injectable()
export class ScheduleService {
  private readonly logger = new Logger(ScheduleService.name);

  constructor(
    private readonly outbox: TransactionalOutbox,
    private readonly repository: ScheduleRepository,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async apply(event: DomainEvent): Promise<ScheduleChange> {
    switch (event.type) {
      case 'GrantIssued':
        return this.once(event, (manager) => this.scheduleGrantEnd(manager, event));
      case 'ApprovalRequested':
        return this.once(event, (manager) => this.scheduleRequestDecision(manager, event));
      case 'RequestApproved':
      case 'RequestDenied':
      case 'RequestExpired':
      case 'AccessRequestRefused':
        return this.once(event, (manager) =>
          this.cancelRequestDecision(manager, event.data.requestId),
        );
      case 'OptOutActivated':
        return this.once(event, (manager) => this.scheduleOptOut(manager, event));
      case 'OptOutRenewed':
        return this.once(event, (manager) => this.renewOptOut(manager, event));
      case 'OptOutUsed':
        return this.once(event, (manager) => this.moveUnusedLapse(manager, event));
      case 'BreakGlassReviewed':
        return this.once(event, (manager) => this.cancelReview(manager, event.data.optOutId));
      case 'OptOutRevoked':
        return this.once(event, (manager, emit) =>
          this.withdrawOptOut(manager, emit, event, event.data.revokedAt, 'revoked'),
        );
      case 'OptOutLapsed':
        return this.once(event, (manager, emit) =>
          this.withdrawOptOut(manager, emit, event, event.data.lapsedAt, 'lapsed'),
        );
      case 'AccessRequested':
      case 'ApprovalRecorded':
      case 'RequestDeadlinePassed':
      case 'GrantExpired':
      case 'AccessRevoked':
      case 'RecordDeadLettered':
      case 'OptOutRequested':
      case 'OptOutRefused':
      case 'OptOutApprovalRecorded':
      case 'OptOutDenied':
      case 'OptOutExpired':
      case 'OptOutDeadlinePassed':
      case 'BreakGlassReviewOverdue':
      case 'BreakGlassEligibilitySuspended':
      case 'BreakGlassEligibilityRestored':
      case 'LegacyExemptionRecertificationDue':
      case 'AnomalyDetected':
      case 'NoticeEscalated':
      case 'NoticeAcknowledged':
        return 'ignored';
      default:
        return assertNever(event);
    }
  }

  private async once(event: DomainEvent, work: Work): Promise<ScheduleChange> {
    let change: ScheduleChange = 'duplicate';
    await this.outbox.handleOnce(CONSUMER, event.id, async (manager, emit) => {
      change = await work(manager, emit);
    });
    return change;
  }

  private async scheduleGrantEnd(
    manager: EntityManager,
    event: EventEnvelope<'GrantIssued'>,
  ): Promise<ScheduleChange> {
    const grant = event.data;

    // Waits for a scheduler deciding on the same access, so that decision sees this grant or
    // completes before it exists; never half of each.
    // Limitation: a grant consumed after an earlier grant of the same access already ended cannot
    // take back that AccessRevoked; downstream sees the revocation, then this grant, which revokes
    // again at its own end.
    await this.repository.lockAccessKeys(manager, [grant]);
    const inserted = await this.repository.insertGrant(manager, {
      ...grant,
      kind: 'jit-grant',
      lapseAfterUnused: null,
    });
    if (!inserted) return 'unchanged';

    await this.repository.scheduleDeadline(manager, {
      kind: 'grant-end',
      targetId: grant.grantId,
      requestId: grant.requestId,
      dueAt: grant.endsAt,
      correlationId: event.correlationId,
      causeEventId: event.id,
    });
    return 'grant-scheduled';
  }

  private async scheduleRequestDecision(
    manager: EntityManager,
    event: EventEnvelope<'ApprovalRequested'>,
  ): Promise<ScheduleChange> {
    const scheduled = await this.repository.scheduleDeadline(manager, {
      kind: 'request-decision',
      targetId: event.data.requestId,
      requestId: event.data.requestId,
      dueAt: event.data.decideBy,
      correlationId: event.correlationId,
      causeEventId: event.id,
    });
    return scheduled ? 'decision-scheduled' : 'unchanged';
  }

  private async cancelRequestDecision(
    manager: EntityManager,
    requestId: string,
  ): Promise<ScheduleChange> {
    const cancelled = await this.repository.cancelRequestDecision(manager, requestId);
    return cancelled ? 'decision-cancelled' : 'unchanged';
  }

  /** The opt-out's access is held like a grant's, so JIT grants and opt-outs cover each other. */
  private async scheduleOptOut(
    manager: EntityManager,
    event: EventEnvelope<'OptOutActivated'>,
  ): Promise<ScheduleChange> {
    const optOut = event.data;
    const plan = planOptOutDeadlines(optOut);
    if (!plan.ok) {
      this.logger.error({
        msg: 'opt-out has a lapse period that is not a duration; scheduling it without a lapse',
        optOutId: optOut.optOutId,
        problem: plan.problem,
        eventId: event.id,
        correlationId: event.correlationId,
      });
    }

    // As for a grant: a scheduler deciding on the same access sees this opt-out whole or not.
    // Limitation: like a grant, an opt-out consumed after a JIT grant of the same access already
    // ended cannot take back that AccessRevoked; the access is revoked again when the opt-out ends.
    await this.repository.lockAccessKeys(manager, [optOut]);
    const inserted = await this.repository.insertGrant(manager, {
      grantId: optOut.optOutId,
      requestId: optOut.optOutId,
      kind: optOut.kind,
      subject: optOut.subject,
      resource: optOut.resource,
      role: optOut.role,
      startsAt: optOut.startsAt,
      endsAt: optOut.endsAt,
      lapseAfterUnused: plan.ok ? optOut.lapseAfterUnused : null,
    });
    if (!inserted) return 'unchanged';

    for (const deadline of plan.deadlines) {
      await this.repository.scheduleDeadline(manager, {
        kind: deadline.kind,
        targetId: optOut.optOutId,
        requestId: optOut.optOutId,
        dueAt: deadline.dueAt.toISOString(),
        correlationId: event.correlationId,
        causeEventId: event.id,
      });
    }
    return 'opt-out-scheduled';
  }

  /** Moves the end (and the recertification) of an opt-out that is still active. */
  private async renewOptOut(
    manager: EntityManager,
    event: EventEnvelope<'OptOutRenewed'>,
  ): Promise<ScheduleChange> {
    const renewal = event.data;
    // Limitation: a renewal consumed after the end fired finds the opt-out expired and changes
    // nothing; the access stays revoked and the opt-out has to be asked for again.
    const optOut = await this.lockActiveOptOut(manager, event, { withAccessKey: true });
    if (!optOut) return 'unchanged';

    const origin = { correlationId: event.correlationId, causeEventId: event.id };
    const target = { targetId: renewal.optOutId, requestId: renewal.optOutId, ...origin };
    await this.repository.moveGrantEnd(manager, renewal.optOutId, renewal.endsAt);
    await this.repository.rescheduleDeadline(manager, {
      kind: 'grant-end',
      dueAt: renewal.endsAt,
      ...target,
    });
    if (renewal.recertifyBy === null) {
      await this.repository.cancelDeadlines(manager, renewal.optOutId, ['recertification']);
    } else {
      await this.repository.rescheduleDeadline(manager, {
        kind: 'recertification',
        dueAt: renewal.recertifyBy,
        ...target,
      });
    }
    return 'opt-out-renewed';
  }

  /**
   * A use keeps a standing exception alive for another lapse period. A lapse deadline that fired
   * before this use was consumed is scheduled again, since the approvals service may have found
   * the opt-out in use then and would otherwise never look again.
   */
  private async moveUnusedLapse(
    manager: EntityManager,
    event: EventEnvelope<'OptOutUsed'>,
  ): Promise<ScheduleChange> {
    const { optOutId, usedAt } = event.data;
    const optOut = await this.lockActiveOptOut(manager, event, { withAccessKey: false });
    const lapse = optOut?.deadlines.find((deadline) => deadline.kind === 'unused-lapse');
    const lapseAfterUnused = optOut?.grant.lapseAfterUnused ?? null;
    if (!lapse || lapse.status === 'cancelled' || lapseAfterUnused === null) return 'unchanged';

    const moved = lapseDueAfterUse(lapse.dueAt, new Date(usedAt), lapseAfterUnused);
    if (!moved.ok || moved.dueAt.getTime() === lapse.dueAt.getTime()) return 'unchanged';

    await this.repository.rescheduleDeadline(manager, {
      kind: 'unused-lapse',
      targetId: optOutId,
      requestId: optOutId,
      dueAt: moved.dueAt.toISOString(),
      correlationId: event.correlationId,
      causeEventId: event.id,
    });
    return 'lapse-moved';
  }

  private async cancelReview(manager: EntityManager, optOutId: string): Promise<ScheduleChange> {
    const cancelled = await this.repository.cancelDeadlines(manager, optOutId, ['review']);
    return cancelled.length > 0 ? 'review-cancelled' : 'unchanged';
  }

  /**
   * Ends an opt-out's access now: its end, lapse and recertification will not fire, and access is
   * revoked unless another active grant or opt-out still holds it.
   */
  private async withdrawOptOut(
    manager: EntityManager,
    emit: Emit,
    event: EventEnvelope<'OptOutRevoked'> | EventEnvelope<'OptOutLapsed'>,
    endedAt: string,
    reason: WithdrawalReason,
  ): Promise<ScheduleChange> {
    const optOutId = event.data.optOutId;
    const optOut = await this.lockActiveOptOut(manager, event, { withAccessKey: true });
    if (!optOut) return 'unchanged';
    const ending = optOut.grant;

    const grantsOfKey = await this.repository.findGrantsOfKeys(manager, [ending], [optOutId]);
    const decided = decideOptOutWithdrawal(ending, grantsOfKey, new Date(endedAt), reason);

    const now = this.clock.now();
    await this.repository.markGrantsEnded(manager, [optOutId], reason, now);
    await this.repository.cancelDeadlines(manager, optOutId, DEADLINES_ENDED_WITH_ACCESS);
    await emit(decided.map((decision) => toEnvelope(decision, event, now)));
    return 'opt-out-ended';
  }

  /**
   * The opt-out and its deadlines, locked (the deadlines first, then its access key when asked, in
   * the order the scheduler takes them), or null when it is not active here.
   */
  private async lockActiveOptOut(
    manager: EntityManager,
    event: OptOutChangeEvent,
    options: { withAccessKey: boolean },
  ): Promise<LockedOptOut | null> {
    const optOutId = event.data.optOutId;
    let grant = await this.repository.findGrant(manager, optOutId);
    let deadlines: LockedDeadline[] = [];
    if (grant) {
      deadlines = await this.repository.lockDeadlinesOf(manager, optOutId);
      if (options.withAccessKey) await this.repository.lockAccessKeys(manager, [grant]);
      // Read again: what the locks waited for may have ended it.
      grant = await this.repository.findGrant(manager, optOutId);
    }
    if (grant?.status === 'active' && grant.kind !== 'jit-grant') return { grant, deadlines };

    this.logger.log({
      msg: 'opt-out is not active here; nothing to change',
      type: event.type,
      optOutId,
      status: grant?.status ?? 'unknown',
      eventId: event.id,
      correlationId: event.correlationId,
    });
    return null;
  }
}

function toEnvelope(decision: GrantEndEvent, cause: OptOutChangeEvent, now: Date): DomainEvent {
  const origin = { ...causedBy(cause, 'expiry', now), partitionKey: cause.data.optOutId };
  switch (decision.type) {
    case 'GrantExpired':
      return createEvent(decision.type, decision.data, origin);
    case 'OptOutExpired':
      return createEvent(decision.type, decision.data, origin);
    case 'AccessRevoked':
      return createEvent(decision.type, decision.data, origin);
  }
}

function assertNever(event: never): never {
  throw new Error(`unhandled event type ${(event as DomainEvent).type}`);
}
