import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { DomainEvent, EventEnvelope } from '@app/contracts';
import { TransactionalOutbox } from '@app/platform';
import { ScheduleRepository } from './schedule.repository';

export type ScheduleChange =
  | 'grant-scheduled'
  | 'decision-scheduled'
  | 'decision-cancelled'
  | 'unchanged'
  | 'duplicate'
  | 'ignored';

const CONSUMER = 'expiry-access-events';

/** Keeps the schedule in step with the access events: what to end, and when, and what not. */
@Injectable()
export class ScheduleService {
  constructor(
    private readonly outbox: TransactionalOutbox,
    private readonly repository: ScheduleRepository,
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
      case 'AccessRequested':
      case 'ApprovalRecorded':
      case 'RequestDeadlinePassed':
      case 'GrantExpired':
      case 'AccessRevoked':
      case 'RecordDeadLettered':
        return 'ignored';
      default:
        return assertNever(event);
    }
  }

  private async once(
    event: DomainEvent,
    work: (manager: EntityManager) => Promise<ScheduleChange>,
  ): Promise<ScheduleChange> {
    let change: ScheduleChange = 'duplicate';
    await this.outbox.handleOnce(CONSUMER, event.id, async (manager) => {
      change = await work(manager);
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
    const inserted = await this.repository.insertGrant(manager, grant);
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
}

function assertNever(event: never): never {
  throw new Error(`unhandled event type ${(event as DomainEvent).type}`);
}
