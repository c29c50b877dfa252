import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { createEvent, DomainEvent, Principal } from '@app/contracts';
import { CLOCK, Clock } from '@app/domain';
import { Emit, TransactionalOutbox } from '@app/platform';
import { DeliveryRepository } from '../deliveries/delivery.repository';
import { toDeliveryView } from '../deliveries/delivery.schemas';
import { WebhookDispatcher } from '../webhooks/webhook.dispatcher';
import {
  buildNoticeContent,
  HISTORY_WINDOW_MS,
  NoticeContent,
  NoticeFacts,
} from './notice.builder';
import {
  NoticeAlreadyAcknowledgedError,
  NotANoticeRecipientError,
  OwnNoticeError,
  UnknownNoticeError,
} from './notice.errors';
import { NoticePlan, planNotices } from './notice-plan';
import { isNoticeEvent, NoticeEvent, nextLevelWithRecipients, recipientsAt } from './notice-policy';
import { NewEscalation, NoticeRecord, NoticeRepository } from './notice.repository';
import { NoticeRouting } from './notice-routing';
import { NoticeListView, toNoticeView } from './notice.schemas';
import { NOTICE_SETTINGS, NoticeSettings } from './notice-settings';
import { anomalyRecordOf, evolveOptOutRecord, optOutIdOf } from './opt-out-history';

/** The processed-events name under which each opt-out event is turned into notices once. */
export const NOTICE_CONSUMER = 'opt-out-notices';

export type NoticeOutcome =
  | { outcome: 'not-a-notice' }
  | { outcome: 'duplicate' }
  | { outcome: 'remembered'; reason: 'no-routing' }
  | { outcome: 'noticed'; severity: string; notices: number; deliveries: number };

export type EscalationReason = NewEscalation['reason'];

@Injectable()
export class NoticeService implements OnApplicationBootstrap {
  private readonly logger = new Logger(NoticeService.name);

  constructor(
    private readonly outbox: TransactionalOutbox,
    private readonly notices: NoticeRepository,
    private readonly deliveries: DeliveryRepository,
    private readonly dispatcher: WebhookDispatcher,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(NOTICE_SETTINGS) private readonly settings: NoticeSettings,
  ) {}

  onApplicationBootstrap(): void {
    const routing = this.settings.routing;
    if (!routing) {
      this.logger.log({
        msg: 'NOTIFICATION_ROUTING_FILE is not set; no opt-out notice will be sent',
      });
      return;
    }
    this.logger.log({
      msg: 'opt-out notices routed',
      routingFile: routing.source,
      recipients: routing.recipients.size,
      levels: routing.levels.length,
    });
  }

  /**
   * Remembers what the event says about the person's opt-outs and anomalies, then creates one
   * notice per level-0 recipient (the person left out) with its deliveries, all in one
   * transaction with the event's id: an event read again creates nothing.
   */
  async handle(event: DomainEvent): Promise<NoticeOutcome> {
    if (!isNoticeEvent(event)) return { outcome: 'not-a-notice' };

    let outcome = { outcome: 'duplicate' } as NoticeOutcome;
    await this.outbox.handleOnce(NOTICE_CONSUMER, event.id, async (manager) => {
      const facts = await this.remember(manager, event);
      const routing = this.settings.routing;
      if (!routing) {
        outcome = { outcome: 'remembered', reason: 'no-routing' };
        return;
      }

      const content = buildNoticeContent(facts, routing.baseUrls);
      const plan = this.plan(routing, content, event.correlationId, 0, null);
      const created = await this.insert(manager, plan);
      outcome = { outcome: 'noticed', severity: content.severity, ...created };
    });

    if (outcome.outcome === 'noticed' && outcome.deliveries > 0) this.dispatcher.wake();
    return outcome;
  }

  /**
   * Sends the event's notice to the next level with someone to tell, once per level however
   * many instances try, and emits NoticeEscalated. Returns false when the level was reached
   * already or nobody is left to reach.
   */
  async escalate(notice: NoticeRecord, reason: EscalationReason): Promise<boolean> {
    const routing = this.settings.routing;
    if (!routing) return false;
    const now = this.clock.now();
    const toLevel = nextLevelWithRecipients(routing, notice.level, notice.personId);
    const recipients = toLevel === null ? [] : recipientsAt(routing, toLevel, notice.personId);
    const escalation: NewEscalation = {
      eventId: notice.eventId,
      fromLevel: notice.level,
      // With nobody left, the claim still records that this level was dealt with.
      toLevel: toLevel ?? notice.level + 1,
      noticeId: notice.id,
      reason,
      recipients: recipients.map((recipient) => recipient.id),
      escalatedAt: now,
    };

    const escalated = await this.outbox.transaction(async (manager, emit) => {
      if (!(await this.notices.claimEscalation(manager, escalation))) return false;
      if (toLevel === null) {
        this.logger.error({
          msg: 'notice not acknowledged or not delivered, and no level is left to escalate to',
          noticeId: notice.id,
          eventId: notice.eventId,
          level: notice.level,
          reason,
        });
        return false;
      }

      const plan = this.plan(routing, notice.content, notice.correlationId, toLevel, {
        fromLevel: notice.level,
        reason,
      });
      await this.insert(manager, plan);
      await this.emitEscalated(emit, notice, escalation, now);
      return true;
    });

    if (escalated) {
      this.dispatcher.wake();
      this.logger.warn({
        msg: 'notice escalated',
        noticeId: notice.id,
        eventId: notice.eventId,
        eventType: notice.eventType,
        severity: notice.severity,
        reason,
        fromLevel: notice.level,
        toLevel,
        recipients: escalation.recipients,
      });
    }
    return escalated;
  }

  /**
   * Records that someone looked at the event a notice is about: the first acknowledgement of
   * any of its notices counts, stops every escalation of the event, and emits NoticeAcknowledged.
   */
  async acknowledge(noticeId: string, caller: Principal): Promise<NoticeListView> {
    const notice = await this.notices.findNotice(noticeId);
    if (!notice) throw new UnknownNoticeError(noticeId);
    this.guardAcknowledger(notice, caller.id);

    const now = this.clock.now();
    await this.outbox.transaction(async (manager, emit) => {
      const result = await this.notices.acknowledge(manager, notice, caller.id, now);
      if (!result.first) {
        throw new NoticeAlreadyAcknowledgedError(
          noticeId,
          result.acknowledgedBy,
          result.acknowledgedAt,
        );
      }
      await emit([
        createEvent(
          'NoticeAcknowledged',
          {
            noticeId: notice.id,
            eventId: notice.eventId,
            eventType: notice.eventType,
            acknowledgedBy: caller.id,
            acknowledgedAt: now.toISOString(),
          },
          {
            source: 'notifications',
            time: now,
            partitionKey: notice.partitionKey,
            correlationId: notice.correlationId,
            causationId: notice.eventId,
          },
        ),
      ]);
    });

    this.logger.log({
      msg: 'notice acknowledged',
      noticeId,
      eventId: notice.eventId,
      acknowledgedBy: caller.id,
    });
    return this.listByEvent(notice.eventId);
  }

  async listByEvent(eventId: string): Promise<NoticeListView> {
    const notices = await this.notices.listByEvent(eventId);
    const escalations = await this.notices.escalationsOf(eventId);
    const deliveries =
      notices.length === 0
        ? []
        : await this.deliveries.list({
            eventId,
            noticeIds: notices.map((notice) => notice.id),
            limit: 500,
          });
    const views = deliveries.map(toDeliveryView);
    const acknowledged = notices.find((notice) => notice.acknowledgedAt !== null) ?? null;
    return {
      eventId,
      acknowledged: acknowledged
        ? {
            noticeId: acknowledged.id,
            by: acknowledged.acknowledgedBy!,
            at: acknowledged.acknowledgedAt!.toISOString(),
          }
        : null,
      escalations: escalations.map((escalation) => ({
        fromLevel: escalation.fromLevel,
        toLevel: escalation.toLevel,
        reason: escalation.reason,
        recipients: escalation.recipients,
        escalatedAt: escalation.escalatedAt.toISOString(),
      })),
      notices: notices.map((notice) =>
        toNoticeView(
          notice,
          views.filter((delivery) => delivery.noticeId === notice.id),
          acknowledged !== null,
          escalations.some((escalation) => escalation.fromLevel === notice.level),
        ),
      ),
    };
  }

  private guardAcknowledger(notice: NoticeRecord, callerId: string): void {
    if (callerId === notice.personId) throw new OwnNoticeError(notice.id, callerId);
    const leads = this.settings.routing?.levels[0] ?? [];
    if (callerId !== notice.recipientId && !leads.includes(callerId)) {
      throw new NotANoticeRecipientError(notice.id, callerId);
    }
  }

  private async remember(manager: EntityManager, event: NoticeEvent): Promise<NoticeFacts> {
    const optOutId = optOutIdOf(event);
    const before = await this.notices.findOptOut(manager, optOutId);
    const optOut = evolveOptOutRecord(before, event);
    if (optOut) await this.notices.saveOptOut(manager, optOut);
    if (event.type === 'AnomalyDetected') {
      await this.notices.saveAnomaly(manager, anomalyRecordOf(event.data));
    }

    const person = optOut?.subject ?? ('subject' in event.data ? event.data.subject : null);
    if (!person) return { event, optOut, history: [], anomalies: [] };
    const to = new Date(event.time);
    const from = new Date(to.getTime() - HISTORY_WINDOW_MS);
    const anomalyId = event.type === 'AnomalyDetected' ? event.data.anomalyId : null;
    return {
      event,
      optOut,
      history: await this.notices.optOutsOf(manager, person, from, to, optOutId),
      anomalies: await this.notices.anomaliesOf(manager, person, from, to, anomalyId),
    };
  }

  private plan(
    routing: NoticeRouting,
    content: NoticeContent,
    correlationId: string,
    level: number,
    escalation: { fromLevel: number; reason: EscalationReason } | null,
  ): NoticePlan {
    return planNotices({
      content,
      correlationId,
      recipients: recipientsAt(routing, level, content.personId),
      level,
      escalation,
      routing,
      mailFrom: this.settings.smtp?.from ?? 'jit-access@localhost',
      now: this.clock.now(),
      newId: randomUUID,
    });
  }

  /** Only the deliveries of notices that did not exist yet: a recipient is told once per event. */
  private async insert(
    manager: EntityManager,
    plan: NoticePlan,
  ): Promise<{ notices: number; deliveries: number }> {
    const inserted = new Set(await this.notices.insertNotices(manager, plan.notices));
    const deliveries = plan.deliveries.filter(
      (delivery) => delivery.noticeId !== null && inserted.has(delivery.noticeId),
    );
    const created = await this.deliveries.insertPending(manager, deliveries);
    return { notices: inserted.size, deliveries: created };
  }

  private async emitEscalated(
    emit: Emit,
    notice: NoticeRecord,
    escalation: NewEscalation,
    now: Date,
  ): Promise<void> {
    await emit([
      createEvent(
        'NoticeEscalated',
        {
          noticeId: notice.id,
          eventId: notice.eventId,
          eventType: notice.eventType,
          severity: notice.severity,
          reason: escalation.reason,
          fromLevel: escalation.fromLevel,
          toLevel: escalation.toLevel,
          recipients: escalation.recipients,
          escalatedAt: now.toISOString(),
        },
        {
          source: 'notifications',
          time: now,
          partitionKey: notice.partitionKey,
          correlationId: notice.correlationId,
          causationId: notice.eventId,
        },
      ),
    ]);
  }
}
