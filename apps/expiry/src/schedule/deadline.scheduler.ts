import {
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnModuleDestroy,
} from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { createEvent, DomainEvent, EventOrigin } from '@app/contracts';
import { CLOCK, Clock } from '@app/domain';
import { PollingLoop } from '@app/messaging';
import { TransactionalOutbox } from '@app/platform';
import { SchedulerOptions } from '../expiry.config';
import { accessKeyOf, decideGrantEnd, GrantEndEvent, ScheduledGrant } from './grant-end.decider';
import { outlivesOptOut } from './opt-out-deadlines';
import { DeadlineKind, DueDeadline, ScheduleRepository } from './schedule.repository';

export const SCHEDULER_OPTIONS = Symbol('SCHEDULER_OPTIONS');

interface BatchResult {
  fired: number;
  grantsExpired: number;
  optOutsExpired: number;
  accessRevoked: number;
  requestDeadlines: number;
  optOutDeadlines: number;
}

const NOTHING_FIRED: BatchResult = {
  fired: 0,
  grantsExpired: 0,
  optOutsExpired: 0,
  accessRevoked: 0,
  requestDeadlines: 0,
  optOutDeadlines: 0,
};
const MAX_RETRY_DELAY_MS = 5000;

/**
 * Fires every deadline that is due, once. Deadlines live in the database, so what came due while
 * no instance ran fires at the next start; rows are claimed with SKIP LOCKED, so instances side
 * by side split the work and none fires a deadline another is firing.
 */
@Injectable()
export class DeadlineScheduler implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(DeadlineScheduler.name);
  private readonly polling: PollingLoop;

  constructor(
    private readonly outbox: TransactionalOutbox,
    private readonly repository: ScheduleRepository,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(SCHEDULER_OPTIONS) private readonly options: SchedulerOptions,
  ) {
    this.polling = new PollingLoop({
      round: async () => {
        await this.runOnce();
        return 'wait';
      },
      idleMs: options.pollIntervalMs,
      backoff: { baseMs: options.pollIntervalMs, maxMs: MAX_RETRY_DELAY_MS },
      logger: this.logger,
      failureMessage: 'firing deadlines failed; retrying',
    });
  }

  onApplicationBootstrap(): void {
    this.polling.start();
  }

  // Before the runtime closes the database in its shutdown hook.
  async onModuleDestroy(): Promise<void> {
    await this.polling.stop();
  }

  /**
   * Fires everything due now, a batch per transaction, and returns how many deadlines fired.
   * Between batches it yields to the event loop so that a long backlog does not starve HTTP.
   */
  async runOnce(): Promise<number> {
    let total = 0;
    let batches = 0;
    for (;;) {
      const result = await this.fireDueBatch();
      total += result.fired;
      batches += 1;
      if (result.fired > 0) this.logBatch(result, total, batches);
      if (result.fired < this.options.batchSize || this.polling.stopping) return total;

      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  private async fireDueBatch(): Promise<BatchResult> {
    const now = this.clock.now();
    return this.outbox.transaction(async (manager, emit) => {
      const due = await this.repository.claimDueDeadlines(manager, now, this.options.batchSize);
      if (due.length === 0) return NOTHING_FIRED;

      const ends = await this.endGrants(
        manager,
        due.filter((deadline) => deadline.kind === 'grant-end'),
        now,
      );
      await this.repository.markDeadlinesFired(
        manager,
        due.map((deadline) => deadline.id),
        now,
      );
      // In due order, so that each key's events keep the order of their deadlines.
      const events = due.flatMap((deadline) =>
        deadline.kind === 'grant-end'
          ? (ends.get(deadline.id) ?? [])
          : this.deadlinePassed(deadline, deadline.kind, now),
      );
      await emit(events);

      return summarize(due, events);
    });
  }

  /**
   * Ends the grants and opt-outs in due order, each decision seeing the ones ended before it as
   * expired; returns what each deadline emits.
   */
  private async endGrants(
    manager: EntityManager,
    deadlines: DueDeadline[],
    now: Date,
  ): Promise<Map<string, DomainEvent[]>> {
    const keys = deadlines.flatMap((deadline) => (deadline.access ? [deadline.access] : []));
    await this.repository.lockAccessKeys(manager, keys);
    const grants = await this.repository.findGrantsOfKeys(
      manager,
      keys,
      deadlines.map((deadline) => deadline.targetId),
    );
    const byId = new Map(grants.map((grant) => [grant.grantId, grant]));
    const byKey = groupByAccessKey(grants);

    const events = new Map<string, DomainEvent[]>();
    const expiredIds: string[] = [];
    for (const deadline of deadlines) {
      const grant = byId.get(deadline.targetId);
      if (!grant) {
        this.logger.error({
          msg: 'grant-end deadline has no grant; firing it without effect',
          deadlineId: deadline.id,
          grantId: deadline.targetId,
          requestId: deadline.requestId,
        });
        continue;
      }

      const decided = decideGrantEnd(grant, byKey.get(accessKeyOf(grant)) ?? []);
      if (decided.length === 0) {
        this.logger.log({
          msg: 'grant was no longer active; nothing to end',
          grantId: grant.grantId,
          requestId: grant.requestId,
          kind: grant.kind,
          status: grant.status,
        });
        continue;
      }
      // The grant objects are shared with byKey, so later decisions in this batch see it ended.
      grant.status = 'expired';
      expiredIds.push(grant.grantId);
      const origin = originOf(deadline, now);
      events.set(
        deadline.id,
        decided.map((event) => toEnvelope(event, origin)),
      );
    }

    await this.repository.markGrantsEnded(manager, expiredIds, 'expired', now);
    return events;
  }

  private deadlinePassed(
    deadline: DueDeadline,
    kind: Exclude<DeadlineKind, 'grant-end'>,
    now: Date,
  ): DomainEvent[] {
    const origin = originOf(deadline, now);
    const dueAt = deadline.dueAt.toISOString();
    if (kind === 'request-decision') {
      return [
        createEvent(
          'RequestDeadlinePassed',
          { requestId: deadline.requestId, decideBy: dueAt },
          origin,
        ),
      ];
    }

    if (deadline.targetEndsAt && outlivesOptOut(kind, deadline.dueAt, deadline.targetEndsAt)) {
      this.logger.log({
        msg: 'opt-out deadline falls after the opt-out ends; nothing to decide',
        deadline: kind,
        optOutId: deadline.targetId,
        dueAt,
      });
      return [];
    }
    return [
      createEvent(
        'OptOutDeadlinePassed',
        { optOutId: deadline.targetId, deadline: kind, dueAt },
        origin,
      ),
    ];
  }

  private logBatch(result: BatchResult, total: number, batches: number): void {
    this.logger.log({
      msg: 'deadlines fired',
      ...result,
      firedSoFar: total,
      batch: batches,
    });
  }
}

function originOf(deadline: DueDeadline, now: Date): EventOrigin {
  return {
    source: 'expiry',
    time: now,
    partitionKey: deadline.requestId,
    correlationId: deadline.correlationId,
    causationId: deadline.causeEventId,
  };
}

function toEnvelope(event: GrantEndEvent, origin: EventOrigin): DomainEvent {
  switch (event.type) {
    case 'GrantExpired':
      return createEvent(event.type, event.data, origin);
    case 'OptOutExpired':
      return createEvent(event.type, event.data, origin);
    case 'AccessRevoked':
      return createEvent(event.type, event.data, origin);
  }
}

function summarize(due: readonly DueDeadline[], events: readonly DomainEvent[]): BatchResult {
  const countOf = (type: DomainEvent['type']) =>
    events.filter((event) => event.type === type).length;
  return {
    fired: due.length,
    grantsExpired: countOf('GrantExpired'),
    optOutsExpired: countOf('OptOutExpired'),
    accessRevoked: countOf('AccessRevoked'),
    requestDeadlines: countOf('RequestDeadlinePassed'),
    optOutDeadlines: countOf('OptOutDeadlinePassed'),
  };
}

function groupByAccessKey(grants: ScheduledGrant[]): Map<string, ScheduledGrant[]> {
  const byKey = new Map<string, ScheduledGrant[]>();
  for (const grant of grants) {
    const key = accessKeyOf(grant);
    const ofKey = byKey.get(key) ?? [];
    ofKey.push(grant);
    byKey.set(key, ofKey);
  }
  return byKey;
}
